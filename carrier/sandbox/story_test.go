package sandbox_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/sandbox"
	"labelstation/label"
)

// Tracking stories (issue 7, item 5): every kind, told through the real
// PostNord client against a clock the test sets.

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic(err)
	}
	return loc
}()

const storySeed = 42

type storyRig struct {
	*rig
	clk *sandbox.Clock
}

// newStoryRig is newRig on a sandbox.Clock standing at start.
func newStoryRig(t *testing.T, opts sandbox.Options, start time.Time) *storyRig {
	t.Helper()
	clk := sandbox.NewClock(start)
	opts.Now = clk.Now
	if opts.Seed == 0 {
		opts.Seed = storySeed
	}
	return &storyRig{rig: newRig(t, opts), clk: clk}
}

// forced makes every item tell story k.
func forced(k sandbox.Story) func(string) sandbox.Story {
	return func(string) sandbox.Story { return k }
}

// Receivers and services of the corridors the tests book.
func seHome() carrier.BookingRequest {
	req := booking()
	req.Receiver = carrier.Address{Name: "Sven Svensson", Street1: "Drottninggatan 1", Postcode: "11151", City: "Stockholm", Country: "SE", Phone: "+46701234567"}
	req.Service = carrier.Service{Code: "17"}
	req.Parcels = req.Parcels[:1]
	return req
}

func seCollect() carrier.BookingRequest {
	req := seHome()
	req.Service = carrier.Service{Code: "19", Additional: []string{"A7", "A3"}, ServicePointID: "654321"}
	req.Receiver.Email = "sven@example.se"
	return req
}

func dkHome() carrier.BookingRequest {
	req := seHome()
	req.Receiver = carrier.Address{Name: "Søren Ødegård", Street1: "Havnevej 5", Postcode: "5935", City: "Bagenkop", Country: "DK", Phone: "+4520123456"}
	return req
}

func noCollect() carrier.BookingRequest {
	req := booking()
	req.Parcels = req.Parcels[:1]
	return req
}

func (r *storyRig) book(t *testing.T, req carrier.BookingRequest) string {
	t.Helper()
	b, err := r.client.Book(context.Background(), req)
	if err != nil {
		t.Fatalf("Book: %v", err)
	}
	return b.ItemIDs[0]
}

func (r *storyRig) track(t *testing.T, id string) carrier.Tracking {
	t.Helper()
	tr, err := r.client.Track(context.Background(), id)
	if err != nil {
		t.Fatalf("Track(%s) at %v: %v", id, r.clk.Now(), err)
	}
	return tr
}

// history tracks an item at end, then replays its story: just before each
// event's time it must not be shown yet, at its time it must be, with
// every earlier event and no later one (so no event is ever in the
// future, and times read back as the sandbox meant them). It returns the
// item's normalised statuses as they changed, and the tracking at end.
func (r *storyRig) history(t *testing.T, id string, end time.Time) ([]carrier.Status, carrier.Tracking) {
	t.Helper()
	r.clk.Set(end)
	full := r.track(t, id)
	if full.ETA.IsZero() {
		t.Errorf("%s: no ETA", id)
	}
	var statuses []carrier.Status
	for i, e := range full.Events {
		if i > 0 && !e.Time.After(full.Events[i-1].Time) {
			t.Fatalf("%s: event %d (%s) at %v, not after event %d at %v", id, i, e.CarrierCode, e.Time, i-1, full.Events[i-1].Time)
		}
		if e.ItemID != id || e.Country == "" || e.Location == "" || e.Description == "" {
			t.Errorf("%s: event %d = %+v", id, i, e)
		}
		r.clk.Set(e.Time.Add(-time.Second))
		if before := r.track(t, id); len(before.Events) != i {
			t.Fatalf("%s: a second before event %d (%s at %v) %d events are shown", id, i, e.CarrierCode, e.Time, len(before.Events))
		}
		r.clk.Set(e.Time)
		at := r.track(t, id)
		if len(at.Events) != i+1 || !reflect.DeepEqual(at.Events, full.Events[:i+1]) {
			t.Fatalf("%s: at event %d (%s at %v) shown %d events, want the first %d", id, i, e.CarrierCode, e.Time, len(at.Events), i+1)
		}
		if !at.ETA.Equal(full.ETA) {
			t.Errorf("%s: ETA moved from %v to %v", id, at.ETA, full.ETA)
		}
		if n := len(statuses); n == 0 || statuses[n-1] != at.Status {
			statuses = append(statuses, at.Status)
		}
	}
	return statuses, full
}

