package app

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/app/i18n"
	"labelstation/station"
	"labelstation/station/notify"
)

// nordicSMS is a Swedish SMS of more than 160 characters: GSM-7 (å, ä,
// ö are in its alphabet), so 2 parts; counted as Unicode it would be 3.
const nordicSMS = "Hej Åsa! Ditt paket från Fjällbacka Keramik väntar på dig hos ICA Nära Fjällbacka, Storgatan 2. " +
	"Hämta det senast fredag 28/11 och ta med legitimation. Spåra: https://pnrd.se/t/00370712345000000017"

// euroSMS is 160 characters of which one is €: 161 septets, 2 parts.
var euroSMS = func() string {
	s := "Hej Søren! Din pakke fra Fjällbacka Keramik er leveret. Tak for din ordre på 49 € – " // "–" is not GSM-7: replaced below
	s = strings.ReplaceAll(s, "–", "-")
	for utf8.RuneCountInString(s) < 160 {
		s += "x"
	}
	return s
}()

func notifyRules() []station.NotificationRule {
	return []station.NotificationRule{
		{ID: "sp-arrived", Name: "Parcel at the service point", Trigger: notify.TriggerAtServicePoint,
			Recipients: []notify.Recipient{{Kind: notify.RecipientReceiver}}, Channel: notify.ChannelBoth, Template: "sp-arrived",
			Countries: []string{"SE", "NO"}, QuietHours: "21:00-08:00"},
		{ID: "delivered", Name: "Delivered", Trigger: notify.TriggerDelivered,
			Recipients: []notify.Recipient{{Kind: notify.RecipientReceiver}}, Channel: notify.ChannelEmail, Template: "delivered",
			QuietHours: "off", Enabled: true},
		{ID: "collection-missed", Name: "Collection not carried out", Trigger: notify.TriggerEventCode,
			EventCodes: []string{"COLLECTION_NOT_CARRIED_OUT"},
			Recipients: []notify.Recipient{{Kind: notify.RecipientStaff, Email: "lager@example.se", Phone: "+46701234567"}},
			Channel:    notify.ChannelSMS, Template: "staff-alert", Tags: []string{"b2b"}},
	}
}

func notifyLog(now time.Time) []station.NotificationEntry {
	tomorrow8 := time.Date(now.Year(), now.Month(), now.Day()+1, 8, 0, 0, 0, time.Local)
	return []station.NotificationEntry{
		{Seq: 1, Rule: "delivered", Trigger: "delivered", OrderRef: "10001", Channel: "email", To: "asa@example.se", Language: "sv",
			Subject: "Ditt paket är levererat", State: "sent", Attempts: 1, Response: "250 2.0.0 Ok: queued as 4F2A1",
			Created: now.Add(-5 * time.Hour), SentAt: now.Add(-5 * time.Hour)},
		{Seq: 2, Rule: "sp-arrived", Trigger: "at_service_point", OrderRef: "10002", Channel: "sms", To: "+4512345678", Language: "da",
			State: "pending", Created: now.Add(-10 * time.Minute), NotBefore: tomorrow8},
		{Seq: 3, Rule: "sp-arrived", Trigger: "at_service_point", OrderRef: "10003", Channel: "sms", To: "+4670000000", Language: "sv",
			State: "failed", Attempts: 1, LastError: "gateway refused: invalid phone number", Response: "HTTP 400: Invalid to",
			Created: now.Add(-2 * time.Hour), Action: "the gateway refused it: correct the phone number, then Retry; or Discard"},
		{Seq: 4, Rule: "sp-arrived", Trigger: "at_service_point", OrderRef: "10004", Channel: "sms", To: "+4798765432", Language: "nb",
			State: "unknown", Attempts: 1, LastError: "no answer from the gateway in 30s", Created: now.Add(-3 * time.Hour)},
		{Seq: 5, Rule: "delivered", Trigger: "delivered", OrderRef: "10005", Channel: "email", To: "liisa@example.fi", Language: "fi",
			State: "discarded", Attempts: 2, Created: now.Add(-26 * time.Hour)},
		{Seq: 6, Rule: "delivered", Trigger: "delivered", OrderRef: "10006", Channel: "email", To: "ola@example.no", Language: "nb",
			State: "pending", Attempts: 2, LastError: "421 4.7.0 try again later", Created: now.Add(-time.Minute), NotBefore: now.Add(4 * time.Minute)},
	}
}

func notifyTotals(now time.Time) []station.NotificationDay {
	var out []station.NotificationDay
	// Oldest day first, as the station gives them: 13 days ago … today.
	for back := 13; back >= 0; back-- {
		y, m, d := now.AddDate(0, 0, -back).Date()
		out = append(out, station.NotificationDay{Day: time.Date(y, m, d, 0, 0, 0, 0, time.Local), Email: 10 + back, SMS: back + 1,
			Waiting: boolInt(back == 0), Failed: boolInt(back == 1)})
	}
	return out
}

func notifyPage(now time.Time) station.NotificationsPage {
	return station.NotificationsPage{Rules: notifyRules(), Channels: []string{"email"}, Log: notifyLog(now), Totals: notifyTotals(now)}
}

func samplePreviews(f *fakeNotifier) {
	f.previews["DEMO-1001"] = []station.NotificationMessage{
		{Trigger: notify.TriggerAtServicePoint, OrderRef: "DEMO-1001", Channel: "email", To: "asa@example.se", Name: "Åsa Öberg",
			Language: "sv", Subject: "Ditt paket väntar på dig hos ICA Nära Fjällbacka",
			Text: "Hej Åsa!\n\nDitt paket från Fjällbacka Keramik har kommit fram till ICA Nära Fjällbacka, Storgatan 2.\n\nHämta det senast fredag 28/11.",
			HTML: "<p>Hej Åsa!</p>"},
		{Trigger: notify.TriggerAtServicePoint, OrderRef: "DEMO-1001", Channel: "sms", To: "+46701112233", Name: "Åsa Öberg",
			Language: "sv", Text: nordicSMS},
	}
	f.previews["DEMO-1002"] = []station.NotificationMessage{
		{Trigger: notify.TriggerAtServicePoint, OrderRef: "DEMO-1002", Channel: "sms", To: "+4512345678", Language: "da", Text: euroSMS},
	}
}

