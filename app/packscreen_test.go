package app

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/app/i18n"
	"labelstation/scale"
	"labelstation/station"
)

func focusedIsScan(t *testing.T, ps *PackScreen, w fyne.Window, when string) {
	t.Helper()
	if f := w.Canvas().Focused(); f != ps.scan {
		t.Fatalf("%s: focus is on %T, want the scan field", when, f)
	}
}

// Scan + Enter shows the order; the Print button prints it at the printer;
// the screen shows the tracking id on the label; the scan field has the
// focus again, so the next scan needs no click.
func TestScanEnterPrintPrintsAndRefocuses(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	focusedIsScan(t, ps, w, "at start")

	scanCode(c, "10001")
	loop.until(t, "order 10001 shown", func() bool { return ps.rcptName.Text == "Åsa Öberg" })
	if got := ps.rcptLines.Text; !strings.Contains(got, "457 40 FJÄLLBACKA") || !strings.Contains(got, "Fjällbacka Keramik AB") {
		t.Errorf("recipient lines = %q", got)
	}
	if got := ps.contents.Text; got != "2 × Blå kopp\n1 × Tekanna" {
		t.Errorf("contents = %q", got)
	}
	if ps.scan.Text != "" {
		t.Errorf("scan field still holds %q after Enter", ps.scan.Text)
	}
	if len(st.printer.printed()) != 0 {
		t.Fatal("a scan alone printed a label; printing needs Print, F9 or a second scan")
	}

	test.Tap(ps.printBtn)                                 // the click takes the focus off the scan field…
	focusedIsScan(t, ps, w, "right after clicking Print") // …and Print gives it back
	loop.until(t, "label printed and shown", func() bool { return ps.lastTracking.Text != "—" })
	labels := st.printer.printed()
	if len(labels) != 1 {
		t.Fatalf("printer got %d labels, want 1", len(labels))
	}
	tracking := ps.lastTracking.Text
	if !strings.HasPrefix(labels[0], "^XA") || !strings.Contains(labels[0], tracking) {
		t.Errorf("printed label %q does not carry the tracking id %q shown on screen", labels[0], tracking)
	}
	if !strings.Contains(ps.lastInfo.Text, "Took 412 ms") {
		t.Errorf("last label info = %q, want the time taken", ps.lastInfo.Text)
	}
	if !strings.Contains(ps.lastPreview.Text, "Åsa Öberg") || !strings.Contains(ps.lastPreview.Text, "▮▮ "+tracking) {
		t.Errorf("label preview = %q", ps.lastPreview.Text)
	}
	if !strings.HasPrefix(ps.orderPhase.Text, "Printed ") {
		t.Errorf("order line = %q, want Printed", ps.orderPhase.Text)
	}
	packs, _ := st.calls()
	if len(packs) != 1 || packs[0].Ref != "10001" || packs[0].Opts.Weight != 0 {
		t.Errorf("Pack calls = %+v, want one for 10001 with the station's own weight", packs)
	}
	focusedIsScan(t, ps, w, "after printing")
}

// F9 prints the shown order, F10 reprints the last label; both arrive with
// the focus in the scan field, where the driver delivers plain keys.
func TestF9PrintsF10Reprints(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()

	scanCode(c, "10002")
	loop.until(t, "order 10002 shown", func() bool { return ps.rcptName.Text == "Søren Ærø" })
	pressKey(c, fyne.KeyF9)
	loop.until(t, "label printed", func() bool { return len(st.printer.printed()) == 1 && ps.Busy() == 0 })
	loop.drain()
	first := ps.lastTracking.Text

	pressKey(c, fyne.KeyF10)
	loop.until(t, "label reprinted", func() bool { return len(st.printer.printed()) == 2 && ps.Busy() == 0 })
	loop.drain()
	labels := st.printer.printed()
	if labels[0] != labels[1] {
		t.Errorf("reprint sent a different label:\n%s\n%s", labels[0], labels[1])
	}
	packs, reprints := st.calls()
	if len(packs) != 1 || len(reprints) != 1 || reprints[0] != "" {
		t.Errorf("Pack calls %+v, Reprint calls %q; want one pack and one reprint of the last label", packs, reprints)
	}
	if ps.lastTracking.Text != first || !strings.Contains(ps.lastInfo.Text, "reprint") {
		t.Errorf("after reprint: tracking %q (want %q), info %q", ps.lastTracking.Text, first, ps.lastInfo.Text)
	}
	if ps.scan.Text != "" {
		t.Errorf("F9/F10 typed into the scan field: %q", ps.scan.Text)
	}
	focusedIsScan(t, ps, w, "after F10")

	test.Tap(ps.reprintBtn) // the button does what F10 does
	focusedIsScan(t, ps, w, "right after clicking Reprint")
	loop.until(t, "reprinted by the button", func() bool { return len(st.printer.printed()) == 3 && ps.Busy() == 0 })
}

