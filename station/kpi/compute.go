package kpi

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// KPI keys. Those in the audit profile keep its names; the others are
// the station's own.
const (
	KeyShipments         = "shipments"
	KeyOnTime            = "on_time_delivery_rate"
	KeyAvgTransit        = "avg_transit_days" // intra-EU corridor (SE/DK/FI)
	KeyP90Transit        = "p90_transit_days"
	KeyAvgTransitSENO    = "avg_transit_days_se_no" // to or from NO
	KeyP90TransitSENO    = "p90_transit_days_se_no"
	KeyException         = "exception_rate"
	KeyAttemptFailures   = "first_attempt_failures"
	KeyHoldEnding        = "hold_ending"
	KeyReturned          = "returned_rate"
	KeyRefused           = "refused"
	KeyLost              = "lost_parcel_rate_pct"
	KeyDamaged           = "damaged_rate"
	KeyTrackingGap       = "tracking_gap_pct"
	KeyCustomsClearance  = "se_no_customs_clearance_pct"
	KeyCustomsStuck      = "customs_stuck"
	KeySilent            = "silent_parcels"
	KeyDeliveredNoTime   = "delivered_no_time"
	KeyLate              = "late_parcels"
	DefaultHoldTime      = 7 * 24 * time.Hour  // PostNord holds a parcel at a service point 7 days
	DefaultLostAfter     = 10 * 24 * time.Hour // no event this long while not final: lost
	DefaultMaxProblems   = 200
	gapLimitIntraEU      = 24 * time.Hour
	gapLimitBorder       = 72 * time.Hour
	customsLimit         = 72 * time.Hour
	attemptLimit         = 48 * time.Hour
	silentAfter          = 24 * time.Hour
	holdWarnBefore       = 2 * 24 * time.Hour
	countryDivergencePts = 5.0 // a country's on-time rate this far below the overall warns
)

// Thresholds maps a KPI key to its warn and critical levels.
type Thresholds map[string][2]float64

// DefaultThresholds are the audit profile's levels
// (../shared/seeds/postnord-audit-profile.txt); the SE–NO transit levels
// are the station's own (the profile names 5 days as the border breach).
func DefaultThresholds() Thresholds {
	return Thresholds{
		KeyOnTime:           {92, 90},
		KeyAvgTransit:       {3, 5},
		KeyAvgTransitSENO:   {5, 7},
		KeyException:        {2, 3},
		KeyDamaged:          {0.3, 0.5},
		KeyTrackingGap:      {5, 10},
		KeyCustomsClearance: {85, 80},
		KeyLost:             {0.2, 0.3},
	}
}

// higherIsBetter lists the keys whose thresholds point up.
var higherIsBetter = map[string]bool{KeyOnTime: true, KeyCustomsClearance: true}

