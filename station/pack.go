package station

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"labelstation/carrier"
	"labelstation/printer"
	"labelstation/store"
)

// PackOptions are what the packer (or the CLI) decides for one parcel.
type PackOptions struct {
	// Weight is typed or given on the command line; 0 takes a stable
	// weight from the station's scale.
	Weight carrier.Weight
	// Seen is the stable weight the packer saw on the screen when
	// pressing Print (0: none shown). When the station reads the scale
	// itself (Weight 0) it refuses to book a weight that does not agree
	// with it (ErrWeightChanged).
	Seen carrier.Weight
	// Service overrides the order's service code.
	Service string
	// Carrier books with this carrier (its registry name, e.g. "stg")
	// instead of the one a shipping rule, the order's service or the
	// station's primary carrier would choose (carriers.go).
	Carrier string
	// Printer overrides the station's printer for this parcel.
	Printer printer.Printer
	// Offline prints a label from the offline id series at once and
	// leaves the booking to the queue sync, without trying the carrier.
	Offline bool
}

// PackResult is a packed parcel.
type PackResult struct {
	OrderRef   string         `json:"order_ref"`
	Carrier    string         `json:"carrier"`
	Service    string         `json:"service"`
	TrackingID string         `json:"tracking_id"`
	ShipmentID string         `json:"shipment_id"`
	Weight     carrier.Weight `json:"weight_g"`
	Label      carrier.Label  `json:"-"`
	Printed    bool           `json:"printed"`
	// Resumed is true when an interrupted earlier attempt was finished
	// (its stored booking printed) instead of booking again.
	Resumed bool `json:"resumed,omitempty"`
	// Offline is true when the label came from the consignor's own id
	// series and the booking waits in the queue for the carrier.
	Offline bool `json:"offline,omitempty"`
	// Warning is something a supervisor should hear soon, e.g. the
	// offline id series runs low.
	Warning string `json:"warning,omitempty"`
	// ReturnTrackingID is the return label's tracking number when the
	// order asked for one in the box (Order.ReturnLabel); a return that
	// failed is said in Warning and never fails the pack.
	ReturnTrackingID string        `json:"return_tracking_id,omitempty"`
	Took             time.Duration `json:"took_ns"`
}

// Pack ships one order: look it up, weigh, write the booking to the outbox,
// book, store the tracking number and label, print, confirm printed. Each
// step is recorded before the next starts, so calling Pack again after a
// crash or failure finishes the parcel instead of booking it twice.
//
// An order that asks for a return label in the box (Order.ReturnLabel)
// gets it booked and printed right after its own label is booked and
// printed (or queued); see returnWithOutgoing.
func (s *Station) Pack(ctx context.Context, ref string, opts PackOptions) (PackResult, error) {
	start := time.Now()
	res, err := s.pack(ctx, ref, opts)
	if res.OrderRef != "" && !errors.Is(err, ErrAlreadyPacked) {
		res = s.returnWithOutgoing(ctx, res, opts.Printer)
	}
	s.logPacked(ref, res, err, time.Since(start))
	s.kickFleet()
	return res, err
}

