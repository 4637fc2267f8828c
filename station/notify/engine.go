package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// SettingName is the store setting that holds the Setup.
const SettingName = "notify"

// DefaultHoldDays is how many days a PostNord service point keeps a
// parcel.
const DefaultHoldDays = 7

// DefaultStaleAfter is how old a fact may be and still make a message.
const DefaultStaleAfter = 72 * time.Hour

// DefaultTrackingURLs are the carriers' tracking pages by registry name.
var DefaultTrackingURLs = map[string]string{
	"postnord": "https://tracking.postnord.com/se/?id={tracking_number}",
}

// Config is what the station tells the engine.
type Config struct {
	// ShopName signs the messages ({shop}, the e-mail's footer).
	ShopName string
	// Logo is a PNG shown on top of HTML e-mail, as cid:logo (the e-mail
	// channel attaches it); nil: no logo.
	Logo []byte
	// TrackingURLs are tracking pages by carrier registry name, with
	// {tracking_number} where the number goes; they add to and override
	// DefaultTrackingURLs. A carrier without one links to the shipment's
	// own TrackingURL.
	TrackingURLs map[string]string
	// QuietHours ("21:00-08:00", local; "" = DefaultQuietHours; "off" =
	// none): a message made then is held until they end. A rule may set
	// its own.
	QuietHours string
	// HoldDays is how many days a service point keeps a parcel (0 =
	// DefaultHoldDays).
	HoldDays int
	// Channels are the channels the station can send on ("email",
	// "sms"): a rule is enabled only when it sends on these, and nothing
	// is queued on another.
	Channels []string
	// StaleAfter: a fact older than this (a parcel's history learnt late,
	// e.g. after the station was off) makes no message (0 =
	// DefaultStaleAfter; negative: never stale).
	StaleAfter time.Duration
	// Location is the zone of quiet hours, active dates, service point
	// days and the dates in messages (nil = time.Local).
	Location *time.Location
	// Now is the clock (nil = time.Now).
	Now func() time.Time
	// Logger receives notes on skipped messages (nil = none).
	Logger *slog.Logger
}

// Engine turns the store's facts (Announcer) and the passing of time
// (Sweep) into messages, by the rules and templates of its Setup. It is
// safe for concurrent use: the announcer reads an immutable snapshot of
// the setup and never waits on a save.
type Engine struct {
	st           *store.Store
	cfg          Config
	quiet        quietWindow
	logoWidth    int
	trackingURLs map[string]string
	log          *slog.Logger

	saveMu sync.Mutex // serialises the read-change-write of the setting
	snap   atomic.Pointer[snapshot]
}

// snapshot is one version of the setup, compiled.
type snapshot struct {
	setup     Setup
	templates map[string]*compiledTemplate
	rules     []compiledRule
	enabled   []*compiledRule
}

