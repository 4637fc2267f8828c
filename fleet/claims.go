package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// claimSQL inserts this bench's claim unless one exists, and reads the
// claim that stands with its holder's shipment. Under READ COMMITTED the
// SELECT from claims runs on the statement's snapshot: when another
// bench's claim committed while the INSERT waited on it, the INSERT does
// nothing and returns nothing, and the SELECT does not see that row yet.
// The statement then returns no row, and Claim runs it again (a new
// statement, a new snapshot).
const claimSQL = `WITH ins AS (
		INSERT INTO claims (order_ref, station, claimed_at) VALUES ($1, $2, $3)
		ON CONFLICT (order_ref) DO NOTHING
		RETURNING order_ref, station, claimed_at
	), holder AS (
		SELECT order_ref, station, claimed_at FROM ins
		UNION ALL
		SELECT order_ref, station, claimed_at FROM claims WHERE order_ref = $1
		LIMIT 1
	)
	SELECT h.station, h.claimed_at, COALESCE(sh.tracking_id, ''), sh.printed_at
	FROM holder h LEFT JOIN shipments sh ON sh.station = h.station AND sh.order_ref = h.order_ref`

// Claim claims ref for this bench at time at, unless another bench holds
// it: it returns the claim that stands (this bench's, or the other's, with
// its tracking id and print time once its shipment is on the server).
// Concurrent claims of one order from many benches: exactly one wins, and
// all are told the same holder. Claiming an order this bench holds
// returns its claim as it stands (idempotent). It gives up after
// cfg.ClaimTimeout: the error is then Unreachable, and the bench claims
// locally and goes on packing.
func (s *Site) Claim(ctx context.Context, ref string, at time.Time) (Claim, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ClaimTimeout)
	defer cancel()
	if err := s.ensureSchema(ctx); err != nil {
		return Claim{}, fmt.Errorf("fleet claim %s: %w", ref, err)
	}
	for {
		c := Claim{OrderRef: ref}
		var printed *time.Time
		err := s.pool.QueryRow(ctx, claimSQL, ref, s.cfg.Station, at).Scan(&c.Station, &c.At, &c.Tracking, &printed)
		if err == nil {
			if printed != nil {
				c.Printed = *printed
			}
			return c, nil
		}
		if err != pgx.ErrNoRows {
			return Claim{}, fmt.Errorf("fleet claim %s on %s: %w", ref, s.server, err)
		}
		// A claim committed after this statement's snapshot, or the
		// holder released it meanwhile: ask again.
		if err := ctx.Err(); err != nil {
			return Claim{}, fmt.Errorf("fleet claim %s on %s: %w", ref, s.server, err)
		}
	}
}

// Release gives up this bench's claim on ref (no-op if another holds it).
func (s *Site) Release(ctx context.Context, ref string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM claims WHERE order_ref = $1 AND station = $2`, ref, s.cfg.Station); err != nil {
		return fmt.Errorf("fleet release %s on %s: %w", ref, s.server, err)
	}
	return nil
}

// Conflicts lists the site's unresolved claim conflicts, newest first,
// with the standing claim's tracking id when its shipment is known.
func (s *Site) Conflicts(ctx context.Context) ([]Conflict, error) {
	rows, err := s.pool.Query(ctx, `SELECT cc.order_ref, cc.station, cc.claimed_at, cc.other_station, cc.other_claimed_at,
			COALESCE(sh.tracking_id, ''), cc.detected_at
		FROM claim_conflicts cc
		LEFT JOIN shipments sh ON sh.station = cc.other_station AND sh.order_ref = cc.order_ref
		WHERE cc.resolved_at IS NULL
		ORDER BY cc.detected_at DESC, cc.order_ref, cc.station`)
	if err != nil {
		return nil, fmt.Errorf("fleet conflicts on %s: %w", s.server, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Conflict, error) {
		var c Conflict
		err := row.Scan(&c.OrderRef, &c.Station, &c.At, &c.Other, &c.OtherAt, &c.OtherTracking, &c.Detected)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("fleet conflicts on %s: %w", s.server, err)
	}
	return out, nil
}
