package station

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"labelstation/carrier"
	"labelstation/printer"
	"labelstation/store"
)

// The returns flow: a return label for a shipped order, booked with the
// carrier that carried the outgoing parcel, printed through the print
// queue (or sent to the customer as a QR code), tracked, and received at
// the bench.
//
// A return is saved (state requested, with the request id the carrier
// will see) before the carrier is asked, so that a crash or a lost answer
// leaves a record to settle rather than a second return booked blindly.
// What the last attempt left is kept in LastError:
//
//   - "" on a requested return: an attempt was on the wire when the
//     station stopped (or the answer could not be saved): the outcome is
//     unknown;
//   - returnNotSent…: the carrier said no before doing anything (not
//     reached, 429/503, credentials): sending again is safe;
//   - returnUnknown…: the request went out and the answer was lost.
//
// Creating the return again for the same order resumes the requested one
// (never a second): a not-sent one is sent again with the same request
// id; an unknown one is settled first. STG recognises a resend by its
// Idempotency-Key, so it is simply sent again. PostNord does not: the
// station asks Track & Trace by customer number and order reference (the
// return is booked with the order reference, like the outgoing parcel)
// and takes a shipment it does not know — neither the outgoing parcel nor
// another return of the order — as the lost return (adopted, with a label
// the station renders when it was lost with the answer); if there is none
// (after Config.LookupGrace, since PostNord shows a fresh booking only
// after a while) it is sent again. When the carrier cannot be asked, or
// PostNord holds several unknown shipments under the order, the return
// stays requested and the packer is told to check with the carrier; only
// an explicit ReturnOptions.Another then withdraws it (cancelled) and
// books a new one.

// LastError prefixes of a requested return (see above).
const (
	returnNotSent = "not booked: "
	returnUnknown = "unknown outcome: "
)

// maxReturnReason is the longest reason a carrier takes (STG: 70).
const maxReturnReason = 70

// errCannotSettle marks a requested return whose outcome the station cannot
// settle by itself: only a person's Another withdraws it.
var errCannotSettle = errors.New("the return's outcome cannot be settled by the station")

// defaultReturnService is what a return is booked as when the packer names
// no service: the carrier client's own default, recorded in words a
// packer and the WMS read.
var defaultReturnService = map[string]string{"postnord": "24", "stg": "RETURN"}

// returnServices are the return services each carrier books: PostNord's
// Return Drop Off (24) and Return Pickup (20, 22); STG's one.
var returnServices = map[string][]string{"postnord": {"24", "20", "22"}, "stg": {"RETURN"}}

// IsReturnService reports whether some carrier books returns as svc, for
// a command line that checks its flags before it opens the station;
// creating the return checks svc against the parcel's own carrier.
func IsReturnService(svc string) bool {
	for _, known := range returnServices {
		if slices.Contains(known, svc) {
			return true
		}
	}
	return false
}

func (s *Station) createReturn(ctx context.Context, scan string, opts ReturnOptions) (ReturnResult, error) {
	start := time.Now()
	if s.store == nil {
		return ReturnResult{}, &Problem{ID: "returns.needs_data", Msg: "returns need the data file", Hint: "run it from a station with its data directory"}
	}
	order, sh, err := s.orderForReturn(scan)
	if err != nil {
		return ReturnResult{}, err
	}
	if err := s.checkReturnOptions(order, opts); err != nil {
		return ReturnResult{}, err
	}
	defer s.lockOrder(order.Ref)()
	// Again under the order's lock: a Pack may have been finishing.
	if sh, err = s.store.ShipmentByOrder(order.Ref); err != nil {
		return ReturnResult{}, err
	}
	return s.openReturn(ctx, order, sh, opts, false, start)
}

