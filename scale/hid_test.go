package scale

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseHIDReportPerScaleFamily(t *testing.T) {
	for _, tc := range []struct {
		family string
		report []byte
		grams  float64
	}{
		{"Dymo M10, grams", []byte{3, 4, 2, 0x00, 0x74, 0x04}, 1140},
		{"Dymo M25, ounces ×0.1", []byte{3, 4, 11, 0xff, 0x92, 0x01}, 1139.651}, // 40.2 oz
		{"Dymo S100, kg ×0.01", []byte{3, 4, 3, 0xfe, 0x72, 0x00}, 1140},
		{"Stamps.com, pounds ×0.01", []byte{3, 4, 12, 0xfe, 0xfb, 0x00}, 1138.517}, // 2.51 lb
		{"Mettler Toledo PS60, kg ×0.001", []byte{3, 4, 3, 0xfd, 0x74, 0x04}, 1140},
		{"Mettler Toledo PS60, pounds ×0.001", []byte{3, 4, 12, 0xfd, 0xd9, 0x09}, 1143.506}, // 2.521 lb
		{"Fairbanks, ounces ×0.01", []byte{3, 4, 11, 0xfe, 0xb4, 0x0f}, 1139.651},            // 40.20 oz
		{"Pitney Bowes, grams ×10 (positive exponent)", []byte{3, 4, 2, 0x01, 0x72, 0x00}, 1140},
		{"grams ×100", []byte{3, 4, 2, 0x02, 0x0c, 0x00}, 1200},
		{"milligrams", []byte{3, 4, 1, 0x00, 0x10, 0x27}, 10},
		{"metric tons ×0.0001", []byte{3, 4, 8, 0xfc, 0x0c, 0x00}, 1200},
		{"largest raw value, little-endian", []byte{3, 4, 2, 0x00, 0xff, 0xff}, 65535},
	} {
		r, err := parseHIDReport(tc.report)
		if err != nil || r.Grams != tc.grams || !r.Stable || r.Status != StatusOK {
			t.Errorf("%s: % x → %+v, %v; want %v g stable", tc.family, tc.report, r, err, tc.grams)
		}
	}
}

func TestParseHIDReportEveryStatus(t *testing.T) {
	for _, tc := range []struct {
		status byte
		state  State
		grams  float64
	}{
		{1, StateFault, 0},
		{2, StateZero, 0},
		{3, StateMoving, 1140},
		{4, StateStable, 1140},
		{5, StateNegative, -1140},
		{6, StateOverload, 0},
		{7, StateFault, 0},
		{8, StateFault, 0},
	} {
		in := []byte{3, tc.status, 2, 0, 0x74, 0x04}
		if tc.status == 2 {
			in[4], in[5] = 0, 0
		}
		r, err := parseHIDReport(in)
		if err != nil || r.State() != tc.state || r.Grams != tc.grams {
			t.Errorf("status %d: %+v (%s), %v; want %s at %v g", tc.status, r, r.State(), err, tc.state, tc.grams)
		}
		if tc.state != StateStable && r.Weight() {
			t.Errorf("status %d (%s) counts as a weight", tc.status, tc.state)
		}
	}
	for _, bad := range [][]byte{{3, 0, 2, 0, 1, 0}, {3, 9, 2, 0, 1, 0}, {3, 4, 4, 0, 1, 0}, {3, 4, 2}, {3, 4, 2, 0x7f, 1, 0}} {
		if r, err := parseHIDReport(bad); err == nil {
			t.Errorf("% x → %+v, want an error", bad, r)
		}
	}
	if _, err := parseHIDReport([]byte{4, 4, 2, 0, 1, 0}); !errors.Is(err, errNotScaleReport) {
		t.Errorf("report id 4: %v, want errNotScaleReport", err)
	}
}

func FuzzParseHIDReport(f *testing.F) {
	for _, s := range [][]byte{{3, 4, 2, 0, 0x74, 0x04}, {3, 5, 11, 0xff, 1, 0}, {3, 6, 12, 0x80, 0xff, 0xff}, {3, 4, 3, 0x7f, 0, 0}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseHIDReport(b)
		if err != nil {
			return
		}
		if r.Grams > maxMilligrams/1000 || r.Grams < -maxMilligrams/1000 || (r.Status != StatusOK && r.Weight()) {
			t.Fatalf("% x → %+v", b, r)
		}
	})
}

