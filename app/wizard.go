package app

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/carrier"
	cfgfile "labelstation/config"
	"labelstation/scale"
)

// The first-run wizard: a station started with no config file (and no
// record in its data file that setup was done or the demo chosen) walks
// its installer through the carrier, the printer, the scale and the
// sender, saves the config file and starts again with it. "Try the demo"
// is the first choice: the built-in demo settings (PostNord's sandbox in
// the station, a simulated scale, labels as files), remembered so the
// wizard does not come back.

// Wizard steps.
const (
	stepCarrier = iota
	stepPrinter
	stepScale
	stepSender
	stepFinish
	wizardSteps
)

// Carrier choices, in the order offered.
const (
	choiceDemo = iota
	choicePostNord
	choicePostNordSTG
)

// PostNord's addresses (test and real).
const (
	postnordTestURL = "https://atapi2.postnord.com"
	postnordProdURL = "https://api2.postnord.com"
)

// Scale choices, in the order offered.
const (
	scaleSim = iota
	scaleSerial
	scaleUSB
	scaleNone
)

type wizard struct {
	src    WizardSource
	win    fyne.Window
	do     func(func())
	ctx    context.Context
	cancel context.CancelFunc
	keys   *actionKeys
	done   func(outcome string)

	cfg  cfgfile.Config
	step int
	busy bool

	title, intro *widget.Label
	body         *fyne.Container
	status       *widget.Label
	steps        [wizardSteps]fyne.CanvasObject

	back, next, quit *widget.Button

	// carrier
	carrier     *widget.RadioGroup
	carrierOpts []string
	pnEnv       *widget.RadioGroup
	pnEnvOpts   []string
	pnKey       *setField
	pnCustomer  *setField
	stgURL      *setField
	stgID       *setField
	stgSecret   *setField
	pnBox       *fyne.Container
	stgBox      *fyne.Container
	carrierTest *widget.Button
	carrierSays *widget.Label

	// printer
	printerURI   *setField
	printerFound *deviceFinder
	printerFind  *widget.Button
	testPrintBtn *widget.Button
	printerSays  *widget.Label

	// scale
	scaleKind     *widget.RadioGroup
	scaleKindOpts []string
	scaleURI      *setField
	scaleFound    *deviceFinder
	scaleFind     *widget.Button
	scaleFoundAll []scale.Found
	protocol      *widget.Select
	scaleBox      *fyne.Container
	live          *widget.Label
	liveStop      context.CancelFunc

	// sender
	sender []*setField

	// finish
	summary *widget.Label
}

// RunWizard shows the first-run wizard in a new window of a and runs the
// app until it closes. It returns SetupSaved or SetupDemo, already
// recorded through src, or "" when the window was closed without either.
// Like fyne.App.Run it must be called on the main goroutine.
func RunWizard(a fyne.App, src WizardSource) string {
	win := a.NewWindow(lang.L("Set up this bench"))
	outcome := ""
	newWizard(context.Background(), win, src, fyne.Do, func(o string) {
		outcome = o
		win.Close()
	})
	win.SetMaster()
	win.ShowAndRun()
	return outcome
}

// newWizard builds the wizard into win; done gets the outcome.
func newWizard(parent context.Context, win fyne.Window, src WizardSource, do func(func()), done func(string)) *wizard {
	wz := &wizard{src: src, win: win, do: do, done: done}
	wz.ctx, wz.cancel = context.WithCancel(parent)
	wz.cfg, _ = src.Load()
	wz.build()
	wz.showStep(stepCarrier)
	win.SetOnClosed(func() {
		wz.stopLive()
		wz.cancel()
	})
	win.Resize(fyne.NewSize(900, 640))
	return wz
}

