package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"labelstation/station"
)

// webhookTab is the queue view's WMS tab: the messages to the warehouse
// system (label created, status changed, return registered / on its way
// / received) that wait or were refused, with Retry and Discard on each
// and Send now. Its title counts the open ones ("WMS (3)"). It is loaded
// with the rest of the view (queueView.load) and every button is one
// WebhookQueue call, run off the UI goroutine; the outcome shows in the
// view's result line.
type webhookTab struct {
	v  *queueView
	wq WebhookQueue

	tab     *container.TabItem
	summary *widget.Label
	sendBtn *widget.Button
	showAll *widget.Check
	all     atomic.Bool // showAll, for the loader
	list    *fyne.Container
	rows    map[uint64]*webhookRow // by seq, for tests
	sig     string
	busy    map[uint64]bool // seq → a Retry or Discard runs (UI goroutine only)
	open    int             // pending and refused ones, as the title says

	// The Discard form while it is open, for tests.
	discardForm   *dialog.FormDialog
	discardReason *widget.Entry
}

type webhookRow struct {
	entry          station.WebhookEntry
	state          *widget.Label
	title          *widget.Label
	detail         *widget.Label
	action         *widget.Label
	retry, discard *widget.Button
}

// addWebhookTab gives the queue view its WMS tab when the station has a
// webhook queue; it returns nil otherwise.
func (v *queueView) addWebhookTab() *webhookTab {
	wq, ok := v.ps.st.(WebhookQueue)
	if !ok {
		return nil
	}
	w := &webhookTab{v: v, wq: wq, rows: map[uint64]*webhookRow{}, busy: map[uint64]bool{}}
	w.summary = widget.NewLabel("Asking the station for the messages to the WMS…")
	w.summary.Truncation = fyne.TextTruncateEllipsis
	w.sendBtn = widget.NewButton("Send now", w.sendNow)
	w.showAll = widget.NewCheck("Show sent today", func(on bool) {
		w.all.Store(on)
		v.refresh()
	})
	w.list = container.NewVBox()
	head := container.NewBorder(nil, nil, nil, container.NewHBox(w.showAll, w.sendBtn), w.summary)
	w.tab = container.NewTabItem("WMS", container.NewBorder(head, nil, nil, nil, container.NewVScroll(w.list)))
	v.tabs.Append(w.tab)
	return w
}

// load asks the station for the deliveries (off the UI goroutine) and
// returns what shows them, to run on the UI goroutine.
func (w *webhookTab) load(ctx context.Context) func() {
	entries, err := w.wq.Webhooks(ctx, w.all.Load())
	return func() { w.show(entries, err) }
}

func (w *webhookTab) show(entries []station.WebhookEntry, err error) {
	if err != nil {
		w.summary.SetText("The messages to the WMS cannot be read: " + errText(err))
		w.summary.Importance = widget.DangerImportance
		w.summary.Refresh()
		return
	}
	waiting, refused := 0, 0
	var sig strings.Builder
	for _, e := range entries {
		switch e.State {
		case "pending":
			waiting++
		case "failed":
			refused++
		}
		fmt.Fprintf(&sig, "%d/%s/%d/%d/%s/%s\n", e.Seq, e.State, e.Attempts, e.LastStatus, e.LastError, e.Action)
	}
	w.open = waiting + refused
	w.tab.Text = fmt.Sprintf("WMS (%d)", w.open)
	w.v.tabs.Refresh()
	switch {
	case w.open == 0:
		w.summary.SetText("Nothing waits for the WMS.")
		w.summary.Importance = widget.SuccessImportance
	default:
		parts := []string{plural(waiting, "message waits", "messages wait") + " for the WMS"}
		if refused > 0 {
			parts = append(parts, plural(refused, "was refused", "were refused"))
		}
		w.summary.SetText(strings.Join(parts, " · "))
		w.summary.Importance = widget.MediumImportance
		if refused > 0 {
			w.summary.Importance = widget.DangerImportance
		}
	}
	w.summary.Refresh()
	if sig.String() == w.sig && w.sig != "" {
		return
	}
	w.sig = sig.String()
	w.rows = map[uint64]*webhookRow{}
	rows := make([]fyne.CanvasObject, 0, len(entries))
	for _, e := range entries {
		r := w.row(e)
		w.rows[e.Seq] = r
		rows = append(rows, actionRow(r.state, r.title, r.detail, r.action, r.retry, r.discard))
	}
	fillList(w.list, rows, "No message to the warehouse system waits (labels, statuses, returns).")
}