// Scanning the shown order a second time prints it; a third scan after it
// is sent only shows it again, so a habitual double scan cannot book twice.
func TestSecondScanPrints(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()

	scanCode(c, "10001")
	loop.until(t, "order shown", func() bool { return ps.armed })
	scanCode(c, "10001")
	loop.until(t, "label printed", func() bool { return len(st.printer.printed()) == 1 && ps.Busy() == 0 })
	loop.drain()
	scanCode(c, "10001")
	loop.until(t, "order shown again", func() bool { return ps.armed })
	if n := len(st.printer.printed()); n != 1 {
		t.Errorf("printer got %d labels after scan, scan, scan; want 1", n)
	}
}

// An unknown order shows a red banner in words, not a modal dialog:
// scanning goes on, and the next success clears the banner.
func TestUnknownOrderShowsBannerAndKeepsFocus(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()

	scanCode(c, "99999")
	loop.until(t, "error banner", func() bool { return ps.bannerBox.Visible() })
	if got := ps.bannerMsg.Text; got != "Order 99999 is not in the station" {
		t.Errorf("banner = %q, want the station's words, naming the order once", got)
	}
	if got := ps.bannerHint.Text; got != "Check the barcode, or import the order file" || !ps.bannerHint.Visible() {
		t.Errorf("banner hint = %q (visible %v), want station.Hint", got, ps.bannerHint.Visible())
	}
	if !ps.printBtn.Disabled() {
		t.Error("Print is enabled with no order to print")
	}
	if strings.Contains(ps.bannerMsg.Text, "goroutine") || strings.Contains(ps.bannerMsg.Text, ".go:") {
		t.Errorf("banner shows internals: %q", ps.bannerMsg.Text)
	}
	if ps.bannerBg.FillColor != colBad {
		t.Errorf("banner colour = %v, want red", ps.bannerBg.FillColor)
	}
	if ov := c.Overlays().Top(); ov != nil {
		t.Errorf("a modal overlay %T is open; errors must not block scanning", ov)
	}
	focusedIsScan(t, ps, w, "after the error")

	pressKey(c, fyne.KeyF9) // nothing to print: says so, prints nothing
	loop.drain()
	if !strings.Contains(ps.bannerMsg.Text, "Scan an order first") {
		t.Errorf("F9 without an order: banner %q", ps.bannerMsg.Text)
	}

	scanCode(c, "10001")
	loop.until(t, "banner cleared by the next good scan", func() bool { return !ps.bannerBox.Visible() })
	if ps.rcptName.Text != "Åsa Öberg" {
		t.Errorf("recipient = %q after the good scan", ps.rcptName.Text)
	}
	if len(st.printer.printed()) != 0 {
		t.Error("something printed")
	}
}

// A failed pack names the order in the banner and lets F9 try again.
func TestPackFailureCanBeRetried(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	scanCode(c, "10001")
	// Armed at once by the scan; the order is taken away only after its
	// lookup answered, so it is Pack that fails, not the lookup.
	loop.until(t, "order shown", func() bool { return ps.armed && ps.pendingRef == "" })
	st.mu.Lock()
	saved := st.orders["10001"]
	delete(st.orders, "10001") // Pack now fails
	st.mu.Unlock()
	pressKey(c, fyne.KeyF9)
	loop.until(t, "error banner", func() bool { return ps.bannerBox.Visible() })
	if got := ps.bannerMsg.Text; got != "Not printed: order 10001 is not in the station" {
		t.Errorf("banner = %q", got)
	}
	focusedIsScan(t, ps, w, "after the failure")

	st.mu.Lock()
	st.orders["10001"] = saved
	st.mu.Unlock()
	pressKey(c, fyne.KeyF9)
	loop.until(t, "retry printed", func() bool { return len(st.printer.printed()) == 1 && !ps.bannerBox.Visible() })
}