// orderForReturn finds the order and its outgoing shipment from what was
// scanned: the order reference, or the outgoing parcel's tracking number.
func (s *Station) orderForReturn(scan string) (carrier.Order, store.Shipment, error) {
	scan = strings.TrimSpace(scan)
	if scan == "" {
		return carrier.Order{}, store.Shipment{}, &Problem{ID: "returns.create_nothing_scanned", Msg: "nothing was scanned", Hint: "scan the order barcode or the tracking number of the outgoing parcel"}
	}
	ref := scan
	order, err := s.store.Order(scan)
	if errors.Is(err, store.ErrNotFound) {
		if ref, err = s.orderRefByParcel(scan); errors.Is(err, store.ErrNotFound) {
			return order, store.Shipment{}, &Problem{
				ID: "returns.order_not_found", Data: map[string]any{"Scan": scan},
				Msg:  fmt.Sprintf("no order or parcel %s in the station", scan),
				Hint: "check the number: scan the order barcode, or the tracking number on the outgoing parcel's label",
				Err:  ErrOrderNotFound,
			}
		}
		if err == nil {
			order, err = s.store.Order(ref)
		}
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return order, store.Shipment{}, err
	}
	sh, serr := s.store.ShipmentByOrder(ref)
	switch {
	case errors.Is(serr, store.ErrNotFound):
		return order, sh, &Problem{
			ID: "returns.order_not_packed", Data: map[string]any{"Ref": ref},
			Msg:  fmt.Sprintf("order %s has not been packed, so there is nothing to return", ref),
			Hint: "pack the order first (labelstation pack " + ref + "), or check the number",
		}
	case serr != nil:
		return order, sh, serr
	case !sh.Cancelled.IsZero():
		return order, sh, &Problem{
			ID: "returns.shipment_cancelled", Data: map[string]any{"Ref": ref, "At": sh.Cancelled.Local().Format("2006-01-02 15:04")},
			Msg:  fmt.Sprintf("the shipment of order %s was cancelled on %s, so there is nothing to return", ref, sh.Cancelled.Local().Format("2006-01-02 15:04")),
			Hint: "pack the order first, or check the number",
		}
	}
	if order.Ref == "" {
		// Shipped, but the order itself is gone from the file: the
		// shipment knows whom it went to.
		order = carrier.Order{Ref: ref, Receiver: sh.Receiver}
	}
	return order, sh, nil
}

// orderRefByParcel returns the order whose outgoing parcel (or shipment)
// has the id, through the item index the store keeps at booking.
func (s *Station) orderRefByParcel(id string) (string, error) { return s.store.OrderRefByItem(id) }

func (s *Station) checkReturnOptions(order carrier.Order, opts ReturnOptions) error {
	if n := len([]rune(strings.TrimSpace(opts.Reason))); n > maxReturnReason {
		return &Problem{ID: "returns.reason_too_long", Data: map[string]any{"Length": n, "Max": maxReturnReason, "Reasons": strings.Join(ReturnReasons, ", ")}, Msg: fmt.Sprintf("the return reason is %d characters long; carriers take at most %d", n, maxReturnReason),
			Hint: "use one of " + strings.Join(ReturnReasons, ", ") + ", and put the details in the note"}
	}
	if opts.Labelless && strings.TrimSpace(order.Receiver.Email) == "" && strings.TrimSpace(order.Receiver.Phone) == "" {
		return &Problem{ID: "returns.no_contact_for_qr", Data: map[string]any{"Ref": order.Ref}, Msg: fmt.Sprintf("order %s has neither an e-mail address nor a phone number, so the customer cannot get a QR code", order.Ref),
			Hint: "print a return label instead (without --labelless), or import the order again with the customer's e-mail or phone"}
	}
	return nil
}

// openReturn creates the order's return, or resumes the one an earlier
// attempt left requested. The order's lock is held.
func (s *Station) openReturn(ctx context.Context, order carrier.Order, sh store.Shipment, opts ReturnOptions, withOutgoing bool, start time.Time) (ReturnResult, error) {
	rets, err := s.store.ReturnsByOrder(order.Ref)
	if err != nil {
		return ReturnResult{}, err
	}
	var open []Return
	for _, r := range rets {
		switch r.State {
		case store.ReturnRequested:
			res, err := s.resumeReturn(ctx, r, order, sh, opts.Printer, start)
			if !errors.Is(err, errCannotSettle) || !opts.Another {
				return res, err
			}
			// The packer said to book another: the unsettled one is
			// withdrawn, on record.
			if _, cerr := s.store.UpdateReturn(r.ID, nil, func(x *Return) error {
				x.State, x.Updated = store.ReturnCancelled, s.cfg.Now()
				x.LastError = "withdrawn by the packer (another return was created) while its outcome was unknown: " + strings.TrimPrefix(x.LastError, returnUnknown)
				return nil
			}); cerr != nil {
				return res, cerr
			}
			s.log.Warn("unsettled return withdrawn on the packer's word", "order", order.Ref, "return", r.ID)
		case store.ReturnRegistered, store.ReturnInTransit:
			open = append(open, r)
		}
	}
	if len(open) > 0 && !opts.Another {
		return ReturnResult{Return: open[len(open)-1]}, s.returnExists(open[len(open)-1])
	}

	now := s.cfg.Now()
	c := s.carrierFor(sh.Carrier)
	if c == nil {
		return ReturnResult{}, s.unknownCarrier(sh.Carrier)
	}
	if svc := strings.TrimSpace(opts.Service); svc != "" && returnServices[c.Name()] != nil && !slices.Contains(returnServices[c.Name()], svc) {
		known := strings.Join(returnServices[c.Name()], ", ")
		return ReturnResult{}, &Problem{ID: "returns.bad_service", Data: map[string]any{"Service": svc, "Carrier": c.Name(), "Known": known},
			Msg:  fmt.Sprintf("%s is not a return service of %s", svc, c.Name()),
			Hint: "choose one of " + known + ", or none for the usual one"}
	}
	lines := opts.Lines
	if lines == nil {
		lines = order.Lines
	}
	r := Return{
		ID: newRequestID(), OrderRef: order.Ref, Carrier: c.Name(),
		Service:   firstNonEmpty(strings.TrimSpace(opts.Service), defaultReturnService[c.Name()]),
		Labelless: opts.Labelless, WithOutgoing: withOutgoing, OutgoingItemID: sh.TrackingID(),
		Reason: strings.TrimSpace(opts.Reason), Note: strings.TrimSpace(opts.Note), Lines: lines,
		State: store.ReturnRequested, Created: now, Updated: now,
	}
	if err := s.store.CreateReturn(r); err != nil {
		return ReturnResult{}, saveProblem(order.Ref, err)
	}
	return s.bookReturn(ctx, r, order, opts.Printer, start)
}

