package app

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/carrier"
	"labelstation/station"
	"labelstation/station/kpi"
)

// dashboardView is the supervisor's dashboard, in its own window beside
// the pack screen (Dashboard… button): a date and a window of 1, 30 or 90
// days, the KPI cards coloured by state, shipments and deliveries per day,
// the parcels' statuses, the figures per country and per carrier, and the
// problem parcels, each of which opens its tracking history. While it is
// open it asks for the report every DashboardEvery and at once when the
// tracking sync reports a status change. Every station call runs off the
// UI goroutine; results come back through the screen's ui (fyne.Do). Two
// report requests never run at once: one asked for while another runs
// runs once after it, with the latest date and window.
//
// Every button and choice has a Ctrl key, listed in the window's
// "Dashboard" menu (see dashboardKeys).
type dashboardView struct {
	ps  *PackScreen
	src DashboardSource
	trk TrackingSource // nil: no sync button, no history, no live updates
	win fyne.Window
	// ctx ends the timer, the subscription and the calls when the window
	// is closed (or the pack screen is).
	ctx    context.Context
	cancel context.CancelFunc

	// UI goroutine only.
	day        time.Time // the last day of the window, local noon
	days       int       // 1, 30 or 90
	report     kpi.Report
	hasReport  bool
	cardSig    string
	problemSig string
	historyRef string // the history asked for last
	updatedAt  time.Time
	lastChange string // the last status change, in words

	date     *widget.DateEntry
	prevBtn  *widget.Button
	nextBtn  *widget.Button
	todayBtn *widget.Button
	span     *widget.RadioGroup
	syncBtn  *widget.Button
	heading  *widget.Label // "412 shipments booked 1 May – 30 May 2025"
	updated  *widget.Label // "Updated 14:02:11" / the last live change
	msg      *widget.Label // the outcome of the last action, or an error
	hint     *widget.Label // the error's hint
	cardGrid *fyne.Container
	cards    map[string]*kpiCard
	chart    *dayChart
	mix      *fyne.Container
	mixRows  map[string]float32 // status → bar fraction, for tests
	country  *fyne.Container
	carriers *fyne.Container
	probHead *widget.Label
	problems *fyne.Container
	probRows []*problemRow
	probSel  int // the problem parcel chosen with the keyboard; -1: none

	keys *actionKeys

	// The history dialog while it is open, for tests, and its Close
	// button (one for every history: it has the dialog's key).
	histDlg    dialog.Dialog
	histClose  *widget.Button
	histEvents []string

	// Fleet mode (dashboard_site.go): nil without it. view is whose
	// figures are asked for (UI goroutine), wantView the same under mu
	// for load.
	site       *dashSite
	view       dashView
	reportRest *fyne.Container // the report below the cards

	mu        sync.Mutex // guards want and wantView
	want      dashQuery
	wantView  dashView
	refresher // load, never two at once
}

// dashQuery is one report request.
type dashQuery struct {
	last time.Time
	days int
}

// spanChoices are the windows the dashboard offers, in days.
var spanChoices = []int{1, 30, 90}

// spanText is a window's choice in words: "Day", "30 days".
func spanText(days int) string {
	switch days {
	case 1:
		return lang.X("dash.span.day", "Day")
	case 30:
		return lang.X("dash.span.30", "30 days")
	case 90:
		return lang.X("dash.span.90", "90 days")
	}
	return fmt.Sprint(days)
}

// spanDays is the window of a choice's words (1 for anything else).
func spanDays(opt string) int {
	for _, d := range spanChoices {
		if opt == spanText(d) {
			return d
		}
	}
	return 1
}

// ShowDashboard opens the dashboard window (the Dashboard… button), or
// brings it to the front when it is open. It does nothing without
// WithDashboard.
func (ps *PackScreen) ShowDashboard() {
	defer ps.focusScan()
	if ps.cfg.dashboard == nil || ps.closed.Load() {
		return
	}
	if ps.dashboard != nil {
		ps.dashboard.win.Show()
		ps.dashboard.win.RequestFocus()
		return
	}
	v := &dashboardView{ps: ps, src: ps.cfg.dashboard, days: 30, day: localNoon(time.Now()),
		cards: map[string]*kpiCard{}, mixRows: map[string]float32{}, probSel: -1}
	v.trk, _ = ps.cfg.dashboard.(TrackingSource)
	v.site = newDashSite(v)
	v.ctx, v.cancel = context.WithCancel(ps.ctx)
	v.refresher = refresher{ctx: v.ctx, load: v.load}
	v.win = fyne.CurrentApp().NewWindow(lang.L("Delivery dashboard"))
	v.keys = newActionKeys(v.win, lang.X("dash.menu", "Dashboard"))
	v.win.SetContent(v.build())
	v.keys.install()
	v.win.Resize(fyne.NewSize(1280, 860))
	v.win.SetOnClosed(func() {
		v.cancel()
		if ps.dashboard == v {
			ps.dashboard = nil
		}
	})
	ps.dashboard = v
	v.win.Show()

	v.requery()
	every(v.ctx, &ps.watchers, ps.cfg.dashboardEvery, v.refresh)
	if v.trk != nil {
		ps.watchers.Add(1)
		go v.watch()
	}
}

