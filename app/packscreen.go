package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/carrier"
	"labelstation/scale"
	"labelstation/station"
)

// Option configures a PackScreen.
type Option func(*config)

type config struct {
	scanPrints    bool
	statusEvery   time.Duration
	lookupTimeout time.Duration
	jobTimeout    time.Duration
	closeGrace    time.Duration
	pinMaxAge     time.Duration
	weightRetry   time.Duration
	staleAfter    time.Duration
	queueEvery    time.Duration
	syncTimeout   time.Duration
	// rateDebounce is how long a new stable weight must stay before the
	// carrier options are asked again; rateTimeout bounds one request
	// (the station's own deadline for the carriers is shorter).
	rateDebounce time.Duration
	rateTimeout  time.Duration
	// dashboard, when set, gives the screen a Dashboard… button;
	// dashboardEvery is how often the open dashboard refreshes.
	dashboard      DashboardSource
	dashboardEvery time.Duration
	// cues are the bench's sounds (silent without WithCues); settings,
	// when set, gives supervisors the Settings… window.
	cues     Cues
	settings SettingsSource
	// do runs a UI update on the UI goroutine. It is fyne.Do; tests swap
	// in a loop they drain themselves, because the test driver's fyne.Do
	// runs the function on the caller's goroutine.
	do func(func())
}

// ScanPrints makes every scan print at once, for benches where the parcel
// is on the scale before its barcode is scanned. Off by default: scan shows
// the order, Print/F9 or a second scan of the same code prints it.
func ScanPrints(on bool) Option { return func(c *config) { c.scanPrints = on } }

// StatusEvery sets how often the status bar asks Station.Status (default
// 2 s).
func StatusEvery(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.statusEvery = d
		}
	}
}

// JobTimeout bounds one pack or reprint (default 2 min). It only exists so
// a hung call cannot stall the queue for the rest of the shift; the station
// has its own, shorter network timeouts.
func JobTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.jobTimeout = d
		}
	}
}

// QueueEvery sets how often the open queue view asks for the queue
// (default 3 s).
func QueueEvery(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.queueEvery = d
		}
	}
}

// withRateDebounce shortens the carrier options' debounce (tests only).
func withRateDebounce(d time.Duration) Option { return func(c *config) { c.rateDebounce = d } }

// withDo replaces fyne.Do (tests only).
func withDo(do func(func())) Option { return func(c *config) { c.do = do } }

func defaultConfig() config {
	return config{
		statusEvery:    2 * time.Second,
		lookupTimeout:  20 * time.Second,
		jobTimeout:     2 * time.Minute,
		closeGrace:     15 * time.Second,
		pinMaxAge:      2 * time.Second,
		weightRetry:    2 * time.Second,
		staleAfter:     3 * time.Second,
		queueEvery:     3 * time.Second,
		syncTimeout:    time.Minute,
		rateDebounce:   400 * time.Millisecond,
		rateTimeout:    15 * time.Second,
		dashboardEvery: 10 * time.Second,
		cues:           silentCues{},
		do:             fyne.Do,
	}
}

// jobKind says which station call a queued job makes.
type jobKind int

const (
	jobPack jobKind = iota + 1
	jobReprint
)

// job is one queued Pack or Reprint.
type job struct {
	id   int
	kind jobKind
	ref  string // order ref; for a reprint "" means the last label
	opts station.PackOptions
}

// orderPhase is where the shown order stands, for the line under it.
type orderPhase int

const (
	phaseNone orderPhase = iota
	phaseLooking
	phaseReady
	phaseQueued
	phasePrinting
	phasePrinted
	phaseFailed
)

// PackScreen is the pack screen of one window. Build it with NewPackScreen.
// Its methods, like any Fyne widget code, run on the UI goroutine.
type PackScreen struct {
	st  Station
	win fyne.Window
	cfg config

	// ctx ends the background watchers (weight, status, lookups); jobCtx
	// ends running packs, later than ctx, so Close lets a label finish.
	ctx        context.Context
	cancel     context.CancelFunc
	jobCtx     context.Context
	cancelJobs context.CancelFunc
	closed     atomic.Bool
	uiStopped  atomic.Bool // the app stopped: no more UI updates (stopUI)
	watchers   sync.WaitGroup
	workerDone chan struct{}

	// Queue shared with the worker goroutine, guarded by mu.
	mu       sync.Mutex
	wake     *sync.Cond
	queue    []job
	inFlight *job
	stopping bool

	// UI state: touched only on the UI goroutine.
	nextJobID   int
	lookupSeq   int
	pendingRef  string // scanned, lookup running
	shown       carrier.Order
	shownRef    string // scanned code of the shown order
	phase       orderPhase
	armed       bool // the shown order may be printed (not yet sent)
	shownJob    int  // job id printing the shown order, 0 if none
	lastReading scale.Reading
	readingAt   time.Time // when lastReading arrived; zero before any
	lastStatus  station.Status

	// The "Work offline" switch: offlineCalls counts SetOffline calls not
	// yet returned (UI goroutine); offlineGen counts returned ones, so a
	// status read before the last one is not shown on the switch.
	offlineCalls int
	offlineGen   atomic.Int64
	offlineWant  atomic.Bool
	offlineMu    sync.Mutex
	statusKick   chan struct{}

	// widgets
	keys         *actionKeys // the main window's keys and "Station" menu
	settingsBtn  *widget.Button
	bannerIcon   *widget.Icon
	root         fyne.CanvasObject
	scan         *scanField
	bannerBox    *fyne.Container
	bannerBg     *canvas.Rectangle
	bannerMsg    *widget.Label
	bannerHint   *widget.Label
	orderRef     *widget.Label
	orderPhase   *widget.Label
	rcptName     *widget.Label
	rcptLines    *widget.Label
	service      *widget.Label
	contents     *widget.Label
	weightText   *canvas.Text
	stableDot    *canvas.Rectangle
	stableText   *canvas.Text
	printBtn     *widget.Button
	reprintBtn   *widget.Button
	activity     *widget.Label
	lastTracking *widget.Label
	lastInfo     *widget.Label
	lastPreview  *widget.Label
	statusItems  map[string]*statusItem
	statusErr    *widget.Label
	scaleBtn     *widget.Button
	settings     *scaleSettings // the open scale dialog, for tests
	printerBtn   *widget.Button
	printerDlg   *printerSettings // the open printer dialog, for tests
	jobsView     *printJobsView   // labels that did not print (nil without a PrintQueue)
	offline      *offlineBar
	offlineChk   *widget.Check  // "Work offline" (nil without an OutboxQueue)
	queueBtn     *widget.Button // "Queue…" (nil without an OutboxQueue)
	queueView    *queueView     // the open queue view, nil when closed
	dashBtn      *widget.Button // "Dashboard…" (nil without WithDashboard)
	returnsBtn   *widget.Button // "Returns…" (nil without a ReturnsDesk)
	returnsView  *returnsView   // the open Returns dialog, nil when closed
	dashboard    *dashboardView // the open dashboard, nil when closed
	rates        *rateState     // carrier options (nil without a RateSource)

	notifyBtn  *widget.Button     // "Notifications…" (nil without a NotificationDesk)
	notifyView *notificationsView // the open Notifications window, nil when closed

	role *roleState // packer or supervisor mode (nil without a Supervisor: nothing gated)

	// fleet is the station's fleet side while the bench is one of a
	// site's (nil otherwise: no Site cell, no conflicts).
	fleet FleetDesk
}