// returnExists words an order that already has an open return.
func (s *Station) returnExists(r Return) error {
	what := fmt.Sprintf("order %s already has return %s (tracking %s, registered %s)", r.OrderRef, r.ID, dashIfEmpty(r.TrackingID()),
		r.RegisteredAt.Local().Format("2006-01-02 15:04"))
	if r.State == store.ReturnInTransit {
		what += ", on its way back"
	}
	hint := "to print its label again: labelstation return reprint " + r.TrackingID() + " (Reprint on the returns screen); if the customer sends a second parcel, create another return with --another"
	var queued store.PrintJob // the return's label job still in the print queue, if any
	inQueue := false
	if r.Labelless {
		hint = "the customer has its QR code; if the customer sends a second parcel, create another return with --another"
	} else if job, ok, _ := s.returnJob(r.ID); ok {
		hint = fmt.Sprintf("its label is still in the print queue (%s): labelstation print-queue retry|printed %s; if the customer sends a second parcel, create another return with --another", job.State, job.ID)
		queued, inQueue = job, true
	}
	return &Problem{ID: "returns.exists", Data: map[string]any{"Ref": r.OrderRef, "Return": r.ID, "Tracking": dashIfEmpty(r.TrackingID()),
		"Registered": r.RegisteredAt.Local().Format("2006-01-02 15:04"), "InTransit": r.State == store.ReturnInTransit,
		"TrackingID": r.TrackingID(), "Labelless": r.Labelless, "Queued": inQueue, "Job": queued.ID, "JobState": queued.State},
		Msg: what, Hint: hint, Err: store.ErrReturnExists}
}

