package app

import (
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"labelstation/app/i18n"
	cfgfile "labelstation/config"
	"labelstation/station/kpi"
)

// settingsPage is one tab of the settings window: a section of the
// config file.
type settingsPage struct {
	id     string // names the page in tests and errors; never shown
	title  string
	intro  string
	fields []*setField
	// owns are the config keys (prefixes) whose Save errors belong here.
	owns []string
	// test is what Test connection checks on this page ("" : nothing).
	test    string
	testBtn *widget.Button
	// actions are the page's own buttons with their keys, keyed while
	// the page is the visible one (Test connection is always Ctrl+T).
	actions []pageAction
	// extra is shown between the intro and the fields (a device list).
	extra fyne.CanvasObject
	// after is shown after the fields (the id series list).
	after fyne.CanvasObject
	// check is a check across fields, run on Save and Test: the field it
	// concerns and what is wrong. has says whether a secret is given (on
	// screen, in the file, or in the store).
	check func(c *cfgfile.Config, has func(secret string) bool) (*setField, error)

	problem *widget.Label // Save's verdict on this page, in red
	result  *widget.Label // Test connection's words
	index   int           // its place in the window's list
}

// pageAction is a button of one page with its key.
type pageAction struct {
	btn   *widget.Button
	label string
	key   keyAction
}

func (p *settingsPage) field(key string) *setField {
	for _, f := range p.fields {
		if f.key == key {
			return f
		}
	}
	return nil
}

// owner is how closely p owns config key text at the start of s: the
// length of the longest prefix it owns that s starts with (0: none).
func (p *settingsPage) owner(s string) int {
	best := 0
	for _, k := range p.owns {
		if strings.HasPrefix(s, k) && len(k) > best {
			best = len(k)
		}
	}
	return best
}

// content lays the page out: intro, extra, fields, Test connection and
// its result, then what comes after.
func (p *settingsPage) content() fyne.CanvasObject {
	p.problem = widget.NewLabel("")
	p.problem.Wrapping = fyne.TextWrapWord
	p.problem.Importance = widget.DangerImportance
	p.problem.Hide()
	p.result = widget.NewLabel("")
	p.result.Wrapping = fyne.TextWrapWord
	p.result.Hide()
	box := container.NewVBox()
	if p.intro != "" {
		intro := widget.NewLabel(p.intro)
		intro.Wrapping = fyne.TextWrapWord
		box.Add(intro)
	}
	box.Add(p.problem)
	if p.extra != nil {
		box.Add(p.extra)
	}
	if len(p.fields) > 0 {
		box.Add(fieldRows(p.fields...))
	}
	var row []fyne.CanvasObject
	for _, a := range p.actions {
		row = append(row, a.btn)
	}
	if len(row) > 0 {
		box.Add(container.NewHBox(row...))
	}
	box.Add(p.result)
	if p.after != nil {
		box.Add(p.after)
	}
	return container.NewVScroll(container.NewPadded(box))
}

// ---- the pages, in the order of the tabs ----