// NewPackScreen builds the pack screen into w: it sets the window content,
// gives the scan field the focus, installs a key for every action (F9
// print, F10 reprint last, F2–F12 for the rest, see installKeys) in the
// window's "Station" menu, and starts the goroutines
// that feed the live weight, the status bar and the print queue. Call
// Close when the window goes away.
func NewPackScreen(st Station, w fyne.Window, opts ...Option) *PackScreen {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	ps := &PackScreen{st: st, win: w, cfg: cfg, workerDone: make(chan struct{}), statusItems: map[string]*statusItem{},
		statusKick: make(chan struct{}, 1)}
	ps.wake = sync.NewCond(&ps.mu)
	ps.fleet = fleetDesk(st)
	ps.ctx, ps.cancel = context.WithCancel(context.Background())
	ps.jobCtx, ps.cancelJobs = context.WithCancel(context.Background())

	ps.initRates()
	ps.root = ps.build()
	w.SetContent(ps.root)
	ps.installKeys()
	if ps.role != nil {
		ps.role.refresh() // the mode buttons say their keys
	}
	ps.focusScan()

	go ps.worker()
	ps.watchers.Add(2)
	go ps.watchWeight()
	go ps.pollStatus()
	return ps
}

// Content is the screen's root object (already set as the window content).
func (ps *PackScreen) Content() fyne.CanvasObject { return ps.root }

// Busy reports how many labels are being printed or wait in the queue, so
// a caller can warn before closing the window.
func (ps *PackScreen) Busy() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	n := len(ps.queue)
	if ps.inFlight != nil {
		n++
	}
	return n
}

// Close stops the screen's goroutines. A label being booked or printed is
// given a grace period to finish (an interrupted booking is resumed by the
// station on the next start, but a half-sent label is wasted paper);
// queued jobs that have not started are dropped (Busy tells how many are
// left, so a caller can ask first). Updates still arriving after Close are
// discarded.
func (ps *PackScreen) Close() {
	if ps.closed.Swap(true) {
		return
	}
	ps.cancel()
	ps.mu.Lock()
	ps.stopping = true
	ps.queue = nil
	ps.wake.Broadcast()
	ps.mu.Unlock()
	select {
	case <-ps.workerDone:
	case <-time.After(ps.cfg.closeGrace):
		ps.cancelJobs()
		<-ps.workerDone
	}
	ps.cancelJobs()
	ps.watchers.Wait()
}

// ui runs f on the UI goroutine unless the screen is closed. Background
// goroutines touch widgets only through it.
func (ps *PackScreen) ui(f func()) {
	if ps.closed.Load() || ps.uiStopped.Load() {
		return
	}
	ps.cfg.do(func() {
		if ps.closed.Load() || ps.uiStopped.Load() {
			return
		}
		f()
	})
}

// stopUI drops every later UI update: called when the app stops, because
// after Fyne's loop has ended fyne.Do runs a function on the caller's
// goroutine, and a widget refreshed there is a thread violation.
func (ps *PackScreen) stopUI() { ps.uiStopped.Store(true) }

// focusScan gives the keyboard back to the scan field.
func (ps *PackScreen) focusScan() {
	if c := ps.win.Canvas(); c != nil && c.Focused() != ps.scan {
		c.Focus(ps.scan)
	}
}

// The main window's keys: function keys for the pack screen's own actions
// (the scan field has the focus all shift and hands them on, see
// scanField), Alt+letter for the few more. Dialogs in this window use
// Ctrl+letters, the PIN dialog Alt+U/Alt+C: no key is taken twice.
var (
	keySettings      = fnKey(fyne.KeyF2)
	keyPrinter       = fnKey(fyne.KeyF3)
	keyScale         = fnKey(fyne.KeyF4)
	keyQueue         = fnKey(fyne.KeyF5)
	keyNotifications = fnKey(fyne.KeyF6)
	keyReturns       = fnKey(fyne.KeyF7)
	keyDashboard     = fnKey(fyne.KeyF8)
	keyPrint         = fnKey(fyne.KeyF9)
	keyReprint       = fnKey(fyne.KeyF10)
	keyWorkOffline   = fnKey(fyne.KeyF11)
	keySupervisor    = fnKey(fyne.KeyF12) // sign in, or Lock
	keyPIN           = altKey(fyne.KeyP)
	keyJobRetry      = altKey(fyne.KeyR) // the first label not printed
	keyJobDiscard    = altKey(fyne.KeyD)
	keyJobPrinted    = altKey(fyne.KeyY)
	keyNextRate      = altKey(fyne.KeyO)
)

