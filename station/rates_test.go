package station_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/station"
	"labelstation/store"
)

// fakeCarrier is a second carrier in the registry: it quotes (optionally
// slowly, or not at all), books with a ZPL label of its own, and tracks.
type fakeCarrier struct {
	name    string
	delay   time.Duration // before Quote answers (ctx ends it sooner)
	quoteEr error
	rates   []carrier.Rate
	bookErr []error // returned by the first Book calls, in turn

	mu      sync.Mutex
	booked  []carrier.BookingRequest
	tracked []string
}

func (f *fakeCarrier) Name() string { return f.name }

func (f *fakeCarrier) Quote(ctx context.Context, req carrier.QuoteRequest) ([]carrier.Rate, error) {
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.quoteEr != nil {
		return nil, f.quoteEr
	}
	return append([]carrier.Rate(nil), f.rates...), nil
}

func (f *fakeCarrier) Book(ctx context.Context, req carrier.BookingRequest) (carrier.Booking, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bookErr) > 0 {
		err := f.bookErr[0]
		f.bookErr = f.bookErr[1:]
		return carrier.Booking{}, err
	}
	f.booked = append(f.booked, req)
	id := fmt.Sprintf("%s%09d", strings.ToUpper(f.name), len(f.booked))
	zpl := fmt.Sprintf("^XA^FO50,50^A0N,40,40^FD%s %s %s^FS^FO50,120^FD%s^FS^XZ", strings.ToUpper(f.name), req.Service.Code, req.Receiver.Name, id)
	return carrier.Booking{Carrier: f.name, ShipmentID: "S-" + id, ItemIDs: []string{id},
		Labels: []carrier.Label{{Format: carrier.LabelZPL, Data: []byte(zpl)}}, BookedAt: time.Now()}, nil
}

func (f *fakeCarrier) Track(ctx context.Context, itemID string) (carrier.Tracking, error) {
	f.mu.Lock()
	f.tracked = append(f.tracked, itemID)
	f.mu.Unlock()
	return carrier.Tracking{ItemID: itemID, Status: carrier.StatusInTransit, Events: []carrier.TrackingEvent{
		{ItemID: itemID, Time: time.Now().Add(-time.Hour), Status: carrier.StatusInTransit, CarrierCode: "IT", CarrierStatus: "IN_TRANSIT"},
	}}, nil
}

func (f *fakeCarrier) ReturnLabel(ctx context.Context, req carrier.ReturnRequest) (carrier.Booking, error) {
	return carrier.Booking{}, &carrier.Error{Carrier: f.name, Op: "return label", Kind: carrier.KindRejected, Message: "not in the fake"}
}

func (f *fakeCarrier) bookings() []carrier.BookingRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]carrier.BookingRequest(nil), f.booked...)
}

func stgRate(service string, total float64, days int) carrier.Rate {
	price := total / 1.25
	return carrier.Rate{Service: service, ServiceName: service + " delivery",
		Price: carrier.Money{Amount: price, Currency: "SEK"},
		Taxes: []carrier.Tax{{Name: "VAT", Rate: 0.25, Amount: carrier.Money{Amount: total - price, Currency: "SEK"}}},
		Total: carrier.Money{Amount: total, Currency: "SEK"}, TransitDays: days,
		EstimatedDelivery: time.Now().AddDate(0, 0, days), PriceSource: "carrier"}
}

// testPrices prices PostNord 19 and 17 for every zone.
func testPrices() station.PriceTable {
	var t station.PriceTable
	for _, z := range []string{station.ZoneDomestic, station.ZoneNordic, station.ZoneOther} {
		t = append(t,
			station.PriceBand{Carrier: "postnord", Service: "19", ServiceName: "MyPack Collect", Zone: z, MaxWeight: 5000, Price: carrier.Money{Amount: 60, Currency: "SEK"}, VATRate: 0.25},
			station.PriceBand{Carrier: "postnord", Service: "19", ServiceName: "MyPack Collect", Zone: z, MaxWeight: 20000, Price: carrier.Money{Amount: 90, Currency: "SEK"}, VATRate: 0.25},
			station.PriceBand{Carrier: "postnord", Service: "17", ServiceName: "MyPack Home", Zone: z, MaxWeight: 20000, Price: carrier.Money{Amount: 110, Currency: "SEK"}, VATRate: 0.25},
		)
	}
	return t
}

