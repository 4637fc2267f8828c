package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"labelstation/carrier"
	"labelstation/internal/pgtest"
	"labelstation/station/kpi"
	"labelstation/store"
)

// The site of BenchmarkSiteDashboard: 20 benches, each booking 500
// parcels a day for 90 days ending on siteBenchLast, ten tracking events
// a parcel: 900,000 shipments and summaries, 9,000,000 events.
const (
	siteBenchBenches = 20
	siteBenchDays    = 90
	siteBenchPerDay  = 500
	siteBenchEvents  = 10
)

var siteBenchLast = time.Date(2026, 3, 31, 12, 0, 0, 0, time.Local)

// BenchmarkSiteDashboard measures the site dashboard: Site.Summaries fed
// into the same kpi.Builder a single bench uses, then its Report, over one
// day and 90 days, for all benches and for one; and the same split into
// parts read at once (Site.SummariesSplit, a builder per part, merged:
// what station.SiteDashboard does). Besides the time, the bytes
// allocated and the peak heap per report it reports the server's side,
// from one EXPLAIN (ANALYZE, BUFFERS) of the query per case: the shared
// buffers hit and read, the heap pages fetched (0 for an index-only scan)
// and the rows; the plans and the tables' and indexes' sizes are logged.
// A last case makes the 90-day report from the summaries' bytes in
// memory: the floor the server and the wire add to.
//
// The server is the benchmark's own (pgtest), set as a site's server
// would be rather than as the tests' small one: siteBenchSettings
// (shared_buffers 1 GB; SITE_BENCH_SHARED_BUFFERS=128MB measures the
// tests' size); the settings used are logged. The site is filled with
// COPY, then VACUUM ANALYZE (the visibility map lets the window be read
// from the index alone); the fill time is logged. The fill takes
// minutes: SITE_BENCH_PGDIR=DIR keeps the cluster in DIR, filled once
// and reused by later runs. SITE_BENCH_DAYS (default 90) shortens the
// history for a quick look.
//
//	SITE_BENCH_PGDIR=/var/tmp/site-bench go test -run '^$' -bench BenchmarkSiteDashboard -benchtime 3x -timeout 60m ./fleet/
func BenchmarkSiteDashboard(b *testing.B) {
	days := siteBenchDays
	if v := os.Getenv("SITE_BENCH_DAYS"); v != "" {
		days, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	url, fill, stop := siteBenchServer(b, days)
	defer stop()
	site, err := Open(Config{URL: url, Station: "bench-01"})
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	if err := site.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	// The tests' server commits asynchronously (synchronous_commit off):
	// VACUUM cannot mark a page all-visible while the commit of its rows
	// may not be on disk, and the window would then be read from the
	// heap too. The bench's own connections commit as a site's server
	// does by default.
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	pcfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	if fill {
		siteBenchFill(b, pool, days)
	}
	siteBenchSizes(b, pool)
	siteBenchShowSettings(b, pool)

	now := siteBenchLast.Add(8 * time.Hour)
	for _, window := range []int{1, 90} {
		window = min(window, days)
		for _, station := range []string{"", "bench-07"} {
			for _, parts := range []int{1, 2, 4} {
				name := "benches=all"
				want := window * siteBenchPerDay * siteBenchBenches
				if station != "" {
					name, want = "benches=one", window*siteBenchPerDay
				}
				if parts > 1 {
					name += fmt.Sprintf("/split=%d", parts)
				}
				b.Run(fmt.Sprintf("days=%d/%s", window, name), func(b *testing.B) {
					w := kpi.DaysEnding(siteBenchLast, window, time.Local)
					var rep kpi.Report
					var before, after runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&before)
					peak := watchHeap()
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						rep = siteBenchReport(b, site, w, now, station, parts)
					}
					b.StopTimer()
					p := peak()
					runtime.ReadMemStats(&after)
					if rep.Shipments != want {
						b.Fatalf("%d shipments in the report, want %d", rep.Shipments, want)
					}
					b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
					b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/report")
					b.ReportMetric(float64(p)/(1<<20), "MB-peak-heap")
					if parts == 1 {
						siteBenchExplain(b, pool, w, station)
					}
				})
			}
		}
	}

	// The floor: the same report over the 90-day window's summaries
	// already in memory (their bytes; decoded and added as above), what a
	// bench's own bbolt file comes close to (BenchmarkKPI in station).
	// The difference to days=90/benches=all is the server and the wire.
	w := kpi.DaysEnding(siteBenchLast, min(90, days), time.Local)
	lo, _ := localDay(w.First)
	_, hi := localDay(w.Last)
	var bodies [][]byte
	rows, err := pool.Query(ctx, `SELECT body FROM track_summaries WHERE booked_at >= $1 AND booked_at < $2`, lo, hi)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		bodies = append(bodies, append([]byte(nil), rows.RawValues()[0]...))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("days=%d/benches=all/from-memory", w.Days), func(b *testing.B) {
		var rep kpi.Report
		runtime.GC()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			kb := kpi.NewBuilder(w, now, kpi.Options{Location: time.Local})
			for _, body := range bodies {
				sum, err := store.DecodeTrackSummary(body)
				if err != nil {
					b.Fatal(err)
				}
				kb.Add(&sum)
			}
			rep = kb.Report()
		}
		b.StopTimer()
		if rep.Shipments != len(bodies) {
			b.Fatalf("%d shipments in the report, want %d", rep.Shipments, len(bodies))
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
	})
}

