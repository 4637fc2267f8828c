package app

import (
	"context"
	"time"

	"labelstation/station"
	"labelstation/station/kpi"
)

// DashboardSource is what the dashboard needs at the least: the KPI
// report of the days calendar days (1, 30 or 90) ending on last's date.
// *station.Station implements it as Station.Dashboard. Give it to the pack
// screen with WithDashboard; the screen then has a Dashboard… button.
type DashboardSource interface {
	Dashboard(ctx context.Context, last time.Time, days int) (kpi.Report, error)
}

// TrackingSource is the tracking side of the dashboard, optional: a
// DashboardSource that implements it gets the "Sync tracking" button, a
// problem parcel's event history on a click, and live updates while the
// tracking sync runs. It is *station.Station's TrackShow, TrackSync and
// SubscribeTracking.
type TrackingSource interface {
	// TrackShow is one parcel's full history; ref is its order
	// reference (or, without one, its item id).
	TrackShow(ctx context.Context, ref string) (ParcelHistory, error)
	// TrackSync asks the carrier about the open parcels now.
	TrackSync(ctx context.Context, opts TrackOptions) (TrackReport, error)
	// SubscribeTracking streams status changes until ctx ends.
	SubscribeTracking(ctx context.Context) <-chan TrackingChange
}

// The real facade offers the dashboard and its tracking side.
var (
	_ DashboardSource = (*station.Station)(nil)
	_ TrackingSource  = (*station.Station)(nil)
)

// The tracking types are the station's own; the screen reads only the
// fields it shows.
type (
	// ParcelHistory is one parcel with every tracking event, oldest first.
	ParcelHistory = station.ParcelHistory
	// TrackOptions: All asks about every open parcel, due or not.
	TrackOptions = station.TrackOptions
	// TrackReport is what one tracking sync did.
	TrackReport = station.TrackReport
	// TrackingChange is a parcel's status change, as the sync found it.
	TrackingChange = station.TrackingChange
)

// WithDashboard gives the pack screen a Dashboard… button that opens the
// supervisor's dashboard on src (its own window, beside the pack screen).
func WithDashboard(src DashboardSource) Option {
	return func(c *config) { c.dashboard = src }
}

// DashboardEvery sets how often the open dashboard asks for its report
// again (default 10 s); a tracking change asks at once.
func DashboardEvery(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.dashboardEvery = d
		}
	}
}
