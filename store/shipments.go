package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// Shipment is a booked parcel as the station keeps it: what the carrier
// answered, the label it returned, and whether the label reached a printer.
type Shipment struct {
	OrderRef    string          `json:"order_ref"`
	Carrier     string          `json:"carrier"`
	Service     string          `json:"service"`
	ShipmentID  string          `json:"shipment_id"`
	ItemIDs     []string        `json:"item_ids"`
	Weight      carrier.Weight  `json:"weight_g"`
	Receiver    carrier.Address `json:"receiver"`
	Label       carrier.Label   `json:"label"`
	TrackingURL string          `json:"tracking_url,omitempty"`
	RequestID   string          `json:"request_id"`
	BookedAt    time.Time       `json:"booked_at"`
	PrintedAt   time.Time       `json:"printed_at,omitempty"`
	Printer     string          `json:"printer,omitempty"`
	Reprints    int             `json:"reprints,omitempty"`
	Status      carrier.Status  `json:"status"`
	// Offline is true when the label was rendered by the station from the
	// consignor's own id series because the carrier could not be reached;
	// SyncedAt is when the carrier got the booking (zero: not yet).
	Offline  bool      `json:"offline,omitempty"`
	SyncedAt time.Time `json:"synced_at,omitempty"`
	// Adopted is true when the carrier's answer was lost and the booking
	// was found afterwards by asking the carrier; its label was then
	// rendered by the station with the carrier's item id.
	Adopted bool `json:"adopted,omitempty"`
	// Cancelled is when a supervisor cancelled the booking before the
	// carrier got it; the shipment is kept for the record only.
	Cancelled time.Time `json:"cancelled,omitempty"`
}

// TrackingID is the first item id, the number a receiver tracks.
func (sh Shipment) TrackingID() string {
	if len(sh.ItemIDs) > 0 {
		return sh.ItemIDs[0]
	}
	return sh.ShipmentID
}

// Printed reports whether the label reached a printer at least once.
func (sh Shipment) Printed() bool { return !sh.PrintedAt.IsZero() }

var keyLastPrinted = []byte("last_printed")

func shipmentKey(sh Shipment) string { return dayKey(sh.BookedAt) + "/" + sh.OrderRef }

// RecordBooking stores the carrier's answer and closes the outbox entry in
// one transaction: either both happen or neither. Print jobs given are
// queued in the same commit, so a booking and its label's place in the
// print queue cost one fsync on the scan-to-print path, not two.
func (s *Store) RecordBooking(entryID string, sh Shipment, jobs ...PrintJob) error {
	err := s.update(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bucketOutbox)
		var e OutboxEntry
		if err := getJSON(ob, entryID, &e); err != nil {
			return err
		}
		if e.State == StateBooked {
			return fmt.Errorf("entry is already booked")
		}
		e.State, e.LastError, e.Updated = StateBooked, "", time.Now()
		if err := putEntryShipmentJobs(tx, e, sh, jobs); err != nil {
			return err
		}
		return s.announceTx(tx, Fact{Kind: FactLabelCreated, At: e.Updated, Shipment: sh})
	})
	if err != nil {
		return fmt.Errorf("record booking of %s: %w", sh.OrderRef, err)
	}
	return nil
}

// putShipment stores sh under its day and makes it the order's shipment.
func putShipment(tx *bolt.Tx, sh Shipment) error {
	key := shipmentKey(sh)
	if err := putJSON(tx.Bucket(bucketShipments), key, sh); err != nil {
		return err
	}
	if err := markAtTx(tx, ReplicaShipment, sh.OrderRef, []byte(key)); err != nil {
		return err
	}
	if err := markShipped(tx, sh.OrderRef); err != nil {
		return err
	}
	// Its parcels' ids find the order from the moment it is booked (a
	// scan of the outgoing label, e.g. for a return), not only once the
	// tracking poller has a summary.
	items, err := tx.CreateBucketIfNotExists(bucketTrackItems)
	if err != nil {
		return err
	}
	for _, id := range append(slices.Clip(sh.ItemIDs), sh.ShipmentID) {
		if id == "" {
			continue
		}
		if err := items.Put([]byte(id), []byte(sh.OrderRef)); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketShipmentIndex).Put([]byte(sh.OrderRef), []byte(key))
}

// ShipmentByOrder returns the order's shipment.
func (s *Store) ShipmentByOrder(ref string) (Shipment, error) {
	var sh Shipment
	err := s.db.View(func(tx *bolt.Tx) error {
		key := tx.Bucket(bucketShipmentIndex).Get([]byte(ref))
		if key == nil {
			return ErrNotFound
		}
		return getJSON(tx.Bucket(bucketShipments), string(key), &sh)
	})
	return sh, err
}

// MarkPrinted records that the order's label reached the printer. The
// first print sets PrintedAt; later ones count as reprints.
func (s *Store) MarkPrinted(ref string, at time.Time, printerName string) (Shipment, error) {
	var sh Shipment
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		sh, err = markPrinted(tx, ref, at, printerName)
		return err
	})
	if err != nil {
		return sh, fmt.Errorf("mark %s printed: %w", ref, err)
	}
	return sh, nil
}

func markPrinted(tx *bolt.Tx, ref string, at time.Time, printerName string) (Shipment, error) {
	var sh Shipment
	key := tx.Bucket(bucketShipmentIndex).Get([]byte(ref))
	if key == nil {
		return sh, ErrNotFound
	}
	b := tx.Bucket(bucketShipments)
	if err := getJSON(b, string(key), &sh); err != nil {
		return sh, err
	}
	if sh.PrintedAt.IsZero() {
		sh.PrintedAt = at
	} else {
		sh.Reprints++
	}
	sh.Printer = printerName
	if err := putJSON(b, string(key), sh); err != nil {
		return sh, err
	}
	if err := markAtTx(tx, ReplicaShipment, ref, key); err != nil {
		return sh, err
	}
	return sh, tx.Bucket(bucketMeta).Put(keyLastPrinted, []byte(ref))
}

// LastPrinted returns the shipment whose label was printed last.
func (s *Store) LastPrinted() (Shipment, error) {
	var ref []byte
	if err := s.db.View(func(tx *bolt.Tx) error {
		ref = append(ref, tx.Bucket(bucketMeta).Get(keyLastPrinted)...)
		return nil
	}); err != nil {
		return Shipment{}, err
	}
	if len(ref) == 0 {
		return Shipment{}, ErrNotFound
	}
	return s.ShipmentByOrder(string(ref))
}

// ShipmentsBetween returns shipments booked on the calendar days from
// first to last inclusive, by a range scan over the date-prefixed keys.
func (s *Store) ShipmentsBetween(first, last time.Time) ([]Shipment, error) {
	var out []Shipment
	lo := []byte(dayKey(first) + "/")
	hi := []byte(dayKey(last) + "/\xff")
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketShipments).Cursor()
		for k, v := c.Seek(lo); k != nil && bytes.Compare(k, hi) <= 0; k, v = c.Next() {
			var sh Shipment
			if err := json.Unmarshal(v, &sh); err != nil {
				return fmt.Errorf("read shipment %s: %w", k, err)
			}
			out = append(out, sh)
		}
		return nil
	})
	return out, err
}

// ShipmentsOn returns the shipments booked on day's calendar date.
func (s *Store) ShipmentsOn(day time.Time) ([]Shipment, error) { return s.ShipmentsBetween(day, day) }
