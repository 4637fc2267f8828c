package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"labelstation/carrier"
	"labelstation/label"
	"labelstation/scale"
	"labelstation/station"
	"labelstation/store"
)

// uiLoop stands in for the Fyne main loop. The test driver's fyne.Do runs
// the function on the calling goroutine, so background updates would race
// with the test reading widgets; with uiLoop they queue up and run on the
// test goroutine, as they run on the main goroutine in the real app.
type uiLoop struct {
	mu    sync.Mutex
	q     []func()
	ready chan struct{}
}

func newUILoop() *uiLoop { return &uiLoop{ready: make(chan struct{}, 1)} }

func (l *uiLoop) do(f func()) {
	l.mu.Lock()
	l.q = append(l.q, f)
	l.mu.Unlock()
	select {
	case l.ready <- struct{}{}:
	default:
	}
}

// drain runs the queued updates (and those they queue, up to a bound).
func (l *uiLoop) drain() {
	// A bounded number of batches: a screen that queues updates as fast
	// as they run (a refresher under a loaded machine) must not keep
	// until from ever looking at its deadline.
	for range 50 {
		l.mu.Lock()
		q := l.q
		l.q = nil
		l.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, f := range q {
			f()
		}
	}
}

// until runs UI updates until cond holds, failing the test after 5 s.
func (l *uiLoop) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second) // generous: CI runs -race on two loaded cores
	for {
		l.drain()
		if cond() {
			return
		}
		select {
		case <-l.ready:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// typeKeys sends runes the way the desktop driver does: to the focused
// widget, or to the canvas handler when nothing has the focus. A scan typed
// while a button has the focus would be lost, and the test would see it.
func typeKeys(c fyne.Canvas, s string) {
	for _, r := range s {
		if f := c.Focused(); f != nil {
			f.TypedRune(r)
		} else if h := c.OnTypedRune(); h != nil {
			h(r)
		}
	}
}

// pressKey sends an unmodified key (Enter, F9, …) the way the desktop
// driver does: Fyne treats only keys with a modifier as shortcuts, so a
// plain key goes to the focused widget, else to the canvas handler.
func pressKey(c fyne.Canvas, k fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: k}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
	} else if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
}

// scanCode types a code and Enter, like a barcode scanner.
func scanCode(c fyne.Canvas, code string) {
	typeKeys(c, code)
	pressKey(c, fyne.KeyReturn)
}

// fakePrinter keeps the labels it was sent.
type fakePrinter struct {
	mu     sync.Mutex
	labels []string
}

func (p *fakePrinter) print(data []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.labels = append(p.labels, string(data))
}

func (p *fakePrinter) printed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.labels...)
}

type packCall struct {
	Ref  string
	Opts station.PackOptions
}

// fakeStation behaves like the station facade for the screen: it looks up
// orders in a map, "books" with sequential tracking ids and "prints" ZPL to
// a fakePrinter.
type fakeStation struct {
	printer *fakePrinter
	weights chan scale.Reading
	// updates carries whole updates (a disconnected scale, no scale).
	updates chan scale.Update
	// gate, when set, holds every Pack until a value is received from it;
	// lookupGate does the same for Order.
	gate, lookupGate chan struct{}

	mu       sync.Mutex
	orders   map[string]carrier.Order
	packs    []packCall
	reprints []string
	last     *station.PackResult
	seq      int
	status   station.Status
	// blockStatus makes Status wait for its context (no status updates).
	blockStatus bool

	// The booking queue (OutboxQueue): entries and the sent-late list it
	// answers with, the calls it got, and what Retry and Sync answer.
	entries    []station.QueueEntry
	late       []station.LateEntry
	queueCalls int
	retries    []string
	cancels    []cancelCall
	syncs      int
	offline    []bool // SetOffline calls
	retryErr   error
	syncReport station.SyncReport
	// offlinePacks makes Pack answer like the station does offline: a
	// label from the own series, the booking left in the queue.
	offlinePacks bool
	packWarning  string
}

type cancelCall struct{ ID, Reason string }

