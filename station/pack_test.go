package station_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/printer"
	"labelstation/scale"
	"labelstation/station"
	"labelstation/store"
)

func TestPackBooksOnceAndPrintsTheCarrierLabel(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()

	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1200})
	if err != nil {
		t.Fatalf("pack: %v (hint: %s)", err, station.Hint(err))
	}
	if !res.Printed || res.TrackingID == "" || res.Weight != 1200 {
		t.Fatalf("result: %+v", res)
	}
	labels := r.sink.WaitLabels(1, 2*time.Second)
	if len(labels) != 1 {
		t.Fatalf("printer got %d labels, want 1", len(labels))
	}
	if !strings.Contains(labels[0], res.TrackingID) {
		t.Errorf("printed label does not carry tracking id %s", res.TrackingID)
	}
	for _, want := range []string{"Åsa Ødegård", "Stockholm"} {
		if !strings.Contains(labels[0], want) {
			t.Errorf("printed label lost %q", want)
		}
	}
	bookings := r.sandbox.Bookings()
	if len(bookings) != 1 {
		t.Fatalf("sandbox recorded %d bookings, want 1", len(bookings))
	}
	entry, _ := r.store.EntryByOrder("A-1")
	if entry.State != store.StateBooked || bookings[0].RequestID != entry.ID {
		t.Errorf("outbox entry %+v; sandbox saw request id %q", entry, bookings[0].RequestID)
	}

	// Scanning it again must not book or print again.
	_, err = r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1200})
	if !errors.Is(err, station.ErrAlreadyPacked) || !strings.Contains(station.Hint(err), "F10") {
		t.Fatalf("second pack: %v / %q", err, station.Hint(err))
	}
	if r.bookings() != 1 || len(r.sink.WaitLabels(2, 2*time.Second)) != 1 {
		t.Fatalf("second pack booked or printed again")
	}

	rep, err := r.station.Report(ctx, time.Now())
	if err != nil || rep.Booked != 1 || rep.Printed != 1 || rep.Shipments[0].TrackingID != res.TrackingID || rep.Shipments[0].Receiver != "Åsa Ødegård" {
		t.Fatalf("report: %+v %v", rep, err)
	}
}

func TestPackUnknownOrderSaysWhatToDo(t *testing.T) {
	r := newRig(t, nil)
	_, err := r.station.Pack(context.Background(), "NOPE-1", station.PackOptions{Weight: 500})
	if !errors.Is(err, station.ErrOrderNotFound) || !strings.Contains(station.Hint(err), "import") {
		t.Fatalf("got %v / %q", err, station.Hint(err))
	}
}

func TestPrinterDownKeepsBookingAndResumesWithoutRebooking(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	dead, _ := printer.Open("tcp://127.0.0.1:1?connect_timeout=200ms")
	_, err := r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 800, Printer: dead})
	if err == nil || !strings.Contains(err.Error(), "did not print") || !strings.Contains(station.Hint(err), "booking is saved") {
		t.Fatalf("dead printer: %v / %q", err, station.Hint(err))
	}
	if r.bookings() != 1 {
		t.Fatalf("bookings = %d", r.bookings())
	}
	res, err := r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 800})
	if err != nil || !res.Resumed || !res.Printed {
		t.Fatalf("resume: %+v %v", res, err)
	}
	if r.bookings() != 1 {
		t.Fatalf("resume booked again: %d bookings", r.bookings())
	}
	if l := r.sink.WaitLabels(1, 2*time.Second); len(l) != 1 || !strings.Contains(l[0], res.TrackingID) {
		t.Fatalf("resumed label not printed")
	}
}

func TestCarrierDownKeepsEntryAndRetriesWithSameRequestID(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	mustSetFaults(t, r, sandboxFaults(1, false))
	_, err := r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 2500})
	if carrier.KindOf(err) != carrier.KindUnavailable || !strings.Contains(station.Hint(err), "queue") {
		t.Fatalf("carrier down: %v / %q", err, station.Hint(err))
	}
	entry, _ := r.store.EntryByOrder("A-2")
	if entry.State != store.StatePending || entry.Attempts != 1 || entry.LastError == "" {
		t.Fatalf("entry after failure: %+v", entry)
	}
	if st := r.station.Status(ctx); st.CarrierOK || st.QueuePending != 1 {
		t.Fatalf("status after failure: %+v", st)
	}
	mustSetFaults(t, r, sandboxFaults(0, false))
	res, err := r.station.Pack(ctx, "A-2", station.PackOptions{})
	if err != nil || !res.Printed || res.Weight != 2500 {
		t.Fatalf("retry: %+v %v", res, err)
	}
	b := r.sandbox.Bookings()
	if len(b) != 1 || b[0].RequestID != entry.ID {
		t.Fatalf("want one booking with the entry's request id %s, got %+v", entry.ID, b)
	}
	if st := r.station.Status(ctx); !st.CarrierOK || st.QueuePending != 0 {
		t.Fatalf("status after recovery: %+v", st)
	}
}

