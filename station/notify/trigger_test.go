package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

func TestFactTriggers(t *testing.T) {
	sh := func(s carrier.Status) store.Shipment {
		return store.Shipment{OrderRef: "A-1", Carrier: "postnord", Status: s, ItemIDs: []string{"X"}}
	}
	event := func(code, word, desc string) *carrier.TrackingEvent {
		return &carrier.TrackingEvent{ItemID: "X", Time: day0, CarrierCode: code, CarrierStatus: word, Description: desc}
	}
	for _, c := range []struct {
		name string
		f    store.Fact
		want []Trigger
	}{
		{"booked", store.Fact{Kind: store.FactLabelCreated, Shipment: sh(carrier.StatusCreated)}, []Trigger{TriggerBooked}},
		{"created → in transit", store.Fact{Kind: store.FactStatusChanged, Shipment: sh(carrier.StatusInTransit), Previous: carrier.StatusCreated}, []Trigger{TriggerFirstTransport}},
		{"created → handed over", store.Fact{Kind: store.FactStatusChanged, Shipment: sh(carrier.StatusHandedOver), Previous: carrier.StatusCreated}, []Trigger{TriggerFirstTransport}},
		{"none → in transit", store.Fact{Kind: store.FactStatusChanged, Shipment: sh(carrier.StatusInTransit)}, []Trigger{TriggerFirstTransport}},
		{"unknown → customs", store.Fact{Kind: store.FactStatusChanged, Shipment: sh(carrier.StatusAwaitingCustoms), Previous: carrier.StatusUnknown}, []Trigger{TriggerFirstTransport}},
		{"handed over → in transit", store.Fact{Kind: store.FactStatusChanged, Shipment: sh(carrier.StatusInTransit), Previous: carrier.StatusHandedOver}, nil},
		{"→ out for delivery", store.Fact{Kind: store.FactStatusChanged, Shipment: sh(carrier.StatusOutForDelivery), Previous: carrier.StatusInTransit}, []Trigger{TriggerOutForDelivery}},
		{"→ service point", store.Fact{Kind: store.FactStatusChanged, Shipment: sh(carrier.StatusAtServicePoint), Previous: carrier.StatusInTransit}, []Trigger{TriggerAtServicePoint}},
		{"→ delivered", store.Fact{Kind: store.FactStatusChanged, Shipment: sh(carrier.StatusDelivered), Previous: carrier.StatusOutForDelivery}, []Trigger{TriggerDelivered}},
		{"→ returned", store.Fact{Kind: store.FactStatusChanged, Shipment: sh(carrier.StatusReturned), Previous: carrier.StatusException}, []Trigger{TriggerReturnedToSender}},
		{"→ exception", store.Fact{Kind: store.FactStatusChanged, Shipment: sh(carrier.StatusException), Previous: carrier.StatusOutForDelivery}, nil},
		{"attempt failed", store.Fact{Kind: store.FactTrackingEvent, Shipment: sh(carrier.StatusException), Event: event("DELIVERY_ATTEMPT_FAILED", "DELIVERY_IMPOSSIBLE", "")}, []Trigger{TriggerDeliveryFailed}},
		{"refused", store.Fact{Kind: store.FactTrackingEvent, Shipment: sh(carrier.StatusException), Event: event("DELIVERY_REFUSED", "DELIVERY_REFUSED", "")}, []Trigger{TriggerDeliveryFailed}},
		{"STG attempt", store.Fact{Kind: store.FactTrackingEvent, Shipment: sh(carrier.StatusException), Event: event("EX", "EXCEPTION", "Delivery attempt failed: the receiver was not available")}, []Trigger{TriggerDeliveryFailed}},
		{"failed, then delivered in the same look-up", store.Fact{Kind: store.FactTrackingEvent, Shipment: sh(carrier.StatusDelivered), Event: event("DELIVERY_ATTEMPT_FAILED", "DELIVERY_IMPOSSIBLE", "")}, nil},
		{"delayed", store.Fact{Kind: store.FactTrackingEvent, Shipment: sh(carrier.StatusInTransit), Event: event("DELAYED", "DELAYED", "")}, []Trigger{TriggerDelayRisk}},
		{"customs hold", store.Fact{Kind: store.FactTrackingEvent, Shipment: sh(carrier.StatusAwaitingCustoms), Event: event("CUSTOMS_HOLD", "EXPECTED_DELAY", "")}, []Trigger{TriggerDelayRisk}},
		{"plain scan", store.Fact{Kind: store.FactTrackingEvent, Shipment: sh(carrier.StatusInTransit), Event: event("SORTED", "EN_ROUTE", "sorted")}, nil},
		{"return received", store.Fact{Kind: store.FactReturnReceived, Return: &store.Return{ID: "r"}}, []Trigger{TriggerReturnReceived}},
		{"return registered", store.Fact{Kind: store.FactReturnRegistered, Return: &store.Return{ID: "r"}}, nil},
	} {
		if got := factTriggers(c.f); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// The sandbox's event codes (carrier/sandbox/plan.go) and what they are.
func TestSandboxCodes(t *testing.T) {
	failed := [][2]string{{"DELIVERY_ATTEMPT_FAILED", "DELIVERY_IMPOSSIBLE"}, {"ADDRESS_UNKNOWN", "DELIVERY_IMPOSSIBLE"},
		{"DELIVERY_REFUSED", "DELIVERY_REFUSED"}, {"SP_UNAVAILABLE", "DELIVERY_IMPOSSIBLE"}}
	for _, c := range failed {
		if !IsFailedDelivery(carrier.TrackingEvent{CarrierCode: c[0], CarrierStatus: c[1]}) {
			t.Errorf("%v is a failed delivery", c)
		}
	}
	notFailed := [][2]string{{"EDI_RECEIVED", "CREATED"}, {"HANDED_IN", "EN_ROUTE"}, {"DAMAGED", "STOPPED"}, {"ADDRESS_CHECK", "STOPPED"},
		{"OUT_FOR_DELIVERY", "AVAILABLE_FOR_DELIVERY"}, {"REMINDER_SENT", "AVAILABLE_FOR_DELIVERY"}, {"NOT_COLLECTED", "RETURNED"},
		{"RETURNED_TO_SENDER", "RETURNED"}, {"DELIVERED", "DELIVERED"}, {"DELAYED", "DELAYED"}}
	for _, c := range notFailed {
		if IsFailedDelivery(carrier.TrackingEvent{CarrierCode: c[0], CarrierStatus: c[1]}) {
			t.Errorf("%v is not a failed delivery", c)
		}
	}
	for _, c := range [][2]string{{"DELAYED", "DELAYED"}, {"CUSTOMS_HOLD", "EXPECTED_DELAY"}, {"x", "delayed"}} {
		if !IsDelay(carrier.TrackingEvent{CarrierCode: c[0], CarrierStatus: c[1]}) {
			t.Errorf("%v is a delay", c)
		}
	}
	if IsDelay(carrier.TrackingEvent{CarrierCode: "SORTED", CarrierStatus: "EN_ROUTE"}) {
		t.Error("a sort is no delay")
	}
}

// fact builds a status-change fact about an order, as the store would.
func fact(kind store.FactKind, o *carrier.Order, carrierName, service string, status carrier.Status, prev carrier.Status, e *carrier.TrackingEvent) store.Fact {
	sh := store.Shipment{OrderRef: o.Ref, Carrier: carrierName, Service: service, ItemIDs: []string{itemOf(o.Ref)}, Receiver: o.Receiver,
		Status: status, TrackingURL: "https://own.example/" + o.Ref, BookedAt: day0}
	at := day0
	if e != nil {
		at = e.Time
	}
	return store.Fact{Kind: kind, At: at, Shipment: sh, Previous: prev, Event: e, Order: o}
}

func announce(t *testing.T, v *env, f store.Fact) []store.Message {
	t.Helper()
	ms, err := v.e.Announcer()(f)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func rulesOf(ms []store.Message) []string {
	var out []string
	for _, m := range ms {
		r := strings.Split(m.ID, ":")[1]
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

func TestConditions(t *testing.T) {
	v := newEnv(t, nil)
	rule := func(id string, mod func(*Rule)) Rule {
		r := enRule(id, TriggerDelivered)
		mod(&r)
		return r
	}
	v.setup(
		rule("any", func(r *Rule) {}),
		rule("nordic", func(r *Rule) { r.Countries = []string{"se", "NO"} }),
		rule("service-19", func(r *Rule) { r.Services = []string{"19"} }),
		rule("stg", func(r *Rule) { r.Carriers = []string{"STG"} }),
		rule("vip", func(r *Rule) { r.Tags = []string{"VIP", "gold"} }),
		rule("vip-se-postnord", func(r *Rule) {
			r.Tags, r.Countries, r.Carriers = []string{"vip"}, []string{"SE"}, []string{"postnord"}
		}),
	)
	o := carrier.Order{Ref: "A-1", Receiver: receiver("Åsa", "SE", "asa@example.se", "+46701234567"), Tags: []string{" vip "}}
	got := rulesOf(announce(t, v, fact(store.FactStatusChanged, &o, "postnord", "19", carrier.StatusDelivered, carrier.StatusOutForDelivery, nil)))
	if want := []string{"any", "nordic", "service-19", "vip", "vip-se-postnord"}; !slices.Equal(got, want) {
		t.Errorf("SE vip postnord 19: %v, want %v", got, want)
	}
	o2 := carrier.Order{Ref: "A-2", Receiver: receiver("Jens", "DK", "jens@example.dk", "")}
	got = rulesOf(announce(t, v, fact(store.FactStatusChanged, &o2, "stg", "HOME", carrier.StatusDelivered, carrier.StatusOutForDelivery, nil)))
	if want := []string{"any", "stg"}; !slices.Equal(got, want) {
		t.Errorf("DK stg: %v, want %v", got, want)
	}
	// Without the order (the store does not hold it), tags never match;
	// the shipment's receiver still counts.
	f := fact(store.FactStatusChanged, &o, "postnord", "19", carrier.StatusDelivered, carrier.StatusOutForDelivery, nil)
	f.Order = nil
	got = rulesOf(announce(t, v, f))
	if want := []string{"any", "nordic", "service-19"}; !slices.Equal(got, want) {
		t.Errorf("no order: %v, want %v", got, want)
	}
	// Another trigger fires none of them; a disabled rule never fires.
	if ms := announce(t, v, fact(store.FactStatusChanged, &o, "postnord", "19", carrier.StatusOutForDelivery, carrier.StatusInTransit, nil)); len(ms) != 0 {
		t.Errorf("out for delivery: %s", summary(ms))
	}
	if _, err := v.e.EnableRule("any", false); err != nil {
		t.Fatal(err)
	}
	got = rulesOf(announce(t, v, fact(store.FactStatusChanged, &o2, "stg", "HOME", carrier.StatusDelivered, carrier.StatusOutForDelivery, nil)))
	if want := []string{"stg"}; !slices.Equal(got, want) {
		t.Errorf("after disabling: %v, want %v", got, want)
	}
}

func TestActiveWindow(t *testing.T) {
	v := newEnv(t, nil)
	r := enRule("xmas", TriggerDelivered)
	r.ActiveFrom, r.ActiveUntil = "2026-12-01", "2026-12-24"
	v.setup(r)
	o := carrier.Order{Ref: "A-1", Receiver: receiver("Åsa", "SE", "asa@example.se", "")}
	for _, c := range []struct {
		now  time.Time
		want int
	}{
		{time.Date(2026, 11, 30, 23, 59, 0, 0, stockholm), 0},
		{time.Date(2026, 12, 1, 0, 0, 0, 0, stockholm), 1},
		{time.Date(2026, 12, 24, 23, 59, 0, 0, stockholm), 1},
		{time.Date(2026, 12, 25, 0, 0, 0, 0, stockholm), 0},
	} {
		v.clock.Set(c.now)
		f := fact(store.FactStatusChanged, &o, "postnord", "19", carrier.StatusDelivered, carrier.StatusOutForDelivery, nil)
		f.At = c.now
		if ms := announce(t, v, f); len(ms) != c.want {
			t.Errorf("at %s: %d messages, want %d", c.now, len(ms), c.want)
		}
	}
}

func TestEventCodeRule(t *testing.T) {
	v := newEnv(t, nil)
	r := enRule("codes", TriggerEventCode)
	r.EventCodes = []string{"delivery_impossible", "Customs_Hold"}
	r.Channel = ChannelEmail
	v.setup(r)
	o := carrier.Order{Ref: "A-1", Receiver: receiver("Åsa", "SE", "asa@example.se", "")}
	te := func(code, word string) store.Fact {
		e := ev("A-1", day0, carrier.StatusException, code, word, "x", "")
		return fact(store.FactTrackingEvent, &o, "postnord", "19", carrier.StatusException, "", &e)
	}
	for _, c := range []struct {
		code, word string
		want       int
	}{
		{"ADDRESS_UNKNOWN", "DELIVERY_IMPOSSIBLE", 1}, // by the status word
		{"CUSTOMS_HOLD", "EXPECTED_DELAY", 1},         // by the code
		{"SORTED", "EN_ROUTE", 0},
	} {
		if ms := announce(t, v, te(c.code, c.word)); len(ms) != c.want {
			t.Errorf("%s/%s: %d messages, want %d", c.code, c.word, len(ms), c.want)
		} else if c.want == 1 && ms[0].ID != "notify:codes:A-1:event_code:email:asa@example.se" {
			t.Errorf("id %s", ms[0].ID)
		}
	}
	// An event code rule fires whatever the status (the returned-to-sender
	// code of a parcel that is returned).
	r2 := enRule("rts", TriggerEventCode)
	r2.EventCodes, r2.Channel = []string{"RETURNED_TO_SENDER"}, ChannelEmail
	if _, err := v.e.SaveRule(r2); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.EnableRule("rts", true); err != nil {
		t.Fatal(err)
	}
	e := ev("A-1", day0, carrier.StatusReturned, "RETURNED_TO_SENDER", "RETURNED", "back", "")
	if ms := announce(t, v, fact(store.FactTrackingEvent, &o, "postnord", "19", carrier.StatusReturned, "", &e)); len(ms) != 1 {
		t.Errorf("returned to sender: %s", summary(ms))
	}
}

// A fact learnt long after it happened (the station was off) is old news.
func TestStaleFactsMakeNoMessage(t *testing.T) {
	v := newEnv(t, nil)
	v.setup(enRule("d", TriggerDelivered))
	o := carrier.Order{Ref: "A-1", Receiver: receiver("Åsa", "SE", "asa@example.se", "")}
	e := ev("A-1", day0.Add(-73*time.Hour), carrier.StatusDelivered, "DELIVERED", "DELIVERED", "", "")
	if ms := announce(t, v, fact(store.FactStatusChanged, &o, "postnord", "19", carrier.StatusDelivered, carrier.StatusInTransit, &e)); len(ms) != 0 {
		t.Errorf("stale: %s", summary(ms))
	}
	e.Time = day0.Add(-71 * time.Hour)
	if ms := announce(t, v, fact(store.FactStatusChanged, &o, "postnord", "19", carrier.StatusDelivered, carrier.StatusInTransit, &e)); len(ms) != 1 {
		t.Errorf("fresh enough: %s", summary(ms))
	}
}

func TestRecipients(t *testing.T) {
	v := newEnv(t, nil)
	r := enRule("mixed", TriggerDelivered)
	r.Recipients = []Recipient{
		{Kind: RecipientReceiver},
		{Kind: RecipientStaff, Email: "ops@shop.se", Phone: "+46700000001", Language: "sv"},
		{Kind: RecipientStaff, Email: "boss@shop.se"}, // e-mail only: no SMS to them
	}
	v.setup(r)
	// The receiver has an e-mail address but no phone: no SMS to them.
	o := carrier.Order{Ref: "A-1", Receiver: receiver("Ola Nordmann", "NO", "ola@example.no", "")}
	ms := announce(t, v, fact(store.FactStatusChanged, &o, "postnord", "19", carrier.StatusDelivered, carrier.StatusOutForDelivery, nil))
	var ids []string
	langs := map[string]string{}
	for _, m := range ms {
		ids = append(ids, m.ID)
		langs[m.ID] = outgoing(t, m).Language
	}
	want := []string{
		"notify:mixed:A-1:delivered:email:ola@example.no",
		"notify:mixed:A-1:delivered:email:ops@shop.se",
		"notify:mixed:A-1:delivered:email:boss@shop.se",
		"notify:mixed:A-1:delivered:sms:+46700000001",
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	if langs[want[0]] != "nb" || langs[want[1]] != "sv" || langs[want[2]] != "en" || langs[want[3]] != "sv" {
		t.Errorf("languages %v", langs)
	}
	// A staff message is about the receiver's parcel: the fields are the
	// order's.
	o1 := outgoing(t, ms[1])
	if o1.To != "ops@shop.se" || o1.Name != "" || !strings.Contains(o1.Text, "[sv] Hi Ola,") {
		t.Errorf("staff message %+v", o1)
	}
	// A phone written nationally is sent in international form.
	o.Receiver.Phone = "412 34 567"
	ms = announce(t, v, fact(store.FactStatusChanged, &o, "postnord", "19", carrier.StatusDelivered, carrier.StatusOutForDelivery, nil))
	if !slices.ContainsFunc(ms, func(m store.Message) bool { return m.ID == "notify:mixed:A-1:delivered:sms:+4741234567" }) {
		t.Errorf("receiver SMS missing: %s", summary(ms))
	}
}

func TestMessageContents(t *testing.T) {
	v := newEnv(t, func(c *Config) {
		c.TrackingURLs = map[string]string{"STG": "https://stg.example/track/{tracking_number}"}
	})
	r := enRule("m", TriggerAtServicePoint)
	v.setup(r)
	if err := v.e.SaveTemplate(Template{Name: "sp", Texts: map[string]Text{"en": {
		Subject: "Ready at {service_point}",
		Body:    "{carrier} {service} {tracking_number} {tracking_link} {status} {event} {days_left} {pickup_by} {eta}",
		SMS:     "{carrier} {tracking_link} {days_left} {pickup_by}",
	}}}); err != nil {
		t.Fatal(err)
	}
	r.Template = "sp"
	if _, err := v.e.SaveRule(r); err != nil {
		t.Fatal(err)
	}
	o := carrier.Order{Ref: "A-1", Receiver: receiver("Anna", "GB", "anna@example.co.uk", "07700 900123"), ServicePointID: "SP-1"}
	e := ev("A-1", day0, carrier.StatusAtServicePoint, "ARRIVED_SP", "AVAILABLE_FOR_DELIVERY", "Available at the service point", "Ica Nära, Stockholm")
	ms := announce(t, v, fact(store.FactStatusChanged, &o, "stg", "SP", carrier.StatusAtServicePoint, carrier.StatusInTransit, &e))
	if len(ms) != 2 {
		t.Fatalf("messages: %s", summary(ms))
	}
	m := ms[0]
	if m.Channel != store.ChannelEmail || m.Type != "at_service_point" || m.OrderRef != "A-1" || !m.Created.Equal(day0) || !m.NotBefore.IsZero() || m.State != store.MessagePending {
		t.Errorf("message %+v", m)
	}
	o1 := outgoing(t, m)
	want := "STG SP 00370A1SE https://stg.example/track/00370A1SE ready for pickup Available at the service point 7 Monday 30 November "
	if o1.Subject != "Ready at Ica Nära, Stockholm" || o1.Text != want || o1.Rule != "m" || o1.Trigger != TriggerAtServicePoint || o1.Name != "Anna" || o1.Language != "en" {
		t.Errorf("outgoing %+v\nwant text %q", o1, want)
	}
	if s := outgoing(t, ms[1]); s.To != "+447700900123" || s.Text != "STG https://stg.example/track/00370A1SE 7 Monday 30 November" || s.HTML != "" || s.Subject != "" {
		t.Errorf("sms %+v", s)
	}
	// A carrier without a tracking page links to the shipment's own; the
	// order's service point id stands in when the carrier gave no place.
	e.Location = ""
	ms = announce(t, v, fact(store.FactStatusChanged, &o, "bring", "SP", carrier.StatusAtServicePoint, carrier.StatusInTransit, &e))
	if o1 := outgoing(t, ms[0]); o1.Subject != "Ready at SP-1" || !strings.Contains(o1.Text, " https://own.example/A-1 ") || !strings.HasPrefix(o1.Text, "bring ") {
		t.Errorf("fallbacks %+v", o1)
	}
}
