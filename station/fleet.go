package station

import (
	"context"
	"errors"
	"time"

	"labelstation/fleet"
	"labelstation/station/kpi"
	"labelstation/store"
)

// Fleet mode: many benches, one site. Each bench keeps its own store and
// outbox; with Config.Fleet set it also claims each order on the site's
// PostgreSQL before booking it, pushes what it records there, pulls the
// news about its parcels from the site's one tracking poller, and takes
// that poller's turn when the lock is free.

// FleetConfig tunes fleet mode.
type FleetConfig struct {
	// Site is the site's server; nil: fleet mode is off.
	Site *fleet.Site
	// Every is the pause between pushes and pulls (0: 5 s).
	Every time.Duration
	// TrackEvery is the site poller's pause between passes (0: the
	// tracking poller's own default, 5 min).
	TrackEvery time.Duration
}

// FleetStatus is what the status bar and `labelstation fleet status` show.
type FleetStatus struct {
	On        bool      `json:"on"`
	Station   string    `json:"station"`
	Server    string    `json:"server"` // redacted URL
	Reachable bool      `json:"reachable"`
	LastPush  time.Time `json:"last_push,omitempty"`
	LastErr   string    `json:"last_error,omitempty"`
	// Backlog is how many records wait to be pushed.
	Backlog int `json:"backlog"`
	// Poller is the bench that polls Track & Trace for the site ("" :
	// unknown or none); Polling: this bench.
	Poller  string `json:"poller,omitempty"`
	Polling bool   `json:"polling"`
	// Conflicts counts unresolved claim conflicts of this bench.
	Conflicts int `json:"conflicts"`
}

// FleetSyncReport says what one push and pull did.
type FleetSyncReport struct {
	Pushed    int                   `json:"pushed"`
	Pulled    int                   `json:"pulled"` // parcels with tracking news
	Conflicts []store.ClaimConflict `json:"conflicts,omitempty"`
	Backlog   int                   `json:"backlog"`
}

// SiteView is the site dashboard: the KPIs of every bench together (or of
// one), and the benches.
type SiteView struct {
	Report  kpi.Report    `json:"report"`
	Bench   string        `json:"bench,omitempty"` // "" : all benches
	Benches []fleet.Bench `json:"benches"`
	// Conflicts are the site's claim conflicts (all benches).
	Conflicts []fleet.Conflict `json:"conflicts,omitempty"`
}

// ErrFleetOff: the command needs fleet mode.
var ErrFleetOff = errors.New("fleet mode is off")

// FleetOn reports whether the station is one of a site's benches.
func (s *Station) FleetOn() bool { return s.cfg.Fleet.Site != nil }

// RunFleet pushes and pulls every FleetConfig.Every, and competes for the
// site's tracking poller, until ctx ends. It returns at once when fleet
// mode is off.
func (s *Station) RunFleet(ctx context.Context) {}

// FleetSync pushes and pulls once, now.
func (s *Station) FleetSync(ctx context.Context) (FleetSyncReport, error) {
	return FleetSyncReport{}, ErrFleetOff
}

// FleetStatus says how the link to the site's server is.
func (s *Station) FleetStatus(ctx context.Context) FleetStatus { return FleetStatus{} }

// ClaimConflicts lists this bench's claim conflicts.
func (s *Station) ClaimConflicts() ([]store.ClaimConflict, error) { return nil, ErrFleetOff }

// ResolveClaimConflict records a supervisor's resolution of the conflict
// on ref.
func (s *Station) ResolveClaimConflict(ref, note string) (store.ClaimConflict, error) {
	return store.ClaimConflict{}, ErrFleetOff
}

// SiteDashboard computes the site's KPIs over the days ending on last,
// for every bench (bench "") or one, from the site's server.
func (s *Station) SiteDashboard(ctx context.Context, last time.Time, days int, bench string) (SiteView, error) {
	return SiteView{}, ErrFleetOff
}