// resumeReturn finishes a return an earlier attempt left requested.
func (s *Station) resumeReturn(ctx context.Context, r Return, order carrier.Order, sh store.Shipment, p printer.Printer, start time.Time) (ReturnResult, error) {
	if strings.HasPrefix(r.LastError, returnNotSent) {
		// The carrier never acted on it: send it again, same request id.
		s.log.Info("resuming a return the carrier did not get", "order", r.OrderRef, "return", r.ID)
		return s.bookReturn(ctx, r, order, p, start)
	}
	c := s.carrierFor(r.Carrier)
	if c == nil {
		return ReturnResult{Return: r}, s.unknownCarrier(r.Carrier)
	}
	if ib, ok := c.(carrier.IdempotentBooker); ok && ib.BooksIdempotently() {
		// The carrier answers a resend with the same id with the first
		// return: asking again is the lookup.
		s.log.Info("resending a return whose answer was lost; the carrier recognises its request id", "order", r.OrderRef, "return", r.ID)
		return s.bookReturn(ctx, r, order, p, start)
	}
	rf, ok := c.(carrier.ReferenceFinder)
	if !ok {
		return ReturnResult{Return: r}, &Problem{
			ID: "returns.cannot_settle", Data: map[string]any{"Carrier": carrierDisplay(r.Carrier), "Return": r.ID, "Ref": r.OrderRef},
			Msg: fmt.Sprintf("unknown outcome: %s may have booked return %s for order %s, but its answer was lost, and the station cannot ask %s whether it did",
				carrierDisplay(r.Carrier), r.ID, r.OrderRef, carrierDisplay(r.Carrier)),
			Hint: "check with " + carrierDisplay(r.Carrier) + " before retrying; if it holds no return for the order, create it again with --another (the unsettled one is withdrawn)",
			Err:  errCannotSettle,
		}
	}
	if wait := s.cfg.LookupGrace - s.cfg.Now().Sub(r.Updated); wait > 0 {
		return ReturnResult{Return: r}, &Problem{
			ID: "returns.answer_lost_recently", Data: map[string]any{"Carrier": carrierDisplay(r.Carrier), "Return": r.ID, "Ref": r.OrderRef, "Wait": wait.Round(time.Second)},
			Msg:  fmt.Sprintf("%s may have booked return %s for order %s, but its answer was lost moments ago", carrierDisplay(r.Carrier), r.ID, r.OrderRef),
			Hint: fmt.Sprintf("try again in %s: the station then asks %s whether it holds the return, and books it only if not", wait.Round(time.Second), carrierDisplay(r.Carrier)),
		}
	}
	found, err := s.lookupReturn(ctx, rf, r, sh)
	if err != nil {
		s.noteCarrier(err)
		if carrier.KindOf(err) == carrier.KindUnavailable {
			return ReturnResult{Return: r}, &Problem{
				ID: "returns.settle_unreachable", Data: map[string]any{"Carrier": carrierDisplay(r.Carrier), "Return": r.ID, "Ref": r.OrderRef, "Reason": err.Error()},
				Msg:  fmt.Sprintf("%s cannot be reached to ask whether it booked return %s for order %s: %v", carrierDisplay(r.Carrier), r.ID, r.OrderRef, err),
				Hint: "the return is saved and is settled when you try again; nothing is booked twice",
				Err:  err,
			}
		}
		return ReturnResult{Return: r}, &Problem{
			ID: "returns.settle_unknown", Data: map[string]any{"Carrier": carrierDisplay(r.Carrier), "Return": r.ID, "Ref": r.OrderRef, "Reason": err.Error()},
			Msg:  fmt.Sprintf("unknown outcome: %s could not say whether it booked return %s for order %s: %v", carrierDisplay(r.Carrier), r.ID, r.OrderRef, err),
			Hint: "check with " + carrierDisplay(r.Carrier) + " before retrying; if it holds no return for the order, create it again with --another",
			Err:  errors.Join(errCannotSettle, err),
		}
	}
	switch len(found) {
	case 0:
		s.log.Info("the carrier holds no return for the order: booking it", "order", r.OrderRef, "return", r.ID)
		return s.bookReturn(ctx, r, order, p, start)
	case 1:
		t := found[0]
		b := carrier.Booking{Carrier: r.Carrier, ShipmentID: t.ShipmentID, ItemIDs: t.ItemIDs}
		if len(b.ItemIDs) == 0 && t.ItemID != "" {
			b.ItemIDs = []string{t.ItemID}
		}
		if b.TrackingID() == "" {
			return ReturnResult{Return: r}, fmt.Errorf("%s holds a return for order %s but named no id", carrierDisplay(r.Carrier), r.OrderRef)
		}
		s.log.Info("return found at the carrier after its answer was lost", "order", r.OrderRef, "return", r.ID, "tracking", b.TrackingID())
		return s.recordReturn(ctx, r, order, b, true, p, start)
	}
	var ids []string
	for _, t := range found {
		ids = append(ids, firstNonEmpty(t.ItemID, t.ShipmentID))
	}
	return ReturnResult{Return: r}, &Problem{
		ID: "returns.settle_ambiguous", Data: map[string]any{"Carrier": carrierDisplay(r.Carrier), "Count": len(found), "Ref": r.OrderRef, "IDs": strings.Join(ids, ", "), "Return": r.ID},
		Msg: fmt.Sprintf("unknown outcome: %s holds %d shipments under order %s that the station does not know (%s), so it cannot tell which is return %s",
			carrierDisplay(r.Carrier), len(found), r.OrderRef, strings.Join(ids, ", "), r.ID),
		Hint: "check with " + carrierDisplay(r.Carrier) + " before retrying; to book a new return anyway, create it with --another (the unsettled one is withdrawn)",
		Err:  errCannotSettle,
	}
}

