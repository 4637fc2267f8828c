package printer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
)

// DefaultPort is the raw printing ("JetDirect") port every ZPL printer
// listens on.
const DefaultPort = "9100"

const (
	defaultConnectTimeout = 3 * time.Second
	defaultWriteTimeout   = 10 * time.Second
	// defaultStatusTimeout is how long a printer may take to answer ~HS. A
	// Zebra answers in milliseconds; one that says nothing for 2s is in a
	// fault (newer firmware stays silent with media out or the head open).
	defaultStatusTimeout = 2 * time.Second
	// writeChunk bounds how much is handed to the kernel under one write
	// deadline, so the write timeout measures a stall, not the job size.
	writeChunk = 64 << 10
)

// TCPOptions tune a raw TCP printer. Zero values take the defaults.
type TCPOptions struct {
	// ConnectTimeout bounds one dial (default 3s).
	ConnectTimeout time.Duration
	// WriteTimeout is the longest the printer may stop taking data in the
	// middle of a job before the job fails (default 10s). It is a stall
	// limit, not a limit on the whole job, so a large PDF on a slow link
	// still prints.
	WriteTimeout time.Duration
	// CheckStatus asks the printer (~HS) before each job, and refuses to
	// send while it reports a fault or does not answer, and again after
	// the job, so a fault that struck during it is reported. Open turns
	// it on unless the URI says status=off; NewTCP leaves it to the caller.
	CheckStatus bool
	// StatusTimeout is the longest the printer may take to answer a
	// status request, the read timeout (default 2s).
	StatusTimeout time.Duration
}

// TCP prints to a printer's raw port (9100). It keeps one connection open
// between jobs, because a bench prints hundreds of labels and a dial per
// label costs a round trip and sometimes the printer's patience; a
// connection the printer has closed in the meantime is noticed before the
// next job and dialled again.
//
// Jobs are serialised: the bytes of one job never interleave with another's
// on the wire. A TCP printer is safe for concurrent use.
type TCP struct {
	addr  string
	opts  TCPOptions
	chunk int // bytes per write; writeChunk, smaller in tests

	// turn is a one-slot semaphore: holding it means owning the wire for
	// one job. A channel rather than a mutex so a caller waiting for its
	// turn can give up when its context ends.
	turn chan struct{}

	mu     sync.Mutex // guards conn and closed; never held while blocking on I/O
	conn   net.Conn
	closed bool
}

// NewTCP returns a printer at addr ("host:port"). It does not dial: the
// first Print does, so a printer that is off when the station starts does
// not stop the station from starting.
func NewTCP(addr string, opts TCPOptions) *TCP {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = defaultConnectTimeout
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = defaultWriteTimeout
	}
	if opts.StatusTimeout <= 0 {
		opts.StatusTimeout = defaultStatusTimeout
	}
	return &TCP{addr: addr, opts: opts, chunk: writeChunk, turn: make(chan struct{}, 1)}
}

// Addr is the printer's "host:port".
func (p *TCP) Addr() string { return p.addr }

// String describes the printer for a status bar.
func (p *TCP) String() string { return "tcp://" + p.addr }

// Close drops the connection. A job being written fails; later jobs fail
// with ErrClosed.
func (p *TCP) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.conn != nil {
		err := p.conn.Close()
		p.conn = nil
		return err
	}
	return nil
}

// Print sends the job's bytes, whole, on the printer's connection. It
// dials if there is no live connection. If a kept connection turns out to
// be dead when the job is written and not one byte of the job went out,
// the job is sent once more on a fresh connection; if part of it went out,
// it is not resent, because the printer may already have printed a partial
// label, and the error says so (see Error.Sent).
func (p *TCP) Print(ctx context.Context, job Job) error {
	if len(job.Data) == 0 {
		return fmt.Errorf("label %q has no data: nothing was sent to printer %s; book or render the label again", job.Name, p.addr)
	}
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return p.ctxError(ctx, job, 0)
	}
	defer func() { <-p.turn }()
	if err := ctx.Err(); err != nil {
		return p.ctxError(ctx, job, 0)
	}

	conn, reused, err := p.connection(ctx, job)
	if err != nil {
		return err
	}
	if p.opts.CheckStatus {
		var st Status
		if conn, st, err = p.statusOn(ctx, conn, reused, job); err != nil {
			return err
		}
		if !st.Ready() {
			return notReady(p.addr, job, st, 0)
		}
		// The printer just answered on this connection: a write failure
		// now is not a stale kept connection, so it is not retried.
		reused = false
	}
	sent, err := p.write(ctx, conn, job.Data)
	if err != nil {
		p.drop(conn)
		var netErr net.Error
		stalled := errors.As(err, &netErr) && netErr.Timeout()
		if !reused || sent != 0 || stalled || ctx.Err() != nil || p.isClosed() {
			return p.writeError(ctx, job, sent, err)
		}
		// The printer closed the kept connection after our liveness check
		// (or the check could not see it). Nothing of this job went out,
		// so one fresh attempt cannot duplicate a label. A stall is not a
		// dead connection: a printer that stopped taking data (paper out)
		// would only stall again, doubling the packer's wait.
		if conn, err = p.dial(ctx, job); err != nil {
			return err
		}
		p.keep(conn)
		if sent, err = p.write(ctx, conn, job.Data); err != nil {
			p.drop(conn)
			return p.writeError(ctx, job, sent, err)
		}
	}
	if p.opts.CheckStatus {
		return p.afterJob(ctx, conn, job)
	}
	return nil
}

