package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"labelstation/printer/zplsim"
)

// Fake stations with the two modes.
type (
	// gatedDesk: the booking queue, the WMS queue and the modes.
	gatedDesk struct {
		*fakeDesk
		*fakeSup
	}
	// gatedNotifier: the Notifications… window and the modes.
	gatedNotifier struct {
		*fakeNotifier
		*fakeSup
	}
	// gatedSettings: the Scale… dialog and the modes.
	gatedSettings struct {
		*settingsStation
		*fakeSup
	}
)

func newGatedDesk(pin string) *gatedDesk {
	d := newFakeDesk()
	d.entries = queueEntries()
	d.hooks = webhookEntries()
	return &gatedDesk{fakeDesk: d, fakeSup: newFakeSup(pin)}
}

// pinDlg waits for the PIN dialog and checks it is on win and has the
// focus.
func pinDlg(t *testing.T, ps *PackScreen, win fyne.Window, when string) *pinDialog {
	t.Helper()
	d := ps.role.pin
	if d == nil || d.done {
		t.Fatalf("%s: no PIN dialog", when)
	}
	if d.win != win {
		t.Fatalf("%s: the PIN dialog is on another window", when)
	}
	focusedIs(t, win, d.entry, when)
	return d
}

// enterPIN types pin into the PIN dialog and presses Enter, like a
// supervisor at the keyboard, and waits for the answer.
func enterPIN(t *testing.T, loop *uiLoop, d *pinDialog, pin string) {
	t.Helper()
	c := d.win.Canvas()
	typeKeys(c, pin)
	pressKey(c, fyne.KeyReturn)
	loop.until(t, "PIN checked", func() bool { return !d.busy })
}

func modeIs(t *testing.T, ps *PackScreen, text string, imp widget.Importance, c fyneColor) {
	t.Helper()
	r := ps.role
	if r.text.Text != text || r.text.Importance != imp || r.dot.FillColor != c {
		t.Errorf("mode %q (%v, %v), want %q (%v, %v)", r.text.Text, r.text.Importance, r.dot.FillColor, text, imp, c)
	}
}

// A packer tapping Cancel in the queue view gets the PIN dialog, not the
// Cancel form; a wrong PIN says how many tries are left and cancels
// nothing; the right one switches to supervisor mode and goes on to the
// Cancel form, and the cancel happens. The status bar says the mode in
// words and colour.
func TestPackerCancelAsksForPIN(t *testing.T) {
	st := newGatedDesk("2580")
	ps, w, loop := newTestScreen(t, st)
	modeIs(t, ps, "PACKER", widget.SuccessImportance, colOK)
	if !ps.role.modeBtn.Visible() || ps.role.modeBtn.Text != "Supervisor…   F12" {
		t.Errorf("packer mode: mode button %q (visible %v), want Supervisor…", ps.role.modeBtn.Text, ps.role.modeBtn.Visible())
	}
	v := openQueue(t, ps, loop, 4)

	test.Tap(v.rows["q-held-2"].cancel)
	if v.cancelForm != nil {
		t.Fatal("a packer got the Cancel form without the PIN")
	}
	d := pinDlg(t, ps, w, "after Cancel")
	if !strings.Contains(d.head.Text, "Cancelling a booking needs the supervisor") {
		t.Errorf("PIN dialog says %q", d.head.Text)
	}
	// Letters (a stray scan) do not go into the PIN; it is masked.
	typeKeys(w.Canvas(), "AB")
	if d.entry.Text != "" || !d.entry.Password {
		t.Errorf("PIN entry %q, masked %v", d.entry.Text, d.entry.Password)
	}

	enterPIN(t, loop, d, "1111")
	if got := d.msg.Text; got != "Wrong PIN: 4 tries left.\n4 more wrong PINs lock the supervisor PIN for 5 minutes." || !d.msg.Visible() ||
		d.msg.Importance != widget.DangerImportance {
		t.Errorf("after a wrong PIN the dialog says %q", got)
	}
	if d.entry.Text != "" || d.done {
		t.Errorf("after a wrong PIN: entry %q, dialog closed %v", d.entry.Text, d.done)
	}
	focusedIs(t, w, d.entry, "after a wrong PIN")
	if _, cancels, _, _ := st.queueCallsSeen(); len(cancels) != 0 || v.cancelForm != nil {
		t.Fatal("a wrong PIN cancelled")
	}
	modeIs(t, ps, "PACKER", widget.SuccessImportance, colOK)

	// The on-screen keypad types too.
	for _, k := range "2580" {
		test.Tap(findButton(w.Canvas(), string(k)))
	}
	if d.entry.Text != "2580" {
		t.Fatalf("keypad typed %q", d.entry.Text)
	}
	test.Tap(d.ok)
	loop.until(t, "the Cancel form after the right PIN", func() bool { return v.cancelForm != nil })
	if ps.role.pin != nil {
		t.Error("the PIN dialog stays open after the right PIN")
	}
	_, until := st.Supervisor()
	modeIs(t, ps, "SUPERVISOR until "+until.Local().Format("15:04"), widget.WarningImportance, colWait)
	if !ps.role.modeBtn.Visible() || ps.role.modeBtn.Text != "Lock   F12" {
		t.Errorf("supervisor mode: mode button %q, want Lock", ps.role.modeBtn.Text)
	}
	v.cancelReason.SetText("customer called")
	v.cancelForm.Submit()
	loop.until(t, "cancelled", func() bool {
		_, cancels, _, _ := st.queueCallsSeen()
		return len(cancels) == 1
	})
	if _, cancels, _, _ := st.queueCallsSeen(); cancels[0] != (cancelCall{"q-held-2", "customer called"}) {
		t.Errorf("CancelEntry %+v", cancels)
	}

	// In supervisor mode the next Cancel asks nothing and keeps the
	// session on.
	_, before, _ := st.supCalls()
	test.Tap(v.rows["q-ref-3"].cancel)
	if ps.role.pin != nil || v.cancelForm == nil {
		t.Error("Cancel in supervisor mode asked for the PIN again")
	}
	if _, after, _ := st.supCalls(); after != before+1 {
		t.Error("a supervisor action did not keep the session on")
	}
}

