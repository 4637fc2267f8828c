package notify

import (
	"context"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

func sweep(t *testing.T, v *env) int {
	t.Helper()
	n, err := v.e.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A parcel waiting at a service point gets its reminder on the day
// DaysLeft days of the hold are left, once, in the receiver's language,
// naming the service point and the last day.
func TestSweepServicePointDaysLeft(t *testing.T) {
	v := newEnv(t, nil)
	if err := v.e.SaveTemplate(Template{Name: "pickup", Texts: map[string]Text{
		"en": {SMS: "{days_left} days left: collect it at {service_point} by {pickup_by}"},
		"sv": {SMS: "{days_left} dagar kvar: hämta paketet hos {service_point} senast {pickup_by}"},
	}}); err != nil {
		t.Fatal(err)
	}
	r := Rule{ID: "remind", Trigger: TriggerServicePointDaysLeft, DaysLeft: 2, Channel: ChannelSMS, Template: "pickup",
		Recipients: []Recipient{{Kind: RecipientReceiver}}}
	if _, err := v.e.SaveRule(r); err != nil {
		t.Fatal(err)
	}
	// Not enabled yet: the sweep reads nothing.
	v.order("A-1", receiver("Åsa", "SE", "", "0701234567"), "")
	v.order("A-2", receiver("Bo", "SE", "", "0701234568"), "") // collected
	v.order("A-3", receiver("Cy", "SE", "", ""), "")           // no phone
	arrive := day0                                             // Tuesday 24 November
	for _, ref := range []string{"A-1", "A-2", "A-3"} {
		v.ship(ref, "postnord")
		at := ev(ref, arrive, carrier.StatusAtServicePoint, "ARRIVED_SP", "AVAILABLE_FOR_DELIVERY", "Available for collection", "Ica Nära Fältöversten, Stockholm")
		v.track(ref, carrier.StatusAtServicePoint, store.TrackSummary{AtServicePoint: arrive, Expected: arrive}, at)
	}
	collected := ev("A-2", arrive.Add(24*time.Hour), carrier.StatusDelivered, "COLLECTED", "DELIVERED", "Collected", "Ica")
	v.track("A-2", carrier.StatusDelivered, store.TrackSummary{AtServicePoint: arrive, Delivered: collected.Time}, collected)
	if _, err := v.e.EnableRule("remind", true); err != nil {
		t.Fatal(err)
	}
	// The hold is 7 days: Tuesday 24 to Monday 30 November; 2 days are
	// left on Sunday 29.
	v.clock.Set(time.Date(2026, 11, 28, 23, 59, 0, 0, stockholm))
	if n := sweep(t, v); n != 0 {
		t.Fatalf("Saturday: %d messages", n)
	}
	v.clock.Set(time.Date(2026, 11, 29, 0, 1, 0, 0, stockholm))
	if n := sweep(t, v); n != 1 {
		t.Fatalf("Sunday: %d messages:%s", n, summary(v.messages()))
	}
	if n := sweep(t, v); n != 0 {
		t.Errorf("swept again: %d new messages", n)
	}
	v.clock.Add(20 * time.Hour)
	if n := sweep(t, v); n != 0 {
		t.Errorf("later on Sunday: %d new messages", n)
	}
	ms := v.messages()
	if len(ms) != 1 || ms[0].ID != "notify:remind:A-1:service_point_days_left:sms:+46701234567" {
		t.Fatalf("messages:%s", summary(ms))
	}
	if o := outgoing(t, ms[0]); o.Text != "2 dagar kvar: hämta paketet hos Ica Nära Fältöversten, Stockholm senast måndag 30 november" {
		t.Errorf("text %q", o.Text)
	}
}

// A sweep that comes late (the station was off) still reminds while the
// hold lasts, with the days that are really left; after it, nothing.
func TestSweepServicePointLateAndOver(t *testing.T) {
	v := newEnv(t, func(c *Config) { c.HoldDays = 10 })
	if err := v.e.SaveTemplate(Template{Name: "pickup", Texts: map[string]Text{"en": {SMS: "{days_left} left, by {pickup_by}"}}}); err != nil {
		t.Fatal(err)
	}
	r := Rule{ID: "remind", Trigger: TriggerServicePointDaysLeft, DaysLeft: 3, Channel: ChannelSMS, Template: "pickup", Recipients: []Recipient{{Kind: RecipientReceiver}}}
	if _, err := v.e.SaveRule(r); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.EnableRule("remind", true); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"A-1", "A-2"} {
		v.order(ref, receiver("Åsa", "GB", "", "+447700900123"), "")
		v.ship(ref, "postnord")
	}
	v.track("A-1", carrier.StatusAtServicePoint, store.TrackSummary{AtServicePoint: day0})
	v.track("A-2", carrier.StatusAtServicePoint, store.TrackSummary{AtServicePoint: day0.AddDate(0, 0, -2)})
	// Hold of A-1: 24 Nov – 3 Dec; of A-2: 22 Nov – 1 Dec. On 2 December
	// A-1 has 2 days left (late: 3 were meant), A-2's hold is over.
	v.clock.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, stockholm))
	if n := sweep(t, v); n != 1 {
		t.Fatalf("%d messages:%s", n, summary(v.messages()))
	}
	ms := v.messages()
	if ms[0].OrderRef != "A-1" || outgoing(t, ms[0]).Text != "2 left, by Thursday 3 December" {
		t.Errorf("message %s %q", ms[0].ID, outgoing(t, ms[0]).Text)
	}
}

