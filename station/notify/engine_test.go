package notify

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// A parcel's whole life recorded through the store, as the station's
// booking and tracking do: each trigger queues its messages once, in the
// receiver's language; the same facts recorded again queue nothing; a
// second trip out for delivery (after a failed attempt) is not written
// about again.
func TestLifeOfAParcelThroughTheStore(t *testing.T) {
	v := newEnv(t, nil)
	v.setup(enRule("booked", TriggerBooked), enRule("first", TriggerFirstTransport), enRule("out", TriggerOutForDelivery),
		enRule("failed", TriggerDeliveryFailed), enRule("delivered", TriggerDelivered), enRule("late", TriggerDelayRisk))
	v.order("A-1", receiver("Åsa Berg", "SE", "asa@example.se", "070-123 45 67"), "")

	v.ship("A-1", "postnord")
	step := func(d time.Duration, status carrier.Status, events ...carrier.TrackingEvent) {
		t.Helper()
		v.clock.Set(day0.Add(d))
		v.track("A-1", status, store.TrackSummary{}, events...)
	}
	handIn := ev("A-1", day0.Add(3*time.Hour), carrier.StatusInTransit, "HANDED_IN", "EN_ROUTE", "Handed in", "Terminal Stockholm")
	step(4*time.Hour, carrier.StatusInTransit, handIn)
	step(5*time.Hour, carrier.StatusInTransit, handIn) // the same look-up again
	delayed := ev("A-1", day0.Add(20*time.Hour), carrier.StatusInTransit, "DELAYED", "DELAYED", "Delayed", "Terminal Malmö")
	step(21*time.Hour, carrier.StatusInTransit, delayed)
	out1 := ev("A-1", day0.Add(24*time.Hour), carrier.StatusOutForDelivery, "OUT_FOR_DELIVERY", "AVAILABLE_FOR_DELIVERY", "Out for delivery", "Depot")
	step(25*time.Hour, carrier.StatusOutForDelivery, out1)
	fail := ev("A-1", day0.Add(30*time.Hour), carrier.StatusException, "DELIVERY_ATTEMPT_FAILED", "DELIVERY_IMPOSSIBLE", "Delivery attempt failed: nobody was at home", "Door")
	step(31*time.Hour, carrier.StatusException, fail)
	out2 := ev("A-1", day0.Add(48*time.Hour), carrier.StatusOutForDelivery, "OUT_FOR_DELIVERY", "AVAILABLE_FOR_DELIVERY", "Out for delivery", "Depot")
	step(49*time.Hour, carrier.StatusOutForDelivery, out2)
	done := ev("A-1", day0.Add(50*time.Hour), carrier.StatusDelivered, "DELIVERED", "DELIVERED", "Delivered", "Door")
	step(51*time.Hour, carrier.StatusDelivered, done)
	step(52*time.Hour, carrier.StatusDelivered, done)

	ms := v.messages()
	n := byType(ms)
	for _, typ := range []string{"booked", "first_transport", "delay_risk", "out_for_delivery", "delivery_failed", "delivered"} {
		if n[typ] != 2 {
			t.Errorf("%s: %d messages, want 2 (e-mail and SMS)%s", typ, n[typ], summary(ms))
		}
	}
	if len(ms) != 12 {
		t.Errorf("%d messages, want 12:%s", len(ms), summary(ms))
	}
	for _, m := range ms {
		o := outgoing(t, m)
		if o.Language != "sv" || !strings.HasPrefix(o.Text, "[sv] ") {
			t.Errorf("%s in %s: %q", m.ID, o.Language, o.Text)
		}
		if m.Channel == store.ChannelSMS && o.To != "+46701234567" {
			t.Errorf("%s to %q", m.ID, o.To)
		}
	}
	if o := outgoing(t, ms[len(ms)-1]); !strings.Contains(o.Text, "https://tracking.postnord.com/se/?id=00370A1SE") {
		t.Errorf("tracking link: %q", o.Text)
	}
}

