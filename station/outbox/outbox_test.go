package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"labelstation/station/outbox"
)

// queue is a fake outbox: list returns what is queued, oldest first.
type queue struct {
	mu    sync.Mutex
	ids   []string
	lists atomic.Int32
}

func newQueue(n int) *queue {
	q := &queue{}
	for i := range n {
		q.ids = append(q.ids, fmt.Sprintf("e%03d", i))
	}
	return q
}

func (q *queue) list(ctx context.Context) ([]outbox.Item, error) {
	q.lists.Add(1)
	q.mu.Lock()
	defer q.mu.Unlock()
	items := make([]outbox.Item, len(q.ids))
	for i, id := range q.ids {
		items[i] = outbox.Item{ID: id}
	}
	return items, nil
}

func (q *queue) add(ids ...string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, ids...)
}

func (q *queue) remove(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = slices.DeleteFunc(q.ids, func(s string) bool { return s == id })
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ids)
}

// clock is a fake clock for tests that call Drain directly.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sendLog records sends: how often each ID was sent, and when.
type sendLog struct {
	mu    sync.Mutex
	count map[string]int
	order []string
	at    []time.Time
}

func (l *sendLog) record(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count == nil {
		l.count = map[string]int{}
	}
	l.count[id]++
	l.order = append(l.order, id)
	l.at = append(l.at, time.Now())
}

func (l *sendLog) n() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.order)
}

func (l *sendLog) times() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.at)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// runWorker starts Run and returns a stop function that cancels it and
// fails the test if Run does not return promptly.
func runWorker(t *testing.T, w *outbox.Worker) (context.Context, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return ctx, stop
}

func recv(t *testing.T, ch <-chan outbox.State, d time.Duration) outbox.State {
	t.Helper()
	select {
	case s, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed early")
		}
		return s
	case <-time.After(d):
		t.Fatalf("no state within %v", d)
	}
	return outbox.State{}
}

func TestConcurrencyBoundHoldsUnderLoad(t *testing.T) {
	const items, limit = 40, 4
	q := newQueue(items)
	var log sendLog
	var cur, peak atomic.Int32
	release := make(chan struct{})
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		n := cur.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		log.record(it.ID)
		<-release
		cur.Add(-1)
		q.remove(it.ID)
		return outbox.Outcome{Result: outbox.Done}
	}
	w := outbox.New(outbox.Config{Concurrency: limit}, q.list, send)

	type result struct {
		rep outbox.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := w.Drain(context.Background())
		done <- result{rep, err}
	}()
	for i := range items {
		// All sends blocked and the last released one finished: exactly
		// min(limit, remaining) in flight, never more.
		want := int32(min(limit, items-i))
		waitFor(t, fmt.Sprintf("%d sends in flight", want), 2*time.Second, func() bool {
			sending := w.State().Sending
			if sending > limit {
				t.Fatalf("State.Sending = %d, limit %d", sending, limit)
			}
			return cur.Load() == want && sending == int(want)
		})
		release <- struct{}{}
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if peak.Load() != limit {
		t.Errorf("peak in flight = %d, want %d", peak.Load(), limit)
	}
	if r.rep.Sent != items || r.rep.Left != 0 || r.rep.Retry != 0 || r.rep.Offline {
		t.Errorf("report = %+v, want %d sent", r.rep, items)
	}
	for id, n := range log.count {
		if n != 1 {
			t.Errorf("%s sent %d times", id, n)
		}
	}
	if len(log.count) != items {
		t.Errorf("%d distinct items sent, want %d", len(log.count), items)
	}
}

