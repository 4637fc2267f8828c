// Package scalesim owns the device side of a simulated serial scale: it
// answers MT-SICS, NCI and CAS requests, or streams continuous output,
// like the real scales do, on one end of a serial line (in tests and
// demos, a pty pair made with socat). Its load swings and settles like a
// platter, with noise, and it injects the faults a bench sees: line
// noise, frames cut into pieces, and the cable pulled.
//
// It is deliberately written apart from the station's decoders in
// package scale: the two sides of each protocol are written from the
// protocol, not from each other, so a test over the pty checks both.
package scalesim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// ErrUnplugged is returned by Serve when UnplugAfter has passed.
var ErrUnplugged = errors.New("simulated scale unplugged")

// Options configure a simulated scale. Zero values take the defaults.
type Options struct {
	// Protocol is sics, nci, cas or continuous.
	Protocol string
	// Format of continuous output: toledo (default) or text
	// ("ST,GS,  1.250kg").
	Format string
	// Checksum makes Toledo frames end with a checksum byte.
	Checksum bool
	// Weight in grams on the platter from the start.
	Weight float64
	// Noise in grams: a settled reading jitters within ±Noise.
	Noise float64
	// Settle is how long a placed load swings before the scale reports
	// it stable (0: at once).
	Settle time.Duration
	// Interval between frames of continuous output (default 100ms).
	Interval time.Duration
	// Capacity in grams (default 30 kg): more is overload.
	Capacity float64
	// Garbage is the chance (0–1) that a frame is preceded by line noise.
	Garbage float64
	// Split writes every frame in two or three pieces with short pauses,
	// like a slow UART or a USB adapter that flushes early.
	Split bool
	// UnplugAfter ends Serve with ErrUnplugged after this long (0: never).
	UnplugAfter time.Duration
	// Seed makes noise and faults repeatable; 0 picks one.
	Seed uint64
	// OnFrame, if set, is called after each frame's last byte was
	// written, with whether the frame said stable (for benchmarks).
	OnFrame func(at time.Time, stable bool)
}

// Device is one simulated scale. Its methods are safe for concurrent use.
type Device struct {
	opts Options

	mu       sync.Mutex
	rng      *rand.Rand
	from, to float64 // the current swing: from one load to another
	placedAt time.Time
	zero     float64 // subtracted from the load (the zero key)
	frames   int64
	garbage  int64
}

// New returns a device with opts.
func New(opts Options) (*Device, error) {
	switch opts.Protocol {
	case "sics", "nci", "cas", "continuous":
	default:
		return nil, fmt.Errorf("unknown protocol %q: use sics, nci, cas or continuous", opts.Protocol)
	}
	switch opts.Format {
	case "", "toledo", "text":
	default:
		return nil, fmt.Errorf("unknown continuous format %q: use toledo or text", opts.Format)
	}
	if opts.Garbage < 0 || opts.Garbage > 1 {
		return nil, fmt.Errorf("garbage %v is not a chance between 0 and 1", opts.Garbage)
	}
	if opts.Interval <= 0 {
		opts.Interval = 100 * time.Millisecond
	}
	if opts.Capacity <= 0 {
		opts.Capacity = 30000
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	d := &Device{opts: opts, rng: rand.New(rand.NewPCG(seed, 0x5ca1e))}
	d.from, d.to, d.placedAt = opts.Weight, opts.Weight, time.Now().Add(-opts.Settle)
	return d, nil
}

// Place puts a load of grams on the platter (replacing what was there);
// it swings from the old load for Settle. Over Capacity is overload;
// below zero (the platter lifted) is underload.
func (d *Device) Place(grams float64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	d.from, _, _ = d.shown(now)
	d.to, d.placedAt = grams, now
}

// Stats reports the frames written and the noise bursts injected.
func (d *Device) Stats() (frames, garbage int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.frames, d.garbage
}

// state is what the display shows now.
type state struct {
	grams     float64 // rounded to the gram
	moving    bool
	over      bool
	under     bool
	zeroShown bool
}

func (d *Device) now() state {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, moving, _ := d.shown(time.Now())
	g -= d.zero
	st := state{grams: math.Round(g), moving: moving}
	switch {
	case d.to > d.opts.Capacity && !moving:
		st.over = true
	case d.to < 0 && !moving:
		st.under = true
	}
	st.zeroShown = st.grams == 0 && !moving
	return st
}

// shown is the load the platter shows at t: a damped swing toward the
// new load, then the load with noise. Called with mu held.
func (d *Device) shown(t time.Time) (grams float64, moving bool, settled bool) {
	el := t.Sub(d.placedAt)
	if el < d.opts.Settle && d.from != d.to {
		x := el.Seconds() / d.opts.Settle.Seconds()
		return d.to + (d.from-d.to)*math.Exp(-4*x)*math.Cos(4*math.Pi*x), true, false
	}
	g := d.to
	if d.opts.Noise > 0 && g != 0 {
		g += (d.rng.Float64()*2 - 1) * d.opts.Noise
	}
	return g, false, true
}

// zeroNow sets the zero to the current load; it fails while moving.
func (d *Device) zeroNow() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, moving, _ := d.shown(time.Now())
	if moving {
		return false
	}
	d.zero = math.Round(g)
	return true
}

// noise is a burst of line noise: high-bit bytes and punctuation, the
// junk a wrong baud rate or a long unshielded cable produces. It holds no
// letters, digits or control characters, so it cannot pass for a frame.
func (d *Device) noise() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.opts.Garbage == 0 || d.rng.Float64() >= d.opts.Garbage {
		return nil
	}
	d.garbage++
	const punct = "#%&*~^`|!?$@;:<>"
	b := make([]byte, 1+d.rng.IntN(8))
	for i := range b {
		if d.rng.IntN(2) == 0 {
			b[i] = 0x80 + byte(d.rng.IntN(0x80))
		} else {
			b[i] = punct[d.rng.IntN(len(punct))]
		}
	}
	return b
}

// pieces cuts a frame for Split.
func (d *Device) pieces(b []byte) [][]byte {
	if !d.opts.Split || len(b) < 3 {
		return [][]byte{b}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	i := 1 + d.rng.IntN(len(b)-2)
	j := i + 1 + d.rng.IntN(len(b)-i-1)
	return [][]byte{b[:i], b[i:j], b[j:]}
}

// kg formats grams as kilograms with three decimals, width w.
func kg(grams float64, w int) string {
	s := fmt.Sprintf("%.3f", math.Abs(grams)/1000)
	if len(s) < w {
		s = strings.Repeat("0", w-len(s)) + s
	}
	return s
}
