package app

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"labelstation/station"
	"labelstation/station/wms"
)

// webhookTab is the queue view's WMS tab: the messages to the warehouse
// system (label created, status changed, return registered / on its way
// / received) that wait or were refused, with Retry and Discard on each
// and Send now. Its title counts the open ones ("WMS (3)"). It is loaded
// with the rest of the view (queueView.load) and every button is one
// WebhookQueue call, run off the UI goroutine; the outcome shows in the
// view's result line. Its keys are the queue view's: Send now and Show
// sent today have their own, Retry and Discard act on the selected row.
type webhookTab struct {
	v  *queueView
	wq WebhookQueue

	tab     *container.TabItem
	summary *widget.Label
	sendBtn *widget.Button
	showAll *widget.Check
	all     atomic.Bool // showAll, for the loader
	list    *fyne.Container
	sel     rowSelection[uint64]   // the selected message
	rows    map[uint64]*webhookRow // by seq, for tests
	sig     string
	listed  bool // the list shows sig
	open    int  // pending and refused ones, as the title says

	jobs rowJobs[uint64, station.WebhookEntry] // the rows' Retry and Discard

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
	w := &webhookTab{v: v, wq: wq, rows: map[uint64]*webhookRow{}}
	w.jobs = newRowJobs[uint64, station.WebhookEntry](v.ps, v, func(seq uint64) ([]*widget.Button, bool) {
		if r := w.rows[seq]; r != nil {
			return []*widget.Button{r.retry, r.discard}, webhookActionable(r.entry)
		}
		return nil, false
	}, v.refresh)
	w.summary = widget.NewLabel(lang.L("Asking the station for the messages to the WMS…"))
	w.summary.Truncation = fyne.TextTruncateEllipsis
	w.sendBtn = v.keys.button(lang.X("queue.wms.send", "Send now"), queueKeySendWMS, w.sendNow)
	showSent := lang.L("Show sent today")
	w.showAll = widget.NewCheck(showSent+"   "+queueKeyShowSent.String(), func(on bool) {
		w.all.Store(on)
		v.refresh()
	})
	v.keys.action(showSent, queueKeyShowSent, func() { w.showAll.SetChecked(!w.showAll.Checked) })
	w.list = container.NewVBox()
	scroll := container.NewVScroll(w.list)
	w.sel.scroll = scroll
	head := container.NewBorder(nil, nil, nil, container.NewHBox(w.showAll, w.sendBtn), w.summary)
	hint := keysHint(lang.L("{{.Up}} / {{.Down}} select a message, {{.Retry}} retries it, {{.Discard}} discards it.", map[string]any{
		"Up": keyRowUp.String(), "Down": keyRowDown.String(), "Retry": queueKeyRetry.String(), "Discard": queueKeyCancel.String()}))
	w.tab = container.NewTabItem("WMS", container.NewBorder(head, hint, nil, nil, scroll)) // i18n: WMS is a product name
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
		w.summary.SetText(lang.L("The messages to the WMS cannot be read: {{.Error}}", map[string]any{"Error": errText(err)}))
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
		fmt.Fprintf(&sig, "%d/%s/%d/%d/%s/%s\n", e.Seq, e.State, e.Attempts, e.LastStatus, e.LastError, e.Action) // i18n: what is shown, compared, never displayed
	}
	w.open = waiting + refused
	setTabText(w.v.tabs, w.tab, fmt.Sprintf("WMS (%d)", w.open)) // i18n: WMS is a product name
	switch {
	case w.open == 0:
		w.summary.SetText(lang.L("Nothing waits for the WMS."))
		w.summary.Importance = widget.SuccessImportance
	default:
		parts := []string{lang.L("Waiting for the WMS: {{.N}}", map[string]any{"N": waiting})}
		if refused > 0 {
			parts = append(parts, lang.L("Refused by the WMS: {{.N}}", map[string]any{"N": refused}))
		}
		w.summary.SetText(strings.Join(parts, " · "))
		w.summary.Importance = widget.MediumImportance
		if refused > 0 {
			w.summary.Importance = widget.DangerImportance
		}
	}
	w.summary.Refresh()
	if w.listed && sig.String() == w.sig {
		return
	}
	w.sig, w.listed = sig.String(), true
	w.rows = map[uint64]*webhookRow{}
	w.sel.begin()
	rows := make([]fyne.CanvasObject, 0, len(entries))
	for _, e := range entries {
		r := w.row(e)
		w.rows[e.Seq] = r
		rows = append(rows, w.sel.add(e.Seq, actionRow(r.state, r.title, r.detail, r.action, r.retry, r.discard)))
	}
	fillList(w.list, rows, lang.L("No message to the warehouse system waits (labels, statuses, returns)."))
	w.sel.end()
}

