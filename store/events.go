package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

func eventKey(e carrier.TrackingEvent) string {
	return dayKey(e.Time) + "/" + e.ItemID + "/" + e.Key()
}

// PutEvents stores tracking events once each, keyed by the carrier's event
// identity, and returns how many were new.
func (s *Store) PutEvents(events []carrier.TrackingEvent) (added int, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		added = 0
		b := tx.Bucket(bucketEvents)
		for _, e := range events {
			k := eventKey(e)
			if b.Get([]byte(k)) != nil {
				continue
			}
			if err := putJSON(b, k, e); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("store tracking events: %w", err)
	}
	return added, err
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