// openNotifications presses F6 on the pack screen and waits for the
// page.
func openNotifications(t *testing.T, f *fakeNotifier) (*notificationsView, *PackScreen, fyne.Window, *uiLoop) {
	t.Helper()
	ps, w, loop := newTestScreen(t, f, QueueEvery(time.Hour))
	if ps.notifyBtn == nil {
		t.Fatal("no Notifications… button for a station with notifications")
	}
	pressKey(w.Canvas(), fyne.KeyF6)
	v := ps.notifyView
	if v == nil {
		t.Fatal("F6 opened nothing")
	}
	t.Cleanup(func() { closeNotifications(ps) })
	loop.until(t, "page shown", func() bool { return v.hasPage })
	return v, ps, w, loop
}

// allTexts joins the texts of every label under o with "|", inside
// widgets (theme overrides) too.
func allTexts(o fyne.CanvasObject) string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch)
			}
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(x).Objects() {
				walk(ch)
			}
		}
	}
	walk(o)
	return strings.Join(out, "|")
}

// closeNotifications closes the window unless the test did (the test
// driver cannot close a window twice).
func closeNotifications(ps *PackScreen) {
	if v := ps.notifyView; v != nil {
		v.win.Close()
	}
}

// Without a NotificationDesk there is no button and F6 does nothing.
func TestNoNotificationsWithoutDesk(t *testing.T) {
	ps, w, _ := newTestScreen(t, newFakeStation())
	if ps.notifyBtn != nil {
		t.Error("Notifications… button on a station without notifications")
	}
	pressKey(w.Canvas(), fyne.KeyF6)
	if ps.notifyView != nil {
		t.Error("F6 opened notifications on a station without them")
	}
	focusedIsScan(t, ps, w, "after F6")
}

// The button opens the window too, and a second press brings the same
// window back; the page is asked for two weeks.
func TestNotificationsButtonOpensWindow(t *testing.T) {
	f := newFakeNotifier(notifyPage(time.Now()))
	ps, _, loop := newTestScreen(t, f, QueueEvery(time.Hour))
	if !strings.HasPrefix(ps.notifyBtn.Text, "Notifications…") || !strings.HasSuffix(ps.notifyBtn.Text, "F6") {
		t.Errorf("button %q", ps.notifyBtn.Text)
	}
	test.Tap(ps.notifyBtn)
	v := ps.notifyView
	if v == nil {
		t.Fatal("the button opened nothing")
	}
	t.Cleanup(func() { closeNotifications(ps) })
	loop.until(t, "page", func() bool { return v.hasPage })
	test.Tap(ps.notifyBtn)
	if ps.notifyView != v {
		t.Error("a second press opened another window")
	}
	f.setNotify(func(f *fakeNotifier) {
		if len(f.loads) == 0 || f.loads[0] != notifyDays {
			t.Errorf("Notifications asked for %v days, want %d", f.loads, notifyDays)
		}
	})
	v.win.Close()
	if ps.notifyView != nil {
		t.Error("closed window still kept")
	}
}

// Every rule is said in words, with its state as a word in a colour, an
// Enable or Disable button and Preview…; a rule on a channel the station
// has not set up says so, and a disabled rule says how to enable it.
func TestNotificationRulesInWords(t *testing.T) {
	f := newFakeNotifier(notifyPage(time.Now()))
	v, _, _, _ := openNotifications(t, f)
	p := &v.rules
	if len(p.rows) != 3 {
		t.Fatalf("%d rule rows, want 3", len(p.rows))
	}
	sp := p.rows["sp-arrived"]
	want := "When the parcel is available at the service point → e-mail + SMS to the receiver, template sp-arrived; only SE, NO; quiet 21:00–08:00"
	if sp.words.Text != want {
		t.Errorf("rule in words\n got %q\nwant %q", sp.words.Text, want)
	}
	if sp.state.Text != "DISABLED" || sp.state.Importance != widget.WarningImportance {
		t.Errorf("disabled rule state %q (%v)", sp.state.Text, sp.state.Importance)
	}
	if sp.toggle.Text != "Enable" || sp.review.Text != "Preview…" {
		t.Errorf("buttons %q, %q", sp.toggle.Text, sp.review.Text)
	}
	for _, w := range []string{"SMS is not set up on this station ([notify.sms] in the config)",
		"New rules start disabled: preview it on a real shipment, then enable."} {
		if !strings.Contains(sp.note.Text, w) || !sp.note.Visible() {
			t.Errorf("note %q lacks %q", sp.note.Text, w)
		}
	}
	if sp.note.Importance != widget.DangerImportance {
		t.Errorf("not-set-up note colour %v", sp.note.Importance)
	}

	d := p.rows["delivered"]
	if d.state.Text != "ENABLED" || d.state.Importance != widget.SuccessImportance || d.toggle.Text != "Disable" {
		t.Errorf("enabled rule %q (%v), button %q", d.state.Text, d.state.Importance, d.toggle.Text)
	}
	if d.words.Text != "When the parcel is delivered → e-mail to the receiver, template delivered; at any hour" {
		t.Errorf("delivered rule %q", d.words.Text)
	}
	if d.note.Visible() {
		t.Errorf("an enabled rule on a set-up channel has a note: %q", d.note.Text)
	}

	c := p.rows["collection-missed"]
	if want := "When the carrier reports COLLECTION_NOT_CARRIED_OUT → SMS to staff (lager@example.se, +46701234567), " +
		"template staff-alert; only orders tagged b2b; the station's quiet hours"; c.words.Text != want {
		t.Errorf("staff rule\n got %q\nwant %q", c.words.Text, want)
	}
	if v.rulesTab.Text != "Rules (3)" || !strings.Contains(p.summary.Text, "enabled: 1") {
		t.Errorf("tab %q, summary %q", v.rulesTab.Text, p.summary.Text)
	}
}

