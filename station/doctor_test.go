package station_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/carrier/sandbox"
	"labelstation/logs"
	"labelstation/printer/zplsim"
	"labelstation/scale"
	"labelstation/station"
	"labelstation/store"
)

// ---- the log of a bad shift: one line per pack step ----

// logBuffer collects JSON log lines written from any goroutine (the
// print queue's worker logs too).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the log lines that have a step, decoded.
func (b *logBuffer) steps(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		if m["step"] != nil {
			out = append(out, m)
		}
	}
	return out
}

func (b *logBuffer) reset() {
	b.mu.Lock()
	b.buf.Reset()
	b.mu.Unlock()
}

// withLog gives the rig's station the production logger: the redacting
// handler over JSON lines, with the rig's API key registered as a secret.
func withLog(buf *logBuffer, then ...func(*station.Config)) func(*station.Config) {
	return func(c *station.Config) {
		c.Logger = slog.New(logs.NewHandler(slog.NewJSONHandler(buf, nil), logs.NewRedactor("test-key")))
		for _, f := range then {
			f(c)
		}
	}
}

// checkSteps checks the lines are the steps named, in order, each with
// the keys every step line carries.
func checkSteps(t *testing.T, lines []map[string]any, order, tracking string, want ...string) {
	t.Helper()
	var got []string
	for _, l := range lines {
		got = append(got, l["step"].(string))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("steps %v, want %v", got, want)
	}
	for _, l := range lines {
		step := l["step"].(string)
		if l["order"] != order {
			t.Errorf("%s: order %v, want %s", step, l["order"], order)
		}
		if _, ok := l["took_ms"].(float64); !ok && l["msg"] != "queued booking sent again" {
			t.Errorf("%s: took_ms %v", step, l["took_ms"])
		}
		switch step {
		case "book", "record", "offline", "print", "confirm", "packed":
			if tracking != "" && l["tracking"] != tracking {
				t.Errorf("%s: tracking %v, want %s", step, l["tracking"], tracking)
			}
		}
		switch step {
		case "book", "record", "offline", "print", "confirm", "packed":
			if tracking == "" && l["tracking"] != nil {
				t.Errorf("%s: tracking %v before there is one", step, l["tracking"])
			}
		}
		switch step {
		case "outbox", "book", "record", "offline", "confirm", "packed":
			if step == "packed" && tracking == "" {
				continue // not booked: the carrier chosen is in the outbox line
			}
			if l["carrier"] != "postnord" {
				t.Errorf("%s: carrier %v", step, l["carrier"])
			}
		}
	}
}

func TestPackLogsOneLinePerStepWithOrderAndTracking(t *testing.T) {
	var buf logBuffer
	r := newRigWith(t, nil, withLog(&buf))
	r.importOrders()
	buf.reset()
	ctx := context.Background()
	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1250})
	if err != nil {
		t.Fatal(err)
	}
	lines := buf.steps(t)
	checkSteps(t, lines, "A-1", res.TrackingID, "lookup", "weigh", "outbox", "book", "record", "print", "confirm", "packed")
	for i, want := range []map[string]any{
		{"msg": "order found", "level": "INFO", "scanned": "A-1"},
		{"msg": "weighed", "weight_g": 1250.0, "source": "typed"},
		{"msg": "booking queued", "service": "19", "state": "sending"},
		{"msg": "booked", "service": "19", "attempts": 1.0},
		{"msg": "booking saved"},
		{"msg": "label sent to the printer", "printer": r.sink.URI()},
		{"msg": "label printed", "printer": r.sink.URI()},
		{"msg": "packed", "printed": true, "weight_g": 1250.0},
	} {
		for k, v := range want {
			if lines[i][k] != v {
				t.Errorf("%s: %s = %#v, want %#v", lines[i]["step"], k, lines[i][k], v)
			}
		}
	}
	if lines[2]["request_id"] == "" || lines[2]["request_id"] != lines[3]["request_id"] || lines[5]["job"] != lines[6]["job"] {
		t.Errorf("the booking's request id and the print job tie the lines together: %v", lines)
	}

	// Packed again: one lookup, one "already packed".
	buf.reset()
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1250}); err == nil {
		t.Fatal("packed twice")
	}
	lines = buf.steps(t)
	if len(lines) != 2 || lines[1]["msg"] != "already packed" || lines[1]["level"] != "INFO" || lines[1]["tracking"] != res.TrackingID {
		t.Errorf("already packed: %v", lines)
	}

	// The printer runs out of labels: the print step says so in the
	// printer's words, as a warning, and the pack ends booked but not
	// printed.
	r.sink.Sim.SetFault(zplsim.PaperOut)
	buf.reset()
	res, err = r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 800})
	if err == nil {
		t.Fatal("printed without labels")
	}
	lines = buf.steps(t)
	checkSteps(t, lines, "A-2", res.TrackingID, "lookup", "weigh", "outbox", "book", "record", "print", "packed")
	p := lines[5]
	if p["level"] != "WARN" || p["msg"] != "label not printed" || !strings.Contains(p["err"].(string), "out of labels") ||
		!strings.Contains(p["hint"].(string), "Retry") || p["state"] != "waiting" {
		t.Errorf("print step: %v", p)
	}
	if last := lines[6]; last["level"] != "WARN" || last["msg"] != "booked, label not printed" || last["printed"] != false {
		t.Errorf("packed step: %v", last)
	}
	if strings.Contains(buf.String(), "test-key") {
		t.Errorf("the API key is in the log:\n%s", buf.String())
	}
}