// The expected day ended without a delivery: a delay message once; the
// carrier's own DELAYED event and the sweep share one message.
func TestSweepDelayRisk(t *testing.T) {
	v := newEnv(t, nil)
	if err := v.e.SaveTemplate(Template{Name: "late", Texts: map[string]Text{
		"en": {Subject: "Delayed", Body: "Expected {eta}", SMS: "Expected {eta}"},
		"fi": {Subject: "Myöhässä", Body: "Odotettu {eta}", SMS: "Odotettu {eta}"},
	}}); err != nil {
		t.Fatal(err)
	}
	r := Rule{ID: "late", Trigger: TriggerDelayRisk, Channel: ChannelEmail, Template: "late", Recipients: []Recipient{{Kind: RecipientReceiver}},
		Countries: []string{"FI", "SE"}}
	if _, err := v.e.SaveRule(r); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.EnableRule("late", true); err != nil {
		t.Fatal(err)
	}
	eta := time.Date(2026, 11, 24, 17, 0, 0, 0, stockholm)
	parcels := []struct {
		ref, country string
		status       carrier.Status
		sum          store.TrackSummary
	}{
		{"LATE", "FI", carrier.StatusInTransit, store.TrackSummary{Expected: eta}},
		{"DELIVERED", "FI", carrier.StatusInTransit, store.TrackSummary{Expected: eta, Delivered: eta}}, // summary ahead of status
		{"AT-SP", "FI", carrier.StatusAtServicePoint, store.TrackSummary{Expected: eta, AtServicePoint: eta}},
		{"TRIED", "FI", carrier.StatusException, store.TrackSummary{Expected: eta, FirstAttempt: eta}},
		{"NO-ETA", "FI", carrier.StatusInTransit, store.TrackSummary{}},
		{"NORWAY", "NO", carrier.StatusInTransit, store.TrackSummary{Expected: eta}},
		{"OLD", "FI", carrier.StatusInTransit, store.TrackSummary{Expected: eta.AddDate(0, 0, -4)}},
		{"TOMORROW", "FI", carrier.StatusInTransit, store.TrackSummary{Expected: eta.AddDate(0, 0, 1)}},
		{"SAID-SO", "SE", carrier.StatusInTransit, store.TrackSummary{Expected: eta}},
	}
	for _, p := range parcels {
		v.order(p.ref, receiver("Kim", p.country, strings.ToLower(p.ref)+"@example.com", ""), "")
		v.ship(p.ref, "postnord")
		v.track(p.ref, p.status, p.sum)
	}
	// SAID-SO: the carrier said delayed during the day (an event).
	v.clock.Set(eta.Add(-time.Hour))
	delayed := ev("SAID-SO", eta.Add(-2*time.Hour), carrier.StatusInTransit, "DELAYED", "DELAYED", "Delayed", "")
	v.track("SAID-SO", carrier.StatusInTransit, store.TrackSummary{Expected: eta}, delayed)
	if got := v.messages(); len(got) != 1 || got[0].OrderRef != "SAID-SO" {
		t.Fatalf("after the event:%s", summary(got))
	}

	v.clock.Set(time.Date(2026, 11, 24, 23, 59, 0, 0, stockholm))
	if n := sweep(t, v); n != 0 {
		t.Fatalf("on the expected day: %d", n)
	}
	v.clock.Set(time.Date(2026, 11, 25, 0, 0, 0, 0, stockholm))
	if n := sweep(t, v); n != 1 {
		t.Fatalf("after it: %d:%s", n, summary(v.messages()))
	}
	if n := sweep(t, v); n != 0 {
		t.Errorf("again: %d", n)
	}
	ms := v.messages()
	if len(ms) != 2 || ms[1].ID != "notify:late:LATE:delay_risk:email:late@example.com" {
		t.Fatalf("messages:%s", summary(ms))
	}
	if o := outgoing(t, ms[1]); o.Language != "fi" || o.Text != "Odotettu tiistai 24. marraskuuta" {
		t.Errorf("outgoing %+v", o)
	}
}

func TestSweepWithNoRulesReadsNothing(t *testing.T) {
	v := newEnv(t, nil)
	v.setup()
	v.order("A-1", receiver("Åsa", "SE", "a@example.se", ""), "")
	v.ship("A-1", "postnord")
	v.track("A-1", carrier.StatusInTransit, store.TrackSummary{Expected: day0.AddDate(0, 0, -1)})
	if n := sweep(t, v); n != 0 {
		t.Errorf("%d", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := enRule("late", TriggerDelayRisk)
	if _, err := v.e.SaveRule(r); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.EnableRule("late", true); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.Sweep(ctx); err == nil {
		t.Error("a cancelled sweep went on")
	}
}
