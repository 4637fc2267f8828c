package printer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"
)

// NewDevice returns a printer writing to an OS device node such as
// /dev/usb/lp0 (Linux usblp) or /dev/ulpt0 (BSD). The node is opened
// read-write where allowed, because Linux's usblp hands the printer's
// answers back on the same file descriptor: then status (~HS) works as on
// TCP. Where only writing is allowed, or the node cannot wait with a
// timeout, the printer is write-only and reports ErrNoStatus.
// The node is reopened after an error, so unplugging and plugging the
// printer in again (same node name) needs no restart.
func NewDevice(path string, checkStatus bool, statusTimeout time.Duration) Printer {
	return &Device{newStreamPrinter("dev://"+path, func() (link, error) { return openDevLink(path) }, checkStatus, statusTimeout)}
}

// Device is a printer behind an OS device node.
type Device struct{ *streamPrinter }

type devLink struct {
	f       *os.File
	canRead bool
	wmu     sync.Mutex
}

func openDevLink(path string) (link, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	canRead := err == nil
	if err != nil && errors.Is(err, fs.ErrPermission) {
		// Some setups grant write only (group lp, mode 0620).
		if f2, err2 := os.OpenFile(path, os.O_WRONLY, 0); err2 == nil {
			f, err = f2, nil
		}
	}
	if err != nil {
		return nil, deviceOpenError(path, err)
	}
	if canRead {
		// Only a pollable node can wait with a timeout; reading one that
		// cannot would block a status request forever.
		if derr := f.SetReadDeadline(time.Time{}); derr != nil {
			canRead = false
		}
	}
	return &devLink{f: f, canRead: canRead}, nil
}

func deviceOpenError(path string, err error) error {
	e := &Error{Printer: path, Err: err}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e.Msg = fmt.Sprintf("printer device %s does not exist: check the printer is plugged in and switched on (ls /dev/usb/ lists the printers the system sees)", path)
	case errors.Is(err, fs.ErrPermission):
		e.Msg = fmt.Sprintf("no permission to use printer device %s: add this user to the lp group (sudo usermod -aG lp $USER, then log in again), or install the udev rule from the README", path)
	case errors.Is(err, syscall.EBUSY):
		e.Msg = fmt.Sprintf("printer device %s is in use by another program (CUPS?): stop that queue or print through it with cups://QUEUE", path)
	default:
		e.Msg = fmt.Sprintf("cannot open printer device %s (%v): check the printer is plugged in and switched on", path, err)
	}
	return e
}

func (d *devLink) CanRead() bool { return d.canRead }

func (d *devLink) Write(ctx context.Context, b []byte) (int, error) {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	// A pollable node takes a write deadline, so a printer that stopped
	// taking data fails the job after defaultWriteTimeout of no progress
	// instead of hanging it. Others block as the OS decides.
	stop := context.AfterFunc(ctx, func() { _ = d.f.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	sent := 0
	for sent < len(b) {
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		deadline := time.Now().Add(defaultWriteTimeout)
		if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
			deadline = dl
		}
		_ = d.f.SetWriteDeadline(deadline)
		n, err := d.f.Write(b[sent:min(len(b), sent+writeChunk)])
		sent += n
		if err != nil {
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			return sent, err
		}
	}
	return sent, nil
}

func (d *devLink) Read(ctx context.Context, b []byte, deadline time.Time) (int, error) {
	if !d.canRead {
		return 0, errNoReadBack
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := d.f.SetReadDeadline(deadline); err != nil {
		return 0, err
	}
	stop := context.AfterFunc(ctx, func() { _ = d.f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	n, err := d.f.Read(b)
	if err != nil && ctx.Err() != nil {
		return n, ctx.Err()
	}
	return n, err
}

func (d *devLink) Close() error { return d.f.Close() }