func codes(tr carrier.Tracking) []string {
	var out []string
	for _, e := range tr.Events {
		out = append(out, e.CarrierCode)
	}
	return out
}

func event(t *testing.T, tr carrier.Tracking, code string) carrier.TrackingEvent {
	t.Helper()
	for _, e := range tr.Events {
		if e.CarrierCode == code {
			return e
		}
	}
	t.Fatalf("no %s event in %v", code, codes(tr))
	return carrier.TrackingEvent{}
}

// days counts calendar days in Stockholm from a to b.
func days(a, b time.Time) int {
	ya, ma, da := a.In(stockholm).Date()
	yb, mb, db := b.In(stockholm).Date()
	return int(math.Round(time.Date(yb, mb, db, 12, 0, 0, 0, time.UTC).Sub(time.Date(ya, ma, da, 12, 0, 0, 0, time.UTC)).Hours() / 24))
}

const (
	created    = carrier.StatusCreated
	inTransit  = carrier.StatusInTransit
	customs    = carrier.StatusAwaitingCustoms
	atSP       = carrier.StatusAtServicePoint
	out        = carrier.StatusOutForDelivery
	delivered  = carrier.StatusDelivered
	exception  = carrier.StatusException
	returnedSt = carrier.StatusReturned
)

// TestStoryKinds: each kind, forced, yields its normalised status
// sequence through postnord.Client.Track, with the timing its kind
// promises against the ETA.
func TestStoryKinds(t *testing.T) {
	type tc struct {
		name  string
		story sandbox.Story
		req   func() carrier.BookingRequest
		want  []carrier.Status
		check func(t *testing.T, tr carrier.Tracking)
	}
	// deliveredOn wants the delivery (or, at a service point, the
	// arrival) that many days after the ETA's day.
	deliveredOn := func(code string, lo, hi int) func(t *testing.T, tr carrier.Tracking) {
		return func(t *testing.T, tr carrier.Tracking) {
			e := event(t, tr, code)
			if d := days(tr.ETA, e.Time); d < lo || d > hi {
				t.Errorf("%s on %v, %d days after the ETA %v; want %d…%d", code, e.Time.In(stockholm), d, tr.ETA.In(stockholm), lo, hi)
			}
		}
	}
	returnedToSender := func(t *testing.T, tr carrier.Tracking) {
		e := event(t, tr, "RETURNED_TO_SENDER")
		if e.Country != "SE" || e.Status != returnedSt {
			t.Errorf("return ends %+v", e)
		}
	}
	for _, c := range []tc{
		{"on time home", sandbox.StoryOnTime, seHome, []carrier.Status{created, inTransit, out, delivered}, deliveredOn("DELIVERED", 0, 0)},
		{"on time collect", sandbox.StoryOnTime, seCollect, []carrier.Status{created, inTransit, atSP, delivered}, deliveredOn("ARRIVED_SP", 0, 0)},
		{"on time DK", sandbox.StoryOnTime, dkHome, []carrier.Status{created, inTransit, out, delivered}, deliveredOn("DELIVERED", 0, 0)},
		{"late home", sandbox.StoryLate, seHome, []carrier.Status{created, inTransit, out, delivered}, func(t *testing.T, tr carrier.Tracking) {
			deliveredOn("DELIVERED", 1, 2)(t, tr)
			if d := event(t, tr, "DELAYED"); d.CarrierStatus != "DELAYED" || days(d.Time, tr.ETA) != 0 || d.Time.After(tr.ETA) {
				t.Errorf("delay %+v, ETA %v", d, tr.ETA)
			}
		}},
		{"late collect", sandbox.StoryLate, seCollect, []carrier.Status{created, inTransit, atSP, delivered}, deliveredOn("ARRIVED_SP", 1, 2)},
		{"exception home", sandbox.StoryException, seHome, []carrier.Status{created, inTransit, exception, inTransit, out, delivered}, deliveredOn("DELIVERED", 1, 1)},
		{"failed attempt home", sandbox.StoryFailedAttempt, seHome, []carrier.Status{created, inTransit, out, exception, atSP, delivered}, func(t *testing.T, tr carrier.Tracking) {
			failed, sp := event(t, tr, "DELIVERY_ATTEMPT_FAILED"), event(t, tr, "ARRIVED_SP")
			if days(tr.ETA, failed.Time) != 0 || days(failed.Time, sp.Time) != 1 {
				t.Errorf("failed %v, at the service point %v, ETA %v", failed.Time, sp.Time, tr.ETA)
			}
		}},
		{"failed attempt collect", sandbox.StoryFailedAttempt, seCollect, []carrier.Status{created, inTransit, exception, atSP, delivered}, nil},
		{"returned home", sandbox.StoryReturned, seHome, []carrier.Status{created, inTransit, exception, returnedSt}, returnedToSender},
		{"returned collect", sandbox.StoryReturned, seCollect, []carrier.Status{created, inTransit, exception, returnedSt}, returnedToSender},
		{"refused home", sandbox.StoryRefused, seHome, []carrier.Status{created, inTransit, out, exception, returnedSt}, returnedToSender},
		{"refused collect", sandbox.StoryRefused, seCollect, []carrier.Status{created, inTransit, atSP, exception, returnedSt}, returnedToSender},
		{"not collected", sandbox.StoryNotCollected, seCollect, []carrier.Status{created, inTransit, atSP, returnedSt}, func(t *testing.T, tr carrier.Tracking) {
			// Held 7 days: the return starts the morning after the 7th.
			if d := days(event(t, tr, "ARRIVED_SP").Time, event(t, tr, "NOT_COLLECTED").Time); d != 8 {
				t.Errorf("returned %d days after arrival, want 8", d)
			}
			returnedToSender(t, tr)
		}},
		{"not collected home", sandbox.StoryNotCollected, seHome, []carrier.Status{created, inTransit, out, exception, atSP, returnedSt}, returnedToSender},
		{"lost", sandbox.StoryLost, seHome, []carrier.Status{created, inTransit}, func(t *testing.T, tr carrier.Tracking) {
			if got := strings.Join(codes(tr), " "); got != "EDI_RECEIVED HANDED_IN SORTED" {
				t.Errorf("lost parcel's events %s", got)
			}
		}},
		{"silent", sandbox.StorySilent, seCollect, []carrier.Status{created}, nil},
		{"stepped", sandbox.StoryStepped, seHome, []carrier.Status{created, inTransit, out, delivered}, nil},
		{"customs on time", sandbox.StoryOnTime, noCollect, []carrier.Status{created, inTransit, customs, inTransit, atSP, delivered}, nil},
		{"customs refused", sandbox.StoryRefused, noCollect, []carrier.Status{created, inTransit, customs, inTransit, atSP, exception, returnedSt}, nil},
		{"customs lost", sandbox.StoryLost, noCollect, []carrier.Status{created, inTransit}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newStoryRig(t, sandbox.Options{Story: forced(c.story)}, bookedAt)
			id := r.book(t, c.req())
			if k, ok := r.sb.Story(id); !ok || k != c.story {
				t.Errorf("Story(%s) = %q %v", id, k, ok)
			}
			statuses, tr := r.history(t, id, bookedAt.Add(40*24*time.Hour))
			if !slices.Equal(statuses, c.want) {
				t.Errorf("statuses %v\nwant     %v\nevents %v", statuses, c.want, codes(tr))
			}
			if tr.Status != c.want[len(c.want)-1] {
				t.Errorf("final status %s", tr.Status)
			}
			if c.check != nil {
				c.check(t, tr)
			}
		})
	}
}

