package station_test

import (
	"context"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/station"
	"labelstation/station/kpi"
	"labelstation/store"
)

// TestDashboardWindows: the window is the calendar days ending on last's
// date, read from the store's summaries, with the configured thresholds.
func TestDashboardWindows(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	last := time.Date(2026, 4, 10, 15, 0, 0, 0, time.Local)
	for i, booked := range []time.Time{
		time.Date(2026, 4, 10, 0, 5, 0, 0, time.Local),  // the last day, just after midnight
		time.Date(2026, 4, 9, 23, 55, 0, 0, time.Local), // the day before, just before midnight
		time.Date(2026, 3, 12, 9, 0, 0, 0, time.Local),  // the first day of 30
		time.Date(2026, 3, 11, 9, 0, 0, 0, time.Local),  // outside 30, inside 90
		time.Date(2025, 12, 31, 9, 0, 0, 0, time.Local), // outside 90
	} {
		sum := store.TrackSummary{OrderRef: "R" + string(rune('0'+i)), Country: "SE", BookedAt: booked, Status: carrier.StatusDelivered,
			Events: 4, FirstEvent: booked.Add(time.Hour), LastEvent: booked.Add(26 * time.Hour),
			Expected: booked.Add(24 * time.Hour), Delivered: booked.Add(26 * time.Hour)}
		if err := st.PutTrackSummary(sum); err != nil {
			t.Fatal(err)
		}
	}
	s := station.New(st, nil, nil, nil, station.Config{
		Now:           func() time.Time { return last },
		KPIThresholds: map[string][2]float64{"on_time_delivery_rate": {99, 98}},
	})
	for _, c := range []struct {
		days, want int
		from       string
	}{{1, 1, "2026-04-10"}, {2, 2, "2026-04-09"}, {30, 3, "2026-03-12"}, {90, 4, "2026-01-11"}} {
		r, err := s.Dashboard(context.Background(), last, c.days)
		if err != nil {
			t.Fatal(err)
		}
		if r.Shipments != c.want || r.From != c.from || r.To != "2026-04-10" || len(r.Daily) != c.days {
			t.Errorf("%d days: %d shipments %s…%s, want %d from %s", c.days, r.Shipments, r.From, r.To, c.want, c.from)
		}
		for _, k := range r.Overall {
			if k.Key == kpi.KeyOnTime && (k.Warn != 99 || k.Critical != 98) {
				t.Errorf("thresholds from the config not used: %+v", k)
			}
		}
	}
	if _, err := s.Dashboard(context.Background(), last, 0); err == nil {
		t.Error("0 days: no error")
	}
}

func TestDashboardCountsOrdersNotShippedAfter48Hours(t *testing.T) {
	clock := time.Now().Add(-72 * time.Hour)
	r := newRigWith(t, nil, func(c *station.Config) { c.Now = func() time.Time { return clock } })
	r.importOrders() // three days ago
	ctx := context.Background()
	clock = time.Now()
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900}); err != nil {
		t.Fatal(err)
	}
	rep, err := r.station.Dashboard(ctx, clock, 30)
	if err != nil {
		t.Fatal(err)
	}
	var got *kpi.KPI
	for i := range rep.Overall {
		if rep.Overall[i].Key == kpi.KeyUnshipped {
			got = &rep.Overall[i]
		}
	}
	if got == nil || got.Count != 2 {
		t.Fatalf("orders without a shipment after 48 h = %+v, want A-2 and A-3", got)
	}
	n := 0
	for _, p := range rep.Problems {
		if p.Kind == kpi.ProblemNoShipment {
			n++
		}
	}
	if n != 2 || rep.ProblemKinds[kpi.ProblemNoShipment] != 2 {
		t.Fatalf("problems: %d no_shipment listed, kinds %v", n, rep.ProblemKinds)
	}
}
