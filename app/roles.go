package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/mobile"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// The bench's two modes. The station starts in packer mode: pack,
// reprint, every list to read, Retry on bookings, labels and WMS
// messages, Sync now and Send now, returns. What could lose or misdirect
// a parcel or a message, or change how the bench works, needs the
// supervisor: asSupervisor asks for the PIN when the station is in packer
// mode, then runs the action. The callers (one line each):
//
//	Printer… and Scale… (and their Use buttons)   printersettings.go, scalesettings.go
//	Cancel a booking                              queueview.go
//	Discard a label that did not print            printjobs.go
//	Discard a message to the WMS                  webhookview.go
//	Enable/Disable a notification rule, Discard
//	a notification, Retry one whose fate is
//	unknown (the receiver may get it twice)       notifications.go
//	Resolve a claim conflict (fleet mode)         dashboard_site.go
//
// The mode is on the status bar in words and colour: PACKER (green) with
// Supervisor…, SUPERVISOR until 14:32 (amber) with Lock and PIN…, or
// SUPERVISOR · no PIN set (red) with Set PIN… while the station has no
// PIN (it is in supervisor mode until one is set). A station without the
// Supervisor interface gets none of this: nothing is gated.

// modeEvery is how often the status bar asks the station for the mode:
// the session ends by itself after 10 idle minutes.
const modeEvery = time.Second

// roleState is the mode indicator and the PIN dialogs of one pack screen
// (UI goroutine only, but for poll).
type roleState struct {
	ps  *PackScreen
	sup Supervisor

	box  *fyne.Container
	dot  *canvas.Rectangle
	text *widget.Label // "PACKER", "SUPERVISOR until 14:32", "SUPERVISOR · no PIN set"
	// modeBtn is "Supervisor…" in packer mode and "Lock" in supervisor
	// mode: one button and one key (F12) to sign in and out.
	modeBtn *widget.Button
	pinBtn  *widget.Button // "PIN…" (supervisor mode), "Set PIN…" (no PIN)

	on     bool
	hasPIN bool
	until  time.Time
	shown  bool // the fields above are on the bar

	// Dialogs only a supervisor may have open (Printer…, Scale…): closed
	// when the mode goes back to packer.
	supOnly []dialog.Dialog

	pin    *pinDialog // the open PIN dialog, for tests
	setPIN *setPINDialog
}

// withMode puts the mode indicator at the right of the status bar when
// the station has the two modes, and starts asking for the mode; without
// them it returns bar as it is.
func (ps *PackScreen) withMode(bar fyne.CanvasObject) fyne.CanvasObject {
	sup, ok := ps.st.(Supervisor)
	if !ok {
		return bar
	}
	r := &roleState{ps: ps, sup: sup}
	ps.role = r
	r.dot = canvas.NewRectangle(colMuted)
	r.dot.CornerRadius = 7
	r.dot.SetMinSize(fyne.NewSize(14, 14))
	r.text = widget.NewLabel("…")
	r.text.TextStyle.Bold = true
	r.modeBtn = widget.NewButton(lang.L("Supervisor…"), r.toggle)
	r.pinBtn = widget.NewButton(lang.L("PIN…"), ps.ShowSetPIN)
	r.pinBtn.Importance = widget.LowImportance
	r.box = container.NewHBox(container.NewCenter(r.dot), r.text, r.modeBtn, r.pinBtn)
	r.show(sup.Supervisor())
	every(ps.ctx, &ps.watchers, modeEvery, r.poll)
	return container.NewBorder(nil, nil, nil, r.box, bar)
}

// toggle is the mode button: sign in (the PIN dialog) in packer mode,
// Lock in supervisor mode.
func (r *roleState) toggle() {
	if r.on && r.hasPIN {
		r.ps.LockSupervisor()
		return
	}
	r.ps.asSupervisor(r.ps.win, "", nil)
}

// bindKeys gives the mode buttons their keys in the main window.
func (r *roleState) bindKeys(k *actionKeys) {
	k.bind(r.modeBtn, lang.L("Supervisor sign-in or Lock"), keySupervisor)
	k.bind(r.pinBtn, lang.L("Set or change the supervisor PIN…"), keyPIN)
}

// setButton sets a mode button's text: label, then its key once it has one.
func (r *roleState) setButton(b *widget.Button, label string) {
	if r.ps.keys != nil {
		if k, ok := r.ps.keys.keyOf(b); ok {
			label += "   " + k.String()
		}
	}
	b.SetText(label)
}