func stationPage() *settingsPage {
	langs := []string{lang.L("Automatic: the computer's language")}
	codes := []string{""}
	for _, l := range i18n.Languages {
		langs = append(langs, l.Name)
		codes = append(codes, l.Code)
	}
	return &settingsPage{id: "station", title: lang.L("Bench"), owns: []string{"station.", "data_dir"},
		intro: lang.L("The bench itself: its name, the language of its screens, its sounds and labels."),
		fields: []*setField{
			textField("station.name", lang.L("Bench name"), lang.L("Names the bench in messages to the WMS and in the logs. Empty: the computer's name."), "", nil,
				func(c *cfgfile.Config) string { return c.Station.Name }, func(c *cfgfile.Config, v string) { c.Station.Name = v }),
			choiceField("station.language", lang.L("Language"), lang.L("The language of the screens. Receivers' messages keep each order's own language."), langs, codes,
				func(c *cfgfile.Config) string {
					if c.Station.Language == "auto" {
						return ""
					}
					return c.Station.Language
				}, func(c *cfgfile.Config, v string) { c.Station.Language = v }),
			checkField("station.sounds", lang.L("Sounds"), lang.L("A chime for a printed label, a buzz for a problem"), "",
				func(c *cfgfile.Config) bool { return c.Station.SoundsOn() },
				func(c *cfgfile.Config, on bool) {
					if on && c.Station.Sounds == nil {
						return // on is the default: nothing to write
					}
					c.Station.Sounds = &on
				}),
			choiceField("station.label_format", lang.L("Label format"), lang.L("ZPL for a thermal label printer, PDF for an office printer."),
				[]string{"ZPL", "PDF"}, []string{"zpl", "pdf"}, // i18n: format names
				func(c *cfgfile.Config) string { return valueOr(c.Station.LabelFormat, "zpl") },
				func(c *cfgfile.Config, v string) { c.Station.LabelFormat = v }),
			textField("station.default_service", lang.L("Default service"), lang.L("The carrier's service code when an order names none, e.g. 19 (MyPack Collect) or 17 (MyPack Home)."), "19", nil,
				func(c *cfgfile.Config) string { return c.Station.DefaultService }, func(c *cfgfile.Config, v string) { c.Station.DefaultService = v }),
			textField("station.log_dir", lang.L("Log folder"), lang.L("Where the log files go. Empty: the computer's usual place for logs."), "", nil,
				func(c *cfgfile.Config) string { return c.Station.LogDir }, func(c *cfgfile.Config, v string) { c.Station.LogDir = v }),
			textField("data_dir", lang.L("Data folder"), lang.L("Where the station keeps its data file. Empty: the computer's usual place. A new folder starts with no orders and no history."), "", nil,
				func(c *cfgfile.Config) string { return c.DataDir }, func(c *cfgfile.Config, v string) { c.DataDir = v }),
		}}
}

func postnordPage() *settingsPage {
	p := &settingsPage{id: "postnord", title: "PostNord", owns: []string{"postnord."}, test: TestPostNord, // i18n: a carrier's name
		intro: lang.L("PostNord books the parcels and prints their labels. Test connection asks each API product (Booking, Track & Trace, Service Points, Transit Time) whether it accepts the key; nothing is booked."),
		fields: []*setField{
			textField("postnord.url", lang.L("Address"), lang.L("Empty or sandbox: the demo sandbox inside the station. https://atapi2.postnord.com is PostNord's test, https://api2.postnord.com the real one."), lang.L("the demo sandbox"), validCarrierURL,
				func(c *cfgfile.Config) string { return c.PostNord.URL }, func(c *cfgfile.Config, v string) { c.PostNord.URL = v }),
			secretField("postnord.apikey", lang.L("API key"), lang.L("From PostNord's developer portal. Kept in the secrets store, never in the config file."), nil,
				func(c *cfgfile.Config) *string { return &c.PostNord.APIKey }),
			textField("postnord.client_id", lang.L("Client id"), lang.L("OAuth client id, for the APIs that need one (Track & Trace by reference). Empty: not used."), "", nil,
				func(c *cfgfile.Config) string { return c.PostNord.ClientID }, func(c *cfgfile.Config, v string) { c.PostNord.ClientID = v }),
			secretField("postnord.client_secret", lang.L("Client secret"), lang.L("The OAuth client's secret. Kept in the secrets store."), nil,
				func(c *cfgfile.Config) *string { return &c.PostNord.ClientSecret }),
			choiceField("postnord.label_type", lang.L("Label size"), "",
				[]string{lang.L("Standard, 105 × 190 mm"), lang.L("Small, 105 × 75 mm")}, []string{"", "small"},
				func(c *cfgfile.Config) string {
					if c.PostNord.LabelType == "standard" {
						return ""
					}
					return c.PostNord.LabelType
				}, func(c *cfgfile.Config, v string) { c.PostNord.LabelType = v }),
			choiceField("postnord.locale", lang.L("PostNord's language"), lang.L("The language of PostNord's own notifications and tracking texts."),
				[]string{"English", "Svenska", "Dansk", "Norsk", "Suomi"}, []string{"", "sv", "da", "no", "fi"}, // i18n: languages named in themselves
				func(c *cfgfile.Config) string {
					if c.PostNord.Locale == "en" {
						return ""
					}
					return c.PostNord.Locale
				}, func(c *cfgfile.Config, v string) { c.PostNord.Locale = v }),
		}}
	p.check = func(c *cfgfile.Config, has func(string) bool) (*setField, error) {
		if !c.Demo() && !has("postnord.apikey") {
			return p.field("postnord.apikey"), problem(lang.L("Type the API key: PostNord's real address needs one."))
		}
		if c.PostNord.ClientID != "" && !has("postnord.client_secret") {
			return p.field("postnord.client_secret"), problem(lang.L("Type the client secret that goes with the client id."))
		}
		return nil, nil
	}
	return p
}

