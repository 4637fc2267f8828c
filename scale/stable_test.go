package scale

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

const tick = 5 * time.Millisecond

func TestWaitStableOnSimulatorReturnsTarget(t *testing.T) {
	t.Parallel()
	const settle = 60 * time.Millisecond
	s := NewSim(SimOptions{Weight: 1250, Noise: 2, Settle: settle, Interval: tick, Seed: 11})
	defer s.Close()

	start := time.Now()
	r, err := WaitStable(context.Background(), s, StableOptions{Window: 50 * time.Millisecond, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Grams-1250) > 5 || !r.Stable {
		t.Fatalf("WaitStable = %+v, want 1250 g ±5 g (the default tolerance)", r)
	}
	if r.Grams != math.Round(r.Grams) {
		t.Fatalf("%v g is not rounded to the 1 g resolution", r.Grams)
	}
	if d := time.Since(start); d < settle+50*time.Millisecond {
		t.Fatalf("accepted after %s, before the parcel settled and a window passed", d)
	}
}

func TestWaitStableTimesOutOnSwingingParcel(t *testing.T) {
	t.Parallel()
	// Flagged stable throughout: the filter must not trust the flag alone.
	s := &fakeScale{interval: tick, fn: func(_ int, since time.Duration) (float64, bool, error) {
		return 1000 + 40*math.Sin(2*math.Pi*since.Seconds()/0.1), true, nil
	}}
	start := time.Now()
	_, err := WaitStable(context.Background(), s, StableOptions{Window: 50 * time.Millisecond, Timeout: 150 * time.Millisecond})
	if !errors.Is(err, ErrNotSettled) {
		t.Fatalf("err = %v, want ErrNotSettled", err)
	}
	if want := "weight did not settle within 150ms: keep the parcel still, or type the weight"; err.Error() != want {
		t.Fatalf("err = %q\nwant  %q", err, want)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > time.Second {
		t.Fatalf("timed out after %s, want about 150ms", d)
	}
}

func TestWaitStableRequiresScaleStableFlag(t *testing.T) {
	t.Parallel()
	s := &fakeScale{interval: tick, fn: func(int, time.Duration) (float64, bool, error) { return 1000, false, nil }}
	_, err := WaitStable(context.Background(), s, StableOptions{Window: 30 * time.Millisecond, Timeout: 120 * time.Millisecond})
	if !errors.Is(err, ErrNotSettled) {
		t.Fatalf("a scale reporting motion was accepted: err = %v", err)
	}
}

func TestWaitStableIgnoresEmptyPlatter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ grams, min float64 }{{0, 0}, {3, 0}, {4.9, 0}, {30, 50}} {
		t.Run(formatGrams(tc.grams), func(t *testing.T) {
			t.Parallel()
			s := &fakeScale{interval: tick, fn: steady(tc.grams)}
			r, err := WaitStable(context.Background(), s, StableOptions{Window: 30 * time.Millisecond, MinGrams: tc.min, Timeout: 100 * time.Millisecond})
			if !errors.Is(err, ErrNoParcel) {
				t.Fatalf("a steady %v g (MinGrams %v) was accepted as %+v (err %v), want ErrNoParcel", tc.grams, tc.min, r, err)
			}
			if !strings.Contains(err.Error(), "it reads "+formatGrams(tc.grams)) || !strings.Contains(err.Error(), "put the parcel on the scale") {
				t.Errorf("err = %q", err)
			}
		})
	}
}

func TestWaitStableWaitsForParcelThenAccepts(t *testing.T) {
	t.Parallel()
	s := &fakeScale{interval: tick, fn: func(i int, since time.Duration) (float64, bool, error) {
		if since < 50*time.Millisecond {
			return 0, true, nil
		}
		return []float64{1249, 1250, 1251}[i%3], true, nil
	}}
	r, err := WaitStable(context.Background(), s, StableOptions{Window: 40 * time.Millisecond, Timeout: time.Second})
	if err != nil || math.Abs(r.Grams-1250) > 1 {
		t.Fatalf("WaitStable = %+v, %v; want 1250 g", r, err)
	}
}

func TestWaitStableNeedsTheWholeWindow(t *testing.T) {
	t.Parallel()
	// Still at 1000 g for less than the window, then a second parcel is
	// added and the weight holds at 1100 g.
	s := &fakeScale{interval: tick, fn: func(_ int, since time.Duration) (float64, bool, error) {
		if since < 60*time.Millisecond {
			return 1000, true, nil
		}
		return 1100, true, nil
	}}
	r, err := WaitStable(context.Background(), s, StableOptions{Window: 100 * time.Millisecond, Timeout: time.Second})
	if err != nil || r.Grams != 1100 {
		t.Fatalf("WaitStable = %+v, %v; want 1100 g (1000 g never held for the whole window)", r, err)
	}
}

