package scale

import (
	"context"
	"sync"
	"time"
)

// fakeScale produces readings from fn at a fixed interval in real time,
// like a scale's continuous output. fn gets the reading's index and the
// time since the first reading.
type fakeScale struct {
	interval time.Duration
	fn       func(i int, since time.Duration) (grams float64, stable bool, err error)

	mu    sync.Mutex
	start time.Time
	n     int
}

func (f *fakeScale) Read(ctx context.Context) (Reading, error) {
	t := time.NewTimer(f.interval)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return Reading{}, ctx.Err()
	}
	f.mu.Lock()
	now := time.Now()
	if f.start.IsZero() {
		f.start = now
	}
	i := f.n
	f.n++
	since := now.Sub(f.start)
	f.mu.Unlock()
	g, stable, err := f.fn(i, since)
	if err != nil {
		return Reading{}, err
	}
	return Reading{Grams: g, Stable: stable, Time: now}, nil
}

func (f *fakeScale) reads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func (f *fakeScale) String() string { return "test scale" }
func (f *fakeScale) Close() error   { return nil }

// coarseScale is a fakeScale that reports a display division.
type coarseScale struct {
	*fakeScale
	res float64
}

func (c coarseScale) Resolution() float64 { return c.res }

func steady(g float64) func(int, time.Duration) (float64, bool, error) {
	return func(int, time.Duration) (float64, bool, error) { return g, true, nil }
}

func cycle(vals ...float64) func(int, time.Duration) (float64, bool, error) {
	return func(i int, _ time.Duration) (float64, bool, error) { return vals[i%len(vals)], true, nil }
}
