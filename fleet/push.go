package fleet

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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

// pushRetries is how many times a push is tried again after the server
// aborted its transaction for a deadlock or a serialization failure
// (another bench's push took the same rows' locks in another order: the
// rows a push locks in more than one kind, an order and the order its
// shipment marks shipped, cannot all be taken in one global order).
const pushRetries = 2

// Push upserts the replicas in one transaction (one batch), with this
// bench's last-seen time. Every row is keyed by this bench and the
// entity's id and written only where this bench owns it, so a repeated
// push is harmless and a bench never overwrites another's rows. A claim
// made while cut off that clashes with another bench's is recorded in
// claim_conflicts and returned as a Conflict.
//
// The replicas go by kind (pushOrder), then by key, so two benches
// pushing shared rows (orders, claims) lock them in the same order; a
// deadlock left (across kinds) retries the whole transaction, up to
// pushRetries times.
//
// A poisoned record must not stop the bench's replication for good:
// every string is made storable first (see storable), a replica the
// server cannot hold (no body, a kind this version does not know, a
// body that does not encode) is logged and counted as pushed, and when
// the server still refuses the batch for its data (SQLSTATE class 22 or
// 23), the replicas are pushed one at a time and those it refuses are
// logged and counted as pushed: the bench acknowledges them and the
// rest go.
func (s *Site) Push(ctx context.Context, reps []store.Replica) (PushResult, error) {
	// An empty push still says "this bench is alive" (stations.last_seen).
	if err := s.ensureSchema(ctx); err != nil {
		return PushResult{}, err
	}
	ordered := slices.Clone(reps)
	slices.SortStableFunc(ordered, func(a, b store.Replica) int {
		return cmp.Or(cmp.Compare(pushOrder[a.Kind], pushOrder[b.Kind]), strings.Compare(a.Key, b.Key))
	})
	res, err := s.pushRetrying(ctx, ordered)
	if err == nil {
		res.Pushed = len(reps)
		return res, nil
	}
	if _, refused := refusedData(err); !refused || len(ordered) == 0 {
		return PushResult{}, fmt.Errorf("fleet push %d records to %s: %w", len(reps), s.server, err)
	}
	s.log.Warn("fleet push: the server refused a record of the batch; pushing them one at a time",
		"records", len(reps), "server", s.server, "station", s.cfg.Station, "err", redactedPgError(err))
	return s.pushEach(ctx, ordered)
}

// pushEach pushes ordered one replica per transaction: one the server
// refuses for its data is logged (its kind, key and the server's code and
// message, never its body) and counted as pushed, so the others go.
func (s *Site) pushEach(ctx context.Context, ordered []store.Replica) (PushResult, error) {
	var res PushResult
	for _, r := range ordered {
		one, err := s.pushRetrying(ctx, []store.Replica{r})
		if err != nil {
			pgErr, refused := refusedData(err)
			if !refused {
				return PushResult{}, fmt.Errorf("fleet push %s %s to %s: %w", r.Kind, clean(r.Key), s.server, err)
			}
			s.log.Error("fleet push: the server refuses this record; skipped (the bench keeps its own copy)",
				"kind", r.Kind, "key", clean(r.Key), "code", pgErr.Code, "error", pgErr.Message,
				"server", s.server, "station", s.cfg.Station)
		}
		res.Conflicts = append(res.Conflicts, one.Conflicts...)
		res.Pushed++
	}
	return res, nil
}

// pushRetrying runs pushTx, again after a deadlock or a serialization
// failure (up to pushRetries times), after a short random pause so the
// benches that met do not meet again at once.
func (s *Site) pushRetrying(ctx context.Context, reps []store.Replica) (PushResult, error) {
	for attempt := 0; ; attempt++ {
		res, err := s.pushTx(ctx, reps)
		var pgErr *pgconn.PgError
		if err == nil || attempt == pushRetries || !errors.As(err, &pgErr) ||
			(pgErr.Code != pgDeadlockDetected && pgErr.Code != pgSerializationFailure) {
			return res, err
		}
		s.log.Info("fleet push: the server aborted the push (another bench's push held the same rows); trying again",
			"code", pgErr.Code, "attempt", attempt+1, "records", len(reps), "server", s.server, "station", s.cfg.Station)
		select {
		case <-ctx.Done():
			return PushResult{}, err
		case <-time.After(time.Duration(10+rand.IntN(90)) * time.Millisecond):
		}
	}
}

