package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"labelstation/station"
)

// queueView is the Queue… dialog: the bookings that wait for the carrier
// (offline labels, held ones, refused ones) with Retry and Cancel on each,
// Sync now, and the day's parcels the carrier heard of late. Every button
// is one OutboxQueue call, run off the UI goroutine; results come back
// through the screen's ui (fyne.Do). While it is open the list is asked
// for again every QueueEvery, and after each action.
type queueView struct {
	ps  *PackScreen
	oq  OutboxQueue
	dlg dialog.Dialog
	// ctx ends the refresh timer when the view is closed (or the screen
	// is).
	ctx    context.Context
	cancel context.CancelFunc

	online  *widget.Label // the carrier's state, as the status bar has it
	summary *widget.Label // "3 bookings wait · 1 needs a person"
	result  *widget.Label // the outcome of the last action, or an error and its hint
	syncBtn *widget.Button
	list    *fyne.Container
	rows    map[string]*queueRow // by entry id, for tests
	sig     string               // what is shown, so an unchanged list is not rebuilt under the pointer
	busy    map[string]bool      // entry id → a Retry or Cancel runs (UI goroutine only)
	tabs    *container.AppTabs
	lateTab *container.TabItem
	late    *widget.Label // the sent-late list, one line a parcel
	lateN   int
	wms     *webhookTab // the WMS tab (nil without a WebhookQueue)

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
	v := &queueView{ps: ps, oq: oq, rows: map[string]*queueRow{}, busy: map[string]bool{}}
	v.ctx, v.cancel = context.WithCancel(ps.ctx)
	v.refresher = refresher{ctx: v.ctx, load: v.load}

	v.online = widget.NewLabel("")
	v.online.TextStyle.Bold = true
	v.online.Truncation = fyne.TextTruncateEllipsis
	v.summary = widget.NewLabel("Asking the station for the queue…")
	v.summary.Truncation = fyne.TextTruncateEllipsis
	v.result = widget.NewLabel("")
	v.result.Wrapping = fyne.TextWrapWord
	v.result.Hide()
	v.syncBtn = widget.NewButton("Sync now", v.syncNow)
	v.syncBtn.Importance = widget.HighImportance

	v.list = container.NewVBox()
	v.late = widget.NewLabel("")
	v.late.Wrapping = fyne.TextWrapWord
	v.lateTab = container.NewTabItem("Sent late today", container.NewVScroll(v.late))
	v.tabs = container.NewAppTabs(
		container.NewTabItem("Waiting", container.NewVScroll(v.list)),
		v.lateTab,
	)
	v.wms = v.addWebhookTab()
	head := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewVBox(v.syncBtn), container.NewVBox(v.online, v.summary)),
		v.result,
	)
	content := container.NewBorder(head, nil, nil, nil, v.tabs)

	v.dlg = dialog.NewCustom("Bookings queue", "Close", content, ps.win)
	v.dlg.SetOnClosed(func() {
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
	v.dlg.Show()

	v.refresh()
	every(v.ctx, &ps.watchers, ps.cfg.queueEvery, v.refresh)
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
		v.summary.SetText("The queue cannot be read: " + errText(err))
		v.summary.Importance = widget.DangerImportance
		v.summary.Refresh()
	} else {
		v.showEntries(entries)
	}
	if lateErr != nil {
		v.late.SetText("The sent-late list cannot be read: " + errText(lateErr) + hintSuffix(lateErr))
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
		fmt.Fprintf(&sig, "%s/%s/%t/%d/%s/%s\n", e.ID, e.State, e.Held, e.Attempts, e.LastError, e.Action)
	}
	sum := "The queue is empty: the carrier has every booking."
	v.summary.Importance = widget.SuccessImportance
	if n := len(entries); n > 0 {
		parts := []string{plural(n-held-refused, "booking waits", "bookings wait") + " for the carrier"}
		if held > 0 {
			parts = append(parts, plural(held, "is held for a person", "are held for a person"))
		}
		if refused > 0 {
			parts = append(parts, plural(refused, "was refused", "were refused"))
		}
		sum = strings.Join(parts, " · ")
		v.summary.Importance = widget.MediumImportance
		if held+refused > 0 {
			v.summary.Importance = widget.DangerImportance
		}
	}
	v.summary.SetText(sum)
	v.summary.Refresh()
	if sig.String() == v.sig && v.sig != "" {
		return
	}
	v.sig = sig.String()
	v.rows = map[string]*queueRow{}
	rows := make([]fyne.CanvasObject, 0, len(entries))
	for _, e := range entries {
		row := v.row(e)
		v.rows[e.ID] = row
		rows = append(rows, actionRow(row.state, row.title, row.detail, row.action, row.retry, row.cancel))
	}
	fillList(v.list, rows, "Nothing waits: every parcel packed is booked with the carrier.")
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

// stateWords is an entry's state as the packer says it.
func stateWords(e station.QueueEntry) (string, widget.Importance) {
	switch {
	case e.State == "failed":
		return "REFUSED", widget.DangerImportance
	case e.Held:
		return "HELD", widget.DangerImportance
	case e.State == "needs_attention":
		return "ANSWER LOST", widget.WarningImportance
	case e.State == "sending":
		return "SENDING", widget.MediumImportance
	case e.State == "booked":
		return "BOOKED", widget.SuccessImportance
	case e.State == "cancelled":
		return "CANCELLED", widget.LowImportance
	case e.Offline:
		return "OFFLINE LABEL", widget.WarningImportance
	default:
		return "WAITING", widget.MediumImportance
	}
}

func (v *queueView) row(e station.QueueEntry) *queueRow {
	r := &queueRow{entry: e}
	words, imp := stateWords(e)
	r.state = widget.NewLabel(words)
	r.state.TextStyle.Bold = true
	r.state.Importance = imp
	r.title = widget.NewLabel(joinNonEmpty(" · ", "Order "+e.OrderRef, e.Receiver))
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis

	var detail []string
	if e.ItemID != "" {
		if e.Offline {
			detail = append(detail, "label "+e.ItemID)
		} else {
			detail = append(detail, "item "+e.ItemID)
		}
	}
	detail = append(detail, plural(e.Attempts, "attempt", "attempts"))
	if !e.Created.IsZero() {
		detail = append(detail, "packed "+clockText(e.Created, time.Now()))
	}
	if e.LastError != "" {
		detail = append(detail, "last error: "+e.LastError)
	}
	r.detail = widget.NewLabel(strings.Join(detail, " · "))
	r.detail.Wrapping = fyne.TextWrapWord
	r.action = widget.NewLabel(upperFirst(e.Action))
	r.action.TextStyle.Italic = true
	r.action.Wrapping = fyne.TextWrapWord
	if e.Action == "" {
		r.action.Hide()
	}

	r.retry = widget.NewButton("Retry", func() { v.retryEntry(e) })
	r.cancel = widget.NewButton("Cancel", func() { v.ps.asSupervisor(v.ps.win, "Cancelling a booking", func() { v.askCancel(e) }) })
	if e.State == "booked" || e.State == "cancelled" {
		r.retry.Disable()
		r.cancel.Disable()
	}
	if v.busy[e.ID] {
		r.retry.Disable()
		r.cancel.Disable()
	}
	return r
}

// setBusy disables an entry's buttons while a call for it runs.
func (v *queueView) setBusy(id string, busy bool) {
	if busy {
		v.busy[id] = true
	} else {
		delete(v.busy, id)
	}
	if r := v.rows[id]; r != nil {
		for _, b := range []*widget.Button{r.retry, r.cancel} {
			if busy {
				b.Disable()
			} else {
				b.Enable()
			}
		}
	}
}

// run calls f for entry id off the UI goroutine and hands the outcome
// to done on the UI goroutine; then the list is asked for again. The call
// runs under the screen's job context, not the view's: closing the view
// must not cut a booking off halfway (its outcome would be unknown).
func (v *queueView) run(id, what string, timeout time.Duration, f func(ctx context.Context) (station.QueueEntry, error), done func(station.QueueEntry, error)) {
	if v.busy[id] {
		return
	}
	v.setBusy(id, true)
	v.say(what+"…", widget.MediumImportance)
	rowJob(v.ps, timeout, f, func(e station.QueueEntry, err error) {
		v.setBusy(id, false)
		if !v.closed() {
			done(e, err)
		}
	}, func() {
		v.refresh()
		v.ps.pollStatusNow()
	})
}

// rowJob runs f (a row's Retry, Cancel, Discard…, or a list's Send now)
// off the UI goroutine
// under the screen's job context, not the view's: closing a view must not
// cut a send off halfway (its outcome would be unknown). done gets the
// outcome on the UI goroutine; after (the list asked for again) runs off
// it, once done is queued.
func rowJob[E any](ps *PackScreen, timeout time.Duration, f func(ctx context.Context) (E, error), done func(E, error), after func()) {
	go func() {
		ctx, cancel := context.WithTimeout(ps.jobCtx, timeout)
		defer cancel()
		e, err := f(ctx)
		ps.ui(func() { done(e, err) })
		after()
	}()
}

// retryEntry sends one entry now (Retry).
func (v *queueView) retryEntry(e station.QueueEntry) {
	v.run(e.ID, "Sending order "+e.OrderRef+" to the carrier", v.ps.cfg.syncTimeout, func(ctx context.Context) (station.QueueEntry, error) {
		return v.oq.RetryEntry(ctx, e.ID)
	}, func(got station.QueueEntry, err error) {
		if err != nil {
			v.fail(err)
			return
		}
		ref := orDash(firstOf(got.OrderRef, e.OrderRef))
		msg, imp := "Order "+ref+" is booked with the carrier.", widget.SuccessImportance
		if got.State != "booked" {
			words, _ := stateWords(got)
			msg, imp = "Order "+ref+" is still waiting ("+strings.ToLower(words)+").", widget.WarningImportance
		}
		if got.Action != "" {
			msg += " " + upperFirst(got.Action) + "."
		}
		v.say(msg, imp)
	})
}

// askCancel asks for a reason, says what cancelling means, and cancels
// the entry only when the person confirms.
func (v *queueView) askCancel(e station.QueueEntry) {
	reason := widget.NewEntry()
	reason.SetPlaceHolder("e.g. order withdrawn by the customer")
	reason.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("say why")
		}
		return nil
	}
	what := "The booking will not be sent to the carrier, and the order may be packed again."
	if e.Offline && e.ItemID != "" {
		what += " The offline label " + e.ItemID + " on the parcel becomes void: take it off."
	}
	explain := widget.NewLabel(what)
	explain.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		{Widget: explain},
		{Text: "Reason", Widget: reason, HintText: "kept with the booking"},
	}
	f := dialog.NewForm("Cancel the booking of order "+e.OrderRef+"?", "Cancel booking", "Keep it", items, func(ok bool) {
		v.cancelForm, v.cancelReason = nil, nil
		if !ok || v.closed() {
			return
		}
		why := strings.TrimSpace(reason.Text)
		v.run(e.ID, "Cancelling order "+e.OrderRef, 15*time.Second, func(ctx context.Context) (station.QueueEntry, error) {
			return v.oq.CancelEntry(ctx, e.ID, why)
		}, func(got station.QueueEntry, err error) {
			if err != nil {
				v.fail(err)
				return
			}
			msg := "Order " + orDash(firstOf(got.OrderRef, e.OrderRef)) + " is cancelled."
			if got.Action != "" {
				msg += " " + upperFirst(got.Action) + "."
			}
			v.say(msg, widget.WarningImportance)
		})
	}, v.ps.win)
	f.Resize(fyne.NewSize(620, 280))
	v.cancelForm, v.cancelReason = f, reason
	f.Show()
	v.ps.win.Canvas().Focus(reason)
}

