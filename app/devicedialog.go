package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// deviceDialog is what the Scale… and Printer… dialogs share: a result
// line, and buttons that are disabled while one station call runs off the
// UI goroutine, whose result comes back through the screen's ui (fyne.Do).
type deviceDialog struct {
	ps      *PackScreen
	result  *widget.Label
	buttons []*widget.Button
	dlg     dialog.Dialog
}

// open lays a device dialog out the way every one looks — the devices the
// station found with their Find button, the address it will use, three
// actions and the result line — and shows it. Closing it gives the scan
// field its focus back.
func (d *deviceDialog) open(title, listIntro, addressHelp string, list *widget.Select, find *widget.Button, address *widget.Entry, actions [3]*widget.Button, width float32) {
	d.result = widget.NewLabel("")
	d.result.Wrapping = fyne.TextWrapWord
	d.buttons = append([]*widget.Button{find}, actions[:]...)
	form := container.NewVBox(
		widget.NewLabel(listIntro),
		container.NewBorder(nil, nil, nil, find, list),
		widget.NewLabel(addressHelp),
		address,
		container.NewGridWithColumns(3, actions[0], actions[1], actions[2]),
		d.result,
	)
	d.dlg = dialog.NewCustom(title, "Close", form, d.ps.win)
	d.dlg.SetOnClosed(d.ps.focusScan)
	d.dlg.Resize(fyne.NewSize(width, 360))
	d.dlg.Show()
}

// run calls f off the UI goroutine with a timeout and hands its result
// to done on the UI goroutine; the buttons are disabled meanwhile.
func (d *deviceDialog) run(what string, timeout time.Duration, f func(ctx context.Context) (string, error), done func(string, error)) {
	d.setBusy(true)
	d.result.SetText(what + "…")
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