func TestLostAnswerIsNeverResentBlindly(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	mustSetFaults(t, r, sandboxFaults(0, true))
	_, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900})
	if carrier.KindOf(err) != carrier.KindUnknownOutcome || !strings.Contains(err.Error(), "may already have booked") {
		t.Fatalf("lost answer: %v", err)
	}
	if n := len(r.sink.WaitLabels(1, 300*time.Millisecond)); n != 0 {
		t.Fatalf("%d labels printed for a booking whose answer was lost", n)
	}
	booked := r.sandbox.Bookings()[0]

	// Scanned again: the station asks the carrier (find by reference),
	// finds the booking and prints it; nothing is booked twice.
	mustSetFaults(t, r, sandboxFaults(0, false))
	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900})
	if err != nil || !res.Printed || res.TrackingID != booked.ItemIDs[0] {
		t.Fatalf("second try: %+v, %v; want the carrier's booking %s printed", res, err, booked.ItemIDs[0])
	}
	if r.bookings() != 1 {
		t.Fatalf("bookings = %d, want exactly the one whose answer was lost", r.bookings())
	}
	labels := r.sink.WaitLabels(1, 2*time.Second)
	if len(labels) != 1 || !strings.Contains(labels[0], booked.ItemIDs[0][2:]) {
		t.Fatalf("printed %d labels; want one carrying the carrier's item id %s", len(labels), booked.ItemIDs[0])
	}
	entry, _ := r.store.EntryByOrder("A-1")
	sh, _ := r.store.ShipmentByOrder("A-1")
	if entry.State != store.StateBooked || !sh.Adopted || sh.ShipmentID != booked.ShipmentID {
		t.Fatalf("entry %s, shipment %+v; want booked and adopted as %s", entry.State, sh, booked.ShipmentID)
	}
}

func TestLostAnswerWaitsOutTheLookupGrace(t *testing.T) {
	r := newRigWith(t, nil, func(c *station.Config) { c.LookupGrace = time.Hour })
	r.importOrders()
	ctx := context.Background()
	mustSetFaults(t, r, sandboxFaults(0, true))
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900}); carrier.KindOf(err) != carrier.KindUnknownOutcome {
		t.Fatalf("lost answer: %v", err)
	}
	mustSetFaults(t, r, sandboxFaults(0, false))
	// Within the grace the carrier's "not found" would not be trusted, so
	// the station neither books nor prints.
	_, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900})
	if err == nil || !strings.Contains(station.Hint(err), "put the parcel aside") {
		t.Fatalf("within the grace: %v / %q", err, station.Hint(err))
	}
	if r.bookings() != 1 || len(r.sink.WaitLabels(1, 200*time.Millisecond)) != 0 {
		t.Fatalf("bookings = %d; nothing may be sent or printed within the grace", r.bookings())
	}
}

func TestCrashWhileSendingIsTreatedAsUnknownOutcome(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	// What a power cut between "sending" and the answer leaves behind.
	if err := r.store.CreateEntry(store.OutboxEntry{ID: "crashed-1", OrderRef: "A-2", State: store.StateSending, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, err := r.station.Pack(context.Background(), "A-2", station.PackOptions{Weight: 700})
	if err == nil || !strings.Contains(err.Error(), "crashed-1") {
		t.Fatalf("want unknown outcome naming the entry, got %v", err)
	}
	if r.bookings() != 0 {
		t.Fatal("an entry found in sending must not be resent")
	}
	if e, _ := r.store.EntryByOrder("A-2"); e.State != store.StateAttention {
		t.Fatalf("state %s, want needs_attention", e.State)
	}
}

func TestRejectedOrderFailsForGoodAndCanBeRepackedAfterFix(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	_, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900, Service: "9999"})
	if carrier.KindOf(err) != carrier.KindRejected {
		t.Fatalf("unknown service: %v", err)
	}
	if e, _ := r.store.EntryByOrder("A-1"); e.State != store.StateFailed {
		t.Fatalf("state %s, want failed", e.State)
	}
	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900, Service: "19"})
	if err != nil || !res.Printed {
		t.Fatalf("after fix: %v", err)
	}
}

func TestPackTakesAStableWeightFromTheScale(t *testing.T) {
	sc, err := scale.Open("sim://?weight=1.25kg&settle=100ms&interval=20ms&seed=3")
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	r := newRig(t, sc)
	r.importOrders()
	res, err := r.station.Pack(context.Background(), "A-1", station.PackOptions{})
	if err != nil {
		t.Fatalf("pack from scale: %v", err)
	}
	if res.Weight < 1240 || res.Weight > 1260 {
		t.Fatalf("weight %v, want 1.25 kg ± 10 g", res.Weight)
	}
}

func TestReprintPrintsTheStoredLabelWithoutBooking(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	if _, err := r.station.Reprint(ctx, ""); err == nil {
		t.Fatal("reprint before any print must say so")
	}
	first, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1000})
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.station.Reprint(ctx, "")
	if err != nil || again.TrackingID != first.TrackingID {
		t.Fatalf("reprint: %+v %v", again, err)
	}
	labels := r.sink.WaitLabels(2, 2*time.Second)
	if len(labels) != 2 || labels[0] != labels[1] {
		t.Fatalf("want the same label twice, got %d labels", len(labels))
	}
	if r.bookings() != 1 {
		t.Fatalf("reprint booked: %d bookings", r.bookings())
	}
	sh, _ := r.store.ShipmentByOrder("A-1")
	if sh.Reprints != 1 {
		t.Fatalf("reprints = %d", sh.Reprints)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1000})
	if err != nil {
		t.Fatal(err)
	}
	r.store.Close()
	r.open(nil)
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1000}); !errors.Is(err, station.ErrAlreadyPacked) {
		t.Fatalf("after restart: %v", err)
	}
	again, err := r.station.Reprint(ctx, "")
	if err != nil || again.TrackingID != res.TrackingID {
		t.Fatalf("reprint after restart: %+v %v", again, err)
	}
}

func TestConcurrentPacksOfOneOrderBookOnce(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	errs := make(chan error, 5)
	for i := 0; i < 5; i++ {
		go func() {
			_, err := r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 1000})
			errs <- err
		}()
	}
	ok := 0
	for i := 0; i < 5; i++ {
		if err := <-errs; err == nil {
			ok++
		} else if !errors.Is(err, station.ErrAlreadyPacked) {
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 || r.bookings() != 1 {
		t.Fatalf("%d packs succeeded, %d bookings; want 1 and 1", ok, r.bookings())
	}
}
