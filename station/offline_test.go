package station_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/sandbox"
	"labelstation/label"
	"labelstation/station"
	"labelstation/store"
)

func TestOfflinePackPrintsOwnIDAndTheSyncBooksItOnce(t *testing.T) {
	r := newRigWith(t, nil, withOfflineSeries)
	r.defineSeries(1000)
	r.importOrders()
	ctx := context.Background()

	r.stopCarrier()
	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1200})
	if err != nil {
		t.Fatalf("offline pack: %v (hint: %s)", err, station.Hint(err))
	}
	if !res.Offline || !res.Printed || !label.ValidSSCC(res.TrackingID) || !strings.HasPrefix(res.TrackingID, "0037350099") {
		t.Fatalf("offline result %+v; want a printed label with an SSCC from the series 3 7350099…", res)
	}
	labels := r.sink.WaitLabels(1, 2*time.Second)
	if len(labels) != 1 || !strings.Contains(labels[0], res.TrackingID[2:]) || !strings.Contains(labels[0], "Åsa Ødegård") {
		t.Fatalf("printer got %d labels; want one carrying %s and the receiver", len(labels), res.TrackingID)
	}
	if st := r.station.Status(ctx); st.Online || st.QueuePending != 1 {
		t.Fatalf("status while the carrier is down: %+v", st)
	}
	// The bench knows it is offline now: the next parcel does not wait
	// for the network.
	res2, err := r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 800})
	if err != nil || !res2.Offline || res2.TrackingID == res.TrackingID {
		t.Fatalf("second offline pack: %+v %v", res2, err)
	}
	if r.bookings() != 0 {
		t.Fatalf("sandbox has %d bookings while down", r.bookings())
	}

	if rep, err := r.station.Report(ctx, time.Now()); err != nil || rep.Offline != 2 || rep.NotSent != 2 {
		t.Fatalf("report while down: %+v %v; want 2 offline labels not yet sent", rep, err)
	}

	r.startCarrier()
	rep, err := r.station.SyncQueue(ctx)
	if err != nil || rep.Booked != 2 || rep.Left != 0 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
	booked := map[string]string{}
	for _, b := range r.sandbox.Bookings() {
		if len(b.ItemIDs) != 1 {
			t.Fatalf("booking %+v", b)
		}
		booked[b.ItemIDs[0]] = b.OrderRef
	}
	if len(booked) != 2 || booked[res.TrackingID] != "A-1" || booked[res2.TrackingID] != "A-2" {
		t.Fatalf("sandbox bookings by item id = %v; want the labels' own ids", booked)
	}
	sh, _ := r.store.ShipmentByOrder("A-1")
	if sh.SyncedAt.IsZero() || sh.ShipmentID == "" || sh.TrackingID() != res.TrackingID {
		t.Fatalf("shipment after sync: %+v", sh)
	}
	// A second sync sends nothing; no label is printed by the sync.
	if rep, err := r.station.SyncQueue(ctx); err != nil || rep.Booked != 0 || r.bookings() != 2 {
		t.Fatalf("second sync: %+v %v, bookings %d", rep, err, r.bookings())
	}
	if n := len(r.sink.WaitLabels(3, 200*time.Millisecond)); n != 2 {
		t.Fatalf("printer got %d labels, want the 2 offline ones", n)
	}
	if rep, err := r.station.Report(ctx, time.Now()); err != nil || rep.Offline != 2 || rep.NotSent != 0 || rep.Shipments[0].SyncedAt == nil {
		t.Fatalf("report after sync: %+v %v", rep, err)
	}
	late, err := r.station.SentLate(ctx, time.Now())
	if err != nil || len(late) != 2 || late[0].SyncedAt.IsZero() {
		t.Fatalf("sent late: %+v %v", late, err)
	}
}

