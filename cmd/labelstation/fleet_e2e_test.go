package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"labelstation/carrier/sandbox"
	"labelstation/config"
	"labelstation/internal/pgtest"
	"labelstation/printer/printertest"
	"labelstation/station"
)

// The fleet tests: three benches — three data directories, three configs,
// three printers, each command a process of the real binary — on one
// PostgreSQL server of the test's own (a cluster in a temporary
// directory, which the test stops and starts again), booking with the
// sandbox over HTTP. Orders are imported on bench-1 only; the others find
// them through the server. Then:
//
//	concurrent scans: the three benches pack the same order at the same
//	    moment, ten orders over: one ships it, two are told where it went;
//	cut off: with the server stopped bench-2 packs and prints; when the
//	    server returns its records arrive once each, and an order another
//	    bench packed meanwhile is a conflict for a supervisor;
//	killed: a bench SIGKILLed while it packs and while it pushes catches
//	    up: the server holds what its store holds, nothing twice;
//	poller failover: three `fleet run`s, one polls Track & Trace for the
//	    site; killed, another takes over; events land once, and each bench
//	    records its own parcels' events.

const fleetBenchTOML = demoConsignorTOML + `
[postnord]
url = "http://%[1]s"
apikey = "fleet-test-key"

[station]
name = "%[2]s"
default_service = "19"
printer = "tcp://%[3]s"

[outbox]
lookup_grace = "0s"

[fleet]
postgres_url = "%[4]s"
push_every = "200ms"
poller_retry = "1s"
track_every = "300ms"
`

// fleetPassword is given to every bench as the server's password (the
// test cluster trusts loopback, so it is never checked): it must never
// show in an output or a log.
const fleetPassword = "fleet-e2e-Secret-7r9"

// fleetPollerRetry is [fleet] poller_retry above.
const fleetPollerRetry = time.Second

type fleetSite struct {
	pg  *pgtest.Server
	url string
	db  *pgxpool.Pool
	sb  *sandbox.Server
	// asks are the Track & Trace look-ups that reached the sandbox, by
	// bench: each bench reaches the one sandbox on an address of its own.
	asks    *trackLog
	benches []*rig // bench-1 … bench-3, each with the parent test's t
}

// trackLog records which bench asked Track & Trace about which parcel
// when (the sandbox's own request log cannot tell the benches apart).
type trackLog struct {
	mu   sync.Mutex
	asks []trackAsk
}

type trackAsk struct {
	bench, id string
	at        time.Time
}

// trackPath is Track & Trace by id: /rest/shipment/v7/trackandtrace/id/{id}/public.
var trackPath = regexp.MustCompile(`^/rest/shipment/v7/trackandtrace/id/([^/]+)/public$`)

