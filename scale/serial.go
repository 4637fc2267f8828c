package scale

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"go.bug.st/serial"
)

// SerialOptions open a scale on a serial port (RS-232, or a USB serial
// adapter). Zero fields take the protocol's defaults.
type SerialOptions struct {
	// Port is the device: /dev/ttyUSB0, /dev/ttyS0, COM3.
	Port string
	// Protocol is sics, nci, cas or continuous.
	Protocol string
	// Baud, DataBits, Parity ('N', 'E', 'O') and StopBits (1 or 2)
	// default to the protocol's factory setting (9600 8N1; NCI 9600 7E1).
	Baud     int
	DataBits int
	Parity   byte
	StopBits int
	// Poll is the least time between two weight requests (default 50ms);
	// a scale that answers slower is asked as fast as it answers.
	Poll time.Duration
	// Timeout is how long a request may go unanswered, or a streaming
	// scale stay silent, before the scale counts as not answering
	// (default 1s).
	Timeout time.Duration
	// Retry is how often a port that is gone is opened again (default
	// 500ms).
	Retry time.Duration
	// Continuous output only: Checksum says Toledo frames end with a
	// checksum byte; Pattern and Unit read text lines (see continuous.go).
	Checksum bool
	Pattern  string
	Unit     string
}

// protocolSpec is what the serial engine needs to know about a protocol.
type protocolSpec struct {
	name, title              string
	baud, dataBits, stopBits int
	parity                   byte
	poll                     []byte // asks for a weight; nil: the scale streams
	afterAck                 []byte // sent when an ACK answers poll (CAS: DC1)
	zero                     []byte
	tare                     []byte
}

var protocols = map[string]protocolSpec{
	"sics":       {name: "sics", title: "MT-SICS", baud: 9600, dataBits: 8, stopBits: 1, parity: 'N', poll: sicsPoll, zero: sicsZero, tare: sicsTare},
	"nci":        {name: "nci", title: "NCI", baud: 9600, dataBits: 7, stopBits: 1, parity: 'E', poll: nciPoll, zero: nciZero},
	"cas":        {name: "cas", title: "CAS", baud: 9600, dataBits: 8, stopBits: 1, parity: 'N', poll: casENQ, afterAck: casDC1},
	"continuous": {name: "continuous", title: "continuous output", baud: 9600, dataBits: 8, stopBits: 1, parity: 'N'},
}

// ProtocolNames lists the serial protocols, for usage texts.
const ProtocolNames = "sics, nci, cas, continuous"

const (
	defaultPoll          = 50 * time.Millisecond
	defaultSerialTimeout = time.Second
	defaultRetry         = 500 * time.Millisecond
	// readTick bounds one blocking read so the engine can send polls and
	// notice timeouts; a read returns as soon as bytes arrive, so the tick
	// adds no latency to a frame.
	readTick = 10 * time.Millisecond
	// unknownRefusals is how many polls in a row a scale must refuse
	// before the station says it speaks another protocol.
	unknownRefusals = 3
	// frameMaxAge: a partial frame older than this is dropped; its rest
	// is not coming.
	frameMaxAge = 500 * time.Millisecond
)

func (o SerialOptions) withDefaults() (SerialOptions, protocolSpec, error) {
	if o.Protocol == "" {
		o.Protocol = "sics"
	}
	p, ok := protocols[strings.ToLower(o.Protocol)]
	if !ok {
		return o, p, fmt.Errorf("unknown scale protocol %q: use one of %s", o.Protocol, ProtocolNames)
	}
	o.Protocol = p.name
	if o.Baud == 0 {
		o.Baud = p.baud
	}
	if o.DataBits == 0 {
		o.DataBits = p.dataBits
	}
	if o.Parity == 0 {
		o.Parity = p.parity
	}
	if o.StopBits == 0 {
		o.StopBits = p.stopBits
	}
	if o.Poll <= 0 {
		o.Poll = defaultPoll
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultSerialTimeout
	}
	if o.Retry <= 0 {
		o.Retry = defaultRetry
	}
	switch {
	case o.Port == "":
		return o, p, errors.New("no serial port given: name one like /dev/ttyUSB0 or COM3")
	case o.Baud < 50 || o.Baud > 4_000_000:
		return o, p, fmt.Errorf("baud rate %d is not one a scale uses: try 9600", o.Baud)
	case o.DataBits != 7 && o.DataBits != 8:
		return o, p, fmt.Errorf("data bits %d: scales use 7 or 8", o.DataBits)
	case o.Parity != 'N' && o.Parity != 'E' && o.Parity != 'O':
		return o, p, fmt.Errorf("parity %q: use N (none), E (even) or O (odd)", string(o.Parity))
	case o.StopBits != 1 && o.StopBits != 2:
		return o, p, fmt.Errorf("stop bits %d: use 1 or 2", o.StopBits)
	}
	return o, p, nil
}

