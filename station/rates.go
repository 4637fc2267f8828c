package station

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"labelstation/carrier"
)

// Rate comparison: before the label prints, every carrier of the station
// is asked at once what the parcel on the scale would cost and when it
// would arrive. A carrier that quotes (carrier.Quoter, STG) is asked live;
// a carrier that publishes no prices (PostNord) is priced from the
// customer's contract price table, with delivery dates from its transit
// time API (carrier.TransitTimer) where it has one. Everything happens
// within one short deadline, so a slow carrier cannot stall the bench: it
// is named in Missing and the others are shown.

// DefaultRateDeadline bounds a comparison when RateOptions.Deadline is 0.
const DefaultRateDeadline = 2 * time.Second

// Zones of the price table, by destination country.
const (
	ZoneDomestic = "SE"     // Sweden
	ZoneNordic   = "nordic" // Denmark, Finland, Norway
	ZoneOther    = "other"  // everywhere else
)

// ZoneOf is the price-table zone of a destination country.
func ZoneOf(country string) string {
	switch strings.ToUpper(strings.TrimSpace(country)) {
	case "SE":
		return ZoneDomestic
	case "DK", "FI", "NO":
		return ZoneNordic
	}
	return ZoneOther
}

// PriceBand is one contract price: a carrier's service to a zone for a
// parcel up to MaxWeight.
type PriceBand struct {
	Carrier     string // registry name, e.g. "postnord"
	Service     string // service code, e.g. "19"
	ServiceName string
	Zone        string // ZoneDomestic, ZoneNordic or ZoneOther
	MaxWeight   carrier.Weight
	Price       carrier.Money // before VAT
	VATRate     float64       // 0.25 for 25 %
}

// PriceTable holds contract prices for carriers that quote none.
type PriceTable []PriceBand

// has reports whether the table prices any service of the carrier.
func (t PriceTable) has(carrierName string) bool {
	return slices.ContainsFunc(t, func(b PriceBand) bool { return b.Carrier == carrierName })
}

// Rates prices a parcel of weight w to the country, one rate per service
// of the carrier: the smallest band that takes the weight.
func (t PriceTable) Rates(carrierName, country string, w carrier.Weight) []carrier.Rate {
	zone := ZoneOf(country)
	best := map[string]PriceBand{}
	var order []string
	for _, b := range t {
		if b.Carrier != carrierName || b.Zone != zone || b.MaxWeight < w {
			continue
		}
		cur, ok := best[b.Service]
		if !ok {
			order = append(order, b.Service)
		}
		if !ok || b.MaxWeight < cur.MaxWeight {
			best[b.Service] = b
		}
	}
	out := make([]carrier.Rate, 0, len(order))
	for _, code := range order {
		b := best[code]
		r := carrier.Rate{Carrier: carrierName, Service: b.Service, ServiceName: b.ServiceName, Price: b.Price, PriceSource: "price table"}
		if b.VATRate > 0 {
			r.Taxes = []carrier.Tax{{Name: "VAT", Rate: b.VATRate, Amount: carrier.Money{Amount: round2(b.Price.Amount * b.VATRate), Currency: b.Price.Currency}}}
		}
		r.Total = totalOf(r)
		out = append(out, r)
	}
	return out
}

// RateOptions tune one comparison.
type RateOptions struct {
	// Weight of the parcel; 0 takes a stable weight from the scale (as
	// Pack does).
	Weight carrier.Weight
	// Deadline bounds the whole comparison (0: DefaultRateDeadline).
	Deadline time.Duration
}

// MissingCarrier is a carrier whose options are not in a comparison, and
// why.
type MissingCarrier struct {
	Carrier string `json:"carrier"`
	Reason  string `json:"reason"`
}