func TestOverlappingDrainSkipsItemInFlight(t *testing.T) {
	q := newQueue(3)
	var log sendLog
	release := make(chan struct{})
	var cur atomic.Int32
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		cur.Add(1)
		log.record(it.ID)
		<-release
		q.remove(it.ID)
		return outbox.Outcome{Result: outbox.Done}
	}
	w := outbox.New(outbox.Config{Concurrency: 4}, q.list, send)

	first := make(chan outbox.Report, 1)
	go func() {
		rep, _ := w.Drain(context.Background())
		first <- rep
	}()
	waitFor(t, "3 sends in flight", 2*time.Second, func() bool { return cur.Load() == 3 })

	// A slot is free, the queue still lists all three, and all three are
	// in flight: the second pass must skip them and return at once.
	second := make(chan outbox.Report, 1)
	go func() {
		rep, _ := w.Drain(context.Background())
		second <- rep
	}()
	select {
	case rep := <-second:
		if rep.Sent != 0 || rep.Left != 3 {
			t.Errorf("second pass = %+v, want nothing sent and 3 left", rep)
		}
	case <-time.After(time.Second):
		t.Errorf("second pass did not return: it is sending an item already in flight")
	}
	close(release)
	if rep := <-first; rep.Sent != 3 {
		t.Errorf("first pass = %+v, want 3 sent", rep)
	}
	for id, n := range log.count {
		if n != 1 {
			t.Errorf("%s sent %d times", id, n)
		}
	}
}

func TestOverlappingDrainsNeverSendOneIDTwice(t *testing.T) {
	const items, limit, passes = 30, 4, 4
	q := newQueue(items)
	var log sendLog
	var mu sync.Mutex
	active := map[string]int{}
	var cur, peak, dup atomic.Int32
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		mu.Lock()
		active[it.ID]++
		if active[it.ID] > 1 {
			dup.Add(1)
		}
		mu.Unlock()
		n := cur.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		log.record(it.ID)
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
		cur.Add(-1)
		mu.Lock()
		active[it.ID]--
		mu.Unlock()
		q.remove(it.ID) // the station marks the entry booked
		return outbox.Outcome{Result: outbox.Done}
	}
	w := outbox.New(outbox.Config{Concurrency: limit}, q.list, send)

	var wg sync.WaitGroup
	var sent atomic.Int32
	for range passes {
		wg.Go(func() {
			rep, err := w.Drain(context.Background())
			if err != nil {
				t.Error(err)
			}
			sent.Add(int32(rep.Sent))
		})
	}
	wg.Wait()
	if dup.Load() != 0 {
		t.Errorf("%d sends of an ID already in flight", dup.Load())
	}
	if peak.Load() > limit {
		t.Errorf("peak in flight = %d across passes, want ≤ %d", peak.Load(), limit)
	}
	if int(sent.Load()) != items || log.n() != items {
		t.Errorf("passes reported %d sent, %d sends made, want %d each", sent.Load(), log.n(), items)
	}
	for id, n := range log.count {
		if n != 1 {
			t.Errorf("%s sent %d times (a pass acted on a stale list)", id, n)
		}
	}
}

// backoffWait is the documented formula: d(n) = min(max, min·2^(n-1)),
// wait = d - ⌊d/2⌋ + r·⌊d/2⌋.
func backoffWait(minB, maxB time.Duration, n int, r float64) time.Duration {
	d := minB
	for i := 1; i < n; i++ {
		d *= 2
		if d >= maxB {
			d = maxB
			break
		}
	}
	d = min(d, maxB)
	half := d / 2
	return d - half + time.Duration(r*float64(half))
}

