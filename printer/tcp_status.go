package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// Status asks the printer for its state with ~HS on the kept connection
// (dialling if needed), in turn with jobs so an answer never mixes with
// a label. A printer that does not answer within StatusTimeout is
// reported as Status.NoAnswer; the connection is then dropped, so a late
// answer cannot be taken for the next one.
func (p *TCP) Status(ctx context.Context) (Status, error) {
	job := Job{Name: "status request"}
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return Status{}, fmt.Errorf("asking printer %s for its status was given up: %w", p.addr, ctx.Err())
	}
	defer func() { <-p.turn }()
	conn, reused, err := p.connection(ctx, job)
	if err == nil {
		var st Status
		if _, st, err = p.statusOn(ctx, conn, reused, job); err == nil {
			return st, nil
		}
	}
	if ctx.Err() != nil {
		return Status{}, &Error{Printer: p.addr, Msg: fmt.Sprintf("asking printer %s for its status was given up", p.addr), Err: ctx.Err()}
	}
	return Status{}, err
}

// statusOn asks for the status on conn. If a kept connection turns out
// dead (the printer closed it while idle), it dials once more and asks
// again. It returns the connection to go on with (nil if dropped).
func (p *TCP) statusOn(ctx context.Context, conn net.Conn, reused bool, job Job) (net.Conn, Status, error) {
	st, err := p.exchange(ctx, conn)
	if err != nil && reused && !isTimeout(err) && ctx.Err() == nil && !p.isClosed() {
		p.drop(conn)
		if conn, err = p.dial(ctx, job); err != nil {
			return nil, Status{}, err
		}
		p.keep(conn)
		st, err = p.exchange(ctx, conn)
	}
	if err == nil {
		return conn, st, nil
	}
	p.drop(conn)
	if ctx.Err() != nil {
		return nil, Status{}, p.ctxError(ctx, job, 0)
	}
	if isTimeout(err) {
		return nil, Status{NoAnswer: true, Waited: p.opts.StatusTimeout, Source: "~HS"}, nil
	}
	e := &Error{Printer: p.addr, Job: job.Name, Err: err}
	var pe *parseError
	if errors.As(err, &pe) {
		e.Msg = fmt.Sprintf("printer %s answered its status request with something that is not a ZPL status (%v); nothing was printed: check that it is a ZPL printer, or add ?status=off to its address", p.addr, pe.err)
	} else {
		e.Msg = fmt.Sprintf("printer %s dropped the connection when asked for its status (%v); nothing was printed: check that it is on and connected", p.addr, err)
	}
	return nil, Status{}, e
}

// afterJob asks for the status once the job is written. The label is
// then in the printer, so every failure here says so: it must not be
// resent, or it may print twice.
func (p *TCP) afterJob(ctx context.Context, conn net.Conn, job Job) error {
	st, err := p.exchange(ctx, conn)
	sent := len(job.Data)
	switch {
	case err == nil && st.Ready():
		return nil
	case err == nil:
		return notReady(p.addr, job, st, sent)
	}
	p.drop(conn)
	switch {
	case ctx.Err() != nil:
		return &Error{Printer: p.addr, Job: job.Name, Sent: sent, Err: ctx.Err(),
			Msg: fmt.Sprintf("label %q was sent to printer %s, but checking that it printed was given up: look at the printer before printing it again", job.Name, p.addr)}
	case isTimeout(err):
		return notReady(p.addr, job, Status{NoAnswer: true, Waited: p.opts.StatusTimeout, Source: "~HS"}, sent)
	}
	return &Error{Printer: p.addr, Job: job.Name, Sent: sent, Err: err,
		Msg: fmt.Sprintf("label %q was sent to printer %s, but the printer did not confirm its state after it (%v): look at the printer before printing it again", job.Name, p.addr, err)}
}

// exchange writes ~HS and reads the three-string answer, all within
// StatusTimeout (or the context's deadline, if sooner).
func (p *TCP) exchange(ctx context.Context, conn net.Conn) (Status, error) {
	deadline := time.Now().Add(p.opts.StatusTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return Status{}, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	b, err := exchangeOn(conn, hostStatusQuery, 3)
	if !stop() {
		return Status{}, ctx.Err() // the deadline was moved into the past
	}
	if derr := conn.SetDeadline(time.Time{}); err == nil && derr != nil {
		err = derr
	}
	if err != nil {
		return Status{}, err
	}
	st, err := ParseHostStatus(b)
	if err != nil {
		return Status{}, &parseError{err}
	}
	return st, nil
}

// exchangeOn writes a query and reads an answer of want <STX>…<ETX>
// strings; the caller has set the deadlines.
func exchangeOn(rw io.ReadWriter, query []byte, want int) ([]byte, error) {
	if _, err := rw.Write(query); err != nil {
		return nil, err
	}
	b, err := readAnswer(rw.Read, want)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

type parseError struct{ err error }

func (e *parseError) Error() string { return e.err.Error() }
func (e *parseError) Unwrap() error { return e.err }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
