package app

import (
	"context"
	"fmt"
	"image/color"
	"math/rand"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/app/i18n"
	"labelstation/carrier"
	"labelstation/station"
	"labelstation/station/kpi"
)

// fakeDashboard answers the dashboard like the station would, and
// records what it was asked.
type fakeDashboard struct {
	mu      sync.Mutex
	report  kpi.Report
	err     error
	queries []dashQuery
	// gate, when set, holds every Dashboard call until a value is
	// received from it (or it is closed).
	gate              chan struct{}
	inFlight, maxSeen int

	history    ParcelHistory
	historyErr error
	shown      []string // TrackShow refs
	syncs      []TrackOptions
	syncReport TrackReport
	changes    chan TrackingChange
}

func newFakeDashboard(rep kpi.Report) *fakeDashboard {
	return &fakeDashboard{report: rep, changes: make(chan TrackingChange)}
}

func (f *fakeDashboard) Dashboard(ctx context.Context, last time.Time, days int) (kpi.Report, error) {
	f.mu.Lock()
	f.queries = append(f.queries, dashQuery{last, days})
	f.inFlight++
	f.maxSeen = max(f.maxSeen, f.inFlight)
	gate := f.gate
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return kpi.Report{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	rep := f.report
	rep.Days = days
	return rep, f.err
}

func (f *fakeDashboard) TrackShow(_ context.Context, ref string) (ParcelHistory, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shown = append(f.shown, ref)
	return f.history, f.historyErr
}

func (f *fakeDashboard) TrackSync(_ context.Context, opts TrackOptions) (TrackReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncs = append(f.syncs, opts)
	return f.syncReport, nil
}

func (f *fakeDashboard) SubscribeTracking(ctx context.Context) <-chan TrackingChange {
	out := make(chan TrackingChange)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case c := <-f.changes:
				select {
				case out <- c:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

func (f *fakeDashboard) asked() []dashQuery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]dashQuery(nil), f.queries...)
}