func (s *Station) pack(ctx context.Context, ref string, opts PackOptions) (PackResult, error) {
	start := time.Now()
	order, err := s.Order(ctx, ref)
	if err != nil {
		s.logStep(packStep{step: stepLookup, msg: "order not found", order: ref, took: time.Since(start), err: err})
		return PackResult{}, err
	}
	s.logStep(packStep{step: stepLookup, msg: "order found", order: order.Ref, took: time.Since(start), attrs: []any{"scanned", ref}})
	ref = order.Ref
	defer s.lockOrder(ref)()

	// Booked before? Then either it is done, or only the print is missing.
	if sh, err := s.store.ShipmentByOrder(ref); err == nil {
		if sh.Printed() {
			return resultOf(sh, true), &Problem{
				ID: "pack.already_packed", Data: map[string]any{"Ref": ref, "Tracking": sh.TrackingID(), "Printed": sh.PrintedAt.Local().Format("2006-01-02 15:04")},
				Msg:  fmt.Sprintf("order %s is already packed: tracking %s, printed %s", ref, sh.TrackingID(), sh.PrintedAt.Local().Format("2006-01-02 15:04")),
				Hint: "to print its label again press F10 (Reprint), or run: labelstation reprint " + ref,
				Err:  ErrAlreadyPacked,
			}
		}
		return s.printShipment(ctx, sh, opts.Printer, start, true)
	} else if !errors.Is(err, store.ErrNotFound) {
		return PackResult{}, err
	}

	// An earlier attempt's answer was lost: ask the carrier before
	// anything is sent again; print what it holds.
	if prev, err := s.store.EntryByOrder(ref); err == nil && (prev.State == store.StateSending || prev.State == store.StateAttention) {
		return s.packUnknown(ctx, prev, opts, start)
	}

	offline := s.cfg.OfflineSeries != "" && (opts.Offline || s.packOfflineFirst())
	if opts.Offline && s.cfg.OfflineSeries == "" {
		return PackResult{}, &Problem{ID: "pack.no_offline_series", Msg: "the station has no offline id series, so it cannot print an offline label", Hint: "name one in the config ([outbox] offline_series) or pack online"}
	}
	entry, err := s.openEntry(ctx, order, opts, offline)
	if err != nil {
		return PackResult{}, err
	}
	// The label's printer is known before booking, so its print job is
	// queued in the booking's own commit (a fresh booking has no earlier
	// job to reconcile).
	p := opts.Printer
	if p == nil {
		p = s.currentPrinter()
	}
	var q *printQueue
	if p != nil {
		q = s.queueFor(p)
	}
	if offline && entry.State == store.StatePending && s.isPrimary(entry.Carrier) {
		why := errors.New("the carrier cannot be reached")
		if opts.Offline || s.forcedOfflineNow() {
			why = errors.New("the bench works offline")
		}
		return s.packOffline(ctx, entry, q, start, why)
	}
	sh, job, err := s.book(ctx, entry, order, q)
	if err != nil {
		if carrier.KindOf(err) == carrier.KindUnavailable && s.cfg.OfflineSeries != "" && s.isPrimary(entry.Carrier) {
			// Nothing was booked: the parcel leaves with an offline label
			// and the queue books it with that id later.
			if isNetworkDown(err) {
				s.syncer.ReportUnreachable(err)
			}
			return s.packOffline(ctx, entry, q, start, err)
		}
		if carrier.KindOf(err) == carrier.KindUnknownOutcome {
			s.syncer.Kick()
		}
		return PackResult{OrderRef: ref, Weight: totalWeight(entry.Request)}, err
	}
	if q == nil {
		return s.printShipment(ctx, sh, nil, start, entry.Attempts > 1)
	}
	res, err := s.finish(sh, s.enqueue(ctx, q, job, sh.Label, false), start)
	res.Resumed = entry.Attempts > 1
	return res, err
}