// TestStoryTransitDays: the ETA is the corridor's transit days after
// pickup, 17:00 Stockholm, and an on-time parcel arrives then.
func TestStoryTransitDays(t *testing.T) {
	r := newStoryRig(t, sandbox.Options{Story: forced(sandbox.StoryOnTime)}, bookedAt)
	for _, c := range []struct {
		req    func() carrier.BookingRequest
		to     string
		lo, hi int
	}{{seHome, "SE", 1, 2}, {dkHome, "DK", 2, 3}, {noCollect, "NO", 3, 5}} {
		for range 3 {
			r.clk.Set(bookedAt)
			id := r.book(t, c.req())
			tr := r.track(t, id)
			want := sandbox.TransitDays(storySeed, id, "SE", c.to)
			if want < c.lo || want > c.hi {
				t.Errorf("SE→%s: %d transit days", c.to, want)
			}
			// Booked 10:40 local, before the cutoff: picked up the same day.
			eta := tr.ETA.In(stockholm)
			if d := days(bookedAt, eta); d != want || eta.Hour() != 17 || eta.Minute() != 0 {
				t.Errorf("SE→%s: ETA %v, want 17:00 %d days after %v", c.to, eta, want, bookedAt.In(stockholm))
			}
		}
	}
	// After the 14:00 cutoff the parcel is picked up the next day.
	late := time.Date(2026, 9, 28, 15, 30, 0, 0, stockholm)
	r.clk.Set(late)
	id := r.book(t, seHome())
	_, tr := r.history(t, id, late.Add(10*24*time.Hour))
	if h := event(t, tr, "HANDED_IN").Time; days(late, h) != 1 {
		t.Errorf("booked %v, handed in %v", late, h.In(stockholm))
	}
	if d := days(late, tr.ETA); d != 1+sandbox.TransitDays(storySeed, id, "SE", "SE") {
		t.Errorf("booked %v after the cutoff, ETA %v", late, tr.ETA.In(stockholm))
	}
}