// New makes an engine on the store and loads the Setup saved in its
// "notify" setting (an empty one when there is none). A saved setup that
// no longer validates is loaded anyway, with a warning: its rules run as
// far as they can.
func New(st *store.Store, cfg Config) (*Engine, error) {
	if st == nil {
		return nil, errors.New("notify: no store")
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case cfg.HoldDays == 0:
		cfg.HoldDays = DefaultHoldDays
	case cfg.HoldDays < 2 || cfg.HoldDays > 30:
		return nil, fmt.Errorf("notify: hold_days %d: a service point keeps a parcel 2–30 days (PostNord: 7)", cfg.HoldDays)
	}
	if cfg.StaleAfter == 0 {
		cfg.StaleAfter = DefaultStaleAfter
	}
	if strings.TrimSpace(cfg.QuietHours) == "" {
		cfg.QuietHours = DefaultQuietHours
	}
	q, err := parseQuiet(cfg.QuietHours)
	if err != nil {
		return nil, fmt.Errorf("notify: %v", err)
	}
	chans := make([]string, 0, len(cfg.Channels))
	for _, c := range cfg.Channels {
		c = strings.ToLower(strings.TrimSpace(c))
		if c != ChannelEmail && c != ChannelSMS {
			return nil, fmt.Errorf("notify: channel %q: the station sends on %q and %q", c, ChannelEmail, ChannelSMS)
		}
		if !slices.Contains(chans, c) {
			chans = append(chans, c)
		}
	}
	cfg.Channels = chans
	e := &Engine{st: st, cfg: cfg, quiet: q, log: cfg.Logger, trackingURLs: map[string]string{}}
	for k, v := range DefaultTrackingURLs {
		e.trackingURLs[k] = v
	}
	for k, v := range cfg.TrackingURLs {
		e.trackingURLs[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	if len(cfg.Logo) > 0 {
		pc, err := png.DecodeConfig(bytes.NewReader(cfg.Logo))
		if err != nil {
			return nil, fmt.Errorf("notify: the logo is not a PNG image: %v", err)
		}
		e.logoWidth = pc.Width
	}
	if err := e.Reload(); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Engine) now() time.Time { return e.cfg.Now() }

func (e *Engine) today(now time.Time) string { return now.In(e.cfg.Location).Format(dateLayout) }

// read reads the saved setup (empty when none).
func (e *Engine) read() (Setup, error) {
	var s Setup
	if _, err := e.st.Setting(SettingName, &s); err != nil {
		return Setup{}, fmt.Errorf("notify: %w", err)
	}
	return s, nil
}

// Reload reads the setup again from the store (another process, or a
// command, may have changed it).
func (e *Engine) Reload() error {
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	s, err := e.read()
	if err != nil {
		return err
	}
	c, ps := validateSetup(s, e.cfg.HoldDays, nil, "", nil)
	if len(ps) > 0 {
		e.log.Warn("notify: the saved notification setup has problems; its rules run as far as they can", "problems", problemsError(ps, nil).Error())
	}
	e.install(c)
	return nil
}

func (e *Engine) install(c checked) {
	sn := &snapshot{setup: cloneSetup(c.setup), templates: c.templates}
	for _, r := range sn.setup.Rules {
		sn.rules = append(sn.rules, compileRule(r, e.quiet))
	}
	for i := range sn.rules {
		if sn.rules[i].Enabled {
			sn.enabled = append(sn.enabled, &sn.rules[i])
		}
	}
	e.snap.Store(sn)
}

// Setup returns the rules and templates (a copy).
func (e *Engine) Setup() Setup { return cloneSetup(e.snap.Load().setup) }

// Rule returns one rule by id.
func (e *Engine) Rule(id string) (Rule, bool) {
	for _, r := range e.snap.Load().setup.Rules {
		if r.ID == id {
			return cloneRule(r), true
		}
	}
	return Rule{}, false
}

// update runs change on the saved setup and saves what it returns in one
// commit, when it validates (problems in sc only: the changed parts and
// what depends on them).
func (e *Engine) update(change func(s *Setup, now time.Time) (*scope, error)) error {
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	cur, err := e.read()
	if err != nil {
		return err
	}
	now := e.now()
	next := cloneSetup(cur)
	sc, err := change(&next, now)
	if err != nil {
		return err
	}
	c, ps := validateSetup(next, e.cfg.HoldDays, e.cfg.Channels, e.today(now), sc)
	if len(ps) > 0 {
		return problemsError(ps, nil)
	}
	if err := e.st.PutSetting(SettingName, next); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	e.install(c)
	return nil
}

// SaveTemplate checks a template (its fields, languages and lengths, and
// that the rules using it still have what they send) and saves it, adding
// it or replacing the one of the same name, in one commit.
func (e *Engine) SaveTemplate(t Template) error {
	t = normalizeTemplate(t)
	return e.update(func(s *Setup, _ time.Time) (*scope, error) {
		i := slices.IndexFunc(s.Templates, func(x Template) bool { return x.Name == t.Name })
		if i >= 0 {
			s.Templates[i] = t
		} else {
			s.Templates = append(s.Templates, t)
		}
		return &scope{templates: map[string]bool{t.Name: true}}, nil
	})
}

// DeleteTemplate removes a template no rule uses.
func (e *Engine) DeleteTemplate(name string) error {
	return e.update(func(s *Setup, _ time.Time) (*scope, error) {
		i := slices.IndexFunc(s.Templates, func(x Template) bool { return x.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("no template %q", name)
		}
		var users []string
		for _, r := range s.Rules {
			if r.Template == name {
				users = append(users, r.ID)
			}
		}
		if len(users) > 0 {
			return nil, fmt.Errorf("template %q is used by rule %s: change or delete those first", name, strings.Join(users, ", "))
		}
		s.Templates = slices.Delete(s.Templates, i, i+1)
		return &scope{}, nil
	})
}

// SaveRule checks a rule and saves it. A new rule is saved disabled (it
// is previewed, then enabled); an existing one keeps whether it is
// enabled — an enabled rule must still pass EnableRule's checks.
func (e *Engine) SaveRule(r Rule) (Rule, error) {
	r = normalizeRule(r)
	var saved Rule
	err := e.update(func(s *Setup, now time.Time) (*scope, error) {
		i := slices.IndexFunc(s.Rules, func(x Rule) bool { return x.ID == r.ID })
		r.Updated = now
		if i >= 0 {
			old := s.Rules[i]
			r.Enabled, r.EnabledAt, r.Created = old.Enabled, old.EnabledAt, old.Created
			s.Rules[i] = r
		} else {
			r.Enabled, r.EnabledAt, r.Created = false, time.Time{}, now
			s.Rules = append(s.Rules, r)
		}
		saved = r
		return &scope{rules: map[string]bool{r.ID: true}}, nil
	})
	if err != nil {
		return Rule{}, err
	}
	return cloneRule(saved), nil
}

// EnableRule switches a rule on or off. Switching on checks the rule
// again, and that the station is configured for its channels and its
// active window is not over.
func (e *Engine) EnableRule(id string, on bool) (Rule, error) {
	var saved Rule
	err := e.update(func(s *Setup, now time.Time) (*scope, error) {
		i := slices.IndexFunc(s.Rules, func(x Rule) bool { return x.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("no rule %q", id)
		}
		r := &s.Rules[i]
		if on && !r.Enabled {
			r.EnabledAt = now
		}
		if !on {
			r.EnabledAt = time.Time{}
		}
		r.Enabled, r.Updated = on, now
		saved = *r
		if !on {
			return &scope{}, nil // switching off is always allowed
		}
		return &scope{rules: map[string]bool{id: true}}, nil
	})
	if err != nil {
		return Rule{}, err
	}
	return cloneRule(saved), nil
}

// DeleteRule removes a rule. Its messages already queued stay queued.
func (e *Engine) DeleteRule(id string) error {
	return e.update(func(s *Setup, _ time.Time) (*scope, error) {
		i := slices.IndexFunc(s.Rules, func(x Rule) bool { return x.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("no rule %q", id)
		}
		s.Rules = slices.Delete(s.Rules, i, i+1)
		return &scope{}, nil
	})
}

// Import replaces every template and rule with s's, checked as a whole.
// A rule stays enabled only when a rule of the same id is enabled now;
// every other rule comes in disabled (the file's enabled is ignored).
func (e *Engine) Import(s Setup) error {
	s = normalizeSetup(s)
	return e.update(func(cur *Setup, now time.Time) (*scope, error) {
		old := map[string]Rule{}
		for _, r := range cur.Rules {
			old[r.ID] = r
		}
		for i := range s.Rules {
			r := &s.Rules[i]
			r.Updated = now
			if o, ok := old[r.ID]; ok {
				r.Enabled, r.EnabledAt, r.Created = o.Enabled, o.EnabledAt, o.Created
			} else {
				r.Enabled, r.EnabledAt, r.Created = false, time.Time{}, now
			}
		}
		*cur = s
		return nil, nil
	})
}

// ---- announcing ----

// Announcer returns the store hook (store.SetAnnouncer, with
// store.Announcers) that turns facts into messages by the enabled
// rules. It runs inside the commit that records the fact: it reads the
// engine's snapshot and renders, and never calls the store. Message ids
// are "notify:<rule>:<order>:<trigger>:<channel>:<address>", so a rule
// writes at most once per parcel, trigger, channel and address, however
// often the fact is recorded (see Sweep for the same ids).
func (e *Engine) Announcer() store.Announcer {
	return func(f store.Fact) ([]store.Message, error) {
		sn := e.snap.Load()
		if len(sn.enabled) == 0 {
			return nil, nil
		}
		trig := factTriggers(f)
		var candidates []*compiledRule
		for _, r := range sn.enabled {
			if slices.Contains(trig, r.Trigger) ||
				r.Trigger == TriggerEventCode && f.Kind == store.FactTrackingEvent && eventCodeMatch(r.EventCodes, f.Event) {
				candidates = append(candidates, r)
			}
		}
		if len(candidates) == 0 {
			return nil, nil
		}
		now := e.now()
		if e.cfg.StaleAfter > 0 && !f.At.IsZero() && now.Sub(f.At) > e.cfg.StaleAfter {
			e.log.Debug("notify: fact too old for a message", "kind", f.Kind, "order", f.Shipment.OrderRef, "at", f.At)
			return nil, nil
		}
		if !f.Shipment.Cancelled.IsZero() {
			return nil, nil
		}
		var out []store.Message
		for _, r := range candidates {
			s := &subject{trigger: r.Trigger, at: f.At, order: f.Order, sh: f.Shipment, event: f.Event, ret: f.Return}
			if !f.Expected.IsZero() {
				// {eta}: the look-up that recorded the fact knew it.
				s.sum = &store.TrackSummary{Expected: f.Expected}
			}
			if r.Trigger == TriggerAtServicePoint {
				arrived := f.At
				if f.Event != nil && !f.Event.Time.IsZero() {
					arrived = f.Event.Time
				}
				s.daysLeft, s.pickupBy = e.hold(arrived, now)
			}
			msgs, err := e.fire(sn, r, s, now)
			if err != nil {
				return nil, err
			}
			out = append(out, msgs...)
		}
		return out, nil
	}
}

// fire makes the messages of one rule about one subject, when the rule's
// active window and conditions allow.
func (e *Engine) fire(sn *snapshot, r *compiledRule, s *subject, now time.Time) ([]store.Message, error) {
	if !r.active(e.today(now)) {
		e.log.Debug("notify: rule outside its active window", "rule", r.ID, "order", s.orderRef())
		return nil, nil
	}
	if why := r.mismatches(s); len(why) > 0 {
		return nil, nil
	}
	rs, _ := e.render(sn, r, s, now, false)
	out := make([]store.Message, 0, len(rs))
	for _, m := range rs {
		body, err := json.Marshal(m.out)
		if err != nil {
			return nil, fmt.Errorf("notify %s: %w", m.id, err)
		}
		out = append(out, store.Message{
			ID: m.id, Channel: m.out.Channel, Type: string(r.Trigger), OrderRef: m.out.OrderRef,
			Body: body, State: store.MessagePending, NotBefore: m.notBefore, Created: now,
		})
	}
	return out, nil
}

// rendered is one message ready to queue.
type rendered struct {
	id        string
	out       Outgoing
	notBefore time.Time
}

// render makes a rule's messages about s: one per channel and usable
// recipient. With preview, recipients without an address and channels
// the station lacks still get their message (To empty), and notes say
// what would happen.
func (e *Engine) render(sn *snapshot, r *compiledRule, s *subject, now time.Time, preview bool) ([]rendered, []string) {
	var notes []string
	note := func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }
	ct := sn.templates[r.Template]
	if ct == nil || ct.texts["en"].body.empty() && ct.texts["en"].sms.empty() {
		note("template %q does not exist or has no en text: nothing can be sent", r.Template)
		e.log.Warn("notify: rule without a usable template", "rule", r.ID, "template", r.Template)
		return nil, notes
	}
	notBefore := r.quiet.holdUntil(now, e.cfg.Location)
	rcv := s.receiver()
	values := map[string]map[string]string{}
	valuesFor := func(lang string) map[string]string {
		if v, ok := values[lang]; ok {
			return v
		}
		v := e.values(s, rcv, lang)
		values[lang] = v
		return v
	}
	var out []rendered
	seen := map[string]bool{}
	for _, ch := range ruleChannels(r.Channel) {
		if !slices.Contains(e.cfg.Channels, ch) {
			if !preview {
				e.log.Warn("notify: the station has no channel for an enabled rule", "rule", r.ID, "channel", ch)
				continue
			}
			note("the station has no %s channel configured: nothing would be sent by %s", ch, ch)
		}
		for i, rc := range r.Recipients {
			var to, name, lang string
			switch rc.Kind {
			case RecipientReceiver:
				name, lang = rcv.Name, receiverLanguage(orderLanguage(s.order), rcv.Country)
				if ch == ChannelEmail {
					if em := strings.TrimSpace(rcv.Email); emailOK(em) {
						to = em
					}
				} else if p, ok := normalizePhone(rcv.Phone, rcv.Country); ok {
					to = p
				}
				if to == "" {
					what := map[string]string{ChannelEmail: "e-mail address", ChannelSMS: "usable phone number"}[ch]
					e.log.Debug("notify: receiver skipped", "rule", r.ID, "order", s.orderRef(), "channel", ch, "reason", "no "+what)
					if !preview {
						continue
					}
					note("the receiver has no %s: no %s would be sent to them", what, ch)
				}
			case RecipientStaff:
				lang = rc.Language
				if lang == "" {
					lang = "en"
				}
				if ch == ChannelEmail {
					to = rc.Email
				} else {
					to = rc.Phone
				}
				if to == "" {
					if preview && r.Channel != ChannelBoth {
						note("staff recipient %d has no address for %s", i+1, ch)
					}
					continue
				}
			default:
				continue
			}
			tx, used := ct.textFor(lang, ch)
			if preview && used != lang {
				note("template %q has no %s text for %s: the %s message to %s is in en", r.Template, lang, ch, rc.Kind, orNone(to))
			}
			v := valuesFor(used)
			o := Outgoing{
				Rule: r.ID, Trigger: r.Trigger, OrderRef: s.orderRef(), Channel: ch, Language: used,
				To: to, Name: name,
			}
			if ch == ChannelEmail {
				o.Subject = strings.Join(strings.Fields(tx.subject.render(v)), " ")
				o.Text = tx.body.render(v)
				o.HTML = htmlEmail(used, o.Subject, paragraphs(tx.body.renderHTML(v)), e.cfg.ShopName,
					v["tracking_link"], trackButton[used], len(e.cfg.Logo) > 0, e.logoWidth)
			} else {
				o.Text = strings.TrimSpace(tx.sms.render(v))
				if preview {
					chars, parts, uni := smsSize(o.Text)
					enc := "GSM"
					if uni {
						enc = "Unicode"
					}
					note("the SMS to %s is %d characters (%s): %d SMS", orNone(to), chars, enc, parts)
				}
			}
			id := strings.Join([]string{"notify", r.ID, s.key(), string(r.Trigger), ch, strings.ToLower(to)}, ":")
			if seen[id] && to != "" {
				continue
			}
			seen[id] = true
			out = append(out, rendered{id: id, out: o, notBefore: notBefore})
		}
	}
	return out, notes
}

func orderLanguage(o *carrier.Order) string {
	if o == nil {
		return ""
	}
	return o.Language
}

// values are the template fields for s in lang.
func (e *Engine) values(s *subject, rcv carrier.Address, lang string) map[string]string {
	loc := e.cfg.Location
	v := map[string]string{
		"first_name":      firstName(rcv.Name),
		"name":            strings.TrimSpace(rcv.Name),
		"shop":            e.cfg.ShopName,
		"order_ref":       s.orderRef(),
		"tracking_number": s.trackingNumber(),
		"carrier":         carrierDisplay(s.carrierName()),
		"service":         s.service(),
		"status":          statusText(s.status(), lang),
		"pickup_by":       formatDay(s.pickupBy, lang, loc),
	}
	v["tracking_link"] = e.trackingLink(s.carrierName(), v["tracking_number"], s.sh.TrackingURL)
	if s.event != nil {
		v["event"] = s.event.Description
		if s.event.Status == carrier.StatusAtServicePoint && s.event.Location != "" {
			v["service_point"] = s.event.Location
		}
	}
	if v["service_point"] == "" && s.order != nil {
		v["service_point"] = s.order.ServicePointID
	}
	if s.sum != nil {
		v["eta"] = formatDay(s.sum.Expected, lang, loc)
	}
	if s.daysLeft > 0 {
		v["days_left"] = itoa(s.daysLeft)
	}
	if s.ret != nil {
		v["return_tracking_number"] = s.ret.TrackingID()
		v["return_reason"] = reasonText(s.ret.Reason, lang)
	}
	return v
}

// trackingLink is the carrier's tracking page for the number, else the
// shipment's own link.
func (e *Engine) trackingLink(carrierName, number, own string) string {
	if t, ok := e.trackingURLs[strings.ToLower(carrierName)]; ok && t != "" && number != "" {
		return strings.ReplaceAll(t, "{tracking_number}", url.QueryEscape(number))
	}
	return own
}

// hold returns, for a parcel that arrived at a service point at arrived,
// how many days are left to collect it at now (today and the last day
// included; 0 when the hold is over) and the last day. Days are calendar
// days in Config.Location: the arrival day is the first of HoldDays.
func (e *Engine) hold(arrived, now time.Time) (daysLeft int, lastDay time.Time) {
	loc := e.cfg.Location
	a := arrived.In(loc)
	last := time.Date(a.Year(), a.Month(), a.Day()+e.cfg.HoldDays-1, 12, 0, 0, 0, loc)
	left := civilDays(now.In(loc), last) + 1
	if left < 0 {
		left = 0
	}
	return left, last
}

// civilDays is the number of calendar days from a's date to b's (each
// in its own zone's wall clock).
func civilDays(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// ---- copies ----

func cloneSetup(s Setup) Setup {
	out := Setup{Rules: make([]Rule, len(s.Rules)), Templates: make([]Template, len(s.Templates))}
	for i, r := range s.Rules {
		out.Rules[i] = cloneRule(r)
	}
	for i, t := range s.Templates {
		out.Templates[i] = cloneTemplate(t)
	}
	return out
}

func cloneRule(r Rule) Rule {
	r.EventCodes = slices.Clone(r.EventCodes)
	r.Countries = slices.Clone(r.Countries)
	r.Services = slices.Clone(r.Services)
	r.Carriers = slices.Clone(r.Carriers)
	r.Tags = slices.Clone(r.Tags)
	r.Recipients = slices.Clone(r.Recipients)
	return r
}

func cloneTemplate(t Template) Template {
	texts := make(map[string]Text, len(t.Texts))
	for k, v := range t.Texts {
		texts[k] = v
	}
	t.Texts = texts
	return t
}
