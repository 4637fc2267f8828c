package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// How facts fire triggers (Engine.Announcer):
//
//	label_created                              booked
//	status_changed, previous created/unknown/"" and
//	  now handed_over, in_transit or awaiting_customs   first_transport
//	status_changed to out_for_delivery         out_for_delivery
//	status_changed to at_service_point         at_service_point
//	status_changed to delivered                delivered
//	status_changed to returned                 returned_to_sender
//	tracking_event that is a failed delivery   delivery_failed (FailureCodes)
//	tracking_event that says delayed           delay_risk (DelayCodes)
//	tracking_event whose code is a rule's      event_code (Rule.EventCodes)
//	return_received                            return_received
//
// and the sweep (Engine.Sweep) adds service_point_days_left and the
// other half of delay_risk (the expected day passed without a delivery).
//
// A failed delivery or a delay that the same look-up already overtook
// (the parcel is delivered, returned or lost by now) is old news and
// fires nothing; a rule on event codes fires whatever the status.

// FailureCodes are the carrier words that make a tracking event a failed
// delivery (delivery_failed), compared without regard to case against the
// event's status word and its code: PostNord's status words
// DELIVERY_IMPOSSIBLE (nobody home, address not found, service point
// cannot take it) and DELIVERY_REFUSED; the codes the sandbox and other
// carriers use for the same (DELIVERY_ATTEMPT_FAILED, ADDRESS_UNKNOWN,
// SP_UNAVAILABLE, ATTEMPTED_DELIVERY, DELIVERY_FAILED, NOT_DELIVERED).
// An event whose description says a delivery attempt failed counts too
// (STG's EXCEPTION "Delivery attempt failed: …").
var FailureCodes = []string{
	"DELIVERY_IMPOSSIBLE", "DELIVERY_REFUSED", "DELIVERY_ATTEMPT_FAILED", "ATTEMPTED_DELIVERY",
	"DELIVERY_FAILED", "NOT_DELIVERED", "ADDRESS_UNKNOWN", "SP_UNAVAILABLE",
}

// failurePhrases in an event's description make it a failed delivery.
var failurePhrases = []string{"delivery attempt failed", "attempted delivery", "delivery failed", "could not be delivered"}

// DelayCodes are the carrier words that make a tracking event a delay
// (delay_risk), against the status word and the code: PostNord's DELAYED
// and EXPECTED_DELAY (also given for a parcel held in customs).
var DelayCodes = []string{"DELAYED", "EXPECTED_DELAY", "DELAY"}

