package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"labelstation/carrier/sandbox"
	"labelstation/printer/zplsim"
)

// The crash test: station processes are SIGKILLed at random moments while
// they pack and while they sync, many times over, against a sandbox that
// fails bookings, books and then loses its answer, is slow, and now and
// then cannot be reached at all (so parcels leave with offline labels).
// Afterwards, with the faults gone, the queue is synced and every order
// packed once more, as a packer would, and then:
//
//	(a) every order is booked exactly once at the sandbox, and every item
//	    id was booked once;
//	(b) every order has a printed label carrying its tracking id, and
//	    every label that came out of the printer carries an id the sandbox
//	    booked for that same order (no label for a phantom booking);
//	(c) no item id is on two orders, on the labels or at the sandbox;
//	(d) the queue and the print queue are empty.
//
// LABELSTATION_CRASH_ITERATIONS sets how many station processes are
// started (default 40; make soak runs 1000), LABELSTATION_CRASH_SEED
// repeats a run's choices (the seed is logged).

const crashConfig = demoConsignorTOML + `
[postnord]
url = "http://$SANDBOX_ADDR"
apikey = "crash-test-key"

[station]
default_service = "19"

[[id_series]]
name = "crash-sscc"
kind = "sscc"
extension = 3
company_prefix = "7350099"
first = 1000
last = %d

[outbox]
offline_series = "crash-sscc"
concurrency = 2
lookup_grace = "0s"
`

// crashFaults are the sandbox's faults while stations are being killed.
var crashFaults = sandbox.Faults{Latency: 30 * time.Millisecond, FailRate: 0.2, DropRate: 0.3}

func envInt(t *testing.T, name string, def int64) int64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

// crashRun is one station process of the loop.
type crashRun struct {
	kind     string // pack, pack --offline, repack, sync
	ref      string
	res      result
	killed   bool
	opened   bool          // it had opened the data file
	sinceOpn time.Duration // kill (or end) after the data file was opened
	// What happened outside the station while it ran.
	newRequests, newBookings, newLabels int
}

// phase says where a killed run was, as seen from outside.
func (c crashRun) phase() string {
	switch {
	case !c.opened:
		return "before opening the data file"
	case c.newLabels > 0:
		return "after a label printed"
	case c.newBookings > 0:
		return "after the carrier booked"
	case c.newRequests > 0:
		return "while asking the carrier"
	}
	return "before anything left the station"
}

type crashStats struct {
	runs                            map[string]int
	killed, finished                map[string]int // by kind: pack (incl. repack, --offline), sync
	phases                          map[string]int // "pack: after the carrier booked" → n
	offlinePrinted, unknownOutcomes int
	adoptedBySync, downIterations   int
	finalAnswers                    map[string]int
}

