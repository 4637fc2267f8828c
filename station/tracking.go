package station

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"labelstation/carrier"
	"labelstation/station/tracking"
	"labelstation/store"
)

// TrackOptions tune one tracking pass.
type TrackOptions struct {
	// All asks about every open parcel now, ignoring the status
	// intervals (not the daily cap).
	All bool
}

// TrackReport says what a tracking pass did: look-ups made (Polled,
// answered or not), parcels with new events or a new status (Updated),
// events stored for the first time (NewEvents), open parcels not due yet
// (NotDue), due parcels left because the day's cap was reached (Capped),
// look-ups without a usable answer (Failed), and why the pass stopped
// early (Err, "" when it did not).
type TrackReport = tracking.Report

// TrackingChange is a parcel's status change, pushed to subscribers.
type TrackingChange = tracking.Change

// ParcelHistory is one parcel with every stored tracking event, oldest
// first (events without a time last).
type ParcelHistory struct {
	OrderRef string                  `json:"order_ref"`
	ItemID   string                  `json:"item_id"`
	Carrier  string                  `json:"carrier"`
	Service  string                  `json:"service"`
	Receiver string                  `json:"receiver"`
	Country  string                  `json:"country"`
	Status   carrier.Status          `json:"status"`
	BookedAt time.Time               `json:"booked_at"`
	Expected time.Time               `json:"expected,omitzero"`
	Events   []carrier.TrackingEvent `json:"events"`
}

// tracker is the station's one poller (so one set of subscribers), made
// on first use: stations built for a single command never need one.
func (s *Station) tracker() *tracking.Poller {
	s.trackerOnce.Do(func() {
		var records tracking.Records
		if s.store != nil { // a typed nil would pass the poller's nil check
			records = s.store
		}
		s.trackerP = tracking.New(tracking.Config{
			Store: records, Carrier: s.carrier, CarrierFor: s.trackingCarrier, FromCountry: s.cfg.Consignor.Address.Country,
			Concurrency: s.cfg.TrackConcurrency, DailyCap: s.cfg.TrackDailyCap,
			Now: s.cfg.Now, Logger: s.log,
		})
	})
	return s.trackerP
}

// TrackSync asks the carrier about open parcels now: those due by their
// status's interval, or every open one with opts.All. Parcels booked in
// the last two weeks get their tracking summary first. A carrier that
// cannot be reached or keeps saying "not now" ends the pass early with
// the reason in the report's Err; the error is for the data file.
//
// In fleet mode the site's one poller asks the carrier; TrackSync then
// fetches what it learned about this bench's parcels (Updated counts
// them), so a parcel is never asked about once per bench.
func (s *Station) TrackSync(ctx context.Context, opts TrackOptions) (TrackReport, error) {
	if s.store == nil || len(s.reg.names) == 0 {
		return TrackReport{}, &Problem{ID: "tracking.needs_data_and_carrier", Msg: "tracking needs the data file and a carrier", Hint: "run it from a station with its data directory and carrier settings"}
	}
	if s.FleetOn() {
		start := time.Now()
		fr, err := s.FleetSync(ctx)
		return TrackReport{Updated: fr.Pulled, Took: time.Since(start)}, err
	}
	rep, err := s.tracker().Pass(ctx, opts.All)
	if err == nil {
		if rep.Err != "" {
			s.noteCarrier(errors.New(rep.Err))
		} else if rep.Polled > rep.Failed {
			s.noteCarrier(nil)
		}
	}
	return rep, err
}

// RunTracking refreshes open parcels in the background until ctx ends:
// a pass every five minutes (each asks only about parcels that are due),
// waiting longer after a pass that found the carrier unreachable.
//
// In fleet mode it does nothing: the site's one poller (RunFleet) asks
// about every bench's parcels.
func (s *Station) RunTracking(ctx context.Context) {
	if s.store == nil || len(s.reg.names) == 0 || s.FleetOn() {
		return
	}
	s.tracker().Run(ctx)
}

// SubscribeTracking returns the status changes the tracking passes see,
// until ctx ends (then the channel is closed). It holds 64 changes; a
// subscriber further behind loses the oldest.
func (s *Station) SubscribeTracking(ctx context.Context) <-chan TrackingChange {
	return s.tracker().Subscribe(ctx)
}

// TrackShow returns a parcel and its stored events. ref is an order
// reference or a tracking (item) id; item ids are known once the parcel
// has a tracking summary (the first tracking pass after booking).
func (s *Station) TrackShow(ctx context.Context, ref string) (ParcelHistory, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ParcelHistory{}, &Problem{ID: "tracking.no_parcel_given", Msg: "no parcel given", Hint: "give an order reference or a tracking number"}
	}
	if s.store == nil {
		return ParcelHistory{}, &Problem{ID: "tracking.needs_data", Msg: "tracking needs the data file", Hint: "run it with the station's data directory"}
	}
	sh, err := s.store.ShipmentByOrder(ref)
	if errors.Is(err, store.ErrNotFound) {
		if orderRef, ierr := s.store.OrderRefByItem(ref); ierr == nil {
			sh, err = s.store.ShipmentByOrder(orderRef)
		} else if !errors.Is(ierr, store.ErrNotFound) {
			return ParcelHistory{}, ierr
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		if _, oerr := s.store.Order(ref); oerr == nil {
			return ParcelHistory{}, &Problem{ID: "tracking.order_not_packed", Data: map[string]any{"Ref": ref}, Msg: fmt.Sprintf("order %s has no parcel yet", ref), Hint: "pack it first (labelstation pack " + ref + ")", Err: err}
		}
		return ParcelHistory{}, &Problem{ID: "tracking.parcel_not_found", Data: map[string]any{"Ref": ref}, Msg: fmt.Sprintf("no parcel %s in the station", ref),
			Hint: "give the order reference or the tracking number of a packed parcel (labelstation report lists them); a tracking number is known after the first labelstation track sync", Err: err}
	}
	if err != nil {
		return ParcelHistory{}, err
	}
	h := ParcelHistory{
		OrderRef: sh.OrderRef, ItemID: sh.TrackingID(), Carrier: sh.Carrier, Service: sh.Service,
		Receiver: sh.Receiver.Name, Country: sh.Receiver.Country, Status: sh.Status, BookedAt: sh.BookedAt,
	}
	if sum, err := s.store.TrackSummary(sh.OrderRef); err == nil {
		h.Expected = sum.Expected
		if sum.Status != "" {
			h.Status = sum.Status
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return h, err
	}
	if h.Events, err = s.store.ItemEvents(h.ItemID); err != nil {
		return h, err
	}
	if h.Events == nil {
		h.Events = []carrier.TrackingEvent{}
	}
	return h, nil
}

// trackingCarrier is the carrier a shipment is tracked with: its own
// (shipment.Carrier), the primary for shipments stored without one.
func (s *Station) trackingCarrier(name string) carrier.Carrier {
	if c := s.carrierFor(name); c != nil {
		return c
	}
	if name == "" {
		return s.carrier
	}
	return nil
}