// installKeys gives every action of the screen its key and lists them in
// the window's "Station" menu, once: the menu bar stays while the window
// lives, and dialogs add their own menus beside it while open. It also
// routes stray typing: the focused scan field normally gets every key (see
// scanField); the canvas handlers catch keys typed while nothing has the
// focus (after a click on empty space), so a scan then still lands in the
// scan field instead of being lost.
func (ps *PackScreen) installKeys() {
	k := newActionKeys(ps.win, lang.L("Station"))
	ps.keys = k
	bind := func(b *widget.Button, label string, key keyAction) {
		if b != nil {
			k.bind(b, label, key)
		}
	}
	bind(ps.settingsBtn, lang.L("Settings…"), keySettings)
	bind(ps.printerBtn, lang.L("Printer…"), keyPrinter)
	bind(ps.scaleBtn, lang.L("Scale…"), keyScale)
	bind(ps.queueBtn, lang.L("Queue…"), keyQueue)
	bind(ps.notifyBtn, lang.L("Notifications…"), keyNotifications)
	bind(ps.returnsBtn, lang.L("Returns…"), keyReturns)
	bind(ps.dashBtn, lang.L("Dashboard…"), keyDashboard)
	bind(ps.printBtn, lang.L("Print"), keyPrint)
	bind(ps.reprintBtn, lang.L("Reprint last"), keyReprint)
	if ps.offlineChk != nil {
		k.action(lang.L("Work offline"), keyWorkOffline, ps.toggleWorkOffline)
	}
	if ps.role != nil {
		ps.role.bindKeys(k)
	}
	if ps.jobsView != nil {
		k.action(lang.L("Retry the first label not printed"), keyJobRetry, func() { ps.firstJobAction(jobRetry) })
		k.action(lang.L("Discard the first label not printed"), keyJobDiscard, func() { ps.firstJobAction(jobDiscard) })
		k.action(lang.L("The first label in doubt did print"), keyJobPrinted, func() { ps.firstJobAction(jobPrinted) })
	}
	if ps.rates != nil {
		k.action(lang.L("Next carrier option"), keyNextRate, ps.nextRate)
	}
	k.install()

	ps.scan.onKey = ps.screenKey
	c := ps.win.Canvas()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if ps.screenKey(k.Name) {
			return
		}
		ps.focusScan()
		ps.scan.TypedKey(k)
	})
	c.SetOnTypedRune(func(r rune) {
		ps.focusScan()
		ps.scan.TypedRune(r)
	})
}

// screenKey runs the action of a function key and reports whether k was
// one. F9 with nothing to print still answers: the banner says why.
func (ps *PackScreen) screenKey(k fyne.KeyName) bool {
	if fnKey(k) == keyPrint && ps.printBtn.Disabled() {
		ps.Print()
		return true
	}
	return ps.keys.typedKey(k)
}

// toggleWorkOffline flips the "Work offline" switch (F11) as a click
// would, unless it is disabled.
func (ps *PackScreen) toggleWorkOffline() {
	if c := ps.offlineChk; c != nil && !c.Disabled() && c.Visible() {
		c.SetChecked(!c.Checked)
	}
	ps.focusScan()
}

// Scan handles one scanned (or typed) code as if it ended with Enter.
func (ps *PackScreen) Scan(code string) {
	defer ps.focusScan()
	ps.scan.SetText("")
	ref := strings.TrimSpace(code)
	if ref == "" {
		return
	}
	if !ps.cfg.scanPrints && ps.armed && (ref == ps.shownRef || ref == ps.shown.Ref) {
		ps.Print() // the second scan of the shown order
		return
	}
	ps.lookup(ref)
	if ps.cfg.scanPrints {
		ps.Print()
	}
}

// lookup shows ref at once and asks the station for the order's details.
// The order can be printed while the lookup runs: Pack looks it up itself.
func (ps *PackScreen) lookup(ref string) {
	ps.lookupSeq++
	seq := ps.lookupSeq
	ps.pendingRef = ref
	ps.armed, ps.shownJob = true, 0
	ps.shownRef, ps.shown = ref, carrier.Order{Ref: ref}
	ps.resetRates()
	ps.showOrder(ps.shown)
	ps.setPhase(phaseLooking, lang.L("Looking up order…"))

	ctx, cancel := context.WithTimeout(ps.ctx, ps.cfg.lookupTimeout)
	go func() {
		defer cancel()
		o, err := ps.st.Order(ctx, ref)
		ps.ui(func() { ps.lookupDone(seq, ref, o, err) })
	}()
}

func (ps *PackScreen) lookupDone(seq int, ref string, o carrier.Order, err error) {
	if seq != ps.lookupSeq {
		return // the packer has scanned something else since
	}
	defer ps.focusScan()
	ps.pendingRef = ""
	if err != nil {
		if ps.shownJob == 0 {
			ps.armed = false
			ps.setPhase(phaseFailed, lang.L("Not found"))
			ps.refreshButtons()
		}
		ps.showError(aboutOrder(ref, "", err), hintText(err))
		return
	}
	if o.Ref == "" {
		o.Ref = ref
	}
	ps.shown = o
	ps.showOrder(o)
	if ps.shownJob == 0 { // not already sent by a quick F9 or second scan
		ps.setPhase(phaseReady, lang.L("Ready: press F9 or scan again to print"))
		ps.ratesForOrder()
	}
	ps.clearBanner()
}

// Print queues a label for the shown order (Print button, F9, second
// scan), even while its details are still being looked up.
func (ps *PackScreen) Print() {
	defer ps.focusScan()
	if !ps.armed {
		if ps.shown.Ref != "" && ps.shownJob != 0 {
			ps.showWarning(lang.L("Order {{.Ref}} is already sent to the printer.", map[string]any{"Ref": ps.shown.Ref}),
				lang.L("Press F10 to reprint its label, or scan the next order."))
		} else {
			ps.showWarning(lang.L("Scan an order first."), "")
		}
		return
	}
	var opts station.PackOptions
	// The weight the packer sees as they press Print: when the station
	// weighs the parcel itself it must find this weight again, or it
	// refuses (the parcel was swapped or leaned on after Print).
	if w, ok := ps.pinnedWeight(); ok {
		opts.Seen = w
	}
	if ps.Busy() > 0 {
		// This job will wait; pin the weight the packer sees now, because
		// by the time it runs this parcel may be off the scale.
		w, ok := ps.pinnedWeight()
		if !ok {
			ps.showWarning(lang.L("Weight is still settling: order {{.Ref}} is not sent yet.", map[string]any{"Ref": ps.shown.Ref}),
				lang.L("Wait for the green stable mark, then press F9 again. The label before it is still printing."))
			return
		}
		opts.Weight = w
	}
	// The carrier option the packer tapped, or the one marked for them
	// (what the station would book anyway); none: the station chooses.
	if c, svc, ok := ps.rateChoice(); ok {
		opts.Carrier, opts.Service = c, svc
	}
	ps.armed = false
	ps.shownJob = ps.enqueue(jobPack, ps.shown.Ref, opts)
	ps.setPhase(phaseQueued, ps.queuedText())
	ps.refreshButtons()
}

