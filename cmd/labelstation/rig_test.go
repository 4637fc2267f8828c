package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"labelstation/carrier/sandbox"
	"labelstation/printer/printertest"
	"labelstation/store"
)

// rig runs the real labelstation binary, one process per command as a
// packer or a supervisor would, against a sandbox and a printer in this
// test process: the sandbox on a loopback address that can go down
// (nothing listens: connection refused) and come back on the same
// address, and a printertest.Sink as printer.
//
// The binary is this test binary under the name labelstation, which
// testscript.Main (TestMain) puts on $PATH: nothing is built twice, and
// it is race-enabled when the tests are.
type rig struct {
	t      testing.TB
	bin    string
	dir    string
	data   string // --data
	config string // --config
	env    []string

	sb   *sandbox.Server
	net  *carrierNet
	sink *printertest.Sink
}

type rigOptions struct {
	sandbox sandbox.Options
	// config is the TOML text; $SANDBOX_ADDR is replaced with the
	// sandbox's address.
	config string
	// down starts the rig with the carrier unreachable.
	down bool
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	bin, err := exec.LookPath("labelstation")
	if err != nil {
		t.Fatalf("the labelstation command is not on $PATH (TestMain's testscript.Main puts it there): %v", err)
	}
	dir := t.TempDir()
	r := &rig{t: t, bin: bin, dir: dir, data: filepath.Join(dir, "data"), config: filepath.Join(dir, "station.toml")}
	r.sb = sandbox.New(o.sandbox)
	r.net = newCarrierNet(t, r.sb)
	if !o.down {
		r.net.up()
	}
	r.sink = printertest.NewSink(t)
	cfg := strings.ReplaceAll(o.config, "$SANDBOX_ADDR", r.net.addr)
	if err := os.WriteFile(r.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// The host's settings stay out; the config file names the carrier.
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LABELSTATION_") || strings.HasPrefix(kv, "XDG_") || strings.HasPrefix(kv, "GORACE=") {
			continue
		}
		r.env = append(r.env, kv)
	}
	r.env = append(r.env, "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"), "XDG_DATA_HOME="+filepath.Join(dir, ".data"),
		"XDG_STATE_HOME="+filepath.Join(dir, ".state"),
		"GORACE="+raceOptions())
	return r
}

// args prefixes a command with the rig's --config and --data.
func (r *rig) args(args ...string) []string {
	return append([]string{"--config", r.config, "--data", r.data}, args...)
}

// command is the labelstation process for args (with --config and
// --data), wrapped by wrapper (e.g. prlimit) when given.
func (r *rig) command(wrapper []string, args ...string) *exec.Cmd {
	argv := append(append([]string(nil), wrapper...), r.bin)
	argv = append(argv, r.args(args...)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = r.env
	cmd.Dir = r.dir
	return cmd
}

// result is how one labelstation process ended.
type result struct {
	args           []string
	code           int // exit code; -1 when killed by a signal
	signal         syscall.Signal
	stdout, stderr string
	took           time.Duration
}

func (res result) String() string {
	s := fmt.Sprintf("labelstation %s: exit %d", strings.Join(res.args, " "), res.code)
	if res.signal != 0 {
		s = fmt.Sprintf("labelstation %s: %v", strings.Join(res.args, " "), res.signal)
	}
	return s + "\n" + indent(res.stdout) + indent(res.stderr)
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ") + "\n"
}

// run runs one command to its end (at most a minute).
func (r *rig) run(args ...string) result {
	r.t.Helper()
	return r.runWrapped(nil, args...)
}

func (r *rig) runWrapped(wrapper []string, args ...string) result {
	r.t.Helper()
	cmd := r.command(wrapper, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start labelstation: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		r.t.Fatalf("labelstation %s did not end within a minute\n%s%s", strings.Join(args, " "), out.String(), errb.String())
	}
	res := result{args: args, stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	res.code, res.signal = exitOf(r.t, err)
	checkNoRace(r.t, res)
	return res
}

// mustRun runs a command that must succeed.
func (r *rig) mustRun(args ...string) result {
	r.t.Helper()
	res := r.run(args...)
	if res.code != 0 {
		r.t.Fatalf("%s", res)
	}
	return res
}

func exitOf(t testing.TB, err error) (int, syscall.Signal) {
	if err == nil {
		return 0, 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("labelstation: %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1, ws.Signal()
	}
	return ee.ExitCode(), 0
}

// checkNoRace fails the test when a race-enabled labelstation reported a
// data race (it still exits, with code 66).
func checkNoRace(t testing.TB, res result) {
	t.Helper()
	if strings.Contains(res.stderr, "WARNING: DATA RACE") || res.code == 66 {
		t.Fatalf("the race detector fired in %s", res)
	}
}

// holdsDataFile reports whether process pid has the data file open: its
// store is open (and its lock taken), so it is past start-up.
func holdsDataFile(pid int, path string) bool {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && l == path {
			return true
		}
	}
	return false
}

func (r *rig) dataFile() string { return filepath.Join(r.data, store.FileName) }

// carrierNet serves the sandbox on one loopback address that can be
// taken down (the listener closed, every connection cut: "connection
// refused", as when the network is gone) and brought back. It counts the
// requests in flight, so a test can let the carrier finish what a killed
// station had already sent before asking it anything.
type carrierNet struct {
	t        testing.TB
	addr     string
	h        http.Handler
	inflight atomic.Int64

	mu  sync.Mutex
	srv *http.Server
}

func newCarrierNet(t testing.TB, h http.Handler) *carrierNet {
	c := &carrierNet{t: t, addr: freeAddr(t)}
	c.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.inflight.Add(1)
		defer c.inflight.Add(-1)
		h.ServeHTTP(w, r)
	})
	t.Cleanup(c.down)
	return c
}

