package sound

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
)

// The cues are judged by listening to their samples as a meter would:
// where the sound is (runs above a threshold, in 1 ms windows), how long
// each part lasts, and which frequency is loudest in it (Goertzel over a
// sweep of frequencies) — not by reading the score back.

// heard is one sounding part of a cue.
type heard struct {
	start, dur time.Duration
	samples    []int16
}

// soundingParts splits samples into parts louder than -40 dBFS (RMS per
// 1 ms window), separated by quieter stretches.
func soundingParts(s []int16) []heard {
	const win = sampleRate / 1000
	threshold := 0.01 * math.MaxInt16
	var parts []heard
	in, from := false, 0
	for w := 0; w*win < len(s); w++ {
		seg := s[w*win : min((w+1)*win, len(s))]
		loud := rms(seg) > threshold
		switch {
		case loud && !in:
			in, from = true, w*win
		case !loud && in:
			in = false
			parts = append(parts, part(s, from, w*win))
		}
	}
	if in {
		parts = append(parts, part(s, from, len(s)))
	}
	return parts
}

func part(s []int16, from, to int) heard {
	return heard{start: frameTime(from), dur: frameTime(to - from), samples: s[from:to]}
}

func frameTime(n int) time.Duration { return time.Duration(n) * time.Second / sampleRate }

func rms(s []int16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(s)))
}