// Each receiver reads their own language: the order's, else their
// country's, else English; a template without it falls back to English.
func TestLanguagePerReceiver(t *testing.T) {
	v := newEnv(t, nil)
	v.setup(enRule("booked", TriggerBooked))
	if err := v.e.SaveTemplate(Template{Name: "sv-en", Texts: map[string]Text{
		"en": {Subject: "Hello {first_name}", Body: "[en] body", SMS: "[en] sms"},
		"sv": {Subject: "Hej {first_name}", Body: "[sv] kropp", SMS: "[sv] sms"},
	}}); err != nil {
		t.Fatal(err)
	}
	r2 := enRule("booked-sv-en", TriggerBooked)
	r2.Template, r2.Channel = "sv-en", ChannelEmail
	if _, err := v.e.SaveRule(r2); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.EnableRule(r2.ID, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ ref, country, lang, want, wantSvEn string }{
		{"SE-1", "SE", "", "sv", "sv"},
		{"DK-1", "DK", "", "da", "en"},
		{"NO-1", "NO", "", "nb", "en"},
		{"FI-1", "FI", "", "fi", "en"},
		{"DE-1", "DE", "", "en", "en"},
		{"FI-2", "FI", "sv", "sv", "sv"}, // a Swedish-speaking Finn
		{"SE-2", "SE", "en", "en", "en"},
	}
	for _, c := range cases {
		v.order(c.ref, receiver("Kim "+c.ref, c.country, strings.ToLower(c.ref)+"@example.com", ""), c.lang)
		v.ship(c.ref, "postnord")
	}
	got := map[string]string{}
	for _, m := range v.messages() {
		o := outgoing(t, m)
		got[strings.Split(m.ID, ":")[1]+"/"+m.OrderRef] = o.Language
		if !strings.HasPrefix(o.Text, "["+o.Language+"] ") {
			t.Errorf("%s: language %s, text %q", m.ID, o.Language, o.Text)
		}
	}
	for _, c := range cases {
		if got["booked/"+c.ref] != c.want || got["booked-sv-en/"+c.ref] != c.wantSvEn {
			t.Errorf("%s (%s, %q): %s and %s, want %s and %s", c.ref, c.country, c.lang, got["booked/"+c.ref], got["booked-sv-en/"+c.ref], c.want, c.wantSvEn)
		}
	}
}

// return_received comes from the store's return flow, once per return.
func TestReturnReceived(t *testing.T) {
	v := newEnv(t, nil)
	if err := v.e.SaveTemplate(Template{Name: "ret", Texts: map[string]Text{
		"en": {Subject: "Return {return_tracking_number}", Body: "Reason: {return_reason}"},
		"sv": {Subject: "Retur {return_tracking_number}", Body: "Orsak: {return_reason}. Order {order_ref}."},
	}}); err != nil {
		t.Fatal(err)
	}
	r := Rule{ID: "ret", Trigger: TriggerReturnReceived, Channel: ChannelEmail, Template: "ret", Recipients: []Recipient{{Kind: RecipientReceiver}}}
	if _, err := v.e.SaveRule(r); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.EnableRule("ret", true); err != nil {
		t.Fatal(err)
	}
	v.order("A-1", receiver("Åsa", "SE", "asa@example.se", ""), "")
	v.ship("A-1", "postnord")
	returnFlow(t, v, "A-1", "ret-1")
	returnFlow(t, v, "A-1", "ret-2")
	ms := v.messages()
	if len(ms) != 2 || ms[0].ID != "notify:ret:A-1/ret-1:return_received:email:asa@example.se" || ms[1].ID != "notify:ret:A-1/ret-2:return_received:email:asa@example.se" {
		t.Fatalf("messages:%s", summary(ms))
	}
	if o := outgoing(t, ms[0]); o.Subject != "Retur RETret-1" || o.Text != "Orsak: fel storlek. Order A-1." || o.OrderRef != "A-1" {
		t.Errorf("outgoing %+v", o)
	}
}