// Live weight from WatchWeight reaches the big weight through fyne.Do (the
// real one here, not the test loop), with the stable mark following the
// scale's motion flag.
func TestWeightUpdatesThroughFyneDo(t *testing.T) {
	st := newFakeStation()
	st.blockStatus = true // only the weight goroutine updates widgets here
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	ps := NewPackScreen(st, w) // default: fyne.Do
	defer ps.Close()

	if ps.weightText.Text != "—" || ps.stableText.Text != "no reading" {
		t.Fatalf("before any reading: %q %q", ps.weightText.Text, ps.stableText.Text)
	}
	st.weights <- scale.Reading{Grams: 1180, Stable: false, Time: time.Now()}
	stable := scale.Reading{Grams: 1249.6, Stable: true, Time: time.Now()}
	// The screen's watcher takes a reading only after it has shown the one
	// before, and the fake relays through one goroutine of its own; so when
	// the third send after the first stable one completes, a stable
	// reading has been shown. Close then waits for the watcher, which
	// orders its widget writes before the reads below.
	for range 3 {
		st.weights <- stable
	}
	ps.Close()

	if ps.weightText.Text != "1.25 kg" {
		t.Errorf("weight shows %q, want 1.25 kg", ps.weightText.Text)
	}
	if ps.stableText.Text != "stable" || ps.stableText.Color != colOK || ps.stableDot.FillColor != colOK {
		t.Errorf("stable mark = %q %v", ps.stableText.Text, ps.stableText.Color)
	}
}

// The settling mark shows while the scale reports motion.
func TestWeightSettlingMark(t *testing.T) {
	st := newFakeStation()
	ps, _, loop := newTestScreen(t, st)
	go func() { st.weights <- scale.Reading{Grams: 850, Stable: false, Time: time.Now()} }()
	loop.until(t, "weight shown", func() bool { return ps.weightText.Text == "850 g" })
	if ps.stableText.Text != "settling" || ps.stableText.Color != colWait {
		t.Errorf("mark = %q %v, want amber settling", ps.stableText.Text, ps.stableText.Color)
	}
}

// A scale that stops answering blanks the weight instead of freezing it,
// and F9 while busy then refuses to pin the old number.
func TestSilentScaleBlanksWeight(t *testing.T) {
	st := newFakeStation()
	ps, _, loop := newTestScreen(t, st, func(c *config) { c.staleAfter = 150 * time.Millisecond })
	go func() { st.weights <- scale.Reading{Grams: 1250, Stable: true, Time: time.Now()} }()
	loop.until(t, "weight shown", func() bool { return ps.weightText.Text == "1.25 kg" })
	loop.until(t, "weight blanked", func() bool { return ps.weightText.Text == "—" })
	if ps.stableText.Text != "no reading from scale" || ps.stableText.Color != colBad {
		t.Errorf("mark = %q %v", ps.stableText.Text, ps.stableText.Color)
	}
	if _, ok := ps.pinnedWeight(); ok {
		t.Error("a stale weight can still be pinned")
	}
}

