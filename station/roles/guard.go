package roles

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// SettingName is the store setting that holds the PIN's hash and its
// lock-out counters (one record, so each wrong PIN is one commit).
const SettingName = "supervisor_pin"

// Settings is where the PIN record is kept: *store.Store (PutSetting and
// Setting in store/settings.go) in the station.
type Settings interface {
	PutSetting(name string, v any) error
	Setting(name string, v any) (bool, error)
}

// Policy is the lock-out and session policy.
type Policy struct {
	// MaxTries wrong PINs in a row lock the PIN (default 5).
	MaxTries int
	// LockFor is the first lock-out (default 5 min); every further one
	// before a right PIN is twice as long as the one before, up to MaxLock
	// (default 24 h).
	LockFor time.Duration
	MaxLock time.Duration
	// Idle ends a supervisor session after that long without a supervisor
	// action (default 10 min).
	Idle time.Duration
}

// DefaultPolicy: 5 tries, then 5, 10, 20, 40 … minutes (at most a day);
// a session lasts 10 minutes after the last supervisor action.
var DefaultPolicy = Policy{MaxTries: 5, LockFor: 5 * time.Minute, MaxLock: 24 * time.Hour, Idle: DefaultIdle}

// Options configure a Guard. Zero fields take the defaults.
type Options struct {
	Params Params
	Policy Policy
	Now    func() time.Time
}

