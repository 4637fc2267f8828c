package station

import (
	"context"
	"errors"
	"time"

	"labelstation/carrier"
	"labelstation/printer"
	"labelstation/store"
)

// Return is a parcel coming back from a customer (see store.Return).
type Return = store.Return

// ReturnReasons are the reasons the bench and the CLI offer, in the words
// the WMS receives (a free text is allowed too).
var ReturnReasons = []string{"wrong_size", "damaged", "wrong_item", "not_as_described", "changed_mind", "not_collected", "other"}

// ReturnOptions are what the packer decides for a return.
type ReturnOptions struct {
	// Reason is one of ReturnReasons or a free text.
	Reason string
	// Note is a free text kept with the return (and sent to the WMS).
	Note string
	// Service is the carrier's return service: "" for its default
	// (PostNord 24 Return Drop Off); PostNord "20" or "22" for Return
	// Pickup.
	Service string
	// Labelless asks for a QR code the customer shows at a service point
	// instead of a printed label (PostNord only).
	Labelless bool
	// Printer overrides the station's printer for the return label.
	Printer printer.Printer
	// Lines are what comes back; nil means every line of the order.
	Lines []carrier.Line
	// Another creates a second return although the order has an open one.
	Another bool
}

// ReturnResult is a created return.
type ReturnResult struct {
	Return  Return        `json:"return"`
	Printed bool          `json:"printed"`
	Took    time.Duration `json:"took_ns"`
}

// ReturnInfo is what the bench shows when a return parcel is scanned.
type ReturnInfo struct {
	Return   Return         `json:"return"`
	Order    carrier.Order  `json:"order"`
	Shipment store.Shipment `json:"shipment"`
}

// ReturnSyncReport says what one pass over the open returns did.
type ReturnSyncReport struct {
	Checked  int      `json:"checked"`
	Changed  int      `json:"changed"`
	Received int      `json:"received"`
	Errors   []string `json:"errors,omitempty"`
}

// ErrReturnNotFound is wrapped when a scan matches no return.
var ErrReturnNotFound = errors.New("return not found")

// CreateReturn books a return label for a shipped order. scan is the
// order reference or the outgoing parcel's tracking number. The return is
// saved before the carrier is asked (with the request id it will see), its
// label printed on the station's printer unless Labelless, and the WMS
// hears return_registered.
func (s *Station) CreateReturn(ctx context.Context, scan string, opts ReturnOptions) (ReturnResult, error) {
	return s.createReturn(ctx, scan, opts)
}

// FindReturn looks up a return by what the bench scans: the return
// parcel's tracking number, or an order reference with one open return.
func (s *Station) FindReturn(ctx context.Context, scan string) (ReturnInfo, error) {
	return s.findReturn(ctx, scan)
}

// ReceiveReturn confirms at the bench that the return parcel is back:
// the return is received (if the carrier had not said so already), the
// order's returned lines recorded, and the WMS hears return_received.
func (s *Station) ReceiveReturn(ctx context.Context, id, note string) (Return, error) {
	return s.receiveReturn(ctx, id, note)
}

// Returns lists returns, oldest first; openOnly keeps those still on
// their way.
func (s *Station) Returns(ctx context.Context, openOnly bool) ([]Return, error) {
	return s.store.Returns(openOnly)
}

// SyncReturns asks the carriers where every open return is and records
// what changed (registered → in transit → received).
func (s *Station) SyncReturns(ctx context.Context) (ReturnSyncReport, error) {
	return s.syncReturns(ctx)
}
