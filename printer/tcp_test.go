package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePrinter is a loopback raw-9100 listener that splits what it receives
// into ^XA…^XZ jobs, the way a ZPL printer does.
type fakePrinter struct {
	t  *testing.T
	ln net.Listener
	// afterJob, if set, runs on the connection after each complete job
	// (e.g. to close it the way a printer with an idle timeout does).
	afterJob func(c *net.TCPConn)

	jobs   chan string
	closed chan struct{} // one value per connection the printer ended

	mu    sync.Mutex
	conns int
}

func newFakePrinter(t *testing.T, afterJob func(c *net.TCPConn)) *fakePrinter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakePrinter{t: t, ln: ln, afterJob: afterJob, jobs: make(chan string, 100), closed: make(chan struct{}, 100)}
	t.Cleanup(func() { ln.Close() })
	go f.serve()
	return f
}

func (f *fakePrinter) addr() string { return f.ln.Addr().String() }

func (f *fakePrinter) connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns
}

func (f *fakePrinter) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns++
		f.mu.Unlock()
		go f.handle(c.(*net.TCPConn))
	}
}

func (f *fakePrinter) handle(c *net.TCPConn) {
	defer c.Close()
	var buf []byte
	chunk := make([]byte, 32<<10)
	for {
		n, err := c.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for {
			i := bytes.Index(buf, []byte("^XZ"))
			if i < 0 {
				break
			}
			f.jobs <- string(buf[:i+3])
			buf = buf[i+3:]
			if f.afterJob != nil {
				f.afterJob(c)
				f.closed <- struct{}{}
				return
			}
		}
		if err != nil {
			if len(buf) > 0 {
				f.jobs <- "INCOMPLETE:" + string(buf)
			}
			return
		}
	}
}

func (f *fakePrinter) nextJob(t *testing.T) string {
	t.Helper()
	select {
	case j := <-f.jobs:
		return j
	case <-time.After(5 * time.Second):
		t.Fatal("the printer received no job within 5s")
		return ""
	}
}

func (f *fakePrinter) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-f.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the printer did not close the connection within 5s")
	}
}

// zplJob is a label with a unique body, long enough to span many write
// chunks so interleaving would show.
func zplJob(id string, size int) Job {
	var b strings.Builder
	b.WriteString("^XA^FO50,50^A0N,40,40^FD" + id + "^FS")
	for b.Len() < size {
		fmt.Fprintf(&b, "^FO10,10^FD%s-%08d^FS", id, b.Len())
	}
	b.WriteString("^XZ")
	return Job{Name: id, Format: "zpl", Data: []byte(b.String())}
}

// bigJob is a label far larger than the loopback socket buffers can hold,
// so a printer that does not read stalls the write.
func bigJob(id string) Job {
	body := bytes.Repeat([]byte("^FO10,10^GB100,100,3^FS"), (16<<20)/24)
	return Job{Name: id, Format: "zpl", Data: append(append([]byte("^XA"), body...), "^XZ"...)}
}

func TestTCPJobArrivesWhole(t *testing.T) {
	fp := newFakePrinter(t, nil)
	p := NewTCP(fp.addr(), TCPOptions{})
	defer p.Close()

	job := zplJob("00370712345678901234", 300<<10) // several write chunks
	if err := p.Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if got := fp.nextJob(t); got != string(job.Data) {
		t.Fatalf("printer received %d bytes that differ from the %d-byte job", len(got), len(job.Data))
	}
}

func TestTCPTwoJobsShareOneConnection(t *testing.T) {
	fp := newFakePrinter(t, nil)
	p := NewTCP(fp.addr(), TCPOptions{})
	defer p.Close()

	for _, id := range []string{"first", "second"} {
		job := zplJob(id, 1000)
		if err := p.Print(context.Background(), job); err != nil {
			t.Fatalf("job %s: %v", id, err)
		}
		if got := fp.nextJob(t); got != string(job.Data) {
			t.Fatalf("job %s arrived as %.40q…", id, got)
		}
	}
	if n := fp.connections(); n != 1 {
		t.Fatalf("two jobs used %d connections, want the one kept open", n)
	}
}

func TestTCPRedialsWhenPrinterClosedConnection(t *testing.T) {
	for name, closeConn := range map[string]func(c *net.TCPConn){
		"orderly close (FIN)": func(c *net.TCPConn) { c.Close() },
		"reset (RST)":         func(c *net.TCPConn) { c.SetLinger(0); c.Close() },
	} {
		t.Run(name, func(t *testing.T) {
			fp := newFakePrinter(t, closeConn)
			p := NewTCP(fp.addr(), TCPOptions{})
			defer p.Close()

			first := zplJob("first", 1000)
			if err := p.Print(context.Background(), first); err != nil {
				t.Fatal(err)
			}
			fp.nextJob(t)
			fp.waitClosed(t)
			// A real printer drops an idle connection long before the next
			// label; give the close a moment to reach our end.
			time.Sleep(20 * time.Millisecond)

			second := zplJob("second", 1000)
			if err := p.Print(context.Background(), second); err != nil {
				t.Fatalf("second job after the printer closed the connection: %v", err)
			}
			if got := fp.nextJob(t); got != string(second.Data) {
				t.Fatalf("second job arrived as %.60q", got)
			}
			if n := fp.connections(); n != 2 {
				t.Fatalf("connections = %d, want 2 (one re-dial)", n)
			}
		})
	}
}

