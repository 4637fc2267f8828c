package app

import (
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/app/i18n"
	"labelstation/carrier"
	"labelstation/station"
	"labelstation/store"
)

// openReturns presses F7 on the pack screen and returns the dialog.
func openReturns(t *testing.T, ps *PackScreen, w fyne.Window) *returnsView {
	t.Helper()
	if ps.returnsBtn == nil {
		t.Fatal("no Returns… button for a station with a returns desk")
	}
	pressKey(w.Canvas(), fyne.KeyF7)
	v := ps.returnsView
	if v == nil {
		t.Fatal("F7 opened nothing")
	}
	return v
}

func focusedIs(t *testing.T, w fyne.Window, want fyne.Focusable, when string) {
	t.Helper()
	if f := w.Canvas().Focused(); f != want {
		t.Fatalf("%s: focus is on %T %p, want %T %p", when, f, f, want, want)
	}
}

// pickChoice taps the choice button whose text is label (followed by its
// key).
func pickChoice(t *testing.T, g *choiceGroup, label string) {
	t.Helper()
	for _, b := range g.buttons {
		if b.Text == label || strings.HasPrefix(b.Text, label+"   ") {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no choice %q", label)
}

// Without a returns desk there is no Returns… button and F7 does nothing;
// the queue view has no WMS tab without a webhook queue.
func TestNoReturnsWithoutDesk(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st)
	if ps.returnsBtn != nil {
		t.Error("Returns… button on a station without returns")
	}
	pressKey(w.Canvas(), fyne.KeyF7)
	if ps.returnsView != nil {
		t.Error("F7 opened returns on a station without returns")
	}
	focusedIsScan(t, ps, w, "after F7")
	v := openQueue(t, ps, loop, 0)
	if v.wms != nil || len(v.tabs.Items) != 2 {
		t.Errorf("queue view has %d tabs (WMS %v) on a station without webhooks", len(v.tabs.Items), v.wms != nil)
	}
}

// The happy path with a scanner: F7, scan the order (it is shown with its
// receiver and lines), pick a reason, type a note, Create return label.
// The station gets the scan and the options; the dialog shows the return
// tracking number, carrier and service, says the label printed, and the
// form is clear for the next one with the scan field focused. A second
// scan of the same code creates the return too, here as a pickup.
func TestCreateReturnHappyPath(t *testing.T) {
	st := newFakeDesk()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	v := openReturns(t, ps, w)
	p := &v.create
	focusedIs(t, w, p.scan, "when opened")

	scanCode(c, "10001")
	loop.until(t, "order shown", func() bool { return strings.Contains(p.order.Text, "Åsa Öberg") })
	for _, want := range []string{"Order 10001", "457 40 FJÄLLBACKA", "2 × Blå kopp (SKU KOP-BL-2)", "1 × Tekanna"} {
		if !strings.Contains(p.order.Text, want) {
			t.Errorf("order text %q lacks %q", p.order.Text, want)
		}
	}
	if p.scan.Text != "" {
		t.Errorf("scan field keeps %q", p.scan.Text)
	}
	pickChoice(t, p.reason, "Wrong size")
	focusedIs(t, w, p.scan, "after picking a reason")
	p.note.SetText("too small, customer wants 42")
	test.Tap(p.btn)
	loop.until(t, "return created", func() bool { return p.status.Visible() && strings.Contains(p.status.Text, "printed") })

	creates, _, _ := st.returnCalls()
	if len(creates) != 1 {
		t.Fatalf("CreateReturn calls %+v", creates)
	}
	got := creates[0]
	if got.Scan != "10001" || got.Opts.Reason != "wrong_size" || got.Opts.Note != "too small, customer wants 42" ||
		got.Opts.Service != "" || got.Opts.Labelless || got.Opts.Another {
		t.Errorf("CreateReturn(%q, %+v)", got.Scan, got.Opts)
	}
	if p.status.Text != "Return label printed." || p.status.Importance != widget.SuccessImportance {
		t.Errorf("status %q (%v)", p.status.Text, p.status.Importance)
	}
	if p.tracking.Text != "RR000000101SE" || !p.tracking.Visible() {
		t.Errorf("tracking %q", p.tracking.Text)
	}
	for _, want := range []string{"Return for order 10001", "PostNord Return Drop Off (24)", "reason: Wrong size", "380 ms"} {
		if !strings.Contains(p.info.Text, want) {
			t.Errorf("info %q lacks %q", p.info.Text, want)
		}
	}
	if p.banner.box.Visible() {
		t.Errorf("banner after a created return: %q", p.banner.msg.Text)
	}
	if _, ok := p.reason.value(); ok || p.note.Text != "" || p.service.selected != serviceDropOff || p.scanned != "" {
		t.Error("the form keeps the last return's reason, note, service or scan")
	}
	focusedIs(t, w, p.scan, "after creating")

	// The outgoing parcel's tracking number, a pickup, and the second scan
	// instead of the button.
	scanCode(c, "00370712345000000017")
	loop.until(t, "unknown as order", func() bool { return strings.Contains(p.order.Text, "not an order reference") })
	pickChoice(t, p.reason, "Damaged")
	pickChoice(t, p.service, "Pickup at the customer (20)")
	scanCode(c, "00370712345000000017")
	loop.until(t, "second return", func() bool { return p.tracking.Text == "RR000000102SE" })
	creates, _, _ = st.returnCalls()
	if len(creates) != 2 || creates[1].Scan != "00370712345000000017" || creates[1].Opts.Service != "20" || creates[1].Opts.Reason != "damaged" {
		t.Fatalf("CreateReturn calls %+v", creates)
	}
	if !strings.Contains(p.info.Text, "Return for order 10002") || !strings.Contains(p.info.Text, "Return Pickup (20)") {
		t.Errorf("info %q", p.info.Text)
	}
	focusedIs(t, w, p.scan, "after the second scan")
}

// Nothing is sent without a scan or a reason: an amber banner says what
// is missing.
func TestCreateReturnNeedsScanAndReason(t *testing.T) {
	st := newFakeDesk()
	ps, w, loop := newTestScreen(t, st)
	v := openReturns(t, ps, w)
	p := &v.create

	test.Tap(p.btn)
	if !p.banner.box.Visible() || !strings.Contains(p.banner.msg.Text, "Scan the order") || p.banner.bg.FillColor != colWait {
		t.Errorf("banner %v %q", p.banner.box.Visible(), p.banner.msg.Text)
	}
	scanCode(w.Canvas(), "10001")
	loop.until(t, "order shown", func() bool { return strings.Contains(p.order.Text, "Åsa Öberg") })
	test.Tap(p.btn)
	if !strings.Contains(p.banner.msg.Text, "Pick a reason") {
		t.Errorf("banner %q", p.banner.msg.Text)
	}
	loop.drain()
	if creates, _, _ := st.returnCalls(); len(creates) != 0 {
		t.Fatalf("created without a reason: %+v", creates)
	}
	focusedIs(t, w, p.scan, "after the warning")
}

// An error from the station shows in the red banner with its hint, and
// the form is kept so the packer can try again.
func TestCreateReturnErrorShowsHint(t *testing.T) {
	st := newFakeDesk()
	st.createErr = &station.Problem{Msg: "order 10001 was never shipped: nothing to return",
		Hint: "pack and ship the order first, or check the order number on the parcel"}
	ps, w, loop := newTestScreen(t, st)
	v := openReturns(t, ps, w)
	p := &v.create

	scanCode(w.Canvas(), "10001")
	pickChoice(t, p.reason, "Wrong item sent")
	test.Tap(p.btn)
	loop.until(t, "error", func() bool { return p.banner.box.Visible() })
	if !strings.Contains(p.banner.msg.Text, "never shipped") || p.banner.bg.FillColor != colBad {
		t.Errorf("banner %q in %v", p.banner.msg.Text, p.banner.bg.FillColor)
	}
	if p.banner.hint.Text != "Pack and ship the order first, or check the order number on the parcel" || !p.banner.hint.Visible() {
		t.Errorf("hint %q", p.banner.hint.Text)
	}
	if p.another.Visible() {
		t.Error("Create another offered for an error that is not a duplicate")
	}
	if r, ok := p.reason.value(); !ok || r != "wrong_item" || p.scanned != "10001" {
		t.Errorf("form lost after the error: reason %q, scan %q", r, p.scanned)
	}
	focusedIs(t, w, p.scan, "after the error")

	// Pressing again (the fake now accepts) creates it.
	test.Tap(p.btn)
	loop.until(t, "created", func() bool { return p.tracking.Visible() })
	if p.banner.box.Visible() {
		t.Error("banner still up after success")
	}
}

// A return booked whose label did not print: the tracking number shows
// (the return exists), and the red banner says what failed and what to do.
func TestCreateReturnLabelNotPrinted(t *testing.T) {
	st := newFakeDesk()
	st.printErr = &station.Problem{Msg: "printer tcp://10.0.0.9:9100 is out of labels",
		Hint: "load labels, then press Retry under the pack screen's buttons"}
	ps, w, loop := newTestScreen(t, st)
	v := openReturns(t, ps, w)
	p := &v.create
	scanCode(w.Canvas(), "10001")
	loop.until(t, "order shown", func() bool { return strings.Contains(p.order.Text, "Åsa Öberg") })
	pickChoice(t, p.reason, "Damaged")
	test.Tap(p.btn)
	loop.until(t, "error", func() bool { return p.banner.box.Visible() })
	if !strings.Contains(p.banner.msg.Text, "out of labels") || !strings.Contains(p.banner.hint.Text, "press Retry") {
		t.Errorf("banner %q / %q", p.banner.msg.Text, p.banner.hint.Text)
	}
	if !p.tracking.Visible() || p.tracking.Text != "RR000000101SE" || !strings.Contains(p.info.Text, "Return for order 10001") {
		t.Errorf("tracking %q shown %v, info %q", p.tracking.Text, p.tracking.Visible(), p.info.Text)
	}
	if p.status.Visible() && strings.Contains(p.status.Text, "printed") {
		t.Errorf("status %q", p.status.Text)
	}
	if min := v.dlg.MinSize(); min.Height > 700 {
		t.Errorf("dialog with banner and result needs %v", min)
	}
	focusedIs(t, w, p.scan, "after the error")
}

// An order with an open return: the station refuses a second one, the
// banner says so and offers Create another, which sends the same return
// again with Another set.
func TestCreateAnotherReturn(t *testing.T) {
	st := newFakeDesk()
	st.returns = []station.Return{{ID: "ret-old", OrderRef: "10001", Carrier: "postnord", Service: "24", ItemID: "RR000000099SE",
		Reason: "damaged", State: store.ReturnRegistered, Created: time.Now().Add(-24 * time.Hour)}}
	ps, w, loop := newTestScreen(t, st)
	v := openReturns(t, ps, w)
	p := &v.create

	scanCode(w.Canvas(), "10001")
	pickChoice(t, p.reason, "Changed their mind")
	test.Tap(p.btn)
	loop.until(t, "duplicate refused", func() bool { return p.banner.box.Visible() })
	if !strings.Contains(p.banner.msg.Text, "already has an open return") || !strings.Contains(p.banner.hint.Text, "Create another") {
		t.Errorf("banner %q / %q", p.banner.msg.Text, p.banner.hint.Text)
	}
	if !p.another.Visible() || findButton(w.Canvas(), "Create another   Ctrl+D") == nil {
		t.Fatal("no Create another button after a duplicate")
	}
	test.Tap(p.another)
	loop.until(t, "second return", func() bool { return p.tracking.Visible() })
	creates, _, _ := st.returnCalls()
	if len(creates) != 2 || creates[0].Opts.Another || !creates[1].Opts.Another || creates[1].Scan != "10001" || creates[1].Opts.Reason != "changed_mind" {
		t.Fatalf("CreateReturn calls %+v", creates)
	}
	if p.another.Visible() || p.banner.box.Visible() {
		t.Error("Create another or the banner still shown after success")
	}
	focusedIs(t, w, p.scan, "after Create another")
}

// A labelless return: the station gets Labelless, and the dialog says
// the QR code went to the customer (no label printed).
func TestCreateLabellessReturn(t *testing.T) {
	st := newFakeDesk()
	ps, w, loop := newTestScreen(t, st)
	v := openReturns(t, ps, w)
	p := &v.create
	scanCode(w.Canvas(), "10002")
	pickChoice(t, p.reason, "Not as described")
	pickChoice(t, p.service, "QR code, no label")
	if b := p.service.buttons[serviceLabelless]; b.Importance != widget.HighImportance || b.Icon != theme.RadioButtonCheckedIcon() {
		t.Error("the chosen service is not marked by its icon and colour")
	}
	test.Tap(p.btn)
	loop.until(t, "created", func() bool { return p.tracking.Visible() })
	creates, _, _ := st.returnCalls()
	if len(creates) != 1 || !creates[0].Opts.Labelless || creates[0].Opts.Service != "" {
		t.Fatalf("CreateReturn calls %+v", creates)
	}
	if !strings.HasPrefix(p.status.Text, "QR code sent to the customer") || strings.Contains(p.status.Text, "printed") {
		t.Errorf("status %q", p.status.Text)
	}
	if !strings.Contains(p.info.Text, "PostNord QR code, no label") {
		t.Errorf("info %q", p.info.Text)
	}
}

// Receiving at the bench with a scanner: F7 to the Receive tab, scan the
// return parcel (order, receiver, reason, note, lines with SKUs and state
// shown), scan it again to confirm; the station gets the return's id and
// the note, and the tab says RECEIVED in green. Confirm is then off.
func TestReceiveReturnAtBench(t *testing.T) {
	st := newFakeDesk()
	created := time.Now().Add(-50 * time.Hour)
	st.returns = []station.Return{{ID: "ret-7", OrderRef: "10001", Carrier: "postnord", Service: "24", ItemID: "RR000000777SE",
		Reason: "wrong_size", Note: "wants size 42", State: store.ReturnInTransit, Created: created, RegisteredAt: created,
		InTransitAt: created.Add(20 * time.Hour),
		Lines:       []carrier.Line{{SKU: "KOP-BL-2", Description: "Blå kopp", Quantity: 1}}}}
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	v := openReturns(t, ps, w)
	p := &v.receive

	pressKey(c, fyne.KeyF7) // next tab
	if v.tabs.Selected() != v.receiveTab {
		t.Fatalf("F7 in the dialog selected %q", v.tabs.Selected().Text)
	}
	focusedIs(t, w, p.scan, "on the Receive tab")
	scanCode(c, "RR000000777SE")
	loop.until(t, "return shown", func() bool { return p.have })
	checks := map[string][2]string{
		"order":    {p.order.Text, "Order 10001"},
		"receiver": {p.receiver.Text, "Åsa Öberg · 457 40 FJÄLLBACKA · SE"},
		"state":    {p.state.Text, "ON ITS WAY"},
		"reason":   {p.reason.Text, "Wrong size\nNote: wants size 42"},
		"lines":    {p.lines.Text, "1 × Blå kopp (SKU KOP-BL-2)"},
		"arrived":  {p.arrived.Text, "Confirm received or scan the parcel again"},
		"dates":    {p.dates.Text, "on its way"},
	}
	for what, c := range checks {
		if !strings.Contains(c[0], c[1]) {
			t.Errorf("%s %q lacks %q", what, c[0], c[1])
		}
	}
	if p.btn.Disabled() || !p.details.Visible() {
		t.Fatal("Confirm received off for a return on its way")
	}
	p.note.SetText("box dented")
	c.Focus(p.scan)
	scanCode(c, "RR000000777SE") // the second scan confirms
	loop.until(t, "received", func() bool { return p.state.Text == "RECEIVED" })
	_, receives, _ := st.returnCalls()
	if len(receives) != 1 || receives[0] != (receiveCall{"ret-7", "box dented"}) {
		t.Fatalf("ReceiveReturn calls %+v", receives)
	}
	if p.state.Importance != widget.SuccessImportance || !strings.HasPrefix(p.result.Text, "Received: return RR000000777SE of order 10001") {
		t.Errorf("state %q (%v), result %q", p.state.Text, p.state.Importance, p.result.Text)
	}
	if !p.btn.Disabled() || !strings.Contains(p.arrived.Text, "Received at the bench today at") {
		t.Errorf("after receiving: confirm enabled %v, %q", !p.btn.Disabled(), p.arrived.Text)
	}
	focusedIs(t, w, p.scan, "after receiving")

	// Scanned once more: shown as done, not received twice.
	scanCode(c, "RR000000777SE")
	loop.until(t, "shown again", func() bool { return p.have && p.state.Text == "RECEIVED" })
	loop.drain()
	if _, receives, _ := st.returnCalls(); len(receives) != 1 {
		t.Errorf("received twice: %+v", receives)
	}
}

// A return the carrier already delivered says so, with the day, and asks
// the packer to confirm it was checked; Confirm received does that.
func TestReceiveReturnArrivedByCarrier(t *testing.T) {
	st := newFakeDesk()
	arrived := time.Date(2025, 11, 3, 9, 40, 0, 0, time.Local)
	st.returns = []station.Return{{ID: "ret-8", OrderRef: "10002", Carrier: "postnord", Service: "24", ItemID: "RR000000888SE",
		Reason: "damaged", State: store.ReturnReceived, ReceivedBy: store.ReceivedByCarrier, ReceivedAt: arrived,
		Created: arrived.Add(-72 * time.Hour)}}
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	v := openReturns(t, ps, w)
	p := &v.receive
	v.tabs.Select(v.receiveTab)
	focusedIs(t, w, p.scan, "on the Receive tab")

	scanCode(c, "RR000000888SE")
	loop.until(t, "return shown", func() bool { return p.have })
	if p.state.Text != "ARRIVED, NOT CHECKED" || p.state.Importance != widget.WarningImportance {
		t.Errorf("state %q (%v)", p.state.Text, p.state.Importance)
	}
	if p.arrived.Text != "Arrived by carrier on 3 Nov at 09:40; confirm it was checked." {
		t.Errorf("arrived %q", p.arrived.Text)
	}
	if !strings.Contains(p.lines.Text, "Every line of the order:\n1 × Uldtæppe") {
		t.Errorf("lines %q", p.lines.Text)
	}
	test.Tap(p.btn)
	loop.until(t, "checked", func() bool { return p.state.Text == "RECEIVED" })
	_, receives, _ := st.returnCalls()
	if len(receives) != 1 || receives[0].ID != "ret-8" {
		t.Fatalf("ReceiveReturn calls %+v", receives)
	}
	if !strings.HasPrefix(p.arrived.Text, "Arrived by carrier on 3 Nov at 09:40, checked at the bench today at") ||
		!strings.Contains(p.dates.Text, "arrived by carrier 3 Nov 09:40") || !strings.Contains(p.dates.Text, "checked at the bench") {
		t.Errorf("arrived %q, dates %q", p.arrived.Text, p.dates.Text)
	}
	focusedIs(t, w, p.scan, "after confirming")
}

// A parcel that matches no return: the red banner says so with a hint,
// and nothing can be confirmed.
func TestReceiveUnknownReturn(t *testing.T) {
	st := newFakeDesk()
	ps, w, loop := newTestScreen(t, st)
	v := openReturns(t, ps, w)
	p := &v.receive
	v.tabs.Select(v.receiveTab)
	scanCode(w.Canvas(), "RR404")
	loop.until(t, "not found", func() bool { return p.banner.box.Visible() })
	if !strings.Contains(p.banner.msg.Text, "No return has the number RR404") || !strings.Contains(p.banner.hint.Text, "Scan the return label") {
		t.Errorf("banner %q / %q", p.banner.msg.Text, p.banner.hint.Text)
	}
	if p.details.Visible() || !p.btn.Disabled() {
		t.Error("details or Confirm shown for no return")
	}
}

// The open returns tab lists the returns on their way with their state in
// words, counts them in its title, receives one with its Receive button,
// and Ask the carrier now calls SyncReturns and says what changed.
func TestOpenReturnsList(t *testing.T) {
	st := newFakeDesk()
	now := time.Now()
	st.returns = []station.Return{
		{ID: "ret-1", OrderRef: "10001", Carrier: "postnord", Service: "24", ItemID: "RR000000001SE", Reason: "wrong_size",
			State: store.ReturnRegistered, Created: now.Add(-3 * time.Hour)},
		{ID: "ret-2", OrderRef: "10002", Carrier: "postnord", Service: "24", Labelless: true, ItemID: "RR000000002SE", Reason: "damaged",
			State: store.ReturnInTransit, Created: now.Add(-2 * time.Hour)},
		{ID: "ret-3", OrderRef: "10002", Carrier: "stg", Service: "", ItemID: "RR000000003SE", Reason: "other",
			State: store.ReturnReceived, ReceivedBy: store.ReceivedByBench, Created: now.Add(-time.Hour)},
	}
	ps, w, loop := newTestScreen(t, st)
	v := openReturns(t, ps, w)
	p := &v.open
	loop.until(t, "open list", func() bool { return len(p.rows) == 2 })
	if v.openTab.Text != "Open returns (2)" || p.summary.Text != "Returns on their way back to the warehouse: 2" {
		t.Errorf("tab %q, summary %q", v.openTab.Text, p.summary.Text)
	}
	for id, want := range map[string][]string{
		"ret-1": {"REGISTERED", "Order 10001", "RR000000001SE", "Wrong size", "PostNord Return Drop Off (24)"},
		"ret-2": {"ON ITS WAY", "Order 10002", "Damaged", "QR code, no label"},
	} {
		r := p.rows[id]
		text := strings.Join([]string{r.state.Text, r.title.Text, r.detail.Text}, " | ")
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("row %s = %q lacks %q", id, text, s)
			}
		}
	}
	v.tabs.Select(v.openTab)
	if f := w.Canvas().Focused(); f != nil {
		t.Errorf("focus on %T on the open list", f)
	}

	test.Tap(p.syncBtn)
	loop.until(t, "synced", func() bool { return strings.HasPrefix(p.result.Text, "Returns asked about: 2.") })
	if !strings.Contains(p.result.Text, "Moved on: 1") {
		t.Errorf("sync result %q", p.result.Text)
	}
	if _, _, syncs := st.returnCalls(); syncs != 1 {
		t.Errorf("SyncReturns calls %d", syncs)
	}
	loop.until(t, "list follows", func() bool { return p.rows["ret-1"] != nil && p.rows["ret-1"].state.Text == "ON ITS WAY" })

	test.Tap(p.rows["ret-2"].receive)
	if v.tabs.Selected() != v.receiveTab {
		t.Fatal("Receive did not go to the Receive tab")
	}
	loop.until(t, "shown", func() bool { return v.receive.have && v.receive.shown.Return.ID == "ret-2" })
	focusedIs(t, w, v.receive.scan, "after Receive on the list")
}

