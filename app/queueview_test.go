package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"labelstation/app/i18n"
	"labelstation/label"
	"labelstation/station"
)

// findButton finds a visible button by its text anywhere on the canvas,
// dialogs included.
func findButton(c fyne.Canvas, text string) *widget.Button {
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == text {
				found = x
				return
			}
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch)
			}
			return
		}
		if w, ok := o.(fyne.Widget); ok {
			for _, ch := range test.WidgetRenderer(w).Objects() {
				walk(ch)
			}
		}
	}
	for _, o := range c.Overlays().List() {
		walk(o)
	}
	walk(c.Content())
	return found
}

// The status bar says clearly when the bench is offline: the carrier cell
// turns amber and a strip says since when, where labels come from and how
// many bookings wait; without an offline series it says parcels wait; a
// forced switch reads as working offline; back online it is green again.
func TestStatusBarShowsOffline(t *testing.T) {
	st := newFakeStation()
	since := time.Now().Add(-20 * time.Minute)
	st.status.Online, st.status.CarrierOK = false, false
	st.status.OfflineSince = since
	st.status.QueuePending = 12
	st.status.LastError = "carrier: dial tcp 127.0.0.1:1: connect: connection refused"
	ps, _, loop := newTestScreen(t, st)
	carrierCell := ps.statusItems["carrier"]

	loop.until(t, "offline shown", func() bool { return ps.offline.box.Visible() })
	if carrierCell.text.Text != "Carrier OFFLINE" || carrierCell.dot.FillColor != colWait {
		t.Errorf("carrier cell %q %v, want OFFLINE in amber", carrierCell.text.Text, carrierCell.dot.FillColor)
	}
	if ps.statusErr.Visible() {
		t.Errorf("the carrier's error %q repeats the offline strip", ps.statusErr.Text)
	}
	msg := ps.offline.msg.Text
	for _, want := range []string{"OFFLINE since " + since.Format("15:04"), "labels from own series", "bookings waiting: 12"} {
		if !strings.Contains(msg, want) {
			t.Errorf("offline strip %q lacks %q", msg, want)
		}
	}
	if ps.offline.bg.FillColor != colWait {
		t.Errorf("strip colour %v, want amber", ps.offline.bg.FillColor)
	}
	if got := ps.statusItems["outbox"].text.Text; got != "Outbox: 12 pending" {
		t.Errorf("outbox cell %q", got)
	}
	if ps.offlineChk.Disabled() {
		t.Error("Work offline switch disabled on a station with an offline series")
	}

	// No offline series: parcels wait, and the switch would do nothing.
	// A printer fault while offline is the error line's again.
	st.mu.Lock()
	st.status.OfflineLabels = false
	st.status.PrinterOK, st.status.LastError = false, "printer: paper out"
	st.mu.Unlock()
	loop.until(t, "no-series wording", func() bool { return strings.Contains(ps.offline.msg.Text, "no offline labels") })
	if !strings.Contains(ps.offline.msg.Text, "parcels wait") || !ps.offlineChk.Disabled() {
		t.Errorf("strip %q, switch disabled %v", ps.offline.msg.Text, ps.offlineChk.Disabled())
	}
	if !ps.statusErr.Visible() || ps.statusErr.Text != "printer: paper out" {
		t.Errorf("printer error line %q shown %v", ps.statusErr.Text, ps.statusErr.Visible())
	}

	// Switched offline by the packer (here, by another part of the
	// station): the switch follows without calling the station.
	st.mu.Lock()
	st.status.OfflineLabels, st.status.OfflineForced, st.status.QueuePending = true, true, 1
	st.mu.Unlock()
	loop.until(t, "forced wording", func() bool { return strings.HasPrefix(ps.offline.msg.Text, "Working offline (switched)") })
	if !strings.Contains(ps.offline.msg.Text, "bookings waiting: 1") || carrierCell.text.Text != "Carrier: working offline" {
		t.Errorf("strip %q, cell %q", ps.offline.msg.Text, carrierCell.text.Text)
	}
	if !ps.offlineChk.Checked {
		t.Error("Work offline switch not on while the station works offline")
	}
	if _, _, _, calls := st.queueCallsSeen(); len(calls) != 0 {
		t.Errorf("showing the status called SetOffline %v", calls)
	}

	st.mu.Lock()
	st.status.Online, st.status.CarrierOK, st.status.OfflineForced = true, true, false
	st.mu.Unlock()
	loop.until(t, "online again", func() bool { return !ps.offline.box.Visible() })
	if carrierCell.text.Text != "Carrier online: PostNord sandbox" || carrierCell.dot.FillColor != colOK || ps.offlineChk.Checked {
		t.Errorf("online: cell %q %v, switch %v", carrierCell.text.Text, carrierCell.dot.FillColor, ps.offlineChk.Checked)
	}
}