// poll asks the station for the mode (off the UI goroutine) and shows it.
func (r *roleState) poll() {
	on, until := r.sup.Supervisor()
	has := r.sup.HasSupervisorPIN()
	r.ps.ui(func() { r.showMode(on, until, has) })
}

// refresh shows the mode now (UI goroutine), redrawn even if unchanged.
func (r *roleState) refresh() {
	on, until := r.sup.Supervisor()
	r.shown = false
	r.showMode(on, until, r.sup.HasSupervisorPIN())
}

func (r *roleState) show(on bool, until time.Time) { r.showMode(on, until, r.sup.HasSupervisorPIN()) }

// showMode shows the mode in words and colour; back in packer mode, the
// supervisor's dialogs close.
func (r *roleState) showMode(on bool, until time.Time, hasPIN bool) {
	if r.shown && on == r.on && until.Equal(r.until) && hasPIN == r.hasPIN {
		return // the poll found nothing new: nothing to redraw
	}
	was := r.on
	r.shown = true
	r.on, r.until, r.hasPIN = on, until, hasPIN
	switch {
	case !hasPIN:
		r.text.SetText(lang.L("SUPERVISOR · no PIN set"))
		r.text.Importance = widget.DangerImportance
		r.dot.FillColor = colBad
		r.setButton(r.pinBtn, lang.L("Set PIN…"))
		r.modeBtn.Hide()
		r.pinBtn.Show()
	case on:
		r.text.SetText(lang.L("SUPERVISOR until {{.Time}}", map[string]any{"Time": until.Local().Format("15:04")}))
		r.text.Importance = widget.WarningImportance
		r.dot.FillColor = colWait
		r.setButton(r.pinBtn, lang.L("PIN…"))
		r.setButton(r.modeBtn, lang.L("Lock"))
		r.modeBtn.Importance = widget.MediumImportance
		r.modeBtn.Show()
		r.pinBtn.Show()
	default:
		r.text.SetText(lang.L("PACKER"))
		r.text.Importance = widget.SuccessImportance
		r.dot.FillColor = colOK
		r.setButton(r.modeBtn, lang.L("Supervisor…"))
		r.modeBtn.Importance = widget.LowImportance
		r.modeBtn.Show()
		r.pinBtn.Hide()
	}
	r.modeBtn.Refresh()
	r.text.Refresh()
	r.dot.Refresh()
	if was && !on {
		r.closeSupervisorDialogs()
	}
}

// closeSupervisorDialogs hides the dialogs only a supervisor may have
// open: a session that ends (Lock, 10 idle minutes) leaves no settings
// open for the packer.
func (r *roleState) closeSupervisorDialogs() {
	open := r.supOnly
	r.supOnly = nil
	for _, d := range open {
		d.Hide()
	}
	if r.setPIN != nil && r.hasPIN {
		r.setPIN.dlg.Hide()
	}
}

// supervisorOnly registers a dialog a supervisor opened, to close when
// the mode goes back to packer (no-op without the two modes).
func (ps *PackScreen) supervisorOnly(d dialog.Dialog) {
	if ps.role != nil {
		ps.role.supOnly = append(ps.role.supOnly, d)
	}
}

// asSupervisor runs action when the station is in supervisor mode (or has
// no PIN yet, or no modes at all); in packer mode it first asks for the
// supervisor PIN on win, saying what needs it, and runs action after the
// right PIN. Each action run this way keeps the session on for 10 more
// minutes. action nil just switches to supervisor mode (Supervisor…).
func (ps *PackScreen) asSupervisor(win fyne.Window, what string, action func()) {
	run := func() {
		if action != nil {
			action()
		}
	}
	r := ps.role
	if r == nil {
		run()
		return
	}
	if on, until := r.sup.TouchSupervisor(); on {
		r.show(on, until)
		run()
		return
	}
	r.show(false, time.Time{})
	r.askPIN(win, what, run)
}

// LockSupervisor goes back to packer mode (the Lock button).
func (ps *PackScreen) LockSupervisor() {
	defer ps.focusScan()
	if r := ps.role; r != nil {
		r.sup.LockSupervisor()
		r.refresh()
	}
}

// ---- The PIN dialog ----

// pinEntry is a masked entry for a PIN: digits only (from the keyboard,
// the number pad, a paste or the on-screen keypad), at most 12, Enter
// submits. It has no "show" button: the bench is in the open.
type pinEntry struct {
	widget.Entry
}

func newPINEntry(placeholder string) *pinEntry {
	e := &pinEntry{}
	e.Password = true
	e.ActionItem = layout.NewSpacer() // not Entry's "show password" eye
	e.PlaceHolder = placeholder
	e.ExtendBaseWidget(e)
	return e
}

