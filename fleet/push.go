package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"labelstation/store"
)

// pushOrder is the order kinds go to the server in one push: shipments
// before the events that find their order through them, claims after
// the shipments a conflict names.
var pushOrder = map[string]int{
	store.ReplicaOrder:    0,
	store.ReplicaShipment: 1,
	store.ReplicaEntry:    2,
	store.ReplicaPrintJob: 3,
	store.ReplicaSummary:  4,
	store.ReplicaEvent:    5,
	store.ReplicaClaim:    6,
	store.ReplicaConflict: 7,
}

// Push upserts the replicas in one transaction (one batch), with this
// bench's last-seen time. Every row is keyed by this bench and the
// entity's id and written only where this bench owns it, so a repeated
// push is harmless and a bench never overwrites another's rows. A claim
// made while cut off that clashes with another bench's is recorded in
// claim_conflicts and returned as a Conflict. A replica the server
// cannot hold (no body, a kind this version does not know) is logged and
// counted as pushed, so one bad mark does not stop the bench's
// replication for good.
func (s *Site) Push(ctx context.Context, reps []store.Replica) (PushResult, error) {
	var res PushResult
	// An empty push still says "this bench is alive" (stations.last_seen).
	if err := s.ensureSchema(ctx); err != nil {
		return res, err
	}
	ordered := make([]store.Replica, len(reps))
	copy(ordered, reps)
	sort.SliceStable(ordered, func(i, j int) bool { return pushOrder[ordered[i].Kind] < pushOrder[ordered[j].Kind] })

	me := s.cfg.Station
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO stations (station) VALUES ($1)
		ON CONFLICT (station) DO UPDATE SET last_seen = now()`, me)
	for _, r := range ordered {
		if err := s.queueReplica(b, r, &res); err != nil {
			return PushResult{}, fmt.Errorf("fleet push %s %s to %s: %w", r.Kind, r.Key, s.server, err)
		}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return PushResult{}, fmt.Errorf("fleet push %d records to %s: %w", len(reps), s.server, err)
	}
	res.Pushed = len(reps)
	return res, nil
}

// queueReplica queues r's statements on b. A conflict found by a claim's
// statements is appended to res when the batch runs.
func (s *Site) queueReplica(b *pgx.Batch, r store.Replica, res *PushResult) error {
	me := s.cfg.Station
	if r.Gone {
		return s.queueGone(b, r)
	}
	switch r.Kind {
	case store.ReplicaShipment:
		if sh := r.Shipment; sh != nil {
			items := sh.ItemIDs
			if items == nil {
				items = []string{}
			}
			b.Queue(`INSERT INTO shipments (station, order_ref, carrier, service, shipment_id, tracking_id, item_ids,
					weight_g, country, status, booked_at, printed_at, printer, reprints, offline, synced_at, adopted,
					cancelled, request_id, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, now())
				ON CONFLICT (station, order_ref) DO UPDATE SET carrier = EXCLUDED.carrier, service = EXCLUDED.service,
					shipment_id = EXCLUDED.shipment_id, tracking_id = EXCLUDED.tracking_id, item_ids = EXCLUDED.item_ids,
					weight_g = EXCLUDED.weight_g, country = EXCLUDED.country, status = CASE WHEN shipments.status = '' THEN EXCLUDED.status ELSE shipments.status END,
					booked_at = EXCLUDED.booked_at, printed_at = EXCLUDED.printed_at, printer = EXCLUDED.printer,
					reprints = EXCLUDED.reprints, offline = EXCLUDED.offline, synced_at = EXCLUDED.synced_at,
					adopted = EXCLUDED.adopted, cancelled = EXCLUDED.cancelled, request_id = EXCLUDED.request_id,
					updated_at = now()`,
				me, sh.OrderRef, sh.Carrier, sh.Service, sh.ShipmentID, sh.TrackingID(), items,
				int64(sh.Weight), sh.Receiver.Country, string(sh.Status), sh.BookedAt, nullTime(sh.PrintedAt), sh.Printer,
				sh.Reprints, sh.Offline, nullTime(sh.SyncedAt), sh.Adopted, nullTime(sh.Cancelled), sh.RequestID)
			// Events pushed before their shipment (or written by the site's
			// poller before it) learn their order now.
			b.Queue(`UPDATE events SET order_ref = $2 WHERE item_id = ANY($3) AND station = $1 AND order_ref = ''`, me, sh.OrderRef, items)
			// The order is shipped while any bench holds a live shipment
			// of it (a cancelled booking gives it back).
			b.Queue(`UPDATE orders SET shipped = EXISTS (SELECT 1 FROM shipments s WHERE s.order_ref = $1 AND s.cancelled IS NULL)
				WHERE order_ref = $1`, sh.OrderRef)
			return nil
		}
	case store.ReplicaEntry:
		if e := r.Entry; e != nil {
			b.Queue(`INSERT INTO outbox (station, entry_id, order_ref, carrier, state, attempts, last_error, created, updated)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				ON CONFLICT (station, entry_id) DO UPDATE SET order_ref = EXCLUDED.order_ref, carrier = EXCLUDED.carrier,
					state = EXCLUDED.state, attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error,
					created = EXCLUDED.created, updated = EXCLUDED.updated`,
				me, e.ID, e.OrderRef, e.Carrier, string(e.State), e.Attempts, e.LastError, e.Created, e.Updated)
			return nil
		}
	case store.ReplicaPrintJob:
		if j := r.PrintJob; j != nil {
			body, err := json.Marshal(j)
			if err != nil {
				return err
			}
			b.Queue(`INSERT INTO print_jobs (station, job_id, order_ref, state, reprint, body, updated)
				VALUES ($1, $2, $3, $4, $5, $6, now())
				ON CONFLICT (station, job_id) DO UPDATE SET order_ref = EXCLUDED.order_ref, state = EXCLUDED.state,
					reprint = EXCLUDED.reprint, body = EXCLUDED.body, updated = now()`,
				me, j.ID, j.OrderRef, string(j.State), j.Reprint, string(body))
			return nil
		}
	case store.ReplicaEvent:
		if e := r.Event; e != nil {
			body, err := json.Marshal(e)
			if err != nil {
				return err
			}
			// The event's order is the one the bench knows (r.OrderRef),
			// else this bench's shipment with that item id on the server
			// (by tracking id, else any item of a multi-parcel shipment,
			// else the summary), else '' until the shipment arrives (see
			// the shipment's UPDATE). An event stored already (by the
			// site's poller, or another push) stays as it is, but learns
			// its order if it had none.
			b.Queue(`INSERT INTO events (item_id, event_key, station, order_ref, at, status, body)
				VALUES ($1, $2, $3, COALESCE(NULLIF($7, ''),
					(SELECT order_ref FROM shipments WHERE station = $3 AND tracking_id = $1 LIMIT 1),
					(SELECT order_ref FROM shipments WHERE station = $3 AND item_ids @> ARRAY[$1::text] LIMIT 1),
					(SELECT order_ref FROM track_summaries WHERE station = $3 AND item_id = $1 LIMIT 1),
					''), $4, $5, $6)
				ON CONFLICT (item_id, event_key) DO UPDATE SET order_ref = EXCLUDED.order_ref
					WHERE events.order_ref = '' AND EXCLUDED.order_ref <> ''`,
				e.ItemID, e.Key(), me, e.Time, string(e.Status), string(body), r.OrderRef)
			return nil
		}
	case store.ReplicaOrder:
		if o := r.Order; o != nil {
			body, err := json.Marshal(o)
			if err != nil {
				return err
			}
			// An order imported on two benches belongs to the first that
			// pushed it: the other's push leaves it as it is.
			b.Queue(`INSERT INTO orders (order_ref, station, body, updated_at, imported_at, shipped)
				VALUES ($1, $2, $3, now(), $4,
					EXISTS (SELECT 1 FROM shipments s WHERE s.order_ref = $1 AND s.cancelled IS NULL))
				ON CONFLICT (order_ref) DO UPDATE SET body = EXCLUDED.body, updated_at = now(), imported_at = EXCLUDED.imported_at
					WHERE orders.station = EXCLUDED.station`,
				o.Ref, me, string(body), nullTime(o.ImportedAt))
			return nil
		}
	case store.ReplicaSummary:
		if sum := r.Summary; sum != nil {
			// The site's poller owns a summary once it exists; a bench
			// only seeds it.
			b.Queue(`INSERT INTO track_summaries (station, order_ref, item_id, carrier, booked_at, status, open, last_polled, body)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				ON CONFLICT (station, order_ref) DO NOTHING`,
				me, sum.OrderRef, sum.ItemID, sum.Carrier, sum.BookedAt, string(sum.Status), !sum.Status.Final(),
				nullTime(sum.LastPolled), store.EncodeTrackSummary(*sum))
			return nil
		}
	case store.ReplicaClaim:
		if c := r.Claim; c != nil {
			s.queueClaim(b, *c, res)
			return nil
		}
	case store.ReplicaConflict:
		// A supervisor's resolution, so the site's list drops it.
		if c := r.Conflict; c != nil {
			if !c.Resolved.IsZero() {
				b.Queue(`UPDATE claim_conflicts SET resolved_at = $3, note = $4 WHERE order_ref = $1 AND station = $2`,
					c.OrderRef, me, c.Resolved, c.Note)
			}
			return nil
		}
	default:
		s.log.Warn("fleet push: a record kind this version does not know; skipped", "kind", r.Kind, "key", r.Key, "station", me)
		return nil
	}
	s.log.Warn("fleet push: a record without its body; skipped", "kind", r.Kind, "key", r.Key, "station", me)
	return nil
}

// queueClaim pushes a claim made while cut off: it stands if no other
// bench holds the order; else the clash is recorded once (the first
// detection stands) and read back as a Conflict. Each statement of the
// batch sees the rows of the ones before it, so no round trip is spent
// in between.
func (s *Site) queueClaim(b *pgx.Batch, c store.LocalClaim, res *PushResult) {
	me := s.cfg.Station
	b.Queue(`INSERT INTO claims (order_ref, station, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (order_ref) DO NOTHING`,
		c.OrderRef, me, c.At)
	b.Queue(`INSERT INTO claim_conflicts (order_ref, station, claimed_at, other_station, other_claimed_at)
		SELECT $1, $2, $3, station, claimed_at FROM claims WHERE order_ref = $1 AND station <> $2
		ON CONFLICT (order_ref, station) DO NOTHING`, c.OrderRef, me, c.At)
	b.Queue(`SELECT cc.claimed_at, cc.other_station, cc.other_claimed_at, COALESCE(sh.tracking_id, ''), cc.detected_at
		FROM claims cl
		JOIN claim_conflicts cc ON cc.order_ref = cl.order_ref AND cc.station = $2
		LEFT JOIN shipments sh ON sh.station = cc.other_station AND sh.order_ref = cc.order_ref
		WHERE cl.order_ref = $1 AND cl.station <> $2`, c.OrderRef, me).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			cf := Conflict{OrderRef: c.OrderRef, Station: me}
			if err := rows.Scan(&cf.At, &cf.Other, &cf.OtherAt, &cf.OtherTracking, &cf.Detected); err != nil {
				return err
			}
			res.Conflicts = append(res.Conflicts, cf)
		}
		return rows.Err()
	})
}

// queueGone deletes this bench's copy of an entity it no longer has.
func (s *Site) queueGone(b *pgx.Batch, r store.Replica) error {
	me := s.cfg.Station
	switch r.Kind {
	case store.ReplicaShipment:
		b.Queue(`DELETE FROM shipments WHERE station = $1 AND order_ref = $2`, me, r.Key)
	case store.ReplicaEntry:
		b.Queue(`DELETE FROM outbox WHERE station = $1 AND entry_id = $2`, me, r.Key)
	case store.ReplicaPrintJob:
		b.Queue(`DELETE FROM print_jobs WHERE station = $1 AND job_id = $2`, me, r.Key)
	case store.ReplicaOrder:
		b.Queue(`DELETE FROM orders WHERE station = $1 AND order_ref = $2`, me, r.Key)
	case store.ReplicaSummary:
		b.Queue(`DELETE FROM track_summaries WHERE station = $1 AND order_ref = $2`, me, r.Key)
	case store.ReplicaClaim:
		b.Queue(`DELETE FROM claims WHERE station = $1 AND order_ref = $2`, me, r.Key)
	case store.ReplicaConflict:
		// A bench never deletes a conflict: the server keeps the record.
	case store.ReplicaEvent:
		item, key, ok := strings.Cut(r.Key, "/")
		if !ok {
			return fmt.Errorf("an event's key is itemID/eventKey, not %q", r.Key)
		}
		b.Queue(`DELETE FROM events WHERE station = $1 AND item_id = $2 AND event_key = $3`, me, item, key)
	default:
		s.log.Warn("fleet push: a record kind this version does not know; skipped", "kind", r.Kind, "key", r.Key, "station", me)
	}
	return nil
}

// nullTime is NULL for the zero time (a column the bench has not set).
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
