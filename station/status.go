package station

import (
	"context"
	"time"

	"labelstation/scale"
	"labelstation/store"
)

// Status is what the status bar shows.
type Status struct {
	Carrier        string `json:"carrier"`
	CarrierOK      bool   `json:"carrier_ok"`
	Printer        string `json:"printer"`
	PrinterOK      bool   `json:"printer_ok"`
	Scale          string `json:"scale"`
	ScaleOK        bool   `json:"scale_ok"`
	QueuePending   int    `json:"queue_pending"`
	QueueAttention int    `json:"queue_attention"`
	LastError      string `json:"last_error,omitempty"`
}

// Status reports the bench's parts as last seen. It does no network or
// device I/O, so a status bar may poll it often.
func (s *Station) Status(ctx context.Context) Status {
	st := Status{Carrier: s.cfg.CarrierName, Printer: "no printer", Scale: "no scale (type weights)"}
	if st.Carrier == "" && s.carrier != nil {
		st.Carrier = s.carrier.Name()
	}
	if s.printer != nil {
		st.Printer = s.printer.String()
	}
	if s.scale != nil {
		st.Scale = s.scale.String()
	}
	s.mu.Lock()
	st.CarrierOK = s.carrierErr == nil
	st.PrinterOK = s.printer != nil && s.printerErr == nil
	st.ScaleOK = s.scale != nil && s.scaleErr == nil
	for _, err := range []error{s.carrierErr, s.printerErr, s.scaleErr} {
		if err != nil {
			st.LastError = err.Error()
		}
	}
	s.mu.Unlock()
	st.QueuePending, st.QueueAttention, _ = s.store.QueueCounts()
	return st
}

// WatchWeight streams the scale's readings for a live display until ctx
// ends. A failed read is not sent: it marks the scale not OK in Status
// (which the status bar shows) until the next good reading. Like
// scale.Watch, the channel holds only the newest reading, so a slow display
// never builds a backlog. Without a scale the channel is closed at once.
func (s *Station) WatchWeight(ctx context.Context) <-chan scale.Reading {
	out := make(chan scale.Reading, 1)
	if s.scale == nil {
		close(out)
		return out
	}
	updates := scale.Watch(ctx, s.scale, 100*time.Millisecond)
	go func() {
		defer close(out)
		for u := range updates {
			s.noteScale(u.Err)
			if u.Err != nil {
				continue
			}
			select { // replace an unread reading with the newer one
			case <-out:
			default:
			}
			out <- u.Reading
		}
	}()
	return out
}

// Queue lists outbox entries, oldest first; all=false keeps the open ones.
func (s *Station) Queue(ctx context.Context, all bool) ([]store.OutboxEntry, error) {
	return s.store.Entries(!all)
}