func newFakeStation() *fakeStation {
	return &fakeStation{
		printer: &fakePrinter{},
		weights: make(chan scale.Reading),
		updates: make(chan scale.Update),
		orders: map[string]carrier.Order{
			"10001": {Ref: "10001", Service: "19", Receiver: carrier.Address{
				Name: "Åsa Öberg", Company: "Fjällbacka Keramik AB", Street1: "Storgatan 7",
				Postcode: "457 40", City: "FJÄLLBACKA", Country: "SE"},
				Lines: []carrier.Line{{Description: "Blå kopp", Quantity: 2}, {Description: "Tekanna", Quantity: 1}}},
			"10002": {Ref: "10002", Receiver: carrier.Address{
				Name: "Søren Ærø", Street1: "Østergade 3", Postcode: "8000", City: "Aarhus C", Country: "DK"},
				Lines: []carrier.Line{{Description: "Uldtæppe", Quantity: 1}}},
		},
		status: station.Status{Carrier: "PostNord sandbox", CarrierOK: true, Printer: "tcp://127.0.0.1:9100", PrinterOK: true, Scale: "sim", ScaleOK: true,
			Online: true, OfflineLabels: true},
	}
}

// unknownOrder words the error like the real station does.
func unknownOrder(ref string) error {
	return &station.Problem{Msg: "order " + ref + " is not in the station",
		Hint: "check the barcode, or import the order file", Err: station.ErrOrderNotFound}
}