func TestTriggerWords(t *testing.T) {
	for _, tc := range []struct {
		r    station.NotificationRule
		want string
	}{
		{station.NotificationRule{Trigger: notify.TriggerServicePointDaysLeft, DaysLeft: 2}, "When the days left to collect the parcel at the service point are down to 2"},
		{station.NotificationRule{Trigger: notify.TriggerServicePointDaysLeft, DaysLeft: 1}, "When the days left to collect the parcel at the service point are down to 1"},
		{station.NotificationRule{Trigger: notify.TriggerBooked}, "When the carrier has the booking"},
		{station.NotificationRule{Trigger: notify.TriggerDelayRisk}, "When the parcel may be late (the carrier says delayed, or the expected day passed)"},
		{station.NotificationRule{Trigger: notify.TriggerEventCode, EventCodes: []string{"A", "B"}}, "When the carrier reports A or B"},
	} {
		if got := triggerWords(tc.r); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.r.Trigger, got, tc.want)
		}
	}
	// Every trigger has its own words.
	for _, tr := range notify.Triggers {
		if got := triggerWords(station.NotificationRule{Trigger: tr}); strings.Contains(got, "_") {
			t.Errorf("trigger %s not in words: %q", tr, got)
		}
	}
	if got := ruleWords(station.NotificationRule{Trigger: notify.TriggerDelivered, Channel: "email", Carriers: []string{"postnord"},
		Services: []string{"19"}, ActiveFrom: "2025-12-01", ActiveUntil: "2025-12-24", QuietHours: "off",
		Recipients: []notify.Recipient{{Kind: "receiver"}, {Kind: "staff", Email: "a@b.se"}}}); got !=
		"When the parcel is delivered → e-mail to the receiver and staff (a@b.se); only service 19; only PostNord; from 2025-12-01 until 2025-12-24; at any hour" {
		t.Errorf("rule in words %q", got)
	}
}

// Enable and Disable call the station with the rule's id, and the row
// follows.
func TestNotificationEnableDisable(t *testing.T) {
	f := newFakeNotifier(notifyPage(time.Now()))
	v, _, _, loop := openNotifications(t, f)
	test.Tap(v.rules.rows["sp-arrived"].toggle)
	loop.until(t, "enabled", func() bool {
		r := v.rules.rows["sp-arrived"]
		return r != nil && r.state.Text == "ENABLED"
	})
	if !strings.Contains(v.result.Text, "Parcel at the service point is enabled") || v.result.Importance != widget.SuccessImportance {
		t.Errorf("result %q", v.result.Text)
	}
	test.Tap(v.rules.rows["delivered"].toggle)
	loop.until(t, "disabled", func() bool {
		r := v.rules.rows["delivered"]
		return r != nil && r.state.Text == "DISABLED" && r.toggle.Text == "Enable"
	})
	enables, _, _, _, _ := f.notifyCalls()
	if len(enables) != 2 || enables[0] != (enableCall{"sp-arrived", true}) || enables[1] != (enableCall{"delivered", false}) {
		t.Errorf("EnableRule calls %+v", enables)
	}
}

// Preview… opens the Preview tab on the rule with the scan field
// focused; a scanned shipment shows each message: the e-mail as a mail
// (From, To, Subject, the text, and that the HTML version is rendered
// in the mail program), the SMS with its length and parts. Enable this
// rule enables it there.
func TestNotificationPreview(t *testing.T) {
	page := notifyPage(time.Now())
	page.Sender = "Nordpack <kundservice@nordpack.example>"
	f := newFakeNotifier(page)
	samplePreviews(f)
	f.previewNotes = map[string][]string{"DEMO-1001": {"quiet hours: it would be held until 08:00"}}
	v, _, _, loop := openNotifications(t, f)
	c := v.win.Canvas()
	p := &v.preview

	test.Tap(v.rules.rows["sp-arrived"].review)
	if v.tabs.Selected() != v.previewTab || p.ruleID != "sp-arrived" || p.pick.Selected != "Parcel at the service point" {
		t.Fatalf("Preview… shows tab %q, rule %q, picked %q", v.tabs.Selected().Text, p.ruleID, p.pick.Selected)
	}
	focusedIs(t, v.win, p.scan, "after Preview…")
	if !strings.Contains(p.ruleText.Text, "only SE, NO") || !strings.Contains(p.ruleText.Text, "DISABLED") {
		t.Errorf("rule text %q", p.ruleText.Text)
	}

	scanCode(c, "DEMO-1001")
	loop.until(t, "preview", func() bool { return len(p.msgs) == 2 })
	_, previews, _, _, _ := f.notifyCalls()
	if len(previews) != 1 || previews[0] != (previewCall{"sp-arrived", "DEMO-1001"}) {
		t.Fatalf("PreviewRule calls %+v", previews)
	}
	text := allTexts(p.cards)
	for _, want := range []string{"From:", "Nordpack <kundservice@nordpack.example>", "To:", "Åsa Öberg <asa@example.se>", "Subject:",
		"quiet hours: it would be held until 08:00",
		"Ditt paket väntar på dig hos ICA Nära Fjällbacka", "Hämta det senast fredag 28/11.",
		"shows the HTML version", "To +46701112233 (Åsa Öberg)", nordicSMS} {
		if !strings.Contains(text, want) {
			t.Errorf("preview lacks %q:\n%s", want, text)
		}
	}
	if len(p.smsCards) != 1 {
		t.Fatalf("%d SMS cards", len(p.smsCards))
	}
	sms := p.smsCards[0]
	if sms.count.Unicode || sms.count.Parts != 2 {
		t.Errorf("Nordic SMS counted %+v: want GSM-7 in 2 parts", sms.count)
	}
	if !strings.Contains(sms.parts.Text, "SMS parts: 2 (GSM-7, 153 characters a part)") {
		t.Errorf("parts line %q", sms.parts.Text)
	}
	if !p.enable.Visible() || !strings.Contains(p.status.Text, "(e-mails: 1, SMS: 1)") || !strings.Contains(p.status.Text, "Nothing was sent") {
		t.Errorf("after preview: enable shown %v, status %q", p.enable.Visible(), p.status.Text)
	}

	// The € one: 160 characters, 161 septets, so 2 parts.
	scanCode(c, "DEMO-1002")
	loop.until(t, "second preview", func() bool { return len(p.msgs) == 1 })
	sms = p.smsCards[0]
	if sms.count.Chars != 160 || sms.count.Units != 161 || sms.count.Parts != 2 || sms.count.Unicode {
		t.Errorf("€ SMS counted %+v", sms.count)
	}
	if !strings.Contains(sms.parts.Text, "characters: 160, counted as 161") || !strings.Contains(sms.parts.Text, "counts twice: “€”") {
		t.Errorf("€ parts line %q", sms.parts.Text)
	}

	// Enable this rule, right there.
	test.Tap(p.enable)
	loop.until(t, "enabled from the preview", func() bool { return !p.enable.Visible() && strings.Contains(p.ruleText.Text, "ENABLED") })
	enables, _, _, _, _ := f.notifyCalls()
	if len(enables) != 1 || enables[0] != (enableCall{"sp-arrived", true}) {
		t.Errorf("EnableRule calls %+v", enables)
	}
	loop.until(t, "row enabled", func() bool { return v.rules.rows["sp-arrived"].state.Text == "ENABLED" })

	// A shipment the station does not know: the banner with the hint.
	scanCode(c, "NOPE-1")
	loop.until(t, "banner", func() bool { return p.banner.box.Visible() })
	if !strings.Contains(p.banner.msg.Text, "order NOPE-1 is not in the station") || p.banner.hint.Text != "Check the barcode, or import the order file" {
		t.Errorf("banner %q / %q", p.banner.msg.Text, p.banner.hint.Text)
	}
	if len(p.cards.Objects) != 0 || p.enable.Visible() {
		t.Error("an old preview stays beside the error")
	}
	focusedIs(t, v.win, p.scan, "after an error")
}