func TestForcedOfflineDoesNotTryTheCarrier(t *testing.T) {
	r := newRigWith(t, nil, withOfflineSeries)
	r.defineSeries(1000)
	r.importOrders()
	ctx := context.Background()
	r.station.SetOffline(true)
	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1200})
	if err != nil || !res.Offline {
		t.Fatalf("forced offline: %+v %v", res, err)
	}
	if n := len(r.sandbox.Requests()); n != 0 {
		t.Fatalf("the carrier got %d requests while the bench works offline", n)
	}
	if st := r.station.Status(ctx); st.Online || !st.OfflineForced {
		t.Fatalf("status %+v", st)
	}
	r.station.SetOffline(false)
	if rep, err := r.station.SyncQueue(ctx); err != nil || rep.Booked != 1 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
}

func TestUnknownOutcomesInTheSyncAreResolvedNotResent(t *testing.T) {
	r := newRigWith(t, nil, withOfflineSeries)
	r.defineSeries(1000)
	ctx := context.Background()
	var csv strings.Builder
	csv.WriteString("order_ref;name;street1;postcode;city;country;item_description;item_quantity\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&csv, "B-%d;Åse Ødegård;Storgatan %d;11455;Stockholm;SE;Ullstrumpor;1\n", i, i)
	}
	if _, err := r.station.ImportOrders(ctx, "b.csv", strings.NewReader(csv.String())); err != nil {
		t.Fatal(err)
	}
	r.station.SetOffline(true)
	for i := 1; i <= 12; i++ {
		if _, err := r.station.Pack(ctx, fmt.Sprintf("B-%d", i), station.PackOptions{Weight: 500}); err != nil {
			t.Fatal(err)
		}
	}
	r.station.SetOffline(false)
	// Half the answers are lost after the sandbox booked, a fifth refused.
	mustSetFaults(t, r, sandbox.Faults{DropRate: 0.5, FailRate: 0.2})
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		rep, err := r.station.SyncQueue(sctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Left == 0 {
			break
		}
		if sctx.Err() != nil {
			t.Fatalf("queue not drained: %+v", rep)
		}
	}
	perItem := map[string]int{}
	for _, b := range r.sandbox.Bookings() {
		perItem[b.ItemIDs[0]]++
	}
	if len(perItem) != 12 {
		t.Fatalf("sandbox holds %d distinct parcels, want 12", len(perItem))
	}
	for id, n := range perItem {
		if n != 1 {
			t.Errorf("item %s booked %d times", id, n)
		}
	}
	q, _ := r.station.Queue(ctx, true)
	adopted := 0
	for _, e := range q {
		sh, _ := r.store.ShipmentByOrder(e.OrderRef)
		if e.State != "booked" || sh.SyncedAt.IsZero() {
			t.Errorf("%s: %s, synced %v", e.OrderRef, e.State, sh.SyncedAt)
		}
		if sh.Adopted {
			adopted++
		}
	}
	if adopted == 0 {
		t.Error("no booking was found by lookup; the dropped answers were not exercised")
	}
}

