package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/app/i18n"
	cfgfile "labelstation/config"
	"labelstation/station"
	"labelstation/station/kpi"
	"labelstation/store"
)

// fakeFleet is a fake station in fleet mode (FleetDesk) with the two
// modes (Supervisor): its status is what the test sets, its conflicts
// are kept and resolved like the station does (a note is required, an
// unknown order is refused), and it records every call.
type fakeFleet struct {
	*fakeStation
	*fakeSup

	fmu       sync.Mutex
	on        bool
	fstatus   station.FleetStatus
	conflicts []store.ClaimConflict
	confErr   error // ClaimConflicts fails with it while set
	resolves  []resolveCall
	// resolveGate, when set, holds ResolveClaimConflict until a value is
	// received from it (or it is closed).
	resolveGate chan struct{}
	fsyncs      int
	syncRep     station.FleetSyncReport
	syncErr     error
}

type resolveCall struct{ Ref, Note string }

func newFakeFleet(pin string) *fakeFleet {
	return &fakeFleet{fakeStation: newFakeStation(), fakeSup: newFakeSup(pin), on: true,
		fstatus: station.FleetStatus{On: true, Station: "bench-1", Tried: true, Reachable: true}}
}

func (f *fakeFleet) FleetOn() bool {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	return f.on
}

func (f *fakeFleet) FleetStatus(context.Context) station.FleetStatus {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	return f.fstatus
}

func (f *fakeFleet) setFleet(fn func(f *fakeFleet)) {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	fn(f)
}

func (f *fakeFleet) FleetSync(context.Context) (station.FleetSyncReport, error) {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	f.fsyncs++
	return f.syncRep, f.syncErr
}

func (f *fakeFleet) ClaimConflicts() ([]store.ClaimConflict, error) {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	if f.confErr != nil {
		return nil, f.confErr
	}
	out := slices.Clone(f.conflicts)
	slices.SortStableFunc(out, func(a, b store.ClaimConflict) int {
		if a.Resolved.IsZero() != b.Resolved.IsZero() {
			if a.Resolved.IsZero() {
				return -1
			}
			return 1
		}
		return 0
	})
	return out, nil
}

// ResolveClaimConflict answers as the station does (station/fleet.go).
func (f *fakeFleet) ResolveClaimConflict(ref, note string) (store.ClaimConflict, error) {
	f.fmu.Lock()
	gate := f.resolveGate
	f.fmu.Unlock()
	if gate != nil {
		<-gate
	}
	f.fmu.Lock()
	defer f.fmu.Unlock()
	f.resolves = append(f.resolves, resolveCall{ref, note})
	if strings.TrimSpace(note) == "" {
		return store.ClaimConflict{}, &station.Problem{ID: "fleet.note_required", Msg: "a resolution needs a note saying what was done",
			Hint: "write what happened to the second parcel, e.g. 'stopped at the dock'"}
	}
	for i, c := range f.conflicts {
		if c.OrderRef == ref && c.Resolved.IsZero() {
			f.conflicts[i].Resolved, f.conflicts[i].Note = time.Now(), note
			return f.conflicts[i], nil
		}
	}
	return store.ClaimConflict{}, &station.Problem{ID: "fleet.conflict_not_found", Data: map[string]any{"Ref": ref},
		Msg: "there is no claim conflict on order " + ref, Hint: "list them with labelstation fleet conflicts"}
}

func (f *fakeFleet) fleetCalls() (resolves []resolveCall, syncs int) {
	f.fmu.Lock()
	defer f.fmu.Unlock()
	return slices.Clone(f.resolves), f.fsyncs
}

// fakeSiteDash is a dashboard source in fleet mode (SiteSource): the
// bench's own report from fakeDashboard, the site's from site (or
// siteErr), and the site queries it was asked.
type fakeSiteDash struct {
	*fakeDashboard

	smu     sync.Mutex
	site    station.SiteView
	siteErr error
	asks    []string // the bench of each SiteDashboard call
}

func (f *fakeSiteDash) FleetOn() bool { return true }

func (f *fakeSiteDash) SiteDashboard(_ context.Context, last time.Time, days int, bench string) (station.SiteView, error) {
	f.smu.Lock()
	defer f.smu.Unlock()
	f.asks = append(f.asks, bench)
	if f.siteErr != nil {
		return station.SiteView{}, f.siteErr
	}
	v := f.site
	v.Bench = bench
	v.Report.Days = days
	if bench != "" {
		// One bench's figures: the shipments of that bench only.
		for _, b := range v.Benches {
			if b.Station == bench {
				v.Report.Shipments = b.Shipments
			}
		}
	}
	return v, nil
}

func (f *fakeSiteDash) siteAsks() []string {
	f.smu.Lock()
	defer f.smu.Unlock()
	return slices.Clone(f.asks)
}