// Typing while nothing in the dialog has the focus goes to the dialog's
// scan field, not to the pack screen behind it; F9 there prints nothing.
// Escape closes the dialog, and the pack screen gets its keys and its
// focus back.
func TestReturnsDialogKeepsTheKeys(t *testing.T) {
	st := newFakeDesk()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	v := openReturns(t, ps, w)

	c.Unfocus()
	scanCode(c, "10001")
	loop.until(t, "order shown in the dialog", func() bool { return strings.Contains(v.create.order.Text, "Åsa Öberg") })
	if ps.shownRef != "" {
		t.Errorf("the pack screen got the scan %q", ps.shownRef)
	}
	c.Unfocus()
	pressKey(c, fyne.KeyF9)
	loop.drain()
	if packs, _ := st.calls(); len(packs) != 0 {
		t.Errorf("F9 in the returns dialog packed %+v", packs)
	}

	// From the open list, a scan is a parcel to receive.
	v.tabs.Select(v.openTab)
	typeKeys(c, "RR1")
	if v.tabs.Selected() != v.receiveTab || v.receive.scan.Text != "RR1" {
		t.Errorf("typed on the open list: tab %q, receive field %q", v.tabs.Selected().Text, v.receive.scan.Text)
	}

	pressKey(c, fyne.KeyEscape)
	loop.drain()
	if ps.returnsView != nil {
		t.Fatal("Escape did not close the dialog")
	}
	focusedIsScan(t, ps, w, "after closing returns")
	c.Unfocus()
	scanCode(c, "10002")
	loop.until(t, "pack screen scans again", func() bool { return ps.rcptName.Text == "Søren Ærø" })
}