// While one label is being booked, the packer scans and prints the next:
// nothing blocks, nothing is dropped, labels come out in order, and the
// waiting job carries the stable weight shown when F9 was pressed.
func TestNextOrderWhileLabelPrints(t *testing.T) {
	st := newFakeStation()
	st.gate = make(chan struct{})
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()

	scanCode(c, "10001")
	loop.until(t, "first order shown", func() bool { return ps.armed })
	pressKey(c, fyne.KeyF9)
	loop.until(t, "first job running", func() bool { return strings.HasPrefix(ps.activity.Text, "Printing 10001") })

	scanCode(c, "10002") // looked up while 10001 is still booking
	loop.until(t, "second order shown", func() bool { return ps.rcptName.Text == "Søren Ærø" })

	// Scale still moving: the job would wait, so F9 must not guess a weight.
	go func() { st.weights <- scale.Reading{Grams: 2100, Stable: false, Time: time.Now()} }()
	loop.until(t, "settling weight", func() bool { return ps.stableText.Text == "settling" })
	pressKey(c, fyne.KeyF9)
	loop.drain()
	if !ps.bannerBox.Visible() || !strings.Contains(ps.bannerMsg.Text, "settling") {
		t.Errorf("F9 on a settling scale while busy: banner %q", ps.bannerMsg.Text)
	}
	if ps.Busy() != 1 {
		t.Fatalf("queue holds %d jobs, want only the running one", ps.Busy())
	}

	go func() { st.weights <- scale.Reading{Grams: 2345.4, Stable: true, Time: time.Now()} }()
	loop.until(t, "stable weight", func() bool { return ps.stableText.Text == "stable" })
	pressKey(c, fyne.KeyF9)
	loop.drain()
	if ps.Busy() != 2 || !strings.Contains(ps.activity.Text, "labels waiting: 1") {
		t.Fatalf("after F9: busy %d, activity %q; want 10002 queued", ps.Busy(), ps.activity.Text)
	}
	focusedIsScan(t, ps, w, "while printing")

	st.gate <- struct{}{}
	st.gate <- struct{}{}
	loop.until(t, "both printed", func() bool { return len(st.printer.printed()) == 2 && ps.Busy() == 0 })
	loop.drain()
	packs, _ := st.calls()
	if len(packs) != 2 || packs[0].Ref != "10001" || packs[1].Ref != "10002" {
		t.Fatalf("Pack calls = %+v, want 10001 then 10002", packs)
	}
	if packs[0].Opts.Weight != 0 {
		t.Errorf("first pack weight = %v, want 0 (station reads the scale)", packs[0].Opts.Weight)
	}
	if packs[1].Opts.Weight != 2345 {
		t.Errorf("queued pack weight = %v, want the 2345 g shown at F9", packs[1].Opts.Weight)
	}
	if labels := st.printer.printed(); !strings.Contains(labels[0], "FJÄLLBACKA") || !strings.Contains(labels[1], "Aarhus") {
		t.Errorf("labels out of order: %q", labels)
	}
	if ps.bannerBox.Visible() {
		t.Errorf("banner still shown after success: %q", ps.bannerMsg.Text)
	}
	if !strings.HasPrefix(ps.orderPhase.Text, "Printed") || ps.activity.Text != "Printer queue empty" {
		t.Errorf("order line %q, activity %q", ps.orderPhase.Text, ps.activity.Text)
	}
}

// Typing while nothing has the focus (after a click on empty space) still
// reaches the scan field: a scan is never lost to a stray click.
func TestScanWithoutFocusIsNotLost(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	c.Unfocus()
	scanCode(c, "10002")
	loop.until(t, "order shown", func() bool { return ps.rcptName.Text == "Søren Ærø" })
	focusedIsScan(t, ps, w, "after typing into the canvas")
	c.Unfocus()
	pressKey(c, fyne.KeyF9)
	loop.until(t, "printed", func() bool { return len(st.printer.printed()) == 1 })
}

// A scanner that ends codes with Tab works like one that ends with Enter,
// and Tab does not move the focus away.
func TestTabSubmitsScan(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	typeKeys(c, "10001")
	pressKey(c, fyne.KeyTab)
	loop.until(t, "order shown", func() bool { return ps.rcptName.Text == "Åsa Öberg" })
	focusedIsScan(t, ps, w, "after Tab")
}

// ScanPrints: one scan looks up and prints; two scans in quick succession
// print two labels, in order, even before either lookup has answered.
func TestScanPrintsOption(t *testing.T) {
	st := newFakeStation()
	st.lookupGate = make(chan struct{})
	ps, w, loop := newTestScreen(t, st, ScanPrints(true))
	go func() { st.weights <- scale.Reading{Grams: 900, Stable: true, Time: time.Now()} }()
	loop.until(t, "stable weight", func() bool { return ps.stableText.Text == "stable" })
	scanCode(w.Canvas(), "10001")
	scanCode(w.Canvas(), "10002")
	loop.until(t, "both printed", func() bool { return len(st.printer.printed()) == 2 && ps.Busy() == 0 })
	close(st.lookupGate)
	loop.until(t, "last order shown", func() bool { return ps.rcptName.Text == "Søren Ærø" })
	packs, _ := st.calls()
	if len(packs) != 2 || packs[0].Ref != "10001" || packs[1].Ref != "10002" {
		t.Errorf("Pack calls = %+v", packs)
	}
	if !strings.HasPrefix(ps.orderPhase.Text, "Printed") {
		t.Errorf("order line %q: the late lookup must not re-arm a printed order", ps.orderPhase.Text)
	}
}

