// Package scale owns reading weights from bench scales: serial protocols,
// USB HID POS scales and a simulator, chosen by URI, plus the stable-weight
// filter that decides when a reading can be trusted for a booking.
package scale

import (
	"context"
	"errors"
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
	Grams float64
	// Stable is the scale's own motion flag (true when it reports no
	// motion). The stable-weight filter does not trust it alone, but it
	// does require it. A protocol without a motion flag reports true on
	// every reading (it claims no motion), leaving the decision to the
	// filter.
	Stable bool
	Time   time.Time
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