// ReprintLast queues a reprint of the last label printed (Reprint button,
// F10). It waits behind queued labels, so it reprints the newest one.
func (ps *PackScreen) ReprintLast() {
	defer ps.focusScan()
	ps.enqueue(jobReprint, "", station.PackOptions{})
}

// pinnedWeight is the live weight if it is stable, fresh and positive
// (never zero, negative, over- or underload).
func (ps *PackScreen) pinnedWeight() (carrier.Weight, bool) {
	if ps.readingAt.IsZero() || !ps.lastReading.Weight() || time.Since(ps.readingAt) > ps.cfg.pinMaxAge {
		return 0, false
	}
	g := carrier.Weight(math.Round(ps.lastReading.Grams))
	return g, g > 0
}

func (ps *PackScreen) enqueue(kind jobKind, ref string, opts station.PackOptions) int {
	ps.nextJobID++
	j := job{id: ps.nextJobID, kind: kind, ref: ref, opts: opts}
	ps.mu.Lock()
	ps.queue = append(ps.queue, j)
	ps.wake.Signal()
	ps.mu.Unlock()
	ps.refreshActivity()
	return j.id
}

// worker serves the queue one job at a time, in order, until Close.
func (ps *PackScreen) worker() {
	defer close(ps.workerDone)
	for {
		ps.mu.Lock()
		for len(ps.queue) == 0 && !ps.stopping {
			ps.wake.Wait()
		}
		if ps.stopping {
			ps.mu.Unlock()
			return
		}
		j := ps.queue[0]
		ps.queue = ps.queue[1:]
		ps.inFlight = &j
		ps.mu.Unlock()

		ps.ui(func() { ps.jobStarted(j) })
		res, err := ps.runJob(j)
		ps.mu.Lock()
		ps.inFlight = nil
		ps.mu.Unlock()
		ps.ui(func() { ps.jobDone(j, res, err) })
	}
}

func (ps *PackScreen) runJob(j job) (station.PackResult, error) {
	ctx, cancel := context.WithTimeout(ps.jobCtx, ps.cfg.jobTimeout)
	defer cancel()
	if j.kind == jobReprint {
		return ps.st.Reprint(ctx, j.ref)
	}
	return ps.st.Pack(ctx, j.ref, j.opts)
}

func (ps *PackScreen) jobStarted(j job) {
	ps.refreshActivity()
	if j.id == ps.shownJob {
		ps.setPhase(phasePrinting, lang.L("Booking and printing…"))
	}
}

func (ps *PackScreen) jobDone(j job, res station.PackResult, err error) {
	defer ps.focusScan()
	ps.refreshPrintJobs()
	ps.refreshActivity()
	if ps.phase == phaseQueued && ps.shownJob != 0 && ps.shownJob != j.id {
		ps.setPhase(phaseQueued, ps.queuedText())
	}
	if err != nil {
		msg := aboutOrder(j.ref, lang.L("not printed"), err)
		if j.kind == jobReprint {
			msg = lang.L("Reprint failed: {{.Error}}", map[string]any{"Error": errText(err)})
		}
		if j.id == ps.shownJob {
			ps.setPhase(phaseFailed, lang.L("Not printed"))
			ps.armed = true // let the packer try again with F9
			ps.refreshButtons()
		}
		ps.showError(msg, hintText(err))
		return
	}
	ps.showResult(j, res)
	if j.id == ps.shownJob {
		if res.Offline {
			ps.setPhase(phasePrinted, lang.L("Printed offline label {{.Tracking}}", map[string]any{"Tracking": res.TrackingID}))
		} else {
			ps.setPhase(phasePrinted, lang.L("Printed {{.Tracking}}", map[string]any{"Tracking": res.TrackingID}))
		}
	}
	if res.Offline {
		ps.pollStatusNow() // one more booking waits: the counts follow at once
	}
	switch {
	case !res.Printed && res.Offline:
		ps.showWarning(lang.L("Order {{.Ref}} got offline label {{.Tracking}} but it did not print.", map[string]any{"Ref": res.OrderRef, "Tracking": res.TrackingID}),
			joinNonEmpty(" ", lang.L("Check the printer (paper, head, cable), then press F10 to reprint."), upperFirst(res.Warning)))
	case !res.Printed:
		ps.showWarning(lang.L("Order {{.Ref}} is booked ({{.Tracking}}) but its label did not print.", map[string]any{"Ref": res.OrderRef, "Tracking": res.TrackingID}),
			joinNonEmpty(" ", lang.L("Check the printer (paper, head, cable), then press F10 to reprint."), upperFirst(res.Warning)))
	case res.Warning != "":
		// Nothing failed and packing goes on, but a supervisor must hear it.
		ps.showWarning(res.Warning, lang.L("Packing goes on. Tell a supervisor."))
	default:
		ps.clearBanner()
	}
}

// queuedText says where the shown order's job stands in the queue.
func (ps *PackScreen) queuedText() string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i, j := range ps.queue {
		if j.id == ps.shownJob {
			if i == 0 && ps.inFlight == nil {
				return lang.L("Sending to printer…")
			}
			return lang.L("Queued: labels before it: {{.N}}", map[string]any{"N": i + boolInt(ps.inFlight != nil)})
		}
	}
	return lang.L("Sending to printer…")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// aboutOrder words an error about one order: "Order 10001 not printed:
// …". The order is named only if the error text does not name it already,
// so the banner does not say it twice. what ("not printed") is already in
// the screen's language.
func aboutOrder(ref, what string, err error) string {
	text := errText(err)
	if ref == "" || strings.Contains(text, ref) {
		if what == "" {
			return text
		}
		return lang.L("{{.What}}: {{.Error}}", map[string]any{"What": upperFirst(what), "Error": text})
	}
	if what == "" {
		return lang.L("Order {{.Ref}}: {{.Error}}", map[string]any{"Ref": ref, "Error": text})
	}
	return lang.L("Order {{.Ref}} {{.What}}: {{.Error}}", map[string]any{"Ref": ref, "What": what, "Error": text})
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// watchWeight feeds the big weight from Station.WatchWeight. When the
// stream ends before Close (scale unplugged), it shows that and retries.
func (ps *PackScreen) watchWeight() {
	defer ps.watchers.Done()
	for {
		ps.drainWeight(ps.st.WatchWeight(ps.ctx))
		if ps.ctx.Err() != nil {
			return
		}
		ps.ui(ps.showNoReading)
		select {
		case <-ps.ctx.Done():
			return
		case <-time.After(ps.cfg.weightRetry):
		}
	}
}

// drainWeight shows updates until ch closes or the screen closes. It
// selects on ctx too, so a nil channel (no scale) or one a faulty
// implementation forgets to close cannot keep Close waiting. When updates
// stop coming (a station that stopped watching) the weight is blanked
// after staleAfter: a frozen number would look like a weight to trust.
func (ps *PackScreen) drainWeight(ch <-chan scale.Update) {
	stale := time.NewTimer(ps.cfg.staleAfter)
	defer stale.Stop()
	for {
		select {
		case <-ps.ctx.Done():
			return
		case <-stale.C:
			ps.ui(ps.showNoReading)
		case u, ok := <-ch:
			if !ok {
				return
			}
			stale.Reset(ps.cfg.staleAfter)
			ps.ui(func() { ps.showUpdate(u) })
		}
	}
}

// pollStatus refreshes the status bar now and then every statusEvery.
func (ps *PackScreen) pollStatus() {
	defer ps.watchers.Done()
	t := time.NewTicker(ps.cfg.statusEvery)
	defer t.Stop()
	for {
		gen := ps.offlineGen.Load()
		ctx, cancel := context.WithTimeout(ps.ctx, ps.cfg.statusEvery)
		s := ps.st.Status(ctx)
		cancel()
		if ps.ctx.Err() != nil {
			return
		}
		ps.ui(func() { ps.showStatus(s, gen) })
		if ps.fleet != nil {
			ctx, cancel := context.WithTimeout(ps.ctx, ps.cfg.statusEvery)
			fs := ps.fleet.FleetStatus(ctx)
			cancel()
			ps.ui(func() { ps.showSite(fs) })
		}
		if pq, ok := ps.st.(PrintQueue); ok && ps.jobsView != nil {
			ctx, cancel := context.WithTimeout(ps.ctx, ps.cfg.statusEvery)
			jobs, err := pq.PrintJobs(ctx)
			cancel()
			if err == nil {
				ps.ui(func() { ps.showPrintJobs(jobs) })
			}
		}
		select {
		case <-ps.ctx.Done():
			return
		case <-t.C:
		case <-ps.statusKick:
		}
	}
}

// build lays the screen out: scan field and banner on top, order on the
// left, weight, buttons and last label on the right, status bar below.
func (ps *PackScreen) build() fyne.CanvasObject {
	ps.scan = newScanField()
	ps.scan.SetPlaceHolder(lang.L("Scan order barcode"))
	ps.scan.OnSubmitted = ps.Scan
	scanRow := container.NewThemeOverride(ps.scan, screenTheme{text: scanTextSize, innerPad: buttonTextPad})

	ps.bannerBg = canvas.NewRectangle(colBad)
	ps.bannerBg.CornerRadius = 6
	ps.bannerMsg = widget.NewLabel("")
	ps.bannerMsg.TextStyle.Bold = true
	ps.bannerMsg.Wrapping = fyne.TextWrapWord
	ps.bannerHint = widget.NewLabel("")
	ps.bannerHint.Wrapping = fyne.TextWrapWord
	// The icon tells a problem from a warning by shape as well as colour.
	ps.bannerIcon = widget.NewIcon(theme.ErrorIcon())
	ps.bannerBox = container.NewStack(ps.bannerBg, container.NewThemeOverride(
		container.NewPadded(container.NewBorder(nil, nil, container.NewCenter(ps.bannerIcon), nil,
			container.NewVBox(ps.bannerMsg, ps.bannerHint))), bannerTheme{screenTheme{text: textSize + 2, innerPad: bannerPad}}))
	ps.bannerBox.Hide()

	// Order (left).
	ps.orderRef = sizedLabel("", sizeRef, true)
	ps.orderPhase = sizedLabel("", theme.SizeNameSubHeadingText, true)
	ps.rcptName = sizedLabel("", theme.SizeNameSubHeadingText, true)
	ps.rcptLines = widget.NewLabel("")
	ps.service = widget.NewLabel("")
	ps.contents = widget.NewLabel("")
	ps.contents.Wrapping = fyne.TextWrapWord
	order := container.NewBorder(
		container.NewVBox(
			caption(lang.L("ORDER")), ps.orderRef, ps.orderPhase, widget.NewSeparator(),
			caption(lang.L("RECIPIENT")), ps.rcptName, ps.rcptLines, ps.service, widget.NewSeparator(),
			caption(lang.L("CONTENTS"))),
		nil, nil, nil,
		container.NewVScroll(ps.contents))

	// Weight, buttons, last label (right).
	ps.weightText = canvas.NewText("—", nil)
	ps.weightText.TextSize = weightSize
	ps.weightText.TextStyle = fyne.TextStyle{Bold: true}
	ps.weightText.Alignment = fyne.TextAlignCenter
	ps.stableDot = canvas.NewRectangle(colMuted)
	ps.stableDot.CornerRadius = 10
	ps.stableDot.SetMinSize(fyne.NewSize(20, 20))
	ps.stableText = canvas.NewText(lang.L("no reading"), colMuted)
	ps.stableText.TextSize = stableSize
	ps.stableText.TextStyle.Bold = true
	stable := container.NewHBox(layout.NewSpacer(), container.NewCenter(ps.stableDot), ps.stableText, layout.NewSpacer())
	var stableRow fyne.CanvasObject = stable
	if _, ok := ps.st.(ScaleSettings); ok {
		// Beside the state, not under it: the weight area keeps its height.
		ps.scaleBtn = widget.NewButton(lang.L("Scale…"), ps.ShowScaleSettings)
		ps.scaleBtn.Importance = widget.LowImportance
		stableRow = container.NewBorder(nil, nil, nil, ps.scaleBtn, stable)
	}
	weight := container.NewVBox(caption(lang.L("WEIGHT")), ps.weightText, stableRow)

	ps.printBtn = widget.NewButton(lang.L("Print"), func() { ps.Print() })
	ps.printBtn.Importance = widget.HighImportance
	ps.reprintBtn = widget.NewButton(lang.L("Reprint last"), func() { ps.ReprintLast() })
	buttons := container.NewThemeOverride(
		container.NewGridWithColumns(2, ps.printBtn, ps.reprintBtn), screenTheme{text: 26, innerPad: buttonTextPad})
	ps.activity = widget.NewLabel("")
	ps.activity.Alignment = fyne.TextAlignCenter

	ps.lastTracking = sizedLabel("—", sizeRef, true)
	ps.lastInfo = widget.NewLabel("")
	ps.lastInfo.Wrapping = fyne.TextWrapWord
	ps.lastPreview = widget.NewLabel("")
	ps.lastPreview.TextStyle.Monospace = true
	ps.lastPreview.SizeName = sizePreview
	last := container.NewBorder(
		container.NewVBox(caption(lang.L("LAST LABEL")), ps.lastTracking, ps.lastInfo),
		nil, nil, nil,
		container.NewVScroll(ps.lastPreview))
	var activityRow fyne.CanvasObject = ps.activity
	if _, ok := ps.st.(PrinterSettings); ok {
		// Beside the printer queue line, like Scale… beside the weight.
		ps.printerBtn = widget.NewButton(lang.L("Printer…"), ps.ShowPrinterSettings)
		ps.printerBtn.Importance = widget.LowImportance
		activityRow = container.NewBorder(nil, nil, nil, ps.printerBtn, ps.activity)
	}
	top := container.NewVBox(weight, buttons, activityRow, widget.NewSeparator())
	if ps.rates != nil {
		// Under the Print button, where the packer looks before pressing
		// it; the order column keeps its room for the contents.
		top.Add(ps.rates.panel.box)
	}
	if _, ok := ps.st.(PrintQueue); ok {
		ps.jobsView = newPrintJobsView()
		top.Add(ps.jobsView.box)
	}
	right := container.NewBorder(
		top,
		nil, nil, nil, last)

	// Status bar: four equal cells (five with the site's, in fleet mode)
	// whose text is cut with an ellipsis, so a long carrier URL can never
	// widen the window; while the bench is offline an amber strip below
	// them says since when and what that means; the station's last error
	// on its own line below, only when there is one.
	cells := []string{"carrier", "printer", "scale", "outbox"}
	if ps.fleet != nil {
		cells = append(cells, "site")
	}
	bar := container.NewGridWithColumns(len(cells))
	for _, name := range cells {
		it := newStatusItem()
		ps.statusItems[name] = it
		bar.Add(it.box)
	}
	ps.offline = newOfflineBar()
	ps.statusErr = widget.NewLabel("")
	ps.statusErr.Importance = widget.DangerImportance
	ps.statusErr.Truncation = fyne.TextTruncateEllipsis
	ps.statusErr.Hide()
	// The mode (PACKER / SUPERVISOR until 14:32 · Lock) at the bar's
	// right end, with a station that has the two modes (roles.go).
	status := container.NewVBox(widget.NewSeparator(), ps.withMode(bar), ps.offline.box, ps.statusErr)

	// The screens and the "Work offline" switch sit in two rows of
	// function keys under the order, in the order of their keys, as on a
	// till: the scan field keeps the whole width of the top row (with
	// each key said on its button they no longer fit beside it), and the
	// order's column has room to spare, so the window grows no taller.
	if ps.cfg.settings != nil {
		ps.settingsBtn = widget.NewButton(lang.L("Settings…"), func() { ps.ShowSettings() })
	}
	if _, ok := ps.st.(NotificationDesk); ok {
		ps.notifyBtn = widget.NewButton(lang.L("Notifications…"), ps.ShowNotifications)
	}
	if _, ok := ps.st.(ReturnsDesk); ok {
		ps.returnsBtn = widget.NewButton(lang.L("Returns…"), ps.ShowReturns)
	}
	if ps.cfg.dashboard != nil {
		ps.dashBtn = widget.NewButton(lang.L("Dashboard…"), ps.ShowDashboard)
	}
	if _, ok := ps.st.(OutboxQueue); ok {
		// A check is no button: its key is said in its text (installKeys).
		ps.offlineChk = widget.NewCheck(lang.L("Work offline")+"   "+keyWorkOffline.String(), ps.SetWorkOffline)
		ps.queueBtn = widget.NewButton(lang.L("Queue…"), ps.ShowQueue)
	}
	var shown []fyne.CanvasObject // in the order of their keys
	for _, b := range []*widget.Button{ps.settingsBtn, ps.queueBtn, ps.notifyBtn, ps.returnsBtn, ps.dashBtn} {
		if b != nil {
			shown = append(shown, b)
		}
	}
	if ps.offlineChk != nil {
		shown = append(shown, ps.offlineChk)
	}
	var keyRows fyne.CanvasObject = container.NewVBox()
	if len(shown) > 0 {
		half := (len(shown) + 1) / 2
		keyRows = container.New(layout.NewCustomPaddedVBoxLayout(2), container.NewHBox(shown[:half]...), container.NewHBox(shown[half:]...))
	}
	order = container.NewBorder(nil, keyRows, nil, nil, order)

	middle := container.NewGridWithColumns(2, container.NewPadded(order), container.NewPadded(right))
	ps.showOrder(carrier.Order{})
	ps.refreshButtons()
	ps.refreshActivity()
	return container.NewThemeOverride(container.NewBorder(container.NewVBox(scanRow, ps.bannerBox), status, nil, nil, middle), screenTheme{text: textSize})
}

// Text sizes by theme name. Only Fyne's own names: a widget created after
// its theme override was applied may look a size up in the app theme, and
// a name that theme does not know would be drawn at size 0.
const (
	sizeRef     = theme.SizeNameHeadingText // order ref, tracking id
	sizePreview = theme.SizeNameCaptionText // label preview
)

func sizedLabel(text string, size fyne.ThemeSizeName, bold bool) *widget.Label {
	l := widget.NewLabel(text)
	l.SizeName = size
	l.TextStyle.Bold = bold
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// caption is a small grey section title.
func caption(s string) fyne.CanvasObject {
	t := canvas.NewText(s, colMuted)
	t.TextSize = headingSize
	t.TextStyle.Bold = true
	return t
}

// statusItem is one "● Printer tcp://…" entry of the status bar.
type statusItem struct {
	box  *fyne.Container
	dot  *canvas.Rectangle
	text *widget.Label
}

func newStatusItem() *statusItem {
	it := &statusItem{dot: canvas.NewRectangle(colMuted), text: widget.NewLabel("…")}
	it.dot.CornerRadius = 7
	it.dot.SetMinSize(fyne.NewSize(14, 14))
	it.text.Truncation = fyne.TextTruncateEllipsis
	it.box = container.NewBorder(nil, nil, container.NewCenter(it.dot), nil, it.text)
	return it
}

func (it *statusItem) set(text string, c fyneColor) {
	it.text.SetText(text)
	it.dot.FillColor = c
	it.dot.Refresh()
}

// showOrder fills the order panel; an empty order clears it.
func (ps *PackScreen) showOrder(o carrier.Order) {
	if o.Ref == "" {
		ps.orderRef.SetText("—")
		ps.setPhase(phaseNone, lang.L("Scan an order barcode"))
	} else {
		ps.orderRef.SetText(o.Ref)
	}
	r := o.Receiver
	ps.rcptName.SetText(r.Name)
	ps.rcptLines.SetText(joinNonEmpty("\n", r.Company, r.Street1, r.Street2,
		strings.TrimSpace(r.Postcode+" "+r.City), r.Country))
	switch {
	case o.Ref == "" || r.Name == "":
		ps.service.SetText("")
	case o.Service == "":
		ps.service.SetText(lang.L("Service: station default"))
	default:
		ps.service.SetText(lang.L("Service: {{.Service}}", map[string]any{"Service": o.Service}))
	}
	var lines []string
	for _, l := range o.Lines {
		lines = append(lines, fmt.Sprintf("%d × %s", l.Quantity, l.Description)) // i18n: a count and the order's own item text
	}
	ps.contents.SetText(strings.Join(lines, "\n"))
	ps.refreshButtons()
}

func (ps *PackScreen) setPhase(p orderPhase, text string) {
	ps.phase = p
	switch p {
	case phaseReady:
		ps.orderPhase.Importance = widget.HighImportance
	case phaseQueued, phasePrinting, phaseLooking:
		ps.orderPhase.Importance = widget.WarningImportance
	case phasePrinted:
		ps.orderPhase.Importance = widget.SuccessImportance
	case phaseFailed:
		ps.orderPhase.Importance = widget.DangerImportance
	default:
		ps.orderPhase.Importance = widget.LowImportance
	}
	ps.orderPhase.SetText(text)
	ps.orderPhase.Refresh()
}

func (ps *PackScreen) refreshButtons() {
	if ps.armed {
		ps.printBtn.Enable()
	} else {
		ps.printBtn.Disable()
	}
}

// refreshActivity shows what the print queue is doing.
func (ps *PackScreen) refreshActivity() {
	ps.mu.Lock()
	var cur string
	if ps.inFlight != nil {
		cur = ps.inFlight.ref
		if ps.inFlight.kind == jobReprint {
			cur = lang.L("reprint")
			if ps.inFlight.ref != "" {
				cur = lang.L("reprint {{.Ref}}", map[string]any{"Ref": ps.inFlight.ref})
			}
		}
	}
	waiting := len(ps.queue)
	ps.mu.Unlock()
	switch {
	case cur == "" && waiting == 0:
		ps.activity.SetText(lang.L("Printer queue empty"))
	case cur == "":
		ps.activity.SetText(lang.L("Labels waiting: {{.N}}", map[string]any{"N": waiting}))
	case waiting == 0:
		ps.activity.SetText(lang.L("Printing {{.What}}…", map[string]any{"What": cur}))
	default:
		ps.activity.SetText(lang.L("Printing {{.What}}… · labels waiting: {{.N}}", map[string]any{"What": cur, "N": waiting}))
	}
}

// showResult fills the last-label panel, with the success sound when the
// label printed.
func (ps *PackScreen) showResult(j job, res station.PackResult) {
	ps.lastTracking.SetText(orDash(res.TrackingID))
	info := []string{}
	if res.Offline {
		info = append(info, lang.L(offlineNote)) // i18n: offlineNote is an id of the pack catalogue
	}
	if res.OrderRef != "" {
		info = append(info, lang.L("Order {{.Ref}}", map[string]any{"Ref": res.OrderRef}))
	}
	if s := strings.TrimSpace(res.Carrier + " " + res.Service); s != "" {
		info = append(info, s)
	}
	if res.Weight > 0 {
		info = append(info, res.Weight.String())
	}
	info = append(info, lang.L("Took {{.Time}}", map[string]any{"Time": tookText(res.Took)}))
	if j.kind == jobReprint {
		info = append(info, lang.L("reprint"))
	}
	if res.Resumed {
		info = append(info, lang.L("finished an interrupted earlier attempt"))
	}
	ps.lastInfo.SetText(strings.Join(info, " · "))
	ps.lastPreview.SetText(strings.Join(labelPreviewLines(res.Label), "\n"))
	if res.Printed {
		ps.cfg.cues.Success()
	}
}

func tookText(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds()) // i18n: a unit symbol
	}
	return d.Round(100 * time.Millisecond).String()
}