// siteBenchReport is the site's report of window w: read in one stream
// into one builder (parts 1), or split into parts, each into its own
// builder, merged.
func siteBenchReport(b *testing.B, site *Site, w kpi.Window, now time.Time, station string, parts int) kpi.Report {
	ctx := context.Background()
	opt := kpi.Options{Location: time.Local}
	if parts == 1 {
		kb := kpi.NewBuilder(w, now, opt)
		err := site.Summaries(ctx, w.First, w.Last, station, func(_ string, sum *store.TrackSummary) error {
			kb.Add(sum)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		return kb.Report()
	}
	kbs := make([]*kpi.Builder, parts)
	for i := range kbs {
		kbs[i] = kpi.NewBuilder(w, now, opt)
	}
	err := site.SummariesSplit(ctx, w.First, w.Last, station, parts, func(part int, _ string, sum *store.TrackSummary) error {
		kbs[part].Add(sum)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range kbs[1:] {
		if err := kbs[0].Merge(o); err != nil {
			b.Fatal(err)
		}
	}
	return kbs[0].Report()
}

// siteBenchSettings are the benchmark server's settings over the tests'
// (pgtest): a site's server has gigabytes of memory, and a 90-day
// window's index (about 220 MB) stays in its shared buffers.
var siteBenchSettings = map[string]string{
	"shared_buffers":       "1GB",
	"effective_cache_size": "4GB",
	"work_mem":             "64MB",
}

// siteBenchServer starts the benchmark's server and returns the URL of
// its site database, whether the database must be filled, and the
// server's stop. With SITE_BENCH_PGDIR the cluster is kept there, and a
// site filled by an earlier run (of the same days) is used again.
func siteBenchServer(b *testing.B, days int) (url string, fill bool, stop func()) {
	b.Helper()
	settings := maps.Clone(siteBenchSettings)
	if v := os.Getenv("SITE_BENCH_SHARED_BUFFERS"); v != "" {
		settings["shared_buffers"] = v
	}
	dir := os.Getenv("SITE_BENCH_PGDIR")
	srv, err := pgtest.StartWith(pgtest.Options{Dir: dir, Settings: settings})
	if err != nil {
		b.Fatalf("PostgreSQL for the benchmark: %v", err)
	}
	ctx := context.Background()
	name := fmt.Sprintf("site_bench_%dd", days)
	if dir == "" {
		name = fmt.Sprintf("site_bench_%d", os.Getpid())
	}
	admin, err := pgx.Connect(ctx, srv.URL("postgres"))
	if err != nil {
		srv.Close()
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	url = srv.URL(name)
	if dir != "" {
		if filled := siteBenchFilled(ctx, url); filled {
			b.Logf("the site of %d days in %s, filled by an earlier run", days, dir)
			return url, false, srv.Close
		}
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
			srv.Close()
			b.Fatal(err)
		}
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		srv.Close()
		b.Fatal(err)
	}
	return url, true, srv.Close
}

// siteBenchFilled says whether the database at url holds a site a run
// filled to the end (siteBenchFill marks it last).
func siteBenchFilled(ctx context.Context, url string) bool {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return false
	}
	defer conn.Close(ctx)
	var n int
	return conn.QueryRow(ctx, `SELECT count(*) FROM site_bench_filled`).Scan(&n) == nil && n == 1
}

// siteBenchShowSettings logs the server's memory settings, so a figure
// says what it was measured with.
func siteBenchShowSettings(b *testing.B, pool *pgxpool.Pool) {
	b.Helper()
	var lines []string
	for _, name := range []string{"server_version", "shared_buffers", "effective_cache_size", "work_mem", "max_parallel_workers_per_gather"} {
		var v string
		if err := pool.QueryRow(context.Background(), "SHOW "+name).Scan(&v); err != nil {
			b.Fatal(err)
		}
		lines = append(lines, name+"="+v)
	}
	b.Logf("server: %s; GOMAXPROCS=%d", strings.Join(lines, " "), runtime.GOMAXPROCS(0))
}

// watchHeap samples the heap in use (HeapInuse: objects and the free
// space in their spans) every millisecond until the returned function
// is called, which returns the highest seen, as the single bench's
// dashboard benchmark in station does; runtime/metrics reads it without
// stopping the world, so the sampling does not slow the report down.
func watchHeap() func() uint64 {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	var top atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			top.Store(max(top.Load(), samples[0].Value.Uint64()+samples[1].Value.Uint64()))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return top.Load()
	}
}

// siteBenchExplain runs the dashboard's query once under EXPLAIN
// (ANALYZE, BUFFERS) and reports what the server read.
func siteBenchExplain(b *testing.B, pool *pgxpool.Pool, w kpi.Window, station string) {
	b.Helper()
	ctx := context.Background()
	lo, _ := localDay(w.First)
	_, hi := localDay(w.Last)
	args := []any{lo, hi}
	if station != "" {
		args = append(args, station)
	}
	var plan []byte
	if err := pool.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+summariesQuery(station), args...).Scan(&plan); err != nil {
		b.Fatal(err)
	}
	var out []struct {
		Plan struct {
			NodeType          string  `json:"Node Type"`
			IndexName         string  `json:"Index Name"`
			ActualRows        float64 `json:"Actual Rows"`
			HeapFetches       float64 `json:"Heap Fetches"`
			SharedHitBlocks   float64 `json:"Shared Hit Blocks"`
			SharedReadBlocks  float64 `json:"Shared Read Blocks"`
			ActualTotalTimeMs float64 `json:"Actual Total Time"`
		} `json:"Plan"`
		ExecutionTime float64 `json:"Execution Time"`
	}
	if err := json.Unmarshal(plan, &out); err != nil || len(out) != 1 {
		b.Fatalf("explain: %v\n%s", err, plan)
	}
	p := out[0].Plan
	b.ReportMetric(p.ActualRows, "rows")
	b.ReportMetric(p.SharedHitBlocks, "blks-hit")
	b.ReportMetric(p.SharedReadBlocks, "blks-read")
	b.ReportMetric(p.HeapFetches, "heap-fetches")
	b.ReportMetric(out[0].ExecutionTime, "server-ms")
	b.Logf("plan: %s on %s, %.0f rows, %.0f heap fetches, %.0f blocks hit + %.0f read (%.1f MB), %.1f ms on the server",
		p.NodeType, p.IndexName, p.ActualRows, p.HeapFetches, p.SharedHitBlocks, p.SharedReadBlocks,
		(p.SharedHitBlocks+p.SharedReadBlocks)*8/1024, out[0].ExecutionTime)
}

// siteBenchSizes logs the tables' and indexes' sizes.
func siteBenchSizes(b *testing.B, pool *pgxpool.Pool) {
	b.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT c.relname, c.relkind, pg_relation_size(c.oid), coalesce(t.relname, ''), c.relpages, c.relallvisible
		FROM pg_class c
		LEFT JOIN pg_index i ON i.indexrelid = c.oid
		LEFT JOIN pg_class t ON t.oid = i.indrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND coalesce(t.relname, c.relname) IN ('shipments', 'events', 'track_summaries')
		ORDER BY coalesce(t.relname, c.relname), c.relkind DESC, c.relname`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var name, kind, table string
		var size int64
		var pages, visible int32
		if err := rows.Scan(&name, &kind, &size, &table, &pages, &visible); err != nil {
			b.Fatal(err)
		}
		what := fmt.Sprintf("table (%d of %d pages all-visible)", visible, pages)
		if kind == "i" {
			what = "index on " + table
		}
		lines = append(lines, fmt.Sprintf("%-32s %8.1f MB  %s", name, float64(size)/(1<<20), what))
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	b.Logf("sizes:\n%s", strings.Join(lines, "\n"))
}

// siteBenchFill writes days days of every bench with COPY: shipments and
// summaries in one stream, the events in two more, then VACUUM ANALYZE.
func siteBenchFill(b *testing.B, pool *pgxpool.Pool, days int) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	first := time.Date(siteBenchLast.Year(), siteBenchLast.Month(), siteBenchLast.Day()-days+1, 0, 0, 0, 0, time.Local)
	if _, err := pool.Exec(ctx, `INSERT INTO stations (station, last_seen)
		SELECT format('bench-%s', lpad(g::text, 2, '0')), $1 FROM generate_series(1, $2) g`, siteBenchLast, siteBenchBenches); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	copyTable := func(table string, cols []string, src pgx.CopyFromSource) {
		defer wg.Done()
		n, err := pool.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
		if err != nil {
			errs <- fmt.Errorf("copy %s: %w", table, err)
			return
		}
		b.Logf("copied %d rows into %s in %v", n, table, time.Since(start).Round(time.Second))
	}
	wg.Add(4)
	go copyTable("shipments", []string{"station", "order_ref", "carrier", "service", "shipment_id", "tracking_id", "item_ids",
		"weight_g", "country", "status", "booked_at", "printed_at", "printer", "synced_at", "updated_at"},
		&siteBenchRows{first: first, days: days, kind: "shipments"})
	go copyTable("track_summaries", []string{"station", "order_ref", "item_id", "carrier", "booked_at", "status", "open", "last_polled", "body"},
		&siteBenchRows{first: first, days: days, kind: "summaries"})
	// The events, the bulk, in two streams (benches odd and even).
	evCols := []string{"item_id", "event_key", "station", "order_ref", "at", "status", "body"}
	go copyTable("events", evCols, &siteBenchRows{first: first, days: days, kind: "events", benchMod: 0})
	go copyTable("events", evCols, &siteBenchRows{first: first, days: days, kind: "events", benchMod: 1})
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	filled := time.Since(start)
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) shipments, track_summaries, events, stations`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE site_bench_filled AS SELECT 1 AS done`); err != nil {
		b.Fatal(err)
	}
	b.Logf("filled %d benches × %d days (%d shipments and summaries, %d events) in %v, vacuumed and analysed in %v",
		siteBenchBenches, days, siteBenchBenches*days*siteBenchPerDay, siteBenchBenches*days*siteBenchPerDay*siteBenchEvents,
		filled.Round(time.Second), (time.Since(start) - filled).Round(time.Second))
}

// siteBenchRows generates one table's rows parcel by parcel, bench by
// bench, day by day; every kind draws the same parcels (the same seed per
// bench and day).
type siteBenchRows struct {
	first    time.Time
	days     int
	kind     string // shipments, summaries, events
	benchMod int    // events: only benches with this parity

	bench, day, i, ev int // the next parcel (bench 0-based), its next event
	rng               *rand.Rand
	sum               store.TrackSummary
	events            []carrier.TrackingEvent
	row               []any
	started           bool
}

func (r *siteBenchRows) Next() bool {
	if r.kind == "events" {
		if r.started && r.ev+1 < len(r.events) {
			r.ev++
			r.row = r.eventRow(r.events[r.ev])
			return true
		}
	}
	if !r.nextParcel() {
		return false
	}
	switch r.kind {
	case "shipments":
		s := r.sum
		printed := s.BookedAt.Add(20 * time.Second)
		r.row = []any{siteBenchStation(r.bench), s.OrderRef, s.Carrier, s.Service, "SH" + s.ItemID, s.ItemID, []string{s.ItemID},
			int64(800 + r.i%3000), s.Country, string(s.Status), s.BookedAt, printed, "zebra-1", printed, s.LastPolled}
	case "summaries":
		s := r.sum
		r.row = []any{siteBenchStation(r.bench), s.OrderRef, s.ItemID, s.Carrier, s.BookedAt, string(s.Status), !s.Status.Final(),
			s.LastPolled, store.EncodeTrackSummary(s)}
	case "events":
		r.events = siteBenchEventsOf(r.sum, r.events[:0])
		r.ev = 0
		r.row = r.eventRow(r.events[0])
	}
	return true
}

// nextParcel moves to the next parcel (of the benches r streams) and
// draws its summary.
func (r *siteBenchRows) nextParcel() bool {
	if !r.started {
		r.started = true
		r.bench, r.day, r.i = 0, 0, -1
		if r.kind == "events" {
			r.bench = r.benchMod
		}
		r.newDay()
	}
	r.i++
	if r.i == siteBenchPerDay {
		r.i = 0
		r.day++
		if r.day == r.days {
			r.day = 0
			r.bench++
			if r.kind == "events" {
				r.bench++
			}
			if r.bench >= siteBenchBenches {
				return false
			}
		}
		r.newDay()
	}
	day := time.Date(r.first.Year(), r.first.Month(), r.first.Day()+r.day, 0, 0, 0, 0, time.Local)
	r.sum = siteBenchSummary(r.rng, r.bench, day, r.day, r.i)
	return true
}

func (r *siteBenchRows) newDay() {
	r.rng = rand.New(rand.NewPCG(uint64(r.bench), uint64(r.day)))
}

func (r *siteBenchRows) eventRow(e carrier.TrackingEvent) []any {
	body, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return []any{e.ItemID, e.Key(), siteBenchStation(r.bench), r.sum.OrderRef, e.Time, string(e.Status), body}
}

func (r *siteBenchRows) Values() ([]any, error) { return r.row, nil }
func (r *siteBenchRows) Err() error             { return nil }

func siteBenchStation(bench int) string { return fmt.Sprintf("bench-%02d", bench+1) }

var siteBenchCountries = []string{"SE", "SE", "SE", "SE", "NO", "NO", "DK", "FI", "DE"}

// siteBenchSummary is a plausible parcel of bench booked on day: most
// delivered on time, some late, in customs into Norway, exceptions,
// returned, lost; the last days' parcels still on their way.
func siteBenchSummary(rng *rand.Rand, bench int, day time.Time, d, i int) store.TrackSummary {
	booked := day.Add(time.Duration(8*3600+rng.IntN(10*3600)) * time.Second)
	c := siteBenchCountries[rng.IntN(len(siteBenchCountries))]
	s := store.TrackSummary{
		OrderRef: fmt.Sprintf("B%02d-%s-%03d", bench+1, day.Format("20060102"), i),
		ItemID:   fmt.Sprintf("0037350%02d%03d%03d%03d", bench+1, d, i, rng.IntN(1000)),
		Carrier:  "postnord", Service: []string{"19", "17", "30"}[rng.IntN(3)], FromCountry: "SE", Country: c,
		BookedAt: booked, Status: carrier.StatusDelivered, Events: siteBenchEvents,
		FirstEvent: booked.Add(3 * time.Hour), MaxGap: time.Duration(4+rng.IntN(30)) * time.Hour,
		Expected: booked.Add(72 * time.Hour), Polls: 6,
	}
	transit := time.Duration(20+rng.IntN(70)) * time.Hour
	if c == "NO" {
		s.CustomsSince = booked.Add(30 * time.Hour)
		s.CustomsCleared = s.CustomsSince.Add(time.Duration(6+rng.IntN(80)) * time.Hour)
		transit += s.CustomsCleared.Sub(s.CustomsSince)
		s.Expected = booked.Add(120 * time.Hour)
	}
	s.Delivered = booked.Add(transit)
	switch r := rng.IntN(1000); {
	case r < 3:
		s.Status, s.Delivered, s.Lost = carrier.StatusLost, time.Time{}, booked.Add(9*24*time.Hour)
	case r < 25:
		s.Exception = booked.Add(26 * time.Hour)
	case r < 40:
		s.Status, s.Delivered, s.Returned = carrier.StatusReturned, time.Time{}, booked.Add(8*24*time.Hour)
	case r < 45:
		s.Damaged = true
	case r < 60:
		s.FirstAttempt = s.Delivered.Add(-24 * time.Hour)
	}
	now := siteBenchLast.Add(8 * time.Hour)
	if !s.Delivered.IsZero() && s.Delivered.After(now) {
		s.Status, s.Delivered = carrier.StatusInTransit, time.Time{}
	}
	for _, t := range []time.Time{s.FirstEvent, s.Delivered, s.Lost, s.Returned, s.CustomsCleared} {
		if t.After(s.LastEvent) {
			s.LastEvent = t
		}
	}
	if s.LastEvent.After(now) {
		s.LastEvent = now.Add(-time.Hour)
	}
	s.LastPolled = s.LastEvent.Add(time.Hour)
	return s
}

// siteBenchEventsOf appends the parcel's events to out: its first scan to
// its last event, in PostNord's words.
func siteBenchEventsOf(s store.TrackSummary, out []carrier.TrackingEvent) []carrier.TrackingEvent {
	span := s.LastEvent.Sub(s.FirstEvent)
	for i := range siteBenchEvents {
		st := carrier.StatusInTransit
		switch {
		case i == 0:
			st = carrier.StatusHandedOver
		case i == siteBenchEvents-1 && s.Status.Final():
			st = s.Status
		}
		out = append(out, carrier.TrackingEvent{ItemID: s.ItemID, Time: s.FirstEvent.Add(span * time.Duration(i) / (siteBenchEvents - 1)),
			Status: st, CarrierCode: fmt.Sprintf("EV%02d", i), CarrierStatus: "EN_ROUTE",
			Description: "The shipment item has been sorted at the terminal", Location: "PostNord terminal Hallsberg", Country: "SE"})
	}
	return out
}
