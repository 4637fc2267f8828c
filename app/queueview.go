package app

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/station"
)

// queueView is the Queue… dialog: the bookings that wait for the carrier
// (offline labels, held ones, refused ones) with Retry and Cancel on each,
// Sync now, and the day's parcels the carrier heard of late. Every button
// is one OutboxQueue call, run off the UI goroutine; results come back
// through the screen's ui (fyne.Do). While it is open the list is asked
// for again every QueueEvery, and after each action.
//
// Every action has a key (Ctrl+letters, listed in the main window's
// "Queue" menu while the dialog is open; the pack screen keeps F2–F12):
// a row's Retry and Cancel act on the selected row, chosen with a tap or
// Ctrl+Up/Down.
type queueView struct {
	ps  *PackScreen
	oq  OutboxQueue
	dlg *dialog.CustomDialog
	// ctx ends the refresh timer when the view is closed (or the screen
	// is).
	ctx    context.Context
	cancel context.CancelFunc
	keys   *actionKeys

	online     *widget.Label // the carrier's state, as the status bar has it
	summary    *widget.Label // "Waiting for the carrier: 3 · Held for a person: 1"
	result     *widget.Label // the outcome of the last action, or an error and its hint
	syncBtn    *widget.Button
	closeBtn   *widget.Button
	head       fyne.CanvasObject // the carrier's state, the summary, Sync now and the result line
	list       *fyne.Container
	sel        rowSelection[string] // the selected booking
	rows       map[string]*queueRow // by entry id, for tests
	sig        string               // what is shown, so an unchanged list is not rebuilt under the pointer
	listed     bool                 // the list shows sig
	tabs       *container.AppTabs
	waitingTab *container.TabItem
	lateTab    *container.TabItem
	late       *widget.Label // the sent-late list, one line a parcel
	lateN      int
	wms        *webhookTab // the WMS tab (nil without a WebhookQueue)

	jobs rowJobs[string, station.QueueEntry] // the rows' Retry and Cancel

	// The Cancel form while it is open, for tests.
	cancelForm   *dialog.FormDialog
	cancelReason *widget.Entry

	refresher // load below, never two at once
}

type queueRow struct {
	entry         station.QueueEntry
	state         *widget.Label
	title         *widget.Label
	detail        *widget.Label
	action        *widget.Label
	retry, cancel *widget.Button
}

// The queue view's keys. The WMS tab's Retry and Discard share the
// row keys: they act on the selected row of the tab shown.
var (
	queueKeySync     = ctrlKey(fyne.KeyS)
	queueKeySendWMS  = ctrlKey(fyne.KeyE)
	queueKeyShowSent = ctrlKey(fyne.KeyH)
	queueKeyNextTab  = ctrlKey(fyne.KeyT)
	queueKeyRetry    = ctrlKey(fyne.KeyR)
	queueKeyCancel   = ctrlKey(fyne.KeyD)
	queueKeyClose    = ctrlKey(fyne.KeyW)
	keyRowDown       = ctrlKey(fyne.KeyDown)
	keyRowUp         = ctrlKey(fyne.KeyUp)
)

