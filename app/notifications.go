package app

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"sort"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
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
type notificationsView struct {
	ps  *PackScreen
	nd  NotificationDesk
	win fyne.Window
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
	rows    map[string]*ruleRow // by rule id, for tests
	sig     string
	busy    map[string]bool // rule id → Enable/Disable runs
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
	rows    map[uint64]*notifyRow // by seq, for tests
	sig     string
	busy    map[uint64]bool // seq → a Retry or Discard runs

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
	v.rules.rows, v.rules.busy = map[string]*ruleRow{}, map[string]bool{}
	v.log.rows, v.log.busy = map[uint64]*notifyRow{}, map[uint64]bool{}

	v.win = fyne.CurrentApp().NewWindow("Notifications")
	v.win.SetContent(v.build())
	v.win.Resize(fyne.NewSize(1100, 700))
	v.win.SetOnClosed(func() {
		v.cancel()
		if ps.notifyView == v {
			ps.notifyView = nil
		}
	})
	v.installKeys()
	ps.notifyView = v
	v.win.Show()

	v.refresh()
	every(v.ctx, &ps.watchers, ps.cfg.queueEvery, v.refresh)
}

// closed reports whether the window was closed (UI goroutine).
func (v *notificationsView) closed() bool { return v.ctx.Err() != nil }

func (v *notificationsView) build() fyne.CanvasObject {
	v.result = widget.NewLabel("Asking the station for the notification rules…")
	v.result.Wrapping = fyne.TextWrapWord
	v.result.TextStyle.Bold = true

	// Each tab has its own theme override: the tabs' override reaches
	// only the tab shown when it is made.
	v.rules.themed = container.NewThemeOverride(v.buildRules(), screenTheme{text: textSize})
	v.preview.themed = container.NewThemeOverride(v.buildPreview(), screenTheme{text: textSize})
	v.log.themed = container.NewThemeOverride(v.buildLog(), screenTheme{text: textSize})
	v.days.themed = container.NewThemeOverride(v.buildDays(), screenTheme{text: textSize})
	v.rulesTab = container.NewTabItem("Rules", v.rules.themed)
	v.previewTab = container.NewTabItem("Preview", v.preview.themed)
	v.logTab = container.NewTabItem("Log", v.log.themed)
	v.daysTab = container.NewTabItem("Per day", v.days.themed)
	v.tabs = container.NewAppTabs(v.rulesTab, v.previewTab, v.logTab, v.daysTab)
	v.tabs.OnSelected = func(*container.TabItem) { v.focusField() }
	return container.NewThemeOverride(container.NewBorder(container.NewPadded(v.result), nil, nil, nil, v.tabs),
		screenTheme{text: textSize})
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
		v.fail(fmt.Errorf("the notifications cannot be read: %w", err))
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
	return container.NewBorder(p.summary, nil, nil, nil, container.NewVScroll(p.list))
}

func (v *notificationsView) showRules(page station.NotificationsPage) {
	p := &v.rules
	on := 0
	var sig strings.Builder
	for _, r := range page.Rules {
		if r.Enabled {
			on++
		}
		fmt.Fprintf(&sig, "%+v\n", r)
	}
	fmt.Fprintf(&sig, "%v", page.Channels)
	switch {
	case len(page.Rules) == 0:
		p.summary.SetText("No notification rules are set up yet. New rules start disabled: preview one on a real shipment here, then enable it.")
	default:
		p.summary.SetText(plural(len(page.Rules), "rule", "rules") + " · " + fmt.Sprintf("%d enabled", on) +
			" · channels set up: " + channelsText(page.Channels))
	}
	v.rulesTab.Text = fmt.Sprintf("Rules (%d)", len(page.Rules))
	v.tabs.Refresh()
	if sig.String() == p.sig && p.sig != "" {
		return
	}
	p.sig = sig.String()
	p.rows = map[string]*ruleRow{}
	rows := make([]fyne.CanvasObject, 0, len(page.Rules))
	for _, r := range page.Rules {
		row := v.ruleRow(r, page.Channels)
		p.rows[r.ID] = row
		rows = append(rows, actionRow(row.state, row.title, row.words, row.note, row.toggle, row.review))
	}
	fillList(p.list, rows, "No rule sends anything yet.")
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
		notes = append(notes, "New rules start disabled: preview it on a real shipment, then enable.")
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
		row.toggle = widget.NewButton("Disable", func() { v.enableRule(id, false) })
	} else {
		row.toggle = widget.NewButton("Enable", func() { v.enableRule(id, true) })
	}
	row.review = widget.NewButton("Preview…", func() { v.previewRuleTab(id) })
	row.review.Importance = widget.HighImportance
	if v.rules.busy[id] {
		row.toggle.Disable()
	}
	return row
}