func stgPage() *settingsPage {
	p := &settingsPage{id: "stg", title: "STG", owns: []string{"stg."}, test: TestSTG, // i18n: a carrier's name
		intro: lang.L("STG is the second carrier. Test connection fetches a token with the client id and secret and asks for a made-up parcel; nothing is booked."),
		fields: []*setField{
			textField("stg.url", lang.L("Address"), lang.L("Empty: off (the demo uses a sandbox). sandbox: the sandbox inside the station. Else STG's address starting with https://."), lang.L("off"), validCarrierURL,
				func(c *cfgfile.Config) string { return c.STG.URL }, func(c *cfgfile.Config, v string) { c.STG.URL = v }),
			textField("stg.client_id", lang.L("Client id"), "", "", nil,
				func(c *cfgfile.Config) string { return c.STG.ClientID }, func(c *cfgfile.Config, v string) { c.STG.ClientID = v }),
			secretField("stg.client_secret", lang.L("Client secret"), lang.L("Kept in the secrets store, never in the config file."), nil,
				func(c *cfgfile.Config) *string { return &c.STG.ClientSecret }),
		}}
	p.check = func(c *cfgfile.Config, has func(string) bool) (*setField, error) {
		if c.STG.URL == "" || c.STGSandbox() {
			return nil, nil
		}
		if c.STG.ClientID == "" {
			return p.field("stg.client_id"), problem(lang.L("Type STG's client id: its address is set."))
		}
		if !has("stg.client_secret") {
			return p.field("stg.client_secret"), problem(lang.L("Type STG's client secret: its address is set."))
		}
		return nil, nil
	}
	return p
}

func consignorPage() *settingsPage {
	str := func(key, label, help string, valid func(string) error, at func(c *cfgfile.Config) *string) *setField {
		return textField(key, label, help, "", valid, func(c *cfgfile.Config) string { return *at(c) }, func(c *cfgfile.Config, v string) { *at(c) = v })
	}
	return &settingsPage{id: "consignor", title: lang.L("Sender"), owns: []string{"consignor."},
		intro: lang.L("The shop that sends the parcels, as the labels and the carrier know it."),
		fields: []*setField{
			str("consignor.name", lang.L("Name"), "", validRequired, func(c *cfgfile.Config) *string { return &c.Consignor.Name }),
			str("consignor.street1", lang.L("Street"), "", nil, func(c *cfgfile.Config) *string { return &c.Consignor.Street1 }),
			str("consignor.street2", lang.L("Street, line 2"), "", nil, func(c *cfgfile.Config) *string { return &c.Consignor.Street2 }),
			str("consignor.postcode", lang.L("Postcode"), "", validRequired, func(c *cfgfile.Config) *string { return &c.Consignor.Postcode }),
			str("consignor.city", lang.L("City"), "", validRequired, func(c *cfgfile.Config) *string { return &c.Consignor.City }),
			str("consignor.country", lang.L("Country"), lang.L("Two letters: SE, NO, DK or FI."), validCountry, func(c *cfgfile.Config) *string { return &c.Consignor.Country }),
			str("consignor.phone", lang.L("Phone"), "", validPhone, func(c *cfgfile.Config) *string { return &c.Consignor.Phone }),
			str("consignor.email", lang.L("E-mail"), "", validEmail, func(c *cfgfile.Config) *string { return &c.Consignor.Email }),
			str("consignor.customer_number", lang.L("Customer number"), lang.L("From the PostNord agreement."), validCustomerNumber, func(c *cfgfile.Config) *string { return &c.Consignor.CustomerNumber }),
			choiceField("consignor.issuer_code", lang.L("Issuer code"), lang.L("PostNord's code for the sender's country."),
				[]string{lang.L("Z12 · Sweden"), lang.L("Z11 · Denmark"), lang.L("Z13 · Norway"), lang.L("Z14 · Finland")},
				[]string{"Z12", "Z11", "Z13", "Z14"}, // i18n: PostNord's issuer codes
				func(c *cfgfile.Config) string { return c.Consignor.IssuerCode }, func(c *cfgfile.Config, v string) { c.Consignor.IssuerCode = v }),
			str("consignor.vat_number", lang.L("VAT number"), lang.L("For parcels that leave the EU (Norway)."), nil, func(c *cfgfile.Config) *string { return &c.Consignor.VATNumber }),
			str("consignor.eori", "EORI", "", nil, func(c *cfgfile.Config) *string { return &c.Consignor.EORI }), // i18n: a customs registration's name
			str("consignor.voec", "VOEC", lang.L("The Norwegian VAT On E-Commerce number."), validDigits, // i18n: a customs registration's name
				func(c *cfgfile.Config) *string { return &c.Consignor.VOEC }),
		}}
}

