package app

import (
	"context"
	"errors"
	"fmt"
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

	"labelstation/carrier"
	"labelstation/station"
	"labelstation/store"
)

// returnsView is the Returns… dialog (F7): three tabs.
//
//   - Create return: scan the order (or the outgoing parcel's tracking
//     number), pick a reason and how the parcel comes back, Create return
//     label. A second scan of the same code creates it too.
//   - Receive return: scan the return parcel, check the order, reason and
//     lines, Confirm received (or scan the parcel again).
//   - Open returns: the returns still on their way, with Receive on each
//     and Ask the carrier now.
//
// Every button is one ReturnsDesk call, run off the UI goroutine; results
// come back through the screen's ui (fyne.Do). The tab's scan field gets
// the focus back after each action, so a scanner can do the whole flow;
// while the dialog is open, typing with nothing focused goes to the tab's
// scan field, never to the pack screen behind it.
//
// Every button has a key (Ctrl+letter, Ctrl+digit for the reasons,
// Alt+digit for how the parcel comes back), listed in a "Returns" menu of
// the main window while the dialog is open; none is one of the pack
// screen's (F2–F12 and Alt+letters, menu "Station").
type returnsView struct {
	ps  *PackScreen
	rd  ReturnsDesk
	dlg dialog.Dialog
	// ctx ends lookups and the refresh timer when the view is closed (or
	// the screen is).
	ctx    context.Context
	cancel context.CancelFunc

	tabs                           *container.AppTabs
	createTab, receiveTab, openTab *container.TabItem

	// The canvas key handlers of the pack screen, put back on close.
	prevKey  func(*fyne.KeyEvent)
	prevRune func(rune)

	create  createPane
	receive receivePane
	open    openPane

	keys *actionKeys

	refresher // loads the open returns, never two at once
}

// createPane is the Create return tab.
type createPane struct {
	scan     *scanField
	banner   *dlgBanner
	another  *widget.Button // "Create another", shown after a duplicate-return error
	order    *widget.Label  // what was scanned: the order, or that it may be a tracking number
	reason   *choiceGroup
	service  *choiceGroup
	note     *widget.Entry
	btn      *widget.Button // "Create return label"
	status   *widget.Label  // what happens / happened, in words
	tracking *widget.Label  // the return parcel's tracking number
	info     *widget.Label  // order, carrier, service, reason

	scanned   string // the code the form is for
	lookupSeq int
	busy      bool
	last      createReq // the last attempt, for Create another
}

type createReq struct {
	scan string
	opts station.ReturnOptions
}

// receivePane is the Receive return tab.
type receivePane struct {
	scan     *scanField
	banner   *dlgBanner
	order    *widget.Label // "Order 10001"
	receiver *widget.Label
	state    *widget.Label // state in words, coloured
	arrived  *widget.Label // what the state means for the packer
	dates    *widget.Label
	reason   *widget.Label
	lines    *widget.Label
	note     *widget.Entry
	btn      *widget.Button // "Confirm received"
	result   *widget.Label
	details  *fyne.Container // shown once a return is found

	scanned   string
	shown     station.ReturnInfo
	have      bool // shown is a return
	lookupSeq int
	busy      bool
}

// openPane is the Open returns tab.
type openPane struct {
	themed  *container.ThemeOverride // refreshed when rows are added, so they get its sizes
	summary *widget.Label
	result  *widget.Label
	syncBtn *widget.Button
	list    *fyne.Container
	rows    map[string]*openReturnRow // by return id, for tests
	order   []*openReturnRow          // as listed
	sel     int                       // the row chosen with the keyboard; -1: none
	sig     string
	n       int
}

type openReturnRow struct {
	ret     station.Return
	mark    *widget.Label // "▶" on the row chosen with the keyboard
	state   *widget.Label
	title   *widget.Label
	detail  *widget.Label
	receive *widget.Button
}

// Keys of the Returns dialog. The pack screen's are F2–F12 and
// Alt+letters; these are Ctrl+letters and digits.
var (
	keyReturnsCreateTab  = ctrlKey(fyne.KeyN)
	keyReturnsReceiveTab = ctrlKey(fyne.KeyR)
	keyReturnsOpenTab    = ctrlKey(fyne.KeyO)
	keyCreateLabel       = ctrlKey(fyne.KeyL)
	keyCreateAnother     = ctrlKey(fyne.KeyD)
	keyConfirmReceived   = ctrlKey(fyne.KeyK)
	keyAskCarrier        = ctrlKey(fyne.KeyS)
	keyNextOpenReturn    = ctrlKey(fyne.KeyJ)
	keyReceiveChosen     = ctrlKey(fyne.KeyE)
	keyCloseReturns      = ctrlKey(fyne.KeyW)
	// The reasons are Ctrl+1 … Ctrl+7 and the ways back Alt+1 … Alt+3,
	// in the order shown.
	digitKeys = []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9}
)

// Service choices of the Create tab, in the order shown.
const (
	serviceDropOff = iota
	servicePickup
	serviceLabelless
)

