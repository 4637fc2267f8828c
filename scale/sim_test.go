package scale

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

func readN(t *testing.T, s Scale, n int) []Reading {
	t.Helper()
	rs := make([]Reading, 0, n)
	for range n {
		r, err := s.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return rs
}

func TestSimSwingsThenSettlesWithinNoise(t *testing.T) {
	t.Parallel()
	const target, noise = 1250.0, 2.0
	const settle = 60 * time.Millisecond
	s := NewSim(SimOptions{Weight: target, Noise: noise, Settle: settle, Interval: 3 * time.Millisecond, Seed: 1})
	defer s.Close()

	rs := readN(t, s, 45) // 135ms
	t0 := rs[0].Time
	var maxSwing float64
	settledSeen, values := 0, map[float64]bool{}
	for _, r := range rs {
		since := r.Time.Sub(t0)
		if since < settle {
			if r.Stable {
				t.Fatalf("reading at %s is marked stable while the parcel swings", since)
			}
			maxSwing = math.Max(maxSwing, math.Abs(r.Grams-target))
			continue
		}
		if !r.Stable {
			t.Fatalf("reading at %s (after settle) is not stable", since)
		}
		if d := math.Abs(r.Grams - target); d > noise+0.5 {
			t.Fatalf("settled reading %v g is %v g off the target, more than ±%v g", r.Grams, d, noise)
		}
		if r.Grams != math.Round(r.Grams) {
			t.Fatalf("reading %v is not a multiple of the 1 g resolution", r.Grams)
		}
		settledSeen++
		values[r.Grams] = true
	}
	if math.Abs(rs[0].Grams) > noise+0.5 {
		t.Errorf("the first reading is %v g, want about 0 (the parcel lands at the first read)", rs[0].Grams)
	}
	if maxSwing < 100 {
		t.Errorf("the parcel never overshot: max deviation while moving %v g", maxSwing)
	}
	if settledSeen < 20 {
		t.Errorf("only %d settled readings", settledSeen)
	}
	if len(values) < 2 {
		t.Errorf("settled readings show no jitter: %v", values)
	}
}

func TestSimReadingsComeAtInterval(t *testing.T) {
	t.Parallel()
	s := NewSim(SimOptions{Interval: 20 * time.Millisecond})
	defer s.Close()
	start := time.Now()
	rs := readN(t, s, 6)
	if d := time.Since(start); d < 95*time.Millisecond {
		t.Fatalf("6 readings at 20ms took only %s: Read does not wait for the next reading", d)
	}
	for i := 1; i < len(rs); i++ {
		if gap := rs[i].Time.Sub(rs[i-1].Time); gap != 20*time.Millisecond {
			t.Fatalf("readings %d and %d are %s apart, want 20ms", i-1, i, gap)
		}
	}
}

func TestSimSameSeedSameReadings(t *testing.T) {
	t.Parallel()
	series := func(seed uint64) map[int64]float64 {
		s := NewSim(SimOptions{Weight: 800, Noise: 3, Settle: 20 * time.Millisecond, Interval: time.Millisecond, Seed: seed})
		defer s.Close()
		// 60 readings at 1 ms: under -race on a loaded machine a reader
		// misses slots, and 15 must still be common to both runs.
		rs := readN(t, s, 60)
		bySlot := map[int64]float64{}
		for _, r := range rs {
			bySlot[int64(r.Time.Sub(rs[0].Time)/time.Millisecond)] = r.Grams
		}
		return bySlot
	}
	a, b, c := series(7), series(7), series(8)
	common, differ := 0, 0
	for slot, g := range a {
		if h, ok := b[slot]; ok {
			common++
			if g != h {
				t.Fatalf("slot %d: seed 7 gave %v and %v", slot, g, h)
			}
		}
		if h, ok := c[slot]; ok && h != g {
			differ++
		}
	}
	if common < 15 {
		t.Fatalf("only %d common slots to compare", common)
	}
	if differ == 0 {
		t.Fatal("seeds 7 and 8 gave identical readings")
	}
}

func TestSimPlaceAndRemove(t *testing.T) {
	t.Parallel()
	s := NewSim(SimOptions{Settle: 20 * time.Millisecond, Interval: 3 * time.Millisecond, Seed: 3})
	defer s.Close()

	if r := readN(t, s, 1)[0]; r.Grams != 0 || !r.Stable {
		t.Fatalf("empty platter reads %+v, want a stable 0", r)
	}
	s.Place(850)
	rs := readN(t, s, 14)
	if rs[0].Stable {
		t.Error("the reading right after Place is stable")
	}
	if last := rs[len(rs)-1]; !last.Stable || math.Abs(last.Grams-850) > 1.5 {
		t.Fatalf("42ms after Place(850) the scale reads %+v", last)
	}
	s.Remove()
	rs = readN(t, s, 14)
	if last := rs[len(rs)-1]; !last.Stable || last.Grams != 0 {
		t.Fatalf("after Remove the scale reads %+v, want a stable 0", last)
	}
}

func TestSimReadHonoursContextAndClose(t *testing.T) {
	t.Parallel()
	s := NewSim(SimOptions{Interval: time.Hour})
	readN(t, s, 1) // slot 0 is immediate; the next is an hour away

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := s.Read(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read with a 30ms deadline: %v", err)
	}

	errc := make(chan error, 1)
	go func() { _, err := s.Read(context.Background()); errc <- err }()
	time.Sleep(10 * time.Millisecond)
	s.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("blocked Read after Close: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Close did not wake a blocked Read")
	}
	if _, err := s.Read(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
}

func TestSimResolution(t *testing.T) {
	t.Parallel()
	s := NewSim(SimOptions{Weight: 1234, Noise: 4, Resolution: 5, Settle: 10 * time.Millisecond, Interval: 2 * time.Millisecond, Seed: 9})
	defer s.Close()
	for _, r := range readN(t, s, 20) {
		if q := r.Grams / 5; q != math.Round(q) {
			t.Fatalf("reading %v g is not a multiple of 5 g", r.Grams)
		}
	}
}
