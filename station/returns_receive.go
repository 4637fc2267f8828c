package station

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"labelstation/carrier"
	"labelstation/store"
)

// Receiving a return at the bench: the packer scans the return parcel,
// sees the order and the reason, and confirms it arrived.

func (s *Station) findReturn(ctx context.Context, scan string) (ReturnInfo, error) {
	scan = strings.TrimSpace(scan)
	if scan == "" {
		return ReturnInfo{}, &Problem{ID: "returns.receive_nothing_scanned", Msg: "nothing was scanned", Hint: "scan the return parcel's tracking number, or the order barcode"}
	}
	if s.store == nil {
		return ReturnInfo{}, &Problem{ID: "returns.needs_data", Msg: "returns need the data file", Hint: "run it from a station with its data directory"}
	}
	r, err := s.store.ReturnByItem(scan)
	if errors.Is(err, store.ErrNotFound) {
		r, err = s.store.Return(scan)
	}
	if errors.Is(err, store.ErrNotFound) {
		r, err = s.returnOfOrder(scan)
	}
	if err != nil {
		return ReturnInfo{}, err
	}
	info := ReturnInfo{Return: r}
	if info.Order, err = s.store.Order(r.OrderRef); err != nil && !errors.Is(err, store.ErrNotFound) {
		return info, err
	}
	if info.Shipment, err = s.store.ShipmentByOrder(r.OrderRef); err != nil && !errors.Is(err, store.ErrNotFound) {
		return info, err
	}
	if info.Order.Ref == "" {
		info.Order = carrier.Order{Ref: r.OrderRef, Receiver: info.Shipment.Receiver}
	}
	return info, nil
}

// returnOfOrder is the return an order reference (or the outgoing parcel's
// tracking number) stands for: its one open return, or, when none is
// open, its latest.
func (s *Station) returnOfOrder(scan string) (Return, error) {
	notFound := &Problem{
		ID: "returns.not_found", Data: map[string]any{"Scan": scan},
		Msg:  fmt.Sprintf("no return %s in the station", scan),
		Hint: "scan the tracking number on the return parcel's label, or the order reference; a return is made with labelstation return create ORDER",
		Err:  ErrReturnNotFound,
	}
	ref := scan
	rets, err := s.store.ReturnsByOrder(ref)
	if err == nil && len(rets) == 0 {
		if byItem, ierr := s.orderRefByParcel(scan); ierr == nil {
			ref = byItem
			rets, err = s.store.ReturnsByOrder(ref)
		} else if !errors.Is(ierr, store.ErrNotFound) {
			return Return{}, ierr
		}
	}
	if err != nil {
		return Return{}, err
	}
	if len(rets) == 0 {
		if _, oerr := s.store.Order(ref); oerr == nil {
			return Return{}, &Problem{ID: "returns.order_has_none", Data: map[string]any{"Ref": ref},
				Msg:  fmt.Sprintf("order %s has no return", ref),
				Hint: "create one: labelstation return create " + ref + " (or scan the return parcel's own tracking number)",
				Err:  notFound.Err,
			}
		}
		return Return{}, notFound
	}
	var open []Return
	for _, r := range rets {
		if r.State.Open() {
			open = append(open, r)
		}
	}
	switch len(open) {
	case 0:
		return rets[len(rets)-1], nil
	case 1:
		return open[0], nil
	}
	var list []string
	for _, r := range open {
		list = append(list, fmt.Sprintf("%s (%s, %s)", dashIfEmpty(r.TrackingID()), r.State, firstNonEmpty(r.Reason, "no reason")))
	}
	return Return{}, &Problem{
		ID: "returns.several_open", Data: map[string]any{"Ref": ref, "Count": len(open), "List": strings.Join(list, "; ")},
		Msg:  fmt.Sprintf("order %s has %d open returns: %s", ref, len(open), strings.Join(list, "; ")),
		Hint: "scan the tracking number on the return parcel's own label",
		Err:  ErrReturnNotFound,
	}
}

func (s *Station) receiveReturn(ctx context.Context, id, note string) (store.Return, error) {
	r, err := s.store.Return(strings.TrimSpace(id))
	if errors.Is(err, store.ErrNotFound) {
		var info ReturnInfo
		info, err = s.findReturn(ctx, id)
		r = info.Return
	}
	if err != nil {
		return r, err
	}
	defer s.lockOrder(r.OrderRef)()
	if r, err = s.store.Return(r.ID); err != nil {
		return r, err
	}
	switch r.State {
	case store.ReturnRequested:
		return r, &Problem{ID: "returns.never_booked", Data: map[string]any{"Return": r.ID, "Ref": r.OrderRef}, Msg: fmt.Sprintf("return %s of order %s was never booked with the carrier", r.ID, r.OrderRef),
			Hint: "check the parcel: if it is this order's, create the return first (labelstation return create " + r.OrderRef + "), then receive it"}
	case store.ReturnFailed, store.ReturnCancelled:
		return r, &Problem{ID: "returns.not_open", Data: map[string]any{"Return": r.ID, "Ref": r.OrderRef, "State": r.State, "Reason": dashIfEmpty(r.LastError)}, Msg: fmt.Sprintf("return %s of order %s is %s (%s)", r.ID, r.OrderRef, r.State, dashIfEmpty(r.LastError)),
			Hint: "check the parcel's label: scan the tracking number of the return it came with"}
	case store.ReturnReceived:
		if !r.CheckedAt.IsZero() {
			return r, &Problem{ID: "returns.already_received", Data: map[string]any{"Tracking": r.TrackingID(), "Ref": r.OrderRef, "At": r.CheckedAt.Local().Format("2006-01-02 15:04")}, Msg: fmt.Sprintf("return %s of order %s was already received at the bench on %s", r.TrackingID(), r.OrderRef, r.CheckedAt.Local().Format("2006-01-02 15:04")),
				Hint: "nothing to do: it is checked in; if this is a second parcel, check its label"}
		}
	}
	now := s.cfg.Now()
	note = strings.TrimSpace(note)
	r, err = s.store.UpdateReturn(r.ID, nil, func(x *Return) error {
		if x.State == store.ReturnRegistered || x.State == store.ReturnInTransit {
			x.State, x.ReceivedAt, x.ReceivedBy = store.ReturnReceived, now, store.ReceivedByBench
		}
		x.CheckedAt, x.Updated = now, now
		if note != "" {
			x.Note = joinNonEmpty("\n", x.Note, note)
		}
		return nil
	})
	if err != nil {
		return r, saveProblem(r.OrderRef, err)
	}
	s.log.Info("return received at the bench", "order", r.OrderRef, "return", r.ID, "tracking", r.TrackingID(), "received_by", r.ReceivedBy)
	return r, nil
}