// Retry, Sync now and the WMS tab's Retry and Send now are the packer's:
// no PIN. Discard on the WMS tab is the supervisor's.
func TestPackerActionsNeedNoPIN(t *testing.T) {
	st := newGatedDesk("2580")
	ps, w, loop := newTestScreen(t, st)
	v := openQueue(t, ps, loop, 4)
	wt := v.wms
	loop.until(t, "WMS listed", func() bool { return len(wt.rows) == 3 })

	test.Tap(wt.rows[13].discard)
	d := pinDlg(t, ps, w, "after WMS Discard")
	if wt.discardForm != nil {
		t.Fatal("a packer got the Discard form without the PIN")
	}
	test.Tap(d.no)
	if _, discards, _ := st.hookCalls(); len(discards) != 0 || wt.discardForm != nil {
		t.Fatal("Discard ran after Cancel in the PIN dialog")
	}

	test.Tap(v.rows["q-ref-3"].retry)
	test.Tap(v.syncBtn)
	test.Tap(wt.rows[13].retry)
	test.Tap(wt.sendBtn)
	loop.until(t, "packer actions run", func() bool {
		retries, _, syncs, _ := st.queueCallsSeen()
		hookRetries, _, hookSyncs := st.hookCalls()
		return len(retries) == 1 && syncs == 1 && len(hookRetries) == 1 && hookSyncs == 1
	})
	if ps.role.pin != nil {
		t.Error("a packer action asked for the PIN")
	}
	if unlocks, _, _ := st.supCalls(); unlocks != 0 {
		t.Errorf("%d PIN checks for packer actions", unlocks)
	}
}

