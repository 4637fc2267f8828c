package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/printer"
	"labelstation/printer/zplsim"
)

func runPrinterCLI(t *testing.T, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	var out, errb bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	code = run(context.Background(), args, stdin, &out, &errb)
	return code, out.String(), errb.String()
}

func TestPrinterStatusInWords(t *testing.T) {
	sim, err := zplsim.Listen("127.0.0.1:0", zplsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()

	code, out, _ := runPrinterCLI(t, nil, "printer", "status", sim.URI())
	if code != 0 || out != sim.URI()+": Printer is ready\n" {
		t.Fatalf("ready: code %d, %q", code, out)
	}
	sim.SetFault(zplsim.PaperOut)
	code, out, errs := runPrinterCLI(t, nil, "printer", "status", sim.URI())
	if code != 1 || !strings.Contains(out, "Printer is out of labels — load a roll and press Resume") || !strings.Contains(errs, "is not ready") {
		t.Fatalf("paper out: code %d\n%s\n%s", code, out, errs)
	}
	sim.SetFault(zplsim.Silent)
	code, out, _ = runPrinterCLI(t, nil, "printer", "status", sim.URI()+"?status_timeout=200ms", "--json")
	var got printerStatusJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if code != 1 || got.Ready || len(got.States) != 1 || got.States[0] != printer.StateNoAnswer ||
		got.Message != "Printer did not answer its status request within 200ms: check it is on, the head is closed and it has labels" {
		t.Fatalf("silent --json: code %d %+v", code, got)
	}
	if code, _, errs := runPrinterCLI(t, nil, "printer", "status", "file:///tmp/x"); code != 1 || !strings.Contains(errs, "cannot report its status") {
		t.Fatalf("file printer: %d %s", code, errs)
	}
	if code, _, _ := runPrinterCLI(t, nil, "printer", "status"); code != 2 {
		t.Fatalf("no URI: exit %d, want 2", code)
	}
}

func TestPrinterListShowsConfiguredPrinter(t *testing.T) {
	data := t.TempDir()
	code, out, errs := runPrinterCLI(t, nil, "--data", data, "printer", "list", "--json")
	var found []printer.Found
	if code != 0 || json.Unmarshal([]byte(out), &found) != nil || len(found) == 0 {
		t.Fatalf("code %d\n%s\n%s", code, out, errs)
	}
	if found[0].Kind != "configured" || found[0].URI != "file://"+filepath.ToSlash(filepath.Join(data, "labels")) {
		t.Fatalf("first entry %+v, want the configured default", found[0])
	}
}

func TestPrinterSimulateSwitchesFaultsFromStdin(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	stdinR, stdinW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var out printerSimLog
	go func() {
		done <- run(ctx, []string{"printer", "simulate", "--listen", addr, "--fault", "paused", "--out", dir}, stdinR, &out, io.Discard)
	}()
	p, _ := printer.Open("tcp://" + addr + "?status_timeout=500ms")
	defer p.Close()
	var st printer.Status
	var err error
	for i := 0; i < 100; i++ {
		if st, err = printer.StatusOf(context.Background(), p); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || !st.Paused {
		t.Fatalf("started paused: %+v %v", st, err)
	}
	stdinW.Write([]byte("none\n"))
	time.Sleep(50 * time.Millisecond)
	if err := p.Print(context.Background(), printer.Job{Name: "x", Format: "zpl", Data: []byte("^XA^FDhello^FS^XZ")}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "label-*.zpl")); len(m) != 1 {
		t.Fatalf("saved labels %q", m)
	}
	if s := out.String(); !strings.Contains(s, "fault: none") || !strings.Contains(s, "label 1 printed") {
		t.Fatalf("log:\n%s", s)
	}
}

// printerSimLog is a bytes.Buffer the simulator's goroutines may write while
// the test reads it.
type printerSimLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *printerSimLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *printerSimLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