func (f *fakeDashboard) set(fn func(f *fakeDashboard)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// openDashboard opens the dashboard of a pack screen on src with the
// Dashboard… button and waits for the first report to be shown.
func openDashboard(t *testing.T, src DashboardSource, opts ...Option) (*dashboardView, *uiLoop) {
	t.Helper()
	ps, _, loop := newTestScreen(t, newFakeStation(), append([]Option{WithDashboard(src), DashboardEvery(time.Hour)}, opts...)...)
	if ps.dashBtn == nil {
		t.Fatal("no Dashboard… button with WithDashboard")
	}
	test.Tap(ps.dashBtn)
	v := ps.dashboard
	if v == nil {
		t.Fatal("Dashboard… opened nothing")
	}
	t.Cleanup(func() {
		if !v.closed() { // a test may have closed it (Ctrl+W)
			v.win.Close()
		}
	})
	return v, loop
}

func sampleKPIs() []kpi.KPI {
	return []kpi.KPI{
		{Key: "on_time_delivery_rate", Name: "On-time delivery", Value: 93.4, Unit: "%", Count: 384, Of: 411,
			Warn: 92, Critical: 90, HigherIsBetter: true, HasThresholds: true, State: kpi.StateOK},
		{Key: "exception_rate", Name: "Exceptions", Value: 2.4, Unit: "%", Count: 11, Of: 458,
			Warn: 2, Critical: 3, HasThresholds: true, State: kpi.StateWarn},
		{Key: "avg_transit_days", Name: "Average transit", Value: 5.6, Unit: "days", Count: 411, Of: 411,
			Warn: 3, Critical: 5, HasThresholds: true, State: kpi.StateCritical},
		{Key: "damaged_rate", Name: "Damaged", Unit: "%", HasThresholds: true, Warn: 0.3, Critical: 0.5, State: kpi.StateNA},
	}
}

// The cards show each KPI's value, what it was measured on and its
// thresholds, in the colour of its state; the country table and the
// status bars follow the report.
func TestDashboardCardsShowValuesAndStateColours(t *testing.T) {
	rep := kpi.Report{From: "2025-05-01", To: "2025-05-30", Shipments: 458, Overall: sampleKPIs(),
		StatusMix: map[string]int{"delivered": 300, "in_transit": 150, "lost": 8},
		ByCountry: []kpi.Group{{Key: "NO", Shipments: 120, KPIs: []kpi.KPI{{Key: "on_time_delivery_rate", Name: "On-time delivery",
			Value: 88.5, Unit: "%", State: kpi.StateCritical, Of: 100, Count: 88}}}},
		Daily: []kpi.Day{{Date: "2025-05-01", Shipments: 10, Delivered: 2}, {Date: "2025-05-02", Shipments: 14, Delivered: 9}},
	}
	v, loop := openDashboard(t, newFakeDashboard(rep))
	loop.until(t, "cards", func() bool { return len(v.cards) == 4 })

	want := []struct {
		key, value, state, count, limits string
		col                              fyneColor
	}{
		{"on_time_delivery_rate", "93.4 %", "OK", "384 of 411 parcels", "warning < 92 % · critical < 90 %", colOK},
		{"exception_rate", "2.4 %", "WARNING", "11 of 458 parcels", "warning > 2 % · critical > 3 %", colWait},
		{"avg_transit_days", "5.6 days", "CRITICAL", "411 of 411 parcels", "warning > 3 days · critical > 5 days", colBad},
		{"damaged_rate", "—", "NO DATA", "nothing to measure yet", "warning > 0.3 % · critical > 0.5 %", colMuted},
	}
	for _, w := range want {
		c := v.cards[w.key]
		if c == nil {
			t.Errorf("no card for %s", w.key)
			continue
		}
		if c.valueText != w.value || c.state.Text != w.state || c.countText != w.count || c.limitsText != w.limits {
			t.Errorf("%s card: %q %q %q %q, want %q %q %q %q", w.key, c.valueText, c.state.Text, c.countText, c.limitsText,
				w.value, w.state, w.count, w.limits)
		}
		if c.bar.FillColor != w.col || c.state.Color != w.col || c.bg.FillColor != tint(w.col.(color.NRGBA)) {
			t.Errorf("%s card coloured %v/%v, want %v", w.key, c.bar.FillColor, c.state.Color, w.col)
		}
	}
	if !strings.Contains(v.heading.Text, "Shipments booked 1 May – Fri 30 May 2025 (30 days): 458") {
		t.Errorf("heading %q", v.heading.Text)
	}
	if got := v.mixRows["delivered"]; got != 1 {
		t.Errorf("delivered bar %v, want the longest (1)", got)
	}
	if got := v.mixRows["in_transit"]; got != 0.5 {
		t.Errorf("in transit bar %v, want 0.5", got)
	}
	if len(v.chart.days) != 2 {
		t.Errorf("chart has %d days, want 2", len(v.chart.days))
	}
	cells := labelTexts(v.country)
	if !strings.Contains(cells, "NO Norway|120|88.5 % !!") || !strings.HasSuffix(cells, "|! warning · !! critical") {
		t.Errorf("country table %q lacks Norway's row", cells)
	}
}

// The carrier table has a row per carrier with its figures, each in the
// colour of its state (the country table's code, with carrier names).
func TestDashboardByCarrierTable(t *testing.T) {
	k := func(key string, v float64, unit string, st kpi.State) kpi.KPI {
		return kpi.KPI{Key: key, Value: v, Unit: unit, HasThresholds: true, State: st}
	}
	rep := kpi.Report{From: "2025-05-01", To: "2025-05-30", Days: 30, Shipments: 458, Overall: sampleKPIs(),
		ByCarrier: []kpi.Group{
			{Key: "postnord", Shipments: 401, KPIs: []kpi.KPI{k("on_time_delivery_rate", 94.2, "%", kpi.StateOK),
				k("avg_transit_days", 2.1, "days", kpi.StateOK), k("exception_rate", 2.4, "%", kpi.StateWarn),
				k("tracking_gap_pct", 3.5, "%", kpi.StateOK), k("lost_parcel_rate_pct", 0.1, "%", kpi.StateOK)}},
			{Key: "stg", Shipments: 57, KPIs: []kpi.KPI{k("on_time_delivery_rate", 86.0, "%", kpi.StateCritical),
				{Key: "avg_transit_days", Unit: "days", State: kpi.StateNA}, k("avg_transit_days_se_no", 4.4, "days", kpi.StateWarn),
				k("exception_rate", 1.8, "%", kpi.StateOK), k("lost_parcel_rate_pct", 0.5, "%", kpi.StateCritical)}},
		},
	}
	v, loop := openDashboard(t, newFakeDashboard(rep))
	loop.until(t, "carrier table", func() bool { return len(v.carriers.Objects) == 4 })

	type cell struct {
		text string
		imp  widget.Importance
		bold bool
	}
	rows := map[string][]cell{}
	var heads []string
	objs := v.carriers.Objects
	if key, ok := objs[len(objs)-1].(*widget.Label); !ok || key.Text != "! warning · !! critical" {
		t.Errorf("the carrier table does not end with the key to its marks: %#v", objs[len(objs)-1])
	}
	for i, o := range objs[:len(objs)-1] {
		row, ok := o.(*fyne.Container)
		if !ok {
			t.Fatalf("carrier table row %d is %T", i, o)
		}
		var cells []cell
		for _, c := range row.Objects {
			l := c.(*widget.Label)
			cells = append(cells, cell{l.Text, l.Importance, l.TextStyle.Bold})
		}
		if i == 0 {
			for _, c := range cells {
				heads = append(heads, c.text)
			}
			continue
		}
		rows[cells[0].text] = cells
	}
	if got := strings.Join(heads, "|"); got != "Carrier|Shipments|On time|Transit|Exceptions|Gaps|Lost" {
		t.Errorf("carrier table heads %q", got)
	}
	ok, warn, bad := widget.SuccessImportance, widget.WarningImportance, widget.DangerImportance
	want := map[string][]cell{
		"PostNord": {{"PostNord", 0, false}, {"401", 0, false}, {"94.2 %", ok, false}, {"2.1 days", ok, false},
			{"2.4 % !", warn, true}, {"3.5 %", ok, false}, {"0.1 %", ok, false}},
		"STG": {{"STG", 0, false}, {"57", 0, false}, {"86.0 % !!", bad, true}, {"4.4 days !", warn, true},
			{"1.8 %", ok, false}, {"—", 0, false}, {"0.5 % !!", bad, true}},
	}
	for name, w := range want {
		got := rows[name]
		if len(got) != len(w) {
			t.Errorf("carrier row %s: %+v, want %+v", name, got, w)
			continue
		}
		for i := range w {
			if got[i] != w[i] {
				t.Errorf("carrier row %s, column %s: %+v, want %+v", name, heads[i], got[i], w[i])
			}
		}
	}
	if len(rows) != 2 {
		t.Errorf("carrier rows %v, want PostNord and STG", rows)
	}
	// The country table stays as it was: no countries, its own words.
	if got := labelTexts(v.country); got != "No shipments in these days." {
		t.Errorf("country table %q", got)
	}
}

// labelTexts joins the texts of every label under o with "|".
func labelTexts(o fyne.CanvasObject) string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch)
			}
		}
	}
	walk(o)
	return strings.Join(out, "|")
}

