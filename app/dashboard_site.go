package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"labelstation/station"
	"labelstation/store"
)

// The dashboard in fleet mode. A view selector, on a row of its own under
// the date and window, chooses whose figures the cards show: this bench's
// (its own store, as without fleet mode), the whole site's, or one
// bench's of the site (both read from the site's server through
// SiteSource). The site views add a table of the benches and the site's
// claim conflicts. A bench whose server is cut off still has its own
// view: the site view then says so, and hides figures that belong to
// another view.
//
// This bench's own claim conflicts are listed at the top of the window in
// fleet mode, each with what both benches did; Resolve… (a supervisor's,
// with a note saying what was done) is one ResolveClaimConflict call, and
// Sync with the site one FleetSync.

// dashView is whose figures the dashboard shows.
type dashView struct {
	site  bool   // false: this bench's own
	bench string // in a site view: one bench ("" : all of them)
}

// The dashboard's fleet keys (the rest are in dashboard.go).
var (
	dashKeyNextView     = ctrlKey(fyne.KeyE)
	dashKeyNextConflict = ctrlKey(fyne.KeyK)
	dashKeyResolve      = ctrlKey(fyne.KeyR)
	dashKeySiteSync     = ctrlKey(fyne.KeyY)
)

// dashSite is the dashboard's fleet part (UI goroutine only).
type dashSite struct {
	v    *dashboardView
	src  SiteSource // nil: no site views
	desk FleetDesk  // nil: no conflicts of this bench

	views    []dashView // the selector's choices, in its order
	sel      *widget.Select
	selLabel *widget.Label
	shown    dashView // the view of the figures on screen, while hasShown
	hasShown bool     // false: no figures on screen (none yet, or hidden)

	// Site views: the benches and the site's conflicts.
	siteBox    *fyne.Container
	siteHead   *widget.Label
	benchTable *fyne.Container
	siteConfs  *fyne.Container
	benchRows  []string // "bench|last seen|shipments", for tests
	siteRows   []string // "order|bench|other|when|tracking", for tests

	// This bench's conflicts.
	confBox    *fyne.Container
	confHead   *widget.Label
	confList   *fyne.Container
	confRows   []*conflictRow
	confSel    int    // the chosen row; -1: none
	confSig    string // what the list shows, while confListed
	confListed bool   // false: the list shows no read (the first ask, or an error)
	resolveBtn *widget.Button
	syncBtn    *widget.Button
	busy       bool // a resolve or a sync runs

	// The Resolve form while it is open, for tests.
	resolveForm *dialog.FormDialog
	resolveNote *widget.Entry
}

// newDashSite is the fleet part of v, or nil when neither the dashboard's
// source nor the station is in fleet mode.
func newDashSite(v *dashboardView) *dashSite {
	s := &dashSite{v: v, confSel: -1}
	if src, ok := v.src.(SiteSource); ok && src.FleetOn() {
		s.src = src
	}
	s.desk = v.ps.fleet
	if s.src == nil && s.desk == nil {
		return nil
	}
	return s
}

// viewText names a view: "This bench", "Site: all benches", "Site: bench-3".
func viewText(view dashView) string {
	switch {
	case !view.site:
		return lang.L("This bench")
	case view.bench == "":
		return lang.L("Site: all benches")
	}
	return lang.L("Site: {{.Bench}}", map[string]any{"Bench": view.bench})
}

// controls are the view selector and its key (nil without site views).
func (s *dashSite) controls(k *actionKeys) fyne.CanvasObject {
	if s.src == nil {
		return nil
	}
	s.views = []dashView{{}, {site: true}}
	s.sel = widget.NewSelect(s.viewTexts(), func(string) { s.choose(s.sel.SelectedIndex()) })
	s.sel.SetSelectedIndex(0)
	// A choice is no button: its key is said beside it, as the menu says it.
	s.selLabel = widget.NewLabel(lang.L("View") + "   " + dashKeyNextView.String())
	k.action(lang.L("Next view (this bench, the site, each bench)"), dashKeyNextView, s.nextView)
	return container.NewHBox(s.selLabel, container.New(widthLayout{w: 240}, s.sel))
}