func printerPage() *settingsPage {
	return &settingsPage{id: "printer", title: lang.L("Label printer"), owns: []string{"station.printer"}, test: TestPrinter,
		intro: lang.L("The label printer. Look for printers lists what this computer offers; Test connection asks the printer for its state; Print a test label prints a small one."),
		fields: []*setField{
			textField("station.printer", lang.L("Printer address"), lang.L("Empty: labels are saved as files in the data folder (a preview printer)."), "tcp://192.168.1.50:9100", validPrinterURI,
				func(c *cfgfile.Config) string { return c.Station.Printer }, func(c *cfgfile.Config, v string) { c.Station.Printer = v }),
		}}
}

func scalePage() *settingsPage {
	return &settingsPage{id: "scale", title: lang.L("Bench scale"), owns: []string{"station.scale"}, test: TestScale,
		intro: lang.L("The bench scale. Look for scales lists serial ports and USB scales; Test connection reads a weight."),
		fields: []*setField{
			textField("station.scale", lang.L("Scale address"), lang.L("Empty: no scale, weights are typed. sim://?weight=1.25kg is the simulated scale of the demo."), "serial:///dev/ttyUSB0?protocol=sics", validScaleURI, // i18n: an address
				func(c *cfgfile.Config) string { return c.Station.Scale }, func(c *cfgfile.Config, v string) { c.Station.Scale = v }),
		}}
}

func queuePage() *settingsPage {
	return &settingsPage{id: "queue", title: lang.L("Queue"), owns: []string{"outbox.", "tracking."},
		intro: lang.L("How bookings that wait for the carrier are sent, and how often the carrier is asked about parcels on their way."),
		fields: []*setField{
			intField("outbox.concurrency", lang.L("Bookings sent at once"), lang.L("When the queue is sent after the network was down. Empty: 4."), 1, 64,
				func(c *cfgfile.Config) *int { return &c.Outbox.Concurrency }),
			textField("outbox.lookup_grace", lang.L("Wait after a lost answer"), lang.L("How long to wait before a booking whose answer was lost is sent again, e.g. 2m. Empty: 2 minutes."), "2m", validDuration,
				func(c *cfgfile.Config) string { return c.Outbox.LookupGrace }, func(c *cfgfile.Config, v string) { c.Outbox.LookupGrace = v }),
			intField("tracking.concurrency", lang.L("Tracking look-ups at once"), lang.L("Empty: 4."), 1, 64,
				func(c *cfgfile.Config) *int { return &c.Tracking.Concurrency }),
			intField("tracking.daily_cap", lang.L("Tracking look-ups a day"), lang.L("So a large backlog cannot use up the API key's quota. Empty: 20000."), 1, 10000000,
				func(c *cfgfile.Config) *int { return &c.Tracking.DailyCap }),
		}}
}

