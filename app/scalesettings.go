package app

import (
	"context"
	"math"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"labelstation/carrier"
	"labelstation/scale"
)

// scaleSettings is the scale settings dialog: it lists the serial ports
// and USB scales the station finds, asks a port which protocol answers,
// reads a weight from an address, and switches the station to it. Every
// button calls one ScaleSettings method off the UI goroutine; results
// come back through the screen's ui (fyne.Do).
type scaleSettings struct {
	deviceDialog
	ss    ScaleSettings
	found []scale.Found

	devices *widget.Select
	uri     *widget.Entry
	find    *widget.Button
	probe   *widget.Button
	test    *widget.Button
	use     *widget.Button
}

// ShowScaleSettings opens the scale settings dialog (the Scale… button),
// a supervisor's (roles.go). It does nothing when the station offers no
// scale settings.
func (ps *PackScreen) ShowScaleSettings() {
	ps.asSupervisor(ps.win, lang.L("Opening the scale settings"), ps.showScaleSettings)
}

func (ps *PackScreen) showScaleSettings() {
	ss, ok := ps.st.(ScaleSettings)
	if !ok {
		return
	}
	d := &scaleSettings{deviceDialog: deviceDialog{ps: ps}, ss: ss}
	d.devices = widget.NewSelect(nil, d.chose)
	d.devices.PlaceHolder = lang.L("Press Find scales")
	d.uri = widget.NewEntry()
	d.uri.SetPlaceHolder("serial:///dev/ttyUSB0?protocol=sics") // i18n: an address, the same in every language
	d.uri.SetText(ss.ScaleURI())
	d.find = widget.NewButton(lang.L("Find scales"), d.findScales)
	d.probe = widget.NewButton(lang.L("Probe port"), d.probePort)
	d.test = widget.NewButton(lang.L("Test: read a weight"), d.testScale)
	d.use = widget.NewButton(lang.L("Use this scale"), d.useScale)
	d.use.Importance = widget.HighImportance
	d.open(lang.L("Scale"), lang.L("Scales and serial ports on this computer:"),
		lang.L("Scale address (serial://PORT?protocol=sics|nci|cas|continuous, usbhid://VID:PID, hidraw://…, sim://…):"),
		d.devices, d.find, d.uri, [3]*widget.Button{d.probe, d.test, d.use},
		[3]keyAction{ctrlKey(fyne.KeyP), ctrlKey(fyne.KeyT), ctrlKey(fyne.KeyU)}, 800)
	ps.settings = d
	ps.supervisorOnly(d.dlg)
	d.findScales()
}

func (d *scaleSettings) findScales() {
	d.run(lang.L("Looking for scales…"), 10*time.Second, func(ctx context.Context) (string, error) {
		found, err := d.ss.ScaleDevices(ctx)
		d.found = found
		return "", err
	}, func(_ string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		var opts []string
		for _, f := range d.found {
			opts = append(opts, foundLabel(f))
		}
		d.devices.SetOptions(opts)
		if len(opts) == 0 {
			d.result.SetText(lang.L("No serial ports or USB scales found: plug the scale in, or type its address."))
			return
		}
		d.result.SetText(lang.L("Scales and ports found: {{.N}}. Choose one; for a serial port press Probe port to find its protocol.", map[string]any{"N": len(opts)}))
	})
}

func foundLabel(f scale.Found) string {
	parts := []string{f.Port}
	if f.Product != "" {
		parts = append(parts, f.Product)
	}
	if f.USBID != "" {
		parts = append(parts, f.USBID)
	}
	return strings.Join(parts, " · ")
}

// chose fills the address from the chosen device.
func (d *scaleSettings) chose(label string) {
	for _, f := range d.found {
		if foundLabel(f) == label {
			d.uri.SetText(f.URI)
			d.result.SetText(f.Note)
		}
	}
}

// selected is the chosen device, if any.
func (d *scaleSettings) selected() (scale.Found, bool) {
	for _, f := range d.found {
		if foundLabel(f) == d.devices.Selected {
			return f, true
		}
	}
	return scale.Found{}, false
}

func (d *scaleSettings) probePort() {
	f, ok := d.selected()
	if !ok || f.Kind != "serial" {
		d.result.SetText(lang.L("Choose a serial port in the list first: a USB scale needs no probing."))
		return
	}
	var r scale.Reading
	d.run(lang.L("Asking {{.Port}} which protocol it speaks…", map[string]any{"Port": f.Port}), 15*time.Second, func(ctx context.Context) (string, error) {
		uri, got, err := d.ss.ProbeScale(ctx, f.Port)
		r = got
		return uri, err
	}, func(uri string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		d.uri.SetText(uri)
		d.result.SetText(lang.L("It answers: {{.Reading}}. Press Use this scale to weigh with it.", map[string]any{"Reading": readingText(r)}))
	})
}

func (d *scaleSettings) testScale() {
	uri := strings.TrimSpace(d.uri.Text)
	if uri == "" {
		d.result.SetText(lang.L("Type or choose a scale address first."))
		return
	}
	var r scale.Reading
	d.run(lang.L("Reading {{.Address}}…", map[string]any{"Address": uri}), 8*time.Second, func(ctx context.Context) (string, error) {
		got, err := d.ss.TestScale(ctx, uri)
		r = got
		return "", err
	}, func(_ string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		d.result.SetText(lang.L("The scale reads {{.Reading}}.", map[string]any{"Reading": readingText(r)}))
	})
}

func (d *scaleSettings) useScale() {
	uri := strings.TrimSpace(d.uri.Text)
	d.ps.asSupervisor(d.ps.win, lang.L("Switching the scale"), func() { d.switchTo(uri) })
}

func (d *scaleSettings) switchTo(uri string) {
	d.run(lang.L("Switching to {{.Address}}…", map[string]any{"Address": orDash(uri)}), 5*time.Second, func(ctx context.Context) (string, error) {
		_, err := d.ss.UseScale(uri)
		return "", err
	}, func(_ string, err error) {
		if err != nil {
			d.fail(err)
			return
		}
		if uri == "" {
			d.result.SetText(lang.L("No scale: weights are typed."))
			return
		}
		d.result.SetText(lang.L("The station now weighs with {{.Scale}}.", map[string]any{"Scale": uri}))
	})
}

// readingText is "1.14 kg (stable)", "overload", …
func readingText(r scale.Reading) string {
	state := scaleStateText(r.State())
	switch r.Status {
	case scale.StatusOverload, scale.StatusUnderload, scale.StatusFault:
		return state
	}
	return lang.L("{{.Weight}} ({{.State}})", map[string]any{"Weight": carrier.Weight(math.Round(r.Grams)).String(), "State": state})
}

// scaleStates are the states a scale reports, each a message id
// "scale.state.NAME" in the devices catalogue.
var scaleStates = []scale.State{scale.StateStable, scale.StateMoving, scale.StateZero, scale.StateNegative,
	scale.StateOverload, scale.StateUnderload, scale.StateFault, scale.StateDisconnected}

// scaleStateText is a scale state in one word of the screen's language.
func scaleStateText(s scale.State) string {
	return lang.X("scale.state."+string(s), string(s)) // i18n: every scaleStates id is in the devices catalogue
}