func inFold(list []string, s string) bool {
	if s == "" {
		return false
	}
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// IsFailedDelivery reports whether a carrier event is a failed delivery
// attempt or a refusal (see FailureCodes).
func IsFailedDelivery(e carrier.TrackingEvent) bool {
	if inFold(FailureCodes, e.CarrierStatus) || inFold(FailureCodes, e.CarrierCode) {
		return true
	}
	d := strings.ToLower(e.Description)
	for _, p := range failurePhrases {
		if strings.Contains(d, p) {
			return true
		}
	}
	return false
}

// IsDelay reports whether a carrier event says the parcel is delayed
// (see DelayCodes).
func IsDelay(e carrier.TrackingEvent) bool {
	return inFold(DelayCodes, e.CarrierStatus) || inFold(DelayCodes, e.CarrierCode)
}

// factTriggers returns the triggers a fact fires, apart from event_code
// (which depends on each rule's codes).
func factTriggers(f store.Fact) []Trigger {
	switch f.Kind {
	case store.FactLabelCreated:
		return []Trigger{TriggerBooked}
	case store.FactReturnReceived:
		return []Trigger{TriggerReturnReceived}
	case store.FactStatusChanged:
		var out []Trigger
		switch f.Shipment.Status {
		case carrier.StatusHandedOver, carrier.StatusInTransit, carrier.StatusAwaitingCustoms:
			switch f.Previous {
			case "", carrier.StatusCreated, carrier.StatusUnknown:
				out = append(out, TriggerFirstTransport)
			}
		case carrier.StatusOutForDelivery:
			out = append(out, TriggerOutForDelivery)
		case carrier.StatusAtServicePoint:
			out = append(out, TriggerAtServicePoint)
		case carrier.StatusDelivered:
			out = append(out, TriggerDelivered)
		case carrier.StatusReturned:
			out = append(out, TriggerReturnedToSender)
		}
		return out
	case store.FactTrackingEvent:
		if f.Event == nil || f.Shipment.Status.Final() {
			return nil
		}
		var out []Trigger
		if IsFailedDelivery(*f.Event) {
			out = append(out, TriggerDeliveryFailed)
		}
		if IsDelay(*f.Event) {
			out = append(out, TriggerDelayRisk)
		}
		return out
	}
	return nil
}

// eventCodeMatch reports whether the event's code (or status word) is one
// of the rule's codes.
func eventCodeMatch(codes []string, e *carrier.TrackingEvent) bool {
	return e != nil && (inFold(codes, e.CarrierCode) || inFold(codes, e.CarrierStatus))
}

// ---- what a message is about ----

// subject is everything a rule's conditions and a template's fields may
// ask about one parcel at the moment a trigger fires.
type subject struct {
	trigger Trigger
	at      time.Time // when it happened
	order   *carrier.Order
	sh      store.Shipment
	event   *carrier.TrackingEvent
	ret     *store.Return
	sum     *store.TrackSummary
	// daysLeft and pickupBy, for the service point triggers.
	daysLeft int
	pickupBy time.Time
}

func (s *subject) orderRef() string {
	switch {
	case s.sh.OrderRef != "":
		return s.sh.OrderRef
	case s.order != nil && s.order.Ref != "":
		return s.order.Ref
	case s.ret != nil:
		return s.ret.OrderRef
	case s.sum != nil:
		return s.sum.OrderRef
	}
	return ""
}

// receiver is the order's receiver, completed from the shipment's.
func (s *subject) receiver() carrier.Address {
	var a carrier.Address
	if s.order != nil {
		a = s.order.Receiver
	}
	b := s.sh.Receiver
	fill := func(dst *string, v string) {
		if strings.TrimSpace(*dst) == "" {
			*dst = v
		}
	}
	fill(&a.Name, b.Name)
	fill(&a.Country, b.Country)
	fill(&a.Email, b.Email)
	fill(&a.Phone, b.Phone)
	if s.sum != nil {
		fill(&a.Country, s.sum.Country)
	}
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	return a
}

func (s *subject) carrierName() string {
	switch {
	case s.sh.Carrier != "":
		return s.sh.Carrier
	case s.ret != nil && s.ret.Carrier != "":
		return s.ret.Carrier
	case s.sum != nil:
		return s.sum.Carrier
	}
	return ""
}

func (s *subject) service() string {
	switch {
	case s.sh.Service != "":
		return s.sh.Service
	case s.order != nil && s.order.Service != "":
		return s.order.Service
	case s.sum != nil:
		return s.sum.Service
	}
	return ""
}

func (s *subject) trackingNumber() string {
	if t := s.sh.TrackingID(); t != "" {
		return t
	}
	if s.ret != nil && s.ret.OutgoingItemID != "" {
		return s.ret.OutgoingItemID
	}
	if s.sum != nil {
		return s.sum.ItemID
	}
	return ""
}

func (s *subject) status() carrier.Status {
	if s.sh.Status != "" {
		return s.sh.Status
	}
	if s.sum != nil {
		return s.sum.Status
	}
	return ""
}

// key names the parcel in message ids: the order, or for a return the
// order and the return (an order may come back more than once).
func (s *subject) key() string {
	if s.trigger == TriggerReturnReceived && s.ret != nil && s.ret.ID != "" {
		return s.orderRef() + "/" + s.ret.ID
	}
	return s.orderRef()
}

// ---- rules ready to run ----

// compiledRule is a rule with its quiet hours parsed.
type compiledRule struct {
	Rule
	quiet    quietWindow
	quietErr error
}

func compileRule(r Rule, defaultQuiet quietWindow) compiledRule {
	cr := compiledRule{Rule: r, quiet: defaultQuiet}
	if r.QuietHours != "" {
		q, err := parseQuiet(r.QuietHours)
		if err != nil {
			cr.quietErr = err // refused when saved; a stored one keeps the default
		} else {
			cr.quiet = q
		}
	}
	return cr
}

// active reports whether day (local, YYYY-MM-DD) is in the rule's active
// window (both ends included).
func (r *compiledRule) active(day string) bool {
	return (r.ActiveFrom == "" || day >= r.ActiveFrom) && (r.ActiveUntil == "" || day <= r.ActiveUntil)
}

// mismatches returns each condition the subject does not meet, in words
// (empty: every condition holds).
func (r *compiledRule) mismatches(s *subject) []string {
	var out []string
	if len(r.Countries) > 0 {
		c := s.receiver().Country
		if !inFold(r.Countries, c) {
			out = append(out, fmt.Sprintf("the receiver's country %s is not in the rule's countries (%s)", orNone(c), strings.Join(r.Countries, ", ")))
		}
	}
	if len(r.Services) > 0 {
		sv := s.service()
		if !inFold(r.Services, sv) {
			out = append(out, fmt.Sprintf("the service %s is not in the rule's services (%s)", orNone(sv), strings.Join(r.Services, ", ")))
		}
	}
	if len(r.Carriers) > 0 {
		c := s.carrierName()
		if !inFold(r.Carriers, c) {
			out = append(out, fmt.Sprintf("the carrier %s is not in the rule's carriers (%s)", orNone(c), strings.Join(r.Carriers, ", ")))
		}
	}
	if len(r.Tags) > 0 {
		var tags []string
		if s.order != nil {
			tags = s.order.Tags
		}
		if !slices.ContainsFunc(tags, func(t string) bool { return inFold(r.Tags, strings.TrimSpace(t)) }) {
			has := "no tags"
			if len(tags) > 0 {
				has = "tags " + strings.Join(tags, ", ")
			}
			out = append(out, fmt.Sprintf("the order has %s, none of the rule's (%s)", has, strings.Join(r.Tags, ", ")))
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
