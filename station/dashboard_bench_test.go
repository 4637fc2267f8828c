package station_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/station"
	"labelstation/station/kpi"
	"labelstation/store"
)

// benchLast is the last day of the benchmark's windows; its stores hold
// 5,000 parcels booked on every day up to it.
var benchLast = time.Date(2026, 3, 31, 12, 0, 0, 0, time.Local)

const benchPerDay = 5000

// BenchmarkKPI measures Station.Dashboard over bbolt stores of tracking
// summaries (5,000 parcels a day): one day, and a 90-day window (450,000
// parcels), in three stores: the window's summaries only; the same plus
// the window's tracking events (10 a parcel, 4.5 million, in the events
// buckets the poller writes); and the window plus a year of older history
// (1,825,000 more summaries, without events: a year of events would be
// some 10 GB). The KPIs read only the summaries' bucket, so neither the
// events nor the older history should change the time. It reports the
// time per report, the bytes allocated and the peak heap in use.
//
// Filling the stores goes through store.PutTrackSummary (one commit
// each) and store.PutEvents, so the first run takes minutes; the filled
// files are kept in KPI_BENCH_DIR (default /dev/shm or the temp dir,
// labelstation-kpi-bench) and reused. KPI_BENCH_HISTORY_DAYS (default
// 365) sets the older history.
//
//	go test -run '^$' -bench BenchmarkKPI -benchtime 5x -timeout 60m ./station/
func BenchmarkKPI(b *testing.B) {
	history := 365
	if v := os.Getenv("KPI_BENCH_HISTORY_DAYS"); v != "" {
		history, _ = strconv.Atoi(v)
	}
	for _, size := range []struct {
		name   string
		days   int
		events bool
	}{{"window-only", 90, false}, {"window-with-events", 90, true}, {fmt.Sprintf("plus-%d-older-days", history), 90 + history, false}} {
		st := benchStore(b, size.days, size.events)
		s := station.New(st, nil, nil, nil, station.Config{Now: func() time.Time { return benchLast.Add(8 * time.Hour) }})
		for _, days := range []int{1, 90} {
			b.Run(fmt.Sprintf("store=%s/days=%d", size.name, days), func(b *testing.B) {
				var rep kpi.Report
				peak := watchHeap()
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					var err error
					if rep, err = s.Dashboard(context.Background(), benchLast, days); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				runtime.ReadMemStats(&after)
				p := peak()
				if want := days * benchPerDay; rep.Shipments != want {
					b.Fatalf("%d shipments, want %d", rep.Shipments, want)
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/report")
				b.ReportMetric(float64(p)/(1<<20), "MB-peak-heap")
				b.ReportMetric(float64(after.Sys)/(1<<20), "MB-sys")
			})
		}
		st.Close()
	}
}

// watchHeap samples HeapInuse every millisecond until the returned
// function is called, which returns the highest seen.
func watchHeap() func() uint64 {
	var mu sync.Mutex
	var top uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			mu.Lock()
			top = max(top, m.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return top
	}
}

// benchStore opens (filling on first use) a store of days days of
// parcels ending on benchLast.
func benchStore(b *testing.B, days int, withEvents bool) *store.Store {
	b.Helper()
	root := os.Getenv("KPI_BENCH_DIR")
	if root == "" {
		root = os.TempDir()
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			root = "/dev/shm"
		}
		root = filepath.Join(root, "labelstation-kpi-bench")
	}
	name := fmt.Sprintf("v1-%ddays-%dperday-%s", days, benchPerDay, benchLast.Format("20060102"))
	if withEvents {
		name += "-events"
	}
	dir := filepath.Join(root, name)
	done := filepath.Join(dir, "filled")
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(dir)
		st, err := store.Open(dir, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		rng := rand.New(rand.NewPCG(1, uint64(days)))
		first := time.Date(benchLast.Year(), benchLast.Month(), benchLast.Day()-days+1, 0, 0, 0, 0, time.Local)
		for d := 0; d < days; d++ {
			day := time.Date(first.Year(), first.Month(), first.Day()+d, 0, 0, 0, 0, time.Local)
			var events []carrier.TrackingEvent
			for i := 0; i < benchPerDay; i++ {
				sum := benchSummary(rng, day, d, i)
				if err := st.PutTrackSummary(sum); err != nil {
					b.Fatal(err)
				}
				if withEvents {
					events = append(events, benchEvents(sum)...)
				}
			}
			for len(events) > 0 {
				n := min(len(events), 10000)
				if _, err := st.PutEvents(events[:n]); err != nil {
					b.Fatal(err)
				}
				events = events[n:]
			}
			if d%10 == 9 {
				b.Logf("filled %d of %d days (%d summaries) in %v", d+1, days, (d+1)*benchPerDay, time.Since(start).Round(time.Second))
			}
		}
		st.Close()
		b.Logf("filled %d summaries in %v", days*benchPerDay, time.Since(start).Round(time.Second))
		if err := os.WriteFile(done, nil, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return st
}

var benchCountries = []string{"SE", "SE", "SE", "SE", "NO", "NO", "DK", "FI", "DE"}

// benchSummary is a plausible parcel booked on day: ten events, most
// delivered on time, some late, exceptions, customs stalls, lost.
func benchSummary(rng *rand.Rand, day time.Time, d, i int) store.TrackSummary {
	booked := day.Add(time.Duration(8*3600+rng.IntN(10*3600)) * time.Second)
	c := benchCountries[rng.IntN(len(benchCountries))]
	s := store.TrackSummary{
		OrderRef: fmt.Sprintf("B%s-%05d", day.Format("20060102"), i), ItemID: fmt.Sprintf("00373500%04d%08d", d%10000, i),
		Carrier: "postnord", Service: []string{"19", "17", "30"}[rng.IntN(3)], FromCountry: "SE", Country: c,
		BookedAt: booked, Status: carrier.StatusDelivered, Events: 10,
		FirstEvent: booked.Add(3 * time.Hour), MaxGap: time.Duration(4+rng.IntN(30)) * time.Hour,
		Expected: booked.Add(72 * time.Hour), LastPolled: booked.Add(80 * time.Hour), Polls: 6,
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
	}
	now := benchLast.Add(8 * time.Hour)
	if !s.Delivered.IsZero() && s.Delivered.After(now) {
		s.Status, s.Delivered = carrier.StatusInTransit, time.Time{}
	}
	s.LastEvent = kpiLatest(s.FirstEvent, s.Delivered, s.Lost, s.Returned, s.CustomsCleared)
	if s.LastEvent.After(now) {
		s.LastEvent = now.Add(-time.Hour)
	}
	return s
}

func kpiLatest(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}

// benchEvents are ten events along a parcel's summary: from its first
// scan to its last event, in PostNord's words.
func benchEvents(s store.TrackSummary) []carrier.TrackingEvent {
	out := make([]carrier.TrackingEvent, 0, 10)
	span := s.LastEvent.Sub(s.FirstEvent)
	for i := 0; i < 10; i++ {
		st := carrier.StatusInTransit
		switch {
		case i == 0:
			st = carrier.StatusHandedOver
		case i == 9 && s.Status.Final():
			st = s.Status
		}
		out = append(out, carrier.TrackingEvent{ItemID: s.ItemID, Time: s.FirstEvent.Add(span * time.Duration(i) / 9),
			Status: st, CarrierCode: fmt.Sprintf("EV%02d", i), CarrierStatus: "EN_ROUTE",
			Description: "The shipment item has been sorted at the terminal", Location: "PostNord terminal Hallsberg", Country: "SE"})
	}
	return out
}
