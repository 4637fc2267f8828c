package station

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// Tracking returns: where each open return is, by the carrier's events
// under the return parcel's own tracking number.

// returnTrackConcurrency bounds the carrier look-ups of one return sync.
const returnTrackConcurrency = 4

func (s *Station) syncReturns(ctx context.Context) (ReturnSyncReport, error) {
	var rep ReturnSyncReport
	if s.store == nil || len(s.reg.names) == 0 {
		return rep, &Problem{ID: "returns.tracking_needs_data_and_carrier", Msg: "tracking returns needs the data file and a carrier", Hint: "run it from a station with its data directory and carrier settings"}
	}
	open, err := s.store.Returns(true)
	if err != nil {
		return rep, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		stopped bool
		sem     = make(chan struct{}, returnTrackConcurrency)
	)
	for _, r := range open {
		if r.ItemID == "" || r.State == store.ReturnRequested {
			continue // not booked yet: CreateReturn settles it
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(r Return) {
			defer func() { <-sem; wg.Done() }()
			changed, received, err := s.trackReturn(ctx, r)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && stopped && ctx.Err() != nil {
				return // cut short when the pass stopped: it does not count
			}
			rep.Checked++
			if changed {
				rep.Changed++
			}
			if received {
				rep.Received++
			}
			if err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("%s (order %s): %v", r.TrackingID(), r.OrderRef, err))
				if carrier.KindOf(err) == carrier.KindUnavailable && !stopped {
					stopped = true
					rep.Errors = append(rep.Errors, "the carrier cannot be reached: the pass stopped; run it again later")
					cancel()
				}
			}
		}(r)
	}
	wg.Wait()
	if stopped {
		s.noteCarrier(errors.New(rep.Errors[0]))
	} else if rep.Checked > len(rep.Errors) {
		s.noteCarrier(nil)
	}
	return rep, nil
}

// trackReturn asks the carrier about one return parcel and records what
// its events say: registered → in transit → received (by the carrier).
// Its events are stored under the return parcel's own id, apart from the
// outgoing parcel's tracking summary and status.
func (s *Station) trackReturn(ctx context.Context, r Return) (changed, received bool, err error) {
	c := s.trackingCarrier(r.Carrier)
	if c == nil {
		return false, false, s.unknownCarrier(r.Carrier)
	}
	t, err := c.Track(ctx, r.ItemID)
	if carrier.KindOf(err) == carrier.KindNotFound {
		return false, false, nil // a fresh return is not known to tracking yet
	}
	if err != nil {
		return false, false, err
	}
	events := make([]carrier.TrackingEvent, 0, len(t.Events))
	for _, e := range t.Events {
		if e.ItemID == "" {
			e.ItemID = r.ItemID
		}
		events = append(events, e)
	}
	if len(events) > 0 {
		if _, err := s.store.PutEvents(events); err != nil {
			return false, false, err
		}
	}
	// What the events say, oldest first.
	target := store.ReturnRegistered
	status := t.Status
	var inTransitAt, receivedAt time.Time
	var newest *carrier.TrackingEvent
	for i := range events {
		e := &events[i]
		if newest == nil || !e.Time.Before(newest.Time) {
			newest = e
		}
		switch returnEventStatus(*e) {
		case carrier.StatusHandedOver, carrier.StatusInTransit, carrier.StatusAwaitingCustoms, carrier.StatusAtServicePoint,
			carrier.StatusOutForDelivery, carrier.StatusException:
			if inTransitAt.IsZero() {
				inTransitAt = e.Time
			}
			if target == store.ReturnRegistered {
				target = store.ReturnInTransit
			}
		case carrier.StatusDelivered:
			if receivedAt.IsZero() {
				receivedAt = e.Time
			}
			target = store.ReturnReceived
		}
	}
	if newest != nil {
		status = returnEventStatus(*newest)
	}
	if status == "" {
		status = r.Status
	}
	var problem string
	switch status {
	case carrier.StatusReturned:
		problem = "the carrier reports the return parcel sent back to the customer"
	case carrier.StatusLost:
		problem = "the carrier reports the return parcel lost"
	}
	if returnStateRank(target) <= returnStateRank(r.State) && status == r.Status && (problem == "" || problem == r.LastError) {
		return false, false, nil
	}
	var event *carrier.TrackingEvent
	if newest != nil {
		e := *newest
		event = &e
	}
	now := s.cfg.Now()
	stored, err := s.store.UpdateReturn(r.ID, event, func(x *Return) error {
		x.Status, x.Updated = status, now
		if problem != "" {
			x.LastError = problem
		}
		if !x.State.Open() || x.State == store.ReturnRequested || returnStateRank(target) <= returnStateRank(x.State) {
			return nil // the bench (or an earlier pass) got there first
		}
		if returnStateRank(target) >= returnStateRank(store.ReturnInTransit) && x.InTransitAt.IsZero() {
			x.InTransitAt = firstNonZero(inTransitAt, receivedAt, now)
		}
		if target == store.ReturnReceived {
			x.ReceivedAt, x.ReceivedBy = firstNonZero(receivedAt, now), store.ReceivedByCarrier
		}
		x.State = target
		return nil
	})
	if err != nil {
		return false, false, err
	}
	if stored.State != r.State {
		s.log.Info("return moved", "order", r.OrderRef, "return", r.ID, "tracking", r.TrackingID(), "from", r.State, "to", stored.State)
	}
	return true, stored.State == store.ReturnReceived && r.State != store.ReturnReceived, nil
}

// returnEventStatus is an event's status for a return parcel. STG reports
// RETURN_REGISTERED (the return's label exists; nothing moved yet) as
// in_transit (carrier/stg mapStatus); for the return it is its
// registration.
func returnEventStatus(e carrier.TrackingEvent) carrier.Status {
	if strings.EqualFold(e.CarrierStatus, "RETURN_REGISTERED") {
		return carrier.StatusCreated
	}
	return e.Status
}

// returnStateRank orders the states a return passes through.
func returnStateRank(st store.ReturnState) int {
	switch st {
	case store.ReturnRegistered:
		return 1
	case store.ReturnInTransit:
		return 2
	case store.ReturnReceived:
		return 3
	}
	return 0
}