func fleetPage() *settingsPage {
	p := &settingsPage{id: "fleet", title: lang.L("Site (fleet)"), owns: []string{"fleet."}, test: TestFleet,
		intro: lang.L("Fleet mode: the benches of one site share orders, shipments and the dashboard through the site's PostgreSQL server. Each bench keeps packing on its own while the server cannot be reached, and catches up when it returns. The bench name (page Bench) names this bench on the site: give every bench its own. Test connection connects to the server; nothing is written."),
		fields: []*setField{
			textField("fleet.postgres_url", lang.L("Server address"), lang.L("The site's PostgreSQL as a postgres:// address without the password, e.g. postgres://labelstation@db.site.example:5432/labelstation?sslmode=verify-full. Empty: fleet mode is off."),
				"postgres://labelstation@db.example:5432/labelstation?sslmode=verify-full", validPostgresURL, // i18n: an address
				func(c *cfgfile.Config) string { return c.Fleet.PostgresURL }, func(c *cfgfile.Config, v string) { c.Fleet.PostgresURL = v }),
			secretField("fleet.postgres_password", lang.L("Password"), lang.L("The server user's password. Kept in the secrets store, never in the config file."), nil,
				func(c *cfgfile.Config) *string { return &c.Fleet.Password }),
			textField("fleet.push_every", lang.L("Send to the site every"), lang.L("How often the bench sends what it recorded and fetches the site's news, e.g. 5s. Empty: 5 seconds."), "5s", validFleetInterval("fleet.push_every"),
				func(c *cfgfile.Config) string { return c.Fleet.PushEvery }, func(c *cfgfile.Config, v string) { c.Fleet.PushEvery = v }),
			textField("fleet.poller_retry", lang.L("Tracking takeover after"), lang.L("One bench asks the carrier about every parcel of the site. If it stops, another bench takes over within this time, e.g. 15s. Empty: 15 seconds."), "15s", validFleetInterval("fleet.poller_retry"),
				func(c *cfgfile.Config) string { return c.Fleet.PollerRetry }, func(c *cfgfile.Config, v string) { c.Fleet.PollerRetry = v }),
			textField("fleet.track_every", lang.L("Site tracking every"), lang.L("The pause between the site's tracking rounds, e.g. 5m. Empty: 5 minutes."), "5m", validFleetInterval("fleet.track_every"),
				func(c *cfgfile.Config) string { return c.Fleet.TrackEvery }, func(c *cfgfile.Config, v string) { c.Fleet.TrackEvery = v }),
		}}
	return p
}

func ordersPage() *settingsPage {
	p := &settingsPage{id: "orders", title: lang.L("Orders"), owns: []string{"orders."}, test: TestOrders,
		intro: lang.L("Where the bench finds an order it has not imported. Test connection connects to the WMS's address; nothing is asked."),
		fields: []*setField{
			choiceField("orders.source", lang.L("Orders come from"), "",
				[]string{lang.L("Only imported orders"), lang.L("Ask the WMS for each scanned order"), lang.L("Order files dropped in a folder")},
				[]string{"", cfgfile.OrderSourceHTTP, cfgfile.OrderSourceFolder},
				func(c *cfgfile.Config) string {
					if c.Orders.Source == cfgfile.OrderSourceLocal {
						return ""
					}
					return c.Orders.Source
				}, func(c *cfgfile.Config, v string) { c.Orders.Source = v }),
			textField("orders.http.url", lang.L("WMS order address"), lang.L("With {ref} where the order number goes."), "https://wms.example/api/orders/{ref}", validOrderURL,
				func(c *cfgfile.Config) string { return c.Orders.HTTP.URL }, func(c *cfgfile.Config, v string) { c.Orders.HTTP.URL = v }),
			textField("orders.http.timeout", lang.L("WMS answer time"), lang.L("The longest wait for the WMS, e.g. 5s. Empty: 5 seconds."), "5s", validDuration,
				func(c *cfgfile.Config) string { return c.Orders.HTTP.Timeout }, func(c *cfgfile.Config, v string) { c.Orders.HTTP.Timeout = v }),
			headersField(),
			textField("orders.folder.path", lang.L("Order folder"), lang.L("The folder the WMS drops order files in (CSV or JSON)."), "", nil,
				func(c *cfgfile.Config) string { return c.Orders.Folder.Path }, func(c *cfgfile.Config, v string) { c.Orders.Folder.Path = v }),
			textField("orders.folder.settle", lang.L("File settle time"), lang.L("How long a file must stay unchanged before it is read. Empty: 2s."), "2s", validDuration,
				func(c *cfgfile.Config) string { return c.Orders.Folder.Settle }, func(c *cfgfile.Config, v string) { c.Orders.Folder.Settle = v }),
			textField("orders.folder.poll", lang.L("Folder look interval"), lang.L("How often the folder is looked at. Empty: 1s."), "1s", validDuration,
				func(c *cfgfile.Config) string { return c.Orders.Folder.Poll }, func(c *cfgfile.Config, v string) { c.Orders.Folder.Poll = v }),
		}}
	p.check = func(c *cfgfile.Config, has func(string) bool) (*setField, error) {
		switch c.Orders.Source {
		case cfgfile.OrderSourceHTTP:
			if c.Orders.HTTP.URL == "" {
				return p.field("orders.http.url"), problem(lang.L("Type the WMS's order address: orders are asked from the WMS."))
			}
		case cfgfile.OrderSourceFolder:
			if c.Orders.Folder.Path == "" {
				return p.field("orders.folder.path"), problem(lang.L("Type the folder: orders come as files."))
			}
		}
		return nil, nil
	}
	return p
}

