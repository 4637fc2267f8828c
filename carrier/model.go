package carrier

import (
	"context"
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
	// SKU is the warehouse's article number, so a returned line can be
	// put back in stock by the WMS without a person matching names.
	SKU         string  `json:"sku,omitempty"`
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
	// ReturnLabel asks for a return label printed with the outgoing
	// parcel's, so the customer finds one in the box.
	ReturnLabel bool `json:"return_label,omitempty"`
	// Language is the receiver's language for messages to them: sv, da,
	// nb, fi or en; "" means by the receiver's country.
	Language string `json:"language,omitempty"`
	// Tags are the shop's own words for the order (e.g. "vip",
	// "preorder"), for notification rules.
	Tags       []string  `json:"tags,omitempty"`
	ImportedAt time.Time `json:"imported_at"`
}

// Parcel is one physical package of a shipment.
type Parcel struct {
	Weight     Weight     `json:"weight_g"`
	Dimensions Dimensions `json:"dimensions,omitempty"`
	Contents   []Line     `json:"contents,omitempty"`
	// ItemID is the consignor's own item id for this parcel, from its
	// allotted number series: the id an offline label was printed with
	// before the booking could be sent, so the booking must carry that
	// same id. "" lets the carrier allocate one.
	ItemID string `json:"item_id,omitempty"`
	// ItemIDType is the series ItemID comes from: "SSCC" or "S10"
	// (PostNord's itemIdType words). Ignored when ItemID is "".
	ItemIDType string `json:"item_id_type,omitempty"`
}

// Item id types of Parcel.ItemIDType.
const (
	ItemIDSSCC = "SSCC" // GS1 Serial Shipping Container Code
	ItemIDS10  = "S10"  // UPU S10, e.g. "CC612199545SE"
)

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
	// Customs holds the registrations customs declarations carry.
	Customs CustomsIDs `json:"customs,omitempty"`
	// ReturnAddressNO is where undeliverable parcels to Norway go back to
	// when the consignor is outside Norway; PostNord requires a Norwegian
	// address. Empty means PostNord's own return terminal in Oslo.
	ReturnAddressNO Address `json:"return_address_no,omitempty"`
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
	// Options are the optional parts of the booking.
	Options BookingOptions `json:"options,omitempty"`
}

// Booking is a shipment the carrier accepted.
type Booking struct {
	Carrier     string    `json:"carrier"`
	ShipmentID  string    `json:"shipment_id"`
	ItemIDs     []string  `json:"item_ids"` // one per parcel; the tracking numbers
	Labels      []Label   `json:"labels"`
	TrackingURL string    `json:"tracking_url,omitempty"`
	BookedAt    time.Time `json:"booked_at"`
	// PrintIDs are the carrier's handles for printing the labels again
	// (one per item, where the carrier gives them).
	PrintIDs []string `json:"print_ids,omitempty"`
	// ValidatedOnly is true when the carrier only checked the booking
	// (BookingOptions.ValidateOnly): nothing will be collected.
	ValidatedOnly bool `json:"validated_only,omitempty"`
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
	// Labelless asks for a QR code the customer shows at a service point
	// instead of a printed label (PostNord: Print Return Label, C2).
	Labelless bool `json:"labelless,omitempty"`
	// OriginalItemID is the outgoing parcel's tracking number, for
	// carriers that book a return against the parcel they carried (STG).
	OriginalItemID string `json:"original_item_id,omitempty"`
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
	ItemID     string `json:"item_id"`
	ShipmentID string `json:"shipment_id,omitempty"`
	// ItemIDs are every item id of the shipment, where the carrier tells
	// them: a shipment found by reference is adopted with all its parcels.
	ItemIDs       []string        `json:"item_ids,omitempty"`
	Status        Status          `json:"status"`
	CarrierStatus string          `json:"carrier_status,omitempty"`
	ETA           time.Time       `json:"eta,omitempty"`
	Events        []TrackingEvent `json:"events"`
}

// Money is an amount in a currency (ISO 4217).
type Money struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

// IsZero reports whether no amount is given.
func (m Money) IsZero() bool { return m.Amount == 0 && m.Currency == "" }

// CustomsIDs are the consignor's registrations a border crossing asks for.
type CustomsIDs struct {
	// VATNumber is the seller's VAT registration, e.g. "SE556677889901".
	VATNumber string `json:"vat_number,omitempty"`
	// EORI is the Economic Operators Registration and Identification
	// number, e.g. "SE5566778899".
	EORI string `json:"eori,omitempty"`
	// VOEC is the Norwegian VAT On E-Commerce number of a merchant that
	// collects Norwegian VAT itself on low-value goods.
	VOEC string `json:"voec,omitempty"`
}

