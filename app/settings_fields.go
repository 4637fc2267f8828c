package app

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	cfgfile "labelstation/config"
)

// setField is one setting on a settings page: one config value, the
// widget it is edited in, and the line under it that says what to write —
// or, in red, what is wrong with what was written.
type setField struct {
	key   string // the config key ("postnord.url"): where Save's errors belong
	label string
	help  string

	entry  *widget.Entry  // text (or a password, for a secret)
	choice *widget.Select // a choice among values
	values []string       // the config value of each of choice's options
	check  *widget.Check  // on or off ("true", "false")
	note   *widget.Label  // help, or the error

	// valid checks the value as it is typed (nil: anything goes); its
	// error says what to write.
	valid func(string) error
	get   func(c *cfgfile.Config) string
	set   func(c *cfgfile.Config, v string) error
	// secret is the secrets store's name of a secret field; its entry
	// starts empty (a stored value is never shown) and only a typed value
	// replaces the stored one.
	secret string
}

// textField is a one-line setting.
func textField(key, label, help, placeholder string, valid func(string) error,
	get func(c *cfgfile.Config) string, set func(c *cfgfile.Config, v string)) *setField {
	f := &setField{key: key, label: label, help: help, valid: valid, get: get,
		set: func(c *cfgfile.Config, v string) error { set(c, v); return nil }}
	f.entry = widget.NewEntry()
	f.entry.SetPlaceHolder(placeholder)
	return f
}

// intField is a whole number from min to max; empty means the default.
func intField(key, label, help string, min, max int, get func(c *cfgfile.Config) *int) *setField {
	f := &setField{key: key, label: label, help: help, valid: validInt(min, max),
		get: func(c *cfgfile.Config) string {
			if v := *get(c); v != 0 {
				return strconv.Itoa(v)
			}
			return ""
		},
		set: func(c *cfgfile.Config, v string) error {
			n := 0
			if v != "" {
				var err error
				if n, err = strconv.Atoi(v); err != nil {
					return err
				}
			}
			*get(c) = n
			return nil
		}}
	f.entry = widget.NewEntry()
	return f
}

// secretField is a secret setting: a password entry that never shows
// the stored value.
func secretField(key, label, help string, valid func(string) error, get func(c *cfgfile.Config) *string) *setField {
	f := &setField{key: key, label: label, help: help, secret: key, valid: valid,
		get: func(c *cfgfile.Config) string { return "" },
		set: func(c *cfgfile.Config, v string) error {
			if v != "" {
				*get(c) = v
			}
			return nil
		}}
	f.entry = widget.NewPasswordEntry()
	return f
}

// choiceField is a choice among options (said in words), each standing
// for a config value.
func choiceField(key, label, help string, options, values []string,
	get func(c *cfgfile.Config) string, set func(c *cfgfile.Config, v string)) *setField {
	f := &setField{key: key, label: label, help: help, values: slices.Clone(values), get: get,
		set: func(c *cfgfile.Config, v string) error { set(c, v); return nil }}
	f.choice = widget.NewSelect(slices.Clone(options), nil)
	return f
}

// checkField is a setting that is on or off.
func checkField(key, label, text, help string, get func(c *cfgfile.Config) bool, set func(c *cfgfile.Config, on bool)) *setField {
	f := &setField{key: key, label: label, help: help,
		get: func(c *cfgfile.Config) string { return strconv.FormatBool(get(c)) },
		set: func(c *cfgfile.Config, v string) error { set(c, v == "true"); return nil }}
	f.check = widget.NewCheck(text, nil)
	return f
}

// widget is the field's editing widget.
func (f *setField) widget() fyne.CanvasObject {
	switch {
	case f.entry != nil:
		return f.entry
	case f.choice != nil:
		return f.choice
	}
	return f.check
}

// value is what the widget holds, as the config writes it.
func (f *setField) value() string {
	switch {
	case f.entry != nil && f.entry.MultiLine:
		return strings.TrimSpace(f.entry.Text)
	case f.entry != nil:
		return strings.TrimSpace(f.entry.Text)
	case f.choice != nil:
		if i := f.choice.SelectedIndex(); i >= 0 && i < len(f.values) {
			return f.values[i]
		}
		return ""
	}
	return strconv.FormatBool(f.check.Checked)
}

