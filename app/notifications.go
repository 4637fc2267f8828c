package app

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/station"
	"labelstation/station/notify"
)

// notifyDays is how many days of log and totals the page asks for: two
// weeks, so "this week" is always whole and the log stays short enough
// to read.
const notifyDays = 14

// notifyLogMax is how many log rows are shown at most (newest first).
const notifyLogMax = 300

// notificationsView is the Notifications… window (button, F6): the
// supervisor's page for the messages the station sends to receivers and
// the shop's staff. Four tabs:
//
//   - Rules: every rule in words, ENABLED or DISABLED (word and colour),
//     Enable/Disable and Preview… on each; a rule whose channel is not set
//     up on this station says so.
//   - Preview: a rule rendered for a real shipment (scan its order or
//     tracking number): each message as the receiver gets it, e-mail as
//     a mail, SMS as a phone bubble with its character count and parts;
//     Enable this rule right there.
//   - Log: what was sent, waits, is held for quiet hours, was refused or
//     has an unknown fate, newest first, with Retry and Discard on the
//     refused and unknown ones, and Send now.
//   - Per day: e-mails and SMS sent per day, so the cost is visible.
//
// It is its own window beside the pack screen, like the dashboard. Every
// station call runs off the UI goroutine; results come back through the
// screen's ui (fyne.Do). The page is asked for again every QueueEvery
// while the window is open, and after every action.
//
// Every action has a key, listed in the window's Notifications menu: the
// buttons say theirs, and the rows' buttons (Enable/Disable, Preview…,
// Retry, Discard) act on the selected row, chosen with a tap or
// Ctrl+Up/Down.
type notificationsView struct {
	ps   *PackScreen
	nd   NotificationDesk
	win  fyne.Window
	keys *actionKeys
	// ctx ends the timer and the loads when the window is closed (or the
	// pack screen is).
	ctx    context.Context
	cancel context.CancelFunc

	tabs                                  *container.AppTabs
	rulesTab, previewTab, logTab, daysTab *container.TabItem

	result *widget.Label // the outcome of the last action, or an error and its hint

	// UI goroutine only.
	page       station.NotificationsPage
	hasPage    bool
	loadFailed bool // the result line says the page cannot be read

	rules   rulesPane
	preview previewPane
	log     notifyLogPane
	days    daysPane

	refresher // load, never two at once
}

// rulesPane is the Rules tab.
type rulesPane struct {
	themed  *container.ThemeOverride
	summary *widget.Label
	list    *fyne.Container
	sel     rowSelection[string] // the selected rule
	rows    map[string]*ruleRow  // by rule id, for tests
	sig     string
	jobs    rowJobs[string, station.NotificationRule] // Enable/Disable
}

type ruleRow struct {
	rule           station.NotificationRule
	state          *widget.Label
	title          *widget.Label
	words          *widget.Label
	note           *widget.Label
	toggle, review *widget.Button // Enable/Disable, Preview…
}

// previewPane is the Preview tab.
type previewPane struct {
	themed   *container.ThemeOverride
	pick     *widget.Select
	ruleIDs  map[string]string // option → rule id
	ruleText *widget.Label
	scan     *scanField
	btn      *widget.Button // "Preview"
	banner   *dlgBanner
	status   *widget.Label
	enable   *widget.Button // "Enable this rule", after a good preview of a disabled rule
	cards    *fyne.Container

	ruleID   string // the rule previewed
	scanned  string // the code previewed
	seq      int
	msgs     []station.NotificationMessage // the last preview, for tests
	smsCards []*smsCard                    // for tests
	busy     bool
}

// notifyLogPane is the Log tab.
type notifyLogPane struct {
	themed  *container.ThemeOverride
	summary *widget.Label
	sendBtn *widget.Button
	list    *fyne.Container
	sel     rowSelection[uint64]  // the selected message
	rows    map[uint64]*notifyRow // by seq, for tests
	sig     string
	jobs    rowJobs[uint64, station.NotificationEntry] // the rows' Retry and Discard

	// The Discard form and the Retry confirmation while open, for tests.
	discardForm   *dialog.FormDialog
	discardReason *widget.Entry
	retryConfirm  *dialog.ConfirmDialog
}

type notifyRow struct {
	entry          station.NotificationEntry
	state          *widget.Label
	title          *widget.Label
	detail         *widget.Label
	action         *widget.Label
	retry, discard *widget.Button
}

// daysPane is the Per day tab.
type daysPane struct {
	themed *container.ThemeOverride
	cost   *widget.Label // "SMS sent this week: 143 · e-mails sent this week: 512"
	span   *widget.Label // the page's days in one line
	table  *fyne.Container
	none   *widget.Label // "Nothing sent in these days."
	sig    string
}

// ShowNotifications opens the Notifications… window (button, F6), or
// brings it to the front when it is open. It does nothing when the
// station offers no notifications.
func (ps *PackScreen) ShowNotifications() {
	defer ps.focusScan()
	nd, ok := ps.st.(NotificationDesk)
	if !ok || ps.closed.Load() {
		return
	}
	if v := ps.notifyView; v != nil {
		v.win.Show()
		v.win.RequestFocus()
		return
	}
	v := &notificationsView{ps: ps, nd: nd}
	v.ctx, v.cancel = context.WithCancel(ps.ctx)
	v.refresher = refresher{ctx: v.ctx, load: v.load}
	v.rules.rows, v.log.rows = map[string]*ruleRow{}, map[uint64]*notifyRow{}
	v.rules.jobs = newRowJobs[string, station.NotificationRule](ps, v, v.ruleButtons, v.refresh)
	v.log.jobs = newRowJobs[uint64, station.NotificationEntry](ps, v, func(seq uint64) ([]*widget.Button, bool) {
		if r := v.log.rows[seq]; r != nil {
			return []*widget.Button{r.retry, r.discard}, notifyActionable(r.entry)
		}
		return nil, false
	}, v.refresh)

	v.win = fyne.CurrentApp().NewWindow(lang.X("notify.title", "Notifications"))
	v.keys = newActionKeys(v.win, lang.X("notify.title", "Notifications"))
	v.win.SetContent(v.build())
	v.win.Resize(fyne.NewSize(1100, 700))
	v.win.SetOnClosed(func() {
		v.cancel()
		if ps.notifyView == v {
			ps.notifyView = nil
		}
	})
	v.installKeys()
	v.keys.install()
	ps.notifyView = v
	v.win.Show()

	v.refresh()
	every(v.ctx, &ps.watchers, ps.cfg.queueEvery, v.refresh)
}

// closed reports whether the window was closed (UI goroutine).
func (v *notificationsView) closed() bool { return v.ctx.Err() != nil }

func (v *notificationsView) build() fyne.CanvasObject {
	v.result = widget.NewLabel(lang.L("Asking the station for the notification rules…"))
	v.result.Wrapping = fyne.TextWrapWord
	v.result.TextStyle.Bold = true

	// Each tab has its own theme override: the tabs' override reaches
	// only the tab shown when it is made.
	v.rules.themed = container.NewThemeOverride(v.buildRules(), screenTheme{text: textSize})
	v.preview.themed = container.NewThemeOverride(v.buildPreview(), screenTheme{text: textSize})
	v.log.themed = container.NewThemeOverride(v.buildLog(), screenTheme{text: textSize})
	v.days.themed = container.NewThemeOverride(v.buildDays(), screenTheme{text: textSize})
	v.rulesTab = container.NewTabItem(lang.X("notify.tab.rules", "Rules"), v.rules.themed)
	v.previewTab = container.NewTabItem(lang.X("notify.tab.preview", "Preview"), v.preview.themed)
	v.logTab = container.NewTabItem(lang.X("notify.tab.log", "Log"), v.log.themed)
	v.daysTab = container.NewTabItem(lang.X("notify.tab.days", "Per day"), v.days.themed)
	v.tabs = container.NewAppTabs(v.rulesTab, v.previewTab, v.logTab, v.daysTab)
	v.tabs.OnSelected = func(*container.TabItem) { v.focusField() }
	v.bindKeys()
	return container.NewThemeOverride(container.NewBorder(container.NewPadded(v.result), nil, nil, nil, v.tabs),
		screenTheme{text: textSize})
}