// modeText is "9600 8N1".
func (o SerialOptions) modeText() string {
	return fmt.Sprintf("%d %d%c%d", o.Baud, o.DataBits, o.Parity, o.StopBits)
}

func (o SerialOptions) mode() *serial.Mode {
	m := &serial.Mode{BaudRate: o.Baud, DataBits: o.DataBits, StopBits: serial.OneStopBit}
	if o.StopBits == 2 {
		m.StopBits = serial.TwoStopBits
	}
	switch o.Parity {
	case 'E':
		m.Parity = serial.EvenParity
	case 'O':
		m.Parity = serial.OddParity
	}
	return m
}

// SerialStats count what the engine saw since the scale was opened.
type SerialStats struct {
	Frames       int64 // good frames
	GarbageBytes int64 // bytes skipped as noise or bad frames
	BadFrames    int64 // runs of skipped bytes
	Reconnects   int64 // times the port was opened again after a loss
}

// Serial is a scale on a serial port. One goroutine owns the port: it
// opens it, asks for weights (or listens, for a streaming scale), cuts
// frames from the bytes, and publishes each reading to every waiting
// Read. When the port goes away (USB adapter unplugged, cable pulled on
// a streaming scale) it reports that to Read and Watch and opens the port
// again every Retry until it is back.
type Serial struct {
	opts  SerialOptions
	proto protocolSpec
	dec   decodeFunc
	open  func(port string, mode *serial.Mode) (io.ReadWriteCloser, error)

	cmds   chan serialCmd
	closed chan struct{}
	done   chan struct{}
	once   sync.Once

	feed  feed
	smu   sync.Mutex
	stats SerialStats
}

// serialCmd is a zero or tare request handed to the engine.
type serialCmd struct {
	name  string
	bytes []byte
	res   chan error
}

// OpenSerial starts a serial scale. It returns at once; a port that is
// not there yet is reported by Read ("…: check the cable") and opened as
// soon as it appears.
func OpenSerial(opts SerialOptions) (*Serial, error) {
	return openSerial(opts, func(port string, mode *serial.Mode) (io.ReadWriteCloser, error) {
		p, err := serial.Open(port, mode)
		if err != nil {
			return nil, err
		}
		if err := p.SetReadTimeout(readTick); err != nil {
			p.Close()
			return nil, err
		}
		return p, nil
	})
}

func openSerial(opts SerialOptions, open func(string, *serial.Mode) (io.ReadWriteCloser, error)) (*Serial, error) {
	o, p, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Serial{
		opts: o, proto: p, open: open,
		cmds:   make(chan serialCmd),
		closed: make(chan struct{}),
		done:   make(chan struct{}),
		feed:   newFeed(),
	}
	switch p.name {
	case "sics":
		s.dec = decodeSICS
	case "nci":
		s.dec = decodeNCI
	case "cas":
		s.dec = decodeCAS
	case "continuous":
		cf, err := newContinuousFormat(o.Pattern, o.Unit, o.Checksum)
		if err != nil {
			return nil, err
		}
		s.dec = cf.decode
	}
	go s.run()
	return s, nil
}

// Options returns the settings in use, after defaults.
func (s *Serial) Options() SerialOptions { return s.opts }

// String describes the scale for a status bar: "MT-SICS scale on /dev/ttyUSB0".
func (s *Serial) String() string {
	return fmt.Sprintf("%s scale on %s", s.proto.title, s.opts.Port)
}