func TestItemBackoffGrowsWithJitter(t *testing.T) {
	const minB, maxB = 100 * time.Millisecond, time.Second
	clk := newClock()
	draws := []float64{0, 1, 0.5, 0.25, 1, 0, 0.75}
	var di int
	rnd := func() float64 { r := draws[di%len(draws)]; di++; return r }
	q := newQueue(1)
	var log sendLog
	result := outbox.Retry
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		return outbox.Outcome{Result: result, Err: errors.New("503")}
	}
	w := outbox.New(outbox.Config{MinBackoff: minB, MaxBackoff: maxB, Now: clk.Now, Rand: rnd}, q.list, send)
	ctx := context.Background()

	var prev time.Duration
	for n := 1; n <= len(draws); n++ {
		rep, err := w.Drain(ctx)
		if err != nil || rep.Retry != 1 || rep.Left != 0 {
			t.Fatalf("attempt %d: report %+v, %v; want one Retry", n, rep, err)
		}
		st := w.State()
		wait := st.NextTry.Sub(clk.Now())
		d := min(maxB, minB<<(n-1))
		if want := backoffWait(minB, maxB, n, draws[n-1]); wait != want {
			t.Errorf("attempt %d: wait %v, want %v (r=%v)", n, wait, want, draws[n-1])
		}
		if wait < d/2 || wait > d {
			t.Errorf("attempt %d: wait %v outside [%v, %v]", n, wait, d/2, d)
		}
		if n > 1 && d <= prev && d != maxB {
			t.Errorf("attempt %d: d(n) = %v did not grow from %v", n, d, prev)
		}
		prev = d
		if st.BackingOff != 1 || !st.Online || st.LastErr == nil {
			t.Errorf("attempt %d: state %+v", n, st)
		}

		// Not a moment early…
		clk.Add(wait - time.Nanosecond)
		sends := log.n()
		if rep, _ := w.Drain(ctx); rep.Left != 1 || log.n() != sends {
			t.Fatalf("attempt %d: sent before its back-off ended: %+v", n, rep)
		}
		// …and due exactly when it ends.
		clk.Add(time.Nanosecond)
	}
	if d := backoffWait(minB, maxB, len(draws), 1); d != maxB {
		t.Fatalf("test does not reach the cap: %v", d)
	}

	// Done forgets the back-off; the next failure starts at d(1) again.
	result = outbox.Done
	if rep, _ := w.Drain(ctx); rep.Sent != 1 {
		t.Fatalf("report %+v, want sent", rep)
	}
	if st := w.State(); st.BackingOff != 0 || !st.NextTry.IsZero() {
		t.Errorf("after Done: state %+v, want no back-off", st)
	}
	result = outbox.Retry
	di = 1 // r = 1
	w.Drain(ctx)
	if wait := w.State().NextTry.Sub(clk.Now()); wait != minB {
		t.Errorf("after Done then Retry: wait %v, want %v", wait, minB)
	}
}

func TestItemBackoffDefaultJitterWithinBounds(t *testing.T) {
	const minB, maxB = 10 * time.Millisecond, 10 * time.Second
	clk := newClock()
	q := newQueue(1)
	w := outbox.New(outbox.Config{MinBackoff: minB, MaxBackoff: maxB, Now: clk.Now}, q.list,
		func(ctx context.Context, it outbox.Item) outbox.Outcome { return outbox.Outcome{Result: outbox.Retry} })
	fractions := map[time.Duration]bool{}
	for n := 1; n <= 40; n++ {
		if rep, _ := w.Drain(context.Background()); rep.Retry != 1 {
			t.Fatalf("attempt %d not sent: %+v", n, rep)
		}
		wait := w.State().NextTry.Sub(clk.Now())
		d := min(maxB, minB<<min(n-1, 20))
		if wait < d/2 || wait > d {
			t.Fatalf("attempt %d: wait %v outside [%v, %v]", n, wait, d/2, d)
		}
		fractions[(wait-d/2)*1000/(d/2)] = true
		clk.Add(wait)
	}
	if len(fractions) < 5 {
		t.Errorf("default jitter looks constant: %d distinct draws in 40", len(fractions))
	}
}