func (s *dashSite) viewTexts() []string {
	out := make([]string, len(s.views))
	for i, view := range s.views {
		out[i] = viewText(view)
	}
	return out
}

// choose makes view i the one asked for.
func (s *dashSite) choose(i int) {
	if i < 0 || i >= len(s.views) {
		return
	}
	v := s.v
	if v.view == s.views[i] {
		return
	}
	v.view = s.views[i]
	v.requery()
}

// nextView is the view key: the next choice (after the last, the first).
func (s *dashSite) nextView() {
	if s.sel == nil || len(s.views) == 0 {
		return
	}
	s.sel.SetSelectedIndex((s.sel.SelectedIndex() + 1) % len(s.views))
}

// setBenches offers a view of each bench the site knows (and keeps one
// chosen that the site no longer lists).
func (s *dashSite) setBenches(benches []station.SiteBench) {
	views := []dashView{{}, {site: true}}
	for _, b := range benches {
		views = append(views, dashView{site: true, bench: b.Station})
	}
	if cur := s.v.view; cur.bench != "" && !slices.Contains(views, cur) {
		views = append(views, cur)
	}
	if slices.Equal(views, s.views) {
		return
	}
	s.views = views
	s.sel.Options = s.viewTexts()
	s.sel.Refresh()
}

// top is this bench's conflicts (nil without a FleetDesk).
func (s *dashSite) top(k *actionKeys) fyne.CanvasObject {
	if s.desk == nil {
		return nil
	}
	s.confHead = widget.NewLabel(lang.L("Claim conflicts of this bench"))
	s.confHead.TextStyle.Bold = true
	s.confList = container.NewVBox(widget.NewLabel(lang.L("Asking the station for the claim conflicts…")))
	s.resolveBtn = k.button(lang.L("Resolve…"), dashKeyResolve, s.resolveChosen)
	s.resolveBtn.Importance = widget.WarningImportance
	s.resolveBtn.Disable()
	s.syncBtn = k.button(lang.L("Sync with the site"), dashKeySiteSync, s.syncSite)
	k.action(lang.L("Next claim conflict"), dashKeyNextConflict, s.selectNext)
	head := container.NewBorder(nil, nil, nil, container.NewHBox(s.syncBtn, s.resolveBtn), s.confHead)
	s.confBox = container.NewVBox(head, s.confList, widget.NewSeparator())
	return s.confBox
}

// middle is the site's benches and conflicts, shown in the site views.
func (s *dashSite) middle() fyne.CanvasObject {
	if s.src == nil {
		return nil
	}
	s.siteHead = widget.NewLabel("")
	s.siteHead.TextStyle.Bold = true
	s.siteHead.Wrapping = fyne.TextWrapWord
	s.benchTable = container.NewVBox()
	s.siteConfs = container.NewVBox()
	// The conflicts take the full width: both benches' 20-digit tracking
	// ids must be read whole (the supervisor stops one of the parcels).
	s.siteBox = container.NewVBox(s.siteHead,
		section(lang.L("Benches"), s.benchTable),
		section(lang.L("Claim conflicts on the site"), s.siteConfs), widget.NewSeparator())
	s.siteBox.Hide()
	return s.siteBox
}

// loaded is what one load brought besides the report.
type siteLoad struct {
	view      *station.SiteView // a site view's answer (nil in this bench's view)
	conflicts []store.ClaimConflict
	confErr   error
}

// load asks for this bench's conflicts (off the UI goroutine).
func (s *dashSite) load() siteLoad {
	var l siteLoad
	if s.desk != nil {
		l.conflicts, l.confErr = s.desk.ClaimConflicts()
	}
	return l
}

