package app

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	cfgfile "labelstation/config"
	"labelstation/station"
)

// The settings window: everything the config file holds, one tab per
// section, for supervisors. Each value is checked as it is typed (the
// line under it says what to write); Save checks the whole (config's
// Validate, through SettingsSource.Save) and shows a refusal on the page
// it concerns. Test connection tries a page's settings as they are on
// screen, before they are saved. Secrets are typed into password fields
// and go to the secrets store, never to the file. The station reads its
// settings at start, so after Save the window offers Restart now.

// settingsWindow is one open settings window.
type settingsWindow struct {
	src    SettingsSource
	win    fyne.Window
	keys   *actionKeys
	do     func(func())
	ctx    context.Context
	cancel context.CancelFunc

	loaded cfgfile.Config
	stored map[string]bool

	pages  []*settingsPage
	series *seriesEditor
	tabs   *pageTabs

	saveBtn, closeBtn, restartBtn *widget.Button
	status                        *widget.Label
	busy                          int
	// onClosed runs when the window closes (the pack screen's focus).
	onClosed func()
	// busyLabels says how many labels the station still books or prints:
	// Restart now waits for them (nil: none to wait for).
	busyLabels func() int
	// closeStation closes the station's window, which ends the app (and
	// cmd then restarts it).
	closeStation func()
}

// settingsWindows are the settings windows open, by pack screen (one each).
var settingsWindows = struct {
	sync.Mutex
	by map[*PackScreen]*settingsWindow
}{by: map[*PackScreen]*settingsWindow{}}

func settingsOf(ps *PackScreen) *settingsWindow {
	settingsWindows.Lock()
	defer settingsWindows.Unlock()
	return settingsWindows.by[ps]
}

// ShowSettings opens the settings window (the Settings… button, F2), a
// supervisor's (roles.go). It does nothing without WithSettings.
func (ps *PackScreen) ShowSettings() {
	if ps.cfg.settings == nil || ps.closed.Load() {
		return
	}
	ps.asSupervisor(ps.win, lang.L("Opening the settings"), ps.showSettings)
}

func (ps *PackScreen) showSettings() {
	if w := settingsOf(ps); w != nil {
		w.win.Show()
		w.win.RequestFocus()
		return
	}
	win := fyne.CurrentApp().NewWindow(lang.L("Settings"))
	w := newSettingsWindow(ps.ctx, win, ps.cfg.settings, ps.ui)
	settingsWindows.Lock()
	settingsWindows.by[ps] = w
	settingsWindows.Unlock()
	w.busyLabels = ps.Busy
	w.closeStation = ps.win.Close
	w.onClosed = func() {
		settingsWindows.Lock()
		delete(settingsWindows.by, ps)
		settingsWindows.Unlock()
		ps.focusScan()
	}
	// Back in packer mode (Lock, or 10 idle minutes) the window closes.
	ps.supervisorOnly(windowDialog{win})
	win.Show()
}

// windowDialog lets the roles close a window as they close a dialog.
type windowDialog struct{ w fyne.Window }

func (d windowDialog) Show()                 { d.w.Show() }
func (d windowDialog) Hide()                 { d.w.Close() }
func (d windowDialog) Dismiss()              { d.w.Close() }
func (d windowDialog) SetDismissText(string) {}
func (d windowDialog) SetOnClosed(f func())  {}
func (d windowDialog) Refresh()              { d.w.Content().Refresh() }
func (d windowDialog) Resize(s fyne.Size)    { d.w.Resize(s) }
func (d windowDialog) MinSize() fyne.Size    { return d.w.Content().MinSize() }

var _ dialog.Dialog = windowDialog{}