// The Work offline switch calls SetOffline(true), then SetOffline(false);
// it stays where the packer put it, the status bar follows, and the scan
// field keeps the focus.
func TestWorkOfflineSwitchCallsSetOffline(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st, StatusEvery(time.Hour)) // only the switch asks for status
	loop.until(t, "status", func() bool { return strings.HasPrefix(ps.statusItems["carrier"].text.Text, "Carrier online") })

	test.Tap(ps.offlineChk)
	focusedIsScan(t, ps, w, "after the switch")
	loop.until(t, "working offline shown", func() bool { return ps.offline.box.Visible() })
	if _, _, _, calls := st.queueCallsSeen(); len(calls) != 1 || !calls[0] {
		t.Fatalf("SetOffline calls %v, want [true]", calls)
	}
	if !ps.offlineChk.Checked || !strings.HasPrefix(ps.offline.msg.Text, "Working offline (switched)") {
		t.Errorf("switch %v, strip %q", ps.offlineChk.Checked, ps.offline.msg.Text)
	}

	test.Tap(ps.offlineChk)
	loop.until(t, "online shown", func() bool { return !ps.offline.box.Visible() })
	if _, _, _, calls := st.queueCallsSeen(); len(calls) != 2 || calls[1] {
		t.Fatalf("SetOffline calls %v, want [true false]", calls)
	}
	loop.drain()
	if ps.offlineChk.Checked {
		t.Error("switch on after turning it off")
	}
}

func queueEntries() []station.QueueEntry {
	now := time.Now()
	return []station.QueueEntry{
		{ID: "q-off-1", OrderRef: "10001", State: "pending", Offline: true, ItemID: "00373500990000000018",
			Receiver: "Åsa Öberg, 457 40 FJÄLLBACKA, SE", Attempts: 2, LastError: "dial tcp: connection refused",
			Created: now.Add(-30 * time.Minute), Action: "label printed; the booking is sent when the carrier answers"},
		{ID: "q-held-2", OrderRef: "10002", State: "needs_attention", Held: true, Receiver: "Søren Ærø, 8000 Aarhus C, DK",
			Attempts: 1, LastError: "the answer was lost", Created: now.Add(-20 * time.Minute),
			Action: "check the carrier's portal: Retry if the booking is not there, Cancel if it is"},
		{ID: "q-ref-3", OrderRef: "10003", State: "failed", Receiver: "Kari Nordmann, 0150 Oslo, NO", Attempts: 1,
			LastError: "postcode 0150 is not valid for service 17", Created: now.Add(-10 * time.Minute),
			Action: "the carrier refused it: correct the order (import it again), then Retry; or Cancel"},
		{ID: "q-wait-4", OrderRef: "10004", State: "pending", Receiver: "Mikko Virtanen, 00100 Helsinki, FI", Created: now},
	}
}

// openQueue taps Queue… and waits for the list.
func openQueue(t *testing.T, ps *PackScreen, loop *uiLoop, rows int) *queueView {
	t.Helper()
	if ps.queueBtn == nil {
		t.Fatal("no Queue… button for a station with a queue")
	}
	test.Tap(ps.queueBtn)
	v := ps.queueView
	if v == nil {
		t.Fatal("Queue… opened nothing")
	}
	loop.until(t, "queue listed", func() bool { return len(v.rows) == rows })
	return v
}