func TestCrash(t *testing.T) {
	iterations := int(envInt(t, "LABELSTATION_CRASH_ITERATIONS", 40))
	seed := envInt(t, "LABELSTATION_CRASH_SEED", time.Now().UnixNano())
	t.Logf("seed %d (LABELSTATION_CRASH_SEED=%d repeats the choices), %d iterations", seed, seed, iterations)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))

	nOrders := max(10, iterations*7/10)
	r := newRig(t, rigOptions{
		sandbox: sandbox.Options{Seed: seed},
		config:  fmt.Sprintf(crashConfig, 1000+20*nOrders+100),
	})
	if err := r.sb.SetFaults(crashFaults); err != nil {
		t.Fatal(err)
	}
	// The printer takes a label in 1 KiB pieces 10 ms apart (some 30 ms a
	// label), so kills land while a label is on its way too.
	if err := r.sink.Sim.SetFault(zplsim.Slow); err != nil {
		t.Fatal(err)
	}
	refs := make([]string, nOrders)
	receivers := map[string]string{}
	var csv strings.Builder
	csv.WriteString("order_ref,name,street1,postcode,city,country,item_description,item_quantity,item_value,item_currency\n")
	for i := range refs {
		refs[i] = fmt.Sprintf("CR-%04d", i+1)
		receivers[refs[i]] = fmt.Sprintf("Kund %04d Kraschsson", i+1)
		fmt.Fprintf(&csv, "%s,%s,Storgatan %d,11455,Stockholm,SE,Mössa,1,249,SEK\n", refs[i], receivers[refs[i]], i+1)
	}
	ordersFile := r.dir + "/orders.csv"
	if err := os.WriteFile(ordersFile, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r.mustRun("orders", "import", ordersFile)
	weight := func(ref string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(ref, "CR-"))
		return fmt.Sprintf("%dg", 400+7*n)
	}
	printer := "tcp://" + r.sink.Addr()

	st := crashStats{runs: map[string]int{}, killed: map[string]int{}, finished: map[string]int{}, phases: map[string]int{}, finalAnswers: map[string]int{}}
	next := 0 // the next order never packed
	downLeft := 0
	for i := 1; i <= iterations; i++ {
		// The network: now and then the carrier goes away for a few
		// stations: mostly nothing listens (connection refused), sometimes
		// the sandbox cuts every connection without an answer.
		switch {
		case downLeft > 0:
			if downLeft--; downLeft == 0 {
				r.sb.SetFaults(crashFaults)
				r.net.up()
				t.Logf("iteration %d: the carrier is back", i)
			}
		case rng.Float64() < 0.08 || (i == iterations/2 && st.downIterations == 0):
			// (At least once in every run, however short.)
			downLeft = 2 + rng.IntN(5)
			if rng.IntN(3) == 0 {
				f := crashFaults
				f.Down = true
				r.sb.SetFaults(f)
				t.Logf("iteration %d: the carrier drops every connection for %d iterations", i, downLeft)
			} else {
				r.net.down()
				t.Logf("iteration %d: the carrier cannot be reached for %d iterations", i, downLeft)
			}
		}
		if downLeft > 0 {
			st.downIterations++
		}

		var c crashRun
		kill := rng.Float64() < 0.8
		delay := time.Duration(rng.Int64N(int64(150 * time.Millisecond)))
		// In the last iterations, what has not happened yet is made to
		// happen, so even a short run covers every flow.
		forced := ""
		if i > iterations-4 {
			switch {
			case st.killed["sync"] == 0:
				forced, kill, delay = "a killed sync", true, delay/5
			case st.killed["pack"] == 0 && next < len(refs):
				forced, kill, delay = "a killed pack", true, delay/2
			case st.offlinePrinted == 0 && next < len(refs):
				forced, kill = "an offline label", false
			}
		}
		switch p := rng.Float64(); {
		case forced == "a killed sync", forced == "" && p < 0.22:
			c.kind = "sync"
		case forced == "" && p < 0.37 && next > 0, next == len(refs):
			c.kind, c.ref = "repack", refs[rng.IntN(next)]
		default:
			c.kind, c.ref = "pack", refs[next]
			next++
			if forced == "an offline label" || (forced == "" && rng.Float64() < 0.15) {
				c.kind = "pack --offline"
			}
		}
		if forced != "" {
			t.Logf("iteration %d: forcing %s (none so far)", i, forced)
		}
		var args []string
		if c.kind == "sync" {
			args = []string{"queue", "sync", "--timeout", "3s"}
		} else {
			args = []string{"pack", c.ref, "--weight", weight(c.ref), "--printer", printer}
			if c.kind == "pack --offline" {
				args = append(args, "--offline")
			}
		}
		reqs0, books0, labels0 := len(r.sb.Requests()), len(r.sb.Bookings()), len(r.sink.Labels())
		c.res, c.killed, c.opened, c.sinceOpn = r.runMaybeKill(args, kill, delay)
		// A killed station may have left a request at the carrier that is
		// still being served (a real carrier goes on too); the next
		// station asks only once it is done, as lookup_grace would wait.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := r.net.settle(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		if c.killed {
			// Likewise the printer takes in what had reached it (a label
			// is some 30 ms on the slow wire), so the next run's counts
			// are its own.
			time.Sleep(60 * time.Millisecond)
		}
		c.newRequests = len(r.sb.Requests()) - reqs0
		c.newBookings = len(r.sb.Bookings()) - books0
		c.newLabels = len(r.sink.Labels()) - labels0

		group := "pack"
		if c.kind == "sync" {
			group = "sync"
		}
		st.runs[c.kind]++
		what := ""
		if c.killed {
			st.killed[group]++
			st.phases[group+": "+c.phase()]++
			what = fmt.Sprintf("KILLED %s after opening the data file (%s)", c.sinceOpn.Round(time.Millisecond), c.phase())
			if !c.opened {
				what = "KILLED " + c.phase()
			}
		} else {
			st.finished[group]++
			what = fmt.Sprintf("exit %d after %s: %s", c.res.code, c.res.took.Round(time.Millisecond), firstLine(c.res.stdout+c.res.stderr))
		}
		if strings.Contains(c.res.stdout, "(offline label") {
			st.offlinePrinted++
		}
		if strings.Contains(c.res.stderr, "may already have booked") {
			st.unknownOutcomes++
		}
		if m := syncedRE.FindStringSubmatch(c.res.stdout); m != nil {
			n, _ := strconv.Atoi(m[1])
			st.adoptedBySync += n
		}
		t.Logf("iteration %d: %s %s: %s [carrier: +%d requests, +%d bookings; printer: +%d labels]",
			i, c.kind, c.ref, what, c.newRequests, c.newBookings, c.newLabels)
	}

	// The network is back and the faults are gone: sync until the queue
	// is empty, then finish every order as a packer would.
	r.sb.SetFaults(sandbox.Faults{})
	r.net.up()
	r.sink.Sim.SetFault(zplsim.None)
	for attempt := 1; ; attempt++ {
		res := r.run("queue", "sync", "--timeout", "30s")
		if m := syncedRE.FindStringSubmatch(res.stdout); m != nil {
			n, _ := strconv.Atoi(m[1])
			st.adoptedBySync += n
		}
		t.Logf("final sync %d: %s", attempt, strings.TrimSpace(res.stdout+" "+res.stderr))
		if res.code == 0 {
			break
		}
		if attempt == 3 {
			r.fatal("the queue does not drain with the carrier reachable and no faults:\n%s", res)
		}
	}
	if res := r.mustRun("queue", "list"); !strings.Contains(res.stdout, "the queue is empty") {
		r.fatal("queue sync succeeded but the queue is not empty:\n%s", res)
	}
	for _, ref := range refs {
		r.finishOrder(ref, weight(ref), printer, st.finalAnswers)
	}

	// (d) Nothing is left for a person.
	if res := r.mustRun("queue", "list"); !strings.Contains(res.stdout, "the queue is empty") {
		r.fatal("(d) the queue is not empty at the end:\n%s", res)
	}
	if res := r.mustRun("print-queue", "list"); !strings.Contains(res.stdout, "the print queue is empty") {
		r.fatal("(d) the print queue is not empty at the end:\n%s", res)
	}

	// (a) Booked exactly once, per order and per item id.
	bookings := r.sb.Bookings()
	bookedFor := map[string][]string{} // order → item ids booked for it
	perOrder, perItem := map[string]int{}, map[string]int{}
	itemOrders := map[string]map[string]bool{} // item id → orders (labels and bookings)
	addItem := func(id, ref string) {
		if itemOrders[id] == nil {
			itemOrders[id] = map[string]bool{}
		}
		itemOrders[id][ref] = true
	}
	for _, b := range bookings {
		perOrder[b.OrderRef]++
		bookedFor[b.OrderRef] = append(bookedFor[b.OrderRef], b.ItemIDs...)
		for _, id := range b.ItemIDs {
			perItem[id]++
			addItem(id, b.OrderRef)
		}
	}
	for _, ref := range refs {
		if perOrder[ref] != 1 {
			r.fatal("(a) order %s was booked %d times at the sandbox, want exactly once: %s", ref, perOrder[ref], bookingsOf(bookings, ref))
		}
	}
	if len(perOrder) != len(refs) {
		r.fatal("(a) the sandbox holds bookings for %d references, %d orders were imported", len(perOrder), len(refs))
	}
	for id, n := range perItem {
		if n != 1 {
			r.fatal("(a) item id %s was booked %d times", id, n)
		}
	}

	// (b) Every order's label printed; every label belongs to a booking
	// of its own order.
	tracking := r.trackingIDs(refs)
	labels := parseLabels(r.sink.Labels())
	printedIDs := map[string]bool{}
	offlineLabels, adoptedLabels := 0, 0
	for _, l := range labels {
		if l.orderRef == "" || len(l.ids) != 1 {
			r.fatal("(b) label %d names order %q and item ids %q; want one order and one id:\n%s", l.n, l.orderRef, l.ids, l.text)
		}
		id := l.ids[0]
		if !contains(bookedFor[l.orderRef], id) {
			r.fatal("(b) label %d for order %s carries %s, which the sandbox never booked for that order (booked: %q)", l.n, l.orderRef, id, bookedFor[l.orderRef])
		}
		if !strings.Contains(l.text, receivers[l.orderRef]) {
			r.fatal("(b) label %d for order %s does not show its receiver %q", l.n, l.orderRef, receivers[l.orderRef])
		}
		printedIDs[id] = true
		addItem(id, l.orderRef)
		switch {
		case l.offline:
			offlineLabels++
		case l.local:
			adoptedLabels++
		}
	}
	for _, ref := range refs {
		id := tracking[ref]
		if !contains(bookedFor[ref], id) {
			r.fatal("(b) the station's tracking id of order %s is %s, the sandbox booked %q for it", ref, id, bookedFor[ref])
		}
		if !printedIDs[id] {
			r.fatal("(b) no label with tracking id %s of order %s came out of the printer", id, ref)
		}
	}

	// (c) No id on two orders.
	for id, orders := range itemOrders {
		if len(orders) > 1 {
			r.fatal("(c) item id %s is on orders %v", id, keys(orders))
		}
	}

	t.Logf("crash test statistics (seed %d): %d iterations (%d with the carrier away): runs %v", seed, iterations, st.downIterations, st.runs)
	t.Logf("  killed: %d packs, %d syncs; finished: %d packs, %d syncs", st.killed["pack"], st.killed["sync"], st.finished["pack"], st.finished["sync"])
	for _, p := range keys(st.phases) {
		t.Logf("  killed %s: %d", p, st.phases[p])
	}
	t.Logf("  packs that printed an offline label: %d; unknown booking outcomes reported by pack: %d; bookings found at the carrier by the sync (adopted): %d",
		st.offlinePrinted, st.unknownOutcomes, st.adoptedBySync)
	t.Logf("  printer: %d labels for %d orders (%d offline labels, %d station-rendered labels of adopted bookings, %d carrier labels); sandbox: %d bookings",
		len(labels), len(refs), offlineLabels, adoptedLabels, len(labels)-offlineLabels-adoptedLabels, len(bookings))
	t.Logf("  final pass: %v", st.finalAnswers)

	// The kills must have landed where they matter.
	if st.killed["pack"] == 0 || st.killed["sync"] == 0 || st.finished["pack"] == 0 {
		t.Errorf("the kills did not cover the flows: killed %v, finished %v (raise LABELSTATION_CRASH_ITERATIONS)", st.killed, st.finished)
	}
	if offlineLabels == 0 {
		t.Errorf("no offline label was printed: the offline path was not exercised (raise LABELSTATION_CRASH_ITERATIONS)")
	}
}

