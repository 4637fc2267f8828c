package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// bucketOrdersOpen indexes the orders that have no shipment yet (ref →
// import time, Unix nanoseconds), so the dispatch-SLA check ("order with no
// shipment after 48 h") reads only the orders still waiting, however long
// the history.
var bucketOrdersOpen = []byte("orders_unshipped")

// UnshippedOrder is an order the bench has not shipped.
type UnshippedOrder struct {
	Ref        string    `json:"order_ref"`
	ImportedAt time.Time `json:"imported_at"`
}

// UnshippedOrders lists the orders without a shipment that were imported
// before cutoff, oldest first.
func (s *Store) UnshippedOrders(cutoff time.Time) ([]UnshippedOrder, error) {
	var out []UnshippedOrder
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOrdersOpen)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			n, _ := binary.Varint(v)
			at := time.Unix(0, n)
			if at.Before(cutoff) {
				out = append(out, UnshippedOrder{Ref: string(k), ImportedAt: at})
			}
			return nil
		})
	})
	sortUnshipped(out)
	return out, err
}

func sortUnshipped(o []UnshippedOrder) {
	sort.Slice(o, func(i, j int) bool { return o[i].ImportedAt.Before(o[j].ImportedAt) })
}

// markUnshipped records an order as waiting for its shipment.
func markUnshipped(tx *bolt.Tx, ref string, importedAt time.Time) error {
	return tx.Bucket(bucketOrdersOpen).Put([]byte(ref), binary.AppendVarint(nil, importedAt.UnixNano()))
}

// markShipped takes an order off the waiting list.
func markShipped(tx *bolt.Tx, ref string) error {
	return tx.Bucket(bucketOrdersOpen).Delete([]byte(ref))
}

// indexUnshippedOrders fills the index from the orders of a file written
// before it existed.
func indexUnshippedOrders(tx *bolt.Tx) error {
	if _, err := tx.CreateBucket(bucketOrdersOpen); err != nil {
		return err
	}
	shipped := tx.Bucket(bucketShipmentIndex)
	return tx.Bucket(bucketOrders).ForEach(func(k, v []byte) error {
		if shipped != nil && shipped.Get(k) != nil {
			return nil
		}
		var o carrier.Order
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("read order %s: %w", k, err)
		}
		return markUnshipped(tx, o.Ref, o.ImportedAt)
	})
}