func siteView() station.SiteView {
	now := time.Now()
	return station.SiteView{
		Report: kpi.Report{From: "2025-05-01", To: "2025-05-30", Shipments: 912, Overall: sampleKPIs()},
		Benches: []station.SiteBench{
			{Station: "bench-1", LastSeen: now.Add(-3 * time.Second), Shipments: 500},
			{Station: "bench-2", LastSeen: now.Add(-2 * time.Minute), Shipments: 412},
		},
		Conflicts: []station.SiteConflict{{OrderRef: "10077", Station: "bench-2", At: now.Add(-time.Hour), Tracking: "00370000000000067890", Other: "bench-1",
			OtherAt: now.Add(-61 * time.Minute), OtherTracking: "00370000000000012345", Detected: now.Add(-50 * time.Minute)}},
	}
}

func benchConflicts() []store.ClaimConflict {
	now := time.Now()
	return []store.ClaimConflict{
		{OrderRef: "10077", At: now.Add(-time.Hour), Other: "bench-2", OtherAt: now.Add(-61 * time.Minute),
			OtherTracking: "00370000000000012345", Tracking: "00370000000000067890", Detected: now.Add(-50 * time.Minute)},
		{OrderRef: "10078", At: now.Add(-40 * time.Minute), Other: "bench-3", OtherAt: now.Add(-41 * time.Minute), Detected: now.Add(-30 * time.Minute)},
	}
}

// openFleetDashboard opens the dashboard of a pack screen on st with src.
func openFleetDashboard(t *testing.T, st *fakeFleet, src *fakeSiteDash) (*dashboardView, *uiLoop) {
	t.Helper()
	ps, _, loop := newTestScreen(t, st, WithDashboard(src), DashboardEvery(time.Hour))
	test.Tap(ps.dashBtn)
	v := ps.dashboard
	if v == nil {
		t.Fatal("Dashboard… opened nothing")
	}
	t.Cleanup(func() {
		if !v.closed() {
			v.win.Close()
		}
	})
	if v.site == nil || v.site.sel == nil || v.site.resolveBtn == nil {
		t.Fatal("the dashboard in fleet mode has no view selector or conflicts")
	}
	return v, loop
}

// The Site cell says the link in words for each state, and the status
// bar shows it in fleet mode only, refreshed with the other cells.
func TestSiteCellWords(t *testing.T) {
	cases := []struct {
		s    station.FleetStatus
		want string
		col  fyneColor
	}{
		{station.FleetStatus{Tried: true, Reachable: true}, "Site OK", colOK},
		{station.FleetStatus{Tried: true, Reachable: true, Backlog: 3}, "Site OK · 3 waiting", colOK},
		{station.FleetStatus{Tried: true, Reachable: false, Backlog: 12}, "Site: cut off · 12 waiting", colWait},
		{station.FleetStatus{Tried: true, Reachable: false}, "Site: cut off", colWait},
		{station.FleetStatus{Tried: true, Reachable: true, Refused: true, Backlog: 3, LastErr: "bench name taken"}, "Site: refused · 3 waiting", colBad},
		{station.FleetStatus{Tried: true, Reachable: true, Polling: true}, "Site OK · polling", colOK},
		// Conflicts first: they wait for a supervisor, and a narrow cell
		// is cut from the right.
		{station.FleetStatus{Tried: true, Reachable: false, Backlog: 2, Polling: true, Conflicts: 1}, "Site: cut off · conflicts: 1 · 2 waiting · polling", colWait},
		{station.FleetStatus{Tried: true, Reachable: false, Backlog: 12, Conflicts: 2}, "Site: cut off · conflicts: 2 · 12 waiting", colWait},
		{station.FleetStatus{Tried: true, Reachable: true, Conflicts: 2}, "Site OK · conflicts: 2", colWait},
		// Before the first push or claim reached for the server,
		// Reachable says nothing: not "cut off".
		{station.FleetStatus{}, "Site: connecting…", colMuted},
		{station.FleetStatus{Backlog: 4, Polling: true}, "Site: connecting… · 4 waiting · polling", colMuted},
		{station.FleetStatus{Conflicts: 1}, "Site: connecting… · conflicts: 1", colWait},
	}
	for _, c := range cases {
		text, col := siteCell(c.s)
		if text != c.want || col != c.col {
			t.Errorf("%+v: %q %v, want %q %v", c.s, text, col, c.want, c.col)
		}
	}

	st := newFakeFleet("")
	st.fstatus.Tried, st.fstatus.Reachable = false, false
	ps, _, loop := newTestScreen(t, st)
	cell := ps.statusItems["site"]
	if cell == nil {
		t.Fatal("no Site cell in fleet mode")
	}
	loop.until(t, "connecting", func() bool { return cell.text.Text == "Site: connecting…" })
	st.setFleet(func(f *fakeFleet) { f.fstatus.Tried, f.fstatus.Reachable = true, true })
	loop.until(t, "site OK", func() bool { return cell.text.Text == "Site OK" })
	st.setFleet(func(f *fakeFleet) { f.fstatus.Reachable, f.fstatus.Backlog, f.fstatus.Polling = false, 12, true })
	loop.until(t, "cut off", func() bool { return cell.text.Text == "Site: cut off · 12 waiting · polling" })
	if cell.dot.FillColor != colWait {
		t.Errorf("cut off shown in %v", cell.dot.FillColor)
	}

	off := newFakeFleet("")
	off.on = false
	ps2, _, _ := newTestScreen(t, off)
	if ps2.statusItems["site"] != nil {
		t.Error("a Site cell with fleet mode off")
	}
}