var (
	syncedRE = regexp.MustCompile(`(\d+) found already booked at the carrier`)
	// The question a killed print leaves: "the label for order R
	// (tracking T, to …) may already have printed" + hint "… printed|retry ID)".
	printUnknownRE = regexp.MustCompile(`(?s)\(tracking (\S+), to .*may already have printed.*print-queue printed\|retry (\S+)\)`)
)

// runMaybeKill runs a station process; with kill it is SIGKILLed delay
// after it opened the data file (or, if it never does, delay after its
// start) unless it ends first.
func (r *rig) runMaybeKill(args []string, kill bool, delay time.Duration) (res result, killed, opened bool, sinceOpen time.Duration) {
	r.t.Helper()
	cmd := r.command(nil, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start labelstation: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	ended := false
	openedAt := start
	// Until it holds the data file (or ends).
	for deadline := start.Add(30 * time.Second); !ended && !opened; {
		select {
		case err = <-done:
			ended = true
		default:
			if holdsDataFile(cmd.Process.Pid, r.dataFile()) {
				opened, openedAt = true, time.Now()
			} else if time.Now().After(deadline) {
				cmd.Process.Kill()
				<-done
				r.t.Fatalf("labelstation %s did not open its data file within 30s", strings.Join(args, " "))
			} else {
				time.Sleep(500 * time.Microsecond)
			}
		}
	}
	if !ended {
		limit := time.Minute
		if kill {
			limit = time.Until(openedAt.Add(delay))
		}
		select {
		case err = <-done:
		case <-time.After(limit):
			if kill {
				cmd.Process.Kill()
				killed = true
				err = <-done
			} else {
				cmd.Process.Kill()
				<-done
				r.t.Fatalf("labelstation %s did not end within a minute", strings.Join(args, " "))
			}
		}
	}
	end := time.Now()
	res = result{args: args, stdout: out.String(), stderr: errb.String(), took: end.Sub(start)}
	res.code, res.signal = exitOf(r.t, err)
	if killed && res.signal != syscall.SIGKILL {
		// It ended by itself just as it was killed.
		killed = false
	}
	checkNoRace(r.t, res)
	if !killed && res.signal != 0 {
		r.t.Fatalf("labelstation died of a signal nobody sent: %s", res)
	}
	return res, killed, opened, end.Sub(openedAt)
}

// finishOrder packs ref once more after the storm, as a packer would,
// until the order is packed: a label whose printing is unknown is
// answered by looking at the printer (the sink).
func (r *rig) finishOrder(ref, weight, printer string, answers map[string]int) {
	r.t.Helper()
	for attempt := 0; attempt < 4; attempt++ {
		res := r.run("pack", ref, "--weight", weight, "--printer", printer)
		switch {
		case res.code == 0 && strings.HasPrefix(res.stdout, "printed "+ref+":"):
			if strings.Contains(res.stdout, "finished an interrupted earlier attempt") {
				answers["printed the stored label"]++
			} else {
				answers["packed fresh"]++
			}
			return
		case res.code == 1 && strings.Contains(res.stderr, "order "+ref+" is already packed"):
			answers["already packed"]++
			return
		case res.code == 1 && printUnknownRE.MatchString(res.stderr):
			m := printUnknownRE.FindStringSubmatch(res.stderr)
			trackingID, job := m[1], m[2]
			answer := "retry" // nothing with that id came out: print again
			for _, l := range parseLabels(r.sink.Labels()) {
				if contains(l.ids, trackingID) {
					answer = "printed"
				}
			}
			answers["print-queue "+answer]++
			r.t.Logf("final pack %s: the label's printing was unknown; the printer shows %s → print-queue %s %s", ref, trackingID, answer, job)
			r.mustRun("print-queue", answer, job)
		default:
			r.fatal("the station cannot finish order %s after the storm:\n%s", ref, res)
		}
	}
	r.fatal("order %s is not packed after 4 attempts", ref)
}

// trackingIDs reads each order's tracking id and printed time from the
// station's report of the days the test ran.
func (r *rig) trackingIDs(refs []string) map[string]string {
	r.t.Helper()
	out := map[string]string{}
	printed := map[string]bool{}
	day := time.Now().Add(-24 * time.Hour)
	for ; !day.After(time.Now()); day = day.Add(24 * time.Hour) {
		res := r.mustRun("report", "--format", "json", "--date", day.Format("2006-01-02"))
		var rep struct {
			Shipments []struct {
				OrderRef   string    `json:"order_ref"`
				TrackingID string    `json:"tracking_id"`
				PrintedAt  time.Time `json:"printed_at"`
			} `json:"shipments"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
			r.t.Fatalf("report: %v\n%s", err, res.stdout)
		}
		for _, s := range rep.Shipments {
			if prev, ok := out[s.OrderRef]; ok && prev != s.TrackingID {
				r.fatal("the report lists order %s twice: %s and %s", s.OrderRef, prev, s.TrackingID)
			}
			out[s.OrderRef] = s.TrackingID
			printed[s.OrderRef] = !s.PrintedAt.IsZero()
		}
	}
	for _, ref := range refs {
		if out[ref] == "" || !printed[ref] {
			r.fatal("(b) the station's report has no printed shipment for order %s (tracking %q)", ref, out[ref])
		}
	}
	return out
}

// fatal ends the test with the station's own view attached.
func (r *rig) fatal(format string, args ...any) {
	r.t.Helper()
	var extra strings.Builder
	for _, a := range [][]string{{"queue", "list", "--all"}, {"print-queue", "list"}} {
		cmd := r.command(nil, a...)
		out, _ := cmd.CombinedOutput()
		fmt.Fprintf(&extra, "\n$ labelstation %s\n%s", strings.Join(a, " "), out)
	}
	r.t.Fatalf(format+"\n(data dir %s)%s", append(args, r.data, extra.String())...)
}

func bookingsOf(all []sandbox.RecordedBooking, ref string) string {
	var s []string
	for _, b := range all {
		if b.OrderRef == ref {
			s = append(s, fmt.Sprintf("%s at %s (request %s)", strings.Join(b.ItemIDs, ","), b.Time.Format("15:04:05.000"), b.RequestID))
		}
	}
	return strings.Join(s, "; ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