// TestCustomsStall: a parcel into Norway waits in customs as long as
// CustomsStallDays says (predictable from seed and id), showing
// awaiting_customs all that time, then goes on and is delivered.
func TestCustomsStall(t *testing.T) {
	r := newStoryRig(t, sandbox.Options{Story: forced(sandbox.StoryOnTime)}, bookedAt)
	seen := map[int]bool{}
	for i := 0; i < 40 && len(seen) < 4; i++ {
		r.clk.Set(bookedAt)
		id := r.book(t, noCollect())
		stall := sandbox.CustomsStallDays(storySeed, id)
		statuses, tr := r.history(t, id, bookedAt.Add(30*24*time.Hour))
		want := []carrier.Status{created, inTransit, customs, inTransit, atSP, delivered}
		if !slices.Equal(statuses, want) {
			t.Fatalf("%s: statuses %v, want %v", id, statuses, want)
		}
		hold, clear := event(t, tr, "CUSTOMS_HOLD"), event(t, tr, "CUSTOMS_CLEARED")
		if d := days(hold.Time, clear.Time); d != stall {
			t.Errorf("%s: held %v, cleared %v: %d days, want %d", id, hold.Time, clear.Time, d, stall)
		}
		if hold.Country != "NO" || hold.CarrierStatus != "EXPECTED_DELAY" {
			t.Errorf("hold %+v", hold)
		}
		// Halfway through the stall the parcel is awaiting customs.
		r.clk.Set(hold.Time.Add(clear.Time.Sub(hold.Time) / 2))
		if st := r.track(t, id).Status; st != customs {
			t.Errorf("%s: mid-stall status %s", id, st)
		}
		// Late only when the stall outlasts the corridor's slack.
		transit := sandbox.TransitDays(storySeed, id, "SE", "NO")
		lateBy := days(tr.ETA, event(t, tr, "ARRIVED_SP").Time)
		if want := max(0, stall+2-transit); lateBy != want {
			t.Errorf("%s: transit %d, stall %d: arrived %d days after the ETA, want %d", id, transit, stall, lateBy, want)
		}
		seen[stall] = true
	}
	if len(seen) < 3 {
		t.Errorf("stall lengths seen: %v", seen)
	}
}

// ids returns n SSCCs as the sandbox allocates them.
func ids(t *testing.T, first uint64, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		id, err := label.NewSSCC(3, sandbox.DefaultCompanyPrefix, first+uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = id
	}
	return out
}

