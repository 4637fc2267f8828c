package printer

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"labelstation/printer/zplsim"
)

func newSim(t *testing.T) *zplsim.Printer {
	t.Helper()
	sim, err := zplsim.Listen("127.0.0.1:0", zplsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}

// checkedTCP is the printer Open gives for tcp://: status checks on, with
// a short status timeout so the silent case is quick.
func checkedTCP(t *testing.T, sim *zplsim.Printer) *TCP {
	t.Helper()
	p, err := Open(sim.URI() + "?status_timeout=300ms&connect_timeout=500ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.(*TCP)
}

// TestTCPFaultRefusesJobThenPrintsExactlyOnce is the bench's promise for
// every fault the simulated Zebra can show: the job is not sent while the
// printer reports it (nothing lands in its buffer to print later), the
// error says in words what to do, and after the fault clears the same job
// prints exactly once.
func TestTCPFaultRefusesJobThenPrintsExactlyOnce(t *testing.T) {
	for _, tc := range []struct {
		fault zplsim.Fault
		state State
		says  string
	}{
		{zplsim.PaperOut, StatePaperOut, "Printer is out of labels — load a roll and press Resume"},
		{zplsim.HeadOpen, StateHeadOpen, "Printer head is open"},
		{zplsim.Paused, StatePaused, "Printer is paused"},
		{zplsim.RibbonOut, StateRibbonOut, "out of ribbon"},
		{zplsim.OverTemp, StateOverTemp, "too hot"},
		{zplsim.Silent, StateNoAnswer, "Printer did not answer its status request within 300ms: check it is on, the head is closed and it has labels"},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			sim := newSim(t)
			p := checkedTCP(t, sim)
			ctx := context.Background()
			job := zplJob("00370712345678901234", 2000)

			if err := p.Print(ctx, zplJob("before", 100)); err != nil {
				t.Fatalf("ready printer: %v", err)
			}
			sim.SetFault(tc.fault)

			err := p.Print(ctx, job)
			if !errors.Is(err, ErrNotReady) {
				t.Fatalf("Print during %s = %v, want ErrNotReady", tc.fault, err)
			}
			var nr *NotReadyError
			var pe *Error
			if !errors.As(err, &nr) || !errors.As(err, &pe) {
				t.Fatalf("error %T does not carry *NotReadyError and *Error", err)
			}
			if nr.AfterJob || pe.Sent != 0 {
				t.Errorf("refused job: AfterJob=%v Sent=%d, want false/0", nr.AfterJob, pe.Sent)
			}
			if got := nr.Status.States(); len(got) == 0 || got[0] != tc.state {
				t.Errorf("states = %v, want %s first", got, tc.state)
			}
			for _, want := range []string{tc.says, "was not sent", p.Addr()} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			st, err := p.Status(ctx)
			if err != nil || st.Ready() {
				t.Errorf("Status during %s = %+v, %v; want a fault", tc.fault, st, err)
			}
			if n := sim.Held(); n != 0 {
				t.Fatalf("%d labels were sent into the faulted printer's buffer", n)
			}

			sim.SetFault(zplsim.None)
			if err := p.Print(ctx, job); err != nil {
				t.Fatalf("after the fault cleared: %v", err)
			}
			labels := sim.WaitLabels(2, time.Second)
			if len(labels) != 2 || labels[1] != string(job.Data) {
				t.Fatalf("printed %d labels, want the warm-up and exactly one copy of the job", len(labels))
			}
			time.Sleep(20 * time.Millisecond)
			if n := len(sim.Labels()); n != 2 {
				t.Fatalf("printed %d labels, want 2", n)
			}
		})
	}
}

func TestTCPSilentPrinterFailsWithinStatusTimeout(t *testing.T) {
	sim := newSim(t)
	sim.SetFault(zplsim.Silent)
	p := checkedTCP(t, sim)
	start := time.Now()
	st, err := p.Status(context.Background())
	if err != nil {
		t.Fatalf("Status: %v (silence is a status, not an error)", err)
	}
	if !st.NoAnswer || st.Ready() {
		t.Fatalf("status = %+v, want NoAnswer and not ready", st)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 2*time.Second {
		t.Fatalf("the 300ms status timeout took %s", d)
	}
}

// TestTCPFaultDuringJobIsReportedAfterIt: the printer took the label and
// then reported paper out. The label is in its buffer and prints after
// Resume, so the error must say "do not print it again" and carry Sent ==
// len(job) for the queue.
func TestTCPFaultDuringJobIsReportedAfterIt(t *testing.T) {
	sim := newSim(t)
	p := checkedTCP(t, sim)
	job := zplJob("during", 1000)
	sim.SetFaultAfter(1, zplsim.PaperOut) // the roll runs out on this label
	err := p.Print(context.Background(), job)
	var nr *NotReadyError
	var pe *Error
	if !errors.As(err, &nr) || !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a NotReadyError after the job", err)
	}
	if !nr.AfterJob || pe.Sent != len(job.Data) || sim.Held() != 1 {
		t.Fatalf("AfterJob=%v Sent=%d held=%d, want true/%d/1", nr.AfterJob, pe.Sent, sim.Held(), len(job.Data))
	}
	if !strings.Contains(err.Error(), "do not print it again") || !strings.Contains(err.Error(), "out of labels") {
		t.Fatalf("error %q", err)
	}
	sim.SetFault(zplsim.None)
	if l := sim.WaitLabels(1, time.Second); len(l) != 1 {
		t.Fatalf("the held label did not print after Resume: %d", len(l))
	}
}