func TestUnreachableGoesOfflineProbesAndRecovers(t *testing.T) {
	const minB, maxB = 10 * time.Millisecond, 80 * time.Millisecond
	q := &queue{}
	var down atomic.Bool
	var log sendLog
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		if down.Load() {
			return outbox.Outcome{Result: outbox.Unreachable, Err: errors.New("dial tcp: connection refused")}
		}
		q.remove(it.ID)
		return outbox.Outcome{Result: outbox.Done}
	}
	var pmu sync.Mutex
	var probes []time.Time
	var failed int
	probe := func(ctx context.Context) error {
		pmu.Lock()
		defer pmu.Unlock()
		probes = append(probes, time.Now())
		if down.Load() {
			failed++
			if failed == 3 {
				down.Store(false) // the network is back for the next probe
			}
			return errors.New("probe: no route to host")
		}
		return nil
	}
	w := outbox.New(outbox.Config{
		Concurrency: 1, Probe: probe, MinBackoff: minB, MaxBackoff: maxB,
		PollEvery: time.Hour, Rand: func() float64 { return 1 }, // wait = d(n) exactly
	}, q.list, send)
	ctx, stop := runWorker(t, w)
	sub := w.Subscribe(ctx)
	waitFor(t, "Run's first pass", time.Second, func() bool { return q.lists.Load() >= 1 })
	pmu.Lock()
	if n := len(probes); n != 1 {
		t.Fatalf("%d probes at start, want 1", n)
	}
	pmu.Unlock()

	down.Store(true)
	q.add("a", "b", "c")
	wentOffline := time.Now()
	w.Kick()

	st := recv(t, sub, time.Second)
	if st.Online || st.LastErr == nil || st.NextTry.IsZero() {
		t.Errorf("first flip = %+v, want offline with an error and a next try", st)
	}
	if n := log.n(); n != 1 {
		t.Errorf("%d sends before going offline, want 1 (the pass must stop at Unreachable)", n)
	}

	st = recv(t, sub, 2*time.Second)
	if !st.Online {
		t.Errorf("second flip = %+v, want online", st)
	}
	waitFor(t, "the queue to drain after the probe", time.Second, func() bool { return q.len() == 0 })
	stop()

	pmu.Lock()
	defer pmu.Unlock()
	if len(probes) != 5 {
		t.Fatalf("%d probes, want 1 at start + 3 failed + 1 good", len(probes))
	}
	// Offline at t0, attempts at t0+d(1), then +d(2), +d(3), +d(4).
	prev := wentOffline
	for i, at := range probes[1:] {
		want := backoffWait(minB, maxB, i+1, 1)
		if gap := at.Sub(prev); gap < want*3/4 {
			t.Errorf("probe %d came %v after the last, want ≥ %v", i+1, gap, want)
		}
		prev = at
	}
	if got := log.n(); got != 4 {
		t.Errorf("%d sends, want 4 (1 unreachable, then a, b, c)", got)
	}
	if first := log.times()[1]; first.Before(probes[4]) {
		t.Errorf("sent again before the good probe")
	}
}

func TestUnreachableWithoutProbeRetriesAfterOnePeriod(t *testing.T) {
	const minB = 30 * time.Millisecond
	q := newQueue(3)
	var log sendLog
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		if log.n() == 1 {
			return outbox.Outcome{Result: outbox.Unreachable}
		}
		q.remove(it.ID)
		return outbox.Outcome{Result: outbox.Done}
	}
	w := outbox.New(outbox.Config{Concurrency: 1, MinBackoff: minB, PollEvery: time.Hour, Rand: func() float64 { return 0 }}, q.list, send)
	sub := w.Subscribe(t.Context())
	runWorker(t, w)
	st := recv(t, sub, time.Second)
	if st.Online || !errors.Is(st.LastErr, outbox.ErrUnreachable) {
		t.Errorf("first flip = %+v, want offline with ErrUnreachable", st)
	}
	if st := recv(t, sub, time.Second); !st.Online {
		t.Errorf("second flip = %+v, want online", st)
	}
	waitFor(t, "the queue to drain", time.Second, func() bool { return q.len() == 0 })
	at := log.times()
	if gap, want := at[1].Sub(at[0]), minB-minB/2; gap < want {
		t.Errorf("tried again after %v, want ≥ one back-off period (%v)", gap, want)
	}
	if log.count["e000"] != 2 || log.n() != 4 {
		t.Errorf("sends %v, want e000 twice and the rest once", log.order)
	}
}

