package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"labelstation/carrier"
	"labelstation/store"
)

// Order is an order as the site knows it (pushed by the bench that
// imported it first); ErrNotFound when no bench pushed it.
func (s *Site) Order(ctx context.Context, ref string) (carrier.Order, error) {
	var body []byte
	err := s.pool.QueryRow(ctx, `SELECT body FROM orders WHERE order_ref = $1`, ref).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return carrier.Order{}, fmt.Errorf("fleet order %s: %w", ref, ErrNotFound)
	}
	if err != nil {
		return carrier.Order{}, fmt.Errorf("fleet order %s on %s: %w", ref, s.server, err)
	}
	var o carrier.Order
	if err := json.Unmarshal(body, &o); err != nil {
		return carrier.Order{}, fmt.Errorf("fleet order %s: the server's copy does not decode: %w", ref, err)
	}
	return o, nil
}

// UnshippedOrders lists the site's orders imported before cutoff that no
// bench holds a live shipment of, oldest first (at most max; 0: all): the
// site dashboard's "orders with no shipment after 48 h".
func (s *Site) UnshippedOrders(ctx context.Context, cutoff time.Time, max int) ([]store.UnshippedOrder, error) {
	if max <= 0 {
		max = 1 << 30
	}
	rows, err := s.pool.Query(ctx, `SELECT order_ref, imported_at FROM orders
		WHERE NOT shipped AND imported_at < $1 ORDER BY imported_at LIMIT $2`, cutoff, max)
	if err != nil {
		return nil, fmt.Errorf("fleet unshipped orders on %s: %w", s.server, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.UnshippedOrder, error) {
		var o store.UnshippedOrder
		err := r.Scan(&o.Ref, &o.ImportedAt)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("fleet unshipped orders on %s: %w", s.server, err)
	}
	return out, nil
}