func TestRefusedQueuedBookingIsFixedAndRetriedOrCancelled(t *testing.T) {
	r := newRigWith(t, nil, withOfflineSeries)
	r.defineSeries(1000)
	r.importOrders()
	ctx := context.Background()
	r.station.SetOffline(true)
	for _, ref := range []string{"A-2", "A-3"} {
		if _, err := r.station.Pack(ctx, ref, station.PackOptions{Weight: 700, Service: map[string]string{"A-2": "9999", "A-3": "19"}[ref]}); err != nil {
			t.Fatal(err)
		}
	}
	r.station.SetOffline(false)
	// A-2's service does not exist and A-3 goes to Norway without customs
	// data: the carrier (or its client) refuses both.
	rep, err := r.station.SyncQueue(ctx)
	if err != nil || rep.Failed != 2 || r.bookings() != 0 {
		t.Fatalf("sync: %+v %v (bookings %d)", rep, err, r.bookings())
	}
	q, _ := r.station.Queue(ctx, false)
	if len(q) != 2 || q[0].State != "failed" || !strings.Contains(q[0].Action, "Retry") || q[0].LastError == "" {
		t.Fatalf("queue view: %+v", q)
	}
	// A second sync leaves refused bookings alone.
	if rep, _ := r.station.SyncQueue(ctx); rep.Failed != 0 {
		t.Fatalf("second sync retried a refused booking: %+v", rep)
	}

	// The order to Norway is corrected (the customer gave a Swedish
	// address) and imported again; Retry books it under the same id.
	fixed := "order_ref;name;street1;postcode;city;country;item_description;item_quantity\nA-3;Øyvind Ærø;Drottninggatan 3;11151;Stockholm;SE;Tursekk;1\n"
	if _, err := r.station.ImportOrders(ctx, "fix.csv", strings.NewReader(fixed)); err != nil {
		t.Fatal(err)
	}
	e3, _ := r.store.EntryByOrder("A-3")
	got, err := r.station.RetryEntry(ctx, e3.ID[:8])
	if err != nil || got.State != "booked" || r.bookings() != 1 {
		t.Fatalf("retry: %+v %v", got, err)
	}
	if b := r.sandbox.Bookings()[0]; b.ItemIDs[0] != got.ItemID || b.ReceiverCity != "Stockholm" {
		t.Fatalf("booked %+v; want the offline label's id %s and the corrected address", b, got.ItemID)
	}
	if !strings.Contains(got.Action, "print it again") {
		t.Errorf("retry must say the printed label shows the old address: %q", got.Action)
	}
	if sh, _ := r.store.ShipmentByOrder("A-3"); !strings.Contains(string(sh.Label.Data), "Drottninggatan") || sh.TrackingID() != got.ItemID {
		t.Errorf("the stored label was not rendered again with the corrected address (same id)")
	}

	// A-2 is cancelled: it leaves the queue and the order may be packed again.
	e2, _ := r.store.EntryByOrder("A-2")
	c, err := r.station.CancelEntry(ctx, e2.ID, "wrong service")
	if err != nil || c.State != "cancelled" || !strings.Contains(c.Action, "void") {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	if q, _ := r.station.Queue(ctx, false); len(q) != 0 {
		t.Fatalf("queue after retry and cancel: %+v", q)
	}
	r.station.SetOffline(false)
	res, err := r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 700})
	if err != nil || res.Offline || !res.Printed {
		t.Fatalf("packing the cancelled order again: %+v %v", res, err)
	}
	if rep, err := r.station.Report(ctx, time.Now()); err != nil || rep.Cancelled != 1 || len(rep.Shipments) != 2 {
		t.Fatalf("report after a cancel and a repack: %+v %v; want the cancelled label counted apart", rep, err)
	}
	if _, err := r.station.CancelEntry(ctx, e2.ID, "again"); err == nil {
		t.Fatal("cancelling a cancelled entry must be refused")
	}
}

func TestOfflineSeriesUsedUpRefusesTheLabelAndKeepsTheBooking(t *testing.T) {
	r := newRigWith(t, nil, withOfflineSeries)
	r.defineSeries(1) // one id
	r.importOrders()
	ctx := context.Background()
	r.station.SetOffline(true)
	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 500})
	if err != nil || res.Warning == "" {
		t.Fatalf("last id: %+v %v; want a printed label and a runs-low warning", res, err)
	}
	_, err = r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 500})
	if !errors.Is(err, store.ErrSeriesExhausted) || !strings.Contains(err.Error(), "used up") || !strings.Contains(station.Hint(err), "queue") {
		t.Fatalf("used up: %v / %q", err, station.Hint(err))
	}
	if n := len(r.sink.WaitLabels(2, 300*time.Millisecond)); n != 1 {
		t.Fatalf("printed %d labels, want only the first", n)
	}
	e, err := r.store.EntryByOrder("A-2")
	if err != nil || e.State != store.StatePending || e.Offline {
		t.Fatalf("A-2's booking: %+v %v; want it kept pending, without an offline label", e, err)
	}
	// Back online, the kept booking goes with a carrier id and its label
	// prints on the next scan.
	r.station.SetOffline(false)
	if rep, err := r.station.SyncQueue(ctx); err != nil || rep.Booked != 2 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
	res, err = r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 500})
	if err != nil || !res.Printed || res.Offline {
		t.Fatalf("A-2 after sync: %+v %v", res, err)
	}
	if carrier.KindOf(err) != 0 {
		t.Fatal(err)
	}
}
