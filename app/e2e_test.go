package app

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/printer"
	"labelstation/printer/printertest"
	"labelstation/scale"
	"labelstation/station"
	"labelstation/store"
)

// realStation wires station.New from real parts, as cmd does: a bbolt
// store in a temp dir, the PostNord client talking HTTP to the sandbox, the
// simulated scale with a parcel on it, and a TCP printer on loopback.
func realStation(t *testing.T) (*station.Station, *printertest.Sink, *sandbox.Server) {
	t.Helper()
	return realStationWith(t, nil)
}

// realStationWith is realStation with the station's config changed by
// edit before it is wired (nil: as realStation).
func realStationWith(t *testing.T, edit func(*station.Config)) (*station.Station, *printertest.Sink, *sandbox.Server) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Seed: 1})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	pn, err := postnord.New(postnord.Config{BaseURL: srv.URL, APIKey: "test-key"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.TempDir(), store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sink := printertest.NewSink(t)
	prn, err := printer.Open(sink.URI())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prn.Close() })
	sc := scale.NewSim(scale.SimOptions{Weight: 1250, Settle: 200 * time.Millisecond, Seed: 7})
	t.Cleanup(func() { sc.Close() })

	cfg := station.Config{
		Consignor: carrier.Consignor{
			Address:        carrier.Address{Name: "Demo Webshop AB", Street1: "Lagergatan 12", Postcode: "41505", City: "Göteborg", Country: "SE"},
			CustomerNumber: "20876966", IssuerCode: "Z12",
		},
		DefaultService: "19",
		CarrierName:    "PostNord sandbox (" + srv.URL + ")",
		Stable:         scale.StableOptions{Window: 150 * time.Millisecond, Timeout: 3 * time.Second},
	}
	if edit != nil {
		edit(&cfg)
	}
	st := station.New(db, pn, prn, sc, cfg)
	const orders = "order_ref;name;street1;postcode;city;country;item_description;item_quantity\n" +
		"A-1;Åsa Ødegård;Storgatan 1;11455;Stockholm;SE;Ullstrumpor;2\n" +
		"A-2;Mette Kjærgaard;Østergade 27;8000;Aarhus C;DK;Kaffe;1\n"
	if rep, err := st.ImportOrders(context.Background(), "orders.csv", strings.NewReader(orders)); err != nil || len(rep.Imported) != 2 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	return st, sink, sb
}

// The pack screen on the real station: scan, see the order and the live
// weight, F9 books with the sandbox over HTTP and the label arrives at the
// TCP printer carrying the tracking id the screen shows; F10 reprints it;
// a repeat pack and an unknown order are refused in the station's words.
func TestEndToEndWithRealStation(t *testing.T) {
	st, sink, sb := realStation(t)
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()

	scanCode(c, "A-1")
	loop.until(t, "order A-1 shown", func() bool { return ps.rcptName.Text == "Åsa Ødegård" })
	if !strings.Contains(ps.rcptLines.Text, "11455 Stockholm") || ps.contents.Text != "2 × Ullstrumpor" {
		t.Errorf("order panel: %q / %q", ps.rcptLines.Text, ps.contents.Text)
	}
	loop.until(t, "stable live weight from the simulated scale", func() bool {
		return ps.stableText.Text == "stable" && ps.weightText.Text == "1.25 kg"
	})
	loop.until(t, "status bar", func() bool {
		return strings.HasPrefix(ps.statusItems["carrier"].text.Text, "Carrier online: PostNord sandbox")
	})

	pressKey(c, fyne.KeyF9)
	loop.until(t, "label printed and shown", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
	if ps.bannerBox.Visible() {
		t.Fatalf("banner after packing: %q / %q", ps.bannerMsg.Text, ps.bannerHint.Text)
	}
	tracking := ps.lastTracking.Text
	var labels []string
	loop.until(t, "label at the TCP printer", func() bool { labels = sink.Labels(); return len(labels) >= 1 })
	if len(labels) != 1 {
		t.Fatalf("printer got %d labels, want 1", len(labels))
	}
	if !strings.HasPrefix(labels[0], "^XA") || !strings.Contains(labels[0], tracking) {
		t.Fatalf("label at the printer does not carry the tracking id %q shown on screen:\n%s", tracking, labels[0])
	}
	if b := sb.Bookings(); len(b) != 1 {
		t.Errorf("sandbox has %d bookings, want 1", len(b))
	}
	if !strings.Contains(ps.lastInfo.Text, "1.25 kg") || !strings.Contains(ps.lastInfo.Text, "Took ") {
		t.Errorf("last label info = %q", ps.lastInfo.Text)
	}
	if !strings.Contains(ps.lastPreview.Text, "Åsa Ødegård") {
		t.Errorf("label preview lost the receiver:\n%s", ps.lastPreview.Text)
	}
	if !strings.HasPrefix(ps.orderPhase.Text, "Printed") {
		t.Errorf("order line = %q", ps.orderPhase.Text)
	}
	focusedIsScan(t, ps, w, "after printing")
	loop.until(t, "printer green", func() bool { return ps.statusItems["printer"].dot.FillColor == colOK })

	pressKey(c, fyne.KeyF10)
	loop.until(t, "reprint at the printer", func() bool { return len(sink.Labels()) == 2 && ps.Busy() == 0 })
	loop.drain()
	if again := sink.Labels()[1]; again != labels[0] {
		t.Errorf("reprint differs from the label:\n%s\n---\n%s", again, labels[0])
	}
	if len(sb.Bookings()) != 1 {
		t.Error("reprint booked again")
	}

	// Scan A-1 twice more: shown, then a pack the station refuses.
	scanCode(c, "A-1")
	loop.until(t, "A-1 shown again", func() bool { return ps.armed && ps.pendingRef == "" })
	scanCode(c, "A-1")
	loop.until(t, "already-packed banner", func() bool { return ps.bannerBox.Visible() })
	if !strings.Contains(ps.bannerMsg.Text, "already packed") || !strings.Contains(ps.bannerHint.Text, "F10") {
		t.Errorf("banner = %q / %q", ps.bannerMsg.Text, ps.bannerHint.Text)
	}
	if len(sink.Labels()) != 2 || len(sb.Bookings()) != 1 {
		t.Error("a repeat scan booked or printed again")
	}

	scanCode(c, "NOPE-1")
	loop.until(t, "unknown-order banner", func() bool { return strings.Contains(ps.bannerMsg.Text, "NOPE-1") })
	if !strings.Contains(ps.bannerHint.Text, "import") {
		t.Errorf("hint = %q", ps.bannerHint.Text)
	}
	focusedIsScan(t, ps, w, "after the errors")

	// The next good order clears the banner and prints on a second scan.
	scanCode(c, "A-2")
	loop.until(t, "A-2 shown", func() bool { return ps.rcptName.Text == "Mette Kjærgaard" && !ps.bannerBox.Visible() })
	scanCode(c, "A-2")
	loop.until(t, "A-2 printed", func() bool { return len(sink.Labels()) == 3 && ps.Busy() == 0 })
	loop.drain()
	if l := sink.Labels()[2]; !strings.Contains(l, ps.lastTracking.Text) || ps.lastTracking.Text == tracking {
		t.Errorf("A-2 label/tracking: %q on screen", ps.lastTracking.Text)
	}
}