// lookupReturn asks the carrier for shipments under the order's reference
// and returns those the station does not know: not the outgoing parcel,
// not another return of the order.
func (s *Station) lookupReturn(ctx context.Context, rf carrier.ReferenceFinder, r Return, sh store.Shipment) ([]carrier.Tracking, error) {
	found, err := rf.FindByReference(ctx, s.cfg.Consignor.CustomerNumber, r.OrderRef)
	if carrier.KindOf(err) == carrier.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	add := func(ids ...string) {
		for _, id := range ids {
			if id != "" {
				known[id] = true
			}
		}
	}
	add(sh.ShipmentID)
	add(sh.ItemIDs...)
	others, err := s.store.ReturnsByOrder(r.OrderRef)
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.ID != r.ID {
			add(o.ItemID, o.ShipmentID)
		}
	}
	var out []carrier.Tracking
	for _, t := range found {
		mine := known[t.ShipmentID] || known[t.ItemID]
		for _, id := range t.ItemIDs {
			mine = mine || known[id]
		}
		if !mine {
			out = append(out, t)
		}
	}
	return out, nil
}

// returnRequest is what the carrier is sent for r; a resend sends the same.
func (s *Station) returnRequest(r Return, order carrier.Order) carrier.ReturnRequest {
	svc := r.Service
	if svc == defaultReturnService[r.Carrier] {
		svc = "" // the client's own default
	}
	return carrier.ReturnRequest{
		OrderRef:  r.OrderRef,
		Consignor: s.cfg.Consignor,
		Sender:    order.Receiver,
		Service:   carrier.Service{Code: svc},
		// No item id on the parcel: PostNord would book the return under
		// it (an own id from the consignor's series); the outgoing
		// parcel's number travels as OriginalItemID (STG books against it).
		Parcels: []carrier.Parcel{{Dimensions: order.Dimensions, Contents: r.Lines}},
		// STG refuses a return without a reason; one printed with the
		// outgoing parcel has none yet.
		Reason:         firstNonEmpty(r.Reason, "other"),
		LabelFormat:    s.cfg.LabelFormat,
		RequestID:      r.ID,
		Labelless:      r.Labelless,
		OriginalItemID: r.OutgoingItemID,
	}
}

// bookReturn sends a requested return to its carrier and records the
// answer.
func (s *Station) bookReturn(ctx context.Context, r Return, order carrier.Order, p printer.Printer, start time.Time) (ReturnResult, error) {
	if r.LastError != "" {
		// From here on the request may be on the wire: a crash leaves an
		// unknown outcome (LastError "").
		var err error
		if r, err = s.store.UpdateReturn(r.ID, nil, func(x *Return) error {
			x.LastError, x.Updated = "", s.cfg.Now()
			return nil
		}); err != nil {
			return ReturnResult{Return: r}, saveProblem(r.OrderRef, err)
		}
	}
	c := s.carrierFor(r.Carrier)
	if c == nil {
		return ReturnResult{Return: r}, s.unknownCarrier(r.Carrier)
	}
	b, err := c.ReturnLabel(ctx, s.returnRequest(r, order))
	if err != nil {
		return s.returnFailed(r, err)
	}
	s.noteCarrier(nil)
	return s.recordReturn(ctx, r, order, b, false, p, start)
}