// goertzel is the power of one frequency in the samples.
func goertzel(s []int16, freq float64) float64 {
	w := 2 * math.Pi * freq / sampleRate
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range s {
		s0 := float64(v) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - coeff*s1*s2
}

// loudest is the frequency with the most power between 100 Hz and 4 kHz,
// in 5 Hz steps.
func loudest(s []int16) float64 {
	best, bestPower := 0.0, 0.0
	for f := 100.0; f <= 4000; f += 5 {
		if p := goertzel(s, f); p > bestPower {
			best, bestPower = f, p
		}
	}
	return best
}

// middle is the steady middle of a part, without its fades.
func middle(h heard) []int16 {
	cut := frames(release) + frames(attack)
	return h.samples[cut : len(h.samples)-cut]
}

// zeroCrossings counts sign changes: a pure tone of f Hz crosses zero
// 2·f times a second.
func zeroCrossings(s []int16) int {
	n := 0
	for i := 1; i < len(s); i++ {
		if (s[i-1] < 0) != (s[i] < 0) {
			n++
		}
	}
	return n
}

// TestSoundCuesHaveTheirNotes: each cue has the parts, lengths and pitches
// the bench is told about: success a rising two-tone chime, problem a low
// double buzz, attention one mid tone.
func TestSoundCuesHaveTheirNotes(t *testing.T) {
	type want struct {
		gap  time.Duration // silence before the part
		freq float64
		dur  time.Duration
		buzz bool // rich in odd harmonics, not a pure tone
	}
	for _, tc := range []struct {
		cue   Cue
		parts []want
	}{
		{Success, []want{{0, 880, 100 * time.Millisecond, false}, {15 * time.Millisecond, 1320, 180 * time.Millisecond, false}}},
		{Problem, []want{{0, 200, 150 * time.Millisecond, true}, {80 * time.Millisecond, 200, 150 * time.Millisecond, true}}},
		{Attention, []want{{0, 660, 220 * time.Millisecond, false}}},
	} {
		t.Run(tc.cue.String(), func(t *testing.T) {
			parts := soundingParts(tc.cue.samples())
			if len(parts) != len(tc.parts) {
				t.Fatalf("%d sounding parts, want %d: %+v", len(parts), len(tc.parts), parts)
			}
			for i, w := range tc.parts {
				h := parts[i]
				// The fades take a few ms below the threshold at each end.
				if h.dur < w.dur-12*time.Millisecond || h.dur > w.dur {
					t.Errorf("part %d lasts %s, want about %s", i+1, h.dur, w.dur)
				}
				gap := h.start
				if i > 0 {
					gap -= parts[i-1].start + parts[i-1].dur
				}
				if gap < w.gap || gap > w.gap+12*time.Millisecond {
					t.Errorf("part %d comes after %s of silence, want about %s", i+1, gap, w.gap)
				}
				m := middle(h)
				if got := loudest(m); math.Abs(got-w.freq) > 5 {
					t.Errorf("part %d is loudest at %.0f Hz, want %.0f Hz", i+1, got, w.freq)
				}
				// A buzz carries its third harmonic at about 1/3 of the
				// fundamental (1/9 the power); a pure tone has none.
				third := goertzel(m, 3*w.freq) / goertzel(m, w.freq)
				switch {
				case w.buzz && third < 0.05:
					t.Errorf("part %d is not a buzz: third harmonic at %.4f of the fundamental's power", i+1, third)
				case !w.buzz && third > 0.001:
					t.Errorf("part %d is not a pure tone: third harmonic at %.4f of the fundamental's power", i+1, third)
				}
				if !w.buzz {
					secs := float64(len(m)) / sampleRate
					if got, exp := float64(zeroCrossings(m)), 2*w.freq*secs; math.Abs(got-exp) > 3 {
						t.Errorf("part %d crosses zero %.0f times, a %.0f Hz tone would %.0f times", i+1, got, w.freq, exp)
					}
				}
			}
		})
	}
}

// TestSoundCuesStartAndEndInSilence: no click at either end — the first
// and last samples are zero and the first and last millisecond are
// quiet — and the level is loud enough without clipping.
func TestSoundCuesStartAndEndInSilence(t *testing.T) {
	for _, c := range cues {
		t.Run(c.String(), func(t *testing.T) {
			s := c.samples()
			if s[0] != 0 || s[len(s)-1] != 0 {
				t.Errorf("first sample %d, last %d, want 0 and 0", s[0], s[len(s)-1])
			}
			ms := sampleRate / 1000
			peak := 0
			for _, v := range s {
				peak = max(peak, abs(int(v)))
			}
			for name, edge := range map[string][]int16{"first": s[:ms], "last": s[len(s)-ms:]} {
				for _, v := range edge {
					if abs(int(v)) > peak/8 {
						t.Errorf("the %s millisecond reaches %d, more than 1/8 of the peak %d: it would click", name, abs(int(v)), peak)
						break
					}
				}
			}
			if full := float64(peak) / math.MaxInt16; full < 0.3 || full > 0.95 {
				t.Errorf("peak at %.2f of full scale, want between 0.3 (heard at a bench) and 0.95 (no clipping)", full)
			}
			if d := c.Duration(); d < 150*time.Millisecond || d > 500*time.Millisecond {
				t.Errorf("the cue lasts %s: a bench cue is short, but long enough to hear", d)
			}
		})
	}
}

// TestSoundCuesDiffer: no two cues sound alike — different loudest
// pitches in their first parts, or a different number of parts.
func TestSoundCuesDiffer(t *testing.T) {
	type print struct {
		parts int
		pitch float64
	}
	seen := map[print]Cue{}
	for _, c := range cues {
		parts := soundingParts(c.samples())
		if len(parts) == 0 {
			t.Fatalf("%s: silent", c)
		}
		p := print{len(parts), loudest(middle(parts[0]))}
		if other, ok := seen[p]; ok {
			t.Errorf("%s sounds like %s: %+v", c, other, p)
		}
		seen[p] = c
	}
}

// TestSoundPCMIsStereo16BitLittleEndian: the stream the device gets is
// each sample, little endian, on both channels.
func TestSoundPCMIsStereo16BitLittleEndian(t *testing.T) {
	for _, c := range cues {
		s, b := c.samples(), c.pcm()
		if len(b) != len(s)*4 {
			t.Fatalf("%s: %d bytes for %d samples, want 4 a frame", c, len(b), len(s))
		}
		for i, v := range s {
			l := int16(binary.LittleEndian.Uint16(b[4*i:]))
			r := int16(binary.LittleEndian.Uint16(b[4*i+2:]))
			if l != v || r != v {
				t.Fatalf("%s frame %d: left %d right %d, want %d on both", c, i, l, r, v)
			}
		}
		if got, want := c.Duration(), frameTime(len(s)); got != want {
			t.Errorf("%s: Duration %s, want %s", c, got, want)
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
