package station

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"weak"

	"labelstation/station/roles"
)

// The bench's two roles (station/roles): packer, the default, and
// supervisor after the supervisor PIN. The station keeps the PIN's
// argon2id hash and the lock-out counters in its data file (setting
// "supervisor_pin") and the supervisor session in memory: it ends after
// 10 minutes without a supervisor action, on Lock, and at restart.
//
// Without a PIN the station is in supervisor mode until one is set: a
// fresh install (or one upgraded from before roles) must be usable, and
// setting the first PIN is the site's step (`labelstation supervisor
// set-pin`, or PIN… on the pack screen). Once set, changing it needs the
// old PIN, checked and counted like any other.
//
// The GUI decides which actions need the supervisor (app/roles.go); the
// facade's other calls are not gated, because the CLI is the site IT's
// tool on the machine.

// guards holds each Station's roles.Guard beside it, keyed weakly so a
// station that is dropped (tests make many) takes its guard with it.
// (A field in Station would do the same; this keeps the roles in this
// file.)
var guards = struct {
	sync.Mutex
	m map[weak.Pointer[Station]]*roles.Guard
}{m: map[weak.Pointer[Station]]*roles.Guard{}}

// guard is the station's roles.Guard, made on first use.
func (s *Station) guard() *roles.Guard {
	key := weak.Make(s)
	guards.Lock()
	defer guards.Unlock()
	if g := guards.m[key]; g != nil {
		return g
	}
	var st roles.Settings
	if s.store != nil {
		st = s.store
	}
	g := roles.NewGuard(st, roles.Options{Now: s.cfg.Now})
	guards.m[key] = g
	runtime.AddCleanup(s, func(k weak.Pointer[Station]) {
		guards.Lock()
		delete(guards.m, k)
		guards.Unlock()
	}, key)
	return g
}

