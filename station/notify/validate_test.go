package notify

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestSaveTemplateRefusesUnknownField(t *testing.T) {
	v := newEnv(t, nil)
	tm := theTemplate("t1")
	sv := tm.Texts["sv"]
	sv.Body = "Hej {frist_name}!\n\nDin order {order_ref}."
	tm.Texts["sv"] = sv
	err := v.e.SaveTemplate(tm)
	if err == nil {
		t.Fatal("a template with an unknown field was saved")
	}
	for _, want := range []string{`template "t1": sv text, body: unknown field {frist_name} (did you mean {first_name}?)`,
		"the fields are first_name, name, shop, order_ref, tracking_number, tracking_link, carrier, service, service_point, eta, days_left, pickup_by, status, event, return_tracking_number, return_reason"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if s := v.e.Setup(); len(s.Templates) != 0 {
		t.Errorf("saved anyway: %+v", s.Templates)
	}
	// Fixed, it is saved, and survives a new engine on the same store.
	sv.Body = "Hej {first_name}!"
	tm.Texts["sv"] = sv
	if err := v.e.SaveTemplate(tm); err != nil {
		t.Fatal(err)
	}
	e2, err := New(v.st, Config{Location: stockholm})
	if err != nil {
		t.Fatal(err)
	}
	if s := e2.Setup(); len(s.Templates) != 1 || s.Templates[0].Texts["sv"].Body != "Hej {first_name}!" {
		t.Errorf("reloaded: %+v", s.Templates)
	}
}

func TestTemplateChecks(t *testing.T) {
	v := newEnv(t, nil)
	for _, c := range []struct {
		name string
		tm   Template
		want string
	}{
		{"no en", Template{Name: "x", Texts: map[string]Text{"sv": {SMS: "Hej"}}}, "an en (English) text is required"},
		{"no name", Template{Texts: map[string]Text{"en": {SMS: "Hi"}}}, "a template needs a name"},
		{"subject only", Template{Name: "x", Texts: map[string]Text{"en": {Subject: "Hi"}}}, "en text has a subject but no body"},
		{"body only", Template{Name: "x", Texts: map[string]Text{"en": {Body: "Hi"}}}, "en text has a body but no subject"},
		{"language", Template{Name: "x", Texts: map[string]Text{"en": {SMS: "Hi"}, "de": {SMS: "Hallo"}}}, `text language "de" is not one of sv, da, nb, fi, en`},
		{"long sms", Template{Name: "x", Texts: map[string]Text{"en": {SMS: strings.Repeat("x", 481)}}}, "the SMS is 481 characters, more than 480"},
		{"syntax", Template{Name: "x", Texts: map[string]Text{"en": {SMS: "Hi {first_name"}}}, "en text, sms: column 4: { is not closed"},
		{"empty", Template{Name: "x", Texts: map[string]Text{"en": {}}}, "en text is empty"},
	} {
		err := v.e.SaveTemplate(c.tm)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if err := v.e.SaveTemplate(Template{Name: "x", Texts: map[string]Text{"en": {SMS: strings.Repeat("x", 480)}}}); err != nil {
		t.Errorf("480 characters: %v", err)
	}
	// Language keys are read loosely: "no" is nb.
	if err := v.e.SaveTemplate(Template{Name: "y", Texts: map[string]Text{"en": {SMS: "Hi"}, "no": {SMS: "Hei"}}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.e.Setup().Templates[1].Texts["nb"]; !ok {
		t.Errorf("no nb text: %+v", v.e.Setup().Templates[1])
	}
}

func TestNewRuleIsDisabledAndEditKeepsEnabled(t *testing.T) {
	v := newEnv(t, nil)
	v.setup()
	r, err := v.e.SaveRule(Rule{ID: "r1", Trigger: TriggerDelivered, Channel: "EMAIL", Template: "all", Recipients: []Recipient{{Kind: "Receiver"}}, Enabled: true, Countries: []string{"se", " no "}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Enabled || r.Created.IsZero() || r.Channel != "email" || r.Name != "r1" || strings.Join(r.Countries, ",") != "SE,NO" {
		t.Fatalf("saved %+v", r)
	}
	if r, err = v.e.EnableRule("r1", true); err != nil || !r.Enabled || !r.EnabledAt.Equal(day0) {
		t.Fatalf("enable: %+v %v", r, err)
	}
	v.clock.Add(time.Hour)
	r.Name, r.Enabled = "Renamed", false // an edit cannot switch it off either
	if r, err = v.e.SaveRule(r); err != nil || !r.Enabled || r.Name != "Renamed" || !r.EnabledAt.Equal(day0) || !r.Updated.Equal(day0.Add(time.Hour)) {
		t.Fatalf("edit: %+v %v", r, err)
	}
	if r, err = v.e.EnableRule("r1", false); err != nil || r.Enabled {
		t.Fatalf("disable: %+v %v", r, err)
	}
	if _, err := v.e.EnableRule("nope", true); err == nil {
		t.Error("enabled an unknown rule")
	}
	if err := v.e.DeleteRule("r1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.e.Rule("r1"); ok {
		t.Error("deleted rule still there")
	}
	if err := v.e.DeleteRule("r1"); err == nil {
		t.Error("deleted twice")
	}
}

func TestEnablingChecksChannels(t *testing.T) {
	v := newEnv(t, func(c *Config) { c.Channels = []string{"email"} })
	v.setup()
	sms := enRule("sms-rule", TriggerDelivered)
	sms.Channel = ChannelSMS
	if _, err := v.e.SaveRule(sms); err != nil {
		t.Fatalf("a disabled SMS rule may be saved: %v", err)
	}
	_, err := v.e.EnableRule("sms-rule", true)
	if err == nil || !strings.Contains(err.Error(), `rule "sms-rule": sends sms, but the station has no SMS (a gateway) configured`) {
		t.Fatalf("enable: %v", err)
	}
	if r, _ := v.e.Rule("sms-rule"); r.Enabled {
		t.Error("enabled anyway")
	}
	mail := enRule("mail-rule", TriggerDelivered)
	mail.Channel = ChannelEmail
	if _, err := v.e.SaveRule(mail); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.EnableRule("mail-rule", true); err != nil {
		t.Fatal(err)
	}
	// An enabled rule cannot be edited onto a channel the station lacks.
	mail.Channel = ChannelBoth
	if _, err := v.e.SaveRule(mail); err == nil || !strings.Contains(err.Error(), "sends sms") {
		t.Errorf("edit to both: %v", err)
	}
	// An active window that is over.
	old := enRule("old", TriggerDelivered)
	old.Channel, old.ActiveFrom, old.ActiveUntil = ChannelEmail, "2025-12-01", "2025-12-24"
	if _, err := v.e.SaveRule(old); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.EnableRule("old", true); err == nil || !strings.Contains(err.Error(), "its active window ended on 2025-12-24") {
		t.Errorf("enable an old rule: %v", err)
	}
}

func TestRuleChecks(t *testing.T) {
	v := newEnv(t, nil)
	v.setup()
	if err := v.e.SaveTemplate(Template{Name: "mail-only", Texts: map[string]Text{"en": {Subject: "S", Body: "B"}}}); err != nil {
		t.Fatal(err)
	}
	base := func() Rule { return enRule("r", TriggerDelivered) }
	for _, c := range []struct {
		name string
		mod  func(*Rule)
		want string
	}{
		{"id", func(r *Rule) { r.ID = "bad id!" }, `id "bad id!": use letters, digits, - and _`},
		{"trigger", func(r *Rule) { r.Trigger = "shipped" }, `trigger "shipped" is not known; the triggers are booked, first_transport`},
		{"days_left missing", func(r *Rule) { r.Trigger = TriggerServicePointDaysLeft }, "days_left must be 1–13"},
		{"days_left ≥ hold", func(r *Rule) { r.Trigger, r.DaysLeft = TriggerServicePointDaysLeft, 7 }, "a service point keeps a parcel 7 days, so it must be less than 7"},
		{"days_left elsewhere", func(r *Rule) { r.DaysLeft = 2 }, "days_left applies to the service_point_days_left trigger only"},
		{"codes missing", func(r *Rule) { r.Trigger = TriggerEventCode }, "the event_code trigger needs event_codes"},
		{"codes elsewhere", func(r *Rule) { r.EventCodes = []string{"X"} }, "event_codes apply to the event_code trigger only"},
		{"country", func(r *Rule) { r.Countries = []string{"SWE"} }, `country "SWE": use two-letter codes`},
		{"channel", func(r *Rule) { r.Channel = "fax" }, `channel "fax": use email, sms or both`},
		{"no recipients", func(r *Rule) { r.Recipients = nil }, "no recipients"},
		{"receiver address", func(r *Rule) { r.Recipients = []Recipient{{Kind: "receiver", Email: "a@b.se"}} }, `for a fixed address write kind = "staff"`},
		{"staff empty", func(r *Rule) { r.Recipients = []Recipient{{Kind: "staff"}} }, "recipient 1 (staff): give an email or a phone"},
		{"staff email", func(r *Rule) { r.Recipients = []Recipient{{Kind: "staff", Email: "ops at shop"}} }, `"ops at shop" is not an e-mail address`},
		{"staff phone", func(r *Rule) { r.Recipients = []Recipient{{Kind: "staff", Phone: "0701234567"}} }, "write it in international form"},
		{"staff unreachable", func(r *Rule) {
			r.Channel = ChannelSMS
			r.Recipients = []Recipient{{Kind: "staff", Email: "ops@shop.se"}}
		}, "recipient 1 (staff): has no phone for a rule that sends sms"},
		{"staff language", func(r *Rule) { r.Recipients = []Recipient{{Kind: "staff", Email: "ops@shop.se", Language: "de"}} }, `language "de" is not one of`},
		{"kind", func(r *Rule) { r.Recipients = []Recipient{{Kind: "everyone"}} }, `kind "everyone"`},
		{"template", func(r *Rule) { r.Template = "nope" }, `template "nope" does not exist`},
		{"template sms", func(r *Rule) { r.Template = "mail-only" }, `sends SMS, but template "mail-only" has no en SMS text`},
		{"dates", func(r *Rule) { r.ActiveFrom = "24/12" }, `active_from "24/12": write a date like`},
		{"date order", func(r *Rule) { r.ActiveFrom, r.ActiveUntil = "2026-12-24", "2026-12-01" }, "active_until 2026-12-01 is before active_from 2026-12-24"},
	} {
		r := base()
		c.mod(&r)
		_, err := v.e.SaveRule(r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// The id is unique, without regard to case.
	if _, err := v.e.SaveRule(base()); err != nil {
		t.Fatal(err)
	}
	dup := base()
	dup.ID = "R"
	if _, err := v.e.SaveRule(dup); err == nil || !strings.Contains(err.Error(), "the id is used by rule #1 too") {
		t.Errorf("duplicate id: %v", err)
	}
}

// A template edit that takes away what a rule sends is refused, naming
// the rule; deleting a template in use too.
func TestTemplateEditChecksItsRules(t *testing.T) {
	v := newEnv(t, nil)
	v.setup(enRule("both", TriggerDelivered))
	tm := theTemplate("all")
	en := tm.Texts["en"]
	en.SMS = ""
	tm.Texts["en"] = en
	err := v.e.SaveTemplate(tm)
	if err == nil || !strings.Contains(err.Error(), `rule "both": sends SMS, but template "all" has no en SMS text`) {
		t.Fatalf("edit: %v", err)
	}
	if err := v.e.DeleteTemplate("all"); err == nil || !strings.Contains(err.Error(), "used by rule both") {
		t.Errorf("delete in use: %v", err)
	}
}

func TestParseSetupExampleAndImport(t *testing.T) {
	f, err := os.Open("testdata/example-setup.toml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ParseSetup(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Templates) != 4 || len(s.Rules) != 4 || s.Rules[1].DaysLeft != 2 || s.Rules[3].Recipients[0].Email != "kundtjanst@example.se" {
		t.Fatalf("parsed %+v", s)
	}
	if !strings.HasPrefix(s.Templates[0].Texts["sv"].Body, "Hej {first_name}!\n\nDin order") {
		t.Errorf("sv body: %q", s.Templates[0].Texts["sv"].Body)
	}
	v := newEnv(t, nil)
	if err := v.e.Import(s); err != nil {
		t.Fatal(err)
	}
	for _, r := range v.e.Setup().Rules {
		if r.Enabled {
			t.Errorf("imported rule %s is enabled", r.ID)
		}
	}
	if _, err := v.e.EnableRule("first-transport", true); err != nil {
		t.Fatal(err)
	}
	// Import again, with a new rule and one gone: the enabled rule stays
	// enabled, the new one comes in disabled even if the file says
	// enabled.
	s.Rules = s.Rules[:3]
	s.Rules[0].Name = "Edited"
	s.Rules[2].Enabled = true
	s.Rules = append(s.Rules, Rule{ID: "new", Trigger: TriggerBooked, Channel: "email", Template: "thanks", Recipients: []Recipient{{Kind: "receiver"}}, Enabled: true})
	if err := v.e.Import(s); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range v.e.Setup().Rules {
		got[r.ID] = r.Enabled
	}
	want := map[string]bool{"first-transport": true, "pickup-2-days": false, "christmas-thanks": false, "new": false}
	if len(got) != len(want) {
		t.Errorf("rules %v", got)
	}
	for id, on := range want {
		if g, ok := got[id]; !ok || g != on {
			t.Errorf("rule %s: enabled %v (present %v), want %v", id, g, ok, on)
		}
	}
	if r, _ := v.e.Rule("first-transport"); r.Name != "Edited" {
		t.Errorf("not replaced: %+v", r)
	}
	// Checked as a whole: one bad rule and nothing changes.
	bad := v.e.Setup()
	bad.Rules = append(bad.Rules, Rule{ID: "broken", Trigger: TriggerBooked, Channel: "email", Template: "missing", Recipients: []Recipient{{Kind: "receiver"}}})
	bad.Templates = bad.Templates[:1]
	if err := v.e.Import(bad); err == nil || !strings.Contains(err.Error(), `rule "broken": template "missing" does not exist`) {
		t.Errorf("bad import: %v", err)
	}
	if len(v.e.Setup().Templates) != 4 {
		t.Error("a refused import changed the setup")
	}
}

func TestParseSetupNamesLines(t *testing.T) {
	src := `# a setup
[[templates]]
name = "ok"
[templates.texts.en]
sms = "Hi {first_name}"

[[templates]]
name = "typo"
[templates.texts.en]
sms = "Hi {first_name}"
[templates.texts.sv]
sms = "Hej {frist_name}"

[[rules]]
id = "r1"
trigger = "delivered"
channel = "sms"
template = "ok"
recipients = [{ kind = "receiver" }]

[[rules]]
id = "r2"
trigger = "deliverd"
channel = "sms"
template = "ok"
recipients = [{ kind = "receiver" }]
quiet_hours = "late"
`
	_, err := ParseSetup(strings.NewReader(src))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`line 11: template "typo": sv text, sms: unknown field {frist_name} (did you mean {first_name}?)`,
		`line 21: rule "r2": trigger "deliverd" is not known`,
		`line 21: rule "r2": quiet hours "late"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), `"r1"`) || strings.Contains(err.Error(), `"ok"`) {
		t.Errorf("names a good part:\n%v", err)
	}

	_, err = ParseSetup(strings.NewReader("[[rules]]\nid = \"r\"\ntriger = \"delivered\"\n"))
	if err == nil || !strings.Contains(err.Error(), "unknown key rules.triger (line 3)") {
		t.Errorf("unknown key: %v", err)
	}
	_, err = ParseSetup(strings.NewReader("[[templates]]\nname = \"x\"\n\n[templates.texts.en]\nsms = \"unclosed\n"))
	if err == nil || !strings.Contains(err.Error(), "notification setup line 5") {
		t.Errorf("syntax: %v", err)
	}
}

// Another engine (or process) saves; Reload sees it.
func TestReload(t *testing.T) {
	v := newEnv(t, nil)
	other, err := New(v.st, Config{Location: stockholm, Channels: []string{"email", "sms"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.SaveTemplate(theTemplate("all")); err != nil {
		t.Fatal(err)
	}
	if len(v.e.Setup().Templates) != 0 {
		t.Fatal("seen before Reload")
	}
	if err := v.e.Reload(); err != nil {
		t.Fatal(err)
	}
	if len(v.e.Setup().Templates) != 1 {
		t.Error("not seen after Reload")
	}
	// A save starts from what is stored, not from a stale copy.
	if _, err := v.e.SaveRule(enRule("r", TriggerBooked)); err != nil {
		t.Fatal(err)
	}
	if err := other.Reload(); err != nil {
		t.Fatal(err)
	}
	if s := other.Setup(); len(s.Templates) != 1 || len(s.Rules) != 1 {
		t.Errorf("other sees %+v", s)
	}
}