// The site views list the benches and the site's conflicts, and the
// selector switches to one bench; this bench's view asks its own store.
func TestDashboardSiteViewListsBenchesAndSwitchesBench(t *testing.T) {
	st := newFakeFleet("")
	src := &fakeSiteDash{fakeDashboard: newFakeDashboard(kpi.Report{From: "2025-05-01", To: "2025-05-30", Shipments: 500, Overall: sampleKPIs()}), site: siteView()}
	v, loop := openFleetDashboard(t, st, src)
	loop.until(t, "this bench", func() bool { return strings.HasPrefix(v.heading.Text, "This bench · ") })
	if v.site.siteBox.Visible() || len(src.siteAsks()) != 0 {
		t.Fatal("this bench's view asked the site or shows its benches")
	}
	if got := v.site.sel.Options; !slices.Equal(got, []string{"This bench", "Site: all benches"}) {
		t.Errorf("views before the site answered: %q", got)
	}

	v.site.sel.SetSelected("Site: all benches")
	loop.until(t, "site view", func() bool { return len(v.site.benchRows) == 2 })
	if !strings.HasPrefix(v.heading.Text, "Site: all benches · ") || !strings.Contains(v.heading.Text, ": 912") {
		t.Errorf("heading %q", v.heading.Text)
	}
	if !v.site.siteBox.Visible() || !strings.HasPrefix(v.site.benchRows[0], "bench-1|") || !strings.HasSuffix(v.site.benchRows[1], "|412") {
		t.Errorf("benches %q", v.site.benchRows)
	}
	if len(v.site.siteRows) != 1 || !strings.HasPrefix(v.site.siteRows[0], "10077|bench-2|00370000000000067890|bench-1|") || !strings.HasSuffix(v.site.siteRows[0], "|00370000000000012345") {
		t.Errorf("site conflicts %q", v.site.siteRows)
	}
	if got := v.site.sel.Options; !slices.Equal(got, []string{"This bench", "Site: all benches", "Site: bench-1", "Site: bench-2"}) {
		t.Errorf("views %q", got)
	}

	v.site.sel.SetSelected("Site: bench-2")
	loop.until(t, "bench-2", func() bool {
		asks := src.siteAsks()
		return asks[len(asks)-1] == "bench-2" && strings.Contains(v.heading.Text, ": 412")
	})
	if !strings.HasPrefix(v.heading.Text, "Site: bench-2 · ") {
		t.Errorf("heading %q", v.heading.Text)
	}

	// Ctrl+E goes through the views: after the last, this bench again.
	pressShortcut(v.win, dashKeyNextView)
	loop.until(t, "back to this bench", func() bool { return strings.HasPrefix(v.heading.Text, "This bench · ") })
	if v.site.siteBox.Visible() {
		t.Error("this bench's view shows the site's benches")
	}
}

// A site that cannot be reached is said in the window, through errText
// and with a way back; the figures of this bench are not shown under the
// site's name, and this bench's view keeps working.
func TestDashboardSiteCutOff(t *testing.T) {
	st := newFakeFleet("")
	src := &fakeSiteDash{fakeDashboard: newFakeDashboard(kpi.Report{Shipments: 500, Overall: sampleKPIs()}),
		siteErr: fmt.Errorf("site dashboard: %w", errors.New("dial tcp 10.0.0.5:5432: connect: connection refused"))}
	v, loop := openFleetDashboard(t, st, src)
	loop.until(t, "cards", func() bool { return len(v.cards) == 4 })
	v.site.sel.SetSelected("Site: all benches")
	loop.until(t, "failed", func() bool { return strings.Contains(v.msg.Text, "The site's figures cannot be read") })
	if !strings.Contains(v.msg.Text, "connection refused") || v.msg.Importance != widget.DangerImportance {
		t.Errorf("message %q", v.msg.Text)
	}
	if !v.hint.Visible() || !strings.Contains(v.hint.Text, "“This bench” (Ctrl+E)") {
		t.Errorf("hint %q", v.hint.Text)
	}
	if v.cardGrid.Visible() || v.reportRest.Visible() || v.heading.Text != "Site: all benches: no figures" {
		t.Errorf("this bench's figures shown under the site view (heading %q)", v.heading.Text)
	}
	if !strings.Contains(v.site.siteHead.Text, "Nothing from the site's server") {
		t.Errorf("site box says %q", v.site.siteHead.Text)
	}

	v.site.sel.SetSelected("This bench")
	loop.until(t, "this bench again", func() bool { return v.cardGrid.Visible() && strings.HasPrefix(v.heading.Text, "This bench · ") })
	if v.msg.Visible() {
		t.Errorf("the site's error stays over this bench's figures: %q", v.msg.Text)
	}
}