// SupervisorInfo is the PIN's state, for `labelstation supervisor status`.
type SupervisorInfo struct {
	PINSet      bool      `json:"pin_set"`
	SetAt       time.Time `json:"set_at,omitzero"`
	Failures    int       `json:"wrong_pins_in_a_row"`
	TriesLeft   int       `json:"tries_left"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	Session     bool      `json:"supervisor_session"`
	Until       time.Time `json:"session_until,omitzero"`
}

// HasSupervisorPIN says whether a supervisor PIN is set. When the data
// file cannot be read it says yes: the station fails closed (packer
// mode), and unlocking says what is wrong.
func (s *Station) HasSupervisorPIN() bool {
	ok, err := s.guard().HasPIN()
	if err != nil {
		s.log.Error("supervisor PIN not readable", "err", err)
		return true
	}
	return ok
}

// Supervisor says whether the station is in supervisor mode, and until
// when the session lasts without another supervisor action. Without a
// PIN it is on with a zero until: supervisor mode until a PIN is set.
func (s *Station) Supervisor() (on bool, until time.Time) {
	if !s.HasSupervisorPIN() {
		return true, time.Time{}
	}
	return s.guard().Session().Active()
}

// TouchSupervisor is a supervisor action about to run: when the session
// is on it is extended (10 more minutes from now) and on is true; when it
// is off (timed out, locked) it stays off and the GUI asks for the PIN.
// Without a PIN it is on, as Supervisor.
func (s *Station) TouchSupervisor() (on bool, until time.Time) {
	if !s.HasSupervisorPIN() {
		return true, time.Time{}
	}
	return s.guard().Session().Touch()
}

// UnlockSupervisor checks the supervisor PIN and starts a supervisor
// session. Its errors are Problems with the words a person acts on:
// wrong PIN and how many tries are left, locked out until when.
func (s *Station) UnlockSupervisor(ctx context.Context, pin string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g := s.guard()
	if err := g.Unlock(pin); err != nil {
		return s.pinProblem(err, "")
	}
	s.log.Info("supervisor mode on")
	return nil
}

// LockSupervisor ends the supervisor session (Lock): the station is in
// packer mode until the PIN is entered again.
func (s *Station) LockSupervisor() {
	if on, _ := s.guard().Session().Active(); on {
		s.log.Info("supervisor mode off (locked)")
	}
	s.guard().Session().End()
}

// SetSupervisorPIN sets the supervisor PIN. With a PIN set, old must be
// the current one (a wrong one counts toward the lock-out); without one,
// old is ignored. The new PIN is 4 to 12 digits, not one digit repeated
// or a straight run. The one who sets it is in supervisor mode after.
func (s *Station) SetSupervisorPIN(ctx context.Context, old, pin string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	had := s.HasSupervisorPIN()
	if err := s.guard().SetPIN(old, pin); err != nil {
		return s.pinProblem(err, "the PIN is not changed")
	}
	if had {
		s.log.Info("supervisor PIN changed")
	} else {
		s.log.Info("supervisor PIN set")
	}
	return nil
}

// ResetSupervisorPIN sets the supervisor PIN without the old one and
// clears the lock-out. Only the CLI calls it (`supervisor set-pin
// --reset`): whoever runs commands on the machine can edit its data file
// anyway.
func (s *Station) ResetSupervisorPIN(ctx context.Context, pin string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.guard().ResetPIN(pin); err != nil {
		return s.pinProblem(err, "the PIN is not changed")
	}
	s.log.Warn("supervisor PIN reset without the old PIN")
	return nil
}

// SupervisorStatus reads the PIN's state: set or not, wrong PINs in a
// row, the lock-out.
func (s *Station) SupervisorStatus(ctx context.Context) (SupervisorInfo, error) {
	if err := ctx.Err(); err != nil {
		return SupervisorInfo{}, err
	}
	g := s.guard()
	r, err := g.Record()
	if err != nil {
		return SupervisorInfo{}, &Problem{ID: "supervisor.pin_unreadable", Data: map[string]any{"Reason": err.Error()}, Msg: "the supervisor PIN cannot be read: " + err.Error(),
			Hint: "check the disk of the data directory (full, read-only?)", Err: err}
	}
	info := SupervisorInfo{PINSet: r.Hash != "", SetAt: r.SetAt, Failures: r.Failures,
		TriesLeft: g.Policy().MaxTries - r.Failures}
	if r.LockedUntil.After(s.cfg.Now()) {
		info.LockedUntil = r.LockedUntil
		info.TriesLeft = 0
	}
	info.Session, info.Until = s.Supervisor()
	return info, nil
}

// pinProblem words a roles error for the person at the bench. The PIN
// itself is never in a message or a log line.
func (s *Station) pinProblem(err error, notDone string) error {
	pol := s.guard().Policy()
	now := s.cfg.Now()
	var we *roles.WrongPINError
	var le *roles.LockedError
	switch {
	case errors.As(err, &we) && !we.LockedUntil.IsZero():
		s.log.Warn("supervisor PIN locked out after wrong PINs", "tries", pol.MaxTries, "until", we.LockedUntil)
		return &Problem{
			ID: "supervisor.pin_wrong_locked", Data: map[string]any{"Until": pinClock(we.LockedUntil, now), "Tries": pol.MaxTries},
			Msg: fmt.Sprintf("wrong PIN: the supervisor PIN is locked until %s", pinClock(we.LockedUntil, now)),
			Hint: fmt.Sprintf("%d wrong PINs in a row. Try again after %s; the site's IT can set a new PIN on this computer with: labelstation supervisor set-pin --reset",
				pol.MaxTries, pinClock(we.LockedUntil, now)),
			Err: err}
	case errors.As(err, &we):
		s.log.Warn("wrong supervisor PIN", "tries_left", we.Left)
		return &Problem{
			ID: "supervisor.pin_wrong", Data: map[string]any{"Left": we.Left, "LockHours": wholeHours(we.NextLock), "LockMinutes": int(we.NextLock.Minutes())},
			Msg:  fmt.Sprintf("wrong PIN: %s left", pinTries(we.Left)),
			Hint: fmt.Sprintf("%s the supervisor PIN for %s", moreWrong(we.Left), lockMinutes(we.NextLock)),
			Err:  err}
	case errors.As(err, &le):
		return &Problem{
			ID: "supervisor.pin_locked", Data: map[string]any{"Until": pinClock(le.Until, now), "Tries": pol.MaxTries},
			Msg: fmt.Sprintf("the supervisor PIN is locked until %s", pinClock(le.Until, now)),
			Hint: fmt.Sprintf("after %d wrong PINs in a row; this PIN was not checked. Try again after %s, or ask the site's IT (labelstation supervisor set-pin --reset)",
				pol.MaxTries, pinClock(le.Until, now)),
			Err: err}
	case errors.Is(err, roles.ErrNoPIN):
		return &Problem{ID: "supervisor.no_pin", Msg: "no supervisor PIN is set",
			Hint: "set one with PIN… on the pack screen, or on this computer with: labelstation supervisor set-pin", Err: err}
	case errors.Is(err, roles.ErrPINFormat):
		return &Problem{ID: "supervisor.pin_format", Data: map[string]any{"PINKept": notDone != ""}, Msg: "a supervisor PIN is 4 to 12 digits", Hint: pinHint(notDone, "type digits only"), Err: err}
	case errors.Is(err, roles.ErrWeakPIN):
		return &Problem{ID: "supervisor.pin_weak", Data: map[string]any{"PINKept": notDone != ""}, Msg: "that PIN is too easy to guess: one digit repeated or a straight run",
			Hint: pinHint(notDone, "choose 4 to 12 digits without a pattern"), Err: err}
	}
	s.log.Error("supervisor PIN", "err", err)
	return &Problem{ID: "supervisor.pin_check_failed", Data: map[string]any{"Reason": err.Error(), "PINKept": notDone != ""}, Msg: "the supervisor PIN cannot be checked: " + err.Error(),
		Hint: pinHint(notDone, "check the disk of the data directory (full, read-only?), then try again"), Err: err}
}

func pinHint(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// pinClock is "14:05", or "Tue 14:05" when it is not today.
func pinClock(t, now time.Time) string { return clockToday(t, now, "Mon 15:04") }

// clockToday is t's clock ("14:05") when t is on now's local day, else t
// in otherDay's layout.
func clockToday(t, now time.Time, otherDay string) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format(otherDay)
}

// moreWrong is "3 more wrong PINs lock" or "1 more wrong PIN locks".
func moreWrong(n int) string {
	if n == 1 {
		return "1 more wrong PIN locks"
	}
	return fmt.Sprintf("%d more wrong PINs lock", n)
}

func pinTries(n int) string {
	if n == 1 {
		return "1 try"
	}
	return fmt.Sprintf("%d tries", n)
}

// wholeHours is d in hours when lockMinutes says it in hours, else 0: the
// screens' catalogue words the lock-out as lockMinutes does.
func wholeHours(d time.Duration) int {
	if d >= time.Hour && d%time.Hour == 0 {
		return int(d.Hours())
	}
	return 0
}

func lockMinutes(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes()))
}