// Merge returns the defaults with the overrides on top (an override may
// also give thresholds to a key that has none by default, e.g. a count).
func (t Thresholds) Merge(over map[string][2]float64) Thresholds {
	out := Thresholds{}
	for k, v := range t {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// StateOf says how v stands against warn and critical. A breach is
// strictly past the level: with higherIsBetter, v < critical is critical
// and v < warn is warn (92.0 on a 92 warn level is ok); otherwise
// v > critical is critical and v > warn is warn. NaN is StateNA.
func StateOf(v, warn, critical float64, higherIsBetter bool) State {
	switch {
	case math.IsNaN(v):
		return StateNA
	case higherIsBetter && v < critical, !higherIsBetter && v > critical:
		return StateCritical
	case higherIsBetter && v < warn, !higherIsBetter && v > warn:
		return StateWarn
	}
	return StateOK
}

// Window is a run of calendar days (booking days) in a location.
type Window struct {
	First, Last time.Time // midnight of the first and last day
	Days        int
}

// DaysEnding is the days calendar days ending on last's date in loc
// (days 1: that day alone). A nil loc is time.Local.
func DaysEnding(last time.Time, days int, loc *time.Location) Window {
	if loc == nil {
		loc = time.Local
	}
	if days < 1 {
		days = 1
	}
	y, m, d := last.In(loc).Date()
	end := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return Window{First: time.Date(y, m, d-days+1, 0, 0, 0, 0, loc), Last: end, Days: days}
}

// Options tune Compute; the zero value is the audit profile's rules.
type Options struct {
	// Thresholds override the defaults by key (config [kpi] thresholds).
	Thresholds map[string][2]float64
	// HoldTime is how long a service point keeps a parcel (default 7
	// days); a parcel there longer than HoldTime minus 2 days is
	// hold_ending.
	HoldTime time.Duration
	// LostAfter: a parcel not final with no event for this long is
	// counted lost (default 10 days).
	LostAfter time.Duration
	// MaxProblems caps Report.Problems (default 200); ProblemsTotal
	// keeps the full count.
	MaxProblems int
	// Location is where calendar days are counted (default time.Local,
	// as the store keys days).
	Location *time.Location
}

// Compute is the report of sums (the summaries of the parcels booked in
// w) at now. Summaries booked outside w are ignored.
func Compute(sums []store.TrackSummary, w Window, now time.Time, opt Options) Report {
	b := NewBuilder(w, now, opt)
	for i := range sums {
		b.Add(&sums[i])
	}
	return b.Report()
}

// Builder computes a Report from summaries added one at a time, so a
// 90-day window is streamed from the store, never held in memory.
type Builder struct {
	w        Window
	now      time.Time
	opt      Options
	th       Thresholds
	firstDay int // civil day number of w.First

	all       *acc
	countries map[string]*acc
	country   [len(countryKeys)]*acc // countries' groups by countryIndex, for Add
	services  map[string]*acc
	carriers  map[string]*acc
	daily     []Day
	statusMix map[string]int
	problems  []Problem
	nProblems int
	kindCount map[string]int

	// The zone period civil last met: within [zoneFrom, zoneTo) a day
	// number is (Unix + zoneOffset) / 86400, with no zone lookup.
	zoneFrom, zoneTo int64
	zoneOffset       int64
}

// NewBuilder starts a report of window w at now.
func NewBuilder(w Window, now time.Time, opt Options) *Builder {
	if opt.Location == nil {
		opt.Location = time.Local
	}
	if opt.HoldTime <= 0 {
		opt.HoldTime = DefaultHoldTime
	}
	if opt.LostAfter <= 0 {
		opt.LostAfter = DefaultLostAfter
	}
	if opt.MaxProblems <= 0 {
		opt.MaxProblems = DefaultMaxProblems
	}
	if w.Days < 1 {
		w = DaysEnding(now, 1, opt.Location)
	}
	b := &Builder{
		w: w, now: now, opt: opt, th: DefaultThresholds().Merge(opt.Thresholds),
		all:       &acc{},
		countries: map[string]*acc{},
		services:  map[string]*acc{},
		carriers:  map[string]*acc{},
		daily:     make([]Day, w.Days),
		statusMix: map[string]int{},
		kindCount: map[string]int{},
	}
	b.firstDay = b.civil(w.First)
	for i := range b.daily {
		b.daily[i].Date = time.Date(w.First.Year(), w.First.Month(), w.First.Day()+i, 0, 0, 0, 0, opt.Location).Format("2006-01-02")
	}
	for i, c := range countryKeys {
		b.country[i] = &acc{}
		b.countries[c] = b.country[i]
	}
	return b
}

var countryKeys = [...]string{"SE", "NO", "DK", "FI", "other"}

// countryIndex is c's place in countryKeys (a switch: Add runs per
// parcel, and a map look-up costs more).
func countryIndex(c string) int {
	switch c {
	case "SE":
		return 0
	case "NO":
		return 1
	case "DK":
		return 2
	case "FI":
		return 3
	}
	return 4
}

// civil is t's calendar day in the location as a day number (days since
// 1970-01-01 of the proleptic calendar), so day arithmetic never meets a
// 23- or 25-hour day.
//
// It runs several times per parcel, so it keeps the zone period (a span
// with one UTC offset, e.g. a summer) of the last time it met and works
// within it from the offset alone, the same day time.Time.Date gives;
// a time outside it looks the zone up once.
func (b *Builder) civil(t time.Time) int {
	u := t.Unix()
	if u < b.zoneFrom || u >= b.zoneTo {
		lt := t.In(b.opt.Location)
		_, off := lt.Zone()
		from, to := lt.ZoneBounds()
		b.zoneFrom, b.zoneTo, b.zoneOffset = math.MinInt64, math.MaxInt64, int64(off)
		if !from.IsZero() {
			b.zoneFrom = from.Unix()
		}
		if !to.IsZero() {
			b.zoneTo = to.Unix()
		}
	}
	v := u + b.zoneOffset
	day := v / 86400
	if v%86400 < 0 { // before 1970: round down
		day--
	}
	return int(day)
}

// acc is the running figures of one group.
type acc struct {
	shipments                          int
	onTime, otdOf                      int
	transitEU, transitNO               durations // booking to delivery
	exceptions                         int
	attemptFail, attemptOf             int
	holdEnding                         int
	returned, refused                  int
	lost, damaged                      int
	gapBad, gapOf                      int
	customsOK, customsOf, customsStuck int
	silent, silentOf                   int
	noTime, late                       int
}

// facts is what one summary contributes, worked out once.
type facts struct {
	delivered         bool
	otdKnown, onTime  bool
	transitKnown      bool
	transit           time.Duration
	border, intraEU   bool
	exception         bool
	attemptKnown      bool
	attemptFail       bool
	holdEnding        bool
	returned, refused bool
	lost, damaged     bool
	gapKnown, gapBad  bool
	customsKnown      bool
	customsOK         bool
	customsStuck      bool
	silentKnown       bool
	silent            bool
	noTime, late      bool
}

func (a *acc) add(f *facts) {
	a.shipments++
	if f.otdKnown {
		a.otdOf++
		if f.onTime {
			a.onTime++
		}
	}
	if f.transitKnown {
		switch {
		case f.border:
			a.transitNO.add(f.transit)
		case f.intraEU:
			a.transitEU.add(f.transit)
		}
	}
	a.exceptions += b2i(f.exception)
	if f.attemptKnown {
		a.attemptOf++
		a.attemptFail += b2i(f.attemptFail)
	}
	a.holdEnding += b2i(f.holdEnding)
	a.returned += b2i(f.returned)
	a.refused += b2i(f.refused)
	a.lost += b2i(f.lost)
	a.damaged += b2i(f.damaged)
	if f.gapKnown {
		a.gapOf++
		a.gapBad += b2i(f.gapBad)
	}
	if f.customsKnown {
		a.customsOf++
		a.customsOK += b2i(f.customsOK)
	}
	a.customsStuck += b2i(f.customsStuck)
	if f.silentKnown {
		a.silentOf++
		a.silent += b2i(f.silent)
	}
	a.noTime += b2i(f.noTime)
	a.late += b2i(f.late)
}

// durations is a growing list of durations kept in blocks: a group of a
// site's 90 days holds close to a million transit times, and a slice
// grown by append copies them over and over (a sixth of a report's time
// went to that); blocks are never copied, and a merge takes the other
// list's blocks as they are.
type durations struct {
	blocks [][]time.Duration
	n      int
}

const maxDurationBlock = 8192 // 64 KB

func (d *durations) add(x time.Duration) {
	if k := len(d.blocks); k == 0 || len(d.blocks[k-1]) == cap(d.blocks[k-1]) {
		// Blocks grow from small (most groups of a day's report hold few
		// parcels) to maxDurationBlock.
		size := 64
		if k > 0 {
			size = min(2*cap(d.blocks[k-1]), maxDurationBlock)
		}
		d.blocks = append(d.blocks, make([]time.Duration, 0, size))
	}
	last := &d.blocks[len(d.blocks)-1]
	*last = append(*last, x)
	d.n++
}

// merge takes o's durations (o is not used afterwards).
func (d *durations) merge(o *durations) {
	d.blocks = append(d.blocks, o.blocks...)
	d.n += o.n
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nordicEU: the intra-EU corridor's countries.
func nordicEU(c string) bool { return c == "SE" || c == "DK" || c == "FI" }

// Add counts one parcel. s is read, not kept.
func (b *Builder) Add(s *store.TrackSummary) {
	day := b.civil(s.BookedAt) - b.firstDay
	if day < 0 || day >= len(b.daily) {
		return
	}
	now := b.now
	var f facts
	from := s.FromCountry
	if from == "" {
		from = "SE"
	}
	f.border = s.Country == "NO" || from == "NO"
	f.intraEU = nordicEU(s.Country) && nordicEU(from)
	final := s.Status.Final()

	// Delivery. A delivered parcel whose carrier gave no time counts in
	// delivered_no_time and nowhere that needs the time.
	f.noTime = s.DeliveredNoTime || (s.Status == carrier.StatusDelivered && s.Delivered.IsZero())
	f.delivered = !s.Delivered.IsZero()
	// On time and transit are measured to the carrier's delivery: the
	// door, or the pickup point for a parcel that went to a service point
	// (PostNord's promise for MyPack Collect ends there; how long the
	// receiver takes to collect it is not the carrier's transit), or its
	// first delivery attempt.
	if arrived := earliestSet(s.Delivered, s.AtServicePoint, s.FirstAttempt); !arrived.IsZero() && (f.delivered || !s.AtServicePoint.IsZero()) {
		if !s.Expected.IsZero() {
			f.otdKnown = true
			f.onTime = b.civil(arrived) <= b.civil(s.Expected)
		}
		f.transit, f.transitKnown = max(0, arrived.Sub(s.BookedAt)), true // < 0: clock skew
	}
	if f.delivered {
		if i := b.civil(s.Delivered) - b.firstDay; i >= 0 && i < len(b.daily) {
			b.daily[i].Delivered++
		}
	}
	open := !final && !f.delivered && !f.noTime

	f.exception = !s.Exception.IsZero()
	f.returned = !s.Returned.IsZero() || s.Status == carrier.StatusReturned
	f.refused = s.Refused
	f.damaged = s.Damaged

	// Last sign of life: the newest of the event times (fields may
	// arrive in any order), the booking when the parcel was never scanned.
	last := latest(s.BookedAt, s.FirstEvent, s.LastEvent, s.FirstAttempt, s.AtServicePoint,
		s.CustomsSince, s.CustomsCleared, s.Exception)
	quiet := now.Sub(last)
	f.lost = !s.Lost.IsZero() || s.Status == carrier.StatusLost || (open && quiet > b.opt.LostAfter)

	// First attempt: known once 48 h have passed or the parcel arrived.
	if !s.FirstAttempt.IsZero() {
		deadline := s.FirstAttempt.Add(attemptLimit)
		switch {
		case f.delivered:
			f.attemptKnown = true
			f.attemptFail = s.Delivered.After(deadline)
		case !now.Before(deadline) || final:
			f.attemptKnown, f.attemptFail = true, true
		}
	}

	if open && s.Status == carrier.StatusAtServicePoint && !s.AtServicePoint.IsZero() &&
		now.Sub(s.AtServicePoint) > b.opt.HoldTime-holdWarnBefore {
		f.holdEnding = true
	}

	// Tracking gaps, on parcels scanned at least once: the longest gap
	// between two events the poller saw, and for a parcel still on its
	// way (not waiting at a service point) the time since its last event.
	limit := gapLimitIntraEU
	if f.border {
		limit = gapLimitBorder
	}
	gap := s.MaxGap
	openGap := time.Duration(0)
	if !s.FirstEvent.IsZero() || !s.LastEvent.IsZero() || s.Events > 0 {
		f.gapKnown = true
		if open && s.Status != carrier.StatusAtServicePoint {
			openGap = now.Sub(last)
			gap = max(gap, openGap)
		}
		f.gapBad = gap > limit
	}

	// Customs to Norway: known once cleared or once 3 days have passed.
	if s.Country == "NO" && (!s.CustomsSince.IsZero() || !s.CustomsCleared.IsZero()) {
		switch {
		case !s.CustomsCleared.IsZero():
			f.customsKnown = true
			f.customsOK = s.CustomsSince.IsZero() || s.CustomsCleared.Sub(s.CustomsSince) <= customsLimit
		case now.Sub(s.CustomsSince) > customsLimit:
			f.customsKnown = true
			f.customsStuck = !final && !f.delivered
		}
	}

	silentFor := now.Sub(s.BookedAt)
	if silentFor > silentAfter {
		f.silentKnown = true
		f.silent = s.Events == 0 && s.FirstEvent.IsZero() && s.LastEvent.IsZero() && !final && !f.delivered
	}

	var endOfETA time.Time
	if !s.Expected.IsZero() {
		y, m, d := s.Expected.In(b.opt.Location).Date()
		endOfETA = time.Date(y, m, d+1, 0, 0, 0, 0, b.opt.Location)
		f.late = open && !now.Before(endOfETA)
	}

	b.all.add(&f)
	b.country[countryIndex(s.Country)].add(&f)
	svc := s.Service
	if svc == "" {
		svc = "unknown"
	}
	g := b.services[svc]
	if g == nil {
		g = &acc{}
		b.services[svc] = g
	}
	g.add(&f)
	cr := strings.ToLower(s.Carrier)
	if cr == "" {
		cr = "unknown"
	}
	g = b.carriers[cr]
	if g == nil {
		g = &acc{}
		b.carriers[cr] = g
	}
	g.add(&f)
	b.daily[day].Shipments++
	st := string(s.Status)
	if st == "" {
		st = string(carrier.StatusUnknown)
	}
	b.statusMix[st]++

	// The parcel's most severe problem, in words.
	p := Problem{OrderRef: s.OrderRef, ItemID: s.ItemID, Country: s.Country, Service: s.Service, Status: s.Status, BookedAt: s.BookedAt}
	where := "on its way"
	if f.border {
		where = "on the Norwegian border corridor"
	}
	switch {
	case f.lost:
		p.Kind = ProblemLost
		if !s.Lost.IsZero() || s.Status == carrier.StatusLost {
			p.Since = firstSet(s.Lost, last)
			p.Note = "the carrier reports it lost: file a claim"
		} else {
			p.Since = last
			p.Note = "no scan for " + span(quiet) + ": count it lost and claim"
		}
	case f.customsStuck:
		p.Kind, p.Since = ProblemCustoms, s.CustomsSince
		p.Note = "awaiting Norwegian customs for " + span(now.Sub(s.CustomsSince)) + ": check the commercial invoice / VOEC number"
	case open && f.gapBad && openGap > limit:
		p.Kind, p.Since = ProblemStuck, last
		p.Note = "no scan for " + span(openGap) + " " + where
	case f.late:
		p.Kind, p.Since = ProblemLate, endOfETA
		p.Note = fmt.Sprintf("expected %s, not delivered (%s late)", s.Expected.In(b.opt.Location).Format("2006-01-02"), span(now.Sub(endOfETA)))
	case f.exception && open:
		p.Kind, p.Since = ProblemException, s.Exception
		p.Note = "the carrier reported an exception on " + s.Exception.In(b.opt.Location).Format("2006-01-02 15:04")
	case f.attemptFail && open:
		p.Kind, p.Since = ProblemAttempt, s.FirstAttempt
		p.Note = "delivery attempted " + span(now.Sub(s.FirstAttempt)) + " ago, not delivered since"
	case f.holdEnding:
		ends := s.AtServicePoint.Add(b.opt.HoldTime)
		p.Kind, p.Since = ProblemHoldEnding, s.AtServicePoint
		if now.Before(ends) {
			p.Note = "waiting at the service point; the hold ends " + ends.In(b.opt.Location).Format("Mon 2006-01-02 15:04") + ": remind the receiver"
		} else {
			p.Note = "hold time over since " + ends.In(b.opt.Location).Format("2006-01-02") + ": the parcel goes back to the sender"
		}
	case f.silent:
		p.Kind, p.Since = ProblemSilent, s.BookedAt
		p.Note = "booked " + span(silentFor) + " ago, never scanned: was it handed over?"
	default:
		return
	}
	b.nProblems++
	b.kindCount[p.Kind]++
	b.daily[day].Problems++
	b.problems = append(b.problems, p)
	if len(b.problems) >= 2*b.opt.MaxProblems+64 {
		b.trimProblems()
	}
}

// Merge adds the parcels added to o to b, so that b's Report is the
// report of both: builders fed from parallel scans (each from its own
// goroutine) and merged give the same Report as one builder fed every
// summary, whatever the split. o must be made by NewBuilder with the
// same window, now and options (thresholds included); it must not be
// used afterwards (b takes over its figures).
func (b *Builder) Merge(o *Builder) error {
	if o == b {
		return errors.New("kpi merge: a builder merged into itself")
	}
	if b.w.Days != o.w.Days || !b.w.First.Equal(o.w.First) || !b.now.Equal(o.now) ||
		b.opt.HoldTime != o.opt.HoldTime || b.opt.LostAfter != o.opt.LostAfter ||
		b.opt.MaxProblems != o.opt.MaxProblems || b.opt.Location.String() != o.opt.Location.String() {
		return errors.New("kpi merge: the builders differ in window, time or options")
	}
	b.all.merge(o.all)
	mergeGroups(b.countries, o.countries)
	mergeGroups(b.services, o.services)
	mergeGroups(b.carriers, o.carriers)
	for i := range b.daily {
		b.daily[i].Shipments += o.daily[i].Shipments
		b.daily[i].Delivered += o.daily[i].Delivered
		b.daily[i].Problems += o.daily[i].Problems
	}
	for k, n := range o.statusMix {
		b.statusMix[k] += n
	}
	for k, n := range o.kindCount {
		b.kindCount[k] += n
	}
	b.nProblems += o.nProblems
	b.problems = append(b.problems, o.problems...)
	if len(b.problems) >= 2*b.opt.MaxProblems+64 {
		b.trimProblems()
	}
	*o = Builder{}
	return nil
}

func mergeGroups(into, from map[string]*acc) {
	for k, a := range from {
		if g := into[k]; g != nil {
			g.merge(a)
		} else {
			into[k] = a
		}
	}
}

// merge adds o's figures to a.
func (a *acc) merge(o *acc) {
	a.shipments += o.shipments
	a.onTime += o.onTime
	a.otdOf += o.otdOf
	a.transitEU.merge(&o.transitEU)
	a.transitNO.merge(&o.transitNO)
	a.exceptions += o.exceptions
	a.attemptFail += o.attemptFail
	a.attemptOf += o.attemptOf
	a.holdEnding += o.holdEnding
	a.returned += o.returned
	a.refused += o.refused
	a.lost += o.lost
	a.damaged += o.damaged
	a.gapBad += o.gapBad
	a.gapOf += o.gapOf
	a.customsOK += o.customsOK
	a.customsOf += o.customsOf
	a.customsStuck += o.customsStuck
	a.silent += o.silent
	a.silentOf += o.silentOf
	a.noTime += o.noTime
	a.late += o.late
}

func firstSet(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func latest(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}

// span says a duration the way a supervisor reads it: "3 days 4 h", "26 h".
func span(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	h := int(d / time.Hour)
	switch {
	case h < 48:
		return fmt.Sprintf("%d h", h)
	case h%24 == 0:
		return fmt.Sprintf("%d days", h/24)
	}
	return fmt.Sprintf("%d days %d h", h/24, h%24)
}

// severity orders problem kinds, most severe first.
var severity = map[string]int{
	ProblemLost: 0, ProblemCustoms: 1, ProblemStuck: 2, ProblemLate: 3,
	ProblemException: 4, ProblemAttempt: 5, ProblemHoldEnding: 6, ProblemSilent: 7,
}

// problemBefore orders problems: most severe first, then the newest
// (Since), then by order and the remaining fields. The order is total
// (only identical problems tie), so the list and its trimming do not
// depend on the order the parcels were added in: builders fed in
// parallel and merged list the same problems as one builder.
func problemBefore(pi, pj *Problem) bool {
	if si, sj := severity[pi.Kind], severity[pj.Kind]; si != sj {
		return si < sj
	}
	if !pi.Since.Equal(pj.Since) {
		return pi.Since.After(pj.Since)
	}
	if pi.OrderRef != pj.OrderRef {
		return pi.OrderRef < pj.OrderRef
	}
	if pi.ItemID != pj.ItemID {
		return pi.ItemID < pj.ItemID
	}
	if !pi.BookedAt.Equal(pj.BookedAt) {
		return pi.BookedAt.Before(pj.BookedAt)
	}
	if pi.Country != pj.Country {
		return pi.Country < pj.Country
	}
	if pi.Service != pj.Service {
		return pi.Service < pj.Service
	}
	if pi.Status != pj.Status {
		return pi.Status < pj.Status
	}
	return pi.Note < pj.Note
}

func (b *Builder) trimProblems() {
	sort.Slice(b.problems, func(i, j int) bool { return problemBefore(&b.problems[i], &b.problems[j]) })
	if len(b.problems) > b.opt.MaxProblems {
		b.problems = b.problems[:b.opt.MaxProblems:b.opt.MaxProblems]
		// The next append copies into a fresh array; the old one goes.
	}
}

// Report returns the figures of everything added so far.
func (b *Builder) Report() Report {
	b.trimProblems()
	r := Report{
		From:          b.daily[0].Date,
		To:            b.daily[len(b.daily)-1].Date,
		Days:          len(b.daily),
		GeneratedAt:   b.now,
		Shipments:     b.all.shipments,
		Daily:         append([]Day(nil), b.daily...),
		StatusMix:     b.statusMix,
		Problems:      append([]Problem{}, b.problems...),
		ProblemsTotal: b.nProblems,
		ProblemKinds:  b.kindCount,
		Thresholds:    b.th,
	}
	r.Overall = b.kpis(b.all)
	otd := r.Overall[1]
	for _, c := range countryKeys {
		g := Group{Key: c, Shipments: b.countries[c].shipments, KPIs: b.kpis(b.countries[c])}
		// Per-country divergence: more than 5 points below the overall
		// on-time rate warns even when the country's own figure is ok.
		if k := &g.KPIs[1]; k.State != StateNA && otd.State != StateNA && otd.Value-k.Value > countryDivergencePts {
			k.Note = fmt.Sprintf("%.1f points below the overall %.1f %%", otd.Value-k.Value, otd.Value)
			if k.State == StateOK {
				k.State = StateWarn
			}
		}
		r.ByCountry = append(r.ByCountry, g)
	}
	svcs := make([]string, 0, len(b.services))
	for k := range b.services {
		svcs = append(svcs, k)
	}
	sort.Strings(svcs)
	for _, k := range svcs {
		r.ByService = append(r.ByService, Group{Key: k, Shipments: b.services[k].shipments, KPIs: b.kpis(b.services[k])})
	}
	crs := make([]string, 0, len(b.carriers))
	for k := range b.carriers {
		crs = append(crs, k)
	}
	sort.Strings(crs)
	for _, k := range crs {
		r.ByCarrier = append(r.ByCarrier, Group{Key: k, Shipments: b.carriers[k].shipments, KPIs: b.kpis(b.carriers[k])})
	}
	return r
}

// kpis turns one group's running figures into its KPI list; the order is
// fixed (Overall[1] is the on-time rate).
func (b *Builder) kpis(a *acc) []KPI {
	nan := math.NaN()
	pct := func(n, of int) float64 {
		if of == 0 {
			return nan
		}
		return 100 * float64(n) / float64(of)
	}
	avgEU, p90EU := a.transitEU.avgP90()
	avgNO, p90NO := a.transitNO.avgP90()
	ks := []KPI{
		{Key: KeyShipments, Name: "Shipments", Unit: "parcels", Value: float64(a.shipments), Count: a.shipments, Of: a.shipments},
		{Key: KeyOnTime, Name: "On-time delivery", Unit: "%", Value: pct(a.onTime, a.otdOf), Count: a.onTime, Of: a.otdOf,
			Note: "delivered (to the door, the pickup point, or a first attempt) by the end of the expected day; parcels without an expected day are not counted"},
		{Key: KeyAvgTransit, Name: "Avg transit, intra-EU (SE/DK/FI)", Unit: "days", Value: avgEU, Count: a.transitEU.n, Of: a.transitEU.n},
		{Key: KeyP90Transit, Name: "P90 transit, intra-EU", Unit: "days", Value: p90EU, Count: a.transitEU.n, Of: a.transitEU.n},
		{Key: KeyAvgTransitSENO, Name: "Avg transit, Norway border", Unit: "days", Value: avgNO, Count: a.transitNO.n, Of: a.transitNO.n},
		{Key: KeyP90TransitSENO, Name: "P90 transit, Norway border", Unit: "days", Value: p90NO, Count: a.transitNO.n, Of: a.transitNO.n},
		{Key: KeyException, Name: "Exception rate", Unit: "%", Value: pct(a.exceptions, a.shipments), Count: a.exceptions, Of: a.shipments},
		{Key: KeyAttemptFailures, Name: "First-attempt failures", Unit: "parcels", Value: float64(a.attemptFail), Count: a.attemptFail, Of: a.attemptOf,
			Note: "delivery attempted, not delivered within 48 h"},
		{Key: KeyHoldEnding, Name: "Hold ending at service point", Unit: "parcels", Value: float64(a.holdEnding), Count: a.holdEnding, Of: a.shipments},
		{Key: KeyReturned, Name: "Returned", Unit: "%", Value: pct(a.returned, a.shipments), Count: a.returned, Of: a.shipments},
		{Key: KeyRefused, Name: "Refused", Unit: "parcels", Value: float64(a.refused), Count: a.refused, Of: a.shipments},
		{Key: KeyLost, Name: "Lost", Unit: "%", Value: pct(a.lost, a.shipments), Count: a.lost, Of: a.shipments,
			Note: "reported lost, or no scan for " + span(b.opt.LostAfter) + " while on its way"},
		{Key: KeyDamaged, Name: "Damaged", Unit: "%", Value: pct(a.damaged, a.shipments), Count: a.damaged, Of: a.shipments},
		{Key: KeyTrackingGap, Name: "Tracking gaps", Unit: "%", Value: pct(a.gapBad, a.gapOf), Count: a.gapBad, Of: a.gapOf,
			Note: "scanned parcels with a gap over 24 h (3 days to or from NO)"},
		{Key: KeyCustomsClearance, Name: "NO customs cleared within 3 days", Unit: "%", Value: pct(a.customsOK, a.customsOf), Count: a.customsOK, Of: a.customsOf},
		{Key: KeyCustomsStuck, Name: "Stuck in NO customs > 3 days", Unit: "parcels", Value: float64(a.customsStuck), Count: a.customsStuck, Of: a.customsOf},
		{Key: KeySilent, Name: "Silent (never scanned, > 24 h)", Unit: "parcels", Value: float64(a.silent), Count: a.silent, Of: a.silentOf},
		{Key: KeyDeliveredNoTime, Name: "Delivered without a time", Unit: "parcels", Value: float64(a.noTime), Count: a.noTime, Of: a.shipments},
		{Key: KeyLate, Name: "Late, not delivered", Unit: "parcels", Value: float64(a.late), Count: a.late, Of: a.shipments},
	}
	for i := range ks {
		k := &ks[i]
		k.HigherIsBetter = higherIsBetter[k.Key]
		if th, ok := b.th[k.Key]; ok {
			k.Warn, k.Critical, k.HasThresholds = th[0], th[1], true
			k.State = StateOf(k.Value, th[0], th[1], k.HigherIsBetter)
		} else if math.IsNaN(k.Value) {
			k.State = StateNA
		} else {
			k.State = StateOK
		}
		if math.IsNaN(k.Value) {
			k.Value = 0 // JSON has no NaN; State says n/a
		}
	}
	return ks
}

// avgP90 is the mean and the 90th percentile (nearest rank: the
// ceil(0.9·n)-th smallest) of the transit times, in days, NaN when
// there are none.
//
// The sum is exact (128-bit nanoseconds), so the mean does not depend on
// the order the parcels came in (merged builders agree to the last bit).
// The percentile is found without sorting or copying the list (close to
// a million times in a group of a site's 90 days; a copy's fresh memory
// alone cost more than the rest): the times are counted into buckets by
// their top bits, and only the bucket holding the rank is gathered and
// searched.
func (d *durations) avgP90() (avg, p90 float64) {
	if d.n == 0 {
		return math.NaN(), math.NaN()
	}
	var hi, lo uint64 // transit times are never negative
	var top time.Duration
	for _, b := range d.blocks {
		for _, x := range b {
			var carry uint64
			lo, carry = bits.Add64(lo, uint64(x), 0)
			hi += carry
			top = max(top, x)
		}
	}
	avg = (float64(hi)*0x1p64 + float64(lo)) / float64(d.n) / float64(24*time.Hour)

	k := int(math.Ceil(0.9*float64(d.n))) - 1 // the rank, 0-based
	const buckets = 4096
	shift := uint(0)
	for uint64(top)>>shift >= buckets {
		shift++
	}
	var count [buckets]int
	for _, b := range d.blocks {
		for _, x := range b {
			count[uint64(x)>>shift]++
		}
	}
	j := 0
	for ; k >= count[j]; j++ {
		k -= count[j]
	}
	in := make([]time.Duration, 0, count[j])
	for _, b := range d.blocks {
		for _, x := range b {
			if uint64(x)>>shift == uint64(j) {
				in = append(in, x)
			}
		}
	}
	return avg, nthSmallest(in, k).Hours() / 24
}

// nthSmallest is the k-th smallest of xs (0-based), reordering xs: a
// quickselect with three-way partitions (many parcels share a transit
// time), sorting what is left once the range is small or the pivots
// were poor.
func nthSmallest(xs []time.Duration, k int) time.Duration {
	lo, hi := 0, len(xs)
	for rounds := 0; hi-lo > 32; rounds++ {
		if rounds > 64 {
			break
		}
		a, b, c := xs[lo], xs[lo+(hi-lo)/2], xs[hi-1]
		pivot := max(min(a, b), min(max(a, b), c)) // the median of three
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch x := xs[i]; {
			case x < pivot:
				xs[lt], xs[i] = x, xs[lt]
				lt++
				i++
			case x > pivot:
				gt--
				xs[i], xs[gt] = xs[gt], x
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return pivot
		}
	}
	slices.Sort(xs[lo:hi])
	return xs[k]
}

// earliestSet is the earliest of the times that are set, or zero.
func earliestSet(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if !t.IsZero() && (out.IsZero() || t.Before(out)) {
			out = t
		}
	}
	return out
}

// KeyUnshipped is the dispatch-SLA figure: orders imported more than
// UnshippedAfter ago that still have no shipment.
const KeyUnshipped = "orders_without_shipment"

// UnshippedAfter is how long an order may wait for its shipment.
const UnshippedAfter = 48 * time.Hour

// AddUnshipped adds the dispatch-SLA figure to a report: the orders that
// were imported more than 48 h before now and have no shipment, as of now
// (it is a state of the bench, not of the window's parcels). The oldest
// are listed as problems, after the parcels' own problems.
func (r *Report) AddUnshipped(orders []store.UnshippedOrder, now time.Time, maxProblems int) {
	k := KPI{Key: KeyUnshipped, Name: "Orders not shipped after 48 h", Unit: "orders", Value: float64(len(orders)), Count: len(orders),
		Note: "orders imported more than 48 h ago with no shipment, as of now"}
	k.State = StateOK
	if th, ok := r.Thresholds[KeyUnshipped]; ok {
		k.Warn, k.Critical, k.HasThresholds = th[0], th[1], true
		k.State = StateOf(k.Value, th[0], th[1], false)
	}
	r.Overall = append(r.Overall, k)
	if len(orders) == 0 {
		return
	}
	if r.ProblemKinds == nil {
		r.ProblemKinds = map[string]int{}
	}
	r.ProblemKinds[ProblemNoShipment] += len(orders)
	r.ProblemsTotal += len(orders)
	for _, o := range orders {
		if maxProblems > 0 && len(r.Problems) >= maxProblems {
			break
		}
		r.Problems = append(r.Problems, Problem{Kind: ProblemNoShipment, OrderRef: o.Ref, Since: o.ImportedAt,
			Note: "imported " + waited(now.Sub(o.ImportedAt)) + " ago and not shipped: pack it or tell the customer"})
	}
}

// waited is a duration in days and hours, for notes.
func waited(d time.Duration) string {
	h := int(d.Hours())
	if h < 48 {
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d days %d h", h/24, h%24)
}