// webhookStateWords is a delivery's state as a person says it.
func webhookStateWords(e station.WebhookEntry) (string, widget.Importance) {
	switch e.State {
	case "failed":
		return lang.X("queue.wms.state.refused", "REFUSED"), widget.DangerImportance
	case "sent":
		return lang.X("queue.wms.state.sent", "SENT"), widget.SuccessImportance
	case "discarded":
		return lang.X("queue.wms.state.discarded", "DISCARDED"), widget.LowImportance
	case "pending":
		if e.Attempts > 0 {
			return lang.X("queue.wms.state.retrying", "RETRYING"), widget.WarningImportance
		}
		return lang.X("queue.wms.state.waiting", "WAITING"), widget.MediumImportance
	}
	// A state this version does not know: the station's own word.
	return strings.ToUpper(e.State), widget.MediumImportance
}

// eventWords is a webhook's event type in words; every type the station
// sends (wms.EventTypes) has its words (the tests check). A type this
// version does not know is said as it is named.
func eventWords(typ string) string {
	switch typ {
	case wms.EventLabelCreated:
		return lang.X("queue.wms.event.label.created", "Label created")
	case wms.EventStatusChanged:
		return lang.X("queue.wms.event.shipment.status_changed", "Status changed")
	case wms.EventReturnRegistered:
		return lang.X("queue.wms.event.return.registered", "Return registered")
	case wms.EventReturnInTransit:
		return lang.X("queue.wms.event.return.in_transit", "Return on its way")
	case wms.EventReturnReceived:
		return lang.X("queue.wms.event.return.received", "Return received")
	}
	return upperFirst(strings.NewReplacer("_", " ", ".", " ").Replace(typ))
}

