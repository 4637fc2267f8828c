package station

import (
	"context"

	"labelstation/carrier"
)

// OrderLookup finds an order the station does not hold yet: the WMS's
// HTTP lookup (ordersource.HTTP).
type OrderLookup interface {
	Lookup(ctx context.Context, ref string) (carrier.Order, error)
	// Describe names the source for messages, without secrets.
	Describe() string
}