// Keyboard asks a touch device for its number pad.
func (e *pinEntry) Keyboard() mobile.KeyboardType { return mobile.NumberKeyboard }

// TypedRune keeps digits only, up to 12.
func (e *pinEntry) TypedRune(r rune) {
	if r >= '0' && r <= '9' && len(e.Text) < 12 {
		e.Entry.TypedRune(r)
	}
}

// TypedShortcut pastes digits only; the rest as Entry does.
func (e *pinEntry) TypedShortcut(s fyne.Shortcut) {
	if p, ok := s.(*fyne.ShortcutPaste); ok {
		if p.Clipboard != nil {
			for _, r := range p.Clipboard.Content() {
				e.TypedRune(r)
			}
		}
		return
	}
	e.Entry.TypedShortcut(s)
}

// keypad is an on-screen number pad for a touch screen: it types into
// the PIN entry that has the focus (else into first). Its buttons are
// returned too: they need no keys of their own, since they stand in for
// the keyboard's digits, Backspace and Delete.
func keypad(win fyne.Window, first *pinEntry, entries ...*pinEntry) (fyne.CanvasObject, []*widget.Button) {
	target := func() *pinEntry {
		if c := win.Canvas(); c != nil {
			for _, e := range entries {
				if c.Focused() == e {
					return e
				}
			}
		}
		return first
	}
	key := func(label string, f func(e *pinEntry)) *widget.Button {
		return widget.NewButton(label, func() {
			e := target()
			f(e)
			win.Canvas().Focus(e)
		})
	}
	btns := make([]*widget.Button, 0, 12)
	for _, d := range "123456789" {
		btns = append(btns, key(string(d), func(e *pinEntry) { e.TypedRune(d) }))
	}
	btns = append(btns,
		key(lang.L("Clear"), func(e *pinEntry) { e.SetText("") }),
		key("0", func(e *pinEntry) { e.TypedRune('0') }),
		key("⌫", func(e *pinEntry) {
			if n := len(e.Text); n > 0 {
				e.SetText(e.Text[:n-1])
			}
		}))
	objs := make([]fyne.CanvasObject, len(btns))
	for i, b := range btns {
		objs[i] = b
	}
	return container.NewGridWithColumns(3, objs...), btns
}

// pinDialog asks for the supervisor PIN before a supervisor-only action.
// A wrong PIN keeps it open with the station's words (tries left, locked
// out until when); the right one closes it and runs the action.
type pinDialog struct {
	r       *roleState
	win     fyne.Window
	dlg     *dialog.CustomDialog
	head    *widget.Label // what needs the supervisor
	entry   *pinEntry
	msg     *widget.Label
	ok, no  *widget.Button   // Unlock, Cancel
	pad     []*widget.Button // the on-screen keypad
	keys    *actionKeys
	content fyne.CanvasObject // the dialog's body and its buttons, for tests
	action  func()
	busy    bool
	done    bool
}

// askPIN opens the PIN dialog on win; what names the action ("" for
// Supervisor…).
func (r *roleState) askPIN(win fyne.Window, what string, action func()) {
	if r.pin != nil && !r.pin.done {
		r.pin.dlg.Hide() // one at a time: the newest action wins
	}
	d := &pinDialog{r: r, win: win, action: action}
	head := lang.L("Enter the supervisor PIN to switch to supervisor mode.")
	if what != "" {
		head = lang.L("{{.What}} needs the supervisor: enter the supervisor PIN.", map[string]any{"What": upperFirst(what)})
	}
	d.head = widget.NewLabel(head)
	d.head.TextStyle.Bold = true
	d.head.Wrapping = fyne.TextWrapWord
	note := widget.NewLabel(lang.L("The station goes back to packer mode after 10 minutes without a supervisor action, or on Lock."))
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	d.entry = newPINEntry(lang.L("PIN"))
	d.entry.OnSubmitted = func(string) { d.submit() }
	d.msg = widget.NewLabel("")
	d.msg.Wrapping = fyne.TextWrapWord
	d.msg.TextStyle.Bold = true
	d.msg.Importance = widget.DangerImportance
	d.msg.Hide()
	// Alt keys: the dialog may sit on one (Queue, Notifications) whose
	// own keys are Ctrl+letters.
	d.keys = newActionKeys(win, lang.L("Supervisor PIN"))
	d.ok = d.keys.button(lang.L("Unlock"), altKey(fyne.KeyU), d.submit)
	d.ok.Importance = widget.HighImportance
	d.no = d.keys.button(lang.L("Cancel"), altKey(fyne.KeyC), d.cancel)

	field := container.NewThemeOverride(d.entry, screenTheme{text: scanTextSize, innerPad: buttonTextPad})
	keys, pad := keypad(win, d.entry, d.entry)
	d.pad = pad
	padBox := container.NewThemeOverride(keys, screenTheme{text: 24, innerPad: 12})
	content := container.NewVBox(d.head, field, d.msg, container.NewGridWithColumns(2, layout.NewSpacer(), padBox), note)
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("Supervisor PIN"), content, win)
	d.dlg.SetButtons([]fyne.CanvasObject{d.no, d.ok})
	d.content = container.NewWithoutLayout(content, d.no, d.ok) // no layout: they are laid out in the dialog
	d.keys.install()
	d.dlg.SetOnClosed(func() {
		d.keys.uninstall()
		d.done = true
		if r.pin == d {
			r.pin = nil
		}
		if win == r.ps.win {
			r.ps.focusScan()
		}
	})
	d.dlg.Resize(fyne.NewSize(560, 0))
	r.pin = d
	d.dlg.Show()
	win.Canvas().Focus(d.entry)
}