// newSettingsWindow builds the settings into win: loaded from src,
// results of background calls handed to do (fyne.Do, or a test's loop).
func newSettingsWindow(parent context.Context, win fyne.Window, src SettingsSource, do func(func())) *settingsWindow {
	w := &settingsWindow{src: src, win: win, do: do, stored: map[string]bool{}}
	w.ctx, w.cancel = context.WithCancel(parent)
	loaded, err := src.Load()
	w.loaded = loaded
	w.build()
	w.show(loaded)
	if err != nil {
		w.say(lang.L("The config file cannot be read: {{.Problem}}. Saving writes it anew.", map[string]any{"Problem": errText(err)}), true)
	}
	win.SetOnClosed(func() {
		w.cancel()
		w.keys.uninstall()
		if w.onClosed != nil {
			w.onClosed()
		}
	})
	win.Resize(fyne.NewSize(1060, 760))
	w.loadStored()
	return w
}

func (w *settingsWindow) build() {
	w.series = seriesPage()
	w.pages = []*settingsPage{stationPage(), postnordPage(), stgPage(), consignorPage(), w.series.page,
		printerPage(), scalePage(), queuePage(), ordersPage(), webhooksPage(), emailPage(), smsPage(), fleetPage(), kpiPage(w.loaded)}
	w.addDeviceFinders()
	for i, p := range w.pages {
		p.index = i
		if p.test != "" {
			p.testBtn = widget.NewButton("", func() { w.testPage(p) })
			p.actions = append([]pageAction{{btn: p.testBtn, label: lang.L("Test connection"), key: ctrlKey(fyne.KeyT)}}, p.actions...)
		}
		for _, a := range p.actions {
			a.btn.SetText(a.label + "   " + a.key.String())
		}
	}
	w.tabs = newPageTabs(w.pages)
	w.tabs.OnSelected = w.bindKeys

	w.status = widget.NewLabel(lang.L("Changes take effect when the station starts again."))
	w.status.Wrapping = fyne.TextWrapWord
	w.saveBtn = widget.NewButton("", w.save)
	w.saveBtn.Importance = widget.HighImportance
	w.closeBtn = widget.NewButton("", func() { w.win.Close() })
	w.restartBtn = widget.NewButton("", w.restart)
	w.restartBtn.Importance = widget.WarningImportance
	w.restartBtn.Hide()
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(w.restartBtn, w.saveBtn, w.closeBtn), w.status)
	w.win.SetContent(container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), bar), nil, nil, w.tabs.box))
	w.bindKeys()
}

// bindKeys gives the window's buttons and the visible page's their keys:
// Save Ctrl+S, Close Ctrl+W, Restart now Ctrl+R, and the page's own (Test
// connection is Ctrl+T on every page that has it).
func (w *settingsWindow) bindKeys() {
	if w.keys != nil {
		w.keys.uninstall()
	}
	w.keys = newActionKeys(w.win, lang.L("Settings"))
	w.keys.bind(w.saveBtn, lang.L("Save"), ctrlKey(fyne.KeyS))
	w.keys.bind(w.closeBtn, lang.L("Close window"), ctrlKey(fyne.KeyW))
	w.keys.bind(w.restartBtn, lang.L("Restart now"), ctrlKey(fyne.KeyR))
	w.keys.action(lang.L("Next page"), ctrlKey(fyne.KeyPageDown), func() { w.turn(1) })
	w.keys.action(lang.L("Previous page"), ctrlKey(fyne.KeyPageUp), func() { w.turn(-1) })
	if p := w.visible(); p != nil {
		for _, a := range p.actions {
			w.keys.bind(a.btn, a.label, a.key)
		}
	}
	w.keys.install()
}

func (w *settingsWindow) turn(by int) {
	n := len(w.pages)
	w.tabs.SelectIndex(((w.tabs.SelectedIndex()+by)%n + n) % n)
}

// visible is the page on show.
func (w *settingsWindow) visible() *settingsPage {
	if i := w.tabs.SelectedIndex(); i >= 0 && i < len(w.pages) {
		return w.pages[i]
	}
	return nil
}

func (w *settingsWindow) page(id string) *settingsPage {
	for _, p := range w.pages {
		if p.id == id {
			return p
		}
	}
	return nil
}