// A preview of an enabled rule offers no Enable button; picking another
// rule previews the shipment scanned before again.
func TestNotificationPreviewPickRule(t *testing.T) {
	f := newFakeNotifier(notifyPage(time.Now()))
	samplePreviews(f)
	v, _, _, loop := openNotifications(t, f)
	p := &v.preview
	test.Tap(v.rules.rows["sp-arrived"].review)
	scanCode(v.win.Canvas(), "DEMO-1001")
	loop.until(t, "preview", func() bool { return len(p.msgs) == 2 })
	p.pick.SetSelected("Delivered")
	loop.until(t, "preview of the other rule", func() bool {
		_, calls, _, _, _ := f.notifyCalls()
		return len(calls) == 2 && calls[1] == (previewCall{"delivered", "DEMO-1001"}) && len(p.msgs) == 2 && p.ruleID == "delivered" && !p.btn.Disabled()
	})
	if p.enable.Visible() || !strings.Contains(p.status.Text, "The rule is enabled") {
		t.Errorf("enabled rule: enable shown %v, status %q", p.enable.Visible(), p.status.Text)
	}
}

// SMS length the way the network counts it.
func TestCountSMS(t *testing.T) {
	// (The alphabet's size is checked where it lives, station/notify.)
	a := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		name    string
		text    string
		units   int
		parts   int
		unicode bool
	}{
		{"empty", "", 0, 0, false},
		{"160 GSM", a(160), 160, 1, false},
		{"161 GSM", a(161), 161, 2, false},
		{"306 GSM", a(306), 306, 2, false},
		{"307 GSM", a(307), 307, 3, false},
		{"Nordic letters are GSM-7", "Hej Åsa, Søren, Æbelø, Jyväskylä! Ü é É ß", utf8.RuneCountInString("Hej Åsa, Søren, Æbelø, Jyväskylä! Ü é É ß"), 1, false},
		{"Nordic, long", nordicSMS, utf8.RuneCountInString(nordicSMS), 2, false},
		{"€ counts double", a(159) + "€", 161, 2, false},
		{"€ never split", a(152) + "€" + a(152), 306, 3, false},
		{"brackets are extension", "{[~]}|^\\", 16, 1, false},
		{"70 UCS-2", "ł" + a(69), 70, 1, true},
		{"71 UCS-2", "ł" + a(70), 71, 2, true},
		{"134 UCS-2", "Ł" + a(133), 134, 2, true},
		{"135 UCS-2", "Ł" + a(134), 135, 3, true},
		{"emoji is two units", "📦" + a(68), 70, 1, true},
		{"surrogate never split", a(66) + "📦" + a(10), 78, 2, true},
		{"en dash is not GSM-7", "10–12", 5, 1, true},
	} {
		c := countSMS(tc.text)
		if c.Units != tc.units || c.Parts != tc.parts || c.Unicode != tc.unicode {
			t.Errorf("%s: %+v, want %d units, %d parts, unicode %v", tc.name, c, tc.units, tc.parts, tc.unicode)
		}
	}
	// "€ never split": 152 + € does not fit the 153 of part 1.
	if c := countSMS(a(152) + "€" + a(152)); c.Parts != 3 {
		t.Errorf("€ split between parts: %d parts", c.Parts)
	}
	if s := countSMS("ł" + a(70)).String(); !strings.Contains(s, "SMS parts: 2 (Unicode, 67 characters a part)") || !strings.Contains(s, "Unicode because of “ł”") {
		t.Errorf("unicode words %q", s)
	}
	if s := countSMS("Hej!").String(); s != "characters: 4 · 1 SMS (GSM-7, up to 160 characters)" {
		t.Errorf("short words %q", s)
	}
}