// show shows a load's fleet parts (UI goroutine): the site's benches and
// conflicts in a site view, this bench's conflicts always.
func (s *dashSite) show(view dashView, l siteLoad, err error) {
	if s.desk != nil {
		s.showConflicts(l.conflicts, l.confErr)
	}
	if s.siteBox == nil {
		return
	}
	if !view.site {
		s.siteBox.Hide()
		return
	}
	s.siteBox.Show()
	if err != nil {
		s.siteHead.SetText(lang.L("Nothing from the site's server: {{.Error}}", map[string]any{"Error": errText(err)}))
		s.siteHead.Importance = widget.DangerImportance
		s.siteHead.Refresh()
		return
	}
	s.siteHead.Importance = widget.MediumImportance
	s.siteHead.SetText(lang.L("Benches on the site: {{.N}} · unresolved claim conflicts: {{.Conflicts}}",
		map[string]any{"N": len(l.view.Benches), "Conflicts": len(l.view.Conflicts)}))
	s.setBenches(l.view.Benches)
	s.showBenches(l.view.Benches, view.bench)
	s.showSiteConflicts(l.view.Conflicts)
}

// showBenches fills the benches table; the bench chosen is in bold.
func (s *dashSite) showBenches(benches []station.SiteBench, chosen string) {
	s.benchTable.RemoveAll()
	s.benchRows = nil
	if len(benches) == 0 {
		s.benchTable.Add(widget.NewLabel(lang.L("No bench has sent anything to the site yet.")))
		s.benchTable.Refresh()
		return
	}
	weights := []float32{1.2, 1.2, 1}
	s.benchTable.Add(tableRow(weights, true, lang.L("Bench"), lang.L("Last seen"), lang.L("Shipments in these days")))
	now := time.Now()
	for _, b := range benches {
		seen := "—"
		if !b.LastSeen.IsZero() {
			seen = clockText(b.LastSeen, now)
		}
		row := tableRow(weights, b.Station == chosen, b.Station, seen, fmt.Sprint(b.Shipments))
		s.benchTable.Add(row)
		s.benchRows = append(s.benchRows, strings.Join([]string{b.Station, seen, fmt.Sprint(b.Shipments)}, "|"))
	}
	s.benchTable.Refresh()
}

// showSiteConflicts fills the table of the site's claim conflicts.
func (s *dashSite) showSiteConflicts(cs []station.SiteConflict) {
	s.siteConfs.RemoveAll()
	s.siteRows = nil
	if len(cs) == 0 {
		l := widget.NewLabel(lang.L("No claim conflicts: no order was packed at two benches."))
		l.Importance = widget.SuccessImportance
		s.siteConfs.Add(l)
		s.siteConfs.Refresh()
		return
	}
	// Both benches' tracking ids: the supervisor stops one of two parcels.
	weights := []float32{1, 1, 1.6, 1, 0.8, 1.6}
	s.siteConfs.Add(tableRow(weights, true, lang.L("Order"), lang.L("Bench"), lang.L("Its tracking"), lang.L("Other bench"), lang.L("When"), lang.L("Other's tracking")))
	now := time.Now()
	for _, c := range cs {
		cells := []string{c.OrderRef, c.Station, orDash(c.Tracking), c.Other, clockText(c.At, now), orDash(c.OtherTracking)}
		s.siteConfs.Add(tableRow(weights, false, cells...))
		s.siteRows = append(s.siteRows, strings.Join(cells, "|"))
	}
	s.siteConfs.Refresh()
}

// tableRow is one row of a table of labels, cut with "…" to its column.
func tableRow(weights []float32, bold bool, cells ...string) fyne.CanvasObject {
	objs := make([]fyne.CanvasObject, len(cells))
	for i, c := range cells {
		l := widget.NewLabel(c)
		l.Truncation = fyne.TextTruncateEllipsis
		l.TextStyle.Bold = bold
		objs[i] = l
	}
	return container.New(&tableRowLayout{weights: weights}, objs...)
}

// ---- This bench's conflicts ----

