package station

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"labelstation/carrier"
	"labelstation/station/outbox"
	"labelstation/store"
)

// The queue sync: every open outbox entry is sent to the carrier exactly
// once. An entry whose outcome is unknown (its answer was lost, or the
// station stopped while it was on the wire) is never sent again blindly:
// the carrier is asked first whether it holds the booking — by the
// parcel's own item id when it has one, else by customer number and order
// reference — and an existing booking is adopted. When the sync runs, how
// many run at once and how it backs off is station/outbox's business;
// what one send means is this file's.

// syncCounts are what the sync did since the station started.
type syncCounts struct {
	booked, adopted, failed atomic.Int64
}

func (s *Station) newSyncWorker() *outbox.Worker {
	var probe func(context.Context) error
	if p, ok := s.carrier.(carrier.Prober); ok {
		probe = p.Probe
	}
	return outbox.New(outbox.Config{Concurrency: s.cfg.SyncConcurrency, Probe: probe, MaxBackoff: time.Minute}, s.dueEntries, s.syncEntry)
}

// dueEntries lists the entries the sync may work on: every open entry but
// those held for a person.
func (s *Station) dueEntries(ctx context.Context) ([]outbox.Item, error) {
	if s.store == nil || s.carrier == nil {
		return nil, nil
	}
	entries, err := s.store.Entries(true)
	if err != nil {
		return nil, err
	}
	items := make([]outbox.Item, 0, len(entries))
	for _, e := range entries {
		if !e.Held {
			items = append(items, outbox.Item{ID: e.ID})
		}
	}
	return items, nil
}

// syncEntry settles one entry: resolve an unknown outcome, then book if
// the carrier does not hold it. An order that is being packed right now
// is passed by (its Pack owns the entry).
func (s *Station) syncEntry(ctx context.Context, it outbox.Item) outbox.Outcome {
	e, err := s.store.Entry(it.ID)
	if err != nil {
		return outbox.Outcome{Result: outbox.Done, Err: err}
	}
	unlock, ok := s.tryLockOrder(e.OrderRef)
	if !ok {
		return outbox.Outcome{Result: outbox.Retry}
	}
	defer unlock()
	if e, err = s.store.Entry(it.ID); err != nil || !e.State.Open() || e.Held {
		return outbox.Outcome{Result: outbox.Done, Err: err}
	}
	return s.settle(ctx, e)
}

// settle does syncEntry's work with the order's lock held.
func (s *Station) settle(ctx context.Context, e store.OutboxEntry) outbox.Outcome {
	if e.Held {
		return outbox.Outcome{Result: outbox.Done, Err: errors.New(e.LastError)}
	}
	if e.State == store.StateSending || e.State == store.StateAttention {
		if ib, ok := s.carrierFor(e.Carrier).(carrier.IdempotentBooker); ok && ib.BooksIdempotently() {
			// The carrier replays the first answer to a resend with the
			// same request id: asking again is the lookup.
			return s.sendEntry(ctx, e)
		}
		if wait := s.cfg.LookupGrace - s.cfg.Now().Sub(e.Updated); wait > 0 {
			// The carrier may not show a booking made a moment ago.
			return outbox.Outcome{Result: outbox.Retry}
		}
		found, err := s.lookup(ctx, e)
		switch {
		case errors.Is(err, errNoLookup):
			s.hold(e, "the carrier cannot be asked whether it booked this; check its portal, then retry (if it is not there) or cancel (if it is)")
			return outbox.Outcome{Result: outbox.Done, Err: err}
		case err != nil:
			s.noteCarrier(err)
			return outcomeOf(err)
		case found != nil:
			if err := s.adopt(e, *found); err != nil {
				return outbox.Outcome{Result: outbox.Retry, Err: err}
			}
			s.noteCarrier(nil)
			s.counts.adopted.Add(1)
			return outbox.Outcome{Result: outbox.Done}
		}
		// The carrier does not hold it: sending is safe.
	}
	if e.State != store.StatePending && e.State != store.StateSending && e.State != store.StateAttention {
		return outbox.Outcome{Result: outbox.Done}
	}
	return s.sendEntry(ctx, e)
}