// syncNow sends the whole queue now (Sync now) and says what happened.
func (v *queueView) syncNow() {
	v.syncBtn.Disable()
	v.say("Sending the queue to the carrier…", widget.MediumImportance)
	forced := v.ps.lastStatus.OfflineForced || v.ps.offlineChk != nil && v.ps.offlineChk.Checked
	rowJob(v.ps, v.ps.cfg.syncTimeout, v.oq.SyncQueue, func(rep station.SyncReport, err error) {
		v.syncBtn.Enable()
		if v.closed() {
			return
		}
		if err != nil {
			v.fail(err)
			return
		}
		imp := widget.SuccessImportance
		if rep.Offline || rep.Failed > 0 || rep.Err != "" {
			imp = widget.WarningImportance
		}
		v.say(syncText(rep, forced), imp)
	}, func() {
		v.refresh()
		v.ps.pollStatusNow()
	})
}

// syncText words a SyncReport.
func syncText(r station.SyncReport, forced bool) string {
	var did []string
	if r.Booked > 0 {
		did = append(did, plural(r.Booked, "booking sent", "bookings sent"))
	}
	if r.Adopted > 0 {
		did = append(did, plural(r.Adopted, "found already booked at the carrier", "found already booked at the carrier"))
	}
	if r.Failed > 0 {
		did = append(did, plural(r.Failed, "refused by the carrier (correct the order, then Retry)", "refused by the carrier (correct the orders, then Retry)"))
	}
	left := "the queue is empty"
	if r.Left > 0 {
		left = plural(r.Left, "booking still waits", "bookings still wait")
	}
	var msg string
	switch {
	case forced && len(did) == 0:
		// The station's error only says the same ("sync is switched off").
		return "Working offline (switched): nothing was sent, " + left + ". Switch Work offline off to send the queue."
	case r.Offline:
		msg = "The carrier still cannot be reached: " + joinNonEmpty(", ", strings.Join(did, ", "), left) +
			". The queue is sent by itself when the carrier answers."
	case len(did) == 0:
		msg = "Sync done in " + tookText(r.Took) + ": nothing to send, " + left + "."
	default:
		msg = "Sync done in " + tookText(r.Took) + ": " + strings.Join(did, ", ") + "; " + left + "."
	}
	if r.Err != "" && r.Left > 0 {
		msg += " Last error: " + r.Err
	}
	return upperFirst(msg)
}

func (v *queueView) showLate(late []station.LateEntry) {
	v.lateN = len(late)
	v.lateTab.Text = fmt.Sprintf("Sent late today (%d)", len(late))
	v.tabs.Refresh()
	if len(late) == 0 {
		v.late.SetText("No parcel left with an offline label today.")
		return
	}
	now := time.Now()
	lines := make([]string, 0, len(late))
	for _, l := range late {
		when := "printed " + clockText(l.PrintedAt, now)
		if l.PrintedAt.IsZero() {
			when = "not printed yet"
		}
		heard := "carrier not told yet: " + lateText(l.Late) + " so far"
		if !l.SyncedAt.IsZero() {
			heard = "carrier told " + clockText(l.SyncedAt, now) + ", " + lateText(l.Late) + " late"
		}
		lines = append(lines, joinNonEmpty(" · ", "Order "+l.OrderRef, l.ItemID, l.Receiver, when, heard))
	}
	v.late.SetText(strings.Join(lines, "\n"))
}

// lateText is a delay a person reads: "40 s", "23 min", "2 h 5 min".
func lateText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	default:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
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