// F9 right after the scan, before the lookup answered, prints the order
// once; the lookup's answer does not make it printable again.
func TestF9BeforeLookupAnswers(t *testing.T) {
	st := newFakeStation()
	st.lookupGate = make(chan struct{})
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	scanCode(c, "10001")
	pressKey(c, fyne.KeyF9)
	loop.until(t, "printed", func() bool { return len(st.printer.printed()) == 1 && ps.Busy() == 0 })
	close(st.lookupGate)
	loop.until(t, "order shown", func() bool { return ps.rcptName.Text == "Åsa Öberg" })
	if ps.armed || !ps.printBtn.Disabled() {
		t.Error("order printable again after its lookup answered")
	}
	pressKey(c, fyne.KeyF9)
	loop.drain()
	if !strings.Contains(ps.bannerMsg.Text, "already sent") {
		t.Errorf("second F9: banner %q", ps.bannerMsg.Text)
	}
	if n := len(st.printer.printed()); n != 1 {
		t.Errorf("%d labels printed, want 1", n)
	}
}

// The status bar shows each part with a green or red dot, and the outbox.
func TestStatusBar(t *testing.T) {
	st := newFakeStation()
	st.status.PrinterOK = false
	st.status.QueuePending, st.status.QueueAttention = 3, 1
	st.status.LastError = "printer: paper out"
	ps, _, loop := newTestScreen(t, st)
	loop.until(t, "status shown", func() bool { return ps.statusItems["carrier"].text.Text == "Carrier online: PostNord sandbox" })
	if it := ps.statusItems["carrier"]; it.dot.FillColor != colOK {
		t.Errorf("carrier dot %v, want green", it.dot.FillColor)
	}
	// Never colour alone: a printer that is not ready says so in words.
	if it := ps.statusItems["printer"]; it.dot.FillColor != colBad || it.text.Text != "Printer NOT READY: tcp://127.0.0.1:9100" {
		t.Errorf("printer: %q %v, want red and NOT READY", it.text.Text, it.dot.FillColor)
	}
	if it := ps.statusItems["scale"]; it.dot.FillColor != colOK || !strings.HasPrefix(it.text.Text, "Scale ready: ") {
		t.Errorf("scale: %q %v, want green and ready", it.text.Text, it.dot.FillColor)
	}
	if it := ps.statusItems["outbox"]; it.text.Text != "Outbox: 3 pending, 1 need attention" || it.dot.FillColor != colBad {
		t.Errorf("outbox: %q %v", it.text.Text, it.dot.FillColor)
	}
	if ps.statusErr.Text != "printer: paper out" {
		t.Errorf("last error = %q", ps.statusErr.Text)
	}

	st.mu.Lock()
	st.status = station.Status{Carrier: "PostNord sandbox", CarrierOK: true, Printer: "p", PrinterOK: true, Scale: "s", ScaleOK: true, Online: true}
	st.mu.Unlock()
	loop.until(t, "status polled again", func() bool { return ps.statusItems["outbox"].text.Text == "Outbox: empty" })
	if ps.statusItems["printer"].dot.FillColor != colOK || ps.statusItems["printer"].text.Text != "Printer ready: p" || ps.statusErr.Text != "" {
		t.Errorf("printer dot %v, error %q after recovery", ps.statusItems["printer"].dot.FillColor, ps.statusErr.Text)
	}
}

// Run builds the window cmd shows: titled, sized for a bench monitor, with
// the pack screen in it; it returns once the app stops (at once with the
// test driver) and leaves no goroutine running.
func TestRunOpensThePackWindow(t *testing.T) {
	a := test.NewTempApp(t)
	st := newFakeStation()
	Run(context.Background(), a, st, "labelstation — pack")
	var w fyne.Window
	for _, win := range a.Driver().AllWindows() {
		if win.Title() == "labelstation — pack" {
			w = win
		}
	}
	if w == nil {
		t.Fatal("no window titled labelstation — pack")
	}
	if s := w.Canvas().Size(); s.Width < 1000 || s.Height < 650 {
		t.Errorf("window size %v, want about 1100×700", s)
	}
	if _, ok := w.Canvas().Focused().(*scanField); !ok {
		t.Errorf("focus on %T, want the scan field", w.Canvas().Focused())
	}
	w.Close()
}

