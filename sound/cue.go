// Package sound owns the bench's audible cues: three short sounds that
// tell a packer whose eyes are on the parcel what the station did — a
// rising chime for a printed label, a low double buzz for a problem, a
// single mid tone for "have a look" — synthesized here (no sound files)
// and played through the OS sound device (ALSA on Linux, WASAPI on
// Windows) by a Player that never blocks or backs up the bench.
package sound

import (
	"encoding/binary"
	"math"
	"time"
)

// Cue is one of the bench's sounds.
type Cue int

const (
	// Success: a rising two-tone chime (A5 then E6), a label printed.
	Success Cue = iota
	// Problem: a low, harsh double buzz, clearly unlike the chime:
	// nothing was printed.
	Problem
	// Attention: one plain mid tone: the bench needs a look.
	Attention
)

// cues are every cue, in order.
var cues = []Cue{Success, Problem, Attention}

func (c Cue) String() string {
	switch c {
	case Success:
		return "success"
	case Problem:
		return "problem"
	case Attention:
		return "attention"
	}
	return "unknown"
}

// Duration is how long the cue sounds.
func (c Cue) Duration() time.Duration {
	return time.Duration(len(c.samples())) * time.Second / sampleRate
}

const (
	// sampleRate is the rate of every cue and of the device stream:
	// 48 kHz is what WASAPI and most ALSA hardware run at natively.
	sampleRate = 48000
	// channels: the cue is mono, written to both channels, because some
	// devices refuse a mono stream.
	channels = 2
	// level is a tone's peak, of full scale: loud enough for a bench,
	// with headroom for a fading cue that overlaps the next.
	level = 0.5
	// attack and release are the raised-cosine fades at each note's ends:
	// a note that starts or stops mid-wave clicks.
	attack  = 5 * time.Millisecond
	release = 10 * time.Millisecond
)

// note is one sounding part of a cue, after a silent gap.
type note struct {
	gap   time.Duration // silence before the note
	freq  float64       // fundamental, Hz
	dur   time.Duration
	buzz  bool          // odd harmonics (a band-limited square wave) instead of a pure sine
	decay time.Duration // a chime's exponential decay time constant; 0 = held
}

// score is what each cue plays. The gaps keep notes apart, so each is
// heard (and measured) on its own.
func (c Cue) score() []note {
	switch c {
	case Success:
		return []note{
			{freq: 880, dur: 100 * time.Millisecond, decay: 150 * time.Millisecond},
			{gap: 15 * time.Millisecond, freq: 1320, dur: 180 * time.Millisecond, decay: 200 * time.Millisecond},
		}
	case Problem:
		return []note{
			{freq: 200, dur: 150 * time.Millisecond, buzz: true},
			{gap: 80 * time.Millisecond, freq: 200, dur: 150 * time.Millisecond, buzz: true},
		}
	case Attention:
		return []note{{freq: 660, dur: 220 * time.Millisecond}}
	}
	return nil
}

// take is a cue made ready to play: its samples and its stream bytes.
type take struct {
	samples []int16
	pcm     []byte
}

// rendered holds every cue, made once.
var rendered = func() map[Cue]take {
	out := map[Cue]take{}
	for _, c := range cues {
		s := render(c.score())
		out[c] = take{samples: s, pcm: stereoPCM(s)}
	}
	return out
}()

// samples is the cue as mono 16-bit samples at sampleRate.
func (c Cue) samples() []int16 { return rendered[c].samples }

// pcm is the cue as the device stream takes it: 16-bit signed little
// endian, interleaved stereo, at sampleRate.
func (c Cue) pcm() []byte { return rendered[c].pcm }

func frames(d time.Duration) int { return int(d * sampleRate / time.Second) }

// render synthesizes a score: each note after its gap, shaped by its
// envelope so every note starts and ends at zero.
func render(score []note) []int16 {
	var out []int16
	for _, n := range score {
		out = append(out, make([]int16, frames(n.gap))...)
		count := frames(n.dur)
		na, nr := frames(attack), frames(release)
		for i := range count {
			t := float64(i) / sampleRate
			var v float64
			if n.buzz {
				v = squareWave(n.freq, t)
			} else {
				v = math.Sin(2 * math.Pi * n.freq * t)
			}
			env := 1.0
			if n.decay > 0 {
				env = math.Exp(-t / n.decay.Seconds())
			}
			if i < na {
				env *= 0.5 - 0.5*math.Cos(math.Pi*float64(i)/float64(na))
			}
			if left := count - 1 - i; left < nr {
				env *= 0.5 - 0.5*math.Cos(math.Pi*float64(left)/float64(nr))
			}
			out = append(out, int16(math.Round(v*env*level*math.MaxInt16)))
		}
	}
	return out
}

// buzzHarmonics is the highest odd harmonic of the buzz: enough for a
// harsh square-ish sound, below where a 48 kHz stream would alias.
const buzzHarmonics = 11

// squareWave is a band-limited square wave (odd harmonics at 1/k),
// scaled to peak near ±1.
func squareWave(freq, t float64) float64 {
	var v float64
	for k := 1; k <= buzzHarmonics; k += 2 {
		v += math.Sin(2*math.Pi*float64(k)*freq*t) / float64(k)
	}
	// The sum overshoots π/4 by the Gibbs peak (~9%): 0.85 keeps the
	// peak at or under 1.
	return v / (math.Pi / 4) * 0.85
}

// stereoPCM writes mono samples to both channels, little endian.
func stereoPCM(s []int16) []byte {
	b := make([]byte, 0, len(s)*2*channels)
	for _, v := range s {
		for range channels {
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		}
	}
	return b
}