// ShowReturns opens the Returns… dialog (button, F7). It does nothing
// when the station offers no returns.
func (ps *PackScreen) ShowReturns() {
	rd, ok := ps.st.(ReturnsDesk)
	if !ok || ps.closed.Load() {
		return
	}
	if v := ps.returnsView; v != nil {
		v.dlg.Show()
		v.focusField()
		return
	}
	v := &returnsView{ps: ps, rd: rd}
	v.ctx, v.cancel = context.WithCancel(ps.ctx)
	v.refresher = refresher{ctx: v.ctx, load: v.load}
	v.keys = newActionKeys(ps.win, lang.X("returns.title", "Returns"))
	v.open.sel = -1

	// Each tab has its own theme override: the tabs' override reaches
	// only the tab shown when it is made.
	v.createTab = container.NewTabItem(lang.X("returns.tab.create", "Create return"), container.NewThemeOverride(v.buildCreate(), screenTheme{text: textSize}))
	v.receiveTab = container.NewTabItem(lang.X("returns.tab.receive", "Receive return"), container.NewThemeOverride(v.buildReceive(), screenTheme{text: textSize}))
	v.open.themed = container.NewThemeOverride(v.buildOpen(), screenTheme{text: textSize})
	v.openTab = container.NewTabItem(lang.X("returns.tab.open", "Open returns"), v.open.themed)
	v.tabs = container.NewAppTabs(v.createTab, v.receiveTab, v.openTab)
	v.tabs.OnSelected = func(*container.TabItem) { v.focusField() }
	v.keys.action(lang.X("returns.tab.create", "Create return"), keyReturnsCreateTab, func() { v.selectTab(v.createTab) })
	v.keys.action(lang.X("returns.tab.receive", "Receive return"), keyReturnsReceiveTab, func() { v.selectTab(v.receiveTab) })
	v.keys.action(lang.X("returns.tab.open", "Open returns"), keyReturnsOpenTab, func() { v.selectTab(v.openTab) })
	v.keys.action(lang.L("Close returns"), keyCloseReturns, func() { v.dlg.Hide() })
	content := container.NewThemeOverride(v.tabs, screenTheme{text: textSize})

	v.dlg = dialog.NewCustom(lang.X("returns.title", "Returns"), lang.X("returns.close", "Close")+"   "+keyCloseReturns.String(), content, ps.win)
	v.dlg.SetOnClosed(func() {
		v.cancel()
		v.keys.uninstall()
		c := ps.win.Canvas()
		c.SetOnTypedKey(v.prevKey)
		c.SetOnTypedRune(v.prevRune)
		if ps.returnsView == v {
			ps.returnsView = nil
		}
		ps.focusScan()
	})
	size := ps.win.Canvas().Size()
	v.dlg.Resize(fyne.NewSize(min(size.Width-40, 1040), min(size.Height-30, 670)))
	ps.returnsView = v

	// Typing while nothing has the focus (after a click on empty space)
	// goes to this dialog's scan field, not to the pack screen under it.
	c := ps.win.Canvas()
	v.prevKey, v.prevRune = c.OnTypedKey(), c.OnTypedRune()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if v.fieldKey(k.Name) {
			return
		}
		f := v.activeField()
		c.Focus(f)
		f.TypedKey(k)
	})
	c.SetOnTypedRune(func(r rune) {
		f := v.activeField()
		c.Focus(f)
		f.TypedRune(r)
	})

	v.keys.install()
	v.dlg.Show()
	v.focusField()
	v.refresh()
	every(v.ctx, &ps.watchers, ps.cfg.queueEvery, v.refresh)
}

// selectTab shows tab t (its key) with its scan field focused.
func (v *returnsView) selectTab(t *container.TabItem) {
	v.tabs.Select(t)
	v.focusField()
}

// closed reports whether the view was closed (UI goroutine).
func (v *returnsView) closed() bool { return v.ctx.Err() != nil }

// activeField is the scan field typing goes to: the Create tab's on the
// Create tab, else the Receive tab's (a parcel scanned on the open list
// is one to receive).
func (v *returnsView) activeField() *scanField {
	if v.tabs.Selected() == v.createTab {
		return v.create.scan
	}
	if v.tabs.Selected() != v.receiveTab {
		v.tabs.Select(v.receiveTab)
	}
	return v.receive.scan
}

// focusField gives the keyboard to the selected tab's scan field; on the
// open list nothing keeps it, so a scan there lands in Receive.
func (v *returnsView) focusField() {
	c := v.ps.win.Canvas()
	switch v.tabs.Selected() {
	case v.createTab:
		c.Focus(v.create.scan)
	case v.receiveTab:
		c.Focus(v.receive.scan)
	default:
		c.Unfocus()
	}
}

// fieldKey handles the dialog's own keys: F7 goes to the next tab, Escape
// closes the dialog; F9 and F10 do nothing here (they must not print on
// the pack screen behind the dialog).
func (v *returnsView) fieldKey(k fyne.KeyName) bool {
	switch k {
	case fyne.KeyF7:
		i := (v.tabs.SelectedIndex() + 1) % len(v.tabs.Items)
		v.tabs.SelectIndex(i)
		v.focusField()
	case fyne.KeyEscape:
		v.dlg.Hide()
	case fyne.KeyF9, fyne.KeyF10:
	default:
		return false
	}
	return true
}

func (v *returnsView) newScanField(placeholder string, submit func(string)) (*scanField, fyne.CanvasObject) {
	f := newScanField()
	f.SetPlaceHolder(placeholder)
	f.OnSubmitted = submit
	f.onKey = v.fieldKey
	return f, container.NewThemeOverride(f, screenTheme{text: 26, innerPad: 10})
}

// ---- Create return ----

func (v *returnsView) buildCreate() fyne.CanvasObject {
	p := &v.create
	var scanRow fyne.CanvasObject
	p.scan, scanRow = v.newScanField(lang.L("Scan the order or the parcel's tracking number"), v.createScanned)
	p.another = v.keys.button(lang.L("Create another"), keyCreateAnother, v.createAnother)
	p.another.Hide()
	p.banner = newDlgBanner(p.another)
	p.order = widget.NewLabel(lang.L("Scan the order barcode on the packing slip, or the tracking number on the parcel that was sent."))
	p.order.Wrapping = fyne.TextWrapWord

	var labels []string
	for _, r := range station.ReturnReasons {
		labels = append(labels, reasonText(r))
	}
	p.reason = newChoiceGroup(3, labels, append([]string(nil), station.ReturnReasons...), func(string) { v.focusField() })
	for i, b := range p.reason.buttons {
		if i < len(digitKeys) {
			v.keys.bind(b, labels[i], ctrlKey(digitKeys[i]))
		}
	}
	services := []string{lang.L("Service point drop-off (24)"), lang.L("Pickup at the customer (20)"), lang.L("QR code, no label")}
	p.service = newChoiceGroup(3, services, []string{"drop_off", "pickup", "labelless"}, func(string) { v.focusField() })
	for i, b := range p.service.buttons {
		v.keys.bind(b, services[i], altKey(digitKeys[i]))
	}
	p.service.pick(serviceDropOff)

	p.note = widget.NewEntry()
	p.note.SetPlaceHolder(lang.L("Note (optional), e.g. stain on the left sleeve"))
	p.btn = v.keys.button(lang.L("Create return label"), keyCreateLabel, func() { v.createReturn(false) })
	p.btn.Importance = widget.HighImportance
	btn := container.NewThemeOverride(p.btn, screenTheme{text: 22, innerPad: 10})

	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	p.status.TextStyle.Bold = true
	p.status.Hide()
	p.tracking = sizedLabel("", sizeRef, true)
	p.tracking.Hide()
	p.info = widget.NewLabel("")
	p.info.Wrapping = fyne.TextWrapWord
	p.info.Hide()

	return container.NewVBox(
		scanRow,
		p.banner.box,
		p.order,
		labelled(lang.X("returns.caption.reason", "REASON"), p.reason.box),
		labelled(lang.L("HOW IT COMES BACK"), p.service.box),
		container.NewBorder(nil, nil, nil, btn, p.note),
		p.status,
		container.NewBorder(nil, nil, nil, nil, container.NewVBox(p.tracking, p.info)),
	)
}