// After the app stops, fyne.Do runs functions on the caller's goroutine;
// the screen must then drop its background updates instead of touching
// widgets off the UI goroutine (a thread violation Fyne logs).
func TestNoUIUpdatesAfterTheAppStopped(t *testing.T) {
	ran := 0
	ps, _, _ := newTestScreen(t, newFakeStation(), withDo(func(f func()) { f() })) // as Fyne does after its loop ended
	ps.ui(func() { ran++ })
	ps.stopUI()
	ps.ui(func() { ran++ })
	if ran != 1 {
		t.Fatalf("%d updates ran, want only the one before the app stopped", ran)
	}
}

// recordingCues notes every sound the screen asks for, in order.
type recordingCues struct {
	mu    sync.Mutex
	heard []string
}

func (c *recordingCues) add(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.heard = append(c.heard, s)
}
func (c *recordingCues) Success()   { c.add("success") }
func (c *recordingCues) Problem()   { c.add("problem") }
func (c *recordingCues) Attention() { c.add("attention") }
func (c *recordingCues) sounds() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.heard, " ")
}

// The bench sounds once per event: a printed label, a red banner, an
// amber one, a reprint; status polls in between make no sound.
func TestCuesSoundOncePerEvent(t *testing.T) {
	st := newFakeStation()
	cues := &recordingCues{}
	ps, w, loop := newTestScreen(t, st, WithCues(cues))
	c := w.Canvas()

	scanCode(c, "10001")
	loop.until(t, "order shown", func() bool { return ps.armed && ps.pendingRef == "" })
	pressKey(c, fyne.KeyF9)
	loop.until(t, "printed", func() bool { return len(st.printer.printed()) == 1 && ps.Busy() == 0 })
	loop.drain()
	if got := cues.sounds(); got != "success" {
		t.Fatalf("after a printed label: %q, want success", got)
	}

	scanCode(c, "99999") // not in the station: red banner
	loop.until(t, "red banner", func() bool { return ps.bannerBox.Visible() && ps.bannerBg.FillColor == colBad })
	pressKey(c, fyne.KeyF9) // nothing to print: amber banner
	loop.drain()
	if ps.bannerBg.FillColor != colWait {
		t.Fatalf("F9 without an order: banner %v %q, want amber", ps.bannerBg.FillColor, ps.bannerMsg.Text)
	}
	pressKey(c, fyne.KeyF10) // reprint the last label
	loop.until(t, "reprinted", func() bool { return len(st.printer.printed()) == 2 && ps.Busy() == 0 })
	loop.drain()

	// Status polls keep coming (every 50 ms): no sound of their own.
	polls := 0
	loop.until(t, "a few status polls", func() bool { polls++; return polls > 8 })
	if got, want := cues.sounds(), "success problem attention success"; got != want {
		t.Errorf("sounds %q, want %q", got, want)
	}
}

// noSettings gives the screen a Settings… button without a settings
// window behind it: the key is checked, not pressed.
type noSettings struct{ SettingsSource }

