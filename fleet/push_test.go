package fleet

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

var t0 = time.Date(2026, 3, 2, 10, 42, 0, 0, time.UTC)

func testShipment(ref string, items ...string) *store.Shipment {
	return &store.Shipment{
		OrderRef: ref, Carrier: "postnord", Service: "19", ShipmentID: "S-" + ref, ItemIDs: items,
		Weight: 1250, Receiver: carrier.Address{Name: "Ada", Country: "SE"}, RequestID: "req-" + ref,
		BookedAt: t0, Status: carrier.Status("created"),
	}
}

func testEvent(item string, at time.Time, st carrier.Status) *carrier.TrackingEvent {
	return &carrier.TrackingEvent{ItemID: item, Time: at, Status: st, CarrierCode: "EV" + string(st), Location: "Malmö"}
}

func replicasOf(reps ...store.Replica) []store.Replica { return reps }

// count runs a count(*) query.
func count(t *testing.T, s *Site, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestPushUpsertsAndRepeats(t *testing.T) {
	t.Parallel()
	a, url := migratedSite(t, "b1")
	ctx := testCtx(t)
	sh := testShipment("A-1", "00370000000000000017", "00370000000000000024")
	order := &carrier.Order{Ref: "A-1", Receiver: carrier.Address{Name: "Ada", Country: "SE"}, ImportedAt: t0}
	entry := &store.OutboxEntry{ID: "e1", OrderRef: "A-1", Carrier: "postnord", State: store.StateBooked, Attempts: 1, Created: t0, Updated: t0}
	job := &store.PrintJob{ID: "j1", OrderRef: "A-1", State: store.PrintSending, Reprint: true, TrackingID: sh.TrackingID(), Created: t0, Updated: t0}
	ev := testEvent("00370000000000000024", t0.Add(time.Hour), "in_transit") // the second parcel's
	sum := &store.TrackSummary{OrderRef: "A-1", ItemID: sh.TrackingID(), Carrier: "postnord", BookedAt: t0, Status: "in_transit", Events: 1}
	reps := replicasOf(
		// Deliberately events before their shipment: Push orders them.
		store.Replica{Kind: store.ReplicaEvent, Key: ev.ItemID + "/" + ev.Key(), Seq: 1, Event: ev},
		store.Replica{Kind: store.ReplicaClaim, Key: "A-1", Seq: 2, Claim: &store.LocalClaim{OrderRef: "A-1", At: t0}},
		store.Replica{Kind: store.ReplicaShipment, Key: "A-1", Seq: 3, Shipment: sh},
		store.Replica{Kind: store.ReplicaEntry, Key: "e1", Seq: 4, Entry: entry},
		store.Replica{Kind: store.ReplicaPrintJob, Key: "j1", Seq: 5, PrintJob: job},
		store.Replica{Kind: store.ReplicaOrder, Key: "A-1", Seq: 6, Order: order},
		store.Replica{Kind: store.ReplicaSummary, Key: "A-1", Seq: 7, Summary: sum},
	)
	for range 2 { // a repeated push is harmless
		res, err := a.Push(ctx, reps)
		if err != nil {
			t.Fatal(err)
		}
		if res.Pushed != len(reps) || len(res.Conflicts) != 0 {
			t.Fatalf("push: %+v", res)
		}
	}
	for table, want := range map[string]int{"shipments": 1, "outbox": 1, "print_jobs": 1, "events": 1, "orders": 1, "track_summaries": 1, "claims": 1, "stations": 1, "claim_conflicts": 0} {
		if n := count(t, a, "SELECT count(*) FROM "+table); n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
	var (
		tracking, country, status string
		items                     []string
		weight                    int64
		printed                   *time.Time
	)
	if err := a.pool.QueryRow(ctx, `SELECT tracking_id, country, status, item_ids, weight_g, printed_at FROM shipments WHERE station = 'b1' AND order_ref = 'A-1'`).
		Scan(&tracking, &country, &status, &items, &weight, &printed); err != nil {
		t.Fatal(err)
	}
	if tracking != "00370000000000000017" || country != "SE" || status != "created" || !reflect.DeepEqual(items, sh.ItemIDs) || weight != 1250 || printed != nil {
		t.Errorf("shipment row: %s %s %s %v %d %v", tracking, country, status, items, weight, printed)
	}
	var evRef, evStation string
	if err := a.pool.QueryRow(ctx, `SELECT order_ref, station FROM events WHERE item_id = $1 AND event_key = $2`, ev.ItemID, ev.Key()).Scan(&evRef, &evStation); err != nil {
		t.Fatal(err)
	}
	if evRef != "A-1" || evStation != "b1" {
		t.Errorf("event row: order %q station %q (found by the second parcel's id)", evRef, evStation)
	}
	var reprint bool
	if err := a.pool.QueryRow(ctx, `SELECT reprint FROM print_jobs WHERE job_id = 'j1'`).Scan(&reprint); err != nil || !reprint {
		t.Errorf("print job reprint = %v, %v", reprint, err)
	}
	var open bool
	var lastPolled *time.Time
	var body []byte
	if err := a.pool.QueryRow(ctx, `SELECT open, last_polled, body FROM track_summaries`).Scan(&open, &lastPolled, &body); err != nil {
		t.Fatal(err)
	}
	got, err := store.DecodeTrackSummary(body)
	if err != nil || !open || lastPolled != nil || got.ItemID != sum.ItemID || got.Events != 1 {
		t.Errorf("summary row: open %v polled %v %+v %v", open, lastPolled, got, err)
	}
	o, err := a.Order(ctx, "A-1")
	if err != nil || o.Receiver.Name != "Ada" || !o.ImportedAt.Equal(t0) {
		t.Errorf("Order: %+v %v", o, err)
	}
	if _, err := a.Order(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Order of an unknown ref: %v", err)
	}

	// The bench's later state: the shipment printed, the summary changed
	// (the site's poller owns it once it exists: unchanged), the job
	// confirmed (gone).
	printedAt := t0.Add(time.Minute)
	sh2 := *sh
	sh2.PrintedAt, sh2.Printer = printedAt, "tcp://zebra:9100"
	sum2 := *sum
	sum2.Status = "delivered"
	if _, err := a.Push(ctx, replicasOf(
		store.Replica{Kind: store.ReplicaShipment, Key: "A-1", Seq: 8, Shipment: &sh2},
		store.Replica{Kind: store.ReplicaSummary, Key: "A-1", Seq: 9, Summary: &sum2},
		store.Replica{Kind: store.ReplicaPrintJob, Key: "j1", Seq: 10, Gone: true},
	)); err != nil {
		t.Fatal(err)
	}
	if err := a.pool.QueryRow(ctx, `SELECT printed_at FROM shipments WHERE station = 'b1'`).Scan(&printed); err != nil || printed == nil || !printed.Equal(printedAt) {
		t.Errorf("printed_at = %v, %v", printed, err)
	}
	if n := count(t, a, `SELECT count(*) FROM track_summaries WHERE status = 'in_transit'`); n != 1 {
		t.Errorf("a bench's push overwrote the site's summary")
	}
	if n := count(t, a, `SELECT count(*) FROM print_jobs`); n != 0 {
		t.Errorf("a confirmed print job is still on the server")
	}

	// Another bench: its rows are its own, and never overwrite b1's.
	b := coreSite(t, url, "b2")
	orderB := *order
	orderB.Receiver.Name = "Someone else"
	jobB := *job
	if _, err := b.Push(ctx, replicasOf(
		store.Replica{Kind: store.ReplicaOrder, Key: "A-1", Order: &orderB},
		store.Replica{Kind: store.ReplicaPrintJob, Key: "j1", PrintJob: &jobB},
		store.Replica{Kind: store.ReplicaShipment, Key: "A-1", Shipment: testShipment("A-1", "00370000000000000031")},
	)); err != nil {
		t.Fatal(err)
	}
	if o, _ := a.Order(ctx, "A-1"); o.Receiver.Name != "Ada" {
		t.Errorf("b2's push overwrote b1's order: %+v", o)
	}
	// b1's "gone" of a job id b2 also has deletes only b1's.
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaPrintJob, Key: "j1", Gone: true},
		store.Replica{Kind: store.ReplicaOrder, Key: "A-1", Gone: true})); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a, `SELECT count(*) FROM print_jobs WHERE station = 'b2'`); n != 1 {
		t.Errorf("b1 deleted b2's print job")
	}
	if n := count(t, a, `SELECT count(*) FROM shipments`); n != 2 {
		t.Errorf("%d shipments, want one per bench", n)
	}
	if n := count(t, a, `SELECT count(*) FROM stations`); n != 2 {
		t.Errorf("%d stations", n)
	}
	if _, err := a.Order(ctx, "A-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the order b1 pushed and dropped: %v", err)
	}
}