func (wz *wizard) build() {
	wz.title = widget.NewLabel("")
	wz.title.SizeName = theme.SizeNameHeadingText
	wz.title.TextStyle.Bold = true
	wz.intro = widget.NewLabel("")
	wz.intro.Wrapping = fyne.TextWrapWord
	wz.status = widget.NewLabel("")
	wz.status.Wrapping = fyne.TextWrapWord
	wz.body = container.NewStack()

	wz.steps[stepCarrier] = wz.buildCarrier()
	wz.steps[stepPrinter] = wz.buildPrinter()
	wz.steps[stepScale] = wz.buildScale()
	wz.steps[stepSender] = wz.buildSender()
	wz.steps[stepFinish] = wz.buildFinish()

	wz.back = widget.NewButton("", func() { wz.showStep(wz.step - 1) })
	wz.next = widget.NewButton("", wz.forward)
	wz.next.Importance = widget.HighImportance
	wz.quit = widget.NewButton("", func() { wz.win.Close() })
	buttons := container.NewHBox(wz.quit, wz.back, wz.next)
	top := container.NewVBox(wz.title, wz.intro, widget.NewSeparator())
	bottom := container.NewVBox(widget.NewSeparator(), wz.status, container.NewBorder(nil, nil, nil, buttons))
	wz.win.SetContent(container.NewBorder(top, bottom, nil, nil, container.NewVScroll(container.NewPadded(wz.body))))
}

// ---- steps ----

func (wz *wizard) buildCarrier() fyne.CanvasObject {
	wz.carrierOpts = []string{
		lang.L("Try the demo: PostNord's sandbox inside the station, a simulated scale, labels saved as files"),
		lang.L("PostNord"),
		lang.L("PostNord and STG"),
	}
	wz.carrier = widget.NewRadioGroup(wz.carrierOpts, func(string) { wz.carrierChanged() })
	wz.carrier.Required = true
	wz.pnEnvOpts = []string{lang.L("PostNord's test service (atapi2.postnord.com)"), lang.L("PostNord's real service (api2.postnord.com)")}
	wz.pnEnv = widget.NewRadioGroup(wz.pnEnvOpts, nil)
	wz.pnEnv.Required = true
	wz.pnKey = &setField{key: "postnord.apikey", label: lang.L("API key"), help: lang.L("From PostNord's developer portal. Kept in the secrets store."), valid: validRequired}
	wz.pnKey.entry = widget.NewPasswordEntry()
	wz.pnCustomer = &setField{key: "consignor.customer_number", label: lang.L("Customer number"), help: lang.L("From the PostNord agreement."), valid: validCustomerNumber}
	wz.pnCustomer.entry = widget.NewEntry()
	wz.stgURL = &setField{key: "stg.url", label: lang.L("STG address"), help: lang.L("STG's address starting with https://."), valid: func(v string) error {
		if err := validRequired(v); err != nil {
			return err
		}
		return validURL(v)
	}}
	wz.stgURL.entry = widget.NewEntry()
	wz.stgID = &setField{key: "stg.client_id", label: lang.L("STG client id"), valid: validRequired}
	wz.stgID.entry = widget.NewEntry()
	wz.stgSecret = &setField{key: "stg.client_secret", label: lang.L("STG client secret"), help: lang.L("Kept in the secrets store."), valid: validRequired}
	wz.stgSecret.entry = widget.NewPasswordEntry()
	wz.carrierTest = widget.NewButton("", wz.testCarrier)
	wz.carrierSays = widget.NewLabel("")
	wz.carrierSays.Wrapping = fyne.TextWrapWord
	wz.pnBox = container.NewVBox(wz.pnEnv, fieldRows(wz.pnKey, wz.pnCustomer))
	wz.stgBox = container.NewVBox(fieldRows(wz.stgURL, wz.stgID, wz.stgSecret))
	wz.carrier.SetSelected(wz.carrierOpts[choiceDemo])
	wz.pnEnv.SetSelected(wz.pnEnvOpts[0])
	return container.NewVBox(wz.carrier, widget.NewSeparator(), wz.pnBox, wz.stgBox,
		container.NewHBox(wz.carrierTest), wz.carrierSays)
}

func (wz *wizard) choice() int {
	for i, o := range wz.carrierOpts {
		if wz.carrier.Selected == o {
			return i
		}
	}
	return choiceDemo
}

func (wz *wizard) carrierChanged() {
	c := wz.choice()
	setShown(wz.pnBox, c != choiceDemo)
	setShown(wz.stgBox, c == choicePostNordSTG)
	setShown(wz.carrierTest, c != choiceDemo)
	wz.carrierSays.SetText("")
	if wz.next != nil && wz.step == stepCarrier {
		wz.bindKeys()
	}
}

