package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// Sweep runs the triggers that are a matter of time over the parcels
// still being tracked (store.OpenTrackSummaries: its cost follows the
// open parcels, not the history) and queues their messages
// (store.PutMessages, one commit). It returns how many messages were
// new: the ids are the Announcer's, so a sweep run again, or a sweep
// after the carrier's own delay event, queues nothing new.
//
//   - service_point_days_left: a parcel waiting at a service point
//     (status at_service_point, not delivered or returned) from the day
//     on which Rule.DaysLeft days of the hold are left (today and the
//     last day counted; the arrival day is the first of
//     Config.HoldDays) until the hold ends.
//   - delay_risk: a parcel whose expected delivery day (its ETA's local
//     date) ended without it being delivered, made available at a service
//     point, tried at the door, returned or lost — at most
//     Config.StaleAfter after that day ended (older is customer
//     service's case, not news).
//
// The parcel's order and shipment are read for the parcels a rule fires
// on only.
func (e *Engine) Sweep(ctx context.Context) (queued int, err error) {
	sn := e.snap.Load()
	now := e.now()
	today := e.today(now)
	var spRules, delayRules []*compiledRule
	for _, r := range sn.enabled {
		if !r.active(today) {
			continue
		}
		switch r.Trigger {
		case TriggerServicePointDaysLeft:
			spRules = append(spRules, r)
		case TriggerDelayRisk:
			delayRules = append(delayRules, r)
		}
	}
	if len(spRules) == 0 && len(delayRules) == 0 {
		return 0, nil
	}

	type candidate struct {
		sum      store.TrackSummary
		rules    []*compiledRule
		daysLeft int
		lastDay  time.Time
	}
	var cands []candidate
	err = e.st.OpenTrackSummaries(func(sum store.TrackSummary) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := candidate{sum: sum}
		if len(spRules) > 0 && sum.Status == carrier.StatusAtServicePoint && !sum.AtServicePoint.IsZero() &&
			sum.Delivered.IsZero() && sum.Returned.IsZero() {
			c.daysLeft, c.lastDay = e.hold(sum.AtServicePoint, now)
			if c.daysLeft >= 1 {
				for _, r := range spRules {
					if c.daysLeft <= r.DaysLeft && summaryMatches(r, sum) {
						c.rules = append(c.rules, r)
					}
				}
			}
		}
		if len(delayRules) > 0 && e.overdue(sum, now) {
			for _, r := range delayRules {
				if summaryMatches(r, sum) {
					c.rules = append(c.rules, r)
				}
			}
		}
		if len(c.rules) > 0 {
			cands = append(cands, c)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("notify sweep: %w", err)
	}

	var msgs []store.Message
	for _, c := range cands {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		ref := c.sum.OrderRef
		sh, err := e.st.ShipmentByOrder(ref)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return 0, fmt.Errorf("notify sweep: %w", err)
		}
		if !sh.Cancelled.IsZero() {
			continue
		}
		var order *carrier.Order
		if o, err := e.st.Order(ref); err == nil {
			order = &o
		} else if !errors.Is(err, store.ErrNotFound) {
			return 0, fmt.Errorf("notify sweep: %w", err)
		}
		sum := c.sum
		var spEvent *carrier.TrackingEvent
		for _, r := range c.rules {
			s := &subject{trigger: r.Trigger, at: now, order: order, sh: sh, sum: &sum}
			if r.Trigger == TriggerServicePointDaysLeft {
				if spEvent == nil {
					spEvent = e.servicePointEvent(sum.ItemID)
				}
				s.event, s.daysLeft, s.pickupBy = spEvent, c.daysLeft, c.lastDay
			}
			m, err := e.fire(sn, r, s, now)
			if err != nil {
				return 0, err
			}
			msgs = append(msgs, m...)
		}
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	added, err := e.st.PutMessages(msgs...)
	if err != nil {
		return 0, fmt.Errorf("notify sweep: %w", err)
	}
	return added, nil
}

// overdue reports whether the parcel's expected day is over (and not
// longer ago than StaleAfter) with nothing that counts as arriving.
func (e *Engine) overdue(sum store.TrackSummary, now time.Time) bool {
	if sum.Expected.IsZero() || !sum.Delivered.IsZero() || sum.DeliveredNoTime || !sum.AtServicePoint.IsZero() ||
		!sum.FirstAttempt.IsZero() || !sum.Returned.IsZero() || !sum.Lost.IsZero() {
		return false
	}
	switch sum.Status {
	case carrier.StatusDelivered, carrier.StatusReturned, carrier.StatusLost, carrier.StatusAtServicePoint:
		return false
	}
	x := sum.Expected.In(e.cfg.Location)
	end := time.Date(x.Year(), x.Month(), x.Day()+1, 0, 0, 0, 0, e.cfg.Location)
	if now.Before(end) {
		return false
	}
	return e.cfg.StaleAfter <= 0 || now.Sub(end) <= e.cfg.StaleAfter
}

// summaryMatches checks the conditions a summary can answer (country,
// service, carrier) before the order is read; tags wait for the order.
func summaryMatches(r *compiledRule, sum store.TrackSummary) bool {
	return (len(r.Countries) == 0 || sum.Country == "" || inFold(r.Countries, sum.Country)) &&
		(len(r.Services) == 0 || sum.Service == "" || inFold(r.Services, sum.Service)) &&
		(len(r.Carriers) == 0 || sum.Carrier == "" || inFold(r.Carriers, sum.Carrier))
}

// servicePointEvent is the parcel's latest event at a service point (for
// {service_point}), or nil.
func (e *Engine) servicePointEvent(itemID string) *carrier.TrackingEvent {
	if itemID == "" {
		return nil
	}
	evs, err := e.st.ItemEvents(itemID)
	if err != nil {
		e.log.Debug("notify sweep: read events", "item", itemID, "err", err)
		return nil
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Status == carrier.StatusAtServicePoint {
			ev := evs[i]
			return &ev
		}
	}
	return nil
}
