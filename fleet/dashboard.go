package fleet

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"labelstation/store"
)

// Bench is one bench as the site sees it.
type Bench struct {
	Station   string    `json:"station"`
	LastSeen  time.Time `json:"last_seen"`
	Shipments int       `json:"shipments"` // booked in the asked window
}

// Benches lists the benches that ever pushed, with their shipments booked
// on the days first…last (local time), in one query: each bench's count
// is a range of the shipments_station_booked index.
func (s *Site) Benches(ctx context.Context, first, last time.Time) ([]Bench, error) {
	lo, _ := localDay(first)
	_, hi := localDay(last)
	rows, err := s.pool.Query(ctx, `
		SELECT st.station, st.last_seen,
		       (SELECT count(*) FROM shipments s WHERE s.station = st.station AND s.booked_at >= $1 AND s.booked_at < $2)
		FROM stations st
		ORDER BY st.station`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("benches: %w", err)
	}
	defer rows.Close()
	var out []Bench
	for rows.Next() {
		var b Bench
		if err := rows.Scan(&b.Station, &b.LastSeen, &b.Shipments); err != nil {
			return nil, fmt.Errorf("benches: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("benches: %w", err)
	}
	return out, nil
}

// summariesQuery selects the window [$1, $2) of every bench, or of bench
// $3 when station is not "" (the benchmark explains the same text).
func summariesQuery(station string) string {
	if station == "" {
		return `SELECT station, body FROM track_summaries WHERE booked_at >= $1::timestamptz AND booked_at < $2::timestamptz`
	}
	return `SELECT station, body FROM track_summaries WHERE station = $3::text AND booked_at >= $1::timestamptz AND booked_at < $2::timestamptz`
}

// Summaries streams the tracking summaries of the shipments booked on the
// calendar days first…last (local time) of every bench, or of one when
// station is not "", to fn (the site dashboard's input; the same
// kpi.Builder as a single bench's). The summary fn gets is reused for the
// next row: fn copies what it keeps (kpi.Builder.Add does).
//
// A 90-day window of a busy site is close to a million rows, so the rows
// are read straight off the wire: binary results (text and bytea are then
// their raw bytes), one pass through pgconn's row buffers, each bench's
// name made a string once, each body decoded with the store's decoder.
// The query is a range of a covering index (by booking time for the site,
// by bench and booking time for one bench), so the server reads index
// pages only (an index-only scan) once the table is vacuumed; a window
// as long as the history is a sequential scan (the planner's choice:
// the table is no bigger than the index).
func (s *Site) Summaries(ctx context.Context, first, last time.Time, station string, fn func(station string, sum *store.TrackSummary) error) error {
	lo, _ := localDay(first)
	_, hi := localDay(last)
	return s.summariesSpan(ctx, lo, hi, station, fn, func(err error) error {
		return fmt.Errorf("site summaries %s…%s: %w", localDate(first), localDate(last), err)
	})
}

// SummaryParts is how many parts a dashboard splits its window into
// (SummariesSplit): one per core this process may use, leaving one of
// the pool's connections to the bench's pushes and claims.
func (s *Site) SummaryParts() int {
	return max(1, min(runtime.GOMAXPROCS(0), int(s.pool.Config().MaxConns)-1))
}

// SummariesSplit is Summaries read in parts at the same time: the
// window's booking time cut into parts equal spans, each read on its
// own connection by its own goroutine, so the server scans and the
// client decodes on several cores (a 90-day window of a busy site is
// close to a million rows). fn gets its part's number, 0…parts-1: the
// calls of one part come one after another from one goroutine, those of
// different parts at once, so each part feeds its own kpi.Builder and
// the builders are merged (kpi.Builder.Merge) when SummariesSplit
// returns. parts is capped at the pool's size. The first error stops
// every part and is returned (fn's as it is).
func (s *Site) SummariesSplit(ctx context.Context, first, last time.Time, station string, parts int, fn func(part int, station string, sum *store.TrackSummary) error) error {
	lo, _ := localDay(first)
	_, hi := localDay(last)
	parts = max(1, min(parts, int(s.pool.Config().MaxConns)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	step := hi.Sub(lo) / time.Duration(parts)
	for p := range parts {
		from, to := lo.Add(step*time.Duration(p)), lo.Add(step*time.Duration(p+1))
		if p == parts-1 {
			to = hi // the rounding of step loses no row
		}
		wg.Go(func() {
			err := s.summariesSpan(ctx, from, to, station, func(station string, sum *store.TrackSummary) error {
				return fn(p, station, sum)
			}, func(err error) error {
				return fmt.Errorf("site summaries %s…%s, part %d of %d: %w", localDate(first), localDate(last), p+1, parts, err)
			})
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel() // the other parts stop too
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return firstErr
}

// summariesSpan streams the summaries booked in [lo, hi) on one pooled
// connection (see Summaries); fail wraps its own errors, fn's come back
// as they are.
func (s *Site) summariesSpan(ctx context.Context, lo, hi time.Time, station string, fn func(station string, sum *store.TrackSummary) error, fail func(error) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fail(err)
	}
	defer conn.Release()

	params := [][]byte{[]byte(lo.Format(time.RFC3339Nano)), []byte(hi.Format(time.RFC3339Nano))}
	if station != "" {
		params = append(params, []byte(station))
	}
	sql := summariesQuery(station)
	// Stopping early (fn's error) must not drain the rest of a large
	// result: cancelling the query's context makes pgconn interrupt the
	// read (its default context watcher sets a deadline on the socket)
	// and close the connection; no cancel request is sent. The server
	// stops the query when it next writes to the closed socket, and the
	// pool drops the dead connection on Release.
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rr := conn.Conn().PgConn().ExecParams(qctx, sql, params, nil, nil, []int16{1, 1})
	var (
		cur   string
		sum   store.TrackSummary
		names = map[string]string{} // the benches' names, made once each
	)
	for rr.NextRow() {
		v := rr.Values()
		if string(v[0]) != cur { // compared and looked up without allocating
			name, ok := names[string(v[0])]
			if !ok {
				name = string(v[0])
				names[name] = name
			}
			cur = name
		}
		if sum, err = store.DecodeTrackSummary(v[1]); err != nil {
			err = fail(fmt.Errorf("a summary of %s: %w", cur, err))
			break
		}
		if err = fn(cur, &sum); err != nil {
			break
		}
	}
	if err != nil {
		cancel()
		rr.Close()
		return err
	}
	if _, err := rr.Close(); err != nil {
		return fail(err)
	}
	return nil
}