// ShowQueue opens the queue view (the Queue… button). It does nothing
// when the station offers no queue.
func (ps *PackScreen) ShowQueue() {
	oq, ok := ps.st.(OutboxQueue)
	if !ok || ps.closed.Load() {
		return
	}
	if ps.queueView != nil {
		ps.queueView.dlg.Show()
		return
	}
	v := &queueView{ps: ps, oq: oq, rows: map[string]*queueRow{}}
	v.jobs = newRowJobs[string, station.QueueEntry](ps, v, func(id string) ([]*widget.Button, bool) {
		if r := v.rows[id]; r != nil {
			return []*widget.Button{r.retry, r.cancel}, queueActionable(r.entry)
		}
		return nil, false
	}, func() {
		v.refresh()
		ps.pollStatusNow()
	})
	v.ctx, v.cancel = context.WithCancel(ps.ctx)
	v.refresher = refresher{ctx: v.ctx, load: v.load}
	v.keys = newActionKeys(ps.win, lang.X("queue.menu", "Queue"))

	v.online = widget.NewLabel("")
	v.online.TextStyle.Bold = true
	v.online.Truncation = fyne.TextTruncateEllipsis
	v.summary = widget.NewLabel(lang.L("Asking the station for the queue…"))
	v.summary.Truncation = fyne.TextTruncateEllipsis
	v.result = widget.NewLabel("")
	v.result.Wrapping = fyne.TextWrapWord
	v.result.Hide()
	v.syncBtn = v.keys.button(lang.X("queue.sync", "Sync now"), queueKeySync, v.syncNow)
	v.syncBtn.Importance = widget.HighImportance

	v.list = container.NewVBox()
	listScroll := container.NewVScroll(v.list)
	v.sel.scroll = listScroll
	v.late = widget.NewLabel("")
	v.late.Wrapping = fyne.TextWrapWord
	v.waitingTab = container.NewTabItem(lang.X("queue.tab.waiting", "Waiting"), container.NewBorder(nil,
		keysHint(lang.L("{{.Up}} / {{.Down}} select a booking, {{.Retry}} retries it, {{.Cancel}} cancels it.", map[string]any{
			"Up": keyRowUp.String(), "Down": keyRowDown.String(), "Retry": queueKeyRetry.String(), "Cancel": queueKeyCancel.String()})),
		nil, nil, listScroll))
	v.lateTab = container.NewTabItem(lang.X("queue.tab.late", "Sent late today"), container.NewVScroll(v.late))
	v.tabs = container.NewAppTabs(v.waitingTab, v.lateTab)
	v.wms = v.addWebhookTab()
	v.keys.action(lang.X("queue.key.nexttab", "Next tab"), queueKeyNextTab, func() {
		v.tabs.SelectIndex((v.tabs.SelectedIndex() + 1) % len(v.tabs.Items))
	})
	v.keys.action(lang.X("queue.key.nextrow", "Select the next row"), keyRowDown, func() { v.moveSelection(1) })
	v.keys.action(lang.X("queue.key.prevrow", "Select the previous row"), keyRowUp, func() { v.moveSelection(-1) })
	v.keys.action(lang.L("Retry the selected row"), queueKeyRetry, v.retrySelected)
	v.keys.action(lang.L("Cancel the selected booking or discard the selected message"), queueKeyCancel, v.cancelSelected)
	v.closeBtn = v.keys.button(lang.X("queue.close", "Close"), queueKeyClose, func() { v.dlg.Hide() })

	v.head = container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewVBox(v.syncBtn), container.NewVBox(v.online, v.summary)),
		v.result,
	)
	content := container.NewBorder(v.head, nil, nil, nil, v.tabs)

	v.dlg = dialog.NewCustomWithoutButtons(lang.L("Bookings queue"), content, ps.win)
	v.dlg.SetButtons([]fyne.CanvasObject{v.closeBtn})
	v.dlg.SetOnClosed(func() {
		v.keys.uninstall()
		v.cancel()
		if ps.queueView == v {
			ps.queueView = nil
		}
		ps.focusScan()
	})
	size := ps.win.Canvas().Size()
	v.dlg.Resize(fyne.NewSize(min(size.Width-40, 1040), min(size.Height-40, 640)))
	ps.queueView = v
	v.showStatus(ps.lastStatus)
	v.keys.install()
	v.dlg.Show()

	v.refresh()
	every(v.ctx, &ps.watchers, ps.cfg.queueEvery, v.refresh)
}

// setTabText gives a tab a new title; the tabs are drawn again only when
// it changed (a refresh every few seconds must not lay them out each
// time).
func setTabText(tabs *container.AppTabs, tab *container.TabItem, text string) {
	if tab.Text == text {
		return
	}
	tab.Text = text
	tabs.Refresh()
}

