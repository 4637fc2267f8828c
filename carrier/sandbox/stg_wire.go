package sandbox

import "encoding/json"

// STG wire structs, the sandbox's own copy of ../shared/stg/CONTRACT.md.
// They are deliberately separate from carrier/stg's, so a tag mistake on
// either side shows up as a failing test instead of two sides agreeing on
// the wrong name. Request bodies are decoded strictly (unknown fields are
// refused with a 400 problem), which is what catches the client's mistakes.
//
// The contract leaves the address as {...address...}; the sandbox reads:
//
//	{"name", "company", "contactName", "street1", "street2", "postalCode",
//	 "city", "countryCode", "phone", "email"}
//
// of which name, street1, postalCode, city and countryCode are required.

// stgAddress is a shipper or receiver.
type stgAddress struct {
	Name        string `json:"name"`
	Company     string `json:"company,omitempty"`
	ContactName string `json:"contactName,omitempty"`
	Street1     string `json:"street1"`
	Street2     string `json:"street2,omitempty"`
	PostalCode  string `json:"postalCode"`
	City        string `json:"city"`
	CountryCode string `json:"countryCode"`
	Phone       string `json:"phone,omitempty"`
	Email       string `json:"email,omitempty"`
}

// stgParcel is one parcel of a rate request or a shipment.
type stgParcel struct {
	WeightGrams int    `json:"weightGrams"`
	LengthCm    int    `json:"lengthCm,omitempty"`
	WidthCm     int    `json:"widthCm,omitempty"`
	HeightCm    int    `json:"heightCm,omitempty"`
	Contents    string `json:"contents,omitempty"`
}

// stgRateRequest is POST /v1/rates.
type stgRateRequest struct {
	Shipper  *stgAddress `json:"shipper"`
	Receiver *stgAddress `json:"receiver"`
	Parcels  []stgParcel `json:"parcels"`
	ShipDate string      `json:"shipDate,omitempty"` // YYYY-MM-DD; "" is today (Stockholm)
}

type stgMoney struct {
	Amount   string `json:"amount"` // decimal string, two decimals
	Currency string `json:"currency"`
}

type stgTax struct {
	Name   string `json:"name"`
	Rate   string `json:"rate,omitempty"`
	Amount string `json:"amount"`
}

type stgRate struct {
	ServiceCode       string   `json:"serviceCode"`
	ServiceName       string   `json:"serviceName"`
	Price             stgMoney `json:"price"`
	Taxes             []stgTax `json:"taxes"`
	Total             stgMoney `json:"total"`
	TransitDays       int      `json:"transitDays"`
	EstimatedDelivery string   `json:"estimatedDelivery"` // YYYY-MM-DD
}

type stgRateResponse struct {
	Rates []stgRate `json:"rates"`
}

type stgLabelRequest struct {
	Format string `json:"format"`         // ZPL or PDF; "" is ZPL
	Size   string `json:"size,omitempty"` // 100x150; "" is 100x150
}

// stgShipmentRequest is POST /v1/shipments.
type stgShipmentRequest struct {
	ServiceCode string           `json:"serviceCode"`
	Reference   string           `json:"reference,omitempty"`
	Shipper     *stgAddress      `json:"shipper"`
	Receiver    *stgAddress      `json:"receiver"`
	Parcels     []stgParcel      `json:"parcels"`
	Label       *stgLabelRequest `json:"label,omitempty"`
	Customs     json.RawMessage  `json:"customs,omitempty"`
}

type stgParcelOut struct {
	ParcelID       string `json:"parcelId"`
	TrackingNumber string `json:"trackingNumber"`
}

type stgLabelOut struct {
	Format   string `json:"format"`
	Encoding string `json:"encoding"` // base64
	Data     string `json:"data"`
}

type stgShipmentResponse struct {
	ShipmentID  string         `json:"shipmentId"`
	Parcels     []stgParcelOut `json:"parcels"`
	Labels      []stgLabelOut  `json:"labels"`
	TrackingURL string         `json:"trackingUrl"`
}

type stgLocation struct {
	City        string `json:"city"`
	CountryCode string `json:"countryCode"`
}

type stgEvent struct {
	Time        string      `json:"time"` // RFC 3339 with offset
	Code        string      `json:"code"`
	Status      string      `json:"status"`
	Description string      `json:"description"`
	Location    stgLocation `json:"location"`
	Reason      string      `json:"reason,omitempty"` // return events
}

type stgTrackingResponse struct {
	TrackingNumber string     `json:"trackingNumber"`
	Status         string     `json:"status"`
	Reason         string     `json:"reason,omitempty"` // return parcels
	Events         []stgEvent `json:"events"`
}

// stgReturnRequest is POST /v1/returns.
type stgReturnRequest struct {
	OriginalTrackingNumber string           `json:"originalTrackingNumber"`
	Reason                 string           `json:"reason"`
	Label                  *stgLabelRequest `json:"label,omitempty"`
}

type stgReturnResponse struct {
	ReturnID       string        `json:"returnId"`
	TrackingNumber string        `json:"trackingNumber"`
	Labels         []stgLabelOut `json:"labels"`
}

type stgTokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"` // seconds
}

type stgFieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// stgProblem is an RFC 9457 problem, application/problem+json.
type stgProblem struct {
	Type   string          `json:"type"`
	Title  string          `json:"title"`
	Status int             `json:"status"`
	Detail string          `json:"detail,omitempty"`
	Errors []stgFieldError `json:"errors,omitempty"`
}

// Problem types, stgProblemBase + slug.
const stgProblemBase = "https://api.stg.example/problems/"

// STG paths.
const (
	stgPathToken     = "/oauth/token"
	stgPathRates     = "/v1/rates"
	stgPathShipments = "/v1/shipments"
	stgPathTracking  = "/v1/tracking/"
	stgPathReturns   = "/v1/returns"
	stgTrackingURL   = "https://track.stg.example/"
)