// The Notifications window's keys (its own window: the pack screen's
// F-keys are not here, so Ctrl+letters free of the entries' own Ctrl+A,
// C, V, X, Y, Z).
var (
	notifyKeyNextTab  = ctrlKey(fyne.KeyT)
	notifyKeyToggle   = ctrlKey(fyne.KeyE)
	notifyKeyOpenRule = ctrlKey(fyne.KeyO)
	notifyKeyPreview  = ctrlKey(fyne.KeyP)
	notifyKeyEnable   = keyAction{fyne.KeyE, fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	notifyKeyRetry    = ctrlKey(fyne.KeyR)
	notifyKeyDiscard  = ctrlKey(fyne.KeyD)
	notifyKeySend     = ctrlKey(fyne.KeyS)
	notifyKeyClose    = ctrlKey(fyne.KeyW)
)

// bindKeys gives every action of the window its key; the buttons are
// made by then. Row keys act on the selected row of the tab shown.
func (v *notificationsView) bindKeys() {
	k := v.keys
	k.action(lang.X("queue.key.nexttab", "Next tab"), notifyKeyNextTab, func() {
		v.tabs.SelectIndex((v.tabs.SelectedIndex() + 1) % len(v.tabs.Items))
		v.focusField()
	})
	k.action(lang.X("queue.key.nextrow", "Select the next row"), keyRowDown, func() { v.moveSelection(1) })
	k.action(lang.X("queue.key.prevrow", "Select the previous row"), keyRowUp, func() { v.moveSelection(-1) })
	k.action(lang.L("Enable or disable the selected rule"), notifyKeyToggle, func() {
		if r := v.selectedRule(); r != nil {
			tapEnabled(r.toggle)
		}
	})
	k.action(lang.L("Preview the selected rule"), notifyKeyOpenRule, func() {
		if r := v.selectedRule(); r != nil {
			tapEnabled(r.review)
		}
	})
	k.bind(v.preview.btn, lang.X("notify.preview", "Preview"), notifyKeyPreview)
	k.bind(v.preview.enable, lang.L("Enable this rule"), notifyKeyEnable)
	k.action(lang.L("Retry the selected message"), notifyKeyRetry, func() {
		if r := v.selectedMessage(); r != nil {
			tapEnabled(r.retry)
		}
	})
	k.action(lang.L("Discard the selected message"), notifyKeyDiscard, func() {
		if r := v.selectedMessage(); r != nil {
			tapEnabled(r.discard)
		}
	})
	k.bind(v.log.sendBtn, lang.X("notify.sendnow", "Send now"), notifyKeySend)
	k.action(lang.X("notify.close", "Close"), notifyKeyClose, func() { v.win.Close() })
}

// selectedRule is the selected row of the Rules tab while it is shown.
func (v *notificationsView) selectedRule() *ruleRow {
	if v.tabs.Selected() != v.rulesTab {
		return nil
	}
	id, ok := v.rules.sel.selected()
	if !ok {
		return nil
	}
	return v.rules.rows[id]
}

// selectedMessage is the selected row of the Log tab while it is shown.
func (v *notificationsView) selectedMessage() *notifyRow {
	if v.tabs.Selected() != v.logTab {
		return nil
	}
	seq, ok := v.log.sel.selected()
	if !ok {
		return nil
	}
	return v.log.rows[seq]
}

// moveSelection selects the next (+1) or previous (-1) row of the tab
// shown; on the Preview tab, the next or previous rule to preview.
func (v *notificationsView) moveSelection(by int) {
	switch v.tabs.Selected() {
	case v.rulesTab:
		v.rules.sel.move(by)
	case v.logTab:
		v.log.sel.move(by)
	case v.previewTab:
		pick := v.preview.pick
		if n := len(pick.Options); n > 0 {
			pick.SetSelectedIndex(max(0, min(n-1, pick.SelectedIndex()+by)))
		}
	}
}

// installKeys: F6 goes to the next tab, Escape closes the window, and
// typing while nothing has the focus on the Preview tab goes to its scan
// field (a scanner needs no click first).
func (v *notificationsView) installKeys() {
	c := v.win.Canvas()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if v.fieldKey(k.Name) {
			return
		}
		if v.tabs.Selected() == v.previewTab {
			c.Focus(v.preview.scan)
			v.preview.scan.TypedKey(k)
		}
	})
	c.SetOnTypedRune(func(r rune) {
		if v.tabs.Selected() != v.previewTab {
			v.tabs.Select(v.previewTab)
		}
		c.Focus(v.preview.scan)
		v.preview.scan.TypedRune(r)
	})
}

// fieldKey handles the window's own keys.
func (v *notificationsView) fieldKey(k fyne.KeyName) bool {
	switch k {
	case fyne.KeyF6:
		v.tabs.SelectIndex((v.tabs.SelectedIndex() + 1) % len(v.tabs.Items))
		v.focusField()
	case fyne.KeyEscape:
		v.win.Close()
	default:
		return false
	}
	return true
}

// focusField gives the keyboard to the Preview tab's scan field when that
// tab is shown.
func (v *notificationsView) focusField() {
	c := v.win.Canvas()
	if v.tabs.Selected() == v.previewTab {
		c.Focus(v.preview.scan)
		return
	}
	c.Unfocus()
}

// load asks the station for the page (off the UI goroutine, through
// v.refresher).
func (v *notificationsView) load(viewCtx context.Context) {
	ctx, cancel := context.WithTimeout(viewCtx, 10*time.Second)
	page, err := v.nd.Notifications(ctx, notifyDays)
	cancel()
	if viewCtx.Err() == nil {
		v.ps.ui(func() { v.show(page, err) })
	}
}

func (v *notificationsView) show(page station.NotificationsPage, err error) {
	if v.closed() {
		return
	}
	if err != nil {
		v.say(lang.L("The notifications cannot be read: {{.Error}}", map[string]any{"Error": errText(err)})+hintSuffix(err), widget.DangerImportance)
		v.loadFailed = true
		return
	}
	if !v.hasPage || v.loadFailed {
		v.result.Hide() // the page is here (again): nothing to say about it
		v.loadFailed = false
	}
	v.page, v.hasPage = page, true
	v.showRules(page)
	v.showPick(page.Rules)
	v.showLog(page)
	v.showDays(page.Totals, time.Now())
}

// say shows the outcome of the last action at the top of the window.
func (v *notificationsView) say(msg string, imp widget.Importance) {
	v.result.SetText(msg)
	v.result.Importance = imp
	v.result.Refresh()
	v.result.Show()
}

// fail shows an error and its hint at the top of the window.
func (v *notificationsView) fail(err error) {
	v.say(upperFirst(errText(err))+hintSuffix(err), widget.DangerImportance)
}

// rule is the shown rule with the id, if any.
func (v *notificationsView) rule(id string) (station.NotificationRule, bool) {
	for _, r := range v.page.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return station.NotificationRule{}, false
}

// ruleName is a rule's name for the log and the messages ("Parcel at the
// service point"), its id when it has none or is not shown.
func (v *notificationsView) ruleName(id string) string {
	if r, ok := v.rule(id); ok && r.Name != "" {
		return r.Name
	}
	return id
}

// ---- Rules ----

func (v *notificationsView) buildRules() fyne.CanvasObject {
	p := &v.rules
	p.summary = widget.NewLabel("")
	p.summary.Wrapping = fyne.TextWrapWord
	p.list = container.NewVBox()
	scroll := container.NewVScroll(p.list)
	p.sel.scroll = scroll
	hint := keysHint(lang.L("{{.Up}} / {{.Down}} select a rule, {{.Toggle}} enables or disables it, {{.Preview}} previews it.", map[string]any{
		"Up": keyRowUp.String(), "Down": keyRowDown.String(), "Toggle": notifyKeyToggle.String(), "Preview": notifyKeyOpenRule.String()}))
	return container.NewBorder(p.summary, hint, nil, nil, scroll)
}

func (v *notificationsView) showRules(page station.NotificationsPage) {
	p := &v.rules
	on := 0
	var sig strings.Builder
	for _, r := range page.Rules {
		if r.Enabled {
			on++
		}
		fmt.Fprintf(&sig, "%+v\n", r) // i18n: what is shown, compared, never displayed
	}
	fmt.Fprintf(&sig, "%v", page.Channels)
	switch {
	case len(page.Rules) == 0:
		p.summary.SetText(lang.L("No notification rules are set up yet. New rules start disabled: preview one on a real shipment here, then enable it."))
	default:
		p.summary.SetText(lang.L("Rules: {{.N}} · enabled: {{.On}} · channels set up: {{.Channels}}",
			map[string]any{"N": len(page.Rules), "On": on, "Channels": channelsText(page.Channels)}))
	}
	setTabText(v.tabs, v.rulesTab, lang.X("notify.tab.rules.count", "Rules ({{.N}})", map[string]any{"N": len(page.Rules)}))
	if sig.String() == p.sig && p.sig != "" {
		return
	}
	p.sig = sig.String()
	p.rows = map[string]*ruleRow{}
	p.sel.begin()
	rows := make([]fyne.CanvasObject, 0, len(page.Rules))
	for _, r := range page.Rules {
		row := v.ruleRow(r, page.Channels)
		p.rows[r.ID] = row
		rows = append(rows, p.sel.add(r.ID, actionRow(row.state, row.title, row.words, row.note, row.toggle, row.review)))
	}
	fillList(p.list, rows, lang.L("No rule sends anything yet."))
	p.sel.end()
	p.themed.Refresh()
}

