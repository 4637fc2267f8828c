package app

import (
	"context"
	"fmt"
	"strings"
	"time"

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
	ps.asSupervisor(ps.win, "Opening the printer settings", ps.showPrinterSettings)
}

func (ps *PackScreen) showPrinterSettings() {
	pset, ok := ps.st.(PrinterSettings)
	if !ok {
		return
	}
	d := &printerSettings{deviceDialog: deviceDialog{ps: ps}, pset: pset}
	d.printers = widget.NewSelect(nil, d.chose)
	d.printers.PlaceHolder = "Press Find printers"
	d.uri = widget.NewEntry()
	d.uri.SetPlaceHolder("tcp://192.168.1.50:9100")
	d.uri.SetText(pset.PrinterURI())
	d.find = widget.NewButton("Find printers", d.findPrinters)
	d.status = widget.NewButton("Ask its state", d.askStatus)
	d.test = widget.NewButton("Test print", d.testPrint)
	d.use = widget.NewButton("Use this printer", d.usePrinter)
	d.use.Importance = widget.HighImportance
	d.open("Printer", "Printers on this computer (CUPS queues, USB, device nodes, Windows printers):",
		"Printer address (tcp://HOST:9100, usb://VID:PID, dev:///dev/usb/lp0, cups://QUEUE, spool://NAME, file:///DIR):",
		d.printers, d.find, d.uri, [3]*widget.Button{d.status, d.test, d.use}, 760)
	ps.printerDlg = d
	ps.supervisorOnly(d.dlg)
	d.findPrinters()
}

func (d *printerSettings) address() (string, bool) {
	uri := strings.TrimSpace(d.uri.Text)
	if uri == "" {
		d.result.SetText("Type or choose a printer address first.")
		return "", false
	}
	return uri, true
}

func (d *printerSettings) findPrinters() {
	d.run("Looking for printers", 10*time.Second, func(ctx context.Context) (string, error) {
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
			d.result.SetText("No printers found: type the address of a network printer (tcp://HOST:9100).")
			return
		}
		d.result.SetText(fmt.Sprintf("Found %d. Choose one, then Ask its state or Test print.", len(opts)))
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
	d.run("Asking "+uri+" for its state", 8*time.Second, func(ctx context.Context) (string, error) {
		got, err := d.pset.PrinterStatus(ctx, uri)
		st = got
		return "", err
	}, func(_ string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		d.result.SetText(st.Message())
	})
}

func (d *printerSettings) testPrint() {
	uri, ok := d.address()
	if !ok {
		return
	}
	d.run("Printing a test label on "+uri, 20*time.Second, func(ctx context.Context) (string, error) {
		return "", d.pset.TestPrint(ctx, uri)
	}, func(_ string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		d.result.SetText("The test label was sent. If it came out with Å Ä Ö Æ Ø readable, press Use this printer.")
	})
}

func (d *printerSettings) usePrinter() {
	uri, ok := d.address()
	if !ok {
		return
	}
	d.ps.asSupervisor(d.ps.win, "Switching the printer", func() { d.switchTo(uri) })
}

func (d *printerSettings) switchTo(uri string) {
	d.run("Switching to "+uri, 5*time.Second, func(ctx context.Context) (string, error) {
		return "", d.pset.UsePrinter(uri)
	}, func(_ string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		// The status bar shows the new printer at its next poll.
		d.result.SetText("Labels now print on " + uri + ".")
	})
}