// The window selector asks for 1, 30 or 90 days, and the date picker and
// the arrows for the chosen day.
func TestDashboardWindowSelectorAndDate(t *testing.T) {
	f := newFakeDashboard(kpi.Report{})
	v, loop := openDashboard(t, f)
	today := time.Now().Format("2006-01-02")
	last := func() dashQuery {
		q := f.asked()
		if len(q) == 0 {
			return dashQuery{}
		}
		return q[len(q)-1]
	}
	loop.until(t, "first report", func() bool { return len(f.asked()) == 1 })
	if q := last(); q.days != 30 || q.last.Format("2006-01-02") != today {
		t.Errorf("opened with %v days ending %s, want 30 ending today", q.days, q.last.Format("2006-01-02"))
	}
	for _, c := range []struct {
		opt  string
		days int
	}{{"Day", 1}, {"90 days", 90}, {"30 days", 30}, {"Day", 1}} {
		v.span.SetSelected(c.opt)
		loop.until(t, c.opt, func() bool { return last().days == c.days })
	}
	// Type a date into the picker, as a person does.
	test.WidgetRenderer(v.date)
	v.date.SetText("") // DateEntry only fires on a change
	v.date.SetText("03/02/2025")
	loop.until(t, "picked date", func() bool { return last().last.Format("2006-01-02") == "2025-02-03" })
	if q := last(); q.days != 1 {
		t.Errorf("picked date asked for %d days, want the selected 1", q.days)
	}
	test.Tap(v.prevBtn)
	loop.until(t, "previous day", func() bool { return last().last.Format("2006-01-02") == "2025-02-02" })
	v.span.SetSelected("90 days")
	loop.until(t, "90 days", func() bool { q := last(); return q.days == 90 && q.last.Format("2006-01-02") == "2025-02-02" })
	// A day in the future is today.
	v.date.SetText(time.Now().AddDate(0, 0, 3).Format("02/01/2006"))
	loop.until(t, "today", func() bool { return last().last.Format("2006-01-02") == today })
	if !v.nextBtn.Disabled() {
		t.Error("the next-day arrow is enabled on today")
	}
}

func problems() []kpi.Problem {
	now := time.Now()
	return []kpi.Problem{
		{Kind: kpi.ProblemLate, OrderRef: "10021", ItemID: "00370712345000021", Country: "SE", Status: carrier.StatusInTransit,
			Since: now.Add(-26 * time.Hour), Note: "expected yesterday"},
		{Kind: kpi.ProblemCustoms, OrderRef: "10022", ItemID: "00370712345000022", Country: "NO", Status: carrier.StatusAwaitingCustoms,
			Since: now.Add(-80 * time.Hour), Note: "no scan for 3 days at the Norwegian border"},
	}
}

// Clicking a problem parcel asks for its history and shows its events.
func TestDashboardProblemOpensHistory(t *testing.T) {
	f := newFakeDashboard(kpi.Report{Problems: problems()})
	t0 := time.Date(2025, 5, 2, 14, 3, 0, 0, time.Local)
	f.history = ParcelHistory{OrderRef: "10022", ItemID: "00370712345000022", Carrier: "postnord", Service: "19", Receiver: "Ola Nordmann",
		Country: "NO", Status: carrier.StatusAwaitingCustoms, BookedAt: t0,
		Events: []carrier.TrackingEvent{
			{Time: t0.Add(2 * time.Hour), Status: carrier.StatusHandedOver, Description: "Handed over to PostNord", Location: "Göteborg", Country: "SE"},
			{Time: t0.Add(30 * time.Hour), Status: carrier.StatusAwaitingCustoms, Description: "Awaiting customs clearance", Location: "Svinesund", Country: "NO"},
		}}
	v, loop := openDashboard(t, f)
	loop.until(t, "problems", func() bool { return len(v.probRows) == 2 })
	if v.probHead.Text != "Problem parcels (2)" {
		t.Errorf("problems heading %q", v.probHead.Text)
	}
	test.Tap(v.probRows[1])
	loop.until(t, "history", func() bool { return v.histDlg != nil })
	f.mu.Lock()
	shown := append([]string(nil), f.shown...)
	f.mu.Unlock()
	if len(shown) != 1 || shown[0] != "10022" {
		t.Errorf("asked for history of %v, want the clicked parcel's order", shown)
	}
	if len(v.histEvents) != 2 ||
		!strings.Contains(v.histEvents[0], "Handed over | Handed over to PostNord · Göteborg, SE") ||
		!strings.Contains(v.histEvents[1], "Awaiting customs | Awaiting customs clearance · Svinesund, NO") {
		t.Errorf("history shows %q", v.histEvents)
	}

	// A history the station cannot read says so, with the hint.
	v.histDlg.Hide()
	f.set(func(f *fakeDashboard) {
		f.historyErr = &station.Problem{Msg: "no parcel 00370712345000021", Hint: "run labelstation track sync"}
	})
	test.Tap(v.probRows[0])
	loop.until(t, "history error", func() bool { return strings.Contains(v.msg.Text, "no parcel 00370712345000021") })
	if !v.hint.Visible() || v.hint.Text != "Run labelstation track sync" {
		t.Errorf("hint %q (visible %v)", v.hint.Text, v.hint.Visible())
	}
}