// RateComparison is every way to ship one parcel, cheapest first.
type RateComparison struct {
	OrderRef string         `json:"order_ref"`
	Country  string         `json:"country"`
	Weight   carrier.Weight `json:"weight_g"`
	Options  []carrier.Rate `json:"options"`
	// Chosen is the index in Options of what Pack books without a
	// choice: a shipping rule's option, or without one the order's own
	// service; -1 when that is not among the options (RuleNote says why).
	Chosen int `json:"chosen"`
	// Rule names the shipping rule that chose; "" means no rule matched
	// and the order's service is chosen. RuleNote says when a rule could
	// not be followed as written (e.g. nothing arrives in time).
	Rule     string `json:"rule,omitempty"`
	RuleNote string `json:"rule_note,omitempty"`
	// Missing are the carriers that failed or did not answer in time.
	Missing []MissingCarrier `json:"missing,omitempty"`
	// Notes are lesser gaps, e.g. prices shown without delivery dates.
	Notes []string      `json:"notes,omitempty"`
	Took  time.Duration `json:"took_ns"`
}

// ChosenRate returns the preselected option.
func (c RateComparison) ChosenRate() (carrier.Rate, bool) {
	if c.Chosen < 0 || c.Chosen >= len(c.Options) {
		return carrier.Rate{}, false
	}
	return c.Options[c.Chosen], true
}

// Rates compares what every carrier of the station would charge for the
// order's parcel and when it would arrive. Carriers are asked in
// parallel; one that errors or misses the deadline is listed in Missing
// while the others are shown. Only an order that cannot be found, or a
// weight that cannot be read, is an error.
func (s *Station) Rates(ctx context.Context, ref string, opts RateOptions) (RateComparison, error) {
	start := time.Now()
	order, err := s.Order(ctx, ref)
	if err != nil {
		return RateComparison{}, err
	}
	w := opts.Weight
	if w <= 0 {
		if w, err = s.stableWeight(ctx, 0); err != nil {
			return RateComparison{}, err
		}
	}
	cmp := s.compare(ctx, order, w, opts.Deadline)
	cmp.Took = time.Since(start)
	return cmp, nil
}

// compare asks every carrier and preselects an option.
func (s *Station) compare(ctx context.Context, order carrier.Order, w carrier.Weight, deadline time.Duration) RateComparison {
	if deadline <= 0 {
		deadline = DefaultRateDeadline
	}
	cmp := RateComparison{OrderRef: order.Ref, Country: order.Receiver.Country, Weight: w, Chosen: -1, Options: []carrier.Rate{}}
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()

	type answer struct {
		name  string
		rates []carrier.Rate
		note  string
		err   error
	}
	names := s.reg.names
	// Buffered: a carrier answering after the deadline finds room and
	// its goroutine ends.
	answers := make(chan answer, len(names))
	for _, name := range names {
		c := s.reg.by[name]
		go func() {
			rates, note, err := s.ratesOf(ctx, c, order, w, deadline)
			answers <- answer{name, rates, note, err}
		}()
	}
	got := map[string]bool{}
	byName := map[string]answer{}
wait:
	for len(got) < len(names) {
		select {
		case a := <-answers:
			got[a.name], byName[a.name] = true, a
		case <-ctx.Done():
			// Answers that came with the deadline still count.
			for {
				select {
				case a := <-answers:
					got[a.name], byName[a.name] = true, a
					continue
				default:
				}
				break wait
			}
		}
	}
	// In registry order, so the listing does not depend on who was first.
	for _, name := range names {
		a, ok := byName[name]
		switch {
		case !ok:
			cmp.Missing = append(cmp.Missing, MissingCarrier{name, fmt.Sprintf("%s did not answer within %s", name, words(deadline))})
		case a.err != nil:
			cmp.Missing = append(cmp.Missing, MissingCarrier{name, missingReason(name, a.err, deadline)})
		default:
			cmp.Options = append(cmp.Options, a.rates...)
			if a.note != "" {
				cmp.Notes = append(cmp.Notes, a.note)
			}
		}
	}
	sort.SliceStable(cmp.Options, func(i, j int) bool { return cmp.Options[i].Total.Amount < cmp.Options[j].Total.Amount })
	s.preselect(&cmp, order, w)
	return cmp
}

