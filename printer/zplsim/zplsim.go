// Package zplsim is a fake ZPL printer for tests and demos: it listens on
// TCP like a printer's raw port 9100, collects the labels it receives
// (split on ^XZ), answers ~HS host status requests byte for byte as a
// Zebra does and ^HW directory requests as the ZPL II guide lays them out,
// and can be switched at run time into the faults a bench meets: paper out,
// head open, paused, ribbon out, over temperature, silent (no status
// answer at all, as newer Zebra firmware does with media out or the head
// open), slow (throttled reads) and refuse (not listening).
//
// Labels that arrive while the printer is in a fault are held in its
// buffer and print when the fault is cleared, as on a real printer: so a
// test can tell "the station sent it during the fault" (Held > 0) from
// "the station waited" (Held == 0).
package zplsim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Fault is a condition the simulated printer can be switched into.
type Fault string

// The faults. None is a ready printer.
const (
	None      Fault = ""
	PaperOut  Fault = "paper-out"
	HeadOpen  Fault = "head-open"
	Paused    Fault = "paused"
	RibbonOut Fault = "ribbon-out"
	OverTemp  Fault = "over-temp"
	UnderTemp Fault = "under-temp" // a warning: the printer still prints, lighter
	Silent    Fault = "silent"     // reads data, holds labels, never answers
	Slow      Fault = "slow"       // prints, but reads the wire slowly
	Refuse    Fault = "refuse"     // stops listening and drops connections
)

// Faults lists every fault by name, for flags and help texts.
var Faults = []Fault{PaperOut, HeadOpen, Paused, RibbonOut, OverTemp, UnderTemp, Silent, Slow, Refuse}

// ParseFault reads a fault name; "", "none" and "ready" are None.
func ParseFault(s string) (Fault, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none", "ready", "ok":
		return None, nil
	}
	for _, f := range Faults {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	names := make([]string, len(Faults))
	for i, f := range Faults {
		names[i] = string(f)
	}
	return None, fmt.Errorf("unknown printer fault %q: use one of none, %s", s, strings.Join(names, ", "))
}

// holds reports whether labels wait in the buffer instead of printing.
func (f Fault) holds() bool {
	switch f {
	case PaperOut, HeadOpen, Paused, RibbonOut, OverTemp, Silent:
		return true
	}
	return false
}

// DefaultFiles are the objects a fresh simulated printer holds: Zebra's
// resident scalable font and the Arial the PostNord labels reference.
var DefaultFiles = []string{"E:ARI000.TTF", "E:ARIAL.TTF", "Z:0.FNT"}

// Options configure a simulated printer. Zero values take the defaults.
type Options struct {
	// Files are the stored objects ^HW lists (default DefaultFiles).
	Files []string
	// OutDir, if set, receives each printed label as label-NNNNNN.zpl.
	OutDir string
	// SlowChunk bytes are read per SlowDelay in the slow fault (default
	// 1 KiB per 10ms, about 100 KiB/s: a printer busy rasterising).
	SlowChunk int
	SlowDelay time.Duration
	// Log, if set, gets one line per event (label, status request, fault).
	Log io.Writer
}

// Printer is a simulated ZPL printer. It is safe for concurrent use.
type Printer struct {
	opts Options

	mu      sync.Mutex
	addr    string
	ln      net.Listener
	conns   map[net.Conn]struct{}
	fault   Fault
	printed []string
	held    []string
	data    bytes.Buffer
	queries int
	closed  bool
	// runOut counts down labels until fault after is switched on.
	runOut     int
	runOutWith Fault
}