// openEntry returns the outbox entry to send for the order: the one an
// earlier attempt left pending, or a new one written before any network
// call.
func (s *Station) openEntry(ctx context.Context, order carrier.Order, opts PackOptions, offline bool) (store.OutboxEntry, error) {
	prev, err := s.store.EntryByOrder(order.Ref)
	switch {
	case err == nil && prev.State == store.StatePending:
		// The carrier never got (or refused before acting on) the earlier
		// request: send the same entry again, same request id.
		s.logStep(packStep{step: stepOutbox, msg: "queued booking sent again", order: order.Ref, carrier: prev.Carrier, took: -1,
			attrs: []any{"request_id", prev.ID, "attempts", prev.Attempts, "weight_g", int64(totalWeight(prev.Request))}})
		return prev, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return prev, err
	}

	weight, source, weighed := opts.Weight, "typed", time.Now()
	if weight <= 0 {
		source = "scale"
		if weight, err = s.stableWeight(ctx, opts.Seen); err != nil {
			s.logStep(packStep{step: stepWeigh, msg: "no weight", order: order.Ref, took: time.Since(weighed), err: err, attrs: []any{"source", source}})
			return store.OutboxEntry{}, err
		}
	}
	s.logStep(packStep{step: stepWeigh, msg: "weighed", order: order.Ref, took: time.Since(weighed), attrs: []any{"weight_g", int64(weight), "source", source}})
	var ruled *parcelChoice
	if opts.Carrier == "" && opts.Service == "" {
		ruled = s.ruleChoice(ctx, order, weight)
	}
	choice, err := s.chooseCarrier(order, opts, ruled)
	if err != nil {
		return store.OutboxEntry{}, err
	}
	if choice.carrier != s.primaryName() {
		// The offline id series is the primary carrier's allotment.
		if opts.Offline {
			return store.OutboxEntry{}, &Problem{ID: "pack.offline_primary_only", Data: map[string]any{"Primary": s.primaryName(), "Carrier": choice.carrier}, Msg: fmt.Sprintf("offline labels are printed for %s only, not for %s", s.primaryName(), choice.carrier), Hint: "pack it online, or without --carrier"}
		}
		offline = false
	}
	service := choice.service
	now := s.cfg.Now()
	id := newRequestID()
	req := carrier.BookingRequest{
		OrderRef:  order.Ref,
		Consignor: s.cfg.Consignor,
		Receiver:  order.Receiver,
		Service:   carrier.Service{Code: service, ServicePointID: order.ServicePointID},
		Parcels: []carrier.Parcel{{
			Weight:     weight,
			Dimensions: order.Dimensions,
			Contents:   order.Lines,
		}},
		LabelFormat: s.cfg.LabelFormat,
		RequestID:   id,
		Created:     now,
	}
	// A new entry is written straight into "sending": one durable commit
	// before the network call instead of two. A crash before the request
	// leaves the wire is then treated as an unknown outcome, which costs a
	// lookup, never a duplicate.
	entry := store.OutboxEntry{ID: id, OrderRef: order.Ref, Carrier: choice.carrier, State: store.StateSending, Attempts: 1, Request: req, Created: now, Updated: now}
	if offline {
		// Not sent now: the queue sync sends it.
		entry.State, entry.Attempts = store.StatePending, 0
	}
	// On a site, the order is this bench's only once the site says so.
	if err := s.claimOrder(ctx, order.Ref); err != nil {
		s.logStep(packStep{step: stepOutbox, msg: "order not claimed", order: order.Ref, took: -1, err: err})
		return store.OutboxEntry{}, err
	}
	s.keepSiteOrder(order)
	written := time.Now()
	if err := s.store.CreateEntry(entry); err != nil {
		s.releaseClaim(order.Ref)
		err = saveProblem(order.Ref, err)
		s.logStep(packStep{step: stepOutbox, msg: "booking not saved", order: order.Ref, carrier: entry.Carrier, took: time.Since(written), err: err, level: slog.LevelError,
			attrs: []any{"request_id", id}})
		return entry, err
	}
	s.logStep(packStep{step: stepOutbox, msg: "booking queued", order: order.Ref, carrier: entry.Carrier, took: time.Since(written),
		attrs: []any{"request_id", id, "service", service, "state", string(entry.State)}})
	return entry, nil
}

