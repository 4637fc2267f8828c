package sound

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ebitengine/oto/v3"
)

// The real device path (oto, cgo, ALSA) runs in child processes of the
// test binary: oto opens one device per process, and ALSA reads its
// configuration once per process, so each device the tests need — the
// null sink, a broken one — gets a fresh process with its own
// ALSA_CONFIG_PATH.

const childEnv = "LABELSTATION_SOUND_CHILD"

// runChild runs the named test in a child process with extra environment
// and fails unless it passed there.
func runChild(t *testing.T, name string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(append(os.Environ(), childEnv+"="+name), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("child %s:\n%s", name, out)
	if err != nil {
		t.Fatalf("child %s: %v", name, err)
	}
	if strings.Contains(string(out), "ALSA lib") {
		t.Errorf("child %s: ALSA printed its own errors on stderr", name)
	}
	if !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("child %s did not pass (skipped?)", name)
	}
}

// inChild skips a test unless it runs as the named child.
func inChild(t *testing.T, name string) {
	if os.Getenv(childEnv) != name {
		t.Skip("runs in a child process of its parent test")
	}
}

// alsaConfig writes an ALSA configuration whose default device is the
// given definition and returns its path, for ALSA_CONFIG_PATH.
// withSystem includes the system's alsa.conf first (the plugin
// definitions, "plug" among them), as a real machine has it.
func alsaConfig(t *testing.T, withSystem bool, defaultPCM string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("ALSA is Linux's")
	}
	var conf strings.Builder
	if withSystem {
		sys := "/usr/share/alsa/alsa.conf"
		if _, err := os.Stat(sys); err != nil {
			t.Skipf("no system ALSA configuration: %v", err)
		}
		conf.WriteString("<" + sys + ">\n")
	}
	conf.WriteString("pcm.!default " + defaultPCM + "\n")
	path := filepath.Join(t.TempDir(), "asound.conf")
	if err := os.WriteFile(path, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSoundPlaysThroughALSA plays every cue through oto and ALSA into
// ALSA's null device: the device really starts, takes every byte of each
// cue, and the Player closes.
func TestSoundPlaysThroughALSA(t *testing.T) {
	conf := alsaConfig(t, true, "{ type null }")
	runChild(t, "TestSoundChildNullDevice", "ALSA_CONFIG_PATH="+conf)
}

func TestSoundChildNullDevice(t *testing.T) {
	inChild(t, "TestSoundChildNullDevice")
	var reported []error
	var mu sync.Mutex
	p, err := New(Options{OpenTimeout: 10 * time.Second, OnError: func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatalf("New on the null device: %v", err)
	}
	out := device.out
	for i, c := range cues {
		before := out.pulled.Load()
		start := time.Now()
		p.Play(c)
		if took := time.Since(start); took > 50*time.Millisecond {
			t.Errorf("Play(%s) took %s; it must not wait for the sound", c, took)
		}
		waitFor(t, c.Duration()+5*time.Second, func() bool { return p.played.Load() == int64(i+1) },
			"the %s cue to play to its end", c)
		if got, want := out.pulled.Load()-before, int64(len(c.pcm())); got != want {
			t.Errorf("the device took %d bytes of the %s cue, want all %d", got, c, want)
		}
		t.Logf("%s: %d bytes played in %s (the cue is %s)", c, len(c.pcm()), time.Since(start).Round(time.Millisecond), c.Duration())
	}
	if got := out.started.Load(); got != int64(len(cues)) {
		t.Errorf("the device started %d cues, want %d", got, len(cues))
	}
	if err := out.err(); err != nil {
		t.Errorf("the device reports %v after playing", err)
	}

	// A burst of scans: every Play returns at once, and the bench is
	// quiet again within one cue's length, not thirty.
	start := time.Now()
	for range 30 {
		p.Play(Success)
	}
	if took := time.Since(start); took > 50*time.Millisecond {
		t.Errorf("30 Plays took %s", took)
	}
	startedBefore := int64(len(cues))
	playedBefore := p.played.Load()
	// Settled: every cue the device started either played to its end or
	// was cut for a newer one, and the last one played.
	waitFor(t, Success.Duration()+2*time.Second, func() bool {
		return p.played.Load()+p.cut.Load() == out.started.Load() && p.played.Load() > playedBefore
	}, "the burst to settle within one cue's length")
	t.Logf("burst of 30: %d started, %d cut, %d played to the end",
		out.started.Load()-startedBefore, p.cut.Load(), p.played.Load()-playedBefore)

	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	p.Play(Problem) // after Close: ignored, no panic
	if got := out.started.Load(); got > int64(len(cues))+30 {
		t.Errorf("a Play after Close started a cue")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) > 0 {
		t.Errorf("the null device reported errors: %v", reported)
	}
}

// TestSoundBrokenDevice: a default device that does not exist gives an
// error from New at once — not a hang, not a panic — and the same error
// again to a second New (oto opens one device per process).
func TestSoundBrokenDevice(t *testing.T) {
	conf := alsaConfig(t, false, "{ type hw card 77 device 0 }")
	runChild(t, "TestSoundChildBrokenDevice", "ALSA_CONFIG_PATH="+conf)
}

func TestSoundChildBrokenDevice(t *testing.T) {
	inChild(t, "TestSoundChildBrokenDevice")
	start := time.Now()
	p, err := New(Options{OpenTimeout: 20 * time.Second})
	took := time.Since(start)
	if err == nil {
		p.Close()
		t.Fatal("New on a missing device: no error")
	}
	if p != nil {
		t.Errorf("New returned a Player with its error")
	}
	t.Logf("New: %v (after %s)", err, took)
	if !strings.Contains(err.Error(), "ALSA") {
		t.Errorf("the error does not say it is ALSA's: %v", err)
	}
	if took > 5*time.Second {
		t.Errorf("New took %s to fail", took)
	}
	_, again := New(Options{})
	if again == nil || again.Error() != err.Error() {
		t.Errorf("a second New: %v, want the first error %v", again, err)
	}
}

// TestSoundDeviceNeverReady: a device that never gets ready is given up
// after the timeout, with an error that says so.
func TestSoundDeviceNeverReady(t *testing.T) {
	restore := openDevice
	t.Cleanup(func() {
		openDevice = restore
		device.once, device.out, device.err = sync.Once{}, nil, nil
	})
	device.once, device.out, device.err = sync.Once{}, nil, nil
	openDevice = func() (*oto.Context, chan struct{}, error) {
		return nil, make(chan struct{}), nil // ready never closes
	}
	start := time.Now()
	p, err := New(Options{OpenTimeout: 200 * time.Millisecond})
	took := time.Since(start)
	if err == nil || p != nil {
		t.Fatalf("New on a device that never gets ready: %v, %v", p, err)
	}
	if !errors.Is(err, errNotReady) {
		t.Errorf("error %v, want one that says the device was not ready", err)
	}
	if took < 200*time.Millisecond || took > 2*time.Second {
		t.Errorf("New gave up after %s, want after the 200ms timeout", took)
	}
}

// waitFor polls cond until it holds or fails the test after d.
func waitFor(t *testing.T, d time.Duration, cond func() bool, what string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for "+what, append([]any{d}, args...)...)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
