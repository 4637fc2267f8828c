package tracking

import (
	"math/rand/v2"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

var sthlm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic(err)
	}
	return loc
}()

func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, sthlm) }

func ev(t time.Time, st carrier.Status, code, pnStatus string) carrier.TrackingEvent {
	return carrier.TrackingEvent{ItemID: "00373500450000000017", Time: t, Status: st, CarrierCode: code, CarrierStatus: pnStatus}
}

// shuffled returns the events in a random order with some repeated.
func shuffled(r *rand.Rand, evs []carrier.TrackingEvent) []carrier.TrackingEvent {
	out := append([]carrier.TrackingEvent{}, evs...)
	for i := 0; i < len(evs); i += 2 {
		out = append(out, evs[r.IntN(len(evs))])
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// A home delivery across the spring clock change (2026-03-29 02:00 → 03:00
// in Stockholm) and midnight, with a failed first attempt. Figures by hand:
// first scan HANDED_IN 28 Mar 22:00 CET (21:00 UTC); sorted 29 Mar 01:30
// CET (00:30 UTC): gap 3h30; out for delivery 29 Mar 04:00 CEST (02:00
// UTC): gap 1h30 wall-clock 2h30 but only 1h30 real; attempt 29 Mar 10:00
// CEST (08:00 UTC): gap 6h; out again 30 Mar 07:00 (05:00 UTC): gap 21h;
// delivered 30 Mar 13:00 (11:00 UTC): gap 6h. MaxGap 21h.
func TestSummariseHomeDeliveryAcrossSpringDSTAndMidnight(t *testing.T) {
	booked := at(2026, 3, 28, 18, 0)
	evs := []carrier.TrackingEvent{
		ev(at(2026, 3, 28, 18, 5), carrier.StatusCreated, "EDI_RECEIVED", "CREATED"),
		ev(at(2026, 3, 28, 22, 0), carrier.StatusInTransit, "HANDED_IN", "EN_ROUTE"),
		ev(at(2026, 3, 29, 1, 30), carrier.StatusInTransit, "SORTED", "EN_ROUTE"),
		ev(at(2026, 3, 29, 4, 0), carrier.StatusOutForDelivery, "OUT_FOR_DELIVERY", "AVAILABLE_FOR_DELIVERY"),
		ev(at(2026, 3, 29, 10, 0), carrier.StatusException, "DELIVERY_ATTEMPT_FAILED", "DELIVERY_IMPOSSIBLE"),
		ev(at(2026, 3, 30, 7, 0), carrier.StatusOutForDelivery, "OUT_FOR_DELIVERY", "AVAILABLE_FOR_DELIVERY"),
		ev(at(2026, 3, 30, 13, 0), carrier.StatusDelivered, "DELIVERED", "DELIVERED"),
		// A stray scan after delivery does not make a gap.
		ev(at(2026, 4, 5, 13, 0), carrier.StatusUnknown, "INFO", "OTHER"),
	}
	eta := at(2026, 3, 29, 18, 0)
	base := store.TrackSummary{OrderRef: "A-1", ItemID: evs[0].ItemID, BookedAt: booked, Status: carrier.StatusCreated, Polls: 3, LastPolled: booked.Add(time.Hour)}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		got := Summarise(base, carrier.StatusDelivered, time.Time{}, shuffled(r, evs))
		got = Summarise(got, carrier.StatusDelivered, time.Time{}, shuffled(r, evs)) // idempotent
		if i == 0 {
			// An ETA given earlier is kept when the carrier stops sending one.
			base.Expected = eta
			got = Summarise(base, carrier.StatusDelivered, time.Time{}, shuffled(r, evs))
		}
		want := base
		want.Status = carrier.StatusDelivered
		want.Expected = eta
		want.Events = 8
		want.FirstEvent = at(2026, 3, 28, 22, 0)
		want.LastEvent = at(2026, 4, 5, 13, 0)
		want.MaxGap = 21 * time.Hour
		want.Delivered = at(2026, 3, 30, 13, 0)
		want.FirstAttempt = at(2026, 3, 29, 10, 0)
		want.Exception = at(2026, 3, 29, 10, 0)
		if got != want {
			t.Fatalf("run %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

// Across the autumn change (2026-10-25 03:00 CEST → 02:00 CET) a night
// that reads 8 hours on the wall clock lasts 9.
func TestSummariseAutumnDSTGapIsRealTime(t *testing.T) {
	evs := []carrier.TrackingEvent{
		ev(at(2026, 10, 24, 22, 0), carrier.StatusInTransit, "HANDED_IN", "EN_ROUTE"),
		ev(at(2026, 10, 25, 6, 0), carrier.StatusInTransit, "SORTED", "EN_ROUTE"),
		ev(at(2026, 10, 25, 7, 0), carrier.StatusAtServicePoint, "ARRIVED_SP", "AVAILABLE_FOR_DELIVERY"),
	}
	got := Summarise(store.TrackSummary{}, carrier.StatusAtServicePoint, at(2026, 10, 26, 12, 0), evs)
	if got.MaxGap != 9*time.Hour {
		t.Fatalf("MaxGap = %v, want 9h", got.MaxGap)
	}
	if !got.AtServicePoint.Equal(at(2026, 10, 25, 7, 0)) || got.Status != carrier.StatusAtServicePoint || !got.Expected.Equal(at(2026, 10, 26, 12, 0)) {
		t.Fatalf("summary %+v", got)
	}
	if !got.Delivered.IsZero() || got.DeliveredNoTime {
		t.Fatalf("not delivered yet: %+v", got)
	}
}

// Customs into Norway: held, cleared, held again and still held.
func TestSummariseCustomsHoldAndClearance(t *testing.T) {
	hold := func(tm time.Time) carrier.TrackingEvent {
		e := ev(tm, carrier.StatusInTransit, "CUSTOMS_HOLD", "EXPECTED_DELAY")
		e.Description = "The shipment item is awaiting customs clearance"
		return e
	}
	evs := []carrier.TrackingEvent{
		ev(at(2026, 5, 4, 9, 0), carrier.StatusInTransit, "HANDED_IN", "EN_ROUTE"),
		hold(at(2026, 5, 4, 20, 0)),
		ev(at(2026, 5, 7, 8, 0), carrier.StatusInTransit, "CUSTOMS_CLEARED", "EN_ROUTE"),
		ev(at(2026, 5, 7, 16, 0), carrier.StatusInTransit, "SORTED", "EN_ROUTE"),
	}
	got := Summarise(store.TrackSummary{}, carrier.StatusInTransit, time.Time{}, evs)
	if !got.CustomsSince.Equal(at(2026, 5, 4, 20, 0)) || !got.CustomsCleared.Equal(at(2026, 5, 7, 8, 0)) {
		t.Fatalf("customs %v → %v", got.CustomsSince, got.CustomsCleared)
	}
	if got.MaxGap != at(2026, 5, 7, 8, 0).Sub(at(2026, 5, 4, 20, 0)) {
		t.Fatalf("MaxGap %v", got.MaxGap)
	}
	// Held again: cleared no longer holds.
	evs = append(evs, hold(at(2026, 5, 8, 9, 0)))
	got = Summarise(store.TrackSummary{}, carrier.StatusAwaitingCustoms, time.Time{}, evs)
	if !got.CustomsSince.Equal(at(2026, 5, 4, 20, 0)) || !got.CustomsCleared.IsZero() {
		t.Fatalf("held again: %v → %v", got.CustomsSince, got.CustomsCleared)
	}
	// The carrier's "stopped in customs" without a hold event.
	got = Summarise(store.TrackSummary{}, carrier.StatusAwaitingCustoms, time.Time{}, evs[:1])
	if !got.CustomsSince.Equal(at(2026, 5, 4, 9, 0)) || got.Status != carrier.StatusAwaitingCustoms {
		t.Fatalf("status-only customs: %+v", got)
	}
}

func TestSummariseFlagsAndNoTimes(t *testing.T) {
	refused := ev(at(2026, 6, 2, 10, 0), carrier.StatusException, "DELIVERY_REFUSED", "DELIVERY_REFUSED")
	damaged := ev(at(2026, 6, 1, 10, 0), carrier.StatusException, "DAMAGED", "STOPPED")
	damaged.Description = "The item is damaged"
	ret := ev(at(2026, 6, 4, 10, 0), carrier.StatusReturned, "RETURNED", "RETURNED")
	got := Summarise(store.TrackSummary{}, "", time.Time{}, []carrier.TrackingEvent{ret, refused, damaged, refused})
	if !got.Refused || !got.Damaged || !got.Returned.Equal(ret.Time) || !got.Exception.Equal(damaged.Time) || got.Status != carrier.StatusReturned || got.Events != 3 {
		t.Fatalf("flags: %+v", got)
	}
	if !got.FirstAttempt.IsZero() {
		t.Fatal("a refusal is not a failed attempt")
	}
	// Delivered, but the carrier gave no time: counted, not timed.
	notimed := ev(time.Time{}, carrier.StatusDelivered, "DELIVERED", "DELIVERED")
	got = Summarise(store.TrackSummary{}, carrier.StatusDelivered, time.Time{}, []carrier.TrackingEvent{notimed, ev(at(2026, 6, 1, 9, 0), carrier.StatusInTransit, "HANDED_IN", "EN_ROUTE")})
	if !got.DeliveredNoTime || !got.Delivered.IsZero() || got.Events != 2 || !got.LastEvent.Equal(at(2026, 6, 1, 9, 0)) {
		t.Fatalf("no time: %+v", got)
	}
	// Only the pre-advice: silent, no gap.
	got = Summarise(store.TrackSummary{Status: carrier.StatusCreated}, carrier.StatusUnknown, time.Time{}, []carrier.TrackingEvent{ev(at(2026, 6, 1, 9, 0), carrier.StatusCreated, "EDI_RECEIVED", "CREATED")})
	if !got.FirstEvent.IsZero() || got.MaxGap != 0 || got.Status != carrier.StatusCreated || got.Events != 1 {
		t.Fatalf("silent: %+v", got)
	}
	// Lost by status only: the latest event's time.
	got = Summarise(store.TrackSummary{}, carrier.StatusLost, time.Time{}, []carrier.TrackingEvent{ev(at(2026, 6, 1, 9, 0), carrier.StatusInTransit, "HANDED_IN", "EN_ROUTE")})
	if !got.Lost.Equal(at(2026, 6, 1, 9, 0)) {
		t.Fatalf("lost: %+v", got)
	}
}

func TestIntervalsAndDue(t *testing.T) {
	now := at(2026, 3, 29, 12, 0)
	cases := []struct {
		status carrier.Status
		ago    time.Duration
		due    bool
	}{
		{carrier.StatusCreated, 10 * time.Minute, false},
		{carrier.StatusCreated, 2 * time.Hour, true},
		{carrier.StatusInTransit, 3 * time.Hour, false},
		{carrier.StatusInTransit, 4 * time.Hour, true},
		{carrier.StatusAtServicePoint, 59 * time.Minute, false},
		{carrier.StatusAwaitingCustoms, time.Hour, true},
		{carrier.StatusDelivered, 1000 * time.Hour, false},
		{carrier.StatusReturned, 1000 * time.Hour, false},
	}
	for _, c := range cases {
		sum := store.TrackSummary{Status: c.status, LastPolled: now.Add(-c.ago)}
		if got := Due(sum, now, false); got != c.due {
			t.Errorf("%s polled %v ago: due %v, want %v", c.status, c.ago, got, c.due)
		}
	}
	if !Due(store.TrackSummary{Status: carrier.StatusInTransit, LastPolled: now}, now, true) {
		t.Error("all must ask about an open parcel polled just now")
	}
	if Due(store.TrackSummary{Status: carrier.StatusDelivered}, now, true) {
		t.Error("all must not ask about a delivered parcel")
	}
}

func TestSeedSkipsWhatTheCarrierCannotKnow(t *testing.T) {
	sh := store.Shipment{OrderRef: "A-1", ItemIDs: []string{"X1"}, Carrier: "postnord", Service: "19",
		Receiver: carrier.Address{Country: "NO"}, Status: carrier.StatusCreated, BookedAt: at(2026, 1, 2, 3, 4)}
	sum, ok := Seed(sh, "SE")
	if !ok || sum.ItemID != "X1" || sum.FromCountry != "SE" || sum.Country != "NO" || sum.Status != carrier.StatusCreated || !sum.BookedAt.Equal(sh.BookedAt) {
		t.Fatalf("seed: %+v %v", sum, ok)
	}
	off := sh
	off.Offline = true
	if _, ok := Seed(off, "SE"); ok {
		t.Fatal("an offline label not yet synced was seeded")
	}
	off.SyncedAt = sh.BookedAt.Add(time.Hour)
	if _, ok := Seed(off, "SE"); !ok {
		t.Fatal("a synced offline label was not seeded")
	}
	cancelled := sh
	cancelled.Cancelled = sh.BookedAt
	if _, ok := Seed(cancelled, "SE"); ok {
		t.Fatal("a cancelled shipment was seeded")
	}
}
