package scale

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Why WaitStable failed, for errors.Is: the GUI offers to type the weight
// in all three cases, but says different things.
var (
	// ErrNotSettled: a parcel was on the scale but the weight kept moving.
	ErrNotSettled = errors.New("weight did not settle")
	// ErrNoParcel: the scale read less than MinGrams the whole time, or at
	// the end.
	ErrNoParcel = errors.New("no parcel on the scale")
	// ErrNoReading: the scale gave no reading at all.
	ErrNoReading = errors.New("the scale gave no reading")
)

// StableOptions tune WaitStable. Zero values take the defaults.
type StableOptions struct {
	// Window is how long the readings must hold still (default 300ms):
	// long enough to span a platter's swing, short enough that a packer
	// does not wait for it.
	Window time.Duration
	// Tolerance is the largest spread in grams (highest minus lowest
	// reading) allowed within the window. The default is the largest of
	//   - 5 g: the ±1–2 g flicker of a 1 g bench scale;
	//   - 2 divisions of the scale: a coarse scale's last-digit flicker
	//     (a 15 kg scale with d = 5 g flickers by 10 g);
	//   - 0.2% of the weight: a 25 kg box sways by tens of grams.
	// A parcel that is still swinging moves by far more than any of these.
	Tolerance float64
	// MinGrams is the least weight that counts as a parcel (default 5 g):
	// an empty platter drifting around zero is not a parcel.
	MinGrams float64
	// Timeout bounds the wait (default 5s).
	Timeout time.Duration
	// Resolution in grams rounds the result; default the scale's own
	// (ResolutionReporter), else 1 g.
	Resolution float64
	// MinReadings is the least number of agreeing readings a window must
	// hold (default 3): a scale that answers slowly must still be seen to
	// agree with itself, not just twice across the window.
	MinReadings int
}

const (
	defaultWindow    = 300 * time.Millisecond
	defaultMinGrams  = 5.0
	defaultTimeout   = 5 * time.Second
	defaultReadings  = 3
	minTolerance     = 5.0
	toleranceDivs    = 2.0
	toleranceOfValue = 0.002
)

func (o StableOptions) withDefaults(s Scale) StableOptions {
	if o.Window <= 0 {
		o.Window = defaultWindow
	}
	if o.MinGrams <= 0 {
		o.MinGrams = defaultMinGrams
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.MinReadings < 2 {
		o.MinReadings = defaultReadings
	}
	if o.Resolution <= 0 {
		if rr, ok := s.(ResolutionReporter); ok && rr.Resolution() > 0 {
			o.Resolution = rr.Resolution()
		} else {
			o.Resolution = 1
		}
	}
	return o
}

// ToleranceFor is the spread in grams the filter allows around grams,
// with the defaults filled in for s: for comparing two weights the way
// the filter would (was the weight the packer saw the one booked?).
func (o StableOptions) ToleranceFor(s Scale, grams float64) float64 {
	return o.withDefaults(s).tolerance(grams)
}

// tolerance for a window whose mean is mean.
func (o StableOptions) tolerance(mean float64) float64 {
	if o.Tolerance > 0 {
		return o.Tolerance
	}
	return max(minTolerance, toleranceDivs*o.Resolution, toleranceOfValue*math.Abs(mean))
}

// WaitStable reads s until the weight holds still and returns it.
//
// A weight is accepted when at least MinReadings readings spanning at
// least Window all lie within Tolerance of each other, every one of them
// is at least MinGrams and every one carries the scale's own Stable flag
// and no over- or underload. The flag is required but not trusted alone:
// many scales raise it after a few equal readings, before a tall parcel
// has stopped rocking. Zero, negative, overload and underload readings
// are never a weight; they restart the window. The returned Reading holds the
// mean of the window rounded to the resolution, Stable true, and the time
// of the last reading.
//
// On timeout the error wraps ErrNotSettled, ErrNoParcel or ErrNoReading
// and tells the packer what to do; when ctx ends first, its error is
// returned.
func WaitStable(ctx context.Context, s Scale, opts StableOptions) (Reading, error) {
	o := opts.withDefaults(s)
	wctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	var (
		win  []Reading // the current candidate window, oldest first
		last *Reading
	)
	for {
		r, err := s.Read(wctx)
		if err != nil {
			if ctx.Err() != nil {
				return Reading{}, ctx.Err()
			}
			if wctx.Err() != nil {
				return Reading{}, o.timeoutError(s, last)
			}
			return Reading{}, fmt.Errorf("reading %s: %w", s, err)
		}
		if r.Time.IsZero() {
			r.Time = time.Now()
		}
		last = &r
		if !r.Stable || r.Status != StatusOK || r.Grams < o.MinGrams || math.IsNaN(r.Grams) || math.IsInf(r.Grams, 0) {
			win = win[:0]
			continue
		}
		win = append(win, r)
		// Drop the oldest readings while the rest still span the window
		// with enough readings, and while the spread is too wide.
		for len(win) > o.MinReadings && r.Time.Sub(win[1].Time) >= o.Window {
			win = win[1:]
		}
		for len(win) > 1 {
			lo, hi, mean := stats(win)
			if hi-lo <= o.tolerance(mean) {
				break
			}
			win = win[1:]
		}
		if len(win) >= o.MinReadings && r.Time.Sub(win[0].Time) >= o.Window {
			_, _, mean := stats(win)
			return Reading{Grams: roundTo(mean, o.Resolution), Stable: true, Time: r.Time}, nil
		}
	}
}

func (o StableOptions) timeoutError(s Scale, last *Reading) error {
	switch {
	case last == nil:
		return fmt.Errorf("%w within %s: check that %s is on and connected, or type the weight", ErrNoReading, o.Timeout, s)
	case last.Status == StatusOverload:
		return fmt.Errorf("%w: the scale reports overload (more than its capacity): weigh the parcel on a bigger scale and type the weight", ErrNotSettled)
	case last.Status == StatusUnderload:
		return fmt.Errorf("%w: the scale reports underload (below zero): empty the platter, zero the scale, and weigh again", ErrNotSettled)
	case last.Status == StatusFault:
		return fmt.Errorf("%w: the scale reports a fault (it needs calibrating or re-zeroing): zero it, or type the weight", ErrNotSettled)
	case last.Grams < o.MinGrams:
		return fmt.Errorf("%w within %s (it reads %s): put the parcel on the scale, or type the weight", ErrNoParcel, o.Timeout, formatGrams(last.Grams))
	default:
		return fmt.Errorf("%w within %s: keep the parcel still, or type the weight", ErrNotSettled, o.Timeout)
	}
}

func stats(rs []Reading) (lo, hi, mean float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	sum := 0.0
	for _, r := range rs {
		lo, hi = min(lo, r.Grams), max(hi, r.Grams)
		sum += r.Grams
	}
	return lo, hi, sum / float64(len(rs))
}

// roundTo rounds g to a multiple of res, without float residue.
func roundTo(g, res float64) float64 { return roundTiny(math.Round(g/res) * res) }
