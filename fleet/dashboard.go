package fleet

import (
	"context"
	"time"

	"labelstation/store"
)

// Bench is one bench as the site sees it.
type Bench struct {
	Station   string    `json:"station"`
	LastSeen  time.Time `json:"last_seen"`
	Shipments int       `json:"shipments"` // booked in the asked window
}

// Benches lists the benches that ever pushed, with their shipments booked
// on the days first…last.
func (s *Site) Benches(ctx context.Context, first, last time.Time) ([]Bench, error) {
	return nil, errTODO
}

// Summaries streams the tracking summaries of the shipments booked on the
// calendar days first…last (local time) of every bench, or of one when
// station is not "", to fn (the site dashboard's input; the same
// kpi.Builder as a single bench's).
func (s *Site) Summaries(ctx context.Context, first, last time.Time, station string, fn func(station string, sum *store.TrackSummary) error) error {
	return errTODO
}
