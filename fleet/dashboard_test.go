package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"labelstation/fleet"
	"labelstation/internal/pgtest"
	"labelstation/store"
)

// The window's edges are local calendar days. On a machine whose local
// time is UTC they could not be told from UTC days, so the test then runs
// itself again in Stockholm's time (TZ is read when a process starts),
// on the same database.
const summariesChildEnv = "LABELSTATION_FLEET_SUMMARIES_URL"

func TestSiteSummariesWindow(t *testing.T) {
	if url := os.Getenv(summariesChildEnv); url != "" {
		summariesWindow(t, url)
		return
	}
	url := pgtest.Database(t)
	if _, off := time.Date(2026, 3, 28, 12, 0, 0, 0, time.Local).Zone(); off != 0 {
		summariesWindow(t, url)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSiteSummariesWindow$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), summariesChildEnv+"="+url, "TZ=Europe/Stockholm")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSiteSummariesWindow") {
		t.Fatalf("the test in Stockholm's time: %v\n%s", err, out)
	}
}

func summariesWindow(t *testing.T, url string) {
	ctx := context.Background()
	site, err := fleet.Open(fleet.Config{URL: url, Station: "bench-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	if err := site.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	loc := time.Local
	// The window is 28…29 March 2026; Stockholm moves to summer time in
	// the night to the 29th (a 23-hour day).
	first := time.Date(2026, 3, 28, 15, 0, 0, 0, loc)
	last := time.Date(2026, 3, 29, 1, 0, 0, 0, loc)
	rows := []struct {
		ref    string
		booked time.Time
		in     bool
	}{
		{"before", time.Date(2026, 3, 28, 0, 0, 0, 0, loc).Add(-time.Microsecond), false},
		{"first-midnight", time.Date(2026, 3, 28, 0, 0, 0, 0, loc), true},
		{"noon", time.Date(2026, 3, 28, 12, 0, 0, 0, loc), true},
		{"last-late", time.Date(2026, 3, 30, 0, 0, 0, 0, loc).Add(-time.Microsecond), true},
		{"after", time.Date(2026, 3, 30, 0, 0, 0, 0, loc), false},
		// The UTC days would count these the other way round.
		{"utc-27th", time.Date(2026, 3, 27, 23, 30, 0, 0, time.UTC), true},
		{"utc-29th", time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC), false},
	}
	if _, err := pool.Exec(ctx, `INSERT INTO stations (station, last_seen) VALUES ('bench-1', $1), ('bench-2', $1), ('bench-3', $1)`, last); err != nil {
		t.Fatal(err)
	}
	var wantAll, want2 []string
	for _, station := range []string{"bench-1", "bench-2"} {
		for _, r := range rows {
			ref := station + ":" + r.ref
			sum := store.TrackSummary{OrderRef: ref, ItemID: "I" + ref, Carrier: "postnord", BookedAt: r.booked, Status: "in_transit", Events: 3}
			if _, err := pool.Exec(ctx, `INSERT INTO track_summaries (station, order_ref, item_id, carrier, booked_at, status, body) VALUES ($1, $2, $3, 'postnord', $4, 'in_transit', $5)`,
				station, ref, sum.ItemID, r.booked, store.EncodeTrackSummary(sum)); err != nil {
				t.Fatal(err)
			}
			if _, err := pool.Exec(ctx, `INSERT INTO shipments (station, order_ref, carrier, booked_at) VALUES ($1, $2, 'postnord', $3)`, station, ref, r.booked); err != nil {
				t.Fatal(err)
			}
			if r.in {
				wantAll = append(wantAll, station+"/"+ref)
				if station == "bench-2" {
					want2 = append(want2, station+"/"+ref)
				}
			}
		}
	}
	slices.Sort(wantAll)
	slices.Sort(want2)

	read := func(station string) []string {
		t.Helper()
		var got []string
		err := site.Summaries(ctx, first, last, station, func(st string, sum *store.TrackSummary) error {
			if sum.ItemID != "I"+sum.OrderRef || sum.Events != 3 || !strings.HasPrefix(sum.OrderRef, st+":") {
				return fmt.Errorf("summary %+v under %s", sum, st)
			}
			got = append(got, st+"/"+sum.OrderRef)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		return got
	}
	if got := read(""); !slices.Equal(got, wantAll) {
		t.Errorf("all benches: %v\nwant %v", got, wantAll)
	}
	if got := read("bench-2"); !slices.Equal(got, want2) {
		t.Errorf("bench-2: %v\nwant %v", got, want2)
	}
	if got := read("bench-3"); len(got) != 0 {
		t.Errorf("bench-3 has no parcels, got %v", got)
	}

	// fn's error stops the stream and comes back as it is; the site works
	// on.
	stop := errors.New("enough")
	n := 0
	err = site.Summaries(ctx, first, last, "", func(string, *store.TrackSummary) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("stopped stream: %v after %d rows; want %v after 1", err, n, stop)
	}
	if got := read(""); !slices.Equal(got, wantAll) {
		t.Errorf("after a stopped stream: %v", got)
	}

	benches, err := site.Benches(ctx, first, last)
	if err != nil {
		t.Fatal(err)
	}
	in := len(want2)
	want := fmt.Sprintf("[{bench-1 %d} {bench-2 %d} {bench-3 0}]", in, in)
	var got []string
	for _, b := range benches {
		if !b.LastSeen.Equal(last) {
			t.Errorf("%s last seen %v, want %v", b.Station, b.LastSeen, last)
		}
		got = append(got, fmt.Sprintf("{%s %d}", b.Station, b.Shipments))
	}
	if "["+strings.Join(got, " ")+"]" != want {
		t.Errorf("benches %v, want %s", got, want)
	}
}
