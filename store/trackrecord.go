package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// Buckets of the tracking poller (created on open with the others; the
// code still reads a file without them as empty):
var (
	// track_items: item id → order ref, for every parcel with a summary,
	// so `track show ITEMID` finds its order without a scan.
	bucketTrackItems = []byte("track_items")
	// track_lookups: "YYYY-MM-DD" (local day) → uvarint count of Track &
	// Trace look-ups made that day, for the daily cap.
	bucketTrackLookups = []byte("track_lookups")
)

// RecordTracking saves what one Track & Trace look-up taught, in one
// transaction: the events not stored yet (once each, see PutEvents), the
// shipment's normalised status, and its tracking summary (which also
// keeps the open-tracking index and the item → order index). sum.BookedAt
// is taken from the stored shipment, so the summary sits under the same
// day key as its shipment. It returns how many events were new.
func (s *Store) RecordTracking(ref string, events []carrier.TrackingEvent, status carrier.Status, sum TrackSummary) (added int, err error) {
	return s.recordTracking(ref, events, status, sum, false)
}

// RecordTrackingFromSite is RecordTracking for the news the site's poller
// left in this bench's inbox (fleet mode): the events, status and summary
// are the server's already, so they are not marked to be pushed back.
// Its webhooks and notifications are announced as for any recording.
func (s *Store) RecordTrackingFromSite(ref string, events []carrier.TrackingEvent, status carrier.Status, sum TrackSummary) (added int, err error) {
	return s.recordTracking(ref, events, status, sum, true)
}

func (s *Store) recordTracking(ref string, events []carrier.TrackingEvent, status carrier.Status, sum TrackSummary, fromSite bool) (added int, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		if fromSite {
			siteTxs.Store(tx, struct{}{})
			defer siteTxs.Delete(tx)
		}
		fresh, err := putEvents(tx, events)
		if err != nil {
			return err
		}
		added = len(fresh)
		if key := tx.Bucket(bucketShipmentIndex).Get([]byte(ref)); key != nil {
			b := tx.Bucket(bucketShipments)
			var sh Shipment
			if err := getJSON(b, string(key), &sh); err != nil {
				return err
			}
			sum.BookedAt = sh.BookedAt
			if status != "" && sh.Status != status {
				prev := sh.Status
				sh.Status = status
				if err := putJSON(b, string(key), sh); err != nil {
					return err
				}
				if err := markAtTx(tx, ReplicaShipment, ref, key); err != nil {
					return err
				}
				f := Fact{Kind: FactStatusChanged, At: time.Now(), Shipment: sh, Previous: prev, Event: newestEvent(events), Expected: sum.Expected}
				if f.Event != nil {
					f.At = f.Event.Time
				}
				if err := s.announceTx(tx, f); err != nil {
					return err
				}
			}
			// Every new carrier event, oldest first, for rules that
			// trigger on an event code (notifications).
			sortEvents(fresh)
			for i := range fresh {
				e := fresh[i]
				if err := s.announceTx(tx, Fact{Kind: FactTrackingEvent, At: e.Time, Shipment: sh, Event: &e, Expected: sum.Expected}); err != nil {
					return err
				}
			}
		}
		sum.OrderRef = ref
		return putSummaryIndexed(tx, sum)
	})
	if err != nil {
		return 0, fmt.Errorf("record tracking of %s: %w", ref, err)
	}
	return added, nil
}

// putSummaryIndexed stores the summary and its item → order entry.
func putSummaryIndexed(tx *bolt.Tx, sum TrackSummary) error {
	if sum.ItemID != "" {
		items, err := tx.CreateBucketIfNotExists(bucketTrackItems)
		if err != nil {
			return err
		}
		if err := items.Put([]byte(sum.ItemID), []byte(sum.OrderRef)); err != nil {
			return err
		}
	}
	return putTrackSummary(tx, sum)
}