// returnFlow creates a return and moves it registered → in transit →
// received, as the station does.
func returnFlow(t *testing.T, v *env, ref, id string) {
	t.Helper()
	r := store.Return{ID: id, OrderRef: ref, Carrier: "postnord", Service: "24", OutgoingItemID: itemOf(ref), Reason: "wrong_size",
		Lines: []carrier.Line{{SKU: "SKU-1", Description: "Jacka", Quantity: 1}}, Created: v.clock.Now()}
	if err := v.st.CreateReturn(r); err != nil {
		t.Fatal(err)
	}
	for i, s := range []store.ReturnState{store.ReturnRegistered, store.ReturnInTransit, store.ReturnReceived} {
		at := v.clock.Now().Add(time.Duration(i+1) * time.Hour)
		if _, err := v.st.UpdateReturn(id, nil, func(x *store.Return) error {
			x.State, x.Updated = s, at
			switch s {
			case store.ReturnRegistered:
				x.ItemID, x.RegisteredAt = "RET"+id, at
			case store.ReturnInTransit:
				x.InTransitAt = at
			case store.ReturnReceived:
				x.ReceivedAt, x.ReceivedBy = at, store.ReceivedByCarrier
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPreview(t *testing.T) {
	v := newEnv(t, func(c *Config) { c.Channels = []string{"email"}; c.QuietHours = "" })
	v.setup()
	r := enRule("no-delivered", TriggerDelivered)
	r.Countries = []string{"NO"}
	if _, err := v.e.SaveRule(r); err != nil {
		t.Fatal(err)
	}
	o := v.order("A-1", receiver("Åsa Berg", "SE", "asa@example.se", ""), "")
	sh := v.ship("A-1", "postnord")
	sh.Status = carrier.StatusInTransit
	v.clock.Set(time.Date(2026, 11, 24, 22, 0, 0, 0, stockholm))
	sum := &store.TrackSummary{Expected: time.Date(2026, 11, 26, 17, 0, 0, 0, stockholm)}
	p, err := v.e.Preview("no-delivered", Parcel{Order: o, Shipment: sh, Summary: sum})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Messages) != 2 {
		t.Fatalf("messages %+v", p.Messages)
	}
	mail, sms := p.Messages[0], p.Messages[1]
	if mail.Channel != "email" || mail.To != "asa@example.se" || mail.Language != "sv" || mail.Subject != "[sv] A-1 på väg" || !strings.Contains(mail.HTML, "Spåra ditt paket") {
		t.Errorf("e-mail %+v", mail)
	}
	if sms.Channel != "sms" || sms.To != "" || sms.Text != "[sv] Åsa: A-1 https://tracking.postnord.com/se/?id=00370A1SE" {
		t.Errorf("sms %+v", sms)
	}
	notes := strings.Join(p.Notes, "\n")
	for _, want := range []string{
		"the rule is disabled: nothing is sent until it is enabled",
		"the receiver's country SE is not in the rule's countries (NO): the rule would not fire for this parcel",
		"the parcel is in_transit, not delivered: this is how the message would read when it is",
		"made now, it would be held until Wed 25 Nov 08:00 (quiet hours 21:00-08:00)",
		"the station has no sms channel configured",
		"the receiver has no usable phone number: no sms would be sent to them",
		"the SMS to (none) is 62 characters (GSM): 1 SMS",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	// Nothing was queued by the preview.
	if ms := v.messages(); len(ms) != 0 {
		t.Errorf("queued:%s", summary(ms))
	}
	if _, err := v.e.Preview("nope", Parcel{}); err == nil {
		t.Error("previewed an unknown rule")
	}

	// days left: from the summary's arrival, else as if it arrived today.
	sp := enRule("sp", TriggerServicePointDaysLeft)
	sp.DaysLeft, sp.Channel = 2, ChannelEmail
	if err := v.e.SaveTemplate(Template{Name: "sp", Texts: map[string]Text{"en": {Subject: "{days_left} days", Body: "by {pickup_by} at {service_point}"}}}); err != nil {
		t.Fatal(err)
	}
	sp.Template = "sp"
	if _, err := v.e.SaveRule(sp); err != nil {
		t.Fatal(err)
	}
	o.Language = "en"
	p, _ = v.e.Preview("sp", Parcel{Order: o, Shipment: sh})
	if m := p.Messages[0]; m.Subject != "2 days" || m.Text != "by Wednesday 25 November at SP-4711" {
		t.Errorf("days left, no arrival: %+v", m)
	}
	sum.AtServicePoint = time.Date(2026, 11, 20, 9, 0, 0, 0, stockholm)
	p, _ = v.e.Preview("sp", Parcel{Order: o, Shipment: sh, Summary: sum})
	if m := p.Messages[0]; m.Subject != "3 days" || m.Text != "by Thursday 26 November at SP-4711" {
		t.Errorf("days left from arrival: %+v", m)
	}
}

// Saves and announcements at the same time: the announcer runs inside
// store commits and must never wait for a save (which waits for the
// store), and the race detector must find nothing.
func TestConcurrentSavesAndFacts(t *testing.T) {
	v := newEnv(t, nil)
	v.setup(enRule("booked", TriggerBooked))
	const n = 20
	for i := range n {
		v.order(fmt.Sprintf("C-%d", i), receiver("Kim", "SE", fmt.Sprintf("kim%d@example.se", i), ""), "")
	}
	var wg sync.WaitGroup
	wg.Add(2)
	done := make(chan struct{})
	go func() {
		defer wg.Done()
		for i := range n {
			v.ship(fmt.Sprintf("C-%d", i), "postnord")
		}
	}()
	go func() {
		defer wg.Done()
		for i := range n {
			r := enRule(fmt.Sprintf("r%d", i), TriggerDelivered)
			if _, err := v.e.SaveRule(r); err != nil {
				t.Error(err)
				return
			}
			_ = v.e.Setup()
			if err := v.e.Reload(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("deadlock: saves and commits wait on each other")
	}
	if got := byType(v.messages())["booked"]; got != n { // e-mail only: no phones
		t.Errorf("%d booked messages, want %d", got, n)
	}
	if got := len(v.e.Setup().Rules); got != n+1 {
		t.Errorf("%d rules, want %d", got, n+1)
	}
}