// TestTCPRetriesOnceWhenDeadConnectionSlipsPastCheck covers the instant
// between the liveness check and the write: the write fails before a byte
// went out, and the job is sent again on a fresh connection.
func TestTCPRetriesOnceWhenDeadConnectionSlipsPastCheck(t *testing.T) {
	connAlive = func(net.Conn) bool { return true }
	t.Cleanup(func() { connAlive = alive })

	fp := newFakePrinter(t, func(c *net.TCPConn) { c.SetLinger(0); c.Close() })
	p := NewTCP(fp.addr(), TCPOptions{})
	defer p.Close()

	if err := p.Print(context.Background(), zplJob("first", 1000)); err != nil {
		t.Fatal(err)
	}
	fp.nextJob(t)
	fp.waitClosed(t)
	time.Sleep(20 * time.Millisecond) // let the RST arrive

	second := zplJob("second", 1000)
	if err := p.Print(context.Background(), second); err != nil {
		t.Fatalf("second job: %v", err)
	}
	if got := fp.nextJob(t); got != string(second.Data) {
		t.Fatalf("second job arrived as %.60q", got)
	}
	if n := fp.connections(); n != 2 {
		t.Fatalf("connections = %d, want 2", n)
	}
}

// silentPrinter accepts connections and never reads, like a printer whose
// buffer is full because the head is open.
func silentPrinter(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*net.TCPConn).SetReadBuffer(4096)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestTCPWriteTimeoutOnStalledPrinter(t *testing.T) {
	addr := silentPrinter(t)
	p := NewTCP(addr, TCPOptions{WriteTimeout: 150 * time.Millisecond})
	defer p.Close()

	job := bigJob("big")
	start := time.Now()
	err := p.Print(context.Background(), job)
	if err == nil {
		t.Fatal("a 16 MiB job to a printer that never reads succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the stalled job took %s to fail", d)
	}
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %T %v is not a *printer.Error", err, err)
	}
	if pe.Sent <= 0 || pe.Sent >= len(job.Data) {
		t.Fatalf("Sent = %d, want part of %d", pe.Sent, len(job.Data))
	}
	for _, want := range []string{addr, "stopped taking data for 150ms", "part of the label may have printed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestTCPContextCancelStopsStalledJob(t *testing.T) {
	addr := silentPrinter(t)
	p := NewTCP(addr, TCPOptions{WriteTimeout: time.Minute})
	defer p.Close()

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := p.Print(ctx, bigJob("big"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancel took %s to stop the job", d)
	}
	if !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("error %q does not say it was cancelled", err)
	}
}

func TestTCPContextCancelWhileWaitingForTurn(t *testing.T) {
	addr := silentPrinter(t)
	p := NewTCP(addr, TCPOptions{WriteTimeout: 2 * time.Second})
	defer p.Close()

	go p.Print(context.Background(), bigJob("hog")) // holds the wire until its write times out
	time.Sleep(50 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := p.Print(ctx, zplJob("waiting", 100))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("a waiting job ignored its deadline for %s", d)
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.Sent != 0 || !strings.Contains(err.Error(), "nothing was printed") {
		t.Fatalf("err = %v, want a *printer.Error saying nothing was printed", err)
	}
}

func TestTCPClosedPortNamesAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	p := NewTCP(addr, TCPOptions{ConnectTimeout: time.Second})
	defer p.Close()
	err = p.Print(context.Background(), zplJob("x", 100))
	if err == nil {
		t.Fatal("printing to a closed port succeeded")
	}
	if !strings.Contains(err.Error(), "printer "+addr+" refused the connection") {
		t.Fatalf("error %q does not name the printer address and the refusal", err)
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.Sent != 0 || pe.Printer != addr {
		t.Fatalf("error %#v: want a *printer.Error for %s with nothing sent", err, addr)
	}
}

func TestTCPConcurrentJobsDoNotInterleave(t *testing.T) {
	fp := newFakePrinter(t, nil)
	p := NewTCP(fp.addr(), TCPOptions{})
	defer p.Close()

	// Small writes give the scheduler many chances to interleave jobs if
	// Print did not serialise them.
	p.chunk = 512

	// Open the kept connection first, so all twenty jobs share one wire.
	if err := p.Print(context.Background(), zplJob("warm-up", 100)); err != nil {
		t.Fatal(err)
	}
	fp.nextJob(t)

	const n = 20
	want := map[string]bool{}
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = zplJob(fmt.Sprintf("job%02d", i), 20<<10) // 40 writes each
		want[string(jobs[i].Data)] = true
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, j := range jobs {
		wg.Go(func() { errs <- p.Print(context.Background(), j) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for range n {
		got := fp.nextJob(t)
		if !want[got] {
			t.Fatalf("printer received a job that is not one that was sent (interleaved?): %.80q", got)
		}
		delete(want, got)
	}
	if len(want) != 0 {
		t.Fatalf("%d jobs never arrived", len(want))
	}
	if c := fp.connections(); c != 1 {
		t.Fatalf("the jobs used %d connections, want the one kept open", c)
	}
}

func TestTCPRefusesEmptyAndClosed(t *testing.T) {
	fp := newFakePrinter(t, nil)
	p := NewTCP(fp.addr(), TCPOptions{})
	if err := p.Print(context.Background(), Job{Name: "empty", Format: "zpl"}); err == nil || !strings.Contains(err.Error(), "no data") {
		t.Fatalf("empty job: err = %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Print(context.Background(), zplJob("late", 100)); !errors.Is(err, ErrClosed) {
		t.Fatalf("print after Close: err = %v, want ErrClosed", err)
	}
	if n := fp.connections(); n != 0 {
		t.Fatalf("refused jobs dialled %d times", n)
	}
}
