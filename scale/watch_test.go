package scale

import (
	"context"
	"errors"
	"testing"
	"time"
)

func counter() *fakeScale {
	return &fakeScale{interval: time.Millisecond, fn: func(i int, _ time.Duration) (float64, bool, error) {
		return float64(i + 1), true, nil
	}}
}

func TestWatchDropsStaleReadingsAndNeverBlocksTheScale(t *testing.T) {
	t.Parallel()
	s := counter()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := Watch(ctx, s, 0)

	time.Sleep(60 * time.Millisecond) // a display that is busy elsewhere
	before := s.reads()
	if before < 15 {
		t.Fatalf("the scale was read %d times in 60ms while nobody consumed: Watch blocks it", before)
	}
	u := <-ch
	if u.Err != nil {
		t.Fatal(u.Err)
	}
	if u.Grams < float64(before-1) {
		t.Fatalf("got reading #%v after %d reads: a stale reading was kept", u.Grams, before)
	}
	// The next update is newer still.
	if v := <-ch; v.Grams <= u.Grams {
		t.Fatalf("reading #%v came after #%v", v.Grams, u.Grams)
	}
}

func TestWatchRateLimitsAndCloses(t *testing.T) {
	t.Parallel()
	s := counter()
	ctx, cancel := context.WithCancel(context.Background())
	ch := Watch(ctx, s, 25*time.Millisecond)
	got := 0
	deadline := time.After(120 * time.Millisecond)
loop:
	for {
		select {
		case <-ch:
			got++
		case <-deadline:
			break loop
		}
	}
	if n := s.reads(); n > 7 || got < 3 {
		t.Fatalf("in 120ms at every=25ms: %d reads, %d updates", n, got)
	}
	cancel()
	timeout := time.After(time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("the channel did not close after the context ended")
		}
	}
}

func TestWatchReportsErrors(t *testing.T) {
	t.Parallel()
	gone := errors.New("unplugged")
	s := &fakeScale{interval: time.Millisecond, fn: func(int, time.Duration) (float64, bool, error) { return 0, false, gone }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := <-Watch(ctx, s, 0)
	if !errors.Is(u.Err, gone) {
		t.Fatalf("update = %+v, want the scale's error", u)
	}
	time.Sleep(100 * time.Millisecond)
	if n := s.reads(); n > 2 {
		t.Fatalf("a failing scale was read %d times in 100ms; want a back-off", n)
	}
}
