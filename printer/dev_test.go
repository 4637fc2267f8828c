package printer

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"labelstation/printer/zplsim"
)

// ptyPrinter makes a pty pair with socat: the station opens host as its
// device node, the simulated printer serves the other end. A pty reads
// back like Linux usblp does, so status works through it.
func ptyPrinter(t *testing.T) (host string, sim *zplsim.Printer) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("device nodes are a Unix thing")
	}
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat not installed (make test installs it)")
	}
	dir := t.TempDir()
	host, dev := filepath.Join(dir, "lp0"), filepath.Join(dir, "printer")
	cmd := exec.Command("socat", "pty,raw,echo=0,link="+host, "pty,raw,echo=0,link="+dev)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		_, e1 := os.Stat(host)
		_, e2 := os.Stat(dev)
		if e1 == nil && e2 == nil {
			break
		}
		if i > 200 {
			t.Fatal("socat made no pty pair")
		}
		time.Sleep(10 * time.Millisecond)
	}
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	sim, err = zplsim.Listen("127.0.0.1:0", zplsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	go sim.Serve(f)
	t.Cleanup(func() { f.Close(); sim.Close() })
	return host, sim
}

func TestDevicePrintsAndReadsStatusBack(t *testing.T) {
	host, sim := ptyPrinter(t)
	p, err := Open("dev://" + host + "?status_timeout=300ms")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	job := zplJob("dev", 3000)
	if err := p.Print(ctx, job); err != nil {
		t.Fatal(err)
	}
	if l := sim.WaitLabels(1, 2*time.Second); len(l) != 1 || l[0] != string(job.Data) {
		t.Fatalf("labels = %d", len(l))
	}
	sim.SetFault(zplsim.PaperOut)
	if err := p.Print(ctx, job); !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "out of labels") {
		t.Fatalf("paper out: %v", err)
	}
	sim.SetFault(zplsim.Silent)
	st, err := StatusOf(ctx, p)
	if err != nil || !st.NoAnswer {
		t.Fatalf("silent: %+v %v", st, err)
	}
	sim.SetFault(zplsim.None)
	if err := p.Print(ctx, job); err != nil {
		t.Fatalf("after clearing: %v", err)
	}
	if n := len(sim.WaitLabels(2, 2*time.Second)); n != 2 || sim.Held() != 0 {
		t.Fatalf("printed %d, held %d; want exactly 2 and none held", n, sim.Held())
	}
}

func TestDeviceErrorsSayWhatToDo(t *testing.T) {
	p := NewDevice(filepath.Join(t.TempDir(), "lp9"), true, time.Second)
	err := p.Print(context.Background(), zplJob("x", 10))
	if err == nil || !strings.Contains(err.Error(), "does not exist: check the printer is plugged in") {
		t.Fatalf("err = %v", err)
	}
	if runtime.GOOS != "windows" && os.Getuid() != 0 {
		ro := filepath.Join(t.TempDir(), "lp0")
		os.WriteFile(ro, nil, 0o400)
		err := NewDevice(ro, true, time.Second).Print(context.Background(), zplJob("x", 10))
		if err == nil || !strings.Contains(err.Error(), "lp group") {
			t.Fatalf("no permission: %v", err)
		}
	}
}

// TestDeviceWriteOnlyNode: a node that cannot be polled (here a regular
// file) prints without status, and says so when asked.
func TestDeviceWriteOnlyNode(t *testing.T) {
	node := filepath.Join(t.TempDir(), "lp0")
	os.WriteFile(node, nil, 0o600)
	p := NewDevice(node, true, time.Second)
	defer p.Close()
	if err := p.Print(context.Background(), zplJob("x", 100)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(node); len(b) == 0 {
		t.Fatal("nothing written to the node")
	}
	if _, err := StatusOf(context.Background(), p); !errors.Is(err, ErrNoStatus) {
		t.Fatalf("status of a write-only node: %v", err)
	}
}