func (v *notificationsView) ruleRow(r station.NotificationRule, channels []string) *ruleRow {
	row := &ruleRow{rule: r}
	words, imp := ruleStateWords(r)
	row.state = widget.NewLabel(words)
	row.state.TextStyle.Bold = true
	row.state.Importance = imp
	row.title = widget.NewLabel(firstOf(r.Name, r.ID))
	row.title.TextStyle.Bold = true
	row.title.Truncation = fyne.TextTruncateEllipsis
	row.words = widget.NewLabel(ruleWords(r))
	row.words.Wrapping = fyne.TextWrapWord

	var notes []string
	imp = widget.MediumImportance
	if miss := missingChannels(r.Channel, channels); len(miss) > 0 {
		notes = append(notes, notSetUpText(miss))
		imp = widget.DangerImportance
	}
	if !r.Enabled {
		notes = append(notes, lang.L("New rules start disabled: preview it on a real shipment, then enable."))
	}
	row.note = widget.NewLabel(strings.Join(notes, "\n"))
	row.note.Wrapping = fyne.TextWrapWord
	row.note.TextStyle.Italic = true
	row.note.Importance = imp
	if len(notes) == 0 {
		row.note.Hide()
	}

	id := r.ID
	if r.Enabled {
		row.toggle = widget.NewButton(lang.X("notify.rule.disable", "Disable"), func() { v.enableRule(id, false) })
	} else {
		row.toggle = widget.NewButton(lang.X("notify.rule.enable", "Enable"), func() { v.enableRule(id, true) })
	}
	row.review = widget.NewButton(lang.X("notify.rule.preview", "Preview…"), func() { v.previewRuleTab(id) })
	row.review.Importance = widget.HighImportance
	if v.rules.jobs.busy[id] {
		row.toggle.Disable()
	}
	return row
}

// ruleStateWords is a rule's state in words and colour.
func ruleStateWords(r station.NotificationRule) (string, widget.Importance) {
	if r.Enabled {
		return lang.X("notify.rule.state.enabled", "ENABLED"), widget.SuccessImportance
	}
	return lang.X("notify.rule.state.disabled", "DISABLED"), widget.WarningImportance
}

// enableRule switches a rule on or off (Enable/Disable, Enable this rule).
func (v *notificationsView) enableRule(id string, on bool) {
	// Which messages go to receivers is the supervisor's call (roles.go).
	v.ps.asSupervisor(v.win, lang.L("Switching a notification rule on or off"), func() { v.switchRule(id, on) })
}

func (v *notificationsView) switchRule(id string, on bool) {
	if v.closed() {
		return
	}
	name := v.ruleName(id)
	doing := lang.L("Disabling the rule {{.Name}}…", map[string]any{"Name": name})
	if on {
		doing = lang.L("Enabling the rule {{.Name}}…", map[string]any{"Name": name})
	}
	// Under the screen's job context (rowJob): closing the window must
	// not leave it unknown whether the rule is on.
	v.rules.jobs.run(id, doing, 15*time.Second, func(ctx context.Context) (station.NotificationRule, error) {
		return v.nd.EnableRule(ctx, id, on)
	}, func(got station.NotificationRule, err error) {
		if err != nil {
			v.fail(err)
			return
		}
		if got.ID == "" {
			got.ID, got.Enabled = id, on
		}
		rule := map[string]any{"Name": firstOf(got.Name, name)} // i18n: template fields
		if got.Enabled {
			v.say(lang.L("The rule {{.Name}} is enabled: it sends from now on.", rule), widget.SuccessImportance)
		} else {
			v.say(lang.L("The rule {{.Name}} is disabled: it sends nothing more. Messages it made before still go out.", rule), widget.WarningImportance)
		}
		v.afterEnable(got)
	})
}

// ruleButtons are a rule's Enable/Disable, and Enable this rule on the
// Preview tab while it shows the rule.
func (v *notificationsView) ruleButtons(id string) ([]*widget.Button, bool) {
	var bs []*widget.Button
	if r := v.rules.rows[id]; r != nil {
		bs = append(bs, r.toggle)
	}
	if v.preview.ruleID == id && v.preview.enable != nil {
		bs = append(bs, v.preview.enable)
	}
	return bs, true
}

// afterEnable shows a rule's new state at once, before the page comes
// back: in its row and on the Preview tab.
func (v *notificationsView) afterEnable(got station.NotificationRule) {
	for i := range v.page.Rules {
		if v.page.Rules[i].ID == got.ID {
			if got.Name == "" {
				got = mergeEnabled(v.page.Rules[i], got.Enabled)
			}
			v.page.Rules[i] = got
		}
	}
	v.rules.sig = ""
	v.showRules(v.page)
	if v.preview.ruleID == got.ID {
		v.showRuleText(got)
		if got.Enabled {
			v.preview.enable.Hide()
		} else if len(v.preview.msgs) > 0 {
			v.preview.enable.Show()
		}
	}
}

func mergeEnabled(r station.NotificationRule, on bool) station.NotificationRule {
	r.Enabled = on
	return r
}

// ---- Preview ----

func (v *notificationsView) buildPreview() fyne.CanvasObject {
	p := &v.preview
	p.ruleIDs = map[string]string{}
	p.pick = widget.NewSelect(nil, func(opt string) {
		if id, ok := p.ruleIDs[opt]; ok && id != p.ruleID {
			v.choosePreviewRule(id)
		}
	})
	p.pick.PlaceHolder = lang.L("Pick a rule")
	p.ruleText = widget.NewLabel(lang.L("Pick a rule, or press Preview… on the Rules tab."))
	p.ruleText.Wrapping = fyne.TextWrapWord

	p.scan = newScanField()
	p.scan.SetPlaceHolder(lang.L("Scan a shipment: order or tracking number"))
	p.scan.OnSubmitted = v.previewScanned
	p.scan.onKey = v.fieldKey
	scanRow := container.NewThemeOverride(p.scan, screenTheme{text: 26, innerPad: 10})
	p.btn = widget.NewButton("", func() { v.previewScanned(p.scan.Text) }) // its text and key: bindKeys
	p.btn.Importance = widget.HighImportance

	p.banner = newDlgBanner(nil)
	p.status = widget.NewLabel(lang.L("Nothing is sent by a preview: it shows what the rule would send for a real shipment."))
	p.status.Wrapping = fyne.TextWrapWord
	p.status.TextStyle.Bold = true
	p.enable = widget.NewButton("", func() { // its text and key: bindKeys
		if p.ruleID != "" {
			v.enableRule(p.ruleID, true)
		}
	})
	p.enable.Importance = widget.SuccessImportance
	p.enable.Hide()
	p.cards = container.NewVBox()

	pickRow := container.NewBorder(nil, nil, widget.NewLabel(lang.X("notify.preview.rule", "Rule")), nil, p.pick)
	head := container.NewVBox(
		pickRow,
		p.ruleText,
		container.NewBorder(nil, nil, nil, p.btn, scanRow),
		p.banner.box,
		container.NewBorder(nil, nil, nil, container.NewVBox(p.enable), p.status),
	)
	return container.NewBorder(head, nil, nil, nil, container.NewVScroll(container.NewPadded(p.cards)))
}

// showPick keeps the rule picker's options in step with the rules.
func (v *notificationsView) showPick(rules []station.NotificationRule) {
	p := &v.preview
	ids := map[string]string{}
	opts := make([]string, 0, len(rules))
	selected := ""
	for _, r := range rules {
		opt := firstOf(r.Name, r.ID)
		if _, dup := ids[opt]; dup {
			opt += " (" + r.ID + ")"
		}
		ids[opt] = r.ID
		opts = append(opts, opt)
		if r.ID == p.ruleID {
			selected = opt
			v.showRuleText(r)
		}
	}
	p.ruleIDs = ids
	if strings.Join(opts, "\n") != strings.Join(p.pick.Options, "\n") {
		p.pick.SetOptions(opts)
	}
	if selected != "" && p.pick.Selected != selected {
		p.pick.SetSelected(selected) // its callback sees the same rule: no new preview
	}
	if p.ruleID == "" && len(opts) > 0 {
		// The first rule is ready to preview: a scan on the Preview tab
		// needs no pick first.
		p.pick.SetSelected(opts[0])
	}
}