// show puts c on screen.
func (w *settingsWindow) show(c cfgfile.Config) {
	for _, p := range w.pages {
		for _, f := range p.fields {
			if f.get != nil && f.set != nil {
				f.show(f.get(&c))
			}
		}
	}
	w.series.load(c)
	for _, p := range w.pages {
		for _, f := range p.fields {
			f.validate()
		}
	}
}

// loadStored asks which secrets are stored (a keyring may take a moment)
// and says so in the secret fields.
func (w *settingsWindow) loadStored() {
	go func() {
		names := w.src.StoredSecrets()
		w.do(func() {
			for _, n := range names {
				w.stored[n] = true
			}
			for _, p := range w.pages {
				for _, f := range p.fields {
					f.setStored(w.stored[f.secret] || w.plainSecret(f.secret) != "")
				}
			}
		})
	}()
}

// plainSecret is a secret the loaded file still holds in plain text
// (Save moves it to the store), "" if none.
func (w *settingsWindow) plainSecret(name string) string { return secretValue(&w.loaded, name) }

// secretValue is the value of a fixed secret in c ("" for none). The demo
// key does not count.
func secretValue(c *cfgfile.Config, name string) string {
	switch name {
	case "postnord.apikey":
		if c.PostNord.APIKey == cfgfile.DemoAPIKey {
			return ""
		}
		return c.PostNord.APIKey
	case "postnord.client_secret":
		return c.PostNord.ClientSecret
	case "stg.client_secret":
		return c.STG.ClientSecret
	case "wms.webhooks.secret":
		return c.WMS.Webhooks.Secret
	case "notify.email.password":
		return c.Notify.Email.Password
	case "notify.sms.password":
		return c.Notify.SMS.Password
	case "fleet.postgres_password":
		return c.Fleet.Password
	}
	return ""
}

// fieldProblem is a value that cannot be saved.
type fieldProblem struct {
	page  *settingsPage
	field *setField
	err   error
}

// collect is the config on screen, and the secrets typed (and those the
// file held in plain text, which move to the store), with the problems
// of the values that cannot be saved.
func (w *settingsWindow) collect() (cfgfile.Config, map[string]string, []fieldProblem) {
	c := w.loaded
	c.KPI.Thresholds = maps.Clone(w.loaded.KPI.Thresholds)
	if c.KPI.Thresholds == nil {
		c.KPI.Thresholds = map[string][2]float64{}
	}
	secrets := map[string]string{}
	var problems []fieldProblem
	for _, p := range w.pages {
		for _, f := range p.fields {
			if f.set == nil {
				continue
			}
			if err := f.validate(); err != nil {
				problems = append(problems, fieldProblem{p, f, err})
				continue
			}
			v := f.value()
			if err := f.set(&c, v); err != nil {
				f.showProblem(err)
				problems = append(problems, fieldProblem{p, f, err})
				continue
			}
			if f.secret != "" {
				if v == "" {
					v = w.plainSecret(f.secret)
				}
				if v != "" {
					secrets[f.secret] = v
				}
			}
		}
	}
	if len(c.KPI.Thresholds) == 0 {
		c.KPI.Thresholds = nil
	}
	// A header value written out is a secret: it goes to the store, and
	// the file keeps it empty ("the stored value").
	if len(c.Orders.HTTP.Headers) > 0 {
		h := map[string]string{}
		for k, v := range c.Orders.HTTP.Headers {
			if cfgfile.HeaderHoldsSecret(v) {
				secrets[cfgfile.HeaderSecretPrefix+k] = v
				v = ""
			}
			h[k] = v
		}
		c.Orders.HTTP.Headers = h
	}
	has := func(name string) bool {
		if secrets[name] != "" || w.stored[name] {
			return true
		}
		return secretValue(&c, name) != ""
	}
	for _, p := range w.pages {
		if p.check == nil {
			continue
		}
		if f, err := p.check(&c, has); err != nil {
			if f != nil {
				f.showProblem(err)
			}
			problems = append(problems, fieldProblem{p, f, err})
		}
	}
	return c, secrets, problems
}

