// Package printertest provides a loopback ZPL printer for tests: a TCP
// listener on 127.0.0.1 that keeps every byte it receives, as a raw
// port-9100 printer would, and splits what came into labels.
package printertest

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Sink is a printer on loopback.
type Sink struct {
	ln   net.Listener
	mu   sync.Mutex
	data bytes.Buffer
}

// NewSink starts a sink that stops when the test ends.
func NewSink(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Sink{ln: ln}
	go s.serve()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *Sink) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 64<<10)
			for {
				n, err := c.Read(buf)
				s.mu.Lock()
				s.data.Write(buf[:n])
				s.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// URI is the printer URI that reaches the sink.
func (s *Sink) URI() string { return "tcp://" + s.Addr() }

// Bytes returns a copy of everything received so far.
func (s *Sink) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.data.Bytes())
}

// Labels returns the complete labels received so far: each from its first
// ^XA up to its ^XZ (a carrier label may repeat ^XA in its header).
func (s *Sink) Labels() []string {
	text := string(s.Bytes())
	var out []string
	for {
		j := strings.Index(text, "^XZ")
		if j < 0 {
			return out
		}
		label := text[:j+3]
		if i := strings.Index(label, "^XA"); i >= 0 {
			label = label[i:]
		}
		out = append(out, label)
		text = text[j+3:]
	}
}

// WaitLabels waits up to timeout for at least n complete labels and returns
// what came; it does not fail the test, so callers can assert "exactly n".
func (s *Sink) WaitLabels(n int, timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	for {
		got := s.Labels()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}