// within wants share got of n near p: four standard deviations and a bit.
func within(t *testing.T, what string, got, n int, p float64) {
	t.Helper()
	share := float64(got) / float64(n)
	if tol := 4*math.Sqrt(p*(1-p)/float64(n)) + 0.002; math.Abs(share-p) > tol {
		t.Errorf("%s: %d of %d (%.2f %%), want %.2f %% ± %.2f", what, got, n, 100*share, 100*p, 100*tol)
	}
}

// TestTrackingMix: over 2,000 items the default mix is within tolerance
// of its weights, and a mix of one's own too; the customs stall and the
// transit days keep their ranges.
func TestTrackingMix(t *testing.T) {
	const n = 2000
	items := ids(t, 454102095, n)
	for _, seed := range []int64{1, 2} {
		count := map[sandbox.Story]int{}
		for _, id := range items {
			count[sandbox.StoryFor(seed, nil, id)]++
		}
		def := sandbox.DefaultTrackingMix()
		total := 0.0
		for _, w := range def {
			total += w
		}
		if total != 100 {
			t.Errorf("default weights add up to %v", total)
		}
		for _, k := range sandbox.Stories() {
			within(t, fmt.Sprintf("seed %d, %s", seed, k), count[k], n, def[k]/total)
		}
	}

	mine := sandbox.TrackingMix{sandbox.StoryLate: 1, sandbox.StoryLost: 3}
	count := map[sandbox.Story]int{}
	for _, id := range items {
		count[sandbox.StoryFor(7, mine, id)]++
	}
	if count[sandbox.StoryLate]+count[sandbox.StoryLost] != n {
		t.Errorf("mix of late and lost gave %v", count)
	}
	within(t, "late of late:lost 1:3", count[sandbox.StoryLate], n, 0.25)

	stalls := map[int]int{}
	for _, id := range items {
		stalls[sandbox.CustomsStallDays(1, id)]++
	}
	for d, c := range stalls {
		if d < 1 || d > 5 {
			t.Errorf("%d parcels stall %d days", c, d)
		}
	}
	for d, p := range map[int]float64{1: 0.40, 2: 0.30, 3: 0.15, 4: 0.10, 5: 0.05} {
		within(t, fmt.Sprintf("stall of %d days", d), stalls[d], n, p)
	}
	within(t, "cleared within 3 days", stalls[1]+stalls[2]+stalls[3], n, 0.85)

	for _, c := range []struct {
		from, to string
		lo, hi   int
	}{{"SE", "SE", 1, 2}, {"SE", "DK", 2, 3}, {"SE", "FI", 2, 3}, {"SE", "NO", 3, 5}, {"DK", "NO", 3, 5}, {"SE", "DE", 4, 7}} {
		seen := map[int]bool{}
		for _, id := range items {
			seen[sandbox.TransitDays(1, id, c.from, c.to)] = true
		}
		for d := range seen {
			if d < c.lo || d > c.hi {
				t.Errorf("%s→%s: %d days", c.from, c.to, d)
			}
		}
		if len(seen) != c.hi-c.lo+1 {
			t.Errorf("%s→%s: days seen %v, want all of %d…%d", c.from, c.to, seen, c.lo, c.hi)
		}
	}
}

// TestTrackingMixThroughServer: booked items get StoryFor's kind, and
// after 40 days each has ended the way its kind ends.
func TestTrackingMixThroughServer(t *testing.T) {
	r := newStoryRig(t, sandbox.Options{Seed: 7}, bookedAt)
	reqs := []func() carrier.BookingRequest{seHome, seCollect, dkHome, noCollect}
	var booked []string
	for i := range 120 {
		booked = append(booked, r.book(t, reqs[i%len(reqs)]()))
	}
	r.clk.Set(bookedAt.Add(40 * 24 * time.Hour))
	final := map[sandbox.Story]carrier.Status{
		sandbox.StoryOnTime: delivered, sandbox.StoryLate: delivered, sandbox.StoryException: delivered, sandbox.StoryFailedAttempt: delivered,
		sandbox.StoryReturned: returnedSt, sandbox.StoryRefused: returnedSt, sandbox.StoryNotCollected: returnedSt,
		sandbox.StoryLost: inTransit, sandbox.StorySilent: created,
	}
	kinds := map[sandbox.Story]int{}
	for _, id := range booked {
		k, ok := r.sb.Story(id)
		if !ok || k != sandbox.StoryFor(7, nil, id) {
			t.Errorf("Story(%s) = %q %v, StoryFor says %q", id, k, ok, sandbox.StoryFor(7, nil, id))
		}
		kinds[k]++
		tr := r.track(t, id)
		if tr.Status != final[k] {
			t.Errorf("%s (%s): ends %s, want %s; events %v", id, k, tr.Status, final[k], codes(tr))
		}
		for _, e := range tr.Events {
			if e.Time.After(r.clk.Now()) {
				t.Errorf("%s: event %s at %v is in the future", id, e.CarrierCode, e.Time)
			}
		}
	}
	if kinds[sandbox.StoryOnTime] < 80 || len(kinds) < 3 {
		t.Errorf("kinds over 120 items: %v", kinds)
	}
	if _, ok := r.sb.Story("00373500450000000000"); ok {
		t.Error("Story of an unknown item")
	}
}