func (f *fakeStation) Order(ctx context.Context, ref string) (carrier.Order, error) {
	if f.lookupGate != nil {
		select {
		case <-f.lookupGate:
		case <-ctx.Done():
			return carrier.Order{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[ref]
	if !ok {
		return carrier.Order{}, unknownOrder(ref)
	}
	return o, nil
}

func (f *fakeStation) Pack(ctx context.Context, ref string, opts station.PackOptions) (station.PackResult, error) {
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return station.PackResult{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.packs = append(f.packs, packCall{ref, opts})
	o, ok := f.orders[ref]
	if !ok {
		return station.PackResult{}, unknownOrder(ref)
	}
	f.seq++
	w := opts.Weight
	if w == 0 {
		w = 1250
	}
	res := station.PackResult{
		OrderRef: ref, Carrier: "postnord", Service: "19", ShipmentID: fmt.Sprintf("SHIP%d", f.seq),
		TrackingID: fmt.Sprintf("00370712345%07d", f.seq), Weight: w, Printed: true, Took: 412 * time.Millisecond,
	}
	zpl := fmt.Sprintf("^XA^CI28^FO40,40^FD%s^FS^FO40,80^FD%s %s^FS^FO40,200^BCN,200,N^FD%s^FS^XZ",
		o.Receiver.Name, o.Receiver.Postcode, o.Receiver.City, res.TrackingID)
	if f.offlinePacks {
		res.Offline, res.ShipmentID = true, ""
		res.TrackingID, _ = label.NewSSCC(3, "7350099", uint64(f.seq))
		zpl = strings.Replace(zpl, "^XA", "^XA^FO40,10^FDOFFLINE^FS", 1)
		zpl = strings.Replace(zpl, fmt.Sprintf("00370712345%07d", f.seq), res.TrackingID, 1)
		f.status.QueuePending++
	}
	res.Warning = f.packWarning
	res.Label = carrier.Label{Format: carrier.LabelZPL, Data: []byte(zpl)}
	f.printer.print(res.Label.Data)
	f.last = &res
	return res, nil
}

func (f *fakeStation) Reprint(_ context.Context, ref string) (station.PackResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reprints = append(f.reprints, ref)
	if f.last == nil {
		return station.PackResult{}, errors.New("no label printed yet")
	}
	res := *f.last
	res.Took = 30 * time.Millisecond
	f.printer.print(res.Label.Data)
	return res, nil
}

func (f *fakeStation) WatchWeight(ctx context.Context) <-chan scale.Update {
	out := make(chan scale.Update)
	go func() {
		defer close(out)
		for {
			var u scale.Update
			select {
			case <-ctx.Done():
				return
			case r := <-f.weights:
				u = scale.Update{Reading: r}
			case u = <-f.updates:
			}
			select {
			case out <- u:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func (f *fakeStation) Status(ctx context.Context) station.Status {
	if f.blockStatus {
		<-ctx.Done()
		return station.Status{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *fakeStation) Queue(_ context.Context, all bool) ([]station.QueueEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queueCalls++
	var out []station.QueueEntry
	for _, e := range f.entries {
		if all || (e.State != "booked" && e.State != "cancelled") {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeStation) entryIndex(id string) int {
	for i, e := range f.entries {
		if e.ID == id {
			return i
		}
	}
	return -1
}

// RetryEntry books the entry, or answers retryErr.
func (f *fakeStation) RetryEntry(_ context.Context, id string) (station.QueueEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retries = append(f.retries, id)
	i := f.entryIndex(id)
	if i < 0 {
		return station.QueueEntry{}, &station.Problem{Msg: "there is no queue entry " + id, Hint: "labelstation queue list --all shows the ids"}
	}
	if f.retryErr != nil {
		f.entries[i].Attempts++
		f.entries[i].LastError = f.retryErr.Error()
		return f.entries[i], f.retryErr
	}
	f.entries[i].State, f.entries[i].Held, f.entries[i].Action = "booked", false, ""
	f.entries[i].Attempts++
	return f.entries[i], nil
}

func (f *fakeStation) CancelEntry(_ context.Context, id, reason string) (station.QueueEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancels = append(f.cancels, cancelCall{id, reason})
	i := f.entryIndex(id)
	if i < 0 {
		return station.QueueEntry{}, &station.Problem{Msg: "there is no queue entry " + id}
	}
	e := &f.entries[i]
	e.State, e.LastError, e.Action = "cancelled", "cancelled: "+reason, ""
	if e.Offline {
		e.Action = "the offline label " + e.ItemID + " on the parcel is void: take it off before the order is packed again"
	}
	return *e, nil
}

// SyncQueue books every open entry unless the fake is offline.
func (f *fakeStation) SyncQueue(context.Context) (station.SyncReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncs++
	rep := f.syncReport
	if rep == (station.SyncReport{}) {
		for i := range f.entries {
			if e := &f.entries[i]; e.State == "pending" {
				e.State = "booked"
				rep.Booked++
			}
		}
		rep.Took = 840 * time.Millisecond
	}
	return rep, nil
}

func (f *fakeStation) SentLate(_ context.Context, day time.Time) ([]station.LateEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]station.LateEntry(nil), f.late...), nil
}

// SetOffline flips the status like the station does.
func (f *fakeStation) SetOffline(forced bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offline = append(f.offline, forced)
	f.status.OfflineForced = forced
	f.status.Online = !forced
	if forced {
		f.status.OfflineSince = time.Now()
	}
}

func (f *fakeStation) queueCallsSeen() (retries []string, cancels []cancelCall, syncs int, offline []bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.retries...), append([]cancelCall(nil), f.cancels...), f.syncs, append([]bool(nil), f.offline...)
}

func (f *fakeStation) calls() ([]packCall, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]packCall(nil), f.packs...), append([]string(nil), f.reprints...)
}

// newTestScreen opens a pack screen on a fake station in a test window.
func newTestScreen(t *testing.T, st Station, opts ...Option) (*PackScreen, fyne.Window, *uiLoop) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1100, 700))
	loop := newUILoop()
	ps := NewPackScreen(st, w, append([]Option{withDo(loop.do), StatusEvery(50 * time.Millisecond)}, opts...)...)
	t.Cleanup(ps.Close)
	return ps, w, loop
}

func lines(s string) []string { return strings.Split(s, "\n") }

// fakeDesk is a fakeStation with a returns desk (ReturnsDesk) and a queue
// of messages to the WMS (WebhookQueue). It records every call.
type fakeDesk struct {
	*fakeStation

	dmu      sync.Mutex
	returns  []station.Return
	outgoing map[string]string // outgoing parcel's tracking number → order ref
	creates  []createCall
	// createErr, when set, is CreateReturn's answer (once); printErr is
	// its error after booking the return (the label did not print).
	createErr   error
	printErr    error
	receives    []receiveCall
	returnSyncs int
	nextReturn  int

	hooks        []station.WebhookEntry
	hookRetries  []uint64
	hookDiscards []hookDiscard
	hookSyncs    int
	hookRetryErr error
}

type createCall struct {
	Scan string
	Opts station.ReturnOptions
}

type receiveCall struct{ ID, Note string }

type hookDiscard struct {
	Seq    uint64
	Reason string
}

func newFakeDesk() *fakeDesk {
	st := newFakeStation()
	st.orders["10001"] = carrier.Order{Ref: "10001", Service: "19", Receiver: st.orders["10001"].Receiver,
		Lines: []carrier.Line{{SKU: "KOP-BL-2", Description: "Blå kopp", Quantity: 2}, {SKU: "TEK-1", Description: "Tekanna", Quantity: 1}}}
	return &fakeDesk{fakeStation: st, outgoing: map[string]string{"00370712345000000017": "10002"}}
}

func (f *fakeDesk) returnIndex(id string) int {
	for i, r := range f.returns {
		if r.ID == id {
			return i
		}
	}
	return -1
}

func (f *fakeDesk) CreateReturn(_ context.Context, scan string, opts station.ReturnOptions) (station.ReturnResult, error) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	f.creates = append(f.creates, createCall{scan, opts})
	if err := f.createErr; err != nil {
		f.createErr = nil
		return station.ReturnResult{}, err
	}
	ref, outgoing := scan, ""
	if r, ok := f.outgoing[scan]; ok {
		ref, outgoing = r, scan
	}
	f.fakeStation.mu.Lock()
	o, ok := f.orders[ref]
	f.fakeStation.mu.Unlock()
	if !ok {
		return station.ReturnResult{}, unknownOrder(scan)
	}
	for _, r := range f.returns {
		if r.OrderRef == ref && r.State.Open() && !opts.Another {
			return station.ReturnResult{}, &station.Problem{
				Msg: "order " + ref + " already has an open return (" + r.TrackingID() + ")", Err: store.ErrReturnExists}
		}
	}
	f.nextReturn++
	now := time.Now()
	svc := opts.Service
	if svc == "" {
		svc = "24"
	}
	r := station.Return{ID: fmt.Sprintf("ret-%d", f.nextReturn), OrderRef: ref, Carrier: "postnord", Service: svc,
		Labelless: opts.Labelless, OutgoingItemID: outgoing, ItemID: fmt.Sprintf("RR%09dSE", 100+f.nextReturn),
		Reason: opts.Reason, Note: opts.Note, Lines: o.Lines, State: store.ReturnRegistered, Created: now, RegisteredAt: now}
	f.returns = append(f.returns, r)
	if err := f.printErr; err != nil && !opts.Labelless {
		f.printErr = nil
		return station.ReturnResult{Return: r, Took: 2 * time.Second}, err
	}
	return station.ReturnResult{Return: r, Printed: !opts.Labelless, Took: 380 * time.Millisecond}, nil
}

func (f *fakeDesk) FindReturn(_ context.Context, scan string) (station.ReturnInfo, error) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	for _, r := range f.returns {
		if r.ItemID == scan || r.OrderRef == scan && r.State.Open() {
			f.fakeStation.mu.Lock()
			o := f.orders[r.OrderRef]
			f.fakeStation.mu.Unlock()
			return station.ReturnInfo{Return: r, Order: o}, nil
		}
	}
	return station.ReturnInfo{}, &station.Problem{Msg: "no return has the number " + scan, Err: station.ErrReturnNotFound}
}

func (f *fakeDesk) ReceiveReturn(_ context.Context, id, note string) (station.Return, error) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	f.receives = append(f.receives, receiveCall{id, note})
	i := f.returnIndex(id)
	if i < 0 {
		return station.Return{}, &station.Problem{Msg: "there is no return " + id, Err: station.ErrReturnNotFound}
	}
	r := &f.returns[i]
	now := time.Now()
	if r.State != store.ReturnReceived {
		r.State, r.ReceivedAt, r.ReceivedBy = store.ReturnReceived, now, store.ReceivedByBench
	}
	r.CheckedAt = now
	if note != "" {
		r.Note = joinNonEmpty("; ", r.Note, note)
	}
	return *r, nil
}

func (f *fakeDesk) Returns(_ context.Context, openOnly bool) ([]station.Return, error) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	var out []station.Return
	for _, r := range f.returns {
		if !openOnly || r.State.Open() {
			out = append(out, r)
		}
	}
	return out, nil
}