// fakeHID is a hidDevice fed from a channel, like an interrupt endpoint.
type fakeHID struct {
	reports chan []byte
	gone    chan struct{}
	mu      sync.Mutex
	written [][]byte
}

func (d *fakeHID) readReport(timeout time.Duration) ([]byte, error) {
	select {
	case b := <-d.reports:
		return b, nil
	case <-d.gone:
		return nil, errors.New("no such device")
	case <-time.After(timeout):
		return nil, nil
	}
}

func (d *fakeHID) writeReport(b []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.written = append(d.written, append([]byte(nil), b...))
	return nil
}

func (d *fakeHID) Close() error { return nil }

func TestHIDScaleDiscardsStaleReportZeroesAndReconnects(t *testing.T) {
	var mu sync.Mutex
	dev := &fakeHID{reports: make(chan []byte, 8), gone: make(chan struct{})}
	opens := 0
	h := newHID("test USB scale", func() (hidDevice, error) {
		mu.Lock()
		defer mu.Unlock()
		opens++
		if dev == nil {
			return nil, errors.New("test USB scale is not connected")
		}
		return dev, nil
	}, HIDOptions{Quiet: 30 * time.Millisecond, Retry: 20 * time.Millisecond})
	defer h.Close()
	ctx := context.Background()

	type result struct {
		r   Reading
		err error
	}
	first := make(chan result, 1)
	go func() { r, err := h.Read(ctx); first <- result{r, err} }()
	time.Sleep(20 * time.Millisecond)             // the Read waits before any report
	dev.reports <- []byte{3, 4, 2, 0, 0xe8, 0x03} // stored 1000 g from before
	time.Sleep(20 * time.Millisecond)
	dev.reports <- []byte{3, 3, 2, 0, 0x74, 0x04} // 1140 g moving
	res := <-first
	r, err := res.r, res.err
	if err != nil || r.Grams != 1140 || r.Stable {
		t.Fatalf("first reading %+v, %v: want the moving 1140 g, not the stale 1000 g", r, err)
	}
	dev.reports <- []byte{3, 4, 2, 0, 0x74, 0x04}
	if r, err = h.Read(ctx); err != nil || r.Grams != 1140 || !r.Stable {
		t.Fatalf("%+v %v", r, err)
	}
	// A scale that reports only changes is quiet while nothing changes:
	// the last reading repeats, so the stable filter sees a window.
	got, err := WaitStable(ctx, h, StableOptions{Window: 100 * time.Millisecond, Timeout: time.Second})
	if err != nil || got.Grams != 1140 {
		t.Fatalf("WaitStable on a quiet scale: %+v, %v", got, err)
	}
	if err := h.Zero(ctx); err != nil {
		t.Fatal(err)
	}
	dev.mu.Lock()
	if len(dev.written) != 1 || string(dev.written[0]) != "\x02\x01" {
		t.Errorf("zero wrote % x, want the scale control report 02 01", dev.written)
	}
	dev.mu.Unlock()

	mu.Lock()
	close(dev.gone) // unplugged
	dev = nil
	mu.Unlock()
	var lost error
	for deadline := time.Now().Add(2 * time.Second); lost == nil && time.Now().Before(deadline); {
		_, lost = h.Read(ctx)
	}
	if lost == nil || !strings.Contains(lost.Error(), "test USB scale") {
		t.Fatalf("unplug not reported: %v", lost)
	}
	mu.Lock()
	dev = &fakeHID{reports: make(chan []byte, 8), gone: make(chan struct{})}
	dev.reports <- []byte{3, 4, 2, 0, 0xe8, 0x03}
	dev.reports <- []byte{3, 4, 2, 0, 0xf4, 0x01}
	mu.Unlock()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		if r, err := h.Read(ctx); err == nil {
			if r.Grams != 500 {
				t.Fatalf("after replug: %+v (the stale report of the new session must be discarded too)", r)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no reading after replug")
}