// headersField is the WMS lookup's headers, one "Name: value" a line. A
// value written out (not a ${NAME} reference) is a secret: Save keeps it
// in the secrets store and writes it empty in the file, which means "the
// stored value".
func headersField() *setField {
	f := &setField{key: "orders.http.headers", label: lang.L("WMS headers"),
		help:  lang.L("One a line, as Name: value. ${NAME} takes an environment variable. A value typed out goes to the secrets store; an empty one is taken from it."),
		valid: validHeaders,
		get:   func(c *cfgfile.Config) string { return formatHeaders(c.Orders.HTTP.Headers) },
		set: func(c *cfgfile.Config, v string) error {
			h, err := parseHeaders(v)
			if err != nil {
				return err
			}
			if len(h) == 0 {
				h = nil
			}
			c.Orders.HTTP.Headers = h
			return nil
		}}
	f.entry = widget.NewMultiLineEntry()
	f.entry.SetMinRowsVisible(3)
	f.entry.SetPlaceHolder("Authorization: ${secret:orders.http.headers.Authorization}") // i18n: a header as written in the file
	return f
}

func webhooksPage() *settingsPage {
	p := &settingsPage{id: "webhooks", title: lang.L("Webhooks"), owns: []string{"wms."}, test: TestWebhooks,
		intro: lang.L("Events for the WMS (booked, printed, returned…), signed with a secret. Test connection connects to the address; nothing is sent."),
		fields: []*setField{
			textField("wms.webhooks.url", lang.L("Address"), lang.L("Empty: no webhooks."), "https://wms.example.com/hooks/labelstation", validURL,
				func(c *cfgfile.Config) string { return c.WMS.Webhooks.URL }, func(c *cfgfile.Config, v string) { c.WMS.Webhooks.URL = v }),
			secretField("wms.webhooks.secret", lang.L("Signing secret"), lang.L("At least 16 characters, the same as in the WMS. Kept in the secrets store."), validWebhookSecret,
				func(c *cfgfile.Config) *string { return &c.WMS.Webhooks.Secret }),
			textField("wms.webhooks.events", lang.L("Events"), lang.L("The event types to send, separated by commas. Empty: all."), "booked, printed", nil,
				func(c *cfgfile.Config) string { return strings.Join(c.WMS.Webhooks.Events, ", ") },
				func(c *cfgfile.Config, v string) { c.WMS.Webhooks.Events = splitList(v) }),
			checkField("wms.webhooks.include_label", lang.L("Label"), lang.L("Send the label with the event"), "",
				func(c *cfgfile.Config) bool { return c.WMS.Webhooks.IncludeLabel }, func(c *cfgfile.Config, on bool) { c.WMS.Webhooks.IncludeLabel = on }),
			textField("wms.webhooks.timeout", lang.L("Answer time"), lang.L("The longest wait for the WMS, e.g. 10s."), "10s", validDuration,
				func(c *cfgfile.Config) string { return c.WMS.Webhooks.Timeout }, func(c *cfgfile.Config, v string) { c.WMS.Webhooks.Timeout = v }),
			intField("wms.webhooks.concurrency", lang.L("Sent at once"), lang.L("Empty: 2."), 1, 16,
				func(c *cfgfile.Config) *int { return &c.WMS.Webhooks.Concurrency }),
		}}
	p.check = func(c *cfgfile.Config, has func(string) bool) (*setField, error) {
		if c.WMS.Webhooks.URL != "" && !has("wms.webhooks.secret") {
			return p.field("wms.webhooks.secret"), problem(lang.L("Type the signing secret: the address is set."))
		}
		return nil, nil
	}
	return p
}