// ruleStateWords is a rule's state in words and colour.
func ruleStateWords(r station.NotificationRule) (string, widget.Importance) {
	if r.Enabled {
		return "ENABLED", widget.SuccessImportance
	}
	return "DISABLED", widget.WarningImportance
}

// enableRule switches a rule on or off (Enable/Disable, Enable this rule).
func (v *notificationsView) enableRule(id string, on bool) {
	// Which messages go to receivers is the supervisor's call (roles.go).
	v.ps.asSupervisor(v.win, "Switching a notification rule on or off", func() { v.switchRule(id, on) })
}

func (v *notificationsView) switchRule(id string, on bool) {
	if v.rules.busy[id] || v.closed() {
		return
	}
	v.setRuleBusy(id, true)
	name := v.ruleName(id)
	what := "Enabling"
	if !on {
		what = "Disabling"
	}
	v.say(what+" the rule "+name+"…", widget.MediumImportance)
	go func() {
		// Under the screen's job context: closing the window must not
		// leave it unknown whether the rule is on.
		ctx, cancel := context.WithTimeout(v.ps.jobCtx, 15*time.Second)
		defer cancel()
		got, err := v.nd.EnableRule(ctx, id, on)
		v.ps.ui(func() {
			v.setRuleBusy(id, false)
			if v.closed() {
				return
			}
			if err != nil {
				v.fail(err)
				return
			}
			if got.ID == "" {
				got.ID, got.Enabled = id, on
			}
			if got.Enabled {
				v.say("The rule "+firstOf(got.Name, name)+" is enabled: it sends from now on.", widget.SuccessImportance)
			} else {
				v.say("The rule "+firstOf(got.Name, name)+" is disabled: it sends nothing more. Messages it made before still go out.", widget.WarningImportance)
			}
			v.afterEnable(got)
		})
		v.refresh()
	}()
}

