package notify

import (
	"fmt"
	"strings"

	"labelstation/carrier"
	"labelstation/store"
)

// Parcel is what a preview renders a rule against: a real order and its
// shipment, with what the station knows of its tracking and return.
type Parcel struct {
	Order    carrier.Order
	Shipment store.Shipment
	// Summary is the parcel's tracking summary (ETA, service point
	// arrival); nil: not tracked yet.
	Summary *store.TrackSummary
	// Event is its newest carrier event ({event}, {service_point}); nil:
	// none.
	Event *carrier.TrackingEvent
	// Return is the order's return (return_received); nil: none.
	Return *store.Return
}

// Preview is what a rule would send about a parcel, and why it might
// not.
type Preview struct {
	// Messages are rendered as if the rule fired now, whether or not it
	// is enabled, its trigger happened or its conditions hold: one per
	// channel and recipient (a receiver without an address for a channel
	// is shown with To empty).
	Messages []Outgoing `json:"messages"`
	// Notes say, in words, what would differ for real: a condition that
	// does not hold, the rule disabled or outside its active window,
	// quiet hours, a missing address or channel, a language the
	// template lacks, an SMS's length.
	Notes []string `json:"notes,omitempty"`
}

// statusOfTrigger is the status a parcel has when a status trigger
// fires.
var statusOfTrigger = map[Trigger]carrier.Status{
	TriggerOutForDelivery:   carrier.StatusOutForDelivery,
	TriggerAtServicePoint:   carrier.StatusAtServicePoint,
	TriggerDelivered:        carrier.StatusDelivered,
	TriggerReturnedToSender: carrier.StatusReturned,
}

// Preview renders rule ruleID for p as if it fired now; nothing is
// queued. It fails only for an unknown rule.
func (e *Engine) Preview(ruleID string, p Parcel) (Preview, error) {
	sn := e.snap.Load()
	var r *compiledRule
	for i := range sn.rules {
		if sn.rules[i].ID == ruleID {
			r = &sn.rules[i]
		}
	}
	if r == nil {
		return Preview{}, fmt.Errorf("no rule %q", ruleID)
	}
	now := e.now()
	var notes []string
	note := func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }

	order := p.Order
	s := &subject{trigger: r.Trigger, at: now, order: &order, sh: p.Shipment, event: p.Event, ret: p.Return, sum: p.Summary}
	if order.Ref == "" && order.Receiver.Name == "" {
		s.order = nil
	}
	if !r.Enabled {
		note("the rule is disabled: nothing is sent until it is enabled")
	}
	if !r.active(e.today(now)) {
		note("today is outside the rule's active window (%s – %s): nothing would be sent", orNone(r.ActiveFrom), orNone(r.ActiveUntil))
	}
	for _, m := range r.mismatches(s) {
		note("%s: the rule would not fire for this parcel", m)
	}
	st := s.status()
	if want, ok := statusOfTrigger[r.Trigger]; ok && st != want {
		note("the parcel is %s, not %s: this is how the message would read when it is", orNone(string(st)), want)
	}
	switch r.Trigger {
	case TriggerAtServicePoint, TriggerServicePointDaysLeft:
		arrived := now
		if p.Summary != nil && !p.Summary.AtServicePoint.IsZero() {
			arrived = p.Summary.AtServicePoint
		} else {
			note("the parcel has not been at a service point: days are counted as if it arrived today")
		}
		s.daysLeft, s.pickupBy = e.hold(arrived, now)
		if r.Trigger == TriggerServicePointDaysLeft && (p.Summary == nil || p.Summary.AtServicePoint.IsZero()) {
			s.daysLeft = r.DaysLeft
			s.pickupBy = s.pickupBy.AddDate(0, 0, -(e.cfg.HoldDays - r.DaysLeft))
		}
	case TriggerDelayRisk:
		if p.Summary == nil || p.Summary.Expected.IsZero() {
			note("the carrier has given no expected delivery: {eta} is empty")
		}
	case TriggerReturnReceived:
		if p.Return == nil {
			note("the order has no return: {return_tracking_number} and {return_reason} are empty")
		}
	case TriggerEventCode:
		if p.Event != nil && !eventCodeMatch(r.EventCodes, p.Event) {
			note("the newest event's code %s is not one of the rule's (%s)", orNone(p.Event.CarrierCode), strings.Join(r.EventCodes, ", "))
		}
	}
	if r.quietErr != nil {
		note("the rule's quiet hours are not valid (%v): the station's are used", r.quietErr)
	}
	if until := r.quiet.holdUntil(now, e.cfg.Location); !until.IsZero() {
		note("made now, it would be held until %s (quiet hours %s)", until.In(e.cfg.Location).Format("Mon 2 Jan 15:04"), r.quiet)
	}
	rs, rnotes := e.render(sn, r, s, now, true)
	out := Preview{Messages: make([]Outgoing, 0, len(rs)), Notes: append(notes, rnotes...)}
	for _, m := range rs {
		out.Messages = append(out.Messages, m.out)
	}
	return out, nil
}
