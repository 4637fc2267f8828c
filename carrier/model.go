package carrier

import (
	"strings"
	"time"
)

// Address is a postal address with the contact details carriers use for
// notifications. Country is ISO 3166-1 alpha-2 ("SE", "NO", …).
type Address struct {
	Name     string `json:"name"`
	Company  string `json:"company,omitempty"`
	Street1  string `json:"street1"`
	Street2  string `json:"street2,omitempty"`
	Postcode string `json:"postcode"`
	City     string `json:"city"`
	Country  string `json:"country"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// Dimensions of a parcel in centimetres; zero means unknown.
type Dimensions struct {
	LengthCm float64 `json:"length_cm,omitempty"`
	WidthCm  float64 `json:"width_cm,omitempty"`
	HeightCm float64 `json:"height_cm,omitempty"`
}

// IsZero reports whether no dimension is known.
func (d Dimensions) IsZero() bool { return d.LengthCm == 0 && d.WidthCm == 0 && d.HeightCm == 0 }

// Line is one order line: what the parcel contains, with the customs data
// a border crossing needs.
type Line struct {
	Description string  `json:"description"`
	Quantity    int     `json:"quantity"`
	Value       float64 `json:"value,omitempty"`    // per unit
	Currency    string  `json:"currency,omitempty"` // ISO 4217
	HSCode      string  `json:"hs_code,omitempty"`
	Origin      string  `json:"origin,omitempty"` // ISO 3166-1 alpha-2
	WeightKg    float64 `json:"weight_kg,omitempty"`
}

// Order is what the warehouse asks the bench to ship.
type Order struct {
	Ref            string     `json:"ref"`
	Receiver       Address    `json:"receiver"`
	Service        string     `json:"service,omitempty"` // carrier service code; empty = station default
	ServicePointID string     `json:"service_point_id,omitempty"`
	Dimensions     Dimensions `json:"dimensions,omitempty"`
	Lines          []Line     `json:"lines,omitempty"`
	ImportedAt     time.Time  `json:"imported_at"`
}

// Parcel is one physical package of a shipment.
type Parcel struct {
	Weight     Weight     `json:"weight_g"`
	Dimensions Dimensions `json:"dimensions,omitempty"`
	Contents   []Line     `json:"contents,omitempty"`
}

// Service is the carrier product chosen for a shipment.
type Service struct {
	Code           string   `json:"code"`                 // basic service code, e.g. PostNord "19"
	Additional     []string `json:"additional,omitempty"` // additional service codes, e.g. "A7"
	ServicePointID string   `json:"service_point_id,omitempty"`
}

// Consignor is the shipper: the merchant whose customer number pays.
type Consignor struct {
	Address        Address `json:"address"`
	CustomerNumber string  `json:"customer_number"`
	IssuerCode     string  `json:"issuer_code"` // PostNord: Z11 DK, Z12 SE, Z13 NO, Z14 FI
}

// LabelFormat is the encoding of a label's bytes.
type LabelFormat string

const (
	LabelZPL LabelFormat = "zpl"
	LabelPDF LabelFormat = "pdf"
)

// Label is a printable label as the carrier (or the station) produced it.
type Label struct {
	Format LabelFormat `json:"format"`
	Data   []byte      `json:"data"`
}

// BookingRequest is everything a carrier needs to book a shipment and
// return its labels.
type BookingRequest struct {
	OrderRef    string      `json:"order_ref"`
	Consignor   Consignor   `json:"consignor"`
	Receiver    Address     `json:"receiver"`
	Service     Service     `json:"service"`
	Parcels     []Parcel    `json:"parcels"`
	LabelFormat LabelFormat `json:"label_format"`
	// RequestID travels as X-External-Request-ID (PostNord) or
	// Idempotency-Key (STG); the outbox stores it with the entry.
	RequestID string    `json:"request_id"`
	Created   time.Time `json:"created"`
}

// Booking is a shipment the carrier accepted.
type Booking struct {
	Carrier     string    `json:"carrier"`
	ShipmentID  string    `json:"shipment_id"`
	ItemIDs     []string  `json:"item_ids"` // one per parcel; the tracking numbers
	Labels      []Label   `json:"labels"`
	TrackingURL string    `json:"tracking_url,omitempty"`
	BookedAt    time.Time `json:"booked_at"`
}

// TrackingID is the first item id: what a packer or receiver calls the
// tracking number.
func (b Booking) TrackingID() string {
	if len(b.ItemIDs) > 0 {
		return b.ItemIDs[0]
	}
	return b.ShipmentID
}

// ReturnRequest asks for a return label for a shipped order.
type ReturnRequest struct {
	OrderRef    string      `json:"order_ref"`
	Consignor   Consignor   `json:"consignor"` // the merchant, who receives the return
	Sender      Address     `json:"sender"`    // the customer sending it back
	Service     Service     `json:"service"`
	Parcels     []Parcel    `json:"parcels"`
	Reason      string      `json:"reason,omitempty"`
	LabelFormat LabelFormat `json:"label_format"`
	RequestID   string      `json:"request_id"`
}

// Status is the normalised state of a parcel, the same for every carrier.
type Status string

const (
	StatusUnknown         Status = "unknown"
	StatusCreated         Status = "created"
	StatusHandedOver      Status = "handed_over"
	StatusInTransit       Status = "in_transit"
	StatusAwaitingCustoms Status = "awaiting_customs"
	StatusAtServicePoint  Status = "at_service_point"
	StatusOutForDelivery  Status = "out_for_delivery"
	StatusDelivered       Status = "delivered"
	StatusException       Status = "exception"
	StatusReturned        Status = "returned"
	StatusLost            Status = "lost"
)

// Final reports whether no further events are expected.
func (s Status) Final() bool {
	return s == StatusDelivered || s == StatusReturned || s == StatusLost
}

// TrackingEvent is one carrier scan or status change of an item.
type TrackingEvent struct {
	ItemID        string    `json:"item_id"`
	Time          time.Time `json:"time"`
	Status        Status    `json:"status"`
	CarrierCode   string    `json:"carrier_code"`   // the carrier's own event code
	CarrierStatus string    `json:"carrier_status"` // the carrier's own status word
	Description   string    `json:"description,omitempty"`
	Location      string    `json:"location,omitempty"`
	Country       string    `json:"country,omitempty"`
}

// Key identifies the event across polls, so an event is stored once.
func (e TrackingEvent) Key() string {
	return strings.Join([]string{e.ItemID, e.Time.UTC().Format(time.RFC3339Nano), e.CarrierCode}, "|")
}

// Tracking is the carrier's current view of one item.
type Tracking struct {
	ItemID        string          `json:"item_id"`
	ShipmentID    string          `json:"shipment_id,omitempty"`
	Status        Status          `json:"status"`
	CarrierStatus string          `json:"carrier_status,omitempty"`
	ETA           time.Time       `json:"eta,omitempty"`
	Events        []TrackingEvent `json:"events"`
}