// TestPushEventBeforeShipment: an event whose shipment the server does
// not have yet learns its order when the shipment arrives.
func TestPushEventBeforeShipment(t *testing.T) {
	t.Parallel()
	a, _ := migratedSite(t, "b1")
	ctx := testCtx(t)
	ev := testEvent("ITEM-9", t0, "in_transit")
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaEvent, Key: "ITEM-9/" + ev.Key(), Event: ev})); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a, `SELECT count(*) FROM events WHERE order_ref = ''`); n != 1 {
		t.Fatalf("event without its shipment: %d rows with no order", n)
	}
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaShipment, Key: "A-9", Shipment: testShipment("A-9", "ITEM-9")})); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a, `SELECT count(*) FROM events WHERE order_ref = 'A-9'`); n != 1 {
		t.Errorf("the event did not learn its order")
	}
	// The bench knows an event's order (Replica.OrderRef) before the
	// server has its shipment.
	ev2 := testEvent("ITEM-10", t0, "in_transit")
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaEvent, Key: "ITEM-10/" + ev2.Key(), OrderRef: "A-10", Event: ev2})); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a, `SELECT count(*) FROM events WHERE item_id = 'ITEM-10' AND order_ref = 'A-10'`); n != 1 {
		t.Errorf("the event's known order was not stored")
	}
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaEvent, Key: "ITEM-10/" + ev2.Key(), Gone: true})); err != nil {
		t.Fatal(err)
	}
	// Gone deletes it (only this bench's).
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaEvent, Key: "ITEM-9/" + ev.Key(), Gone: true})); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a, `SELECT count(*) FROM events`); n != 0 {
		t.Errorf("a gone event is still there")
	}
}

