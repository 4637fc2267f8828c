package notify

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// problem is one thing wrong with a setup, located well enough to name
// it: a template (by name) or a rule (by id), and the position in the
// Setup's list so a parsed file can give its line.
type problem struct {
	kind  string // "template" or "rule"
	index int    // in Setup.Templates or Setup.Rules; -1: not known
	name  string // template name or rule id
	lang  string // a template text's language, when it is about one
	msg   string
}

// maxProblems bounds how many problems one error lists.
const maxProblems = 20

// problemsError joins problems into one error, each on its own line:
// `template "delivered": sv text, body: unknown field {frist_name} …`,
// prefixed with the file's line when lines knows it.
func problemsError(ps []problem, lines *setupLines) error {
	if len(ps) == 0 {
		return nil
	}
	var errs []error
	for i, p := range ps {
		if i == maxProblems {
			errs = append(errs, fmt.Errorf("… and %d more problems", len(ps)-maxProblems))
			break
		}
		prefix := ""
		if l := lines.line(p); l > 0 {
			prefix = fmt.Sprintf("line %d: ", l)
		}
		who := ""
		switch {
		case p.kind != "" && p.name != "":
			who = fmt.Sprintf("%s %q: ", p.kind, p.name)
		case p.kind != "" && p.index >= 0:
			who = fmt.Sprintf("%s #%d: ", p.kind, p.index+1)
		}
		errs = append(errs, errors.New(prefix+who+p.msg))
	}
	return errors.Join(errs...)
}

// ---- normalising ----

// normalizeRule trims and cases a rule's words the way they are kept:
// trigger, channel, kinds and carriers lower-case, countries upper-case,
// languages as Languages; Name defaults to the id.
func normalizeRule(r Rule) Rule {
	r.ID = strings.TrimSpace(r.ID)
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		r.Name = r.ID
	}
	r.Trigger = Trigger(strings.ToLower(strings.TrimSpace(string(r.Trigger))))
	r.Channel = strings.ToLower(strings.TrimSpace(r.Channel))
	r.Template = strings.TrimSpace(r.Template)
	r.ActiveFrom, r.ActiveUntil = strings.TrimSpace(r.ActiveFrom), strings.TrimSpace(r.ActiveUntil)
	r.QuietHours = strings.TrimSpace(r.QuietHours)
	r.EventCodes = cleanList(r.EventCodes, strings.ToUpper)
	r.Countries = cleanList(r.Countries, strings.ToUpper)
	r.Services = cleanList(r.Services, nil)
	r.Carriers = cleanList(r.Carriers, strings.ToLower)
	r.Tags = cleanList(r.Tags, nil)
	rs := make([]Recipient, 0, len(r.Recipients))
	for _, rc := range r.Recipients {
		rc.Kind = strings.ToLower(strings.TrimSpace(rc.Kind))
		rc.Email = strings.TrimSpace(rc.Email)
		rc.Phone = strings.Join(strings.Fields(rc.Phone), "")
		if l := strings.TrimSpace(rc.Language); l != "" {
			if n := normLanguage(l); n != "" {
				rc.Language = n
			} else {
				rc.Language = l // refused by checkRule
			}
		}
		rs = append(rs, rc)
	}
	r.Recipients = rs
	return r
}

