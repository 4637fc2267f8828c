package station

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"labelstation/carrier"
)

// Shipping rules preselect one option of a rate comparison, so the usual
// parcel stays scan-weigh-print with no extra click. Rules are tried in
// order; the first whose conditions all hold chooses. Without a matching
// rule a comparison preselects the cheapest option, and Pack books with
// the carrier the order's service belongs to (or the primary).

// What a rule chooses.
const (
	ChooseCheapest           = "cheapest"
	ChooseFastest            = "fastest"
	ChooseCheapestByDeadline = "cheapest_by_deadline"
	ChooseFixed              = "fixed" // Rule.Carrier (and Rule.Service)
)

// Rule is one shipping rule: conditions on the parcel, and a choice.
type Rule struct {
	Name string
	// Countries are destination countries (ISO alpha-2); empty: any.
	Countries []string
	// MinWeight and MaxWeight bound the parcel's weight; 0: no bound.
	MinWeight, MaxWeight carrier.Weight
	// OrderServices match the order's service code; empty: any.
	OrderServices []string
	// Choose is one of the Choose… words.
	Choose string
	// WithinDays is the promised delivery for cheapest_by_deadline: the
	// parcel must arrive by the end of the day this many days from now
	// (orders carry no promised date of their own yet).
	WithinDays int
	// Carrier and Service are the fixed choice (Service "" takes the
	// carrier's default or the order's service).
	Carrier, Service string
}

// Validate checks a rule's words.
func (r Rule) Validate() error {
	switch r.Choose {
	case ChooseCheapest, ChooseFastest:
	case ChooseCheapestByDeadline:
		if r.WithinDays <= 0 {
			return fmt.Errorf("rule %q chooses %s but gives no within_days", r.Name, r.Choose)
		}
	case ChooseFixed:
		if r.Carrier == "" {
			return fmt.Errorf("rule %q chooses fixed but names no carrier", r.Name)
		}
	default:
		return fmt.Errorf("rule %q: choose is %q: use cheapest, fastest, cheapest_by_deadline or fixed", r.Name, r.Choose)
	}
	if r.MaxWeight > 0 && r.MinWeight > r.MaxWeight {
		return fmt.Errorf("rule %q: min weight %s is above max weight %s", r.Name, r.MinWeight, r.MaxWeight)
	}
	return nil
}

// Matches reports whether the rule applies to the order's parcel.
func (r Rule) Matches(order carrier.Order, w carrier.Weight) bool {
	if len(r.Countries) > 0 && !slices.ContainsFunc(r.Countries, func(c string) bool { return strings.EqualFold(c, order.Receiver.Country) }) {
		return false
	}
	if r.MinWeight > 0 && w < r.MinWeight {
		return false
	}
	if r.MaxWeight > 0 && w > r.MaxWeight {
		return false
	}
	if len(r.OrderServices) > 0 && !slices.Contains(r.OrderServices, order.Service) {
		return false
	}
	return true
}

// matchRule returns the first rule that applies, or nil.
func (s *Station) matchRule(order carrier.Order, w carrier.Weight) *Rule {
	for i := range s.cfg.Rules {
		if s.cfg.Rules[i].Matches(order, w) {
			return &s.cfg.Rules[i]
		}
	}
	return nil
}

// preselect sets cmp.Chosen (and Rule, RuleNote) to what Pack would book
// without a choice: the first matching rule's option, or without a rule
// the order's own service with its carrier — so what is shown as chosen is
// what the label gets. Options are sorted cheapest first.
func (s *Station) preselect(cmp *RateComparison, order carrier.Order, w carrier.Weight) {
	cmp.Chosen = -1
	if len(cmp.Options) == 0 {
		return
	}
	r := s.matchRule(order, w)
	if r == nil {
		ch, err := s.chooseCarrier(order, PackOptions{}, nil)
		if err != nil {
			cmp.RuleNote = err.Error()
			return
		}
		for i, o := range cmp.Options {
			if o.Carrier == ch.carrier && o.Service == ch.service {
				cmp.Chosen = i
				return
			}
		}
		cmp.RuleNote = fmt.Sprintf("the order's service (%s %s) was not quoted", ch.carrier, ch.service)
		return
	}
	cmp.Rule = r.Name
	cmp.Chosen, cmp.RuleNote = pick(*r, cmp.Options, s.cfg.Now())
}

// pick applies one rule to options sorted cheapest first.
func pick(r Rule, opts []carrier.Rate, now time.Time) (int, string) {
	switch r.Choose {
	case ChooseFastest:
		if i := fastest(opts); i >= 0 {
			return i, ""
		}
		return 0, "no carrier gave a delivery date; the cheapest was taken"
	case ChooseCheapestByDeadline:
		y, m, d := now.Local().AddDate(0, 0, r.WithinDays).Date()
		by := time.Date(y, m, d, 23, 59, 59, 0, time.Local)
		for i, o := range opts {
			if !o.EstimatedDelivery.IsZero() && !o.EstimatedDelivery.After(by) {
				return i, ""
			}
		}
		if i := fastest(opts); i >= 0 {
			return i, fmt.Sprintf("nothing arrives by %s; the fastest was taken", by.Format("2006-01-02"))
		}
		return 0, fmt.Sprintf("no carrier gave a delivery date to check against %s; the cheapest was taken", by.Format("2006-01-02"))
	case ChooseFixed:
		for i, o := range opts {
			if o.Carrier == r.Carrier && (r.Service == "" || o.Service == r.Service) {
				return i, ""
			}
		}
		return 0, fmt.Sprintf("%s %s is not among the options; the cheapest was taken", r.Carrier, r.Service)
	}
	return 0, ""
}

// fastest is the option with the earliest delivery date (the cheaper of
// equals), -1 when none has a date.
func fastest(opts []carrier.Rate) int {
	best := -1
	for i, o := range opts {
		if o.EstimatedDelivery.IsZero() {
			continue
		}
		if best < 0 || dayOf(o.EstimatedDelivery).Before(dayOf(opts[best].EstimatedDelivery)) {
			best = i
		}
	}
	return best
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.Local().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

// ruleChoice is the carrier and service a shipping rule picks for a
// parcel Pack is about to book, or nil when no rule applies (or a
// rate-based rule finds no option: then the usual choice stands). A fixed
// rule needs no network; the others compare rates within the default
// deadline.
func (s *Station) ruleChoice(ctx context.Context, order carrier.Order, w carrier.Weight) *parcelChoice {
	r := s.matchRule(order, w)
	if r == nil {
		return nil
	}
	if r.Choose == ChooseFixed {
		return &parcelChoice{carrier: r.Carrier, service: r.Service, rule: r.Name}
	}
	cmp := s.compare(ctx, order, w, 0)
	o, ok := cmp.ChosenRate()
	if !ok {
		s.log.Warn("shipping rule found no option; the usual carrier books", "order", order.Ref, "rule", r.Name, "missing", cmp.Missing)
		return nil
	}
	s.log.Info("shipping rule chose", "order", order.Ref, "rule", r.Name, "carrier", o.Carrier, "service", o.Service, "note", cmp.RuleNote)
	return &parcelChoice{carrier: o.Carrier, service: o.Service, rule: r.Name}
}