// webhookStateWords is a delivery's state as a person says it.
func webhookStateWords(e station.WebhookEntry) (string, widget.Importance) {
	switch e.State {
	case "failed":
		return "REFUSED", widget.DangerImportance
	case "sent":
		return "SENT", widget.SuccessImportance
	case "discarded":
		return "DISCARDED", widget.LowImportance
	case "pending":
		if e.Attempts > 0 {
			return "RETRYING", widget.WarningImportance
		}
		return "WAITING", widget.MediumImportance
	}
	return strings.ToUpper(e.State), widget.MediumImportance
}

// eventWords is a webhook's event type in words.
func eventWords(typ string) string {
	switch typ {
	case "label_created":
		return "Label created"
	case "status_changed":
		return "Status changed"
	case "return_registered":
		return "Return registered"
	case "return_in_transit":
		return "Return on its way"
	case "return_received":
		return "Return received"
	}
	return upperFirst(strings.ReplaceAll(typ, "_", " "))
}

func (w *webhookTab) row(e station.WebhookEntry) *webhookRow {
	r := &webhookRow{entry: e}
	words, imp := webhookStateWords(e)
	r.state = widget.NewLabel(words)
	r.state.TextStyle.Bold = true
	r.state.Importance = imp
	title := eventWords(e.Type)
	if e.OrderRef != "" {
		title += " · Order " + e.OrderRef
	}
	r.title = widget.NewLabel(title)
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis

	now := time.Now()
	detail := []string{plural(e.Attempts, "attempt", "attempts")}
	if !e.Created.IsZero() {
		detail = append(detail, "since "+clockText(e.Created, now))
	}
	if !e.SentAt.IsZero() {
		detail = append(detail, "sent "+clockText(e.SentAt, now))
	} else if !e.Updated.IsZero() && e.Attempts > 0 {
		detail = append(detail, "last try "+clockText(e.Updated, now))
	}
	if e.LastStatus != 0 {
		detail = append(detail, fmt.Sprintf("WMS answered HTTP %d", e.LastStatus))
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

	r.retry = widget.NewButton("Retry", func() { w.retry(e) })
	r.discard = widget.NewButton("Discard", func() { w.v.ps.asSupervisor(w.v.ps.win, "Discarding a message to the WMS", func() { w.askDiscard(e) }) })
	if e.State == "sent" || e.State == "discarded" || w.busy[e.Seq] {
		r.retry.Disable()
		r.discard.Disable()
	}
	return r
}

// webhookName names a delivery in the result line: "the Label created
// message of order 10001".
func webhookName(e station.WebhookEntry) string {
	s := "the " + eventWords(e.Type) + " message"
	if e.OrderRef != "" {
		s += " of order " + e.OrderRef
	}
	return s
}

func (w *webhookTab) setBusy(seq uint64, busy bool) {
	if busy {
		w.busy[seq] = true
	} else {
		delete(w.busy, seq)
	}
	if r := w.rows[seq]; r != nil {
		for _, b := range []*widget.Button{r.retry, r.discard} {
			if busy || r.entry.State == "sent" || r.entry.State == "discarded" {
				b.Disable()
			} else {
				b.Enable()
			}
		}
	}
}

// run calls f for delivery seq off the UI goroutine and hands the outcome
// to done on the UI goroutine; then the view is asked for again.
func (w *webhookTab) run(seq uint64, what string, timeout time.Duration, f func(ctx context.Context) (station.WebhookEntry, error), done func(station.WebhookEntry, error)) {
	v := w.v
	if w.busy[seq] {
		return
	}
	w.setBusy(seq, true)
	v.say(what+"…", widget.MediumImportance)
	rowJob(v.ps, timeout, f, func(e station.WebhookEntry, err error) {
		w.setBusy(seq, false)
		if !v.closed() {
			done(e, err)
		}
	}, v.refresh)
}

// retry sends one delivery now (Retry).
func (w *webhookTab) retry(e station.WebhookEntry) {
	name := webhookName(e)
	w.run(e.Seq, "Sending "+name+" to the WMS", w.v.ps.cfg.syncTimeout, func(ctx context.Context) (station.WebhookEntry, error) {
		return w.wq.RetryWebhook(ctx, e.Seq)
	}, func(got station.WebhookEntry, err error) {
		if err != nil {
			w.v.fail(err)
			return
		}
		if got.State == "sent" {
			w.v.say(upperFirst(name)+" is delivered to the WMS.", widget.SuccessImportance)
			return
		}
		words, _ := webhookStateWords(got)
		msg := upperFirst(name) + " is not delivered (" + strings.ToLower(words) + ")"
		if got.LastError != "" {
			msg += ": " + got.LastError
		}
		msg += "."
		if got.Action != "" {
			msg += " " + upperFirst(got.Action) + "."
		}
		w.v.say(msg, widget.WarningImportance)
	})
}

// askDiscard asks for a reason, says what discarding means, and discards
// the delivery only when the person confirms.
func (w *webhookTab) askDiscard(e station.WebhookEntry) {
	v := w.v
	name := webhookName(e)
	reason := widget.NewEntry()
	reason.SetPlaceHolder("e.g. order updated in the WMS by hand")
	reason.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("say why")
		}
		return nil
	}
	explain := widget.NewLabel("The WMS will never get " + name + ". If it needs to know, tell it by hand.")
	explain.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		{Widget: explain},
		{Text: "Reason", Widget: reason, HintText: "kept with the message"},
	}
	f := dialog.NewForm("Discard "+name+"?", "Discard message", "Keep it", items, func(ok bool) {
		w.discardForm, w.discardReason = nil, nil
		if !ok || v.closed() {
			return
		}
		why := strings.TrimSpace(reason.Text)
		w.run(e.Seq, "Discarding "+name, 15*time.Second, func(ctx context.Context) (station.WebhookEntry, error) {
			return w.wq.DiscardWebhook(ctx, e.Seq, why)
		}, func(_ station.WebhookEntry, err error) {
			if err != nil {
				v.fail(err)
				return
			}
			v.say(upperFirst(name)+" is discarded: the WMS will not get it.", widget.WarningImportance)
		})
	}, v.ps.win)
	f.Resize(fyne.NewSize(620, 280))
	w.discardForm, w.discardReason = f, reason
	f.Show()
	v.ps.win.Canvas().Focus(reason)
}

