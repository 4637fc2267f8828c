package kpi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// siteHistory is sampleHistory as three benches would book it: the same
// order refs on every bench (benches number their orders alike), other
// carriers and services, first attempts, and a few parcels booked
// outside the window, so merging meets ties and every group kind.
func siteHistory(t *testing.T) []store.TrackSummary {
	t.Helper()
	base := sampleHistory(1500)
	rng := rand.New(rand.NewPCG(3, 9))
	var sums []store.TrackSummary
	for bench := range 3 {
		for i, s := range base {
			s.ItemID = fmt.Sprintf("B%d-%s", bench, s.ItemID)
			switch i % 7 {
			case 1:
				s.Carrier, s.Service = "STG", "PARCEL"
			case 2:
				s.Service = ""
			case 3:
				s.Carrier = ""
			}
			if i%11 == 0 && s.Status == carrier.StatusInTransit && !s.FirstEvent.IsZero() {
				s.FirstAttempt = s.BookedAt.Add(time.Duration(30+rng.IntN(60)) * time.Hour)
			}
			if i%13 == 0 && s.Status == carrier.StatusInTransit {
				s.Status, s.AtServicePoint = carrier.StatusAtServicePoint, now.Add(-time.Duration(100+rng.IntN(100))*time.Hour)
			}
			if i%97 == 0 {
				s.BookedAt = now.Add(-40 * 24 * time.Hour) // outside the 30 days
			}
			sums = append(sums, s)
		}
	}
	return sums
}

// TestMergedBuildersMakeTheSameReport: builders fed parts of the
// summaries (as the site dashboard's parallel scans feed them) and
// merged give exactly the report of one builder fed them all: the same
// KPIs to the last bit (p90s and means included), the same problem list
// in the same order after trimming, the same daily counts, status mix
// and per-country, per-service and per-carrier groups.
func TestMergedBuildersMakeTheSameReport(t *testing.T) {
	sums := siteHistory(t)
	w := DaysEnding(now, 30, sthlm)
	opt := Options{Location: sthlm, MaxProblems: 40, Thresholds: map[string][2]float64{KeyLate: {5, 10}}}
	want := Compute(sums, w, now, opt)

	// The report must be worth comparing: trimmed problems of every
	// kind, several services and carriers, measured p90s.
	if want.ProblemsTotal <= opt.MaxProblems || len(want.Problems) != opt.MaxProblems {
		t.Fatalf("%d problems of %d listed: the test needs trimming", len(want.Problems), want.ProblemsTotal)
	}
	for _, k := range []string{ProblemLost, ProblemCustoms, ProblemLate, ProblemSilent, ProblemHoldEnding} {
		if want.ProblemKinds[k] == 0 {
			t.Fatalf("no %s problem in the sample: %v", k, want.ProblemKinds)
		}
	}
	if len(want.ByService) < 4 || len(want.ByCarrier) < 3 {
		t.Fatalf("%d services, %d carriers: the sample needs more", len(want.ByService), len(want.ByCarrier))
	}
	if p90 := kpiOf(t, want.Overall, KeyP90Transit); p90.Count < 100 || p90.Value <= 0 {
		t.Fatalf("p90 transit %+v: the sample needs deliveries", p90)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	splits := map[string]func(i int) int{
		"round robin of 3":  func(i int) int { return i % 3 },
		"contiguous 4":      func(i int) int { return i * 4 / len(sums) },
		"random of 5":       func(int) int { return rng.IntN(5) },
		"by bench reversed": func(i int) int { return 2 - i/(len(sums)/3) },
		"one part empty":    func(i int) int { return 1 + i%2 },
	}
	for name, part := range splits {
		t.Run(name, func(t *testing.T) {
			var parts []*Builder
			for i := range sums {
				p := part(i)
				for len(parts) <= p {
					parts = append(parts, NewBuilder(w, now, opt))
				}
				parts[p].Add(&sums[i])
			}
			// Merge from the last part to the first, the other way round
			// from how the parts were filled.
			got := parts[len(parts)-1]
			for i := len(parts) - 2; i >= 0; i-- {
				if err := got.Merge(parts[i]); err != nil {
					t.Fatal(err)
				}
			}
			rep := got.Report()
			if !reflect.DeepEqual(rep, want) {
				for _, d := range reportDiff(rep, want) {
					t.Error(d)
				}
				t.FailNow()
			}
		})
	}
}

// reportDiff names the parts of two reports that differ.
func reportDiff(got, want Report) []string {
	var out []string
	check := func(what string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			out = append(out, fmt.Sprintf("%s:\n got  %+v\n want %+v", what, a, b))
		}
	}
	check("shipments", got.Shipments, want.Shipments)
	check("overall", got.Overall, want.Overall)
	check("by country", got.ByCountry, want.ByCountry)
	check("by service", got.ByService, want.ByService)
	check("by carrier", got.ByCarrier, want.ByCarrier)
	check("daily", got.Daily, want.Daily)
	check("status mix", got.StatusMix, want.StatusMix)
	check("problems total", got.ProblemsTotal, want.ProblemsTotal)
	check("problem kinds", got.ProblemKinds, want.ProblemKinds)
	if len(got.Problems) != len(want.Problems) {
		out = append(out, fmt.Sprintf("%d problems listed, want %d", len(got.Problems), len(want.Problems)))
	} else {
		for i := range got.Problems {
			check(fmt.Sprintf("problem %d", i), got.Problems[i], want.Problems[i])
		}
	}
	if len(out) == 0 {
		out = append(out, "the reports differ elsewhere")
	}
	return out
}