// The queue view lists each booking with its state in words, item id,
// attempts, last error and what to do; Retry, Cancel (with a reason,
// confirmed) and Sync now call the station with the right ids, and the
// list follows.
func TestQueueViewListsAndActs(t *testing.T) {
	st := newFakeStation()
	st.entries = queueEntries()
	now := time.Now()
	st.late = []station.LateEntry{
		{OrderRef: "9001", ItemID: "00373500990000000025", Receiver: "Ola Nordmann", PrintedAt: now.Add(-2 * time.Hour), SyncedAt: now.Add(-90 * time.Minute), Late: 30 * time.Minute},
		{OrderRef: "9002", ItemID: "00373500990000000032", Receiver: "Liisa Mäki", PrintedAt: now.Add(-5 * time.Minute), Late: 5 * time.Minute},
	}
	ps, w, loop := newTestScreen(t, st)
	v := openQueue(t, ps, loop, 4)

	for id, want := range map[string][]string{
		"q-off-1":  {"OFFLINE LABEL", "Order 10001", "label 00373500990000000018", "attempts: 2", "connection refused", "Label printed; the booking is sent"},
		"q-held-2": {"HELD", "Order 10002", "attempts: 1", "the answer was lost", "Check the carrier's portal"},
		"q-ref-3":  {"REFUSED", "Order 10003", "postcode 0150 is not valid", "correct the order (import it again), then Retry"},
		"q-wait-4": {"WAITING", "Order 10004", "attempts: 0"},
	} {
		r := v.rows[id]
		text := strings.Join([]string{r.state.Text, r.title.Text, r.detail.Text, r.action.Text}, " | ")
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("row %s = %q, lacks %q", id, text, s)
			}
		}
	}
	if r := v.rows["q-ref-3"]; r.state.Importance != widget.DangerImportance {
		t.Errorf("refused entry not marked as danger")
	}
	if v.summary.Text != "Waiting for the carrier: 2 · Held for a person: 1 · Refused by the carrier: 1" {
		t.Errorf("summary %q", v.summary.Text)
	}
	if v.lateTab.Text != "Sent late today (2)" || !strings.Contains(v.late.Text, "Order 9001") ||
		!strings.Contains(v.late.Text, "30 min late") || !strings.Contains(v.late.Text, "not told yet: 5 min so far") {
		t.Errorf("sent late tab %q:\n%s", v.lateTab.Text, v.late.Text)
	}

	// Retry the held one: the station books it and it leaves the list.
	test.Tap(v.rows["q-held-2"].retry)
	loop.until(t, "retry answered", func() bool { return strings.Contains(v.result.Text, "booked") })
	if retries, _, _, _ := st.queueCallsSeen(); len(retries) != 1 || retries[0] != "q-held-2" {
		t.Fatalf("RetryEntry calls %v, want [q-held-2]", retries)
	}
	loop.until(t, "booked entry gone", func() bool { return len(v.rows) == 3 && v.rows["q-held-2"] == nil })

	// Cancel the offline one: a reason is asked for, nothing happens
	// without one, and the answer says the offline label is void.
	test.Tap(v.rows["q-off-1"].cancel)
	if v.cancelForm == nil {
		t.Fatal("Cancel asked nothing")
	}
	confirm := findButton(w.Canvas(), "Cancel booking")
	if confirm == nil || !confirm.Disabled() {
		t.Fatalf("confirm button %v: want it shown and disabled without a reason", confirm)
	}
	v.cancelForm.Submit()
	loop.drain()
	if _, cancels, _, _ := st.queueCallsSeen(); len(cancels) != 0 {
		t.Fatalf("cancelled without a reason: %v", cancels)
	}
	v.cancelReason.SetText("customer withdrew the order")
	if confirm.Disabled() {
		t.Fatal("confirm still disabled with a reason")
	}
	test.Tap(confirm)
	loop.until(t, "cancel answered", func() bool { return strings.Contains(v.result.Text, "cancelled") })
	if _, cancels, _, _ := st.queueCallsSeen(); len(cancels) != 1 || cancels[0] != (cancelCall{"q-off-1", "customer withdrew the order"}) {
		t.Fatalf("CancelEntry calls %+v", cancels)
	}
	if !strings.Contains(v.result.Text, "00373500990000000018") || !strings.Contains(v.result.Text, "void") {
		t.Errorf("cancel result %q does not say the offline label is void", v.result.Text)
	}
	loop.until(t, "cancelled entry gone", func() bool { return len(v.rows) == 2 && v.rows["q-off-1"] == nil })

	// Cancel asked and kept: no call.
	test.Tap(v.rows["q-ref-3"].cancel)
	test.Tap(findButton(w.Canvas(), "Keep it"))
	loop.drain()
	if _, cancels, _, _ := st.queueCallsSeen(); len(cancels) != 1 {
		t.Fatalf("Keep it cancelled: %+v", cancels)
	}

	// Sync now books the waiting one and says so in words.
	test.Tap(v.syncBtn)
	loop.until(t, "sync answered", func() bool { return strings.HasPrefix(v.result.Text, "Sync done") })
	if _, _, syncs, _ := st.queueCallsSeen(); syncs != 1 {
		t.Fatalf("SyncQueue calls %d, want 1", syncs)
	}
	if !strings.Contains(v.result.Text, "bookings sent: 1") || !strings.Contains(v.result.Text, "840 ms") {
		t.Errorf("sync result %q", v.result.Text)
	}
	loop.until(t, "synced entry gone", func() bool { return len(v.rows) == 1 && v.rows["q-ref-3"] != nil })

	// Closing gives the scan field its focus back and stops the refresh.
	v.dlg.Hide()
	loop.drain()
	focusedIsScan(t, ps, w, "after closing the queue")
	if ps.queueView != nil {
		t.Error("queue view still registered after closing")
	}
}