// handler is h, the sandbox, as bench reaches it.
func (l *trackLog) handler(bench string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := trackPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodGet {
			l.mu.Lock()
			l.asks = append(l.asks, trackAsk{bench: bench, id: m[1], at: time.Now()})
			l.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// since is the look-ups from t on.
func (l *trackLog) since(t time.Time) []trackAsk {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []trackAsk
	for _, a := range l.asks {
		if !a.at.Before(t) {
			out = append(out, a)
		}
	}
	return out
}

func newFleetSite(t *testing.T) *fleetSite {
	t.Helper()
	pg, err := pgtest.Start()
	if err != nil {
		t.Fatalf("PostgreSQL for the fleet tests: %v", err)
	}
	t.Cleanup(pg.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url, err := pg.NewDatabase(ctx, "site")
	if err != nil {
		t.Fatalf("%v\n%s", err, pg.Log())
	}
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	f := &fleetSite{pg: pg, url: url, db: db}
	// Stepped stories: a parcel's first event (the EDI pre-advice) is
	// there as soon as it is booked.
	f.sb = sandbox.New(sandbox.Options{Seed: 12, Story: func(string) sandbox.Story { return sandbox.StoryStepped }})
	f.asks = &trackLog{}
	bin, err := exec.LookPath("labelstation")
	if err != nil {
		t.Fatalf("the labelstation command is not on $PATH (TestMain's testscript.Main puts it there): %v", err)
	}
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("bench-%d", i)
		dir := t.TempDir()
		cn := newCarrierNet(t, f.asks.handler(name, f.sb))
		cn.up()
		r := &rig{t: t, bin: bin, dir: dir, data: filepath.Join(dir, "data"), config: filepath.Join(dir, "station.toml"),
			sb: f.sb, net: cn, sink: printertest.NewSink(t)}
		cfg := fmt.Sprintf(fleetBenchTOML, cn.addr, name, r.sink.Addr(), url)
		if err := os.WriteFile(r.config, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, kv := range os.Environ() {
			if strings.HasPrefix(kv, "LABELSTATION_") || strings.HasPrefix(kv, "XDG_") || strings.HasPrefix(kv, "GORACE=") {
				continue
			}
			r.env = append(r.env, kv)
		}
		r.env = append(r.env, "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"), "XDG_DATA_HOME="+filepath.Join(dir, ".data"),
			"XDG_STATE_HOME="+filepath.Join(dir, ".state"), "GORACE="+raceOptions(),
			"LABELSTATION_FLEET_POSTGRES_PASSWORD="+fleetPassword)
		f.benches = append(f.benches, r)
	}
	return f
}

// bench is bench n (1-based) for test t (a subtest fails on its own).
func (f *fleetSite) bench(t testing.TB, n int) *rig {
	c := *f.benches[n-1]
	c.t = t
	return &c
}

func benchID(n int) string { return fmt.Sprintf("bench-%d", n) }

// query runs a statement on the server for the test's own look.
func (f *fleetSite) query(t testing.TB, dst []any, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.db.QueryRow(ctx, sql, args...).Scan(dst...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fleetSite) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	f.query(t, []any{&n}, sql, args...)
	return n
}

// serverNow is the server's clock.
func (f *fleetSite) serverNow(t testing.TB) time.Time {
	t.Helper()
	var now time.Time
	f.query(t, []any{&now}, `SELECT now()`)
	return now
}

// tableLock is a table the test holds locked in EXCLUSIVE mode: the
// benches read it, their writes wait until release.
type tableLock struct {
	tx       pgx.Tx
	released bool
}

func (f *fleetSite) lockTable(t testing.TB, table string) *tableLock {
	t.Helper()
	ctx := context.Background()
	tx, err := f.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE `+table+` IN EXCLUSIVE MODE`); err != nil {
		tx.Rollback(ctx)
		t.Fatal(err)
	}
	return &tableLock{tx: tx}
}

func (l *tableLock) release() {
	if !l.released {
		l.released = true
		l.tx.Rollback(context.Background())
	}
}

// pairs reads two text columns into a map (first → second).
func (f *fleetSite) pairs(t testing.TB, sql string, args ...any) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := f.db.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[k]; dup {
			t.Fatalf("%s: %q twice", sql, k)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// eventually polls cond until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

func seq(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", prefix, i+1)
	}
	return out
}

var packedTrackingRE = regexp.MustCompile(`^printed (\S+): .*, tracking (\S+),`)

// packedTracking is the tracking id a successful pack printed.
func packedTracking(t testing.TB, res result) string {
	t.Helper()
	m := packedTrackingRE.FindStringSubmatch(res.stdout)
	if m == nil {
		t.Fatalf("no tracking id in the pack's output:\n%s", res)
	}
	return m[2]
}

// labelsFor counts the labels of order ref a printer received.
func labelsFor(sink *printertest.Sink, ref string) int {
	n := 0
	for _, l := range parseLabels(sink.Labels()) {
		if l.orderRef == ref {
			n++
		}
	}
	return n
}

func bookingsFor(sb *sandbox.Server, ref string) int {
	n := 0
	for _, b := range sb.Bookings() {
		if b.OrderRef == ref {
			n++
		}
	}
	return n
}

func TestFleet(t *testing.T) {
	start := time.Now()
	f := newFleetSite(t)
	b1 := f.bench(t, 1)
	// The settings window's Test connection on the site's database before
	// anyone set it up: the server answers, the schema is missing, and
	// the test creates nothing there (the person has only typed the
	// address).
	onScreen := config.Default()
	onScreen.Station.Name, onScreen.Fleet.PostgresURL, onScreen.Fleet.Password = "bench-1", f.url, fleetPassword
	if c := testFleet(context.Background(), onScreen); c.State != station.DoctorWarn || !strings.Contains(c.Words, "answers as bench bench-1, no site schema yet") ||
		!strings.Contains(c.Hint, "labelstation fleet migrate") {
		t.Errorf("settings Test on a database without the schema: %+v", c)
	}
	if n := f.count(t, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); n != 0 {
		t.Errorf("the settings window's Test created %d tables on the server", n)
	}
	if res := b1.mustRun("fleet", "migrate"); !strings.Contains(res.stdout, "is up to date") {
		t.Fatalf("fleet migrate:\n%s", res)
	}
	// The site's orders, imported on bench-1 only: its push before exit
	// takes them to the server.
	scans, killed, failover := seq("FA", 10), seq("KC", 6), seq("FD", 4)
	b1.importOrders(t, append(append(append([]string{}, scans...), killed...), failover...)...)
	if n := f.count(t, `SELECT count(*) FROM orders WHERE station = 'bench-1'`); n != len(scans)+len(killed)+len(failover) {
		t.Fatalf("the server holds %d of bench-1's %d orders after the import", n, len(scans)+len(killed)+len(failover))
	}

	if c := testFleet(context.Background(), onScreen); c.State != station.DoctorWarn || !strings.Contains(c.Words, "answers as bench bench-1, schema applied; no bench polls Track & Trace for the site") {
		t.Errorf("settings Test after fleet migrate: %+v", c)
	}
	// The doctor's look at the site: the server answers, the schema is
	// there, and nobody polls yet (no bench runs).
	if res := b1.run("doctor"); !regexp.MustCompile(`(?m)^WARN +Site server +postgres://labelstation@127\.0\.0\.1:\d+/site\S* answers as bench bench-1, schema applied; no bench polls Track & Trace for the site`).MatchString(res.stdout) {
		t.Errorf("doctor's Site server line:\n%s", res)
	}

	t.Run("concurrent scans", func(t *testing.T) { testFleetConcurrentScans(t, f, scans) })
	t.Run("cut off", func(t *testing.T) { testFleetCutOff(t, f) })
	t.Run("killed", func(t *testing.T) { testFleetKilled(t, f, killed) })
	t.Run("poller failover", func(t *testing.T) { testFleetPollerFailover(t, f, failover) })
	t.Run("site report", func(t *testing.T) { testFleetSiteReport(t, f) })

	// The password never showed: not in an output (checked as the
	// commands ran, see run), not in a log file.
	for i := 1; i <= 3; i++ {
		filepath.WalkDir(f.benches[i-1].dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, ".db") {
				return nil
			}
			if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(fleetPassword)) {
				t.Errorf("%s holds the server's password", path)
			}
			return nil
		})
	}
	t.Logf("fleet tests took %s", time.Since(start).Round(time.Millisecond))
}