// previewRuleTab opens the Preview tab on a rule (Preview… on the Rules
// tab). A shipment scanned before is previewed again at once.
func (v *notificationsView) previewRuleTab(id string) {
	v.tabs.Select(v.previewTab)
	v.choosePreviewRule(id)
	for opt, oid := range v.preview.ruleIDs {
		if oid == id && v.preview.pick.Selected != opt {
			v.preview.pick.SetSelected(opt)
		}
	}
	v.focusField()
}

// choosePreviewRule makes id the rule previewed.
func (v *notificationsView) choosePreviewRule(id string) {
	p := &v.preview
	p.ruleID = id
	p.seq++ // a preview of the rule before is not shown
	p.busy = false
	p.btn.Enable()
	p.msgs, p.smsCards = nil, nil
	p.cards.RemoveAll()
	p.enable.Hide()
	p.banner.hide()
	if r, ok := v.rule(id); ok {
		v.showRuleText(r)
	}
	if p.scanned != "" {
		v.runPreview(p.scanned)
		return
	}
	v.previewSay(lang.L("Scan the order barcode or the parcel's tracking number of a real shipment. Nothing is sent."), widget.MediumImportance)
}

func (v *notificationsView) showRuleText(r station.NotificationRule) {
	words, _ := ruleStateWords(r)
	text := ruleWords(r) + ". " + words + "."
	if miss := missingChannels(r.Channel, v.page.Channels); len(miss) > 0 {
		text += " " + notSetUpText(miss)
	}
	v.preview.ruleText.SetText(text)
}

// previewScanned previews the rule for a scanned (or typed) code.
func (v *notificationsView) previewScanned(code string) {
	p := &v.preview
	defer v.focusField()
	code = strings.TrimSpace(code)
	p.scan.SetText("")
	if code == "" {
		code = p.scanned
	}
	if code == "" {
		p.banner.warn(lang.L("Scan a shipment first: its order barcode or the parcel's tracking number."), "")
		return
	}
	if p.ruleID == "" {
		p.banner.warn(lang.L("Pick the rule to preview first."), "")
		return
	}
	v.runPreview(code)
}

func (v *notificationsView) runPreview(code string) {
	p := &v.preview
	p.scanned = code
	p.seq++
	seq, id := p.seq, p.ruleID
	p.busy = true
	p.btn.Disable()
	p.banner.hide()
	p.enable.Hide()
	v.previewSay(lang.L("Rendering {{.Rule}} for {{.Code}}…", map[string]any{"Rule": v.ruleName(id), "Code": code}), widget.MediumImportance)
	go func() {
		ctx, cancel := context.WithTimeout(v.ctx, v.ps.cfg.lookupTimeout)
		defer cancel()
		pv, err := v.nd.PreviewRule(ctx, id, code)
		v.ps.ui(func() {
			if v.closed() || seq != p.seq {
				return
			}
			p.busy = false
			p.btn.Enable()
			v.previewDone(id, code, pv, err)
		})
	}()
}

func (v *notificationsView) previewDone(id, code string, pv station.NotificationPreview, err error) {
	p := &v.preview
	msgs := pv.Messages
	p.msgs, p.smsCards = msgs, nil
	p.cards.RemoveAll()
	if err != nil {
		p.status.Hide()
		p.banner.fail(lang.L("No preview of {{.Rule}} for {{.Code}}: {{.Error}}",
			map[string]any{"Rule": v.ruleName(id), "Code": code, "Error": errText(err)}), hintText(err))
		p.themed.Refresh()
		return
	}
	name := v.ruleName(id)
	if len(msgs) == 0 {
		v.previewSay(lang.L("The rule {{.Rule}} would send nothing for {{.Code}}: its conditions (country, service, carrier, tag) leave this shipment out, or the receiver has no e-mail or phone for its channel.", map[string]any{"Rule": name, "Code": code}), widget.WarningImportance)
		p.themed.Refresh()
		return
	}
	// What would stop or change it for real (a condition, quiet hours,
	// a missing phone, the SMS's length), in the station's words.
	for _, note := range pv.Notes {
		l := widget.NewLabel("• " + note)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		p.cards.Add(l)
	}
	emails, sms := 0, 0
	for i, m := range msgs {
		if i > 0 || len(pv.Notes) > 0 {
			p.cards.Add(widget.NewSeparator())
		}
		if m.Channel == notify.ChannelSMS {
			sms++
			c := newSMSCard(m)
			p.smsCards = append(p.smsCards, c)
			p.cards.Add(c.box)
		} else {
			emails++
			p.cards.Add(emailCard(m, v.page.Sender))
		}
	}
	msg := lang.L("For {{.Code}} the rule {{.Rule}} would send the messages below (e-mails: {{.Emails}}, SMS: {{.SMS}}). Nothing was sent.",
		map[string]any{"Code": code, "Rule": name, "Emails": emails, "SMS": sms})
	r, ok := v.rule(id)
	if ok && r.Enabled {
		msg += " " + lang.L("The rule is enabled.")
	} else {
		msg += " " + lang.L("If it reads right, enable the rule.")
		p.enable.Show()
		if v.rules.jobs.busy[id] {
			p.enable.Disable()
		} else {
			p.enable.Enable()
		}
	}
	v.previewSay(msg, widget.SuccessImportance)
	p.cards.Refresh()
	p.themed.Refresh()
}

func (v *notificationsView) previewSay(msg string, imp widget.Importance) {
	p := &v.preview
	p.status.SetText(msg)
	p.status.Importance = imp
	p.status.Refresh()
	p.status.Show()
}

// Colours of the message cards: a white sheet of paper for an e-mail, a
// phone's screen and a grey speech bubble for an SMS, the same in light
// and dark themes, like the receiver sees them.
var (
	colPaper      = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	colPaperEdge  = color.NRGBA{R: 0xc4, G: 0xc4, B: 0xc4, A: 0xff}
	colPaperInk   = color.NRGBA{R: 0x20, G: 0x20, B: 0x20, A: 0xff}
	colPaperMuted = color.NRGBA{R: 0x60, G: 0x60, B: 0x60, A: 0xff}
	colPhone      = color.NRGBA{R: 0xf2, G: 0xf2, B: 0xf7, A: 0xff}
	colBubble     = color.NRGBA{R: 0xe3, G: 0xe3, B: 0xe8, A: 0xff}
)

// paperTheme writes dark ink on the cards' light background.
type paperTheme struct{ screenTheme }

func (t paperTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameForeground:
		return colPaperInk
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return colPaperMuted
	case theme.ColorNameSeparator:
		return colPaperEdge
	}
	return t.screenTheme.Color(n, v)
}

// emailCard shows an e-mail roughly as the receiver's mail program does:
// From, To and Subject over the text. Fyne cannot draw HTML, so the card
// shows the e-mail's plain-text part, which has the same words, and says
// so.
func emailCard(m station.NotificationMessage, from string) fyne.CanvasObject {
	head := caption(lang.L("E-MAIL · {{.Language}}", map[string]any{"Language": languageName(m.Language)}))
	field := func(name, value string) fyne.CanvasObject {
		n := widget.NewLabel(name)
		n.TextStyle.Bold = true
		val := widget.NewLabel(value)
		val.Wrapping = fyne.TextWrapWord
		return container.NewBorder(nil, nil, container.New(widthLayout{w: 90}, n), nil, val)
	}
	to := m.To
	if m.Name != "" {
		to = m.Name + " <" + m.To + ">"
	}
	subject := field(lang.X("notify.mail.subject", "Subject:"), orDash(m.Subject))
	body := widget.NewLabel(m.Text)
	body.Wrapping = fyne.TextWrapWord
	sheet := container.NewVBox(field(lang.X("notify.mail.from", "From:"), orDefault(from, lang.L("your shop"))),
		field(lang.X("notify.mail.to", "To:"), to), subject, widget.NewSeparator(), body)
	bg := canvas.NewRectangle(colPaper)
	bg.StrokeColor, bg.StrokeWidth, bg.CornerRadius = colPaperEdge, 1, 4
	paper := container.NewStack(bg, container.NewThemeOverride(container.NewPadded(sheet), paperTheme{screenTheme{text: textSize}}))
	note := lang.L("The plain-text version.")
	if m.HTML != "" {
		note = lang.L("The receiver's e-mail program shows the HTML version, with the shop's logo, rendered there; this is its plain-text version, with the same words.")
	}
	noteLabel := widget.NewLabel(note + " " + lang.L("Shown here, nothing is sent."))
	noteLabel.Wrapping = fyne.TextWrapWord
	noteLabel.TextStyle.Italic = true
	return container.NewVBox(head, paper, noteLabel)
}

