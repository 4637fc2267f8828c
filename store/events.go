package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// Tracking events are kept under two keys:
//
//   - events: "YYYY-MM-DD/itemID/eventKey" → TrackingEvent (JSON), by the
//     local day the event happened, so a day's or a window's events cost
//     in proportion to the window (EventsOn);
//   - events_by_item: "itemID/eventKey" → the events key above, so one
//     parcel's whole history is read without scanning every day
//     (ItemEvents).
//
// eventKey is carrier.TrackingEvent.Key(), the carrier's event identity:
// an event seen again on a later poll is found under the same key and not
// stored twice. The events_by_item bucket is created by the first write
// that needs it (store.go's bucket list is not this file's), so a file
// written before it simply has no per-item index for events stored then;
// no version of the station before it stored events.
var bucketEventsByItem = []byte("events_by_item")

func eventKey(e carrier.TrackingEvent) string {
	return dayKey(e.Time) + "/" + e.ItemID + "/" + e.Key()
}

func itemEventKey(e carrier.TrackingEvent) string { return e.ItemID + "/" + e.Key() }

// PutEvents stores tracking events once each, keyed by the carrier's event
// identity, and returns how many were new.
func (s *Store) PutEvents(events []carrier.TrackingEvent) (added int, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		fresh, err := putEvents(tx, events)
		added = len(fresh)
		return err
	})
	if err != nil {
		err = fmt.Errorf("store tracking events: %w", err)
	}
	return added, err
}

// putEvents writes the events not stored yet under both keys and returns
// them. A repeated event within events counts once.
func putEvents(tx *bolt.Tx, events []carrier.TrackingEvent) ([]carrier.TrackingEvent, error) {
	b := tx.Bucket(bucketEvents)
	byItem, err := tx.CreateBucketIfNotExists(bucketEventsByItem)
	if err != nil {
		return nil, err
	}
	var fresh []carrier.TrackingEvent
	for _, e := range events {
		k := eventKey(e)
		if b.Get([]byte(k)) != nil {
			continue
		}
		if err := putJSON(b, k, e); err != nil {
			return fresh, err
		}
		if err := byItem.Put([]byte(itemEventKey(e)), []byte(k)); err != nil {
			return fresh, err
		}
		if err := markTx(tx, ReplicaEvent, itemEventKey(e)); err != nil {
			return fresh, err
		}
		fresh = append(fresh, e)
	}
	return fresh, nil
}

// EventsOn returns the events that happened on day's calendar date.
func (s *Store) EventsOn(day time.Time) ([]carrier.TrackingEvent, error) {
	var out []carrier.TrackingEvent
	prefix := []byte(dayKey(day) + "/")
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var e carrier.TrackingEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("read event %s: %w", k, err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