// SeedTrackSummaries creates the missing summaries of the shipments booked
// on the local days first…last: for each shipment without a summary, seed
// is called and, when it returns true, its summary is stored (with the
// shipment's BookedAt and OrderRef, so both share one day key). A shipment
// that has a summary is skipped by its key alone, without decoding it, so
// a pass over a busy window reads little. It returns how many summaries
// were created, all in one transaction.
func (s *Store) SeedTrackSummaries(first, last time.Time, seed func(Shipment) (TrackSummary, bool)) (created int, err error) {
	lo := []byte(dayKey(first) + "/")
	hi := []byte(dayKey(last) + "/\xff")
	// Look first in a read transaction: most passes find nothing to seed
	// and then write nothing (a full disk still lets the station read).
	var missing []Shipment
	err = s.db.View(func(tx *bolt.Tx) error {
		sums := tx.Bucket(bucketTrackSummary)
		c := tx.Bucket(bucketShipments).Cursor()
		for k, v := c.Seek(lo); k != nil && bytes.Compare(k, hi) <= 0; k, v = c.Next() {
			if sums.Get(k) != nil {
				continue
			}
			var sh Shipment
			if err := json.Unmarshal(v, &sh); err != nil {
				return fmt.Errorf("read shipment %s: %w", k, err)
			}
			sh.Label = carrier.Label{} // not needed; do not keep its bytes
			missing = append(missing, sh)
		}
		return nil
	})
	if err != nil || len(missing) == 0 {
		return 0, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		created = 0
		sums := tx.Bucket(bucketTrackSummary)
		for _, sh := range missing {
			if sums.Get([]byte(shipmentKey(sh))) != nil {
				continue
			}
			sum, ok := seed(sh)
			if !ok {
				continue
			}
			sum.OrderRef, sum.BookedAt = sh.OrderRef, sh.BookedAt
			if err := putSummaryIndexed(tx, sum); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("seed tracking summaries: %w", err)
	}
	return created, nil
}

// OrderRefByItem returns the order whose parcel has the item id (or
// whose shipment has the id): every parcel booked since the index was
// kept at booking, and every parcel with a tracking summary.
func (s *Store) OrderRefByItem(itemID string) (string, error) {
	var ref string
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTrackItems)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get([]byte(itemID))
		if v == nil {
			return ErrNotFound
		}
		ref = string(v)
		return nil
	})
	return ref, err
}

// ItemEvents returns every stored event of one item, oldest first (events
// without a time last), through the per-item index: the cost follows the
// parcel's history, not the days in the file.
func (s *Store) ItemEvents(itemID string) ([]carrier.TrackingEvent, error) {
	var out []carrier.TrackingEvent
	prefix := []byte(itemID + "/")
	err := s.db.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketEventsByItem)
		if idx == nil {
			return nil
		}
		events := tx.Bucket(bucketEvents)
		c := idx.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			data := events.Get(v)
			if data == nil {
				continue
			}
			var e carrier.TrackingEvent
			if err := json.Unmarshal(data, &e); err != nil {
				return fmt.Errorf("read event %s: %w", v, err)
			}
			out = append(out, e)
		}
		return nil
	})
	SortItemEvents(out)
	return out, err
}

// SortItemEvents orders one item's events as ItemEvents returns them:
// oldest first, events without a time last (the site's copy of a parcel's
// events is read in the same order).
func SortItemEvents(events []carrier.TrackingEvent) {
	slices.SortStableFunc(events, func(a, b carrier.TrackingEvent) int {
		switch {
		case a.Time.IsZero() && b.Time.IsZero():
			return 0
		case a.Time.IsZero():
			return 1
		case b.Time.IsZero():
			return -1
		}
		return a.Time.Compare(b.Time)
	})
}

// TrackLookups returns how many Track & Trace look-ups were counted on
// day's local calendar date.
func (s *Store) TrackLookups(day time.Time) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketTrackLookups); b != nil {
			n = decodeCount(b.Get([]byte(dayKey(day))))
		}
		return nil
	})
	return n, err
}

// AddTrackLookups adds n look-ups to day's count and returns the new total.
func (s *Store) AddTrackLookups(day time.Time, n int) (total int, err error) {
	if n == 0 {
		return s.TrackLookups(day)
	}
	err = s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketTrackLookups)
		if err != nil {
			return err
		}
		k := []byte(dayKey(day))
		total = decodeCount(b.Get(k)) + n
		return b.Put(k, binary.AppendUvarint(nil, uint64(total)))
	})
	if err != nil {
		return 0, fmt.Errorf("count tracking look-ups: %w", err)
	}
	return total, nil
}

func decodeCount(v []byte) int {
	n, k := binary.Uvarint(v)
	if k <= 0 {
		return 0
	}
	return int(n)
}

// newestEvent returns the latest of events (by time), or nil.
func newestEvent(events []carrier.TrackingEvent) *carrier.TrackingEvent {
	var newest *carrier.TrackingEvent
	for i := range events {
		if newest == nil || events[i].Time.After(newest.Time) {
			newest = &events[i]
		}
	}
	if newest == nil {
		return nil
	}
	e := *newest
	return &e
}

// sortEvents orders events by time (then by their identity, so the order
// is stable).
func sortEvents(events []carrier.TrackingEvent) {
	slices.SortStableFunc(events, func(a, b carrier.TrackingEvent) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Key(), b.Key())
	})
}
