// Package printer owns getting label bytes to a printer and asking its
// state. Each transport (raw TCP 9100, USB through libusb, an OS device
// node, a CUPS raw queue, the Windows spooler, file and PDF previews) is
// chosen by a URI (see Open) and sits behind Printer; the ones that can
// be asked also implement StatusReporter (a ZPL printer's ~HS answer,
// parsed into words a packer acts on) and FileLister (for the font check
// before a carrier label). A job refused because the printer is in a
// fault fails with ErrNotReady and the status, so a print queue can keep
// the label until the fault is cleared.
package printer

import (
	"context"
	"errors"
)

// Job is one label (or a batch of labels) to print.
type Job struct {
	// Name identifies the job in logs and preview file names, e.g. the
	// tracking id. It is not sent to the printer.
	Name string
	// Format is "zpl" or "pdf".
	Format string
	Data   []byte
}

// Printer delivers jobs to one printer. Implementations are safe for
// concurrent use; jobs are delivered whole and in the order Print is called.
type Printer interface {
	// Print delivers the job. A nil error means every byte was accepted by
	// the printer (or the file was written and synced).
	Print(ctx context.Context, job Job) error
	// String describes the printer for a status bar, without secrets.
	String() string
	Close() error
}

// ErrClosed is the cause of a failed Print on a printer that was closed.
var ErrClosed = errors.New("printer is closed")

// Error is a failed print, worded for the packer in Msg, with the cause
// kept for errors.Is and errors.As.
type Error struct {
	// Printer is the printer's address, e.g. "10.0.0.5:9100".
	Printer string
	// Job is the job's name.
	Job string
	// Sent is how many bytes of the job were handed to the connection
	// before it failed. Zero means nothing reached the printer, so the job
	// can be printed again without risking a duplicate or half label.
	Sent int
	Msg  string
	Err  error
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the cause (a net error, a context error or ErrClosed).
func (e *Error) Unwrap() error { return e.Err }