func (wz *wizard) buildPrinter() fyne.CanvasObject {
	wz.printerURI = &setField{key: "station.printer", label: lang.L("Printer address"),
		help: lang.L("Empty: labels are saved as files in the data folder (a preview printer), as in the demo."), valid: validPrinterURI}
	wz.printerURI.entry = widget.NewEntry()
	wz.printerURI.entry.SetPlaceHolder("tcp://192.168.1.50:9100")
	wz.printerFound = newDeviceFinder(wz.printerURI, lang.L("Press Look for printers"))
	wz.printerFind = widget.NewButton("", wz.findPrinters)
	wz.testPrintBtn = widget.NewButton("", wz.testPrint)
	wz.printerSays = widget.NewLabel("")
	wz.printerSays.Wrapping = fyne.TextWrapWord
	return container.NewVBox(widget.NewLabel(lang.L("Printers found:")), wz.printerFound.list,
		fieldRows(wz.printerURI), container.NewHBox(wz.printerFind, wz.testPrintBtn), wz.printerSays)
}

func (wz *wizard) buildScale() fyne.CanvasObject {
	wz.scaleKindOpts = []string{
		lang.L("Simulated scale (for trying the station out)"),
		lang.L("Serial scale (RS-232 or a USB serial adapter)"),
		lang.L("USB scale (HID, e.g. Dymo)"),
		lang.L("No scale: weights are typed"),
	}
	wz.scaleKind = widget.NewRadioGroup(wz.scaleKindOpts, func(string) { wz.scaleKindChanged() })
	wz.scaleKind.Required = true
	wz.scaleURI = &setField{key: "station.scale", label: lang.L("Scale address"), valid: validScaleURI}
	wz.scaleURI.entry = widget.NewEntry()
	wz.scaleURI.entry.SetPlaceHolder("serial:///dev/ttyUSB0?protocol=sics") // i18n: an address, not words
	wz.scaleFound = newDeviceFinder(wz.scaleURI, lang.L("Press Look for scales"))
	wz.scaleFind = widget.NewButton("", wz.findScales)
	wz.protocol = widget.NewSelect([]string{"sics", "nci", "cas", "continuous"}, func(p string) { wz.setProtocol(p) })
	wz.protocol.PlaceHolder = lang.L("Protocol (from the scale's manual)")
	wz.live = widget.NewLabel("")
	wz.live.SizeName = theme.SizeNameSubHeadingText
	wz.live.TextStyle.Bold = true
	wz.scaleBox = container.NewVBox(widget.NewLabel(lang.L("Scales and serial ports found:")), wz.scaleFound.list, wz.protocol, wz.scaleFind)
	wz.scaleKind.SetSelected(wz.scaleKindOpts[scaleSim])
	return container.NewVBox(wz.scaleKind, widget.NewSeparator(), wz.scaleBox, fieldRows(wz.scaleURI),
		widget.NewLabel(lang.L("Live reading: put something on the scale and watch the weight follow.")), wz.live)
}

func (wz *wizard) scaleKindChoice() int {
	for i, o := range wz.scaleKindOpts {
		if wz.scaleKind.Selected == o {
			return i
		}
	}
	return scaleSim
}

func (wz *wizard) scaleKindChanged() {
	k := wz.scaleKindChoice()
	setShown(wz.scaleBox, k == scaleSerial || k == scaleUSB)
	setShown(wz.protocol, k == scaleSerial)
	switch k {
	case scaleSim:
		wz.scaleURI.show(cfgfile.DemoScale)
	case scaleNone:
		wz.scaleURI.show("")
	default:
		if strings.HasPrefix(wz.scaleURI.value(), "sim://") {
			wz.scaleURI.show("")
		}
		wz.offerScales()
	}
	setShown(wz.scaleURI.entry, k != scaleNone)
	if wz.next != nil && wz.step == stepScale {
		wz.bindKeys()
	}
}