// keysHint is a line under a list that says which keys act on its rows
// (the buttons on the rows cannot say it: the keys act on the selected
// row). Italic sets it apart; it keeps the text colour, to be read at
// arm's length.
func keysHint(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle.Italic = true
	l.Wrapping = fyne.TextWrapWord
	return l
}

// moveSelection selects the next (+1) or previous (-1) row of the list
// shown.
func (v *queueView) moveSelection(by int) {
	switch {
	case v.tabs.Selected() == v.waitingTab:
		v.sel.move(by)
	case v.wms != nil && v.tabs.Selected() == v.wms.tab:
		v.wms.sel.move(by)
	}
}

// retrySelected presses Retry on the selected row of the list shown.
func (v *queueView) retrySelected() {
	switch {
	case v.tabs.Selected() == v.waitingTab:
		if id, ok := v.sel.selected(); ok && v.rows[id] != nil {
			tapEnabled(v.rows[id].retry)
		}
	case v.wms != nil && v.tabs.Selected() == v.wms.tab:
		if seq, ok := v.wms.sel.selected(); ok && v.wms.rows[seq] != nil {
			tapEnabled(v.wms.rows[seq].retry)
		}
	}
}

// cancelSelected presses Cancel (Discard on the WMS tab) on the selected
// row of the list shown.
func (v *queueView) cancelSelected() {
	switch {
	case v.tabs.Selected() == v.waitingTab:
		if id, ok := v.sel.selected(); ok && v.rows[id] != nil {
			tapEnabled(v.rows[id].cancel)
		}
	case v.wms != nil && v.tabs.Selected() == v.wms.tab:
		if seq, ok := v.wms.sel.selected(); ok && v.wms.rows[seq] != nil {
			tapEnabled(v.wms.rows[seq].discard)
		}
	}
}

// tapEnabled presses b like a tap would: not when it is disabled or
// hidden.
func tapEnabled(b *widget.Button) {
	if b != nil && b.Visible() && !b.Disabled() && b.OnTapped != nil {
		b.OnTapped()
	}
}

// load asks the station for the queue, the sent-late list and the WMS
// deliveries (off the UI goroutine, through v.refresher).
func (v *queueView) load(viewCtx context.Context) {
	ctx, cancel := context.WithTimeout(viewCtx, 10*time.Second)
	entries, err := v.oq.Queue(ctx, false)
	late, lateErr := v.oq.SentLate(ctx, time.Now())
	var showWMS func()
	if v.wms != nil {
		showWMS = v.wms.load(ctx)
	}
	cancel()
	if viewCtx.Err() == nil {
		v.ps.ui(func() {
			v.show(entries, err, late, lateErr)
			if showWMS != nil && !v.closed() {
				showWMS()
			}
		})
	}
}

// closed reports whether the view was closed (UI goroutine).
func (v *queueView) closed() bool { return v.ctx.Err() != nil }

// showStatus puts the carrier's state at the top of the view.
func (v *queueView) showStatus(s station.Status) {
	if s.Carrier == "" && s.Printer == "" { // no status read yet
		v.online.SetText("")
		return
	}
	text, _ := carrierCell(s)
	if msg := offlineText(s, time.Now()); msg != "" {
		text = msg
	}
	v.online.SetText(text)
	if s.Online && !s.OfflineForced {
		v.online.Importance = widget.SuccessImportance
	} else {
		v.online.Importance = widget.WarningImportance
	}
	v.online.Refresh()
}

func (v *queueView) show(entries []station.QueueEntry, err error, late []station.LateEntry, lateErr error) {
	if v.closed() {
		return
	}
	if err != nil {
		v.summary.SetText(lang.L("The queue cannot be read: {{.Error}}", map[string]any{"Error": errText(err)}))
		v.summary.Importance = widget.DangerImportance
		v.summary.Refresh()
	} else {
		v.showEntries(entries)
	}
	if lateErr != nil {
		v.late.SetText(lang.L("The sent-late list cannot be read: {{.Error}}", map[string]any{"Error": errText(lateErr)}) + hintSuffix(lateErr))
	} else {
		v.showLate(late)
	}
}

