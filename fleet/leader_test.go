package fleet

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"labelstation/internal/pgtest"
	"labelstation/store"
)

// leaders records which benches run lead now, and how often each began.
type leaders struct {
	mu      sync.Mutex
	now     map[string]bool
	started map[string]int
}

func newLeaders() *leaders { return &leaders{now: map[string]bool{}, started: map[string]int{}} }

func (l *leaders) lead(station string) func(ctx context.Context) {
	return func(ctx context.Context) {
		l.mu.Lock()
		l.now[station] = true
		l.started[station]++
		l.mu.Unlock()
		<-ctx.Done()
		l.mu.Lock()
		delete(l.now, station)
		l.mu.Unlock()
	}
}

func (l *leaders) current() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for s := range l.now {
		out = append(out, s)
	}
	return out
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// runLeader runs s.RunLeader until stop is called, which waits for it.
func runLeader(s *Site, l *leaders) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunLeader(ctx, l.lead(s.Station()))
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}

func TestLeaderFailover(t *testing.T) {
	a, url := migratedSite(t, "b1")
	b := coreSite(t, url, "b2")
	ctx := testCtx(t)
	if _, err := a.Poller(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("Poller before any leader: %v", err)
	}
	l := newLeaders()
	stopA := runLeader(a, l)
	defer stopA()
	stopB := runLeader(b, l)
	defer stopB()
	waitFor(t, 5*time.Second, "no bench leads", func() bool { return len(l.current()) == 1 })
	// Several retries later, still exactly one.
	time.Sleep(3 * a.cfg.LeaderRetry)
	cur := l.current()
	if len(cur) != 1 {
		t.Fatalf("leading: %v", cur)
	}
	first := cur[0]
	p, err := a.Poller(ctx)
	if err != nil || p.Station != first || p.Since.IsZero() || p.Beat.Before(p.Since) {
		t.Errorf("Poller: %+v %v, leader %s", p, err, first)
	}
	// The heartbeat moves.
	waitFor(t, 2*time.Second, "the beat does not move", func() bool {
		q, err := a.Poller(ctx)
		return err == nil && q.Beat.After(p.Beat)
	})

	// The leader shuts down: the other takes over within LeaderRetry.
	if first == "b1" {
		stopA()
	} else {
		stopB()
	}
	if cur := l.current(); len(cur) != 0 {
		t.Errorf("after the leader's RunLeader returned, still leading: %v", cur)
	}
	took := waitFor(t, 5*time.Second, "nobody took over", func() bool { return len(l.current()) == 1 })
	if took > a.cfg.LeaderRetry+time.Second { // a retry, plus a connect on a loaded machine
		t.Errorf("takeover took %v, LeaderRetry is %v", took, a.cfg.LeaderRetry)
	}
	second := l.current()[0]
	if second == first {
		t.Errorf("%s leads again after it stopped", second)
	}
	if p, err := a.Poller(ctx); err != nil || p.Station != second {
		t.Errorf("Poller after failover: %+v %v", p, err)
	}
}

// TestLeaderServerRestart: the server stops under the leader: its lead
// ends, and after the restart one bench leads again.
func TestLeaderServerRestart(t *testing.T) {
	t.Parallel() // its own server
	srv, err := pgtest.Start()
	if err != nil {
		t.Fatalf("PostgreSQL for the fleet tests: %v", err)
	}
	defer srv.Close()
	ctx := testCtx(t)
	url, err := srv.NewDatabase(ctx, "leader")
	if err != nil {
		t.Fatal(err)
	}
	a := coreSite(t, url, "b1")
	b := coreSite(t, url, "b2")
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	l := newLeaders()
	defer runLeader(a, l)()
	defer runLeader(b, l)()
	waitFor(t, 5*time.Second, "no bench leads", func() bool { return len(l.current()) == 1 })

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	// The beat (LeaderRetry/3) fails at once on a closed connection.
	waitFor(t, 3*time.Second, "the leader still leads with the server stopped", func() bool { return len(l.current()) == 0 })
	// The pool's calls fail as Unreachable while it is down (the station
	// then claims locally and keeps its marks).
	if _, err := a.Claim(ctx, "A-1", t0); err == nil || !Unreachable(err) {
		t.Errorf("claim with the server stopped: %v (Unreachable %v)", err, Unreachable(err))
	}
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaClaim, Key: "A-1", Claim: &store.LocalClaim{OrderRef: "A-1", At: t0}})); err == nil || !Unreachable(err) {
		t.Errorf("push with the server stopped: %v (Unreachable %v)", err, Unreachable(err))
	}
	time.Sleep(2 * a.cfg.LeaderRetry) // both try (and fail) while it is down
	if cur := l.current(); len(cur) != 0 {
		t.Fatalf("leading with the server down: %v", cur)
	}
	if err := srv.StartAgain(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "no bench leads after the restart", func() bool { return len(l.current()) == 1 })
	time.Sleep(2 * a.cfg.LeaderRetry)
	if cur := l.current(); len(cur) != 1 {
		t.Errorf("after the restart: %v lead", cur)
	}
	l.mu.Lock()
	total := l.started["b1"] + l.started["b2"]
	l.mu.Unlock()
	if total != 2 {
		t.Errorf("lead began %d times, want 2 (once before the stop, once after)", total)
	}
	// The pool reconnects by itself.
	if err := a.Ping(ctx); err != nil {
		t.Errorf("ping after the restart: %v", err)
	}
	if res, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaClaim, Key: "A-1", Claim: &store.LocalClaim{OrderRef: "A-1", At: t0}})); err != nil || res.Pushed != 1 {
		t.Errorf("push after the restart: %+v %v", res, err)
	}
}

// TestLeaderLeadReturns: a lead that gives up by itself releases the
// lock, and the site's poller is taken over.
func TestLeaderLeadReturns(t *testing.T) {
	a, url := migratedSite(t, "b1")
	b := coreSite(t, url, "b2")
	ctx, cancel := context.WithCancel(context.Background())
	aDone := make(chan struct{})
	defer func() { cancel(); <-aDone }()
	quit := make(chan struct{})
	aLed := make(chan struct{}, 1)
	go func() {
		defer close(aDone)
		a.RunLeader(ctx, func(ctx context.Context) {
			select {
			case aLed <- struct{}{}:
			default:
			}
			select {
			case <-quit: // gives up, once
			case <-ctx.Done():
			}
		})
	}()
	select {
	case <-aLed:
	case <-time.After(5 * time.Second):
		t.Fatal("b1 never led")
	}
	l := newLeaders()
	defer runLeader(b, l)()
	time.Sleep(2 * a.cfg.LeaderRetry)
	if cur := l.current(); len(cur) != 0 {
		t.Fatalf("b2 leads while b1 holds the lock: %v", cur)
	}
	close(quit)
	waitFor(t, 5*time.Second, "b2 did not take over from a lead that returned", func() bool { return len(l.current()) == 1 })
}
