package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"labelstation/printer"
	"labelstation/scale"
)

// The printer and scale pages find devices as the Printer… and Scale…
// dialogs do (the same discovery, through SettingsSource): a list to
// choose from fills the address.

// deviceFinder is a page's list of found devices and its Find button.
type deviceFinder struct {
	list  *widget.Select
	uris  []string
	find  *widget.Button
	field *setField
}

func newDeviceFinder(field *setField, placeholder string) *deviceFinder {
	d := &deviceFinder{field: field}
	d.list = widget.NewSelect(nil, func(string) {
		if i := d.list.SelectedIndex(); i >= 0 && i < len(d.uris) {
			d.field.show(d.uris[i])
			d.field.validate()
		}
	})
	d.list.PlaceHolder = placeholder
	return d
}

func (d *deviceFinder) offer(labels, uris []string) {
	d.uris = uris
	d.list.Options = labels
	d.list.ClearSelected()
	d.list.Refresh()
}

// addDeviceFinders gives the printer page Find printers and Test print,
// and the scale page Find scales.
func (w *settingsWindow) addDeviceFinders() {
	pp, sp := w.page("printer"), w.page("scale")
	pf := newDeviceFinder(pp.fields[0], lang.L("Press Look for printers"))
	pf.find = widget.NewButton("", func() { w.findPrinters(pp, pf) })
	testPrint := widget.NewButton("", func() { w.testPrint(pp) })
	pp.actions = append(pp.actions,
		pageAction{btn: pf.find, label: lang.L("Look for printers"), key: ctrlKey(fyne.KeyF)},
		pageAction{btn: testPrint, label: lang.L("Print a test label"), key: ctrlKey(fyne.KeyP)})
	pp.extra = container.NewVBox(widget.NewLabel(lang.L("Printers found:")), pf.list)

	sf := newDeviceFinder(sp.fields[0], lang.L("Press Look for scales"))
	sf.find = widget.NewButton("", func() { w.findScales(sp, sf) })
	sp.actions = append(sp.actions, pageAction{btn: sf.find, label: lang.L("Look for scales"), key: ctrlKey(fyne.KeyF)})
	sp.extra = container.NewVBox(widget.NewLabel(lang.L("Scales and serial ports found:")), sf.list)
}

func (w *settingsWindow) findPrinters(p *settingsPage, d *deviceFinder) {
	w.findDevices(p, d, lang.L("Searching for printers…"), lang.L("No printer found: type the address of a network printer, e.g. tcp://HOST:9100."),
		func(ctx context.Context) (labels, uris []string, err error) {
			found, err := w.src.Printers(ctx)
			for _, f := range found {
				labels, uris = append(labels, printerFoundLabel(f)), append(uris, f.URI)
			}
			return labels, uris, err
		})
}

func (w *settingsWindow) findScales(p *settingsPage, d *deviceFinder) {
	w.findDevices(p, d, lang.L("Searching for scales…"), lang.L("No scales found: type the scale's address."),
		func(ctx context.Context) (labels, uris []string, err error) {
			found, err := w.src.Scales(ctx)
			for _, f := range found {
				labels, uris = append(labels, scaleFoundLabel(f)), append(uris, f.URI)
			}
			return labels, uris, err
		})
}

// findDevices runs a search off the UI goroutine (at most 10 s) and offers
// what it found in d's list, saying on the page how it went.
func (w *settingsWindow) findDevices(p *settingsPage, d *deviceFinder, searching, none string, search func(context.Context) (labels, uris []string, err error)) {
	w.setBusy(true)
	w.showTest(p, searching, false)
	go func() {
		ctx, cancel := context.WithTimeout(w.ctx, 10*time.Second)
		labels, uris, err := search(ctx)
		cancel()
		w.do(func() {
			w.setBusy(false)
			if err != nil {
				w.showTest(p, errText(err), true)
				return
			}
			d.offer(labels, uris)
			if len(uris) == 0 {
				w.showTest(p, none, false)
				return
			}
			w.showTest(p, lang.L("Found {{.N}}: choose one in the list.", map[string]any{"N": len(uris)}), false)
		})
	}()
}

// testPrint prints a test label on the printer on screen.
func (w *settingsWindow) testPrint(p *settingsPage) {
	f := p.fields[0]
	if f.validate() != nil {
		return
	}
	c, _, _ := w.collect()
	uri := f.value()
	w.setBusy(true)
	w.showTest(p, lang.L("Printing a test label…"), false)
	go func() {
		ctx, cancel := context.WithTimeout(w.ctx, 20*time.Second)
		err := w.src.TestPrint(ctx, c, uri)
		cancel()
		w.do(func() {
			w.setBusy(false)
			if err != nil {
				w.showTest(p, lang.L("The test label did not print: {{.Problem}}", map[string]any{"Problem": errText(err)}), true)
				return
			}
			w.showTest(p, lang.L("The test label was sent. If it came out with Å Ä Ö Æ Ø readable, the printer is right."), false)
		})
	}()
}

// scaleFoundLabel is a found scale or port in words.
func scaleFoundLabel(f scale.Found) string {
	out := f.URI
	for _, s := range []string{f.Product, f.Note} {
		if s != "" {
			out += " · " + s
		}
	}
	return out
}

// printerFoundLabel is a found printer in words.
func printerFoundLabel(f printer.Found) string {
	if f.Detail != "" {
		return f.URI + " · " + f.Detail
	}
	return f.URI
}