func TestDrainStopsAtUnreachableAndProbesWhileOffline(t *testing.T) {
	q := newQueue(5)
	var log sendLog
	var probes atomic.Int32
	var reachable atomic.Bool
	refused := errors.New("connection refused")
	w := outbox.New(outbox.Config{
		Concurrency: 1,
		Probe: func(ctx context.Context) error {
			probes.Add(1)
			if reachable.Load() {
				return nil
			}
			return refused
		},
	}, q.list, func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		return outbox.Outcome{Result: outbox.Unreachable, Err: refused}
	})
	rep, err := w.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unreachable != 1 || rep.Left != 4 || !rep.Offline || len(rep.Errors) != 1 || log.n() != 1 {
		t.Errorf("report %+v after %d sends, want 1 unreachable, 4 left, offline", rep, log.n())
	}
	if st := w.State(); st.Online || !errors.Is(st.LastErr, refused) {
		t.Errorf("state %+v, want offline with the send's error", st)
	}
	// Offline: the next pass probes first and sends nothing.
	rep, err = w.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if probes.Load() != 1 || log.n() != 1 || !rep.Offline || rep.Left != 5 || len(rep.Errors) != 1 {
		t.Errorf("offline pass: report %+v, %d probes, %d sends; want 1 probe, no send", rep, probes.Load(), log.n())
	}
	// A good probe alone brings it online, before (and without) any send.
	reachable.Store(true)
	q.mu.Lock()
	q.ids = nil
	q.mu.Unlock()
	rep, err = w.Drain(context.Background())
	if err != nil || rep.Offline || !w.State().Online || probes.Load() != 2 {
		t.Errorf("after a good probe: report %+v, %v, state %+v; want online", rep, err, w.State())
	}
}

func TestDrainWithoutProbeStopsAtUnreachableWhileOffline(t *testing.T) {
	q := newQueue(5)
	var log sendLog
	w := outbox.New(outbox.Config{Concurrency: 1}, q.list, func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		return outbox.Outcome{Result: outbox.Unreachable}
	})
	for pass := 1; pass <= 3; pass++ {
		// Offline after the first pass; without a Probe, each pass tries
		// one send, and one Unreachable ends the pass.
		rep, err := w.Drain(context.Background())
		if err != nil || rep.Unreachable != 1 || rep.Left != 4 || !rep.Offline {
			t.Errorf("pass %d: report %+v, %v; want 1 unreachable, 4 left, offline", pass, rep, err)
		}
		if log.n() != pass {
			t.Errorf("pass %d: %d sends in all, want %d", pass, log.n(), pass)
		}
	}
}

func TestReportUnreachableGoesOffline(t *testing.T) {
	const minB = 20 * time.Millisecond
	q := &queue{}
	var log sendLog
	var probes atomic.Int32
	w := outbox.New(outbox.Config{
		MinBackoff: minB, PollEvery: time.Hour, Rand: func() float64 { return 1 },
		Probe: func(ctx context.Context) error { probes.Add(1); return nil },
	}, q.list, func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		q.remove(it.ID)
		return outbox.Outcome{Result: outbox.Done}
	})
	sub := w.Subscribe(t.Context())
	runWorker(t, w)
	waitFor(t, "Run's first pass", time.Second, func() bool { return q.lists.Load() >= 1 })

	refused := errors.New("dial tcp: connection refused")
	w.ReportUnreachable(refused) // the pack flow could not book
	st := recv(t, sub, time.Second)
	if st.Online || !errors.Is(st.LastErr, refused) || st.NextTry.IsZero() {
		t.Errorf("flip = %+v, want offline with the pack flow's error", st)
	}
	w.ReportUnreachable(nil) // already offline: no second flip
	if !errors.Is(w.State().LastErr, outbox.ErrUnreachable) {
		t.Errorf("LastErr = %v, want ErrUnreachable", w.State().LastErr)
	}
	// The parcel went to the queue (no Kick here): Run leaves it until the
	// scheduled probe, which brings the worker back and drains.
	q.add("a", "b")
	if st := recv(t, sub, time.Second); !st.Online {
		t.Errorf("flip = %+v, want online after the probe", st)
	}
	waitFor(t, "the queue to drain", time.Second, func() bool { return q.len() == 0 })
	if first := log.times()[0]; probes.Load() != 2 || first.Before(st.NextTry) {
		t.Errorf("sent at %v, scheduled probe at %v, %d probes (want start + 1)", first, st.NextTry, probes.Load())
	}
}