// smsCard shows an SMS as a speech bubble on a phone's screen, with what
// it costs in parts.
type smsCard struct {
	box   fyne.CanvasObject
	count smsCount
	parts *widget.Label // "98 characters · 1 SMS (GSM-7, up to 160)"
}

func newSMSCard(m station.NotificationMessage) *smsCard {
	c := &smsCard{count: countSMS(m.Text)}
	to := m.To
	if m.Name != "" {
		to += " (" + m.Name + ")"
	}
	head := caption("SMS · " + languageName(m.Language)) // i18n: SMS reads the same in every station language
	toLine := widget.NewLabel(lang.X("notify.sms.to", "To {{.To}}", map[string]any{"To": to}))
	toLine.TextStyle.Bold = true
	text := widget.NewLabel(m.Text)
	text.Wrapping = fyne.TextWrapWord
	bubbleBg := canvas.NewRectangle(colBubble)
	bubbleBg.CornerRadius = 16
	bubble := container.NewStack(bubbleBg, container.NewPadded(text))
	screen := canvas.NewRectangle(colPhone)
	screen.StrokeColor, screen.StrokeWidth, screen.CornerRadius = colPaperEdge, 2, 22
	// A phone is narrow: the bubble takes most of its width, left, as a
	// message received.
	phone := container.NewStack(screen, container.NewPadded(container.NewPadded(
		container.NewVBox(container.NewThemeOverride(toLine, paperTheme{screenTheme{text: textSize - 3}}),
			container.NewBorder(nil, nil, container.New(widthLayout{w: 380}, bubble), layout.NewSpacer())))))
	themed := container.NewThemeOverride(container.New(widthLayout{w: 460}, phone), paperTheme{screenTheme{text: textSize}})
	c.parts = widget.NewLabel(c.count.String())
	c.parts.Wrapping = fyne.TextWrapWord
	c.parts.TextStyle.Bold = true
	if c.count.Parts > 1 {
		c.parts.Importance = widget.WarningImportance
	}
	c.box = container.NewVBox(head, container.NewBorder(nil, nil, themed, nil), c.parts)
	return c
}

// languageName is a message's language in words (the receiver's
// language, which is the order's, not the screen's).
func languageName(code string) string {
	switch code {
	case "sv":
		return lang.L("Swedish (sv)")
	case "da":
		return lang.L("Danish (da)")
	case "nb", "no":
		return lang.L("Norwegian ({{.Code}})", map[string]any{"Code": code})
	case "fi":
		return lang.L("Finnish (fi)")
	case "en":
		return lang.L("English (en)")
	case "":
		return lang.L("language not given")
	}
	return code
}

// ---- SMS length ----

// smsCount is what an SMS text costs (notify.CountSMS), said in the
// screen's words.
type smsCount notify.SMSCount

func countSMS(text string) smsCount { return smsCount(notify.CountSMS(text)) }

// String says it in words: "characters: 98 · 1 SMS (GSM-7, up to 160
// characters)", "characters: 172 · SMS parts: 2 (GSM-7, 153 characters
// a part)", "counts twice: “€”".
func (c smsCount) String() string {
	if c.Parts == 0 {
		return lang.L("Empty: no SMS is sent.")
	}
	var how string
	switch {
	case c.Unicode && c.Parts == 1:
		how = lang.L("1 SMS (Unicode, up to {{.Max}} characters)", map[string]any{"Max": notify.SMSUCSSingle})
	case c.Unicode:
		how = lang.L("SMS parts: {{.N}} (Unicode, {{.Per}} characters a part)", map[string]any{"N": c.Parts, "Per": notify.SMSUCSPart})
	case c.Parts == 1:
		how = lang.L("1 SMS (GSM-7, up to {{.Max}} characters)", map[string]any{"Max": notify.SMSGSMSingle})
	default:
		how = lang.L("SMS parts: {{.N}} (GSM-7, {{.Per}} characters a part)", map[string]any{"N": c.Parts, "Per": notify.SMSGSMPart})
	}
	chars := lang.L("characters: {{.N}}", map[string]any{"N": c.Chars})
	if c.Units != c.Chars {
		chars = lang.L("characters: {{.N}}, counted as {{.Units}}", map[string]any{"N": c.Chars, "Units": c.Units})
	}
	s := chars + " · " + how
	if len(c.Double) > 0 {
		s += " · " + lang.L("counts twice: {{.Chars}}", map[string]any{"Chars": quoteRunes(c.Double)})
	}
	if c.Unicode {
		s += " · " + lang.L("Unicode because of {{.Chars}}", map[string]any{"Chars": quoteRunes(c.Wide)})
	}
	if c.Parts > 1 {
		s += ". " + lang.L("Each part is billed as one SMS.")
	}
	return s
}

// quoteRunes is `"€", "[" …`, at most five.
func quoteRunes(rs []rune) string {
	var out []string
	for i, r := range rs {
		if i == 5 {
			out = append(out, "…")
			break
		}
		switch r {
		case '\f':
			out = append(out, lang.L("form feed"))
		default:
			out = append(out, quoteRune(r))
		}
	}
	return strings.Join(out, ", ")
}

func quoteRune(r rune) string {
	if !utf8.ValidRune(r) {
		return "?"
	}
	return "“" + string(r) + "”"
}

// ---- Log ----

func (v *notificationsView) buildLog() fyne.CanvasObject {
	p := &v.log
	p.summary = widget.NewLabel("")
	p.summary.Wrapping = fyne.TextWrapWord
	p.sendBtn = widget.NewButton("", v.sendNow) // its text and key: bindKeys
	p.sendBtn.Importance = widget.HighImportance
	p.list = container.NewVBox()
	scroll := container.NewVScroll(p.list)
	p.sel.scroll = scroll
	head := container.NewBorder(nil, nil, nil, container.NewVBox(p.sendBtn), p.summary)
	hint := keysHint(lang.L("{{.Up}} / {{.Down}} select a message, {{.Retry}} retries it, {{.Discard}} discards it.", map[string]any{
		"Up": keyRowUp.String(), "Down": keyRowDown.String(), "Retry": notifyKeyRetry.String(), "Discard": notifyKeyDiscard.String()}))
	return container.NewBorder(head, hint, nil, nil, scroll)
}

func (v *notificationsView) showLog(page station.NotificationsPage) {
	p := &v.log
	now := time.Now()
	entries := append([]station.NotificationEntry(nil), page.Log...)
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Created.After(entries[j].Created) })
	counts := map[string]int{}
	var sig strings.Builder
	for _, e := range entries {
		counts[notifyStateKey(e, now)]++
	}
	shown := entries
	if len(shown) > notifyLogMax {
		shown = shown[:notifyLogMax]
	}
	for _, e := range shown {
		words, _ := notifyStateWords(e, now)
		fmt.Fprintf(&sig, "%d/%s/%s/%d/%s/%s/%s\n", e.Seq, e.State, words, e.Attempts, e.LastError, e.Response, e.Action) // i18n: what is shown, compared, never displayed
	}
	for r := range page.Rules {
		fmt.Fprintf(&sig, "%s=%s\n", page.Rules[r].ID, page.Rules[r].Name) // i18n: what is shown, compared, never displayed
	}

	var parts []string
	if n := counts["sent"]; n > 0 {
		parts = append(parts, lang.X("notify.count.sent", "sent: {{.N}}", map[string]any{"N": n}))
	}
	if n := counts["waiting"]; n > 0 {
		parts = append(parts, lang.X("notify.count.waiting", "waiting: {{.N}}", map[string]any{"N": n}))
	}
	if n := counts["held"]; n > 0 {
		parts = append(parts, lang.X("notify.count.held", "held for quiet hours: {{.N}}", map[string]any{"N": n}))
	}
	if n := counts["failed"]; n > 0 {
		parts = append(parts, lang.X("notify.count.refused", "refused: {{.N}}", map[string]any{"N": n}))
	}
	if n := counts["unknown"]; n > 0 {
		parts = append(parts, lang.X("notify.count.unknown", "unknown: {{.N}}", map[string]any{"N": n}))
	}
	sum := lang.L("No message in the last {{.Days}} days.", map[string]any{"Days": notifyDays})
	p.summary.Importance = widget.MediumImportance
	if len(entries) > 0 {
		sum = lang.L("Last {{.Days}} days, newest first: {{.Counts}}", map[string]any{"Days": notifyDays, "Counts": strings.Join(parts, " · ")})
		if counts["failed"]+counts["unknown"] > 0 {
			sum += ". " + lang.L("Refused and unknown ones need a person: Retry or Discard.")
			p.summary.Importance = widget.DangerImportance
		}
		if len(entries) > len(shown) {
			sum += " " + lang.L("(showing the newest {{.Shown}} of {{.All}})", map[string]any{"Shown": len(shown), "All": len(entries)})
		}
	}
	p.summary.SetText(sum)
	p.summary.Refresh()
	attention := counts["failed"] + counts["unknown"]
	if attention > 0 {
		setTabText(v.tabs, v.logTab, lang.L("Log ({{.N}} to look at)", map[string]any{"N": attention}))
	} else {
		setTabText(v.tabs, v.logTab, lang.X("notify.tab.log", "Log"))
	}
	if sig.String() == p.sig && p.sig != "" {
		return
	}
	p.sig = sig.String()
	p.rows = map[uint64]*notifyRow{}
	p.sel.begin()
	rows := make([]fyne.CanvasObject, 0, len(shown))
	for _, e := range shown {
		r := v.notifyRow(e, now)
		p.rows[e.Seq] = r
		rows = append(rows, p.sel.add(e.Seq, actionRow(r.state, r.title, r.detail, r.action, r.retry, r.discard)))
	}
	fillList(p.list, rows, lang.L("No message was made: no enabled rule fired in these days."))
	p.sel.end()
	p.themed.Refresh()
}