// The log lists the messages newest first, the state in words and
// colour, with Retry and Discard only on the refused and unknown ones;
// a held one says until when.
func TestNotificationLog(t *testing.T) {
	now := time.Now()
	f := newFakeNotifier(notifyPage(now))
	v, _, _, loop := openNotifications(t, f)
	p := &v.log
	if len(p.rows) != 6 {
		t.Fatalf("%d log rows, want 6", len(p.rows))
	}
	wantStates := map[uint64]struct {
		words string
		imp   widget.Importance
		acts  bool
	}{
		1: {"SENT", widget.SuccessImportance, false},
		2: {"HELD UNTIL 08:00 TOMORROW", widget.WarningImportance, false},
		3: {"REFUSED", widget.DangerImportance, true},
		4: {"UNKNOWN", widget.WarningImportance, true},
		5: {"DISCARDED", widget.LowImportance, false},
		6: {"RETRYING", widget.WarningImportance, false},
	}
	for seq, w := range wantStates {
		r := p.rows[seq]
		if r.state.Text != w.words || r.state.Importance != w.imp {
			t.Errorf("message %d: %q (%v), want %q (%v)", seq, r.state.Text, r.state.Importance, w.words, w.imp)
		}
		if r.retry.Disabled() == w.acts || r.discard.Disabled() == w.acts {
			t.Errorf("message %d: retry on %v, discard on %v, want %v", seq, !r.retry.Disabled(), !r.discard.Disabled(), w.acts)
		}
	}
	// Newest first: 6 (a minute ago), 2, 3, 4, 1, 5.
	var order []string
	for _, o := range p.list.Objects {
		if txt := labelTexts(o); txt != "" {
			i := strings.Index(txt, "Order ")
			order = append(order, txt[i+len("Order "):i+len("Order 10006")])
		}
	}
	if strings.Join(order, " ") != "10006 10002 10003 10004 10001 10005" {
		t.Errorf("log order %q", order)
	}
	held := p.rows[2]
	if !strings.Contains(held.detail.Text, "quiet hours: sent at 08:00 tomorrow") || !strings.Contains(held.detail.Text, "rule: Parcel at the service point") {
		t.Errorf("held detail %q", held.detail.Text)
	}
	if !strings.Contains(p.rows[1].detail.Text, "provider answered: 250 2.0.0 Ok: queued as 4F2A1") {
		t.Errorf("sent detail %q", p.rows[1].detail.Text)
	}
	if !strings.Contains(p.rows[3].detail.Text, "last error: gateway refused: invalid phone number") {
		t.Errorf("refused detail %q", p.rows[3].detail.Text)
	}
	if !strings.Contains(p.rows[4].action.Text, "May have arrived; not sent again by itself") {
		t.Errorf("unknown action %q", p.rows[4].action.Text)
	}
	if v.logTab.Text != "Log (2 to look at)" || p.summary.Importance != widget.DangerImportance {
		t.Errorf("tab %q, summary %q (%v)", v.logTab.Text, p.summary.Text, p.summary.Importance)
	}
	if !strings.Contains(p.summary.Text, "sent: 1") || !strings.Contains(p.summary.Text, "held for quiet hours: 1") {
		t.Errorf("summary %q", p.summary.Text)
	}

	// Retry the refused one: sent at once.
	test.Tap(p.rows[3].retry)
	loop.until(t, "retried", func() bool { return strings.HasPrefix(v.result.Text, "Sent:") })
	if v.result.Text != "Sent: SMS to +4670000000, order 10003." {
		t.Errorf("result %q", v.result.Text)
	}
	loop.until(t, "row sent", func() bool { return p.rows[3].state.Text == "SENT" })

	// Retry the unknown one: asked first, because it may have arrived.
	test.Tap(p.rows[4].retry)
	if p.retryConfirm == nil {
		t.Fatal("Retry of an unknown message asked nothing")
	}
	_, _, retries, _, _ := f.notifyCalls()
	if len(retries) != 1 {
		t.Fatalf("retried before the confirmation: %v", retries)
	}
	test.Tap(findButton(v.win.Canvas(), "Send again"))
	loop.until(t, "unknown retried", func() bool { return p.rows[4].state.Text == "SENT" })
	_, _, retries, _, _ = f.notifyCalls()
	if len(retries) != 2 || retries[0] != 3 || retries[1] != 4 {
		t.Errorf("RetryNotification calls %v, want [3 4]", retries)
	}
}

// Discard asks a reason and calls the station with the row's seq.
func TestNotificationDiscard(t *testing.T) {
	f := newFakeNotifier(notifyPage(time.Now()))
	v, _, _, loop := openNotifications(t, f)
	p := &v.log
	test.Tap(p.rows[4].discard)
	if p.discardForm == nil {
		t.Fatal("Discard asked nothing")
	}
	c := v.win.Canvas()
	confirm := findButton(c, "Discard message")
	if confirm == nil || !confirm.Disabled() {
		t.Fatalf("confirm button %v: want it shown and disabled without a reason", confirm)
	}
	p.discardReason.SetText("customer called, has the parcel")
	test.Tap(confirm)
	loop.until(t, "discarded", func() bool { return p.rows[4].state.Text == "DISCARDED" })
	_, _, _, discards, _ := f.notifyCalls()
	if len(discards) != 1 || discards[0] != (hookDiscard{4, "customer called, has the parcel"}) {
		t.Errorf("DiscardNotification calls %+v", discards)
	}
	if v.result.Text != "Discarded, not sent: SMS to +4798765432, order 10004." {
		t.Errorf("result %q", v.result.Text)
	}
	// Kept: no call.
	test.Tap(p.rows[3].discard)
	test.Tap(findButton(c, "Keep it"))
	loop.drain()
	if _, _, _, discards, _ := f.notifyCalls(); len(discards) != 1 {
		t.Errorf("Keep it discarded: %+v", discards)
	}
}

// Send now calls SyncNotifications and says what it did.
func TestNotificationSendNow(t *testing.T) {
	f := newFakeNotifier(notifyPage(time.Now()))
	v, _, _, loop := openNotifications(t, f)
	test.Tap(v.log.sendBtn)
	loop.until(t, "sent", func() bool { return strings.HasPrefix(v.result.Text, "Send now:") })
	if _, _, _, _, syncs := f.notifyCalls(); syncs != 1 {
		t.Errorf("SyncNotifications calls %d", syncs)
	}
	for _, want := range []string{"refused: 1", "messages still waiting: 2"} {
		if !strings.Contains(v.result.Text, want) {
			t.Errorf("result %q lacks %q", v.result.Text, want)
		}
	}
}

