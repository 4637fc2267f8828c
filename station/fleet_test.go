package station_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/fleet"
	"labelstation/internal/pgtest"
	"labelstation/printer"
	"labelstation/printer/printertest"
	"labelstation/station"
	"labelstation/station/kpi"
	"labelstation/store"
)

// siteRig is one site: one PostgreSQL database, one sandbox carrier over
// HTTP, and benches that each have their own bbolt file, loopback printer
// and link to the server (through a proxy the test can cut, as when one
// bench's cable is pulled).
type siteRig struct {
	t       *testing.T
	url     string
	clock   *clock
	sandbox *sandbox.Server
	http    *httptest.Server
	benches []*benchRig
}

type benchRig struct {
	name    string
	dir     string
	store   *store.Store
	site    *fleet.Site
	station *station.Station
	sink    *printertest.Sink
	link    *cuttableLink
}

func newSiteRig(t *testing.T, benches int) *siteRig {
	t.Helper()
	r := &siteRig{t: t, url: pgtest.Database(t), clock: &clock{t: time.Now().Add(-time.Hour)}}
	r.sandbox = sandbox.New(sandbox.Options{Seed: 1, Now: r.clock.Now, TrackingStep: time.Hour,
		Story: func(string) sandbox.Story { return sandbox.StoryStepped }})
	r.http = httptest.NewServer(r.sandbox)
	t.Cleanup(r.http.Close)
	for i := 1; i <= benches; i++ {
		r.benches = append(r.benches, r.newBench(fmt.Sprintf("bench-%d", i)))
	}
	return r
}

