package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"labelstation/printer"
	"labelstation/station"
)

// The real facade offers printer settings.
var _ PrinterSettings = (*station.Station)(nil)

// PrinterSettings is the part of the station behind the Printer… dialog.
// A Station that implements it gets the Printer… button.
type PrinterSettings interface {
	PrinterURI() string
	Printers(ctx context.Context) ([]printer.Found, error)
	PrinterStatus(ctx context.Context, uri string) (printer.Status, error)
	TestPrint(ctx context.Context, uri string) error
	UsePrinter(uri string) error
}

// printerSettings is the printer settings dialog: it lists the printers
// the OS offers, says a printer's state in words, sends a test label, and
// switches the station to a printer. Every button is one PrinterSettings
// call, run through deviceDialog like the scale dialog's.
type printerSettings struct {
	deviceDialog
	pset  PrinterSettings
	found []printer.Found

	printers *widget.Select
	uri      *widget.Entry
	find     *widget.Button
	status   *widget.Button
	test     *widget.Button
	use      *widget.Button
}

// ShowPrinterSettings opens the printer settings dialog (the Printer…
// button), a supervisor's (roles.go). It does nothing when the station
// offers no printer settings.
func (ps *PackScreen) ShowPrinterSettings() {
	ps.asSupervisor(ps.win, lang.L("Opening the printer settings"), ps.showPrinterSettings)
}

func (ps *PackScreen) showPrinterSettings() {
	pset, ok := ps.st.(PrinterSettings)
	if !ok {
		return
	}
	d := &printerSettings{deviceDialog: deviceDialog{ps: ps}, pset: pset}
	d.printers = widget.NewSelect(nil, d.chose)
	d.printers.PlaceHolder = lang.L("Press Find printers")
	d.uri = widget.NewEntry()
	d.uri.SetPlaceHolder("tcp://192.168.1.50:9100")
	d.uri.SetText(pset.PrinterURI())
	d.find = widget.NewButton(lang.L("Find printers"), d.findPrinters)
	d.status = widget.NewButton(lang.L("Ask its state"), d.askStatus)
	d.test = widget.NewButton(lang.L("Test print"), d.testPrint)
	d.use = widget.NewButton(lang.L("Use this printer"), d.usePrinter)
	d.use.Importance = widget.HighImportance
	d.open(lang.L("Printer"), lang.L("Printers on this computer (CUPS queues, USB, device nodes, Windows printers):"),
		lang.L("Printer address (tcp://HOST:9100, usb://VID:PID, dev:///dev/usb/lp0, cups://QUEUE, spool://NAME, file:///DIR):"),
		d.printers, d.find, d.uri, [3]*widget.Button{d.status, d.test, d.use},
		[3]keyAction{ctrlKey(fyne.KeyS), ctrlKey(fyne.KeyT), ctrlKey(fyne.KeyU)}, 820)
	ps.printerDlg = d
	ps.supervisorOnly(d.dlg)
	d.findPrinters()
}

func (d *printerSettings) address() (string, bool) {
	uri := strings.TrimSpace(d.uri.Text)
	if uri == "" {
		d.result.SetText(lang.L("Type or choose a printer address first."))
		return "", false
	}
	return uri, true
}

func (d *printerSettings) findPrinters() {
	d.run(lang.L("Looking for printers…"), 10*time.Second, func(ctx context.Context) (string, error) {
		found, err := d.pset.Printers(ctx)
		d.found = found
		return "", err
	}, func(_ string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		var opts []string
		for _, f := range d.found {
			opts = append(opts, printerLabel(f))
		}
		d.printers.SetOptions(opts)
		if len(opts) == 0 {
			d.result.SetText(lang.L("No printers found: type the address of a network printer (tcp://HOST:9100)."))
			return
		}
		d.result.SetText(lang.L("Printers found: {{.N}}. Choose one, then Ask its state or Test print.", map[string]any{"N": len(opts)}))
	})
}

func printerLabel(f printer.Found) string {
	parts := []string{f.URI}
	if f.Detail != "" {
		parts = append(parts, f.Detail)
	}
	return strings.Join(parts, " · ")
}