// Resolve… needs the supervisor, then a note: without one nothing is
// sent; with one the station is called with it and the list follows.
func TestResolveConflictNeedsNoteAndCallsStation(t *testing.T) {
	st := newFakeFleet("2580")
	st.conflicts = benchConflicts()
	src := &fakeSiteDash{fakeDashboard: newFakeDashboard(kpi.Report{}), site: siteView()}
	v, loop := openFleetDashboard(t, st, src)
	loop.until(t, "conflicts", func() bool { return len(v.site.confRows) == 2 })
	if v.site.confHead.Text != "Claim conflicts of this bench: 2 to resolve" {
		t.Errorf("head %q", v.site.confHead.Text)
	}
	row := v.site.confRows[0]
	if !strings.Contains(row.title.Text, "Order 10077") || !strings.Contains(row.title.Text, "also packed at bench-2") ||
		!strings.Contains(row.detail.Text, "(tracking 00370000000000067890)") || !strings.Contains(row.detail.Text, "bench-2 holds the order since") {
		t.Errorf("row %q / %q", row.title.Text, row.detail.Text)
	}

	// The second conflict, chosen with Ctrl+K twice; Resolve asks for the PIN.
	pressShortcut(v.win, dashKeyNextConflict)
	pressShortcut(v.win, dashKeyNextConflict)
	if v.site.confSel != 1 || !v.site.confRows[1].mark.Visible() {
		t.Fatalf("chosen %d", v.site.confSel)
	}
	test.Tap(v.site.resolveBtn)
	d := pinDlg(t, v.ps, v.win, "Resolve")
	enterPIN(t, loop, d, "2580")
	if v.site.resolveForm == nil {
		t.Fatal("no note asked after the PIN")
	}
	v.site.resolveForm.Submit()
	loop.drain()
	if r, _ := st.fleetCalls(); len(r) != 0 {
		t.Fatalf("resolved without a note: %v", r)
	}
	if err := v.site.resolveNote.Validate(); err == nil || err.Error() != "say what was done" {
		t.Errorf("empty note: %v", err)
	}
	v.site.resolveNote.SetText("second parcel stopped at the dock")
	v.site.resolveForm.Submit()
	loop.until(t, "resolved", func() bool { return strings.Contains(v.msg.Text, "is resolved") })
	if r, _ := st.fleetCalls(); len(r) != 1 || r[0] != (resolveCall{"10078", "second parcel stopped at the dock"}) {
		t.Errorf("calls %v", r)
	}
	loop.until(t, "one left", func() bool { return len(v.site.confRows) == 1 })
	if !strings.Contains(labelTexts(v.site.confList), "Resolved ") || !strings.Contains(labelTexts(v.site.confList), "second parcel stopped at the dock") {
		t.Errorf("resolved conflict not listed with its note: %q", labelTexts(v.site.confList))
	}

	// The station's refusal is shown in its words with its hint.
	st.setFleet(func(f *fakeFleet) { f.conflicts = benchConflicts()[:1] })
	v.site.resolve("10099", "gone")
	loop.until(t, "refused", func() bool { return strings.Contains(v.msg.Text, "not resolved") })
	if !strings.Contains(v.msg.Text, "there is no claim conflict on order 10099") || !strings.Contains(v.hint.Text, "labelstation fleet conflicts") {
		t.Errorf("refusal %q / %q", v.msg.Text, v.hint.Text)
	}
}

// With no conflict the list says so (not "Asking the station…" for
// ever), and it says so again after a read that failed.
func TestDashboardNoConflictsSaysSo(t *testing.T) {
	const none = "No claim conflicts to resolve at this bench."
	st := newFakeFleet("")
	src := &fakeSiteDash{fakeDashboard: newFakeDashboard(kpi.Report{Shipments: 5}), site: siteView()}
	v, loop := openFleetDashboard(t, st, src)
	loop.until(t, "no conflicts", func() bool { return labelTexts(v.site.confList) == none })
	if v.site.confHead.Text != "Claim conflicts of this bench: 0 to resolve" || !v.site.resolveBtn.Disabled() {
		t.Errorf("head %q, Resolve disabled %v", v.site.confHead.Text, v.site.resolveBtn.Disabled())
	}

	st.setFleet(func(f *fakeFleet) { f.confErr = errors.New("store: database is closed") })
	v.refresh()
	loop.until(t, "read failed", func() bool {
		return strings.Contains(labelTexts(v.site.confList), "The claim conflicts cannot be read: store: database is closed")
	})
	st.setFleet(func(f *fakeFleet) { f.confErr = nil })
	v.refresh()
	loop.until(t, "no conflicts again", func() bool { return labelTexts(v.site.confList) == none })

	// The same list as before the failure is shown again too.
	st.setFleet(func(f *fakeFleet) { f.conflicts = benchConflicts() })
	v.refresh()
	loop.until(t, "two", func() bool { return len(v.site.confRows) == 2 })
	st.setFleet(func(f *fakeFleet) { f.confErr = errors.New("store: database is closed") })
	v.refresh()
	loop.until(t, "read failed again", func() bool {
		return len(v.site.confRows) == 0 && strings.Contains(labelTexts(v.site.confList), "cannot be read")
	})
	st.setFleet(func(f *fakeFleet) { f.confErr = nil })
	v.refresh()
	loop.until(t, "the two again", func() bool {
		return len(v.site.confRows) == 2 && !strings.Contains(labelTexts(v.site.confList), "cannot be read")
	})
	if v.site.resolveBtn.Disabled() {
		t.Error("Resolve disabled with two conflicts listed")
	}
}