// packTogether starts `pack ref` on the three benches and lets their
// claims reach the server together: the test holds the claims table
// locked (EXCLUSIVE: reads pass, writes wait) until the three claims wait
// on it, then lets go. A claim waits at most fleet.DefaultClaimTimeout
// (2 s) before the bench claims locally, so the lock is let go within
// 1.2 s of the first waiter even if a bench is slow to start.
func packTogether(t *testing.T, f *fleetSite, ref string) (res [3]result, together bool) {
	ctx := context.Background()
	tx, err := f.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE claims IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			tx.Rollback(ctx)
		}
	}
	defer release()
	args := []string{"pack", ref, "--weight", "1kg"}
	var cmds [3]*exec.Cmd
	var outs, errs [3]bytes.Buffer
	var wg sync.WaitGroup
	var waitErr [3]error
	starts := time.Now()
	for i := range cmds {
		cmds[i] = f.bench(t, i+1).command(nil, args...)
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &errs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	var ended sync.WaitGroup
	ended.Add(3)
	for i := range cmds {
		wg.Go(func() { waitErr[i] = cmds[i].Wait(); ended.Done() })
	}
	allEnded := make(chan struct{})
	go func() { ended.Wait(); close(allEnded) }()
	var firstWaiter time.Time
	for !released {
		var waiting int
		f.query(t, []any{&waiting}, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name LIKE 'labelstation bench-%'`)
		switch {
		case waiting == 3:
			together = true
			release()
		case waiting > 0 && firstWaiter.IsZero():
			firstWaiter = time.Now()
		case !firstWaiter.IsZero() && time.Since(firstWaiter) > 1200*time.Millisecond:
			t.Logf("%s: only %d of 3 claims waited together after 1.2 s; let go", ref, waiting)
			release()
		case time.Since(starts) > 30*time.Second:
			release()
			t.Fatalf("%s: no claim reached the server in 30 s", ref)
		}
		select {
		case <-allEnded:
			release()
		case <-time.After(2 * time.Millisecond):
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		for _, c := range cmds {
			c.Process.Kill()
		}
		<-done
		t.Fatalf("%s: the packs did not end within a minute", ref)
	}
	for i := range cmds {
		res[i] = result{args: append([]string{"(" + benchID(i+1) + ")"}, args...), stdout: outs[i].String(), stderr: errs[i].String(), took: time.Since(starts)}
		res[i].code, res[i].signal = exitOf(t, waitErr[i])
		checkNoRace(t, res[i])
	}
	return res, together
}

func testFleetConcurrentScans(t *testing.T, f *fleetSite, refs []string) {
	rounds := 0
	for _, ref := range refs {
		res, together := packTogether(t, f, ref)
		if together {
			rounds++
		}
		winner, tracking := 0, ""
		for i, r := range res {
			if r.code == 0 {
				if winner != 0 {
					t.Fatalf("%s: %s and %s both packed it:\n%s%s", ref, benchID(winner), benchID(i+1), res[winner-1], r)
				}
				winner, tracking = i+1, packedTracking(t, r)
			}
		}
		if winner == 0 {
			t.Fatalf("%s: no bench packed it:\n%s%s%s", ref, res[0], res[1], res[2])
		}
		w := benchID(winner)
		for i, r := range res {
			if i+1 == winner {
				continue
			}
			packed := fmt.Sprintf("order %s is already packed at %s at ", ref, w)
			busy := fmt.Sprintf("order %s is being packed at %s since ", ref, w)
			switch {
			case r.code != 1:
				t.Fatalf("%s: the loser %s exit %d, want 1:\n%s", ref, benchID(i+1), r.code, r)
			case strings.Contains(r.stderr, packed):
				if !strings.Contains(r.stderr, "(tracking "+tracking+")") {
					t.Fatalf("%s: the loser is told it is packed at %s, but not with its tracking %s:\n%s", ref, w, tracking, r)
				}
			case strings.Contains(r.stderr, busy):
			default:
				t.Fatalf("%s: the loser %s is not told that %s has it (%q or %q):\n%s", ref, benchID(i+1), w, packed, busy, r)
			}
			if !strings.Contains(r.stderr, "hint: ") {
				t.Fatalf("%s: no hint for the loser:\n%s", ref, r)
			}
		}
		// One booking, one row on the server, one label on the winner's
		// printer only.
		if n := bookingsFor(f.sb, ref); n != 1 {
			t.Fatalf("%s: the sandbox holds %d bookings, want 1: %s", ref, n, bookingsOf(f.sb.Bookings(), ref))
		}
		var rows int
		var station, serverTracking string
		f.query(t, []any{&rows, &station, &serverTracking}, `SELECT count(*), COALESCE(min(station), ''), COALESCE(min(tracking_id), '') FROM shipments WHERE order_ref = $1`, ref)
		if rows != 1 || station != w || serverTracking != tracking {
			t.Fatalf("%s: the server holds %d shipments rows (%s, %s), want one from %s with tracking %s", ref, rows, station, serverTracking, w, tracking)
		}
		if holder := f.pairs(t, `SELECT order_ref, station FROM claims WHERE order_ref = $1`, ref)[ref]; holder != w {
			t.Fatalf("%s: the server's claim is %q's, want %s's", ref, holder, w)
		}
		for i := 1; i <= 3; i++ {
			want := 0
			if i == winner {
				want = 1
			}
			sink := f.benches[i-1].sink
			if i == winner {
				// The winner's label, should the sink still be reading it.
				eventually(t, 5*time.Second, ref+": no label on the winner's printer", func() bool { return labelsFor(sink, ref) > 0 })
			}
			if n := labelsFor(f.benches[i-1].sink, ref); n != want {
				t.Fatalf("%s: %s's printer got %d labels, want %d", ref, benchID(i), n, want)
			}
		}
		t.Logf("%s: %s packed it (tracking %s)%s; the others were told so", ref, w, tracking, map[bool]string{true: ", the three claims released together", false: ""}[together])
	}
	// Most rounds must be truly simultaneous (the three claims waiting
	// on the server at one moment), or the test did not show what it
	// claims: a process slow to start lets a round go one bench at a time.
	if rounds*2 < len(refs) {
		t.Errorf("in only %d of %d rounds did the three claims wait on the server together, want at least half: the scans were not concurrent", rounds, len(refs))
	}
	t.Logf("%d of %d rounds: the three claims waited on the server together", rounds, len(refs))
}

// fleetStatusOut is `fleet status --json`.
type fleetStatusOut struct {
	Station   string `json:"station"`
	Reachable bool   `json:"reachable"`
	LastErr   string `json:"last_error"`
	Backlog   int    `json:"backlog"`
	Poller    string `json:"poller"`
	Conflicts int    `json:"conflicts"`
}

func fleetStatusOf(r *rig) fleetStatusOut {
	r.t.Helper()
	res := r.mustRun("fleet", "status", "--json")
	var st fleetStatusOut
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil {
		r.t.Fatalf("fleet status --json: %v\n%s", err, res)
	}
	return st
}

type fleetSyncOut struct {
	Pushed    int `json:"pushed"`
	Backlog   int `json:"backlog"`
	Conflicts []struct {
		OrderRef      string `json:"order_ref"`
		Other         string `json:"other"`
		OtherTracking string `json:"other_tracking"`
		Tracking      string `json:"tracking"`
	} `json:"conflicts"`
}

func fleetSyncOf(r *rig) fleetSyncOut {
	r.t.Helper()
	res := r.mustRun("fleet", "sync", "--json")
	var out fleetSyncOut
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		r.t.Fatalf("fleet sync --json: %v\n%s", err, res)
	}
	return out
}

// serverCounts are the rows of the replicated tables.
func (f *fleetSite) serverCounts(t testing.TB) string {
	var s []string
	for _, table := range []string{"orders", "claims", "claim_conflicts", "shipments", "outbox", "print_jobs", "events", "track_summaries"} {
		s = append(s, fmt.Sprintf("%s %d", table, f.count(t, "SELECT count(*) FROM "+table)))
	}
	return strings.Join(s, ", ")
}

func testFleetCutOff(t *testing.T, f *fleetSite) {
	b2, b3 := f.bench(t, 2), f.bench(t, 3)
	// The orders bench-2 packs while cut off are its own (a bench finds
	// another's orders only through the server); FC-01 is on the server
	// too, where bench-3 finds it.
	cut := seq("FB", 5)
	b2.importOrders(t, append(append([]string{}, cut...), "FC-01")...)
	if err := f.pg.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			f.pg.StartAgain()
		}
	}()
	tracking := map[string]string{}
	for _, ref := range append(append([]string{}, cut...), "FC-01") {
		res := b2.mustRun("pack", ref, "--weight", "800g")
		tracking[ref] = packedTracking(t, res)
		if labelsFor(b2.sink, ref) != 1 {
			t.Fatalf("%s: packed while cut off, but bench-2's printer has %d labels of it", ref, labelsFor(b2.sink, ref))
		}
		if res.took > 10*time.Second {
			t.Errorf("%s: the pack took %s while the server was away", ref, res.took)
		}
	}
	st := fleetStatusOf(b2)
	if st.Reachable || st.Backlog < len(cut)+1 {
		t.Fatalf("fleet status while cut off: %+v, want unreachable with at least %d records waiting", st, len(cut)+1)
	}
	t.Logf("cut off: bench-2 packed and printed %d orders; fleet status: %d records wait (%s)", len(cut)+1, st.Backlog, st.LastErr)
	if res := b2.run("fleet", "sync"); res.code != 1 || !strings.Contains(res.stderr, "cannot be reached") || !strings.Contains(res.stderr, "hint: ") {
		t.Fatalf("fleet sync with the server away: want exit 1 with a hint:\n%s", res)
	}

	if err := f.pg.StartAgain(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	// Meanwhile bench-3, online, packs FC-01: the server knows no claim
	// on it, so bench-3 ships it too.
	otherTracking := packedTracking(t, b3.mustRun("pack", "FC-01", "--weight", "800g"))

	sync := fleetSyncOf(b2)
	if sync.Backlog != 0 || sync.Pushed < len(cut)+1 {
		t.Fatalf("fleet sync after the server returned: %+v", sync)
	}
	if len(sync.Conflicts) != 1 || sync.Conflicts[0].OrderRef != "FC-01" || sync.Conflicts[0].Other != "bench-3" {
		t.Fatalf("fleet sync conflicts: %+v, want FC-01 against bench-3", sync.Conflicts)
	}
	// Each of bench-2's shipments once, with its claim.
	ships := f.pairs(t, `SELECT order_ref, tracking_id FROM shipments WHERE station = 'bench-2' AND order_ref LIKE 'FB-%'`)
	claims := f.pairs(t, `SELECT order_ref, station FROM claims WHERE order_ref LIKE 'FB-%'`)
	for _, ref := range cut {
		if ships[ref] != tracking[ref] {
			t.Errorf("%s: the server's bench-2 shipment has tracking %q, bench-2 printed %s", ref, ships[ref], tracking[ref])
		}
		if claims[ref] != "bench-2" {
			t.Errorf("%s: the server's claim is %q's, want bench-2's", ref, claims[ref])
		}
		if n := f.count(t, `SELECT count(*) FROM shipments WHERE order_ref = $1`, ref); n != 1 {
			t.Errorf("%s: %d shipments rows on the server, want 1", ref, n)
		}
	}
	if len(ships) != len(cut) {
		t.Errorf("the server holds %d FB shipments from bench-2, want %d: %v", len(ships), len(cut), ships)
	}
	// Pushing again adds nothing.
	before := f.serverCounts(t)
	if again := fleetSyncOf(b2); again.Pushed != 0 || len(again.Conflicts) != 0 {
		t.Errorf("a second fleet sync pushed %d records and found %d conflicts, want none", again.Pushed, len(again.Conflicts))
	}
	if after := f.serverCounts(t); after != before {
		t.Errorf("a second push changed the server: %s → %s", before, after)
	}

	// The conflict: on bench-2 for its supervisor, and on the server.
	res := b2.mustRun("fleet", "conflicts", "--json")
	var cs []struct {
		OrderRef      string    `json:"order_ref"`
		Other         string    `json:"other"`
		OtherTracking string    `json:"other_tracking"`
		Tracking      string    `json:"tracking"`
		Resolved      time.Time `json:"resolved"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &cs); err != nil {
		t.Fatalf("fleet conflicts --json: %v\n%s", err, res)
	}
	if len(cs) != 1 || cs[0].OrderRef != "FC-01" || cs[0].Other != "bench-3" || cs[0].Tracking != tracking["FC-01"] {
		t.Fatalf("bench-2's conflicts: %+v, want FC-01 against bench-3 with this bench's tracking %s", cs, tracking["FC-01"])
	}
	if cs[0].OtherTracking != otherTracking {
		t.Errorf("the conflict names bench-3's tracking %q, bench-3 printed %s", cs[0].OtherTracking, otherTracking)
	}
	var station, other string
	f.query(t, []any{&station, &other}, `SELECT station, other_station FROM claim_conflicts WHERE order_ref = 'FC-01'`)
	if station != "bench-2" || other != "bench-3" {
		t.Errorf("the server's claim_conflicts row: %s against %s, want bench-2 against bench-3", station, other)
	}
	if text := b2.mustRun("fleet", "conflicts"); !strings.Contains(text.stdout, "FC-01") || !strings.Contains(text.stdout, otherTracking) {
		t.Errorf("fleet conflicts does not show FC-01 with bench-3's tracking:\n%s", text)
	}
	if st := fleetStatusOf(b2); !st.Reachable || st.Conflicts != 1 || st.Backlog != 0 {
		t.Errorf("fleet status after the sync: %+v", st)
	}
	// The site's list, on any bench: both benches' tracking ids.
	if site := b3.mustRun("fleet", "conflicts", "--site"); !regexp.MustCompile(`(?m)^FC-01 +bench-2 +\S+ \S+ +` + regexp.QuoteMeta(tracking["FC-01"]) + ` +bench-3 +\S+ \S+ +` + regexp.QuoteMeta(otherTracking) + ` `).MatchString(site.stdout) {
		t.Errorf("fleet conflicts --site does not show FC-01 with bench-2's tracking %s and bench-3's %s:\n%s", tracking["FC-01"], otherTracking, site)
	}
	const note = "bench-3's parcel stopped at the dock"
	if res := b2.mustRun("fleet", "resolve", "FC-01", "--note", note); !strings.Contains(res.stdout, "the site's server has it") {
		t.Errorf("fleet resolve does not say the resolution reached the site:\n%s", res)
	}
	if st := fleetStatusOf(b2); st.Conflicts != 0 {
		t.Errorf("fleet status after resolve: %d conflicts", st.Conflicts)
	}
	// The resolution reached the site at once, with no other push.
	var resolved bool
	var serverNote string
	f.query(t, []any{&resolved, &serverNote}, `SELECT resolved_at IS NOT NULL, COALESCE(note, '') FROM claim_conflicts WHERE order_ref = 'FC-01' AND station = 'bench-2'`)
	if !resolved || serverNote != note {
		t.Errorf("the server's conflict after fleet resolve: resolved %v, note %q; want resolved with %q", resolved, serverNote, note)
	}
	if site := b3.mustRun("fleet", "conflicts", "--site"); !strings.Contains(site.stdout, "no claim conflicts on the site") {
		t.Errorf("fleet conflicts --site after the resolve:\n%s", site)
	}
	t.Logf("after the cut: bench-2's %d shipments on the server once each, a second push added nothing (%s), FC-01 is a conflict against bench-3", len(cut), before)
}

// fleetProc is a `fleet run` process in the background.
type fleetProc struct {
	t         testing.TB
	name      string
	cmd       *exec.Cmd
	out, errb syncBuffer
	done      chan struct{}
	err       error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startFleetRun starts `fleet run` on r and waits for its start line.
func startFleetRun(r *rig, name string) *fleetProc {
	r.t.Helper()
	p := &fleetProc{t: r.t, name: name, cmd: r.command(nil, "fleet", "run"), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errb
	if err := p.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	r.t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done })
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.out.String(), "labelstation fleet run: bench "+name) {
		select {
		case <-p.done:
			r.t.Fatalf("fleet run on %s ended at start: %v\n%s%s", name, p.err, p.out.String(), p.errb.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("fleet run on %s did not start in 30 s:\n%s%s", name, p.out.String(), p.errb.String())
		}
	}
	return p
}

// stop sends sig and waits for the end.
func (p *fleetProc) stop(sig syscall.Signal) result {
	p.t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("fleet run on %s did not end within 30 s of %v", p.name, sig)
	}
	res := result{args: []string{"fleet", "run", "(" + p.name + ")"}, stdout: p.out.String(), stderr: p.errb.String()}
	res.code, res.signal = exitOf(p.t, p.err)
	checkNoRace(p.t, res)
	return res
}