func TestPackLogsTheCarrierRefusalAndTheOfflineLabel(t *testing.T) {
	var buf logBuffer
	r := newRigWith(t, nil, withLog(&buf, withOfflineSeries))
	r.defineSeries(100)
	r.importOrders()
	ctx := context.Background()

	// The key is not enabled for booking: the book step says so, with the
	// carrier's words and the time the answer took.
	mustSetFaults(t, r, sandbox.Faults{Deny: []string{sandbox.ProductBooking}})
	buf.reset()
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1000}); err == nil {
		t.Fatal("booked with a denied key")
	}
	lines := buf.steps(t)
	checkSteps(t, lines, "A-1", "", "lookup", "weigh", "outbox", "book", "packed")
	if b := lines[3]; b["level"] != "WARN" || b["kind"] != "auth" || !strings.Contains(b["err"].(string), "not enabled for Booking") {
		t.Errorf("book step: %v", b)
	}

	// Offline: the series' id is the tracking number from the offline
	// step on.
	mustSetFaults(t, r, sandbox.Faults{})
	r.station.SetOffline(true)
	buf.reset()
	res, err := r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 900})
	if err != nil || !res.Offline {
		t.Fatalf("offline pack: %+v %v", res, err)
	}
	lines = buf.steps(t)
	checkSteps(t, lines, "A-2", res.TrackingID, "lookup", "weigh", "outbox", "offline", "print", "confirm", "packed")
	if o := lines[3]; o["msg"] != "offline label" || o["series"] != "own-sscc" || o["why"] != "the bench works offline" || o["used"] != 1.0 {
		t.Errorf("offline step: %v", o)
	}
	if lines[2]["state"] != "pending" || lines[6]["offline"] != true {
		t.Errorf("outbox/packed: %v %v", lines[2], lines[6])
	}
}

// ---- the doctor ----

func checkOf(t *testing.T, rep station.DoctorReport, name string) station.DoctorCheck {
	t.Helper()
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in %s", name, dump(rep))
	return station.DoctorCheck{}
}