// Five wrong PINs lock the PIN: the dialog says until when; during the
// lock-out even the right PIN is refused, with the time, and the action
// does not run.
func TestLockedOutSaysUntilWhen(t *testing.T) {
	st := newGatedDesk("2580")
	ps, w, loop := newTestScreen(t, st)
	v := openQueue(t, ps, loop, 4)
	test.Tap(v.rows["q-held-2"].cancel)
	d := pinDlg(t, ps, w, "after Cancel")
	for left := 4; left >= 1; left-- {
		enterPIN(t, loop, d, "9999")
		if !strings.HasPrefix(d.msg.Text, "Wrong PIN: "+string(rune('0'+left))+" tries left.") {
			t.Fatalf("wrong PIN: %q", d.msg.Text)
		}
	}
	at := st.now.Add(5 * time.Minute).Local().Format("15:04")
	enterPIN(t, loop, d, "9999")
	if !strings.HasPrefix(d.msg.Text, "Wrong PIN: the supervisor PIN is locked until "+at+".") {
		t.Errorf("fifth wrong PIN: %q", d.msg.Text)
	}
	enterPIN(t, loop, d, "2580")
	if !strings.HasPrefix(d.msg.Text, "The supervisor PIN is locked until "+at+".") || !strings.Contains(d.msg.Text, "Try again after "+at) {
		t.Errorf("right PIN while locked out: %q", d.msg.Text)
	}
	if v.cancelForm != nil || d.done {
		t.Fatal("the action ran during the lock-out")
	}
	modeIs(t, ps, "PACKER", widget.SuccessImportance, colOK)

	// Cancel in the PIN dialog: nothing happens, the focus goes back.
	test.Tap(d.no)
	if ps.role.pin != nil || v.cancelForm != nil {
		t.Error("the dialog's Cancel did not close it, or ran the action")
	}

	// After the lock-out the right PIN works.
	st.advance(5 * time.Minute)
	test.Tap(v.rows["q-held-2"].cancel)
	d = pinDlg(t, ps, w, "after the lock-out")
	enterPIN(t, loop, d, "2580")
	if v.cancelForm == nil {
		t.Fatal("no Cancel form after the lock-out ended")
	}
}

// Supervisor… switches to supervisor mode without an action; Lock goes
// back to packer mode, and the next supervisor action asks again.
func TestLockReturnsToPacker(t *testing.T) {
	st := newGatedDesk("2580")
	ps, w, loop := newTestScreen(t, st)
	test.Tap(ps.role.modeBtn)
	d := pinDlg(t, ps, w, "after Supervisor…")
	if !strings.Contains(d.head.Text, "switch to supervisor mode") {
		t.Errorf("PIN dialog says %q", d.head.Text)
	}
	enterPIN(t, loop, d, "2580")
	if on, _ := st.Supervisor(); !on || !strings.HasPrefix(ps.role.text.Text, "SUPERVISOR until ") {
		t.Fatalf("after the right PIN: station %v, bar %q", on, ps.role.text.Text)
	}
	focusedIsScan(t, ps, w, "after unlocking")

	test.Tap(ps.role.modeBtn)
	if on, _ := st.Supervisor(); on {
		t.Error("Lock did not lock the station")
	}
	modeIs(t, ps, "PACKER", widget.SuccessImportance, colOK)
	focusedIsScan(t, ps, w, "after Lock")
	v := openQueue(t, ps, loop, 4)
	test.Tap(v.rows["q-off-1"].cancel)
	pinDlg(t, ps, w, "Cancel after Lock")
	if v.cancelForm != nil {
		t.Error("Cancel after Lock ran without the PIN")
	}
}

// Ten minutes without a supervisor action end the session by themselves:
// the bar goes back to PACKER, the open Scale… dialog closes, and Scale…
// asks for the PIN again.
func TestIdleTimeoutReturnsToPacker(t *testing.T) {
	st := &gatedSettings{settingsStation: &settingsStation{fakeStation: newFakeStation(), uri: "sim://?weight=1.25kg"}, fakeSup: newFakeSup("2580")}
	ps, w, loop := newTestScreen(t, st)
	test.Tap(ps.scaleBtn)
	if ps.settings != nil {
		t.Fatal("a packer opened the Scale… dialog")
	}
	enterPIN(t, loop, pinDlg(t, ps, w, "after Scale…"), "2580")
	if ps.settings == nil || findButton(w.Canvas(), "Use this scale   Ctrl+U") == nil {
		t.Fatal("no Scale… dialog after the right PIN")
	}
	loop.until(t, "scales found", func() bool { return !ps.settings.find.Disabled() })

	// Use this scale after 9 minutes: a supervisor action, which keeps the
	// session on for 10 more.
	st.advance(9 * time.Minute)
	test.Tap(ps.settings.use)
	loop.until(t, "scale used", func() bool { return !ps.settings.use.Disabled() && len(st.used) == 1 })
	_, until := st.Supervisor()
	loop.until(t, "bar shows the new end", func() bool {
		return ps.role.text.Text == "SUPERVISOR until "+until.Local().Format("15:04")
	})
	st.advance(9 * time.Minute)
	if on, _ := st.Supervisor(); !on {
		t.Fatal("the session ended 9 minutes after an action")
	}

	st.advance(time.Minute)
	loop.until(t, "back to packer mode", func() bool { return ps.role.text.Text == "PACKER" })
	modeIs(t, ps, "PACKER", widget.SuccessImportance, colOK)
	if findButton(w.Canvas(), "Use this scale   Ctrl+U") != nil {
		t.Error("the Scale… dialog stays open in packer mode")
	}
	ps.settings = nil
	test.Tap(ps.scaleBtn)
	if ps.settings != nil {
		t.Error("Scale… opened without the PIN after the timeout")
	}
	pinDlg(t, ps, w, "Scale… after the timeout")
}