// labelled puts a small grey caption over a part of a form.
func labelled(title string, o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(caption(title), o)
}

// createScanned handles a scan on the Create tab: a new code is looked up
// and shown; the same code again creates the return.
func (v *returnsView) createScanned(code string) {
	p := &v.create
	defer v.focusField()
	p.scan.SetText("")
	code = strings.TrimSpace(code)
	if code == "" {
		return
	}
	if code == p.scanned {
		v.createReturn(false)
		return
	}
	p.scanned = code
	p.banner.hide()
	p.another.Hide()
	p.status.Hide()
	p.tracking.Hide()
	p.info.Hide()
	p.order.Importance = widget.MediumImportance
	p.order.SetText(lookingUpText(code))
	p.order.Show()
	p.lookupSeq++
	seq := p.lookupSeq
	go func() {
		ctx, cancel := context.WithTimeout(v.ctx, v.ps.cfg.lookupTimeout)
		defer cancel()
		o, err := v.ps.st.Order(ctx, code)
		v.ps.ui(func() {
			if v.closed() || seq != p.lookupSeq {
				return
			}
			p.order.SetText(scannedOrderText(code, o, err))
			if err != nil {
				p.order.Importance = widget.LowImportance
				p.order.Refresh()
			}
		})
	}()
}

// scannedOrderText says what the Create tab will return: the order with
// its receiver and lines, or that the code may be a tracking number (the
// station finds the order of an outgoing parcel itself).
func scannedOrderText(code string, o carrier.Order, err error) string {
	next := lang.L("Pick a reason, then press Create return label or scan it again.")
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return ""
		}
		return lang.L("{{.Code}}: not an order reference of this station. If it is the tracking number of the parcel sent, Create return label finds its order.",
			map[string]any{"Code": code}) + " " + next
	}
	ref := firstOf(o.Ref, code)
	r := o.Receiver
	head := joinNonEmpty(" · ", orderText(ref), r.Name, strings.TrimSpace(r.Postcode+" "+r.City), r.Country)
	return joinNonEmpty("\n", head, linesText(o.Lines, " · "), next)
}

// options are what the form says now; ok is false (and the banner says
// what is missing) when the form is not complete.
func (v *returnsView) options() (station.ReturnOptions, bool) {
	p := &v.create
	reason, ok := p.reason.value()
	if !ok {
		p.banner.warn(lang.L("Pick a reason first: why does the parcel come back?"), "")
		return station.ReturnOptions{}, false
	}
	opts := station.ReturnOptions{Reason: reason, Note: strings.TrimSpace(p.note.Text)}
	switch p.service.selected {
	case servicePickup:
		opts.Service = "20"
	case serviceLabelless:
		opts.Labelless = true
	}
	return opts, true
}

// createReturn creates the return for the scanned code (Create return
// label, a second scan).
func (v *returnsView) createReturn(another bool) {
	p := &v.create
	defer v.focusField()
	if typed := strings.TrimSpace(p.scan.Text); typed != "" && typed != p.scanned {
		// Typed but not entered: the packer means this one.
		p.scan.SetText("")
		p.scanned = typed
	}
	if p.scanned == "" {
		p.banner.warn(lang.L("Scan the order or the parcel's tracking number first."), "")
		return
	}
	opts, ok := v.options()
	if !ok {
		return
	}
	opts.Another = another
	v.runCreate(createReq{scan: p.scanned, opts: opts})
}

// createAnother sends the last attempt again with Another (the order
// already has an open return and the customer sends a second parcel).
func (v *returnsView) createAnother() {
	p := &v.create
	defer v.focusField()
	if p.last.scan == "" {
		return
	}
	req := p.last
	req.opts.Another = true
	v.runCreate(req)
}

func (v *returnsView) runCreate(req createReq) {
	p := &v.create
	if p.busy {
		return
	}
	p.busy = true
	p.last = req
	p.btn.Disable()
	p.another.Disable()
	p.banner.hide()
	p.tracking.Hide()
	p.info.Hide()
	v.createSay(lang.L("Creating the return label for {{.Code}}…", map[string]any{"Code": req.scan}), widget.MediumImportance)
	go func() {
		// Under the screen's job context, not the view's: closing the
		// dialog must not cut a booking off halfway.
		ctx, cancel := context.WithTimeout(v.ps.jobCtx, v.ps.cfg.jobTimeout)
		defer cancel()
		res, err := v.rd.CreateReturn(ctx, req.scan, req.opts)
		v.ps.ui(func() { v.createDone(req, res, err) })
		v.refresh()
	}()
}