// book sends the entry and records the outcome. Only a definite answer
// changes the state away from "sending".
//
// With a print queue q, the label's print job is queued in the same commit
// as the booking and returned.
func (s *Station) book(ctx context.Context, entry store.OutboxEntry, order carrier.Order, q *printQueue) (store.Shipment, store.PrintJob, error) {
	if entry.State != store.StateSending {
		var err error
		entry, err = s.store.UpdateEntry(entry.ID, func(e *store.OutboxEntry) error {
			e.State, e.Attempts, e.Updated = store.StateSending, e.Attempts+1, s.cfg.Now()
			return nil
		})
		if err != nil {
			return store.Shipment{}, store.PrintJob{}, err
		}
	}
	c := s.carrierFor(entry.Carrier)
	if c == nil {
		return store.Shipment{}, store.PrintJob{}, s.unknownCarrier(entry.Carrier)
	}
	asked := time.Now()
	booking, err := c.Book(ctx, entry.Request)
	if err != nil {
		return store.Shipment{}, store.PrintJob{}, s.bookingFailedAfter(entry, err, time.Since(asked))
	}
	took := time.Since(asked)
	s.noteCarrier(nil)
	sh := store.Shipment{
		OrderRef:    order.Ref,
		Carrier:     booking.Carrier,
		Service:     entry.Request.Service.Code,
		ShipmentID:  booking.ShipmentID,
		ItemIDs:     booking.ItemIDs,
		Weight:      totalWeight(entry.Request),
		Receiver:    entry.Request.Receiver,
		Label:       joinLabels(booking.Labels),
		TrackingURL: booking.TrackingURL,
		RequestID:   entry.ID,
		BookedAt:    s.cfg.Now(),
		Status:      carrier.StatusCreated,
	}
	if sh.Carrier == "" {
		sh.Carrier = c.Name()
	}
	var job store.PrintJob
	var jobs []store.PrintJob
	if q != nil {
		job = s.newPrintJob(sh, q.uri, false)
		jobs = append(jobs, job)
	}
	s.logStep(packStep{step: stepBook, msg: "booked", order: order.Ref, tracking: sh.TrackingID(), carrier: sh.Carrier, took: took,
		attrs: []any{"request_id", entry.ID, "service", sh.Service, "shipment", sh.ShipmentID, "items", len(sh.ItemIDs), "attempts", entry.Attempts}})
	recorded := time.Now()
	if err := s.store.RecordBooking(entry.ID, sh, jobs...); err != nil {
		// The carrier holds the booking: the queue finds it by lookup.
		s.logStep(packStep{step: stepRecord, msg: "booked but not saved", order: order.Ref, tracking: sh.TrackingID(), carrier: sh.Carrier,
			took: time.Since(recorded), err: err, level: slog.LevelError, attrs: []any{"request_id", entry.ID}})
		return sh, job, err
	}
	s.logStep(packStep{step: stepRecord, msg: "booking saved", order: order.Ref, tracking: sh.TrackingID(), carrier: sh.Carrier,
		took: time.Since(recorded), attrs: []any{"request_id", entry.ID, "job", job.ID}})
	return sh, job, nil
}

func (s *Station) bookingFailed(entry store.OutboxEntry, err error) error {
	return s.bookingFailedAfter(entry, err, -1)
}