// Stats returns the engine's counters.
func (s *Serial) Stats() SerialStats {
	s.smu.Lock()
	defer s.smu.Unlock()
	return s.stats
}

// Close stops the engine and closes the port; a blocked Read returns.
func (s *Serial) Close() error {
	s.once.Do(func() { close(s.closed) })
	<-s.done
	return nil
}

// Read returns the next reading that arrives after the call: never one
// from before it, so a weight is never stale. While the scale is
// disconnected or not answering it returns that error at once.
func (s *Serial) Read(ctx context.Context) (Reading, error) {
	// A scale that answers sends well within its timeout; twice that is
	// enough even when a request had to be sent again.
	return s.feed.next(ctx, s.closed, s.String(), 2*s.opts.Timeout+s.opts.Poll, s.silentError)
}

// Zero sets the scale to zero (the platter must be empty and still).
func (s *Serial) Zero(ctx context.Context) error { return s.command(ctx, "zero", s.proto.zero) }

// Tare tares the scale (MT-SICS only).
func (s *Serial) Tare(ctx context.Context) error { return s.command(ctx, "tare", s.proto.tare) }

func (s *Serial) command(ctx context.Context, name string, b []byte) error {
	if b == nil {
		return fmt.Errorf("a %s scale cannot be told to %s from the station: use the key on the scale", s.proto.title, name)
	}
	c := serialCmd{name: name, bytes: b, res: make(chan error, 1)}
	select {
	case s.cmds <- c:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closed:
		return fmt.Errorf("%s: %w", s, ErrClosed)
	}
	select {
	case err := <-c.res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Serial) silentError() error {
	if s.proto.poll == nil {
		return fmt.Errorf("scale on %s sends nothing: check the cable, that the scale is on and set to continuous output, and the baud rate (%s)", s.opts.Port, s.opts.modeText())
	}
	return fmt.Errorf("scale on %s does not answer: check the cable and the baud rate (%s for %s)", s.opts.Port, s.opts.modeText(), s.proto.title)
}

func (s *Serial) publish(r Reading, err error) { s.feed.publish(r, err) }

func (s *Serial) count(f func(*SerialStats)) {
	s.smu.Lock()
	f(&s.stats)
	s.smu.Unlock()
}

// run opens the port and keeps it open until Close.
func (s *Serial) run() {
	defer close(s.done)
	opened := false
	for {
		port, err := s.open(s.opts.Port, s.opts.mode())
		if err != nil {
			s.publish(Reading{}, s.openError(err))
		} else {
			if opened {
				s.count(func(st *SerialStats) { st.Reconnects++ })
			}
			opened = true
			err = s.session(port)
			port.Close()
			if err == nil { // closed
				return
			}
			s.publish(Reading{}, err)
		}
		select {
		case <-s.closed:
			return
		case <-time.After(s.opts.Retry):
		}
	}
}

func (s *Serial) openError(err error) error {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PermissionDenied:
			return fmt.Errorf("scale on %s: permission denied: add the station's user to the dialout group (Linux: sudo usermod -aG dialout $USER, then log in again)", s.opts.Port)
		case serial.PortBusy:
			return fmt.Errorf("scale on %s: the port is in use by another program: close it (another labelstation?)", s.opts.Port)
		case serial.PortNotFound:
			return fmt.Errorf("scale on %s is not connected: plug it in (the station connects by itself when it appears)", s.opts.Port)
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("scale on %s is not connected: plug it in (the station connects by itself when it appears)", s.opts.Port)
	}
	return fmt.Errorf("scale on %s cannot be opened: %v: check the port name and the cable", s.opts.Port, err)
}

