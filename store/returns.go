package store

import (
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// Returns: parcels coming back from customers. A return is written before
// the carrier is asked for its label (state requested, with the request id
// the carrier sees), so a crash or a lost answer leaves a record to settle
// rather than a second return booked blindly.
var (
	bucketReturns        = []byte("returns")          // return id → Return
	bucketReturnsByItem  = []byte("returns_by_item")  // return parcel's item id → return id
	bucketReturnsByOrder = []byte("returns_by_order") // "orderRef/returnID" → nil
	bucketReturnsOpen    = []byte("returns_open")     // return id → nil, until received, failed or cancelled
)

// ReturnState is where a return is.
type ReturnState string

const (
	// ReturnRequested: saved, the carrier has not (knowingly) booked it.
	ReturnRequested ReturnState = "requested"
	// ReturnRegistered: the carrier booked it; the label (or QR code) is
	// with the customer or on its way to the printer.
	ReturnRegistered ReturnState = "registered"
	// ReturnInTransit: the carrier has the parcel.
	ReturnInTransit ReturnState = "in_transit"
	// ReturnReceived: the parcel is back at the warehouse.
	ReturnReceived ReturnState = "received"
	// ReturnFailed: the carrier refused to book it (LastError says why).
	ReturnFailed ReturnState = "failed"
	// ReturnCancelled: a person withdrew it before it was booked.
	ReturnCancelled ReturnState = "cancelled"
)

// Open reports whether the return still expects something to happen.
func (s ReturnState) Open() bool {
	return s == ReturnRequested || s == ReturnRegistered || s == ReturnInTransit
}

// Who confirmed a return's arrival (Return.ReceivedBy).
const (
	ReceivedByCarrier = "carrier" // the carrier delivered it back to the merchant
	ReceivedByBench   = "bench"   // a packer scanned it at the bench
)

// Return is one parcel a customer sends back.
type Return struct {
	// ID is also the request id the carrier sees (X-External-Request-ID
	// or Idempotency-Key), so a resend cannot book a second return.
	ID       string `json:"id"`
	OrderRef string `json:"order_ref"`
	Carrier  string `json:"carrier"`
	Service  string `json:"service"`
	// Labelless: the customer shows a QR code at a service point instead
	// of printing a label.
	Labelless bool `json:"labelless,omitempty"`
	// WithOutgoing: printed with the outgoing parcel's label, for the
	// customer to find in the box.
	WithOutgoing bool `json:"with_outgoing,omitempty"`
	// OutgoingItemID is the tracking number of the parcel being returned.
	OutgoingItemID string `json:"outgoing_item_id,omitempty"`
	// ItemID is the return parcel's own tracking number; ShipmentID the
	// carrier's id of the return shipment.
	ItemID      string         `json:"item_id,omitempty"`
	ShipmentID  string         `json:"shipment_id,omitempty"`
	TrackingURL string         `json:"tracking_url,omitempty"`
	Label       carrier.Label  `json:"label,omitempty"`
	Reason      string         `json:"reason,omitempty"`
	Note        string         `json:"note,omitempty"`
	Lines       []carrier.Line `json:"lines,omitempty"` // what comes back
	State       ReturnState    `json:"state"`
	Status      carrier.Status `json:"status,omitempty"` // the carrier's view of the return parcel
	LastError   string         `json:"last_error,omitempty"`
	Created     time.Time      `json:"created"`
	Updated     time.Time      `json:"updated"`
	// RegisteredAt, InTransitAt, ReceivedAt: when each state began.
	RegisteredAt time.Time `json:"registered_at,omitempty"`
	InTransitAt  time.Time `json:"in_transit_at,omitempty"`
	ReceivedAt   time.Time `json:"received_at,omitempty"`
	// ReceivedBy is ReceivedByCarrier or ReceivedByBench; CheckedAt is
	// when a packer confirmed it at the bench (also after the carrier).
	ReceivedBy string    `json:"received_by,omitempty"`
	CheckedAt  time.Time `json:"checked_at,omitempty"`
	PrintedAt  time.Time `json:"printed_at,omitempty"`
}

// TrackingID is what the customer and the bench scan: the return parcel's
// item id (or the carrier's shipment id when it gave none).
func (r Return) TrackingID() string {
	if r.ItemID != "" {
		return r.ItemID
	}
	return r.ShipmentID
}

// ErrReturnExists is returned by CreateReturn when the order already has
// an open return and another was not asked for explicitly.
var ErrReturnExists = errors.New("the order already has an open return")

// CreateReturn saves a new return in state requested (one commit). It
// refuses an id already used.
func (s *Store) CreateReturn(r Return) error {
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReturns)
		if b.Get([]byte(r.ID)) != nil {
			return fmt.Errorf("id already used")
		}
		if r.State == "" {
			r.State = ReturnRequested
		}
		if r.Updated.IsZero() {
			r.Updated = r.Created
		}
		return putReturn(tx, r)
	})
	if err != nil {
		return fmt.Errorf("create return %s for order %s: %w", r.ID, r.OrderRef, err)
	}
	return nil
}