// SyncReturns moves every registered return on its way.
func (f *fakeDesk) SyncReturns(context.Context) (station.ReturnSyncReport, error) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	f.returnSyncs++
	var rep station.ReturnSyncReport
	for i := range f.returns {
		if r := &f.returns[i]; r.State.Open() {
			rep.Checked++
			if r.State == store.ReturnRegistered {
				r.State, r.InTransitAt = store.ReturnInTransit, time.Now()
				rep.Changed++
			}
		}
	}
	return rep, nil
}

func (f *fakeDesk) returnCalls() ([]createCall, []receiveCall, int) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	return append([]createCall(nil), f.creates...), append([]receiveCall(nil), f.receives...), f.returnSyncs
}

func (f *fakeDesk) Webhooks(_ context.Context, all bool) ([]station.WebhookEntry, error) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	var out []station.WebhookEntry
	for _, e := range f.hooks {
		if all || e.State == "pending" || e.State == "failed" {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeDesk) hookIndex(seq uint64) int {
	for i, e := range f.hooks {
		if e.Seq == seq {
			return i
		}
	}
	return -1
}

// RetryWebhook delivers the message, or answers hookRetryErr.
func (f *fakeDesk) RetryWebhook(_ context.Context, seq uint64) (station.WebhookEntry, error) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	f.hookRetries = append(f.hookRetries, seq)
	i := f.hookIndex(seq)
	if i < 0 {
		return station.WebhookEntry{}, &station.Problem{Msg: fmt.Sprintf("there is no webhook %d", seq)}
	}
	e := &f.hooks[i]
	e.Attempts++
	if f.hookRetryErr != nil {
		e.LastError = f.hookRetryErr.Error()
		return *e, f.hookRetryErr
	}
	e.State, e.SentAt, e.LastStatus, e.LastError, e.Action = "sent", time.Now(), 200, "", ""
	return *e, nil
}

