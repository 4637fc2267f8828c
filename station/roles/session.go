package roles

import (
	"sync"
	"time"
)

// DefaultIdle is how long a supervisor session lasts after the last
// supervisor action.
const DefaultIdle = 10 * time.Minute

// Session is the supervisor session of one running station: on after a
// right PIN, off after Idle without a supervisor action, on End (Lock),
// and at restart (it lives in memory only). Safe for concurrent use.
type Session struct {
	idle time.Duration
	now  func() time.Time

	mu    sync.Mutex
	until time.Time // zero: off
}

// NewSession makes a session that is off. idle 0 means DefaultIdle; now
// nil means time.Now.
func NewSession(idle time.Duration, now func() time.Time) *Session {
	if idle <= 0 {
		idle = DefaultIdle
	}
	if now == nil {
		now = time.Now
	}
	return &Session{idle: idle, now: now}
}

// Start switches the session on (or extends it) and says until when it
// lasts without another action.
func (s *Session) Start() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.until = s.now().Add(s.idle)
	return s.until
}

// End switches the session off (Lock).
func (s *Session) End() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.until = time.Time{}
}

// Active says whether the session is on, and until when, without
// extending it.
func (s *Session) Active() (on bool, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.activeLocked()
}

// Touch is a supervisor action: when the session is on it is extended by
// Idle from now; an ended session stays off (the check and the extension
// are one step, so an action never revives a session that just timed
// out).
func (s *Session) Touch() (on bool, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on, _ := s.activeLocked(); !on {
		return false, time.Time{}
	}
	s.until = s.now().Add(s.idle)
	return true, s.until
}

func (s *Session) activeLocked() (bool, time.Time) {
	if s.until.IsZero() {
		return false, time.Time{}
	}
	if !s.now().Before(s.until) {
		s.until = time.Time{}
		return false, time.Time{}
	}
	return true, s.until
}
