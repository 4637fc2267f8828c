package kpi

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

var sthlm = mustLoc("Europe/Stockholm")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a Stockholm wall-clock time, "2026-03-28 10:00".
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, sthlm)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string) time.Time { return at(s + " 00:00") }

// now is Friday 2026-04-10 12:00 in Stockholm for every test here.
var now = at("2026-04-10 12:00")

func compute(t *testing.T, sums []store.TrackSummary, opt Options) Report {
	t.Helper()
	opt.Location = sthlm
	r := Compute(sums, DaysEnding(now, 30, sthlm), now, opt)
	if _, err := json.Marshal(r); err != nil { // no NaN may leak into JSON
		t.Fatalf("report does not encode: %v", err)
	}
	return r
}

func kpiOf(t *testing.T, ks []KPI, key string) KPI {
	t.Helper()
	for _, k := range ks {
		if k.Key == key {
			return k
		}
	}
	t.Fatalf("no KPI %s", key)
	return KPI{}
}

func group(t *testing.T, gs []Group, key string) Group {
	t.Helper()
	for _, g := range gs {
		if g.Key == key {
			return g
		}
	}
	t.Fatalf("no group %s", key)
	return Group{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// sum is a parcel from Sweden with the fields a test sets.
func sum(ref, to string, booked time.Time) store.TrackSummary {
	return store.TrackSummary{OrderRef: ref, ItemID: "ID" + ref, Carrier: "postnord", Service: "19",
		FromCountry: "SE", Country: to, BookedAt: booked, Status: carrier.StatusInTransit,
		Events: 3, FirstEvent: booked.Add(2 * time.Hour), LastEvent: now.Add(-time.Hour)}
}

func delivered(s store.TrackSummary, expected string, at time.Time) store.TrackSummary {
	s.Status = carrier.StatusDelivered
	s.Delivered, s.LastEvent = at, at
	if expected != "" {
		s.Expected = day(expected).Add(12 * time.Hour)
	}
	return s
}

// TestOnTimeAndTransitByHand: five SE→SE parcels delivered, one late in
// transit, across midnight and the spring DST change (2026-03-29 02:00).
func TestOnTimeAndTransitByHand(t *testing.T) {
	sums := []store.TrackSummary{
		// A: expected 03-22, delivered 03-22 22:00 → on time.
		//    transit 03-20 10:00 → 03-22 22:00 = 60 h = 2.5 days.
		delivered(sum("A", "SE", at("2026-03-20 10:00")), "2026-03-22", at("2026-03-22 22:00")),
		// B: expected 03-21, delivered 03-22 00:30 (just past midnight) → late.
		//    transit 03-20 22:00 → 03-22 00:30 = 26.5 h = 1.1041666… days.
		delivered(sum("B", "SE", at("2026-03-20 22:00")), "2026-03-21", at("2026-03-22 00:30")),
		// C: expected 03-23, delivered a day early → on time. 24 h = 1 day.
		delivered(sum("C", "SE", at("2026-03-21 08:00")), "2026-03-23", at("2026-03-22 08:00")),
		// D: no expected day → not in the on-time rate; transit 72 h = 3 days.
		delivered(sum("D", "SE", at("2026-03-21 08:00")), "", at("2026-03-24 08:00")),
		// E: booked Sat 03-28 10:00 CET, delivered Mon 03-30 10:00 CEST:
		//    the clocks went forward, so 47 h (not 48) = 1.9583333… days.
		//    Expected 03-30 → on time.
		delivered(sum("E", "SE", at("2026-03-28 10:00")), "2026-03-30", at("2026-03-30 10:00")),
	}
	// F: expected 03-25, still in transit → late_parcels, not in OTD.
	f := sum("F", "SE", at("2026-03-22 09:00"))
	f.Expected = at("2026-03-25 12:00")
	sums = append(sums, f)

	r := compute(t, sums, Options{})
	if r.Shipments != 6 || r.From != "2026-03-12" || r.To != "2026-04-10" || r.Days != 30 {
		t.Fatalf("window: %d shipments %s…%s (%d days)", r.Shipments, r.From, r.To, r.Days)
	}
	// On time: A, C, E of A, B, C, E = 3/4 = 75 % → below 90: critical.
	otd := kpiOf(t, r.Overall, KeyOnTime)
	if otd.Count != 3 || otd.Of != 4 || !near(otd.Value, 75) || otd.State != StateCritical || !otd.HigherIsBetter {
		t.Errorf("on-time: %+v, want 3/4 = 75 %% critical", otd)
	}
	// Transit: (2.5 + 1.1041666 + 1 + 3 + 1.9583333) / 5 = 9.5625 / 5 = 1.9125 days → ok (≤ 3).
	// P90 by nearest rank: ceil(0.9·5) = 5th smallest of 1, 1.104, 1.958, 2.5, 3 = 3.
	avg := kpiOf(t, r.Overall, KeyAvgTransit)
	if !near(avg.Value, 1.9125) || avg.Of != 5 || avg.State != StateOK {
		t.Errorf("avg transit: %+v, want 1.9125 days of 5", avg)
	}
	if p := kpiOf(t, r.Overall, KeyP90Transit); !near(p.Value, 3) {
		t.Errorf("p90 transit: %v, want 3", p.Value)
	}
	if n := kpiOf(t, r.Overall, KeyAvgTransitSENO); n.State != StateNA || n.Of != 0 {
		t.Errorf("no NO parcels, yet the border transit is %+v", n)
	}
	if l := kpiOf(t, r.Overall, KeyLate); l.Count != 1 {
		t.Errorf("late parcels: %d, want 1 (F)", l.Count)
	}
	if len(r.Problems) != 1 || r.Problems[0].OrderRef != "F" || r.Problems[0].Kind != ProblemLate ||
		!strings.Contains(r.Problems[0].Note, "expected 2026-03-25") {
		t.Errorf("problems: %+v", r.Problems)
	}
	// Country SE holds everything; NO nothing (n/a, no division by zero).
	if se := group(t, r.ByCountry, "SE"); se.Shipments != 6 || !near(kpiOf(t, se.KPIs, KeyOnTime).Value, 75) {
		t.Errorf("SE group: %+v", se)
	}
	if no := group(t, r.ByCountry, "NO"); no.Shipments != 0 || kpiOf(t, no.KPIs, KeyOnTime).State != StateNA {
		t.Errorf("NO group: %+v", no)
	}
	if s := group(t, r.ByService, "19"); s.Shipments != 6 {
		t.Errorf("service 19: %+v", s)
	}
}

// TestDSTTransitIs47Hours: the DST parcel alone, checked to the hour.
func TestDSTTransitIs47Hours(t *testing.T) {
	e := delivered(sum("E", "SE", at("2026-03-28 10:00")), "2026-03-30", at("2026-03-30 10:00"))
	r := compute(t, []store.TrackSummary{e}, Options{})
	if got := kpiOf(t, r.Overall, KeyAvgTransit).Value * 24; !near(got, 47) {
		t.Errorf("transit across the spring change: %v h, want 47", got)
	}
	// It was booked on the 28th and delivered on the 30th, local days.
	for _, d := range r.Daily {
		want := [2]int{}
		switch d.Date {
		case "2026-03-28":
			want[0] = 1
		case "2026-03-30":
			want[1] = 1
		}
		if d.Shipments != want[0] || d.Delivered != want[1] {
			t.Errorf("day %s: %d booked, %d delivered, want %v", d.Date, d.Shipments, d.Delivered, want)
		}
	}
}

// TestNoDeliveries: rates over nothing are n/a and encode as 0.
func TestNoDeliveries(t *testing.T) {
	for _, sums := range [][]store.TrackSummary{nil, {sum("X", "SE", at("2026-04-10 09:00"))}} {
		r := compute(t, sums, Options{})
		for _, key := range []string{KeyOnTime, KeyAvgTransit, KeyP90Transit, KeyAvgTransitSENO, KeyCustomsClearance} {
			if k := kpiOf(t, r.Overall, key); k.State != StateNA || k.Value != 0 || k.Of != 0 {
				t.Errorf("%d parcels: %s = %+v, want n/a", len(sums), key, k)
			}
		}
		if k := kpiOf(t, r.Overall, KeyException); (len(sums) == 0) != (k.State == StateNA) {
			t.Errorf("%d parcels: exception rate %+v", len(sums), k)
		}
		if len(r.Daily) != 30 || r.Problems == nil {
			t.Errorf("daily %d days, problems %v", len(r.Daily), r.Problems)
		}
	}
}

// TestGapsAndCustomsByHand: tracking gaps and Norwegian customs. Now is
// 04-10 12:00.
func TestGapsAndCustomsByHand(t *testing.T) {
	b := at("2026-04-01 09:00")
	g1 := sum("G1", "SE", b) // in transit, last scan 04-09 08:00: open gap 28 h > 24 → gap, stuck
	g1.MaxGap, g1.LastEvent = 22*time.Hour, at("2026-04-09 08:00")
	g2 := delivered(sum("G2", "SE", b), "2026-04-03", at("2026-04-03 15:00")) // delivered, a 30 h gap on the way → gap
	g2.MaxGap = 30 * time.Hour
	g3 := sum("G3", "NO", b) // to NO, 48 h gap, last scan 24 h ago: under 72 h → no gap
	g3.MaxGap, g3.LastEvent = 48*time.Hour, at("2026-04-09 12:00")
	g4 := sum("G4", "NO", b) // awaiting customs since 04-06 12:00 = 96 h → stuck in customs, gap 96 h > 72
	g4.Status, g4.CustomsSince, g4.LastEvent, g4.MaxGap = carrier.StatusAwaitingCustoms, at("2026-04-06 12:00"), at("2026-04-06 12:00"), 10*time.Hour
	g5 := delivered(sum("G5", "NO", b), "2026-04-04", at("2026-04-04 10:00")) // cleared in 48 h → ok
	g5.CustomsSince, g5.CustomsCleared, g5.MaxGap = at("2026-04-01 10:00"), at("2026-04-03 10:00"), 10*time.Hour
	g6 := delivered(sum("G6", "NO", b), "2026-04-05", at("2026-04-05 10:00")) // cleared in 80 h → not within 3 days
	g6.CustomsSince, g6.CustomsCleared, g6.MaxGap = at("2026-04-01 10:00"), at("2026-04-04 18:00"), 10*time.Hour
	g7 := sum("G7", "NO", b) // in customs 16 h: outcome unknown, not counted
	g7.Status, g7.CustomsSince, g7.LastEvent, g7.MaxGap = carrier.StatusAwaitingCustoms, at("2026-04-09 20:00"), at("2026-04-09 20:00"), 10*time.Hour
	g8 := delivered(sum("G8", "NO", b), "2026-04-03", at("2026-04-03 10:00")) // fields out of order: cleared 2 h before "since" → cleared in time
	g8.CustomsSince, g8.CustomsCleared, g8.MaxGap = at("2026-04-02 11:00"), at("2026-04-02 09:00"), 10*time.Hour
	g9 := sum("G9", "SE", at("2026-04-08 09:00")) // never scanned, booked 51 h ago → silent, not in gaps
	g9.Events, g9.FirstEvent, g9.LastEvent = 0, time.Time{}, time.Time{}

	r := compute(t, []store.TrackSummary{g1, g2, g3, g4, g5, g6, g7, g8, g9}, Options{})
	// Gaps: scanned G1…G8 = 8; with a gap G1, G2, G4 = 3 → 37.5 % → critical (> 10).
	if k := kpiOf(t, r.Overall, KeyTrackingGap); k.Count != 3 || k.Of != 8 || !near(k.Value, 37.5) || k.State != StateCritical {
		t.Errorf("tracking gaps: %+v, want 3/8 = 37.5 %% critical", k)
	}
	// Customs: known G4 (stuck), G5 ok, G6 late, G8 ok → 2/4 = 50 % → critical (< 80).
	if k := kpiOf(t, r.Overall, KeyCustomsClearance); k.Count != 2 || k.Of != 4 || !near(k.Value, 50) || k.State != StateCritical {
		t.Errorf("customs clearance: %+v, want 2/4 = 50 %% critical", k)
	}
	if k := kpiOf(t, r.Overall, KeyCustomsStuck); k.Count != 1 {
		t.Errorf("stuck in customs: %+v, want 1 (G4)", k)
	}
	// Silent: booked over 24 h ago G1…G9 = 9, silent G9 = 1.
	if k := kpiOf(t, r.Overall, KeySilent); k.Count != 1 || k.Of != 9 {
		t.Errorf("silent: %+v, want 1 of 9", k)
	}
	// Per-corridor transit: G5 (3 days 1 h), G6 (4 days 1 h), G8 (2 days 1 h) → avg 3 days 1 h.
	if k := kpiOf(t, r.Overall, KeyAvgTransitSENO); !near(k.Value, 3+1.0/24) || k.Of != 3 || k.State != StateOK {
		t.Errorf("NO transit: %+v, want 3.0417 days ok", k)
	}
	// Problems: customs (G4), stuck (G1), silent (G9), most severe first.
	var kinds []string
	for _, p := range r.Problems {
		kinds = append(kinds, p.OrderRef+":"+p.Kind)
	}
	if got := strings.Join(kinds, " "); got != "G4:customs G1:stuck G9:silent" || r.ProblemsTotal != 3 {
		t.Errorf("problems %q (total %d)", got, r.ProblemsTotal)
	}
	if n := r.Problems[0].Note; !strings.Contains(n, "4 days") || !strings.Contains(n, "customs") {
		t.Errorf("customs note %q", n)
	}
	if n := r.Problems[1].Note; !strings.Contains(n, "28 h") {
		t.Errorf("stuck note %q", n)
	}
	// The NO group carries the customs figures; SE has none.
	if k := kpiOf(t, group(t, r.ByCountry, "NO").KPIs, KeyCustomsClearance); k.Of != 4 {
		t.Errorf("NO group customs %+v", k)
	}
}

// TestProblemsAndRates: lost, attempts, hold time, exceptions, returns.
func TestProblemsAndRates(t *testing.T) {
	b := at("2026-03-25 09:00")
	p1 := sum("P1", "SE", b) // reported lost
	p1.Status, p1.Lost = carrier.StatusLost, at("2026-04-02 10:00")
	p2 := sum("P2", "DK", b) // no scan for 11 days → lost
	p2.LastEvent = at("2026-03-30 12:00")
	p3 := sum("P3", "SE", b) // attempt 04-07 10:00, 74 h ago, not delivered → attempt failure
	p3.FirstAttempt = at("2026-04-07 10:00")
	p4 := delivered(sum("P4", "SE", b), "2026-04-06", at("2026-04-06 10:00")) // attempt then delivered 24 h later → fine
	p4.FirstAttempt = at("2026-04-05 10:00")
	p5 := sum("P5", "SE", b) // attempt 3 h ago: not known yet
	p5.FirstAttempt = at("2026-04-10 09:00")
	p6 := sum("P6", "FI", b) // at a service point 6 days (> 7 − 2) → hold ending 04-11 12:00
	p6.Status, p6.AtServicePoint = carrier.StatusAtServicePoint, at("2026-04-04 12:00")
	p7 := sum("P7", "FI", b) // at a service point 3 days → fine
	p7.Status, p7.AtServicePoint = carrier.StatusAtServicePoint, at("2026-04-07 12:00")
	p8 := sum("P8", "SE", b) // exception
	p8.Status, p8.Exception = carrier.StatusException, at("2026-04-09 10:00")
	p9 := sum("P9", "SE", b) // refused, returned, damaged
	p9.Status, p9.Refused, p9.Returned, p9.Damaged = carrier.StatusReturned, true, at("2026-04-01 10:00"), true

	sums := []store.TrackSummary{p1, p2, p3, p4, p5, p6, p7, p8, p9}
	r := compute(t, sums, Options{})
	want := map[string][3]float64{ // count, of, value
		KeyLost:            {2, 9, 200.0 / 9},
		KeyAttemptFailures: {1, 2, 1},
		KeyHoldEnding:      {1, 9, 1},
		KeyException:       {1, 9, 100.0 / 9},
		KeyReturned:        {1, 9, 100.0 / 9},
		KeyRefused:         {1, 9, 1},
		KeyDamaged:         {1, 9, 100.0 / 9},
	}
	for key, w := range want {
		if k := kpiOf(t, r.Overall, key); k.Count != int(w[0]) || k.Of != int(w[1]) || !near(k.Value, w[2]) {
			t.Errorf("%s: %d of %d = %v, want %v", key, k.Count, k.Of, k.Value, w)
		}
	}
	// Order: lost (newest first: P1 lost 04-02, P2 last scan 03-30),
	// exception, attempt, hold ending.
	var got []string
	for _, p := range r.Problems {
		got = append(got, p.OrderRef+":"+p.Kind)
	}
	if s := strings.Join(got, " "); s != "P1:lost P2:lost P8:exception P3:attempt P6:hold_ending" {
		t.Errorf("problems: %s", s)
	}
	if n := r.Problems[4].Note; !strings.Contains(n, "2026-04-11 12:00") {
		t.Errorf("hold note %q", n)
	}
	// A hold of 10 days: P6 (6 days) is not ending yet.
	if k := kpiOf(t, compute(t, sums, Options{HoldTime: 10 * 24 * time.Hour}).Overall, KeyHoldEnding); k.Count != 0 {
		t.Errorf("10-day hold: %d hold ending", k.Count)
	}
	// Lost after 14 days: P2 (11 days quiet) is no longer lost.
	if k := kpiOf(t, compute(t, sums, Options{LostAfter: 14 * 24 * time.Hour}).Overall, KeyLost); k.Count != 1 {
		t.Errorf("lost after 14 days: %d", k.Count)
	}
	// The cap keeps the two most severe and the total.
	capped := compute(t, sums, Options{MaxProblems: 2})
	if len(capped.Problems) != 2 || capped.ProblemsTotal != 5 || capped.Problems[0].OrderRef != "P1" || capped.ProblemKinds[ProblemLost] != 2 {
		t.Errorf("capped: %d problems of %d: %+v", len(capped.Problems), capped.ProblemsTotal, capped.Problems)
	}
}

// TestDailyCountsAndWindow: local days, midnight, and parcels outside.
func TestDailyCountsAndWindow(t *testing.T) {
	w := DaysEnding(at("2026-04-10 23:59"), 3, sthlm) // 04-08…04-10
	late := delivered(sum("M", "SE", at("2026-04-08 23:30")), "2026-04-09", at("2026-04-09 00:15"))
	utc := sum("U", "SE", time.Date(2026, 4, 8, 22, 30, 0, 0, time.UTC)) // 04-09 00:30 in Stockholm
	before := sum("B", "SE", at("2026-04-07 23:59"))                     // outside: ignored
	r := Compute([]store.TrackSummary{late, utc, before}, w, now, Options{Location: sthlm})
	want := []Day{{Date: "2026-04-08", Shipments: 1}, {Date: "2026-04-09", Shipments: 1, Delivered: 1}, {Date: "2026-04-10"}}
	if r.Shipments != 2 || len(r.Daily) != 3 {
		t.Fatalf("%d shipments, %d days", r.Shipments, len(r.Daily))
	}
	for i, d := range want {
		if r.Daily[i] != d {
			t.Errorf("day %d: %+v, want %+v", i, r.Daily[i], d)
		}
	}
	if r.StatusMix["delivered"] != 1 || r.StatusMix["in_transit"] != 1 {
		t.Errorf("status mix %v", r.StatusMix)
	}
}

func TestStateBoundaries(t *testing.T) {
	for _, c := range []struct {
		v, warn, crit float64
		higher        bool
		want          State
	}{
		{92, 92, 90, true, StateOK},
		{91.99, 92, 90, true, StateWarn},
		{90, 92, 90, true, StateWarn},
		{89.99, 92, 90, true, StateCritical},
		{100, 92, 90, true, StateOK},
		{2, 2, 3, false, StateOK},
		{2.01, 2, 3, false, StateWarn},
		{3, 2, 3, false, StateWarn},
		{3.01, 2, 3, false, StateCritical},
		{0, 2, 3, false, StateOK},
		{math.NaN(), 2, 3, false, StateNA},
	} {
		if got := StateOf(c.v, c.warn, c.crit, c.higher); got != c.want {
			t.Errorf("StateOf(%v, %v, %v, %v) = %s, want %s", c.v, c.warn, c.crit, c.higher, got, c.want)
		}
	}
}

// TestThresholdOverrides: the config's map wins by key and may give a
// count thresholds.
func TestThresholdOverrides(t *testing.T) {
	var sums []store.TrackSummary
	// 4 delivered with an expected day, 3 on time = 75 %.
	for i, d := range []string{"2026-04-02", "2026-04-02", "2026-04-02", "2026-04-03"} {
		sums = append(sums, delivered(sum(string(rune('a'+i)), "SE", at("2026-04-01 10:00")), "2026-04-02", at(d+" 10:00")))
	}
	g := sum("g", "NO", at("2026-04-01 10:00"))
	g.Status, g.CustomsSince, g.LastEvent = carrier.StatusAwaitingCustoms, at("2026-04-05 10:00"), at("2026-04-09 10:00")
	sums = append(sums, g)
	r := compute(t, sums, Options{Thresholds: map[string][2]float64{
		KeyOnTime:       {80, 70},
		KeyCustomsStuck: {0, 5},
	}})
	if k := kpiOf(t, r.Overall, KeyOnTime); !near(k.Value, 75) || k.State != StateWarn || k.Warn != 80 || k.Critical != 70 {
		t.Errorf("overridden on-time: %+v", k)
	}
	if k := kpiOf(t, r.Overall, KeyCustomsStuck); k.Count != 1 || !k.HasThresholds || k.State != StateWarn {
		t.Errorf("customs stuck with thresholds: %+v", k)
	}
	if k := kpiOf(t, r.Overall, KeyException); k.Warn != 2 || k.Critical != 3 || k.State != StateOK {
		t.Errorf("default exception thresholds: %+v", k)
	}
	if r.Thresholds[KeyOnTime] != [2]float64{80, 70} || r.Thresholds[KeyLost] != [2]float64{0.2, 0.3} {
		t.Errorf("thresholds as used: %v", r.Thresholds)
	}
	// Per-country divergence: SE 75 %, overall 75 % → no note. A DK
	// parcel delivered late drops DK to 0 %, 60 points below → warn (it
	// is critical anyway: 0 < 70).
	dk := delivered(sum("dk", "DK", at("2026-04-01 10:00")), "2026-04-02", at("2026-04-04 10:00"))
	r = compute(t, append(sums, dk), Options{Thresholds: map[string][2]float64{KeyOnTime: {0, 0}}})
	if k := kpiOf(t, group(t, r.ByCountry, "DK").KPIs, KeyOnTime); k.State != StateWarn || !strings.Contains(k.Note, "points below") {
		t.Errorf("DK divergence: %+v", k)
	}
}

// A MyPack Collect parcel is on time when it reaches the pickup point by
// the expected day, however long the receiver takes to collect it; its
// transit ends at the pickup point too.
func TestServicePointArrivalIsTheDelivery(t *testing.T) {
	// Booked Mon 10:00, at the service point Tue 10:00 (expected Tue),
	// collected Fri 10:00: on time, transit 1 day.
	sp := delivered(sum("SP", "SE", at("2026-04-06 10:00")), "2026-04-07", at("2026-04-10 10:00"))
	sp.AtServicePoint = at("2026-04-07 10:00")
	// Booked Mon 10:00, at the service point Thu 09:00 (expected Tue), not
	// collected yet: late, transit 2 days 23 h.
	late := sum("SP2", "SE", at("2026-04-06 10:00"))
	late.Expected, late.AtServicePoint, late.Status = day("2026-04-07"), at("2026-04-09 09:00"), "at_service_point"
	r := compute(t, []store.TrackSummary{sp, late}, Options{})
	otd := kpiOf(t, r.Overall, KeyOnTime)
	if otd.Count != 1 || otd.Of != 2 || !near(otd.Value, 50) {
		t.Errorf("on time = %d/%d (%v %%), want 1/2", otd.Count, otd.Of, otd.Value)
	}
	// (1 + 71/24) / 2 days
	if got := kpiOf(t, r.Overall, KeyAvgTransit).Value; !near(got, (1+71.0/24)/2) {
		t.Errorf("avg transit = %v days, want %v", got, (1+71.0/24)/2)
	}
}