// bookingFailedAfter is bookingFailed for a request that took took (< 0:
// not measured) to fail.
func (s *Station) bookingFailedAfter(entry store.OutboxEntry, err error, took time.Duration) error {
	kind := carrier.KindOf(err)
	state := store.StateAttention
	switch kind {
	case carrier.KindUnavailable, carrier.KindAuth:
		// Nothing was booked: the entry may be sent again as it is.
		state = store.StatePending
	case carrier.KindRejected:
		state = store.StateFailed
	}
	if kind != carrier.KindRejected {
		s.noteCarrier(err)
	}
	s.store.UpdateEntry(entry.ID, func(e *store.OutboxEntry) error {
		e.State, e.LastError, e.Updated = state, err.Error(), s.cfg.Now()
		return nil
	})
	s.logStep(packStep{step: stepBook, msg: "booking failed", order: entry.OrderRef, carrier: entry.Carrier, took: took, err: err,
		attrs: []any{"request_id", entry.ID, "kind", kind.String(), "attempts", entry.Attempts, "queue_state", string(state)}})
	ref := entry.OrderRef
	switch kind {
	case carrier.KindUnavailable:
		return &Problem{ID: "pack.carrier_unreachable", Data: map[string]any{"Ref": ref, "Reason": err.Error()}, Msg: fmt.Sprintf("the carrier could not be reached for order %s: %v", ref, err), Hint: "nothing was booked and the booking is kept in the queue; check the network and press Print again", Err: err}
	case carrier.KindAuth:
		return &Problem{ID: "pack.credentials_refused", Data: map[string]any{"Ref": ref, "Reason": err.Error()}, Msg: fmt.Sprintf("the carrier refused the station's credentials for order %s: %v", ref, err), Hint: "ask a supervisor to check the API key in the settings; the booking is kept in the queue", Err: err}
	case carrier.KindRejected:
		var ce *carrier.Error
		if errors.As(err, &ce) && ce.HTTPStatus == 0 {
			// Refused by the carrier client's own checks: nothing was sent.
			return &Problem{ID: "pack.invalid_order", Data: map[string]any{"Ref": ref, "Reason": err.Error()}, Msg: fmt.Sprintf("order %s cannot be booked as it is, nothing was sent to the carrier: %v", ref, err), Hint: "correct the order (address, service, customs data of each line) and import it again, then scan it again", Err: err}
		}
		return &Problem{ID: "pack.refused", Data: map[string]any{"Ref": ref, "Reason": err.Error()}, Msg: fmt.Sprintf("the carrier refused order %s: %v", ref, err), Hint: "correct the order (address, postcode, service) and import it again, then scan it again", Err: err}
	}
	return unknownOutcome(ref, entry.ID, err)
}

// packUnknown handles an order whose last booking attempt has an unknown
// outcome: the carrier is asked (as the queue sync would) and a booking
// it holds — or one made now because it holds none — is printed. While
// the carrier cannot answer, the parcel waits: sending again blindly could
// book it twice.
func (s *Station) packUnknown(ctx context.Context, e store.OutboxEntry, opts PackOptions, start time.Time) (PackResult, error) {
	if e.State == store.StateSending {
		// Found at rest in "sending": the station stopped while the
		// request was on the wire.
		e, _ = s.store.UpdateEntry(e.ID, func(x *store.OutboxEntry) error {
			x.State, x.Updated = store.StateAttention, s.cfg.Now()
			x.LastError = "the station stopped while the booking was being sent; the carrier may have booked it"
			return nil
		})
	}
	asked := time.Now()
	out := s.settle(ctx, e)
	if sh, err := s.store.ShipmentByOrder(e.OrderRef); err == nil {
		s.logStep(packStep{step: stepSettle, msg: "lost answer settled: the carrier holds the booking", order: e.OrderRef, tracking: sh.TrackingID(),
			carrier: sh.Carrier, took: time.Since(asked), attrs: []any{"request_id", e.ID, "adopted", sh.Adopted}})
		return s.printShipment(ctx, sh, opts.Printer, start, true)
	}
	s.logStep(packStep{step: stepSettle, msg: "lost answer not settled yet: the parcel waits", order: e.OrderRef, carrier: e.Carrier,
		took: time.Since(asked), err: out.Err, attrs: []any{"request_id", e.ID}})
	return PackResult{OrderRef: e.OrderRef, Weight: totalWeight(e.Request)}, unknownOutcome(e.OrderRef, e.ID, out.Err)
}

func unknownOutcome(ref, id string, cause ...error) error {
	p := &Problem{
		ID: "pack.answer_lost", Data: map[string]any{"Ref": ref, "Entry": id},
		Msg:  fmt.Sprintf("the carrier may already have booked order %s, but its answer was lost (queue entry %s)", ref, id),
		Hint: "put the parcel aside: the queue asks the carrier whether it holds the booking and sends it only if not; scan the order again in a few minutes (labelstation queue list shows it)",
	}
	if len(cause) > 0 && cause[0] != nil {
		p.Err = cause[0]
	}
	return p
}