// say puts text on the status line, red when bad.
func (w *settingsWindow) say(text string, bad bool) {
	w.status.SetText(text)
	w.status.Importance = widget.MediumImportance
	if bad {
		w.status.Importance = widget.DangerImportance
	}
	w.status.Refresh()
}

func (w *settingsWindow) clearPageProblems() {
	for _, p := range w.pages {
		p.problem.SetText("")
		p.problem.Hide()
		w.tabs.mark(p.index, false)
	}
}

// showPageProblem says on p why it cannot be saved, and shows p.
func (w *settingsWindow) showPageProblem(p *settingsPage, text string) {
	p.problem.SetText(text)
	p.problem.Show()
	w.tabs.mark(p.index, true)
	w.tabs.SelectIndex(p.index)
}

// save checks everything on screen, then has src write it.
func (w *settingsWindow) save() {
	if w.busy > 0 {
		return
	}
	w.clearPageProblems()
	c, secrets, problems := w.collect()
	if len(problems) > 0 {
		first := problems[0]
		w.showPageProblem(first.page, lang.L("Fix the values marked in red on this page, then press Save again."))
		if first.field != nil && first.field.field() != nil {
			w.win.Canvas().Focus(first.field.field())
		}
		w.say(lang.L("Not saved: some values need fixing (the first is on the page “{{.Page}}”).", map[string]any{"Page": first.page.title}), true)
		return
	}
	w.setBusy(true)
	w.say(lang.L("Saving the settings…"), false)
	go func() {
		err := w.src.Save(c, secrets)
		w.do(func() {
			w.setBusy(false)
			if err != nil {
				w.refused(err)
				return
			}
			w.loaded = c.WithoutSecrets() // as the file now says
			for name := range secrets {
				w.stored[name] = true
			}
			for _, p := range w.pages {
				for _, f := range p.fields {
					if f.secret != "" {
						f.entry.SetText("")
						f.setStored(w.stored[f.secret])
					}
				}
			}
			if f := w.page("orders").field("orders.http.headers"); f != nil {
				f.show(f.get(&c)) // a header typed out is now "the stored value"
			}
			w.say(lang.L("Saved to {{.Path}}. The station reads its settings when it starts: restart it now, or later.", map[string]any{"Path": w.src.Path()}), false)
			w.restartBtn.Show()
		})
	}()
}

// refused shows why Save refused on the page the setting is on (and
// under the field, when the error names one).
func (w *settingsWindow) refused(err error) {
	text := errText(err)
	p, f := w.owner(text)
	msg := lang.L("Not saved: {{.Problem}}", map[string]any{"Problem": text})
	if h := hintText(err); h != "" {
		msg = lang.L("Not saved: {{.Problem}}. {{.Hint}}", map[string]any{"Problem": text, "Hint": upperFirst(h)})
	}
	if p != nil {
		w.showPageProblem(p, msg)
	}
	if f != nil {
		f.showProblem(problem(text))
	}
	w.say(msg, true)
}

// owner finds the page (and field) a config error is about by the first
// config key it names.
func (w *settingsWindow) owner(text string) (*settingsPage, *setField) {
	for i := 0; i < len(text); i++ {
		if i > 0 && isKeyChar(text[i-1]) {
			continue
		}
		var best *settingsPage
		n := 0
		for _, p := range w.pages {
			if m := p.owner(text[i:]); m > n {
				best, n = p, m
			}
		}
		if best == nil {
			continue
		}
		end := i
		for end < len(text) && isKeyChar(text[end]) {
			end++
		}
		key := strings.TrimSuffix(text[i:end], ".")
		for _, f := range best.fields {
			if f.key == key {
				return best, f
			}
		}
		return best, nil
	}
	return nil, nil
}

func isKeyChar(b byte) bool {
	return b == '.' || b == '_' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
}