// A status change from the tracking sync asks for the report at once and
// is said under the heading.
func TestDashboardTrackingChangeRefreshes(t *testing.T) {
	f := newFakeDashboard(kpi.Report{Shipments: 3})
	v, loop := openDashboard(t, f)
	loop.until(t, "first report", func() bool { return len(f.asked()) == 1 && v.hasReport })
	at := time.Date(2025, 5, 30, 14, 2, 0, 0, time.Local)
	go func() {
		f.changes <- TrackingChange{OrderRef: "10023", From: carrier.StatusOutForDelivery, To: carrier.StatusDelivered, At: at}
	}()
	loop.until(t, "refresh after the change", func() bool { return len(f.asked()) == 2 })
	loop.until(t, "change said", func() bool {
		return strings.Contains(v.updated.Text, "14:02 order 10023: out for delivery → delivered")
	})
}

// An error shows the station's words and its hint; the next good report
// clears it.
func TestDashboardErrorShowsHint(t *testing.T) {
	f := newFakeDashboard(kpi.Report{})
	f.err = &station.Problem{Msg: "the data file cannot be read: permission denied", Hint: "check the rights on the data directory"}
	v, loop := openDashboard(t, f)
	loop.until(t, "error", func() bool { return v.msg.Visible() })
	if !strings.Contains(v.msg.Text, "The figures cannot be read: the data file cannot be read: permission denied") ||
		v.msg.Importance != widget.DangerImportance {
		t.Errorf("message %q (%v)", v.msg.Text, v.msg.Importance)
	}
	if !v.hint.Visible() || v.hint.Text != "Check the rights on the data directory" {
		t.Errorf("hint %q (visible %v)", v.hint.Text, v.hint.Visible())
	}
	f.set(func(f *fakeDashboard) { f.err = nil })
	v.span.SetSelected("Day")
	loop.until(t, "cleared", func() bool { return !v.msg.Visible() && !v.hint.Visible() })
}

// Refreshes never overlap: the timer, tracking changes and the selector
// all ask while a slow report runs; the station sees one call at a time,
// and the last one asks for what was chosen last.
func TestDashboardRefreshNeverOverlaps(t *testing.T) {
	f := newFakeDashboard(kpi.Report{})
	f.gate = make(chan struct{})
	// The timer fires several times while the first report hangs.
	v, loop := openDashboard(t, f, DashboardEvery(15*time.Millisecond))
	for _, opt := range []string{"Day", "90 days", "Day", "90 days"} {
		v.span.SetSelected(opt)
		go func() { f.changes <- TrackingChange{OrderRef: "1", To: carrier.StatusDelivered} }()
		time.Sleep(40 * time.Millisecond)
		loop.drain()
	}
	f.mu.Lock()
	n, maxSeen := len(f.queries), f.maxSeen
	f.mu.Unlock()
	if n != 1 || maxSeen != 1 {
		t.Errorf("%d calls began while the first one hung (%d at once), want 1", n, maxSeen)
	}
	// Let the calls through one by one: each must begin after the last
	// one ended.
	for i := 0; i < 3; i++ {
		f.gate <- struct{}{}
	}
	close(f.gate)
	loop.until(t, "90 days", func() bool { q := f.asked(); return len(q) >= 2 && q[len(q)-1].days == 90 })
	f.mu.Lock()
	maxSeen = f.maxSeen
	f.mu.Unlock()
	if maxSeen != 1 {
		t.Errorf("%d reports ran at once, want 1", maxSeen)
	}
}

// Sync tracking calls the station's tracking sync, says what it did and
// asks for the report again.
func TestDashboardSyncTracking(t *testing.T) {
	f := newFakeDashboard(kpi.Report{})
	f.syncReport = TrackReport{Polled: 120, Updated: 14, NewEvents: 31, NotDue: 300, Took: 2100 * time.Millisecond}
	v, loop := openDashboard(t, f)
	loop.until(t, "first report", func() bool { return len(f.asked()) == 1 && v.hasReport })
	test.Tap(v.syncBtn)
	loop.until(t, "synced", func() bool { return strings.Contains(v.msg.Text, "Tracking synced") })
	if want := "Tracking synced in 2100 ms. Parcels asked: 120, changed: 14, new events: 31, not due yet: 300."; v.msg.Text != want {
		t.Errorf("sync said %q, want %q", v.msg.Text, want)
	}
	f.mu.Lock()
	syncs := len(f.syncs)
	f.mu.Unlock()
	if syncs != 1 {
		t.Errorf("%d syncs, want 1", syncs)
	}
	loop.until(t, "report after sync", func() bool { return len(f.asked()) == 2 })
}

