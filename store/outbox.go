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
	// StateCancelled: a supervisor took the entry out of the queue; it
	// will never be sent.
	StateCancelled EntryState = "cancelled"
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
	// Offline is true when the parcel left the bench with a label the
	// station rendered itself, numbered from the consignor's own series
	// (the id is in Request.Parcels): the booking must carry that id.
	Offline bool `json:"offline,omitempty"`
	// SyncedAt is when the carrier confirmed (or was found to hold) the
	// booking of an offline entry.
	SyncedAt time.Time `json:"synced_at,omitempty"`
	// Held is set when the sync cannot settle the entry by itself (the
	// carrier cannot be asked whether it booked it): it waits for a
	// person's Retry or Cancel and the sync passes it by.
	Held bool `json:"held,omitempty"`
}

// CreateEntry writes a new entry and makes it the order's current one.
func (s *Store) CreateEntry(e OutboxEntry) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if b.Get([]byte(e.ID)) != nil {
			return fmt.Errorf("create outbox entry %s: id already used", e.ID)
		}
		if err := putJSON(b, e.ID, e); err != nil {
			return fmt.Errorf("create outbox entry %s: %w", e.ID, err)
		}
		if err := markTx(tx, ReplicaEntry, e.ID); err != nil {
			return err
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
	err := s.update(func(tx *bolt.Tx) error {
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
		if err := markTx(tx, ReplicaEntry, id); err != nil {
			return err
		}
		return putJSON(b, id, e)
	})
	if err != nil {
		return e, fmt.Errorf("update outbox entry %s: %w", id, err)
	}
	return e, nil
}

// Entry returns one outbox entry by id.
func (s *Store) Entry(id string) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.db.View(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketOutbox), id, &e) })
	return e, err
}

// RecordOffline keeps a parcel that leaves the bench before the carrier
// knows it, in one transaction: the entry now carries the request with the
// parcel's own item id and waits (pending, Offline) for the sync; the
// shipment with the locally rendered label is stored so the order counts
// as packed; and the label's print jobs are queued. Either all of it is
// saved or none.
func (s *Store) RecordOffline(entryID string, req carrier.BookingRequest, sh Shipment, jobs ...PrintJob) error {
	err := s.update(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bucketOutbox)
		var e OutboxEntry
		if err := getJSON(ob, entryID, &e); err != nil {
			return err
		}
		if !e.State.Open() {
			return fmt.Errorf("entry is %s", e.State)
		}
		e.Request, e.State, e.Offline, e.Updated = req, StatePending, true, time.Now()
		return putEntryShipmentJobs(tx, e, sh, jobs)
	})
	if err != nil {
		return fmt.Errorf("record offline parcel %s: %w", sh.OrderRef, err)
	}
	return nil
}

// RecordSynced closes an offline entry whose booking the carrier now holds
// and updates the order's shipment (carrier shipment id, tracking URL) in
// the same transaction. change sees the stored shipment.
func (s *Store) RecordSynced(entryID string, at time.Time, change func(*Shipment)) (Shipment, error) {
	var sh Shipment
	err := s.update(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bucketOutbox)
		var e OutboxEntry
		if err := getJSON(ob, entryID, &e); err != nil {
			return err
		}
		if e.State == StateBooked {
			return fmt.Errorf("entry is already booked")
		}
		key := tx.Bucket(bucketShipmentIndex).Get([]byte(e.OrderRef))
		if key == nil {
			return fmt.Errorf("order %s has no shipment: %w", e.OrderRef, ErrNotFound)
		}
		b := tx.Bucket(bucketShipments)
		if err := getJSON(b, string(key), &sh); err != nil {
			return err
		}
		if sh.RequestID != e.ID {
			return fmt.Errorf("order %s's shipment belongs to entry %s, not %s", e.OrderRef, sh.RequestID, e.ID)
		}
		change(&sh)
		sh.SyncedAt = at
		if err := putJSON(b, string(key), sh); err != nil {
			return err
		}
		if err := markAtTx(tx, ReplicaShipment, e.OrderRef, key); err != nil {
			return err
		}
		e.State, e.LastError, e.SyncedAt, e.Updated = StateBooked, "", at, at
		if err := putJSON(ob, entryID, e); err != nil {
			return err
		}
		if err := markTx(tx, ReplicaEntry, entryID); err != nil {
			return err
		}
		if err := markOpen(tx, e); err != nil {
			return err
		}
		return s.announceTx(tx, Fact{Kind: FactLabelCreated, At: at, Shipment: sh})
	})
	if err != nil {
		return sh, fmt.Errorf("record sync of entry %s: %w", entryID, err)
	}
	return sh, nil
}

// CancelEntry takes an entry out of the queue for good. A shipment the
// entry left (an offline label that was never booked) is kept for the
// record, marked cancelled, and no longer counts as the order's, so the
// order can be packed again.
func (s *Store) CancelEntry(id, reason string, at time.Time) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.update(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bucketOutbox)
		if err := getJSON(ob, id, &e); err != nil {
			return err
		}
		if e.State == StateBooked || e.State == StateCancelled {
			return fmt.Errorf("entry is already %s", e.State)
		}
		e.State, e.LastError, e.Updated = StateCancelled, reason, at
		if err := putJSON(ob, id, e); err != nil {
			return err
		}
		if err := markTx(tx, ReplicaEntry, id); err != nil {
			return err
		}
		if err := markOpen(tx, e); err != nil {
			return err
		}
		idx := tx.Bucket(bucketShipmentIndex)
		key := idx.Get([]byte(e.OrderRef))
		if key == nil {
			return nil
		}
		b := tx.Bucket(bucketShipments)
		var sh Shipment
		if err := getJSON(b, string(key), &sh); err != nil {
			return err
		}
		if sh.RequestID != id {
			return nil
		}
		// Kept under its own key, so packing the order again the same day
		// does not overwrite the record of the cancelled label.
		sh.Cancelled = at
		if err := b.Delete(key); err != nil {
			return err
		}
		cancelledKey := string(key) + cancelledInfix + id
		if err := putJSON(b, cancelledKey, sh); err != nil {
			return err
		}
		// The site keeps the cancelled label as the order's record
		// until the order is packed again.
		if err := markAtTx(tx, ReplicaShipment, e.OrderRef, []byte(cancelledKey)); err != nil {
			return err
		}
		// The order waits for a shipment again.
		var o carrier.Order
		if err := getJSON(tx.Bucket(bucketOrders), e.OrderRef, &o); err == nil {
			if err := markUnshipped(tx, o.Ref, o.ImportedAt); err != nil {
				return err
			}
		}
		return idx.Delete([]byte(e.OrderRef))
	})
	if err != nil {
		return e, fmt.Errorf("cancel outbox entry %s: %w", id, err)
	}
	return e, nil
}

// putEntryShipmentJobs saves an entry's new state, the order's shipment
// and its label's print jobs: the writes that must land together when a
// parcel is booked or labelled offline.
func putEntryShipmentJobs(tx *bolt.Tx, e OutboxEntry, sh Shipment, jobs []PrintJob) error {
	if err := putJSON(tx.Bucket(bucketOutbox), e.ID, e); err != nil {
		return err
	}
	if err := markOpen(tx, e); err != nil {
		return err
	}
	if err := markTx(tx, ReplicaEntry, e.ID); err != nil {
		return err
	}
	if err := putShipment(tx, sh); err != nil {
		return err
	}
	for _, j := range jobs {
		if err := putPrintJob(tx, j); err != nil {
			return err
		}
	}
	return nil
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
