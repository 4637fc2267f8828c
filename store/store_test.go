package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func TestSecondOpenIsLockedOut(t *testing.T) {
	_, dir := openTemp(t)
	start := time.Now()
	_, err := Open(dir, Options{LockTimeout: 150 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: got %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "already running") || !strings.Contains(err.Error(), FileName) {
		t.Errorf("message should say the station runs and name the file: %v", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 3*time.Second {
		t.Errorf("lock wait took %v, want about the lock timeout", d)
	}
}

func TestSchemaVersionRecordedAndNewerRefused(t *testing.T) {
	s, dir := openTemp(t)
	if v, err := s.SchemaVersion(); err != nil || v != SchemaVersion {
		t.Fatalf("schema version = %d, %v", v, err)
	}
	s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte("99")) })
	s.Close()
	_, err := Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "schema version 99") {
		t.Fatalf("newer schema: got %v", err)
	}
}

func TestOrdersSurviveReopenWithNordicLetters(t *testing.T) {
	s, dir := openTemp(t)
	o := carrier.Order{Ref: "A-1", Receiver: carrier.Address{Name: "Åsa Ødegård", City: "Tromsø", Country: "NO"}}
	if _, err := s.PutOrders([]carrier.Order{o}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Order("A-1")
	if err != nil || got.Receiver.Name != "Åsa Ødegård" || got.Receiver.City != "Tromsø" {
		t.Fatalf("got %+v, %v", got.Receiver, err)
	}
	if _, err := s2.Order("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing order: %v", err)
	}
}

func TestBookingAndPrintSteps(t *testing.T) {
	s, _ := openTemp(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.Local)
	e := OutboxEntry{ID: "req-1", OrderRef: "A-1", Carrier: "postnord", State: StatePending, Created: now}
	if err := s.CreateEntry(e); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateEntry(e); err == nil {
		t.Fatal("reusing an entry id must fail")
	}
	if p, a, _ := s.QueueCounts(); p != 1 || a != 0 {
		t.Fatalf("queue = %d pending %d attention", p, a)
	}
	sh := Shipment{OrderRef: "A-1", ItemIDs: []string{"00373500454541020957"}, BookedAt: now, RequestID: "req-1"}
	if err := s.RecordBooking("req-1", sh); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordBooking("req-1", sh); err == nil {
		t.Fatal("booking an entry twice must fail")
	}
	got, err := s.EntryByOrder("A-1")
	if err != nil || got.State != StateBooked {
		t.Fatalf("entry after booking: %+v %v", got, err)
	}
	if p, _, _ := s.QueueCounts(); p != 0 {
		t.Fatalf("booked entry still counted as pending")
	}
	if _, err := s.LastPrinted(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("nothing printed yet: %v", err)
	}
	first, err := s.MarkPrinted("A-1", now.Add(time.Second), "tcp://x")
	if err != nil || !first.Printed() || first.Reprints != 0 {
		t.Fatalf("first print: %+v %v", first, err)
	}
	again, _ := s.MarkPrinted("A-1", now.Add(time.Minute), "tcp://x")
	if !again.PrintedAt.Equal(first.PrintedAt) || again.Reprints != 1 {
		t.Fatalf("reprint must keep first print time and count: %+v", again)
	}
	last, err := s.LastPrinted()
	if err != nil || last.TrackingID() != "00373500454541020957" {
		t.Fatalf("last printed: %+v %v", last, err)
	}
	// A shipped order is not overwritten by a re-import.
	skipped, err := s.PutOrders([]carrier.Order{{Ref: "A-1"}, {Ref: "A-2"}})
	if err != nil || len(skipped) != 1 || skipped[0] != "A-1" {
		t.Fatalf("re-import of shipped order: skipped=%v %v", skipped, err)
	}
}

func TestShipmentsByDayRange(t *testing.T) {
	s, _ := openTemp(t)
	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.Local) }
	for i, d := range []int{20, 21, 21, 22, 23} {
		ref := "R" + string(rune('a'+i))
		id := "id-" + ref
		s.CreateEntry(OutboxEntry{ID: id, OrderRef: ref, State: StatePending})
		if err := s.RecordBooking(id, Shipment{OrderRef: ref, BookedAt: day(d)}); err != nil {
			t.Fatal(err)
		}
	}
	on21, _ := s.ShipmentsOn(day(21))
	if len(on21) != 2 {
		t.Fatalf("21st: %d shipments, want 2", len(on21))
	}
	window, _ := s.ShipmentsBetween(day(21), day(22))
	if len(window) != 3 {
		t.Fatalf("21st–22nd: %d shipments, want 3", len(window))
	}
}

func TestEventsStoredOnce(t *testing.T) {
	s, _ := openTemp(t)
	at := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	ev := []carrier.TrackingEvent{
		{ItemID: "X", Time: at, CarrierCode: "EDI_RECEIVED", Status: carrier.StatusCreated},
		{ItemID: "X", Time: at.Add(time.Hour), CarrierCode: "DEPARTED", Status: carrier.StatusInTransit},
	}
	if n, err := s.PutEvents(ev); err != nil || n != 2 {
		t.Fatalf("first put: %d %v", n, err)
	}
	if n, _ := s.PutEvents(ev); n != 0 {
		t.Fatalf("second put added %d, want 0", n)
	}
	got, _ := s.EventsOn(at)
	if len(got) != 2 {
		t.Fatalf("events on day: %d", len(got))
	}
}

// Opening a current file must not write: on a full disk a supervisor can
// still read the queue and the report.
func TestOpeningACurrentFileCommitsNothing(t *testing.T) {
	s, dir := openTemp(t)
	if _, err := s.PutOrders([]carrier.Order{{Ref: "A-1"}}); err != nil {
		t.Fatal(err)
	}
	txid := func(s *Store) (id int) {
		s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil })
		return id
	}
	before := txid(s)
	s.Close()
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if after := txid(s2); after != before {
		t.Fatalf("opening committed %d transaction(s)", after-before)
	}
	if _, err := s2.Order("A-1"); err != nil {
		t.Fatal(err)
	}
}