// Without a PIN the station is in supervisor mode until one is set: the
// bar says so in red with Set PIN…, and Cancel goes straight to its
// form. Set PIN… asks for the new PIN twice; two that differ are asked
// again; then the station has its PIN and the one who set it is the
// supervisor.
func TestNoPINUntilSet(t *testing.T) {
	st := newGatedDesk("")
	ps, w, loop := newTestScreen(t, st)
	modeIs(t, ps, "SUPERVISOR · no PIN set", widget.DangerImportance, colBad)
	if !ps.role.pinBtn.Visible() || ps.role.pinBtn.Text != "Set PIN…   Alt+P" || ps.role.modeBtn.Visible() {
		t.Error("no PIN: want only Set PIN…")
	}
	v := openQueue(t, ps, loop, 4)
	test.Tap(v.rows["q-held-2"].cancel)
	if ps.role.pin != nil || v.cancelForm == nil {
		t.Fatal("without a PIN Cancel asked for one")
	}
	v.cancelForm.Hide()
	v.dlg.Hide()

	test.Tap(ps.role.pinBtn)
	d := ps.role.setPIN
	if d == nil || d.old != nil {
		t.Fatal("Set PIN… opened no dialog, or asks for a current PIN that does not exist")
	}
	focusedIs(t, w, d.new, "Set PIN…")
	c := w.Canvas()
	typeKeys(c, "2580")
	pressKey(c, fyne.KeyReturn) // on to the second entry
	focusedIs(t, w, d.rep, "after the first PIN")
	typeKeys(c, "2581")
	pressKey(c, fyne.KeyReturn)
	if !strings.Contains(d.msg.Text, "differ") || d.new.Text != "" || d.rep.Text != "" {
		t.Errorf("two PINs that differ: %q", d.msg.Text)
	}
	if _, _, sets := st.supCalls(); len(sets) != 0 {
		t.Fatal("a PIN was set from two that differ")
	}
	focusedIs(t, w, d.new, "after two that differ")
	typeKeys(c, "2580")
	pressKey(c, fyne.KeyReturn)
	typeKeys(c, "2580")
	pressKey(c, fyne.KeyReturn)
	loop.until(t, "PIN set", func() bool { return ps.role.setPIN == nil })
	if _, _, sets := st.supCalls(); len(sets) != 1 || sets[0] != "2580" {
		t.Fatalf("SetSupervisorPIN got %v", sets)
	}
	_, until := st.Supervisor()
	modeIs(t, ps, "SUPERVISOR until "+until.Local().Format("15:04"), widget.WarningImportance, colWait)

	// Changing it now asks for the current one; a packer cannot (PIN…
	// is only there in supervisor mode, and asks for the PIN).
	test.Tap(ps.role.pinBtn)
	if d := ps.role.setPIN; d == nil || d.old == nil {
		t.Fatal("PIN… with a PIN set does not ask for the current one")
	}
	ps.role.setPIN.dlg.Hide()
	test.Tap(ps.role.modeBtn) // Lock
	if ps.role.pinBtn.Visible() {
		t.Error("PIN… offered in packer mode")
	}
	ps.ShowSetPIN()
	if ps.role.setPIN != nil {
		t.Error("a packer opened the PIN change")
	}
	pinDlg(t, ps, w, "PIN change in packer mode")
}