// showConflicts lists this bench's conflicts: the unresolved ones as rows
// to choose (and Resolve), the resolved ones below with their notes.
func (s *dashSite) showConflicts(cs []store.ClaimConflict, err error) {
	if err != nil {
		s.confHead.SetText(lang.L("Claim conflicts of this bench"))
		s.confList.RemoveAll()
		l := widget.NewLabel(lang.L("The claim conflicts cannot be read: {{.Error}}", map[string]any{"Error": errText(err)}))
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		s.confList.Add(l)
		s.confList.Refresh()
		s.confSig, s.confListed, s.confRows, s.confSel = "", false, nil, -1
		s.refreshActions()
		return
	}
	var open, done []store.ClaimConflict
	for _, c := range cs {
		if c.Resolved.IsZero() {
			open = append(open, c)
		} else {
			done = append(done, c)
		}
	}
	s.confHead.SetText(lang.L("Claim conflicts of this bench: {{.N}} to resolve", map[string]any{"N": len(open)}))
	sig := conflictsSig(cs)
	if s.confListed && sig == s.confSig {
		return // unchanged: not rebuilt under the pointer
	}
	s.confSig, s.confListed = sig, true
	chosen := ""
	if s.confSel >= 0 && s.confSel < len(s.confRows) {
		chosen = s.confRows[s.confSel].c.OrderRef
	}
	s.confList.RemoveAll()
	s.confRows = nil
	s.confSel = -1
	for _, c := range open {
		r := newConflictRow(c)
		r.onTap = func() { s.chooseRow(r) }
		if c.OrderRef == chosen {
			s.confSel = len(s.confRows)
			r.setSelected(true)
		}
		s.confRows = append(s.confRows, r)
		s.confList.Add(r)
	}
	if len(open) == 0 {
		l := widget.NewLabel(lang.L("No claim conflicts to resolve at this bench."))
		l.Importance = widget.SuccessImportance
		s.confList.Add(l)
	}
	now := time.Now()
	for _, c := range done {
		l := widget.NewLabel(lang.L("Resolved {{.When}}: order {{.Ref}} (also at {{.Other}}): {{.Note}}", map[string]any{
			"When": clockText(c.Resolved, now), "Ref": c.OrderRef, "Other": c.Other, "Note": c.Note}))
		l.Importance = widget.LowImportance
		l.Truncation = fyne.TextTruncateEllipsis
		s.confList.Add(l)
	}
	s.confList.Refresh()
	s.refreshActions()
}

// conflictsSig is everything the list shows of cs: the list is rebuilt
// only when it changes.
func conflictsSig(cs []store.ClaimConflict) string {
	var sig strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&sig, "%s|%s|%s|%s|%s|%s|%s|%s|%s\n", c.OrderRef, c.At, c.Tracking, c.Other, c.OtherAt, c.OtherTracking, // i18n: a signature
			c.Detected, c.Resolved, c.Note)
	}
	return sig.String()
}

// chooseRow chooses a conflict row (a tap).
func (s *dashSite) chooseRow(r *conflictRow) {
	for i, row := range s.confRows {
		row.setSelected(row == r)
		if row == r {
			s.confSel = i
		}
	}
	s.refreshActions()
}

// selectNext chooses the next unresolved conflict (after the last, the
// first again).
func (s *dashSite) selectNext() {
	if len(s.confRows) == 0 {
		return
	}
	s.chooseRow(s.confRows[(s.confSel+1)%len(s.confRows)])
}

// refreshActions enables Resolve… while there is a conflict to resolve
// and no call runs, and Sync with the site while no call runs (a sync
// during a resolve would race it to the site).
func (s *dashSite) refreshActions() {
	if s.busy || len(s.confRows) == 0 {
		s.resolveBtn.Disable()
	} else {
		s.resolveBtn.Enable()
	}
	if s.busy {
		s.syncBtn.Disable()
	} else {
		s.syncBtn.Enable()
	}
}

// resolveChosen resolves the chosen conflict (the first one when none is
// chosen): a supervisor's, with a note.
func (s *dashSite) resolveChosen() {
	if s.busy || len(s.confRows) == 0 {
		return
	}
	if s.confSel < 0 {
		s.chooseRow(s.confRows[0])
	}
	c := s.confRows[s.confSel].c
	v := s.v
	v.ps.asSupervisor(v.win, lang.L("Resolving a claim conflict"), func() { s.askResolve(c) })
}

// noteRequired is the resolve note's validator: a resolution says what
// was done.
func noteRequired(text string) error {
	if strings.TrimSpace(text) == "" {
		return errors.New(lang.L("say what was done"))
	}
	return nil
}