// A row shows what both benches did: a change in any of it (this bench's
// tracking, when it was found) is shown, not only a change of the order
// or its resolution.
func TestDashboardConflictRowFollowsChanges(t *testing.T) {
	st := newFakeFleet("")
	st.conflicts = benchConflicts()[1:]
	src := &fakeSiteDash{fakeDashboard: newFakeDashboard(kpi.Report{}), site: siteView()}
	v, loop := openFleetDashboard(t, st, src)
	loop.until(t, "one", func() bool { return len(v.site.confRows) == 1 })
	if strings.Contains(v.site.confRows[0].detail.Text, "(tracking 00370000000000099999)") {
		t.Fatalf("tracking before it was known: %q", v.site.confRows[0].detail.Text)
	}
	st.setFleet(func(f *fakeFleet) { f.conflicts[0].Tracking = "00370000000000099999" })
	v.refresh()
	loop.until(t, "this bench's tracking shown", func() bool {
		return len(v.site.confRows) == 1 && strings.Contains(v.site.confRows[0].detail.Text, "Packed here") &&
			strings.Contains(v.site.confRows[0].detail.Text, "(tracking 00370000000000099999)")
	})
}

// A failed view hides the figures; an error afterwards does not say
// "those shown are from …" about figures no longer on screen.
func TestDashboardNoStaleFiguresAfterFailedView(t *testing.T) {
	st := newFakeFleet("")
	dash := newFakeDashboard(kpi.Report{Shipments: 500, Overall: sampleKPIs()})
	src := &fakeSiteDash{fakeDashboard: dash, site: siteView()}
	v, loop := openFleetDashboard(t, st, src)
	loop.until(t, "this bench", func() bool { return strings.HasPrefix(v.heading.Text, "This bench · ") && v.cardGrid.Visible() })

	// The site fails: its view hides this bench's figures.
	src.smu.Lock()
	src.siteErr = errors.New("dial tcp 10.0.0.5:5432: connect: connection refused")
	src.smu.Unlock()
	v.site.sel.SetSelected("Site: all benches")
	loop.until(t, "site failed", func() bool { return v.heading.Text == "Site: all benches: no figures" })
	if v.cardGrid.Visible() {
		t.Fatal("figures shown under a failed site view")
	}
	// Back to this bench, whose read fails too: nothing is on screen, so
	// nothing is "from" any time.
	dash.mu.Lock()
	dash.err = errors.New("store: database is closed")
	dash.mu.Unlock()
	v.site.sel.SetSelected("This bench")
	loop.until(t, "bench failed", func() bool { return strings.Contains(v.msg.Text, "database is closed") })
	if strings.Contains(v.msg.Text, "those shown are from") || !strings.HasPrefix(v.msg.Text, "The figures cannot be read: ") {
		t.Errorf("after a hidden view: %q", v.msg.Text)
	}

	// The same for two site views: all benches shown, bench-2 fails, all
	// benches fails.
	dash.mu.Lock()
	dash.err = nil
	dash.mu.Unlock()
	src.smu.Lock()
	src.siteErr = nil
	src.smu.Unlock()
	v.site.sel.SetSelected("Site: all benches")
	loop.until(t, "site shown", func() bool {
		return strings.HasPrefix(v.heading.Text, "Site: all benches · ") && v.cardGrid.Visible() && len(v.site.sel.Options) == 4
	})
	src.smu.Lock()
	src.siteErr = errors.New("dial tcp 10.0.0.5:5432: connect: connection refused")
	src.smu.Unlock()
	v.site.sel.SetSelected("Site: bench-2")
	loop.until(t, "bench-2 failed", func() bool { return v.heading.Text == "Site: bench-2: no figures" })
	v.site.sel.SetSelected("Site: all benches")
	loop.until(t, "all failed", func() bool { return v.heading.Text == "Site: all benches: no figures" })
	if strings.Contains(v.msg.Text, "those shown are from") || !strings.HasPrefix(v.msg.Text, "The site's figures cannot be read: ") {
		t.Errorf("after a hidden site view: %q", v.msg.Text)
	}

	// Figures on screen: an error of the same view says when they are from.
	src.smu.Lock()
	src.siteErr = nil
	src.smu.Unlock()
	v.refresh()
	loop.until(t, "site shown again", func() bool { return strings.HasPrefix(v.heading.Text, "Site: all benches · ") && v.cardGrid.Visible() })
	src.smu.Lock()
	src.siteErr = errors.New("dial tcp 10.0.0.5:5432: connect: connection refused")
	src.smu.Unlock()
	v.refresh()
	loop.until(t, "stale", func() bool { return strings.Contains(v.msg.Text, "those shown are from") })
	if !v.cardGrid.Visible() {
		t.Error("the figures that the message dates are hidden")
	}
}