// showUpdate shows one update of the live weight: the number, and the
// scale's state under it (stable, settling, zero, overload, …, or
// disconnected) with a dot in its colour.
func (ps *PackScreen) showUpdate(u scale.Update) {
	if u.Err != nil {
		ps.readingAt = time.Time{}
		text, c := lang.L("scale disconnected"), colBad
		if errors.Is(u.Err, station.ErrNoScale) {
			text, c = lang.L("no scale: type the weight"), colMuted
		}
		ps.weightText.Text, ps.weightText.Color = "—", colMuted
		ps.stableDot.FillColor, ps.stableDot.StrokeWidth = c, 0
		ps.stableText.Text, ps.stableText.Color = text, c
		ps.refreshWeight()
		return
	}
	ps.showReading(u.Reading)
}

func (ps *PackScreen) showReading(r scale.Reading) {
	ps.lastReading, ps.readingAt = r, time.Now()
	ps.weightText.Text = carrier.Weight(math.Round(r.Grams)).String()
	ps.weightText.Color = nil // theme foreground: a weight to trust
	ps.stableDot.StrokeWidth = 0
	mark := func(text string, c fyneColor) {
		ps.stableDot.FillColor = c
		ps.stableText.Text, ps.stableText.Color = text, c
	}
	switch r.State() {
	case scale.StateStable:
		mark(lang.L("stable"), colOK)
	case scale.StateMoving:
		ps.stableDot.FillColor, ps.stableDot.StrokeColor, ps.stableDot.StrokeWidth = transparent, colWait, 3
		ps.stableText.Text, ps.stableText.Color = lang.L("settling"), colWait
		ps.weightText.Color = colWait // amber digits: not final yet
	case scale.StateZero:
		mark(lang.L("zero: put the parcel on"), colMuted)
	case scale.StateNegative:
		mark(lang.L("below zero: zero the scale"), colWait)
		ps.weightText.Color = colWait
	case scale.StateOverload:
		ps.weightText.Text, ps.weightText.Color = lang.L("overload"), colBad
		mark(lang.L("too heavy for the scale"), colBad)
	case scale.StateUnderload:
		ps.weightText.Text, ps.weightText.Color = lang.L("underload"), colBad
		mark(lang.L("below the scale's range: empty it and zero"), colBad)
	case scale.StateFault:
		ps.weightText.Text, ps.weightText.Color = "—", colBad
		mark(lang.L("scale fault: zero or calibrate it"), colBad)
	}
	ps.refreshWeight()
	ps.ratesWeight()
}