// conflictWords says what both benches did: "Packed here 10:45 (tracking
// …); bench-3 holds the order since 10:42 (tracking …)."
func conflictWords(c store.ClaimConflict) string {
	now := time.Now()
	here := lang.L("Packed here {{.When}}", map[string]any{"When": clockText(c.At, now)})
	if c.Tracking != "" {
		here = lang.L("Packed here {{.When}} (tracking {{.Tracking}})", map[string]any{"When": clockText(c.At, now), "Tracking": c.Tracking})
	}
	other := lang.L("{{.Other}} holds the order since {{.When}}", map[string]any{"Other": orDash(c.Other), "When": clockText(c.OtherAt, now)})
	if c.OtherTracking != "" {
		other = lang.L("{{.Other}} holds the order since {{.When}} (tracking {{.Tracking}})",
			map[string]any{"Other": orDash(c.Other), "When": clockText(c.OtherAt, now), "Tracking": c.OtherTracking})
	}
	return here + "; " + other
}

// askResolve asks for the note and resolves the conflict when the
// supervisor confirms.
func (s *dashSite) askResolve(c store.ClaimConflict) {
	v := s.v
	if v.closed() {
		return
	}
	note := widget.NewEntry()
	note.SetPlaceHolder(lang.L("e.g. second parcel stopped at the dock"))
	note.Validator = noteRequired
	explain := widget.NewLabel(conflictWords(c) + ". " +
		lang.L("Both benches may have shipped it. Say what happened to the second parcel: the note is kept with the conflict."))
	explain.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		{Widget: explain},
		{Text: lang.L("Note"), Widget: note, HintText: lang.L("what was done")},
	}
	f := dialog.NewForm(lang.L("Resolve the claim conflict on order {{.Ref}}?", map[string]any{"Ref": c.OrderRef}),
		lang.L("Resolve"), lang.L("Not now"), items, func(ok bool) {
			s.resolveForm, s.resolveNote = nil, nil
			if !ok || v.closed() {
				return
			}
			s.resolve(c.OrderRef, strings.TrimSpace(note.Text))
		}, v.win)
	f.Resize(fyne.NewSize(640, 300))
	s.resolveForm, s.resolveNote = f, note
	f.Show()
	v.win.Canvas().Focus(note)
}

// resolve is one ResolveClaimConflict call, off the UI goroutine.
func (s *dashSite) resolve(ref, note string) {
	v := s.v
	s.busy = true
	s.refreshActions()
	v.say(lang.L("Resolving the claim conflict on order {{.Ref}}…", map[string]any{"Ref": ref}), widget.MediumImportance)
	go func() {
		got, err := s.desk.ResolveClaimConflict(ref, note)
		v.ps.ui(func() {
			s.busy = false
			s.refreshActions()
			if v.closed() {
				return
			}
			if err != nil {
				v.fail(lang.L("The claim conflict on order {{.Ref}} is not resolved: {{.Error}}", map[string]any{"Ref": ref, "Error": errText(err)}), err)
				return
			}
			v.say(lang.L("The claim conflict on order {{.Ref}} is resolved: {{.Note}}", map[string]any{"Ref": firstOf(got.OrderRef, ref), "Note": firstOf(got.Note, note)}), widget.SuccessImportance)
		})
		// After a refusal nothing changed: a new report would only clear
		// the refusal's words (a report clears an error it shows).
		if err == nil {
			v.refresh()
			v.ps.pollStatusNow()
		}
	}()
}

// syncSite pushes and pulls now (Sync with the site) and says what it did.
func (s *dashSite) syncSite() {
	v := s.v
	if s.busy {
		return
	}
	s.busy = true
	s.refreshActions()
	v.say(lang.L("Sending this bench's records to the site and fetching its news…"), widget.MediumImportance)
	go func() {
		ctx, cancel := context.WithTimeout(v.ctx, v.ps.cfg.syncTimeout)
		rep, err := s.desk.FleetSync(ctx)
		cancel()
		v.ps.ui(func() {
			s.busy = false
			s.refreshActions()
			if v.closed() {
				return
			}
			if err != nil {
				v.fail(lang.L("Sync with the site failed: {{.Error}}", map[string]any{"Error": errText(err)}), err)
				return
			}
			imp := widget.SuccessImportance
			if len(rep.Conflicts) > 0 || rep.Backlog > 0 {
				imp = widget.WarningImportance
			}
			v.say(fleetSyncText(rep), imp)
		})
		v.ps.pollStatusNow()
		if err == nil {
			v.refresh()
		}
	}()
}