// BookingOptions are the optional parts of a booking a carrier may offer.
// The zero value books a plain shipment.
type BookingOptions struct {
	// DeliveryNote is an instruction for the driver, e.g. a door code.
	DeliveryNote string `json:"delivery_note,omitempty"`
	// InsuredValue is the insured amount (PostNord additional service A5).
	InsuredValue Money `json:"insured_value,omitempty"`
	// MinimumAge is the age the receiver must prove (16, 18 or 20;
	// PostNord additional service D8). 0 means no check.
	MinimumAge int `json:"minimum_age,omitempty"`
	// LabelSize is "standard" (105×190 mm, the default) or "small"
	// (105×75 mm, where the carrier offers it).
	LabelSize string `json:"label_size,omitempty"`
	// ValidateOnly asks the carrier to check the booking without creating
	// a shipment (PostNord testIndicator).
	ValidateOnly bool `json:"validate_only,omitempty"`
}

// ServicePoint is a pickup place a parcel can be sent to.
type ServicePoint struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Address  Address `json:"address"`            // where the parcel is delivered
	Visiting Address `json:"visiting,omitempty"` // where the receiver goes, when it differs
	// DistanceM is the route distance from the searched address, metres.
	DistanceM int      `json:"distance_m,omitempty"`
	Latitude  float64  `json:"latitude,omitempty"`
	Longitude float64  `json:"longitude,omitempty"`
	Hours     []string `json:"hours,omitempty"` // "MONDAY 08:00-20:00"
}

// ServicePointFinder is a carrier that can list its service points.
type ServicePointFinder interface {
	// NearestServicePoints returns up to n service points nearest to the
	// address (country and postcode or city are required), nearest first.
	NearestServicePoints(ctx context.Context, near Address, n int) ([]ServicePoint, error)
	// ServicePoint returns one service point by its id.
	ServicePoint(ctx context.Context, country, id string) (ServicePoint, error)
}

// TransitQuery asks when a parcel handed over at Start would arrive.
type TransitQuery struct {
	From     Address   `json:"from"`
	To       Address   `json:"to"`
	Services []string  `json:"services,omitempty"` // empty: every service the carrier offers
	Start    time.Time `json:"start"`              // hand-over time; zero means now
}

// TransitTime is the carrier's estimate for one service.
type TransitTime struct {
	Service     string    `json:"service"`
	ServiceName string    `json:"service_name,omitempty"`
	Additional  []string  `json:"additional,omitempty"`
	Bookable    bool      `json:"bookable"`
	Departure   time.Time `json:"departure,omitempty"`
	Arrival     time.Time `json:"arrival,omitempty"`
	// DaysMin and DaysMax are given instead of Arrival where the carrier
	// only knows a range.
	DaysMin int `json:"days_min,omitempty"`
	DaysMax int `json:"days_max,omitempty"`
	// LatestBooking is the last booking time for a same-day pickup.
	LatestBooking time.Time `json:"latest_booking,omitempty"`
	// Problem says why no estimate could be made.
	Problem string `json:"problem,omitempty"`
}

// TransitTimer is a carrier that estimates delivery dates before booking.
type TransitTimer interface {
	TransitTimes(ctx context.Context, q TransitQuery) ([]TransitTime, error)
}

// Reprinter is a carrier that prints a booked label again from its own
// copy, by the print id it returned with the booking.
type Reprinter interface {
	Reprint(ctx context.Context, printIDs []string, format LabelFormat) ([]Label, error)
}

// Prober is a carrier that can tell cheaply whether its host can be
// reached, before the station commits to booking online or printing an
// offline label. A probe books nothing and carries no secret, so it may be
// sent as often as the station likes.
type Prober interface {
	// Probe returns nil when the carrier's host answered at all (any
	// HTTP status counts, even 404: the network and the host are up), and
	// an *Error of Kind KindUnavailable when no answer came back.
	Probe(ctx context.Context) error
}

// ReferenceFinder is a carrier that can find shipments by the consignor's
// customer number and reference: how the outbox learns whether a booking
// whose answer was lost exists.
type ReferenceFinder interface {
	FindByReference(ctx context.Context, customerNumber, reference string) ([]Tracking, error)
}
