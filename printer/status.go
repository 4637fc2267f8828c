package printer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// StatusReporter is a printer that can be asked for its state. TCP, USB,
// device-node and CUPS printers are; the preview printers are not (use
// StatusOf to ask any Printer).
type StatusReporter interface {
	// Status asks the printer now. A printer that was asked and did not
	// answer in time is reported as Status.NoAnswer, not as an error: that
	// silence is how a Zebra with no media or an open head behaves. The
	// error is for a question that could not be put at all (no
	// connection, device gone, printer closed).
	Status(ctx context.Context) (Status, error)
}

// ErrNoStatus is returned by StatusOf for a printer that cannot tell its
// state (a preview folder; a device node that cannot be read back).
var ErrNoStatus = errors.New("this printer cannot report its status")

// StatusOf asks p for its state if it can be asked.
func StatusOf(ctx context.Context, p Printer) (Status, error) {
	if sr, ok := p.(StatusReporter); ok {
		return sr.Status(ctx)
	}
	return Status{}, fmt.Errorf("%s: %w", p, ErrNoStatus)
}

// State is one condition of a printer, named for logs and JSON.
type State string

// States, in the order a packer should deal with them.
const (
	StateNoAnswer   State = "no-answer"
	StateOffline    State = "offline" // a CUPS or spooler queue that is stopped
	StateHeadOpen   State = "head-open"
	StatePaperOut   State = "paper-out"
	StateRibbonOut  State = "ribbon-out"
	StateOverTemp   State = "over-temperature"
	StatePaused     State = "paused"
	StateBufferFull State = "buffer-full"
	// Warnings: the printer still prints.
	StateUnderTemp  State = "under-temperature"
	StateCorruptRAM State = "settings-lost"
)

// Blocking reports whether a printer in this state cannot print now.
func (s State) Blocking() bool {
	return s != StateUnderTemp && s != StateCorruptRAM
}

// Status is a printer's state as it reported it (~HS for ZPL printers,
// lpstat for CUPS queues).
type Status struct {
	// From ~HS string 1.
	PaperOut        bool `json:"paper_out"`
	Paused          bool `json:"paused"`
	BufferFull      bool `json:"buffer_full"`
	PartialFormat   bool `json:"partial_format"`
	CorruptRAM      bool `json:"corrupt_ram"`
	UnderTemp       bool `json:"under_temperature"`
	OverTemp        bool `json:"over_temperature"`
	LabelLengthDots int  `json:"label_length_dots"`
	FormatsInBuffer int  `json:"formats_in_buffer"`
	// From ~HS string 2.
	HeadOpen        bool `json:"head_open"`
	RibbonOut       bool `json:"ribbon_out"`
	ThermalTransfer bool `json:"thermal_transfer"`
	PrintMode       int  `json:"print_mode"`
	LabelWaiting    bool `json:"label_waiting"`
	LabelsRemaining int  `json:"labels_remaining"`
	GraphicsStored  int  `json:"graphics_stored"`

	// NoAnswer: the printer was asked and said nothing within Waited.
	NoAnswer bool          `json:"no_answer"`
	Waited   time.Duration `json:"-"`
	// Offline: a print queue that is stopped; Detail says why.
	Offline bool   `json:"offline"`
	Detail  string `json:"detail,omitempty"`
	// Source is where the status came from: "~HS", "lpstat".
	Source string `json:"source"`
}

// States lists the printer's conditions, blocking ones first; an empty
// list is a ready printer.
func (s Status) States() []State {
	var out []State
	add := func(on bool, st State) {
		if on {
			out = append(out, st)
		}
	}
	add(s.NoAnswer, StateNoAnswer)
	add(s.Offline, StateOffline)
	add(s.HeadOpen, StateHeadOpen)
	add(s.PaperOut, StatePaperOut)
	add(s.RibbonOut, StateRibbonOut)
	add(s.OverTemp, StateOverTemp)
	add(s.Paused, StatePaused)
	add(s.BufferFull, StateBufferFull)
	add(s.UnderTemp, StateUnderTemp)
	add(s.CorruptRAM, StateCorruptRAM)
	return out
}

// Ready reports whether the printer can print now (warnings allowed).
func (s Status) Ready() bool {
	for _, st := range s.States() {
		if st.Blocking() {
			return false
		}
	}
	return true
}

// Message says in words what the packer should do, or "ready". A head
// that is open usually also reports paper out (the sensor sees no label),
// so only the first of those two is said.
func (s Status) Message() string {
	var msgs []string
	for _, st := range s.States() {
		if st == StatePaperOut && s.HeadOpen {
			continue
		}
		msgs = append(msgs, s.say(st))
	}
	if len(msgs) == 0 {
		if s.FormatsInBuffer > 0 {
			return fmt.Sprintf("Printer is ready (%d labels still in its buffer)", s.FormatsInBuffer)
		}
		return "Printer is ready"
	}
	return strings.Join(msgs, "; ")
}

func (s Status) say(st State) string {
	switch st {
	case StateNoAnswer:
		w := s.Waited
		if w <= 0 {
			w = defaultStatusTimeout
		}
		return fmt.Sprintf("Printer did not answer its status request within %s: check it is on, the head is closed and it has labels", w)
	case StateOffline:
		if s.Detail != "" {
			return "Print queue is stopped (" + s.Detail + "): fix the cause, then enable the queue again"
		}
		return "Print queue is stopped: fix the cause, then enable the queue again"
	case StateHeadOpen:
		return "Printer head is open — close it until it clicks"
	case StatePaperOut:
		return "Printer is out of labels — load a roll and press Resume"
	case StateRibbonOut:
		return "Printer is out of ribbon — load a ribbon and press Resume"
	case StateOverTemp:
		return "Printer head is too hot — let it cool down for a few minutes"
	case StatePaused:
		return "Printer is paused — press Pause (or Resume) on the printer"
	case StateBufferFull:
		return "Printer's buffer is full — wait until it has printed what it holds"
	case StateUnderTemp:
		return "Printer is too cold and may print faintly — move it away from the cold"
	case StateCorruptRAM:
		return "Printer lost its settings — calibrate it and check the label size"
	}
	return string(st)
}

// ErrNotReady is the cause of a job refused (or left unconfirmed) because
// the printer reported a fault. Use errors.As with *NotReadyError for the
// status.
var ErrNotReady = errors.New("printer is not ready")

// NotReadyError carries the status that stopped (or followed) a job.
type NotReadyError struct {
	Printer string
	Status  Status
	// AfterJob: the job was sent whole and the printer reported the fault
	// right after it. A ZPL printer keeps such a label in its buffer and
	// prints it once the fault is cleared, so it must not be sent again.
	AfterJob bool
}

func (e *NotReadyError) Error() string { return e.Status.Message() }

// Unwrap makes errors.Is(err, ErrNotReady) true.
func (e *NotReadyError) Unwrap() error { return ErrNotReady }

// notReady words a job refused before sending (sent == 0) or a job the
// printer took but is not printing yet (sent == len(job.Data)).
func notReady(addr string, job Job, st Status, sent int) *Error {
	nr := &NotReadyError{Printer: addr, Status: st, AfterJob: sent > 0}
	msg := fmt.Sprintf("%s. Label %q was not sent to printer %s; print it again once the printer is ready", st.Message(), job.Name, addr)
	if sent > 0 {
		msg = fmt.Sprintf("%s. Label %q reached printer %s but has not printed; it prints once the printer is ready, so do not print it again", st.Message(), job.Name, addr)
	}
	return &Error{Printer: addr, Job: job.Name, Sent: sent, Msg: msg, Err: nr}
}