// printShipment queues the stored label on its printer and waits (within
// ctx) for the printer to confirm it. A label that does not print stays
// queued, with the printer's words, for the packer's Retry or Discard; a
// label the printer may hold is never sent again without the packer.
func (s *Station) printShipment(ctx context.Context, sh store.Shipment, p printer.Printer, start time.Time, resumed bool) (PackResult, error) {
	res, err := s.printLabel(ctx, sh, p, start, false)
	res.Resumed = resumed
	return res, err
}

func (s *Station) printLabel(ctx context.Context, sh store.Shipment, p printer.Printer, start time.Time, reprint bool) (PackResult, error) {
	if p == nil {
		p = s.currentPrinter()
	}
	if p == nil {
		return resultOf(sh, false), &Problem{ID: "pack.no_printer", Msg: "no printer is configured", Hint: "choose a printer (--printer tcp://HOST:9100) or set one in the config; the booking is saved"}
	}
	q := s.queueFor(p)
	if !reprint {
		// An earlier attempt left the label queued: printing it again is
		// the packer's explicit Retry when nothing reached the printer,
		// and a question when the printer may hold it.
		prev, found, err := s.openJobFor(sh.OrderRef)
		if err != nil {
			return resultOf(sh, false), err
		}
		if found {
			switch prev.State {
			case store.PrintWaiting:
				return s.retryJob(ctx, q, prev, sh, start)
			case store.PrintUnknown:
				return resultOf(sh, false), &Problem{
					ID: "pack.label_maybe_printed", Data: map[string]any{"Ref": sh.OrderRef, "Tracking": prev.TrackingID, "Receiver": prev.Receiver, "Reason": prev.LastError, "Job": prev.ID},
					Msg:  fmt.Sprintf("the label for order %s (tracking %s, to %s) may already have printed: %s", sh.OrderRef, prev.TrackingID, prev.Receiver, prev.LastError),
					Hint: "look at the printer, then answer in the print queue: Printed, or Print again (labelstation print-queue printed|retry " + prev.ID + ")",
				}
			default:
				return resultOf(sh, false), stillQueued(prev, nil)
			}
		}
	}
	job := s.newPrintJob(sh, q.uri, reprint)
	return s.finish(sh, s.enqueue(ctx, q, job, sh.Label, true), start)
}

// Reprint prints an order's stored label again; ref "" is the last label
// printed. It never books. The job is marked as a reprint, and the
// shipment counts it once it prints.
func (s *Station) Reprint(ctx context.Context, ref string) (PackResult, error) {
	start := time.Now()
	var sh store.Shipment
	var err error
	if ref == "" {
		sh, err = s.store.LastPrinted()
		if errors.Is(err, store.ErrNotFound) {
			return PackResult{}, &Problem{ID: "reprint.none_yet", Msg: "no label has been printed yet", Hint: "scan an order and press Print"}
		}
	} else {
		sh, err = s.store.ShipmentByOrder(ref)
		if errors.Is(err, store.ErrNotFound) {
			return PackResult{}, &Problem{ID: "reprint.no_label", Data: map[string]any{"Ref": ref}, Msg: fmt.Sprintf("order %s has no label yet", ref), Hint: "scan it and press Print to book and print it"}
		}
	}
	if err != nil {
		return PackResult{}, err
	}
	defer s.lockOrder(sh.OrderRef)()
	return s.printLabel(ctx, sh, nil, start, sh.Printed())
}

func resultOf(sh store.Shipment, printed bool) PackResult {
	return PackResult{
		OrderRef: sh.OrderRef, Carrier: sh.Carrier, Service: sh.Service,
		TrackingID: sh.TrackingID(), ShipmentID: sh.ShipmentID, Weight: sh.Weight,
		Label: sh.Label, Printed: printed,
	}
}

func totalWeight(req carrier.BookingRequest) carrier.Weight {
	var w carrier.Weight
	for _, p := range req.Parcels {
		w += p.Weight
	}
	return w
}