// A wrong PIN, a cancelled PIN dialog or a note form put away resolve
// nothing; while a resolve runs, Sync with the site waits.
func TestResolveNeedsPINAndBlocksSync(t *testing.T) {
	st := newFakeFleet("2580")
	st.conflicts = benchConflicts()
	src := &fakeSiteDash{fakeDashboard: newFakeDashboard(kpi.Report{}), site: siteView()}
	v, loop := openFleetDashboard(t, st, src)
	loop.until(t, "conflicts", func() bool { return len(v.site.confRows) == 2 })

	test.Tap(v.site.resolveBtn)
	d := pinDlg(t, v.ps, v.win, "Resolve")
	enterPIN(t, loop, d, "1111")
	if !strings.HasPrefix(d.msg.Text, "Wrong PIN") || d.done {
		t.Errorf("after a wrong PIN: %q (closed %v)", d.msg.Text, d.done)
	}
	test.Tap(d.no)
	loop.drain()
	if v.site.resolveForm != nil {
		t.Fatal("the note form after a wrong PIN and Cancel")
	}
	if r, _ := st.fleetCalls(); len(r) != 0 {
		t.Fatalf("resolved without the PIN: %v", r)
	}

	test.Tap(v.site.resolveBtn)
	d = pinDlg(t, v.ps, v.win, "Resolve again")
	enterPIN(t, loop, d, "2580")
	if v.site.resolveForm == nil {
		t.Fatal("no note asked after the PIN")
	}
	v.site.resolveNote.SetText("cancelled at bench-2")
	v.site.resolveForm.Hide() // Not now
	loop.drain()
	if r, _ := st.fleetCalls(); len(r) != 0 {
		t.Fatalf("resolved after Not now: %v", r)
	}

	gate := make(chan struct{})
	st.setFleet(func(f *fakeFleet) { f.resolveGate = gate })
	pressShortcut(v.win, dashKeyResolve) // supervisor mode now: no PIN
	if v.site.resolveForm == nil {
		t.Fatal("Ctrl+R asked nothing")
	}
	v.site.resolveNote.SetText("cancelled at bench-2")
	v.site.resolveForm.Submit()
	if !v.site.syncBtn.Disabled() || !v.site.resolveBtn.Disabled() {
		t.Errorf("during a resolve: Sync disabled %v, Resolve disabled %v", v.site.syncBtn.Disabled(), v.site.resolveBtn.Disabled())
	}
	pressShortcut(v.win, dashKeySiteSync)
	close(gate)
	loop.until(t, "resolved", func() bool { return strings.Contains(v.msg.Text, "is resolved") })
	if r, n := st.fleetCalls(); len(r) != 1 || r[0] != (resolveCall{"10077", "cancelled at bench-2"}) || n != 0 {
		t.Errorf("calls %v, syncs %d", r, n)
	}
	if v.site.syncBtn.Disabled() {
		t.Error("Sync stays disabled after the resolve")
	}
}

