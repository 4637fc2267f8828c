package notify

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"labelstation/carrier"
	"labelstation/store"
)

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic(err)
	}
	return loc
}()

// day0 is a Tuesday morning in Stockholm, outside the default quiet
// hours.
var day0 = time.Date(2026, 11, 24, 10, 0, 0, 0, stockholm)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a store with an engine installed as its announcer.
type env struct {
	t     *testing.T
	st    *store.Store
	e     *Engine
	clock *clock
	dir   string
}

// newEnv opens a store in a temporary directory and an engine on it
// (channels email and sms, quiet hours off unless cfg says otherwise).
func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := newClock(day0)
	cfg := Config{
		ShopName: "Nordic Outdoor", QuietHours: QuietOff, Channels: []string{"email", "sms"},
		Location: stockholm, Now: c.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	e, err := New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st.SetAnnouncer(e.Announcer())
	return &env{t: t, st: st, e: e, clock: c, dir: dir}
}

// theTemplate has a text in every language; each text starts with its
// language's code so tests can tell which was used.
func theTemplate(name string) Template {
	texts := map[string]Text{}
	for _, l := range Languages {
		texts[l] = Text{
			Subject: "[" + l + "] {order_ref} {status}",
			Body:    "[" + l + "] Hi {first_name},\n\nyour parcel {tracking_number} from {shop}.\nTrack it: {tracking_link}",
			SMS:     "[" + l + "] {first_name}: {order_ref} {tracking_link}",
		}
	}
	return Template{Name: name, Texts: texts}
}

// enRule is a rule to the receiver on both channels.
func enRule(id string, trig Trigger) Rule {
	return Rule{ID: id, Trigger: trig, Channel: ChannelBoth, Template: "all", Recipients: []Recipient{{Kind: RecipientReceiver}}}
}

// setup saves theTemplate as "all" and the rules, enabled.
func (v *env) setup(rules ...Rule) {
	v.t.Helper()
	if err := v.e.SaveTemplate(theTemplate("all")); err != nil {
		v.t.Fatal(err)
	}
	for _, r := range rules {
		if _, err := v.e.SaveRule(r); err != nil {
			v.t.Fatalf("save rule %s: %v", r.ID, err)
		}
		if _, err := v.e.EnableRule(r.ID, true); err != nil {
			v.t.Fatalf("enable rule %s: %v", r.ID, err)
		}
	}
}

func receiver(name, country, email, phone string) carrier.Address {
	return carrier.Address{Name: name, Street1: "Storgatan 1", Postcode: "11122", City: "Stockholm", Country: country, Email: email, Phone: phone}
}

// order saves an order.
func (v *env) order(ref string, rcv carrier.Address, lang string, tags ...string) carrier.Order {
	v.t.Helper()
	o := carrier.Order{Ref: ref, Receiver: rcv, Service: "19", ServicePointID: "SP-4711", Language: lang, Tags: tags, ImportedAt: day0.Add(-time.Hour)}
	if _, err := v.st.PutOrders([]carrier.Order{o}); err != nil {
		v.t.Fatal(err)
	}
	return o
}

func itemOf(ref string) string { return "00370" + strings.ReplaceAll(ref, "-", "") + "SE" }

// ship books ref as the station does: an outbox entry, then
// RecordBooking (which announces label_created).
func (v *env) ship(ref, carrierName string) store.Shipment {
	v.t.Helper()
	o, err := v.st.Order(ref)
	if err != nil {
		v.t.Fatal(err)
	}
	e := store.OutboxEntry{ID: "req-" + ref, OrderRef: ref, Carrier: carrierName, State: store.StatePending, Created: v.clock.Now()}
	if err := v.st.CreateEntry(e); err != nil {
		v.t.Fatal(err)
	}
	sh := store.Shipment{
		OrderRef: ref, Carrier: carrierName, Service: o.Service, ShipmentID: "SHP-" + ref, ItemIDs: []string{itemOf(ref)},
		Weight: 1250, Receiver: o.Receiver, Label: carrier.Label{Format: carrier.LabelZPL, Data: []byte("^XA^XZ")},
		TrackingURL: "https://carrier.example/t/" + itemOf(ref), RequestID: e.ID, BookedAt: v.clock.Now(), Status: carrier.StatusCreated,
	}
	if err := v.st.RecordBooking(e.ID, sh); err != nil {
		v.t.Fatal(err)
	}
	return sh
}

// ev is a carrier event of ref's parcel.
func ev(ref string, at time.Time, status carrier.Status, code, word, desc, loc string) carrier.TrackingEvent {
	return carrier.TrackingEvent{ItemID: itemOf(ref), Time: at, Status: status, CarrierCode: code, CarrierStatus: word, Description: desc, Location: loc, Country: "SE"}
}

// track records events and the parcel's status, with a summary as the
// poller would keep it.
func (v *env) track(ref string, status carrier.Status, sum store.TrackSummary, events ...carrier.TrackingEvent) {
	v.t.Helper()
	sh, err := v.st.ShipmentByOrder(ref)
	if err != nil {
		v.t.Fatal(err)
	}
	sum.ItemID, sum.Carrier, sum.Service, sum.Country, sum.Status = itemOf(ref), sh.Carrier, sh.Service, sh.Receiver.Country, status
	if _, err := v.st.RecordTracking(ref, events, status, sum); err != nil {
		v.t.Fatal(err)
	}
}

// messages returns the e-mail and SMS messages queued, oldest first.
func (v *env) messages() []store.Message {
	v.t.Helper()
	ms, err := v.st.Messages("", time.Time{}, time.Time{})
	if err != nil {
		v.t.Fatal(err)
	}
	var out []store.Message
	for _, m := range ms {
		if m.Channel == store.ChannelEmail || m.Channel == store.ChannelSMS {
			out = append(out, m)
		}
	}
	return out
}

// outgoing decodes a message's body.
func outgoing(t *testing.T, m store.Message) Outgoing {
	t.Helper()
	var o Outgoing
	if err := json.Unmarshal(m.Body, &o); err != nil {
		t.Fatalf("message %s: %v", m.ID, err)
	}
	return o
}

// summary lists messages as "type channel to", for failure output.
func summary(ms []store.Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString("\n  " + m.ID)
	}
	return b.String()
}

// byType counts messages per type.
func byType(ms []store.Message) map[string]int {
	n := map[string]int{}
	for _, m := range ms {
		n[m.Type]++
	}
	return n
}

// tinyPNG is a blank PNG of w×h pixels.
func tinyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
