package station_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/station"
	"labelstation/station/roles"
	"labelstation/store"
)

// supClock is a settable clock for the station.
type supClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *supClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *supClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// supStation is a station on a data file in dir with a settable clock.
func supStation(t *testing.T, dir string, clk *supClock) (*station.Station, *store.Store) {
	t.Helper()
	db, err := store.Open(dir, store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return station.New(db, nil, nil, nil, station.Config{Now: clk.Now}), db
}

// The facade's whole story with the real argon2id parameters: no PIN
// (supervisor mode until one is set), set it, lock, wrong PINs with tries
// left, the lock-out with its time (surviving a restart), the right PIN
// after it, idle timeout, and a change of PIN that needs the old one.
func TestSupervisorPIN(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := &supClock{t: time.Date(2025, 3, 10, 14, 0, 0, 0, time.Local)}
	s, db := supStation(t, dir, clk)

	// A fresh install: no PIN, supervisor mode until one is set.
	if s.HasSupervisorPIN() {
		t.Fatal("a fresh station has a PIN")
	}
	if on, until := s.Supervisor(); !on || !until.IsZero() {
		t.Errorf("without a PIN: Supervisor() = %v, %v; want on, no end", on, until)
	}
	if on, _ := s.TouchSupervisor(); !on {
		t.Error("without a PIN a supervisor action is refused")
	}
	err := s.UnlockSupervisor(ctx, "2580")
	if !errors.Is(err, roles.ErrNoPIN) || !strings.Contains(station.Hint(err), "supervisor set-pin") {
		t.Errorf("unlock without a PIN: %v (hint %q)", err, station.Hint(err))
	}

	// Bad and weak PINs are refused, saying why.
	for pin, want := range map[string]string{"25": "4 to 12 digits", "25a0": "4 to 12 digits", "1111": "too easy to guess", "1234": "too easy to guess"} {
		err := s.SetSupervisorPIN(ctx, "", pin)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(station.Hint(err), "not changed") {
			t.Errorf("SetSupervisorPIN(%q) = %v (hint %q), want %q", pin, err, station.Hint(err), want)
		}
	}
	if s.HasSupervisorPIN() {
		t.Fatal("a refused PIN was set")
	}

	if err := s.SetSupervisorPIN(ctx, "", "2580"); err != nil {
		t.Fatal(err)
	}
	if !s.HasSupervisorPIN() {
		t.Fatal("no PIN after setting one")
	}
	if on, until := s.Supervisor(); !on || !until.Equal(clk.Now().Add(10*time.Minute)) {
		t.Errorf("after setting the PIN: %v until %v, want a 10-minute session", on, until)
	}
	s.LockSupervisor()
	if on, _ := s.Supervisor(); on {
		t.Fatal("still supervisor after Lock")
	}
	if on, _ := s.TouchSupervisor(); on {
		t.Fatal("a supervisor action after Lock was let through")
	}

	// Wrong PINs: tries left, then the lock-out with its time.
	for left := 4; left >= 1; left-- {
		err := s.UnlockSupervisor(ctx, "9999")
		want := "wrong PIN: 4 tries left"
		switch left {
		case 3:
			want = "wrong PIN: 3 tries left"
		case 2:
			want = "wrong PIN: 2 tries left"
		case 1:
			want = "wrong PIN: 1 try left"
		}
		if err == nil || err.Error() != want || !errors.Is(err, roles.ErrWrongPIN) {
			t.Errorf("wrong PIN %d: %v, want %q", 5-left, err, want)
		}
		if left == 1 && station.Hint(err) != "1 more wrong PIN locks the supervisor PIN for 5 minutes" {
			t.Errorf("hint %q", station.Hint(err))
		}
	}
	clk.Add(30 * time.Second)
	err = s.UnlockSupervisor(ctx, "9999")
	if err == nil || err.Error() != "wrong PIN: the supervisor PIN is locked until 14:05" || !strings.Contains(station.Hint(err), "set-pin --reset") {
		t.Errorf("fifth wrong PIN: %v (hint %q)", err, station.Hint(err))
	}

	// A restart during the lock-out: still locked, right PIN or not.
	db.Close()
	s, db = supStation(t, dir, clk)
	defer db.Close()
	if on, _ := s.Supervisor(); on {
		t.Error("a restarted station is in supervisor mode")
	}
	clk.Add(2 * time.Minute)
	err = s.UnlockSupervisor(ctx, "2580")
	if err == nil || err.Error() != "the supervisor PIN is locked until 14:05" || !errors.Is(err, roles.ErrLockedOut) ||
		!strings.Contains(station.Hint(err), "not checked") {
		t.Errorf("right PIN during the lock-out after a restart: %v (hint %q)", err, station.Hint(err))
	}
	info, err := s.SupervisorStatus(ctx)
	if err != nil || !info.PINSet || info.TriesLeft != 0 || info.LockedUntil.Format("15:04") != "14:05" || info.Session {
		t.Errorf("status during the lock-out: %+v, %v", info, err)
	}

	clk.Add(3 * time.Minute)
	if err := s.UnlockSupervisor(ctx, "2580"); err != nil {
		t.Fatalf("right PIN after the lock-out: %v", err)
	}
	on, until := s.Supervisor()
	if !on || !until.Equal(clk.Now().Add(10*time.Minute)) {
		t.Errorf("after unlocking: %v until %v", on, until)
	}

	// Idle: each supervisor action extends the session by 10 minutes;
	// 10 minutes without one end it.
	clk.Add(8 * time.Minute)
	if on, until := s.TouchSupervisor(); !on || !until.Equal(clk.Now().Add(10*time.Minute)) {
		t.Errorf("action after 8 minutes: %v until %v", on, until)
	}
	clk.Add(10 * time.Minute)
	if on, _ := s.Supervisor(); on {
		t.Error("still supervisor after 10 idle minutes")
	}
	if on, _ := s.TouchSupervisor(); on {
		t.Error("an action revived a timed-out session")
	}

	// Changing the PIN needs the old one; a wrong old one counts.
	err = s.SetSupervisorPIN(ctx, "1111", "3690")
	if err == nil || err.Error() != "wrong PIN: 4 tries left" {
		t.Errorf("change with a wrong old PIN: %v", err)
	}
	if err := s.SetSupervisorPIN(ctx, "2580", "3690"); err != nil {
		t.Fatal(err)
	}
	s.LockSupervisor()
	if err := s.UnlockSupervisor(ctx, "2580"); !errors.Is(err, roles.ErrWrongPIN) {
		t.Errorf("old PIN after the change: %v", err)
	}
	if err := s.UnlockSupervisor(ctx, "3690"); err != nil {
		t.Errorf("new PIN: %v", err)
	}
	if info, _ := s.SupervisorStatus(ctx); info.Failures != 0 || info.TriesLeft != 5 {
		t.Errorf("status after the right PIN: %+v", info)
	}

	// IT's reset on the machine needs no old PIN.
	if err := s.ResetSupervisorPIN(ctx, "4711"); err != nil {
		t.Fatal(err)
	}
	s.LockSupervisor()
	if err := s.UnlockSupervisor(ctx, "4711"); err != nil {
		t.Errorf("reset PIN: %v", err)
	}
}

// Without a data file (some commands build such a station) there is no
// PIN and nothing to set one in.
func TestSupervisorWithoutStore(t *testing.T) {
	s := station.New(nil, nil, nil, nil, station.Config{})
	if s.HasSupervisorPIN() {
		t.Error("a station without a store has a PIN")
	}
	if err := s.SetSupervisorPIN(context.Background(), "", "2580"); err == nil {
		t.Error("a PIN was set without a data file")
	}
}

// Two stations in one process have their own sessions.
func TestSupervisorSessionsApart(t *testing.T) {
	ctx := context.Background()
	clk := &supClock{t: time.Now()}
	a, dba := supStation(t, t.TempDir(), clk)
	defer dba.Close()
	b, dbb := supStation(t, t.TempDir(), clk)
	defer dbb.Close()
	for _, s := range []*station.Station{a, b} {
		if err := s.SetSupervisorPIN(ctx, "", "2580"); err != nil {
			t.Fatal(err)
		}
	}
	a.LockSupervisor()
	if on, _ := a.Supervisor(); on {
		t.Error("a locked, still on")
	}
	if on, _ := b.Supervisor(); !on {
		t.Error("locking a locked b")
	}
}