func (f *fakeDesk) DiscardWebhook(_ context.Context, seq uint64, reason string) (station.WebhookEntry, error) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	f.hookDiscards = append(f.hookDiscards, hookDiscard{seq, reason})
	i := f.hookIndex(seq)
	if i < 0 {
		return station.WebhookEntry{}, &station.Problem{Msg: fmt.Sprintf("there is no webhook %d", seq)}
	}
	f.hooks[i].State, f.hooks[i].Action = "discarded", ""
	return f.hooks[i], nil
}

// SyncWebhooks delivers every pending message.
func (f *fakeDesk) SyncWebhooks(context.Context) (station.WebhookReport, error) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	f.hookSyncs++
	var rep station.WebhookReport
	for i := range f.hooks {
		switch e := &f.hooks[i]; e.State {
		case "pending":
			e.State, e.SentAt, e.Attempts = "sent", time.Now(), e.Attempts+1
			rep.Sent++
		case "failed":
			rep.Failed++
		}
	}
	return rep, nil
}

func (f *fakeDesk) hookCalls() ([]uint64, []hookDiscard, int) {
	f.dmu.Lock()
	defer f.dmu.Unlock()
	return append([]uint64(nil), f.hookRetries...), append([]hookDiscard(nil), f.hookDiscards...), f.hookSyncs
}

// fakeNotifier is a fakeStation with notifications (NotificationDesk):
// it answers with page, renders previews by the code scanned, and
// records every call.
type fakeNotifier struct {
	*fakeStation

	nmu          sync.Mutex
	page         station.NotificationsPage
	pageErr      error
	loads        []int                                    // Notifications days
	previews     map[string][]station.NotificationMessage // by code scanned
	previewNotes map[string][]string                      // by code scanned
	previewErr   error
	enables      []enableCall
	previewsRun  []previewCall
	nRetries     []uint64
	nDiscards    []hookDiscard
	nSyncs       int
	nSyncReport  station.NotifyReport
	nRetryErr    error
}

type enableCall struct {
	ID string
	On bool
}

type previewCall struct{ ID, Scan string }

func newFakeNotifier(page station.NotificationsPage) *fakeNotifier {
	return &fakeNotifier{fakeStation: newFakeStation(), page: page, previews: map[string][]station.NotificationMessage{}}
}

func (f *fakeNotifier) Notifications(_ context.Context, days int) (station.NotificationsPage, error) {
	f.nmu.Lock()
	defer f.nmu.Unlock()
	f.loads = append(f.loads, days)
	p := f.page
	p.Rules = append([]station.NotificationRule(nil), f.page.Rules...)
	p.Log = append([]station.NotificationEntry(nil), f.page.Log...)
	p.Totals = append([]station.NotificationDay(nil), f.page.Totals...)
	return p, f.pageErr
}