// The open queue view asks for the queue again by itself, so a booking
// the background sync sent leaves the list without a click.
func TestQueueViewRefreshesWhileOpen(t *testing.T) {
	st := newFakeStation()
	st.entries = queueEntries()
	ps, _, loop := newTestScreen(t, st, QueueEvery(50*time.Millisecond))
	v := openQueue(t, ps, loop, 4)
	st.mu.Lock()
	st.entries = st.entries[:1]
	st.mu.Unlock()
	loop.until(t, "list refreshed by the timer", func() bool { return len(v.rows) == 1 })
	v.dlg.Hide()
	loop.drain()
	st.mu.Lock()
	calls := st.queueCalls
	st.mu.Unlock()
	time.Sleep(200 * time.Millisecond)
	st.mu.Lock()
	after := st.queueCalls
	st.mu.Unlock()
	if after > calls+1 { // at most one refresh already on its way
		t.Errorf("queue asked %d more times after the view was closed", after-calls)
	}
}

// A Retry the carrier does not accept shows the station's message and
// its hint, in red, and keeps the entry listed.
func TestQueueRetryErrorShowsHint(t *testing.T) {
	st := newFakeStation()
	st.entries = queueEntries()
	st.retryErr = &station.Problem{Msg: "order 10003 is still not booked: postcode 0150 is not valid for service 17",
		Hint: "correct the order (import it again), then Retry; or Cancel"}
	ps, _, loop := newTestScreen(t, st)
	v := openQueue(t, ps, loop, 4)
	test.Tap(v.rows["q-ref-3"].retry)
	loop.until(t, "retry answered", func() bool { return strings.Contains(v.result.Text, "still not booked") })
	if !strings.Contains(v.result.Text, "Correct the order (import it again), then Retry") || v.result.Importance != widget.DangerImportance {
		t.Errorf("result %q (importance %v): want the message, the hint, in red", v.result.Text, v.result.Importance)
	}
	if retries, _, _, _ := st.queueCallsSeen(); len(retries) != 1 || retries[0] != "q-ref-3" {
		t.Fatalf("RetryEntry calls %v", retries)
	}
	loop.drain()
	if v.rows["q-ref-3"] == nil || v.rows["q-ref-3"].retry.Disabled() {
		t.Error("refused entry gone or its Retry still disabled after the error")
	}
}

// Sync now while the carrier cannot be reached says so calmly.
func TestSyncTextOffline(t *testing.T) {
	got := syncText(station.SyncReport{Offline: true, Left: 3, Err: "dial tcp 127.0.0.1:1: connection refused"}, false)
	if !strings.HasPrefix(got, "The carrier still cannot be reached") || !strings.Contains(got, "bookings still waiting: 3") || !strings.Contains(got, "connection refused") {
		t.Errorf("offline sync text %q", got)
	}
	got = syncText(station.SyncReport{Offline: true, Left: 1}, true)
	if !strings.Contains(got, "nothing was sent") || !strings.Contains(got, "Switch Work offline off") {
		t.Errorf("forced sync text %q", got)
	}
}