// ratesOf asks one carrier: live when it quotes, else from the price
// table with its transit times.
func (s *Station) ratesOf(ctx context.Context, c carrier.Carrier, order carrier.Order, w carrier.Weight, deadline time.Duration) ([]carrier.Rate, string, error) {
	name := c.Name()
	now := s.cfg.Now()
	if q, ok := c.(carrier.Quoter); ok {
		rates, err := q.Quote(ctx, carrier.QuoteRequest{
			From: s.cfg.Consignor.Address, To: order.Receiver, ShipDate: now,
			Parcels: []carrier.Parcel{{Weight: w, Dimensions: order.Dimensions, Contents: order.Lines}},
		})
		if err != nil {
			return nil, "", err
		}
		for i := range rates {
			if rates[i].Carrier == "" {
				rates[i].Carrier = name
			}
			if rates[i].PriceSource == "" {
				rates[i].PriceSource = "carrier"
			}
			if rates[i].Total.IsZero() {
				rates[i].Total = totalOf(rates[i])
			}
			if rates[i].EstimatedDelivery.IsZero() && rates[i].TransitDays > 0 {
				rates[i].EstimatedDelivery = now.AddDate(0, 0, rates[i].TransitDays)
			}
		}
		return rates, "", nil
	}
	if !s.cfg.Prices.has(name) {
		return nil, "", fmt.Errorf("%s quotes no prices and the price table has none for it", name)
	}
	rates := s.cfg.Prices.Rates(name, order.Receiver.Country, w)
	if len(rates) == 0 {
		return nil, "", fmt.Errorf("the price table has no %s price for %s to zone %s", name, w, ZoneOf(order.Receiver.Country))
	}
	tt, ok := c.(carrier.TransitTimer)
	if !ok {
		return rates, name + " gives no delivery dates", nil
	}
	// The dates must come within the comparison's deadline, a little
	// before it, so the prices are not lost with them.
	tctx, cancel := context.WithTimeout(ctx, deadline*9/10)
	defer cancel()
	var services []string
	for _, r := range rates {
		services = append(services, r.Service)
	}
	times, err := tt.TransitTimes(tctx, carrier.TransitQuery{From: s.cfg.Consignor.Address, To: order.Receiver, Services: services, Start: now})
	if err != nil {
		why := err.Error()
		if errors.Is(err, context.DeadlineExceeded) || tctx.Err() != nil {
			why = "no answer in time"
		}
		return rates, fmt.Sprintf("%s prices from the price table, without delivery dates (%s)", name, why), nil
	}
	for i := range rates {
		for _, t := range times {
			if t.Service != rates[i].Service || len(t.Additional) > 0 || t.Problem != "" {
				continue
			}
			if rates[i].ServiceName == "" {
				rates[i].ServiceName = t.ServiceName
			}
			switch {
			case !t.Arrival.IsZero():
				rates[i].EstimatedDelivery = t.Arrival
			case t.DaysMax > 0:
				rates[i].EstimatedDelivery = now.AddDate(0, 0, t.DaysMax)
			}
			if !rates[i].EstimatedDelivery.IsZero() {
				rates[i].TransitDays = daysBetween(now, rates[i].EstimatedDelivery)
			}
			break
		}
	}
	return rates, "", nil
}

func missingReason(name string, err error, deadline time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("%s did not answer within %s", name, words(deadline))
	}
	return fmt.Sprintf("%s could not quote: %v", name, err)
}

// words writes a deadline the way a packer reads it: "2 s", "500 ms".
func words(d time.Duration) string {
	switch {
	case d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func totalOf(r carrier.Rate) carrier.Money {
	t := r.Price
	for _, x := range r.Taxes {
		t.Amount += x.Amount.Amount
		if t.Currency == "" {
			t.Currency = x.Amount.Currency
		}
	}
	t.Amount = round2(t.Amount)
	return t
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// daysBetween counts calendar days from a to b in local time.
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.Local().Date()
	by, bm, bd := b.Local().Date()
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}