func (v *returnsView) createDone(req createReq, res station.ReturnResult, err error) {
	p := &v.create
	p.busy = false
	p.btn.Enable()
	p.another.Enable()
	if v.closed() {
		if err != nil { // nobody would see it otherwise
			v.ps.showError(noReturnLabelText(req.scan, err), hintText(err))
		}
		return
	}
	defer v.focusField()
	if err != nil {
		p.status.Hide()
		if id := res.Return.TrackingID(); id != "" && res.Return.State != store.ReturnRequested {
			// Booked, but something after it failed (the label did not
			// print): the tracking number is real, show it.
			v.showCreated(req, res)
			p.status.Hide()
		}
		hint := hintText(err)
		if isReturnExists(err) {
			p.another.Show()
			// The station's hint names the command line's --another; here
			// it is a button.
			hint = lang.L("If the customer sends a second parcel back, press Create another. Otherwise the return made before is the one to use.")
		} else {
			p.another.Hide()
		}
		p.banner.fail(noReturnLabelText(req.scan, err), hint)
		return
	}
	p.another.Hide()
	r := v.showCreated(req, res)
	switch {
	case r.Labelless:
		v.createSay(lang.L("QR code sent to the customer: they show it at a service point, no label needed."), widget.SuccessImportance)
	case res.Printed:
		v.createSay(lang.L("Return label printed."), widget.SuccessImportance)
	default:
		// In the status line, not the banner: the dialog keeps its height.
		v.createSay(lang.L("The return is registered but its label did not print. Check the printer (paper, head, cable): the label waits under the pack screen's buttons with Retry."),
			widget.WarningImportance)
	}
	// Ready for the next return: nothing of this one carries over.
	p.scanned = ""
	p.reason.clear()
	p.service.pick(serviceDropOff)
	p.note.SetText("")
}

// showCreated shows the return's tracking number and what it is.
func (v *returnsView) showCreated(req createReq, res station.ReturnResult) station.Return {
	p := &v.create
	r := res.Return
	p.tracking.SetText(orDash(r.TrackingID()))
	p.tracking.Show()
	p.info.SetText(joinNonEmpty(" · ",
		lang.L("Return for order {{.Ref}}", map[string]any{"Ref": orDash(firstOf(r.OrderRef, req.scan))}),
		returnServiceText(r),
		lang.L("reason: {{.Reason}}", map[string]any{"Reason": reasonText(firstOf(r.Reason, req.opts.Reason))}),
		lang.L("took {{.Took}}", map[string]any{"Took": tookText(res.Took)})))
	p.info.Show()
	p.order.Hide() // the result names the order; the dialog keeps its height
	return r
}

func (v *returnsView) createSay(msg string, imp widget.Importance) {
	p := &v.create
	p.status.SetText(msg)
	p.status.Importance = imp
	p.status.Refresh()
	p.status.Show()
}

// noReturnLabelText is "Order 10001: no return label: <the station's
// words>" (without the order when the station's words name it).
func noReturnLabelText(ref string, err error) string {
	text := errText(err)
	if ref == "" || strings.Contains(text, ref) {
		return lang.L("No return label: {{.Error}}", map[string]any{"Error": text})
	}
	return lang.L("Order {{.Ref}}: no return label: {{.Error}}", map[string]any{"Ref": ref, "Error": text})
}

// lookingUpText is "Looking up 10001…".
func lookingUpText(code string) string {
	return lang.L("Looking up {{.Code}}…", map[string]any{"Code": code})
}

// isReturnExists reports whether CreateReturn refused because the order
// already has an open return.
func isReturnExists(err error) bool {
	return errors.Is(err, store.ErrReturnExists) || strings.Contains(err.Error(), store.ErrReturnExists.Error())
}

// ---- Receive return ----

func (v *returnsView) buildReceive() fyne.CanvasObject {
	p := &v.receive
	var scanRow fyne.CanvasObject
	p.scan, scanRow = v.newScanField(lang.L("Scan the return parcel's tracking number"), v.receiveScanned)
	p.banner = newDlgBanner(nil)
	p.result = widget.NewLabel(lang.L("Scan the label on the parcel that came back."))
	p.result.Wrapping = fyne.TextWrapWord
	p.result.TextStyle.Bold = true

	p.order = sizedLabel("", sizeRef, true)
	p.receiver = widget.NewLabel("")
	p.receiver.Truncation = fyne.TextTruncateEllipsis
	p.state = sizedLabel("", theme.SizeNameSubHeadingText, true)
	p.arrived = widget.NewLabel("")
	p.arrived.Wrapping = fyne.TextWrapWord
	p.arrived.TextStyle.Italic = true
	p.dates = widget.NewLabel("")
	p.dates.Wrapping = fyne.TextWrapWord
	p.reason = widget.NewLabel("")
	p.reason.Wrapping = fyne.TextWrapWord
	p.lines = widget.NewLabel("")
	p.lines.Wrapping = fyne.TextWrapWord

	p.note = widget.NewEntry()
	p.note.SetPlaceHolder(lang.L("Note (optional), e.g. one cup broken"))
	p.btn = v.keys.button(lang.L("Confirm received"), keyConfirmReceived, v.confirmReceived)
	p.btn.Importance = widget.HighImportance
	p.btn.Disable()
	btn := container.NewThemeOverride(p.btn, screenTheme{text: 22, innerPad: 10})

	left := container.NewVBox(caption(lang.L("RETURN OF")), p.order, p.receiver, p.state, p.arrived)
	right := container.NewBorder(container.NewVBox(caption(lang.X("returns.caption.reason", "REASON")), p.reason, caption(lang.L("COMING BACK"))), nil, nil, nil,
		container.NewVScroll(p.lines))
	p.details = container.NewBorder(nil, container.NewVBox(p.dates, container.NewBorder(nil, nil, nil, btn, p.note)), nil, nil,
		container.NewGridWithColumns(2, left, right))
	p.details.Hide()
	return container.NewBorder(container.NewVBox(scanRow, p.banner.box, p.result), nil, nil, nil, p.details)
}

// receiveScanned handles a scan on the Receive tab: a new code is looked
// up; the shown return's code again confirms it.
func (v *returnsView) receiveScanned(code string) {
	p := &v.receive
	defer v.focusField()
	p.scan.SetText("")
	code = strings.TrimSpace(code)
	if code == "" {
		return
	}
	if p.have && !p.btn.Disabled() && (code == p.scanned || code == p.shown.Return.TrackingID()) {
		v.confirmReceived()
		return
	}
	v.lookupReturn(code)
}

