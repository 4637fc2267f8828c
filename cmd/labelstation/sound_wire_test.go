package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/config"
	"labelstation/sound"
)

// logRecords is a logger that keeps its JSON lines for a test to read.
type logRecords struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logRecords) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *logRecords) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

func newLogRecords() (*slog.Logger, *logRecords) {
	l := &logRecords{}
	return slog.New(slog.NewJSONHandler(l, nil)), l
}

// TestSoundOffInTheConfig: [station] sounds = false gives silent cues
// without touching the sound device, and one log line that says why.
func TestSoundOffInTheConfig(t *testing.T) {
	restore := openSound
	t.Cleanup(func() { openSound = restore })
	openSound = func(sound.Options) (*sound.Player, error) {
		t.Error("the sound device was opened with sounds off")
		return nil, errors.New("not wanted")
	}
	off := false
	cfg := config.Default()
	cfg.Station.Sounds = &off
	log, records := newLogRecords()
	cues, stop := benchCues(cfg, log)
	cues.Success()
	cues.Problem()
	cues.Attention()
	stop()
	if _, ok := cues.(quietCues); !ok {
		t.Errorf("cues %T, want quiet ones", cues)
	}
	lines := records.lines(t)
	if len(lines) != 1 || lines[0]["msg"] != "sounds off" || !strings.Contains(lines[0]["why"].(string), "[station] sounds = false") {
		t.Errorf("log %v, want one line: sounds off, because of [station] sounds = false", lines)
	}
}

// The device paths run in child processes: oto opens one device per
// process and ALSA reads its configuration once (see sound's tests).
const soundWiringChildEnv = "LABELSTATION_SOUND_WIRING_CHILD"

func runSoundWiringChild(t *testing.T, mode, defaultPCM string, withSystem bool) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("ALSA is Linux's")
	}
	var conf strings.Builder
	if withSystem {
		const sys = "/usr/share/alsa/alsa.conf"
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
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSoundWiringChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), soundWiringChildEnv+"="+mode, "ALSA_CONFIG_PATH="+path)
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSoundWiringChild") {
		t.Fatalf("child (%s device) did not pass: %v", mode, err)
	}
}

// TestSoundNoDeviceRunsSilent: with sounds on and no working device, the
// station's cues are silent and one warning says why.
func TestSoundNoDeviceRunsSilent(t *testing.T) {
	runSoundWiringChild(t, "broken", "{ type hw card 77 device 0 }", false)
}

// TestSoundOnTheDevice: with sounds on and a device (ALSA's null sink),
// the cues play on it, and one line says the sounds are on.
func TestSoundOnTheDevice(t *testing.T) {
	runSoundWiringChild(t, "null", "{ type null }", true)
}

func TestSoundWiringChild(t *testing.T) {
	mode := os.Getenv(soundWiringChildEnv)
	if mode == "" {
		t.Skip("runs in a child process of TestSoundNoDeviceRunsSilent and TestSoundOnTheDevice")
	}
	log, records := newLogRecords()
	cues, stop := benchCues(config.Default(), log) // sounds are on by default
	dc, ok := cues.(*deviceCues)
	if !ok {
		t.Fatalf("cues %T, want the device's", cues)
	}
	select {
	case <-dc.opened:
	case <-time.After(30 * time.Second):
		t.Fatal("the sound device was neither opened nor given up")
	}
	hadPlayer := dc.playerNow() != nil
	cues.Success()
	cues.Problem()
	cues.Attention()
	start := time.Now()
	stop()
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("stopping the cues took %s", took)
	}
	lines := records.lines(t)
	if len(lines) != 1 {
		t.Fatalf("log %v, want one line", lines)
	}
	switch mode {
	case "broken":
		if lines[0]["level"] != "WARN" || lines[0]["msg"] != "sounds off: no sound device" ||
			!strings.Contains(lines[0]["err"].(string), "ALSA") || lines[0]["hint"] == nil {
			t.Errorf("log %v, want a warning that there is no sound device, with ALSA's error and a hint", lines[0])
		}
		if hadPlayer {
			t.Errorf("a player without a device")
		}
	case "null":
		if lines[0]["level"] != "INFO" || lines[0]["msg"] != "sounds on" {
			t.Errorf("log %v, want: sounds on", lines[0])
		}
		if !hadPlayer {
			t.Errorf("no player on the null device")
		}
		if dc.playerNow() != nil {
			t.Errorf("the player is still there after stop")
		}
	default:
		t.Fatalf("unknown mode %q", mode)
	}
}