func (f *fakeNotifier) EnableRule(_ context.Context, id string, on bool) (station.NotificationRule, error) {
	f.nmu.Lock()
	defer f.nmu.Unlock()
	f.enables = append(f.enables, enableCall{id, on})
	for i := range f.page.Rules {
		if r := &f.page.Rules[i]; r.ID == id {
			r.Enabled = on
			return *r, nil
		}
	}
	return station.NotificationRule{}, &station.Problem{Msg: "there is no rule " + id, Hint: "the Rules tab lists them"}
}

func (f *fakeNotifier) PreviewRule(_ context.Context, id, scan string) (station.NotificationPreview, error) {
	f.nmu.Lock()
	defer f.nmu.Unlock()
	f.previewsRun = append(f.previewsRun, previewCall{id, scan})
	if f.previewErr != nil {
		return station.NotificationPreview{}, f.previewErr
	}
	msgs, ok := f.previews[scan]
	if !ok {
		return station.NotificationPreview{}, unknownOrder(scan)
	}
	out := make([]station.NotificationMessage, 0, len(msgs))
	for _, m := range msgs {
		m.Rule = id
		out = append(out, m)
	}
	return station.NotificationPreview{Messages: out, Notes: f.previewNotes[scan]}, nil
}

func (f *fakeNotifier) logIndex(seq uint64) int {
	for i, e := range f.page.Log {
		if e.Seq == seq {
			return i
		}
	}
	return -1
}

// RetryNotification sends the message, or answers nRetryErr.
func (f *fakeNotifier) RetryNotification(_ context.Context, seq uint64) (station.NotificationEntry, error) {
	f.nmu.Lock()
	defer f.nmu.Unlock()
	f.nRetries = append(f.nRetries, seq)
	i := f.logIndex(seq)
	if i < 0 {
		return station.NotificationEntry{}, &station.Problem{Msg: fmt.Sprintf("there is no message %d", seq)}
	}
	e := &f.page.Log[i]
	e.Attempts++
	if f.nRetryErr != nil {
		e.LastError = f.nRetryErr.Error()
		return *e, f.nRetryErr
	}
	e.State, e.SentAt, e.LastError, e.Response, e.Action = "sent", time.Now(), "", "250 2.0.0 Ok: queued", ""
	return *e, nil
}

func (f *fakeNotifier) DiscardNotification(_ context.Context, seq uint64, reason string) (station.NotificationEntry, error) {
	f.nmu.Lock()
	defer f.nmu.Unlock()
	f.nDiscards = append(f.nDiscards, hookDiscard{seq, reason})
	i := f.logIndex(seq)
	if i < 0 {
		return station.NotificationEntry{}, &station.Problem{Msg: fmt.Sprintf("there is no message %d", seq)}
	}
	f.page.Log[i].State, f.page.Log[i].Action = "discarded", ""
	return f.page.Log[i], nil
}

// SyncNotifications sends every pending message that is due.
func (f *fakeNotifier) SyncNotifications(context.Context) (station.NotifyReport, error) {
	f.nmu.Lock()
	defer f.nmu.Unlock()
	f.nSyncs++
	rep := f.nSyncReport
	now := time.Now()
	for i := range f.page.Log {
		e := &f.page.Log[i]
		switch {
		case e.State == "pending" && !e.NotBefore.After(now):
			e.State, e.SentAt, e.Attempts = "sent", now, e.Attempts+1
			rep.Sent++
		case e.State == "pending":
			rep.Waiting++
		case e.State == "failed":
			rep.Failed++
		}
	}
	return rep, nil
}

func (f *fakeNotifier) notifyCalls() (enables []enableCall, previews []previewCall, retries []uint64, discards []hookDiscard, syncs int) {
	f.nmu.Lock()
	defer f.nmu.Unlock()
	return append([]enableCall(nil), f.enables...), append([]previewCall(nil), f.previewsRun...),
		append([]uint64(nil), f.nRetries...), append([]hookDiscard(nil), f.nDiscards...), f.nSyncs
}

func (f *fakeNotifier) setNotify(fn func(f *fakeNotifier)) {
	f.nmu.Lock()
	defer f.nmu.Unlock()
	fn(f)
}