// SQLSTATEs a push retries.
const (
	pgDeadlockDetected     = "40P01"
	pgSerializationFailure = "40001"
)

// refusedData reports whether err is the server refusing a statement
// for its data: SQLSTATE class 22 (data exception: an invalid byte
// sequence, a value out of range) or 23 (integrity constraint
// violation). Such a record fails the same way every time.
func refusedData(err error) (*pgconn.PgError, bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return nil, false
	}
	return pgErr, strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23")
}

// redactedPgError is err for a log line: a server error's code and
// message only (its detail may quote the refused row).
func redactedPgError(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code + ": " + pgErr.Message
	}
	return err.Error()
}

// pushTx upserts reps and this bench's last-seen time in one
// transaction (one batch, one round trip).
func (s *Site) pushTx(ctx context.Context, reps []store.Replica) (PushResult, error) {
	var res PushResult
	me := s.cfg.Station
	b := &pgx.Batch{}
	s.queueStation(b)
	for _, r := range reps {
		if err := s.queueReplica(b, r, &res); err != nil {
			// It would fail the same way on every push: the server never
			// gets it, the bench keeps it.
			s.log.Error("fleet push: a record that cannot be sent; skipped", "kind", r.Kind, "key", clean(r.Key), "station", me, "err", err)
		}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return PushResult{}, err
	}
	return res, nil
}

// queue queues sql on b with every argument made storable: the one
// place a push's values pass through on their way to the server.
func queue(b *pgx.Batch, sql string, args ...any) *pgx.QueuedQuery {
	for i, a := range args {
		args[i] = storable(a)
	}
	return b.Queue(sql, args...)
}

// jsonText is a JSON body for a jsonb column (json.Marshal's output).
type jsonText []byte

// storable is a as PostgreSQL takes it: a text column refuses invalid
// UTF-8 and the NUL character (SQLSTATE 22021), and jsonb refuses the
// escape \u0000 (22P05). A bench's records carry what carriers, order
// files and scanners gave it (an error text with a stray NUL byte), and
// one such string would fail the bench's whole push again and again.
func storable(a any) any {
	switch v := a.(type) {
	case string:
		return clean(v)
	case []string:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = clean(s)
		}
		return out
	case jsonText:
		return cleanJSON(v)
	}
	return a
}

// clean is s with invalid UTF-8 replaced by U+FFFD and NUL bytes dropped.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

