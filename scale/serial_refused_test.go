package scale_test

import (
	"bufio"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.bug.st/serial"

	"labelstation/scale"
	"labelstation/scale/scaletest"
)

// refusingScale answers MT-SICS polls on the device end of pty: "ES"
// (unknown command) when refuse says so, else a stable 1.140 kg.
func refusingScale(t *testing.T, pty *scaletest.Pty, refuse func(n int64) bool) {
	t.Helper()
	p, err := serial.Open(pty.Device, &serial.Mode{BaudRate: 9600, DataBits: 8, StopBits: serial.OneStopBit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	var n atomic.Int64
	go func() {
		lines := bufio.NewScanner(p)
		for lines.Scan() {
			if strings.TrimSpace(lines.Text()) == "" {
				continue
			}
			reply := "S S      1.140 kg\r\n"
			if refuse(n.Add(1)) {
				reply = "ES\r\n"
			}
			if _, err := p.Write([]byte(reply)); err != nil {
				return
			}
		}
	}()
}

func openSICS(t *testing.T, pty *scaletest.Pty) scale.Scale {
	t.Helper()
	sc, err := scale.Open("serial://" + pty.Host + "?protocol=sics&timeout=300ms&retry=50ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	return sc
}

// A scale set to another protocol refuses every poll: the station says so.
func TestSerialScaleThatRefusesEveryPollIsReported(t *testing.T) {
	pty := scaletest.NewPty(t)
	refusingScale(t, pty, func(int64) bool { return true })
	sc := openSICS(t, pty)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := sc.Read(ctx)
	if err == nil || !strings.Contains(err.Error(), "does not understand") || !strings.Contains(err.Error(), "MT-SICS") {
		t.Fatalf("read from a scale that refuses every poll: %v", err)
	}
}

// One refused poll among good ones is a request garbled on the line: the
// station asks again and never reports it.
func TestSerialSingleRefusedPollIsAskedAgain(t *testing.T) {
	pty := scaletest.NewPty(t)
	refusingScale(t, pty, func(n int64) bool { return n == 2 || n == 5 })
	sc := openSICS(t, pty)
	for i := 0; i < 8; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		r, err := sc.Read(ctx)
		cancel()
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if r.Grams != 1140 {
			t.Fatalf("read %d: %v g, want 1140", i, r.Grams)
		}
	}
}