// Without a TrackingSource the dashboard has no sync button and problem
// parcels do not open anything.
func TestDashboardWithoutTracking(t *testing.T) {
	f := newFakeDashboard(kpi.Report{Problems: problems()})
	v, loop := openDashboard(t, struct{ DashboardSource }{f})
	loop.until(t, "problems", func() bool { return len(v.probRows) == 2 })
	if v.syncBtn.Visible() {
		t.Error("Sync tracking shown without a tracking source")
	}
	test.Tap(v.probRows[0])
	if v.histDlg != nil || v.msg.Visible() {
		t.Error("a problem opened a history without a tracking source")
	}
}

// demoReport is a realistic month: a few hundred shipments over 30 days,
// some KPIs in warn and critical, ten problem parcels.
func demoReport(end time.Time) kpi.Report {
	rnd := rand.New(rand.NewSource(7))
	var daily []kpi.Day
	total := 0
	for i := 29; i >= 0; i-- {
		d := end.AddDate(0, 0, -i)
		n := 8 + rnd.Intn(14)
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			n = rnd.Intn(3)
		}
		del := n - rnd.Intn(3)
		if i < 3 {
			del = n * (3 - i) / 5
		}
		daily = append(daily, kpi.Day{Date: d.Format("2006-01-02"), Shipments: n, Delivered: max(del, 0), Problems: rnd.Intn(2)})
		total += n
	}
	delivered := total * 85 / 100
	onTime := delivered * 912 / 1000
	k := func(key, name string, v float64, unit string, count, of int, warn, crit float64, higher bool, st kpi.State) kpi.KPI {
		return kpi.KPI{Key: key, Name: name, Value: v, Unit: unit, Count: count, Of: of, Warn: warn, Critical: crit,
			HigherIsBetter: higher, HasThresholds: warn != 0 || crit != 0, State: st}
	}
	na := kpi.StateNA
	overall := []kpi.KPI{
		k("shipments", "Shipments", float64(total), "parcels", total, total, 0, 0, false, kpi.StateOK),
		k("on_time_delivery_rate", "On-time delivery", float64(onTime)*100/float64(delivered), "%", onTime, delivered, 92, 90, true, kpi.StateWarn),
		k("avg_transit_days", "Avg transit, intra-EU (SE/DK/FI)", 2.1, "days", delivered-40, delivered-40, 3, 5, false, kpi.StateOK),
		k("p90_transit_days", "P90 transit, intra-EU", 3.8, "days", delivered-40, delivered-40, 0, 0, false, kpi.StateOK),
		k("avg_transit_days_se_no", "Avg transit, Norway border", 4.4, "days", 40, 40, 0, 0, false, kpi.StateOK),
		k("p90_transit_days_se_no", "P90 transit, Norway border", 7.0, "days", 40, 40, 0, 0, false, kpi.StateOK),
		k("exception_rate", "Exception rate", 3.4, "%", 11, total, 2, 3, false, kpi.StateCritical),
		k("first_attempt_failures", "First-attempt failures", 6, "parcels", 6, 31, 0, 0, false, kpi.StateOK),
		k("hold_ending", "Hold ending at service point", 2, "parcels", 2, total, 0, 0, false, kpi.StateOK),
		k("returned_rate", "Returned", 0.9, "%", 3, total, 0, 0, false, kpi.StateOK),
		k("refused", "Refused", 1, "parcels", 1, total, 0, 0, false, kpi.StateOK),
		k("lost_parcel_rate_pct", "Lost", 0.31, "%", 1, total, 0.2, 0.3, false, kpi.StateCritical),
		k("damaged_rate", "Damaged", 0.31, "%", 1, total, 0.3, 0.5, false, kpi.StateWarn),
		k("tracking_gap_pct", "Tracking gaps", 3.1, "%", 9, 290, 5, 10, false, kpi.StateOK),
		k("se_no_customs_clearance_pct", "NO customs cleared within 3 days", 78.6, "%", 33, 42, 85, 80, true, kpi.StateCritical),
		k("customs_stuck", "Stuck in NO customs > 3 days", 2, "parcels", 2, 42, 0, 0, false, kpi.StateOK),
		k("silent_parcels", "Silent (never scanned, > 24 h)", 1, "parcels", 1, 300, 0, 0, false, kpi.StateOK),
		k("delivered_no_time", "Delivered without a time", 0, "parcels", 0, total, 0, 0, false, kpi.StateOK),
		k("late_parcels", "Late, not delivered", 4, "parcels", 4, total, 0, 0, false, na),
	}
	group := func(cc string, n int, otd float64, otdSt kpi.State, transit float64, trSt kpi.State, exc float64, excSt kpi.State, gap float64) kpi.Group {
		return kpi.Group{Key: cc, Shipments: n, KPIs: []kpi.KPI{
			k("on_time_delivery_rate", "On-time", otd, "%", 0, n, 92, 90, true, otdSt),
			k("avg_transit_days", "Avg transit", transit, "days", n, n, 3, 5, false, trSt),
			k("lost_parcel_rate_pct", "Lost", gap/20, "%", 0, n, 0.2, 0.3, false, kpi.StateOK),
			k("p90_transit_days", "Transit p90", transit*1.7, "days", n, n, 0, 0, false, kpi.StateOK),
			k("exception_rate", "Exceptions", exc, "%", 0, n, 2, 3, false, excSt),
			k("tracking_gap_pct", "Tracking gaps", gap, "%", 0, n, 5, 10, false, kpi.StateOK),
		}}
	}
	by := []kpi.Group{
		group("SE", total*55/100, 94.8, kpi.StateOK, 1.6, kpi.StateOK, 1.4, kpi.StateOK, 1.2),
		group("NO", total*15/100, 81.3, kpi.StateCritical, 4.2, kpi.StateWarn, 6.5, kpi.StateCritical, 7.9),
		group("DK", total*14/100, 92.6, kpi.StateOK, 2.2, kpi.StateOK, 2.6, kpi.StateWarn, 2.0),
		group("FI", total*12/100, 90.9, kpi.StateWarn, 2.9, kpi.StateOK, 1.9, kpi.StateOK, 3.3),
		group("other", total-total*96/100, 87.5, kpi.StateCritical, 3.6, kpi.StateWarn, 0, kpi.StateOK, 0),
	}
	now := end
	pr := func(kind, ref, cc string, st carrier.Status, ago time.Duration, note string) kpi.Problem {
		return kpi.Problem{Kind: kind, OrderRef: ref, ItemID: "0037073500" + ref + "21", Country: cc, Service: "19", Status: st,
			BookedAt: now.Add(-ago - 24*time.Hour), Since: now.Add(-ago), Note: note}
	}
	probs := []kpi.Problem{
		pr(kpi.ProblemCustoms, "10412", "NO", carrier.StatusAwaitingCustoms, 80*time.Hour, "no scan for 3 days at the Norwegian border"),
		pr(kpi.ProblemCustoms, "10398", "NO", carrier.StatusAwaitingCustoms, 100*time.Hour, "awaiting customs for 4 days: commercial invoice?"),
		pr(kpi.ProblemLost, "10277", "FI", carrier.StatusInTransit, 260*time.Hour, "no event for 11 days"),
		pr(kpi.ProblemException, "10433", "DK", carrier.StatusException, 20*time.Hour, "address not found"),
		pr(kpi.ProblemException, "10440", "SE", carrier.StatusException, 9*time.Hour, "parcel damaged, sent back to the terminal"),
		pr(kpi.ProblemLate, "10401", "SE", carrier.StatusInTransit, 30*time.Hour, "expected Tuesday, still in transit"),
		pr(kpi.ProblemLate, "10405", "DE", carrier.StatusInTransit, 50*time.Hour, "2 days past the expected delivery"),
		pr(kpi.ProblemStuck, "10419", "SE", carrier.StatusInTransit, 31*time.Hour, "no scan for 31 h (limit 24 h intra-EU)"),
		pr(kpi.ProblemHoldEnding, "10388", "SE", carrier.StatusAtServicePoint, 150*time.Hour, "at ICA Nära Vasastan, hold ends tomorrow"),
		pr(kpi.ProblemSilent, "10450", "NO", carrier.StatusCreated, 52*time.Hour, "booked 2 days ago, never scanned"),
	}
	return kpi.Report{
		From: daily[0].Date, To: daily[len(daily)-1].Date, Days: 30, GeneratedAt: now, Shipments: total,
		Overall: overall, ByCountry: by, Daily: daily,
		ByCarrier: []kpi.Group{
			group("postnord", total-total*18/100, 92.4, kpi.StateOK, 2.0, kpi.StateOK, 2.4, kpi.StateWarn, 2.8),
			group("stg", total*18/100, 88.7, kpi.StateCritical, 2.6, kpi.StateOK, 1.1, kpi.StateOK, 4.1),
		},
		StatusMix: map[string]int{"delivered": delivered, "in_transit": total - delivered - 40, "at_service_point": 18, "awaiting_customs": 9,
			"exception": 7, "returned": 3, "lost": 1, "created": 2},
		Problems: probs,
	}
}

