package fleet_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/fleet"
	"labelstation/internal/pgtest"
	"labelstation/station/tracking"
	"labelstation/store"
)

// The site's records are what a poller reads and writes.
var _ tracking.Records = (*fleet.SiteRecords)(nil)

// siteDB is a migrated site on a fresh database, and a pool of its own
// for the test's SQL (what benches pushed, what the poller wrote).
func siteDB(t testing.TB) (*fleet.Site, *pgxpool.Pool) {
	t.Helper()
	url := pgtest.Database(t)
	site, err := fleet.Open(fleet.Config{URL: url, Station: "bench-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(site.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := site.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return site, pool
}

// shipmentRow is a shipment as a bench's push leaves it on the server.
type shipmentRow struct {
	station, ref string
	sh           carrier.Booking
	booked       time.Time
	country      string
	cancelled    bool
}

func insertShipments(t testing.TB, pool *pgxpool.Pool, rows ...shipmentRow) {
	t.Helper()
	for _, r := range rows {
		var cancelled *time.Time
		if r.cancelled {
			c := r.booked.Add(time.Minute)
			cancelled = &c
		}
		items := r.sh.ItemIDs
		if items == nil {
			items = []string{}
		}
		if _, err := pool.Exec(context.Background(), `
			INSERT INTO shipments (station, order_ref, carrier, service, shipment_id, tracking_id, item_ids, weight_g, country, status, booked_at, cancelled)
			VALUES ($1, $2, 'postnord', '19', $3, $4, $5, 1200, $6, 'created', $7, $8)`,
			r.station, r.ref, r.sh.ShipmentID, r.sh.TrackingID(), items, r.country, r.booked, cancelled); err != nil {
			t.Fatal(err)
		}
	}
}

func count(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// testClock is a time the test moves; the sandbox's stories and the
// poller both read it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// sandboxCarrier is the PostNord client over HTTP to the sandbox, whose
// parcels tell one event per hour of clock.
func sandboxCarrier(t testing.TB, clock *testClock) *postnord.Client {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Seed: 1, Now: clock.Now, TrackingStep: time.Hour,
		Story: func(string) sandbox.Story { return sandbox.StoryStepped }})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	pn, err := postnord.New(postnord.Config{BaseURL: srv.URL, APIKey: "test-key", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return pn
}

func book(t testing.TB, c carrier.Carrier, ref, country string) carrier.Booking {
	t.Helper()
	postcode, city := "11157", "Stockholm"
	if country == "DK" {
		postcode, city = "1050", "København"
	}
	b, err := c.Book(context.Background(), carrier.BookingRequest{
		OrderRef: ref,
		Consignor: carrier.Consignor{CustomerNumber: "20876966", IssuerCode: "Z12",
			Address: carrier.Address{Name: "Demo Webshop AB", Street1: "Lagergatan 12", Postcode: "41505", City: "Göteborg", Country: "SE"}},
		Receiver:    carrier.Address{Name: "Bo Åberg", Street1: "Sveavägen 2", Postcode: postcode, City: city, Country: country},
		Service:     carrier.Service{Code: "19"},
		Parcels:     []carrier.Parcel{{Weight: 1200}},
		LabelFormat: carrier.LabelZPL,
		RequestID:   "req-" + ref,
	})
	if err != nil {
		t.Fatalf("book %s: %v", ref, err)
	}
	return b
}

// The site's poller, the real tracking.Poller over SiteRecords and the
// PostNord client against the sandbox: parcels of two benches are
// seeded, their events land once each, the summaries and statuses are
// written, and each bench's inbox gets the news of its own parcels only.
func TestSiteRecordsPoller(t *testing.T) {
	site, pool := siteDB(t)
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 3, 28, 9, 0, 0, 0, time.Local)}
	pn := sandboxCarrier(t, clock)

	a1, a2, b1, b2 := book(t, pn, "A-1", "SE"), book(t, pn, "A-2", "DK"), book(t, pn, "B-1", "SE"), book(t, pn, "B-2", "SE")
	insertShipments(t, pool,
		shipmentRow{station: "bench-1", ref: "A-1", sh: a1, booked: clock.Now(), country: "SE"},
		shipmentRow{station: "bench-1", ref: "A-2", sh: a2, booked: clock.Now(), country: "DK"},
		shipmentRow{station: "bench-2", ref: "B-1", sh: b1, booked: clock.Now(), country: "SE"},
		shipmentRow{station: "bench-2", ref: "B-2", sh: b2, booked: clock.Now(), country: "SE", cancelled: true},
		// Booked before the poller's seed window: never seeded.
		shipmentRow{station: "bench-2", ref: "B-OLD", sh: carrier.Booking{ItemIDs: []string{"OLD1"}}, booked: clock.Now().AddDate(0, 0, -30), country: "SE"},
	)

	p := tracking.New(tracking.Config{Store: site.Records(), Carrier: pn, FromCountry: "SE", Now: clock.Now})
	clock.Add(150 * time.Minute) // each parcel has told three events (0, 1 and 2 h)
	rep, err := p.Pass(ctx, true)
	if err != nil || rep.Err != "" {
		t.Fatalf("pass: %v %+v", err, rep)
	}
	if rep.Polled != 3 {
		t.Fatalf("polled %d parcels, want 3 (A-1, A-2, B-1): %+v", rep.Polled, rep)
	}
	// What the carrier says now, to compare with what the site stored.
	want := map[string]carrier.Tracking{}
	for _, b := range []carrier.Booking{a1, a2, b1} {
		tr, err := pn.Track(ctx, b.TrackingID())
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Events) < 2 {
			t.Fatalf("the sandbox told %d events of %s; the test needs more", len(tr.Events), b.TrackingID())
		}
		want[b.TrackingID()] = tr
	}
	total := 0
	for _, tr := range want {
		total += len(tr.Events)
	}
	if rep.NewEvents != total {
		t.Errorf("pass stored %d new events, the carrier told %d", rep.NewEvents, total)
	}
	check := func(when string) {
		t.Helper()
		if n := count(t, pool, `SELECT count(*) FROM events`); n != total {
			t.Errorf("%s: %d events on the server, want %d", when, n, total)
		}
		for _, c := range []struct {
			station string
			items   []carrier.Booking
		}{{"bench-1", []carrier.Booking{a1, a2}}, {"bench-2", []carrier.Booking{b1}}} {
			n := 0
			for _, b := range c.items {
				n += len(want[b.TrackingID()].Events)
				if got := count(t, pool, `SELECT count(*) FROM events WHERE item_id = $1 AND station = $2`, b.TrackingID(), c.station); got != len(want[b.TrackingID()].Events) {
					t.Errorf("%s: %d events of %s under %s, want %d", when, got, b.TrackingID(), c.station, len(want[b.TrackingID()].Events))
				}
			}
			if got := count(t, pool, `SELECT count(*) FROM inbox WHERE station = $1 AND event_key <> ''`, c.station); got != n {
				t.Errorf("%s: %s has %d event rows in its inbox, want %d (one per event of its parcels)", when, c.station, got, n)
			}
			if got := count(t, pool, `SELECT count(*) FROM inbox i WHERE station = $1 AND NOT EXISTS
				(SELECT 1 FROM events e WHERE e.item_id = i.item_id AND e.event_key = i.event_key AND e.station = i.station)`, c.station); got != 0 {
				t.Errorf("%s: %d inbox rows of %s name no event of its own", when, got, c.station)
			}
		}
		if n := count(t, pool, `SELECT count(*) FROM inbox WHERE event_key = ''`); n != 0 {
			t.Errorf("%s: %d status-only inbox rows, want none (every status change came with an event)", when, n)
		}
	}
	check("first pass")

	// Summaries: one per live parcel, under its bench, booked at the
	// shipment's time, with the carrier's status; none for the cancelled
	// or the old one.
	rows, err := pool.Query(ctx, `SELECT station, order_ref, item_id, booked_at, status, open, last_polled, body FROM track_summaries ORDER BY order_ref`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var station, ref, item, status string
		var booked, polled time.Time
		var open bool
		var body []byte
		if err := rows.Scan(&station, &ref, &item, &booked, &status, &open, &polled, &body); err != nil {
			t.Fatal(err)
		}
		sum, err := store.DecodeTrackSummary(body)
		if err != nil {
			t.Fatal(err)
		}
		tr := want[item]
		if sum.OrderRef != ref || sum.ItemID != item || carrier.Status(status) != tr.Status || sum.Status != tr.Status ||
			!booked.Equal(sum.BookedAt) || open != !tr.Status.Final() || !polled.Equal(clock.Now()) ||
			sum.Events != len(tr.Events) || sum.Polls != 1 || sum.FromCountry != "SE" {
			t.Errorf("summary of %s: row (%s %s %s %v open=%v polled %v) body %+v; carrier %s with %d events",
				ref, station, item, status, booked, open, polled, sum, tr.Status, len(tr.Events))
		}
		got = append(got, station+"/"+ref)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[bench-1/A-1 bench-1/A-2 bench-2/B-1]" {
		t.Errorf("summaries %v, want bench-1/A-1 bench-1/A-2 bench-2/B-1", got)
	}
	if n := count(t, pool, `SELECT count(*) FROM shipments WHERE status = $1 AND order_ref = 'B-1'`, string(want[b1.TrackingID()].Status)); n != 1 {
		t.Errorf("B-1's shipment status is not the carrier's %s", want[b1.TrackingID()].Status)
	}

	// ItemEvents reads them back in the store's order.
	evs, err := site.Records().ItemEvents(a2.TrackingID())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(want[a2.TrackingID()].Events) {
		t.Fatalf("ItemEvents: %d events, want %d", len(evs), len(want[a2.TrackingID()].Events))
	}
	for i := range evs {
		if i > 0 && evs[i].Time.Before(evs[i-1].Time) {
			t.Errorf("ItemEvents not oldest first: %v before %v", evs[i-1].Time, evs[i].Time)
		}
		if evs[i].ItemID != a2.TrackingID() || evs[i].CarrierCode == "" {
			t.Errorf("event %d: %+v", i, evs[i])
		}
	}

	// The same answers again: nothing new, no second inbox row.
	rep, err = p.Pass(ctx, true)
	if err != nil || rep.Err != "" || rep.Polled != 3 || rep.NewEvents != 0 {
		t.Fatalf("second pass: %v %+v, want 3 polled and no new events", err, rep)
	}
	check("second pass")

	// An hour on, one more event each: stored and announced once.
	clock.Add(time.Hour)
	rep, err = p.Pass(ctx, true)
	if err != nil || rep.Err != "" || rep.NewEvents != 3 {
		t.Fatalf("third pass: %v %+v, want 3 new events", err, rep)
	}
	for k, b := range map[string]carrier.Booking{"A-1": a1, "A-2": a2, "B-1": b1} {
		tr, err := pn.Track(ctx, b.TrackingID())
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Events) != len(want[b.TrackingID()].Events)+1 {
			t.Fatalf("%s: the sandbox told %d events, want one more than %d", k, len(tr.Events), len(want[b.TrackingID()].Events))
		}
		want[b.TrackingID()] = tr
	}
	total += 3
	check("third pass")

	// The site's look-up count: three look-ups a pass, on the clock's day.
	if n, err := site.Records().TrackLookups(clock.Now()); err != nil || n != 9 {
		t.Errorf("TrackLookups = %d, %v; want 9", n, err)
	}
	if n, err := site.Records().TrackLookups(clock.Now().AddDate(0, 0, 1)); err != nil || n != 0 {
		t.Errorf("TrackLookups of tomorrow = %d, %v; want 0", n, err)
	}
}