// Every action of the pack screen has a key, said on its button and
// listed in the window's Station menu, no key twice; function keys reach
// their actions through the scan field, Alt keys through the canvas.
func TestPackScreenEveryActionHasAKey(t *testing.T) {
	st, _, _ := realStation(t)
	ps, w, loop := newTestScreen(t, st, WithSettings(noSettings{}), WithDashboard(st))
	for name, b := range map[string]*widget.Button{"Settings…": ps.settingsBtn, "Printer…": ps.printerBtn, "Scale…": ps.scaleBtn,
		"Queue…": ps.queueBtn, "Notifications…": ps.notifyBtn, "Returns…": ps.returnsBtn, "Dashboard…": ps.dashBtn} {
		if b == nil || !b.Visible() {
			t.Fatalf("no %s button on a station that offers it", name)
		}
	}
	checkEveryButtonKeyed(t, ps.Content(), ps.keys)
	if min := ps.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
		t.Errorf("the screen with every button and its key needs %v, more than 1100×700", min)
	}
	want := map[*widget.Button]string{ps.settingsBtn: "Settings…   F2", ps.printerBtn: "Printer…   F3", ps.scaleBtn: "Scale…   F4",
		ps.queueBtn: "Queue…   F5", ps.notifyBtn: "Notifications…   F6", ps.returnsBtn: "Returns…   F7", ps.dashBtn: "Dashboard…   F8",
		ps.printBtn: "Print   F9", ps.reprintBtn: "Reprint last   F10", ps.role.pinBtn: "Set PIN…   Alt+P"}
	for b, text := range want {
		if b.Text != text {
			t.Errorf("button says %q, want %q", b.Text, text)
		}
	}
	if ps.offlineChk.Text != "Work offline   F11" {
		t.Errorf("switch says %q", ps.offlineChk.Text)
	}
	if mm := w.MainMenu(); mm == nil || len(mm.Items) != 1 || mm.Items[0].Label != "Station" {
		t.Fatalf("main menu %+v, want the Station menu alone", mm)
	}

	// F3 opens the printer dialog (no PIN yet: no gate); Ctrl+W closes it
	// and takes its menu away, the Station menu stays.
	c := w.Canvas()
	pressKey(c, fyne.KeyF3)
	d := ps.printerDlg
	if d == nil || d.keys == nil {
		t.Fatal("F3 opened no printer dialog")
	}
	checkEveryButtonKeyed(t, d.content, d.keys)
	if n := len(w.MainMenu().Items); n != 2 {
		t.Errorf("menus while the printer dialog is open: %d, want Station and Printer", n)
	}
	loop.until(t, "printers listed", func() bool { return !d.find.Disabled() })
	c.(fyne.Shortcutable).TypedShortcut(keyDeviceClose.shortcut())
	if mm := w.MainMenu(); len(mm.Items) != 1 || mm.Items[0].Label != "Station" {
		t.Errorf("after Ctrl+W the menus are %d", len(mm.Items))
	}
	focusedIsScan(t, ps, w, "after closing the printer dialog")

	// Alt+P: the PIN dialog (no PIN yet: Set PIN).
	c.(fyne.Shortcutable).TypedShortcut(keyPIN.shortcut())
	sd := ps.role.setPIN
	if sd == nil {
		t.Fatal("Alt+P opened no Set PIN dialog")
	}
	checkEveryButtonKeyed(t, sd.content, sd.keys, sd.pad...)
	c.(fyne.Shortcutable).TypedShortcut(altKey(fyne.KeyC).shortcut())
	if ps.role.setPIN != nil {
		t.Error("Alt+C left the Set PIN dialog open")
	}

	// F9 and F10 through the scan field (see TestF9PrintsF10Reprints);
	// here F5 opens the queue view.
	pressKey(c, fyne.KeyF5)
	if ps.queueView == nil {
		t.Error("F5 opened no queue view")
	}
}

// F11 flips Work offline as a tap on the switch does.
func TestF11SwitchesWorkOffline(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st, StatusEvery(time.Hour))
	loop.until(t, "status", func() bool { return strings.HasPrefix(ps.statusItems["carrier"].text.Text, "Carrier online") })
	pressKey(w.Canvas(), fyne.KeyF11)
	loop.until(t, "working offline shown", func() bool { return ps.offline.box.Visible() })
	if _, _, _, calls := st.queueCallsSeen(); len(calls) != 1 || !calls[0] || !ps.offlineChk.Checked {
		t.Fatalf("SetOffline calls %v, switch %v; want [true] and on", calls, ps.offlineChk.Checked)
	}
	focusedIsScan(t, ps, w, "after F11")
}

// A red and an amber banner differ by icon as well as colour.
func TestBannerKindInShapeAndColour(t *testing.T) {
	ps, w, loop := newTestScreen(t, newFakeStation())
	scanCode(w.Canvas(), "99999")
	loop.until(t, "red banner", func() bool { return ps.bannerBox.Visible() })
	if ps.bannerIcon.Resource.Name() != theme.ErrorIcon().Name() {
		t.Errorf("red banner icon %s", ps.bannerIcon.Resource.Name())
	}
	pressKey(w.Canvas(), fyne.KeyF9)
	loop.drain()
	if ps.bannerIcon.Resource.Name() != theme.WarningIcon().Name() || ps.bannerBg.FillColor != colWait {
		t.Errorf("amber banner icon %s", ps.bannerIcon.Resource.Name())
	}
}

// useSwedish switches the screens to Swedish for one test.
func useSwedish(t *testing.T) {
	t.Helper()
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
}