func (v *queueView) showEntries(entries []station.QueueEntry) {
	held, refused := 0, 0
	var sig strings.Builder
	for _, e := range entries {
		switch {
		case e.State == "failed":
			refused++
		case e.Held:
			held++
		}
		fmt.Fprintf(&sig, "%s/%s/%t/%d/%s/%s\n", e.ID, e.State, e.Held, e.Attempts, e.LastError, e.Action) // i18n: what is shown, compared, never displayed
	}
	sum := lang.L("The queue is empty: the carrier has every booking.")
	v.summary.Importance = widget.SuccessImportance
	if n := len(entries); n > 0 {
		parts := []string{lang.L("Waiting for the carrier: {{.N}}", map[string]any{"N": n - held - refused})}
		if held > 0 {
			parts = append(parts, lang.L("Held for a person: {{.N}}", map[string]any{"N": held}))
		}
		if refused > 0 {
			parts = append(parts, lang.L("Refused by the carrier: {{.N}}", map[string]any{"N": refused}))
		}
		sum = strings.Join(parts, " · ")
		v.summary.Importance = widget.MediumImportance
		if held+refused > 0 {
			v.summary.Importance = widget.DangerImportance
		}
	}
	v.summary.SetText(sum)
	v.summary.Refresh()
	if v.listed && sig.String() == v.sig {
		return
	}
	v.sig, v.listed = sig.String(), true
	v.rows = map[string]*queueRow{}
	v.sel.begin()
	rows := make([]fyne.CanvasObject, 0, len(entries))
	for _, e := range entries {
		row := v.row(e)
		v.rows[e.ID] = row
		rows = append(rows, v.sel.add(e.ID, actionRow(row.state, row.title, row.detail, row.action, row.retry, row.cancel)))
	}
	fillList(v.list, rows, lang.L("Nothing waits: every parcel packed is booked with the carrier."))
	v.sel.end()
}

// actionRow is one row of a queue list: the state in words and the title
// on the first line, the detail and what to do below, and two buttons on
// the right.
func actionRow(state, title, detail, action, button1, button2 fyne.CanvasObject) fyne.CanvasObject {
	buttons := container.NewVBox(container.NewGridWithColumns(2, button1, button2), layout.NewSpacer())
	text := container.NewVBox(container.NewBorder(nil, nil, state, nil, title), detail, action)
	return container.NewBorder(nil, nil, nil, buttons, text)
}

// fillList shows rows in list, separated, or the empty text when there
// are none.
func fillList(list *fyne.Container, rows []fyne.CanvasObject, empty string) {
	list.RemoveAll()
	for i, r := range rows {
		if i > 0 {
			list.Add(widget.NewSeparator())
		}
		list.Add(r)
	}
	if len(rows) == 0 {
		l := widget.NewLabel(empty)
		l.Importance = widget.LowImportance
		list.Add(l)
	}
	list.Refresh()
}

// rowSelection is the selected row of a list of action rows, so that
// the rows' buttons have keys: the keys act on the selected row. A tap
// on a row, or Ctrl+Up/Down, selects it; the selected row is marked with
// an arrow as well as the selection colour (never the colour alone). It
// stays selected across refreshes while it is listed; when it is gone
// (or none was chosen) the first row is selected, so a key always has a
// row to act on.
type rowSelection[K comparable] struct {
	scroll *container.Scroll // scrolled to show the selected row (nil: none)
	keys   []K
	rows   []*selectRow
	at     int // index of the selected row, -1 when the list is empty
	chosen K
	has    bool
}

// selectRow is one row of a rowSelection: the row under a background
// that takes its taps and shows the selection, and the arrow beside it.
type selectRow struct {
	widget.BaseWidget
	selected bool
	mark     *widget.Icon
	box      *fyne.Container
	tap      func()
}

func (r *selectRow) CreateRenderer() fyne.WidgetRenderer {
	sr := &selectRowRenderer{row: r, bg: canvas.NewRectangle(color.Transparent)}
	sr.Refresh()
	return sr
}