// Listen starts a simulated printer on addr ("127.0.0.1:0" for any port).
func Listen(addr string, opts Options) (*Printer, error) {
	if opts.Files == nil {
		opts.Files = DefaultFiles
	}
	if opts.SlowChunk <= 0 {
		opts.SlowChunk = 1 << 10
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = 10 * time.Millisecond
	}
	if opts.OutDir != "" {
		if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
			return nil, fmt.Errorf("simulated printer: cannot create label folder %s: %w", opts.OutDir, err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("simulated printer: cannot listen on %s: %w", addr, err)
	}
	p := &Printer{opts: opts, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{}}
	go p.accept(ln)
	return p, nil
}

// Addr is the printer's host:port.
func (p *Printer) Addr() string { return p.addr }

// URI is the printer URI that reaches it.
func (p *Printer) URI() string { return "tcp://" + p.addr }

// Fault is the current fault (None when ready).
func (p *Printer) Fault() Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fault
}

// SetFault switches the printer into f. Switching out of a holding fault
// prints the held labels; switching into Refuse closes the listener and
// every connection, and out of it listens again on the same address.
func (p *Printer) SetFault(f Fault) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("simulated printer is closed")
	}
	prev := p.fault
	if f == prev {
		return nil
	}
	if prev == Refuse {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("simulated printer: cannot listen on %s again: %w", p.addr, err)
		}
		p.ln = ln
		go p.accept(ln)
	}
	if f == Refuse {
		p.ln.Close()
		for c := range p.conns {
			c.Close()
		}
	}
	p.fault = f
	p.logf("fault: %s", faultName(f))
	if !f.holds() {
		for _, l := range p.held {
			p.printLocked(l)
		}
		p.held = nil
	}
	return nil
}

func faultName(f Fault) string {
	if f == None {
		return "none (ready)"
	}
	return string(f)
}

// SetFaultAfter switches the printer into f when the n-th label from now
// arrives, the way a roll runs out in the middle of a label: that label is
// held, and a status request after it reports f.
func (p *Printer) SetFaultAfter(n int, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runOut, p.runOutWith = n, f
}

// Labels returns the labels printed so far, each from its ^XA to its ^XZ.
func (p *Printer) Labels() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.printed...)
}

// Held is how many labels wait in the buffer for a fault to clear.
func (p *Printer) Held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.held)
}

// Bytes returns every byte received except the ~HS status requests: the
// label data as the host sent it.
func (p *Printer) Bytes() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.data.Bytes())
}

// StatusRequests counts the ~HS requests received (answered or not).
func (p *Printer) StatusRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.queries
}

