// Package scaletest owns the test fixtures for serial scales: a pty pair
// made with socat, the real part a serial scale test talks through. One
// end is the scale's (scalesim serves it), the other the station's.
package scaletest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Pty is a socat pty pair: Device and Host are symlinks to the two pty
// slaves. Kill ends socat (both ends see the line drop, like a pulled
// cable); Restart makes a new pair behind the same names.
type Pty struct {
	t            testing.TB
	Device, Host string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// NewPty starts socat and waits for both links; it skips the test when
// socat is not installed (make test installs it). socat goes away when
// the test ends.
func NewPty(t testing.TB) *Pty {
	t.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat is not installed (apt-get install socat; make test does it)")
	}
	dir := t.TempDir()
	p := &Pty{t: t, Device: filepath.Join(dir, "scale"), Host: filepath.Join(dir, "station")}
	p.Restart()
	t.Cleanup(p.Kill)
	return p
}

// Restart (re)creates the pair behind the same link names.
func (p *Pty) Restart() {
	p.t.Helper()
	p.Kill()
	cmd := exec.Command("socat", "-d", "-d",
		"pty,raw,echo=0,link="+p.Device, "pty,raw,echo=0,link="+p.Host)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("socat: %v", err)
	}
	p.mu.Lock()
	p.cmd = cmd
	p.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, e1 := os.Stat(p.Device)
		_, e2 := os.Stat(p.Host)
		if e1 == nil && e2 == nil {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("socat made no pty pair in 5s: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Kill ends socat and waits until its links are gone.
func (p *Pty) Kill() {
	p.mu.Lock()
	cmd := p.cmd
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	cmd.Wait()
	// socat removes its links on a clean exit only; after a kill they
	// dangle, and a dangling link must look like an unplugged port.
	os.Remove(p.Device)
	os.Remove(p.Host)
}