// TestReturnsScreenshot checks the Returns dialog fits the 1100×700
// window; with PACK_SCREENSHOT=/path/name.png it writes
// name-returns-create.png (an order scanned, a reason picked),
// name-returns-another.png (the duplicate error with Create another),
// name-returns-created.png, name-returns-receive.png (a return the
// carrier delivered) and name-returns-open.png.
func TestReturnsScreenshot(t *testing.T) {
	st := newFakeDesk()
	now := time.Now()
	st.returns = []station.Return{
		{ID: "ret-a", OrderRef: "10002", Carrier: "postnord", Service: "24", ItemID: "RR000000001SE", Reason: "wrong_size",
			State: store.ReturnRegistered, Created: now.Add(-26 * time.Hour), RegisteredAt: now.Add(-26 * time.Hour)},
		{ID: "ret-b", OrderRef: "9001", Carrier: "postnord", Service: "24", Labelless: true, ItemID: "RR000000002SE", Reason: "damaged",
			State: store.ReturnInTransit, Created: now.Add(-50 * time.Hour), InTransitAt: now.Add(-3 * time.Hour)},
		{ID: "ret-c", OrderRef: "10001", Carrier: "postnord", Service: "24", ItemID: "RR000000003SE", Reason: "not_as_described",
			Note: "colour differs from the photo", State: store.ReturnReceived, ReceivedBy: store.ReceivedByCarrier,
			ReceivedAt: now.Add(-90 * time.Minute), Created: now.Add(-5 * 24 * time.Hour), RegisteredAt: now.Add(-5 * 24 * time.Hour),
			InTransitAt: now.Add(-4 * 24 * time.Hour), Lines: []carrier.Line{{SKU: "KOP-BL-2", Description: "Blå kopp", Quantity: 2}}},
	}
	ps, w, loop := newTestScreen(t, st)
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	c := w.Canvas()
	out := os.Getenv("PACK_SCREENSHOT")
	base := strings.TrimSuffix(out, ".png")
	shot := func(name string) {
		if out != "" {
			writePNG(t, base+"-returns-"+name+".png", c)
		}
	}
	if min := ps.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
		t.Errorf("screen with Returns… needs %v, more than 1100×700", min)
	}
	v := openReturns(t, ps, w)
	p := &v.create
	scanCode(c, "10002")
	loop.until(t, "order shown", func() bool { return strings.Contains(p.order.Text, "Søren Ærø") })
	pickChoice(t, p.reason, "Wrong size")
	p.note.SetText("wants a size larger")
	if min := v.dlg.MinSize(); min.Width > 1100 || min.Height > 700 {
		t.Errorf("returns dialog needs %v, more than 1100×700", min)
	}
	shot("create")
	test.Tap(p.btn)
	loop.until(t, "duplicate", func() bool { return p.another.Visible() })
	if min := v.dlg.MinSize(); min.Height > 700 {
		t.Errorf("returns dialog with the banner needs %v", min)
	}
	shot("another")
	test.Tap(p.another)
	loop.until(t, "created", func() bool { return p.tracking.Visible() })
	shot("created")

	v.tabs.Select(v.receiveTab)
	scanCode(c, "RR000000003SE")
	loop.until(t, "return shown", func() bool { return v.receive.have })
	if min := v.dlg.MinSize(); min.Height > 700 {
		t.Errorf("receive tab needs %v", min)
	}
	shot("receive")
	v.tabs.Select(v.openTab)
	loop.until(t, "open list", func() bool { return len(v.open.rows) == 3 })
	shot("open")
}