// Tapped selects the row; its buttons take their own taps.
func (r *selectRow) Tapped(*fyne.PointEvent) { r.tap() }

// setSelected marks the row selected or not.
func (r *selectRow) setSelected(on bool) {
	r.selected = on
	if on {
		r.mark.SetResource(theme.NavigateNextIcon())
	} else {
		r.mark.SetResource(nil)
	}
	r.Refresh()
}

// selectRowRenderer draws the selection colour of the theme the row is
// shown in (a window's theme override included), looked up when drawn.
type selectRowRenderer struct {
	row *selectRow
	bg  *canvas.Rectangle
}

func (sr *selectRowRenderer) Layout(size fyne.Size)        { sr.bg.Resize(size) }
func (sr *selectRowRenderer) MinSize() fyne.Size           { return fyne.Size{} }
func (sr *selectRowRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{sr.bg} }
func (sr *selectRowRenderer) Destroy()                     {}

func (sr *selectRowRenderer) Refresh() {
	sr.bg.FillColor = color.Transparent
	if sr.row.selected {
		sr.bg.FillColor = theme.ColorForWidget(theme.ColorNameSelection, sr.row)
	}
	sr.bg.Refresh()
}

// begin starts a new list: rows are added with add, then end.
func (s *rowSelection[K]) begin() { s.keys, s.rows = s.keys[:0], s.rows[:0] }

// add wraps one row of the list under key.
func (s *rowSelection[K]) add(key K, row fyne.CanvasObject) fyne.CanvasObject {
	i := len(s.rows)
	r := &selectRow{mark: widget.NewIcon(nil)}
	r.ExtendBaseWidget(r)
	r.tap = func() { s.selectAt(i) }
	r.box = container.NewStack(r, container.NewBorder(nil, nil, r.mark, nil, row))
	s.keys = append(s.keys, key)
	s.rows = append(s.rows, r)
	return r.box
}

// end selects the row chosen before if it is still listed, else the
// first.
func (s *rowSelection[K]) end() {
	at := -1
	if s.has {
		for i, k := range s.keys {
			if k == s.chosen {
				at = i
			}
		}
	}
	if at < 0 && len(s.keys) > 0 {
		at = 0
	}
	s.at = -1
	s.selectAt(at)
}

// selectAt marks row i selected (-1: none).
func (s *rowSelection[K]) selectAt(i int) {
	if i >= len(s.rows) {
		i = len(s.rows) - 1
	}
	for j, r := range s.rows {
		r.setSelected(j == i)
	}
	s.at = i
	if i < 0 {
		return
	}
	s.chosen, s.has = s.keys[i], true
	s.show(s.rows[i].box)
}

// show scrolls the list so that the row box is in view.
func (s *rowSelection[K]) show(box fyne.CanvasObject) {
	if s.scroll == nil {
		return
	}
	top, h := box.Position().Y, box.Size().Height
	view := s.scroll.Size().Height
	switch off := s.scroll.Offset.Y; {
	case top < off:
		s.scroll.ScrollToOffset(fyne.NewPos(0, top))
	case top+h > off+view && view > 0:
		s.scroll.ScrollToOffset(fyne.NewPos(0, top+h-view))
	}
}

// move selects the row by rows below (above, when negative) the
// selected one, stopping at the ends.
func (s *rowSelection[K]) move(by int) {
	if len(s.rows) == 0 {
		return
	}
	s.selectAt(max(0, min(len(s.rows)-1, s.at+by)))
}

// selected is the key of the selected row.
func (s *rowSelection[K]) selected() (K, bool) {
	if s.at < 0 || s.at >= len(s.keys) {
		var zero K
		return zero, false
	}
	return s.keys[s.at], true
}

