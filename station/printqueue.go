package station

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"labelstation/carrier"
	"labelstation/printer"
	"labelstation/store"
)

// PrintJob is a label in a printer's queue that has not been confirmed
// printed: waiting for the packer's Retry or Discard, or (state
// "unknown") waiting for the packer to say whether it printed.
type PrintJob = store.PrintJob

// Print job states, re-exported so the GUI and CLI need not import store.
const (
	PrintSending = store.PrintSending
	PrintWaiting = store.PrintWaiting
	PrintUnknown = store.PrintUnknown
)

// printJobTimeout bounds one job's trip to the printer. The printer's own
// connect, stall and status timeouts end a dead printer much sooner; this
// only stops a job from holding its printer's worker forever.
const printJobTimeout = 2 * time.Minute

// printQueue is one printer's worker: jobs to the same printer go out one
// at a time in order, and a printer that hangs holds up only its own jobs.
type printQueue struct {
	uri  string
	p    printer.Printer
	reqs chan *printReq
}

type printReq struct {
	job   store.PrintJob
	label carrier.Label
	done  chan printOutcome // buffered: the worker never waits for a reader
}

type printOutcome struct {
	sh  store.Shipment
	job store.PrintJob // the job as last stored (on failure)
	err error          // a *Problem in the printer's words
}

// queues is the station's print queues and the printers it opened itself.
type queues struct {
	mu     sync.Mutex
	byURI  map[string]*printQueue
	owned  []printer.Printer // opened by the station (retry after restart, UsePrinter); closed on Close
	stop   chan struct{}
	fontMu sync.Mutex
	fonts  map[string]*fontCache // printer URI → what it was found to hold
}

type fontCache struct {
	cannotAsk bool            // the printer cannot list its files: nothing to check
	held      map[string]bool // font → the printer holds it
}

// queueFor returns the worker of p's address, starting it on first use.
// A printer instance given for an address that already has a worker is
// served by that worker's printer, so one address is never written by
// two connections at once.
func (s *Station) queueFor(p printer.Printer) *printQueue {
	uri := p.String()
	s.q.mu.Lock()
	defer s.q.mu.Unlock()
	if q := s.q.byURI[uri]; q != nil {
		return q
	}
	q := &printQueue{uri: uri, p: p, reqs: make(chan *printReq, 256)}
	s.q.byURI[uri] = q
	go s.serve(q)
	return q
}

// queueForURI is queueFor for an address, opening the printer if no
// worker has it yet (a job left from before a restart, a settings page).
func (s *Station) queueForURI(uri string) (*printQueue, error) {
	s.q.mu.Lock()
	q := s.q.byURI[uri]
	s.q.mu.Unlock()
	if q != nil {
		return q, nil
	}
	if cur := s.currentPrinter(); cur != nil && cur.String() == uri {
		return s.queueFor(cur), nil
	}
	p, err := printer.Open(uri)
	if err != nil {
		return nil, &Problem{ID: "printer.open_failed", Data: map[string]any{"URI": uri, "Reason": err.Error()}, Msg: fmt.Sprintf("cannot open printer %s: %v", uri, err), Hint: "check the printer's address (tcp://HOST:9100, usb://VID:PID, cups://QUEUE, file:///DIR)", Err: err}
	}
	s.q.mu.Lock()
	if q := s.q.byURI[uri]; q != nil {
		s.q.mu.Unlock()
		p.Close()
		return q, nil
	}
	s.q.owned = append(s.q.owned, p)
	s.q.mu.Unlock()
	return s.queueFor(p), nil
}

func (s *Station) serve(q *printQueue) {
	for {
		select {
		case <-s.q.stop:
			return
		case req := <-q.reqs:
			req.done <- s.send(q, req)
		}
	}
}

