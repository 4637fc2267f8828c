package station

import (
	"context"
	"time"

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
	// PrintJobs counts labels not confirmed printed that wait for the
	// packer (Retry, Discard, or "did it print?").
	PrintJobs int    `json:"print_jobs"`
	LastError string `json:"last_error,omitempty"`
	// Online is what the queue sync last learned: false while the
	// carrier cannot be reached (labels come from the offline series).
	// OfflineForced is the packer's "Work offline" switch.
	Online        bool      `json:"online"`
	OfflineForced bool      `json:"offline_forced,omitempty"`
	OfflineSince  time.Time `json:"offline_since,omitempty"`
	// OfflineLabels says whether the station can print offline labels
	// (an offline id series is configured).
	OfflineLabels bool `json:"offline_labels"`
}

// Status reports the bench's parts as last seen. It does no network or
// device I/O, so a status bar may poll it often.
func (s *Station) Status(ctx context.Context) Status {
	st := Status{Carrier: s.cfg.CarrierName, Printer: "no printer", Scale: "no scale (type weights)"}
	if st.Carrier == "" && s.carrier != nil {
		st.Carrier = s.carrier.Name()
	}
	s.mu.Lock()
	if s.printer != nil {
		st.Printer = s.printer.String()
	}
	if s.scale != nil {
		st.Scale = s.scale.String()
	}
	st.CarrierOK = s.carrierErr == nil
	st.PrinterOK = s.printer != nil && s.printerErr == nil
	st.ScaleOK = s.scale != nil && s.scaleErr == nil
	for _, err := range []error{s.carrierErr, s.printerErr, s.scaleErr} {
		if err != nil {
			st.LastError = err.Error()
		}
	}
	s.mu.Unlock()
	sync := s.syncer.State()
	st.Online, st.OfflineForced, st.OfflineLabels = sync.Online, s.forcedOfflineNow(), s.cfg.OfflineSeries != ""
	if !sync.Online {
		st.Online = false
		st.OfflineSince = sync.Since
	}
	if st.OfflineForced {
		st.Online = false
	}
	st.QueuePending, st.QueueAttention, _ = s.store.QueueCounts()
	if jobs, err := s.store.PrintJobs(); err == nil {
		for _, j := range jobs {
			if j.State != store.PrintSending {
				st.PrintJobs++
			}
		}
	}
	return st
}