// Record is the stored setting: the hash and the lock-out counters.
// Counters live in the store, not in memory, so restarting the station
// neither resets the tries left nor ends a lock-out.
type Record struct {
	Hash  string    `json:"hash,omitempty"` // argon2id PHC string; "" = no PIN
	SetAt time.Time `json:"set_at,omitzero"`
	// Failures counts wrong PINs in a row since the last right one or the
	// last lock-out.
	Failures int `json:"failures,omitempty"`
	// Lockouts counts lock-outs since the last right PIN: the next one
	// lasts LockFor × 2^Lockouts.
	Lockouts    int       `json:"lockouts,omitempty"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
}

// WrongPINError is a wrong PIN, counted. Left is the tries left before
// the lock-out (0 when this one locked the PIN: then LockedUntil is set);
// NextLock is how long that lock-out will be.
type WrongPINError struct {
	Left        int
	NextLock    time.Duration
	LockedUntil time.Time
	Tries       int // MaxTries
}

func (e *WrongPINError) Error() string {
	if !e.LockedUntil.IsZero() {
		return fmt.Sprintf("wrong PIN: locked until %s", e.LockedUntil.Format("15:04"))
	}
	return fmt.Sprintf("wrong PIN: %d tries left", e.Left)
}

func (e *WrongPINError) Is(target error) bool { return target == ErrWrongPIN }

// LockedError is a PIN entered while the lock-out runs: it was not
// checked and not counted.
type LockedError struct {
	Until time.Time
	Tries int // MaxTries
}

func (e *LockedError) Error() string {
	return "supervisor PIN locked until " + e.Until.Format("15:04")
}

func (e *LockedError) Is(target error) bool { return target == ErrLockedOut }

// Guard checks the supervisor PIN against its stored hash, keeps the
// lock-out counters in the store, and holds the supervisor session. One
// Guard per running station; safe for concurrent use. PIN checks run one
// at a time (a guesser gets no parallelism), the session is never blocked
// by one.
type Guard struct {
	st     Settings // nil: no data file, no PIN can be set
	params Params
	policy Policy
	now    func() time.Time
	sess   *Session

	mu sync.Mutex // one PIN check or change at a time
}

// NewGuard makes the guard over st (nil: a station without a data file,
// which never has a PIN).
func NewGuard(st Settings, o Options) *Guard {
	if o.Params == (Params{}) {
		o.Params = DefaultParams
	}
	d := DefaultPolicy
	if o.Policy.MaxTries <= 0 {
		o.Policy.MaxTries = d.MaxTries
	}
	if o.Policy.LockFor <= 0 {
		o.Policy.LockFor = d.LockFor
	}
	if o.Policy.MaxLock <= 0 {
		o.Policy.MaxLock = d.MaxLock
	}
	if o.Policy.Idle <= 0 {
		o.Policy.Idle = d.Idle
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Guard{st: st, params: o.Params, policy: o.Policy, now: o.Now, sess: NewSession(o.Policy.Idle, o.Now)}
}

// Policy is the guard's policy, defaults filled in.
func (g *Guard) Policy() Policy { return g.policy }

// Session is the supervisor session.
func (g *Guard) Session() *Session { return g.sess }

// Record reads the stored record (zero without a PIN).
func (g *Guard) Record() (Record, error) {
	var r Record
	if g.st == nil {
		return r, nil
	}
	if _, err := g.st.Setting(SettingName, &r); err != nil {
		return Record{}, err
	}
	return r, nil
}

// HasPIN says whether a PIN is set.
func (g *Guard) HasPIN() (bool, error) {
	r, err := g.Record()
	return r.Hash != "", err
}

// Unlock checks pin and, when it is right, starts the supervisor session.
// A wrong PIN is counted in the store before the answer (a
// *WrongPINError); a PIN entered during a lock-out is neither checked nor
// counted (a *LockedError). A malformed PIN (not 4–12 digits) is refused
// with ErrPINFormat without counting: it cannot be right, and saying so
// tells a guesser nothing.
func (g *Guard) Unlock(pin string) error {
	if err := CheckFormat(pin); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	r, err := g.Record()
	if err != nil {
		return err
	}
	if err := g.checkLocked(&r, pin); err != nil {
		return err
	}
	g.sess.Start()
	return nil
}

// SetPIN sets a new PIN. With a PIN set, old must be it (checked and
// counted like Unlock); without one, old is ignored. The new PIN starts
// with clean counters and a supervisor session (whoever set it knows it).
func (g *Guard) SetPIN(old, pin string) error {
	if err := CheckNew(pin); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.st == nil {
		return errors.New("this station has no data file to keep a PIN in")
	}
	r, err := g.Record()
	if err != nil {
		return err
	}
	if r.Hash != "" {
		if err := CheckFormat(old); err != nil {
			return fmt.Errorf("the current PIN: %w", err)
		}
		if err := g.checkLocked(&r, old); err != nil {
			return err
		}
	}
	return g.setLocked(pin)
}

// ResetPIN sets a new PIN without the old one and clears the lock-out:
// the site IT's way back in (`labelstation supervisor set-pin --reset`,
// run on the machine by someone who can edit its data file anyway).
func (g *Guard) ResetPIN(pin string) error {
	if err := CheckNew(pin); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.st == nil {
		return errors.New("this station has no data file to keep a PIN in")
	}
	return g.setLocked(pin)
}

func (g *Guard) setLocked(pin string) error {
	h, err := HashPIN(pin, g.params)
	if err != nil {
		return err
	}
	if err := g.st.PutSetting(SettingName, Record{Hash: h, SetAt: g.now()}); err != nil {
		return err
	}
	g.sess.Start()
	return nil
}

// checkLocked checks pin against r and keeps the counters (g.mu held).
func (g *Guard) checkLocked(r *Record, pin string) error {
	if r.Hash == "" {
		return ErrNoPIN
	}
	now := g.now()
	if now.Before(r.LockedUntil) {
		return &LockedError{Until: r.LockedUntil, Tries: g.policy.MaxTries}
	}
	ok, err := VerifyPIN(r.Hash, pin)
	if err != nil {
		return err
	}
	if ok {
		if r.Failures != 0 || r.Lockouts != 0 || !r.LockedUntil.IsZero() {
			r.Failures, r.Lockouts, r.LockedUntil = 0, 0, time.Time{}
			if err := g.st.PutSetting(SettingName, *r); err != nil {
				// Right PIN, counters not cleared: still right; the next
				// right PIN clears them.
				return nil
			}
		}
		return nil
	}
	r.Failures++
	werr := &WrongPINError{Left: g.policy.MaxTries - r.Failures, NextLock: g.lockFor(r.Lockouts), Tries: g.policy.MaxTries}
	if r.Failures >= g.policy.MaxTries {
		r.LockedUntil = now.Add(g.lockFor(r.Lockouts))
		r.Lockouts++
		r.Failures = 0
		werr.Left, werr.LockedUntil, werr.NextLock = 0, r.LockedUntil, g.lockFor(r.Lockouts)
	}
	if err := g.st.PutSetting(SettingName, *r); err != nil {
		// A wrong PIN that cannot be counted is refused all the same, and
		// says why: nothing is unlocked on a data file that cannot count.
		return fmt.Errorf("wrong PIN, and it could not be counted: %w", err)
	}
	return werr
}

// lockFor is the length of the lock-out after n earlier ones: LockFor ×
// 2^n, at most MaxLock.
func (g *Guard) lockFor(n int) time.Duration {
	d := g.policy.LockFor
	for i := 0; i < n && d < g.policy.MaxLock; i++ {
		d *= 2
	}
	return min(d, g.policy.MaxLock)
}
