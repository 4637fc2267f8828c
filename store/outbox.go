package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// EntryState is where a booking is in the outbox.
type EntryState string

const (
	// StatePending: written, not yet sent (or sent and refused before the
	// carrier did anything, so safe to send again).
	StatePending EntryState = "pending"
	// StateSending: the request is (or was, if the station crashed) on the
	// wire. Found after a restart, it is an unknown outcome.
	StateSending EntryState = "sending"
	// StateBooked: the carrier answered with a booking; the shipment is stored.
	StateBooked EntryState = "booked"
	// StateFailed: the carrier refused the request for good (bad data).
	StateFailed EntryState = "failed"
	// StateAttention: the outcome is unknown; a person (or the sync worker)
	// must find out whether the carrier booked it before anything is resent.
	StateAttention EntryState = "needs_attention"
)

// Open reports whether the entry still needs work.
func (s EntryState) Open() bool {
	return s == StatePending || s == StateSending || s == StateAttention
}

// OutboxEntry is one booking on its way to a carrier. It is written before
// any network call, so a crash at any point leaves a record of intent.
type OutboxEntry struct {
	ID        string                 `json:"id"` // also the X-External-Request-ID
	OrderRef  string                 `json:"order_ref"`
	Carrier   string                 `json:"carrier"`
	State     EntryState             `json:"state"`
	Request   carrier.BookingRequest `json:"request"`
	Attempts  int                    `json:"attempts"`
	LastError string                 `json:"last_error,omitempty"`
	Created   time.Time              `json:"created"`
	Updated   time.Time              `json:"updated"`
}

// CreateEntry writes a new entry and makes it the order's current one.
func (s *Store) CreateEntry(e OutboxEntry) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if b.Get([]byte(e.ID)) != nil {
			return fmt.Errorf("create outbox entry %s: id already used", e.ID)
		}
		if err := putJSON(b, e.ID, e); err != nil {
			return fmt.Errorf("create outbox entry %s: %w", e.ID, err)
		}
		if err := markOpen(tx, e); err != nil {
			return err
		}
		return tx.Bucket(bucketOutboxIndex).Put([]byte(e.OrderRef), []byte(e.ID))
	})
}

// UpdateEntry changes an entry inside one transaction and returns it.
func (s *Store) UpdateEntry(id string, change func(*OutboxEntry) error) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if err := getJSON(b, id, &e); err != nil {
			return err
		}
		if err := change(&e); err != nil {
			return err
		}
		if err := markOpen(tx, e); err != nil {
			return err
		}
		return putJSON(b, id, e)
	})
	if err != nil {
		return e, fmt.Errorf("update outbox entry %s: %w", id, err)
	}
	return e, nil
}

// EntryByOrder returns the order's newest outbox entry.
func (s *Store) EntryByOrder(ref string) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketOutboxIndex).Get([]byte(ref))
		if id == nil {
			return ErrNotFound
		}
		return getJSON(tx.Bucket(bucketOutbox), string(id), &e)
	})
	return e, err
}

// Entries returns outbox entries, oldest first; openOnly keeps those that
// still need work, read through the open-entries index so the cost is the
// open queue's, not the whole history's.
func (s *Store) Entries(openOnly bool) ([]OutboxEntry, error) {
	var out []OutboxEntry
	err := s.db.View(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bucketOutbox)
		if openOnly {
			return tx.Bucket(bucketOutboxOpen).ForEach(func(k, _ []byte) error {
				var e OutboxEntry
				if err := getJSON(ob, string(k), &e); err != nil {
					return fmt.Errorf("read outbox entry %s: %w", k, err)
				}
				out = append(out, e)
				return nil
			})
		}
		return ob.ForEach(func(k, v []byte) error {
			var e OutboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("read outbox entry %s: %w", k, err)
			}
			out = append(out, e)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// QueueCounts returns how many entries wait to be sent and how many need a
// person. The status bar asks every few seconds, so it reads only the
// open-entries index: no entry is decoded.
func (s *Store) QueueCounts() (pending, attention int, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutboxOpen).ForEach(func(_, state []byte) error {
			if EntryState(state) == StateAttention {
				attention++
			} else {
				pending++
			}
			return nil
		})
	})
	return pending, attention, err
}

// markOpen keeps the open-entries index in step with e's state.
func markOpen(tx *bolt.Tx, e OutboxEntry) error {
	b := tx.Bucket(bucketOutboxOpen)
	if e.State.Open() {
		return b.Put([]byte(e.ID), []byte(e.State))
	}
	return b.Delete([]byte(e.ID))
}

// indexOpenEntries fills the open-entries index from the outbox.
func indexOpenEntries(tx *bolt.Tx) error {
	if _, err := tx.CreateBucket(bucketOutboxOpen); err != nil {
		return err
	}
	return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		var e OutboxEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("read outbox entry %s: %w", k, err)
		}
		return markOpen(tx, e)
	})
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

func getJSON(b *bolt.Bucket, key string, v any) error {
	data := b.Get([]byte(key))
	if data == nil {
		return ErrNotFound
	}
	return json.Unmarshal(data, v)
}