// sendEntry books the entry with the carrier and records the answer.
func (s *Station) sendEntry(ctx context.Context, e store.OutboxEntry) outbox.Outcome {
	e, err := s.store.UpdateEntry(e.ID, func(x *store.OutboxEntry) error {
		x.State, x.Attempts, x.Updated = store.StateSending, x.Attempts+1, s.cfg.Now()
		return nil
	})
	if err != nil {
		return outbox.Outcome{Result: outbox.Retry, Err: err}
	}
	c := s.carrierFor(e.Carrier)
	if c == nil {
		s.hold(e, fmt.Sprintf("the station has no carrier %q any more; enable it in the config, or cancel this booking", e.Carrier))
		return outbox.Outcome{Result: outbox.Done, Err: s.unknownCarrier(e.Carrier)}
	}
	booking, err := c.Book(ctx, e.Request)
	if err != nil {
		s.bookingFailed(e, err)
		if carrier.KindOf(err) == carrier.KindRejected {
			s.counts.failed.Add(1)
			return outbox.Outcome{Result: outbox.Done, Err: err}
		}
		return outcomeOf(err)
	}
	s.noteCarrier(nil)
	if err := s.recordBooked(e, booking); err != nil {
		// The carrier holds the booking but the station could not save it:
		// left in "sending", the next pass finds it by lookup.
		s.log.Error("booked but not saved", "order", e.OrderRef, "request_id", e.ID, "err", err)
		return outbox.Outcome{Result: outbox.Retry, Err: err}
	}
	s.counts.booked.Add(1)
	return outbox.Outcome{Result: outbox.Done}
}

// recordBooked stores the carrier's answer to a queued booking. An offline
// parcel keeps the label it already carries (same item id); any other
// gets its shipment and the carrier's label, printed when the packer scans
// the order again.
func (s *Station) recordBooked(e store.OutboxEntry, b carrier.Booking) error {
	now := s.cfg.Now()
	if e.Offline {
		own := e.Request.Parcels[0].ItemID
		if len(b.ItemIDs) > 0 && b.ItemIDs[0] != own {
			s.log.Warn("carrier booked an offline parcel under another id", "order", e.OrderRef, "own", own, "carrier", b.ItemIDs[0])
		}
		_, err := s.store.RecordSynced(e.ID, now, func(sh *store.Shipment) {
			sh.ShipmentID, sh.TrackingURL = b.ShipmentID, b.TrackingURL
			if sh.Receiver != e.Request.Receiver {
				// Corrected after the carrier refused it: the label on the
				// parcel shows the old address, so the stored one is
				// rendered again (same id) for a reprint.
				if lbl, err := s.localLabel(e.Request, own, "OFFLINE", sh.BookedAt); err == nil {
					sh.Receiver, sh.Label = e.Request.Receiver, lbl
				}
			}
		})
		if err == nil {
			s.log.Info("offline booking synced", "order", e.OrderRef, "item_id", own, "request_id", e.ID)
		}
		return err
	}
	sh := store.Shipment{
		OrderRef: e.OrderRef, Carrier: firstNonEmpty(b.Carrier, e.Carrier, s.primaryName()), Service: e.Request.Service.Code,
		ShipmentID: b.ShipmentID, ItemIDs: b.ItemIDs, Weight: totalWeight(e.Request), Receiver: e.Request.Receiver,
		Label: joinLabels(b.Labels), TrackingURL: b.TrackingURL, RequestID: e.ID, BookedAt: now, Status: carrier.StatusCreated,
	}
	return s.store.RecordBooking(e.ID, sh)
}

// errNoLookup means the carrier offers no way to ask whether it holds a
// booking.
var errNoLookup = errors.New("the carrier cannot be asked for a booking")