// setProtocol puts the chosen protocol into a serial scale's address.
func (wz *wizard) setProtocol(p string) {
	u, err := url.Parse(wz.scaleURI.value())
	if err != nil || u.Scheme != "serial" {
		return
	}
	q := u.Query()
	q.Set("protocol", p)
	u.RawQuery = q.Encode()
	wz.scaleURI.show(u.String())
}

func (wz *wizard) buildSender() fyne.CanvasObject {
	c := consignorPage()
	keep := map[string]bool{"consignor.name": true, "consignor.street1": true, "consignor.postcode": true, "consignor.city": true,
		"consignor.country": true, "consignor.phone": true, "consignor.email": true, "consignor.issuer_code": true}
	for _, f := range c.fields {
		if keep[f.key] {
			wz.sender = append(wz.sender, f)
		}
	}
	return fieldRows(wz.sender...)
}

func (wz *wizard) buildFinish() fyne.CanvasObject {
	wz.summary = widget.NewLabel("")
	wz.summary.Wrapping = fyne.TextWrapWord
	return wz.summary
}

// ---- moving between steps ----

func (wz *wizard) showStep(step int) {
	if step < 0 || step >= wizardSteps {
		return
	}
	wz.stopLive()
	wz.step = step
	wz.status.SetText("")
	switch step {
	case stepCarrier:
		wz.title.SetText(lang.L("1 of 5 · Carrier"))
		wz.intro.SetText(lang.L("Which carrier books the parcels? Try the demo first if you only want to see the station work: it changes nothing and asks nothing."))
	case stepPrinter:
		wz.title.SetText(lang.L("2 of 5 · Printer"))
		wz.intro.SetText(lang.L("The label printer. Look for printers lists what this computer offers; a test label is optional."))
	case stepScale:
		wz.title.SetText(lang.L("3 of 5 · Scale"))
		wz.intro.SetText(lang.L("The bench scale. The weight below follows the scale live, so you can see it answers."))
		wz.startLive()
	case stepSender:
		wz.title.SetText(lang.L("4 of 5 · Sender"))
		wz.intro.SetText(lang.L("The shop that sends the parcels, as the labels show it."))
	case stepFinish:
		wz.title.SetText(lang.L("5 of 5 · Save and start"))
		wz.intro.SetText(lang.L("The station writes these settings to its config file, keeps the secrets in the secrets store, and starts again with them."))
		wz.summary.SetText(wz.summaryText())
	}
	wz.body.Objects = []fyne.CanvasObject{wz.steps[step]}
	wz.body.Refresh()
	setShown(wz.back, step > stepCarrier)
	wz.bindKeys()
}

// forward checks the step and goes on: the demo ends the wizard at once;
// the last step saves.
func (wz *wizard) forward() {
	if wz.busy {
		return
	}
	switch {
	case wz.step == stepCarrier && wz.choice() == choiceDemo:
		wz.startDemo()
		return
	case wz.step == stepFinish:
		wz.saveAndStart()
		return
	}
	if f := wz.checkStep(wz.step); f != nil {
		wz.status.SetText(lang.L("Fix the values marked in red first."))
		wz.status.Importance = widget.DangerImportance
		if fo := f.field(); fo != nil {
			wz.win.Canvas().Focus(fo)
		}
		return
	}
	wz.status.Importance = widget.MediumImportance
	if wz.step == stepCarrier && wz.sender[0].value() == "" {
		// The sender's fields start from what the file (or the demo) says.
		for _, f := range wz.sender {
			f.show(f.get(&wz.cfg))
		}
		if wz.choice() != choiceDemo {
			for _, f := range wz.sender {
				if f.key != "consignor.country" && f.key != "consignor.issuer_code" {
					f.show("")
				}
			}
		}
	}
	wz.showStep(wz.step + 1)
}

// checkStep validates the step's fields; it returns the first that is
// wrong, or nil.
func (wz *wizard) checkStep(step int) *setField {
	var fields []*setField
	switch step {
	case stepCarrier:
		if wz.choice() != choiceDemo {
			fields = append(fields, wz.pnKey, wz.pnCustomer)
		}
		if wz.choice() == choicePostNordSTG {
			fields = append(fields, wz.stgURL, wz.stgID, wz.stgSecret)
		}
	case stepPrinter:
		fields = []*setField{wz.printerURI}
	case stepScale:
		fields = []*setField{wz.scaleURI}
	case stepSender:
		fields = wz.sender
	}
	var bad *setField
	for _, f := range fields {
		if f.validate() != nil && bad == nil {
			bad = f
		}
	}
	return bad
}

