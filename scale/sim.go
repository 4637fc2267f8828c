package scale

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// SimOptions configure a simulated scale. Zero values take the defaults,
// chosen so a demo feels like a good bench scale: a parcel settles in about
// a third of a second.
type SimOptions struct {
	// Weight in grams is put on the platter at the first Read; 0 starts
	// with an empty platter (use Place).
	Weight float64
	// Noise in grams: once settled, readings stay within ±Noise of the
	// weight (plus the last digit's rounding). Default 1 g; negative
	// means none.
	Noise float64
	// Settle is how long a placed parcel swings before the scale calls
	// the weight stable. Default 300ms; negative means at once.
	Settle time.Duration
	// Interval between readings, like a scale's output rate. Default
	// 100ms (10 readings a second).
	Interval time.Duration
	// Resolution in grams: readings are rounded to it, like a scale's
	// display division. Default 1 g.
	Resolution float64
	// Seed makes the jitter repeatable; 0 picks a random seed.
	Seed uint64
}

const (
	defaultSimNoise      = 1.0
	defaultSimSettle     = 300 * time.Millisecond
	defaultSimInterval   = 100 * time.Millisecond
	defaultSimResolution = 1.0
)

// Sim is a simulated scale for the demo and tests. A parcel put on it
// (Place, or SimOptions.Weight at the first read) swings like a real
// platter: a damped oscillation from the previous weight toward the new
// one, plus a small random jitter, with Stable false until Settle has
// passed. Readings come at a fixed Interval; Read blocks until the next.
//
// Readings are a pure function of the seed, the placements and the
// reading's slot (its index on the Interval grid), so with a fixed seed
// the same slots give the same grams whatever the scheduling.
type Sim struct {
	opts SimOptions
	seed uint64
	done chan struct{}

	mu        sync.Mutex
	closed    bool
	base      time.Time // time of slot 0: the first Read or Place
	lastSlot  int64     // last slot handed to a Read; -1 before the first
	pending   bool      // opts.Weight waits for the first Read
	from, to  float64   // the current motion: from one load to another
	placeSlot int64     // slot at which the current motion began
}

// NewSim returns a simulator with opts (zero fields take the defaults).
func NewSim(opts SimOptions) *Sim {
	if opts.Noise < 0 {
		opts.Noise = 0
	} else if opts.Noise == 0 {
		opts.Noise = defaultSimNoise
	}
	if opts.Settle < 0 {
		opts.Settle = 0
	} else if opts.Settle == 0 {
		opts.Settle = defaultSimSettle
	}
	if opts.Interval <= 0 {
		opts.Interval = defaultSimInterval
	}
	if opts.Resolution <= 0 {
		opts.Resolution = defaultSimResolution
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &Sim{
		opts:     opts,
		seed:     seed,
		done:     make(chan struct{}),
		lastSlot: -1,
		pending:  opts.Weight > 0,
	}
}

// Options returns the simulator's settings after defaults.
func (s *Sim) Options() SimOptions { return s.opts }

// Resolution is the display division in grams; readings are multiples of it.
func (s *Sim) Resolution() float64 { return s.opts.Resolution }

// String describes the scale for a status bar.
func (s *Sim) String() string { return "simulated scale" }

// Close ends the simulator; a blocked Read returns at once.
func (s *Sim) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	return nil
}

// Place sets the load on the platter to grams, as if a parcel was put on
// (or swapped for another). The reading swings from what it showed toward
// the new weight, starting with the next reading. Negative grams count as 0.
func (s *Sim) Place(grams float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.place(math.Max(grams, 0), s.nextSlot(time.Now()))
}

// Remove takes the parcel off: the reading swings back to zero.
func (s *Sim) Remove() { s.Place(0) }

// Read returns the next reading, blocking until its time (at most one
// Interval), the context ends or the simulator is closed.
func (s *Sim) Read(ctx context.Context) (Reading, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Reading{}, fmt.Errorf("%s: %w", s, ErrClosed)
	}
	slot := s.nextSlot(time.Now())
	s.lastSlot = slot
	if s.pending {
		s.place(s.opts.Weight, slot)
	}
	at := s.base.Add(time.Duration(slot) * s.opts.Interval)
	s.mu.Unlock()

	if wait := time.Until(at); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return Reading{}, ctx.Err()
		case <-s.done:
			return Reading{}, fmt.Errorf("%s: %w", s, ErrClosed)
		}
	} else if err := ctx.Err(); err != nil {
		return Reading{}, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	grams, moving := s.at(slot)
	return Reading{Grams: grams, Stable: !moving, Time: at}, nil
}

// nextSlot is the first slot at or after now that no Read has taken.
// Called with mu held.
func (s *Sim) nextSlot(now time.Time) int64 {
	if s.base.IsZero() {
		s.base = now
	}
	iv := s.opts.Interval
	slot := int64((now.Sub(s.base) + iv - 1) / iv)
	return max(slot, s.lastSlot+1)
}

// place starts a motion toward grams at slot, from what the scale would
// show there. Called with mu held.
func (s *Sim) place(grams float64, slot int64) {
	s.pending = false
	s.from = s.ideal(slot)
	s.to = grams
	s.placeSlot = slot
}

// ideal is the noiseless weight at slot: a damped oscillation from the
// previous load to the current one. Its envelope is chosen so it has
// shrunk to half the noise band exactly when Settle ends, which is when
// the jitter alone keeps the reading within ±Noise.
func (s *Sim) ideal(slot int64) float64 {
	elapsed := time.Duration(slot-s.placeSlot) * s.opts.Interval
	amp := s.from - s.to
	band := s.band()
	if elapsed <= 0 {
		return s.from
	}
	if elapsed >= s.opts.Settle || math.Abs(amp) <= band {
		return s.to
	}
	tau := s.opts.Settle.Seconds() / math.Log(math.Abs(amp)/band)
	period := s.opts.Settle.Seconds() / 2 // two swings before it settles
	t := elapsed.Seconds()
	return s.to + amp*math.Exp(-t/tau)*math.Cos(2*math.Pi*t/period)
}

// band is half the settled noise band: the largest settled deviation of
// the noiseless weight, leaving the other half to jitter.
func (s *Sim) band() float64 { return math.Max(s.opts.Noise, s.opts.Resolution) / 2 }

// at is the reading at slot: ideal weight plus jitter, rounded to the
// resolution, and whether the platter is still moving. Called with mu held.
func (s *Sim) at(slot int64) (grams float64, moving bool) {
	elapsed := time.Duration(slot-s.placeSlot) * s.opts.Interval
	moving = elapsed < s.opts.Settle && s.from != s.to
	if !moving && s.to == 0 {
		// A real scale's zero tracking shows an empty platter as exactly 0.
		return 0, false
	}
	// Jitter per slot from the seed alone, so readings do not depend on
	// how many reads happened before.
	r := rand.New(rand.NewPCG(s.seed, uint64(slot)))
	jitter := (r.Float64() - 0.5) * s.opts.Noise // within ±Noise/2
	g := s.ideal(slot) + jitter
	res := s.opts.Resolution
	g = math.Round(g/res) * res
	return roundTiny(g), moving
}

// roundTiny removes float noise such as 1250.0000000002 from a value that
// is a multiple of a decimal resolution.
func roundTiny(g float64) float64 { return math.Round(g*1e6) / 1e6 }