func TestRetryAfterPausesEverySend(t *testing.T) {
	const pause = 80 * time.Millisecond
	q := newQueue(3)
	var log sendLog
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		if log.n() == 1 {
			return outbox.Outcome{Result: outbox.Retry, RetryAfter: pause, Err: errors.New("429 Too Many Requests")}
		}
		q.remove(it.ID)
		return outbox.Outcome{Result: outbox.Done}
	}
	// MinBackoff is an hour: if the paused item were backed off as well,
	// it would not be sent again within this test.
	w := outbox.New(outbox.Config{Concurrency: 1, MinBackoff: time.Hour, PollEvery: time.Hour}, q.list, send)
	start := time.Now()
	rep, err := w.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Retry != 1 || rep.Left != 2 || rep.PausedUntil.Before(start.Add(pause)) {
		t.Fatalf("report %+v, want 1 retry, 2 left, paused ≥ %v", rep, start.Add(pause))
	}
	until := rep.PausedUntil
	if st := w.State(); !st.PausedUntil.Equal(until) || !st.Online {
		t.Errorf("state %+v, want online and paused until %v", st, until)
	}
	// Nothing goes during the pause, not even other items, not even kicked.
	if rep, _ := w.Drain(context.Background()); log.n() != 1 || rep.Left != 3 {
		t.Errorf("pass during the pause sent: %+v, sends %v", rep, log.order)
	}
	runWorker(t, w)
	w.Kick()
	waitFor(t, "the queue to drain after the pause", 2*time.Second, func() bool { return q.len() == 0 })
	at := log.times()
	if len(at) != 4 {
		t.Fatalf("sends %v, want 4", log.order)
	}
	for i, ts := range at[1:] {
		if ts.Before(until) {
			t.Errorf("send %d (%s) at %v, %v before the pause ended", i+1, log.order[i+1], ts.Sub(start), until.Sub(ts))
		}
	}
	if st := w.State(); !st.PausedUntil.IsZero() {
		t.Errorf("PausedUntil %v after the pause", st.PausedUntil)
	}
}

func TestSetOfflineStopsSendsAndResumeKicks(t *testing.T) {
	q := &queue{}
	var log sendLog
	var probes atomic.Int32
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		q.remove(it.ID)
		return outbox.Outcome{Result: outbox.Done}
	}
	w := outbox.New(outbox.Config{
		PollEvery: time.Hour,
		Probe:     func(ctx context.Context) error { probes.Add(1); return nil },
	}, q.list, send)
	sub := w.Subscribe(t.Context())
	w.SetOffline(true)
	if st := recv(t, sub, time.Second); st.Online || !st.Forced {
		t.Errorf("flip = %+v, want forced offline", st)
	}
	runWorker(t, w)
	q.add("a", "b")
	w.Kick()
	time.Sleep(40 * time.Millisecond)
	if _, err := w.Drain(context.Background()); !errors.Is(err, outbox.ErrForcedOffline) {
		t.Errorf("Drain while forced: %v, want ErrForcedOffline", err)
	}
	if log.n() != 0 || probes.Load() != 0 {
		t.Fatalf("forced offline: %d sends, %d probes; want none", log.n(), probes.Load())
	}
	if st := w.State(); st.Online || !st.Forced {
		t.Errorf("state %+v, want forced offline", st)
	}
	w.SetOffline(false) // no Kick from here on; PollEvery is an hour
	if st := recv(t, sub, time.Second); !st.Online || st.Forced {
		t.Errorf("flip = %+v, want online", st)
	}
	waitFor(t, "the queue to drain after SetOffline(false)", time.Second, func() bool { return q.len() == 0 })
}

func TestRunExitsOnCancelWithoutLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	q := newQueue(10)
	var active, started atomic.Int32
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		active.Add(1)
		started.Add(1)
		defer active.Add(-1)
		<-ctx.Done()
		time.Sleep(20 * time.Millisecond) // a client takes a moment to tear down
		// What a real client says when its request is cancelled.
		return outbox.Outcome{Result: outbox.Unreachable, Err: ctx.Err()}
	}
	w := outbox.New(outbox.Config{Concurrency: 4, PollEvery: time.Millisecond}, q.list, send)
	ctx, cancel := context.WithCancel(context.Background())
	sub := w.Subscribe(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	waitFor(t, "4 sends in flight", time.Second, func() bool { return active.Load() == 4 })
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Run did not return within 1s of cancel")
	}
	if n := active.Load(); n != 0 {
		t.Errorf("Run returned with %d sends still running", n)
	}
	if started.Load() != 4 {
		t.Errorf("%d sends started, want 4 (none after cancel)", started.Load())
	}
	if st := w.State(); !st.Online || st.Sending != 0 || st.BackingOff != 0 {
		t.Errorf("state %+v: a cancelled send must not count as unreachable or retry", st)
	}
	select {
	case _, ok := <-sub:
		if ok {
			t.Error("subscriber got a state, want the channel closed")
		}
	case <-time.After(time.Second):
		t.Error("subscription not closed when ctx ended")
	}
	waitFor(t, fmt.Sprintf("goroutines back to %d", before), time.Second, func() bool {
		return runtime.NumGoroutine() <= before
	})
}

func TestKickWakesRunAtOnce(t *testing.T) {
	q := &queue{}
	var log sendLog
	sent := make(chan time.Time, 1)
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		q.remove(it.ID)
		sent <- time.Now()
		return outbox.Outcome{Result: outbox.Done}
	}
	w := outbox.New(outbox.Config{PollEvery: time.Hour}, q.list, send)
	for range 100 {
		w.Kick() // never blocks, Run or not
	}
	runWorker(t, w)
	waitFor(t, "Run's first pass", time.Second, func() bool { return q.lists.Load() >= 1 })
	waitFor(t, "the folded kicks to settle", time.Second, func() bool { return q.lists.Load() >= 2 })
	time.Sleep(10 * time.Millisecond)
	lists := q.lists.Load()

	q.add("a")
	time.Sleep(20 * time.Millisecond)
	if log.n() != 0 || q.lists.Load() != lists {
		t.Fatalf("Run looked at the queue without a Kick (PollEvery is an hour)")
	}
	kicked := time.Now()
	w.Kick()
	select {
	case at := <-sent:
		if d := at.Sub(kicked); d > 500*time.Millisecond {
			t.Errorf("sent %v after Kick", d)
		}
	case <-time.After(time.Second):
		t.Fatal("Kick did not wake Run")
	}
}

func TestRunPollsWithoutKick(t *testing.T) {
	q := &queue{}
	done := make(chan struct{})
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		q.remove(it.ID)
		close(done)
		return outbox.Outcome{Result: outbox.Done}
	}
	w := outbox.New(outbox.Config{PollEvery: 20 * time.Millisecond}, q.list, send)
	runWorker(t, w)
	waitFor(t, "Run's first pass", time.Second, func() bool { return q.lists.Load() >= 1 })
	q.add("made-by-another-process")
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("not sent by polling")
	}
	// and it does not spin: about one list per PollEvery.
	n0 := q.lists.Load()
	time.Sleep(100 * time.Millisecond)
	if n := q.lists.Load() - n0; n > 10 {
		t.Errorf("%d lists in 100ms with PollEvery 20ms", n)
	}
}

func TestRunRetriesItemWhenItsBackoffEnds(t *testing.T) {
	const minB = 20 * time.Millisecond
	q := newQueue(1)
	var log sendLog
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		if log.n() == 1 {
			return outbox.Outcome{Result: outbox.Retry}
		}
		q.remove(it.ID)
		return outbox.Outcome{Result: outbox.Done}
	}
	w := outbox.New(outbox.Config{MinBackoff: minB, PollEvery: time.Hour}, q.list, send)
	runWorker(t, w)
	waitFor(t, "the retry when the back-off ends", time.Second, func() bool { return q.len() == 0 })
	at := log.times()
	if gap := at[1].Sub(at[0]); gap < minB/2 {
		t.Errorf("retried after %v, want ≥ %v", gap, minB/2)
	}
}

func TestRunProbesAtStart(t *testing.T) {
	q := newQueue(2)
	var log sendLog
	w := outbox.New(outbox.Config{
		PollEvery:  time.Hour,
		MinBackoff: time.Hour,
		Probe:      func(ctx context.Context) error { return errors.New("no route to host") },
	}, q.list, func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		return outbox.Outcome{Result: outbox.Done}
	})
	sub := w.Subscribe(t.Context())
	runWorker(t, w)
	st := recv(t, sub, time.Second)
	if st.Online || st.LastErr == nil || st.NextTry.IsZero() {
		t.Errorf("state %+v, want offline from the start probe", st)
	}
	time.Sleep(20 * time.Millisecond)
	if log.n() != 0 {
		t.Errorf("sent %v while the start probe failed", log.order)
	}
}