// newTwoCarrierRig is the PostNord sandbox rig with a second carrier.
func newTwoCarrierRig(t *testing.T, f *fakeCarrier, tune func(*station.Config)) *rig {
	r := newRigWith(t, nil, func(c *station.Config) {
		c.Carriers = []carrier.Carrier{f}
		c.Prices = testPrices()
		c.CarrierProfiles = map[string]station.CarrierProfile{f.name: {Services: []string{"HOME", "PICKUP"}, DefaultService: "HOME"}}
		if tune != nil {
			tune(c)
		}
	})
	r.importOrders()
	return r
}

// The must-show test: one carrier answers slowly, another fails. The
// comparison comes back within its deadline with PostNord's options, and
// says which carriers did not answer and why.
func TestRatesShowTheOthersWhenACarrierIsSlowOrFails(t *testing.T) {
	slow := &fakeCarrier{name: "stg", delay: time.Minute, rates: []carrier.Rate{stgRate("HOME", 50, 1)}}
	broken := &fakeCarrier{name: "third", quoteEr: &carrier.Error{Carrier: "third", Op: "quote", Kind: carrier.KindUnavailable, HTTPStatus: 503, Message: "busy"}}
	r := newRigWith(t, nil, func(c *station.Config) {
		c.Carriers = []carrier.Carrier{slow, broken}
		c.Prices = testPrices()
	})
	r.importOrders()

	const deadline = 700 * time.Millisecond
	start := time.Now()
	cmp, err := r.station.Rates(context.Background(), "A-2", station.RateOptions{Weight: 1200, Deadline: deadline})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if took > deadline+500*time.Millisecond {
		t.Errorf("the comparison took %v, deadline %v", took, deadline)
	}
	if len(cmp.Options) != 2 {
		t.Fatalf("options %+v, want PostNord's two", cmp.Options)
	}
	for _, o := range cmp.Options {
		if o.Carrier != "postnord" || o.PriceSource != "price table" {
			t.Errorf("option %+v", o)
		}
	}
	if len(cmp.Missing) != 2 {
		t.Fatalf("missing %+v, want stg and third", cmp.Missing)
	}
	if m := cmp.Missing[0]; m.Carrier != "stg" || m.Reason != "stg did not answer within 700 ms" {
		t.Errorf("missing[0] = %+v", m)
	}
	if m := cmp.Missing[1]; m.Carrier != "third" || !strings.Contains(m.Reason, "third could not quote") || !strings.Contains(m.Reason, "busy") {
		t.Errorf("missing[1] = %+v", m)
	}
	if cmp.Chosen != 0 || cmp.Options[0].Service != "19" {
		t.Errorf("chosen %d of %+v, want the cheapest (19)", cmp.Chosen, cmp.Options)
	}
}

func TestRatesCompareBothCarriersCheapestFirstWithTaxesAndDates(t *testing.T) {
	f := &fakeCarrier{name: "stg", rates: []carrier.Rate{stgRate("HOME", 100, 2), stgRate("PICKUP", 70, 3)}}
	r := newTwoCarrierRig(t, f, nil)
	cmp, err := r.station.Rates(context.Background(), "A-1", station.RateOptions{Weight: 1200})
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.Missing) != 0 || len(cmp.Options) != 4 {
		t.Fatalf("comparison %+v", cmp)
	}
	var got []string
	for i, o := range cmp.Options {
		got = append(got, o.Carrier+"/"+o.Service)
		if i > 0 && o.Total.Amount < cmp.Options[i-1].Total.Amount {
			t.Errorf("not sorted by total: %+v", cmp.Options)
		}
		if len(o.Taxes) == 0 || o.Total.Amount <= o.Price.Amount {
			t.Errorf("option %s without taxes: %+v", got[i], o)
		}
	}
	if strings.Join(got, " ") != "stg/PICKUP postnord/19 stg/HOME postnord/17" {
		t.Errorf("order %v", got)
	}
	// PostNord's prices come from the table: 60 SEK + 25 % VAT.
	pn := cmp.Options[1]
	if pn.Price.Amount != 60 || pn.Total.Amount != 75 || pn.PriceSource != "price table" || pn.ServiceName != "MyPack Collect" {
		t.Errorf("postnord option %+v", pn)
	}
	// Its delivery date comes from PostNord's transit times (the sandbox).
	if pn.EstimatedDelivery.IsZero() && len(cmp.Notes) == 0 {
		t.Errorf("postnord option has no date and no note: %+v", cmp)
	}
	// No rule: what Pack would book is chosen — the order's service, here
	// the station's default PostNord 19 — not the cheapest.
	if cmp.Chosen != 1 || cmp.Rule != "" {
		t.Errorf("chosen %d rule %q, want postnord/19 (what pack books)", cmp.Chosen, cmp.Rule)
	}
}

