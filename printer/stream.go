package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// link is a byte pipe to one printer that is not a socket: a USB
// printer's bulk endpoints, or a device node such as /dev/usb/lp0.
type link interface {
	// Write sends b whole or fails; ctx bounds it.
	Write(ctx context.Context, b []byte) (int, error)
	// Read returns what the printer sent, waiting until deadline at most;
	// a timeout error (os.ErrDeadlineExceeded) when nothing came.
	Read(ctx context.Context, b []byte, deadline time.Time) (int, error)
	// CanRead reports whether answers can be read back at all.
	CanRead() bool
	Close() error
}

// errNoReadBack marks a link that cannot read answers (a device node
// opened write-only, or one that does not support polling).
var errNoReadBack = errors.New("the device cannot be read back")

// streamPrinter speaks ZPL over a link: the job, and ~HS before and after
// it where the link reads back. The link is opened on first use and
// dropped on any transport error, so a printer that was unplugged and
// plugged in again is found by the next job.
type streamPrinter struct {
	name          string // for messages: "usb://0a5f:0166", "/dev/usb/lp0"
	open          func() (link, error)
	checkStatus   bool
	statusTimeout time.Duration

	turn   chan struct{}
	mu     sync.Mutex
	l      link
	closed bool
}

func newStreamPrinter(name string, open func() (link, error), checkStatus bool, statusTimeout time.Duration) *streamPrinter {
	if statusTimeout <= 0 {
		statusTimeout = defaultStatusTimeout
	}
	return &streamPrinter{name: name, open: open, checkStatus: checkStatus, statusTimeout: statusTimeout, turn: make(chan struct{}, 1)}
}

func (p *streamPrinter) String() string { return p.name }

func (p *streamPrinter) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.l != nil {
		err := p.l.Close()
		p.l = nil
		return err
	}
	return nil
}

func (p *streamPrinter) acquire(ctx context.Context) error {
	select {
	case p.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *streamPrinter) release() { <-p.turn }

// link returns the open link, opening it if needed.
func (p *streamPrinter) link() (link, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, &Error{Printer: p.name, Msg: fmt.Sprintf("printer %s is closed: the station is shutting down or the printer was changed in the settings", p.name), Err: ErrClosed}
	}
	if p.l != nil {
		return p.l, nil
	}
	l, err := p.open()
	if err != nil {
		return nil, err
	}
	p.l = l
	return l, nil
}

// drop closes the link after a transport error, so the next use reopens
// the device (it may have been unplugged and plugged in again).
func (p *streamPrinter) drop(l link) {
	_ = l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l == l {
		p.l = nil
	}
}

func (p *streamPrinter) Print(ctx context.Context, job Job) error {
	if len(job.Data) == 0 {
		return fmt.Errorf("label %q has no data: nothing was sent to printer %s; book or render the label again", job.Name, p.name)
	}
	if err := p.acquire(ctx); err != nil {
		return &Error{Printer: p.name, Job: job.Name, Msg: fmt.Sprintf("printing label %q on printer %s was given up before it was sent; nothing was printed", job.Name, p.name), Err: err}
	}
	defer p.release()
	l, err := p.link()
	if err != nil {
		return err
	}
	check := p.checkStatus && l.CanRead()
	if check {
		st, err := p.exchange(ctx, l)
		if err != nil {
			return p.fail(l, job, 0, err)
		}
		if !st.Ready() {
			return notReady(p.name, job, st, 0)
		}
	}
	if n, err := l.Write(ctx, job.Data); err != nil {
		return p.fail(l, job, n, err)
	}
	if check {
		st, err := p.exchange(ctx, l)
		if err != nil {
			return p.fail(l, job, len(job.Data), err)
		}
		if !st.Ready() {
			return notReady(p.name, job, st, len(job.Data))
		}
	}
	return nil
}