// lookup asks the carrier whether it holds the entry's booking: nil, nil
// when it does not.
func (s *Station) lookup(ctx context.Context, e store.OutboxEntry) (*carrier.Tracking, error) {
	c := s.carrierFor(e.Carrier)
	if c == nil {
		return nil, errNoLookup
	}
	if len(e.Request.Parcels) > 0 && e.Request.Parcels[0].ItemID != "" {
		t, err := c.Track(ctx, e.Request.Parcels[0].ItemID)
		if carrier.KindOf(err) == carrier.KindNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &t, nil
	}
	rf, ok := c.(carrier.ReferenceFinder)
	if !ok {
		return nil, errNoLookup
	}
	found, err := rf.FindByReference(ctx, e.Request.Consignor.CustomerNumber, e.OrderRef)
	if carrier.KindOf(err) == carrier.KindNotFound || (err == nil && len(found) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(found) > 1 {
		s.log.Warn("several carrier shipments carry the order's reference; adopting the first", "order", e.OrderRef, "shipments", len(found))
	}
	return &found[0], nil
}

// adopt records a booking the carrier turned out to hold. Its label was
// lost with the answer, so an entry without an offline label gets one
// rendered by the station with the carrier's item id.
func (s *Station) adopt(e store.OutboxEntry, t carrier.Tracking) error {
	now := s.cfg.Now()
	if e.Offline {
		_, err := s.store.RecordSynced(e.ID, now, func(sh *store.Shipment) {
			sh.ShipmentID, sh.Adopted = t.ShipmentID, true
		})
		if err == nil {
			s.log.Info("offline booking found at the carrier", "order", e.OrderRef, "request_id", e.ID)
		}
		return err
	}
	ids := t.ItemIDs
	if len(ids) == 0 && t.ItemID != "" {
		ids = []string{t.ItemID}
	}
	if len(ids) == 0 {
		return fmt.Errorf("the carrier holds shipment %s for order %s but named no item id", t.ShipmentID, e.OrderRef)
	}
	lbl, err := s.localLabel(e.Request, ids[0], "", now)
	if err != nil {
		return err
	}
	sh := store.Shipment{
		OrderRef: e.OrderRef, Carrier: firstNonEmpty(e.Carrier, s.primaryName()), Service: e.Request.Service.Code, ShipmentID: t.ShipmentID,
		ItemIDs: ids, Weight: totalWeight(e.Request), Receiver: e.Request.Receiver, Label: lbl,
		RequestID: e.ID, BookedAt: now, Status: carrier.StatusCreated, Adopted: true,
	}
	if err := s.store.RecordBooking(e.ID, sh); err != nil {
		return err
	}
	s.log.Info("booking found at the carrier after its answer was lost", "order", e.OrderRef, "tracking", ids[0], "request_id", e.ID)
	return nil
}

// hold parks an entry for a person.
func (s *Station) hold(e store.OutboxEntry, why string) {
	s.store.UpdateEntry(e.ID, func(x *store.OutboxEntry) error {
		x.State, x.Held, x.LastError, x.Updated = store.StateAttention, true, why, s.cfg.Now()
		return nil
	})
}

// isNetworkDown reports whether err says the carrier was not reached at
// all (no HTTP answer), as opposed to a carrier that answered "busy".
func isNetworkDown(err error) bool {
	var ce *carrier.Error
	return errors.As(err, &ce) && ce.Kind == carrier.KindUnavailable && ce.HTTPStatus == 0
}

// outcomeOf tells the scheduler what a carrier error means for timing.
func outcomeOf(err error) outbox.Outcome {
	var ce *carrier.Error
	if errors.As(err, &ce) {
		if isNetworkDown(ce) {
			return outbox.Outcome{Result: outbox.Unreachable, Err: err}
		}
		return outbox.Outcome{Result: outbox.Retry, RetryAfter: ce.RetryAfter, Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return outbox.Outcome{Result: outbox.Retry, Err: err}
	}
	return outbox.Outcome{Result: outbox.Retry, Err: err}
}

// SyncReport says what a sync did.
type SyncReport struct {
	Booked  int `json:"booked"`
	Adopted int `json:"adopted"` // found at the carrier after a lost answer
	Failed  int `json:"failed"`  // refused by the carrier: fix the order, then retry
	// Left are the entries still open (waiting, backing off, held for a
	// person).
	Left    int           `json:"left"`
	Offline bool          `json:"offline"`
	Err     string        `json:"error,omitempty"`
	Took    time.Duration `json:"took_ns"`
}

// SyncQueue sends the queue now and keeps at it until it is empty, the
// carrier cannot be reached, or ctx ends (entries that fail for a moment
// are tried again after their back-off within that time).
func (s *Station) SyncQueue(ctx context.Context) (SyncReport, error) {
	start := time.Now()
	b0, a0, f0 := s.counts.booked.Load(), s.counts.adopted.Load(), s.counts.failed.Load()
	var rep SyncReport
	for {
		r, err := s.syncer.Drain(ctx)
		if err != nil {
			rep.Err = err.Error()
			rep.Offline = errors.Is(err, outbox.ErrForcedOffline)
			break
		}
		rep.Offline = r.Offline
		if r.Offline || r.Left == 0 || ctx.Err() != nil {
			break
		}
		// Entries backing off (or a Retry-After pause): sleep until the
		// first is due, then go again. Without one (an entry was in
		// flight elsewhere) look again shortly.
		wait := 200 * time.Millisecond
		if at := s.syncer.NextDue(); !at.IsZero() {
			wait = max(time.Until(at), 10*time.Millisecond)
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		if ctx.Err() != nil {
			break
		}
	}
	rep.Booked = int(s.counts.booked.Load() - b0)
	rep.Adopted = int(s.counts.adopted.Load() - a0)
	rep.Failed = int(s.counts.failed.Load() - f0)
	pending, attention, err := s.store.QueueCounts()
	if err != nil {
		return rep, err
	}
	rep.Left = pending + attention
	if st := s.syncer.State(); st.LastErr != nil && rep.Err == "" && rep.Left > 0 {
		rep.Err = st.LastErr.Error()
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// RunSync sends the queue in the background until ctx ends: at once when
// a booking is queued, when the network returns, and every little while.
func (s *Station) RunSync(ctx context.Context) { s.syncer.Run(ctx) }
