package station

import (
	"context"
	"fmt"
	"time"

	"labelstation/station/kpi"
	"labelstation/store"
)

// Dashboard computes the delivery KPIs of the shipments booked on the
// days calendar days ending on last's local date (days 1: that day
// alone; 30 and 90 are the rolling windows), at the station's clock,
// with the configured thresholds. It streams the window's tracking
// summaries from the store, so its cost follows the window, not the
// history.
func (s *Station) Dashboard(ctx context.Context, last time.Time, days int) (kpi.Report, error) {
	if days < 1 {
		return kpi.Report{}, fmt.Errorf("dashboard: %d days: use 1 or more", days)
	}
	w := kpi.DaysEnding(last, days, time.Local)
	b := kpi.NewBuilder(w, s.cfg.Now(), s.kpiOptions())
	n := 0
	err := s.store.TrackSummaries(w.First, w.Last, func(sum store.TrackSummary) error {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		b.Add(&sum)
		return nil
	})
	if err != nil {
		return kpi.Report{}, fmt.Errorf("dashboard %s…%s: %w", w.First.Format("2006-01-02"), w.Last.Format("2006-01-02"), err)
	}
	r := b.Report()
	now := s.cfg.Now()
	unshipped, err := s.store.UnshippedOrders(now.Add(-kpi.UnshippedAfter))
	if err != nil {
		return kpi.Report{}, fmt.Errorf("dashboard: orders without a shipment: %w", err)
	}
	r.AddUnshipped(unshipped, now, unshippedListed)
	return r, nil
}

// unshippedListed is how many orders without a shipment a report lists
// by name (all are counted).
const unshippedListed = 50

// kpiOptions are the KPI settings of both the bench's and the site's
// dashboard: the same thresholds, in local time.
func (s *Station) kpiOptions() kpi.Options {
	return kpi.Options{Thresholds: s.cfg.KPIThresholds, Location: time.Local}
}
