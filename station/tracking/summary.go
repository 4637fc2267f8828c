package tracking

import (
	"slices"
	"strings"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// Summarise folds a shipment's tracking events into the event-derived
// fields of its summary. It is pure: the same events give the same
// summary whatever their order and however often each is repeated
// (events are told apart by carrier.TrackingEvent.Key()), so the poller
// calls it with every event stored so far plus the carrier's latest
// answer. sum's identity fields (order, item, carrier, service,
// countries, booking time) and its poll bookkeeping (LastPolled, Polls)
// are kept; every event-derived field is computed afresh.
//
// status is the carrier's current status for the item (Tracking.Status);
// "" or unknown keeps the latest known status of an event, or sum's.
// eta is the carrier's expected delivery (Tracking.ETA); a zero eta keeps
// sum.Expected, because carriers stop sending an ETA once a parcel is
// delivered and the KPIs compare delivery against it.
//
// The fields, with events sorted by time (events without a time count
// only in Events and in the flags):
//   - Events: distinct events.
//   - FirstEvent: the first physical scan, i.e. the first event whose
//     status is not "created" (PostNord's CREATED/INFORMED is the EDI
//     pre-advice, not a scan); zero while the parcel is silent.
//   - LastEvent: the latest event of any kind.
//   - MaxGap: the longest time between consecutive scans from FirstEvent
//     up to the first final event (delivered, returned, lost); time
//     after that, and the wait between pre-advice and the first scan,
//     do not count. The gap from the last event until now is not
//     included: the KPIs add it for parcels still open.
//   - Delivered: the first delivered event; DeliveredNoTime when status
//     is delivered but no delivered event has a time.
//   - FirstAttempt: the first failed delivery attempt (see IsAttempt).
//   - AtServicePoint: the first event at a service point.
//   - CustomsSince / CustomsCleared: the first customs hold (see
//     IsCustomsHold) and the first later event that is not a hold (the
//     parcel left customs). A parcel held again after clearing clears
//     CustomsCleared until it leaves again. A carrier status of
//     awaiting_customs without a hold event sets CustomsSince to the
//     latest event's time and keeps CustomsCleared zero.
//   - Exception, Returned, Lost: the first event with that status; when
//     the carrier's status says returned or lost without such an event,
//     the latest event's time.
//   - Refused: an event with PostNord's DELIVERY_REFUSED (status word or
//     code).
//   - Damaged: an event whose code, status word or description mentions
//     damage ("DAMAGED", "damage"); PostNord has no status for it, so
//     its texts are all there is.
func Summarise(sum store.TrackSummary, status carrier.Status, eta time.Time, events []carrier.TrackingEvent) store.TrackSummary {
	evs := dedupe(events)
	out := sum
	out.Events = len(evs)
	out.FirstEvent, out.LastEvent, out.MaxGap = time.Time{}, time.Time{}, 0
	out.Delivered, out.DeliveredNoTime, out.FirstAttempt, out.AtServicePoint = time.Time{}, false, time.Time{}, time.Time{}
	out.CustomsSince, out.CustomsCleared, out.Exception, out.Returned = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	out.Refused, out.Lost, out.Damaged = false, time.Time{}, false
	if !eta.IsZero() {
		out.Expected = eta
	}

	var (
		prevScan  time.Time
		finalSeen bool
		inCustoms bool
		latest    carrier.Status // status of the latest timed event with a known one
	)
	for _, e := range evs {
		if IsRefused(e) {
			out.Refused = true
		}
		if IsDamaged(e) {
			out.Damaged = true
		}
		t := e.Time
		if t.IsZero() {
			continue
		}
		out.LastEvent = t
		if e.Status != "" && e.Status != carrier.StatusUnknown {
			latest = e.Status
		}
		scan := e.Status != carrier.StatusCreated
		if scan && !finalSeen {
			if out.FirstEvent.IsZero() {
				out.FirstEvent = t
			} else if gap := t.Sub(prevScan); gap > out.MaxGap {
				out.MaxGap = gap
			}
			prevScan = t
		}
		if e.Status.Final() {
			finalSeen = true
		}
		setFirst := func(field *time.Time) {
			if field.IsZero() {
				*field = t
			}
		}
		switch e.Status {
		case carrier.StatusDelivered:
			setFirst(&out.Delivered)
		case carrier.StatusAtServicePoint:
			setFirst(&out.AtServicePoint)
		case carrier.StatusException:
			setFirst(&out.Exception)
		case carrier.StatusReturned:
			setFirst(&out.Returned)
		case carrier.StatusLost:
			setFirst(&out.Lost)
		}
		if IsAttempt(e) {
			setFirst(&out.FirstAttempt)
		}
		hold := IsCustomsHold(e)
		switch {
		case hold && !inCustoms:
			inCustoms = true
			setFirst(&out.CustomsSince)
			out.CustomsCleared = time.Time{}
		case !hold && inCustoms:
			inCustoms = false
			out.CustomsCleared = t
		}
	}

	switch {
	case status != "" && status != carrier.StatusUnknown:
		out.Status = status
	case latest != "":
		out.Status = latest
	case out.Status == "":
		out.Status = carrier.StatusCreated
	}
	switch out.Status {
	case carrier.StatusDelivered:
		out.DeliveredNoTime = out.Delivered.IsZero()
	case carrier.StatusAwaitingCustoms:
		if out.CustomsSince.IsZero() {
			out.CustomsSince = out.LastEvent
		}
		out.CustomsCleared = time.Time{}
	case carrier.StatusReturned:
		if out.Returned.IsZero() {
			out.Returned = out.LastEvent
		}
	case carrier.StatusLost:
		if out.Lost.IsZero() {
			out.Lost = out.LastEvent
		}
	}
	return out
}

// dedupe returns the events once each by carrier identity, sorted by time
// (events without a time last; ties by carrier code, so the result does
// not depend on the order events came in).
func dedupe(events []carrier.TrackingEvent) []carrier.TrackingEvent {
	seen := make(map[string]bool, len(events))
	out := make([]carrier.TrackingEvent, 0, len(events))
	for _, e := range events {
		k := e.Key()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	slices.SortFunc(out, compareEvents)
	return out
}

func compareEvents(a, b carrier.TrackingEvent) int {
	switch {
	case a.Time.IsZero() != b.Time.IsZero():
		if a.Time.IsZero() {
			return 1
		}
		return -1
	case !a.Time.Equal(b.Time):
		return a.Time.Compare(b.Time)
	}
	return strings.Compare(a.CarrierCode, b.CarrierCode)
}

// IsAttempt reports whether the event is a failed delivery attempt:
// PostNord's status word DELIVERY_IMPOSSIBLE (the driver could not
// deliver), or a carrier code naming an attempt (the sandbox's
// DELIVERY_ATTEMPT_FAILED, other carriers' ATTEMPTED_DELIVERY), or a
// description saying "delivery attempt" / "attempted delivery". A refusal
// (DELIVERY_REFUSED) is not counted as an attempt: it has its own flag.
func IsAttempt(e carrier.TrackingEvent) bool {
	if strings.EqualFold(e.CarrierStatus, "DELIVERY_IMPOSSIBLE") {
		return true
	}
	if strings.Contains(strings.ToUpper(e.CarrierCode), "ATTEMPT") {
		return true
	}
	d := strings.ToLower(e.Description)
	return strings.Contains(d, "delivery attempt") || strings.Contains(d, "attempted delivery")
}

// IsRefused reports whether the receiver refused the parcel (PostNord
// DELIVERY_REFUSED as status word or code).
func IsRefused(e carrier.TrackingEvent) bool {
	return strings.EqualFold(e.CarrierStatus, "DELIVERY_REFUSED") || strings.EqualFold(e.CarrierCode, "DELIVERY_REFUSED")
}

// IsDamaged reports whether the event says the parcel was damaged.
func IsDamaged(e carrier.TrackingEvent) bool {
	for _, s := range []string{e.CarrierCode, e.CarrierStatus, e.Description} {
		if strings.Contains(strings.ToLower(s), "damage") {
			return true
		}
	}
	return false
}

// IsCustomsHold reports whether the event puts or keeps the parcel in
// customs: the neutral status awaiting_customs, or a carrier code naming
// customs that is not a clearance (the sandbox's CUSTOMS_HOLD; a code
// such as CUSTOMS_CLEARED is the way out), or a description saying it
// awaits customs clearance.
func IsCustomsHold(e carrier.TrackingEvent) bool {
	if e.Status == carrier.StatusAwaitingCustoms {
		return true
	}
	code := strings.ToUpper(e.CarrierCode)
	if strings.Contains(code, "CUSTOMS") && !strings.Contains(code, "CLEAR") && !strings.Contains(code, "RELEASE") {
		return true
	}
	d := strings.ToLower(e.Description)
	return strings.Contains(d, "awaiting customs") || strings.Contains(d, "held in customs") || strings.Contains(d, "stopped in customs")
}

// Polling intervals by status: how long after a look-up a parcel is asked
// about again.
//
//	created, unknown (booked, not yet scanned)          2 h
//	handed_over, in_transit                             4 h
//	awaiting_customs, at_service_point,
//	out_for_delivery, exception (something to act on)   1 h
//	delivered, returned, lost (final)                   never
const (
	IntervalNew    = 2 * time.Hour
	IntervalMoving = 4 * time.Hour
	IntervalHot    = time.Hour
)

// Interval returns how long to wait between look-ups of a parcel with the
// status; 0 means never again (final).
func Interval(s carrier.Status) time.Duration {
	switch s {
	case carrier.StatusDelivered, carrier.StatusReturned, carrier.StatusLost:
		return 0
	case carrier.StatusHandedOver, carrier.StatusInTransit:
		return IntervalMoving
	case carrier.StatusAwaitingCustoms, carrier.StatusAtServicePoint, carrier.StatusOutForDelivery, carrier.StatusException:
		return IntervalHot
	}
	return IntervalNew
}

// Due reports whether the parcel should be asked about at now: never when
// final; always when never polled or when all is set; otherwise when
// its status's interval has passed since LastPolled.
func Due(sum store.TrackSummary, now time.Time, all bool) bool {
	iv := Interval(sum.Status)
	if iv == 0 {
		return false
	}
	if all || sum.LastPolled.IsZero() {
		return true
	}
	return now.Sub(sum.LastPolled) >= iv
}

// Seed is the first summary of a booked shipment, or false when the
// carrier cannot know the shipment yet: cancelled, an offline label not
// yet synced, or no tracking id. fromCountry is the consignor's country.
func Seed(sh store.Shipment, fromCountry string) (store.TrackSummary, bool) {
	id := sh.TrackingID()
	if !sh.Cancelled.IsZero() || (sh.Offline && sh.SyncedAt.IsZero()) || id == "" {
		return store.TrackSummary{}, false
	}
	status := sh.Status
	if status == "" {
		status = carrier.StatusCreated
	}
	return store.TrackSummary{
		OrderRef: sh.OrderRef, ItemID: id, Carrier: sh.Carrier, Service: sh.Service,
		FromCountry: fromCountry, Country: sh.Receiver.Country, BookedAt: sh.BookedAt, Status: status,
	}, true
}