// config is the settings chosen so far, and the secrets typed.
func (wz *wizard) config() (cfgfile.Config, map[string]string) {
	c := wz.cfg
	secrets := map[string]string{}
	if wz.choice() != choiceDemo && c.Consignor == cfgfile.Default().Consignor {
		// The demo's made-up shop must not ship real parcels: its VAT,
		// EORI and VOEC numbers go too (the sender step asks the rest).
		c.Consignor = cfgfile.Consignor{Country: c.Consignor.Country, IssuerCode: c.Consignor.IssuerCode}
	}
	if wz.choice() != choiceDemo {
		c.PostNord.URL = postnordTestURL
		if wz.pnEnv.Selected == wz.pnEnvOpts[1] {
			c.PostNord.URL = postnordProdURL
		}
		c.PostNord.APIKey = wz.pnKey.value()
		secrets["postnord.apikey"] = c.PostNord.APIKey
		c.Consignor.CustomerNumber = wz.pnCustomer.value()
	}
	if wz.choice() == choicePostNordSTG {
		c.STG.URL, c.STG.ClientID, c.STG.ClientSecret = wz.stgURL.value(), wz.stgID.value(), wz.stgSecret.value()
		secrets["stg.client_secret"] = c.STG.ClientSecret
	}
	c.Station.Printer = wz.printerURI.value()
	c.Station.Scale = wz.scaleURI.value()
	if wz.sender[0].value() != "" || wz.step >= stepSender {
		for _, f := range wz.sender {
			f.set(&c, f.value())
		}
	}
	for k, v := range secrets {
		if v == "" {
			delete(secrets, k)
		}
	}
	return c, secrets
}

func (wz *wizard) summaryText() string {
	c, _ := wz.config()
	carrierName := lang.L("PostNord's test service")
	if c.PostNord.URL == postnordProdURL {
		carrierName = lang.L("PostNord's real service")
	}
	if c.STG.URL != "" {
		carrierName = lang.L("{{.PostNord}} and STG", map[string]any{"PostNord": carrierName})
	}
	printerName := c.Station.Printer
	if printerName == "" {
		printerName = lang.L("labels saved as files in the data folder")
	}
	scaleName := c.Station.Scale
	if scaleName == "" {
		scaleName = lang.L("none: weights are typed")
	}
	return lang.L("Carrier: {{.Carrier}}\nCustomer number: {{.Customer}}\nPrinter: {{.Printer}}\nScale: {{.Scale}}\nSender: {{.Name}}, {{.Street}}, {{.Postcode}} {{.City}}, {{.Country}}\nConfig file: {{.Path}}",
		map[string]any{"Carrier": carrierName, "Customer": c.Consignor.CustomerNumber, "Printer": printerName, "Scale": scaleName,
			"Name": c.Consignor.Name, "Street": c.Consignor.Street1, "Postcode": c.Consignor.Postcode, "City": c.Consignor.City,
			"Country": c.Consignor.Country, "Path": wz.src.Path()})
}

// ---- keys ----

// bindKeys gives the buttons on show their keys: Next Ctrl+N, Back
// Ctrl+B, Quit Ctrl+Q, and the step's own.
func (wz *wizard) bindKeys() {
	if wz.keys != nil {
		wz.keys.uninstall()
	}
	wz.keys = newActionKeys(wz.win, lang.L("Setup"))
	next := lang.L("Next")
	switch {
	case wz.step == stepCarrier && wz.choice() == choiceDemo:
		next = lang.L("Start the demo")
	case wz.step == stepFinish:
		next = lang.L("Save and start")
	}
	wz.keys.bind(wz.next, next, ctrlKey(fyne.KeyN))
	wz.keys.bind(wz.back, lang.L("Back"), ctrlKey(fyne.KeyB))
	wz.keys.bind(wz.quit, lang.L("Quit"), ctrlKey(fyne.KeyQ))
	switch wz.step {
	case stepCarrier:
		wz.keys.bind(wz.carrierTest, lang.L("Test connection"), ctrlKey(fyne.KeyT))
		wz.keys.action(lang.L("Try the demo"), ctrlKey(fyne.KeyD), func() {
			wz.carrier.SetSelected(wz.carrierOpts[choiceDemo])
			wz.forward()
		})
	case stepPrinter:
		wz.keys.bind(wz.printerFind, lang.L("Look for printers"), ctrlKey(fyne.KeyF))
		wz.keys.bind(wz.testPrintBtn, lang.L("Print a test label"), ctrlKey(fyne.KeyP))
	case stepScale:
		wz.keys.bind(wz.scaleFind, lang.L("Look for scales"), ctrlKey(fyne.KeyF))
	}
	wz.keys.install()
}

