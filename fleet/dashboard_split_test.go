package fleet

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"labelstation/internal/pgtest"
	"labelstation/station/kpi"
	"labelstation/store"
)

// TestSummariesSplitMakesTheSameReport: the site dashboard's window read
// in parts at once (SummariesSplit), a builder per part, merged, is the
// report one stream into one builder makes (Summaries), for every bench
// and for one, split in 2, 3 and 4; every row comes exactly once, and
// the calls of one part never overlap. A stopped part stops them all.
func TestSummariesSplitMakesTheSameReport(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	site, err := Open(Config{URL: url, Station: "bench-01"})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	if err := site.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Three days of the benchmark's site (20 benches, 500 parcels a day
	// each: 30,000 summaries), and a day either side out of the window.
	const days = 5
	first := time.Date(siteBenchLast.Year(), siteBenchLast.Month(), siteBenchLast.Day()-days+2, 0, 0, 0, 0, time.Local)
	n, err := site.pool.CopyFrom(ctx, pgx.Identifier{"track_summaries"},
		[]string{"station", "order_ref", "item_id", "carrier", "booked_at", "status", "open", "last_polled", "body"},
		&siteBenchRows{first: first, days: days, kind: "summaries"})
	if err != nil || n != days*siteBenchBenches*siteBenchPerDay {
		t.Fatalf("copy: %d rows, %v", n, err)
	}

	w := kpi.DaysEnding(siteBenchLast, 3, time.Local)
	now := siteBenchLast.Add(8 * time.Hour)
	opt := kpi.Options{Location: time.Local, MaxProblems: 25}
	for _, station := range []string{"", "bench-07"} {
		one := kpi.NewBuilder(w, now, opt)
		rows := 0
		err := site.Summaries(ctx, w.First, w.Last, station, func(_ string, sum *store.TrackSummary) error {
			rows++
			one.Add(sum)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := one.Report()
		wantRows := 3 * siteBenchPerDay * siteBenchBenches
		if station != "" {
			wantRows = 3 * siteBenchPerDay
		}
		if rows != wantRows || want.Shipments != wantRows || want.ProblemsTotal <= opt.MaxProblems {
			t.Fatalf("bench %q: %d rows, %d shipments, %d problems; want %d rows and more than %d problems",
				station, rows, want.Shipments, want.ProblemsTotal, wantRows, opt.MaxProblems)
		}
		for _, parts := range []int{2, 3, 4} {
			bs := make([]*kpi.Builder, parts)
			for i := range bs {
				bs[i] = kpi.NewBuilder(w, now, opt)
			}
			busy := make([]atomic.Bool, parts)
			seen := make([]map[string]bool, parts)
			for i := range seen {
				seen[i] = map[string]bool{}
			}
			var overlap atomic.Bool
			err := site.SummariesSplit(ctx, w.First, w.Last, station, parts, func(part int, st string, sum *store.TrackSummary) error {
				if busy[part].Swap(true) {
					overlap.Store(true)
				}
				defer busy[part].Store(false)
				seen[part][st+"/"+sum.OrderRef] = true
				bs[part].Add(sum)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if overlap.Load() {
				t.Errorf("bench %q, %d parts: one part's calls overlapped", station, parts)
			}
			all := map[string]bool{}
			for i, m := range seen {
				if len(m) == 0 && station == "" {
					t.Errorf("%d parts: part %d read nothing", parts, i)
				}
				for k := range m {
					if all[k] {
						t.Errorf("%d parts: %s read twice", parts, k)
					}
					all[k] = true
				}
			}
			if len(all) != wantRows {
				t.Errorf("bench %q, %d parts: %d rows, want %d", station, parts, len(all), wantRows)
			}
			for _, o := range bs[1:] {
				if err := bs[0].Merge(o); err != nil {
					t.Fatal(err)
				}
			}
			if got := bs[0].Report(); !reflect.DeepEqual(got, want) {
				t.Errorf("bench %q, %d parts: the merged report differs:\n got  %+v\n want %+v", station, parts, got, want)
			}
		}
	}

	// One part's error stops every part and comes back as it is: the
	// other parts take a millisecond a row (ten seconds for theirs) and
	// are cut short.
	stop := errors.New("enough")
	var calls [3]atomic.Int64
	start := time.Now()
	err = site.SummariesSplit(ctx, w.First, w.Last, "", 3, func(part int, _ string, _ *store.TrackSummary) error {
		if calls[part].Add(1) == 20 && part == 1 {
			return stop
		}
		time.Sleep(time.Millisecond)
		return nil
	})
	took := time.Since(start)
	if !errors.Is(err, stop) || calls[1].Load() != 20 || took > 5*time.Second {
		t.Errorf("a stopped part: %v after %v, rows by part %d %d %d; want %v at once",
			err, took, calls[0].Load(), calls[1].Load(), calls[2].Load(), stop)
	}
	// The pool is whole again: every connection can be had.
	for range 3 {
		var one int
		if err := site.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
			t.Fatalf("after a stopped split: %v", err)
		}
	}
}
