package store

import (
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// PutOrders saves orders in one transaction: all or none. An order that is
// already shipped is not overwritten; its ref is returned in skipped. The
// exception is the correction the queue asks for: an order whose offline
// parcel the carrier refused may be imported again, then retried.
func (s *Store) PutOrders(orders []carrier.Order) (skipped []string, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		skipped, err = putOrders(tx, orders)
		return err
	})
	return skipped, err
}

// putOrders is PutOrders inside tx.
func putOrders(tx *bolt.Tx, orders []carrier.Order) ([]string, error) {
	var skipped []string
	b := tx.Bucket(bucketOrders)
	idx := tx.Bucket(bucketShipmentIndex)
	for _, o := range orders {
		if idx.Get([]byte(o.Ref)) != nil && !awaitsCorrection(tx, o.Ref) {
			skipped = append(skipped, o.Ref)
			continue
		}
		v, err := json.Marshal(o)
		if err != nil {
			return skipped, fmt.Errorf("save order %s: %w", o.Ref, err)
		}
		if err := b.Put([]byte(o.Ref), v); err != nil {
			return skipped, fmt.Errorf("save order %s: %w", o.Ref, err)
		}
		if err := markTx(tx, ReplicaOrder, o.Ref); err != nil {
			return skipped, err
		}
		if idx.Get([]byte(o.Ref)) == nil {
			if err := markUnshipped(tx, o.Ref, o.ImportedAt); err != nil {
				return skipped, err
			}
		}
	}
	return skipped, nil
}

// Order returns one order by reference.
func (s *Store) Order(ref string) (carrier.Order, error) {
	var o carrier.Order
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOrders).Get([]byte(ref))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &o)
	})
	if err != nil && err != ErrNotFound {
		err = fmt.Errorf("read order %s: %w", ref, err)
	}
	return o, err
}

// Orders returns every order, sorted by reference.
func (s *Store) Orders() ([]carrier.Order, error) {
	var out []carrier.Order
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOrders).ForEach(func(k, v []byte) error {
			var o carrier.Order
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("read order %s: %w", k, err)
			}
			out = append(out, o)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out, err
}

// CountOrders returns how many orders are stored.
func (s *Store) CountOrders() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketOrders).Stats().KeyN
		return nil
	})
	return n, err
}

// awaitsCorrection reports whether the order's current booking is an
// offline parcel the carrier refused: its shipment is the station's own,
// never booked, and the data must be fixed before Retry.
func awaitsCorrection(tx *bolt.Tx, ref string) bool {
	id := tx.Bucket(bucketOutboxIndex).Get([]byte(ref))
	if id == nil {
		return false
	}
	var e OutboxEntry
	if err := getJSON(tx.Bucket(bucketOutbox), string(id), &e); err != nil {
		return false
	}
	return e.State == StateFailed && e.Offline
}