// Every button of the dashboard in fleet mode has its key, and the keys
// act: Sync with the site calls the station once.
func TestDashboardFleetKeys(t *testing.T) {
	st := newFakeFleet("")
	st.conflicts = benchConflicts()
	st.syncRep = station.FleetSyncReport{Pushed: 12, Pulled: 3}
	src := &fakeSiteDash{fakeDashboard: newFakeDashboard(kpi.Report{}), site: siteView()}
	v, loop := openFleetDashboard(t, st, src)
	loop.until(t, "conflicts", func() bool { return len(v.site.confRows) == 2 })
	calendar, _ := v.date.ActionItem.(*widget.Button)
	checkEveryButtonKeyed(t, v.win.Content(), v.keys, calendar)
	if v.site.resolveBtn.Text != "Resolve…   Ctrl+R" || v.site.syncBtn.Text != "Sync with the site   Ctrl+Y" || v.site.selLabel.Text != "View   Ctrl+E" {
		t.Errorf("buttons say %q, %q, %q", v.site.resolveBtn.Text, v.site.syncBtn.Text, v.site.selLabel.Text)
	}
	pressShortcut(v.win, dashKeySiteSync)
	loop.until(t, "synced", func() bool { return strings.Contains(v.msg.Text, "Synced with the site") })
	if _, n := st.fleetCalls(); n != 1 {
		t.Errorf("%d syncs", n)
	}
	if !strings.Contains(v.msg.Text, "records sent: 12") || !strings.Contains(v.msg.Text, "parcels with tracking news: 3") {
		t.Errorf("sync says %q", v.msg.Text)
	}
	// Ctrl+R with no conflict chosen resolves the first one.
	pressShortcut(v.win, dashKeyResolve)
	if v.site.resolveForm == nil {
		t.Fatal("Ctrl+R asked nothing")
	}
	v.site.resolveNote.SetText("cancelled at bench-2")
	v.site.resolveForm.Submit()
	loop.until(t, "resolved by key", func() bool { r, _ := st.fleetCalls(); return len(r) == 1 && r[0].Ref == "10077" })
}

// In Swedish the status cell, the selector, the tables and the conflicts
// speak Swedish.
func TestFleetSpeaksSwedish(t *testing.T) {
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
	if got, _ := siteCell(station.FleetStatus{Tried: true, Backlog: 12, Polling: true}); got != "Anläggning: avskuren · 12 väntar · spårar" {
		t.Errorf("site cell %q", got)
	}
	if got, _ := siteCell(station.FleetStatus{Tried: true, Reachable: true, Conflicts: 2}); got != "Anläggning OK · orderkrockar: 2" {
		t.Errorf("site cell with conflicts %q", got)
	}
	if got, _ := siteCell(station.FleetStatus{}); got != "Anläggning: ansluter…" {
		t.Errorf("site cell before the first try %q", got)
	}
	st := newFakeFleet("")
	st.conflicts = benchConflicts()
	src := &fakeSiteDash{fakeDashboard: newFakeDashboard(kpi.Report{}), site: siteView()}
	v, loop := openFleetDashboard(t, st, src)
	loop.until(t, "conflicts", func() bool { return len(v.site.confRows) == 2 })
	v.site.sel.SetSelected("Anläggning: alla packbord")
	loop.until(t, "site view", func() bool { return len(v.site.benchRows) == 2 })
	checks := map[string][2]string{
		"resolve":  {v.site.resolveBtn.Text, "Lös…   Ctrl+R"},
		"sync":     {v.site.syncBtn.Text, "Synka med anläggningen   Ctrl+Y"},
		"head":     {v.site.confHead.Text, "Orderkrockar vid detta packbord: 2 att lösa"},
		"view":     {v.site.sel.Selected, "Anläggning: alla packbord"},
		"first":    {v.site.sel.Options[0], "Detta packbord"},
		"viewKey":  {v.site.selLabel.Text, "Vy   Ctrl+E"},
		"siteHead": {v.site.siteHead.Text, "Packbord på anläggningen: 2 · olösta orderkrockar: 1"},
	}
	for what, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s says %q, want %q", what, c[0], c[1])
		}
	}
	if got := labelTexts(v.site.benchTable); !strings.Contains(got, "Senast sedd") || !strings.Contains(got, "bench-2") {
		t.Errorf("bench table %q", got)
	}
	if got := v.site.confRows[0].title.Text; !strings.Contains(got, "även packad vid bench-2") {
		t.Errorf("conflict row %q", got)
	}
}

