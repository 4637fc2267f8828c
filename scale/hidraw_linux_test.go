//go:build linux

package scale

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO stands in for /dev/hidraw0: the same file reads with a deadline.
func TestHidrawReadsReportsFromTheDeviceFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hidraw0")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	w, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	sc, err := Open("hidraw://" + path + "?quiet=50ms")
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	w.Write([]byte{3, 4, 2, 0, 0xe8, 0x03}) // the stale one
	time.Sleep(20 * time.Millisecond)
	w.Write([]byte{3, 4, 11, 0xff, 0x92, 0x01})
	r, err := sc.Read(context.Background())
	if err != nil || r.Grams != 1139.651 || !r.Stable {
		t.Fatalf("read %+v, %v; want 40.2 oz = 1139.651 g", r, err)
	}
}

func TestHasScaleUsagePage(t *testing.T) {
	// Usage Page (POS Scale), Usage (Scale Device), Collection …
	if !hasScaleUsagePage([]byte{0x05, 0x8d, 0x09, 0x01, 0xa1, 0x01}) || hasScaleUsagePage([]byte{0x05, 0x01, 0x09, 0x06}) {
		t.Fatal("usage page 0x8D detection is wrong")
	}
}