// sendNow delivers every due message now (Send now).
func (w *webhookTab) sendNow() {
	v := w.v
	w.sendBtn.Disable()
	v.say("Sending the messages to the WMS…", widget.MediumImportance)
	rowJob(v.ps, v.ps.cfg.syncTimeout, w.wq.SyncWebhooks, func(rep station.WebhookReport, err error) {
		w.sendBtn.Enable()
		if v.closed() {
			return
		}
		if err != nil {
			v.fail(err)
			return
		}
		imp := widget.SuccessImportance
		if rep.Failed > 0 || len(rep.Errors) > 0 || rep.Waiting > 0 {
			imp = widget.WarningImportance
		}
		v.say(webhookReportText(rep), imp)
	}, v.refresh)
}

// webhookReportText words a WebhookReport.
func webhookReportText(r station.WebhookReport) string {
	var did []string
	if r.Sent > 0 {
		did = append(did, plural(r.Sent, "message delivered", "messages delivered"))
	}
	if r.Failed > 0 {
		did = append(did, plural(r.Failed, "refused by the WMS (Retry or Discard it)", "refused by the WMS (Retry or Discard them)"))
	}
	left := "nothing waits"
	if r.Waiting > 0 {
		left = plural(r.Waiting, "message still waits", "messages still wait")
	}
	msg := "Sent to the WMS: nothing to send, " + left + "."
	if len(did) > 0 {
		msg = "Sent to the WMS: " + strings.Join(did, ", ") + "; " + left + "."
	}
	if len(r.Errors) > 0 {
		msg += " Last error: " + r.Errors[len(r.Errors)-1]
	}
	return msg
}