// returnFailed records a failed attempt and words it.
func (s *Station) returnFailed(r Return, err error) (ReturnResult, error) {
	kind := carrier.KindOf(err)
	who := carrierDisplay(r.Carrier)
	state, mark := store.ReturnRequested, returnUnknown
	switch kind {
	case carrier.KindUnavailable, carrier.KindAuth:
		mark = returnNotSent
	case carrier.KindRejected, carrier.KindNotFound:
		state, mark = store.ReturnFailed, ""
	}
	if kind != carrier.KindRejected && kind != carrier.KindNotFound {
		s.noteCarrier(err)
	}
	stored, uerr := s.store.UpdateReturn(r.ID, nil, func(x *Return) error {
		x.State, x.LastError, x.Updated = state, mark+err.Error(), s.cfg.Now()
		return nil
	})
	if uerr != nil {
		s.log.Error("return outcome not recorded", "return", r.ID, "err", uerr)
		stored = r
	}
	s.log.Warn("return not booked", "order", r.OrderRef, "return", r.ID, "kind", kind.String(), "err", err)
	res := ReturnResult{Return: stored}
	ref := r.OrderRef
	switch kind {
	case carrier.KindUnavailable:
		return res, &Problem{ID: "returns.carrier_unreachable", Data: map[string]any{"Ref": ref, "Reason": err.Error()}, Msg: fmt.Sprintf("the carrier cannot be reached; the return is saved and will be booked when you try again (order %s: %v)", ref, err),
			Hint: "check the network, then create the return again (labelstation return create " + ref + "): the same return is sent, never a second one", Err: err}
	case carrier.KindAuth:
		return res, &Problem{ID: "returns.credentials_refused", Data: map[string]any{"Carrier": who, "Ref": ref, "Reason": err.Error()}, Msg: fmt.Sprintf("%s refused the station's credentials for the return of order %s: %v", who, ref, err),
			Hint: "ask a supervisor to check the API key in the settings; the return is saved and is sent when you create it again", Err: err}
	case carrier.KindRejected, carrier.KindNotFound:
		var ce *carrier.Error
		if errors.As(err, &ce) && ce.HTTPStatus == 0 {
			return res, &Problem{ID: "returns.invalid", Data: map[string]any{"Ref": ref, "Carrier": who, "Reason": err.Error()}, Msg: fmt.Sprintf("the return of order %s cannot be booked as it is, nothing was sent to %s: %v", ref, who, err),
				Hint: "check the customer's address and contact details and the return service (PostNord 24, 20 or 22; labelless returns are PostNord's only), then create the return again", Err: err}
		}
		return res, &Problem{ID: "returns.refused", Data: map[string]any{"Carrier": who, "Ref": ref, "Reason": err.Error()}, Msg: fmt.Sprintf("%s refused the return of order %s: %v", who, ref, err),
			Hint: "check the customer's address and the return service; correct the order (import it again), then create the return again", Err: err}
	}
	// resend names the hint for the screens' catalogue: "lookup", "same"
	// (the carrier answers a resend with the same return) or "ask".
	hint, resend := "create the return again in a few minutes: the station first asks "+who+" whether it holds it, and books it only if not", "lookup"
	if ib, ok := s.carrierFor(r.Carrier).(carrier.IdempotentBooker); ok && ib.BooksIdempotently() {
		hint, resend = "create the return again: "+who+" recognises the request and answers with the same return, never a second", "same"
	} else if _, ok := s.carrierFor(r.Carrier).(carrier.ReferenceFinder); !ok {
		hint, resend = "check with "+who+" before retrying; if it holds no return for the order, create it again with --another", "ask"
	}
	return res, &Problem{ID: "returns.answer_lost", Data: map[string]any{"Carrier": who, "Ref": ref, "Return": r.ID, "Resend": resend}, Msg: fmt.Sprintf("%s may have booked the return of order %s, but its answer was lost (return %s)", who, ref, r.ID), Hint: hint, Err: err}
}

// recordReturn stores the carrier's booking (registered) with its label's
// print job in one commit, then prints the label. adopted: the booking was
// found by asking the carrier after its answer was lost, so its label is
// rendered by the station.
func (s *Station) recordReturn(ctx context.Context, r Return, order carrier.Order, b carrier.Booking, adopted bool, p printer.Printer, start time.Time) (ReturnResult, error) {
	now := s.cfg.Now()
	lbl := joinLabels(b.Labels)
	if !r.Labelless && len(lbl.Data) == 0 {
		var err error
		if lbl, err = s.returnLabel(r, order, b.TrackingID(), now); err != nil {
			return ReturnResult{Return: r}, fmt.Errorf("render the return label of %s: %w", r.OrderRef, err)
		}
	}
	var q *printQueue
	var jobs []store.PrintJob
	if !r.Labelless {
		if p == nil {
			p = s.currentPrinter()
		}
		if p != nil {
			q = s.queueFor(p)
			reg := r
			reg.ItemID, reg.ShipmentID = firstNonEmpty(b.TrackingID(), b.ShipmentID), b.ShipmentID
			jobs = append(jobs, s.newReturnJob(reg, order, q.uri, false))
		}
	}
	stored, err := s.store.UpdateReturn(r.ID, nil, func(x *Return) error {
		if x.State != store.ReturnRequested {
			return fmt.Errorf("return %s is %s, not requested", x.ID, x.State)
		}
		x.State, x.Status, x.LastError = store.ReturnRegistered, carrier.StatusCreated, ""
		x.ItemID, x.ShipmentID, x.TrackingURL = firstNonEmpty(b.TrackingID(), b.ShipmentID), b.ShipmentID, b.TrackingURL
		x.Label = lbl
		if r.Labelless {
			x.Label = carrier.Label{}
		}
		x.RegisteredAt, x.Updated = now, now
		return nil
	}, jobs...)
	if err != nil {
		// The carrier holds it but the station could not save it: left
		// requested with no error, the next attempt asks the carrier.
		s.log.Error("return booked but not saved", "order", r.OrderRef, "return", r.ID, "tracking", b.TrackingID(), "err", err)
		var we *store.WriteError
		if errors.As(err, &we) {
			return ReturnResult{Return: r}, &Problem{
				ID: "returns.booked_not_saved", Data: map[string]any{"Carrier": carrierDisplay(r.Carrier), "Ref": r.OrderRef, "Tracking": b.TrackingID(), "Reason": we.Reason, "Path": we.Path},
				Msg:  fmt.Sprintf("%s booked the return of order %s (tracking %s), but the station cannot save it: %s (%s)", carrierDisplay(r.Carrier), r.OrderRef, b.TrackingID(), we.Reason, we.Path),
				Hint: "free space on that disk (or make the data directory writable), then create the return again: the station finds this return at the carrier instead of booking another",
				Err:  err,
			}
		}
		return ReturnResult{Return: r}, err
	}
	s.log.Info("return registered", "order", r.OrderRef, "return", r.ID, "tracking", stored.TrackingID(), "carrier", r.Carrier, "adopted", adopted, "labelless", r.Labelless)
	res := ReturnResult{Return: stored}
	if r.Labelless {
		res.Took = time.Since(start)
		return res, nil
	}
	if q == nil {
		res.Took = time.Since(start)
		return res, &Problem{ID: "returns.no_printer_booked", Data: map[string]any{"Tracking": stored.TrackingID()}, Msg: "no printer is configured", Hint: "the return is booked; choose a printer and print its label: labelstation return reprint " + stored.TrackingID() + " --printer tcp://HOST:9100"}
	}
	out := s.enqueue(ctx, q, jobs[0], lbl, false)
	res.Took = time.Since(start)
	if out.err != nil {
		return res, out.err
	}
	if printed, err := s.store.Return(r.ID); err == nil {
		res.Return = printed
	}
	res.Printed = true
	return res, nil
}

