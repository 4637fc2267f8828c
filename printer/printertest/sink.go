// Package printertest provides a loopback ZPL printer for tests: a
// simulated Zebra (see printer/zplsim) on 127.0.0.1 that keeps every label
// byte it receives, as a raw port-9100 printer would, answers status
// requests as a ready printer, and splits what came into labels.
package printertest

import (
	"testing"
	"time"

	"labelstation/printer/zplsim"
)

// Sink is a printer on loopback. Its Sim can be switched into faults.
type Sink struct {
	Sim *zplsim.Printer
}

// NewSink starts a sink that stops when the test ends.
func NewSink(t testing.TB) *Sink {
	t.Helper()
	sim, err := zplsim.Listen("127.0.0.1:0", zplsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return &Sink{Sim: sim}
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string { return s.Sim.Addr() }

// URI is the printer URI that reaches the sink.
func (s *Sink) URI() string { return s.Sim.URI() }

// Bytes returns a copy of everything received so far, less the ~HS status
// requests.
func (s *Sink) Bytes() []byte { return s.Sim.Bytes() }

// Labels returns the complete labels received so far: each from its first
// ^XA up to its ^XZ (a carrier label may repeat ^XA in its header).
func (s *Sink) Labels() []string { return s.Sim.Labels() }

// WaitLabels waits up to timeout for at least n complete labels and returns
// what came; it does not fail the test, so callers can assert "exactly n".
func (s *Sink) WaitLabels(n int, timeout time.Duration) []string {
	return s.Sim.WaitLabels(n, timeout)
}