func (r *siteRig) newBench(name string) *benchRig {
	t := r.t
	b := &benchRig{name: name, dir: t.TempDir(), sink: printertest.NewSink(t)}
	b.link = newCuttableLink(t, strings.Split(strings.SplitN(r.url, "@", 2)[1], "/")[0])
	url := strings.Replace(r.url, b.link.target, b.link.addr(), 1)
	p, err := printer.Open(b.sink.URI())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if b.store, err = store.Open(b.dir, store.Options{LockTimeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.store.Close() })
	if _, err := b.store.EnableReplication(); err != nil {
		t.Fatal(err)
	}
	benchID, err := b.store.BenchID()
	if err != nil {
		t.Fatal(err)
	}
	if b.site, err = fleet.Open(fleet.Config{URL: url, Station: name, BenchID: benchID, LeaderRetry: 200 * time.Millisecond, ClaimTimeout: time.Second, ConnectTimeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.site.Close)
	pn, err := postnord.New(postnord.Config{BaseURL: r.http.URL, APIKey: "test-key", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	b.station = station.New(b.store, pn, p, nil, station.Config{
		Consignor: carrier.Consignor{
			Address:        carrier.Address{Name: "Demo Webshop AB", Street1: "Lagergatan 12", Postcode: "41505", City: "Göteborg", Country: "SE"},
			CustomerNumber: "20876966", IssuerCode: "Z12",
		},
		DefaultService: "19",
		Now:            r.clock.Now,
		Fleet:          station.FleetConfig{Site: b.site, Every: 100 * time.Millisecond, TrackEvery: 100 * time.Millisecond},
	})
	return b
}

// count runs one query on the site's server and returns its first
// column's value.
func (r *siteRig) count(sql string, args ...any) int {
	r.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, r.url)
	if err != nil {
		r.t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		r.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// exec runs one statement on the site's server.
func (r *siteRig) exec(sql string) {
	r.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, r.url)
	if err != nil {
		r.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		r.t.Fatalf("%s: %v", sql, err)
	}
}

func (r *siteRig) bookingsOf(ref string) int {
	n := 0
	for _, b := range r.sandbox.Bookings() {
		if b.OrderRef == ref {
			n++
		}
	}
	return n
}

// TestFleetOneBenchShipsAnOrder: three benches scan each order at the same
// moment; the order was imported on bench 1 only, so the others read it
// from the site. Exactly one bench books and prints it; the other two are
// told which bench has it, and after the push, with its tracking id.
func TestFleetOneBenchShipsAnOrder(t *testing.T) {
	r := newSiteRig(t, 3)
	ctx := context.Background()
	one := r.benches[0]
	if _, err := one.station.ImportOrders(ctx, "orders.csv", strings.NewReader(ordersCSV)); err != nil {
		t.Fatal(err)
	}
	if _, err := one.station.FleetSync(ctx); err != nil {
		t.Fatalf("push the orders: %v", err)
	}
	// (A-3 goes to Norway and needs a service point: not this test's.)
	for _, ref := range []string{"A-1", "A-2"} {
		var wg sync.WaitGroup
		errs := make([]error, len(r.benches))
		start := make(chan struct{})
		for i, b := range r.benches {
			wg.Go(func() {
				<-start
				_, errs[i] = b.station.Pack(ctx, ref, station.PackOptions{Weight: 1200})
			})
		}
		close(start)
		wg.Wait()
		won := -1
		for i, err := range errs {
			if err == nil {
				if won >= 0 {
					t.Fatalf("%s shipped by %s and %s", ref, r.benches[won].name, r.benches[i].name)
				}
				won = i
				continue
			}
			var p *station.Problem
			if !errors.As(err, &p) || !strings.HasPrefix(p.ID, "fleet.claimed_") || !errors.Is(err, station.ErrAlreadyPacked) {
				t.Fatalf("%s at %s: %v (want: claimed by another bench)", ref, r.benches[i].name, err)
			}
		}
		if won < 0 {
			t.Fatalf("%s: no bench shipped it: %v", ref, errs)
		}
		if n := r.bookingsOf(ref); n != 1 {
			t.Fatalf("%s booked %d times with the carrier", ref, n)
		}
		winner := r.benches[won]
		if _, err := winner.station.FleetSync(ctx); err != nil {
			t.Fatal(err)
		}
		sh, err := winner.store.ShipmentByOrder(ref)
		if err != nil {
			t.Fatal(err)
		}
		// A later scan elsewhere names the bench and the tracking id.
		other := r.benches[(won+1)%3]
		_, err = other.station.Pack(ctx, ref, station.PackOptions{Weight: 1200})
		var p *station.Problem
		if !errors.As(err, &p) || p.ID != "fleet.claimed_packed" || !strings.Contains(p.Msg, winner.name) || !strings.Contains(p.Msg, sh.TrackingID()) {
			t.Fatalf("second scan of %s at %s: %v", ref, other.name, err)
		}
		if n := r.count("SELECT count(*) FROM shipments WHERE order_ref=$1", ref); n != 1 {
			t.Fatalf("%s: %d shipments rows on the server", ref, n)
		}
		// A bench that lost the order does not keep it as an order of
		// its own waiting for a shipment (only bench 1 imported it).
		for _, b := range r.benches[1:] {
			if b == winner {
				continue
			}
			if _, err := b.store.Order(ref); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s keeps %s, which another bench shipped (err %v)", b.name, ref, err)
			}
		}
	}
	labels := 0
	for _, b := range r.benches {
		labels += strings.Count(string(b.sink.Bytes()), "^XA")
	}
	if labels != 2 {
		t.Fatalf("%d labels printed on the site's printers, want 2", labels)
	}
}

// TestFleetCutOffBenchClaimsLocally: a bench whose link to the server is
// cut keeps packing (its claims are local); when the link returns, its
// shipments reach the server once each, and an order another bench
// shipped meanwhile becomes a conflict on both sides.
func TestFleetCutOffBenchClaimsLocally(t *testing.T) {
	r := newSiteRig(t, 2)
	ctx := context.Background()
	one, two := r.benches[0], r.benches[1]
	for _, b := range r.benches {
		if _, err := b.station.ImportOrders(ctx, "orders.csv", strings.NewReader(ordersCSV)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.station.FleetSync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	two.link.cut()
	for _, ref := range []string{"A-1", "A-2"} {
		if _, err := two.station.Pack(ctx, ref, station.PackOptions{Weight: 900}); err != nil {
			t.Fatalf("cut-off bench packs %s: %v", ref, err)
		}
	}
	if _, err := two.station.FleetSync(ctx); err == nil {
		t.Fatal("a push through a cut link succeeded")
	}
	if st := two.station.FleetStatus(ctx); st.Reachable || st.Backlog == 0 {
		t.Fatalf("cut-off status: %+v", st)
	}
	// Meanwhile bench 1 ships A-2 too (it sees no claim on the server).
	if _, err := one.station.Pack(ctx, "A-2", station.PackOptions{Weight: 900}); err != nil {
		t.Fatalf("bench 1 packs A-2: %v", err)
	}
	if _, err := one.station.FleetSync(ctx); err != nil {
		t.Fatal(err)
	}
	two.link.restore()
	rep, err := two.station.FleetSync(ctx)
	if err != nil {
		t.Fatalf("push after the link returned: %v", err)
	}
	if len(rep.Conflicts) != 1 || rep.Conflicts[0].OrderRef != "A-2" || rep.Conflicts[0].Other != one.name {
		t.Fatalf("conflicts after the sync: %+v", rep.Conflicts)
	}
	if st := two.station.FleetStatus(ctx); !st.Reachable || st.Backlog != 0 || st.Conflicts != 1 {
		t.Fatalf("status after the sync: %+v", st)
	}
	if n := r.count("SELECT count(*) FROM shipments WHERE station=$1", two.name); n != 2 {
		t.Fatalf("the server holds %d of bench 2's shipments, want 2", n)
	}
	if n := r.count("SELECT count(*) FROM claim_conflicts WHERE order_ref='A-2' AND station=$1", two.name); n != 1 {
		t.Fatalf("claim_conflicts rows for A-2: %d", n)
	}
	// Pushing again changes nothing.
	if rep, err := two.station.FleetSync(ctx); err != nil || rep.Pushed != 0 {
		t.Fatalf("second sync: %+v %v", rep, err)
	}
	if _, err := two.station.ResolveClaimConflict("A-2", ""); err == nil {
		t.Fatal("resolved without a note")
	}
	c, err := two.station.ResolveClaimConflict("A-2", "second parcel stopped at the dock")
	if err != nil || c.Resolved.IsZero() {
		t.Fatalf("resolve: %+v %v", c, err)
	}
	// The resolution reaches the site, whose dashboard then drops it.
	if _, err := two.station.FleetSync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := r.count("SELECT count(*) FROM claim_conflicts WHERE order_ref='A-2' AND resolved_at IS NOT NULL AND note <> ''"); n != 1 {
		t.Fatalf("resolved conflicts on the server: %d", n)
	}
	if v, err := one.station.SiteDashboard(ctx, time.Now(), 1, ""); err != nil || len(v.Conflicts) != 0 {
		t.Fatalf("site view after the resolution: %+v %v", v.Conflicts, err)
	}
}

// TestFleetSitePollerRecordsOnce: the one bench holding the poller lock
// asks the carrier about every bench's parcels; the events land once on
// the server and in the owning bench's own store.
func TestFleetSitePollerRecordsOnce(t *testing.T) {
	r := newSiteRig(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i, b := range r.benches {
		if _, err := b.station.ImportOrders(ctx, "orders.csv", strings.NewReader(ordersCSV)); err != nil {
			t.Fatal(err)
		}
		ref := fmt.Sprintf("A-%d", i+1)
		if _, err := b.station.Pack(ctx, ref, station.PackOptions{Weight: 700}); err != nil {
			t.Fatalf("%s packs %s: %v", b.name, ref, err)
		}
	}
	r.clock.Add(5 * time.Hour) // the sandbox's stories move on
	var wg sync.WaitGroup
	for _, b := range r.benches {
		wg.Go(func() { b.station.RunFleet(ctx) })
	}
	defer wg.Wait()
	defer cancel()
	deadline := time.Now().Add(20 * time.Second)
	for {
		polling := 0
		for _, b := range r.benches {
			if b.station.FleetStatus(ctx).Polling {
				polling++
			}
		}
		if polling > 1 {
			t.Fatalf("%d benches poll for the site at once", polling)
		}
		done := true
		for i, b := range r.benches {
			h, err := b.station.TrackShow(ctx, fmt.Sprintf("A-%d", i+1))
			if err != nil || len(h.Events) == 0 {
				done = false
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the benches never got their parcels' events; server events: %d", r.count("SELECT count(*) FROM events"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	polling := 0
	for _, b := range r.benches {
		if b.station.FleetStatus(ctx).Polling {
			polling++
		}
	}
	if polling != 1 {
		t.Fatalf("%d benches poll for the site, want 1", polling)
	}
	// Each bench holds exactly the server's events of its own parcels
	// (every one once: the store keeps an event once, the server's key
	// is the event's).
	cancel()
	wg.Wait()
	for i, b := range r.benches {
		if _, err := b.station.FleetSync(context.Background()); err != nil {
			t.Fatal(err)
		}
		ref := fmt.Sprintf("A-%d", i+1)
		sh, err := b.store.ShipmentByOrder(ref)
		if err != nil {
			t.Fatal(err)
		}
		local, err := b.store.ItemEvents(sh.TrackingID())
		if err != nil {
			t.Fatal(err)
		}
		if n := r.count("SELECT count(*) FROM events WHERE item_id=$1", sh.TrackingID()); n == 0 || n != len(local) {
			t.Fatalf("%s: %d events of %s on the server, %d in the bench's store", b.name, n, ref, len(local))
		}
	}
	if n := r.count("SELECT count(DISTINCT station) FROM events"); n != 2 {
		t.Fatalf("events of %d benches on the server, want 2", n)
	}
}

// cuttableLink is a loopback TCP proxy in front of the server: cut()
// drops its connections and refuses new ones, restore() serves again.
type cuttableLink struct {
	t      *testing.T
	target string
	ln     net.Listener
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newCuttableLink(t *testing.T, target string) *cuttableLink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &cuttableLink{t: t, target: target, ln: ln}
	t.Cleanup(func() { ln.Close(); l.cut() })
	go l.serve()
	return l
}

func (l *cuttableLink) addr() string { return l.ln.Addr().String() }

func (l *cuttableLink) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		down := l.down
		l.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", l.target)
		if err != nil {
			c.Close()
			continue
		}
		l.mu.Lock()
		l.conns = append(l.conns, c, s)
		l.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

func (l *cuttableLink) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

func (l *cuttableLink) restore() {
	l.mu.Lock()
	l.down = false
	l.mu.Unlock()
}

// TestFleetSiteDashboard: the site view counts every bench's parcels over
// a window of days (read in parts and merged), one bench's alone, and the
// site's orders no bench shipped within 48 hours.
func TestFleetSiteDashboard(t *testing.T) {
	r := newSiteRig(t, 2)
	r.clock.Add(-72 * time.Hour) // imported three days ago
	ctx := context.Background()
	one, two := r.benches[0], r.benches[1]
	if _, err := one.station.ImportOrders(ctx, "orders.csv", strings.NewReader(ordersCSV)); err != nil {
		t.Fatal(err)
	}
	for i, b := range r.benches {
		if _, err := b.station.FleetSync(ctx); err != nil {
			t.Fatal(err)
		}
		ref := fmt.Sprintf("A-%d", i+1)
		if _, err := b.station.Pack(ctx, ref, station.PackOptions{Weight: 800}); err != nil {
			t.Fatalf("%s packs %s: %v", b.name, ref, err)
		}
		if _, err := b.station.FleetSync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The site poller seeds a summary for each booked parcel.
	if _, err := one.site.Records().SeedTrackSummaries(r.clock.Now().AddDate(0, 0, -1), r.clock.Now().AddDate(0, 0, 1),
		func(sh store.Shipment) (store.TrackSummary, bool) {
			return store.TrackSummary{OrderRef: sh.OrderRef, ItemID: sh.TrackingID(), Carrier: sh.Carrier, Country: sh.Receiver.Country, BookedAt: sh.BookedAt, Status: sh.Status}, true
		}); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(72 * time.Hour) // back to today
	kpiOf := func(v station.SiteView, key string) float64 {
		for _, k := range v.Report.Overall {
			if k.Key == key {
				return k.Value
			}
		}
		t.Fatalf("no KPI %s in %+v", key, v.Report.Overall)
		return 0
	}
	all, err := two.station.SiteDashboard(ctx, time.Now(), 7, "")
	if err != nil {
		t.Fatal(err)
	}
	if n := kpiOf(all, "shipments"); n != 2 {
		t.Fatalf("site: %v shipments over 7 days, want 2", n)
	}
	if n := kpiOf(all, kpi.KeyUnshipped); n != 1 { // A-3, packed nowhere
		t.Fatalf("site: %v orders without a shipment after 48 h, want 1", n)
	}
	if len(all.Benches) != 2 {
		t.Fatalf("benches: %+v", all.Benches)
	}
	only, err := two.station.SiteDashboard(ctx, time.Now(), 7, two.name)
	if err != nil {
		t.Fatal(err)
	}
	if n := kpiOf(only, "shipments"); n != 1 {
		t.Fatalf("%s alone: %v shipments, want 1", two.name, n)
	}
	// The same KPIs, with the same thresholds, as the bench's own view.
	own, err := two.station.Dashboard(ctx, time.Now(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(own.Thresholds) != fmt.Sprint(all.Report.Thresholds) {
		t.Fatalf("thresholds: bench %v, site %v", own.Thresholds, all.Report.Thresholds)
	}
	keys := func(r kpi.Report) (out []string) {
		for _, k := range r.Overall {
			out = append(out, k.Key)
		}
		return out
	}
	if fmt.Sprint(keys(own)) != fmt.Sprint(keys(all.Report)) {
		t.Fatalf("KPIs: bench %v, site %v", keys(own), keys(all.Report))
	}
}

// TestFleetClaimRefusedStopsThePack: a server that answers but refuses the
// claim (here: its claims table is gone) stops the pack with a problem —
// the bench must not book an order the site could not record as its own.
func TestFleetClaimRefusedStopsThePack(t *testing.T) {
	r := newSiteRig(t, 1)
	ctx := context.Background()
	b := r.benches[0]
	if _, err := b.station.ImportOrders(ctx, "orders.csv", strings.NewReader(ordersCSV)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.station.FleetSync(ctx); err != nil {
		t.Fatal(err)
	}
	r.exec("DROP TABLE claims") // a server-side fault, not a cut link
	_, err := b.station.Pack(ctx, "A-1", station.PackOptions{Weight: 500})
	var p *station.Problem
	if !errors.As(err, &p) || p.ID != "fleet.claim_refused" {
		t.Fatalf("pack with the claim refused: %v", err)
	}
	if n := r.bookingsOf("A-1"); n != 0 {
		t.Fatalf("A-1 booked %d times though its claim was refused", n)
	}
	if _, err := b.store.EntryByOrder("A-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a booking was queued: %v", err)
	}
}

// TestFleetCloneUnderOneNameRefused: a second bench brought up under a
// name the site knows from another data file (a cloned PC image) packs
// nothing: its claim is refused and says why, and the first bench goes
// on.
func TestFleetCloneUnderOneNameRefused(t *testing.T) {
	r := newSiteRig(t, 1)
	ctx := context.Background()
	one := r.benches[0]
	clone := r.newBench(one.name)
	for _, b := range []*benchRig{one, clone} {
		if _, err := b.station.ImportOrders(ctx, "orders.csv", strings.NewReader(ordersCSV)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := one.station.Pack(ctx, "A-1", station.PackOptions{Weight: 500}); err != nil {
		t.Fatalf("the first bench: %v", err)
	}
	_, err := clone.station.Pack(ctx, "A-2", station.PackOptions{Weight: 500})
	var p *station.Problem
	if !errors.As(err, &p) || p.ID != "fleet.claim_refused" || !errors.Is(err, fleet.ErrNameTaken) {
		t.Fatalf("the clone's pack: %v", err)
	}
	if n := r.bookingsOf("A-2"); n != 0 {
		t.Fatalf("the clone booked A-2 %d times", n)
	}
	if _, err := clone.station.FleetSync(ctx); !errors.Is(err, fleet.ErrNameTaken) {
		t.Fatalf("the clone's sync: %v", err)
	}
	if st := clone.station.FleetStatus(ctx); !st.Refused || !strings.Contains(st.LastErr, "already uses this bench's name") {
		t.Fatalf("the clone's status: %+v", st)
	}
	if _, err := one.station.Pack(ctx, "A-2", station.PackOptions{Weight: 500}); err != nil {
		t.Fatalf("the first bench after the clone: %v", err)
	}
}