// The Site page saves the server's address in the file and its password
// in the secrets store, refuses an address with a password in it, and
// Test connection says when the server cannot be reached.
func TestSettingsFleetPage(t *testing.T) {
	src := newRealSettings(t)
	w, _, loop := openSettings(t, src)
	url := settingsField(t, w, "fleet", "fleet.postgres_url")
	typeInto(url, "postgres://labelstation:hunter2@db.example:5432/labelstation")
	if url.note.Importance != widget.DangerImportance || strings.Contains(url.note.Text, "hunter2") {
		t.Errorf("an address with a password: %q", url.note.Text)
	}
	// The field asks config's question (config.CheckPostgresURL), and says
	// config's English answer under its translated "Problem:".
	if !strings.HasPrefix(url.note.Text, "Problem: config fleet.postgres_url holds a password") {
		t.Errorf("an address with a password says %q", url.note.Text)
	}
	for _, bad := range []string{"mysql://db.example/x", "postgres:///labelstation", "postgres://db.example/x?sslmode=sometimes",
		"postgres://labelstation@db.example/x?sslpassword=hunter2"} {
		typeInto(url, bad)
		if url.note.Importance != widget.DangerImportance || !strings.HasPrefix(url.note.Text, "Problem: config fleet.postgres_url") || strings.Contains(url.note.Text, "hunter2") {
			t.Errorf("%s: %q", bad, url.note.Text)
		}
	}
	every := settingsField(t, w, "fleet", "fleet.push_every")
	typeInto(every, "5ms")
	if every.note.Importance != widget.DangerImportance {
		t.Errorf("5ms accepted: %q", every.note.Text)
	}
	if !strings.Contains(every.note.Text, `config fleet.push_every is "5ms"`) {
		t.Errorf("5ms says %q", every.note.Text)
	}
	retry := settingsField(t, w, "fleet", "fleet.poller_retry")
	typeInto(retry, "soon")
	if retry.note.Importance != widget.DangerImportance || !strings.Contains(retry.note.Text, `config fleet.poller_retry is "soon"`) {
		t.Errorf("poller_retry soon: %q", retry.note.Text)
	}
	closed := closedPort(t)
	typeInto(url, "postgres://labelstation@"+closed+"/labelstation?sslmode=disable")
	typeInto(settingsField(t, w, "fleet", "fleet.postgres_password"), "site-db-secret-0815")
	typeInto(every, "2s")
	typeInto(settingsField(t, w, "fleet", "fleet.poller_retry"), "20s")
	typeInto(settingsField(t, w, "station", "station.name"), "bench-3")

	p := w.page("fleet")
	w.tabs.SelectIndex(p.index)
	pressShortcut(w.win, ctrlKey(fyne.KeyT))
	loop.until(t, "tested", func() bool { return p.result.Visible() && !strings.HasSuffix(p.result.Text, "…") && w.busy == 0 })
	if !strings.HasPrefix(p.result.Text, "The connection does not work") || strings.Contains(p.result.Text, "site-db-secret-0815") {
		t.Errorf("test against a closed port:\n%s", p.result.Text)
	}

	pressShortcut(w.win, ctrlKey(fyne.KeyS))
	loop.until(t, "saved", func() bool { return w.restartBtn.Visible() || strings.Contains(w.status.Text, "Not saved") })
	if !w.restartBtn.Visible() {
		t.Fatalf("not saved: %q", w.status.Text)
	}
	got, err := cfgfile.Read(src.path, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fleet.PostgresURL != "postgres://labelstation@"+closed+"/labelstation?sslmode=disable" || got.Fleet.PushEvery != "2s" || got.Fleet.PollerRetry != "20s" || got.Fleet.Password != "" {
		t.Errorf("file read back: %+v", got.Fleet)
	}
	if fileHolds(t, src.path, "site-db-secret-0815") {
		t.Fatal("the config file holds the server's password")
	}
	if v, ok, err := src.store.Get("fleet.postgres_password"); err != nil || !ok || v != "site-db-secret-0815" {
		t.Errorf("stored password %q %v %v", v, ok, err)
	}
	if f := settingsField(t, w, "fleet", "fleet.postgres_password"); f.entry.Text != "" || !strings.Contains(f.entry.PlaceHolder, "Stored") {
		t.Errorf("password field after save: %q / %q", f.entry.Text, f.entry.PlaceHolder)
	}
}

// TestDashboardSiteScreenshot renders the site view (benches, the site's
// conflicts, this bench's conflicts) and checks it fits its window; with
// FLEET_SCREENSHOT=/path/x.png it writes the image there, plus
// x-resolve.png with the Resolve form open:
//
//	FLEET_SCREENSHOT=/tmp/site.png go test ./app -run DashboardSiteScreenshot
func TestDashboardSiteScreenshot(t *testing.T) {
	end := time.Date(2025, 5, 30, 15, 40, 0, 0, time.Local)
	st := newFakeFleet("")
	st.conflicts = benchConflicts()
	sv := siteView()
	sv.Report = demoReport(end)
	sv.Benches = append(sv.Benches, station.SiteBench{Station: "bench-3", LastSeen: time.Now().Add(-26 * time.Hour), Shipments: 0})
	src := &fakeSiteDash{fakeDashboard: newFakeDashboard(demoReport(end)), site: sv}
	v, loop := openFleetDashboard(t, st, src)
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	v.setDay(end)
	v.site.sel.SetSelected("Site: all benches")
	loop.until(t, "site view", func() bool { return len(v.site.benchRows) == 3 && len(v.site.confRows) == 2 })
	c := v.win.Canvas()
	if min := c.Content().MinSize(); min.Width > 1280 {
		t.Errorf("the site view needs %v wide, more than 1280", min.Width)
	}
	out := os.Getenv("FLEET_SCREENSHOT")
	if out == "" {
		return
	}
	v.win.Resize(fyne.NewSize(1280, 1700))
	writePNG(t, out, c)
	v.win.Resize(fyne.NewSize(1280, 860))
	pressShortcut(v.win, dashKeyResolve)
	if v.site.resolveForm == nil {
		t.Fatal("no Resolve form")
	}
	v.site.resolveNote.SetText("second parcel stopped at the dock")
	writePNG(t, strings.TrimSuffix(out, ".png")+"-resolve.png", c)
}
