package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// deviceDialog is what the Scale… and Printer… dialogs share: a result
// line, and buttons that are disabled while one station call runs off the
// UI goroutine, whose result comes back through the screen's ui (fyne.Do).
type deviceDialog struct {
	ps       *PackScreen
	result   *widget.Label
	buttons  []*widget.Button
	closeBtn *widget.Button
	content  fyne.CanvasObject // what the dialog shows, its buttons included
	keys     *actionKeys
	dlg      dialog.Dialog
}

// Keys of a device dialog: Ctrl+letters, none of the main window's
// function keys. Find is Ctrl+F in both, Close Ctrl+W.
var (
	keyDeviceFind  = ctrlKey(fyne.KeyF)
	keyDeviceClose = ctrlKey(fyne.KeyW)
)

// open lays a device dialog out the way every one looks — the devices the
// station found with their Find button, the address it will use, three
// actions and the result line — and shows it, every button with its key
// (the buttons' texts are their labels) in a menu named title while it is
// open. Its text is the pack screen's size, readable from the bench.
// Closing it gives the scan field its focus back.
func (d *deviceDialog) open(title, listIntro, addressHelp string, list *widget.Select, find *widget.Button, address *widget.Entry, actions [3]*widget.Button, keys [3]keyAction, width float32) {
	d.result = widget.NewLabel("")
	d.result.Wrapping = fyne.TextWrapWord
	d.buttons = append([]*widget.Button{find}, actions[:]...)
	d.keys = newActionKeys(d.ps.win, title)
	d.keys.bind(find, find.Text, keyDeviceFind)
	for i, b := range actions {
		d.keys.bind(b, b.Text, keys[i])
	}
	d.closeBtn = d.keys.button(lang.L("Close"), keyDeviceClose, func() { d.dlg.Hide() })
	intro := widget.NewLabel(listIntro)
	intro.Wrapping = fyne.TextWrapWord
	help := widget.NewLabel(addressHelp)
	help.Wrapping = fyne.TextWrapWord
	form := container.NewVBox(
		intro,
		container.NewBorder(nil, nil, nil, find, list),
		help,
		address,
		container.NewGridWithColumns(3, actions[0], actions[1], actions[2]),
		d.result,
		container.NewHBox(layout.NewSpacer(), d.closeBtn),
	)
	d.content = container.NewThemeOverride(form, screenTheme{text: textSize})
	d.dlg = dialog.NewCustomWithoutButtons(title, d.content, d.ps.win)
	d.keys.install()
	d.dlg.SetOnClosed(func() {
		d.keys.uninstall()
		d.ps.focusScan()
	})
	d.dlg.Resize(fyne.NewSize(width, 460))
	d.dlg.Show()
}

// run calls f off the UI goroutine with a timeout and hands its result
// to done on the UI goroutine; the buttons are disabled meanwhile.
func (d *deviceDialog) run(what string, timeout time.Duration, f func(ctx context.Context) (string, error), done func(string, error)) {
	d.setBusy(true)
	d.result.SetText(what)
	go func() {
		ctx, cancel := context.WithTimeout(d.ps.ctx, timeout)
		defer cancel()
		out, err := f(ctx)
		d.ps.ui(func() {
			d.setBusy(false)
			done(out, err)
		})
	}()
}

func (d *deviceDialog) setBusy(busy bool) {
	for _, b := range d.buttons {
		if busy {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// fail shows err and its hint in the result line.
func (d *deviceDialog) fail(err error) {
	msg := errText(err)
	if h := hintText(err); h != "" {
		msg += "\n" + upperFirst(h)
	}
	d.result.SetText(msg)
}
