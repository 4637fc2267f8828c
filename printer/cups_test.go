package printer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// fakeCUPS puts lp and lpstat scripts first on PATH. lp stores its stdin
// as job-N and its arguments in args-N; lpstat prints the file state.
func fakeCUPS(t *testing.T, state string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts stand in for lp and lpstat")
	}
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("lp", `d=$(dirname "$0"); n=$(ls "$d" | grep -c '^job-'); n=$((n+1))
cat > "$d/job-$n"; echo "$@" > "$d/args-$n"
[ "$LC_ALL" = C ] || { echo "lp: not in the C locale" >&2; exit 1; }
echo "request id is zebra-$n (1 file(s))"
`)
	write("lpstat", `d=$(dirname "$0")
case "$1" in
-p) [ "$2" = zebra ] || { echo "lpstat: Invalid destination name in list \"$2\"." >&2; exit 1; }; cat "$d/state";;
-e) printf 'zebra\noffice_laser\n';;
esac
`)
	os.WriteFile(filepath.Join(dir, "state"), []byte(state), 0o644)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

const (
	lpstatIdle     = "printer zebra is idle.  enabled since Tue 01 Jan 2026 10:00:00 CET\n"
	lpstatDisabled = "printer zebra disabled since Tue 01 Jan 2026 10:00:00 CET -\n\tPaused by operator\n"
)

func TestCUPSPrintsRawThroughLp(t *testing.T) {
	dir := fakeCUPS(t, lpstatIdle)
	p, err := Open("cups://zebra")
	if err != nil {
		t.Fatal(err)
	}
	job := zplJob("00370712345678901234", 500)
	if err := p.Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "job-1")); string(b) != string(job.Data) {
		t.Fatalf("lp got %d bytes, want the job byte for byte", len(b))
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args-1"))
	if got := strings.TrimSpace(string(args)); got != "-d zebra -t 00370712345678901234 -o raw" {
		t.Fatalf("lp args = %q", got)
	}
	// A PDF goes through the queue's filters, not raw.
	p.Print(context.Background(), Job{Name: "r", Format: "pdf", Data: []byte("%PDF")})
	if args, _ := os.ReadFile(filepath.Join(dir, "args-2")); strings.Contains(string(args), "raw") {
		t.Fatalf("PDF sent raw: %q", args)
	}
}

func TestCUPSStoppedQueueRefusesJob(t *testing.T) {
	dir := fakeCUPS(t, lpstatDisabled)
	p, _ := Open("cups://zebra")
	err := p.Print(context.Background(), zplJob("x", 100))
	if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "Print queue is stopped (Paused by operator)") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "job-1")); err == nil {
		t.Fatal("a job was queued on a stopped queue")
	}
	os.WriteFile(filepath.Join(dir, "state"), []byte(lpstatIdle), 0o644)
	if err := p.Print(context.Background(), zplJob("x", 100)); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "job-*")); len(m) != 1 {
		t.Fatalf("jobs = %q, want exactly one", m)
	}
}

func TestCUPSUnknownQueueAndList(t *testing.T) {
	fakeCUPS(t, lpstatIdle)
	p, _ := Open("cups://nosuch")
	st, err := StatusOf(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "Invalid destination") || !strings.Contains(err.Error(), "lpstat -e") {
		t.Fatalf("unknown queue: %+v %v", st, err)
	}
	qs, err := CUPSQueues(context.Background())
	if err != nil || !slices.Equal(qs, []string{"zebra", "office_laser"}) {
		t.Fatalf("queues = %q, %v", qs, err)
	}
}

func TestParseLpstat(t *testing.T) {
	for out, want := range map[string]Status{
		lpstatIdle: {Source: "lpstat"},
		"printer zebra now printing zebra-12.  enabled since Tue\n": {Source: "lpstat"},
		lpstatDisabled: {Source: "lpstat", Offline: true, Detail: "Paused by operator"},
		"printer zebra disabled since Tue -\n\treason unknown\n": {Source: "lpstat", Offline: true, Detail: "cupsenable zebra starts it again"},
	} {
		if got, err := parseLpstat("zebra", out); err != nil || got != want {
			t.Errorf("parseLpstat(%q) = %+v, %v; want %+v", out, got, err, want)
		}
	}
}