func (v *dashboardView) build() fyne.CanvasObject {
	v.date = widget.NewDateEntry()
	v.date.SetDate(&v.day)
	v.date.OnChanged = func(t *time.Time) {
		if t != nil {
			v.pickDay(*t)
		}
	}
	k := v.keys
	v.prevBtn = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { v.setDay(v.day.AddDate(0, 0, -1)) })
	k.bind(v.prevBtn, lang.X("dash.previous_day", "Previous day"), ctrlKey(fyne.KeyB))
	v.nextBtn = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { v.setDay(v.day.AddDate(0, 0, 1)) })
	k.bind(v.nextBtn, lang.X("dash.next_day", "Next day"), ctrlKey(fyne.KeyN))
	v.todayBtn = k.button(lang.X("dash.today", "Today"), ctrlKey(fyne.KeyT), func() { v.setDay(time.Now()) })
	k.action(lang.L("Choose a date"), ctrlKey(fyne.KeyG), func() { v.win.Canvas().Focus(v.date) })
	var opts []string
	for _, d := range spanChoices {
		opts = append(opts, spanText(d))
	}
	v.span = widget.NewRadioGroup(opts, func(s string) {
		if d := spanDays(s); d != v.days {
			v.days = d
			v.requery()
		}
	})
	v.span.Horizontal = true
	v.span.Required = true
	v.span.SetSelected(spanText(30))
	for _, d := range spanChoices {
		key := map[int]fyne.KeyName{1: fyne.Key1, 30: fyne.Key3, 90: fyne.Key9}[d]
		k.action(lang.L("Show: {{.Span}}", map[string]any{"Span": spanText(d)}), ctrlKey(key), func() { v.span.SetSelected(spanText(d)) })
	}
	v.syncBtn = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), v.syncTracking)
	v.syncBtn.Importance = widget.HighImportance
	if v.trk == nil {
		v.syncBtn.Hide()
	} else {
		k.bind(v.syncBtn, lang.L("Sync tracking"), ctrlKey(fyne.KeyS))
		k.action(lang.L("Next problem parcel"), ctrlKey(fyne.KeyJ), v.selectNextProblem)
		k.action(lang.L("Tracking history of the chosen parcel"), ctrlKey(fyne.KeyH), v.openSelectedProblem)
	}
	v.histClose = widget.NewButton("", v.closeHistoryOrWindow)
	k.bind(v.histClose, lang.X("dash.close", "Close"), ctrlKey(fyne.KeyW))
	v.refreshDayButtons()

	v.heading = widget.NewLabel(lang.L("Asking the station for the figures…"))
	v.heading.TextStyle.Bold = true
	v.heading.SizeName = theme.SizeNameSubHeadingText
	v.heading.Truncation = fyne.TextTruncateEllipsis
	v.updated = widget.NewLabel("")
	v.updated.Truncation = fyne.TextTruncateEllipsis
	v.msg = widget.NewLabel("")
	v.msg.Wrapping = fyne.TextWrapWord
	v.msg.TextStyle.Bold = true
	v.msg.Hide()
	v.hint = widget.NewLabel("")
	v.hint.Wrapping = fyne.TextWrapWord
	v.hint.Hide()

	dateBox := container.New(widthLayout{w: 150}, v.date)
	controls := container.NewHBox(v.prevBtn, dateBox, v.nextBtn, v.todayBtn, widget.NewSeparator(), v.span)
	// In fleet mode the view selector has a row of its own under the
	// date and window (one row would not fit 1280 wide).
	var siteTop, siteMiddle, viewRow fyne.CanvasObject
	if v.site != nil {
		viewRow = v.site.controls(k)
		siteTop, siteMiddle = v.site.top(k), v.site.middle()
	}
	head := container.NewVBox(container.NewBorder(nil, nil, controls, v.syncBtn))
	if viewRow != nil {
		head.Add(viewRow)
	}
	for _, o := range []fyne.CanvasObject{v.heading, v.updated, v.msg, v.hint} {
		head.Add(o)
	}

	v.cardGrid = container.NewGridWithColumns(5)
	v.chart = newDayChart()
	v.mix = container.NewVBox()
	v.country = container.NewVBox()
	v.carriers = container.NewVBox()
	v.probHead = widget.NewLabel(lang.L("Problem parcels"))
	v.probHead.TextStyle.Bold = true
	v.problems = container.NewVBox()

	chartBox := section(lang.L("Shipped and delivered per day"), v.chart)
	mixBox := section(lang.L("Where the parcels are now"), v.mix)
	countryBox := section(lang.L("By destination country"), v.country)
	carrierBox := section(lang.L("By carrier"), v.carriers)
	probBox := container.NewBorder(v.probHead, nil, nil, nil, v.problems)
	v.reportRest = container.NewVBox(
		container.NewGridWithColumns(2, chartBox, mixBox),
		widget.NewSeparator(),
		container.NewGridWithColumns(2, container.NewVBox(countryBox, widget.NewSeparator(), carrierBox), probBox),
	)
	// In fleet mode this bench's claim conflicts come first, and the
	// site's benches and conflicts follow the cards in a site view.
	body := container.NewVBox()
	for _, o := range []fyne.CanvasObject{siteTop, v.cardGrid, siteMiddle, v.reportRest} {
		if o != nil {
			body.Add(o)
		}
	}
	return container.NewBorder(container.NewPadded(head), nil, nil, nil, container.NewVScroll(container.NewPadded(body)))
}

// section is a titled part of the dashboard.
func section(title string, content fyne.CanvasObject) fyne.CanvasObject {
	l := widget.NewLabel(title)
	l.TextStyle.Bold = true
	return container.NewBorder(l, nil, nil, nil, content)
}

// localNoon is t's calendar date at noon, local time: the middle of the
// day, so no time-zone conversion on the way moves it to another date.
func localNoon(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 12, 0, 0, 0, time.Local)
}

// pickDay takes a date from the date entry (typed or from its calendar).
// A day in the future becomes today.
func (v *dashboardView) pickDay(t time.Time) {
	d := localNoon(t)
	if today := localNoon(time.Now()); d.After(today) {
		d = today
		v.date.SetDate(&d)
	}
	if d.Equal(v.day) {
		return
	}
	v.day = d
	v.refreshDayButtons()
	v.requery()
}

// setDay moves to another day (the arrows, Today).
func (v *dashboardView) setDay(t time.Time) {
	d := localNoon(t)
	if today := localNoon(time.Now()); d.After(today) {
		d = today
	}
	if d.Equal(v.day) {
		return
	}
	v.day = d
	v.date.SetDate(&d)
	v.refreshDayButtons()
	v.requery()
}