// TestTrackingDeterministic: the same seed tells the same stories, byte
// for byte; another seed tells others.
func TestTrackingDeterministic(t *testing.T) {
	answers := func(seed int64) string {
		r := newStoryRig(t, sandbox.Options{Seed: seed}, bookedAt)
		var booked []string
		for i := range 30 {
			req := seHome()
			if i%2 == 1 {
				req = noCollect()
			}
			booked = append(booked, r.book(t, req))
		}
		r.clk.Set(bookedAt.Add(6 * 24 * time.Hour))
		var b strings.Builder
		for _, id := range booked {
			resp, err := http.Get(r.srv.URL + "/rest/shipment/v7/trackandtrace/id/" + id + "/public?apikey=" + apiKey)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			b.Write(body)
		}
		return b.String()
	}
	a, b := answers(3), answers(3)
	if a != b {
		t.Error("the same seed told different stories")
	}
	if a == answers(4) {
		t.Error("another seed told the same stories")
	}
	// The wire format: zone-less local times, three-letter countries.
	for _, want := range []string{`"eventTime":"2026-09-28T10:40:52"`, `"countryCode":"SWE"`, `"countryCode":"NOR"`, `"estimatedTimeOfArrival":"2026-`} {
		if !strings.Contains(a, want) {
			t.Errorf("answers lack %s", want)
		}
	}
}

// TestTrackingForcedByMix: a one-kind mix forces that kind without
// Options.Story, and Options.Story's "" leaves the choice to the mix.
func TestTrackingForcedByMix(t *testing.T) {
	r := newStoryRig(t, sandbox.Options{
		TrackingMix: sandbox.TrackingMix{sandbox.StoryLost: 1},
		Story:       func(string) sandbox.Story { return "" },
	}, bookedAt)
	id := r.book(t, seHome())
	if k, _ := r.sb.Story(id); k != sandbox.StoryLost {
		t.Errorf("story %s", k)
	}
	for _, bad := range []sandbox.TrackingMix{{"epic": 1}, {sandbox.StoryLate: -1}, {sandbox.StoryLate: 0}, {sandbox.StoryLate: math.NaN()}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with mix %v did not panic", bad)
				}
			}()
			sandbox.New(sandbox.Options{TrackingMix: bad})
		}()
	}
}