// cleanList trims, cases (when cs is given), drops empty and repeated
// entries.
func cleanList(in []string, cs func(string) string) []string {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if cs != nil {
			s = cs(s)
		}
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func normalizeTemplate(t Template) Template {
	t.Name = strings.TrimSpace(t.Name)
	texts := make(map[string]Text, len(t.Texts))
	for l, tx := range t.Texts {
		k := strings.TrimSpace(l)
		if n := normLanguage(k); n != "" {
			k = n
		}
		tx.Subject = strings.TrimSpace(tx.Subject)
		tx.Body = strings.Trim(strings.ReplaceAll(tx.Body, "\r\n", "\n"), "\n")
		tx.SMS = strings.TrimSpace(tx.SMS)
		texts[k] = tx
	}
	t.Texts = texts
	return t
}

// ---- templates ----

// checkTemplate returns what is wrong with t on its own (its name, its
// languages, its texts' fields and lengths) and the parsed template.
func checkTemplate(t Template) (*compiledTemplate, []problem) {
	var ps []problem
	add := func(lang, f string, a ...any) { ps = append(ps, problem{lang: lang, msg: fmt.Sprintf(f, a...)}) }
	switch {
	case t.Name == "":
		add("", "a template needs a name")
	case utf8.RuneCountInString(t.Name) > 64 || strings.ContainsAny(t.Name, "\n\r\t"):
		add("", "the name must be one line of at most 64 characters")
	}
	if _, ok := t.Texts["en"]; !ok {
		add("", "an en (English) text is required: it is used for every receiver whose language the template lacks")
	}
	langs := make([]string, 0, len(t.Texts))
	for l := range t.Texts {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		tx := t.Texts[l]
		if !knownLanguage(l) {
			add(l, "text language %q is not one of %s", l, strings.Join(Languages, ", "))
			continue
		}
		switch {
		case tx.Subject == "" && tx.Body == "" && tx.SMS == "":
			add(l, "%s text is empty", l)
		case tx.Subject != "" && tx.Body == "":
			add(l, "%s text has a subject but no body: an e-mail needs both", l)
		case tx.Subject == "" && tx.Body != "":
			add(l, "%s text has a body but no subject: an e-mail needs both", l)
		}
		if strings.ContainsAny(tx.Subject, "\r\n") {
			add(l, "%s text: the subject must be one line", l)
		}
		if n := utf8.RuneCountInString(tx.SMS); n > MaxSMSTemplate {
			add(l, "%s text: the SMS is %d characters, more than %d (about three SMS): shorten it", l, n, MaxSMSTemplate)
		}
	}
	ct, cps := compileTemplate(t)
	ps = append(ps, cps...)
	return ct, ps
}

// ---- rules ----

// ruleIDOK: letters, digits, - and _, at most 64.
func ruleIDOK(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func knownTrigger(t Trigger) bool { return slices.Contains(Triggers, t) }

// ruleChannels are the channels a rule sends on.
func ruleChannels(channel string) []string {
	switch channel {
	case ChannelEmail:
		return []string{ChannelEmail}
	case ChannelSMS:
		return []string{ChannelSMS}
	case ChannelBoth:
		return []string{ChannelEmail, ChannelSMS}
	}
	return nil
}

const dateLayout = "2006-01-02"

// checkRule returns what is wrong with r given the templates (by name)
// and the service points' hold (days; 0: not checked).
func checkRule(r Rule, tmpls map[string]*compiledTemplate, holdDays int) []problem {
	var ps []problem
	add := func(f string, a ...any) { ps = append(ps, problem{msg: fmt.Sprintf(f, a...)}) }
	if !ruleIDOK(r.ID) {
		add("id %q: use letters, digits, - and _ (at most 64); messages are named by it, so keep it for good", r.ID)
	}
	if !knownTrigger(r.Trigger) {
		names := make([]string, len(Triggers))
		for i, t := range Triggers {
			names[i] = string(t)
		}
		add("trigger %q is not known; the triggers are %s", r.Trigger, strings.Join(names, ", "))
	}
	if r.Trigger == TriggerServicePointDaysLeft {
		switch {
		case r.DaysLeft < 1 || r.DaysLeft > 13:
			add("days_left must be 1–13 (days left of the service point's hold when the message goes out)")
		case holdDays > 0 && r.DaysLeft >= holdDays:
			add("days_left %d: a service point keeps a parcel %d days, so it must be less than %d", r.DaysLeft, holdDays, holdDays)
		}
	} else if r.DaysLeft != 0 {
		add("days_left applies to the %s trigger only", TriggerServicePointDaysLeft)
	}
	if r.Trigger == TriggerEventCode {
		if len(r.EventCodes) == 0 {
			add("the %s trigger needs event_codes: the carrier's codes, e.g. [\"DELIVERY_IMPOSSIBLE\"]", TriggerEventCode)
		}
	} else if len(r.EventCodes) > 0 {
		add("event_codes apply to the %s trigger only", TriggerEventCode)
	}
	for _, c := range r.EventCodes {
		if strings.ContainsAny(c, " \t,") {
			add("event code %q: one code per entry, without spaces", c)
		}
	}
	for _, c := range r.Countries {
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			add("country %q: use two-letter codes (SE, NO, DK, FI …)", c)
		}
	}
	chans := ruleChannels(r.Channel)
	if chans == nil {
		add("channel %q: use %s, %s or %s", r.Channel, ChannelEmail, ChannelSMS, ChannelBoth)
	}
	if len(r.Recipients) == 0 {
		add("no recipients: add {kind = \"receiver\"} and/or {kind = \"staff\", email = \"…\"}")
	}
	for i, rc := range r.Recipients {
		n := fmt.Sprintf("recipient %d", i+1)
		switch rc.Kind {
		case RecipientReceiver:
			if rc.Email != "" || rc.Phone != "" || rc.Language != "" {
				add("%s: a receiver is written to at the order's own e-mail and phone in their language; for a fixed address write kind = \"staff\"", n)
			}
		case RecipientStaff:
			if rc.Email == "" && rc.Phone == "" {
				add("%s (staff): give an email or a phone", n)
			}
			if rc.Email != "" && !emailOK(rc.Email) {
				add("%s (staff): %q is not an e-mail address", n, rc.Email)
			}
			if rc.Phone != "" && !e164OK(rc.Phone) {
				add("%s (staff): phone %q: write it in international form, e.g. +46701234567", n, rc.Phone)
			}
			if rc.Language != "" && !knownLanguage(rc.Language) {
				add("%s (staff): language %q is not one of %s", n, rc.Language, strings.Join(Languages, ", "))
			}
			if chans != nil && (rc.Email != "" || rc.Phone != "") && !staffReachable(rc, chans) {
				add("%s (staff): has no %s for a rule that sends %s", n, map[bool]string{true: "phone", false: "e-mail address"}[r.Channel == ChannelSMS], r.Channel)
			}
		default:
			add("%s: kind %q: use %q or %q", n, rc.Kind, RecipientReceiver, RecipientStaff)
		}
	}
	if r.Template == "" {
		add("no template")
	} else if ct, ok := tmpls[r.Template]; !ok {
		add("template %q does not exist", r.Template)
	} else {
		en := ct.Texts["en"]
		for _, ch := range chans {
			switch {
			case ch == ChannelEmail && (en.Subject == "" || en.Body == ""):
				add("sends e-mail, but template %q has no en subject and body", r.Template)
			case ch == ChannelSMS && en.SMS == "":
				add("sends SMS, but template %q has no en SMS text", r.Template)
			}
		}
	}
	from, errFrom := parseDay(r.ActiveFrom)
	until, errUntil := parseDay(r.ActiveUntil)
	if errFrom != nil {
		add("active_from %q: write a date like 2026-11-24", r.ActiveFrom)
	}
	if errUntil != nil {
		add("active_until %q: write a date like 2026-12-24", r.ActiveUntil)
	}
	if errFrom == nil && errUntil == nil && !from.IsZero() && !until.IsZero() && until.Before(from) {
		add("active_until %s is before active_from %s", r.ActiveUntil, r.ActiveFrom)
	}
	if r.QuietHours != "" {
		if _, err := parseQuiet(r.QuietHours); err != nil {
			add("%v", err)
		}
	}
	return ps
}

// enableProblems is what keeps an otherwise valid rule from being
// enabled: a channel the station cannot send on, an active window that
// is over.
func enableProblems(r Rule, channels []string, today string) []problem {
	var ps []problem
	for _, ch := range ruleChannels(r.Channel) {
		if !slices.Contains(channels, ch) {
			what := map[string]string{ChannelEmail: "e-mail (SMTP)", ChannelSMS: "SMS (a gateway)"}[ch]
			ps = append(ps, problem{msg: fmt.Sprintf("sends %s, but the station has no %s configured", ch, what)})
		}
	}
	if r.ActiveUntil != "" && r.ActiveUntil < today {
		ps = append(ps, problem{msg: fmt.Sprintf("its active window ended on %s", r.ActiveUntil)})
	}
	return ps
}

func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(dateLayout, s)
}