func (v *dashboardView) refreshDayButtons() {
	if v.day.Before(localNoon(time.Now())) {
		v.nextBtn.Enable()
		v.todayBtn.Enable()
	} else {
		v.nextBtn.Disable()
		v.todayBtn.Disable()
	}
}

// requery asks for the report of the chosen day and window (UI goroutine).
func (v *dashboardView) requery() {
	v.mu.Lock()
	v.want = dashQuery{last: v.day, days: v.days}
	v.wantView = v.view
	v.mu.Unlock()
	v.refresh()
}

// watch follows the tracking sync's status changes: each says what
// changed and asks for the report again (changes that come in a burst
// cost one or two reports, as refresh coalesces them).
func (v *dashboardView) watch() {
	defer v.ps.watchers.Done()
	ch := v.trk.SubscribeTracking(v.ctx)
	for {
		select {
		case <-v.ctx.Done():
			return
		case c, ok := <-ch:
			if !ok {
				return
			}
			v.ps.ui(func() {
				if !v.closed() {
					v.lastChange = changeText(c)
					v.showUpdated()
				}
			})
			v.refresh()
		}
	}
}

// showUpdated says when the figures were made and the last status
// change the tracking sync reported.
func (v *dashboardView) showUpdated() {
	parts := []string{}
	if !v.updatedAt.IsZero() {
		parts = append(parts, lang.L("Updated {{.Time}}", map[string]any{"Time": v.updatedAt.Format("15:04:05")}))
	}
	if v.lastChange != "" {
		parts = append(parts, lang.L("last change {{.Change}}", map[string]any{"Change": v.lastChange}))
	}
	v.updated.SetText(strings.Join(parts, " · "))
}

// changeText is "14:02 order 10023: in transit → delivered".
func changeText(c TrackingChange) string {
	at := c.At
	if at.IsZero() {
		at = time.Now()
	}
	change := statusWords(c.To)
	if c.From != "" {
		change = statusWords(c.From) + " → " + change
	}
	data := map[string]any{"Time": clockOf(at), "Ref": c.OrderRef, "Change": strings.ToLower(change)} // i18n: template fields
	if c.OrderRef == "" {
		data["Ref"] = orDash(c.ItemID) // i18n: a template field
		return lang.L("{{.Time}} item {{.Ref}}: {{.Change}}", data)
	}
	return lang.L("{{.Time}} order {{.Ref}}: {{.Change}}", data)
}

// load asks for the report of the wanted day and window (off the UI
// goroutine, through v.refresher); a report that is no longer wanted by
// the time it arrives is not shown.
func (v *dashboardView) load(viewCtx context.Context) {
	v.mu.Lock()
	q, view := v.want, v.wantView
	v.mu.Unlock()
	ctx, cancel := context.WithTimeout(viewCtx, 30*time.Second)
	var rep kpi.Report
	var err error
	var extra siteLoad
	if view.site && v.site != nil && v.site.src != nil {
		var sv station.SiteView
		sv, err = v.site.src.SiteDashboard(ctx, q.last, q.days, view.bench)
		rep, extra.view = sv.Report, &sv
	} else {
		rep, err = v.src.Dashboard(ctx, q.last, q.days)
	}
	cancel()
	if v.site != nil {
		got := v.site.load()
		got.view = extra.view
		extra = got
	}
	v.mu.Lock()
	current := q == v.want && view == v.wantView
	v.mu.Unlock()
	if viewCtx.Err() == nil && current {
		v.ps.ui(func() {
			v.show(q, view, rep, err)
			if v.site != nil && !v.closed() {
				v.site.show(view, extra, err)
			}
		})
	}
}

// closed reports whether the window was closed (UI goroutine).
func (v *dashboardView) closed() bool { return v.ctx.Err() != nil }

func (v *dashboardView) show(q dashQuery, view dashView, rep kpi.Report, err error) {
	if v.closed() {
		return
	}
	if err != nil {
		if view.site {
			v.siteFailed(view, err)
			return
		}
		what := lang.L("The figures cannot be read: {{.Error}}", map[string]any{"Error": errText(err)})
		if v.showsFiguresOf(view) {
			what = lang.L("The figures cannot be read (those shown are from {{.Time}}): {{.Error}}",
				map[string]any{"Time": v.report.GeneratedAt.Format("15:04:05"), "Error": errText(err)})
		}
		v.fail(what, err)
		return
	}
	if v.msg.Importance == widget.DangerImportance {
		v.clearMsg()
	}
	v.report, v.hasReport = rep, true
	v.showFigures(view)
	v.heading.SetText(v.viewHeading(view, headingText(q, rep)))
	at := rep.GeneratedAt
	if at.IsZero() {
		at = time.Now()
	}
	v.updatedAt = at
	v.showUpdated()
	v.showCards(rep.Overall)
	v.chart.set(rep.Daily)
	v.showMix(rep.StatusMix)
	showGroups(v.country, lang.X("dash.country", "Country"), countryName, rep.ByCountry)
	showGroups(v.carriers, lang.X("dash.carrier", "Carrier"), carrierName, rep.ByCarrier)
	v.showProblems(rep.Problems)
}

// headingText is "Shipments booked 1 May – Fri 30 May 2025 (30 days):
// 412".
func headingText(q dashQuery, r kpi.Report) string {
	from, to := r.From, r.To
	if to == "" {
		to = q.last.Format("2006-01-02")
	}
	if from == "" {
		from = q.last.AddDate(0, 0, 1-q.days).Format("2006-01-02")
	}
	if from == to {
		return lang.L("Shipments booked on {{.Day}}: {{.N}}", map[string]any{"Day": longDate(to), "N": r.Shipments})
	}
	days := r.Days
	if days == 0 {
		days = q.days
	}
	return lang.L("Shipments booked {{.From}} – {{.To}} ({{.Days}} days): {{.N}}",
		map[string]any{"From": shortDate(from), "To": longDate(to), "Days": days, "N": r.Shipments})
}

// longDate is "Fri 30 May 2025" for "2025-05-30".
func longDate(d string) string {
	t, err := time.ParseInLocation("2006-01-02", d, time.Local)
	if err != nil {
		return d
	}
	return longDateText(t)
}