// lookupReturn asks the station for the return the code belongs to.
func (v *returnsView) lookupReturn(code string) {
	p := &v.receive
	p.scanned = code
	p.have = false
	p.btn.Disable()
	p.details.Hide()
	p.banner.hide()
	v.receiveSay(lookingUpText(code), widget.MediumImportance)
	p.lookupSeq++
	seq := p.lookupSeq
	go func() {
		ctx, cancel := context.WithTimeout(v.ctx, v.ps.cfg.lookupTimeout)
		defer cancel()
		info, err := v.rd.FindReturn(ctx, code)
		v.ps.ui(func() {
			if v.closed() || seq != p.lookupSeq {
				return
			}
			defer v.focusField()
			if err != nil {
				hint := hintText(err)
				if hint == "" && errors.Is(err, station.ErrReturnNotFound) {
					hint = lang.L("Scan the return label's tracking number (or the order number of an order with one open return). A parcel without a return registered here goes to a supervisor.")
				}
				p.result.Hide()
				text := errText(err)
				if !strings.Contains(text, code) {
					text = lang.L("{{.Code}}: {{.Error}}", map[string]any{"Code": code, "Error": text})
				}
				p.banner.fail(text, hint)
				return
			}
			v.showReturn(info, "")
		})
	}()
}

// showReturn fills the Receive tab with a found (or just received)
// return; done is the line that says what just happened, if anything.
func (v *returnsView) showReturn(info station.ReturnInfo, done string) {
	p := &v.receive
	r := info.Return
	p.shown, p.have = info, true
	p.order.SetText(orderText(firstOf(r.OrderRef, info.Order.Ref)))
	rc := info.Order.Receiver
	if rc.Name == "" {
		rc = info.Shipment.Receiver
	}
	p.receiver.SetText(joinNonEmpty(" · ", rc.Name, strings.TrimSpace(rc.Postcode+" "+rc.City), rc.Country))
	words, imp := returnStateWords(r)
	p.state.SetText(words)
	p.state.Importance = imp
	p.state.Refresh()

	now := time.Now()
	canConfirm := true
	var arrived string
	switch {
	case !r.CheckedAt.IsZero():
		canConfirm = false
		arrived = lang.L("Received at the bench {{.When}}. Nothing more to do.", map[string]any{"When": onText(r.CheckedAt, now)})
		if r.ReceivedBy == store.ReceivedByCarrier && !r.ReceivedAt.IsZero() {
			arrived = lang.L("Arrived by carrier {{.When}}, checked at the bench {{.Checked}}. Nothing more to do.",
				map[string]any{"When": onText(r.ReceivedAt, now), "Checked": onText(r.CheckedAt, now)})
		}
	case r.State == store.ReturnReceived && r.ReceivedBy == store.ReceivedByCarrier:
		arrived = lang.L("Arrived by carrier {{.When}}; confirm it was checked.", map[string]any{"When": onText(r.ReceivedAt, now)})
	case r.State == store.ReturnReceived:
		canConfirm = false
		arrived = lang.L("Received {{.When}}. Nothing more to do.", map[string]any{"When": onText(r.ReceivedAt, now)})
	case r.State == store.ReturnRequested:
		canConfirm = false
		arrived = lang.L("The carrier never booked this return, so it cannot be received. If the parcel is this order's, create the return first.")
	case r.State == store.ReturnFailed:
		canConfirm = false
		arrived = lang.L("The carrier refused this return, so it cannot be received. Check the parcel's label: scan the return it came with.")
		if r.LastError != "" {
			arrived = lang.L("The carrier refused this return ({{.Error}}), so it cannot be received. Check the parcel's label: scan the return it came with.",
				map[string]any{"Error": r.LastError})
		}
	case r.State == store.ReturnCancelled:
		canConfirm = false
		arrived = lang.L("This return was cancelled, so it cannot be received. Check the parcel's label: scan the return it came with.")
	default:
		arrived = lang.L("Check the contents against the list, then press Confirm received or scan the parcel again.")
	}
	p.arrived.SetText(arrived)

	reason := reasonText(r.Reason)
	if r.Reason == "" {
		reason = lang.X("returns.reason_not_given", "Not given")
	}
	if r.Note != "" {
		reason += "\n" + lang.L("Note: {{.Note}}", map[string]any{"Note": r.Note})
	}
	p.reason.SetText(reason)
	lines, prefix := r.Lines, ""
	if len(lines) == 0 {
		lines, prefix = info.Order.Lines, lang.L("Every line of the order:")+"\n"
	}
	p.lines.SetText(prefix + orDash(linesText(lines, "\n")))
	p.dates.SetText(returnDatesText(r, now))

	if canConfirm {
		p.btn.Enable()
	} else {
		p.btn.Disable()
	}
	p.details.Show()
	p.banner.hide()
	if done != "" {
		v.receiveSay(done, widget.SuccessImportance)
	} else {
		v.receiveSay(lang.L("Return {{.ID}} · {{.Service}}", map[string]any{"ID": orDash(r.TrackingID()), "Service": returnServiceText(r)}),
			widget.MediumImportance)
	}
}

// confirmReceived tells the station the shown return is back (Confirm
// received, or the parcel scanned again).
func (v *returnsView) confirmReceived() {
	p := &v.receive
	defer v.focusField()
	if !p.have || p.busy || p.btn.Disabled() {
		return
	}
	p.busy = true
	p.btn.Disable()
	info := p.shown
	note := strings.TrimSpace(p.note.Text)
	v.receiveSay(lang.L("Confirming return {{.ID}}…", map[string]any{"ID": orDash(info.Return.TrackingID())}), widget.MediumImportance)
	go func() {
		ctx, cancel := context.WithTimeout(v.ps.jobCtx, 30*time.Second)
		defer cancel()
		got, err := v.rd.ReceiveReturn(ctx, info.Return.ID, note)
		v.ps.ui(func() {
			p.busy = false
			notConfirmed := func() string {
				return lang.L("Return of order {{.Ref}} not confirmed: {{.Error}}", map[string]any{"Ref": info.Return.OrderRef, "Error": errText(err)})
			}
			if v.closed() {
				if err != nil {
					v.ps.showError(notConfirmed(), hintText(err))
				}
				return
			}
			defer v.focusField()
			if err != nil {
				p.btn.Enable()
				p.result.Hide()
				p.banner.fail(notConfirmed(), hintText(err))
				return
			}
			if got.ID == "" {
				got = info.Return
			}
			info.Return = got
			p.note.SetText("")
			v.showReturn(info, lang.L("Received: return {{.ID}} of order {{.Ref}} is checked in. Scan the next return parcel.",
				map[string]any{"ID": orDash(got.TrackingID()), "Ref": orDash(got.OrderRef)}))
		})
		v.refresh()
	}()
}