func emailPage() *settingsPage {
	p := &settingsPage{id: "email", title: lang.L("E-mail"), owns: []string{"notify.email", "notify.shop_name", "notify.quiet_hours", "notify.hold_days", "notify.logo"}, test: TestEmail,
		intro: lang.L("Messages to receivers and staff, and the SMTP server that sends the e-mails. Test connection connects to the server; nothing is sent."),
		fields: []*setField{
			textField("notify.shop_name", lang.L("Shop name"), lang.L("Signs the messages. Empty: the sender's name."), "", nil,
				func(c *cfgfile.Config) string { return c.Notify.ShopName }, func(c *cfgfile.Config, v string) { c.Notify.ShopName = v }),
			textField("notify.quiet_hours", lang.L("Quiet hours"), lang.L("Messages made in these hours wait until they end. Empty: 21:00-08:00."), "21:00-08:00", validQuietHours,
				func(c *cfgfile.Config) string { return c.Notify.QuietHours }, func(c *cfgfile.Config, v string) { c.Notify.QuietHours = v }),
			intField("notify.hold_days", lang.L("Days at the service point"), lang.L("How long a service point keeps a parcel. Empty: 7."), 1, 30,
				func(c *cfgfile.Config) *int { return &c.Notify.HoldDays }),
			textField("notify.email.host", lang.L("SMTP server"), lang.L("Empty: no e-mail."), "smtp.example.com", nil,
				func(c *cfgfile.Config) string { return c.Notify.Email.Host }, func(c *cfgfile.Config, v string) { c.Notify.Email.Host = v }),
			intField("notify.email.port", lang.L("Port"), lang.L("Empty: 587 for STARTTLS, 465 for TLS, 25 without."), 1, 65535,
				func(c *cfgfile.Config) *int { return &c.Notify.Email.Port }),
			choiceField("notify.email.security", lang.L("Security"), "",
				[]string{"STARTTLS", "TLS", lang.L("None (only inside the company network)")}, []string{"", "tls", "none"}, // i18n: protocol names
				func(c *cfgfile.Config) string {
					if c.Notify.Email.Security == "starttls" {
						return ""
					}
					return c.Notify.Email.Security
				}, func(c *cfgfile.Config, v string) { c.Notify.Email.Security = v }),
			textField("notify.email.username", lang.L("User name"), "", "", nil,
				func(c *cfgfile.Config) string { return c.Notify.Email.Username }, func(c *cfgfile.Config, v string) { c.Notify.Email.Username = v }),
			secretField("notify.email.password", lang.L("Password"), lang.L("Kept in the secrets store."), nil,
				func(c *cfgfile.Config) *string { return &c.Notify.Email.Password }),
			textField("notify.email.from", lang.L("From"), lang.L("The sender, e.g. Webshop <kundservice@example.com>."), "", validEmail,
				func(c *cfgfile.Config) string { return c.Notify.Email.From }, func(c *cfgfile.Config, v string) { c.Notify.Email.From = v }),
			textField("notify.email.reply_to", lang.L("Reply to"), "", "", validEmail,
				func(c *cfgfile.Config) string { return c.Notify.Email.ReplyTo }, func(c *cfgfile.Config, v string) { c.Notify.Email.ReplyTo = v }),
			textField("notify.email.timeout", lang.L("Answer time"), "", "30s", validDuration,
				func(c *cfgfile.Config) string { return c.Notify.Email.Timeout }, func(c *cfgfile.Config, v string) { c.Notify.Email.Timeout = v }),
		}}
	p.check = func(c *cfgfile.Config, has func(string) bool) (*setField, error) {
		e := c.Notify.Email
		if e.Host != "" && e.From == "" {
			return p.field("notify.email.from"), problem(lang.L("Type the sender: the SMTP server is set."))
		}
		if e.Username != "" && !has("notify.email.password") {
			return p.field("notify.email.password"), problem(lang.L("Type the password that goes with the user name."))
		}
		return nil, nil
	}
	return p
}