// submit checks the PIN off the UI goroutine (argon2id takes a moment).
func (d *pinDialog) submit() {
	if d.busy || d.done {
		return
	}
	pin := d.entry.Text
	if pin == "" {
		d.say(lang.L("Type the PIN first."))
		return
	}
	d.busy = true
	d.ok.Disable()
	d.say(lang.L("Checking…"))
	d.msg.Importance = widget.MediumImportance
	ps := d.r.ps
	go func() {
		ctx, cancel := context.WithTimeout(ps.ctx, 30*time.Second)
		defer cancel()
		err := d.r.sup.UnlockSupervisor(ctx, pin)
		ps.ui(func() { d.checked(err) })
	}()
}

func (d *pinDialog) checked(err error) {
	d.busy = false
	d.ok.Enable()
	if d.done {
		return // cancelled meanwhile: the action is not run
	}
	if err != nil {
		d.entry.SetText("")
		d.say(upperFirst(errText(err)) + "." + hintSuffix(err) + maybeDot(err))
		d.win.Canvas().Focus(d.entry)
		return
	}
	d.done = true
	d.dlg.Hide()
	d.r.refresh()
	d.action()
}

// maybeDot ends a hint with a full stop.
func maybeDot(err error) string {
	if h := hintSuffix(err); h != "" && !strings.HasSuffix(h, ".") {
		return "."
	}
	return ""
}

func (d *pinDialog) say(msg string) {
	d.msg.SetText(msg)
	d.msg.Importance = widget.DangerImportance
	d.msg.Refresh()
	d.msg.Show()
}

func (d *pinDialog) cancel() {
	d.done = true
	d.dlg.Hide()
}

// ---- Setting the PIN ----

// setPINDialog sets the supervisor PIN (Set PIN… without one, PIN… in
// supervisor mode): the current PIN when one is set, and the new one
// twice.
type setPINDialog struct {
	r        *roleState
	dlg      *dialog.CustomDialog
	old      *pinEntry // nil without a PIN
	new, rep *pinEntry
	msg      *widget.Label
	ok       *widget.Button
	cancel   *widget.Button
	pad      []*widget.Button // the on-screen keypad
	keys     *actionKeys
	content  fyne.CanvasObject // the dialog's body and its buttons, for tests
	busy     bool
	done     bool
}

// ShowSetPIN opens the dialog that sets the supervisor PIN. Without a
// PIN anyone at the bench may set the first one (the station is in
// supervisor mode until then); with one, only in supervisor mode, and the
// current PIN is asked for as well.
func (ps *PackScreen) ShowSetPIN() {
	r := ps.role
	if r == nil {
		return
	}
	ps.asSupervisor(ps.win, lang.L("Changing the supervisor PIN"), r.openSetPIN)
}