func (v *returnsView) receiveSay(msg string, imp widget.Importance) {
	p := &v.receive
	p.result.SetText(msg)
	p.result.Importance = imp
	p.result.Refresh()
	p.result.Show()
}

// ---- Open returns ----

func (v *returnsView) buildOpen() fyne.CanvasObject {
	p := &v.open
	p.summary = widget.NewLabel(lang.L("Asking the station for the open returns…"))
	p.summary.Truncation = fyne.TextTruncateEllipsis
	p.result = widget.NewLabel("")
	p.result.Wrapping = fyne.TextWrapWord
	p.result.Hide()
	p.syncBtn = v.keys.button(lang.L("Ask the carrier now"), keyAskCarrier, v.syncReturns)
	v.keys.action(lang.L("Next open return"), keyNextOpenReturn, v.selectNextOpen)
	v.keys.action(lang.L("Receive the chosen return"), keyReceiveChosen, v.receiveChosen)
	p.list = container.NewVBox()
	p.rows = map[string]*openReturnRow{}
	head := container.NewVBox(container.NewBorder(nil, nil, nil, p.syncBtn, p.summary), p.result)
	return container.NewBorder(head, nil, nil, nil, container.NewVScroll(p.list))
}

// load asks the station for the open returns (off the UI goroutine,
// through v.refresher).
func (v *returnsView) load(viewCtx context.Context) {
	ctx, cancel := context.WithTimeout(viewCtx, 10*time.Second)
	rs, err := v.rd.Returns(ctx, true)
	cancel()
	if viewCtx.Err() == nil {
		v.ps.ui(func() { v.showOpen(rs, err) })
	}
}

func (v *returnsView) showOpen(rs []station.Return, err error) {
	p := &v.open
	if v.closed() {
		return
	}
	if err != nil {
		p.summary.SetText(lang.L("The returns cannot be read: {{.Error}}", map[string]any{"Error": errText(err)}))
		p.summary.Importance = widget.DangerImportance
		p.summary.Refresh()
		return
	}
	p.n = len(rs)
	v.openTab.Text = lang.L("Open returns ({{.N}})", map[string]any{"N": len(rs)})
	v.tabs.Refresh()
	p.summary.Importance = widget.MediumImportance
	if len(rs) == 0 {
		p.summary.SetText(lang.L("No return is on its way."))
	} else {
		p.summary.SetText(lang.L("Returns on their way back to the warehouse: {{.N}}", map[string]any{"N": len(rs)}))
	}
	p.summary.Refresh()

	var sig strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&sig, "%s/%s/%s/%s\n", r.ID, r.State, r.ItemID, r.LastError) // i18n: a signature
	}
	if sig.String() == p.sig && p.sig != "" {
		return
	}
	p.sig = sig.String()
	var chosen string
	if p.sel >= 0 && p.sel < len(p.order) {
		chosen = p.order[p.sel].ret.ID
	}
	p.list.RemoveAll()
	p.rows = map[string]*openReturnRow{}
	p.order = nil
	p.sel = -1
	now := time.Now()
	for i, r := range rs {
		row := &openReturnRow{ret: r}
		row.mark = widget.NewLabel("▶")
		row.mark.TextStyle.Bold = true
		row.mark.Hide()
		words, imp := returnStateWords(r)
		row.state = widget.NewLabel(words)
		row.state.TextStyle.Bold = true
		row.state.Importance = imp
		row.title = widget.NewLabel(joinNonEmpty(" · ", orderText(r.OrderRef), r.TrackingID(), reasonText(r.Reason)))
		row.title.TextStyle.Bold = true
		row.title.Truncation = fyne.TextTruncateEllipsis
		detail := []string{returnServiceText(r), lang.L("created {{.When}}", map[string]any{"When": returnClock(r.Created, now)})}
		if r.LastError != "" {
			detail = append(detail, lang.L("last error: {{.Error}}", map[string]any{"Error": r.LastError}))
		}
		row.detail = widget.NewLabel(joinNonEmpty(" · ", detail...))
		row.detail.Wrapping = fyne.TextWrapWord
		code := firstOf(r.TrackingID(), r.OrderRef)
		row.receive = widget.NewButton(lang.X("returns.receive", "Receive"), func() {
			v.tabs.Select(v.receiveTab)
			v.lookupReturn(code)
			v.focusField()
		})
		p.rows[r.ID] = row
		if r.ID == chosen {
			p.sel = len(p.order)
			row.mark.Show()
		}
		p.order = append(p.order, row)
		if i > 0 {
			p.list.Add(widget.NewSeparator())
		}
		text := container.NewVBox(container.NewBorder(nil, nil, container.NewHBox(row.mark, row.state), nil, row.title), row.detail)
		p.list.Add(container.NewBorder(nil, nil, nil, container.NewVBox(row.receive, layout.NewSpacer()), text))
	}
	if len(rs) == 0 {
		empty := widget.NewLabel(lang.L("Every return created here has arrived (or was cancelled)."))
		empty.Importance = widget.LowImportance
		p.list.Add(empty)
	}
	p.themed.Refresh()
}

// selectNextOpen chooses the next open return for the keyboard (after
// the last, the first again) and shows the Open returns tab.
func (v *returnsView) selectNextOpen() {
	p := &v.open
	if v.tabs.Selected() != v.openTab {
		v.selectTab(v.openTab)
	}
	if len(p.order) == 0 {
		return
	}
	if p.sel >= 0 && p.sel < len(p.order) {
		p.order[p.sel].mark.Hide()
	}
	p.sel = (p.sel + 1) % len(p.order)
	p.order[p.sel].mark.Show()
}

// receiveChosen receives the chosen open return (its Receive button).
func (v *returnsView) receiveChosen() {
	p := &v.open
	if p.sel < 0 || p.sel >= len(p.order) {
		return
	}
	p.order[p.sel].receive.OnTapped()
}