func TestHeldUntilWords(t *testing.T) {
	now := time.Date(2025, 11, 24, 22, 15, 0, 0, time.Local) // a Monday evening, in quiet hours
	e := station.NotificationEntry{State: "pending", NotBefore: time.Date(2025, 11, 25, 8, 0, 0, 0, time.Local)}
	if w, imp := notifyStateWords(e, now); w != "HELD UNTIL 08:00 TOMORROW" || imp != widget.WarningImportance {
		t.Errorf("held overnight: %q (%v)", w, imp)
	}
	early := time.Date(2025, 11, 25, 6, 30, 0, 0, time.Local)
	if w, _ := notifyStateWords(e, early); w != "HELD UNTIL 08:00" {
		t.Errorf("held this morning: %q", w)
	}
	if w, _ := notifyStateWords(e, time.Date(2025, 11, 22, 22, 0, 0, 0, time.Local)); w != "HELD UNTIL 08:00 TUE 25 NOV" {
		t.Errorf("held over days: %q", w)
	}
	// Due now, or tried before: not held.
	if w, _ := notifyStateWords(e, time.Date(2025, 11, 25, 8, 1, 0, 0, time.Local)); w != "WAITING" {
		t.Errorf("due: %q", w)
	}
	e.Attempts = 1
	if w, _ := notifyStateWords(e, now); w != "RETRYING" {
		t.Errorf("tried: %q", w)
	}
}

// Per day: newest first, with this week's SMS on top.
func TestNotificationTotals(t *testing.T) {
	now := time.Now()
	f := newFakeNotifier(notifyPage(now))
	v, _, _, _ := openNotifications(t, f)
	p := &v.days
	// notifyTotals: SMS back+1 on the day back days ago.
	monday := weekStart(now)
	week := 0
	for back := 0; back <= 13; back++ {
		if !dayDate(now.AddDate(0, 0, -back)).Before(monday) {
			week += back + 1
		}
	}
	if want := "SMS this week: " + strconv.Itoa(week); !strings.HasPrefix(p.cost.Text, want) {
		t.Errorf("cost line %q, want it to start %q", p.cost.Text, want)
	}
	if !strings.Contains(p.span.Text, "Sent in the last 14 days: SMS 105") {
		t.Errorf("span %q", p.span.Text)
	}
	cells := p.table.Objects
	if len(cells) != 5*15 {
		t.Fatalf("%d cells, want a header and 14 days of 5", len(cells))
	}
	first := cells[5].(*widget.Label).Text
	if !strings.HasSuffix(first, "(today)") || cells[7].(*widget.Label).Text != "1" || cells[8].(*widget.Label).Text != "1" {
		t.Errorf("first row %q, SMS %q, waiting %q", first, cells[7].(*widget.Label).Text, cells[8].(*widget.Label).Text)
	}
	yesterday := now.AddDate(0, 0, -1).Format("Mon 2 Jan")
	if got := cells[10].(*widget.Label).Text; got != yesterday || cells[14].(*widget.Label).Text != "1" ||
		cells[14].(*widget.Label).Importance != widget.DangerImportance {
		t.Errorf("second row %q, failed %q", got, cells[14].(*widget.Label).Text)
	}
}

// A page the station cannot give says so with its hint, and the page
// comes back when it can.
func TestNotificationsErrorShowsHint(t *testing.T) {
	f := newFakeNotifier(station.NotificationsPage{})
	f.pageErr = &station.Problem{Msg: "the notification setup cannot be read", Hint: "run labelstation notify check"}
	ps, w, loop := newTestScreen(t, f, QueueEvery(time.Hour))
	pressKey(w.Canvas(), fyne.KeyF6)
	v := ps.notifyView
	t.Cleanup(func() { closeNotifications(ps) })
	loop.until(t, "error", func() bool { return v.result.Importance == widget.DangerImportance })
	if !strings.Contains(v.result.Text, "The notifications cannot be read: the notification setup cannot be read") ||
		!strings.Contains(v.result.Text, "Run labelstation notify check") {
		t.Errorf("error %q", v.result.Text)
	}
	f.setNotify(func(f *fakeNotifier) { f.pageErr, f.page = nil, notifyPage(time.Now()) })
	v.refresh()
	loop.until(t, "page", func() bool { return v.hasPage && !v.result.Visible() && len(v.rules.rows) == 3 })
}

// A station with rules but nothing sent yet (the demo's first start)
// still fits the window: no line sets the width of a whole grid.
func TestNotificationsEmptyPageFits(t *testing.T) {
	f := newFakeNotifier(station.NotificationsPage{Rules: notifyRules(), Channels: []string{"email", "sms"}})
	v, _, _, _ := openNotifications(t, f)
	for _, it := range v.tabs.Items {
		if min := it.Content.MinSize(); min.Width > 1100 || min.Height > 600 {
			t.Errorf("tab %q needs %v", it.Text, min)
		}
	}
	if !v.days.none.Visible() || len(v.log.rows) != 0 {
		t.Errorf("empty page: days empty line shown %v, %d log rows", v.days.none.Visible(), len(v.log.rows))
	}
}

// Escape closes the window; F6 in it goes to the next tab.
func TestNotificationsKeys(t *testing.T) {
	f := newFakeNotifier(notifyPage(time.Now()))
	v, ps, _, _ := openNotifications(t, f)
	c := v.win.Canvas()
	pressKey(c, fyne.KeyF6)
	if v.tabs.Selected() != v.previewTab {
		t.Fatalf("F6 shows %q", v.tabs.Selected().Text)
	}
	focusedIs(t, v.win, v.preview.scan, "on the Preview tab")
	if v.preview.ruleID != "sp-arrived" || v.preview.pick.Selected != "Parcel at the service point" {
		t.Errorf("Preview tab opens on rule %q (%q), want the first", v.preview.ruleID, v.preview.pick.Selected)
	}
	pressKey(c, fyne.KeyF6)
	if v.tabs.Selected() != v.logTab || c.Focused() != nil {
		t.Fatalf("F6 shows %q, focus %T", v.tabs.Selected().Text, c.Focused())
	}
	typeKeys(c, "DEMO") // a scan with nothing focused goes to the Preview tab
	if v.tabs.Selected() != v.previewTab || v.preview.scan.Text != "DEMO" {
		t.Errorf("typing went to %q / %q", v.tabs.Selected().Text, v.preview.scan.Text)
	}
	pressKey(c, fyne.KeyEscape)
	if ps.notifyView != nil {
		t.Error("Escape left the window open")
	}
}