// twoOpenReturns are a registered and an on-its-way return, of orders
// other than the fake desk's 10001 and 10002 (which stay free to return).
func twoOpenReturns() []station.Return {
	now := time.Now()
	return []station.Return{
		{ID: "ret-1", OrderRef: "9001", Carrier: "postnord", Service: "24", ItemID: "RR000000001SE", Reason: "wrong_size",
			State: store.ReturnRegistered, Created: now.Add(-3 * time.Hour)},
		{ID: "ret-2", OrderRef: "9002", Carrier: "postnord", Service: "24", ItemID: "RR000000002SE", Reason: "damaged",
			State: store.ReturnInTransit, Created: now.Add(-2 * time.Hour)},
	}
}

// checkNoKeyClash fails when two menus of w's main menu (the pack
// screen's "Station" and a dialog's) give one key to two actions.
func checkNoKeyClash(t *testing.T, w fyne.Window) {
	t.Helper()
	seen := map[string]string{}
	for _, m := range w.MainMenu().Items {
		for _, it := range m.Items {
			if it.Shortcut == nil {
				continue
			}
			name := it.Shortcut.ShortcutName()
			if prev, dup := seen[name]; dup {
				t.Errorf("%s is the key of both %q and %s/%q", name, prev, m.Label, it.Label)
			}
			seen[name] = m.Label + "/" + it.Label
		}
	}
}