// send streams one job and records the outcome: confirmed jobs leave the
// queue in the same commit that marks the shipment printed; failed ones
// stay, waiting or unknown, with the printer's words.
func (s *Station) send(q *printQueue, req *printReq) printOutcome {
	ctx, cancel := context.WithTimeout(context.Background(), printJobTimeout)
	defer cancel()
	go func() {
		select {
		case <-s.q.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	job := req.job
	began := time.Now()
	err := s.checkFonts(ctx, q, req.label)
	if err == nil {
		err = q.p.Print(ctx, printer.Job{Name: job.TrackingID, Format: string(req.label.Format), Data: req.label.Data})
		s.notePrinter(err)
	}
	if err == nil {
		s.logStep(s.printStep(job, q.uri, "label sent to the printer", stepPrint, time.Since(began), nil))
		confirmed := time.Now()
		sh, cerr := s.store.ConfirmPrintJob(job.ID, s.cfg.Now(), q.uri)
		if cerr != nil {
			// The label printed but the record failed: say so rather than
			// leave the packer thinking it did not print.
			err := &Problem{ID: "print.printed_not_recorded", Data: map[string]any{"Ref": job.OrderRef, "Reason": cerr.Error()}, Msg: fmt.Sprintf("the label for order %s printed, but the station could not record it: %v", job.OrderRef, cerr), Hint: "do not print it again; check the disk the station's data is on", Err: cerr}
			p := s.printStep(job, q.uri, "label printed but not recorded", stepConfirm, time.Since(confirmed), err)
			p.level = slog.LevelError
			s.logStep(p)
			return printOutcome{err: err}
		}
		p := s.printStep(job, q.uri, "label printed", stepConfirm, time.Since(confirmed), nil)
		p.carrier = sh.Carrier
		s.logStep(p)
		return printOutcome{sh: sh}
	}
	took := time.Since(began)
	state, perr := classifyPrintError(job, q.uri, err)
	perr.Err = err
	stored, uerr := s.store.UpdatePrintJob(job.ID, func(j *store.PrintJob) error {
		j.State, j.LastError, j.Hint, j.Updated = state, perr.Msg, perr.Hint, s.cfg.Now()
		return nil
	})
	if uerr != nil {
		p := s.printStep(job, q.uri, "print job outcome not recorded", stepPrint, -1, uerr)
		p.level = slog.LevelError
		s.logStep(p)
		stored = job
	}
	p := s.printStep(job, q.uri, "label not printed", stepPrint, took, perr)
	p.attrs = append(p.attrs, "state", string(state), "cause", err.Error())
	s.logStep(p)
	return printOutcome{job: stored, err: perr}
}

// printStep is the log line of a print queue step, with the pack's keys.
func (s *Station) printStep(job store.PrintJob, uri, msg, step string, took time.Duration, err error) packStep {
	p := packStep{step: step, msg: msg, order: job.OrderRef, tracking: job.TrackingID, took: took, err: err,
		attrs: []any{"job", job.ID, "printer", uri, "attempts", job.Attempts}}
	if job.Reprint {
		p.attrs = append(p.attrs, "reprint", true)
	}
	if job.ReturnID != "" {
		p.attrs = append(p.attrs, "return", job.ReturnID)
	}
	return p
}

// classifyPrintError says whether a failed job may simply be sent again
// (waiting: nothing reached the printer) or its outcome is unknown (the
// printer has all or part of it and may print it once a fault clears).
//
// The Problem (without Err) words it for the packer; its Msg and Hint are
// what the job records.
func classifyPrintError(job store.PrintJob, uri string, err error) (store.PrintState, *Problem) {
	what := fmt.Sprintf("the label for order %s (tracking %s)", job.OrderRef, job.TrackingID)
	words := err.Error()
	var nr *printer.NotReadyError
	if errors.As(err, &nr) {
		words = nr.Status.Message()
	}
	var pe *printer.Error
	sent := errors.As(err, &pe) && pe.Sent > 0
	if sent || (nr != nil && nr.AfterJob) {
		return store.PrintUnknown, &Problem{ID: "print.not_confirmed", Data: map[string]any{"Ref": job.OrderRef, "Tracking": job.TrackingID, "Printer": uri, "Reason": words, "Job": job.ID},
			Msg:  fmt.Sprintf("%s reached printer %s but it did not confirm printing it: %s", what, uri, words),
			Hint: "look at the printer: it may print the label by itself once the fault is cleared. Then answer Printed, or Print again if no label came out; it is never printed again without you (labelstation print-queue printed|retry " + job.ID + ")"}
	}
	var fe *fontsMissing
	if errors.As(err, &fe) {
		return store.PrintWaiting, &Problem{ID: "print.fonts_missing", Data: map[string]any{"Ref": job.OrderRef, "Tracking": job.TrackingID, "Reason": fe.Error(), "Job": job.ID},
			Msg:  fmt.Sprintf("%s did not print: %s", what, fe.Error()),
			Hint: "the booking is saved and the label is kept in the print queue: press Retry once the fonts are installed, or Discard and print from the PDF (labelstation print-queue retry|discard " + job.ID + ")"}
	}
	return store.PrintWaiting, &Problem{ID: "print.failed", Data: map[string]any{"Ref": job.OrderRef, "Tracking": job.TrackingID, "Reason": words, "Job": job.ID},
		Msg:  fmt.Sprintf("%s did not print: %s", what, words),
		Hint: "the booking is saved and the label is kept in the print queue: press Retry when the printer is ready, or Discard (labelstation print-queue retry|discard " + job.ID + ")"}
}

// fontsMissing is a carrier label refused before sending because the
// printer lacks fonts the label calls by name.
type fontsMissing struct {
	fonts   []string
	carrier string
}

func (e *fontsMissing) Error() string {
	noun := "font"
	if len(e.fonts) > 1 {
		noun = "fonts"
	}
	who := "the carrier's"
	if e.carrier != "" {
		who = carrierDisplay(e.carrier) + "'s"
	}
	return fmt.Sprintf("The printer lacks the %s %s that %s labels use: install %s fonts on the printer, or print from the PDF",
		noun, strings.Join(e.fonts, ", "), strings.TrimSuffix(who, "'s"), who)
}

func carrierDisplay(name string) string {
	switch strings.ToLower(name) {
	case "postnord":
		return "PostNord"
	case "stg":
		return "STG"
	}
	return name
}

// checkFonts refuses a ZPL label whose named fonts the printer lacks
// (a Zebra silently substitutes its own font, so the label would print
// wrong). Each printer is asked once per font, not per label: the answer
// is cached until a Retry (the packer may have installed the fonts) or
// a printer swap. A printer that cannot be asked, or does not answer, is
// not held up here; the print itself reports its state.
func (s *Station) checkFonts(ctx context.Context, q *printQueue, l carrier.Label) error {
	if l.Format != carrier.LabelZPL && l.Format != "" {
		return nil
	}
	fonts := printer.ReferencedFonts(l.Data)
	if len(fonts) == 0 {
		return nil
	}
	s.q.fontMu.Lock()
	fc := s.q.fonts[q.uri]
	if fc == nil {
		fc = &fontCache{held: map[string]bool{}}
		s.q.fonts[q.uri] = fc
	}
	if fc.cannotAsk {
		s.q.fontMu.Unlock()
		return nil
	}
	var unknown []string
	for _, f := range fonts {
		if _, ok := fc.held[f]; !ok {
			unknown = append(unknown, f)
		}
	}
	s.q.fontMu.Unlock()
	if len(unknown) > 0 {
		missing, err := printer.MissingFonts(ctx, q.p, unknown)
		s.q.fontMu.Lock()
		switch {
		case errors.Is(err, printer.ErrNoFileList):
			fc.cannotAsk = true
		case err == nil:
			for _, f := range unknown {
				fc.held[f] = true
			}
			for _, f := range missing {
				fc.held[f] = false
			}
		}
		s.q.fontMu.Unlock()
		if err != nil {
			return nil
		}
	}
	var lack []string
	s.q.fontMu.Lock()
	for _, f := range fonts {
		if held, ok := fc.held[f]; ok && !held {
			lack = append(lack, f)
		}
	}
	s.q.fontMu.Unlock()
	if len(lack) > 0 {
		return &fontsMissing{fonts: lack, carrier: s.carrierNameOf(l)}
	}
	return nil
}

func (s *Station) carrierNameOf(carrier.Label) string {
	if s.carrier != nil {
		return s.carrier.Name()
	}
	return ""
}

func (s *Station) forgetFonts(uri string) {
	s.q.fontMu.Lock()
	delete(s.q.fonts, uri)
	s.q.fontMu.Unlock()
}

// enqueue writes the job (one commit, straight into "sending") and hands
// it to its printer's worker, then waits for the outcome or ctx. When ctx
// ends first the job still goes out; its outcome is recorded in the store.
func (s *Station) enqueue(ctx context.Context, q *printQueue, job store.PrintJob, l carrier.Label, fresh bool) printOutcome {
	if fresh {
		if err := s.store.CreatePrintJob(job); err != nil {
			return printOutcome{err: err}
		}
	}
	req := &printReq{job: job, label: l, done: make(chan printOutcome, 1)}
	select {
	case q.reqs <- req:
	case <-s.q.stop:
		return printOutcome{err: &Problem{ID: "print.station_closing", Msg: "the station is closing", Hint: "the label is kept in the print queue; it is shown when the station starts again"}}
	case <-ctx.Done():
		return printOutcome{err: stillQueued(job, ctx.Err())}
	}
	select {
	case out := <-req.done:
		return out
	case <-ctx.Done():
		return printOutcome{err: stillQueued(job, ctx.Err())}
	}
}

func stillQueued(job store.PrintJob, err error) error {
	return &Problem{
		ID: "print.still_queued", Data: map[string]any{"Ref": job.OrderRef, "Tracking": job.TrackingID, "Printer": job.Printer},
		Msg:  fmt.Sprintf("the label for order %s (tracking %s) is still on its way to printer %s", job.OrderRef, job.TrackingID, job.Printer),
		Hint: "the booking is saved and the label stays in the print queue; look at the print queue (labelstation print-queue list) before printing it again",
		Err:  err,
	}
}

func (s *Station) newPrintJob(sh store.Shipment, uri string, reprint bool) store.PrintJob {
	now := s.cfg.Now()
	return store.PrintJob{
		ID: newRequestID()[:13], Printer: uri, OrderRef: sh.OrderRef, State: store.PrintSending,
		Reprint: reprint, TrackingID: sh.TrackingID(), Receiver: receiverText(sh.Receiver),
		Attempts: 1, Created: now, Updated: now,
	}
}

func receiverText(a carrier.Address) string {
	return joinNonEmpty(", ", a.Name, joinNonEmpty(" ", a.Postcode, a.City), a.Country)
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// openJobFor returns the order's unconfirmed (not reprint) job of its
// outgoing label, if any; a return label's job is the return's.
func (s *Station) openJobFor(ref string) (store.PrintJob, bool, error) {
	jobs, err := s.store.PrintJobs()
	if err != nil {
		return store.PrintJob{}, false, err
	}
	for _, j := range jobs {
		if j.OrderRef == ref && !j.Reprint && j.ReturnID == "" {
			return j, true, nil
		}
	}
	return store.PrintJob{}, false, nil
}

// PrintJobs lists the labels not confirmed printed, oldest first.
func (s *Station) PrintJobs(ctx context.Context) ([]PrintJob, error) { return s.store.PrintJobs() }

// RetryPrint sends a queued label again, on the packer's word: a waiting
// job (nothing reached the printer), or an unknown-outcome job the packer
// saw did not print ("Print again").
func (s *Station) RetryPrint(ctx context.Context, id string) (PackResult, error) {
	start := time.Now()
	job, sh, err := s.jobAndShipment(id)
	if err != nil {
		return PackResult{}, err
	}
	defer s.lockOrder(job.OrderRef)()
	if job, err = s.store.PrintJob(id); err != nil { // again, under the order's lock
		return PackResult{}, s.noJob(id, err)
	}
	if job.State == store.PrintSending {
		return resultOf(sh, false), stillQueued(job, nil)
	}
	q, err := s.queueForURI(job.Printer)
	if err != nil {
		return resultOf(sh, false), err
	}
	return s.retryJob(ctx, q, job, sh, start)
}

func (s *Station) retryJob(ctx context.Context, q *printQueue, job store.PrintJob, sh store.Shipment, start time.Time) (PackResult, error) {
	s.forgetFonts(q.uri)
	job, err := s.store.UpdatePrintJob(job.ID, func(j *store.PrintJob) error {
		j.State, j.Printer, j.Attempts, j.Updated = store.PrintSending, q.uri, j.Attempts+1, s.cfg.Now()
		return nil
	})
	if err != nil {
		return resultOf(sh, false), err
	}
	out := s.enqueue(ctx, q, job, sh.Label, false)
	if job.ReturnID != "" && out.err == nil {
		// ConfirmPrintJob answers with the order's outgoing shipment; the
		// packer printed the return's label.
		out.sh = sh
		out.sh.PrintedAt = s.cfg.Now()
	}
	return s.finish(sh, out, start)
}

func (s *Station) finish(sh store.Shipment, out printOutcome, start time.Time) (PackResult, error) {
	if out.err != nil {
		res := resultOf(sh, false)
		res.Took = time.Since(start)
		return res, out.err
	}
	res := resultOf(out.sh, true)
	res.Took = time.Since(start)
	return res, nil
}

// DiscardPrint drops a queued label without printing it. The booking
// stays; the label can be printed later with Reprint.
func (s *Station) DiscardPrint(ctx context.Context, id string) error {
	job, err := s.store.PrintJob(id)
	if err != nil {
		return s.noJob(id, err)
	}
	defer s.lockOrder(job.OrderRef)()
	if job, err = s.store.PrintJob(id); err != nil {
		return s.noJob(id, err)
	}
	if job.State == store.PrintSending {
		return stillQueued(job, nil)
	}
	if err := s.store.DeletePrintJob(id); err != nil {
		return err
	}
	s.log.Info("print job discarded", "step", stepPrint, "order", job.OrderRef, "tracking", job.TrackingID, "job", id, "printer", job.Printer)
	return nil
}

// ConfirmPrint is the packer's answer "it printed" to an unknown-outcome
// job: the job leaves the queue and the shipment is marked printed.
func (s *Station) ConfirmPrint(ctx context.Context, id string) (PackResult, error) {
	job, sh, err := s.jobAndShipment(id)
	if err != nil {
		return PackResult{}, err
	}
	defer s.lockOrder(job.OrderRef)()
	if job, err = s.store.PrintJob(id); err != nil {
		return PackResult{}, s.noJob(id, err)
	}
	if job.State == store.PrintSending {
		return resultOf(sh, false), stillQueued(job, nil)
	}
	confirmed, err := s.store.ConfirmPrintJob(id, s.cfg.Now(), job.Printer)
	if err != nil {
		return resultOf(sh, false), err
	}
	p := s.printStep(job, job.Printer, "label printed, on the packer's word", stepConfirm, -1, nil)
	p.carrier = sh.Carrier
	s.logStep(p)
	if job.ReturnID == "" {
		sh = confirmed
	}
	return resultOf(sh, true), nil
}

// jobAndShipment returns a queued job and the label it prints: the
// order's outgoing shipment, or for a return label's job (ReturnID) the
// return seen as a shipment (its label, its tracking number).
func (s *Station) jobAndShipment(id string) (store.PrintJob, store.Shipment, error) {
	job, err := s.store.PrintJob(id)
	if err != nil {
		return job, store.Shipment{}, s.noJob(id, err)
	}
	if job.ReturnID != "" {
		r, err := s.store.Return(job.ReturnID)
		if err != nil {
			return job, store.Shipment{}, fmt.Errorf("the return of print job %s: %w", id, err)
		}
		return job, s.returnShipment(r), nil
	}
	sh, err := s.store.ShipmentByOrder(job.OrderRef)
	return job, sh, err
}

func (s *Station) noJob(id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &Problem{ID: "print.job_not_found", Data: map[string]any{"Job": id}, Msg: fmt.Sprintf("print job %s is not in the print queue (printed or discarded already)", id), Hint: "list the queue: labelstation print-queue list", Err: err}
	}
	return err
}

// closeQueues stops the workers and closes the printers the station opened.
func (s *Station) closeQueues() {
	s.q.mu.Lock()
	select {
	case <-s.q.stop:
	default:
		close(s.q.stop)
	}
	owned := s.q.owned
	s.q.owned = nil
	s.q.mu.Unlock()
	for _, p := range owned {
		p.Close()
	}
}