// chose fills the address from the chosen printer.
func (d *printerSettings) chose(label string) {
	for _, f := range d.found {
		if printerLabel(f) == label {
			d.uri.SetText(f.URI)
		}
	}
}

func (d *printerSettings) askStatus() {
	uri, ok := d.address()
	if !ok {
		return
	}
	var st printer.Status
	d.run(lang.L("Asking {{.Printer}} for its state…", map[string]any{"Printer": uri}), 8*time.Second, func(ctx context.Context) (string, error) {
		got, err := d.pset.PrinterStatus(ctx, uri)
		st = got
		return "", err
	}, func(_ string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		d.result.SetText(printerStateText(st))
	})
}

func (d *printerSettings) testPrint() {
	uri, ok := d.address()
	if !ok {
		return
	}
	d.run(lang.L("Printing a test label on {{.Printer}}…", map[string]any{"Printer": uri}), 20*time.Second, func(ctx context.Context) (string, error) {
		return "", d.pset.TestPrint(ctx, uri)
	}, func(_ string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		d.result.SetText(lang.L("The test label was sent. If it came out with Å Ä Ö Æ Ø readable, press Use this printer."))
	})
}

func (d *printerSettings) usePrinter() {
	uri, ok := d.address()
	if !ok {
		return
	}
	d.ps.asSupervisor(d.ps.win, lang.L("Switching the printer"), func() { d.switchTo(uri) })
}

func (d *printerSettings) switchTo(uri string) {
	d.run(lang.L("Switching to {{.Address}}…", map[string]any{"Address": uri}), 5*time.Second, func(ctx context.Context) (string, error) {
		return "", d.pset.UsePrinter(uri)
	}, func(_ string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		// The status bar shows the new printer at its next poll.
		d.result.SetText(lang.L("Labels now print on {{.Printer}}.", map[string]any{"Printer": uri}))
	})
}

// printerStateText says a printer's state in the screen's language: each
// condition the printer reports, most urgent first, or that it is ready.
func printerStateText(st printer.Status) string {
	var msgs []string
	for _, s := range st.States() {
		if s == printer.StatePaperOut && st.HeadOpen {
			continue // an open head reads as out of labels too
		}
		msgs = append(msgs, printerConditionText(st, s))
	}
	if len(msgs) > 0 {
		return strings.Join(msgs, "; ")
	}
	if st.FormatsInBuffer > 0 {
		return lang.L("Printer is ready (labels still in its buffer: {{.N}})", map[string]any{"N": st.FormatsInBuffer})
	}
	return lang.L("Printer is ready")
}

// printerConditionText is one condition in words and what to do about it;
// one the screen does not know yet by its name.
func printerConditionText(st printer.Status, s printer.State) string {
	switch s {
	case printer.StateNoAnswer:
		if st.Waited > 0 {
			return lang.L("Printer did not answer its status request within {{.Wait}}: check it is on, the head is closed and it has labels", map[string]any{"Wait": st.Waited.String()})
		}
		return lang.L("Printer did not answer its status request: check it is on, the head is closed and it has labels")
	case printer.StateOffline:
		if st.Detail != "" {
			return lang.L("Print queue is stopped ({{.Detail}}): fix the cause, then enable the queue again", map[string]any{"Detail": st.Detail})
		}
		return lang.L("Print queue is stopped: fix the cause, then enable the queue again")
	case printer.StateHeadOpen:
		return lang.L("Printer head is open — close it until it clicks")
	case printer.StatePaperOut:
		return lang.L("Printer is out of labels — load a roll and press Resume")
	case printer.StateRibbonOut:
		return lang.L("Printer is out of ribbon — load a ribbon and press Resume")
	case printer.StateOverTemp:
		return lang.L("Printer head is too hot — let it cool down for a few minutes")
	case printer.StatePaused:
		return lang.L("Printer is paused — press Pause (or Resume) on the printer")
	case printer.StateBufferFull:
		return lang.L("Printer's buffer is full — wait until it has printed what it holds")
	case printer.StateUnderTemp:
		return lang.L("Printer is too cold and may print faintly — move it away from the cold")
	case printer.StateCorruptRAM:
		return lang.L("Printer lost its settings — calibrate it and check the label size")
	}
	return string(s) // a state newer than this screen: its name
}