func smsPage() *settingsPage {
	p := &settingsPage{id: "sms", title: "SMS", owns: []string{"notify.sms"}, test: TestSMS, // i18n: the channel's name in every language
		intro: lang.L("The SMS gateway. Test connection connects to it; nothing is sent."),
		fields: []*setField{
			choiceField("notify.sms.provider", lang.L("Gateway"), "",
				[]string{lang.L("No SMS"), "46elks", lang.L("Another gateway")}, []string{"", "46elks", "custom"},
				func(c *cfgfile.Config) string { return c.Notify.SMS.Provider }, func(c *cfgfile.Config, v string) { c.Notify.SMS.Provider = v }),
			textField("notify.sms.url", lang.L("Address"), lang.L("Empty for 46elks: its own address."), "https://api.46elks.com/a1/sms", validURL,
				func(c *cfgfile.Config) string { return c.Notify.SMS.URL }, func(c *cfgfile.Config, v string) { c.Notify.SMS.URL = v }),
			textField("notify.sms.username", lang.L("User name"), "", "", nil,
				func(c *cfgfile.Config) string { return c.Notify.SMS.Username }, func(c *cfgfile.Config, v string) { c.Notify.SMS.Username = v }),
			secretField("notify.sms.password", lang.L("Password"), lang.L("Kept in the secrets store."), nil,
				func(c *cfgfile.Config) *string { return &c.Notify.SMS.Password }),
			textField("notify.sms.from", lang.L("From"), lang.L("The sender's name or number, as the gateway allows."), "", nil,
				func(c *cfgfile.Config) string { return c.Notify.SMS.From }, func(c *cfgfile.Config, v string) { c.Notify.SMS.From = v }),
			textField("notify.sms.timeout", lang.L("Answer time"), "", "10s", validDuration,
				func(c *cfgfile.Config) string { return c.Notify.SMS.Timeout }, func(c *cfgfile.Config, v string) { c.Notify.SMS.Timeout = v }),
		}}
	p.check = func(c *cfgfile.Config, has func(string) bool) (*setField, error) {
		s := c.Notify.SMS
		if s.Provider == "custom" && s.URL == "" {
			return p.field("notify.sms.url"), problem(lang.L("Type the gateway's address."))
		}
		if s.Provider != "" && s.Username != "" && !has("notify.sms.password") {
			return p.field("notify.sms.password"), problem(lang.L("Type the password that goes with the user name."))
		}
		return nil, nil
	}
	return p
}

// thresholdKeys are the KPIs with thresholds: the audit profile's and
// any the config adds.
func thresholdKeys(c cfgfile.Config) []string {
	var keys []string
	for k := range kpi.DefaultThresholds() {
		keys = append(keys, k)
	}
	for k := range c.KPI.Thresholds {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// thresholdName is a KPI's name in words, as the dashboard says it.
func thresholdName(key string) string {
	return lang.X("dash.kpi."+key, key) // i18n: the dashboard's KPI names; TestEveryThresholdHasAName checks the default ones
}

func kpiPage(loaded cfgfile.Config) *settingsPage {
	p := &settingsPage{id: "kpi", title: lang.L("KPI thresholds"), owns: []string{"kpi."},
		intro: lang.L("When a dashboard card turns amber (warning) and red (critical). Empty: the audit profile's level, shown in grey.")}
	defaults := kpi.DefaultThresholds()
	for _, key := range thresholdKeys(loaded) {
		name := map[string]any{"KPI": thresholdName(key)} // i18n: a template field name
		for i, label := range []string{lang.L("{{.KPI}}: warning at", name), lang.L("{{.KPI}}: critical at", name)} {
			f := &setField{key: "kpi.thresholds." + key, label: label, valid: validNumber,
				get: func(c *cfgfile.Config) string {
					if v, ok := c.KPI.Thresholds[key]; ok {
						return strconv.FormatFloat(v[i], 'f', -1, 64)
					}
					return ""
				},
				set: func(c *cfgfile.Config, v string) error {
					th := c.KPI.Thresholds[key]
					def, hasDef := defaults[key]
					if _, ok := c.KPI.Thresholds[key]; !ok {
						th = def
					}
					if v == "" {
						if !hasDef {
							delete(c.KPI.Thresholds, key)
							return nil
						}
						th[i] = def[i]
					} else {
						n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
						if err != nil {
							return err
						}
						th[i] = n
					}
					if hasDef && th == def {
						delete(c.KPI.Thresholds, key) // the default: nothing to write
						return nil
					}
					c.KPI.Thresholds[key] = th
					return nil
				}}
			f.entry = widget.NewEntry()
			if def, ok := defaults[key]; ok {
				f.entry.SetPlaceHolder(strconv.FormatFloat(def[i], 'f', -1, 64))
			}
			p.fields = append(p.fields, f)
		}
	}
	return p
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