// TestDashboardScreenshot renders the dashboard on a realistic month
// and checks it fits its window; with DASHBOARD_SCREENSHOT=/path/x.png it
// writes the image there, plus x-history.png with a parcel's history:
//
//	DASHBOARD_SCREENSHOT=/tmp/dashboard.png go test ./app -run DashboardScreenshot
func TestDashboardScreenshot(t *testing.T) {
	end := time.Date(2025, 5, 30, 15, 40, 0, 0, time.Local)
	f := newFakeDashboard(demoReport(end))
	f.history = ParcelHistory{OrderRef: "10412", ItemID: "0037073500" + "10412" + "21", Carrier: "postnord", Service: "19",
		Receiver: "Ola Nordmann, 0150 Oslo", Country: "NO", Status: carrier.StatusAwaitingCustoms,
		BookedAt: end.Add(-104 * time.Hour), Expected: end.Add(-48 * time.Hour)}
	for i, e := range []struct {
		h    time.Duration
		st   carrier.Status
		desc string
		loc  string
		cc   string
	}{
		{-104, carrier.StatusCreated, "The shipment has been booked", "", ""},
		{-98, carrier.StatusHandedOver, "Handed over to PostNord", "Göteborg", "SE"},
		{-90, carrier.StatusInTransit, "Departed terminal", "Göteborg", "SE"},
		{-84, carrier.StatusInTransit, "Arrived at terminal", "Svinesund", "NO"},
		{-80, carrier.StatusAwaitingCustoms, "Awaiting customs clearance: the commercial invoice is missing", "Svinesund", "NO"},
	} {
		f.history.Events = append(f.history.Events, carrier.TrackingEvent{ItemID: f.history.ItemID, Time: end.Add(e.h * time.Hour),
			Status: e.st, CarrierCode: fmt.Sprint(i), Description: e.desc, Location: e.loc, Country: e.cc})
	}
	v, loop := openDashboard(t, f)
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	v.setDay(end)
	loop.until(t, "report", func() bool { return len(v.probRows) == 10 })
	v.lastChange = changeText(TrackingChange{OrderRef: "10433", From: carrier.StatusOutForDelivery, To: carrier.StatusException, At: end.Add(-3 * time.Minute)})
	v.showUpdated()
	v.say(trackText(TrackReport{Polled: 212, Updated: 37, NewEvents: 64, NotDue: 140, Took: 3200 * time.Millisecond}), widget.SuccessImportance)
	c := v.win.Canvas()
	if min := c.Content().MinSize(); min.Width > 1280 {
		t.Errorf("dashboard needs %v wide, more than 1280", min.Width)
	}
	out := os.Getenv("DASHBOARD_SCREENSHOT")
	if out == "" {
		return
	}
	v.win.Resize(fyne.NewSize(1280, 1560)) // everything in one picture
	writePNG(t, out, c)
	v.win.Resize(fyne.NewSize(1280, 860))
	test.Tap(v.probRows[0])
	loop.until(t, "history", func() bool { return v.histDlg != nil })
	writePNG(t, strings.TrimSuffix(out, ".png")+"-history.png", c)
}