// show puts v into the widget. A choice that does not offer v (a value
// written by hand in the file) gets it as an extra option, so saving
// keeps it.
func (f *setField) show(v string) {
	switch {
	case f.entry != nil:
		f.entry.SetText(v)
	case f.choice != nil:
		i := slices.Index(f.values, v)
		if i < 0 {
			f.values = append(f.values, v)
			f.choice.Options = append(f.choice.Options, v)
			i = len(f.values) - 1
		}
		f.choice.SetSelectedIndex(i)
	default:
		f.check.SetChecked(v == "true")
	}
}

// setStored says on a secret field whether the store holds a value.
func (f *setField) setStored(stored bool) {
	if f.secret == "" {
		return
	}
	if stored {
		f.entry.SetPlaceHolder(lang.L("Stored: type a new one to replace it"))
	} else {
		f.entry.SetPlaceHolder(lang.L("Not stored yet"))
	}
}

// validate checks the value and says the result under the field: its
// help when it is fine, the problem in red when not.
func (f *setField) validate() error {
	var err error
	if f.valid != nil {
		err = f.valid(f.value())
	}
	f.showProblem(err)
	return err
}

// showProblem shows err under the field (nil: the help again).
func (f *setField) showProblem(err error) {
	if err != nil {
		f.note.SetText(lang.L("Problem: {{.Problem}}", map[string]any{"Problem": err.Error()}))
		f.note.Importance = widget.DangerImportance
	} else {
		// The help in the text colour, set apart by italics: grey would
		// be hard to read at arm's length.
		f.note.SetText(f.help)
		f.note.Importance = widget.MediumImportance
	}
	f.note.TextStyle.Italic = err == nil
	if f.note.Text == "" {
		f.note.Hide()
	} else {
		f.note.Show()
	}
	f.note.Refresh()
}

// build makes the note and wires validation as it is typed.
func (f *setField) build() {
	f.note = widget.NewLabel("")
	f.note.Wrapping = fyne.TextWrapWord
	if f.entry != nil && f.valid != nil {
		f.entry.Validator = func(string) error { return f.valid(f.value()) }
		f.entry.AlwaysShowValidationError = true
		f.entry.OnChanged = func(string) { f.validate() }
	}
	f.showProblem(nil)
}

// fieldRows lays fields out as a two-column form: the label, then the
// widget with its note under it.
func fieldRows(fields ...*setField) *fyne.Container {
	grid := container.New(layout.NewFormLayout())
	for _, f := range fields {
		if f.note == nil {
			f.build()
		}
		l := widget.NewLabel(f.label)
		l.TextStyle.Bold = true
		grid.Add(l)
		grid.Add(container.NewVBox(f.widget(), f.note))
	}
	return grid
}

// ---- what may be written: each check's words say what to write ----

func problem(text string) error { return errors.New(text) }

func validRequired(v string) error {
	if v == "" {
		return problem(lang.L("Required: this cannot be left empty."))
	}
	return nil
}

// validURL: empty, or an http(s) address with a host.
func validURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return problem(lang.L("Write a whole web address starting with https://, e.g. https://wms.example.com/hooks"))
	}
	return nil
}

// validCarrierURL: empty or "sandbox" (the sandbox in the station), or an
// http(s) address.
func validCarrierURL(v string) error {
	if strings.EqualFold(v, "sandbox") {
		return nil
	}
	if validURL(v) != nil {
		return problem(lang.L("Write sandbox (or leave it empty) for the demo, or the carrier's address starting with https://"))
	}
	return nil
}

// validOrderURL: the WMS's order address, with {ref} where the order goes.
func validOrderURL(v string) error {
	if v == "" {
		return nil
	}
	if validURL(strings.ReplaceAll(v, "{ref}", "x")) != nil || !strings.Contains(v, "{ref}") {
		return problem(lang.L("Write the WMS's order address with {ref} where the order number goes, e.g. https://wms.example/api/orders/{ref}"))
	}
	return nil
}

func validDuration(v string) error {
	if v == "" {
		return nil
	}
	if d, err := time.ParseDuration(v); err != nil || d < 0 {
		return problem(lang.L("Write a time such as 5s, 2m or 1h (s seconds, m minutes, h hours)."))
	}
	return nil
}

// validPostgresURL: empty (fleet mode off), or what config accepts (a
// postgres:// address with a server and no password: the password goes
// to the secrets store). Config's words are English: the field shows them
// under its translated "Problem:", as it shows Save's config errors; they
// never repeat a password.
func validPostgresURL(v string) error {
	if v == "" {
		return nil
	}
	return cfgfile.CheckPostgresURL(v)
}