func TestTCPRefusedConnectionThenRecovers(t *testing.T) {
	sim := newSim(t)
	p := checkedTCP(t, sim)
	ctx := context.Background()
	if err := p.Print(ctx, zplJob("first", 100)); err != nil {
		t.Fatal(err)
	}
	sim.SetFault(zplsim.Refuse)
	time.Sleep(20 * time.Millisecond) // let the close reach our end
	job := zplJob("second", 100)
	err := p.Print(ctx, job)
	if err == nil || !strings.Contains(err.Error(), "refused the connection") {
		t.Fatalf("Print while refusing = %v", err)
	}
	if _, err := p.Status(ctx); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Status while refusing = %v, want the refusal as an error", err)
	}
	if err := sim.SetFault(zplsim.None); err != nil {
		t.Fatal(err)
	}
	if err := p.Print(ctx, job); err != nil {
		t.Fatalf("after the printer listens again: %v", err)
	}
	if l := sim.WaitLabels(2, time.Second); len(l) != 2 || l[1] != string(job.Data) {
		t.Fatalf("labels = %d, want first and one copy of second", len(l))
	}
}

func TestTCPSlowPrinterStillPrintsWhole(t *testing.T) {
	sim := newSim(t)
	sim.SetFault(zplsim.Slow)
	p := checkedTCP(t, sim)
	job := zplJob("slow", 20<<10) // ~0.2s at the sim's 100 KiB/s
	start := time.Now()
	if err := p.Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("a slow printer took only %s: was it throttled?", d)
	}
	if l := sim.WaitLabels(1, time.Second); len(l) != 1 || l[0] != string(job.Data) {
		t.Fatalf("slow printer printed %d labels", len(l))
	}
}

// TestTCPStatusBeforeAndAfterEachJob: two ~HS per job, none in the label
// bytes, and the job on one kept connection.
func TestTCPStatusBeforeAndAfterEachJob(t *testing.T) {
	sim := newSim(t)
	p := checkedTCP(t, sim)
	job := zplJob("x", 500)
	for range 3 {
		if err := p.Print(context.Background(), job); err != nil {
			t.Fatal(err)
		}
	}
	if n := sim.StatusRequests(); n != 6 {
		t.Errorf("status requests = %d, want 6 (before and after each of 3 jobs)", n)
	}
	if got, want := string(sim.Bytes()), strings.Repeat(string(job.Data), 3); got != want {
		t.Errorf("the printer received other bytes than the three labels")
	}
}

func TestTCPStatusOffSendsNoQueries(t *testing.T) {
	sim := newSim(t)
	sim.SetFault(zplsim.Silent)
	p, err := Open(sim.URI() + "?status=off")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Print(context.Background(), zplJob("x", 100)); err != nil {
		t.Fatalf("status=off printer: %v", err)
	}
	if n := sim.StatusRequests(); n != 0 {
		t.Fatalf("status=off sent %d status requests", n)
	}
}

// TestTCPGarbledStatusAnswer: something on port 9100 that is not a ZPL
// printer answers ~HS with junk; the job is not sent and the error says
// how to go on.
func TestTCPGarbledStatusAnswer(t *testing.T) {
	ln := echoJunk(t)
	p := NewTCP(ln, TCPOptions{CheckStatus: true, StatusTimeout: 300 * time.Millisecond})
	defer p.Close()
	err := p.Print(context.Background(), zplJob("x", 100))
	if err == nil || !strings.Contains(err.Error(), "not a ZPL status") || !strings.Contains(err.Error(), "status=off") {
		t.Fatalf("err = %v", err)
	}
}

// echoJunk answers every read with three framed strings that are not a
// ~HS answer.
func echoJunk(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 1024)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
					c.Write([]byte("\x02HELLO\x03\r\n\x02WORLD\x03\r\n\x02!\x03\r\n"))
				}
			}()
		}
	}()
	return ln.Addr().String()
}