// joinLabels concatenates one label per item into one print job; ZPL
// labels are self-delimited by ^XA…^XZ.
func joinLabels(labels []carrier.Label) carrier.Label {
	if len(labels) == 1 {
		return labels[0]
	}
	var out carrier.Label
	for _, l := range labels {
		out.Format = l.Format
		out.Data = append(out.Data, l.Data...)
	}
	return out
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// The pack's log: one line per step, each with the same keys, so a bad
// shift can be read back order by order (grep the order reference or the
// tracking number in the log file):
//
//	step      lookup, weigh, outbox, book, record, offline, settle, print, confirm, packed
//	order     the order reference
//	tracking  the tracking number, once the carrier (or the offline series) gave one
//	carrier   the carrier's registry name, once chosen
//	took_ms   how long the step took (packed: the whole pack)
//	err       what went wrong, in the station's words (errors only)
//
// plus what the step adds (request_id, job, printer, weight_g, …). The
// print queue (printqueue.go) and the offline labels (offline.go) log with
// the same keys.
const (
	stepLookup  = "lookup"  // the scan found an order
	stepWeigh   = "weigh"   // the weight to book: the scale's stable one, or typed
	stepOutbox  = "outbox"  // the booking written to the queue before any network call
	stepBook    = "book"    // the carrier's answer
	stepRecord  = "record"  // the booking, its label and print job saved
	stepOffline = "offline" // an id from the own series and the station's label, saved
	stepSettle  = "settle"  // a lost answer: the carrier asked whether it holds the booking
	stepPrint   = "print"   // the label sent to the printer
	stepConfirm = "confirm" // the printed label recorded
	stepPacked  = "packed"  // the whole pack, scan to printed
)

// packStep is one step's log line.
type packStep struct {
	step, msg                string
	order, tracking, carrier string
	took                     time.Duration // < 0: not measured
	err                      error
	level                    slog.Level // 0 (info): warn when err is set
	attrs                    []any
}

func (s *Station) logStep(p packStep) {
	level := p.level
	if level == slog.LevelInfo && p.err != nil {
		level = slog.LevelWarn
	}
	if !s.log.Enabled(context.Background(), level) {
		return
	}
	args := make([]any, 0, 12+len(p.attrs))
	args = append(args, "step", p.step, "order", p.order)
	if p.tracking != "" {
		args = append(args, "tracking", p.tracking)
	}
	if p.carrier != "" {
		args = append(args, "carrier", p.carrier)
	}
	if p.took >= 0 {
		args = append(args, "took_ms", tookMS(p.took))
	}
	if p.err != nil {
		args = append(args, "err", p.err.Error())
		if h := Hint(p.err); h != "" {
			args = append(args, "hint", h)
		}
	}
	args = append(args, p.attrs...)
	s.log.Log(context.Background(), level, p.msg, args...)
}

// tookMS is a duration in milliseconds with microsecond precision.
func tookMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// logPacked is the pack's last line: what came of the scan, and how long
// it took from scan to printed.
func (s *Station) logPacked(scanned string, res PackResult, err error, took time.Duration) {
	ref := firstNonEmpty(res.OrderRef, scanned)
	p := packStep{step: stepPacked, msg: "packed", order: ref, tracking: res.TrackingID, carrier: res.Carrier, took: took, err: err,
		attrs: []any{"printed", res.Printed}}
	switch {
	case errors.Is(err, ErrAlreadyPacked):
		p.msg, p.level = "already packed", slog.LevelInfo
		p.err = nil
	case err != nil && res.TrackingID != "":
		p.msg = "booked, label not printed"
	case err != nil:
		p.msg = "not packed"
	}
	if res.Weight > 0 {
		p.attrs = append(p.attrs, "weight_g", int64(res.Weight))
	}
	if res.Resumed {
		p.attrs = append(p.attrs, "resumed", true)
	}
	if res.Offline {
		p.attrs = append(p.attrs, "offline", true)
	}
	if res.Warning != "" {
		p.attrs = append(p.attrs, "warning", res.Warning)
	}
	if res.ReturnTrackingID != "" {
		p.attrs = append(p.attrs, "return_tracking", res.ReturnTrackingID)
	}
	s.logStep(p)
}