// say shows the outcome of an action under the heading.
func (v *dashboardView) say(msg string, imp widget.Importance) {
	v.msg.SetText(msg)
	v.msg.Importance = imp
	v.msg.Refresh()
	v.msg.Show()
	v.hint.Hide()
}

// fail shows msg (which says err in the station's words) and err's hint.
func (v *dashboardView) fail(msg string, err error) {
	v.say(msg, widget.DangerImportance)
	if h := hintText(err); h != "" {
		v.hint.SetText(upperFirst(h))
		v.hint.Show()
	}
}

func (v *dashboardView) clearMsg() {
	v.msg.SetText("")
	v.msg.Importance = widget.MediumImportance
	v.msg.Hide()
	v.hint.Hide()
}

// syncTracking asks the carrier about the open parcels now (Sync
// tracking) and says what it did; the report follows.
func (v *dashboardView) syncTracking() {
	if v.trk == nil {
		return
	}
	v.syncBtn.Disable()
	v.say(lang.L("Asking the carrier about the open parcels…"), widget.MediumImportance)
	go func() {
		ctx, cancel := context.WithTimeout(v.ctx, v.ps.cfg.syncTimeout)
		defer cancel()
		rep, err := v.trk.TrackSync(ctx, TrackOptions{})
		v.ps.ui(func() {
			v.syncBtn.Enable()
			if v.closed() {
				return
			}
			if err != nil {
				v.fail(lang.L("Tracking sync failed: {{.Error}}", map[string]any{"Error": errText(err)}), err)
				return
			}
			imp := widget.SuccessImportance
			if rep.Failed > 0 || rep.Err != "" || rep.Capped > 0 {
				imp = widget.WarningImportance
			}
			v.say(trackText(rep), imp)
		})
		// A new report clears an error it shows: after a failed sync
		// (nothing changed) it would take the failure's words away.
		if err == nil {
			v.refresh()
		}
	}()
}

// trackText words a TrackReport: "Tracking synced in 2100 ms. Parcels
// asked: 120, changed: 14, new events: 31, not due yet: 300."
func trackText(r TrackReport) string {
	n := func(v int) map[string]any { return map[string]any{"N": v} } // i18n: a template field
	parts := []string{
		lang.L("parcels asked: {{.N}}", n(r.Polled)),
		lang.L("changed: {{.N}}", n(r.Updated)),
		lang.L("new events: {{.N}}", n(r.NewEvents)),
	}
	if r.NotDue > 0 {
		parts = append(parts, lang.L("not due yet: {{.N}}", n(r.NotDue)))
	}
	if r.Capped > 0 {
		parts = append(parts, lang.L("left for tomorrow (daily limit reached): {{.N}}", n(r.Capped)))
	}
	if r.Failed > 0 {
		parts = append(parts, lang.L("failed: {{.N}}", n(r.Failed)))
	}
	msg := lang.L("Tracking synced in {{.Took}}.", map[string]any{"Took": tookText(r.Took)}) + " " + upperFirst(strings.Join(parts, ", ")) + "."
	if r.Err != "" {
		msg += " " + lang.L("Last error: {{.Error}}", map[string]any{"Error": r.Err})
	}
	return msg
}

// KPI cards.

// stateColor is a KPI state's colour: ok green, warn amber, critical
// red, n/a grey.
func stateColor(s kpi.State) color.NRGBA {
	switch s {
	case kpi.StateOK:
		return colOK
	case kpi.StateWarn:
		return colWait
	case kpi.StateCritical:
		return colBad
	}
	return colMuted
}

// stateWord says a KPI's state in words, so the card never relies on its
// colour alone.
func stateWord(s kpi.State) string {
	switch s {
	case kpi.StateOK:
		return lang.X("dash.state.ok", "OK")
	case kpi.StateWarn:
		return lang.X("dash.state.warn", "WARNING")
	case kpi.StateCritical:
		return lang.X("dash.state.critical", "CRITICAL")
	}
	return lang.X("dash.state.na", "NO DATA")
}

// kpiKeys are the KPIs the station computes (station/kpi), each with a
// name in the catalogue (dash.kpi.KEY).
var kpiKeys = []string{
	kpi.KeyShipments, kpi.KeyOnTime, kpi.KeyAvgTransit, kpi.KeyP90Transit, kpi.KeyAvgTransitSENO, kpi.KeyP90TransitSENO,
	kpi.KeyException, kpi.KeyAttemptFailures, kpi.KeyHoldEnding, kpi.KeyReturned, kpi.KeyRefused, kpi.KeyLost,
	kpi.KeyDamaged, kpi.KeyTrackingGap, kpi.KeyCustomsClearance, kpi.KeyCustomsStuck, kpi.KeySilent,
	kpi.KeyDeliveredNoTime, kpi.KeyLate, kpi.KeyUnshipped,
}

// kpiName is a KPI's name in the screen's language; one the dashboard
// does not know keeps the station's English name.
func kpiName(k kpi.KPI) string {
	if !slices.Contains(kpiKeys, k.Key) {
		return k.Name
	}
	return lang.X("dash.kpi."+k.Key, k.Name) // i18n: the ids of kpiKeys, checked in TestDashboardWordsAreInTheCatalogue
}

func tint(c color.NRGBA) color.NRGBA { c.A = 0x30; return c }

// kpiValue is the figure with its unit: "93.4 %", "2.6 days", "12 parcels".
func kpiValue(k kpi.KPI) string {
	if k.State == kpi.StateNA && k.Of == 0 && k.Value == 0 {
		return "—"
	}
	return valueWithUnit(num(k.Value, k.Unit), k.Unit, k.Value == 1)
}

