package store

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The status bar counts the queue every few seconds: the count must follow
// every state change and cost only the open entries — a closed entry is
// not even read (here: one whose bytes are corrupt does not matter).
func TestQueueCountsFollowStatesAndReadOnlyOpenEntries(t *testing.T) {
	s, dir := openTemp(t)
	now := time.Now()
	for i, st := range []EntryState{StateSending, StatePending, StateSending, StateSending} {
		id := string(rune('a' + i))
		if err := s.CreateEntry(OutboxEntry{ID: id, OrderRef: "O-" + id, State: st, Created: now.Add(time.Duration(i))}); err != nil {
			t.Fatal(err)
		}
	}
	s.UpdateEntry("c", func(e *OutboxEntry) error { e.State = StateAttention; return nil })
	s.UpdateEntry("d", func(e *OutboxEntry) error { e.State = StateFailed; return nil })
	if err := s.RecordBooking("a", Shipment{OrderRef: "O-a", BookedAt: now}); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store, when string) {
		t.Helper()
		p, a, err := s.QueueCounts()
		if err != nil || p != 1 || a != 1 {
			t.Fatalf("%s: %d pending, %d attention, %v; want 1 and 1", when, p, a, err)
		}
		open, err := s.Entries(true)
		if err != nil || len(open) != 2 || open[0].ID != "b" || open[1].ID != "c" {
			t.Fatalf("%s: open entries %+v %v; want b, c", when, open, err)
		}
	}
	check(s, "after the changes")

	// Corrupt the booked and the failed entries: counting never reads them.
	s.db.Update(func(tx *bolt.Tx) error {
		tx.Bucket(bucketOutbox).Put([]byte("a"), []byte("{not json"))
		return tx.Bucket(bucketOutbox).Put([]byte("d"), []byte("{not json"))
	})
	check(s, "with closed entries unreadable")
	s.db.Update(func(tx *bolt.Tx) error {
		tx.Bucket(bucketOutbox).Put([]byte("a"), []byte(`{"id":"a","order_ref":"O-a","state":"booked"}`))
		return tx.Bucket(bucketOutbox).Put([]byte("d"), []byte(`{"id":"d","order_ref":"O-d","state":"failed"}`))
	})

	// A data file from before the index gets it built when opened.
	s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketOutboxOpen) })
	s.Close()
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	check(s2, "after rebuilding the index")
}

// A booking and its label's print job are one commit: both or neither.
func TestRecordBookingQueuesThePrintJobInTheSameCommit(t *testing.T) {
	s, _ := openTemp(t)
	now := time.Now()
	s.CreateEntry(OutboxEntry{ID: "e1", OrderRef: "O-1", State: StateSending, Created: now})
	s.CreateEntry(OutboxEntry{ID: "e2", OrderRef: "O-2", State: StateSending, Created: now})
	job := PrintJob{ID: "j1", Printer: "tcp://p", OrderRef: "O-1", State: PrintSending, Created: now}
	if err := s.RecordBooking("e1", Shipment{OrderRef: "O-1", BookedAt: now}, job); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PrintJob("j1"); err != nil || got.OrderRef != "O-1" {
		t.Fatalf("print job after booking: %+v %v", got, err)
	}
	// A job that cannot be queued (its id is taken) undoes the booking too.
	job.OrderRef = "O-2"
	if err := s.RecordBooking("e2", Shipment{OrderRef: "O-2", BookedAt: now}, job); err == nil {
		t.Fatal("booking with a clashing print job id must fail")
	}
	if _, err := s.ShipmentByOrder("O-2"); err == nil {
		t.Fatal("the shipment was stored although its print job was not")
	}
	if e, _ := s.EntryByOrder("O-2"); e.State != StateSending {
		t.Fatalf("entry state %s, want sending (nothing recorded)", e.State)
	}
}