// stateWords is an entry's state as the packer says it.
func stateWords(e station.QueueEntry) (string, widget.Importance) {
	switch {
	case e.State == "failed":
		return lang.X("queue.state.refused", "REFUSED"), widget.DangerImportance
	case e.Held:
		return lang.X("queue.state.held", "HELD"), widget.DangerImportance
	case e.State == "needs_attention":
		return lang.X("queue.state.answer_lost", "ANSWER LOST"), widget.WarningImportance
	case e.State == "sending":
		return lang.X("queue.state.sending", "SENDING"), widget.MediumImportance
	case e.State == "booked":
		return lang.X("queue.state.booked", "BOOKED"), widget.SuccessImportance
	case e.State == "cancelled":
		return lang.X("queue.state.cancelled", "CANCELLED"), widget.LowImportance
	case e.Offline:
		return lang.X("queue.state.offline_label", "OFFLINE LABEL"), widget.WarningImportance
	default:
		return lang.X("queue.state.waiting", "WAITING"), widget.MediumImportance
	}
}

// queueOrderText is "Order 10001" (the title of a row).
func queueOrderText(ref string) string {
	return lang.X("queue.order", "Order {{.Ref}}", map[string]any{"Ref": ref})
}

// attemptsText is "attempts: 2".
func attemptsText(n int) string {
	return lang.X("queue.attempts", "attempts: {{.N}}", map[string]any{"N": n})
}

// lastErrorText is "last error: …" (the station's words).
func lastErrorText(err string) string {
	return lang.X("queue.lasterror", "last error: {{.Error}}", map[string]any{"Error": err})
}

func (v *queueView) row(e station.QueueEntry) *queueRow {
	r := &queueRow{entry: e}
	words, imp := stateWords(e)
	r.state = widget.NewLabel(words)
	r.state.TextStyle.Bold = true
	r.state.Importance = imp
	r.title = widget.NewLabel(joinNonEmpty(" · ", queueOrderText(e.OrderRef), e.Receiver))
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis

	var detail []string
	if e.ItemID != "" {
		if e.Offline {
			detail = append(detail, lang.X("queue.detail.label", "label {{.ID}}", map[string]any{"ID": e.ItemID}))
		} else {
			detail = append(detail, lang.X("queue.detail.item", "item {{.ID}}", map[string]any{"ID": e.ItemID}))
		}
	}
	detail = append(detail, attemptsText(e.Attempts))
	if !e.Created.IsZero() {
		detail = append(detail, lang.X("queue.detail.packed", "packed {{.Time}}", map[string]any{"Time": clockText(e.Created, time.Now())}))
	}
	if e.LastError != "" {
		detail = append(detail, lastErrorText(e.LastError))
	}
	r.detail = widget.NewLabel(strings.Join(detail, " · "))
	r.detail.Wrapping = fyne.TextWrapWord
	r.action = widget.NewLabel(upperFirst(e.Action))
	r.action.TextStyle.Italic = true
	r.action.Wrapping = fyne.TextWrapWord
	if e.Action == "" {
		r.action.Hide()
	}

	r.retry = widget.NewButton(lang.X("queue.retry", "Retry"), func() { v.retryEntry(e) })
	r.cancel = widget.NewButton(lang.L("Cancel"), func() {
		v.ps.asSupervisor(v.ps.win, lang.L("Cancelling a booking"), func() { v.askCancel(e) })
	})
	if !queueActionable(e) || v.jobs.busy[e.ID] {
		r.retry.Disable()
		r.cancel.Disable()
	}
	return r
}

// queueActionable: Retry and Cancel are for the entries not booked or
// cancelled yet.
func queueActionable(e station.QueueEntry) bool {
	return e.State != "booked" && e.State != "cancelled"
}

// withAction adds the station's "what to do" to a result: "… Check the
// portal."
func withAction(msg, action string) string {
	if action == "" {
		return msg
	}
	return msg + " " + upperFirst(action) + "."
}