func TestListErrorIsRecordedAndRetried(t *testing.T) {
	q := newQueue(1)
	boom := errors.New("bbolt: database not open")
	var fail atomic.Bool
	fail.Store(true)
	list := func(ctx context.Context) ([]outbox.Item, error) {
		if fail.Load() {
			return nil, boom
		}
		return q.list(ctx)
	}
	var log sendLog
	w := outbox.New(outbox.Config{PollEvery: time.Hour}, list, func(ctx context.Context, it outbox.Item) outbox.Outcome {
		log.record(it.ID)
		q.remove(it.ID)
		return outbox.Outcome{Result: outbox.Done}
	})
	if _, err := w.Drain(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Drain: %v, want the list error", err)
	}
	if st := w.State(); !errors.Is(st.LastErr, boom) || !st.Online {
		t.Errorf("state %+v, want the list error recorded and still online", st)
	}
	runWorker(t, w)
	time.Sleep(10 * time.Millisecond)
	fail.Store(false)
	w.Kick()
	waitFor(t, "the next wake to list again", time.Second, func() bool { return q.len() == 0 })
}

// BenchmarkDrain measures the scheduler's overhead: 1000 items whose send
// sleeps 1ms, 4 at once. The floor is 1000×1ms/4 = 250ms per drain;
// x-floor is the ratio to it (time.Sleep's own overshoot is included).
func BenchmarkDrain(b *testing.B) {
	const items, limit, work = 1000, 4, time.Millisecond
	q := newQueue(items)
	w := outbox.New(outbox.Config{Concurrency: limit}, q.list, func(ctx context.Context, it outbox.Item) outbox.Outcome {
		time.Sleep(work)
		return outbox.Outcome{Result: outbox.Done}
	})
	floor := items * work / limit
	n := 0
	start := time.Now()
	for b.Loop() {
		rep, err := w.Drain(context.Background())
		if err != nil || rep.Sent != items {
			b.Fatalf("report %+v, %v", rep, err)
		}
		n++
	}
	el := time.Since(start)
	b.ReportMetric(float64(el)/float64(n)/float64(floor), "x-floor")
	b.ReportMetric(float64(el.Microseconds())/float64(n*items), "µs/item")
}

// NextDue tells a caller draining by hand when to look again: the end of
// the item's back-off, or of a Retry-After pause, and zero when nothing
// waits.
func TestNextDue(t *testing.T) {
	clk := newClock()
	q := newQueue(1)
	out := outbox.Outcome{Result: outbox.Retry}
	send := func(ctx context.Context, it outbox.Item) outbox.Outcome { return out }
	w := outbox.New(outbox.Config{MinBackoff: time.Second, MaxBackoff: time.Minute, Now: clk.Now, Rand: func() float64 { return 1 }}, q.list, send)
	ctx := context.Background()
	if at := w.NextDue(); !at.IsZero() {
		t.Fatalf("nothing sent yet, NextDue = %v", at)
	}
	w.Drain(ctx)
	if got := w.NextDue().Sub(clk.Now()); got != time.Second {
		t.Fatalf("after one Retry NextDue is %v away, want the 1 s back-off", got)
	}
	out = outbox.Outcome{Result: outbox.Retry, RetryAfter: 30 * time.Second}
	clk.Add(time.Second)
	w.Drain(ctx)
	if got := w.NextDue().Sub(clk.Now()); got != 30*time.Second {
		t.Fatalf("after a Retry-After of 30 s NextDue is %v away", got)
	}
	out = outbox.Outcome{Result: outbox.Done}
	clk.Add(30 * time.Second)
	w.Drain(ctx)
	if at := w.NextDue(); !at.IsZero() {
		t.Fatalf("after Done NextDue = %v, want zero", at)
	}
}