// cleanJSON is the JSON text j (valid UTF-8, as json.Marshal writes it)
// without the escape \u0000 (a NUL in a string), which jsonb refuses.
// An escaped backslash followed by "u0000" is text, and stays.
func cleanJSON(j jsonText) string {
	if !bytes.Contains(j, []byte(`\u0000`)) {
		return string(j)
	}
	out := make([]byte, 0, len(j))
	for i := 0; i < len(j); i++ {
		if j[i] != '\\' || i+1 == len(j) {
			out = append(out, j[i])
			continue
		}
		if bytes.HasPrefix(j[i+1:], []byte("u0000")) {
			i += len("u0000")
			continue
		}
		out = append(out, j[i], j[i+1]) // an escape, kept whole
		i++
	}
	return string(out)
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
			queue(b, `INSERT INTO shipments (station, order_ref, carrier, service, shipment_id, tracking_id, item_ids,
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
			queue(b, `UPDATE events SET order_ref = $2 WHERE item_id = ANY($3) AND station = $1 AND order_ref = ''`, me, sh.OrderRef, items)
			queueShipped(b, sh.OrderRef)
			return nil
		}
	case store.ReplicaEntry:
		if e := r.Entry; e != nil {
			queue(b, `INSERT INTO outbox (station, entry_id, order_ref, carrier, state, attempts, last_error, created, updated)
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
			queue(b, `INSERT INTO print_jobs (station, job_id, order_ref, state, reprint, body, updated)
				VALUES ($1, $2, $3, $4, $5, $6, now())
				ON CONFLICT (station, job_id) DO UPDATE SET order_ref = EXCLUDED.order_ref, state = EXCLUDED.state,
					reprint = EXCLUDED.reprint, body = EXCLUDED.body, updated = now()`,
				me, j.ID, j.OrderRef, string(j.State), j.Reprint, jsonText(body))
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
			queue(b, `INSERT INTO events (item_id, event_key, station, order_ref, at, status, body)
				VALUES ($1, $2, $3, COALESCE(NULLIF($7, ''),
					(SELECT order_ref FROM shipments WHERE station = $3 AND tracking_id = $1 LIMIT 1),
					(SELECT order_ref FROM shipments WHERE station = $3 AND item_ids @> ARRAY[$1::text] LIMIT 1),
					(SELECT order_ref FROM track_summaries WHERE station = $3 AND item_id = $1 LIMIT 1),
					''), $4, $5, $6)
				ON CONFLICT (item_id, event_key) DO UPDATE SET order_ref = EXCLUDED.order_ref
					WHERE events.order_ref = '' AND EXCLUDED.order_ref <> ''`,
				e.ItemID, e.Key(), me, e.Time, string(e.Status), jsonText(body), r.OrderRef)
			return nil
		}
	case store.ReplicaOrder:
		if o := r.Order; o != nil {
			body, err := json.Marshal(o)
			if err != nil {
				return err
			}
			// An order imported on two benches belongs to the first that
			// pushed it: the other's push leaves it as it is. Its shipped
			// flag is computed under the order's lock (see queueShipped).
			queueOrderLock(b, o.Ref)
			queue(b, `INSERT INTO orders (order_ref, station, body, updated_at, imported_at, shipped)
				VALUES ($1, $2, $3, now(), $4,
					EXISTS (SELECT 1 FROM shipments s WHERE s.order_ref = $1 AND s.cancelled IS NULL))
				ON CONFLICT (order_ref) DO UPDATE SET body = EXCLUDED.body, updated_at = now(), imported_at = EXCLUDED.imported_at
					WHERE orders.station = EXCLUDED.station`,
				o.Ref, me, jsonText(body), nullTime(o.ImportedAt))
			return nil
		}
	case store.ReplicaSummary:
		if sum := r.Summary; sum != nil {
			// The site's poller owns a summary once it exists; a bench
			// only seeds it.
			queue(b, `INSERT INTO track_summaries (station, order_ref, item_id, carrier, booked_at, status, open, last_polled, body)
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
				queue(b, `UPDATE claim_conflicts SET resolved_at = $3, note = $4 WHERE order_ref = $1 AND station = $2`,
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
// detection stands) and, until a supervisor resolves it, read back as a
// Conflict with both benches' tracking ids as far as the server knows
// them (this bench's shipment goes before its claims, pushOrder). Each
// statement of the batch sees the rows of the ones before it, so no
// round trip is spent in between.
func (s *Site) queueClaim(b *pgx.Batch, c store.LocalClaim, res *PushResult) {
	me := s.cfg.Station
	queue(b, `INSERT INTO claims (order_ref, station, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (order_ref) DO NOTHING`,
		c.OrderRef, me, c.At)
	queue(b, `INSERT INTO claim_conflicts (order_ref, station, claimed_at, other_station, other_claimed_at)
		SELECT $1, $2, $3, station, claimed_at FROM claims WHERE order_ref = $1 AND station <> $2
		ON CONFLICT (order_ref, station) DO NOTHING`, c.OrderRef, me, c.At)
	queue(b, `SELECT cc.claimed_at, cc.other_station, cc.other_claimed_at, COALESCE(theirs.tracking_id, ''),
			COALESCE(mine.tracking_id, ''), cc.detected_at
		FROM claims cl
		JOIN claim_conflicts cc ON cc.order_ref = cl.order_ref AND cc.station = $2 AND cc.resolved_at IS NULL
		LEFT JOIN shipments theirs ON theirs.station = cc.other_station AND theirs.order_ref = cc.order_ref
		LEFT JOIN shipments mine ON mine.station = cc.station AND mine.order_ref = cc.order_ref
		WHERE cl.order_ref = $1 AND cl.station <> $2`, c.OrderRef, me).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			cf := Conflict{OrderRef: c.OrderRef, Station: me}
			if err := rows.Scan(&cf.At, &cf.Other, &cf.OtherAt, &cf.OtherTracking, &cf.Tracking, &cf.Detected); err != nil {
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
		queue(b, `DELETE FROM shipments WHERE station = $1 AND order_ref = $2`, me, r.Key)
		queueShipped(b, r.Key)
	case store.ReplicaEntry:
		queue(b, `DELETE FROM outbox WHERE station = $1 AND entry_id = $2`, me, r.Key)
	case store.ReplicaPrintJob:
		queue(b, `DELETE FROM print_jobs WHERE station = $1 AND job_id = $2`, me, r.Key)
	case store.ReplicaOrder:
		queue(b, `DELETE FROM orders WHERE station = $1 AND order_ref = $2`, me, r.Key)
	case store.ReplicaSummary:
		queue(b, `DELETE FROM track_summaries WHERE station = $1 AND order_ref = $2`, me, r.Key)
	case store.ReplicaClaim:
		queue(b, `DELETE FROM claims WHERE station = $1 AND order_ref = $2`, me, r.Key)
	case store.ReplicaConflict:
		// A bench never deletes a conflict: the server keeps the record.
	case store.ReplicaEvent:
		item, key, ok := strings.Cut(r.Key, "/")
		if !ok {
			return fmt.Errorf("an event's key is itemID/eventKey, not %q", r.Key)
		}
		queue(b, `DELETE FROM events WHERE station = $1 AND item_id = $2 AND event_key = $3`, me, item, key)
	default:
		s.log.Warn("fleet push: a record kind this version does not know; skipped", "kind", r.Kind, "key", r.Key, "station", me)
	}
	return nil
}

// orderLockClass is the first key of the transaction-level advisory lock
// on one order (the second is the hash of its ref): "lbls". The two-key
// lock space is apart from the one-key space of migrateLockKey and
// pollerLockKey. Benches of different versions must agree on it.
const orderLockClass int32 = 0x6c626c73

// queueOrderLock takes the order's lock until the transaction ends.
func queueOrderLock(b *pgx.Batch, ref string) {
	queue(b, `SELECT pg_advisory_xact_lock($1::int4, hashtext($2))`, orderLockClass, ref)
}

// queueShipped recomputes whether ref is shipped: while any bench holds
// a live shipment of it (a cancelled booking gives it back). Two benches
// pushing shipments of one order at once, or one its order and the other
// a shipment, would each compute it on a snapshot without the other's
// uncommitted row, and the last to write would be wrong; under the
// order's lock, taken by every writer of the flag, the second waits for
// the first to commit, and its next statement (a new snapshot under READ
// COMMITTED) sees the first's rows.
func queueShipped(b *pgx.Batch, ref string) {
	queueOrderLock(b, ref)
	queue(b, `UPDATE orders SET shipped = EXISTS (SELECT 1 FROM shipments s WHERE s.order_ref = $1 AND s.cancelled IS NULL)
		WHERE order_ref = $1`, ref)
}

// nullTime is NULL for the zero time (a column the bench has not set).
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
