package station_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/printer"
	"labelstation/printer/printertest"
	"labelstation/station"
	"labelstation/store"
)

// clock is a time tests move by hand; the sandbox's tracking stories and
// the station both read it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type trackRig struct {
	clock   *clock
	sandbox *sandbox.Server
	http    *httptest.Server
	store   *store.Store
	station *station.Station
}

// newTrackRig wires a station from real parts (bbolt, the PostNord client
// over HTTP to the sandbox, a loopback printer) on a clock the test moves;
// the sandbox tells one tracking event per hour of that clock.
func newTrackRig(t *testing.T, tune func(*station.Config)) *trackRig {
	t.Helper()
	r := &trackRig{clock: &clock{t: time.Date(2026, 3, 28, 20, 0, 0, 0, time.Local)}}
	r.sandbox = sandbox.New(sandbox.Options{Seed: 1, Now: r.clock.Now, TrackingStep: time.Hour,
		// One known story, so the test does not depend on the seed's draw.
		Story: func(string) sandbox.Story { return sandbox.StoryStepped }})
	r.http = httptest.NewServer(r.sandbox)
	t.Cleanup(r.http.Close)
	sink := printertest.NewSink(t)
	p, err := printer.Open(sink.URI())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if r.store, err = store.Open(t.TempDir(), store.Options{LockTimeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.store.Close() })
	// No retries inside the client: the poller's own back-off is tested.
	pn, err := postnord.New(postnord.Config{BaseURL: r.http.URL, APIKey: "test-key", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := station.Config{
		Consignor: carrier.Consignor{
			Address:        carrier.Address{Name: "Demo Webshop AB", Street1: "Lagergatan 12", Postcode: "41505", City: "Göteborg", Country: "SE"},
			CustomerNumber: "20876966", IssuerCode: "Z12",
		},
		DefaultService: "19",
		Now:            r.clock.Now,
	}
	if tune != nil {
		tune(&cfg)
	}
	r.station = station.New(r.store, pn, p, nil, cfg)
	t.Cleanup(func() { r.station.Close() })
	more := "B-1;Bo Åberg;Sveavägen 2;11157;Stockholm;SE;Vantar;1\n"
	if _, err := r.station.ImportOrders(context.Background(), "orders.csv", strings.NewReader(ordersCSV+more)); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *trackRig) pack(t *testing.T, refs ...string) {
	t.Helper()
	for _, ref := range refs {
		if _, err := r.station.Pack(context.Background(), ref, station.PackOptions{Weight: 1200}); err != nil {
			t.Fatalf("pack %s: %v", ref, err)
		}
	}
}

func (r *trackRig) sync(t *testing.T, all bool) station.TrackReport {
	t.Helper()
	rep, err := r.station.TrackSync(context.Background(), station.TrackOptions{All: all})
	if err != nil {
		t.Fatalf("track sync: %v", err)
	}
	return rep
}

// trackRequests counts the Track & Trace look-ups the sandbox received.
func (r *trackRig) trackRequests() int {
	n := 0
	for _, q := range r.sandbox.Requests() {
		if strings.Contains(q.Path, "/trackandtrace/id/") {
			n++
		}
	}
	return n
}

// A service-point parcel (service 19): created, handed in, sorted, at the
// service point, collected, one event an hour. Passes every two hours ask
// only when due, subscribers see every status change, events are stored
// once, and a delivered parcel is never asked about again.
func TestTrackSyncFollowsAParcelToDelivery(t *testing.T) {
	r := newTrackRig(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := r.station.SubscribeTracking(ctx)
	r.pack(t, "A-1")

	rep := r.sync(t, false)
	if rep.Polled != 1 || rep.NewEvents < 1 || rep.Failed != 0 || rep.Err != "" {
		t.Fatalf("first pass: %+v", rep)
	}
	total := rep.NewEvents
	// Polled ten minutes ago: not due (created parcels wait two hours).
	r.clock.Add(10 * time.Minute)
	if rep := r.sync(t, false); rep.Polled != 0 || rep.NotDue != 1 {
		t.Fatalf("ten minutes later: %+v", rep)
	}
	// Two hours after the last look-up it is due again.
	r.clock.Add(110 * time.Minute)
	rep = r.sync(t, false)
	if rep.Polled != 1 {
		t.Fatalf("two hours later: %+v", rep)
	}
	total += rep.NewEvents
	// --all asks every hour, so every status the sandbox tells is seen,
	// until the parcel's story ends (delivered with the committed sandbox).
	final := false
	for i := 0; i < 24*30 && !final; i++ {
		r.clock.Add(time.Hour)
		rep := r.sync(t, true)
		total += rep.NewEvents
		sum, _ := r.store.TrackSummary("A-1")
		final = sum.Status.Final()
	}
	h, err := r.station.TrackShow(context.Background(), "A-1")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Status.Final() || len(h.Events) != total || total < 3 {
		t.Fatalf("history: status %s, %d events, %d new in all: %+v", h.Status, len(h.Events), total, h.Events)
	}
	for i, e := range h.Events {
		if i > 0 && e.Time.Before(h.Events[i-1].Time) {
			t.Fatalf("events not oldest first: %+v", h.Events)
		}
	}
	if h.Events[0].CarrierCode != "EDI_RECEIVED" || h.Events[len(h.Events)-1].Status != h.Status {
		t.Fatalf("first %s, last %s, status %s", h.Events[0].CarrierCode, h.Events[len(h.Events)-1].Status, h.Status)
	}
	// By tracking number too.
	if h2, err := r.station.TrackShow(context.Background(), h.ItemID); err != nil || h2.OrderRef != "A-1" {
		t.Fatalf("show by item id: %+v %v", h2, err)
	}
	sh, _ := r.store.ShipmentByOrder("A-1")
	sum, _ := r.store.TrackSummary("A-1")
	if sh.Status != h.Status || sum.Status != h.Status || sum.Events != total || sum.FromCountry != "SE" || sum.Country != "SE" || sum.FirstEvent.IsZero() {
		t.Fatalf("shipment %s, summary %+v", sh.Status, sum)
	}
	if h.Status == carrier.StatusDelivered && sum.Delivered.IsZero() {
		t.Fatalf("delivered without a time: %+v", sum)
	}

	// Final: never asked again, even with --all.
	before := r.trackRequests()
	r.clock.Add(48 * time.Hour)
	if rep := r.sync(t, true); rep.Polled != 0 || rep.NewEvents != 0 {
		t.Fatalf("after the end: %+v", rep)
	}
	if r.trackRequests() != before {
		t.Fatal("a final parcel was looked up again")
	}

	var seen []carrier.Status
	for len(seen) == 0 || seen[len(seen)-1] != h.Status {
		select {
		case c := <-changes:
			if c.OrderRef != "A-1" || c.ItemID != h.ItemID || (len(seen) > 0 && c.From != seen[len(seen)-1]) {
				t.Fatalf("change %+v after %v", c, seen)
			}
			if len(seen) == 0 {
				seen = append(seen, c.From)
			}
			seen = append(seen, c.To)
		case <-time.After(2 * time.Second):
			t.Fatalf("changes seen: %v", seen)
		}
	}
	if seen[0] != carrier.StatusCreated || len(seen) < 3 {
		t.Fatalf("changes %v: want created → … → %s", seen, h.Status)
	}
	cancel()
	for range changes { // closed when the subscriber's context ends
	}
}

// --all asks again at once; the same events are not stored twice.
func TestTrackSyncStoresEventsOnce(t *testing.T) {
	r := newTrackRig(t, nil)
	r.pack(t, "A-1", "A-2")
	r.clock.Add(150 * time.Minute) // several events each
	first := r.sync(t, true)
	if first.Polled != 2 || first.NewEvents < 2 || first.Updated != 2 {
		t.Fatalf("first: %+v", first)
	}
	if rep := r.sync(t, true); rep.Polled != 2 || rep.NewEvents != 0 || rep.Updated != 0 {
		t.Fatalf("second: %+v", rep)
	}
	day, _ := r.store.EventsOn(r.clock.Now())
	prev, _ := r.store.EventsOn(r.clock.Now().AddDate(0, 0, -1))
	if n := len(day) + len(prev); n != first.NewEvents {
		t.Fatalf("%d events stored by day, want %d", n, first.NewEvents)
	}
}

func TestTrackSyncDailyCap(t *testing.T) {
	r := newTrackRig(t, func(c *station.Config) { c.TrackDailyCap = 2 })
	r.pack(t, "A-1", "A-2", "B-1")
	rep := r.sync(t, false)
	if rep.Polled != 2 || rep.Capped != 1 {
		t.Fatalf("first pass: %+v", rep)
	}
	r.clock.Add(3 * time.Hour) // same day (20:00 → 23:00): the cap holds
	if rep := r.sync(t, true); rep.Polled != 0 || rep.Capped != 3 {
		t.Fatalf("capped pass: %+v", rep)
	}
	if n := r.trackRequests(); n != 2 {
		t.Fatalf("%d look-ups, cap 2", n)
	}
	r.clock.Add(2 * time.Hour) // the next day
	if rep := r.sync(t, true); rep.Polled != 2 || rep.Capped != 1 {
		t.Fatalf("next day: %+v", rep)
	}
}

// 429 from the carrier: the poller waits at least Retry-After (1 s)
// between look-ups, reports the failures, and catches up once the
// carrier answers again.
func TestTrackSyncBacksOffOnRateLimit(t *testing.T) {
	r := newTrackRig(t, func(c *station.Config) { c.TrackConcurrency = 1 })
	r.pack(t, "A-1", "A-2", "B-1")
	if err := r.sandbox.SetFaults(sandbox.Faults{RateLimit: true}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep := r.sync(t, true)
	took := time.Since(start)
	if rep.Polled != 3 || rep.Failed != 3 || rep.NewEvents != 0 {
		t.Fatalf("rate limited: %+v", rep)
	}
	if took < 2*time.Second {
		t.Fatalf("three 429s in %v: no back-off", took)
	}
	if err := r.sandbox.SetFaults(sandbox.Faults{}); err != nil {
		t.Fatal(err)
	}
	if rep := r.sync(t, false); rep.Polled != 3 || rep.Failed != 0 || rep.NewEvents != 3 {
		t.Fatalf("after the rate limit: %+v", rep)
	}
}

// A carrier that does not answer at all stops the pass at once.
func TestTrackSyncStopsWhenCarrierUnreachable(t *testing.T) {
	r := newTrackRig(t, func(c *station.Config) { c.TrackConcurrency = 1 })
	r.pack(t, "A-1", "A-2", "B-1")
	r.http.Close()
	rep := r.sync(t, true)
	if rep.Polled != 1 || rep.Failed != 1 || !strings.Contains(rep.Err, "cannot be reached") {
		t.Fatalf("unreachable: %+v", rep)
	}
	if sum, _ := r.store.TrackSummary("A-2"); !sum.LastPolled.IsZero() {
		t.Fatal("a parcel not asked about was marked polled")
	}
}

func TestTrackShowUnknown(t *testing.T) {
	r := newTrackRig(t, nil)
	_, err := r.station.TrackShow(context.Background(), "NOPE-9")
	var p *station.Problem
	if !errors.As(err, &p) || p.Hint == "" || !strings.Contains(p.Msg, "NOPE-9") {
		t.Fatalf("unknown ref: %v", err)
	}
	_, err = r.station.TrackShow(context.Background(), "A-1")
	if !errors.As(err, &p) || !strings.Contains(p.Hint, "pack") {
		t.Fatalf("unpacked order: %v", err)
	}
}