// syncReturns asks the carriers where the open returns are (Ask the
// carrier now).
func (v *returnsView) syncReturns() {
	p := &v.open
	p.syncBtn.Disable()
	v.openSay(lang.L("Asking the carrier about the open returns…"), widget.MediumImportance)
	go func() {
		ctx, cancel := context.WithTimeout(v.ps.jobCtx, v.ps.cfg.syncTimeout)
		defer cancel()
		rep, err := v.rd.SyncReturns(ctx)
		v.ps.ui(func() {
			p.syncBtn.Enable()
			if v.closed() {
				return
			}
			if err != nil {
				msg := upperFirst(errText(err))
				if h := hintText(err); h != "" {
					msg += "\n" + upperFirst(h)
				}
				v.openSay(msg, widget.DangerImportance)
				return
			}
			imp := widget.SuccessImportance
			if len(rep.Errors) > 0 {
				imp = widget.WarningImportance
			}
			v.openSay(returnSyncText(rep), imp)
		})
		v.refresh()
	}()
}

func (v *returnsView) openSay(msg string, imp widget.Importance) {
	p := &v.open
	p.result.SetText(msg)
	p.result.Importance = imp
	p.result.Refresh()
	p.result.Show()
}

// returnSyncText words a ReturnSyncReport: "Returns asked about: 2.
// Moved on: 1."
func returnSyncText(r station.ReturnSyncReport) string {
	n := func(v int) map[string]any { return map[string]any{"N": v} } // i18n: a template field
	msg := lang.L("Returns asked about: {{.N}}.", n(r.Checked))
	var did []string
	if r.Changed > 0 {
		did = append(did, lang.L("moved on: {{.N}}", n(r.Changed)))
	}
	if r.Received > 0 {
		did = append(did, lang.L("arrived back: {{.N}}", n(r.Received)))
	}
	if len(did) == 0 {
		msg += " " + lang.X("returns.nothing_new", "Nothing new.")
	} else {
		msg += " " + upperFirst(strings.Join(did, ", ")) + "."
	}
	if len(r.Errors) > 0 {
		msg += " " + lang.L("Could not be asked: {{.N}} ({{.Error}})", map[string]any{"N": len(r.Errors), "Error": r.Errors[0]})
	}
	return msg
}

// ---- words ----

// reasonText is a reason in plain words in the screen's language (a
// free text stays as it is).
func reasonText(code string) string {
	english := upperFirst(strings.ReplaceAll(code, "_", " "))
	switch code {
	case "wrong_size":
		english = "Wrong size" // i18n: fallback of returns.reason.wrong_size
	case "damaged":
		english = "Damaged" // i18n: fallback of returns.reason.damaged
	case "wrong_item":
		english = "Wrong item sent" // i18n: fallback of returns.reason.wrong_item
	case "not_as_described":
		english = "Not as described" // i18n: fallback of returns.reason.not_as_described
	case "changed_mind":
		english = "Changed their mind" // i18n: fallback of returns.reason.changed_mind
	case "not_collected":
		english = "Not collected" // i18n: fallback of returns.reason.not_collected
	case "other":
		english = "Other reason" // i18n: fallback of returns.reason.other
	default:
		return english
	}
	return lang.X("returns.reason."+code, english) // i18n: the ids of station.ReturnReasons, checked in TestReturnWordsAreInTheCatalogue
}

// returnStates are the states a return can be in (store), each with its
// words in the catalogue (returns.state.STATE).
var returnStates = []store.ReturnState{store.ReturnRequested, store.ReturnRegistered, store.ReturnInTransit,
	store.ReturnReceived, store.ReturnFailed, store.ReturnCancelled}

// returnStateWords is a return's state as the packer says it, with its
// colour: never the colour alone.
func returnStateWords(r station.Return) (string, widget.Importance) {
	var imp widget.Importance
	switch r.State {
	case store.ReturnRequested:
		imp = widget.WarningImportance
	case store.ReturnRegistered, store.ReturnInTransit:
		imp = widget.HighImportance
	case store.ReturnReceived:
		if r.ReceivedBy == store.ReceivedByCarrier && r.CheckedAt.IsZero() {
			return lang.X("returns.state.arrived_unchecked", "ARRIVED, NOT CHECKED"), widget.WarningImportance
		}
		imp = widget.SuccessImportance
	case store.ReturnFailed:
		imp = widget.DangerImportance
	case store.ReturnCancelled:
		imp = widget.LowImportance
	default:
		return strings.ToUpper(strings.ReplaceAll(string(r.State), "_", " ")), widget.MediumImportance
	}
	return lang.X("returns.state."+string(r.State), returnStateEnglish[r.State]), imp // i18n: the ids of returnStates, checked in TestReturnWordsAreInTheCatalogue
}

// returnStateEnglish are the states' English words, the catalogue's
// fallbacks.
var returnStateEnglish = map[store.ReturnState]string{
	store.ReturnRequested:  "REQUESTED",  // i18n: fallback of returns.state.requested
	store.ReturnRegistered: "REGISTERED", // i18n: fallback of returns.state.registered
	store.ReturnInTransit:  "ON ITS WAY", // i18n: fallback of returns.state.in_transit
	store.ReturnReceived:   "RECEIVED",   // i18n: fallback of returns.state.received
	store.ReturnFailed:     "REFUSED",    // i18n: fallback of returns.state.failed
	store.ReturnCancelled:  "CANCELLED",  // i18n: fallback of returns.state.cancelled
}

// returnServiceText is "PostNord Return Drop Off (24)", "PostNord QR
// code, no label", "STG Return Pickup (20)".
func returnServiceText(r station.Return) string {
	var svc string
	switch {
	case r.Labelless:
		svc = lang.L("QR code, no label")
	case r.Service == "24":
		svc = lang.L("Return Drop Off (24)")
	case r.Service == "20" || r.Service == "22":
		svc = lang.L("Return Pickup ({{.Code}})", map[string]any{"Code": r.Service})
	default:
		svc = r.Service
	}
	return strings.TrimSpace(carrierTitle(r.Carrier) + " " + svc)
}