// retryEntry sends one entry now (Retry).
func (v *queueView) retryEntry(e station.QueueEntry) {
	v.jobs.run(e.ID, lang.L("Sending order {{.Ref}} to the carrier…", map[string]any{"Ref": e.OrderRef}), v.ps.cfg.syncTimeout, func(ctx context.Context) (station.QueueEntry, error) {
		return v.oq.RetryEntry(ctx, e.ID)
	}, func(got station.QueueEntry, err error) {
		if err != nil {
			v.fail(err)
			return
		}
		ref := orDash(firstOf(got.OrderRef, e.OrderRef))
		msg, imp := lang.L("Order {{.Ref}} is booked with the carrier.", map[string]any{"Ref": ref}), widget.SuccessImportance
		if got.State != "booked" {
			words, _ := stateWords(got)
			msg, imp = lang.L("Order {{.Ref}} is still waiting ({{.State}}).", map[string]any{"Ref": ref, "State": strings.ToLower(words)}), widget.WarningImportance
		}
		v.say(withAction(msg, got.Action), imp)
	})
}

// reasonRequired is the reason entries' validator: a cancel or discard
// is kept with the why.
func reasonRequired(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New(lang.L("say why"))
	}
	return nil
}

// askCancel asks for a reason, says what cancelling means, and cancels
// the entry only when the person confirms.
func (v *queueView) askCancel(e station.QueueEntry) {
	reason := widget.NewEntry()
	reason.SetPlaceHolder(lang.L("e.g. order withdrawn by the customer"))
	reason.Validator = reasonRequired
	what := lang.L("The booking will not be sent to the carrier, and the order may be packed again.")
	if e.Offline && e.ItemID != "" {
		what += " " + lang.L("The offline label {{.ID}} on the parcel becomes void: take it off.", map[string]any{"ID": e.ItemID})
	}
	explain := widget.NewLabel(what)
	explain.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		{Widget: explain},
		{Text: lang.X("queue.reason", "Reason"), Widget: reason, HintText: lang.L("kept with the booking")},
	}
	f := dialog.NewForm(lang.L("Cancel the booking of order {{.Ref}}?", map[string]any{"Ref": e.OrderRef}),
		lang.L("Cancel booking"), lang.X("queue.keep", "Keep it"), items, func(ok bool) {
			v.cancelForm, v.cancelReason = nil, nil
			if !ok || v.closed() {
				return
			}
			why := strings.TrimSpace(reason.Text)
			v.jobs.run(e.ID, lang.L("Cancelling order {{.Ref}}…", map[string]any{"Ref": e.OrderRef}), 15*time.Second, func(ctx context.Context) (station.QueueEntry, error) {
				return v.oq.CancelEntry(ctx, e.ID, why)
			}, func(got station.QueueEntry, err error) {
				if err != nil {
					v.fail(err)
					return
				}
				msg := lang.L("Order {{.Ref}} is cancelled.", map[string]any{"Ref": orDash(firstOf(got.OrderRef, e.OrderRef))})
				v.say(withAction(msg, got.Action), widget.WarningImportance)
			})
		}, v.ps.win)
	f.Resize(fyne.NewSize(620, 280))
	v.cancelForm, v.cancelReason = f, reason
	f.Show()
	v.ps.win.Canvas().Focus(reason)
}

// syncNow sends the whole queue now (Sync now) and says what happened.
func (v *queueView) syncNow() {
	forced := v.ps.lastStatus.OfflineForced || v.ps.offlineChk != nil && v.ps.offlineChk.Checked
	sendJob(v.ps, v, v.syncBtn, lang.L("Sending the queue to the carrier…"), v.oq.SyncQueue, func(rep station.SyncReport) (string, widget.Importance) {
		if rep.Offline || rep.Failed > 0 || rep.Err != "" {
			return syncText(rep, forced), widget.WarningImportance
		}
		return syncText(rep, forced), widget.SuccessImportance
	}, func() {
		v.refresh()
		v.ps.pollStatusNow()
	})
}