// notifyStateKey groups an entry for the summary: sent, waiting, held,
// failed, unknown, other.
func notifyStateKey(e station.NotificationEntry, now time.Time) string {
	switch e.State {
	case "sent", "failed", "unknown":
		return e.State
	case "pending", "sending":
		if e.HeldForQuiet(now) {
			return "held"
		}
		return "waiting"
	}
	return "other"
}

// notifyStateWords is a message's state as a person says it, with its
// colour: never the colour alone.
func notifyStateWords(e station.NotificationEntry, now time.Time) (string, widget.Importance) {
	switch e.State {
	case "sent":
		return lang.X("notify.state.sent", "SENT"), widget.SuccessImportance
	case "failed":
		return lang.X("notify.state.refused", "REFUSED"), widget.DangerImportance
	case "unknown":
		return lang.X("notify.state.unknown", "UNKNOWN"), widget.WarningImportance
	case "discarded":
		return lang.X("notify.state.discarded", "DISCARDED"), widget.LowImportance
	case "sending":
		return lang.X("notify.state.sending", "SENDING"), widget.HighImportance
	case "pending":
		switch {
		case e.HeldForQuiet(now):
			return lang.L("HELD UNTIL {{.When}}", map[string]any{"When": strings.ToUpper(untilText(e.NotBefore, now))}), widget.WarningImportance
		case e.Attempts > 0:
			return lang.X("notify.state.retrying", "RETRYING"), widget.WarningImportance
		}
		return lang.X("notify.state.waiting", "WAITING"), widget.HighImportance
	}
	// A state this version does not know: the station's own word.
	return strings.ToUpper(strings.ReplaceAll(e.State, "_", " ")), widget.MediumImportance
}

// untilText is "08:00", "08:00 tomorrow" or "08:00 Mon 24 Nov".
func untilText(t, now time.Time) string {
	t = t.Local()
	y, m, d := t.Date()
	ny, nm, nd := now.Date()
	switch {
	case y == ny && m == nm && d == nd:
		return t.Format("15:04")
	case localNoon(now).AddDate(0, 0, 1).Equal(time.Date(y, m, d, 12, 0, 0, 0, time.Local)):
		return lang.L("{{.Time}} tomorrow", map[string]any{"Time": t.Format("15:04")})
	}
	return t.Format("15:04") + " " + weekdayDateText(t)
}

// notifyChannels are the channels a rule or message names; each has its
// words (the tests check).
var notifyChannels = []string{notify.ChannelEmail, notify.ChannelSMS, notify.ChannelBoth}

// channelWord is "e-mail", "SMS" or "e-mail + SMS"; a channel this
// version does not know is said as the station names it.
func channelWord(ch string) string {
	switch ch {
	case notify.ChannelEmail:
		return lang.X("notify.channel.email", "e-mail")
	case notify.ChannelSMS:
		return lang.X("notify.channel.sms", "SMS")
	case notify.ChannelBoth:
		return lang.X("notify.channel.both", "e-mail + SMS")
	}
	return ch
}

func (v *notificationsView) notifyRow(e station.NotificationEntry, now time.Time) *notifyRow {
	r := &notifyRow{entry: e}
	words, imp := notifyStateWords(e, now)
	r.state = widget.NewLabel(words)
	r.state.TextStyle.Bold = true
	r.state.Importance = imp
	r.title = widget.NewLabel(joinNonEmpty(" · ", clockText(e.Created, now), queueOrderText(orDash(e.OrderRef)),
		lang.L("{{.Channel}} to {{.To}}", map[string]any{"Channel": channelWord(e.Channel), "To": orDash(e.To)})))
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis

	detail := []string{lang.X("notify.log.rule", "rule: {{.Rule}}", map[string]any{"Rule": orDash(v.ruleName(e.Rule))})}
	if e.Subject != "" {
		detail = append(detail, "“"+e.Subject+"”")
	}
	if e.Language != "" {
		detail = append(detail, e.Language)
	}
	detail = append(detail, attemptsText(e.Attempts))
	if e.HeldForQuiet(now) {
		detail = append(detail, lang.L("quiet hours: sent at {{.When}}", map[string]any{"When": untilText(e.NotBefore, now)}))
	} else if e.State == "pending" && e.NotBefore.After(now) {
		detail = append(detail, lang.X("notify.log.nexttry", "next try {{.Time}}", map[string]any{"Time": clockText(e.NotBefore, now)}))
	}
	if !e.SentAt.IsZero() {
		detail = append(detail, lang.X("notify.log.sent", "sent {{.Time}}", map[string]any{"Time": clockText(e.SentAt, now)}))
	}
	if e.LastError != "" {
		detail = append(detail, lastErrorText(e.LastError))
	}
	if e.Response != "" {
		detail = append(detail, lang.L("provider answered: {{.Answer}}", map[string]any{"Answer": e.Response}))
	}
	r.detail = widget.NewLabel(strings.Join(detail, " · "))
	r.detail.Wrapping = fyne.TextWrapWord
	action := upperFirst(e.Action)
	if e.ActionID != "" {
		action = upperFirst(lang.X(e.ActionID, e.Action, e.ActionData)) // i18n: station.NotificationActionIDs, checked in TestNotificationActionsAreInTheCatalogue
	}
	if e.State == "unknown" && e.ActionID == "" {
		// Words from elsewhere (or none) for a message that may have
		// arrived: say that first.
		mayHave := lang.L("May have arrived; not sent again by itself.")
		if action == "" {
			action = mayHave + " " + lang.L("Retry sends it again, Discard leaves it as it is.")
		} else {
			action = mayHave + " " + action
		}
	}
	r.action = widget.NewLabel(action)
	r.action.TextStyle.Italic = true
	r.action.Wrapping = fyne.TextWrapWord
	if action == "" {
		r.action.Hide()
	}

	r.retry = widget.NewButton(lang.X("queue.retry", "Retry"), func() { v.askRetry(e) })
	r.discard = widget.NewButton(lang.X("queue.discard", "Discard"), func() {
		v.ps.asSupervisor(v.win, lang.L("Discarding a message"), func() { v.askDiscard(e) })
	})
	if !notifyActionable(e) || v.log.jobs.busy[e.Seq] {
		r.retry.Disable()
		r.discard.Disable()
	}
	return r
}

// notifyActionable: Retry and Discard are for the refused and the
// unknown ones; the rest go out (or went) by themselves.
func notifyActionable(e station.NotificationEntry) bool {
	return e.State == "failed" || e.State == "unknown"
}

// notifyName names a message in the result line: "SMS to +4670…,
// order 10001". It is a name, not a phrase: the sentences around it say
// what happened to it ("Sent: …").
func notifyName(e station.NotificationEntry) string {
	to := map[string]any{"Channel": channelWord(e.Channel), "To": orDash(e.To), "Ref": e.OrderRef} // i18n: template fields
	if e.OrderRef == "" {
		return lang.L("{{.Channel}} to {{.To}}", to)
	}
	return lang.L("{{.Channel}} to {{.To}}, order {{.Ref}}", to)
}

// askRetry sends a refused message again at once; an unknown one only
// after the person confirms, because the receiver may have it already.
func (v *notificationsView) askRetry(e station.NotificationEntry) {
	if e.State != "unknown" {
		v.retry(e)
		return
	}
	// Sent again, it may reach the receiver twice: the supervisor's call.
	v.ps.asSupervisor(v.win, lang.L("Sending again a message that may already have arrived"), func() { v.askRetryUnknown(e) })
}