func (v *notificationsView) setRuleBusy(id string, busy bool) {
	if busy {
		v.rules.busy[id] = true
	} else {
		delete(v.rules.busy, id)
	}
	if r := v.rules.rows[id]; r != nil {
		if busy {
			r.toggle.Disable()
		} else {
			r.toggle.Enable()
		}
	}
	if v.preview.ruleID == id && v.preview.enable != nil {
		if busy {
			v.preview.enable.Disable()
		} else {
			v.preview.enable.Enable()
		}
	}
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
	p.pick.PlaceHolder = "Pick a rule"
	p.ruleText = widget.NewLabel("Pick a rule, or press Preview… on the Rules tab.")
	p.ruleText.Wrapping = fyne.TextWrapWord

	p.scan = newScanField()
	p.scan.SetPlaceHolder("Scan a shipment: order or tracking number")
	p.scan.OnSubmitted = v.previewScanned
	p.scan.onKey = v.fieldKey
	scanRow := container.NewThemeOverride(p.scan, screenTheme{text: 26, innerPad: 10})
	p.btn = widget.NewButton("Preview", func() { v.previewScanned(p.scan.Text) })
	p.btn.Importance = widget.HighImportance

	p.banner = newDlgBanner(nil)
	p.status = widget.NewLabel("Nothing is sent by a preview: it shows what the rule would send for a real shipment.")
	p.status.Wrapping = fyne.TextWrapWord
	p.status.TextStyle.Bold = true
	p.enable = widget.NewButton("Enable this rule", func() {
		if p.ruleID != "" {
			v.enableRule(p.ruleID, true)
		}
	})
	p.enable.Importance = widget.SuccessImportance
	p.enable.Hide()
	p.cards = container.NewVBox()

	pickRow := container.NewBorder(nil, nil, widget.NewLabel("Rule"), nil, p.pick)
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
	v.previewSay("Scan the order barcode or the parcel's tracking number of a real shipment. Nothing is sent.", widget.MediumImportance)
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
		p.banner.warn("Scan a shipment first: its order barcode or the parcel's tracking number.", "")
		return
	}
	if p.ruleID == "" {
		p.banner.warn("Pick the rule to preview first.", "")
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
	v.previewSay("Rendering "+v.ruleName(id)+" for "+code+"…", widget.MediumImportance)
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
		p.banner.fail("No preview of "+v.ruleName(id)+" for "+code+": "+errText(err), hintText(err))
		p.themed.Refresh()
		return
	}
	name := v.ruleName(id)
	if len(msgs) == 0 {
		v.previewSay("The rule "+name+" would send nothing for "+code+": its conditions (country, service, carrier, tag) "+
			"leave this shipment out, or the receiver has no e-mail or phone for its channel.", widget.WarningImportance)
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
	var what []string
	if emails > 0 {
		what = append(what, plural(emails, "e-mail", "e-mails"))
	}
	if sms > 0 {
		what = append(what, plural(sms, "SMS", "SMS"))
	}
	msg := "For " + code + " the rule " + name + " would send " + strings.Join(what, " and ") + ", as below. Nothing was sent."
	r, ok := v.rule(id)
	if ok && r.Enabled {
		msg += " The rule is enabled."
	} else {
		msg += " If it reads right, enable the rule."
		p.enable.Show()
		if v.rules.busy[id] {
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
	head := caption("E-MAIL · " + languageName(m.Language))
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
	subject := field("Subject:", orDash(m.Subject))
	body := widget.NewLabel(m.Text)
	body.Wrapping = fyne.TextWrapWord
	sheet := container.NewVBox(field("From:", orDefault(from, "your shop")), field("To:", to), subject, widget.NewSeparator(), body)
	bg := canvas.NewRectangle(colPaper)
	bg.StrokeColor, bg.StrokeWidth, bg.CornerRadius = colPaperEdge, 1, 4
	paper := container.NewStack(bg, container.NewThemeOverride(container.NewPadded(sheet), paperTheme{screenTheme{text: textSize}}))
	note := "The plain-text version. "
	if m.HTML != "" {
		note = "The receiver's e-mail program shows the HTML version, with the shop's logo, rendered there; this is its plain-text version, with the same words. "
	}
	noteLabel := widget.NewLabel(note + "Shown here, nothing is sent.")
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
	head := caption("SMS · " + languageName(m.Language))
	toLine := widget.NewLabel("To " + to)
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

// languageName is a message's language in words.
func languageName(code string) string {
	switch code {
	case "sv":
		return "Swedish (sv)"
	case "da":
		return "Danish (da)"
	case "nb", "no":
		return "Norwegian (" + code + ")"
	case "fi":
		return "Finnish (fi)"
	case "en":
		return "English (en)"
	case "":
		return "language not given"
	}
	return code
}

// ---- SMS length ----

// gsm7Basic is the GSM 03.38 default alphabet (one septet each, ESC
// left out); gsm7Ext is its extension table (ESC + one septet: they count
// twice).
const (
	gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "\f^{}\\[~]|€"
)

// SMS sizes: one SMS carries 160 GSM-7 septets or 70 UCS-2 units; a
// longer text is sent in parts, each with a header, of 153 or 67.
const (
	smsGSMSingle = 160
	smsGSMPart   = 153
	smsUCSSingle = 70
	smsUCSPart   = 67
)

// smsCount is what an SMS text costs.
type smsCount struct {
	Chars   int    // characters as a person counts them
	Units   int    // GSM-7 septets, or UCS-2 (UTF-16) units
	Unicode bool   // the text needs UCS-2
	Parts   int    // SMS parts sent (and billed)
	Double  []rune // GSM-7 extension characters in it (each counts twice)
	Wide    []rune // the characters that are not in GSM-7 (why it is UCS-2)
}

// countSMS counts a text the way a phone network sends it: in GSM-7 if
// every character is in the GSM 03.38 alphabet or its extension (which
// counts twice: ESC and the character), else in UCS-2 (a character
// outside the BMP, an emoji, counts twice there). A long text is cut into
// parts of 153 septets (67 units); a two-septet character or a surrogate
// pair is never split between parts.
func countSMS(text string) smsCount {
	var c smsCount
	var widths []int // per character: septets or UTF-16 units
	for _, r := range text {
		c.Chars++
		switch {
		case strings.ContainsRune(gsm7Basic, r):
			widths = append(widths, 1)
		case strings.ContainsRune(gsm7Ext, r):
			widths = append(widths, 2)
			if !containsRune(c.Double, r) {
				c.Double = append(c.Double, r)
			}
		default:
			c.Unicode = true
			if !containsRune(c.Wide, r) {
				c.Wide = append(c.Wide, r)
			}
		}
	}
	single, part := smsGSMSingle, smsGSMPart
	if c.Unicode {
		single, part = smsUCSSingle, smsUCSPart
		widths = widths[:0]
		for _, r := range text {
			widths = append(widths, len(utf16.Encode([]rune{r})))
		}
		c.Double = nil
	}
	for _, w := range widths {
		c.Units += w
	}
	switch {
	case c.Units == 0:
		c.Parts = 0
	case c.Units <= single:
		c.Parts = 1
	default:
		c.Parts = 1
		fill := 0
		for _, w := range widths {
			if fill+w > part {
				c.Parts++
				fill = 0
			}
			fill += w
		}
	}
	return c
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// String says it in words: "98 characters · 1 SMS (GSM-7, up to 160
// characters)", "172 characters · 2 SMS parts (GSM-7, 153 characters a
// part)", "€ counts twice".
func (c smsCount) String() string {
	if c.Parts == 0 {
		return "Empty: no SMS is sent."
	}
	chars := plural(c.Chars, "character", "characters")
	var how string
	switch {
	case c.Unicode && c.Parts == 1:
		how = fmt.Sprintf("1 SMS (Unicode, up to %d characters)", smsUCSSingle)
	case c.Unicode:
		how = fmt.Sprintf("%d SMS parts (Unicode, %d characters a part)", c.Parts, smsUCSPart)
	case c.Parts == 1:
		how = fmt.Sprintf("1 SMS (GSM-7, up to %d characters)", smsGSMSingle)
	default:
		how = fmt.Sprintf("%d SMS parts (GSM-7, %d characters a part)", c.Parts, smsGSMPart)
	}
	s := chars + " · " + how
	if c.Units != c.Chars {
		s = fmt.Sprintf("%s, counted as %d", chars, c.Units) + " · " + how
	}
	if len(c.Double) > 0 {
		s += " · " + quoteRunes(c.Double) + " " + countsTwice(len(c.Double))
	}
	if c.Unicode {
		s += " · Unicode because of " + quoteRunes(c.Wide)
	}
	if c.Parts > 1 {
		s += ". Each part is billed as one SMS."
	}
	return s
}

func countsTwice(n int) string {
	if n == 1 {
		return "counts twice"
	}
	return "count twice"
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
			out = append(out, "form feed")
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
	p.sendBtn = widget.NewButton("Send now", v.sendNow)
	p.sendBtn.Importance = widget.HighImportance
	p.list = container.NewVBox()
	head := container.NewBorder(nil, nil, nil, container.NewVBox(p.sendBtn), p.summary)
	return container.NewBorder(head, nil, nil, nil, container.NewVScroll(p.list))
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
		fmt.Fprintf(&sig, "%d/%s/%s/%d/%s/%s/%s\n", e.Seq, e.State, words, e.Attempts, e.LastError, e.Response, e.Action)
	}
	for r := range page.Rules {
		fmt.Fprintf(&sig, "%s=%s\n", page.Rules[r].ID, page.Rules[r].Name)
	}

	var parts []string
	if n := counts["sent"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d sent", n))
	}
	if n := counts["waiting"]; n > 0 {
		parts = append(parts, plural(n, "waits", "wait"))
	}
	if n := counts["held"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d held for quiet hours", n))
	}
	if n := counts["failed"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d refused", n))
	}
	if n := counts["unknown"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d unknown", n))
	}
	sum := fmt.Sprintf("No message in the last %d days.", notifyDays)
	p.summary.Importance = widget.MediumImportance
	if len(entries) > 0 {
		sum = fmt.Sprintf("Last %d days, newest first: ", notifyDays) + strings.Join(parts, " · ")
		if counts["failed"]+counts["unknown"] > 0 {
			sum += ". Refused and unknown ones need a person: Retry or Discard."
			p.summary.Importance = widget.DangerImportance
		}
		if len(entries) > len(shown) {
			sum += fmt.Sprintf(" (showing the newest %d of %d)", len(shown), len(entries))
		}
	}
	p.summary.SetText(sum)
	p.summary.Refresh()
	attention := counts["failed"] + counts["unknown"]
	if attention > 0 {
		v.logTab.Text = fmt.Sprintf("Log (%d to look at)", attention)
	} else {
		v.logTab.Text = "Log"
	}
	v.tabs.Refresh()
	if sig.String() == p.sig && p.sig != "" {
		return
	}
	p.sig = sig.String()
	p.rows = map[uint64]*notifyRow{}
	rows := make([]fyne.CanvasObject, 0, len(shown))
	for _, e := range shown {
		r := v.notifyRow(e, now)
		p.rows[e.Seq] = r
		rows = append(rows, actionRow(r.state, r.title, r.detail, r.action, r.retry, r.discard))
	}
	fillList(p.list, rows, "No message was made: no enabled rule fired in these days.")
	p.themed.Refresh()
}

// notifyStateKey groups an entry for the summary: sent, waiting, held,
// failed, unknown, other.
func notifyStateKey(e station.NotificationEntry, now time.Time) string {
	switch e.State {
	case "sent", "failed", "unknown":
		return e.State
	case "pending", "sending":
		if heldForQuiet(e, now) {
			return "held"
		}
		return "waiting"
	}
	return "other"
}

// heldForQuiet reports whether a message waits for quiet hours to end
// (made, never tried, not before a later time).
func heldForQuiet(e station.NotificationEntry, now time.Time) bool {
	return e.State == "pending" && e.Attempts == 0 && e.NotBefore.After(now)
}

// notifyStateWords is a message's state as a person says it, with its
// colour: never the colour alone.
func notifyStateWords(e station.NotificationEntry, now time.Time) (string, widget.Importance) {
	switch e.State {
	case "sent":
		return "SENT", widget.SuccessImportance
	case "failed":
		return "REFUSED", widget.DangerImportance
	case "unknown":
		return "UNKNOWN", widget.WarningImportance
	case "discarded":
		return "DISCARDED", widget.LowImportance
	case "sending":
		return "SENDING", widget.HighImportance
	case "pending":
		switch {
		case heldForQuiet(e, now):
			return "HELD UNTIL " + strings.ToUpper(untilText(e.NotBefore, now)), widget.WarningImportance
		case e.Attempts > 0:
			return "RETRYING", widget.WarningImportance
		}
		return "WAITING", widget.HighImportance
	}
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
		return t.Format("15:04") + " tomorrow"
	}
	return t.Format("15:04 Mon 2 Jan")
}

// channelWord is "e-mail" or "SMS".
func channelWord(ch string) string {
	switch ch {
	case notify.ChannelEmail:
		return "e-mail"
	case notify.ChannelSMS:
		return "SMS"
	case notify.ChannelBoth:
		return "e-mail + SMS"
	}
	return ch
}

func (v *notificationsView) notifyRow(e station.NotificationEntry, now time.Time) *notifyRow {
	r := &notifyRow{entry: e}
	words, imp := notifyStateWords(e, now)
	r.state = widget.NewLabel(words)
	r.state.TextStyle.Bold = true
	r.state.Importance = imp
	r.title = widget.NewLabel(joinNonEmpty(" · ", clockText(e.Created, now), "Order "+orDash(e.OrderRef),
		channelWord(e.Channel)+" to "+orDash(e.To)))
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis

	detail := []string{"rule: " + orDash(v.ruleName(e.Rule))}
	if e.Subject != "" {
		detail = append(detail, "“"+e.Subject+"”")
	}
	if e.Language != "" {
		detail = append(detail, e.Language)
	}
	detail = append(detail, plural(e.Attempts, "attempt", "attempts"))
	if heldForQuiet(e, now) {
		detail = append(detail, "quiet hours: sent at "+untilText(e.NotBefore, now))
	} else if e.State == "pending" && e.NotBefore.After(now) {
		detail = append(detail, "next try "+clockText(e.NotBefore, now))
	}
	if !e.SentAt.IsZero() {
		detail = append(detail, "sent "+clockText(e.SentAt, now))
	}
	if e.LastError != "" {
		detail = append(detail, "last error: "+e.LastError)
	}
	if e.Response != "" {
		detail = append(detail, "provider answered: "+e.Response)
	}
	r.detail = widget.NewLabel(strings.Join(detail, " · "))
	r.detail.Wrapping = fyne.TextWrapWord
	action := e.Action
	if action == "" && e.State == "unknown" {
		action = "may have arrived; not sent again by itself. Retry sends it again, Discard leaves it as it is"
	}
	if e.State == "unknown" && !strings.Contains(strings.ToLower(action), "not sent again") {
		action = "may have arrived; not sent again by itself. " + upperFirst(action)
	}
	r.action = widget.NewLabel(upperFirst(action))
	r.action.TextStyle.Italic = true
	r.action.Wrapping = fyne.TextWrapWord
	if action == "" {
		r.action.Hide()
	}

	r.retry = widget.NewButton("Retry", func() { v.askRetry(e) })
	r.discard = widget.NewButton("Discard", func() { v.ps.asSupervisor(v.win, "Discarding a message", func() { v.askDiscard(e) }) })
	if !notifyActionable(e) || v.log.busy[e.Seq] {
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

// notifyName names a message in the result line: "the SMS to +4670… for
// order 10001".
func notifyName(e station.NotificationEntry) string {
	s := "the " + channelWord(e.Channel) + " to " + orDash(e.To)
	if e.OrderRef != "" {
		s += " for order " + e.OrderRef
	}
	return s
}

func (v *notificationsView) setLogBusy(seq uint64, busy bool) {
	p := &v.log
	if busy {
		p.busy[seq] = true
	} else {
		delete(p.busy, seq)
	}
	if r := p.rows[seq]; r != nil {
		for _, b := range []*widget.Button{r.retry, r.discard} {
			if busy || !notifyActionable(r.entry) {
				b.Disable()
			} else {
				b.Enable()
			}
		}
	}
}

// runLog calls f for message seq off the UI goroutine and hands the
// outcome to done on the UI goroutine; then the page is asked for again.
// The call runs under the screen's job context: closing the window must
// not cut a send off halfway (its fate would be unknown).
func (v *notificationsView) runLog(seq uint64, what string, timeout time.Duration,
	f func(ctx context.Context) (station.NotificationEntry, error), done func(station.NotificationEntry, error)) {
	if v.log.busy[seq] {
		return
	}
	v.setLogBusy(seq, true)
	v.say(what+"…", widget.MediumImportance)
	rowJob(v.ps, timeout, f, func(e station.NotificationEntry, err error) {
		v.setLogBusy(seq, false)
		if !v.closed() {
			done(e, err)
		}
	}, v.refresh)
}

// askRetry sends a refused message again at once; an unknown one only
// after the person confirms, because the receiver may have it already.
func (v *notificationsView) askRetry(e station.NotificationEntry) {
	if e.State != "unknown" {
		v.retry(e)
		return
	}
	// Sent again, it may reach the receiver twice: the supervisor's call.
	v.ps.asSupervisor(v.win, "Sending again a message that may already have arrived", func() { v.askRetryUnknown(e) })
}

func (v *notificationsView) askRetryUnknown(e station.NotificationEntry) {
	if v.closed() {
		return
	}
	name := notifyName(e)
	d := dialog.NewConfirm("Send "+name+" again?",
		"Nobody knows whether "+name+" arrived: the provider took it but its answer was lost. "+
			"Sent again, the receiver may get it twice.", func(ok bool) {
			v.log.retryConfirm = nil
			if ok && !v.closed() {
				v.retry(e)
			}
		}, v.win)
	d.SetConfirmText("Send again")
	d.SetDismissText("Keep it")
	v.log.retryConfirm = d
	d.Show()
}

// retry sends one message now (Retry).
func (v *notificationsView) retry(e station.NotificationEntry) {
	name := notifyName(e)
	v.runLog(e.Seq, "Sending "+name, v.ps.cfg.syncTimeout, func(ctx context.Context) (station.NotificationEntry, error) {
		return v.nd.RetryNotification(ctx, e.Seq)
	}, func(got station.NotificationEntry, err error) {
		if err != nil {
			v.fail(err)
			return
		}
		if got.State == "sent" {
			v.say(upperFirst(name)+" is sent.", widget.SuccessImportance)
			return
		}
		words, _ := notifyStateWords(got, time.Now())
		msg := upperFirst(name) + " is not sent (" + strings.ToLower(words) + ")"
		if got.LastError != "" {
			msg += ": " + got.LastError
		}
		msg += "."
		if got.Action != "" {
			msg += " " + upperFirst(got.Action) + "."
		}
		v.say(msg, widget.WarningImportance)
	})
}

// askDiscard asks for a reason, says what discarding means, and discards
// the message only when the person confirms.
func (v *notificationsView) askDiscard(e station.NotificationEntry) {
	name := notifyName(e)
	reason := widget.NewEntry()
	reason.SetPlaceHolder("e.g. wrong phone number, customer called instead")
	reason.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("say why")
		}
		return nil
	}
	what := "The station will never send " + name + "."
	if e.State == "unknown" {
		what += " It may have arrived already."
	}
	explain := widget.NewLabel(what)
	explain.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		{Widget: explain},
		{Text: "Reason", Widget: reason, HintText: "kept with the message"},
	}
	f := dialog.NewForm("Discard "+name+"?", "Discard message", "Keep it", items, func(ok bool) {
		v.log.discardForm, v.log.discardReason = nil, nil
		if !ok || v.closed() {
			return
		}
		why := strings.TrimSpace(reason.Text)
		v.runLog(e.Seq, "Discarding "+name, 15*time.Second, func(ctx context.Context) (station.NotificationEntry, error) {
			return v.nd.DiscardNotification(ctx, e.Seq, why)
		}, func(_ station.NotificationEntry, err error) {
			if err != nil {
				v.fail(err)
				return
			}
			v.say(upperFirst(name)+" is discarded: it is not sent.", widget.WarningImportance)
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
	p := &v.log
	p.sendBtn.Disable()
	v.say("Sending the messages that are due…", widget.MediumImportance)
	rowJob(v.ps, v.ps.cfg.syncTimeout, v.nd.SyncNotifications, func(rep station.NotifyReport, err error) {
		p.sendBtn.Enable()
		if v.closed() {
			return
		}
		if err != nil {
			v.fail(err)
			return
		}
		imp := widget.SuccessImportance
		if rep.Failed > 0 || rep.Unknown > 0 || len(rep.Errors) > 0 {
			imp = widget.WarningImportance
		}
		v.say(notifyReportText(rep), imp)
	}, v.refresh)
}

// notifyReportText words a NotifyReport.
func notifyReportText(r station.NotifyReport) string {
	var did []string
	if r.Queued > 0 {
		did = append(did, plural(r.Queued, "new message made", "new messages made")+" (time-based rules)")
	}
	if r.Sent > 0 {
		did = append(did, plural(r.Sent, "message sent", "messages sent"))
	}
	if r.Failed > 0 {
		did = append(did, plural(r.Failed, "refused (Retry or Discard it)", "refused (Retry or Discard them)"))
	}
	if r.Unknown > 0 {
		did = append(did, fmt.Sprintf("%d with an unknown fate (may have arrived; not sent again by itself)", r.Unknown))
	}
	left := "nothing waits"
	if r.Waiting > 0 {
		left = plural(r.Waiting, "message still waits", "messages still wait") + " (quiet hours or a later try)"
	}
	msg := "Send now: nothing to send, " + left + "."
	if len(did) > 0 {
		msg = "Send now: " + strings.Join(did, ", ") + "; " + left + "."
	}
	if len(r.Errors) > 0 {
		msg += " Last error: " + r.Errors[len(r.Errors)-1]
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
	p.none = widget.NewLabel("Nothing sent in these days.")
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
		fmt.Fprintf(&sig, "%s/%d/%d/%d/%d\n", d.Day.Format(time.DateOnly), d.Email, d.SMS, d.Waiting, d.Failed)
	}
	p.cost.SetText(fmt.Sprintf("SMS this week: %d · e-mails this week: %d", weekSMS, weekMail))
	span := fmt.Sprintf("Last %d days: %d SMS and %s sent, %d failed, %d waiting. "+
		"The SMS provider bills every SMS part: a text longer than 160 characters (70 in Unicode) is sent, and billed, as two or more "+
		"(the Preview tab counts them). The week starts on Monday.",
		notifyDays, allSMS, plural(allMail, "e-mail", "e-mails"), allFailed, waiting)
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
	for _, h := range []string{"Day", "E-mails sent", "SMS sent", "Waiting", "Failed"} {
		p.table.Add(head(h))
	}
	today := dayDate(now)
	for _, d := range days {
		name := d.Day.Format("Mon 2 Jan")
		if dayDate(d.Day).Equal(today) {
			name += " (today)"
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
	s := triggerWords(r) + " → " + channelWord(r.Channel) + " to " + recipientsWords(r.Recipients)
	if r.Template != "" {
		s += ", template " + r.Template
	}
	parts := []string{s}
	if len(r.Countries) > 0 {
		parts = append(parts, "only "+strings.Join(r.Countries, ", "))
	}
	if len(r.Services) > 0 {
		parts = append(parts, "only service "+strings.Join(r.Services, ", "))
	}
	if len(r.Carriers) > 0 {
		var cs []string
		for _, c := range r.Carriers {
			cs = append(cs, carrierTitle(c))
		}
		parts = append(parts, "only "+strings.Join(cs, ", "))
	}
	if len(r.Tags) > 0 {
		parts = append(parts, "only orders tagged "+strings.Join(r.Tags, " or "))
	}
	switch {
	case r.ActiveFrom != "" && r.ActiveUntil != "":
		parts = append(parts, "from "+r.ActiveFrom+" until "+r.ActiveUntil)
	case r.ActiveFrom != "":
		parts = append(parts, "from "+r.ActiveFrom)
	case r.ActiveUntil != "":
		parts = append(parts, "until "+r.ActiveUntil)
	}
	switch q := strings.TrimSpace(r.QuietHours); q {
	case "":
		parts = append(parts, "the station's quiet hours")
	case "off":
		parts = append(parts, "at any hour")
	default:
		parts = append(parts, "quiet "+strings.Replace(q, "-", "–", 1))
	}
	return strings.Join(parts, "; ")
}

// triggerWords is a rule's moment in words.
func triggerWords(r station.NotificationRule) string {
	switch r.Trigger {
	case notify.TriggerBooked:
		return "When the carrier has the booking"
	case notify.TriggerFirstTransport:
		return "When the parcel is on its way (first transport event)"
	case notify.TriggerOutForDelivery:
		return "When the parcel is out for delivery"
	case notify.TriggerAtServicePoint:
		return "When the parcel is available at the service point"
	case notify.TriggerServicePointDaysLeft:
		if r.DaysLeft == 1 {
			return "When 1 day is left to collect the parcel at the service point"
		}
		return fmt.Sprintf("When %d days are left to collect the parcel at the service point", r.DaysLeft)
	case notify.TriggerDelivered:
		return "When the parcel is delivered"
	case notify.TriggerDeliveryFailed:
		return "When a delivery attempt fails or the receiver refuses the parcel"
	case notify.TriggerDelayRisk:
		return "When the parcel may be late (the carrier says delayed, or the expected day passed)"
	case notify.TriggerReturnedToSender:
		return "When the parcel is on its way back to the shop"
	case notify.TriggerReturnReceived:
		return "When the customer's return has arrived at the shop"
	case notify.TriggerEventCode:
		if len(r.EventCodes) == 0 {
			return "When the carrier reports an event code (none given)"
		}
		return "When the carrier reports " + strings.Join(r.EventCodes, " or ")
	}
	return "When " + strings.ReplaceAll(string(r.Trigger), "_", " ")
}

// recipientsWords is "the receiver", "staff (lager@shop.se)", "the
// receiver and staff (+46701234567)".
func recipientsWords(rs []notify.Recipient) string {
	var out []string
	for _, r := range rs {
		switch r.Kind {
		case notify.RecipientReceiver:
			out = append(out, "the receiver")
		case notify.RecipientStaff:
			s := "staff"
			if a := joinNonEmpty(", ", r.Email, r.Phone); a != "" {
				s += " (" + a + ")"
			}
			out = append(out, s)
		default:
			out = append(out, r.Kind)
		}
	}
	if len(out) == 0 {
		return "nobody"
	}
	return strings.Join(out, " and ")
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
		found := false
		for _, h := range have {
			if h == n {
				found = true
			}
		}
		if !found {
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
			out = append(out, "E-mail is not set up on this station ([notify.email] in the config): its e-mails cannot be sent.")
		case notify.ChannelSMS:
			out = append(out, "SMS is not set up on this station ([notify.sms] in the config): its SMS cannot be sent.")
		case "":
			out = append(out, "The rule names no channel: it cannot send.")
		default:
			out = append(out, "The channel "+m+" is not set up on this station: the rule cannot send on it.")
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
		return "none"
	}
	return strings.Join(out, " and ")
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
