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