// returnLabel renders the station's own label for a return whose carrier
// label was lost with the carrier's answer: from the customer to the
// merchant, with the carrier's item id.
func (s *Station) returnLabel(r Return, order carrier.Order, itemID string, at time.Time) (carrier.Label, error) {
	req := carrier.BookingRequest{
		OrderRef:    r.OrderRef,
		Consignor:   carrier.Consignor{Address: order.Receiver},
		Receiver:    s.cfg.Consignor.Address,
		Service:     carrier.Service{Code: r.Service},
		LabelFormat: s.cfg.LabelFormat,
	}
	return s.localLabel(req, itemID, "RETURN", at)
}

// newReturnJob is the print job of a return's label.
func (s *Station) newReturnJob(r Return, order carrier.Order, uri string, reprint bool) store.PrintJob {
	now := s.cfg.Now()
	return store.PrintJob{
		ID: newRequestID()[:13], Printer: uri, OrderRef: r.OrderRef, State: store.PrintSending,
		Reprint: reprint, ReturnID: r.ID, TrackingID: r.TrackingID(),
		Receiver: "return from " + receiverText(order.Receiver),
		Attempts: 1, Created: now, Updated: now,
	}
}

// returnJob returns the return's label job waiting in the print queue.
func (s *Station) returnJob(returnID string) (store.PrintJob, bool, error) {
	jobs, err := s.store.PrintJobs()
	if err != nil {
		return store.PrintJob{}, false, err
	}
	for _, j := range jobs {
		if j.ReturnID == returnID {
			return j, true, nil
		}
	}
	return store.PrintJob{}, false, nil
}

// returnShipment is a return seen as the print queue sees a label: what
// RetryPrint and ConfirmPrint report for a return label's job.
func (s *Station) returnShipment(r Return) store.Shipment {
	sh := store.Shipment{
		OrderRef: r.OrderRef, Carrier: r.Carrier, Service: r.Service, ShipmentID: r.ShipmentID,
		Receiver: s.cfg.Consignor.Address, Label: r.Label, TrackingURL: r.TrackingURL,
		BookedAt: r.RegisteredAt, PrintedAt: r.PrintedAt, Status: r.Status,
	}
	if id := r.TrackingID(); id != "" {
		sh.ItemIDs = []string{id}
	}
	return sh
}