// Every button of the dashboard has a Ctrl key in its window's
// "Dashboard" menu, and the keys do what the buttons do: the day back and
// to today, the window, the sync, choosing a problem parcel and opening
// its history, closing the history and then the window.
func TestDashboardKeys(t *testing.T) {
	f := newFakeDashboard(kpi.Report{Problems: problems()})
	f.history = ParcelHistory{OrderRef: "10022", Status: carrier.StatusAwaitingCustoms}
	v, loop := openDashboard(t, f)
	loop.until(t, "problems", func() bool { return len(v.probRows) == 2 })
	// The date entry's calendar button has no key of its own: Ctrl+G
	// puts the keyboard into the entry, where the date is typed.
	calendar, _ := v.date.ActionItem.(*widget.Button)
	checkEveryButtonKeyed(t, v.win.Content(), v.keys, calendar)
	v.win.Canvas().(fyne.Shortcutable).TypedShortcut(ctrlKey(fyne.KeyG).shortcut())
	if v.win.Canvas().Focused() != v.date {
		t.Errorf("Ctrl+G put the keyboard on %T, want the date entry", v.win.Canvas().Focused())
	}
	if v.todayBtn.Text != "Today   Ctrl+T" || v.syncBtn.Text != "Sync tracking   Ctrl+S" || v.prevBtn.Text != "Previous day   Ctrl+B" {
		t.Errorf("buttons say %q, %q, %q", v.todayBtn.Text, v.syncBtn.Text, v.prevBtn.Text)
	}
	press := func(k fyne.KeyName) { v.win.Canvas().(fyne.Shortcutable).TypedShortcut(ctrlKey(k).shortcut()) }
	last := func() dashQuery { q := f.asked(); return q[len(q)-1] }
	today := localNoon(time.Now())

	press(fyne.KeyB)
	loop.until(t, "previous day", func() bool { return last().last.Equal(today.AddDate(0, 0, -1)) })
	if v.todayBtn.Disabled() {
		t.Error("Today is off on yesterday")
	}
	press(fyne.KeyT)
	loop.until(t, "today", func() bool { return last().last.Equal(today) })
	press(fyne.Key9)
	loop.until(t, "90 days", func() bool { return last().days == 90 })
	if v.span.Selected != "90 days" {
		t.Errorf("the window selector shows %q after Ctrl+9", v.span.Selected)
	}
	press(fyne.KeyS)
	loop.until(t, "synced", func() bool { return strings.Contains(v.msg.Text, "Tracking synced") })

	press(fyne.KeyJ)
	press(fyne.KeyJ)
	if v.probSel != 1 || !v.probRows[1].mark.Visible() || v.probRows[0].mark.Visible() {
		t.Errorf("after Ctrl+J twice the chosen row is %d (marks %v %v)", v.probSel, v.probRows[0].mark.Visible(), v.probRows[1].mark.Visible())
	}
	press(fyne.KeyH)
	loop.until(t, "history", func() bool { return v.histDlg != nil })
	f.mu.Lock()
	shown := append([]string(nil), f.shown...)
	f.mu.Unlock()
	if len(shown) != 1 || shown[0] != "10022" {
		t.Errorf("Ctrl+H asked for the history of %v, want the chosen 10022", shown)
	}
	press(fyne.KeyW)
	if v.histDlg != nil {
		t.Fatal("Ctrl+W left the history open")
	}
	if v.ps.dashboard != v {
		t.Fatal("Ctrl+W closed the window while the history was open")
	}
	press(fyne.KeyW)
	if v.ps.dashboard != nil || !v.closed() {
		t.Error("Ctrl+W did not close the dashboard")
	}
}