func (r *roleState) openSetPIN() {
	if r.setPIN != nil && !r.setPIN.done {
		r.setPIN.dlg.Show()
		return
	}
	win := r.ps.win
	d := &setPINDialog{r: r}
	has := r.sup.HasSupervisorPIN()
	intro := lang.L("Choose the supervisor PIN: 4 to 12 digits, not one digit repeated or a straight run (1234). Packers will need it for settings, Cancel and Discard. Keep it from the packers.")
	title := lang.L("Set the supervisor PIN")
	var items []*widget.FormItem
	if has {
		intro = lang.L("Type the current PIN, then the new one twice.")
		title = lang.L("Change the supervisor PIN")
		d.old = newPINEntry(lang.L("current PIN"))
		items = append(items, widget.NewFormItem(lang.L("Current PIN"), d.old))
	}
	d.new = newPINEntry(lang.L("4 to 12 digits"))
	d.rep = newPINEntry(lang.L("the same again"))
	items = append(items, widget.NewFormItem(lang.L("New PIN"), d.new), widget.NewFormItem(lang.L("New PIN again"), d.rep))
	entries := []*pinEntry{d.new, d.rep}
	first := d.new
	if d.old != nil {
		entries = append([]*pinEntry{d.old}, entries...)
		first = d.old
	}
	for i, e := range entries {
		if i+1 < len(entries) {
			next := entries[i+1]
			e.OnSubmitted = func(string) { win.Canvas().Focus(next) }
		} else {
			e.OnSubmitted = func(string) { d.submit() }
		}
	}
	text := widget.NewLabel(intro)
	text.Wrapping = fyne.TextWrapWord
	d.msg = widget.NewLabel("")
	d.msg.Wrapping = fyne.TextWrapWord
	d.msg.TextStyle.Bold = true
	d.msg.Importance = widget.DangerImportance
	d.msg.Hide()
	d.keys = newActionKeys(win, title)
	d.ok = d.keys.button(lang.L("Set PIN"), altKey(fyne.KeyS), d.submit)
	d.ok.Importance = widget.HighImportance
	d.cancel = d.keys.button(lang.L("Cancel"), altKey(fyne.KeyC), func() { d.done = true; d.dlg.Hide() })
	keys, pad := keypad(win, first, entries...)
	d.pad = pad
	padBox := container.NewThemeOverride(keys, screenTheme{text: 24, innerPad: 12})
	form := container.NewThemeOverride(widget.NewForm(items...), screenTheme{text: 24, innerPad: 10})
	content := container.NewVBox(text, form, d.msg, container.NewGridWithColumns(2, layout.NewSpacer(), padBox))
	d.dlg = dialog.NewCustomWithoutButtons(title, content, win)
	d.dlg.SetButtons([]fyne.CanvasObject{d.cancel, d.ok})
	d.content = container.NewWithoutLayout(content, d.cancel, d.ok) // no layout: they are laid out in the dialog
	d.keys.install()
	d.dlg.SetOnClosed(func() {
		d.keys.uninstall()
		d.done = true
		if r.setPIN == d {
			r.setPIN = nil
		}
		r.ps.focusScan()
	})
	d.dlg.Resize(fyne.NewSize(600, 0))
	r.setPIN = d
	d.dlg.Show()
	win.Canvas().Focus(first)
}

func (d *setPINDialog) say(msg string, imp widget.Importance) {
	d.msg.SetText(msg)
	d.msg.Importance = imp
	d.msg.Refresh()
	d.msg.Show()
}

func (d *setPINDialog) submit() {
	if d.busy || d.done {
		return
	}
	old := ""
	if d.old != nil {
		old = d.old.Text
		if old == "" {
			d.say(lang.L("Type the current PIN first."), widget.DangerImportance)
			return
		}
	}
	pin, rep := d.new.Text, d.rep.Text
	if pin != rep {
		d.new.SetText("")
		d.rep.SetText("")
		d.say(lang.L("The two new PINs differ: type the new PIN twice again."), widget.DangerImportance)
		d.r.ps.win.Canvas().Focus(d.new)
		return
	}
	d.busy = true
	d.ok.Disable()
	d.say(lang.L("Saving…"), widget.MediumImportance)
	ps := d.r.ps
	go func() {
		ctx, cancel := context.WithTimeout(ps.ctx, 30*time.Second)
		defer cancel()
		err := d.r.sup.SetSupervisorPIN(ctx, old, pin)
		ps.ui(func() { d.saved(err) })
	}()
}

func (d *setPINDialog) saved(err error) {
	d.busy = false
	d.ok.Enable()
	if err != nil {
		if d.old != nil {
			d.old.SetText("")
		}
		d.new.SetText("")
		d.rep.SetText("")
		d.say(upperFirst(errText(err))+"."+hintSuffix(err)+maybeDot(err), widget.DangerImportance)
		first := d.new
		if d.old != nil {
			first = d.old
		}
		d.r.ps.win.Canvas().Focus(first)
		return
	}
	d.done = true
	d.dlg.Hide()
	d.r.refresh()
}
