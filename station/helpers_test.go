package station_test

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/carrier/stg"
	"labelstation/printer"
	"labelstation/printer/printertest"
	"labelstation/scale"
	"labelstation/station"
	"labelstation/store"
)

type rig struct {
	t       testing.TB
	sandbox *sandbox.Server
	http    *httptest.Server
	store   *store.Store
	sink    *printertest.Sink
	printer printer.Printer
	station *station.Station
	dir     string
	tune    func(*station.Config)
	// stgClient is the STG client of newSTGRig's station.
	stgClient *stg.Client
}

// newRig wires a station from real parts: a bbolt file, the PostNord client
// talking HTTP to the sandbox, and a loopback TCP printer.
func newRig(t testing.TB, sc scale.Scale) *rig { return newRigWith(t, sc, nil) }

// newRigWith builds a rig whose station config is changed by tune.
func newRigWith(t testing.TB, sc scale.Scale, tune func(*station.Config)) *rig {
	t.Helper()
	r := &rig{t: t, dir: t.TempDir(), tune: tune}
	r.sandbox = sandbox.New(sandbox.Options{Seed: 1})
	r.http = httptest.NewServer(r.sandbox)
	t.Cleanup(r.http.Close)
	r.sink = printertest.NewSink(t)
	var err error
	if r.printer, err = printer.Open(r.sink.URI()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.printer.Close() })
	r.open(sc)
	return r
}

func (r *rig) open(sc scale.Scale) {
	st, err := store.Open(r.dir, store.Options{LockTimeout: time.Second})
	if err != nil {
		r.t.Fatal(err)
	}
	r.store = st
	r.t.Cleanup(func() { st.Close() })
	pn, err := postnord.New(postnord.Config{BaseURL: r.http.URL, APIKey: "test-key"})
	if err != nil {
		r.t.Fatal(err)
	}
	cfg := station.Config{
		Consignor: carrier.Consignor{
			Address:        carrier.Address{Name: "Demo Webshop AB", Street1: "Lagergatan 12", Postcode: "41505", City: "Göteborg", Country: "SE"},
			CustomerNumber: "20876966", IssuerCode: "Z12",
		},
		DefaultService: "19",
		Stable:         scale.StableOptions{Window: 150 * time.Millisecond, Timeout: 3 * time.Second},
	}
	if r.tune != nil {
		r.tune(&cfg)
	}
	r.station = station.New(st, pn, r.printer, sc, cfg)
}

const ordersCSV = "order_ref;name;street1;postcode;city;country;item_description;item_quantity\n" +
	"A-1;Åsa Ødegård;Storgatan 1;11455;Stockholm;SE;Ullstrumpor;2\n" +
	"A-2;Mette Kjærgaard;Østergade 27;8000;Aarhus C;DK;Kaffe;1\n" +
	"A-3;Øyvind Ærø;Kongens gate 3;7011;Trondheim;NO;Tursekk;1\n"

func (r *rig) importOrders() {
	r.t.Helper()
	rep, err := r.station.ImportOrders(context.Background(), "orders.csv", strings.NewReader(ordersCSV))
	if err != nil || len(rep.Imported) != 3 {
		r.t.Fatalf("import: %+v %v", rep, err)
	}
}

func (r *rig) bookings() int { return len(r.sandbox.Bookings()) }

func sandboxFaults(failRate float64, dropAfterCommit bool) sandbox.Faults {
	return sandbox.Faults{FailRate: failRate, DropAfterCommit: dropAfterCommit}
}

func sandboxLatency(d time.Duration) sandbox.Faults { return sandbox.Faults{Latency: d} }

func mustSetFaults(t testing.TB, r *rig, f sandbox.Faults) {
	t.Helper()
	if err := r.sandbox.SetFaults(f); err != nil {
		t.Fatal(err)
	}
}

// stopCarrier takes the sandbox off the network: connections to its
// address are refused, as when the warehouse network is down. Its
// bookings are kept for startCarrier.
func (r *rig) stopCarrier() {
	r.t.Helper()
	r.http.Close()
}

// startCarrier serves the same sandbox on the same address again.
func (r *rig) startCarrier() {
	r.t.Helper()
	addr := r.http.Listener.Addr().String()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("listen again on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(r.sandbox)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	r.http = srv
	r.t.Cleanup(srv.Close)
}

// offlineSeries is the consignor's own SSCC range the offline tests number
// labels from.
const offlineSeries = "own-sscc"

func withOfflineSeries(c *station.Config) { c.OfflineSeries, c.LookupGrace = offlineSeries, 0 }

func (r *rig) defineSeries(last uint64) {
	r.t.Helper()
	if err := r.station.DefineSeries(context.Background(), station.SeriesConfig{Name: offlineSeries, Kind: "sscc", Extension: 3,
		CompanyPrefix: "7350099", First: 1, Last: last}); err != nil {
		r.t.Fatal(err)
	}
}