func (ps *PackScreen) refreshWeight() {
	ps.weightText.Refresh()
	ps.stableDot.Refresh()
	ps.stableText.Refresh()
}

func (ps *PackScreen) showNoReading() {
	ps.readingAt = time.Time{}
	ps.weightText.Text, ps.weightText.Color = "—", colMuted
	ps.stableDot.FillColor, ps.stableDot.StrokeWidth = colBad, 0
	ps.stableText.Text, ps.stableText.Color = lang.L("no reading from scale"), colBad
	ps.weightText.Refresh()
	ps.stableDot.Refresh()
	ps.stableText.Refresh()
}

// showStatus shows a status read while the "Work offline" switch
// generation was gen.
func (ps *PackScreen) showStatus(s station.Status, gen int64) {
	ps.lastStatus = s
	ps.showOffline(s, gen)
	// Each cell says its state in words as well as by its dot's colour.
	printer := map[string]any{"Printer": orDash(s.Printer)} // i18n: template field names
	if s.PrinterOK {
		ps.statusItems["printer"].set(lang.L("Printer ready: {{.Printer}}", printer), colOK)
	} else {
		ps.statusItems["printer"].set(lang.L("Printer NOT READY: {{.Printer}}", printer), colBad)
	}
	scale := map[string]any{"Scale": orDash(s.Scale)} // i18n: template field names
	if s.ScaleOK {
		ps.statusItems["scale"].set(lang.L("Scale ready: {{.Scale}}", scale), colOK)
	} else {
		ps.statusItems["scale"].set(lang.L("Scale NOT READY: {{.Scale}}", scale), colBad)
	}
	q := ps.statusItems["outbox"]
	switch {
	case s.QueueAttention > 0:
		q.set(lang.L("Outbox: {{.Pending}} pending, {{.Attention}} need attention", map[string]any{"Pending": s.QueuePending, "Attention": s.QueueAttention}), colBad)
	case s.QueuePending > 0:
		q.set(lang.L("Outbox: {{.Pending}} pending", map[string]any{"Pending": s.QueuePending}), colWait)
	default:
		q.set(lang.L("Outbox: empty"), colOK)
	}
	ps.statusErr.SetText(s.LastError)
	if s.LastError == "" || carrierErrorOffline(s) {
		ps.statusErr.Hide()
	} else {
		ps.statusErr.Show()
	}
	if ps.queueView != nil {
		ps.queueView.showStatus(s)
	}
}

// showError shows the red banner, with the problem sound; scanning goes
// on underneath it.
func (ps *PackScreen) showError(msg, hint string) {
	ps.banner(colBad, theme.ErrorIcon(), msg, hint)
	ps.cfg.cues.Problem()
}

// showWarning shows the amber banner, with the attention sound: nothing
// failed, the packer must act.
func (ps *PackScreen) showWarning(msg, hint string) {
	ps.banner(colWait, theme.WarningIcon(), msg, hint)
	ps.cfg.cues.Attention()
}

func (ps *PackScreen) banner(c fyneColor, icon fyne.Resource, msg, hint string) {
	ps.bannerIcon.SetResource(icon)
	ps.bannerBg.FillColor = c
	ps.bannerBg.Refresh()
	ps.bannerMsg.SetText(upperFirst(msg))
	ps.bannerHint.SetText(upperFirst(hint))
	if hint == "" {
		ps.bannerHint.Hide()
	} else {
		ps.bannerHint.Show()
	}
	ps.bannerBox.Show()
}

// clearBanner hides the banner after a successful action.
func (ps *PackScreen) clearBanner() {
	ps.bannerBox.Hide()
	ps.bannerMsg.SetText("")
	ps.bannerHint.SetText("")
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
