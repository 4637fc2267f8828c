package station

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"labelstation/carrier"
	"labelstation/label"
	"labelstation/store"
)

// SetOffline forces the bench offline (the packer's "Work offline" switch):
// every parcel gets a label from the consignor's own id series at once and
// its booking waits in the queue, without trying the network first. false
// goes back online and wakes the sync.
func (s *Station) SetOffline(forced bool) {
	s.mu.Lock()
	s.forcedOffline = forced
	s.mu.Unlock()
	s.syncer.SetOffline(forced)
}

func (s *Station) forcedOfflineNow() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forcedOffline
}

// packOfflineFirst reports whether Pack should print an offline label
// without trying the carrier: the packer forced offline, or the sync
// already knows the carrier cannot be reached (asking again would make
// the packer wait for a timeout on every parcel).
func (s *Station) packOfflineFirst() bool {
	if s.cfg.OfflineSeries == "" {
		return false
	}
	return s.forcedOfflineNow() || !s.syncer.State().Online
}

// packOffline gives the parcel an id from the offline series and prints a
// label the station renders itself, while the booking waits in the queue
// with that id. The id is committed before the label is rendered, and the
// shipment, the entry's request with the id and the print job are saved in
// one commit before anything is sent to the printer: a crash at any point
// either leaves an unused (never reused) id or a parcel the queue books
// with the id its label shows.
func (s *Station) packOffline(ctx context.Context, entry store.OutboxEntry, q *printQueue, start time.Time, why error) (PackResult, error) {
	ref := entry.OrderRef
	began := time.Now()
	id, err := s.AllocateItemID(ctx, s.cfg.OfflineSeries)
	if err != nil {
		err = &Problem{
			ID: "offline.no_id", Data: map[string]any{"Ref": ref, "Reason": err.Error(), "Why": fmt.Sprint(why), "Cause": idSeriesCause(err)},
			Msg:  fmt.Sprintf("order %s cannot get an offline label: %v (the carrier: %v)", ref, err, why),
			Hint: Hint(err) + "; the booking is kept in the queue and is sent when the carrier answers",
			Err:  err,
		}
		s.logStep(packStep{step: stepOffline, msg: "no offline id", order: ref, carrier: entry.Carrier, took: time.Since(began), err: err,
			attrs: []any{"request_id", entry.ID, "series", s.cfg.OfflineSeries, "why", fmt.Sprint(why)}})
		return PackResult{OrderRef: ref, Weight: totalWeight(entry.Request)}, err
	}
	req := entry.Request
	req.Parcels = append([]carrier.Parcel(nil), req.Parcels...)
	req.Parcels[0].ItemID, req.Parcels[0].ItemIDType = id.ID, id.Type
	now := s.cfg.Now()
	lbl, err := s.localLabel(req, id.ID, "OFFLINE", now)
	if err != nil {
		err = fmt.Errorf("render the offline label of %s: %w", ref, err)
		s.logStep(packStep{step: stepOffline, msg: "offline label not rendered", order: ref, tracking: id.ID, carrier: entry.Carrier,
			took: time.Since(began), err: err, level: slog.LevelError, attrs: []any{"request_id", entry.ID}})
		return PackResult{OrderRef: ref}, err
	}
	sh := store.Shipment{
		OrderRef: ref, Carrier: entry.Carrier, Service: req.Service.Code, ItemIDs: []string{id.ID},
		Weight: totalWeight(req), Receiver: req.Receiver, Label: lbl, RequestID: entry.ID,
		BookedAt: now, Status: carrier.StatusCreated, Offline: true,
	}
	if q == nil {
		if p := s.currentPrinter(); p != nil {
			q = s.queueFor(p)
		}
	}
	var jobs []store.PrintJob
	var job store.PrintJob
	if q != nil {
		job = s.newPrintJob(sh, q.uri, false)
		jobs = append(jobs, job)
	}
	if err := s.store.RecordOffline(entry.ID, req, sh, jobs...); err != nil {
		err = saveProblem(ref, err)
		s.logStep(packStep{step: stepOffline, msg: "offline label not saved", order: ref, tracking: id.ID, carrier: entry.Carrier,
			took: time.Since(began), err: err, level: slog.LevelError, attrs: []any{"request_id", entry.ID}})
		return PackResult{OrderRef: ref}, err
	}
	s.logStep(packStep{step: stepOffline, msg: "offline label", order: ref, tracking: id.ID, carrier: entry.Carrier, took: time.Since(began),
		attrs: []any{"request_id", entry.ID, "series", id.Series, "used", id.Used, "size", id.Size, "job", job.ID, "why", fmt.Sprint(why)}})
	s.syncer.Kick()
	var res PackResult
	if q == nil {
		res, err = s.printShipment(ctx, sh, nil, start, false)
	} else {
		res, err = s.finish(sh, s.enqueue(ctx, q, job, lbl, false), start)
	}
	res.Offline, res.Warning = true, id.Warning
	return res, err
}