// Every button of the Returns dialog has a key in its "Returns" menu,
// beside the pack screen's keys and clashing with none; the keys switch
// tabs, pick the reason and the way back, create the label, choose and
// receive an open return and close the dialog, which takes its menu away.
func TestReturnsKeys(t *testing.T) {
	st := newFakeDesk()
	st.returns = twoOpenReturns()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	v := openReturns(t, ps, w)
	loop.until(t, "open list", func() bool { return len(v.open.rows) == 2 })
	var rowButtons []*widget.Button
	for _, r := range v.open.rows {
		rowButtons = append(rowButtons, r.receive) // keyed for the chosen row: Ctrl+J, Ctrl+E
	}
	v.create.another.Show()
	v.receive.details.Show()
	for _, tab := range []*container.TabItem{v.createTab, v.receiveTab, v.openTab} {
		checkEveryButtonKeyed(t, tab.Content, v.keys, rowButtons...)
	}
	v.create.another.Hide()
	v.receive.details.Hide()
	checkNoKeyClash(t, w)
	if got := v.create.btn.Text; got != "Create return label   Ctrl+L" {
		t.Errorf("create button says %q", got)
	}
	press := func(k keyAction) { c.(fyne.Shortcutable).TypedShortcut(k.shortcut()) }

	press(keyReturnsReceiveTab)
	if v.tabs.Selected() != v.receiveTab {
		t.Fatalf("Ctrl+R selected %q", v.tabs.Selected().Text)
	}
	focusedIs(t, w, v.receive.scan, "after Ctrl+R")
	press(keyReturnsCreateTab)
	focusedIs(t, w, v.create.scan, "after Ctrl+N")
	scanCode(c, "10001")
	loop.until(t, "order shown", func() bool { return strings.Contains(v.create.order.Text, "Åsa Öberg") })
	press(ctrlKey(fyne.Key3))
	press(altKey(fyne.Key2))
	press(keyCreateLabel)
	loop.until(t, "created", func() bool { return v.create.tracking.Visible() })
	creates, _, _ := st.returnCalls()
	if len(creates) != 1 || creates[0].Opts.Reason != "wrong_item" || creates[0].Opts.Service != "20" {
		t.Fatalf("Ctrl+3, Alt+2, Ctrl+L created %+v, want wrong_item as a pickup", creates)
	}

	press(keyNextOpenReturn)
	press(keyNextOpenReturn)
	if v.tabs.Selected() != v.openTab || v.open.sel != 1 || !v.open.order[1].mark.Visible() || v.open.order[0].mark.Visible() {
		t.Fatalf("Ctrl+J twice: tab %q, chosen row %d", v.tabs.Selected().Text, v.open.sel)
	}
	chosen := v.open.order[1].ret.ID
	press(keyReceiveChosen)
	if v.tabs.Selected() != v.receiveTab {
		t.Fatal("Ctrl+E did not go to the Receive tab")
	}
	loop.until(t, "chosen return shown", func() bool { return v.receive.have && v.receive.shown.Return.ID == chosen })
	press(keyConfirmReceived)
	loop.until(t, "received", func() bool { _, rs, _ := st.returnCalls(); return len(rs) == 1 })

	press(keyCloseReturns)
	loop.drain()
	if ps.returnsView != nil {
		t.Fatal("Ctrl+W did not close the dialog")
	}
	if mm := w.MainMenu(); mm != nil {
		for _, m := range mm.Items {
			if m.Label == "Returns" {
				t.Error("the Returns menu stays after the dialog closed")
			}
		}
	}
	press(keyCreateLabel)
	loop.drain()
	if creates, _, _ := st.returnCalls(); len(creates) != 1 {
		t.Errorf("Ctrl+L after closing created again: %+v", creates)
	}
}