func TestRulesPreselectAnOption(t *testing.T) {
	f := &fakeCarrier{name: "stg", rates: []carrier.Rate{stgRate("HOME", 100, 1), stgRate("PICKUP", 70, 6)}}
	for _, tc := range []struct {
		rule      station.Rule
		order     string
		want      string
		wantNote  bool
		wantMatch bool
	}{
		{rule: station.Rule{Name: "fast to DK", Countries: []string{"DK"}, Choose: station.ChooseFastest}, order: "A-2", want: "stg/HOME", wantMatch: true},
		// No rule matches: what Pack books, the order's service (the
		// station's default, PostNord 19), not the cheapest.
		{rule: station.Rule{Name: "fast to DK", Countries: []string{"DK"}, Choose: station.ChooseFastest}, order: "A-1", want: "postnord/19"},
		{rule: station.Rule{Name: "light", MaxWeight: 1000, Choose: station.ChooseFastest}, order: "A-2", want: "postnord/19"},
		{rule: station.Rule{Name: "fixed pn", Choose: station.ChooseFixed, Carrier: "postnord", Service: "17"}, order: "A-1", want: "postnord/17", wantMatch: true},
		{rule: station.Rule{Name: "fixed none", Choose: station.ChooseFixed, Carrier: "nobody"}, order: "A-1", want: "stg/PICKUP", wantNote: true, wantMatch: true},
		{rule: station.Rule{Name: "by 2 days", Choose: station.ChooseCheapestByDeadline, WithinDays: 2}, order: "A-1", wantMatch: true},
	} {
		t.Run(tc.rule.Name+"/"+tc.order, func(t *testing.T) {
			if err := tc.rule.Validate(); err != nil {
				t.Fatal(err)
			}
			r := newTwoCarrierRig(t, f, func(c *station.Config) { c.Rules = []station.Rule{tc.rule} })
			cmp, err := r.station.Rates(context.Background(), tc.order, station.RateOptions{Weight: 1200})
			if err != nil {
				t.Fatal(err)
			}
			o, ok := cmp.ChosenRate()
			if !ok {
				t.Fatalf("nothing chosen: %+v", cmp)
			}
			if tc.want == "" {
				// cheapest_by_deadline: the cheapest arriving within two
				// days; STG PICKUP (6 days) is cheaper but too late.
				if o.EstimatedDelivery.IsZero() || o.EstimatedDelivery.After(time.Now().AddDate(0, 0, 3)) || (o.Carrier == "stg" && o.Service == "PICKUP") {
					t.Errorf("chose %+v", o)
				}
			} else if got := o.Carrier + "/" + o.Service; got != tc.want {
				t.Errorf("chose %s, want %s", got, tc.want)
			}
			if (cmp.Rule == tc.rule.Name) != tc.wantMatch {
				t.Errorf("rule %q", cmp.Rule)
			}
			if (cmp.RuleNote != "") != tc.wantNote {
				t.Errorf("note %q", cmp.RuleNote)
			}
		})
	}
	if err := (station.Rule{Name: "x", Choose: "dearest"}).Validate(); err == nil {
		t.Error("a rule choosing 'dearest' was accepted")
	}
}

func TestPackWithCarrierBooksAndPrintsThatCarriersLabel(t *testing.T) {
	f := &fakeCarrier{name: "stg"}
	r := newTwoCarrierRig(t, f, nil)
	ctx := context.Background()
	res, err := r.station.Pack(ctx, "A-3", station.PackOptions{Weight: 1200, Carrier: "stg"})
	if err != nil {
		t.Fatalf("pack: %v (hint %s)", err, station.Hint(err))
	}
	if res.Carrier != "stg" || res.Service != "HOME" || !strings.HasPrefix(res.TrackingID, "STG") {
		t.Fatalf("result %+v", res)
	}
	labels := r.sink.WaitLabels(1, 2*time.Second)
	if len(labels) != 1 || !strings.Contains(labels[0], res.TrackingID) {
		t.Fatalf("printer got %q", labels)
	}
	if len(f.bookings()) != 1 || r.bookings() != 0 {
		t.Fatalf("stg booked %d, postnord %d", len(f.bookings()), r.bookings())
	}
	entry, _ := r.store.EntryByOrder("A-3")
	if entry.Carrier != "stg" || entry.State != store.StateBooked {
		t.Errorf("entry %+v", entry)
	}
	// A service the packer names that belongs to STG goes to STG.
	if res, err := r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 900, Service: "PICKUP"}); err != nil || res.Carrier != "stg" || res.Service != "PICKUP" {
		t.Fatalf("pack A-2 --service PICKUP: %+v %v", res, err)
	}
	// Without a choice the primary carrier books, as before.
	if res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900}); err != nil || res.Carrier != "postnord" || res.Service != "19" {
		t.Fatalf("pack A-1: %+v %v", res, err)
	}
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900, Carrier: "dhl"}); err == nil {
		t.Fatal("pack with an unknown carrier")
	}
	if got := r.station.Carriers(); strings.Join(got, ",") != "postnord,stg" {
		t.Errorf("carriers %v", got)
	}
}