// localLabel renders the station's own label for a booking: offline
// labels before the carrier knows the parcel, and the label of a booking
// found by asking the carrier after its answer (and label) was lost.
func (s *Station) localLabel(req carrier.BookingRequest, itemID, title string, at time.Time) (carrier.Label, error) {
	c, r := req.Consignor.Address, req.Receiver
	l := &label.Label{
		Size:        label.Size105x190,
		Title:       title,
		Sender:      label.Party{Name: c.Name, Company: c.Company, Street1: c.Street1, Street2: c.Street2, Postcode: c.Postcode, City: c.City, Country: c.Country, Phone: c.Phone},
		Receiver:    label.Party{Name: r.Name, Company: r.Company, Street1: r.Street1, Street2: r.Street2, Postcode: r.Postcode, City: r.City, Country: r.Country, Phone: r.Phone},
		ServiceName: strings.ToUpper(s.carrierName()),
		ServiceCode: req.Service.Code,
		ItemID:      itemID,
		Lines: []string{
			"Order " + req.OrderRef,
			"Weight " + totalWeight(req).String(),
			"Packed " + at.Local().Format("2006-01-02 15:04"),
		},
	}
	if req.Service.ServicePointID != "" {
		l.Lines = append(l.Lines, "Service point "+req.Service.ServicePointID)
	}
	if n := label.MaxLines(l.Size); len(l.Lines) > n {
		l.Lines = l.Lines[:n]
	}
	format := req.LabelFormat
	if format == "" {
		format = s.cfg.LabelFormat
	}
	var data []byte
	var err error
	if format == carrier.LabelPDF {
		data, err = label.PDF(l)
	} else {
		format = carrier.LabelZPL
		data, err = label.ZPL(l)
	}
	return carrier.Label{Format: format, Data: data}, err
}

func (s *Station) carrierName() string {
	if s.carrier != nil {
		return s.carrier.Name()
	}
	return "carrier"
}

// idSeriesCause names which of AllocateItemID's hints err carries
// ("used_up", "unknown" or "": none), for the screens' catalogue.
func idSeriesCause(err error) string {
	switch {
	case errors.Is(err, store.ErrSeriesExhausted):
		return "used_up"
	case errors.Is(err, store.ErrSeriesUnknown):
		return "unknown"
	}
	return ""
}

// saveProblem names a failed save in words: a full or read-only disk is
// the supervisor's, and nothing was printed or lost.
func saveProblem(ref string, err error) error {
	var we *store.WriteError
	if errors.As(err, &we) {
		return &Problem{
			ID: "pack.not_saved", Data: map[string]any{"Ref": ref, "Reason": we.Reason, "Path": we.Path},
			Msg:  fmt.Sprintf("order %s was not packed: %s, so the station cannot save the booking (%s)", ref, we.Reason, we.Path),
			Hint: "nothing was booked or printed and everything saved earlier is kept; free space on that disk (or make the data directory writable) and scan the order again",
			Err:  err,
		}
	}
	return err
}