// ReprintReturn prints a return's label again (or for the first time, when
// its print was discarded). It never books. scan is what FindReturn takes.
func (s *Station) ReprintReturn(ctx context.Context, scan string, p printer.Printer) (ReturnResult, error) {
	start := time.Now()
	info, err := s.findReturn(ctx, scan)
	if err != nil {
		return ReturnResult{}, err
	}
	defer s.lockOrder(info.Return.OrderRef)()
	r, err := s.store.Return(info.Return.ID)
	if err != nil {
		return ReturnResult{}, err
	}
	res := ReturnResult{Return: r}
	switch {
	case r.Labelless:
		return res, &Problem{ID: "returns.labelless_no_label", Data: map[string]any{"Tracking": r.TrackingID()}, Msg: fmt.Sprintf("return %s is labelless: the customer shows a QR code, there is no label to print", r.TrackingID()),
			Hint: "the carrier sent the QR code to the customer by e-mail or SMS"}
	case r.State == store.ReturnRequested, r.State == store.ReturnFailed, r.State == store.ReturnCancelled, len(r.Label.Data) == 0:
		return res, &Problem{ID: "returns.no_label", Data: map[string]any{"Return": r.ID, "Ref": r.OrderRef, "State": r.State}, Msg: fmt.Sprintf("return %s of order %s has no label (it is %s)", r.ID, r.OrderRef, r.State),
			Hint: "create the return: labelstation return create " + r.OrderRef}
	}
	if p == nil {
		p = s.currentPrinter()
	}
	if p == nil {
		return res, &Problem{ID: "returns.no_printer", Msg: "no printer is configured", Hint: "choose a printer (--printer tcp://HOST:9100) or set one in the config"}
	}
	q := s.queueFor(p)
	if prev, found, err := s.returnJob(r.ID); err != nil {
		return res, err
	} else if found {
		switch prev.State {
		case store.PrintWaiting:
			out, err := s.retryJob(ctx, q, prev, s.returnShipment(r), start)
			res.Printed, res.Took = err == nil, out.Took
			if rr, rerr := s.store.Return(r.ID); rerr == nil {
				res.Return = rr
			}
			return res, err
		case store.PrintUnknown:
			return res, &Problem{
				ID: "returns.label_maybe_printed", Data: map[string]any{"Ref": r.OrderRef, "Tracking": prev.TrackingID, "Reason": prev.LastError, "Job": prev.ID},
				Msg:  fmt.Sprintf("the return label of order %s (tracking %s) may already have printed: %s", r.OrderRef, prev.TrackingID, prev.LastError),
				Hint: "look at the printer, then answer in the print queue: Printed, or Print again (labelstation print-queue printed|retry " + prev.ID + ")",
			}
		default:
			return res, stillQueued(prev, nil)
		}
	}
	order, _ := s.store.Order(r.OrderRef)
	job := s.newReturnJob(r, order, q.uri, !r.PrintedAt.IsZero())
	out := s.enqueue(ctx, q, job, r.Label, true)
	res.Took = time.Since(start)
	if out.err != nil {
		return res, out.err
	}
	if rr, err := s.store.Return(r.ID); err == nil {
		res.Return = rr
	}
	res.Printed = true
	return res, nil
}

// returnWithOutgoing books and prints the return label an order asks for
// (Order.ReturnLabel) right after its outgoing label, for the customer to
// find in the box. It runs once the outgoing parcel is booked and its
// label printed or queued; a return that fails never fails the pack: the
// packer hears it in the result's Warning.
func (s *Station) returnWithOutgoing(ctx context.Context, res PackResult, p printer.Printer) PackResult {
	order, err := s.store.Order(res.OrderRef)
	if err != nil || !order.ReturnLabel {
		return res
	}
	warn := func(msg string, err error) PackResult {
		if err != nil {
			msg += ": " + err.Error()
			if h := Hint(err); h != "" {
				msg += " (" + h + ")"
			}
		}
		res.Warning = joinNonEmpty("; ", res.Warning, msg)
		return res
	}
	defer s.lockOrder(order.Ref)()
	sh, err := s.store.ShipmentByOrder(order.Ref)
	if err != nil || !sh.Cancelled.IsZero() {
		return res // nothing booked: no return either
	}
	rets, err := s.store.ReturnsByOrder(order.Ref)
	if err != nil {
		return warn("the return label for the box was not made", err)
	}
	for _, r := range rets {
		if !r.WithOutgoing {
			continue
		}
		switch r.State {
		case store.ReturnRegistered, store.ReturnInTransit, store.ReturnReceived:
			// Made when this parcel was packed before.
			res.ReturnTrackingID = r.TrackingID()
			return res
		case store.ReturnFailed:
			return warn("no return label in the box: the carrier refused it earlier ("+r.LastError+"); create it with labelstation return create "+order.Ref, nil)
		}
	}
	if sh.Offline && sh.SyncedAt.IsZero() {
		// An offline label: the carrier is not asked now (and STG books a
		// return only against a parcel it knows).
		return warn("no return label in the box: the parcel left with an offline label; create the return when the carrier has the booking: labelstation return create "+order.Ref, nil)
	}
	rr, err := s.openReturn(ctx, order, sh, ReturnOptions{Printer: p}, true, time.Now())
	if id := rr.Return.TrackingID(); id != "" && rr.Return.State != store.ReturnFailed {
		res.ReturnTrackingID = id
	}
	if err != nil {
		if res.ReturnTrackingID != "" {
			return warn("the return label for the box did not print", err)
		}
		return warn("no return label in the box", err)
	}
	return res
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