func TestPackFollowsAShippingRule(t *testing.T) {
	f := &fakeCarrier{name: "stg", rates: []carrier.Rate{stgRate("PICKUP", 40, 2)}}
	r := newTwoCarrierRig(t, f, func(c *station.Config) {
		c.Rules = []station.Rule{
			{Name: "norway fixed", Countries: []string{"NO"}, Choose: station.ChooseFixed, Carrier: "stg", Service: "HOME"},
			{Name: "denmark cheapest", Countries: []string{"DK"}, Choose: station.ChooseCheapest},
		}
	})
	ctx := context.Background()
	if res, err := r.station.Pack(ctx, "A-3", station.PackOptions{Weight: 900}); err != nil || res.Carrier != "stg" || res.Service != "HOME" {
		t.Fatalf("A-3 (NO): %+v %v", res, err)
	}
	if res, err := r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 900}); err != nil || res.Carrier != "stg" || res.Service != "PICKUP" {
		t.Fatalf("A-2 (DK, STG is cheapest): %+v %v", res, err)
	}
	if res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900}); err != nil || res.Carrier != "postnord" {
		t.Fatalf("A-1 (SE, no rule): %+v %v", res, err)
	}
}

// A booking queued for STG is sent to STG by the sync, never to the
// primary carrier; its parcel is then tracked with STG.
func TestSyncAndTrackingUseTheEntrysCarrier(t *testing.T) {
	f := &fakeCarrier{name: "stg", bookErr: []error{&carrier.Error{Carrier: "stg", Op: "book", Kind: carrier.KindUnavailable, HTTPStatus: 503, Message: "busy"}}}
	r := newTwoCarrierRig(t, f, nil)
	ctx := context.Background()
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1200, Carrier: "stg"}); carrier.KindOf(err) != carrier.KindUnavailable {
		t.Fatalf("pack while stg is busy: %v", err)
	}
	entry, _ := r.store.EntryByOrder("A-1")
	if entry.Carrier != "stg" || entry.State != store.StatePending {
		t.Fatalf("entry %+v", entry)
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rep, err := r.station.SyncQueue(sctx)
	if err != nil || rep.Booked != 1 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
	if len(f.bookings()) != 1 || r.bookings() != 0 {
		t.Fatalf("stg booked %d, postnord %d", len(f.bookings()), r.bookings())
	}
	sh, err := r.store.ShipmentByOrder("A-1")
	if err != nil || sh.Carrier != "stg" {
		t.Fatalf("shipment %+v %v", sh, err)
	}
	if _, err := r.station.TrackSync(ctx, station.TrackOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	tracked := append([]string(nil), f.tracked...)
	f.mu.Unlock()
	if len(tracked) != 1 || tracked[0] != sh.TrackingID() {
		t.Errorf("stg was asked about %v, want %s", tracked, sh.TrackingID())
	}
}

func TestPriceTableTakesTheSmallestBandPerZone(t *testing.T) {
	tab := testPrices()
	rates := tab.Rates("postnord", "NO", 6000)
	if len(rates) != 2 || rates[0].Service != "19" || rates[0].Price.Amount != 90 || rates[0].Total.Amount != 112.5 {
		t.Fatalf("rates %+v", rates)
	}
	if got := tab.Rates("postnord", "SE", 30000); len(got) != 0 {
		t.Errorf("a 30 kg parcel got %+v", got)
	}
	for c, z := range map[string]string{"SE": "SE", "no": "nordic", "DK": "nordic", "FI": "nordic", "DE": "other"} {
		if got := station.ZoneOf(c); got != z {
			t.Errorf("ZoneOf(%s) = %s, want %s", c, got, z)
		}
	}
}
