// Package ordersource owns where the bench's orders come from besides
// `labelstation orders import`:
//
//   - HTTP looks an order up in the warehouse system (WMS) by the scanned
//     reference: a URL template with {ref}, request headers (the WMS's
//     token), a timeout, and a Mapping from the station's order fields to
//     paths in the WMS's JSON answer (mapping.go, http.go).
//   - Folder watches an inbox folder the WMS drops order files into,
//     reads each file only once it is complete, hands it to an Importer,
//     and moves it to done/ or failed/ (with a reason file), never
//     importing the same content twice (folder.go).
//
// The package knows nothing of the station's store or screens: the station
// wires an HTTP in as its order lookup and gives a Folder an Importer that
// saves a file's orders and its content hash in one commit. It depends on
// the standard library and labelstation/carrier only.
//
// Every failure a person has to act on is an *Error: Msg says what
// happened, Hint what to do, Kind what a caller may do about it, and its
// text never shows a secret (header values, URL query values, userinfo).
package ordersource

import (
	"errors"
	"fmt"
)

// ErrorKind says what a caller may do about an Error.
type ErrorKind int

const (
	// KindNotFound: the WMS does not know the order (404, or null).
	// Errors of this kind wrap ErrNotFound.
	KindNotFound ErrorKind = iota + 1
	// KindUnavailable: the WMS could not be reached (no connection, DNS,
	// TLS) or failed (5xx, 429). Trying again later may work.
	KindUnavailable
	// KindTimeout: the WMS did not answer within the timeout.
	KindTimeout
	// KindBadAnswer: the WMS answered, but not with an order the station
	// can use (not JSON, a required field missing, another order, an
	// unexpected HTTP status).
	KindBadAnswer
	// KindAuth: the WMS refused the credentials (401, 403).
	KindAuth
	// KindConfig: the settings are wrong (NewHTTP, NewFolder); the Msg
	// names the setting to fix.
	KindConfig
	// KindCanceled: the caller gave up (its context was canceled).
	KindCanceled
)

func (k ErrorKind) String() string {
	switch k {
	case KindNotFound:
		return "not found"
	case KindUnavailable:
		return "unavailable"
	case KindTimeout:
		return "timeout"
	case KindBadAnswer:
		return "bad answer"
	case KindAuth:
		return "auth"
	case KindConfig:
		return "config"
	case KindCanceled:
		return "canceled"
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// ErrNotFound is wrapped by every Error of KindNotFound, so
// errors.Is(err, ErrNotFound) tells "no such order" from a failure.
var ErrNotFound = errors.New("order not found")

// Error is an order source failure a person can act on. Error() is Msg
// alone (it already names the order and the source); Hint says what to do.
// Neither, nor Err's text, contains a secret.
type Error struct {
	Op   string // "wms lookup", "new wms lookup", "watch folder", …
	Kind ErrorKind
	Msg  string // what happened, e.g. "order A-1 is not known to the WMS"
	Hint string // what to do, e.g. "check the barcode"
	Err  error  // the cause, redacted; ErrNotFound for KindNotFound
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the first *Error in err's chain, or 0.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// HintOf returns the Hint of the first *Error in err's chain, or "".
func HintOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}