// The Notifications… window is the packer's to read; Enable/Disable and
// Discard ask for the PIN on that window, and so does Retry of a message
// whose fate is unknown (it may reach the receiver twice); Retry of a
// refused one and Send now do not.
func TestNotificationsGated(t *testing.T) {
	f := &gatedNotifier{fakeNotifier: newFakeNotifier(notifyPage(time.Now())), fakeSup: newFakeSup("2580")}
	ps, w, loop := newTestScreen(t, f, QueueEvery(time.Hour))
	pressKey(w.Canvas(), fyne.KeyF6)
	v := ps.notifyView
	if v == nil {
		t.Fatal("a packer cannot open Notifications…")
	}
	t.Cleanup(func() { closeNotifications(ps) })
	loop.until(t, "page shown", func() bool { return v.hasPage && len(v.log.rows) > 0 })

	test.Tap(v.log.rows[3].retry) // refused: the packer's
	test.Tap(v.log.sendBtn)
	loop.until(t, "retry and send", func() bool {
		_, _, retries, _, syncs := f.notifyCalls()
		return len(retries) == 1 && syncs == 1
	})
	if ps.role.pin != nil {
		t.Fatal("Retry of a refused message or Send now asked for the PIN")
	}

	test.Tap(v.rules.rows["sp-arrived"].toggle)
	d := pinDlg(t, ps, v.win, "after Enable")
	if enables, _, _, _, _ := f.notifyCalls(); len(enables) != 0 {
		t.Fatal("a packer enabled a rule")
	}
	d.cancel()
	test.Tap(v.log.rows[4].discard)
	pinDlg(t, ps, v.win, "after Discard")
	ps.role.pin.cancel()
	test.Tap(v.log.rows[4].retry) // unknown fate
	d = pinDlg(t, ps, v.win, "after Retry of an unknown one")
	if v.log.retryConfirm != nil {
		t.Fatal("a packer got Send again? without the PIN")
	}
	enterPIN(t, loop, d, "2580")
	if v.log.retryConfirm == nil {
		t.Fatal("no Send again? after the right PIN")
	}
	v.log.retryConfirm.Hide()
	test.Tap(v.rules.rows["sp-arrived"].toggle) // supervisor now: no PIN
	loop.until(t, "enabled", func() bool {
		enables, _, _, _, _ := f.notifyCalls()
		return len(enables) == 1
	})
}

// Without the Supervisor interface nothing is gated and the bar shows no
// mode.
func TestNoModesWithoutSupervisor(t *testing.T) {
	st := newFakeStation()
	st.entries = queueEntries()
	ps, _, loop := newTestScreen(t, st)
	if ps.role != nil {
		t.Fatal("a mode for a station without the two modes")
	}
	v := openQueue(t, ps, loop, 4)
	test.Tap(v.rows["q-held-2"].cancel)
	if v.cancelForm == nil {
		t.Error("Cancel gated on a station without modes")
	}
}

// The mode fits the 1100×700 window in every mode.
func TestModeFitsTheWindow(t *testing.T) {
	st := newGatedDesk("2580")
	ps, _, _ := newTestScreen(t, st)
	for _, set := range []func(){
		func() { ps.role.showMode(false, time.Time{}, true) },
		func() { ps.role.showMode(true, time.Now().Add(10*time.Minute), true) },
		func() { ps.role.showMode(true, time.Time{}, false) },
	} {
		set()
		if min := ps.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
			t.Errorf("mode %q: the screen needs %v, more than 1100×700", ps.role.text.Text, min)
		}
	}
}

// On the real station (argon2id, the PIN in the data file): a label out
// of paper waits with Discard; a packer's Discard asks for the PIN, the
// station's wrong-PIN words show, and the right PIN discards the label.
func TestRealStationDiscardNeedsPIN(t *testing.T) {
	st, sink, _ := realStation(t)
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := st.SetSupervisorPIN(ctx, "", "2580"); err != nil {
		t.Fatal(err)
	}
	st.LockSupervisor()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	loop.until(t, "packer mode", func() bool { return ps.role.text.Text == "PACKER" })

	sink.Sim.SetFault(zplsim.PaperOut)
	scanCode(c, "A-1")
	loop.until(t, "order shown", func() bool { return ps.rcptName.Text == "Åsa Ødegård" })
	loop.until(t, "stable weight", func() bool { return ps.stableText.Text == "stable" })
	pressKey(c, fyne.KeyF9)
	var row *printJobRow
	loop.until(t, "the label listed as not printed", func() bool {
		for _, r := range ps.jobsView.rows {
			row = r
		}
		return row != nil && ps.Busy() == 0
	})

	test.Tap(row.discard)
	d := pinDlg(t, ps, w, "after Discard")
	enterPIN(t, loop, d, "1111")
	if d.msg.Text != "Wrong PIN: 4 tries left.\n4 more wrong PINs lock the supervisor PIN for 5 minutes." {
		t.Errorf("wrong PIN on the real station: %q", d.msg.Text)
	}
	if jobs, _ := st.PrintJobs(ctx); len(jobs) != 1 {
		t.Fatalf("a wrong PIN discarded: %d jobs left", len(jobs))
	}
	enterPIN(t, loop, d, "2580")
	loop.until(t, "label discarded", func() bool { return len(ps.jobsView.rows) == 0 })
	if jobs, _ := st.PrintJobs(ctx); len(jobs) != 0 {
		t.Fatalf("station still queues %+v", jobs)
	}
	if on, _ := st.Supervisor(); !on || !strings.HasPrefix(ps.role.text.Text, "SUPERVISOR until ") {
		t.Errorf("after the right PIN: station %v, bar %q", on, ps.role.text.Text)
	}
	focusedIsScan(t, ps, w, "after Discard")
}

