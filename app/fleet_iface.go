package app

import (
	"context"
	"time"

	"labelstation/station"
	"labelstation/store"
)

// The real facade offers fleet mode too.
var (
	_ FleetDesk  = (*station.Station)(nil)
	_ SiteSource = (*station.Station)(nil)
)

// FleetDesk is the part of the station behind fleet mode on the pack
// screen: the status bar's "Site" cell, and this bench's claim conflicts
// with their Resolve (a supervisor's) in the dashboard window. A Station
// that implements it and says FleetOn gets them; every control is one of
// these calls.
type FleetDesk interface {
	// FleetOn says whether the bench is one of a site's benches.
	FleetOn() bool
	// FleetStatus is the link to the site's server as the last push and
	// pull left it (no network: the status bar polls it).
	FleetStatus(ctx context.Context) station.FleetStatus
	// FleetSync pushes and pulls once, now ("Sync with the site").
	FleetSync(ctx context.Context) (station.FleetSyncReport, error)
	// ClaimConflicts lists this bench's claim conflicts, unresolved first.
	ClaimConflicts() ([]store.ClaimConflict, error)
	// ResolveClaimConflict records a supervisor's resolution of the
	// conflict on ref, with a note saying what was done.
	ResolveClaimConflict(ref, note string) (store.ClaimConflict, error)
}

// SiteSource is the site side of the dashboard, optional: a
// DashboardSource that implements it and says FleetOn gets the view
// selector (this bench, the whole site, one bench of the site), the
// site's benches and its claim conflicts.
type SiteSource interface {
	FleetOn() bool
	// SiteDashboard is the site's report of the days ending on last, of
	// every bench (bench "") or one, with the benches and the site's
	// unresolved claim conflicts.
	SiteDashboard(ctx context.Context, last time.Time, days int, bench string) (station.SiteView, error)
}

// fleetDesk is the station's fleet side when fleet mode is on, else nil.
func fleetDesk(st any) FleetDesk {
	if fd, ok := st.(FleetDesk); ok && fd.FleetOn() {
		return fd
	}
	return nil
}