func (v *notificationsView) askRetryUnknown(e station.NotificationEntry) {
	if v.closed() {
		return
	}
	d := dialog.NewConfirm(lang.L("Send this message again?"),
		lang.L("Nobody knows whether this message arrived: {{.Message}}. The provider took it but its answer was lost. Sent again, the receiver may get it twice.", map[string]any{"Message": notifyName(e)}), func(ok bool) {
			v.log.retryConfirm = nil
			if ok && !v.closed() {
				v.retry(e)
			}
		}, v.win)
	d.SetConfirmText(lang.L("Send again"))
	d.SetDismissText(lang.X("queue.keep", "Keep it"))
	v.log.retryConfirm = d
	d.Show()
}

// retry sends one message now (Retry).
func (v *notificationsView) retry(e station.NotificationEntry) {
	name := map[string]any{"Message": notifyName(e)} // i18n: template fields
	v.log.jobs.run(e.Seq, lang.L("Sending: {{.Message}}…", name), v.ps.cfg.syncTimeout, func(ctx context.Context) (station.NotificationEntry, error) {
		return v.nd.RetryNotification(ctx, e.Seq)
	}, func(got station.NotificationEntry, err error) {
		if err != nil {
			v.fail(err)
			return
		}
		if got.State == "sent" {
			v.say(lang.L("Sent: {{.Message}}.", name), widget.SuccessImportance)
			return
		}
		words, _ := notifyStateWords(got, time.Now())
		msg := lang.L("Not sent ({{.State}}): {{.Message}}.", map[string]any{"State": strings.ToLower(words), "Message": notifyName(e)})
		if got.LastError != "" {
			msg += " " + lastErrorSentence(got.LastError)
		}
		v.say(withAction(msg, got.Action), widget.WarningImportance)
	})
}

// askDiscard asks for a reason, says what discarding means, and discards
// the message only when the person confirms.
func (v *notificationsView) askDiscard(e station.NotificationEntry) {
	name := map[string]any{"Message": notifyName(e)} // i18n: template fields
	reason := widget.NewEntry()
	reason.SetPlaceHolder(lang.L("e.g. wrong phone number, customer called instead"))
	reason.Validator = reasonRequired
	what := lang.L("The station will never send this message: {{.Message}}.", name)
	if e.State == "unknown" {
		what += " " + lang.L("It may have arrived already.")
	}
	explain := widget.NewLabel(what)
	explain.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		{Widget: explain},
		{Text: lang.X("queue.reason", "Reason"), Widget: reason, HintText: lang.L("kept with the message")},
	}
	f := dialog.NewForm(lang.L("Discard this message?"), lang.L("Discard message"), lang.X("queue.keep", "Keep it"), items, func(ok bool) {
		v.log.discardForm, v.log.discardReason = nil, nil
		if !ok || v.closed() {
			return
		}
		why := strings.TrimSpace(reason.Text)
		v.log.jobs.run(e.Seq, lang.L("Discarding: {{.Message}}…", name), 15*time.Second, func(ctx context.Context) (station.NotificationEntry, error) {
			return v.nd.DiscardNotification(ctx, e.Seq, why)
		}, func(_ station.NotificationEntry, err error) {
			if err != nil {
				v.fail(err)
				return
			}
			v.say(lang.L("Discarded, not sent: {{.Message}}.", name), widget.WarningImportance)
		})
	}, v.win)
	f.Resize(fyne.NewSize(640, 300))
	v.log.discardForm, v.log.discardReason = f, reason
	f.Show()
	v.win.Canvas().Focus(reason)
}

// sendNow runs the time-based triggers and sends every due message now
// (Send now).
func (v *notificationsView) sendNow() {
	sendJob(v.ps, v, v.log.sendBtn, lang.L("Sending the messages that are due…"), v.nd.SyncNotifications, func(rep station.NotifyReport) (string, widget.Importance) {
		if rep.Failed > 0 || rep.Unknown > 0 || len(rep.Errors) > 0 {
			return notifyReportText(rep), widget.WarningImportance
		}
		return notifyReportText(rep), widget.SuccessImportance
	}, v.refresh)
}

// notifyReportText words a NotifyReport.
func notifyReportText(r station.NotifyReport) string {
	var did []string
	if r.Queued > 0 {
		did = append(did, lang.L("new messages made (time-based rules): {{.N}}", map[string]any{"N": r.Queued}))
	}
	if r.Sent > 0 {
		did = append(did, lang.L("messages sent: {{.N}}", map[string]any{"N": r.Sent}))
	}
	if r.Failed > 0 {
		did = append(did, lang.L("refused: {{.N}} (Retry or Discard)", map[string]any{"N": r.Failed}))
	}
	if r.Unknown > 0 {
		did = append(did, lang.L("with an unknown fate: {{.N}} (may have arrived; not sent again by itself)", map[string]any{"N": r.Unknown}))
	}
	left := lang.X("queue.nothingwaits", "nothing waits")
	if r.Waiting > 0 {
		left = lang.L("messages still waiting: {{.N}} (quiet hours or a later try)", map[string]any{"N": r.Waiting})
	}
	msg := lang.L("Send now: nothing to send, {{.Left}}.", map[string]any{"Left": left})
	if len(did) > 0 {
		msg = lang.L("Send now: {{.Done}}; {{.Left}}.", map[string]any{"Done": strings.Join(did, ", "), "Left": left})
	}
	if len(r.Errors) > 0 {
		msg += " " + lastErrorSentence(r.Errors[len(r.Errors)-1])
	}
	return msg
}

// ---- Per day ----

func (v *notificationsView) buildDays() fyne.CanvasObject {
	p := &v.days
	p.cost = sizedLabel("", theme.SizeNameSubHeadingText, true)
	p.cost.Truncation = fyne.TextTruncateOff
	p.cost.Wrapping = fyne.TextWrapWord
	p.span = widget.NewLabel("")
	p.span.Wrapping = fyne.TextWrapWord
	p.table = container.NewGridWithColumns(5)
	// Outside the grid: its five equal columns would each be as wide as
	// this line.
	p.none = widget.NewLabel(lang.L("Nothing sent in these days."))
	p.none.Importance = widget.LowImportance
	p.none.Hide()
	return container.NewBorder(container.NewVBox(p.cost, p.span, widget.NewSeparator()), nil, nil, nil,
		container.NewVScroll(container.NewVBox(p.table, p.none)))
}

