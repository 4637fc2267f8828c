package scalesim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"go.bug.st/serial"
)

// Modes are the protocols' factory line settings, which the simulator
// opens its port with (a pty ignores them, a real null-modem cable does
// not).
func mode(protocol string) *serial.Mode {
	if protocol == "nci" {
		return &serial.Mode{BaudRate: 9600, DataBits: 7, Parity: serial.EvenParity, StopBits: serial.OneStopBit}
	}
	return &serial.Mode{BaudRate: 9600, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
}

// ServePort opens the serial port (one end of a pty pair, or a real port
// wired to the station with a null-modem cable) and serves it until ctx
// ends, UnplugAfter passes (ErrUnplugged: the port is closed, which the
// other end sees as a pulled cable) or the port fails.
func (d *Device) ServePort(ctx context.Context, path string) error {
	p, err := serial.Open(path, mode(d.opts.Protocol))
	if err != nil {
		return fmt.Errorf("simulated scale: cannot open %s: %w", path, err)
	}
	defer p.Close()
	if err := p.SetReadTimeout(50 * time.Millisecond); err != nil {
		return err
	}
	return d.Serve(ctx, p)
}

// Serve answers requests on rw (or streams, for continuous output) until
// ctx ends (nil), UnplugAfter passes (ErrUnplugged) or rw fails. A Read
// of rw may return (0, nil) when it times out; Serve reads in its own
// goroutine, which ends when rw's Read fails (close rw after Serve).
func (d *Device) Serve(ctx context.Context, rw io.ReadWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	in := make(chan []byte, 16)
	readErr := make(chan error, 1)
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := rw.Read(buf)
			if n > 0 {
				select {
				case in <- append([]byte(nil), buf[:n]...):
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
			if ctx.Err() != nil {
				return
			}
		}
	}()
	var unplug <-chan time.Time
	if d.opts.UnplugAfter > 0 {
		t := time.NewTimer(d.opts.UnplugAfter)
		defer t.Stop()
		unplug = t.C
	}
	var tick <-chan time.Time
	if d.opts.Protocol == "continuous" {
		t := time.NewTicker(d.opts.Interval)
		defer t.Stop()
		tick = t.C
	}
	var req []byte
	casReady := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-unplug:
			return ErrUnplugged
		case err := <-readErr:
			return fmt.Errorf("simulated scale: the line failed: %w", err)
		case <-tick:
			if err := d.send(ctx, rw, d.continuousFrame()); err != nil {
				return err
			}
		case b := <-in:
			req = append(req, b...)
			for {
				var out []byte
				var ok bool
				switch d.opts.Protocol {
				case "sics":
					out, req, ok = d.sics(ctx, req)
				case "nci":
					out, req, ok = d.nci(req)
				case "cas":
					out, req, ok = d.cas(req, &casReady)
				default:
					req, ok = nil, false // a streaming scale ignores input
				}
				if !ok {
					break
				}
				if out != nil {
					if err := d.send(ctx, rw, out); err != nil {
						return err
					}
				}
			}
			if len(req) > 256 {
				req = nil
			}
		}
	}
}

// send writes one frame, with noise in front and in pieces when so set.
func (d *Device) send(ctx context.Context, w io.Writer, frame []byte) error {
	if n := d.noise(); n != nil {
		if _, err := w.Write(n); err != nil {
			return err
		}
	}
	parts := d.pieces(frame)
	for i, p := range parts {
		if i > 0 {
			select {
			case <-time.After(time.Duration(1+i) * time.Millisecond):
			case <-ctx.Done():
				return nil
			}
		}
		if _, err := w.Write(p); err != nil {
			return fmt.Errorf("simulated scale: write: %w", err)
		}
	}
	at := time.Now()
	d.mu.Lock()
	d.frames++
	d.mu.Unlock()
	if d.opts.OnFrame != nil {
		d.opts.OnFrame(at, frameStable(d.opts.Protocol, frame))
	}
	return nil
}

// frameStable tells from a frame whether it reported a stable weight,
// for OnFrame.
func frameStable(protocol string, f []byte) bool {
	switch protocol {
	case "sics":
		return bytes.HasPrefix(f, []byte("S S "))
	case "nci":
		i := bytes.Index(f, []byte("\r\n"))
		return i > 0 && i+2 < len(f) && f[i+2]&0x01 == 0 && f[i+3]&0x03 == 0
	case "cas":
		return len(f) > 3 && f[2] == 'S'
	}
	if len(f) > 3 && f[0] == 0x02 {
		return f[2]&0x0c == 0
	}
	return bytes.HasPrefix(f, []byte("ST"))
}

// line cuts one CR- or LF-terminated command from the front of req.
func line(req []byte) (cmd string, rest []byte, ok bool) {
	i := bytes.IndexAny(req, "\r\n")
	if i < 0 {
		return "", req, false
	}
	cmd = string(bytes.TrimSpace(req[:i]))
	rest = req[i+1:]
	return cmd, rest, true
}