// TestMergeRefusesDifferentBuilders: builders of other windows, times or
// options cannot be merged (their figures would not add up).
func TestMergeRefusesDifferentBuilders(t *testing.T) {
	w := DaysEnding(now, 30, sthlm)
	b := NewBuilder(w, now, Options{Location: sthlm})
	for name, o := range map[string]*Builder{
		"window":   NewBuilder(DaysEnding(now, 7, sthlm), now, Options{Location: sthlm}),
		"now":      NewBuilder(w, now.Add(time.Hour), Options{Location: sthlm}),
		"problems": NewBuilder(w, now, Options{Location: sthlm, MaxProblems: 5}),
		"location": NewBuilder(w, now, Options{Location: time.UTC}),
	} {
		if err := b.Merge(o); err == nil {
			t.Errorf("merged a builder of another %s", name)
		}
	}
}

// TestCivilDayMatchesTheCalendar: the builder's cached-zone day number
// is the calendar day time.Time.Date gives, across DST changes (both
// directions), around midnight, before 1970, in zones east and west.
func TestCivilDayMatchesTheCalendar(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, loc := range []*time.Location{sthlm, mustLoc("America/New_York"), mustLoc("Australia/Lord_Howe"), time.UTC} {
		b := NewBuilder(DaysEnding(now, 1, loc), now, Options{Location: loc})
		var times []time.Time
		for _, s := range []string{"2026-03-29 00:59", "2026-03-29 01:00", "2026-03-29 03:00", "2026-10-25 00:30",
			"2026-10-25 01:30", "2026-10-25 23:59", "1969-12-31 23:30", "1950-06-01 00:00"} {
			u, _ := time.Parse("2006-01-02 15:04", s)
			times = append(times, u, u.Add(-time.Nanosecond), u.Add(time.Nanosecond))
		}
		for range 5000 {
			times = append(times, time.Unix(rng.Int64N(2_000_000_000)-200_000_000, rng.Int64N(1e9)))
		}
		for _, u := range times {
			y, m, d := u.In(loc).Date()
			want := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
			if got := b.civil(u); got != want {
				t.Fatalf("%s: civil(%s) = %d, want %d", loc, u.In(loc), got, want)
			}
		}
	}
}

// TestNthSmallestIsTheSortedRank: the percentile's selection picks what
// sorting would, on random, sorted, reversed and repetitive inputs, for
// every rank of small inputs and the p90 rank of large ones.
func TestNthSmallestIsTheSortedRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	gen := map[string]func(i, n int) time.Duration{
		"random":   func(int, int) time.Duration { return time.Duration(rng.Int64N(1e15)) },
		"sorted":   func(i, _ int) time.Duration { return time.Duration(i) * time.Hour },
		"reversed": func(i, n int) time.Duration { return time.Duration(n-i) * time.Hour },
		"few":      func(int, int) time.Duration { return time.Duration(rng.IntN(4)) * time.Hour },
		"same":     func(int, int) time.Duration { return time.Hour },
		"organ":    func(i, n int) time.Duration { return time.Duration(min(i, n-i)) * time.Minute },
	}
	for name, g := range gen {
		for _, n := range []int{1, 2, 33, 100, 1000, 100_000} {
			xs := make([]time.Duration, n)
			for i := range xs {
				xs[i] = g(i, n)
			}
			sorted := slices.Clone(xs)
			slices.Sort(sorted)
			ranks := []int{int(math.Ceil(0.9*float64(n))) - 1, 0, n - 1}
			if n <= 100 {
				ranks = ranks[:0]
				for k := range n {
					ranks = append(ranks, k)
				}
			}
			for _, k := range ranks {
				work := slices.Clone(xs)
				if got := nthSmallest(work, k); got != sorted[k] {
					t.Fatalf("%s, n=%d: rank %d is %v, want %v", name, n, k, got, sorted[k])
				}
			}
		}
	}
}

// TestTransitMeanAndP90: the blocks' mean and bucketed percentile are
// the textbook figures (the mean of the days, the ceil(0.9·n)-th
// smallest after sorting; the float sum of a long list drifts in its
// last digits, the exact one does not) on lists of one value to many blocks, spread
// or clustered.
func TestTransitMeanAndP90(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	gen := map[string]func() time.Duration{
		"hours":     func() time.Duration { return time.Duration(20+rng.IntN(70)) * time.Hour },
		"nanos":     func() time.Duration { return time.Duration(rng.Int64N(30 * 24 * int64(time.Hour))) },
		"clustered": func() time.Duration { return 50*time.Hour + time.Duration(rng.IntN(3))*time.Second },
		"zeros":     func() time.Duration { return time.Duration(rng.IntN(2)) * time.Duration(rng.Int64N(1e15)) },
	}
	for name, g := range gen {
		for _, n := range []int{1, 2, 10, 63, 64, 65, 1000, 200_000} {
			var d durations
			var days []float64
			for range n {
				x := g()
				d.add(x)
				days = append(days, x.Hours()/24)
			}
			var sum float64
			for _, v := range days {
				sum += v
			}
			slices.Sort(days)
			wantAvg, wantP90 := sum/float64(n), days[int(math.Ceil(0.9*float64(n)))-1]
			avg, p90 := d.avgP90()
			if p90 != wantP90 || math.Abs(avg-wantAvg) > 1e-9*math.Max(1, wantAvg) {
				t.Fatalf("%s, n=%d: avg %v p90 %v, want %v and %v", name, n, avg, p90, wantAvg, wantP90)
			}
		}
	}
	var none durations
	if avg, p90 := none.avgP90(); !math.IsNaN(avg) || !math.IsNaN(p90) {
		t.Errorf("no times: %v %v, want NaN", avg, p90)
	}
}