// syncText words a SyncReport.
func syncText(r station.SyncReport, forced bool) string {
	var did []string
	if r.Booked > 0 {
		did = append(did, lang.L("bookings sent: {{.N}}", map[string]any{"N": r.Booked}))
	}
	if r.Adopted > 0 {
		did = append(did, lang.L("found already booked at the carrier: {{.N}}", map[string]any{"N": r.Adopted}))
	}
	if r.Failed > 0 {
		did = append(did, lang.L("refused by the carrier: {{.N}} (correct the order, then Retry)", map[string]any{"N": r.Failed}))
	}
	left := lang.L("the queue is empty")
	if r.Left > 0 {
		left = lang.L("bookings still waiting: {{.N}}", map[string]any{"N": r.Left})
	}
	var msg string
	switch {
	case forced && len(did) == 0:
		// The station's error only says the same ("sync is switched off").
		return lang.L("Working offline (switched): nothing was sent, {{.Left}}. Switch Work offline off to send the queue.", map[string]any{"Left": left})
	case r.Offline:
		msg = lang.L("The carrier still cannot be reached: {{.Done}}. The queue is sent by itself when the carrier answers.",
			map[string]any{"Done": joinNonEmpty(", ", strings.Join(did, ", "), left)})
	case len(did) == 0:
		msg = lang.L("Sync done in {{.Took}}: nothing to send, {{.Left}}.", map[string]any{"Took": tookText(r.Took), "Left": left})
	default:
		msg = lang.L("Sync done in {{.Took}}: {{.Done}}; {{.Left}}.", map[string]any{"Took": tookText(r.Took), "Done": strings.Join(did, ", "), "Left": left})
	}
	if r.Err != "" && r.Left > 0 {
		msg += " " + lastErrorSentence(r.Err)
	}
	return upperFirst(msg)
}

// lastErrorSentence is "Last error: …" after a report.
func lastErrorSentence(err string) string {
	return lang.X("queue.lasterror.sentence", "Last error: {{.Error}}", map[string]any{"Error": err})
}

func (v *queueView) showLate(late []station.LateEntry) {
	v.lateN = len(late)
	setTabText(v.tabs, v.lateTab, lang.X("queue.tab.late.count", "Sent late today ({{.N}})", map[string]any{"N": len(late)}))
	if len(late) == 0 {
		v.late.SetText(lang.L("No parcel left with an offline label today."))
		return
	}
	now := time.Now()
	lines := make([]string, 0, len(late))
	for _, l := range late {
		when := lang.X("queue.late.printed", "printed {{.Time}}", map[string]any{"Time": clockText(l.PrintedAt, now)})
		if l.PrintedAt.IsZero() {
			when = lang.L("not printed yet")
		}
		heard := lang.L("carrier not told yet: {{.Late}} so far", map[string]any{"Late": lateText(l.Late)})
		if !l.SyncedAt.IsZero() {
			heard = lang.L("carrier told {{.Time}}, {{.Late}} late", map[string]any{"Time": clockText(l.SyncedAt, now), "Late": lateText(l.Late)})
		}
		lines = append(lines, joinNonEmpty(" · ", queueOrderText(l.OrderRef), l.ItemID, l.Receiver, when, heard))
	}
	v.late.SetText(strings.Join(lines, "\n"))
}

// lateText is a delay a person reads: "40 s", "23 min", "2 h 5 min".
func lateText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds())) // i18n: s, min and h read the same in every station language
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes())) // i18n: s, min and h read the same in every station language
	default:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60) // i18n: s, min and h read the same in every station language
	}
}

// say shows the outcome of the last action at the top of the view.
func (v *queueView) say(msg string, imp widget.Importance) {
	v.result.SetText(msg)
	v.result.Importance = imp
	v.result.Refresh()
	v.result.Show()
}

// fail shows an error and its hint.
func (v *queueView) fail(err error) {
	v.say(upperFirst(errText(err))+hintSuffix(err), widget.DangerImportance)
}

// hintSuffix is "\nHint…" for an error with a station hint, else "".
func hintSuffix(err error) string {
	if h := hintText(err); h != "" {
		return "\n" + upperFirst(h)
	}
	return ""
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