func TestWaitStableToleranceFollowsResolutionAndWeight(t *testing.T) {
	t.Parallel()
	opts := StableOptions{Window: 30 * time.Millisecond, Timeout: 150 * time.Millisecond}
	for _, tc := range []struct {
		name    string
		s       Scale
		opts    StableOptions
		want    float64
		slack   float64 // the window's length varies with timing, so its mean may too
		wantErr error
	}{
		{"1 g scale flickering by 10 g is not still", &fakeScale{interval: tick, fn: cycle(1000, 1010)}, opts, 0, 0, ErrNotSettled},
		{"5 g scale flickering by 2 divisions is still, rounded to 5 g", coarseScale{&fakeScale{interval: tick, fn: cycle(1000, 1010)}, 5}, opts, 1005, 0, nil},
		{"mean rounded to the division", coarseScale{&fakeScale{interval: tick, fn: cycle(1000, 1000, 1005)}, 5}, opts, 1000, 0, nil},
		{"25 kg parcel swaying by 40 g (under 0.2%) is still", &fakeScale{interval: tick, fn: cycle(24980, 25020)}, opts, 25000, 7, nil},
		{"explicit wider tolerance", &fakeScale{interval: tick, fn: cycle(1000, 1010)}, StableOptions{Window: 30 * time.Millisecond, Timeout: 150 * time.Millisecond, Tolerance: 12}, 1005, 2, nil},
		{"explicit narrower tolerance", &fakeScale{interval: tick, fn: cycle(1000, 1002)}, StableOptions{Window: 30 * time.Millisecond, Timeout: 150 * time.Millisecond, Tolerance: 1}, 0, 0, ErrNotSettled},
		{"explicit resolution", &fakeScale{interval: tick, fn: cycle(1000.2, 1000.4)}, StableOptions{Window: 30 * time.Millisecond, Timeout: 150 * time.Millisecond, Resolution: 0.5}, 1000.5, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := WaitStable(context.Background(), tc.s, tc.opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("WaitStable = %+v, %v; want %v", r, err, tc.wantErr)
				}
				return
			}
			if err != nil || math.Abs(r.Grams-tc.want) > tc.slack || r.Grams != math.Round(r.Grams/0.5)*0.5 {
				t.Fatalf("WaitStable = %+v, %v; want %v g ±%v", r, err, tc.want, tc.slack)
			}
		})
	}
}

func TestWaitStableContextEndsFirst(t *testing.T) {
	t.Parallel()
	s := &fakeScale{interval: tick, fn: cycle(1000, 1100)}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(40*time.Millisecond, cancel)
	_, err := WaitStable(ctx, s, StableOptions{Timeout: 5 * time.Second})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrNotSettled) {
		t.Fatalf("err = %v, want context.Canceled only", err)
	}
}

func TestWaitStableScaleErrors(t *testing.T) {
	t.Parallel()
	broken := errors.New("serial port gone")
	s := &fakeScale{interval: tick, fn: func(int, time.Duration) (float64, bool, error) { return 0, false, broken }}
	_, err := WaitStable(context.Background(), s, StableOptions{})
	if !errors.Is(err, broken) || !strings.Contains(err.Error(), "test scale") {
		t.Fatalf("err = %v, want the scale's error naming the scale", err)
	}

	silent := &fakeScale{interval: time.Hour, fn: steady(1000)}
	_, err = WaitStable(context.Background(), silent, StableOptions{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrNoReading) || !strings.Contains(err.Error(), "check that test scale is on and connected") {
		t.Fatalf("err = %v, want ErrNoReading", err)
	}
}

// readings is a scale that repeats a fixed reading every tick.
type fixedScale struct{ r Reading }

func (f fixedScale) Read(ctx context.Context) (Reading, error) {
	select {
	case <-time.After(tick):
	case <-ctx.Done():
		return Reading{}, ctx.Err()
	}
	r := f.r
	r.Time = time.Now()
	return r, nil
}
func (fixedScale) String() string { return "fixed scale" }
func (fixedScale) Close() error   { return nil }

func TestWaitStableNeverAcceptsZeroNegativeOverOrUnderload(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    Reading
		says string
	}{
		{Reading{Grams: 0, Stable: true}, "put the parcel on the scale"},
		{Reading{Grams: -250, Stable: true}, "put the parcel on the scale"},
		{Reading{Grams: 1200, Status: StatusOverload}, "overload"},
		{Reading{Grams: 1200, Stable: true, Status: StatusOverload}, "overload"}, // a flag set wrongly does not help
		{Reading{Grams: 1200, Stable: true, Status: StatusUnderload}, "underload"},
		{Reading{Grams: 1200, Stable: true, Status: StatusFault}, "fault"},
	} {
		r, err := WaitStable(context.Background(), fixedScale{tc.r}, StableOptions{Window: 20 * time.Millisecond, Timeout: 80 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%+v: WaitStable = %+v, %v; want an error saying %q", tc.r, r, err, tc.says)
		}
	}
}

func TestWaitStableNeedsMinReadings(t *testing.T) {
	t.Parallel()
	// A slow scale: one reading every 60ms, window 50ms. Two readings span
	// the window, but the filter wants three that agree.
	s := &fakeScale{interval: 60 * time.Millisecond, fn: steady(1000)}
	start := time.Now()
	r, err := WaitStable(context.Background(), s, StableOptions{Window: 50 * time.Millisecond, Timeout: time.Second})
	if err != nil || r.Grams != 1000 {
		t.Fatalf("%+v %v", r, err)
	}
	if n := s.reads(); n < 3 {
		t.Fatalf("accepted after %d readings (%v), want at least 3", n, time.Since(start))
	}
	s2 := &fakeScale{interval: 60 * time.Millisecond, fn: steady(1000)}
	if _, err := WaitStable(context.Background(), s2, StableOptions{Window: 50 * time.Millisecond, MinReadings: 5, Timeout: time.Second}); err != nil || s2.reads() < 5 {
		t.Fatalf("MinReadings 5: %v after %d reads", err, s2.reads())
	}
}