func (w *webhookTab) row(e station.WebhookEntry) *webhookRow {
	r := &webhookRow{entry: e}
	words, imp := webhookStateWords(e)
	r.state = widget.NewLabel(words)
	r.state.TextStyle.Bold = true
	r.state.Importance = imp
	title := eventWords(e.Type)
	if e.OrderRef != "" {
		title += " · " + queueOrderText(e.OrderRef)
	}
	r.title = widget.NewLabel(title)
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis

	now := time.Now()
	detail := []string{attemptsText(e.Attempts)}
	if !e.Created.IsZero() {
		detail = append(detail, lang.X("queue.wms.since", "since {{.Time}}", map[string]any{"Time": clockText(e.Created, now)}))
	}
	if !e.SentAt.IsZero() {
		detail = append(detail, lang.X("queue.wms.sent", "sent {{.Time}}", map[string]any{"Time": clockText(e.SentAt, now)}))
	} else if !e.Updated.IsZero() && e.Attempts > 0 {
		detail = append(detail, lang.X("queue.wms.lasttry", "last try {{.Time}}", map[string]any{"Time": clockText(e.Updated, now)}))
	}
	if e.LastStatus != 0 {
		detail = append(detail, lang.L("WMS answered HTTP {{.Status}}", map[string]any{"Status": e.LastStatus}))
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

	r.retry = widget.NewButton(lang.X("queue.retry", "Retry"), func() { w.retry(e) })
	r.discard = widget.NewButton(lang.X("queue.discard", "Discard"), func() {
		w.v.ps.asSupervisor(w.v.ps.win, lang.L("Discarding a message to the WMS"), func() { w.askDiscard(e) })
	})
	if !webhookActionable(e) || w.jobs.busy[e.Seq] {
		r.retry.Disable()
		r.discard.Disable()
	}
	return r
}

// webhookActionable: Retry and Discard are for the deliveries not sent
// or discarded yet.
func webhookActionable(e station.WebhookEntry) bool {
	return e.State != "sent" && e.State != "discarded"
}

// webhookName names a delivery in the result line: "Label created,
// order 10001". It is a name, not a phrase: the sentences around it say
// what happened to it ("Delivered to the WMS: …").
func webhookName(e station.WebhookEntry) string {
	if e.OrderRef == "" {
		return eventWords(e.Type)
	}
	return lang.L("{{.Event}}, order {{.Ref}}", map[string]any{"Event": eventWords(e.Type), "Ref": e.OrderRef})
}

// retry sends one delivery now (Retry).
func (w *webhookTab) retry(e station.WebhookEntry) {
	name := map[string]any{"Message": webhookName(e)} // i18n: template fields
	w.jobs.run(e.Seq, lang.L("Sending to the WMS: {{.Message}}…", name), w.v.ps.cfg.syncTimeout, func(ctx context.Context) (station.WebhookEntry, error) {
		return w.wq.RetryWebhook(ctx, e.Seq)
	}, func(got station.WebhookEntry, err error) {
		if err != nil {
			w.v.fail(err)
			return
		}
		if got.State == "sent" {
			w.v.say(lang.L("Delivered to the WMS: {{.Message}}.", name), widget.SuccessImportance)
			return
		}
		words, _ := webhookStateWords(got)
		msg := lang.L("Not delivered to the WMS ({{.State}}): {{.Message}}.", map[string]any{"State": strings.ToLower(words), "Message": webhookName(e)})
		if got.LastError != "" {
			msg += " " + lastErrorSentence(got.LastError)
		}
		w.v.say(withAction(msg, got.Action), widget.WarningImportance)
	})
}

// askDiscard asks for a reason, says what discarding means, and discards
// the delivery only when the person confirms.
func (w *webhookTab) askDiscard(e station.WebhookEntry) {
	v := w.v
	name := map[string]any{"Message": webhookName(e)} // i18n: template fields
	reason := widget.NewEntry()
	reason.SetPlaceHolder(lang.L("e.g. order updated in the WMS by hand"))
	reason.Validator = reasonRequired
	explain := widget.NewLabel(lang.L("The WMS will never get this message: {{.Message}}. If it needs to know, tell it by hand.", name))
	explain.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		{Widget: explain},
		{Text: lang.X("queue.reason", "Reason"), Widget: reason, HintText: lang.L("kept with the message")},
	}
	f := dialog.NewForm(lang.L("Discard this message to the WMS?"), lang.L("Discard message"), lang.X("queue.keep", "Keep it"), items, func(ok bool) {
		w.discardForm, w.discardReason = nil, nil
		if !ok || v.closed() {
			return
		}
		why := strings.TrimSpace(reason.Text)
		w.jobs.run(e.Seq, lang.L("Discarding: {{.Message}}…", name), 15*time.Second, func(ctx context.Context) (station.WebhookEntry, error) {
			return w.wq.DiscardWebhook(ctx, e.Seq, why)
		}, func(_ station.WebhookEntry, err error) {
			if err != nil {
				v.fail(err)
				return
			}
			v.say(lang.L("Discarded, the WMS will not get it: {{.Message}}.", name), widget.WarningImportance)
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
	sendJob(v.ps, v, w.sendBtn, lang.L("Sending the messages to the WMS…"), w.wq.SyncWebhooks, func(rep station.WebhookReport) (string, widget.Importance) {
		if rep.Failed > 0 || len(rep.Errors) > 0 || rep.Waiting > 0 {
			return webhookReportText(rep), widget.WarningImportance
		}
		return webhookReportText(rep), widget.SuccessImportance
	}, v.refresh)
}

// webhookReportText words a WebhookReport.
func webhookReportText(r station.WebhookReport) string {
	var did []string
	if r.Sent > 0 {
		did = append(did, lang.L("messages delivered: {{.N}}", map[string]any{"N": r.Sent}))
	}
	if r.Failed > 0 {
		did = append(did, lang.L("refused by the WMS: {{.N}} (Retry or Discard)", map[string]any{"N": r.Failed}))
	}
	left := lang.X("queue.nothingwaits", "nothing waits")
	if r.Waiting > 0 {
		left = lang.X("queue.messageswaiting", "messages still waiting: {{.N}}", map[string]any{"N": r.Waiting})
	}
	msg := lang.L("Sent to the WMS: nothing to send, {{.Left}}.", map[string]any{"Left": left})
	if len(did) > 0 {
		msg = lang.L("Sent to the WMS: {{.Done}}; {{.Left}}.", map[string]any{"Done": strings.Join(did, ", "), "Left": left})
	}
	if len(r.Errors) > 0 {
		msg += " " + lastErrorSentence(r.Errors[len(r.Errors)-1])
	}
	return msg
}