// valueWithUnit is "2.6 days", "1 parcel", "93.4 %" in the screen's
// language; a unit the dashboard does not know follows the figure as it
// is.
func valueWithUnit(n, unit string, one bool) string {
	d := map[string]any{"N": n} // i18n: a template field
	switch unit {
	case "":
		return n
	case "%":
		return n + " %"
	case "days":
		return lang.X("dash.unit.days", "{{.N}} days", d)
	case "parcels":
		if one {
			return lang.X("dash.unit.parcel", "{{.N}} parcel", d)
		}
		return lang.X("dash.unit.parcels", "{{.N}} parcels", d)
	case "orders":
		if one {
			return lang.X("dash.unit.order", "{{.N}} order", d)
		}
		return lang.X("dash.unit.orders", "{{.N}} orders", d)
	}
	return n + " " + unit
}

func num(v float64, unit string) string {
	if unit == "parcels" && v == 1 {
		return "1"
	}
	if unit == "parcels" || unit == "" || v == float64(int64(v)) && unit != "%" && unit != "days" {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// countText says what the figure was measured on: "412 of 440 parcels".
func countText(k kpi.KPI) string {
	switch {
	case k.Of > 0:
		return lang.L("{{.Count}} of {{.Of}} parcels", map[string]any{"Count": k.Count, "Of": k.Of})
	case k.State == kpi.StateNA && k.Value == 0:
		return lang.L("nothing to measure yet")
	}
	return ""
}

// limitsText is "warning < 92 % · critical < 90 %".
func limitsText(k kpi.KPI) string {
	if !k.HasThresholds {
		return lang.L("no threshold")
	}
	dir := ">"
	if k.HigherIsBetter {
		dir = "<"
	}
	limit := func(v float64) string {
		n := fmt.Sprintf("%g", v)
		if k.Unit == "parcels" || k.Unit == "orders" {
			return n
		}
		return valueWithUnit(n, k.Unit, false)
	}
	return lang.L("warning {{.Dir}} {{.Warn}} · critical {{.Dir}} {{.Critical}}",
		map[string]any{"Dir": dir, "Warn": limit(k.Warn), "Critical": limit(k.Critical)})
}

func (v *dashboardView) showCards(kpis []kpi.KPI) {
	var sig strings.Builder
	for _, k := range kpis {
		sig.WriteString(k.Key + "\n")
	}
	if sig.String() != v.cardSig {
		v.cardSig = sig.String()
		v.cardGrid.RemoveAll()
		v.cards = map[string]*kpiCard{}
		for _, k := range kpis {
			c := newKPICard()
			v.cards[k.Key] = c
			v.cardGrid.Add(c)
		}
		if len(kpis) == 0 {
			v.cardGrid.Add(widget.NewLabel(lang.L("No figures for these days.")))
		}
	}
	for _, k := range kpis {
		v.cards[k.Key].set(k)
	}
	v.cardGrid.Refresh()
}

// cardTheme packs a card's lines closer than the app theme does.
type cardTheme struct{ screenTheme }

func (t cardTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNamePadding:
		return 1
	case theme.SizeNameInnerPadding:
		return 3
	case theme.SizeNameText:
		return 13
	}
	return t.base().Size(n)
}

// Status breakdown.

// statusOrder is a parcel's way from booking to its end.
var statusOrder = []carrier.Status{
	carrier.StatusCreated, carrier.StatusHandedOver, carrier.StatusInTransit, carrier.StatusAwaitingCustoms,
	carrier.StatusAtServicePoint, carrier.StatusOutForDelivery, carrier.StatusDelivered,
	carrier.StatusException, carrier.StatusReturned, carrier.StatusLost, carrier.StatusUnknown,
}

// statusColor: delivered green, trouble red, waiting amber, the rest blue.
func statusColor(s carrier.Status) color.NRGBA {
	switch s {
	case carrier.StatusDelivered:
		return colOK
	case carrier.StatusException, carrier.StatusLost:
		return colBad
	case carrier.StatusAwaitingCustoms, carrier.StatusReturned:
		return colWait
	case carrier.StatusUnknown:
		return colMuted
	}
	return colShipped
}

// statusWords is "In transit" for "in_transit", in the screen's
// language for the statuses of statusOrder.
func statusWords(s carrier.Status) string {
	if s == "" {
		return "—"
	}
	english := upperFirst(strings.ReplaceAll(string(s), "_", " "))
	if !slices.Contains(statusOrder, s) {
		return english
	}
	return lang.X("dash.status."+string(s), english) // i18n: the ids of statusOrder, checked in TestDashboardWordsAreInTheCatalogue
}

func (v *dashboardView) showMix(mix map[string]int) {
	keys := make([]string, 0, len(mix))
	for k := range mix {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if i := slices.Index(statusOrder, carrier.Status(k)); i >= 0 {
			return i
		}
		return len(statusOrder)
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	total, top := 0, 0
	for _, k := range keys {
		total += mix[k]
		top = max(top, mix[k])
	}
	v.mix.RemoveAll()
	v.mixRows = map[string]float32{}
	for _, k := range keys {
		n := mix[k]
		frac := float32(0)
		if top > 0 {
			frac = float32(n) / float32(top)
		}
		v.mixRows[k] = frac
		name := widget.NewLabel(statusWords(carrier.Status(k)))
		name.Truncation = fyne.TextTruncateEllipsis
		pct := 0
		if total > 0 {
			pct = (n*100 + total/2) / total
		}
		share := fmt.Sprintf("%d %%", pct) // i18n: a number
		if pct == 0 && n > 0 {
			share = "< 1 %"
		}
		count := widget.NewLabel(fmt.Sprintf("%d  (%s)", n, share)) // i18n: numbers
		count.Alignment = fyne.TextAlignTrailing
		bar := canvas.NewRectangle(statusColor(carrier.Status(k)))
		bar.CornerRadius = 2
		v.mix.Add(container.NewBorder(nil, nil,
			container.New(widthLayout{w: 150}, name),
			container.New(widthLayout{w: 100}, count),
			container.New(&fracLayout{frac: frac}, bar)))
	}
	if len(keys) == 0 {
		v.mix.Add(widget.NewLabel(lang.L("No parcels in these days.")))
	}
	v.mix.Refresh()
}

// Per-country and per-carrier tables.

// groupCol is a column of a group table: its heading and the KPI keys it
// shows, the first one a group can measure (transit times are intra-EU
// for SE/DK/FI and over the border for NO).
type groupCol struct {
	title func() string // in the screen's language when it is asked
	keys  []string
}

var groupCols = []groupCol{
	{func() string { return lang.X("dash.col.on_time", "On time") }, []string{kpi.KeyOnTime}},
	{func() string { return lang.X("dash.col.transit", "Transit") }, []string{kpi.KeyAvgTransit, kpi.KeyAvgTransitSENO}},
	{func() string { return lang.X("dash.col.exceptions", "Exceptions") }, []string{kpi.KeyException}},
	{func() string { return lang.X("dash.col.gaps", "Gaps") }, []string{kpi.KeyTrackingGap}},
	{func() string { return lang.X("dash.col.lost", "Lost") }, []string{kpi.KeyLost}},
}

// countryName is "NO Norway" for "NO", "Other" for "other".
func countryName(key string) string {
	var n string
	switch key {
	case "SE":
		n = lang.X("dash.country.se", "Sweden")
	case "NO":
		n = lang.X("dash.country.no", "Norway")
	case "DK":
		n = lang.X("dash.country.dk", "Denmark")
	case "FI":
		n = lang.X("dash.country.fi", "Finland")
	case "other":
		return lang.X("dash.country.other", "Other countries")
	default:
		return key
	}
	return key + " " + n
}

var carrierNames = map[string]string{"postnord": "PostNord", "stg": "STG"} // i18n: product names

// carrierName is "PostNord" for the registry name "postnord"; a carrier
// the dashboard does not know keeps its registry name.
func carrierName(key string) string {
	if n := carrierNames[strings.ToLower(key)]; n != "" {
		return n
	}
	if key == "" {
		return "—"
	}
	return key
}

// groupKPI is the first KPI of keys that g measured (else the first
// found).
func groupKPI(g kpi.Group, keys []string) (kpi.KPI, bool) {
	var found *kpi.KPI
	for _, key := range keys {
		for i := range g.KPIs {
			if k := &g.KPIs[i]; k.Key == key {
				if k.State != kpi.StateNA {
					return *k, true
				}
				if found == nil {
					found = k
				}
			}
		}
	}
	if found != nil {
		return *found, true
	}
	return kpi.KPI{}, false
}

// showGroups fills box with a table of groups (the countries, the
// carriers): first names the first column and name words a group's key;
// each figure is coloured by its state, warnings and criticals in bold.
func showGroups(box *fyne.Container, first string, name func(string) string, groups []kpi.Group) {
	box.RemoveAll()
	if len(groups) == 0 {
		box.Add(widget.NewLabel(lang.L("No shipments in these days.")))
		box.Refresh()
		return
	}
	weights := []float32{1.2, 1.15, 0.95, 1, 1.2, 0.8, 0.8} // Exceptions is the longest heading
	row := func(cells ...fyne.CanvasObject) {
		box.Add(container.New(&tableRowLayout{weights: weights}, cells...))
	}
	head := func(s string) fyne.CanvasObject {
		l := widget.NewLabel(s)
		l.TextStyle.Bold = true
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	cells := []fyne.CanvasObject{head(first), head(lang.X("dash.shipments", "Shipments"))}
	for _, c := range groupCols {
		cells = append(cells, head(c.title()))
	}
	row(cells...)
	for _, g := range groups {
		key := widget.NewLabel(name(g.Key))
		key.Truncation = fyne.TextTruncateEllipsis
		cells := []fyne.CanvasObject{key, widget.NewLabel(fmt.Sprint(g.Shipments))}
		for _, c := range groupCols {
			l := widget.NewLabel("—")
			l.Truncation = fyne.TextTruncateEllipsis
			if k, ok := groupKPI(g, c.keys); ok {
				l.SetText(kpiValue(k) + stateMark(k.State))
				l.Importance = stateImportance(k.State)
				if k.State == kpi.StateWarn || k.State == kpi.StateCritical {
					l.TextStyle.Bold = true
				}
			}
			cells = append(cells, l)
		}
		row(cells...)
	}
	key := widget.NewLabel(lang.L("! warning · !! critical"))
	key.Importance = widget.LowImportance
	box.Add(key)
	box.Refresh()
}

// stateMark follows a figure in a table: " !" for a warning, " !!" for
// critical (the table's key says so), so the state does not rely on the
// colour alone where a table cell has no room for the word.
func stateMark(s kpi.State) string {
	switch s {
	case kpi.StateWarn:
		return " !"
	case kpi.StateCritical:
		return " !!"
	}
	return ""
}

// tableRowLayout shares the width among its cells by weight, so every
// row of a table has the same columns.
type tableRowLayout struct{ weights []float32 }

func (l *tableRowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	var sum float32
	for i := range objs {
		sum += l.weight(i)
	}
	x := float32(0)
	for i, o := range objs {
		w := size.Width * l.weight(i) / sum
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}

func (l *tableRowLayout) weight(i int) float32 {
	if i < len(l.weights) {
		return l.weights[i]
	}
	return 1
}

func (l *tableRowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width += m.Width
		s.Height = max(s.Height, m.Height)
	}
	return s
}

func stateImportance(s kpi.State) widget.Importance {
	switch s {
	case kpi.StateOK:
		return widget.SuccessImportance
	case kpi.StateWarn:
		return widget.WarningImportance
	case kpi.StateCritical:
		return widget.DangerImportance
	}
	return widget.LowImportance
}

// listRow is a dashboard list's row: a coloured kind word, two lines of
// text, a "▶" and the selection colour when chosen with the keyboard (not
// by colour alone), hover and a hand where a click does something. The
// problem parcels and this bench's claim conflicts are listRows.
type listRow struct {
	widget.BaseWidget
	onTap    func()
	selected bool
	bg       *canvas.Rectangle
	mark     *canvas.Text
	content  fyne.CanvasObject
}

// build lays the row out: kind in its column, the text beside it, and
// more (an arrow, or nil) at the end.
func (r *listRow) build(kind *canvas.Text, text fyne.CanvasObject, more fyne.CanvasObject) {
	kind.TextStyle.Bold = true
	kind.TextSize = 13
	r.bg = canvas.NewRectangle(transparent)
	r.bg.CornerRadius = 4
	r.mark = canvas.NewText("▶", theme.Color(theme.ColorNameForeground))
	r.mark.TextStyle.Bold = true
	r.mark.Hide()
	if more == nil {
		more = layout.NewSpacer()
	}
	r.content = container.NewStack(r.bg, container.NewBorder(nil, nil,
		container.NewHBox(container.NewCenter(r.mark), container.New(widthLayout{w: 96}, container.NewCenter(kind))), more,
		container.NewThemeOverride(text, cardTheme{})))
}

func (r *listRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.content)
}

func (r *listRow) Tapped(*fyne.PointEvent) {
	if r.onTap != nil {
		r.onTap()
	}
}

func (r *listRow) MouseIn(*desktop.MouseEvent) {
	if r.onTap != nil {
		r.bg.FillColor = theme.Color(theme.ColorNameHover)
		r.bg.Refresh()
	}
}
func (r *listRow) MouseMoved(*desktop.MouseEvent) {}
func (r *listRow) MouseOut() {
	r.bg.FillColor = r.restColor()
	r.bg.Refresh()
}

// setSelected marks the row chosen with the keyboard: a "▶" and the
// selection colour.
func (r *listRow) setSelected(on bool) {
	r.selected = on
	r.mark.Hidden = !on
	r.bg.FillColor = r.restColor()
	r.mark.Refresh()
	r.bg.Refresh()
}

func (r *listRow) restColor() color.Color {
	if r.selected {
		return theme.Color(theme.ColorNameSelection)
	}
	return transparent
}

// Cursor shows a hand where a click does something.
func (r *listRow) Cursor() desktop.Cursor {
	if r.onTap != nil {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

// Problem parcels.

// problemRow is one problem parcel; a click opens its history.
type problemRow struct {
	listRow
	p kpi.Problem
}

func newProblemRow(p kpi.Problem, onTap func()) *problemRow {
	r := &problemRow{p: p}
	r.onTap = onTap
	title := widget.NewLabel(joinNonEmpty(" · ", orderText(p.OrderRef), p.ItemID, p.Country, statusWords(p.Status)))
	title.TextStyle.Bold = true
	title.Truncation = fyne.TextTruncateEllipsis
	since := ""
	if !p.Since.IsZero() {
		since = lang.L("since {{.When}}", map[string]any{"When": dayMonthText(p.Since) + " " + clockOf(p.Since)})
	}
	note := widget.NewLabel(joinNonEmpty(" · ", upperFirst(p.Note), since))
	note.Truncation = fyne.TextTruncateEllipsis
	var more fyne.CanvasObject
	if onTap != nil {
		more = widget.NewIcon(theme.NavigateNextIcon())
	}
	r.build(canvas.NewText(problemWord(p.Kind), problemColor(p.Kind)), container.NewVBox(title, note), more)
	r.ExtendBaseWidget(r)
	return r
}

// problemWord is a problem's kind as the supervisor reads it: LATE,
// HOLD ENDS, NOT HOME, …
func problemWord(kind string) string {
	switch kind {
	case kpi.ProblemLate:
		return lang.X("dash.problem.late", "LATE")
	case kpi.ProblemStuck:
		return lang.X("dash.problem.stuck", "STUCK")
	case kpi.ProblemException:
		return lang.X("dash.problem.exception", "EXCEPTION")
	case kpi.ProblemCustoms:
		return lang.X("dash.problem.customs", "CUSTOMS")
	case kpi.ProblemSilent:
		return lang.X("dash.problem.silent", "SILENT")
	case kpi.ProblemLost:
		return lang.X("dash.problem.lost", "LOST")
	case kpi.ProblemHoldEnding:
		return lang.X("dash.problem.hold_ending", "HOLD ENDS")
	case kpi.ProblemAttempt:
		return lang.X("dash.problem.attempt", "NOT HOME")
	case kpi.ProblemNoShipment:
		return lang.X("dash.problem.no_shipment", "NOT SHIPPED")
	}
	return strings.ToUpper(kind)
}

// orderText is "Order 10023" ("Order —" without a reference).
func orderText(ref string) string {
	return lang.X("dash.order", "Order {{.Ref}}", map[string]any{"Ref": orDash(ref)})
}

func problemColor(kind string) color.NRGBA {
	switch kind {
	case kpi.ProblemLost, kpi.ProblemException:
		return colBad
	case kpi.ProblemSilent:
		return colMuted
	}
	return colWait
}

func (v *dashboardView) showProblems(ps []kpi.Problem) {
	head := lang.L("Problem parcels ({{.N}})", map[string]any{"N": len(ps)})
	if v.report.ProblemsTotal > len(ps) {
		head = lang.L("Problem parcels (the first {{.N}} of {{.Total}})", map[string]any{"N": len(ps), "Total": v.report.ProblemsTotal})
	}
	v.probHead.SetText(head)
	var sig strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&sig, "%s|%s|%s|%s|%s|%s\n", p.Kind, p.OrderRef, p.ItemID, p.Status, p.Since, p.Note) // i18n: a signature
	}
	if sig.String() == v.problemSig && v.problemSig != "" {
		return // unchanged: not rebuilt under the pointer
	}
	v.problemSig = sig.String()
	v.problems.RemoveAll()
	v.probRows = nil
	for i, p := range ps {
		var tap func()
		if v.trk != nil {
			tap = func() { v.showHistory(p) }
		}
		row := newProblemRow(p, tap)
		v.probRows = append(v.probRows, row)
		if i > 0 {
			v.problems.Add(widget.NewSeparator())
		}
		v.problems.Add(row)
	}
	if v.probSel >= len(v.probRows) {
		v.probSel = -1
	}
	if v.probSel >= 0 {
		v.probRows[v.probSel].setSelected(true)
	}
	if len(ps) == 0 {
		l := widget.NewLabel(lang.L("No problem parcels: nothing late, stuck or lost."))
		l.Importance = widget.SuccessImportance
		v.problems.Add(l)
	}
	v.problems.Refresh()
}

// showHistory asks for a problem parcel's history and shows it in a
// dialog over the dashboard.
func (v *dashboardView) showHistory(p kpi.Problem) {
	ref := firstOf(p.OrderRef, p.ItemID)
	if ref == "" || v.trk == nil {
		return
	}
	v.historyRef = ref
	v.say(lang.L("Asking for the history of order {{.Ref}}…", map[string]any{"Ref": orDash(p.OrderRef)}), widget.MediumImportance)
	go func() {
		ctx, cancel := context.WithTimeout(v.ctx, 20*time.Second)
		defer cancel()
		h, err := v.trk.TrackShow(ctx, ref)
		v.ps.ui(func() {
			if v.closed() || v.historyRef != ref {
				return // closed, or another parcel was clicked since
			}
			if err != nil {
				v.fail(lang.L("The history of order {{.Ref}} cannot be read: {{.Error}}",
					map[string]any{"Ref": orDash(p.OrderRef), "Error": errText(err)}), err)
				return
			}
			v.clearMsg()
			v.openHistory(p, h)
		})
	}()
}

func (v *dashboardView) openHistory(p kpi.Problem, h ParcelHistory) {
	if v.histDlg != nil {
		v.histDlg.Hide()
	}
	label := func(s string) *widget.Label {
		l := widget.NewLabel(s)
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	head := container.NewVBox()
	carrierWords := ""
	if h.Carrier != "" {
		carrierWords = carrierName(h.Carrier)
	}
	who := joinNonEmpty(" · ", lang.L("Item {{.ID}}", map[string]any{"ID": orDash(firstOf(h.ItemID, p.ItemID))}),
		joinNonEmpty(" ", carrierWords, h.Service), h.Receiver, firstOf(h.Country, p.Country))
	head.Add(label(who))
	var when []string
	when = append(when, lang.L("Now: {{.Status}}", map[string]any{"Status": statusWords(firstStatus(h.Status, p.Status))}))
	if !h.BookedAt.IsZero() {
		when = append(when, lang.L("booked {{.When}}", map[string]any{"When": weekdayDateText(h.BookedAt) + " " + clockOf(h.BookedAt)}))
	}
	if !h.Expected.IsZero() {
		when = append(when, lang.L("expected {{.When}}", map[string]any{"When": weekdayDateText(h.Expected)}))
	}
	now := label(strings.Join(when, " · "))
	now.TextStyle.Bold = true
	head.Add(now)
	if p.Note != "" {
		why := label(problemWord(p.Kind) + ": " + upperFirst(p.Note))
		why.Importance = widget.WarningImportance
		if problemColor(p.Kind) == colBad {
			why.Importance = widget.DangerImportance
		}
		head.Add(why)
	}
	head.Add(widget.NewSeparator())

	events := container.NewVBox()
	v.histEvents = nil
	for _, e := range h.Events {
		at := widget.NewLabel(weekdayDateText(e.Time) + " " + clockOf(e.Time))
		st := widget.NewLabel(statusWords(e.Status))
		st.TextStyle.Bold = true
		st.Truncation = fyne.TextTruncateEllipsis
		if c := statusColor(e.Status); c == colBad {
			st.Importance = widget.DangerImportance
		} else if c == colOK {
			st.Importance = widget.SuccessImportance
		}
		where := joinNonEmpty(", ", e.Location, e.Country)
		desc := label(joinNonEmpty(" · ", firstOf(e.Description, e.CarrierStatus), where))
		v.histEvents = append(v.histEvents, joinNonEmpty(" | ", at.Text, st.Text, desc.Text))
		events.Add(container.NewBorder(nil, nil,
			container.NewHBox(container.New(widthLayout{w: 150}, at), container.New(widthLayout{w: 150}, st)), nil, desc))
	}
	if len(h.Events) == 0 {
		l := label(lang.L("The carrier has reported nothing for this parcel yet."))
		l.Importance = widget.LowImportance
		events.Add(l)
	}
	content := container.NewBorder(head, container.NewHBox(layout.NewSpacer(), v.histClose), nil, nil, container.NewVScroll(events))
	title := lang.L("Order {{.Ref}}: tracking history", map[string]any{"Ref": orDash(firstOf(h.OrderRef, p.OrderRef))})
	d := dialog.NewCustomWithoutButtons(title, content, v.win)
	d.SetOnClosed(func() {
		if v.histDlg == d {
			v.histDlg = nil
		}
	})
	size := v.win.Canvas().Size()
	d.Resize(fyne.NewSize(min(size.Width-60, 860), min(size.Height-60, 560)))
	v.histDlg = d
	d.Show()
}

// closeHistoryOrWindow closes the history when it is open, else the
// dashboard (the Close key).
func (v *dashboardView) closeHistoryOrWindow() {
	if v.histDlg != nil {
		v.histDlg.Hide()
		return
	}
	v.win.Close()
}

// selectNextProblem chooses the next problem parcel (after the last, the
// first again) for the keyboard.
func (v *dashboardView) selectNextProblem() {
	if len(v.probRows) == 0 {
		return
	}
	if v.probSel >= 0 && v.probSel < len(v.probRows) {
		v.probRows[v.probSel].setSelected(false)
	}
	v.probSel = (v.probSel + 1) % len(v.probRows)
	v.probRows[v.probSel].setSelected(true)
}

// openSelectedProblem opens the chosen problem parcel's history (the
// first one when none was chosen).
func (v *dashboardView) openSelectedProblem() {
	if len(v.probRows) == 0 {
		return
	}
	if v.probSel < 0 {
		v.selectNextProblem()
	}
	v.showHistory(v.probRows[v.probSel].p)
}

func firstStatus(s ...carrier.Status) carrier.Status {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