func (w *settingsWindow) setBusy(on bool) {
	if on {
		w.busy++
	} else {
		w.busy--
	}
	for _, b := range w.buttons() {
		if w.busy > 0 {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

func (w *settingsWindow) buttons() []*widget.Button {
	out := []*widget.Button{w.saveBtn, w.restartBtn}
	for _, p := range w.pages {
		for _, a := range p.actions {
			out = append(out, a.btn)
		}
	}
	return out
}

// restart asks cmd to start the station again and closes the station.
func (w *settingsWindow) restart() {
	if w.busyLabels != nil {
		if n := w.busyLabels(); n > 0 {
			w.say(lang.L("Labels still printing: {{.N}}. Press Restart now again when they are done.", map[string]any{"N": n}), true)
			return
		}
	}
	w.src.Restart()
	w.win.Close()
	if w.closeStation != nil {
		w.closeStation()
	}
}

// testPage tries the page's settings as they are on screen.
func (w *settingsWindow) testPage(p *settingsPage) {
	if p.test == "" || w.busy > 0 {
		return
	}
	c, _, problems := w.collect()
	for _, pr := range problems {
		if pr.page == p && pr.field != nil && pr.field.secret == "" {
			w.showTest(p, lang.L("Fix the values marked in red first."), true)
			return
		}
	}
	w.setBusy(true)
	w.showTest(p, lang.L("Testing…"), false)
	go func() {
		ctx, cancel := context.WithTimeout(w.ctx, 30*time.Second)
		checks := w.src.Test(ctx, c, p.test)
		cancel()
		w.do(func() {
			w.setBusy(false)
			text, bad := testWords(checks)
			w.showTest(p, text, bad)
		})
	}()
}

func (w *settingsWindow) showTest(p *settingsPage, text string, bad bool) {
	p.result.SetText(text)
	p.result.Importance = widget.SuccessImportance
	if bad {
		p.result.Importance = widget.DangerImportance
	}
	p.result.Show()
	p.result.Refresh()
}

// testWords says a test's checks: a verdict in words first, then each
// check with its state in words (never colour alone), what was found
// and, when not OK, what to do.
func testWords(checks []station.DoctorCheck) (string, bool) {
	var fails, warns int
	var lines []string
	for _, c := range checks {
		state := lang.L("OK")
		switch c.State {
		case station.DoctorFail:
			fails++
			state = lang.L("FAILED")
		case station.DoctorWarn:
			warns++
			state = lang.L("WARNING")
		}
		name, words, hint := checkText(c)
		lines = append(lines, lang.L("{{.State}} · {{.Name}}: {{.Words}}", map[string]any{"State": state, "Name": name, "Words": words}))
		if hint != "" && c.State != station.DoctorOK {
			lines = append(lines, "    "+lang.L("To do: {{.Hint}}", map[string]any{"Hint": hint}))
		}
	}
	head := lang.L("The connection works.")
	switch {
	case len(checks) == 0:
		head = lang.L("Nothing to test with these settings.")
	case fails > 0:
		head = lang.L("The connection does not work: see below.")
	case warns > 0:
		head = lang.L("The connection works, with a warning: see below.")
	}
	return head + "\n" + strings.Join(lines, "\n"), fails > 0
}

// checkText is a check's name, words and hint in the screen's language
// when the station said it with an ID (see station.DoctorCheck), else in
// its English words.
func checkText(c station.DoctorCheck) (name, words, hint string) {
	if c.ID == "" {
		return c.Name, c.Words, c.Hint
	}
	name = lang.X(station.DoctorNameID(c.ID), c.Name, c.Data) // i18n: doctor check ids are checked in the station's code (app/i18n/doctor_test.go)
	words = lang.X(c.ID, c.Words, c.Data)                     // i18n: doctor check ids are checked in the station's code
	if c.Hint != "" {
		hint = lang.X(c.ID+".hint", c.Hint, c.Data) // i18n: doctor check ids are checked in the station's code
	}
	return name, words, hint
}

// field is the focusable widget of a field.
func (f *setField) field() fyne.Focusable {
	if f.entry != nil && f.entry.Visible() {
		return f.entry
	}
	return nil
}

// String is for test failures.
func (p *settingsPage) String() string { return fmt.Sprintf("page %s", p.id) }
