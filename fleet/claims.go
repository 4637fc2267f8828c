package fleet

import (
	"context"
	"errors"
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
//
// The first contact also applies the schema (ensureSchema), which may
// wait for another bench's migration: that step has a bound of its own
// (schemaTimeout) once the server answered within ClaimTimeout, so it
// does not eat the claim's time, while a server that does not answer
// still fails the claim within ClaimTimeout.
func (s *Site) Claim(ctx context.Context, ref string, at time.Time) (Claim, error) {
	if err := s.claimSchema(ctx); err != nil {
		return Claim{}, fmt.Errorf("fleet claim %s: %w", ref, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ClaimTimeout)
	defer cancel()
	if err := s.register(ctx); err != nil {
		return Claim{}, fmt.Errorf("fleet claim %s: %w", ref, err)
	}
	stored := clean(ref) // as Push stores order refs
	for {
		c := Claim{OrderRef: ref}
		var printed *time.Time
		err := s.pool.QueryRow(ctx, claimSQL, stored, s.cfg.Station, at).Scan(&c.Station, &c.At, &c.Tracking, &printed)
		if err == nil {
			if printed != nil {
				c.Printed = *printed
			}
			return c, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return Claim{}, fmt.Errorf("fleet claim %s on %s: %w", ref, s.server, err)
		}
		// A claim committed after this statement's snapshot, or the
		// holder released it meanwhile: ask again.
		if err := ctx.Err(); err != nil {
			return Claim{}, fmt.Errorf("fleet claim %s on %s: %w", ref, s.server, err)
		}
	}
}

// claimSchema is ensureSchema for a claim: a round trip within
// ClaimTimeout first (a server that does not answer fails the claim as
// quickly as the claim itself would), then the schema within
// schemaTimeout. Nothing once the schema is applied.
func (s *Site) claimSchema(ctx context.Context) error {
	if s.migrated.Load() {
		return nil
	}
	pctx, cancel := context.WithTimeout(ctx, s.cfg.ClaimTimeout)
	err := s.pool.Ping(pctx)
	cancel()
	if err != nil {
		return fmt.Errorf("on %s: %w", s.server, err)
	}
	sctx, cancel := context.WithTimeout(ctx, s.schemaTimeout())
	defer cancel()
	return s.ensureSchema(sctx)
}

// schemaTimeout bounds applying the schema within a call that has a
// tight bound of its own (a claim): a connection, a few round trips, and
// a wait for another bench applying it at the same time.
func (s *Site) schemaTimeout() time.Duration { return 3 * s.cfg.ConnectTimeout }

// Release gives up this bench's claim on ref (no-op if another holds it)
// at once, without waiting for a push: the station calls it when it got
// the claim but cannot keep it in its own store (station.claimOrder).
func (s *Site) Release(ctx context.Context, ref string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM claims WHERE order_ref = $1 AND station = $2`, ref, s.cfg.Station); err != nil {
		return fmt.Errorf("fleet release %s on %s: %w", ref, s.server, err)
	}
	return nil
}

// Conflicts lists the site's unresolved claim conflicts, newest first,
// with both benches' tracking ids when their shipments are known.
func (s *Site) Conflicts(ctx context.Context) ([]Conflict, error) {
	rows, err := s.pool.Query(ctx, `SELECT cc.order_ref, cc.station, cc.claimed_at, COALESCE(mine.tracking_id, ''),
			cc.other_station, cc.other_claimed_at, COALESCE(theirs.tracking_id, ''), cc.detected_at
		FROM claim_conflicts cc
		LEFT JOIN shipments theirs ON theirs.station = cc.other_station AND theirs.order_ref = cc.order_ref
		LEFT JOIN shipments mine ON mine.station = cc.station AND mine.order_ref = cc.order_ref
		WHERE cc.resolved_at IS NULL
		ORDER BY cc.detected_at DESC, cc.order_ref, cc.station`)
	if err != nil {
		return nil, fmt.Errorf("fleet conflicts on %s: %w", s.server, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Conflict, error) {
		var c Conflict
		err := row.Scan(&c.OrderRef, &c.Station, &c.At, &c.Tracking, &c.Other, &c.OtherAt, &c.OtherTracking, &c.Detected)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("fleet conflicts on %s: %w", s.server, err)
	}
	return out, nil
}
