package station

import (
	"context"
	"fmt"
	"strings"
	"time"

	"labelstation/station/outbox"
	"labelstation/store"
)

// QueueEntry is one booking in the outbox as the queue view shows it.
type QueueEntry struct {
	ID       string `json:"id"` // also the carrier request id
	OrderRef string `json:"order_ref"`
	Carrier  string `json:"carrier"`
	State    string `json:"state"` // pending, sending, needs_attention, booked, failed, cancelled
	// Offline is true when the parcel already carries a label from the
	// consignor's own series (ItemID); the booking must use that id.
	Offline   bool      `json:"offline,omitempty"`
	ItemID    string    `json:"item_id,omitempty"`
	Receiver  string    `json:"receiver"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	SyncedAt  time.Time `json:"synced_at,omitempty"`
	// Held is true when the sync cannot settle the entry alone.
	Held bool `json:"held,omitempty"`
	// Action says what a person may do about it, in words.
	Action string `json:"action,omitempty"`
}

// Queue lists outbox entries, oldest first; all=false keeps the open ones
// and the ones the carrier refused (they wait for a person too).
func (s *Station) Queue(ctx context.Context, all bool) ([]QueueEntry, error) {
	entries, err := s.store.Entries(false)
	if !all && err == nil {
		entries, err = s.store.Entries(true)
		if err == nil {
			failed, ferr := s.failedEntries()
			entries, err = append(entries, failed...), ferr
		}
	}
	if err != nil {
		return nil, err
	}
	out := make([]QueueEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, queueEntry(e))
	}
	return out, nil
}

// failedEntries are the refused bookings that no later entry for the same
// order replaced: the ones a person still has to fix or cancel.
func (s *Station) failedEntries() ([]store.OutboxEntry, error) {
	all, err := s.store.Entries(false)
	if err != nil {
		return nil, err
	}
	var out []store.OutboxEntry
	for _, e := range all {
		if e.State != store.StateFailed {
			continue
		}
		if cur, err := s.store.EntryByOrder(e.OrderRef); err == nil && cur.ID == e.ID {
			out = append(out, e)
		}
	}
	return out, nil
}

func queueEntry(e store.OutboxEntry) QueueEntry {
	q := QueueEntry{ID: e.ID, OrderRef: e.OrderRef, Carrier: e.Carrier, State: string(e.State), Offline: e.Offline,
		Receiver: receiverText(e.Request.Receiver), Attempts: e.Attempts, LastError: e.LastError,
		Created: e.Created, Updated: e.Updated, SyncedAt: e.SyncedAt, Held: e.Held}
	if len(e.Request.Parcels) > 0 {
		q.ItemID = e.Request.Parcels[0].ItemID
	}
	switch {
	case e.State == store.StateFailed:
		q.Action = "the carrier refused it: correct the order (import it again), then Retry; or Cancel"
	case e.Held:
		q.Action = "check the carrier's portal: Retry if the booking is not there, Cancel if it is"
	case e.State == store.StateAttention || e.State == store.StateSending:
		q.Action = "the sync asks the carrier whether it booked it before sending again"
	case e.State == store.StatePending && e.Offline:
		q.Action = "label printed; the booking is sent when the carrier answers"
	case e.State == store.StatePending:
		q.Action = "sent when the carrier answers"
	}
	return q
}

// RetryEntry sends one entry now, on a person's word. A refused booking is
// rebuilt from the order as it is stored now (after the fix was imported);
// a held one is asked about again. It reports what the carrier answered.
func (s *Station) RetryEntry(ctx context.Context, id string) (QueueEntry, error) {
	e, err := s.findEntry(id)
	if err != nil {
		return QueueEntry{}, err
	}
	switch e.State {
	case store.StateBooked, store.StateCancelled:
		return queueEntry(e), &Problem{ID: "queue.nothing_to_retry", Data: map[string]any{"Entry": e.ID, "Ref": e.OrderRef, "State": e.State}, Msg: fmt.Sprintf("queue entry %s (order %s) is %s: there is nothing to retry", e.ID, e.OrderRef, e.State), Hint: "labelstation queue list shows what is still open"}
	}
	prevReceiver := e.Request.Receiver
	unlock := s.lockOrder(e.OrderRef)
	e, err = s.store.UpdateEntry(e.ID, func(x *store.OutboxEntry) error {
		x.Held, x.Updated = false, s.cfg.Now()
		if x.State != store.StateFailed {
			return nil
		}
		order, err := s.store.Order(x.OrderRef)
		if err != nil {
			return fmt.Errorf("order %s: %w", x.OrderRef, err)
		}
		// The refused body is replaced by the corrected order; nothing was
		// booked, so the entry may go again under its own id.
		x.Request.Receiver, x.Request.Service.ServicePointID = order.Receiver, order.ServicePointID
		if order.Service != "" {
			x.Request.Service.Code = order.Service
		}
		for i := range x.Request.Parcels {
			x.Request.Parcels[i].Contents = order.Lines
			if !order.Dimensions.IsZero() {
				x.Request.Parcels[i].Dimensions = order.Dimensions
			}
		}
		x.State, x.LastError = store.StatePending, ""
		return nil
	})
	unlock()
	if err != nil {
		return QueueEntry{}, err
	}
	out := s.syncEntry(ctx, outbox.Item{ID: e.ID})
	e, _ = s.store.Entry(e.ID)
	q := queueEntry(e)
	if out.Err != nil && e.State != store.StateBooked {
		return q, &Problem{Msg: fmt.Sprintf("order %s is still not booked: %v", e.OrderRef, out.Err), Hint: firstNonEmpty(Hint(out.Err), q.Action), Err: out.Err}
	}
	if sh, err := s.store.ShipmentByOrder(e.OrderRef); err == nil && e.Offline && sh.Printed() && sh.Receiver != prevReceiver {
		q.Action = fmt.Sprintf("the address changed since the label was printed: print it again (F10, or labelstation reprint %s)", e.OrderRef)
	}
	s.syncer.Kick()
	return q, nil
}

// CancelEntry takes an entry out of the queue for good; the order may then
// be packed again. A label already printed for it (an offline label) is
// void: the hint says so.
func (s *Station) CancelEntry(ctx context.Context, id, reason string) (QueueEntry, error) {
	e, err := s.findEntry(id)
	if err != nil {
		return QueueEntry{}, err
	}
	defer s.lockOrder(e.OrderRef)()
	if reason = strings.TrimSpace(reason); reason == "" {
		reason = "cancelled by a person"
	}
	e, err = s.store.CancelEntry(e.ID, "cancelled: "+reason, s.cfg.Now())
	if err != nil {
		return QueueEntry{}, &Problem{ID: "queue.cannot_cancel", Data: map[string]any{"Entry": id, "Reason": err.Error()}, Msg: fmt.Sprintf("queue entry %s cannot be cancelled: %v", id, err), Hint: "labelstation queue list --all shows its state", Err: err}
	}
	s.log.Info("queue entry cancelled", "order", e.OrderRef, "request_id", e.ID, "reason", reason)
	// The order may be packed again, here or at another bench.
	s.releaseClaim(e.OrderRef)
	q := queueEntry(e)
	if e.Offline {
		q.Action = "the offline label " + q.ItemID + " on the parcel is void: take it off before the order is packed again"
	}
	return q, nil
}

// findEntry accepts an entry id, a unique prefix of one (as the queue list
// shows), or an order reference.
func (s *Station) findEntry(id string) (store.OutboxEntry, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return store.OutboxEntry{}, &Problem{ID: "queue.no_entry_given", Msg: "no queue entry given", Hint: "labelstation queue list shows the ids"}
	}
	if e, err := s.store.Entry(id); err == nil {
		return e, nil
	}
	if e, err := s.store.EntryByOrder(id); err == nil {
		return e, nil
	}
	all, err := s.store.Entries(false)
	if err != nil {
		return store.OutboxEntry{}, err
	}
	var match []store.OutboxEntry
	for _, e := range all {
		if strings.HasPrefix(e.ID, id) {
			match = append(match, e)
		}
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		return store.OutboxEntry{}, &Problem{ID: "queue.entry_not_found", Data: map[string]any{"Entry": id}, Msg: fmt.Sprintf("there is no queue entry %s", id), Hint: "labelstation queue list --all shows the ids", Err: store.ErrNotFound}
	}
	return store.OutboxEntry{}, &Problem{ID: "queue.entry_ambiguous", Data: map[string]any{"Entry": id, "Count": len(match)}, Msg: fmt.Sprintf("%s matches %d queue entries", id, len(match)), Hint: "give more of the id"}
}

// LateEntry is a parcel that left the bench with an offline label: the
// carrier learned of it only when the queue synced.
type LateEntry struct {
	OrderRef  string        `json:"order_ref"`
	ItemID    string        `json:"item_id"`
	Receiver  string        `json:"receiver"`
	PrintedAt time.Time     `json:"printed_at,omitempty"`
	SyncedAt  time.Time     `json:"synced_at,omitempty"` // zero: still waiting
	Late      time.Duration `json:"late_ns"`             // synced − packed, or so far
}

// SentLate lists the day's parcels printed offline, with how late the
// carrier heard of each (still-waiting ones count up to now).
func (s *Station) SentLate(ctx context.Context, day time.Time) ([]LateEntry, error) {
	shipments, err := s.store.ShipmentsOn(day)
	if err != nil {
		return nil, err
	}
	out := []LateEntry{}
	for _, sh := range shipments {
		if !sh.Offline || !sh.Cancelled.IsZero() {
			continue
		}
		l := LateEntry{OrderRef: sh.OrderRef, ItemID: sh.TrackingID(), Receiver: receiverText(sh.Receiver), PrintedAt: sh.PrintedAt, SyncedAt: sh.SyncedAt}
		end := sh.SyncedAt
		if end.IsZero() {
			end = s.cfg.Now()
		}
		l.Late = end.Sub(sh.BookedAt).Round(time.Second)
		out = append(out, l)
	}
	return out, nil
}
