package printer

import (
	"context"
	"fmt"
	"time"
)

// Files asks the printer for a directory listing (^HWpattern) on the
// kept connection and returns the objects it names. A caret command, it
// is answered after any labels the printer is still receiving.
func (p *TCP) Files(ctx context.Context, pattern string) ([]string, error) {
	job := Job{Name: "directory request"}
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("asking printer %s for its files was given up: %w", p.addr, ctx.Err())
	}
	defer func() { <-p.turn }()
	conn, _, err := p.connection(ctx, job)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(p.opts.StatusTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	b, err := exchangeOn(conn, []byte("^XA^HW"+pattern+"^XZ"), 1)
	stop()
	_ = conn.SetDeadline(time.Time{})
	if err != nil {
		p.drop(conn)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("asking printer %s for its files was given up: %w", p.addr, ctx.Err())
		}
		if isTimeout(err) {
			return nil, &Error{Printer: p.addr, Err: err, Msg: fmt.Sprintf("printer %s did not list its files within %s: check it is on and ready, or print without the font check", p.addr, p.opts.StatusTimeout)}
		}
		return nil, &Error{Printer: p.addr, Err: err, Msg: fmt.Sprintf("printer %s dropped the connection when asked for its files (%v)", p.addr, err)}
	}
	return ParseDirectory(b)
}
