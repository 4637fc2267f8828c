package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"labelstation/printer/printertest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"labelstation": func() { os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI as a person would, end to end, through the real
// binary: a sandbox process on loopback, a TCP listener as printer, a bbolt
// file in the script's work dir.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("SANDBOX_ADDR", freeAddr(env.T().(testing.TB)))
			env.Setenv("SANDBOX2_ADDR", freeAddr(env.T().(testing.TB)))
			sink := printertest.NewSink(env.T().(testing.TB))
			env.Values[sinkKey{}] = sink
			env.Setenv("PRINTER_ADDR", sink.Addr())
			// Keep the host's config and data out of the script.
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, ".data"))
			env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, ".state"))
			env.Setenv("HOME", env.WorkDir)
			// A race-enabled labelstation otherwise sleeps 1s at every exit.
			env.Setenv("GORACE", raceOptions())
			env.Values[tbKey{}] = env.T().(testing.TB)
			env.Values[wmsKey{}] = &wmsBox{}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitport":     cmdWaitPort,
			"httpget":      cmdHTTPGet,
			"checkbooking": cmdCheckBooking,
			"labels":       cmdLabels,
			"decodelabel":  cmdDecodeLabel,
			"bookings":     cmdBookings,
			"expand":       cmdExpand,
			"wms":          cmdWMS,
		},
	})
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type sinkKey struct{}

// tbKey holds the script's testing.TB, for helpers that need one.
type tbKey struct{}

// raceOptions are the GORACE settings for labelstation processes a test
// starts: a race-enabled binary sleeps a second at every exit by default,
// which would make each command of a script take a second.
func raceOptions() string {
	return strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
}

// waitport ADDR: wait until something listens on ADDR.
func cmdWaitPort(ts *testscript.TestScript, neg bool, args []string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", args[0], 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("nothing listens on %s", args[0])
}

// httpget URL FILE: GET URL into FILE.
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	resp, err := http.Get(args[0])
	if err != nil {
		ts.Fatalf("%v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if err := os.WriteFile(ts.MkAbs(args[1]), data, 0o644); err != nil {
		ts.Fatalf("%v", err)
	}
}

// labels N: wait until the printer holds N complete ^XA…^XZ labels, and
// write what it received to printed.zpl for grep.
func cmdLabels(ts *testscript.TestScript, neg bool, args []string) {
	var want int
	fmt.Sscan(args[0], &want)
	sink := ts.Value(sinkKey{}).(*printertest.Sink)
	got := sink.WaitLabels(want, 3*time.Second)
	if err := os.WriteFile(ts.MkAbs("printed.zpl"), sink.Bytes(), 0o644); err != nil {
		ts.Fatalf("%v", err)
	}
	if len(got) != want {
		ts.Fatalf("printer received %d complete labels, want %d", len(got), want)
	}
}

// checkbooking BOOKINGS.json: exactly one booking was recorded and its item
// id is the one on the printed label and in the report.
func cmdCheckBooking(ts *testscript.TestScript, neg bool, args []string) {
	var bookings []struct {
		ItemIDs []string `json:"item_ids"`
	}
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &bookings); err != nil {
		ts.Fatalf("bookings: %v", err)
	}
	if len(bookings) != 1 || len(bookings[0].ItemIDs) != 1 {
		ts.Fatalf("sandbox recorded %d bookings, want exactly 1", len(bookings))
	}
	id := bookings[0].ItemIDs[0]
	if label := ts.ReadFile("printed.zpl"); !strings.Contains(label, id) {
		ts.Fatalf("printed label does not carry the allocated id %s", id)
	}
	for _, f := range args[1:] {
		if !strings.Contains(ts.ReadFile(f), id) {
			ts.Fatalf("%s does not list tracking id %s", f, id)
		}
	}
	ts.Logf("tracking id %s: booked once, printed, reported", id)
}