// TestPushClaimConflict: a bench cut off claimed an order another bench
// holds; its push records the conflict once and returns it each time.
func TestPushClaimConflict(t *testing.T) {
	t.Parallel()
	a, url := migratedSite(t, "b1")
	b := coreSite(t, url, "b2")
	ctx := testCtx(t)
	holder, err := a.Claim(ctx, "A-7", t0)
	if err != nil || holder.Station != "b1" {
		t.Fatalf("claim: %+v %v", holder, err)
	}
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaShipment, Key: "A-7", Shipment: testShipment("A-7", "T-7")})); err != nil {
		t.Fatal(err)
	}
	offline := t0.Add(3 * time.Minute)
	claimRep := store.Replica{Kind: store.ReplicaClaim, Key: "A-7", Claim: &store.LocalClaim{OrderRef: "A-7", At: offline}}
	var first []Conflict
	for i := range 2 {
		res, err := b.Push(ctx, replicasOf(claimRep))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Conflicts) != 1 {
			t.Fatalf("push %d: conflicts %+v", i, res.Conflicts)
		}
		c := res.Conflicts[0]
		if c.OrderRef != "A-7" || c.Station != "b2" || !c.At.Equal(offline) || c.Other != "b1" || !c.OtherAt.Equal(t0) || c.OtherTracking != "T-7" || c.Detected.IsZero() {
			t.Errorf("conflict: %+v", c)
		}
		if i == 1 && !c.Detected.Equal(first[0].Detected) {
			t.Errorf("the repeated push detected it again: %v then %v", first[0].Detected, c.Detected)
		}
		first = res.Conflicts
	}
	if n := count(t, a, `SELECT count(*) FROM claim_conflicts`); n != 1 {
		t.Errorf("%d conflict rows", n)
	}
	list, err := a.Conflicts(ctx)
	if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], first[0]) {
		t.Errorf("Conflicts: %+v %v, want %+v", list, err, first)
	}
	// b2's release of a claim it does not hold leaves b1's.
	if _, err := b.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaClaim, Key: "A-7", Gone: true})); err != nil {
		t.Fatal(err)
	}
	if c, err := b.Claim(ctx, "A-7", t0.Add(time.Hour)); err != nil || c.Station != "b1" {
		t.Errorf("after b2's release: %+v %v", c, err)
	}
	// A resolved conflict leaves the list.
	if _, err := a.pool.Exec(ctx, `UPDATE claim_conflicts SET resolved_at = now()`); err != nil {
		t.Fatal(err)
	}
	if list, err := a.Conflicts(ctx); err != nil || len(list) != 0 {
		t.Errorf("resolved conflicts listed: %+v %v", list, err)
	}
	// b1 releases by push: the order is free.
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaClaim, Key: "A-7", Gone: true})); err != nil {
		t.Fatal(err)
	}
	if c, err := b.Claim(ctx, "A-7", t0.Add(time.Hour)); err != nil || c.Station != "b2" {
		t.Errorf("after b1's release: %+v %v", c, err)
	}
}