// In Swedish the dashboard's words, dates, units, states and the
// station's KPI and status keys are Swedish.
func TestDashboardSpeaksSwedish(t *testing.T) {
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
	rep := kpi.Report{From: "2025-05-01", To: "2025-05-30", Shipments: 458, Overall: sampleKPIs(),
		StatusMix: map[string]int{"delivered": 300, "in_transit": 150},
		ByCountry: []kpi.Group{{Key: "NO", Shipments: 120, KPIs: []kpi.KPI{{Key: "on_time_delivery_rate", Value: 88.5, Unit: "%",
			State: kpi.StateCritical, Of: 100, Count: 88}}}},
		Problems: problems()}
	v, loop := openDashboard(t, newFakeDashboard(rep))
	loop.until(t, "cards", func() bool { return len(v.cards) == 4 && len(v.probRows) == 2 })
	checks := map[string][2]string{
		"title":    {v.win.Title(), "Leveransöversikt"},
		"today":    {v.todayBtn.Text, "I dag   Ctrl+T"},
		"heading":  {v.heading.Text, "Bokade sändningar 1 maj – fre 30 maj 2025 (30 dagar): 458"},
		"name":     {v.cards["on_time_delivery_rate"].nameText, "Leverans i tid"},
		"state":    {v.cards["exception_rate"].state.Text, "VARNING"},
		"value":    {v.cards["avg_transit_days"].valueText, "5.6 dagar"},
		"count":    {v.cards["exception_rate"].countText, "11 av 458 paket"},
		"limits":   {v.cards["avg_transit_days"].limitsText, "varning > 3 dagar · kritisk > 5 dagar"},
		"span":     {v.span.Selected, "30 dagar"},
		"problems": {v.probHead.Text, "Problempaket (2)"},
		"menu":     {v.keys.title, "Översikt"},
	}
	for what, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s says %q, want %q", what, c[0], c[1])
		}
	}
	for what, want := range map[string]string{"status mix": "Levererad", "country table": "NO Norge|120|88.5 % !!"} {
		box := v.mix
		if what == "country table" {
			box = v.country
		}
		if got := labelTexts(box); !strings.Contains(got, want) {
			t.Errorf("%s %q lacks %q", what, got, want)
		}
	}
	if w := problemWord(kpi.ProblemLate); w != "FÖRSENAT" {
		t.Errorf("a late parcel is %q", w)
	}
}

// Every KPI and parcel status the station reports, every problem kind
// and every month and day name has its words in the English catalogue
// (and so, by the i18n tests, in every language).
func TestDashboardWordsAreInTheCatalogue(t *testing.T) {
	en, err := i18n.Catalogue("en")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range kpiKeys {
		ids = append(ids, "dash.kpi."+k)
	}
	for _, s := range statusOrder {
		ids = append(ids, "dash.status."+string(s))
	}
	for m := 1; m <= 12; m++ {
		ids = append(ids, fmt.Sprintf("dash.month.%d", m))
	}
	for d := 0; d < 7; d++ {
		ids = append(ids, fmt.Sprintf("dash.weekday.%d", d))
	}
	for _, id := range ids {
		if _, ok := en[id]; !ok {
			t.Errorf("%s is not in the English catalogue", id)
		}
	}
	// The English catalogue says what the station says.
	if got := kpiName(kpi.KPI{Key: kpi.KeyOnTime, Name: "On-time delivery"}); got != "On-time delivery" {
		t.Errorf("on-time KPI named %q", got)
	}
	if got := kpiName(kpi.KPI{Key: "new_kpi", Name: "A new figure"}); got != "A new figure" {
		t.Errorf("an unknown KPI named %q, want the station's name", got)
	}
}

// Dates keep their English form and take the language's names and order.
func TestDashboardDatesInEachLanguage(t *testing.T) {
	t.Cleanup(func() { i18n.Use("en") })
	want := map[string][2]string{
		"en": {"Fri 30 May 2025", "2 Jan"},
		"sv": {"fre 30 maj 2025", "2 jan"},
		"da": {"fre. 30. maj 2025", "2. jan."},
		"nb": {"fre. 30. mai 2025", "2. jan."},
		"fi": {"pe 30. toukok. 2025", "2. tammik."},
	}
	for _, code := range i18n.Codes() {
		if _, err := i18n.Use(code); err != nil {
			t.Fatal(err)
		}
		if got := longDate("2025-05-30"); got != want[code][0] {
			t.Errorf("%s: 2025-05-30 is %q, want %q", code, got, want[code][0])
		}
		if got := shortDate("2026-01-02"); got != want[code][1] {
			t.Errorf("%s: 2026-01-02 is %q, want %q", code, got, want[code][1])
		}
	}
}