// RecordTracking's edges, called directly: a status change without a new
// event announces itself once with event_key ""; a final status closes
// the summary; an order both benches shipped (cut off) goes to the bench
// whose parcel it is; an event repeated in one answer counts once.
func TestSiteRecordTracking(t *testing.T) {
	site, pool := siteDB(t)
	rec := site.Records()
	booked := time.Date(2026, 3, 20, 10, 0, 0, 0, time.Local)
	insertShipments(t, pool,
		shipmentRow{station: "bench-1", ref: "X-1", sh: carrier.Booking{ShipmentID: "S1", ItemIDs: []string{"ITEM1"}}, booked: booked, country: "SE"},
		shipmentRow{station: "bench-2", ref: "X-1", sh: carrier.Booking{ShipmentID: "S2", ItemIDs: []string{"ITEM2"}}, booked: booked.Add(time.Hour), country: "SE"},
	)
	n, err := rec.SeedTrackSummaries(booked, booked, func(sh store.Shipment) (store.TrackSummary, bool) {
		return tracking.Seed(sh, "SE")
	})
	if err != nil || n != 2 {
		t.Fatalf("seed: %d, %v; want 2", n, err)
	}
	if n, err := rec.SeedTrackSummaries(booked, booked, func(sh store.Shipment) (store.TrackSummary, bool) {
		t.Errorf("seed called again for %s", sh.OrderRef)
		return store.TrackSummary{}, false
	}); err != nil || n != 0 {
		t.Fatalf("second seed: %d, %v; want 0", n, err)
	}

	ev := carrier.TrackingEvent{ItemID: "ITEM2", Time: booked.Add(2 * time.Hour), Status: carrier.StatusHandedOver, CarrierCode: "EE"}
	sum := store.TrackSummary{OrderRef: "X-1", ItemID: "ITEM2", Carrier: "postnord", Status: carrier.StatusHandedOver, Events: 1}
	added, err := rec.RecordTracking("X-1", []carrier.TrackingEvent{ev, ev}, carrier.StatusHandedOver, sum)
	if err != nil || added != 1 {
		t.Fatalf("record: %d, %v; want 1 new event", added, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM inbox WHERE station = 'bench-2' AND item_id = 'ITEM2' AND event_key = $1`, ev.Key()); n != 1 {
		t.Errorf("bench-2's inbox has %d rows of the event, want 1", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM inbox WHERE station = 'bench-1'`); n != 0 {
		t.Errorf("bench-1 heard of bench-2's parcel (%d inbox rows)", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM shipments WHERE station = 'bench-2' AND status = 'handed_over'`); n != 1 {
		t.Errorf("bench-2's X-1 status not updated")
	}
	if n := count(t, pool, `SELECT count(*) FROM shipments WHERE station = 'bench-1' AND status = 'created'`); n != 1 {
		t.Errorf("bench-1's X-1 status changed")
	}

	// Delivered, no new event: one "" row, the summary closed, booked at
	// the shipment's time whatever the poller's summary said.
	sum.Status, sum.BookedAt = carrier.StatusDelivered, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 2 {
		if added, err := rec.RecordTracking("X-1", nil, carrier.StatusDelivered, sum); err != nil || added != 0 {
			t.Fatalf("record delivered: %d, %v", added, err)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM inbox WHERE station = 'bench-2' AND item_id = 'ITEM2' AND event_key = ''`); n != 1 {
		t.Errorf("%d status-only inbox rows, want 1 (the second record changed nothing)", n)
	}
	var open bool
	var at time.Time
	if err := pool.QueryRow(context.Background(), `SELECT open, booked_at FROM track_summaries WHERE station = 'bench-2' AND order_ref = 'X-1'`).Scan(&open, &at); err != nil {
		t.Fatal(err)
	}
	if open || !at.Equal(booked.Add(time.Hour)) {
		t.Errorf("delivered summary: open %v booked %v, want closed, booked %v", open, at, booked.Add(time.Hour))
	}
	var opens []string
	if err := rec.OpenTrackSummaries(func(s store.TrackSummary) error { opens = append(opens, s.ItemID); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(opens) != "[ITEM1]" {
		t.Errorf("open summaries %v, want [ITEM1]", opens)
	}

	// A look-up that found nothing: the summary counts it, and the
	// never-polled parcel no longer comes first.
	s1 := store.TrackSummary{OrderRef: "X-1", ItemID: "ITEM1", Carrier: "postnord", Status: carrier.StatusCreated, LastPolled: booked.Add(3 * time.Hour), Polls: 1}
	if err := rec.PutTrackSummary(s1); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, `SELECT count(*) FROM track_summaries WHERE station = 'bench-1' AND last_polled = $1`, s1.LastPolled); n != 1 {
		t.Errorf("PutTrackSummary did not write bench-1's summary")
	}
	if err := rec.PutTrackSummary(store.TrackSummary{OrderRef: "NOPE", ItemID: "NOPE"}); err == nil {
		t.Errorf("PutTrackSummary of an unknown parcel: no error")
	}

	// Look-ups per local day add up.
	day := time.Date(2026, 3, 29, 23, 30, 0, 0, time.Local)
	if n, err := rec.AddTrackLookups(day, 5); err != nil || n != 5 {
		t.Fatalf("add look-ups: %d, %v", n, err)
	}
	if n, err := rec.AddTrackLookups(day.Add(-20*time.Hour), 2); err != nil || n != 7 {
		t.Fatalf("add look-ups the same day: %d, %v; want 7", n, err)
	}
	if n, err := rec.AddTrackLookups(day.Add(time.Hour), 0); err != nil || n != 0 {
		t.Fatalf("look-ups the next day: %d, %v; want 0", n, err)
	}
}