func dump(rep station.DoctorReport) string {
	var b strings.Builder
	for _, c := range rep.Checks {
		fmt.Fprintf(&b, "%-5s %-28s %s", c.State, c.Name, c.Words)
		if c.Hint != "" {
			fmt.Fprintf(&b, "\n      hint: %s", c.Hint)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestDoctorOnAGoodBenchSaysOKEverywhere(t *testing.T) {
	sc, err := scale.Open("sim://?weight=1.25kg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	var buf logBuffer
	r := newRigWith(t, sc, withLog(&buf, func(c *station.Config) { c.ScaleURI = "sim://?weight=1.25kg"; c.CarrierName = "PostNord sandbox" }))
	r.importOrders()
	ctx := context.Background()
	// The last label printed calls the printer's Arial by name, as
	// PostNord's production labels do.
	fontLabel(t, r, "A-1", "00370000000000001")
	if _, err := r.station.Reprint(ctx, "A-1"); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	extra := func(context.Context) []station.DoctorCheck {
		return []station.DoctorCheck{{Name: "Secrets", State: station.DoctorOK, Words: "the OS keyring"}}
	}
	rep := r.station.Doctor(ctx, station.DoctorOptions{
		Endpoints: []station.DoctorEndpoint{{Name: "SMTP server", Addr: ln.Addr().String()}},
		Extra:     []func(context.Context) []station.DoctorCheck{extra},
	})
	t.Logf("\n%s", dump(rep))
	if rep.Failed() || rep.Count(station.DoctorWarn) > 0 {
		t.Fatalf("a good bench is not all OK:\n%s", dump(rep))
	}
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
	}
	want := "Data directory|Database|Open work|Id series|PostNord reachable|PostNord Booking|PostNord Track & Trace|PostNord Service Points|PostNord Transit Time|" +
		"Printer|Printer fonts|Scale|Webhooks to the WMS|Notifications|SMTP server reachable|Secrets"
	if strings.Join(names, "|") != want {
		t.Errorf("checks in this order:\n%s\nwant\n%s", strings.Join(names, "|"), want)
	}
	for name, words := range map[string]string{
		"Data directory":         "is writable",
		"Database":               "schema version 1",
		"Open work":              "0 bookings waiting for the carrier",
		"PostNord reachable":     "PostNord sandbox answered in",
		"PostNord Track & Trace": "the key is accepted",
		"Printer":                "Printer is ready",
		"Printer fonts":          "E:ARI000.TTF",
		"Scale":                  "answers: 1.25 kg (stable)",
		"SMTP server reachable":  "answers",
	} {
		if c := checkOf(t, rep, name); !strings.Contains(c.Words, words) {
			t.Errorf("%s: %q does not say %q", name, c.Words, words)
		}
	}
	// Nothing was booked or printed by the doctor.
	if n := r.bookings(); n != 0 {
		t.Errorf("the doctor booked: %d bookings", n)
	}
	if n := len(r.sink.Labels()); n != 1 {
		t.Errorf("the doctor printed: %d labels", n)
	}
	if !strings.Contains(buf.String(), `"msg":"doctor ran"`) {
		t.Errorf("no log line for the doctor run:\n%s", buf.String())
	}
}

func TestDoctorNamesTheAPIProductTheKeyIsNotEnabledFor(t *testing.T) {
	r := newRig(t, nil)
	mustSetFaults(t, r, sandbox.Faults{Deny: []string{sandbox.ProductTracking, sandbox.ProductTransitTime}})
	rep := r.station.Doctor(context.Background(), station.DoctorOptions{})
	t.Logf("\n%s", dump(rep))
	if !rep.Failed() {
		t.Fatal("a denied product is not a failure")
	}
	for _, product := range []string{"Track & Trace", "Transit Time"} {
		c := checkOf(t, rep, "PostNord "+product)
		if c.State != station.DoctorFail || !strings.Contains(c.Words, "HTTP 403") || !strings.Contains(c.Words, "not enabled for "+product) ||
			!strings.Contains(c.Hint, "enable "+product) || !strings.Contains(c.Hint, "developer.postnord.com") {
			t.Errorf("%s: %+v", product, c)
		}
	}
	for _, product := range []string{"Booking", "Service Points"} {
		if c := checkOf(t, rep, "PostNord "+product); c.State != station.DoctorOK {
			t.Errorf("%s: %+v", product, c)
		}
	}
	js, _ := json.Marshal(rep)
	if strings.Contains(string(js), "test-key") {
		t.Errorf("the report shows the API key: %s", js)
	}
	if len(r.sandbox.Bookings()) != 0 {
		t.Error("the doctor booked")
	}
}

func TestDoctorWhenTheCarrierCannotBeReached(t *testing.T) {
	r := newRig(t, nil)
	r.stopCarrier()
	rep := r.station.Doctor(context.Background(), station.DoctorOptions{Timeout: 10 * time.Second})
	if c := checkOf(t, rep, "PostNord reachable"); c.State != station.DoctorFail || !strings.Contains(c.Words, "could not be reached") || strings.Contains(c.Words, "test-key") {
		t.Errorf("reachable: %+v", c)
	}
	if c := checkOf(t, rep, "PostNord Booking"); c.State != station.DoctorWarn || !strings.Contains(c.Words, "not checked") {
		t.Errorf("booking: %+v", c)
	}
}

func TestDoctorSaysThePrintersStateInWords(t *testing.T) {
	r := newRig(t, nil)
	for _, tc := range []struct {
		fault zplsim.Fault
		words string
	}{
		{zplsim.PaperOut, "Printer is out of labels — load a roll and press Resume"},
		{zplsim.HeadOpen, "head is open"},
		{zplsim.Silent, "did not answer its status request"},
	} {
		r.sink.Sim.SetFault(tc.fault)
		rep := r.station.Doctor(context.Background(), station.DoctorOptions{})
		c := checkOf(t, rep, "Printer")
		if c.State != station.DoctorFail || !strings.Contains(c.Words, tc.words) || !strings.Contains(c.Words, r.sink.URI()) || c.Hint == "" {
			t.Errorf("%s: %+v", tc.fault, c)
		}
		if f := checkOf(t, rep, "Printer fonts"); f.State != station.DoctorWarn || !strings.Contains(f.Words, "not checked") {
			t.Errorf("%s fonts: %+v", tc.fault, f)
		}
	}
}

func TestDoctorFailsWhenThePrinterLacksTheLabelsFonts(t *testing.T) {
	sim, err := zplsim.Listen("127.0.0.1:0", zplsim.Options{Files: []string{"Z:0.FNT"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	fontLabel(t, r, "A-1", "00370000000000001")
	if _, err := r.station.Reprint(ctx, "A-1"); err != nil {
		t.Fatal(err)
	}
	if err := r.station.UsePrinter(sim.URI()); err != nil {
		t.Fatal(err)
	}
	rep := r.station.Doctor(ctx, station.DoctorOptions{})
	c := checkOf(t, rep, "Printer fonts")
	if c.State != station.DoctorFail || c.Words != "The printer lacks the font E:ARI000.TTF that PostNord labels use: install PostNord's fonts on the printer, or print from the PDF" {
		t.Errorf("fonts: %+v", c)
	}
}

func TestDoctorWarnsAboutWorkWaitingForAPersonAndALowSeries(t *testing.T) {
	r := newRigWith(t, nil, withOfflineSeries)
	r.defineSeries(2)
	r.importOrders()
	ctx := context.Background()
	r.station.SetOffline(true)
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 1000}); err != nil {
		t.Fatal(err)
	}
	r.sink.Sim.SetFault(zplsim.PaperOut)
	r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 1000})
	rep := r.station.Doctor(ctx, station.DoctorOptions{})
	t.Logf("\n%s", dump(rep))
	if c := checkOf(t, rep, "Id series own-sscc"); c.State != station.DoctorFail || !strings.Contains(c.Words, "2 of 2 ids used, 0 left") || !strings.Contains(c.Words, "used up") {
		t.Errorf("series: %+v", c)
	}
	if c := checkOf(t, rep, "Open work"); c.State != station.DoctorWarn || !strings.Contains(c.Words, "2 bookings waiting for the carrier") ||
		!strings.Contains(c.Words, "1 label in the print queue (1 waiting for Retry or Discard") || !strings.Contains(c.Hint, "print-queue list") {
		t.Errorf("open work: %+v", c)
	}
}

func TestDoctorEndpointThatDoesNotAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := newRig(t, nil)
	rep := r.station.Doctor(context.Background(), station.DoctorOptions{Endpoints: []station.DoctorEndpoint{
		{Name: "WMS webhooks", Addr: "http://" + addr + "/hooks?token=s3cret-token", Hint: "check the WMS"},
		{Name: "SMS gateway", Addr: "no port here"},
	}})
	c := checkOf(t, rep, "WMS webhooks reachable")
	if c.State != station.DoctorFail || !strings.Contains(c.Words, addr+" cannot be reached") || c.Hint != "check the WMS" || strings.Contains(c.Words, "s3cret") {
		t.Errorf("webhooks: %+v", c)
	}
	if c := checkOf(t, rep, "SMS gateway reachable"); c.State != station.DoctorWarn {
		t.Errorf("sms: %+v", c)
	}
}

// ---- the data directory and the data file ----

func TestCheckDataFile(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	path := r.store.Path()
	if c := station.CheckDataFile(path); c.State != station.DoctorWarn || !strings.Contains(c.Words, "held by a running labelstation") {
		t.Errorf("while the station holds it: %+v", c)
	}
	r.station.Close()
	r.store.Close()
	if c := station.CheckDataFile(path); c.State != station.DoctorOK || !strings.Contains(c.Words, "every page checked") {
		t.Errorf("closed: %+v", c)
	}
	if c := station.CheckDataFile(filepath.Join(t.TempDir(), store.FileName)); c.State != station.DoctorOK || !strings.Contains(c.Words, "no data file yet") {
		t.Errorf("no file: %+v", c)
	}
	junk := filepath.Join(t.TempDir(), store.FileName)
	os.WriteFile(junk, bytes.Repeat([]byte("not bbolt "), 1000), 0o600)
	if c := station.CheckDataFile(junk); c.State != station.DoctorFail || !strings.Contains(c.Hint, "backup") {
		t.Errorf("junk: %+v", c)
	}
}

const roDirEnv = "LABELSTATION_TEST_READONLY_DIR"

// TestCheckDataDirReadOnly runs the data directory check on a read-only
// mount: a read-only bind mount in a user and mount namespace (root's
// chmod stops nothing; the test binary runs itself in there), or chmod
// for a user who is not root.
func TestCheckDataDirReadOnly(t *testing.T) {
	if dir := os.Getenv(roDirEnv); dir != "" {
		// In the namespace: report for the parent.
		c := station.CheckDataDir(dir)
		f := station.CheckDataFile(filepath.Join(dir, store.FileName))
		fmt.Printf("\nDATADIR %s|%s\nDATAFILE %s|%s\n", c.State, c.Words, f.State, f.Words)
		return
	}
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if c := station.CheckDataDir(dir); c.State != station.DoctorOK {
		t.Fatalf("writable dir: %+v", c)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "-rm", "sh", "-c", `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"`,
		dir, exe, "-test.run=^TestCheckDataDirReadOnly$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), roDirEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	switch {
	case err == nil && strings.Contains(string(out), "DATADIR "):
		var dirLine, fileLine string
		for _, l := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(l, "DATADIR "); ok {
				dirLine = v
			}
			if v, ok := strings.CutPrefix(l, "DATAFILE "); ok {
				fileLine = v
			}
		}
		if !strings.HasPrefix(dirLine, "FAIL|") || !strings.Contains(dirLine, "cannot be written: the file system is read-only") {
			t.Errorf("read-only data dir: %s", dirLine)
		}
		// The data file can still be checked on a read-only disk.
		if !strings.HasPrefix(fileLine, "OK|") {
			t.Errorf("data file on a read-only disk: %s", fileLine)
		}
	case os.Geteuid() != 0:
		t.Logf("no read-only mount here (%v); using chmod", err)
		os.Chmod(dir, 0o500)
		defer os.Chmod(dir, 0o700)
		if c := station.CheckDataDir(dir); c.State != station.DoctorFail || !strings.Contains(c.Words, "may not write there") {
			t.Errorf("read-only data dir: %+v", c)
		}
	default:
		t.Skipf("cannot make the data directory read-only: unshare -rm is not permitted here (%v: %s) and root ignores chmod", err, out)
	}
}

// Doctor on a station opened by a command that has no store (scale tools)
// does not fall over.
func TestDoctorWithoutAStore(t *testing.T) {
	s := station.New(nil, nil, nil, nil, station.Config{})
	rep := s.Doctor(context.Background(), station.DoctorOptions{})
	if !rep.Failed() {
		t.Errorf("no store and no carrier is not a failure:\n%s", dump(rep))
	}
}