// fleetSyncText words a FleetSyncReport: "Synced with the site: records
// sent: 12, parcels with tracking news: 3, still waiting: 0."
func fleetSyncText(r station.FleetSyncReport) string {
	n := func(v int) map[string]any { return map[string]any{"N": v} } // i18n: a template field
	parts := []string{
		lang.L("records sent: {{.N}}", n(r.Pushed)),
		lang.L("parcels with tracking news: {{.N}}", n(r.Pulled)),
		lang.L("still waiting: {{.N}}", n(r.Backlog)),
	}
	if len(r.Conflicts) > 0 {
		parts = append(parts, lang.L("new claim conflicts: {{.N}}", n(len(r.Conflicts))))
	}
	return lang.L("Synced with the site:") + " " + strings.Join(parts, ", ") + "."
}

// conflictRow is one unresolved conflict of this bench; a tap chooses it
// for Resolve….
type conflictRow struct {
	listRow
	c      store.ClaimConflict
	title  *widget.Label
	detail *widget.Label
}

// newConflictRow is c's row; its owner sets onTap.
func newConflictRow(c store.ClaimConflict) *conflictRow {
	r := &conflictRow{c: c}
	r.title = widget.NewLabel(orderText(c.OrderRef) + " · " + lang.L("also packed at {{.Other}}", map[string]any{"Other": orDash(c.Other)}))
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis
	found := ""
	if !c.Detected.IsZero() {
		found = lang.L("found {{.When}}", map[string]any{"When": clockText(c.Detected, time.Now())})
	}
	r.detail = widget.NewLabel(joinNonEmpty(" · ", conflictWords(c), found))
	r.detail.Truncation = fyne.TextTruncateEllipsis
	r.build(canvas.NewText(lang.L("CONFLICT"), colBad), container.NewVBox(r.title, r.detail), nil)
	r.ExtendBaseWidget(r)
	return r
}

// ---- The dashboard's side of the views ----

// showsFiguresOf reports whether figures of view are on screen (a report
// was shown and its cards have not been hidden since): only then may an
// error say "those shown are from …".
func (v *dashboardView) showsFiguresOf(view dashView) bool {
	if !v.hasReport {
		return false
	}
	if v.site == nil {
		return view == dashView{} // without fleet mode the figures are never hidden
	}
	return v.site.hasShown && v.site.shown == view
}

// showFigures shows the report's parts again, now of view.
func (v *dashboardView) showFigures(view dashView) {
	v.cardGrid.Show()
	v.reportRest.Show()
	if v.site != nil {
		v.site.shown, v.site.hasShown = view, true
	}
}

// viewHeading puts the view's name before the heading when there is a
// choice of views.
func (v *dashboardView) viewHeading(view dashView, heading string) string {
	if v.site == nil || v.site.src == nil {
		return heading
	}
	return viewText(view) + " · " + heading
}

// siteFailed says that a site view's figures cannot be read (the server
// is cut off, say). Figures of another view are not left under the site
// view's name: they are hidden until a view's figures come. This bench's
// own view keeps working, and the hint says how to get to it.
func (v *dashboardView) siteFailed(view dashView, err error) {
	same := v.showsFiguresOf(view)
	what := lang.L("The site's figures cannot be read: {{.Error}}", map[string]any{"Error": errText(err)})
	if same {
		what = lang.L("The site's figures cannot be read (those shown are from {{.Time}}): {{.Error}}",
			map[string]any{"Time": v.report.GeneratedAt.Format("15:04:05"), "Error": errText(err)})
	} else {
		v.cardGrid.Hide()
		v.reportRest.Hide()
		if v.site != nil {
			v.site.hasShown = false // no figures on screen: none to date
		}
		v.heading.SetText(lang.L("{{.View}}: no figures", map[string]any{"View": viewText(view)}))
	}
	v.fail(what, err)
	if hintText(err) == "" {
		v.hint.SetText(lang.L("This bench's own figures do not need the site: choose “This bench” ({{.Key}}).", map[string]any{"Key": dashKeyNextView.String()}))
		v.hint.Show()
	}
}