// session talks to an open port until it fails (returned) or the scale
// is closed (nil).
func (s *Serial) session(port io.ReadWriteCloser) error {
	asm := assembler{decode: s.dec}
	buf := make([]byte, 512)
	var (
		awaiting   bool      // a poll is out and unanswered
		sentAt     time.Time // when it went out
		nextPoll   time.Time
		lastRx     = time.Now()
		cmd        *serialCmd // a zero/tare waiting for its answer
		cmdSentAt  time.Time
		queued     *serialCmd // a zero/tare waiting for the line to be free
		writeError error
		// refused counts polls answered "unknown command" in a row. One
		// such answer is most often a request garbled on the line (noise,
		// a half-open port); only a scale that refuses every poll is set
		// to another protocol.
		refused int
	)
	write := func(b []byte) {
		if writeError == nil {
			if _, err := port.Write(b); err != nil {
				writeError = err
			}
		}
	}
	finish := func(err error) {
		if cmd != nil {
			cmd.res <- err
			cmd = nil
		}
	}
	defer func() {
		if cmd != nil {
			cmd.res <- fmt.Errorf("%s: the scale went away before it answered", s)
		}
		if queued != nil {
			queued.res <- fmt.Errorf("%s: the scale went away before it answered", s)
		}
	}()
	handle := func(f frame, now time.Time) {
		lastRx = now
		s.count(func(st *SerialStats) { st.Frames++ })
		if cmd != nil && f.kind != frameReading {
			switch f.kind {
			case frameAck:
				finish(nil)
			case frameBusy:
				finish(fmt.Errorf("%s cannot %s now: keep the platter still and empty, then try again", s, cmd.name))
			case frameUnknown:
				finish(fmt.Errorf("%s does not know the %s command", s, cmd.name))
			default:
				finish(fmt.Errorf("%s: %s", s, f.text))
			}
			return
		}
		switch f.kind {
		case frameReading:
			awaiting, refused = false, 0
			f.r.Time = now
			s.publish(f.r, nil)
		case frameAck:
			if awaiting && s.proto.afterAck != nil {
				write(s.proto.afterAck)
				sentAt = now
			}
		case frameBusy, frameStatus:
			awaiting = false // ask again at the next poll
		case frameUnknown:
			awaiting = false // ask again at the next poll
			if refused++; refused >= unknownRefusals {
				s.publish(Reading{}, fmt.Errorf("%s does not understand the station's request: check that the scale is set to the %s protocol", s, s.proto.title))
			}
		case frameError:
			awaiting = false
			s.publish(Reading{}, fmt.Errorf("%s: %s", s, f.text))
		}
	}
	for {
		select {
		case <-s.closed:
			return nil
		case c := <-s.cmds:
			queued = &c
		default:
		}
		now := time.Now()
		if queued != nil && cmd == nil && !awaiting {
			cmd, queued, cmdSentAt = queued, nil, now
			write(cmd.bytes)
		}
		if cmd != nil && now.Sub(cmdSentAt) > s.opts.Timeout {
			finish(fmt.Errorf("%s did not answer the %s command", s, cmd.name))
		}
		if s.proto.poll != nil && awaiting && now.Sub(sentAt) > s.opts.Timeout/3 {
			// One answer lost to line noise is no failure: ask again. The
			// scale counts as not answering only when nothing came for
			// the whole Timeout.
			awaiting = false
			asm.expire(now, 0)
		}
		if s.proto.poll != nil && !awaiting && cmd == nil && !now.Before(nextPoll) {
			write(s.proto.poll)
			awaiting, sentAt, nextPoll = true, now, now.Add(s.opts.Poll)
		}
		if now.Sub(lastRx) > s.opts.Timeout {
			s.publish(Reading{}, s.silentError())
		}
		if writeError != nil {
			return s.lostError(writeError)
		}
		n, err := port.Read(buf)
		now = time.Now()
		if n > 0 {
			asm.feed(buf[:n], now, func(f frame) { handle(f, now) })
			s.count(func(st *SerialStats) { st.GarbageBytes, st.BadFrames = asm.garbageBytes, asm.badFrames })
		}
		if err != nil {
			return s.lostError(err)
		}
		if n == 0 && asm.expire(now, frameMaxAge) {
			s.count(func(st *SerialStats) { st.GarbageBytes, st.BadFrames = asm.garbageBytes, asm.badFrames })
		}
	}
}

func (s *Serial) lostError(err error) error {
	return fmt.Errorf("scale on %s was disconnected (%v): plug it back in; the station reconnects by itself", s.opts.Port, err)
}
