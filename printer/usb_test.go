package printer

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/printer/zplsim"
)

func TestPickPrinterInterface(t *testing.T) {
	bulkOut := usbEndpoint{Number: 1, Bulk: true}
	bulkIn := usbEndpoint{Number: 2, In: true, Bulk: true}
	intrIn := usbEndpoint{Number: 3, In: true}
	for _, tc := range []struct {
		name  string
		intfs []usbIntf
		want  usbChoice
		err   string
	}{
		{"Zebra ZD421: one bidirectional printer interface",
			[]usbIntf{{Config: 1, Number: 0, Class: 7, SubClass: 1, Protocol: 2, Endpoints: []usbEndpoint{bulkIn, bulkOut}}},
			usbChoice{Config: 1, Number: 0, Out: 1, In: 2}, ""},
		{"bidirectional alt setting wins over unidirectional",
			[]usbIntf{
				{Config: 1, Number: 0, Alt: 0, Class: 7, Protocol: 1, Endpoints: []usbEndpoint{bulkOut}},
				{Config: 1, Number: 0, Alt: 1, Class: 7, Protocol: 2, Endpoints: []usbEndpoint{bulkOut, bulkIn}},
			},
			usbChoice{Config: 1, Number: 0, Alt: 1, Out: 1, In: 2}, ""},
		{"composite device: printer is interface 1, not the HID one",
			[]usbIntf{
				{Config: 1, Number: 0, Class: 3, Endpoints: []usbEndpoint{intrIn}},
				{Config: 1, Number: 1, Class: 7, Protocol: 2, Endpoints: []usbEndpoint{{Number: 4, Bulk: true}, {Number: 5, In: true, Bulk: true}}},
			},
			usbChoice{Config: 1, Number: 1, Out: 4, In: 5}, ""},
		{"unidirectional only: prints, no status",
			[]usbIntf{{Config: 1, Number: 0, Class: 7, Protocol: 1, Endpoints: []usbEndpoint{bulkOut, intrIn}}},
			usbChoice{Config: 1, Number: 0, Out: 1, In: -1}, ""},
		{"a scale is not a printer",
			[]usbIntf{{Config: 1, Number: 0, Class: 3, Endpoints: []usbEndpoint{intrIn}}},
			usbChoice{}, "no printer interface"},
		{"printer class without bulk OUT",
			[]usbIntf{{Config: 1, Number: 0, Class: 7, Protocol: 2, Endpoints: []usbEndpoint{bulkIn}}},
			usbChoice{}, "no printer interface"},
	} {
		got, err := pickPrinterInterface(tc.intfs)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}

// pipeLink is a fake pair of bulk endpoints: writes go to a simulated
// printer over an in-memory pipe, reads come back from it with deadlines,
// as bulk OUT and IN do. Unplug breaks the pipe as pulling the cable does.
type pipeLink struct {
	c net.Conn
}

func (l *pipeLink) CanRead() bool { return true }
func (l *pipeLink) Write(ctx context.Context, b []byte) (int, error) {
	l.c.SetWriteDeadline(time.Now().Add(time.Second))
	return l.c.Write(b)
}
func (l *pipeLink) Read(ctx context.Context, b []byte, deadline time.Time) (int, error) {
	l.c.SetReadDeadline(deadline)
	return l.c.Read(b)
}
func (l *pipeLink) Close() error { return l.c.Close() }

type fakeUSBBus struct {
	sim     *zplsim.Printer
	mu      sync.Mutex
	opens   int
	plugged bool
	host    net.Conn
}

func (b *fakeUSBBus) open() (link, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.plugged {
		return nil, &Error{Msg: "USB printer usb://0a5f:0166: it is not connected"}
	}
	b.opens++
	host, dev := net.Pipe()
	go b.sim.Serve(dev)
	b.host = host
	return &pipeLink{c: host}, nil
}

func (b *fakeUSBBus) unplug() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.plugged = false
	b.host.Close()
}

func (b *fakeUSBBus) plug() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.plugged = true
}

func TestUSBStatusOverBulkPipeAndReplug(t *testing.T) {
	sim := newSim(t)
	bus := &fakeUSBBus{sim: sim, plugged: true}
	p := &USB{newStreamPrinter("usb://0a5f:0166", bus.open, true, 300*time.Millisecond), USBAddress{VID: 0x0a5f, PID: 0x0166}}
	defer p.Close()
	ctx := context.Background()

	job := zplJob("usb", 5000)
	if err := p.Print(ctx, job); err != nil {
		t.Fatal(err)
	}
	sim.SetFault(zplsim.HeadOpen)
	st, err := p.Status(ctx)
	if err != nil || !st.HeadOpen || st.Ready() {
		t.Fatalf("head open: %+v %v", st, err)
	}
	if err := p.Print(ctx, job); !errors.Is(err, ErrNotReady) {
		t.Fatalf("print with the head open: %v", err)
	}
	sim.SetFault(zplsim.None)

	bus.unplug()
	err = p.Print(ctx, job)
	if err == nil || errors.Is(err, ErrNotReady) {
		t.Fatalf("print while unplugged: %v", err)
	}
	if err := p.Print(ctx, job); err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Fatalf("second print while unplugged: %v", err)
	}
	bus.plug()
	if err := p.Print(ctx, job); err != nil {
		t.Fatalf("after plugging in again: %v", err)
	}
	if bus.opens != 2 {
		t.Fatalf("device opened %d times, want 2 (once, and once after the replug)", bus.opens)
	}
	if l := sim.WaitLabels(2, time.Second); len(l) != 2 || sim.Held() != 0 {
		t.Fatalf("printed %d labels, held %d; want 2 and 0", len(l), sim.Held())
	}
}

func TestUSBSilentPrinterIsAFault(t *testing.T) {
	sim := newSim(t)
	bus := &fakeUSBBus{sim: sim, plugged: true}
	p := newStreamPrinter("usb://0a5f:0166", bus.open, true, 200*time.Millisecond)
	sim.SetFault(zplsim.Silent)
	err := p.Print(context.Background(), zplJob("x", 100))
	var nr *NotReadyError
	if !errors.As(err, &nr) || !nr.Status.NoAnswer || !strings.Contains(err.Error(), "did not answer its status request within 200ms") {
		t.Fatalf("err = %v", err)
	}
	// A late answer must not be taken for the next one: clear the fault,
	// and the answer read is the ready one.
	sim.SetFault(zplsim.None)
	if st, err := p.Status(context.Background()); err != nil || !st.Ready() {
		t.Fatalf("after silence: %+v %v", st, err)
	}
}