// fail words a transport error. A status timeout is a fault (NoAnswer),
// anything else drops the link so the next job reopens the device.
func (p *streamPrinter) fail(l link, job Job, sent int, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return notReady(p.name, job, Status{NoAnswer: true, Waited: p.statusTimeout, Source: "~HS"}, sent)
	}
	p.drop(l)
	e := &Error{Printer: p.name, Job: job.Name, Sent: sent, Err: err}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Msg = fmt.Sprintf("printing label %q on printer %s was given up", job.Name, p.name)
	case sent == 0:
		e.Msg = fmt.Sprintf("printer %s stopped working (%v); nothing was printed: check the cable and that it is on, then print again", p.name, err)
		return e
	case sent < len(job.Data):
		e.Msg = fmt.Sprintf("printer %s stopped working after %d of %d bytes of label %q (%v); part of the label may have printed, so discard it and print it again", p.name, sent, len(job.Data), job.Name, err)
		return e
	default:
		e.Msg = fmt.Sprintf("label %q was sent to printer %s, but the printer did not confirm its state after it (%v): look at the printer before printing it again", job.Name, p.name, err)
		return e
	}
	if sent == 0 {
		e.Msg += "; nothing was printed"
	} else {
		e.Msg += fmt.Sprintf(" after %d of %d bytes: look at the printer before printing it again", sent, len(job.Data))
	}
	return e
}

// Status asks the printer with ~HS where the link reads back.
func (p *streamPrinter) Status(ctx context.Context) (Status, error) {
	if err := p.acquire(ctx); err != nil {
		return Status{}, fmt.Errorf("asking printer %s for its status was given up: %w", p.name, err)
	}
	defer p.release()
	l, err := p.link()
	if err != nil {
		return Status{}, err
	}
	if !l.CanRead() {
		return Status{}, fmt.Errorf("%s: %w (it is write-only here)", p.name, ErrNoStatus)
	}
	st, err := p.exchange(ctx, l)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return Status{NoAnswer: true, Waited: p.statusTimeout, Source: "~HS"}, nil
	}
	if err != nil {
		p.drop(l)
		return Status{}, &Error{Printer: p.name, Err: err, Msg: fmt.Sprintf("printer %s could not be asked for its status (%v): check the cable and that it is on", p.name, err)}
	}
	return st, nil
}

// Files lists stored objects (^HW) where the link reads back.
func (p *streamPrinter) Files(ctx context.Context, pattern string) ([]string, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	defer p.release()
	l, err := p.link()
	if err != nil {
		return nil, err
	}
	if !l.CanRead() {
		return nil, fmt.Errorf("%s: %w", p.name, ErrNoFileList)
	}
	b, err := p.ask(ctx, l, []byte("^XA^HW"+pattern+"^XZ"), 1)
	if err != nil {
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			p.drop(l)
		}
		return nil, fmt.Errorf("printer %s did not list its files (%w): check it is on and ready, or print without the font check", p.name, err)
	}
	return ParseDirectory(b)
}

func (p *streamPrinter) exchange(ctx context.Context, l link) (Status, error) {
	b, err := p.ask(ctx, l, hostStatusQuery, 3)
	if err != nil {
		return Status{}, err
	}
	return ParseHostStatus(b)
}

// ask writes a query and reads want <STX>…<ETX> strings within the status
// timeout. A device cannot be re-dialled like a socket, so a late answer
// to an earlier query that timed out may still be waiting: it is read
// and dropped first (a millisecond's look), so it is not taken for this
// one's.
func (p *streamPrinter) ask(ctx context.Context, l link, query []byte, want int) ([]byte, error) {
	var junk [512]byte
	for range 64 {
		n, err := l.Read(ctx, junk[:], time.Now().Add(time.Millisecond))
		if n == 0 || err != nil {
			break
		}
	}
	if _, err := l.Write(ctx, query); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(p.statusTimeout)
	b, err := readAnswer(func(buf []byte) (int, error) { return l.Read(ctx, buf, deadline) }, want)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}