// TestNotificationsScreenshot renders the four tabs; with
// NOTIFY_SCREENSHOT=/path/name.png it writes name-rules.png,
// name-preview.png, name-log.png and name-days.png:
//
//	NOTIFY_SCREENSHOT=/tmp/notify.png go test ./app -run NotificationsScreenshot
func TestNotificationsScreenshot(t *testing.T) {
	f := newFakeNotifier(notifyPage(time.Now()))
	samplePreviews(f)
	v, _, _, loop := openNotifications(t, f)
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	c := v.win.Canvas()
	if min := c.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
		t.Errorf("notifications window needs %v, more than 1100×700", min)
	}
	out := os.Getenv("NOTIFY_SCREENSHOT")
	base := strings.TrimSuffix(out, ".png")
	shot := func(name string) {
		if out != "" {
			writePNG(t, base+"-"+name+".png", c)
		}
	}
	shot("rules")
	test.Tap(v.rules.rows["sp-arrived"].review)
	scanCode(c, "DEMO-1001")
	loop.until(t, "preview", func() bool { return len(v.preview.msgs) == 2 })
	shot("preview")
	if out != "" {
		v.win.Resize(fyne.NewSize(1100, 1150)) // the whole preview in one picture
		shot("preview-all")
		v.win.Resize(fyne.NewSize(1100, 700))
	}
	v.tabs.Select(v.logTab)
	shot("log")
	v.tabs.Select(v.daysTab)
	shot("days")
}

// notifyRowButtons are the buttons on the rows of the Rules and Log
// tabs: their keys act on the selected row.
func notifyRowButtons(v *notificationsView) []*widget.Button {
	var out []*widget.Button
	for _, r := range v.rules.rows {
		out = append(out, r.toggle, r.review)
	}
	for _, r := range v.log.rows {
		out = append(out, r.retry, r.discard)
	}
	return out
}

// notifyParts holds the window's parts with buttons: each tab's content
// (not the tabs: see queueParts).
func notifyParts(v *notificationsView) fyne.CanvasObject {
	var parts []fyne.CanvasObject
	for _, it := range v.tabs.Items {
		parts = append(parts, it.Content)
	}
	return container.NewWithoutLayout(parts...)
}

// Every action of the Notifications window has a key in its own
// Notifications menu: the buttons say theirs, and the row keys act on
// the selected row of the tab shown (on the Preview tab Ctrl+Up/Down
// pick the rule).
func TestNotificationsEveryActionHasAKey(t *testing.T) {
	f := newFakeNotifier(notifyPage(time.Now()))
	samplePreviews(f)
	v, ps, _, loop := openNotifications(t, f)
	w := v.win
	p := &v.preview
	test.Tap(v.rules.rows["sp-arrived"].review)
	scanCode(w.Canvas(), "DEMO-1001")
	loop.until(t, "preview", func() bool { return len(p.msgs) == 2 && p.enable.Visible() })
	v.tabs.Select(v.rulesTab)

	checkEveryButtonKeyed(t, notifyParts(v), v.keys, notifyRowButtons(v)...)
	if p.btn.Text != "Preview   Ctrl+P" || p.enable.Text != "Enable this rule   Ctrl+Shift+E" || v.log.sendBtn.Text != "Send now   Ctrl+S" {
		t.Errorf("buttons say %q, %q, %q", p.btn.Text, p.enable.Text, v.log.sendBtn.Text)
	}

	// Rules: Ctrl+Down selects the second rule, Ctrl+E switches it off,
	// Ctrl+O opens it on the Preview tab.
	typeShortcut(w, keyRowDown)
	if id, _ := v.rules.sel.selected(); id != "delivered" || v.rules.sel.rows[1].mark.Resource == nil {
		t.Fatalf("Ctrl+Down selected %q", id)
	}
	typeShortcut(w, notifyKeyToggle)
	loop.until(t, "disabled by key", func() bool {
		enables, _, _, _, _ := f.notifyCalls()
		return len(enables) == 1 && enables[0] == (enableCall{"delivered", false})
	})
	loop.drain()
	typeShortcut(w, notifyKeyOpenRule)
	if v.tabs.Selected() != v.previewTab || p.ruleID != "delivered" {
		t.Fatalf("Ctrl+O shows %q on rule %q", v.tabs.Selected().Text, p.ruleID)
	}
	loop.drain()
	typeShortcut(w, keyRowDown)
	if p.ruleID != "collection-missed" {
		t.Errorf("Ctrl+Down on the Preview tab picked %q", p.ruleID)
	}
	typeShortcut(w, keyRowUp)
	loop.drain()
	typeShortcut(w, notifyKeyPreview)
	loop.until(t, "previewed by key", func() bool {
		_, previews, _, _, _ := f.notifyCalls()
		n := len(previews)
		return n > 0 && previews[n-1] == (previewCall{"delivered", "DEMO-1001"}) && !p.busy
	})
	// Row keys act on their own tab only: Ctrl+R here retries nothing.
	typeShortcut(w, notifyKeyRetry)

	// Log: newest first (6, 2, 3, 4, 1, 5); Ctrl+Down twice selects the
	// refused one and Ctrl+R retries it; Ctrl+D discards the unknown one.
	typeShortcut(w, notifyKeyNextTab)
	if v.tabs.Selected() != v.logTab {
		t.Fatalf("Ctrl+T shows %q", v.tabs.Selected().Text)
	}
	typeShortcut(w, keyRowDown)
	typeShortcut(w, keyRowDown)
	typeShortcut(w, notifyKeyRetry)
	loop.until(t, "retried by key", func() bool {
		_, _, retries, _, _ := f.notifyCalls()
		return len(retries) == 1 && retries[0] == 3
	})
	loop.until(t, "row sent", func() bool { return v.log.rows[3].state.Text == "SENT" })
	typeShortcut(w, keyRowDown)
	typeShortcut(w, notifyKeyDiscard)
	if v.log.discardForm == nil {
		t.Fatal("Ctrl+D asked nothing")
	}
	v.log.discardReason.SetText("customer called")
	v.log.discardForm.Submit()
	loop.until(t, "discarded by key", func() bool {
		_, _, _, discards, _ := f.notifyCalls()
		return len(discards) == 1 && discards[0] == (hookDiscard{4, "customer called"})
	})
	typeShortcut(w, notifyKeySend)
	loop.until(t, "sent by key", func() bool {
		_, _, _, _, syncs := f.notifyCalls()
		return syncs == 1
	})
	loop.drain()
	typeShortcut(w, notifyKeyClose)
	if ps.notifyView != nil {
		t.Error("Ctrl+W left the window open")
	}
}