// fakeSup is the supervisor side of a fake station (Supervisor): the PIN
// (none when ""), 5 wrong PINs in a row lock it for 5 minutes, a session
// lasts 10 minutes after the last supervisor action, all on a clock the
// test moves (advance). Its errors are worded like the station's.
type fakeSup struct {
	smu      sync.Mutex
	pin      string
	now      time.Time
	until    time.Time // session; zero: packer mode
	failures int
	locked   time.Time
	unlocks  int      // UnlockSupervisor calls
	touches  int      // TouchSupervisor calls that found the session on
	sets     []string // PINs set
}

func newFakeSup(pin string) *fakeSup { return &fakeSup{pin: pin, now: time.Now()} }

func (f *fakeSup) advance(d time.Duration) {
	f.smu.Lock()
	defer f.smu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeSup) HasSupervisorPIN() bool {
	f.smu.Lock()
	defer f.smu.Unlock()
	return f.pin != ""
}

func (f *fakeSup) Supervisor() (bool, time.Time) {
	f.smu.Lock()
	defer f.smu.Unlock()
	return f.activeLocked()
}

func (f *fakeSup) activeLocked() (bool, time.Time) {
	if f.pin == "" {
		return true, time.Time{}
	}
	if f.until.IsZero() || !f.now.Before(f.until) {
		f.until = time.Time{}
		return false, time.Time{}
	}
	return true, f.until
}

func (f *fakeSup) TouchSupervisor() (bool, time.Time) {
	f.smu.Lock()
	defer f.smu.Unlock()
	on, _ := f.activeLocked()
	if !on {
		return false, time.Time{}
	}
	f.touches++
	if f.pin == "" {
		return true, time.Time{}
	}
	f.until = f.now.Add(10 * time.Minute)
	return true, f.until
}

func (f *fakeSup) UnlockSupervisor(_ context.Context, pin string) error {
	f.smu.Lock()
	defer f.smu.Unlock()
	f.unlocks++
	return f.checkLocked(pin)
}

func (f *fakeSup) checkLocked(pin string) error {
	if f.pin == "" {
		return &station.Problem{Msg: "no supervisor PIN is set", Hint: "set one with PIN… on the pack screen"}
	}
	if f.now.Before(f.locked) {
		at := f.locked.Local().Format("15:04")
		return &station.Problem{Msg: "the supervisor PIN is locked until " + at,
			Hint: "after 5 wrong PINs in a row; this PIN was not checked. Try again after " + at}
	}
	if pin != f.pin {
		f.failures++
		if f.failures >= 5 {
			f.failures, f.locked = 0, f.now.Add(5*time.Minute)
			at := f.locked.Local().Format("15:04")
			return &station.Problem{Msg: "wrong PIN: the supervisor PIN is locked until " + at,
				Hint: "5 wrong PINs in a row. Try again after " + at}
		}
		left := 5 - f.failures
		return &station.Problem{Msg: fmt.Sprintf("wrong PIN: %d tries left", left),
			Hint: fmt.Sprintf("%d more wrong PINs lock the supervisor PIN for 5 minutes", left)}
	}
	f.failures = 0
	f.until = f.now.Add(10 * time.Minute)
	return nil
}

func (f *fakeSup) LockSupervisor() {
	f.smu.Lock()
	defer f.smu.Unlock()
	f.until = time.Time{}
}

func (f *fakeSup) SetSupervisorPIN(_ context.Context, old, pin string) error {
	f.smu.Lock()
	defer f.smu.Unlock()
	if len(pin) < 4 || len(pin) > 12 || strings.Trim(pin, "0123456789") != "" {
		return &station.Problem{Msg: "a supervisor PIN is 4 to 12 digits", Hint: "the PIN is not changed"}
	}
	if f.pin != "" {
		if err := f.checkLocked(old); err != nil {
			return err
		}
	}
	f.pin = pin
	f.sets = append(f.sets, pin)
	f.until = f.now.Add(10 * time.Minute)
	return nil
}

func (f *fakeSup) supCalls() (unlocks, touches int, sets []string) {
	f.smu.Lock()
	defer f.smu.Unlock()
	return f.unlocks, f.touches, append([]string(nil), f.sets...)
}