// An offline label is said calmly where the result shows (not as an
// error), and a warning from the station (the id series runs low) comes
// up in the amber banner.
func TestOfflinePackShowsOfflineNote(t *testing.T) {
	st := newFakeStation()
	st.offlinePacks = true
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()

	scanCode(c, "10001")
	loop.until(t, "order shown", func() bool { return ps.rcptName.Text == "Åsa Öberg" })
	pressKey(c, fyne.KeyF9)
	loop.until(t, "printed", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
	loop.drain()
	tracking := ps.lastTracking.Text
	if !label.ValidSSCC(tracking) {
		t.Fatalf("fake printed %q, not an SSCC", tracking)
	}
	if !strings.Contains(ps.lastInfo.Text, "Offline label: the booking waits in the queue") || !strings.Contains(ps.lastInfo.Text, "Order 10001") {
		t.Errorf("last label info %q lacks the offline note", ps.lastInfo.Text)
	}
	if ps.orderPhase.Text != "Printed offline label "+tracking || ps.orderPhase.Importance != widget.SuccessImportance {
		t.Errorf("order line %q (%v)", ps.orderPhase.Text, ps.orderPhase.Importance)
	}
	if ps.bannerBox.Visible() {
		t.Errorf("an offline label raised a banner: %q", ps.bannerMsg.Text)
	}

	st.mu.Lock()
	st.packWarning = "the id series demo-sscc runs low: 901 of 1000 ids used; ask the carrier for a new range"
	st.mu.Unlock()
	scanCode(c, "10002")
	loop.until(t, "order shown", func() bool { return ps.rcptName.Text == "Søren Ærø" })
	pressKey(c, fyne.KeyF9)
	loop.until(t, "warning banner", func() bool { return ps.bannerBox.Visible() })
	if !strings.Contains(ps.bannerMsg.Text, "runs low") || ps.bannerBg.FillColor != colWait {
		t.Errorf("banner %q in %v, want the warning in amber", ps.bannerMsg.Text, ps.bannerBg.FillColor)
	}
	focusedIsScan(t, ps, w, "after the offline labels")
}

// End to end on the real station (bbolt, the sandbox over HTTP, a TCP
// printer): switched offline, a pack prints a label from the own series
// at once and books nothing; Sync now while switched sends nothing;
// switched back, Sync now books it with the label's own item id, the
// queue empties and the parcel is listed as sent late.
func TestEndToEndOfflineThenSync(t *testing.T) {
	st, sink, sb := realStationWith(t, func(c *station.Config) { c.OfflineSeries = "e2e-sscc" })
	if err := st.DefineSeries(context.Background(), station.SeriesConfig{Name: "e2e-sscc", Kind: "sscc", Extension: 3,
		CompanyPrefix: "7350099", First: 1, Last: 1000}); err != nil {
		t.Fatal(err)
	}
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	loop.until(t, "online", func() bool { return strings.HasPrefix(ps.statusItems["carrier"].text.Text, "Carrier online") })

	test.Tap(ps.offlineChk)
	loop.until(t, "working offline", func() bool {
		return strings.HasPrefix(ps.offline.msg.Text, "Working offline") && ps.offline.box.Visible()
	})
	if !st.Status(context.Background()).OfflineForced {
		t.Fatal("the station is not switched offline")
	}

	scanCode(c, "A-1")
	loop.until(t, "order shown", func() bool { return ps.rcptName.Text == "Åsa Ødegård" })
	loop.until(t, "stable weight", func() bool { return ps.stableText.Text == "stable" })
	pressKey(c, fyne.KeyF9)
	loop.until(t, "offline label printed", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
	loop.drain()
	itemID := ps.lastTracking.Text
	if !label.ValidSSCC(itemID) || !strings.HasPrefix(itemID, "0037350099") {
		t.Fatalf("tracking %q, want an SSCC from the own series (banner %q)", itemID, ps.bannerMsg.Text)
	}
	if !strings.Contains(ps.lastInfo.Text, offlineNote) || ps.bannerBox.Visible() {
		t.Errorf("info %q, banner %v %q", ps.lastInfo.Text, ps.bannerBox.Visible(), ps.bannerMsg.Text)
	}
	labels := sink.WaitLabels(1, 3*time.Second)
	if len(labels) != 1 || !strings.Contains(labels[0], itemID[2:]) {
		t.Fatalf("printer got %d labels; want one carrying %s", len(labels), itemID)
	}
	if n := len(sb.Bookings()); n != 0 {
		t.Fatalf("sandbox has %d bookings while working offline", n)
	}
	loop.until(t, "one booking waiting", func() bool {
		return ps.statusItems["outbox"].text.Text == "Outbox: 1 pending" && strings.Contains(ps.offline.msg.Text, "bookings waiting: 1")
	})

	v := openQueue(t, ps, loop, 1)
	var row *queueRow
	for _, r := range v.rows {
		row = r
	}
	if row.entry.OrderRef != "A-1" || row.state.Text != "OFFLINE LABEL" || !strings.Contains(row.detail.Text, itemID) {
		t.Fatalf("queue row %q / %q / %q", row.state.Text, row.title.Text, row.detail.Text)
	}

	test.Tap(v.syncBtn)
	loop.until(t, "sync while switched", func() bool { return strings.Contains(v.result.Text, "nothing was sent") })
	if n := len(sb.Bookings()); n != 0 {
		t.Fatalf("Sync now sent %d bookings while working offline", n)
	}

	test.Tap(ps.offlineChk)
	loop.until(t, "online again", func() bool { return !ps.offline.box.Visible() && !ps.offlineChk.Checked })
	loop.until(t, "sync button free", func() bool { return !v.syncBtn.Disabled() })
	test.Tap(v.syncBtn)
	loop.until(t, "synced", func() bool { return strings.HasPrefix(v.result.Text, "Sync done") })
	if !strings.Contains(v.result.Text, "bookings sent: 1") || !strings.Contains(v.result.Text, "the queue is empty") {
		t.Errorf("sync result %q", v.result.Text)
	}
	b := sb.Bookings()
	if len(b) != 1 || len(b[0].ItemIDs) != 1 || b[0].ItemIDs[0] != itemID || b[0].OrderRef != "A-1" {
		t.Fatalf("sandbox bookings %+v; want one for A-1 with the label's item id %s", b, itemID)
	}
	loop.until(t, "queue empty and A-1 sent late", func() bool {
		return len(v.rows) == 0 && v.lateTab.Text == "Sent late today (1)" && strings.Contains(v.late.Text, "carrier told")
	})
	if !strings.Contains(v.late.Text, itemID) {
		t.Errorf("sent late %q lacks %s", v.late.Text, itemID)
	}
	loop.until(t, "outbox empty", func() bool { return ps.statusItems["outbox"].text.Text == "Outbox: empty" })
	if n := len(sink.Labels()); n != 1 {
		t.Errorf("the sync printed: %d labels", n)
	}
}

// queueRowButtons are the buttons on the rows of the queue view's lists
// (Waiting and WMS): their keys act on the selected row.
func queueRowButtons(v *queueView) []*widget.Button {
	var out []*widget.Button
	for _, r := range v.rows {
		out = append(out, r.retry, r.cancel)
	}
	if v.wms != nil {
		for _, r := range v.wms.rows {
			out = append(out, r.retry, r.discard)
		}
	}
	return out
}

// queueParts holds the parts of the queue dialog with buttons: the head,
// each tab's content and Close. (Not the tabs themselves: a fresh
// renderer of AppTabs has its overflow button, which the real one shows
// only when the tabs do not fit, and which Ctrl+T stands for.)
func queueParts(v *queueView) fyne.CanvasObject {
	parts := []fyne.CanvasObject{v.head, v.closeBtn}
	for _, it := range v.tabs.Items {
		parts = append(parts, it.Content)
	}
	return container.NewWithoutLayout(parts...)
}

// typeShortcut fires a Ctrl/Alt key on a window the way the desktop
// driver does when no menu takes it first.
func typeShortcut(w fyne.Window, k keyAction) {
	w.Canvas().(fyne.Shortcutable).TypedShortcut(k.shortcut())
}

// Every action of the queue view has a key, listed in the main window's
// Queue menu while the dialog is open and none the pack screen's; the
// row keys act on the selected row of the tab shown, chosen with
// Ctrl+Up/Down or a tap; closing takes the menu and the keys away.
func TestQueueViewEveryActionHasAKey(t *testing.T) {
	st := newFakeDesk()
	st.entries = queueEntries()
	st.hooks = webhookEntries()
	ps, w, loop := newTestScreen(t, st)
	v := openQueue(t, ps, loop, 4)
	loop.until(t, "WMS listed", func() bool { return len(v.wms.rows) == 3 })

	checkEveryButtonKeyed(t, queueParts(v), v.keys, queueRowButtons(v)...)
	if v.syncBtn.Text != "Sync now   Ctrl+S" || v.closeBtn.Text != "Close   Ctrl+W" || v.wms.sendBtn.Text != "Send now   Ctrl+E" {
		t.Errorf("buttons say %q, %q, %q", v.syncBtn.Text, v.closeBtn.Text, v.wms.sendBtn.Text)
	}
	// No key of the queue is a key of another menu of the main window
	// (the pack screen's).
	for _, m := range w.MainMenu().Items {
		if m.Label == v.keys.title {
			continue
		}
		for _, it := range m.Items {
			if sc, ok := it.Shortcut.(*desktop.CustomShortcut); ok {
				if ac, clash := v.keys.lookup(keyAction{sc.KeyName, sc.Modifier}); clash {
					t.Errorf("%s is %q in the menu %q and %q in the queue", ac.key, it.Label, m.Label, ac.label)
				}
			}
		}
	}

	// The first booking is selected, marked by an arrow as well as the
	// colour; Ctrl+Down twice selects the refused one and Ctrl+R retries
	// it.
	if id, ok := v.sel.selected(); !ok || id != "q-off-1" || v.sel.rows[0].mark.Resource == nil || v.sel.rows[1].mark.Resource != nil {
		t.Fatalf("selected %q (%v); arrows %v %v", id, ok, v.sel.rows[0].mark.Resource, v.sel.rows[1].mark.Resource)
	}
	typeShortcut(w, keyRowDown)
	typeShortcut(w, keyRowDown)
	typeShortcut(w, queueKeyRetry)
	loop.until(t, "retried by key", func() bool {
		retries, _, _, _ := st.queueCallsSeen()
		return len(retries) == 1 && retries[0] == "q-ref-3"
	})
	loop.until(t, "booked one gone", func() bool { return len(v.rows) == 3 && v.rows["q-ref-3"] == nil })

	// A tap on a row selects it; Ctrl+D asks to cancel that booking.
	test.Tap(v.sel.rows[1])
	if id, _ := v.sel.selected(); id != "q-held-2" || v.sel.rows[1].mark.Resource == nil {
		t.Fatalf("tap selected %q", id)
	}
	typeShortcut(w, queueKeyCancel)
	if v.cancelForm == nil {
		t.Fatalf("Ctrl+D asked nothing for the selected booking")
	}
	v.cancelReason.SetText("customer called")
	v.cancelForm.Submit()
	loop.until(t, "cancelled by key", func() bool {
		_, cancels, _, _ := st.queueCallsSeen()
		return len(cancels) == 1 && cancels[0] == (cancelCall{"q-held-2", "customer called"})
	})

	// Ctrl+T goes to the next tab; on the WMS tab the row keys act on
	// its messages.
	typeShortcut(w, queueKeyNextTab)
	typeShortcut(w, queueKeyNextTab)
	if v.tabs.Selected() != v.wms.tab {
		t.Fatalf("Ctrl+T twice shows %q", v.tabs.Selected().Text)
	}
	typeShortcut(w, keyRowDown)
	typeShortcut(w, queueKeyRetry)
	loop.until(t, "WMS retry by key", func() bool {
		retries, _, _ := st.hookCalls()
		return len(retries) == 1 && retries[0] == 12
	})
	loop.until(t, "delivered one gone", func() bool { return len(v.wms.rows) == 2 })
	// The selected message is gone: the first is selected.
	typeShortcut(w, queueKeyCancel)
	if v.wms.discardForm == nil {
		t.Fatal("Ctrl+D on the WMS tab asked nothing")
	}
	v.wms.discardReason.SetText("set by hand")
	v.wms.discardForm.Submit()
	loop.until(t, "discarded by key", func() bool {
		_, discards, _ := st.hookCalls()
		return len(discards) == 1 && discards[0] == (hookDiscard{11, "set by hand"})
	})
	typeShortcut(w, queueKeySendWMS)
	typeShortcut(w, queueKeySync)
	loop.until(t, "Send now and Sync now by key", func() bool {
		_, _, hookSyncs := st.hookCalls()
		_, _, syncs, _ := st.queueCallsSeen()
		return hookSyncs == 1 && syncs == 1
	})
	typeShortcut(w, queueKeyShowSent)
	if !v.wms.showAll.Checked {
		t.Error("Ctrl+H did not show the messages sent today")
	}
	loop.drain()

	// Ctrl+W closes the dialog; its menu and keys go with it.
	typeShortcut(w, queueKeyClose)
	loop.drain()
	if ps.queueView != nil {
		t.Fatal("Ctrl+W left the queue open")
	}
	if mm := w.MainMenu(); mm != nil {
		for _, m := range mm.Items {
			if m.Label == v.keys.title {
				t.Error("the Queue menu stays after closing")
			}
		}
	}
	typeShortcut(w, queueKeySync)
	loop.drain()
	if _, _, syncs, _ := st.queueCallsSeen(); syncs != 1 {
		t.Errorf("Ctrl+S synced after the queue was closed: %d", syncs)
	}
}

// In Swedish the queue view says its states, summary, buttons, tabs,
// menu and results in Swedish; the carrier's own words stay as they are.
func TestQueueViewInSwedish(t *testing.T) {
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
	st := newFakeStation()
	st.entries = queueEntries()
	ps, w, loop := newTestScreen(t, st)
	v := openQueue(t, ps, loop, 4)

	for id, want := range map[string]string{"q-off-1": "OFFLINE-ETIKETT", "q-held-2": "STOPPAD", "q-ref-3": "AVVISAD", "q-wait-4": "VÄNTAR"} {
		if got := v.rows[id].state.Text; got != want {
			t.Errorf("row %s state %q, want %q", id, got, want)
		}
	}
	if r := v.rows["q-off-1"]; !strings.HasPrefix(r.title.Text, "Order 10001 · ") ||
		!strings.HasPrefix(r.detail.Text, "etikett 00373500990000000018 · försök: 2 · packad ") ||
		!strings.Contains(r.detail.Text, "senaste fel: dial tcp: connection refused") {
		t.Errorf("row %q / %q", r.title.Text, r.detail.Text)
	}
	if v.summary.Text != "Väntar på transportören: 2 · Stoppade för en person: 1 · Avvisade av transportören: 1" {
		t.Errorf("summary %q", v.summary.Text)
	}
	if v.syncBtn.Text != "Synka nu   Ctrl+S" || v.closeBtn.Text != "Stäng   Ctrl+W" || v.rows["q-ref-3"].retry.Text != "Försök igen" {
		t.Errorf("buttons %q, %q, %q", v.syncBtn.Text, v.closeBtn.Text, v.rows["q-ref-3"].retry.Text)
	}
	if v.waitingTab.Text != "Väntar" || v.lateTab.Text != "Skickade sent i dag (0)" || v.late.Text != "Inget paket har gått i väg med en offline-etikett i dag." {
		t.Errorf("tabs %q, %q: %q", v.waitingTab.Text, v.lateTab.Text, v.late.Text)
	}
	found := false
	for _, m := range w.MainMenu().Items {
		found = found || m.Label == "Kö"
	}
	if !found {
		t.Error("no Kö menu in the main window")
	}
	if got := syncText(station.SyncReport{Booked: 2, Took: 840 * time.Millisecond}, false); got != "Synk klar på 840 ms: skickade bokningar: 2; kön är tom." {
		t.Errorf("sync text %q", got)
	}

	test.Tap(v.syncBtn)
	loop.until(t, "sync answered", func() bool { return strings.HasPrefix(v.result.Text, "Synk klar") })
	if !strings.HasPrefix(v.result.Text, "Synk klar på 840 ms: skickade bokningar: ") {
		t.Errorf("result %q", v.result.Text)
	}
}