// weekStart is the Monday that starts now's week, local midnight.
func weekStart(now time.Time) time.Time {
	now = now.Local()
	back := (int(now.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	y, m, d := now.AddDate(0, 0, -back).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

// dayDate is a day's calendar date as the station wrote it, at local
// midnight.
func dayDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

func (v *notificationsView) showDays(totals []station.NotificationDay, now time.Time) {
	p := &v.days
	days := append([]station.NotificationDay(nil), totals...)
	sort.SliceStable(days, func(i, j int) bool { return days[i].Day.After(days[j].Day) })
	monday := weekStart(now)
	var weekSMS, weekMail, allSMS, allMail, allFailed, waiting int
	var sig strings.Builder
	for _, d := range days {
		if !dayDate(d.Day).Before(monday) {
			weekSMS += d.SMS
			weekMail += d.Email
		}
		allSMS += d.SMS
		allMail += d.Email
		allFailed += d.Failed
		waiting += d.Waiting
		fmt.Fprintf(&sig, "%s/%d/%d/%d/%d\n", d.Day.Format(time.DateOnly), d.Email, d.SMS, d.Waiting, d.Failed) // i18n: what is shown, compared, never displayed
	}
	p.cost.SetText(lang.L("SMS this week: {{.SMS}} · e-mails this week: {{.Emails}}", map[string]any{"SMS": weekSMS, "Emails": weekMail}))
	span := lang.L("Sent in the last {{.Days}} days: SMS {{.SMS}}, e-mails {{.Emails}}; failed {{.Failed}}, waiting {{.Waiting}}.",
		map[string]any{"Days": notifyDays, "SMS": allSMS, "Emails": allMail, "Failed": allFailed, "Waiting": waiting}) + " " +
		lang.L("The SMS provider bills every SMS part: a text longer than 160 characters (70 in Unicode) is sent, and billed, as two or more (the Preview tab counts them). The week starts on Monday.")
	p.span.SetText(span)
	if sig.String() == p.sig && p.sig != "" {
		return
	}
	p.sig = sig.String()
	p.table.RemoveAll()
	head := func(s string) *widget.Label {
		l := widget.NewLabel(s)
		l.TextStyle.Bold = true
		return l
	}
	for _, h := range []string{lang.X("notify.days.day", "Day"), lang.X("notify.days.emails", "E-mails sent"),
		lang.X("notify.days.sms", "SMS sent"), lang.X("notify.days.waiting", "Waiting"), lang.X("notify.days.failed", "Failed")} {
		p.table.Add(head(h))
	}
	today := dayDate(now)
	for _, d := range days {
		name := weekdayDateText(d.Day)
		if dayDate(d.Day).Equal(today) {
			name = lang.L("{{.Day}} (today)", map[string]any{"Day": name})
		}
		num := func(n int, imp widget.Importance) *widget.Label {
			l := widget.NewLabel(fmt.Sprint(n))
			if n > 0 {
				l.Importance = imp
			} else {
				l.Importance = widget.LowImportance
			}
			return l
		}
		p.table.Add(widget.NewLabel(name))
		p.table.Add(num(d.Email, widget.MediumImportance))
		p.table.Add(num(d.SMS, widget.MediumImportance))
		p.table.Add(num(d.Waiting, widget.WarningImportance))
		p.table.Add(num(d.Failed, widget.DangerImportance))
	}
	if len(days) == 0 {
		p.none.Show()
	} else {
		p.none.Hide()
	}
	p.table.Refresh()
	p.themed.Refresh()
}

// ---- rules in words ----

// ruleWords is a rule in one sentence: "When the parcel is available at
// the service point → e-mail + SMS to the receiver, template sp-arrived;
// only SE, NO; quiet 21:00–08:00".
func ruleWords(r station.NotificationRule) string {
	s := lang.L("{{.Trigger}} → {{.Channel}} to {{.Recipients}}", map[string]any{
		"Trigger": triggerWords(r), "Channel": channelWord(r.Channel), "Recipients": recipientsWords(r.Recipients)})
	if r.Template != "" {
		s += ", " + lang.X("notify.rule.template", "template {{.Template}}", map[string]any{"Template": r.Template})
	}
	parts := []string{s}
	if len(r.Countries) > 0 {
		parts = append(parts, lang.X("notify.rule.only", "only {{.List}}", map[string]any{"List": strings.Join(r.Countries, ", ")}))
	}
	if len(r.Services) > 0 {
		parts = append(parts, lang.L("only service {{.List}}", map[string]any{"List": strings.Join(r.Services, ", ")}))
	}
	if len(r.Carriers) > 0 {
		var cs []string
		for _, c := range r.Carriers {
			cs = append(cs, carrierTitle(c))
		}
		parts = append(parts, lang.X("notify.rule.only", "only {{.List}}", map[string]any{"List": strings.Join(cs, ", ")}))
	}
	if len(r.Tags) > 0 {
		parts = append(parts, lang.L("only orders tagged {{.List}}", map[string]any{"List": orList(r.Tags)}))
	}
	switch {
	case r.ActiveFrom != "" && r.ActiveUntil != "":
		parts = append(parts, lang.L("from {{.From}} until {{.Until}}", map[string]any{"From": r.ActiveFrom, "Until": r.ActiveUntil}))
	case r.ActiveFrom != "":
		parts = append(parts, lang.X("notify.rule.from", "from {{.From}}", map[string]any{"From": r.ActiveFrom}))
	case r.ActiveUntil != "":
		parts = append(parts, lang.X("notify.rule.until", "until {{.Until}}", map[string]any{"Until": r.ActiveUntil}))
	}
	switch q := strings.TrimSpace(r.QuietHours); q {
	case "":
		parts = append(parts, lang.L("the station's quiet hours"))
	case "off":
		parts = append(parts, lang.L("at any hour"))
	default:
		parts = append(parts, lang.X("notify.rule.quiet", "quiet {{.Hours}}", map[string]any{"Hours": strings.Replace(q, "-", "–", 1)}))
	}
	return strings.Join(parts, "; ")
}

// orList is "A", "A or B", "A, B or C".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return lang.L("{{.List}} or {{.Last}}", map[string]any{"List": strings.Join(items[:len(items)-1], ", "), "Last": items[len(items)-1]})
}

// andList is "A", "A and B", "A, B and C".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return lang.L("{{.List}} and {{.Last}}", map[string]any{"List": strings.Join(items[:len(items)-1], ", "), "Last": items[len(items)-1]})
}

// triggerWords is a rule's moment in words. Every trigger of
// notify.Triggers has its words as notify.trigger.<id> (the tests
// check); a trigger this version does not know is said as it is named.
func triggerWords(r station.NotificationRule) string {
	switch r.Trigger {
	case notify.TriggerBooked:
		return lang.X("notify.trigger.booked", "When the carrier has the booking")
	case notify.TriggerFirstTransport:
		return lang.X("notify.trigger.first_transport", "When the parcel is on its way (first transport event)")
	case notify.TriggerOutForDelivery:
		return lang.X("notify.trigger.out_for_delivery", "When the parcel is out for delivery")
	case notify.TriggerAtServicePoint:
		return lang.X("notify.trigger.at_service_point", "When the parcel is available at the service point")
	case notify.TriggerServicePointDaysLeft:
		return lang.X("notify.trigger.service_point_days_left", "When the days left to collect the parcel at the service point are down to {{.Days}}",
			map[string]any{"Days": r.DaysLeft})
	case notify.TriggerDelivered:
		return lang.X("notify.trigger.delivered", "When the parcel is delivered")
	case notify.TriggerDeliveryFailed:
		return lang.X("notify.trigger.delivery_failed", "When a delivery attempt fails or the receiver refuses the parcel")
	case notify.TriggerDelayRisk:
		return lang.X("notify.trigger.delay_risk", "When the parcel may be late (the carrier says delayed, or the expected day passed)")
	case notify.TriggerReturnedToSender:
		return lang.X("notify.trigger.returned_to_sender", "When the parcel is on its way back to the shop")
	case notify.TriggerReturnReceived:
		return lang.X("notify.trigger.return_received", "When the customer's return has arrived at the shop")
	case notify.TriggerEventCode:
		if len(r.EventCodes) == 0 {
			return lang.L("When the carrier reports an event code (none given)")
		}
		return lang.X("notify.trigger.event_code", "When the carrier reports {{.Codes}}", map[string]any{"Codes": orList(r.EventCodes)})
	}
	return lang.L("When {{.Trigger}}", map[string]any{"Trigger": strings.ReplaceAll(string(r.Trigger), "_", " ")})
}

// recipientsWords is "the receiver", "staff (lager@shop.se)", "the
// receiver and staff (+46701234567)".
func recipientsWords(rs []notify.Recipient) string {
	var out []string
	for _, r := range rs {
		switch r.Kind {
		case notify.RecipientReceiver:
			out = append(out, lang.L("the receiver"))
		case notify.RecipientStaff:
			s := lang.X("notify.recipient.staff", "staff")
			if a := joinNonEmpty(", ", r.Email, r.Phone); a != "" {
				s = lang.L("staff ({{.Address}})", map[string]any{"Address": a})
			}
			out = append(out, s)
		default:
			out = append(out, r.Kind)
		}
	}
	if len(out) == 0 {
		return lang.X("notify.recipient.nobody", "nobody")
	}
	return andList(out)
}

// missingChannels are the channels a rule sends on that the station has
// not set up.
func missingChannels(channel string, have []string) []string {
	need := []string{channel}
	if channel == notify.ChannelBoth {
		need = []string{notify.ChannelEmail, notify.ChannelSMS}
	}
	var miss []string
	for _, n := range need {
		if !slices.Contains(have, n) {
			miss = append(miss, n)
		}
	}
	return miss
}

// notSetUpText says a rule's channels are not set up, and where to.
func notSetUpText(miss []string) string {
	var out []string
	for _, m := range miss {
		switch m {
		case notify.ChannelEmail:
			out = append(out, lang.L("E-mail is not set up on this station ([notify.email] in the config): its e-mails cannot be sent."))
		case notify.ChannelSMS:
			out = append(out, lang.L("SMS is not set up on this station ([notify.sms] in the config): its SMS cannot be sent."))
		case "":
			out = append(out, lang.L("The rule names no channel: it cannot send."))
		default:
			out = append(out, lang.L("The channel {{.Channel}} is not set up on this station: the rule cannot send on it.", map[string]any{"Channel": m}))
		}
	}
	return strings.Join(out, " ")
}

// channelsText is "e-mail and SMS", "e-mail", "none".
func channelsText(chs []string) string {
	var out []string
	for _, c := range chs {
		out = append(out, channelWord(c))
	}
	if len(out) == 0 {
		return lang.X("notify.channels.none", "none")
	}
	return andList(out)
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