// WaitLabels waits up to timeout for at least n printed labels and returns
// what printed.
func (p *Printer) WaitLabels(n int, timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	for {
		got := p.Labels()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Close stops listening and drops every connection.
func (p *Printer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	err := p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	if p.fault == Refuse {
		err = nil // already closed by the fault
	}
	return err
}

func (p *Printer) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.closed || p.fault == Refuse {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		go func() {
			p.Serve(c)
			c.Close()
			p.mu.Lock()
			delete(p.conns, c)
			p.mu.Unlock()
		}()
	}
}

// Serve speaks the printer's side of one connection (or any byte stream,
// such as a pty standing in for /dev/usb/lp0) until it ends.
func (p *Printer) Serve(rw io.ReadWriter) {
	s := &session{}
	buf := make([]byte, 32<<10)
	for {
		n := len(buf)
		slow := p.Fault() == Slow
		if slow {
			n = p.opts.SlowChunk
		}
		m, err := rw.Read(buf[:n])
		if m > 0 {
			for _, answer := range p.feed(s, buf[:m]) {
				if _, werr := rw.Write(answer); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
		if slow {
			time.Sleep(p.opts.SlowDelay)
		}
	}
}

// session is one connection's parse state.
type session struct {
	pending []byte // bytes that may still start a ~HS
	format  []byte // the format being received, up to its ^XZ
}

var (
	tildeHS = []byte("~HS")
	caretXZ = []byte("^XZ")
	caretXA = []byte("^XA")
)

// feed takes bytes from the wire and returns the answers to send. Tilde
// commands act the moment they arrive, even inside a format, as on a
// Zebra; caret formats act at their ^XZ.
func (p *Printer) feed(s *session, in []byte) [][]byte {
	var answers [][]byte
	s.pending = append(s.pending, in...)
	for {
		i := bytes.Index(s.pending, tildeHS)
		if i < 0 {
			break
		}
		// Formats completed before the ~HS act first, so its answer
		// counts them (in the buffer, or the fault they caused).
		answers = append(answers, p.take(s, s.pending[:i])...)
		s.pending = s.pending[i+len(tildeHS):]
		if a := p.answerStatus(s); a != nil {
			answers = append(answers, a)
		}
	}
	// Keep a tail that may be the start of a ~HS split across reads.
	keep := 0
	for k := min(len(tildeHS)-1, len(s.pending)); k > 0; k-- {
		if bytes.HasSuffix(s.pending, tildeHS[:k]) {
			keep = k
			break
		}
	}
	answers = append(answers, p.take(s, s.pending[:len(s.pending)-keep])...)
	s.pending = append(s.pending[:0], s.pending[len(s.pending)-keep:]...)
	return answers
}

// take adds label bytes to the format being received and acts on every
// format that is now complete.
func (p *Printer) take(s *session, b []byte) [][]byte {
	if len(b) == 0 {
		return nil
	}
	s.format = append(s.format, b...)
	p.mu.Lock()
	p.data.Write(b)
	p.mu.Unlock()
	var answers [][]byte
	for {
		j := bytes.Index(s.format, caretXZ)
		if j < 0 {
			return answers
		}
		f := string(s.format[:j+len(caretXZ)])
		s.format = s.format[j+len(caretXZ):]
		if a := p.format(f); a != nil {
			answers = append(answers, a)
		}
	}
}

func (p *Printer) answerStatus(s *session) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queries++
	if p.fault == Silent {
		p.logf("status request: not answered (silent)")
		return nil
	}
	f := Flags{
		PaperOut:        p.fault == PaperOut,
		Paused:          p.fault == Paused,
		HeadOpen:        p.fault == HeadOpen,
		RibbonOut:       p.fault == RibbonOut,
		OverTemp:        p.fault == OverTemp,
		UnderTemp:       p.fault == UnderTemp,
		FormatsInBuffer: len(p.held),
		LabelLengthDots: 1520,
		PartialFormat:   bytes.Contains(s.format, caretXA),
	}
	p.logf("status request: answered %s", faultName(p.fault))
	return HostStatus(f)
}

// format handles one complete format: a ^HW query is answered, anything
// else is a label.
func (p *Printer) format(f string) []byte {
	if i := strings.Index(f, "^XA"); i >= 0 {
		f = f[i:]
	}
	body := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(f, "^XA"), "^XZ"))
	if strings.HasPrefix(body, "^HW") && !strings.Contains(body[3:], "^") {
		pattern := strings.TrimSpace(body[3:])
		if pattern == "" {
			pattern = "R:*.*"
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.fault == Silent {
			return nil
		}
		p.logf("directory request %s", pattern)
		return DirectoryListing(pattern, p.opts.Files)
	}
	if !strings.HasPrefix(f, "^XA") {
		return nil // stray bytes, e.g. a lone ^XZ: nothing prints
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.runOut > 0 {
		if p.runOut--; p.runOut == 0 && p.runOutWith != Refuse {
			p.fault = p.runOutWith
			p.logf("fault: %s (while receiving a label)", faultName(p.fault))
		}
	}
	if p.fault.holds() {
		p.held = append(p.held, f)
		p.logf("label held in the buffer (%s): %d waiting", p.fault, len(p.held))
		return nil
	}
	p.printLocked(f)
	return nil
}

func (p *Printer) printLocked(label string) {
	p.printed = append(p.printed, label)
	n := len(p.printed)
	p.logf("label %d printed (%d bytes)", n, len(label))
	if p.opts.OutDir != "" {
		name := filepath.Join(p.opts.OutDir, fmt.Sprintf("label-%06d.zpl", n))
		if err := os.WriteFile(name, []byte(label), 0o644); err != nil {
			p.logf("cannot save label %d: %v", n, err)
		}
	}
}

func (p *Printer) logf(format string, args ...any) {
	if p.opts.Log != nil {
		fmt.Fprintf(p.opts.Log, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
	}
}
