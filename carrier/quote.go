package carrier

import (
	"context"
	"time"
)

// QuoteRequest asks a carrier what a parcel would cost and when it would
// arrive, before anything is booked.
type QuoteRequest struct {
	From     Address   `json:"from"`
	To       Address   `json:"to"`
	Parcels  []Parcel  `json:"parcels"`
	ShipDate time.Time `json:"ship_date"` // the day it is handed over; zero: today
	// Services narrows the answer to these service codes; empty: all.
	Services []string `json:"services,omitempty"`
}

// Tax is one tax or surcharge on a price.
type Tax struct {
	Name   string  `json:"name"`           // "VAT", "Fuel surcharge"
	Rate   float64 `json:"rate,omitempty"` // 0.25 for 25 %; 0 for a fixed amount
	Amount Money   `json:"amount"`
}

// Rate is one way to ship the parcel: a carrier's service with its price
// and expected delivery.
type Rate struct {
	Carrier     string `json:"carrier"` // registry name, e.g. "stg"
	Service     string `json:"service"` // the carrier's service code
	ServiceName string `json:"service_name,omitempty"`
	Price       Money  `json:"price"` // before taxes
	Taxes       []Tax  `json:"taxes,omitempty"`
	Total       Money  `json:"total"` // with taxes
	// PriceSource says where the price comes from: "carrier" (quoted
	// live) or "price table" (the customer's contract prices, for a
	// carrier that publishes none).
	PriceSource       string    `json:"price_source"`
	TransitDays       int       `json:"transit_days,omitempty"`
	EstimatedDelivery time.Time `json:"estimated_delivery,omitempty"`
}

// Quoter is a carrier that quotes prices (and usually delivery dates)
// before booking.
type Quoter interface {
	Quote(ctx context.Context, req QuoteRequest) ([]Rate, error)
}