// ---- work off the UI goroutine ----

func (wz *wizard) setBusy(on bool) {
	wz.busy = on
	for _, b := range []*widget.Button{wz.next, wz.back, wz.carrierTest, wz.printerFind, wz.testPrintBtn, wz.scaleFind} {
		if on {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

func (wz *wizard) run(timeout time.Duration, f func(ctx context.Context) func()) {
	wz.setBusy(true)
	go func() {
		ctx, cancel := context.WithTimeout(wz.ctx, timeout)
		show := f(ctx)
		cancel()
		wz.do(func() {
			wz.setBusy(false)
			show()
		})
	}()
}

func (wz *wizard) testCarrier() {
	if f := wz.checkStep(stepCarrier); f != nil {
		wz.carrierSays.SetText(lang.L("Fix the values marked in red first."))
		return
	}
	c, _ := wz.config()
	wz.carrierSays.SetText(lang.L("Testing…"))
	wz.run(40*time.Second, func(ctx context.Context) func() {
		checks := wz.src.Test(ctx, c, TestPostNord)
		if c.STG.URL != "" {
			checks = append(checks, wz.src.Test(ctx, c, TestSTG)...)
		}
		text, bad := testWords(checks)
		return func() {
			wz.carrierSays.SetText(text)
			wz.carrierSays.Importance = widget.SuccessImportance
			if bad {
				wz.carrierSays.Importance = widget.DangerImportance
			}
			wz.carrierSays.Refresh()
		}
	})
}

func (wz *wizard) findPrinters() {
	wz.printerSays.SetText(lang.L("Searching for printers…"))
	wz.run(10*time.Second, func(ctx context.Context) func() {
		found, err := wz.src.Printers(ctx)
		return func() {
			if err != nil {
				wz.printerSays.SetText(errText(err))
				return
			}
			var labels, uris []string
			for _, f := range found {
				labels, uris = append(labels, printerFoundLabel(f)), append(uris, f.URI)
			}
			wz.printerFound.offer(labels, uris)
			if len(found) == 0 {
				wz.printerSays.SetText(lang.L("No printer found: type the address of a network printer, e.g. tcp://HOST:9100."))
				return
			}
			wz.printerSays.SetText(lang.L("Found {{.N}}: choose one in the list.", map[string]any{"N": len(found)}))
		}
	})
}

func (wz *wizard) testPrint() {
	if wz.printerURI.validate() != nil {
		return
	}
	c, _ := wz.config()
	uri := wz.printerURI.value()
	wz.printerSays.SetText(lang.L("Printing a test label…"))
	wz.run(20*time.Second, func(ctx context.Context) func() {
		err := wz.src.TestPrint(ctx, c, uri)
		return func() {
			if err != nil {
				wz.printerSays.SetText(lang.L("The test label did not print: {{.Problem}}", map[string]any{"Problem": errText(err)}))
				return
			}
			wz.printerSays.SetText(lang.L("The test label was sent. If it came out with Å Ä Ö Æ Ø readable, the printer is right."))
		}
	})
}

func (wz *wizard) findScales() {
	wz.run(10*time.Second, func(ctx context.Context) func() {
		found, err := wz.src.Scales(ctx)
		return func() {
			if err != nil {
				wz.status.SetText(errText(err))
				return
			}
			wz.scaleFoundAll = found
			wz.offerScales()
		}
	})
}

// offerScales lists the found scales of the chosen kind.
func (wz *wizard) offerScales() {
	kind := "serial"
	if wz.scaleKindChoice() == scaleUSB {
		kind = "usbhid"
	}
	var labels, uris []string
	for _, f := range wz.scaleFoundAll {
		if f.Kind == kind {
			labels, uris = append(labels, scaleFoundLabel(f)), append(uris, f.URI)
		}
	}
	wz.scaleFound.offer(labels, uris)
}

// startLive reads the scale on screen over and over while the scale step
// shows, so the installer sees the weight follow the platter.
func (wz *wizard) startLive() {
	ctx, cancel := context.WithCancel(wz.ctx)
	wz.liveStop = cancel
	wz.live.SetText("…")
	go func() {
		for ctx.Err() == nil {
			var uri string
			got := make(chan struct{})
			wz.do(func() { uri = wz.scaleURI.value(); close(got) })
			select {
			case <-got:
			case <-ctx.Done():
				return
			}
			text := lang.L("No scale: the weight is typed.")
			if uri != "" && validScaleURI(uri) == nil {
				rctx, rcancel := context.WithTimeout(ctx, 3*time.Second)
				r, err := wz.src.ReadScale(rctx, uri)
				rcancel()
				text = readingWords(r, err)
			}
			if ctx.Err() != nil {
				return
			}
			wz.do(func() {
				if ctx.Err() == nil {
					wz.live.SetText(text)
				}
			})
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
}

func (wz *wizard) stopLive() {
	if wz.liveStop != nil {
		wz.liveStop()
		wz.liveStop = nil
		go wz.src.ReleaseScale() // after the reader's last call: it may still be reading
	}
}

// readingWords is a scale reading as the installer reads it.
func readingWords(r scale.Reading, err error) string {
	switch {
	case err != nil:
		return lang.L("No reading: {{.Problem}}", map[string]any{"Problem": errText(err)})
	case r.Status == scale.StatusOverload:
		return lang.L("Overload: too much on the scale")
	case r.Status == scale.StatusUnderload:
		return lang.L("Underload: zero the scale")
	case r.Status != scale.StatusOK:
		return lang.L("The scale reports a fault")
	}
	w := carrier.Weight(math.Round(r.Grams)).String()
	if r.Stable {
		return lang.L("{{.Weight}} · stable", map[string]any{"Weight": w})
	}
	return lang.L("{{.Weight}} · moving", map[string]any{"Weight": w})
}

// ---- the end ----

func (wz *wizard) startDemo() {
	wz.status.SetText(lang.L("Starting the demo…"))
	wz.run(10*time.Second, func(context.Context) func() {
		err := wz.src.RecordSetup(SetupDemo)
		return func() {
			if err != nil {
				wz.fail(err)
				return
			}
			wz.done(SetupDemo)
		}
	})
}

func (wz *wizard) saveAndStart() {
	for step := stepCarrier; step < stepFinish; step++ {
		if f := wz.checkStep(step); f != nil {
			wz.showStep(step)
			wz.status.SetText(lang.L("Fix the values marked in red first."))
			wz.status.Importance = widget.DangerImportance
			return
		}
	}
	c, secrets := wz.config()
	wz.status.SetText(lang.L("Saving the settings…"))
	wz.run(20*time.Second, func(context.Context) func() {
		err := wz.src.Save(c, secrets)
		if err == nil {
			err = wz.src.RecordSetup(SetupSaved)
		}
		return func() {
			if err != nil {
				wz.fail(err)
				return
			}
			wz.done(SetupSaved)
		}
	})
}

func (wz *wizard) fail(err error) {
	msg := errText(err)
	if h := hintText(err); h != "" {
		msg = lang.L("{{.Problem}}. {{.Hint}}", map[string]any{"Problem": msg, "Hint": upperFirst(h)})
	}
	wz.status.SetText(lang.L("Not saved: {{.Problem}}", map[string]any{"Problem": msg}))
	wz.status.Importance = widget.DangerImportance
	wz.status.Refresh()
}

// String is for test failures.
func (wz *wizard) String() string { return fmt.Sprintf("wizard at step %d", wz.step) }
