package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// Run opens the pack screen in a new 1100×700 window of a and runs the app
// until the window is closed or ctx ends (cmd passes a context cancelled
// by SIGINT/SIGTERM). It must be called on the main goroutine, like
// fyne.App.Run. Closing the window while labels are still being printed
// asks first, because queued labels would be dropped; when Run returns,
// the screen's goroutines have stopped.
func Run(ctx context.Context, a fyne.App, st Station, title string, opts ...Option) {
	w := a.NewWindow(title)
	w.Resize(fyne.NewSize(1100, 700))
	w.SetMaster()
	ps := NewPackScreen(st, w, opts...)
	w.SetCloseIntercept(func() {
		if ps.Busy() == 0 {
			w.Close()
			return
		}
		ps.confirmClose(w.Close)
	})
	// Once the app stops, background updates must not reach the widgets
	// (see stopUI); on SIGINT/SIGTERM it stops on its way out.
	a.Lifecycle().SetOnStopped(ps.stopUI)
	stop := context.AfterFunc(ctx, func() { ps.stopUI(); fyne.Do(a.Quit) })
	defer stop()
	w.ShowAndRun()
	ps.Close()
}

// closeDialog asks before the window closes while labels are still being
// booked or printed (they would be dropped).
type closeDialog struct {
	dlg         *dialog.CustomDialog
	content     fyne.CanvasObject
	keys        *actionKeys
	close, keep *widget.Button
}

// confirmClose asks whether to close the window although labels are
// still being printed; Close anyway runs closeWindow, Keep printing gives
// the scan field its focus back. Alt keys: a Ctrl-keyed dialog (Queue…,
// Returns…) may be open under it.
func (ps *PackScreen) confirmClose(closeWindow func()) *closeDialog {
	d := &closeDialog{keys: newActionKeys(ps.win, lang.L("Labels still printing"))}
	msg := widget.NewLabel(lang.L("Labels still being booked or printed: {{.N}}. Close anyway? Labels not yet started are dropped.", map[string]any{"N": ps.Busy()}))
	msg.Wrapping = fyne.TextWrapWord
	closed := false
	d.close = d.keys.button(lang.L("Close anyway"), altKey(fyne.KeyQ), func() {
		closed = true
		d.dlg.Hide()
		closeWindow()
	})
	d.close.Importance = widget.DangerImportance
	d.keep = d.keys.button(lang.L("Keep printing"), altKey(fyne.KeyK), func() { d.dlg.Hide() })
	d.keep.Importance = widget.HighImportance
	d.content = container.NewThemeOverride(container.NewVBox(msg, container.NewHBox(layout.NewSpacer(), d.close, d.keep)), screenTheme{text: textSize})
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("Labels still printing"), d.content, ps.win)
	d.keys.install()
	d.dlg.SetOnClosed(func() {
		d.keys.uninstall()
		if !closed {
			ps.focusScan()
		}
	})
	d.dlg.Resize(fyne.NewSize(560, 0))
	d.dlg.Show()
	return d
}
