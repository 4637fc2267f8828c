package carrier

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Carrier books shipments and reports where they are. Implementations must
// be safe for concurrent use.
type Carrier interface {
	// Name is the registry name, e.g. "postnord".
	Name() string
	// Book books the shipment and returns it with its labels.
	Book(ctx context.Context, req BookingRequest) (Booking, error)
	// Track returns the carrier's events for one item id.
	Track(ctx context.Context, itemID string) (Tracking, error)
	// ReturnLabel books a return shipment and returns its label.
	ReturnLabel(ctx context.Context, req ReturnRequest) (Booking, error)
}

// IdempotentBooker is a carrier that recognises a resent booking by its
// request id (STG's Idempotency-Key) and answers with the first booking
// instead of booking again. For such a carrier an unknown outcome is
// settled by simply sending the same request again.
type IdempotentBooker interface {
	BooksIdempotently() bool
}

// ErrorKind says what a caller may do about a carrier error.
type ErrorKind int

const (
	// KindRejected: the carrier understood the request and refused it
	// (bad address, unknown service). Resending the same body fails again.
	KindRejected ErrorKind = iota + 1
	// KindAuth: the key or token is missing, wrong or not authorised for
	// this API product.
	KindAuth
	// KindUnavailable: the request did not reach the carrier, or the
	// carrier said so before doing anything (429, 503). Safe to retry.
	KindUnavailable
	// KindUnknownOutcome: the request was sent but no answer came back; the
	// shipment may or may not exist. Never resend blindly.
	KindUnknownOutcome
	// KindNotFound: the item or shipment is not known to the carrier.
	KindNotFound
	// KindPartial: the carrier booked some parcels of a shipment and
	// refused others. The Booking returned with the error holds what was
	// booked (keep it, print its labels); the error's Faults name the
	// parcels that failed, e.g. Field "parcels[1]".
	KindPartial
)

func (k ErrorKind) String() string {
	switch k {
	case KindRejected:
		return "rejected"
	case KindAuth:
		return "auth"
	case KindUnavailable:
		return "unavailable"
	case KindUnknownOutcome:
		return "unknown outcome"
	case KindNotFound:
		return "not found"
	case KindPartial:
		return "partly booked"
	}
	return "error"
}

// Fault is one reason the carrier gave for refusing a request.
type Fault struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Error is a carrier failure in the neutral model. Its text never contains
// a secret: carrier packages redact URLs before building one.
type Error struct {
	Carrier    string
	Op         string // "book", "track", "return label"
	Kind       ErrorKind
	HTTPStatus int
	Message    string
	Faults     []Fault
	RequestID  string
	// RetryAfter is how long the carrier asked the caller to wait before
	// trying again (Retry-After on a 429 or 503); 0 when it did not say.
	RetryAfter time.Duration
	Err        error // underlying cause, already redacted
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: %s", e.Carrier, e.Op, e.Kind)
	if e.HTTPStatus != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.HTTPStatus)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	for _, f := range e.Faults {
		msg += "; " + f.Message
		if f.Code != "" {
			msg += " [" + f.Code + "]"
		}
	}
	if e.Err != nil && e.Message == "" && len(e.Faults) == 0 {
		msg += ": " + e.Err.Error()
	}
	if e.RetryAfter > 0 {
		msg += "; retry after " + e.RetryAfter.String()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the ErrorKind of err, or 0 when err is not a carrier error.
func KindOf(err error) ErrorKind {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return 0
}