func staffReachable(rc Recipient, chans []string) bool {
	for _, ch := range chans {
		if ch == ChannelEmail && rc.Email != "" || ch == ChannelSMS && rc.Phone != "" {
			return true
		}
	}
	return false
}

func emailOK(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && !strings.ContainsAny(s, " <>")
}

// e164OK: + and 7–15 digits, the first not 0.
func e164OK(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ---- a whole setup ----

// checked is a validated (or at least compiled) setup.
type checked struct {
	setup     Setup
	templates map[string]*compiledTemplate
}

// scope limits which problems validateSetup reports: nil reports all.
type scope struct {
	templates map[string]bool
	rules     map[string]bool
}

func (s *scope) wantsTemplate(name string) bool { return s == nil || s.templates[name] }
func (s *scope) wantsRule(r Rule) bool {
	return s == nil || s.rules[r.ID] || s.templates[r.Template]
}

// validateSetup checks every template and rule of s (names unique,
// templates and rules valid, enabled rules enableable when channels is
// not nil). holdDays 0 skips the days_left-against-hold check. Only the
// problems in sc are reported (nil: all).
func validateSetup(s Setup, holdDays int, channels []string, today string, sc *scope) (checked, []problem) {
	c := checked{setup: s, templates: map[string]*compiledTemplate{}}
	var ps []problem
	seenT := map[string]int{}
	for i, t := range s.Templates {
		ct, tps := checkTemplate(t)
		if j, dup := seenT[t.Name]; dup && t.Name != "" {
			tps = append(tps, problem{msg: fmt.Sprintf("the name is used by template #%d too", j+1)})
		}
		seenT[t.Name] = i
		c.templates[t.Name] = ct
		if sc.wantsTemplate(t.Name) {
			for _, p := range tps {
				p.kind, p.index, p.name = "template", i, t.Name
				ps = append(ps, p)
			}
		}
	}
	seenR := map[string]int{}
	for i, r := range s.Rules {
		rps := checkRule(r, c.templates, holdDays)
		key := strings.ToLower(r.ID)
		if j, dup := seenR[key]; dup && r.ID != "" {
			rps = append(rps, problem{msg: fmt.Sprintf("the id is used by rule #%d too", j+1)})
		}
		seenR[key] = i
		// An enabled rule is checked for enabling when it is what changes
		// (saved, enabled, imported), not when a template it uses does.
		if r.Enabled && channels != nil && (sc == nil || sc.rules[r.ID]) {
			rps = append(rps, enableProblems(r, channels, today)...)
		}
		if sc.wantsRule(r) {
			for _, p := range rps {
				p.kind, p.index, p.name = "rule", i, r.ID
				ps = append(ps, p)
			}
		}
	}
	return c, ps
}