// The pack screen in Swedish: buttons, placeholder, order line, status
// bar and banners.
func TestPackScreenInSwedish(t *testing.T) {
	useSwedish(t)
	st := newFakeStation()
	st.status.PrinterOK = false
	ps, w, loop := newTestScreen(t, st)
	if ps.printBtn.Text != "Skriv ut   F9" || ps.reprintBtn.Text != "Skriv ut igen   F10" {
		t.Errorf("buttons %q / %q", ps.printBtn.Text, ps.reprintBtn.Text)
	}
	if ps.scan.PlaceHolder != "Skanna orderns streckkod" || ps.orderPhase.Text != "Skanna en orders streckkod" {
		t.Errorf("placeholder %q, order line %q", ps.scan.PlaceHolder, ps.orderPhase.Text)
	}
	if ps.activity.Text != "Skrivarkön är tom" || ps.stableText.Text != "ingen avläsning" {
		t.Errorf("activity %q, weight mark %q", ps.activity.Text, ps.stableText.Text)
	}
	if mm := w.MainMenu(); mm == nil || mm.Items[0].Label != "Station" {
		t.Error("no Station menu")
	}
	loop.until(t, "status", func() bool { return strings.HasPrefix(ps.statusItems["printer"].text.Text, "Skrivare INTE KLAR: ") })
	if got := ps.statusItems["carrier"].text.Text; got != "Transportör online: PostNord sandbox" {
		t.Errorf("carrier cell %q", got)
	}
	pressKey(w.Canvas(), fyne.KeyF9)
	loop.drain()
	if ps.bannerMsg.Text != "Skanna en order först." {
		t.Errorf("banner %q", ps.bannerMsg.Text)
	}
	scanCode(w.Canvas(), "10001")
	loop.until(t, "ready", func() bool { return ps.orderPhase.Text == "Klar: tryck F9 eller skanna igen för att skriva ut" })
	pressKey(w.Canvas(), fyne.KeyF9)
	loop.until(t, "printed", func() bool { return strings.HasPrefix(ps.orderPhase.Text, "Utskriven ") })
	if !strings.Contains(ps.lastInfo.Text, "Order 10001") || !strings.Contains(ps.lastInfo.Text, "Tog 412 ms") {
		t.Errorf("last label %q", ps.lastInfo.Text)
	}
}

// Closing the window while labels are still printing asks first, with a
// key for each answer: Keep printing leaves it open, Close anyway closes.
func TestCloseWhilePrintingAsks(t *testing.T) {
	st := newFakeStation()
	st.gate = make(chan struct{})
	ps, w, loop := newTestScreen(t, st)
	scanCode(w.Canvas(), "10001")
	loop.until(t, "order shown", func() bool { return ps.armed })
	pressKey(w.Canvas(), fyne.KeyF9)
	loop.until(t, "printing", func() bool { return ps.Busy() == 1 })

	closed := 0
	d := ps.confirmClose(func() { closed++ })
	checkEveryButtonKeyed(t, d.content, d.keys)
	w.Canvas().(fyne.Shortcutable).TypedShortcut(altKey(fyne.KeyK).shortcut())
	if closed != 0 || w.Canvas().Overlays().Top() != nil {
		t.Fatalf("Keep printing: closed %d, overlay %v", closed, w.Canvas().Overlays().Top())
	}
	focusedIsScan(t, ps, w, "after Keep printing")
	d = ps.confirmClose(func() { closed++ })
	if !strings.Contains(findLabelText(d.content), "Labels still being booked or printed: 1.") {
		t.Errorf("dialog says %q", findLabelText(d.content))
	}
	w.Canvas().(fyne.Shortcutable).TypedShortcut(altKey(fyne.KeyQ).shortcut())
	if closed != 1 {
		t.Errorf("Close anyway closed %d times", closed)
	}
	if mm := w.MainMenu(); len(mm.Items) != 1 {
		t.Errorf("the close dialog's menu stayed: %d menus", len(mm.Items))
	}
	st.gate <- struct{}{}
}

// findLabelText is the text of every label under o, one per line.
func findLabelText(o fyne.CanvasObject) string {
	var texts []string
	walkObjects(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	})
	return strings.Join(texts, "\n")
}

// With every button and its key, the screen still fits a 1100×700 bench
// monitor in each of the five languages (words are longer in some).
func TestPackScreenFitsInEveryLanguage(t *testing.T) {
	t.Cleanup(func() { i18n.Use("en") })
	st, _, _ := realStation(t)
	for _, code := range i18n.Codes() {
		if _, err := i18n.Use(code); err != nil {
			t.Fatal(err)
		}
		ps, _, _ := newTestScreen(t, st, WithSettings(noSettings{}), WithDashboard(st))
		if min := ps.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
			t.Errorf("%s: the screen needs %v, more than 1100×700", code, min)
		}
		ps.Close()
	}
}