// benchShipments are a bench's shipments (order → tracking id) from its
// report of yesterday and today.
func benchShipments(r *rig) map[string]string {
	r.t.Helper()
	out := map[string]string{}
	for _, day := range []time.Time{time.Now().Add(-24 * time.Hour), time.Now()} {
		res := r.mustRun("report", "--format", "json", "--date", day.Format("2006-01-02"))
		var rep struct {
			Shipments []struct {
				OrderRef   string `json:"order_ref"`
				TrackingID string `json:"tracking_id"`
			} `json:"shipments"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
			r.t.Fatalf("report: %v\n%s", err, res.stdout)
		}
		for _, s := range rep.Shipments {
			out[s.OrderRef] = s.TrackingID
		}
	}
	return out
}

func testFleetKilled(t *testing.T, f *fleetSite, refs []string) {
	b3 := f.bench(t, 3)
	seed := envInt(t, "LABELSTATION_CRASH_SEED", time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(uint64(seed), 0xf1ee7))
	t.Logf("seed %d (LABELSTATION_CRASH_SEED repeats the kills)", seed)
	weight := "1200g"
	printer := "tcp://" + b3.sink.Addr()
	// The server takes the packs' claims but holds their shipments back
	// (the test locks the table: reads pass, writes wait), so what the
	// packs record stays in the bench's marks — whether a pack is killed or
	// its push before exit gives up after 2 s — for the headless bench to
	// push, and to be killed while pushing.
	hold := f.lockTable(t, "shipments")
	defer hold.release()
	// Packs killed at random moments after they opened the data file:
	// before the claim, after the booking, after the label, while the push
	// before exit waits. At least one is killed for sure: the last is
	// killed at once if none was.
	kills := 0
	for i, ref := range refs {
		delay := time.Duration(rng.Int64N(int64(400 * time.Millisecond)))
		if i == len(refs)-1 && kills == 0 {
			delay = time.Duration(rng.Int64N(int64(20 * time.Millisecond)))
		}
		res, killed, _, since := b3.runMaybeKill([]string{"pack", ref, "--weight", weight}, true, delay)
		what := fmt.Sprintf("exit %d: %s", res.code, firstLine(res.stdout+res.stderr))
		if killed {
			kills++
			what = fmt.Sprintf("KILLED %s after opening the data file", since.Round(time.Millisecond))
		}
		t.Logf("pack %s on bench-3: %s [sandbox bookings %d, labels %d]", ref, what, bookingsFor(f.sb, ref), labelsFor(b3.sink, ref))
	}
	if kills == 0 {
		t.Fatalf("none of the %d packs was killed while it ran: the test showed no crash", len(refs))
	}
	// The packs' pushes that gave up are still waiting on the server's
	// side for the lock; they end (rolled back: their clients are gone)
	// when it is let go, below.
	st := fleetStatusOf(b3)
	if !st.Reachable || st.Backlog == 0 {
		t.Fatalf("before fleet run: bench-3's status %+v, want the server reachable and records waiting to be pushed", st)
	}
	t.Logf("%d of %d packs killed; %d records wait to be pushed", kills, len(refs), st.Backlog)
	// The headless bench, killed while it pushes what the packs left: its
	// push waits on the lock, seen on the server, when the kill comes.
	pushFrom := f.serverNow(t)
	run := startFleetRun(b3, "bench-3")
	eventually(t, 30*time.Second, "fleet run's push did not reach the server", func() bool { return f.waitingPush(t, "bench-3", pushFrom) > 0 })
	if res := run.stop(syscall.SIGKILL); res.signal != syscall.SIGKILL {
		t.Fatalf("fleet run was to be killed while its push waited, but it ended by itself:\n%s", res)
	}
	hold.release()
	// The packer finishes the orders, as after any crash.
	if res := b3.run("queue", "sync", "--timeout", "30s"); res.code != 0 {
		t.Logf("queue sync after the kills: %s", res)
	}
	answers := map[string]int{}
	for _, ref := range refs {
		b3.finishOrder(ref, weight, printer, answers)
	}
	t.Logf("finishing the killed orders: %v", answers)
	// Running again, the bench catches up.
	run = startFleetRun(b3, "bench-3")
	time.Sleep(time.Second)
	if res := run.stop(syscall.SIGTERM); res.code != 0 {
		t.Fatalf("fleet run ended by SIGTERM: want exit 0:\n%s", res)
	}
	fleetSyncOf(b3)
	if st := fleetStatusOf(b3); st.Backlog != 0 || !st.Reachable {
		t.Fatalf("bench-3 after catching up: %+v", st)
	}
	testFleetRunLastPush(t, f, b3, weight)
	// The server holds every shipment the store holds, once.
	local := benchShipments(b3)
	server := f.pairs(t, `SELECT order_ref, tracking_id FROM shipments WHERE station = 'bench-3' AND cancelled IS NULL`)
	if fmt.Sprint(local) != fmt.Sprint(server) {
		t.Fatalf("bench-3's shipments differ from the server's:\n store  %v\n server %v", local, server)
	}
	// One claim per order, bench-3's (the claims table's key is the
	// order: a second row cannot exist, a missing one can).
	claims := f.pairs(t, `SELECT order_ref, station FROM claims WHERE order_ref LIKE 'KC-%'`)
	for _, ref := range refs {
		if claims[ref] != "bench-3" {
			t.Errorf("%s: the server's claim is %q's, want bench-3's", ref, claims[ref])
		}
	}
	if len(claims) != len(refs) {
		t.Errorf("the server holds %d claims on the KC orders, want %d: %v", len(claims), len(refs), claims)
	}
	for _, ref := range refs {
		if local[ref] == "" {
			t.Errorf("%s: bench-3 holds no shipment of it after finishing", ref)
		}
		if n := bookingsFor(f.sb, ref); n != 1 {
			t.Errorf("%s: the sandbox holds %d bookings, want 1: %s", ref, n, bookingsOf(f.sb.Bookings(), ref))
		}
		if n := f.count(t, `SELECT count(*) FROM shipments WHERE order_ref = $1`, ref); n != 1 {
			t.Errorf("%s: %d shipments rows on the server, want 1", ref, n)
		}
	}
	// And its queue, entry by entry.
	res := b3.mustRun("queue", "list", "--all", "--json")
	var entries []struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &entries); err != nil {
		t.Fatalf("queue list: %v\n%s", err, res)
	}
	localQueue := map[string]string{}
	for _, e := range entries {
		localQueue[e.ID] = e.State
	}
	serverQueue := f.pairs(t, `SELECT entry_id, state FROM outbox WHERE station = 'bench-3'`)
	if fmt.Sprint(localQueue) != fmt.Sprint(serverQueue) {
		t.Fatalf("bench-3's queue differs from the server's:\n store  %v\n server %v", localQueue, serverQueue)
	}
	if n := f.count(t, `SELECT count(*) FROM print_jobs WHERE station = 'bench-3'`); n != 0 {
		t.Errorf("the server holds %d unconfirmed print jobs of bench-3, whose print queue is empty", n)
	}
	t.Logf("bench-3, killed while packing and while pushing: its %d shipments and %d queue entries are on the server once each", len(local), len(localQueue))
}

// waitingPush is how many of bench's pushes wait on the server for a
// lock, among statements started at from or later. A push's first
// statements are its bench's row in stations, then its shipments: behind
// the test's lock on shipments a push waits there, and a later push waits
// at stations, on the row the first one holds. (The poller's writes are
// other statements.)
func (f *fleetSite) waitingPush(t testing.TB, bench string, from time.Time) int {
	return f.count(t, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'labelstation ' || $1 AND query_start >= $2
		AND wait_event_type = 'Lock' AND (query LIKE '%INSERT INTO shipments%' OR query LIKE '%INSERT INTO stations%')`, bench, from)
}

// testFleetRunLastPush: `fleet run` stopped by SIGTERM pushes once more
// before it exits. Its pushes wait on the test's lock on shipments; the
// signal comes while one waits, and only a push started after the signal
// — seen waiting on the server — can carry the records once the lock is
// let go (the waiting one's client has given up by then).
func testFleetRunLastPush(t *testing.T, f *fleetSite, b3 *rig, weight string) {
	const ref = "KS-01"
	b3.importOrders(t, ref)
	hold := f.lockTable(t, "shipments")
	defer hold.release()
	b3.mustRun("pack", ref, "--weight", weight) // its push before exit gives up after 2 s
	if st := fleetStatusOf(b3); st.Backlog == 0 {
		t.Fatalf("%s packed while the server's shipments are locked, yet nothing waits to be pushed: %+v", ref, st)
	}
	from := f.serverNow(t)
	run := startFleetRun(b3, "bench-3")
	eventually(t, 30*time.Second, "fleet run's push did not reach the server", func() bool { return f.waitingPush(t, "bench-3", from) > 0 })
	signalled := f.serverNow(t)
	run.cmd.Process.Signal(syscall.SIGTERM)
	eventually(t, 10*time.Second, "fleet run made no push after SIGTERM", func() bool { return f.waitingPush(t, "bench-3", signalled) > 0 })
	hold.release()
	if res := run.stop(syscall.SIGTERM); res.code != 0 {
		t.Fatalf("fleet run ended by SIGTERM: want exit 0:\n%s", res)
	}
	if st := fleetStatusOf(b3); st.Backlog != 0 {
		t.Errorf("after fleet run's last push %d records still wait", st.Backlog)
	}
	if n := f.count(t, `SELECT count(*) FROM shipments WHERE station = 'bench-3' AND order_ref = $1`, ref); n != 1 {
		t.Errorf("%s: %d shipments rows on the server after fleet run's last push, want 1", ref, n)
	}
	t.Logf("fleet run stopped by SIGTERM while its push waited: its last push carried %s", ref)
}

func testFleetPollerFailover(t *testing.T, f *fleetSite, refs []string) {
	// Every bench has parcels by now; two more on each from the site's orders.
	for i, ref := range refs[:2] {
		f.bench(t, i+1).mustRun("pack", ref, "--weight", "500g")
	}
	// Track & Trace look-ups from here on are the site poller's alone.
	asksFrom := time.Now()
	runs := map[string]*fleetProc{}
	for i := 1; i <= 3; i++ {
		runs[benchID(i)] = startFleetRun(f.bench(t, i), benchID(i))
	}
	// A bench's commands do not wait for its `fleet run`: they fail at
	// once on its data file, saying what to do.
	if res := f.bench(t, 3).run("fleet", "status"); res.code != 1 || !strings.Contains(res.stderr, "is locked by another labelstation") ||
		!strings.Contains(res.stderr, "stop labelstation fleet run") || res.took > 10*time.Second {
		t.Errorf("fleet status while fleet run holds the data file: want exit 1 with the lock and the hint:\n%s", res)
	}
	poller := func() (string, time.Time) {
		var station string
		var beat time.Time
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.db.QueryRow(ctx, `SELECT station, beat FROM poller_lease`).Scan(&station, &beat); err != nil {
			return "", time.Time{}
		}
		return station, beat
	}
	// The holders of advisory locks among the benches: the poller only.
	lockHolders := func() []string {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rows, err := f.db.Query(ctx, `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'labelstation %' ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			// "labelstation bench-2" or "labelstation bench-2 poller"
			// (the leader's own connection): the bench.
			out = append(out, strings.Fields(strings.TrimPrefix(s, "labelstation "))[0])
		}
		return out
	}
	var first string
	eventually(t, 10*time.Second, "no bench took the site's poller", func() bool {
		s, beat := poller()
		first = s
		return s != "" && time.Since(beat) < 5*time.Second
	})
	for range 5 {
		if holders := lockHolders(); len(holders) != 1 || holders[0] != first {
			t.Fatalf("the poller lock is held by %v, the lease names %s: want exactly it", holders, first)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Its passes: every parcel of every bench gets its events.
	noEvents := `SELECT count(*) FROM shipments s WHERE s.cancelled IS NULL AND s.tracking_id <> ''
		AND NOT EXISTS (SELECT 1 FROM events e WHERE e.item_id = s.tracking_id)`
	eventually(t, 20*time.Second, "parcels without events on the server (the first poller's passes)", func() bool { return f.count(t, noEvents) == 0 })
	parcels := f.count(t, `SELECT count(*) FROM shipments WHERE cancelled IS NULL AND tracking_id <> ''`)
	stations := f.count(t, `SELECT count(DISTINCT station) FROM events`)
	if stations != 3 {
		t.Errorf("the events belong to %d benches, want all 3", stations)
	}
	t.Logf("%s polls for the site: events for all %d parcels of the 3 benches", first, parcels)

	// Killed: another takes over.
	killedAt := time.Now()
	runs[first].stop(syscall.SIGKILL)
	delete(runs, first)
	var second string
	took := eventually(t, fleetPollerRetry+8*time.Second, "no bench took over the poller after it was killed", func() bool {
		s, beat := poller()
		second = s
		return s != "" && s != first && beat.After(killedAt)
	})
	if holders := lockHolders(); len(holders) != 1 || holders[0] != second {
		t.Fatalf("after the failover the poller lock is held by %v, the lease names %s", holders, second)
	}
	t.Logf("%s killed; %s polls %s later (poller_retry %s)", first, second, took.Round(time.Millisecond), fleetPollerRetry)

	// The new poller's passes: parcels packed now, on the dead bench,
	// get their events from it.
	var dead int
	fmt.Sscanf(first, "bench-%d", &dead)
	newRefs := refs[2:]
	for _, ref := range newRefs {
		f.bench(t, dead).mustRun("pack", ref, "--weight", "500g")
	}
	eventually(t, 20*time.Second, "the new poller left the new parcels without events", func() bool { return f.count(t, noEvents) == 0 })
	// The dead bench runs again and takes its news from its inbox, as the
	// others did.
	runs[first] = startFleetRun(f.bench(t, dead), first)
	eventually(t, 20*time.Second, "news left in the benches' inboxes", func() bool { return f.count(t, `SELECT count(*) FROM inbox`) == 0 })
	for name, run := range runs {
		if res := run.stop(syscall.SIGTERM); res.code != 0 {
			t.Errorf("fleet run on %s ended by SIGTERM: want exit 0:\n%s", name, res)
		}
	}
	checkOnePoller(t, f, asksFrom, first, second, killedAt)
	// Each bench recorded its own parcels' events, each once: the same
	// keys as the server's.
	checked := 0
	for i := 1; i <= 3; i++ {
		r := f.bench(t, i)
		ships := f.pairs(t, `SELECT order_ref, tracking_id FROM shipments WHERE station = $1 AND cancelled IS NULL AND tracking_id <> ''`, benchID(i))
		refsOf := keys(ships)
		for _, ref := range refsOf {
			res := r.mustRun("track", "show", ref, "--json")
			var h struct {
				ItemID string `json:"item_id"`
				Events []struct {
					ItemID      string    `json:"item_id"`
					Time        time.Time `json:"time"`
					CarrierCode string    `json:"carrier_code"`
				} `json:"events"`
			}
			if err := json.Unmarshal([]byte(res.stdout), &h); err != nil {
				t.Fatalf("track show %s: %v\n%s", ref, err, res)
			}
			var local []string
			for _, e := range h.Events {
				local = append(local, strings.Join([]string{e.ItemID, e.Time.UTC().Format(time.RFC3339Nano), e.CarrierCode}, "|"))
			}
			sort.Strings(local)
			server := keys(f.pairs(t, `SELECT event_key, station FROM events WHERE item_id = $1`, ships[ref]))
			if len(local) == 0 || fmt.Sprint(local) != fmt.Sprint(server) {
				t.Errorf("%s on %s (tracking %s): events on the bench %v, on the server %v", ref, benchID(i), ships[ref], local, server)
			}
			checked++
		}
	}
	t.Logf("events landed once; the 3 benches hold the same events as the server for their %d parcels", checked)
}

// checkOnePoller: Track & Trace was asked once per parcel for the site,
// not once per bench. asks are the look-ups while the three `fleet run`s
// ran: before killedAt the first poller's only, after it the second's
// only (the killed one's last answers may arrive just after the kill),
// and no parcel asked about twice. A parcel is due again only hours
// after a look-up (tracking.Interval), so in this test each is due once:
// a second look-up would be a second bench's in the same pass.
func checkOnePoller(t *testing.T, f *fleetSite, from time.Time, first, second string, killedAt time.Time) {
	asks := f.asks.since(from)
	t.Helper()
	if len(asks) == 0 {
		t.Fatal("no Track & Trace look-up reached the sandbox while the benches ran")
	}
	byID := map[string][]trackAsk{}
	perBench := map[string]int{}
	for _, a := range asks {
		ok := a.bench == first && a.at.Before(killedAt.Add(200*time.Millisecond)) || a.bench == second && a.at.After(killedAt)
		if !ok {
			t.Errorf("%s asked Track & Trace about %s at %s: only %s may before %s was killed at %s, only %s after",
				a.bench, a.id, a.at.Format("15:04:05.000"), first, first, killedAt.Format("15:04:05.000"), second)
		}
		byID[a.id] = append(byID[a.id], a)
		perBench[a.bench]++
	}
	for id, as := range byID {
		if len(as) > 1 {
			var who []string
			for _, a := range as {
				who = append(who, a.bench+" at "+a.at.Format("15:04:05.000"))
			}
			t.Errorf("parcel %s was asked about %d times: %s", id, len(as), strings.Join(who, ", "))
		}
	}
	// The sandbox's own log counts the same look-ups (it logs each a
	// moment after the bench's address did): nothing reached it another
	// way.
	n := 0
	for _, r := range f.sb.Requests() {
		if trackPath.MatchString(r.Path) && !r.Time.Before(from) {
			n++
		}
	}
	if n != len(asks) {
		t.Errorf("the sandbox logged %d Track & Trace look-ups in that time, the benches' addresses %d", n, len(asks))
	}
	t.Logf("Track & Trace while the 3 benches ran: %d look-ups of %d parcels, each once (%v)", len(asks), len(byID), perBench)
}

// testFleetSiteReport: `report --site` counts every bench's parcels of
// the day from the server, and --bench one bench's.
func testFleetSiteReport(t *testing.T, f *fleetSite) {
	today := time.Now().Format("2006-01-02")
	type view struct {
		Report struct {
			Shipments int `json:"shipments"`
		} `json:"report"`
		Bench   string `json:"bench"`
		Benches []struct {
			Station   string `json:"station"`
			Shipments int    `json:"shipments"`
		} `json:"benches"`
	}
	read := func(args ...string) view {
		res := f.bench(t, 2).mustRun(append([]string{"report", "--site", "--date", today, "--format", "json"}, args...)...)
		var v view
		if err := json.Unmarshal([]byte(res.stdout), &v); err != nil {
			t.Fatalf("report --site: %v\n%s", err, res)
		}
		return v
	}
	day := `booked_at >= date_trunc('day', now()) AND booked_at < date_trunc('day', now()) + interval '1 day'`
	all := read()
	if want := f.count(t, `SELECT count(*) FROM track_summaries WHERE `+day); all.Report.Shipments != want || want == 0 {
		t.Errorf("report --site counts %d shipments, the server's summaries of today %d", all.Report.Shipments, want)
	}
	if len(all.Benches) != 3 {
		t.Errorf("report --site lists the benches %+v, want 3", all.Benches)
	}
	for _, b := range all.Benches {
		if want := f.count(t, `SELECT count(*) FROM shipments WHERE station = $1 AND `+day, b.Station); b.Shipments != want {
			t.Errorf("report --site: %s has %d shipments, the server %d", b.Station, b.Shipments, want)
		}
	}
	one := read("--bench", "bench-3")
	if want := f.count(t, `SELECT count(*) FROM track_summaries WHERE station = 'bench-3' AND `+day); one.Bench != "bench-3" || one.Report.Shipments != want {
		t.Errorf("report --site --bench bench-3: bench %q, %d shipments; the server's summaries %d", one.Bench, one.Report.Shipments, want)
	}
	text := f.bench(t, 1).mustRun("report", "--site")
	if !strings.Contains(text.stdout, "Site report, all benches") || !strings.Contains(text.stdout, "bench-2") || !strings.Contains(text.stdout, "Delivery KPIs") {
		t.Errorf("report --site as text:\n%s", text)
	}
	t.Logf("report --site: %d shipments today over %d benches; bench-3 alone %d", all.Report.Shipments, len(all.Benches), one.Report.Shipments)
}