// Every trigger, and every channel, has its words in every language:
// the words shown are the catalogue's (notify.trigger.<id>,
// notify.channel.<id>).
func TestEveryNotifyWordListHasItsWords(t *testing.T) {
	t.Cleanup(func() { i18n.Use("en") })
	fill := strings.NewReplacer("{{.Days}}", "2", "{{.Codes}}", "A")
	for _, code := range []string{"en", "sv"} {
		if _, err := i18n.Use(code); err != nil {
			t.Fatal(err)
		}
		cat, err := i18n.Catalogue(code)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range notify.Triggers {
			want, ok := cat["notify.trigger."+string(tr)]
			if !ok {
				t.Errorf("%s: no words for the trigger %s", code, tr)
				continue
			}
			if got := triggerWords(station.NotificationRule{Trigger: tr, DaysLeft: 2, EventCodes: []string{"A"}}); got != fill.Replace(want) {
				t.Errorf("%s: trigger %s says %q, the catalogue %q", code, tr, got, want)
			}
		}
		for _, ch := range notifyChannels {
			want, ok := cat["notify.channel."+ch]
			if !ok || channelWord(ch) != want {
				t.Errorf("%s: channel %s says %q, the catalogue %q (%v)", code, ch, channelWord(ch), want, ok)
			}
		}
	}
}

// In Swedish the Notifications window says its rules, states, tabs,
// buttons, log and days in Swedish.
func TestNotificationsInSwedish(t *testing.T) {
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
	f := newFakeNotifier(notifyPage(time.Now()))
	v, _, _, _ := openNotifications(t, f)
	if v.win.Title() != "Aviseringar" || v.rulesTab.Text != "Regler (3)" || v.logTab.Text != "Logg (2 att titta på)" || v.daysTab.Text != "Per dag" {
		t.Errorf("window %q, tabs %q, %q, %q", v.win.Title(), v.rulesTab.Text, v.logTab.Text, v.daysTab.Text)
	}
	sp := v.rules.rows["sp-arrived"]
	if want := "När paketet finns att hämta på ombudet → e-post + SMS till mottagaren, mall sp-arrived; endast SE, NO; tyst 21:00–08:00"; sp.words.Text != want {
		t.Errorf("rule in words\n got %q\nwant %q", sp.words.Text, want)
	}
	if sp.state.Text != "AVSTÄNGD" || sp.toggle.Text != "Slå på" || sp.review.Text != "Förhandsgranska…" {
		t.Errorf("rule %q, buttons %q %q", sp.state.Text, sp.toggle.Text, sp.review.Text)
	}
	if c := v.rules.rows["collection-missed"]; !strings.Contains(c.words.Text, "SMS till personalen (lager@example.se, +46701234567)") ||
		!strings.Contains(c.words.Text, "endast ordrar taggade b2b") {
		t.Errorf("staff rule %q", c.words.Text)
	}
	if v.rules.rows["delivered"].state.Text != "PÅSLAGEN" {
		t.Errorf("enabled rule %q", v.rules.rows["delivered"].state.Text)
	}
	for seq, want := range map[uint64]string{1: "SKICKAT", 2: "VÄNTAR TILL 08:00 I MORGON", 3: "AVVISAT", 4: "OKÄNT", 5: "KASTAT", 6: "FÖRSÖKER IGEN"} {
		if got := v.log.rows[seq].state.Text; got != want {
			t.Errorf("message %d: %q, want %q", seq, got, want)
		}
	}
	if d := v.log.rows[2].detail.Text; !strings.Contains(d, "regel: Parcel at the service point") || !strings.Contains(d, "tysta timmar: skickas 08:00 i morgon") {
		t.Errorf("held detail %q", d)
	}
	if !strings.HasPrefix(v.log.rows[4].action.Text, "Kan ha kommit fram; skickas inte igen av sig själv.") {
		t.Errorf("unknown action %q", v.log.rows[4].action.Text)
	}
	if v.log.sendBtn.Text != "Skicka nu   Ctrl+S" || v.preview.btn.Text != "Förhandsgranska   Ctrl+P" {
		t.Errorf("buttons %q, %q", v.log.sendBtn.Text, v.preview.btn.Text)
	}
	if !strings.HasPrefix(v.days.cost.Text, "SMS denna vecka: ") || v.days.table.Objects[0].(*widget.Label).Text != "Dag" {
		t.Errorf("days %q, %q", v.days.cost.Text, v.days.table.Objects[0].(*widget.Label).Text)
	}
	e := station.NotificationEntry{State: "pending", NotBefore: time.Date(2025, 11, 25, 8, 0, 0, 0, time.Local)}
	if w, _ := notifyStateWords(e, time.Date(2025, 11, 22, 22, 0, 0, 0, time.Local)); w != "VÄNTAR TILL 08:00 TIS 25 NOV" {
		t.Errorf("held over days: %q", w)
	}
	if s := countSMS("Hej!").String(); s != "tecken: 4 · 1 SMS (GSM-7, upp till 160 tecken)" {
		t.Errorf("SMS count %q", s)
	}
}

// Every action the station says about a message has its words.
func TestNotificationActionsAreInTheCatalogue(t *testing.T) {
	en, err := i18n.Catalogue("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range station.NotificationActionIDs {
		if _, ok := en[id]; !ok {
			t.Errorf("%s is not in the English catalogue", id)
		}
	}
}
