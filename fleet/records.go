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

// Records is the site's tracking records for the one poller: every
// bench's open parcels, the site's daily look-up count, events stored once
// each (station/tracking.Records).
func (s *Site) Records() *SiteRecords { return &SiteRecords{site: s} }

// SiteRecords implements station/tracking.Records on the server. The
// poller's interface has no context (the bench's own store needs none), so
// each call is bounded by recordsTimeout: a server that stops answering
// fails the call, and the poller's pass stops, instead of hanging.
type SiteRecords struct{ site *Site }

// recordsTimeout bounds one call of SiteRecords.
const recordsTimeout = 30 * time.Second

func (r *SiteRecords) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), recordsTimeout)
}

// localDay is the start of t's calendar day and of the next one, in local
// time, as the store counts booking days (dayKey).
func localDay(t time.Time) (start, next time.Time) {
	y, m, d := t.Local().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local), time.Date(y, m, d+1, 0, 0, 0, 0, time.Local)
}

// localDate is t's local calendar date as a date column reads it.
func localDate(t time.Time) string { return t.Local().Format("2006-01-02") }

// SeedTrackSummaries creates the missing summaries of the shipments (of
// every bench) booked on the local days first…last and not cancelled: seed
// builds each one from the shipment, and it is stored under the
// shipment's bench, booking time and order ref. A summary another poller
// wrote meanwhile wins (ON CONFLICT DO NOTHING). It returns how many
// summaries were created, all in one statement.
func (r *SiteRecords) SeedTrackSummaries(first, last time.Time, seed func(store.Shipment) (store.TrackSummary, bool)) (created int, err error) {
	ctx, cancel := r.ctx()
	defer cancel()
	lo, _ := localDay(first)
	_, hi := localDay(last)
	rows, err := r.site.pool.Query(ctx, `
		SELECT s.station, s.order_ref, s.carrier, s.service, s.shipment_id, s.item_ids, s.weight_g, s.country,
		       s.status, s.booked_at, s.printed_at, s.printer, s.reprints, s.offline, s.synced_at, s.adopted, s.request_id
		FROM shipments s
		WHERE s.booked_at >= $1 AND s.booked_at < $2 AND s.cancelled IS NULL
		  AND NOT EXISTS (SELECT 1 FROM track_summaries t WHERE t.station = s.station AND t.order_ref = s.order_ref)`, lo, hi)
	if err != nil {
		return 0, fmt.Errorf("seed tracking summaries: %w", err)
	}
	type missing struct {
		station string
		sh      store.Shipment
	}
	var todo []missing
	for rows.Next() {
		var m missing
		var printed, synced *time.Time
		var status string
		if err := rows.Scan(&m.station, &m.sh.OrderRef, &m.sh.Carrier, &m.sh.Service, &m.sh.ShipmentID, &m.sh.ItemIDs,
			&m.sh.Weight, &m.sh.Receiver.Country, &status, &m.sh.BookedAt, &printed, &m.sh.Printer, &m.sh.Reprints,
			&m.sh.Offline, &synced, &m.sh.Adopted, &m.sh.RequestID); err != nil {
			rows.Close()
			return 0, fmt.Errorf("seed tracking summaries: %w", err)
		}
		m.sh.Status = carrier.Status(status)
		if printed != nil {
			m.sh.PrintedAt = *printed
		}
		if synced != nil {
			m.sh.SyncedAt = *synced
		}
		todo = append(todo, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("seed tracking summaries: %w", err)
	}
	var cols summaryColumns
	for _, m := range todo {
		sum, ok := seed(m.sh)
		if !ok {
			continue
		}
		sum.OrderRef, sum.BookedAt = m.sh.OrderRef, m.sh.BookedAt
		cols.add(m.station, sum)
	}
	if len(cols.station) == 0 {
		return 0, nil
	}
	tag, err := r.site.pool.Exec(ctx, `
		INSERT INTO track_summaries (station, order_ref, item_id, carrier, booked_at, status, open, last_polled, body)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::boolean[], $8::timestamptz[], $9::bytea[])
		ON CONFLICT (station, order_ref) DO NOTHING`, cols.args()...)
	if err != nil {
		return 0, fmt.Errorf("seed tracking summaries: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// summaryColumns are summaries as one array per column, for an unnest
// insert (one statement however many rows).
type summaryColumns struct {
	station, ref, item, carrier []string
	booked                      []time.Time
	status                      []string
	open                        []bool
	polled                      []*time.Time
	body                        [][]byte
}

func (c *summaryColumns) add(station string, sum store.TrackSummary) {
	c.station = append(c.station, station)
	c.ref = append(c.ref, sum.OrderRef)
	c.item = append(c.item, sum.ItemID)
	c.carrier = append(c.carrier, sum.Carrier)
	c.booked = append(c.booked, sum.BookedAt)
	c.status = append(c.status, string(sum.Status))
	c.open = append(c.open, !sum.Status.Final())
	c.polled = append(c.polled, timeOrNull(sum.LastPolled))
	c.body = append(c.body, store.EncodeTrackSummary(sum))
}

func (c *summaryColumns) args() []any {
	return []any{c.station, c.ref, c.item, c.carrier, c.booked, c.status, c.open, c.polled, c.body}
}

// timeOrNull is nil (SQL NULL) for the zero time: "never polled" sorts
// first in track_summaries_open.
func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// OpenTrackSummaries calls fn for every parcel of the site still on its
// way, never-polled and longest-unpolled first (track_summaries_open).
func (r *SiteRecords) OpenTrackSummaries(fn func(store.TrackSummary) error) error {
	ctx, cancel := r.ctx()
	defer cancel()
	rows, err := r.site.pool.Query(ctx, `SELECT body FROM track_summaries WHERE open ORDER BY last_polled NULLS FIRST`)
	if err != nil {
		return fmt.Errorf("open tracking summaries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		sum, err := store.DecodeTrackSummary(rows.RawValues()[0])
		if err != nil {
			return fmt.Errorf("open tracking summaries: %w", err)
		}
		if err := fn(sum); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("open tracking summaries: %w", err)
	}
	return nil
}

// TrackLookups returns the site's Track & Trace look-ups counted on day's
// local calendar date.
func (r *SiteRecords) TrackLookups(day time.Time) (int, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	var n int
	err := r.site.pool.QueryRow(ctx, `SELECT n FROM track_lookups WHERE day = $1::date`, localDate(day)).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("count tracking look-ups: %w", err)
	}
	return n, nil
}

// AddTrackLookups adds n look-ups to day's count and returns the new
// total (one upsert, so two pollers overlapping during a take-over both
// count).
func (r *SiteRecords) AddTrackLookups(day time.Time, n int) (total int, err error) {
	if n == 0 {
		return r.TrackLookups(day)
	}
	ctx, cancel := r.ctx()
	defer cancel()
	err = r.site.pool.QueryRow(ctx, `
		INSERT INTO track_lookups (day, n) VALUES ($1::date, $2)
		ON CONFLICT (day) DO UPDATE SET n = track_lookups.n + excluded.n
		RETURNING n`, localDate(day), n).Scan(&total)
	if err != nil {
		return 0, fmt.Errorf("count tracking look-ups: %w", err)
	}
	return total, nil
}

// ItemEvents returns every stored event of one item, oldest first, events
// without a time last, as the store sorts them (by time, then by event
// key).
func (r *SiteRecords) ItemEvents(itemID string) ([]carrier.TrackingEvent, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	rows, err := r.site.pool.Query(ctx, `SELECT body FROM events WHERE item_id = $1 ORDER BY event_key COLLATE "C"`, itemID)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", itemID, err)
	}
	defer rows.Close()
	var out []carrier.TrackingEvent
	for rows.Next() {
		var e carrier.TrackingEvent
		if err := json.Unmarshal(rows.RawValues()[0], &e); err != nil {
			return nil, fmt.Errorf("events of %s: %w", itemID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events of %s: %w", itemID, err)
	}
	store.SortItemEvents(out)
	return out, nil
}

// owner is the shipment a tracking answer belongs to.
type owner struct {
	station  string
	bookedAt time.Time
	found    bool // a shipments row (else only a summary row was found)
}

// findOwner finds the bench and booking time of the parcel ref/itemID:
// the shipment whose order ref is ref, preferring the one tracked by
// itemID (order refs are unique on a site in practice, but two benches
// may both have shipped one order while cut off); else the summary row of
// that parcel (a summary whose shipment is not on the server).
func findOwner(ctx context.Context, tx pgx.Tx, ref, itemID string) (owner, error) {
	var o owner
	err := tx.QueryRow(ctx, `
		SELECT station, booked_at FROM shipments
		WHERE order_ref = $1
		ORDER BY (tracking_id = $2 OR $2 = ANY(item_ids)) DESC, booked_at DESC, station
		LIMIT 1`, ref, itemID).Scan(&o.station, &o.bookedAt)
	if err == nil {
		o.found = true
		return o, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return o, err
	}
	err = tx.QueryRow(ctx, `
		SELECT station, booked_at FROM track_summaries
		WHERE order_ref = $1
		ORDER BY item_id = $2 DESC, booked_at DESC, station
		LIMIT 1`, ref, itemID).Scan(&o.station, &o.bookedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, fmt.Errorf("no shipment or summary of %s (item %s) on the site: %w", ref, itemID, ErrNotFound)
	}
	return o, err
}

// upsertSummary writes sum as the parcel's summary under its bench.
func upsertSummary(ctx context.Context, tx pgx.Tx, station string, sum store.TrackSummary) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO track_summaries (station, order_ref, item_id, carrier, booked_at, status, open, last_polled, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (station, order_ref) DO UPDATE SET
			item_id = excluded.item_id, carrier = excluded.carrier, booked_at = excluded.booked_at,
			status = excluded.status, open = excluded.open, last_polled = excluded.last_polled, body = excluded.body`,
		station, sum.OrderRef, sum.ItemID, sum.Carrier, sum.BookedAt, string(sum.Status), !sum.Status.Final(),
		timeOrNull(sum.LastPolled), store.EncodeTrackSummary(sum))
	return err
}

// RecordTracking saves what one Track & Trace look-up taught, in one
// transaction, as store.RecordTracking does on a bench: the events not
// stored yet (once each, by item id and carrier event key), the
// shipment's status, and its summary (booked at the shipment's time).
// The owning bench hears of it through its inbox: one row per new event,
// oldest first, and one with event_key "" when the status changed without
// a new event. It returns how many events were new.
func (r *SiteRecords) RecordTracking(ref string, events []carrier.TrackingEvent, status carrier.Status, sum store.TrackSummary) (added int, err error) {
	ctx, cancel := r.ctx()
	defer cancel()
	err = pgx.BeginFunc(ctx, r.site.pool, func(tx pgx.Tx) error {
		o, err := findOwner(ctx, tx, ref, sum.ItemID)
		if err != nil {
			return err
		}
		sum.OrderRef, sum.BookedAt = ref, o.bookedAt

		// The events as columns, each once (an answer may repeat one).
		var items, keys, statuses []string
		var ats []time.Time
		var bodies [][]byte
		seen := map[string]bool{}
		for _, e := range events {
			if e.ItemID == "" {
				e.ItemID = sum.ItemID
			}
			k := e.Key()
			if seen[e.ItemID+"/"+k] {
				continue
			}
			seen[e.ItemID+"/"+k] = true
			body, err := json.Marshal(e)
			if err != nil {
				return err
			}
			items, keys, ats, statuses, bodies = append(items, e.ItemID), append(keys, k), append(ats, e.Time),
				append(statuses, string(e.Status)), append(bodies, body)
		}
		if len(items) > 0 {
			// New events and their inbox rows in one statement: an event
			// already stored (a repeated answer, or a poller that took
			// over) is neither stored nor announced again.
			tag, err := tx.Exec(ctx, `
				WITH fresh AS (
					INSERT INTO events (item_id, event_key, station, order_ref, at, status, body)
					SELECT u.item_id, u.event_key, $1, $2, u.at, u.status, u.body
					FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::jsonb[]) AS u(item_id, event_key, at, status, body)
					ON CONFLICT (item_id, event_key) DO NOTHING
					RETURNING item_id, event_key, at
				)
				INSERT INTO inbox (station, order_ref, item_id, event_key)
				SELECT $1, $2, item_id, event_key FROM fresh ORDER BY at, event_key COLLATE "C"`,
				o.station, ref, items, keys, ats, statuses, bodies)
			if err != nil {
				return fmt.Errorf("store events: %w", err)
			}
			added = int(tag.RowsAffected())
		}
		if status != "" && o.found {
			tag, err := tx.Exec(ctx, `
				UPDATE shipments SET status = $3, updated_at = now()
				WHERE station = $1 AND order_ref = $2 AND status <> $3`, o.station, ref, string(status))
			if err != nil {
				return fmt.Errorf("update status: %w", err)
			}
			if tag.RowsAffected() > 0 && added == 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO inbox (station, order_ref, item_id, event_key) VALUES ($1, $2, $3, '')`,
					o.station, ref, sum.ItemID); err != nil {
					return fmt.Errorf("announce status: %w", err)
				}
			}
		}
		return upsertSummary(ctx, tx, o.station, sum)
	})
	if err != nil {
		return 0, fmt.Errorf("record tracking of %s: %w", ref, err)
	}
	return added, nil
}

// PutTrackSummary stores (replaces) a parcel's summary under its bench,
// booked at the time RecordTracking uses (the poller calls it after a
// look-up that found nothing, to count the look-up).
func (r *SiteRecords) PutTrackSummary(sum store.TrackSummary) error {
	ctx, cancel := r.ctx()
	defer cancel()
	err := pgx.BeginFunc(ctx, r.site.pool, func(tx pgx.Tx) error {
		o, err := findOwner(ctx, tx, sum.OrderRef, sum.ItemID)
		if err != nil {
			return err
		}
		// As RecordTracking: booked at the shipment's time, or the stored
		// summary's when the server has no shipment of it, whatever the
		// poller's copy says (the dashboard's days are by booking time).
		sum.BookedAt = o.bookedAt
		return upsertSummary(ctx, tx, o.station, sum)
	})
	if err != nil {
		return fmt.Errorf("save tracking summary of %s: %w", sum.OrderRef, err)
	}
	return nil
}