func (c *carrierNet) up() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil {
		return
	}
	var ln net.Listener
	var err error
	for i := 0; i < 100; i++ {
		if ln, err = net.Listen("tcp", c.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		c.t.Fatalf("the sandbox cannot listen on %s again: %v", c.addr, err)
	}
	c.srv = &http.Server{Handler: c.h, ReadHeaderTimeout: 5 * time.Second}
	go c.srv.Serve(ln)
}

func (c *carrierNet) down() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv == nil {
		return
	}
	c.srv.Close()
	c.srv = nil
}

func (c *carrierNet) isUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.srv != nil
}

// settle waits until no request is in flight at the carrier.
func (c *carrierNet) settle(ctx context.Context) error {
	for c.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d carrier requests still in flight", c.inflight.Load())
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

// printedLabel is what a label that came out of the printer says.
type printedLabel struct {
	n        int // 1-based, in printing order
	orderRef string
	ids      []string // SSCCs (AI 00 included) in its human-readable lines
	offline  bool     // the station's own offline label
	local    bool     // rendered by the station (offline, or a booking found after a lost answer)
	text     string
}

var (
	labelSSCC  = regexp.MustCompile(`\^FD\(00\) ?(\d{18})\^FS`)
	labelOrder = regexp.MustCompile(`\^FD(?:Reference: |Order )([^\^]+)\^FS`)
)

// parseLabels reads the labels a sink received.
func parseLabels(labels []string) []printedLabel {
	out := make([]printedLabel, 0, len(labels))
	for i, l := range labels {
		p := printedLabel{n: i + 1, text: l, offline: strings.Contains(l, "^FDOFFLINE^FS"), local: !strings.Contains(l, "SANDBOX LABEL")}
		if m := labelOrder.FindStringSubmatch(l); m != nil {
			p.orderRef = m[1]
		}
		seen := map[string]bool{}
		for _, m := range labelSSCC.FindAllStringSubmatch(l, -1) {
			if id := "00" + m[1]; !seen[id] {
				seen[id] = true
				p.ids = append(p.ids, id)
			}
		}
		out = append(out, p)
	}
	return out
}

// demoConsignorTOML is the demo shop as a config file's [consignor], for
// tests that point the station at a sandbox over HTTP: a config with a
// carrier URL gets none of the demo's values by default.
const demoConsignorTOML = `
[consignor]
name = "Demo Webshop AB"
street1 = "Lagergatan 12"
postcode = "41505"
city = "Göteborg"
country = "SE"
phone = "+46311234567"
customer_number = "20876966"
issuer_code = "Z12"
vat_number = "SE556677889901"
eori = "SE5566778899"
voec = "2031001"

`