// TestTrackingAcrossDST: stories that run over the nights clocks change
// keep Stockholm's wall-clock hours, read back as the same instants, and
// count a hold of 7 days in calendar days.
func TestTrackingAcrossDST(t *testing.T) {
	for _, start := range []time.Time{
		time.Date(2026, 3, 28, 9, 0, 0, 0, stockholm),  // clocks go forward on the 29th
		time.Date(2026, 10, 24, 9, 0, 0, 0, stockholm), // and back on the 25th
		time.Date(2026, 10, 19, 9, 0, 0, 0, stockholm),
	} {
		for _, k := range []sandbox.Story{sandbox.StoryOnTime, sandbox.StoryNotCollected} {
			t.Run(start.Format("Jan02")+"/"+string(k), func(t *testing.T) {
				r := newStoryRig(t, sandbox.Options{Story: forced(k)}, start)
				id := r.book(t, seHome())
				_, tr := r.history(t, id, start.Add(40*24*time.Hour))
				if eta := tr.ETA.In(stockholm); eta.Hour() != 17 || eta.Minute() != 0 {
					t.Errorf("ETA %v", eta)
				}
				hours := map[string][2]int{"HANDED_IN": {15, 16}, "SORTED": {20, 21}, "ARRIVED_DELIVERY_TERMINAL": {4, 4},
					"OUT_FOR_DELIVERY": {7, 7}, "DELIVERED": {9, 15}, "DELIVERY_ATTEMPT_FAILED": {9, 15}, "ARRIVED_SP": {9, 10},
					"REMINDER_SENT": {8, 8}, "NOT_COLLECTED": {8, 8}, "RETURNED_TO_SENDER": {10, 14}, "ARRIVED_TERMINAL": {5, 5}}
				for _, e := range tr.Events {
					h, ok := hours[e.CarrierCode]
					if lt := e.Time.In(stockholm); ok && (lt.Hour() < h[0] || lt.Hour() > h[1]) {
						t.Errorf("%s at %v local, want %d:00–%d:59", e.CarrierCode, lt, h[0], h[1])
					}
				}
				if k == sandbox.StoryNotCollected {
					if d := days(event(t, tr, "ARRIVED_SP").Time, event(t, tr, "NOT_COLLECTED").Time); d != 8 {
						t.Errorf("returned %d days after arrival", d)
					}
				}
			})
		}
	}
}

// TestTrackingPace: TrackingStep paces the stories: at one minute a story
// hour, a story of days is told in an hour or so, its events at the same
// fractions of the way; and across the hour repeated when clocks go back
// the zone-less event times still read back right and in order.
func TestTrackingPace(t *testing.T) {
	real := newStoryRig(t, sandbox.Options{Story: forced(sandbox.StoryOnTime)}, bookedAt)
	fast := newStoryRig(t, sandbox.Options{Story: forced(sandbox.StoryOnTime), TrackingStep: time.Minute}, bookedAt)
	idReal, idFast := real.book(t, noCollect()), fast.book(t, noCollect())
	if idReal != idFast {
		t.Fatalf("ids %s and %s", idReal, idFast)
	}
	_, slow := real.history(t, idReal, bookedAt.Add(40*24*time.Hour))
	_, quick := fast.history(t, idFast, bookedAt.Add(40*time.Hour))
	if len(slow.Events) != len(quick.Events) {
		t.Fatalf("%d and %d events", len(slow.Events), len(quick.Events))
	}
	for i := range slow.Events {
		want := bookedAt.Add(slow.Events[i].Time.Sub(bookedAt) / 60).Truncate(time.Second)
		if got := quick.Events[i].Time; got.Sub(want).Abs() > time.Second {
			t.Errorf("event %d at %v, want %v", i, got, want)
		}
	}
	if want := bookedAt.Add(slow.ETA.Sub(bookedAt) / 60); quick.ETA.Sub(want).Abs() > time.Second {
		t.Errorf("ETA %v, want %v", quick.ETA, want)
	}

	// Booked in the first pass of 02:00–03:00 on 25 October, a story told
	// at a minute an hour runs through both passes of that hour.
	fallBack := time.Date(2026, 10, 25, 0, 20, 0, 0, time.UTC)
	r := newStoryRig(t, sandbox.Options{Story: forced(sandbox.StoryOnTime), TrackingStep: 30 * time.Second}, fallBack)
	id := r.book(t, seHome())
	if tr := r.track(t, id); len(tr.Events) != 1 || tr.Status != created {
		t.Errorf("fresh booking in the repeated hour: %+v", tr)
	}
	statuses, _ := r.history(t, id, fallBack.Add(3*time.Hour))
	if want := []carrier.Status{created, inTransit, out, delivered}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v", statuses)
	}
}

// TestClock: the clock tests set.
func TestClock(t *testing.T) {
	c := sandbox.NewClock(bookedAt)
	if !c.Now().Equal(bookedAt) || !c.Advance(time.Hour).Equal(bookedAt.Add(time.Hour)) || !c.Now().Equal(bookedAt.Add(time.Hour)) {
		t.Error("Advance")
	}
	c.Set(bookedAt)
	if !c.Now().Equal(bookedAt) {
		t.Error("Set")
	}
}