// putReturn stores r and keeps its indexes.
func putReturn(tx *bolt.Tx, r Return) error {
	if err := putJSON(tx.Bucket(bucketReturns), r.ID, r); err != nil {
		return err
	}
	if r.ItemID != "" {
		if err := tx.Bucket(bucketReturnsByItem).Put([]byte(r.ItemID), []byte(r.ID)); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketReturnsByOrder).Put([]byte(r.OrderRef+"/"+r.ID), nil); err != nil {
		return err
	}
	open := tx.Bucket(bucketReturnsOpen)
	if r.State.Open() {
		return open.Put([]byte(r.ID), nil)
	}
	return open.Delete([]byte(r.ID))
}

// UpdateReturn changes a return in one commit and announces what its
// state change means: entering registered, in_transit or received
// announces FactReturnRegistered, FactReturnInTransit or
// FactReturnReceived (once each: a state is entered once, and a skipped
// one — registered straight to received — is announced on the way, so the
// WMS always hears the whole sequence in order). event is the carrier
// event behind the change, if any. jobs are print jobs queued in the same
// commit (the return label's).
func (s *Store) UpdateReturn(id string, event *carrier.TrackingEvent, change func(*Return) error, jobs ...PrintJob) (Return, error) {
	var r Return
	err := s.update(func(tx *bolt.Tx) error {
		if err := getJSON(tx.Bucket(bucketReturns), id, &r); err != nil {
			return err
		}
		before := r.State
		if err := change(&r); err != nil {
			return err
		}
		r.ID = id
		if r.Updated.IsZero() {
			r.Updated = time.Now()
		}
		if err := putReturn(tx, r); err != nil {
			return err
		}
		for _, j := range jobs {
			if err := putPrintJob(tx, j); err != nil {
				return err
			}
		}
		return s.announceReturn(tx, before, r, event)
	})
	if err != nil {
		return r, fmt.Errorf("update return %s: %w", id, err)
	}
	return r, nil
}

// returnRank orders the states a return passes through.
func returnRank(s ReturnState) int {
	switch s {
	case ReturnRegistered:
		return 1
	case ReturnInTransit:
		return 2
	case ReturnReceived:
		return 3
	}
	return 0
}

func (s *Store) announceReturn(tx *bolt.Tx, before ReturnState, r Return, event *carrier.TrackingEvent) error {
	from, to := returnRank(before), returnRank(r.State)
	if to <= from {
		return nil
	}
	var sh Shipment
	if key := tx.Bucket(bucketShipmentIndex).Get([]byte(r.OrderRef)); key != nil {
		_ = getJSON(tx.Bucket(bucketShipments), string(key), &sh)
	}
	steps := []struct {
		rank int
		kind FactKind
		at   time.Time
	}{
		{1, FactReturnRegistered, r.RegisteredAt},
		{2, FactReturnInTransit, r.InTransitAt},
		{3, FactReturnReceived, r.ReceivedAt},
	}
	for _, st := range steps {
		if st.rank <= from || st.rank > to {
			continue
		}
		at := st.at
		if at.IsZero() {
			at = r.Updated
		}
		rc := r
		f := Fact{Kind: st.kind, At: at, Shipment: sh, Return: &rc}
		if st.rank == to {
			f.Event = event
		}
		if err := s.announceTx(tx, f); err != nil {
			return err
		}
	}
	return nil
}

// Return returns one return by id.
func (s *Store) Return(id string) (Return, error) {
	var r Return
	err := s.db.View(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketReturns), id, &r) })
	return r, err
}

// ReturnByItem returns the return whose parcel has the item id.
func (s *Store) ReturnByItem(itemID string) (Return, error) {
	var r Return
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketReturnsByItem).Get([]byte(itemID))
		if id == nil {
			return ErrNotFound
		}
		return getJSON(tx.Bucket(bucketReturns), string(id), &r)
	})
	return r, err
}

// ReturnsByOrder returns the order's returns, oldest first.
func (s *Store) ReturnsByOrder(ref string) ([]Return, error) {
	var out []Return
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReturns)
		c := tx.Bucket(bucketReturnsByOrder).Cursor()
		prefix := []byte(ref + "/")
		for k, _ := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			var r Return
			if err := getJSON(b, string(k[len(prefix):]), &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	sortReturns(out)
	return out, err
}

// Returns returns every return (openOnly: those still expected to move),
// oldest first.
func (s *Store) Returns(openOnly bool) ([]Return, error) {
	var out []Return
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReturns)
		if openOnly {
			return tx.Bucket(bucketReturnsOpen).ForEach(func(k, _ []byte) error {
				var r Return
				if err := getJSON(b, string(k), &r); err != nil {
					return err
				}
				out = append(out, r)
				return nil
			})
		}
		return b.ForEach(func(k, _ []byte) error {
			var r Return
			if err := getJSON(b, string(k), &r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	sortReturns(out)
	return out, err
}

func sortReturns(rs []Return) {
	sort.SliceStable(rs, func(i, j int) bool {
		if !rs[i].Created.Equal(rs[j].Created) {
			return rs[i].Created.Before(rs[j].Created)
		}
		return rs[i].ID < rs[j].ID
	})
}
