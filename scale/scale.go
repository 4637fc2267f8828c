// Package scale owns reading weights from bench scales: serial protocols,
// USB HID POS scales and a simulator, chosen by URI, plus the stable-weight
// filter that decides when a reading can be trusted for a booking.
package scale

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrClosed is the cause of a Read on a scale that was closed.
var ErrClosed = errors.New("scale is closed")

// ResolutionReporter is implemented by scales that know their display
// division (the "d" on the scale's plate: 1 g, 2 g, 5 g …). WaitStable
// rounds to it and widens its default tolerance for coarse scales.
type ResolutionReporter interface {
	// Resolution is the display division in grams.
	Resolution() float64
}

// Reading is one weight report from a scale.
type Reading struct {
	// Grams is the weight shown. Serial and USB scales report decimal
	// numbers, which are converted to whole milligrams exactly before
	// they become grams here (1.14 kg is 1140 g, with no float drift).
	// It is meaningless unless Status is StatusOK.
	Grams float64
	// Stable is the scale's own motion flag (true when it reports no
	// motion). The stable-weight filter does not trust it alone, but it
	// does require it. A protocol without a motion flag reports true on
	// every reading (it claims no motion), leaving the decision to the
	// filter.
	Stable bool
	// Status says whether the scale showed a weight at all. The zero
	// value, StatusOK, is a weight.
	Status Status
	Time   time.Time
}

// Status is what a scale says besides the number. Over- and underload
// are never weights, whatever digits came with them.
type Status uint8

const (
	// StatusOK: Grams is the weight shown.
	StatusOK Status = iota
	// StatusOverload: more than the scale's capacity is on it.
	StatusOverload
	// StatusUnderload: the scale reads below its range (the platter
	// lifted or a wrong zero).
	StatusUnderload
	// StatusFault: the scale reports a fault of its own (it needs
	// calibrating or re-zeroing, a memory error, …).
	StatusFault
)

func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusOverload:
		return "overload"
	case StatusUnderload:
		return "underload"
	case StatusFault:
		return "fault"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// State is what a live display shows about a scale, in one word.
type State string

const (
	StateStable       State = "stable"       // a weight, and the scale reports no motion
	StateMoving       State = "moving"       // a weight that is still changing
	StateZero         State = "zero"         // the platter is empty
	StateNegative     State = "negative"     // below zero: re-zero the scale
	StateOverload     State = "overload"     // too heavy for the scale
	StateUnderload    State = "underload"    // below the scale's range
	StateFault        State = "fault"        // the scale reports a fault
	StateDisconnected State = "disconnected" // no answer from the scale
)

// State classifies the reading for a display.
func (r Reading) State() State {
	switch r.Status {
	case StatusOverload:
		return StateOverload
	case StatusUnderload:
		return StateUnderload
	case StatusFault:
		return StateFault
	}
	switch {
	case !r.Stable:
		return StateMoving
	case r.Grams < 0:
		return StateNegative
	case r.Grams == 0:
		return StateZero
	}
	return StateStable
}

// Weight reports whether the reading is a weight that could be booked:
// a positive number the scale shows without motion, over- and underload
// excluded. WaitStable asks more (a window of agreeing readings).
func (r Reading) Weight() bool {
	return r.Status == StatusOK && r.Stable && r.Grams > 0 && !math.IsNaN(r.Grams) && !math.IsInf(r.Grams, 0)
}

// Scale reports the weight on its platter. Implementations are safe for
// concurrent use.
type Scale interface {
	// Read returns the current weight; it blocks until the scale answers,
	// the context ends, or the scale's own timeout passes.
	Read(ctx context.Context) (Reading, error)
	// String describes the scale for a status bar.
	String() string
	Close() error
}
