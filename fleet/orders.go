package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"labelstation/carrier"
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