// returnDatesText is the return's history in one line.
func returnDatesText(r station.Return, now time.Time) string {
	var parts []string
	add := func(what func(when string) string, t time.Time) {
		if !t.IsZero() {
			parts = append(parts, what(returnClock(t, now)))
		}
	}
	when := func(w string) map[string]any { return map[string]any{"When": w} } // i18n: a template field
	add(func(w string) string { return lang.L("Created {{.When}}", when(w)) }, r.Created)
	add(func(w string) string { return lang.L("registered {{.When}}", when(w)) }, r.RegisteredAt)
	add(func(w string) string { return lang.L("on its way {{.When}}", when(w)) }, r.InTransitAt)
	if r.ReceivedBy == store.ReceivedByCarrier {
		add(func(w string) string { return lang.L("arrived by carrier {{.When}}", when(w)) }, r.ReceivedAt)
	} else {
		add(func(w string) string { return lang.L("received {{.When}}", when(w)) }, r.ReceivedAt)
	}
	if r.ReceivedBy == store.ReceivedByCarrier || !r.CheckedAt.Equal(r.ReceivedAt) {
		// unless it is the bench's own "received"
		add(func(w string) string { return lang.L("checked at the bench {{.When}}", when(w)) }, r.CheckedAt)
	}
	if r.OutgoingItemID != "" {
		parts = append(parts, lang.L("sent as {{.ID}}", map[string]any{"ID": r.OutgoingItemID}))
	}
	return strings.Join(parts, " · ")
}

// returnClock is "14:05" today, else "2 Jan 14:05".
func returnClock(t, now time.Time) string {
	t = t.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return clockOf(t)
	}
	return dayMonthText(t) + " " + clockOf(t)
}

// onText is "on 2 Jan at 14:05", or "today at 14:05".
func onText(t, now time.Time) string {
	if t.IsZero() {
		return lang.X("returns.earlier", "earlier")
	}
	t = t.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return lang.L("today at {{.Time}}", map[string]any{"Time": clockOf(t)})
	}
	return lang.L("on {{.Day}} at {{.Time}}", map[string]any{"Day": dayMonthText(t), "Time": clockOf(t)})
}

// linesText is "2 × Blå kopp (SKU 123)", one line each, joined by sep.
func linesText(lines []carrier.Line, sep string) string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		s := fmt.Sprintf("%d × %s", l.Quantity, l.Description) // i18n: a quantity and the shop's own words
		if l.SKU != "" {
			s += " (SKU " + l.SKU + ")" // i18n: SKU is the same word in every language the station speaks
		}
		out = append(out, s)
	}
	return strings.Join(out, sep)
}

// ---- parts ----

// dlgBanner is the pack screen's banner for a dialog: red for an error,
// amber for what the packer must do, white text, the hint under it, and
// an optional button beside it.
type dlgBanner struct {
	box        *fyne.Container
	bg         *canvas.Rectangle
	msg, hint  *widget.Label
	importance widget.Importance // DangerImportance or WarningImportance while shown
}

func newDlgBanner(button *widget.Button) *dlgBanner {
	b := &dlgBanner{bg: canvas.NewRectangle(colBad), msg: widget.NewLabel(""), hint: widget.NewLabel("")}
	b.bg.CornerRadius = 6
	b.msg.TextStyle.Bold = true
	b.msg.Wrapping = fyne.TextWrapWord
	b.hint.Wrapping = fyne.TextWrapWord
	text := container.NewThemeOverride(container.NewPadded(container.NewVBox(b.msg, b.hint)),
		bannerTheme{screenTheme{text: textSize, innerPad: bannerPad}})
	var body fyne.CanvasObject = text
	if button != nil {
		body = container.NewBorder(nil, nil, nil, container.NewPadded(container.NewCenter(button)), text)
	}
	b.box = container.NewStack(b.bg, body)
	b.box.Hide()
	return b
}

func (b *dlgBanner) fail(msg, hint string) { b.show(colBad, widget.DangerImportance, msg, hint) }
func (b *dlgBanner) warn(msg, hint string) { b.show(colWait, widget.WarningImportance, msg, hint) }

func (b *dlgBanner) show(c fyneColor, imp widget.Importance, msg, hint string) {
	b.importance = imp
	b.bg.FillColor = c
	b.bg.Refresh()
	b.msg.SetText(upperFirst(msg))
	b.hint.SetText(upperFirst(hint))
	if hint == "" {
		b.hint.Hide()
	} else {
		b.hint.Show()
	}
	b.box.Show()
}

func (b *dlgBanner) hide() {
	b.importance = widget.MediumImportance
	b.box.Hide()
	b.msg.SetText("")
	b.hint.SetText("")
}

// choiceGroup is a row (or grid) of big buttons of which one is picked:
// quicker to hit at the bench than a drop-down. The picked one is marked
// by a filled radio mark and the primary colour, so it never relies on
// colour alone.
type choiceGroup struct {
	box      *fyne.Container
	buttons  []*widget.Button
	values   []string
	selected int // -1: none
	onPick   func(value string)
}

func newChoiceGroup(cols int, labels, values []string, onPick func(string)) *choiceGroup {
	g := &choiceGroup{box: container.NewGridWithColumns(cols), values: values, selected: -1, onPick: onPick}
	for i, l := range labels {
		b := widget.NewButtonWithIcon(l, theme.RadioButtonIcon(), func() {
			g.pick(i)
			if g.onPick != nil {
				g.onPick(g.values[i])
			}
		})
		b.Alignment = widget.ButtonAlignLeading
		g.buttons = append(g.buttons, b)
		g.box.Add(b)
	}
	return g
}

// pick marks button i as the chosen one.
func (g *choiceGroup) pick(i int) {
	g.selected = i
	for j, b := range g.buttons {
		if j == i {
			b.Icon, b.Importance = theme.RadioButtonCheckedIcon(), widget.HighImportance
		} else {
			b.Icon, b.Importance = theme.RadioButtonIcon(), widget.MediumImportance
		}
		b.Refresh()
	}
}

// clear leaves nothing chosen.
func (g *choiceGroup) clear() { g.pick(-1) }

// value is the chosen value, if any.
func (g *choiceGroup) value() (string, bool) {
	if g.selected < 0 || g.selected >= len(g.values) {
		return "", false
	}
	return g.values[g.selected], true
}