// F12 signs the supervisor in (the PIN dialog, its buttons on Alt keys
// that no dialog under it uses) and out again; Alt+C cancels the dialog.
func TestSupervisorKeys(t *testing.T) {
	st := newGatedDesk("2580")
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	pressKey(c, fyne.KeyF12)
	d := pinDlg(t, ps, w, "after F12")
	checkEveryButtonKeyed(t, d.content, d.keys, d.pad...)
	if d.ok.Text != "Unlock   Alt+U" || d.no.Text != "Cancel   Alt+C" {
		t.Errorf("PIN dialog buttons %q / %q", d.ok.Text, d.no.Text)
	}
	for _, ac := range d.keys.actions {
		if _, clash := ps.keys.lookup(ac.key); clash {
			t.Errorf("%s is a key of the main window too", ac.key)
		}
	}
	c.(fyne.Shortcutable).TypedShortcut(altKey(fyne.KeyC).shortcut())
	if ps.role.pin != nil || len(w.MainMenu().Items) != 1 {
		t.Fatalf("Alt+C: dialog %v, %d menus", ps.role.pin, len(w.MainMenu().Items))
	}
	focusedIsScan(t, ps, w, "after Alt+C")

	pressKey(c, fyne.KeyF12)
	d = pinDlg(t, ps, w, "after F12 again")
	typeKeys(c, "2580") // into the focused PIN entry
	c.(fyne.Shortcutable).TypedShortcut(altKey(fyne.KeyU).shortcut())
	loop.until(t, "PIN checked", func() bool { return !d.busy && ps.role.pin == nil })
	if on, _ := st.Supervisor(); !on || ps.role.modeBtn.Text != "Lock   F12" {
		t.Fatalf("after Alt+U: supervisor %v, mode button %q", on, ps.role.modeBtn.Text)
	}
	focusedIsScan(t, ps, w, "after unlocking")
	pressKey(c, fyne.KeyF12)
	if on, _ := st.Supervisor(); on {
		t.Error("F12 in supervisor mode did not lock")
	}
	modeIs(t, ps, "PACKER", widget.SuccessImportance, colOK)
}

// The mode, its buttons and the PIN dialogs in Swedish.
func TestSupervisorInSwedish(t *testing.T) {
	useSwedish(t)
	st := newGatedDesk("2580")
	ps, w, _ := newTestScreen(t, st)
	modeIs(t, ps, "PACKARE", widget.SuccessImportance, colOK)
	if ps.role.modeBtn.Text != "Arbetsledare…   F12" {
		t.Errorf("mode button %q", ps.role.modeBtn.Text)
	}
	ps.ShowPrinterSettings() // a fake without printer settings: only the PIN is asked
	d := pinDlg(t, ps, w, "after Printer…")
	if d.head.Text != "Att öppna skrivarinställningarna kräver arbetsledaren: ange arbetsledarens PIN." {
		t.Errorf("PIN dialog head %q", d.head.Text)
	}
	if d.ok.Text != "Lås upp   Alt+U" || d.no.Text != "Avbryt   Alt+C" || d.entry.PlaceHolder != "PIN" {
		t.Errorf("buttons %q / %q", d.ok.Text, d.no.Text)
	}
	test.Tap(d.ok)
	if d.msg.Text != "Skriv PIN först." {
		t.Errorf("empty PIN: %q", d.msg.Text)
	}
	test.Tap(d.no)

	st2 := newGatedDesk("")
	ps2, _, _ := newTestScreen(t, st2)
	modeIs(t, ps2, "ARBETSLEDARE · ingen PIN angiven", widget.DangerImportance, colBad)
	test.Tap(ps2.role.pinBtn)
	if sd := ps2.role.setPIN; sd == nil || sd.ok.Text != "Ange PIN   Alt+S" {
		t.Fatalf("Set PIN dialog %+v", sd)
	}
}
