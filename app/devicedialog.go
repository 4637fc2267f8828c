package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2/widget"

	"labelstation/station"
)

// deviceDialog is what the Scale… and Printer… dialogs share: a result
// line, and buttons that are disabled while one station call runs off the
// UI goroutine, whose result comes back through the screen's ui (fyne.Do).
type deviceDialog struct {
	ps      *PackScreen
	result  *widget.Label
	buttons []*widget.Button
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
	if h := station.Hint(err); h != "" {
		msg += "\n" + upperFirst(h)
	}
	d.result.SetText(msg)
}