// validFleetInterval is the check of the [fleet] duration key: empty (the
// default) or what config accepts, a time of at least 100 ms, so a typo
// ("5ms") cannot make every bench hammer the site's server.
func validFleetInterval(key string) func(string) error {
	return func(v string) error { return cfgfile.CheckFleetInterval(key, v) }
}

func validInt(min, max int) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			return problem(lang.L("Write a whole number from {{.Min}} to {{.Max}}, or leave it empty for the default.", map[string]any{"Min": min, "Max": max}))
		}
		return nil
	}
}

func validNumber(v string) error {
	if v == "" {
		return nil
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64); err != nil {
		return problem(lang.L("Write a number such as 92 or 0.5, or leave it empty for the default."))
	}
	return nil
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

func validCountry(v string) error {
	if !countryCode.MatchString(v) {
		return problem(lang.L("Write the country as two capital letters, e.g. SE, NO, DK or FI."))
	}
	return nil
}

var digits = regexp.MustCompile(`^[0-9]+$`)

func validDigits(v string) error {
	if v != "" && !digits.MatchString(v) {
		return problem(lang.L("Write digits only."))
	}
	return nil
}

func validCustomerNumber(v string) error {
	if err := validRequired(v); err != nil {
		return err
	}
	if !digits.MatchString(v) {
		return problem(lang.L("Write the customer number from the carrier agreement: digits only, e.g. 20876966."))
	}
	return nil
}

func validEmail(v string) error {
	if v == "" {
		return nil
	}
	at := strings.LastIndex(v, "@")
	if at < 1 || at == len(v)-1 {
		return problem(lang.L("Write an e-mail address such as lager@example.com."))
	}
	return nil
}

var phone = regexp.MustCompile(`^\+[0-9 ]{6,18}$`)

func validPhone(v string) error {
	if v != "" && !phone.MatchString(v) {
		return problem(lang.L("Write the phone number with its country code, e.g. +46311234567."))
	}
	return nil
}

var quietHours = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$`)

func validQuietHours(v string) error {
	if v != "" && v != "off" && !quietHours.MatchString(v) {
		return problem(lang.L("Write the hours as 21:00-08:00, or off to send at any hour."))
	}
	return nil
}

// Printer and scale addresses, by scheme.
var (
	printerSchemes = []string{"tcp", "usb", "dev", "cups", "spool", "file", "pdf"}
	scaleSchemes   = []string{"sim", "serial", "usbhid", "hidraw"}
)

func validPrinterURI(v string) error {
	if v == "" {
		return nil
	}
	scheme, rest, ok := strings.Cut(v, "://")
	if !ok || rest == "" || !slices.Contains(printerSchemes, scheme) {
		return problem(lang.L("Write a printer address such as tcp://192.168.1.50:9100, usb://0a5f:0166, cups://QUEUE or file:///DIR, or press Look for printers."))
	}
	return nil
}

func validScaleURI(v string) error {
	if v == "" {
		return nil
	}
	scheme, rest, ok := strings.Cut(v, "://")
	if !ok || rest == "" || !slices.Contains(scaleSchemes, scheme) {
		return problem(lang.L("Write a scale address such as serial:///dev/ttyUSB0?protocol=sics, usbhid://0922:8003 or sim://?weight=1.25kg, or press Look for scales."))
	}
	return nil
}

// validWebhookSecret: a typed signing secret is long enough to sign with.
func validWebhookSecret(v string) error {
	if v != "" && len(v) < 16 {
		return problem(lang.L("Write at least 16 characters: the WMS checks every message with it."))
	}
	return nil
}

// validHeaders: one header a line, "Name: value".
func validHeaders(v string) error {
	_, err := parseHeaders(v)
	return err
}

var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// parseHeaders reads "Name: value" lines.
func parseHeaders(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, line := range strings.Split(v, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || !headerName.MatchString(name) {
			return nil, problem(lang.L("Write one header a line as Name: value, e.g. X-Api-Key: ${WMS_KEY}."))
		}
		out[name] = strings.TrimSpace(value)
	}
	return out, nil
}

// formatHeaders writes headers as "Name: value" lines, sorted.
func formatHeaders(h map[string]string) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, "%s: %s\n", k, h[k]) // i18n: a header line as HTTP writes it
	}
	return strings.TrimSuffix(b.String(), "\n")
}