// In Swedish the Returns dialog's tabs, buttons, reasons, states and
// dates are Swedish.
func TestReturnsSpeaksSwedish(t *testing.T) {
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
	st := newFakeDesk()
	st.returns = twoOpenReturns()
	ps, w, loop := newTestScreen(t, st)
	v := openReturns(t, ps, w)
	loop.until(t, "open list", func() bool { return len(v.open.rows) == 2 })
	checks := map[string][2]string{
		"create tab":  {v.createTab.Text, "Skapa retur"},
		"open tab":    {v.openTab.Text, "Öppna returer (2)"},
		"button":      {v.create.btn.Text, "Skapa returetikett   Ctrl+L"},
		"reason":      {v.create.reason.buttons[0].Text, "Fel storlek   Ctrl+1"},
		"service":     {v.create.service.buttons[1].Text, "Hämtas hos kunden (20)   Alt+2"},
		"summary":     {v.open.summary.Text, "Returer på väg tillbaka till lagret: 2"},
		"state":       {v.open.rows["ret-2"].state.Text, "PÅ VÄG"},
		"receive row": {v.open.rows["ret-2"].receive.Text, "Ta emot"},
	}
	for what, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s says %q, want %q", what, c[0], c[1])
		}
	}
	if got := v.open.rows["ret-1"].title.Text; got != "Order 9001 · RR000000001SE · Fel storlek" {
		t.Errorf("row title %q", got)
	}
	now := time.Date(2025, 11, 5, 12, 0, 0, 0, time.Local)
	if got := onText(time.Date(2025, 11, 3, 9, 40, 0, 0, time.Local), now); got != "den 3 nov kl. 09:40" {
		t.Errorf("a day this month is %q", got)
	}
}

// Every return reason the station offers and every state a return can be
// in has its words in the English catalogue (and so in every language).
func TestReturnWordsAreInTheCatalogue(t *testing.T) {
	en, err := i18n.Catalogue("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range station.ReturnReasons {
		if _, ok := en["returns.reason."+r]; !ok {
			t.Errorf("reason %s is not in the English catalogue", r)
		}
		if reasonText(r) != en["returns.reason."+r] {
			t.Errorf("reason %s says %q, the catalogue %q", r, reasonText(r), en["returns.reason."+r])
		}
	}
	for _, s := range returnStates {
		if _, ok := en["returns.state."+string(s)]; !ok {
			t.Errorf("state %s is not in the English catalogue", s)
		}
		if words, _ := returnStateWords(station.Return{State: s, CheckedAt: time.Now()}); words != returnStateEnglish[s] {
			t.Errorf("state %s says %q, want %q", s, words, returnStateEnglish[s])
		}
	}
	if got := reasonText("box fell off the truck"); got != "Box fell off the truck" {
		t.Errorf("a free-text reason becomes %q", got)
	}
}