// connAlive is alive, replaceable by tests that need a dead connection to
// slip past the check (as it can when the printer closes it in the instant
// between the check and the write).
var connAlive = alive

// connection returns the kept connection if it is still alive, or a new one.
func (p *TCP) connection(ctx context.Context, job Job) (conn net.Conn, reused bool, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, &Error{Printer: p.addr, Job: job.Name, Msg: fmt.Sprintf("printer %s is closed: the station is shutting down or the printer was changed in the settings", p.addr), Err: ErrClosed}
	}
	conn = p.conn
	p.mu.Unlock()
	if conn != nil {
		if connAlive(conn) {
			return conn, true, nil
		}
		p.drop(conn)
	}
	conn, err = p.dial(ctx, job)
	if err != nil {
		return nil, false, err
	}
	p.keep(conn)
	return conn, false, nil
}

func (p *TCP) dial(ctx context.Context, job Job) (net.Conn, error) {
	d := net.Dialer{Timeout: p.opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", p.addr)
	if err == nil {
		return conn, nil
	}
	if ctx.Err() != nil {
		return nil, p.ctxError(ctx, job, 0)
	}
	e := &Error{Printer: p.addr, Job: job.Name, Err: err}
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		e.Msg = fmt.Sprintf("printer %s: host %q was not found: check the printer address in the settings", p.addr, dnsErr.Name)
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		e.Msg = fmt.Sprintf("printer %s did not answer within %s: check that it is on and connected", p.addr, p.opts.ConnectTimeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Msg = fmt.Sprintf("printer %s refused the connection: check the address and port in the settings, and that the printer is on and has raw printing (port 9100) enabled", p.addr)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		e.Msg = fmt.Sprintf("printer %s cannot be reached from this computer: check the network cable and the printer address", p.addr)
	default:
		e.Msg = fmt.Sprintf("cannot connect to printer %s (%v): check that it is on and connected", p.addr, err)
	}
	return nil, e
}

// write hands data to conn in chunks, each under a fresh write deadline,
// and stops early when ctx ends. It returns how many bytes went out.
func (p *TCP) write(ctx context.Context, conn net.Conn, data []byte) (int, error) {
	// Cancellation interrupts a blocked write by moving the deadline into
	// the past. dmu orders that against our own deadline updates, so a
	// cancellation is never overwritten by the next chunk's deadline.
	var dmu sync.Mutex
	cancelled := false
	stop := context.AfterFunc(ctx, func() {
		dmu.Lock()
		defer dmu.Unlock()
		cancelled = true
		_ = conn.SetWriteDeadline(time.Unix(1, 0))
	})
	defer stop()

	sent := 0
	for sent < len(data) {
		deadline := time.Now().Add(p.opts.WriteTimeout)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		dmu.Lock()
		if cancelled {
			dmu.Unlock()
			return sent, ctx.Err()
		}
		err := conn.SetWriteDeadline(deadline)
		dmu.Unlock()
		if err != nil {
			return sent, err
		}
		end := min(sent+p.chunk, len(data))
		n, err := conn.Write(data[sent:end])
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

func (p *TCP) writeError(ctx context.Context, job Job, sent int, err error) error {
	if ctx.Err() != nil {
		return p.ctxError(ctx, job, sent)
	}
	e := &Error{Printer: p.addr, Job: job.Name, Sent: sent, Err: err}
	partial := ""
	if sent > 0 {
		partial = fmt.Sprintf(" after %d of %d bytes; part of the label may have printed, so discard it and", sent, len(job.Data))
	} else {
		partial = "; nothing was printed, so"
	}
	var netErr net.Error
	switch {
	case errors.Is(err, net.ErrClosed) && p.isClosed():
		e.Msg = fmt.Sprintf("printer %s was closed while label %q was being sent%s print it again once the printer is set up", p.addr, job.Name, partial)
		e.Err = ErrClosed
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Msg = fmt.Sprintf("printer %s stopped taking data for %s while printing label %q%s check for paper out, an open head or a paused printer, then print it again", p.addr, p.opts.WriteTimeout, job.Name, partial)
	default:
		e.Msg = fmt.Sprintf("printer %s dropped the connection while printing label %q (%v)%s check that it is on and connected, then print it again", p.addr, job.Name, err, partial)
	}
	return e
}

func (p *TCP) ctxError(ctx context.Context, job Job, sent int) error {
	what := "cancelled"
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		what = "ran out of time"
	}
	msg := fmt.Sprintf("printing label %q on printer %s %s before it was sent; nothing was printed", job.Name, p.addr, what)
	if sent > 0 {
		msg = fmt.Sprintf("printing label %q on printer %s %s after %d of %d bytes; part of the label may have printed, so discard it", job.Name, p.addr, what, sent, len(job.Data))
	}
	return &Error{Printer: p.addr, Job: job.Name, Sent: sent, Msg: msg, Err: ctx.Err()}
}

// keep makes conn the connection for later jobs, unless the printer was
// closed meanwhile.
func (p *TCP) keep(conn net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = conn.Close()
		return
	}
	p.conn = conn
}

// drop closes conn and forgets it, so the next job dials afresh.
func (p *TCP) drop(conn net.Conn) {
	_ = conn.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == conn {
		p.conn = nil
	}
}

func (p *TCP) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}
