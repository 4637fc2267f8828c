package fleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"labelstation/carrier"
	"labelstation/store"
)

// logBuf is a log the test reads while the site writes it.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// loggedSite is coreSite with its log kept.
func loggedSite(t *testing.T, url, station string) (*Site, *logBuf) {
	t.Helper()
	logs := &logBuf{}
	s, err := Open(Config{URL: url, Station: station, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, logs
}

// TestPushCleansStrings: an error text with a NUL byte and invalid UTF-8,
// an order whose body has a NUL: the server refuses them as they are
// (text and jsonb), so the push stores them cleaned, with the good
// records of the batch.
func TestPushCleansStrings(t *testing.T) {
	t.Parallel()
	a, _ := migratedSite(t, "b1")
	ctx := testCtx(t)
	entry := &store.OutboxEntry{ID: "e\x00 1", OrderRef: "P-1", Carrier: "postnord", State: store.StateFailed,
		LastError: "printer said \x00\xff\xfeok", Created: t0, Updated: t0}
	order := &carrier.Order{Ref: "P-1", Receiver: carrier.Address{Name: "Bo\x00 Åberg", Street1: `C:\u0000 stays`, City: "G\xf6teborg"}, ImportedAt: t0}
	res, err := a.Push(ctx, replicasOf(
		store.Replica{Kind: store.ReplicaEntry, Key: entry.ID, Entry: entry},
		store.Replica{Kind: store.ReplicaOrder, Key: "P-1", Order: order},
		store.Replica{Kind: store.ReplicaShipment, Key: "P-2", Shipment: testShipment("P-2", "I\x00TEM")},
	))
	if err != nil {
		t.Fatalf("push of poisoned strings: %v", err)
	}
	if res.Pushed != 3 {
		t.Errorf("pushed %d, want 3", res.Pushed)
	}
	var id, lastError string
	if err := a.pool.QueryRow(ctx, `SELECT entry_id, last_error FROM outbox`).Scan(&id, &lastError); err != nil {
		t.Fatal(err)
	}
	if id != "e 1" || lastError != "printer said \uFFFDok" {
		t.Errorf("outbox row: id %q, last_error %q", id, lastError)
	}
	got, err := a.Order(ctx, "P-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Receiver.Name != "Bo Åberg" || got.Receiver.Street1 != `C:\u0000 stays` || got.Receiver.City != "G\uFFFDteborg" {
		t.Errorf("order body: %+v", got.Receiver)
	}
	if n := count(t, a, `SELECT count(*) FROM shipments WHERE order_ref = 'P-2' AND item_ids = ARRAY['ITEM']`); n != 1 {
		t.Errorf("the shipment's item ids were not stored cleaned")
	}
	// The cleaned key is the one a later "gone" deletes.
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaEntry, Key: entry.ID, Gone: true})); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a, `SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("the gone entry is still there")
	}
}

func TestCleanJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":"x\u0000y"}`:         `{"a":"xy"}`,
		`{"a":"\\u0000"}`:          `{"a":"\\u0000"}`, // a backslash, then text
		`{"a":"\\\u0000"}`:         `{"a":"\\"}`,      // a backslash, then a NUL
		`{"a":"\u00001","b":"\n"}`: `{"a":"1","b":"\n"}`,
		`{"a":"\u0001"}`:           `{"a":"\u0001"}`,
	} {
		if got := cleanJSON(jsonText(in)); got != want {
			t.Errorf("cleanJSON(%s) = %s, want %s", in, got, want)
		}
	}
}

// refuseOutbox makes the server refuse outbox rows whose entry id is
// "poison" for their data (a check violation, class 23), and those whose
// id is "broken" for another reason (a raised exception, P0001).
func refuseOutbox(t *testing.T, s *Site) {
	t.Helper()
	if _, err := s.pool.Exec(testCtx(t), `
		CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.entry_id = 'poison' THEN
				RAISE EXCEPTION 'this row is poison' USING ERRCODE = 'check_violation';
			ELSIF NEW.entry_id = 'broken' THEN
				RAISE EXCEPTION 'something else';
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER refuse_outbox BEFORE INSERT OR UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_outbox();`); err != nil {
		t.Fatal(err)
	}
}

// TestPushRefusedRecordSkipped: a record the server refuses for its data
// (whatever cleaning missed) is logged and acknowledged; the rest of the
// batch goes, and the conflicts of the batch are still reported. A
// refusal of another kind fails the push.
func TestPushRefusedRecordSkipped(t *testing.T) {
	t.Parallel()
	a, url := migratedSite(t, "b1")
	b, logs := loggedSite(t, url, "b2")
	ctx := testCtx(t)
	refuseOutbox(t, a)
	if _, err := a.Claim(ctx, "R-1", t0); err != nil {
		t.Fatal(err)
	}
	entry := func(id string) store.Replica {
		return store.Replica{Kind: store.ReplicaEntry, Key: id, Entry: &store.OutboxEntry{ID: id, OrderRef: "R-1", Carrier: "postnord", State: store.StatePending, Created: t0, Updated: t0}}
	}
	reps := replicasOf(entry("ok-1"), entry("poison"), entry("ok-2"),
		store.Replica{Kind: store.ReplicaShipment, Key: "R-1", Shipment: testShipment("R-1", "T-R1")},
		store.Replica{Kind: store.ReplicaClaim, Key: "R-1", Claim: &store.LocalClaim{OrderRef: "R-1", At: t0.Add(time.Minute)}})
	res, err := b.Push(ctx, reps)
	if err != nil {
		t.Fatalf("push with a refused record: %v", err)
	}
	if res.Pushed != len(reps) {
		t.Errorf("pushed %d, want %d (the refused one is acknowledged too)", res.Pushed, len(reps))
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].Other != "b1" || res.Conflicts[0].Tracking != "T-R1" {
		t.Errorf("conflicts of the batch: %+v", res.Conflicts)
	}
	if n := count(t, a, `SELECT count(*) FROM outbox WHERE station = 'b2' AND entry_id IN ('ok-1', 'ok-2')`); n != 2 {
		t.Errorf("%d of the 2 good entries stored", n)
	}
	if n := count(t, a, `SELECT count(*) FROM outbox WHERE entry_id = 'poison'`); n != 0 {
		t.Errorf("the refused entry is stored")
	}
	if n := count(t, a, `SELECT count(*) FROM shipments WHERE station = 'b2'`); n != 1 {
		t.Errorf("the batch's shipment was not stored")
	}
	log := logs.String()
	if !strings.Contains(log, "refuses this record") || !strings.Contains(log, "key=poison") || !strings.Contains(log, "code=23514") ||
		!strings.Contains(log, "kind="+store.ReplicaEntry) || strings.Count(log, "refuses this record") != 1 {
		t.Errorf("the refused record is not logged once with its kind, key and code:\n%s", log)
	}

	// Not a data error: the push fails, nothing is acknowledged.
	res, err = b.Push(ctx, replicasOf(entry("ok-3"), entry("broken")))
	var pgErr *pgconn.PgError
	if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "P0001" || res.Pushed != 0 {
		t.Errorf("push refused for another reason: %+v, %v", res, err)
	}
	if n := count(t, a, `SELECT count(*) FROM outbox WHERE entry_id = 'ok-3'`); n != 0 {
		t.Errorf("half a failed push is on the server")
	}
}

// TestPushRetriesDeadlock: a push the server aborts for a deadlock is
// tried again, up to pushRetries times, then fails with the deadlock.
func TestPushRetriesDeadlock(t *testing.T) {
	t.Parallel()
	setup, url := migratedSite(t, "setup")
	a, logs := loggedSite(t, url, "b1")
	ctx := testCtx(t)
	// The first n inserts of entry "dl" fail as a deadlock would (a
	// sequence counts them: it is not rolled back with the push).
	if _, err := setup.pool.Exec(ctx, `
		CREATE SEQUENCE deadlocks;
		CREATE TABLE deadlock_budget (n bigint NOT NULL);
		INSERT INTO deadlock_budget VALUES (0);
		CREATE FUNCTION fake_deadlock() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.entry_id = 'dl' AND nextval('deadlocks') <= (SELECT n FROM deadlock_budget) THEN
				RAISE EXCEPTION 'deadlock detected (a test)' USING ERRCODE = 'deadlock_detected';
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER fake_deadlock BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION fake_deadlock();`); err != nil {
		t.Fatal(err)
	}
	budget := func(n int) {
		t.Helper()
		if _, err := setup.pool.Exec(ctx, `UPDATE deadlock_budget SET n = $1`, n); err != nil {
			t.Fatal(err)
		}
		if _, err := setup.pool.Exec(ctx, `SELECT setval('deadlocks', 1, false)`); err != nil {
			t.Fatal(err)
		}
	}
	entry := func(id string) store.Replica {
		return store.Replica{Kind: store.ReplicaEntry, Key: id, Entry: &store.OutboxEntry{ID: id, OrderRef: "D-1", Carrier: "postnord", State: store.StatePending, Created: t0, Updated: t0}}
	}
	budget(pushRetries)
	res, err := a.Push(ctx, replicasOf(entry("ok"), entry("dl")))
	if err != nil || res.Pushed != 2 {
		t.Fatalf("push after %d deadlocks: %+v, %v", pushRetries, res, err)
	}
	if n := strings.Count(logs.String(), "trying again"); n != pushRetries {
		t.Errorf("%d retries logged, want %d:\n%s", n, pushRetries, logs.String())
	}
	if n := count(t, setup, `SELECT count(*) FROM outbox WHERE entry_id IN ('ok', 'dl')`); n != 2 {
		t.Errorf("%d of 2 entries stored", n)
	}
	if _, err := setup.pool.Exec(ctx, `DELETE FROM outbox`); err != nil {
		t.Fatal(err)
	}
	budget(pushRetries + 1)
	res, err = a.Push(ctx, replicasOf(entry("ok"), entry("dl")))
	var pgErr *pgconn.PgError
	if err == nil || !errors.As(err, &pgErr) || pgErr.Code != pgDeadlockDetected || res.Pushed != 0 {
		t.Errorf("push after %d deadlocks: %+v, %v; want the deadlock", pushRetries+1, res, err)
	}
	if n := count(t, setup, `SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("a failed push left %d rows", n)
	}
}

// TestPushOppositeOrders: two benches push the same orders (and each its
// shipments of them, which mark the orders shipped) at the same time, one
// in the order the other reversed: the server sees both lock the rows in
// one order, so no push deadlocks (none is even retried).
func TestPushOppositeOrders(t *testing.T) {
	t.Parallel()
	setup, url := migratedSite(t, "setup")
	const n = 200
	var reps []store.Replica
	for i := range n {
		ref := fmt.Sprintf("O-%03d", i)
		reps = append(reps,
			store.Replica{Kind: store.ReplicaOrder, Key: ref, Order: &carrier.Order{Ref: ref, ImportedAt: t0}},
			store.Replica{Kind: store.ReplicaShipment, Key: ref, Shipment: testShipment(ref, "I-"+ref)})
	}
	reversed := make([]store.Replica, len(reps))
	for i, r := range reps {
		reversed[len(reps)-1-i] = r
	}
	a, logsA := loggedSite(t, url, "b1")
	b, logsB := loggedSite(t, url, "b2")
	ctx := testCtx(t)
	for round := range 10 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for i, push := range []func() error{
			func() error { _, err := a.Push(ctx, reps); return err },
			func() error { _, err := b.Push(ctx, reversed); return err },
		} {
			wg.Go(func() {
				<-start
				errs[i] = push()
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, bench %d: %v", round, i+1, err)
			}
		}
	}
	if log := logsA.String() + logsB.String(); strings.Contains(log, "trying again") {
		t.Errorf("pushes deadlocked (and were retried):\n%s", log)
	}
	if c := count(t, setup, `SELECT count(*) FROM orders WHERE shipped`); c != n {
		t.Errorf("%d of %d orders shipped", c, n)
	}
	if c := count(t, setup, `SELECT count(*) FROM shipments`); c != 2*n {
		t.Errorf("%d shipments, want %d", c, 2*n)
	}
}

// TestPushShippedRace: bench 1 pushes a live shipment of an order while
// bench 2 pushes the cancel of its own: both recompute orders.shipped
// at once, and the order stays shipped (bench 1's parcel). The test
// holds the order's row so both pushes are under way before either
// commits.
func TestPushShippedRace(t *testing.T) {
	t.Parallel()
	b1, url := migratedSite(t, "b1")
	b2 := coreSite(t, url, "b2")
	ctx := testCtx(t)
	live := store.Replica{Kind: store.ReplicaShipment, Key: "S-1", Shipment: testShipment("S-1", "I-B2")}
	if _, err := b1.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaOrder, Key: "S-1", Order: &carrier.Order{Ref: "S-1", ImportedAt: t0}})); err != nil {
		t.Fatal(err)
	}
	if _, err := b2.Push(ctx, replicasOf(live)); err != nil {
		t.Fatal(err)
	}
	hold, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close(context.Background())
	tx, err := hold.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM orders WHERE order_ref = 'S-1' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	waiting := func(n int) {
		t.Helper()
		waitFor(t, 10*time.Second, fmt.Sprintf("%d pushes waiting on a lock", n), func() bool {
			return count(t, b1, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) == n
		})
	}
	cancelled := testShipment("S-1", "I-B2")
	cancelled.Cancelled = t0.Add(time.Hour)
	errs := make(chan error, 2)
	go func() {
		_, err := b1.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaShipment, Key: "S-1", Shipment: testShipment("S-1", "I-B1")}))
		errs <- err
	}()
	waiting(1)
	go func() {
		_, err := b2.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaShipment, Key: "S-1", Shipment: cancelled}))
		errs <- err
	}()
	waiting(2)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, b1, `SELECT count(*) FROM orders WHERE order_ref = 'S-1' AND shipped`); n != 1 {
		t.Errorf("the order is not shipped, though bench 1 holds a live shipment of it")
	}
}

// TestPushKeepsPolledStatus: the site's poller's status of a shipment
// stands; the bench's next push of the shipment (with the status it
// booked) changes the rest but not that.
func TestPushKeepsPolledStatus(t *testing.T) {
	t.Parallel()
	a, _ := migratedSite(t, "b1")
	ctx := testCtx(t)
	sh := testShipment("K-1", "I-K1")
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaShipment, Key: "K-1", Shipment: sh})); err != nil {
		t.Fatal(err)
	}
	sum := store.TrackSummary{OrderRef: "K-1", ItemID: "I-K1", Carrier: "postnord", Status: carrier.StatusInTransit}
	if _, err := a.Records().RecordTracking("K-1", nil, carrier.StatusInTransit, sum); err != nil {
		t.Fatal(err)
	}
	again := *sh
	again.Printer = "tcp://zebra:9100"
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaShipment, Key: "K-1", Shipment: &again})); err != nil {
		t.Fatal(err)
	}
	var status, printer string
	if err := a.pool.QueryRow(ctx, `SELECT status, printer FROM shipments WHERE order_ref = 'K-1'`).Scan(&status, &printer); err != nil {
		t.Fatal(err)
	}
	if status != string(carrier.StatusInTransit) || printer != again.Printer {
		t.Errorf("after the bench's push: status %q (want the poller's %q), printer %q", status, carrier.StatusInTransit, printer)
	}
}

// TestPutTrackSummaryBookedAt: as RecordTracking, PutTrackSummary keeps
// the booking time the server knows, also for a parcel whose summary a
// bench pushed without its shipment; the poller's copy does not move it.
func TestPutTrackSummaryBookedAt(t *testing.T) {
	t.Parallel()
	a, _ := migratedSite(t, "b1")
	ctx := testCtx(t)
	sum := store.TrackSummary{OrderRef: "Q-1", ItemID: "I-Q1", Carrier: "postnord", BookedAt: t0, Status: carrier.StatusCreated}
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaSummary, Key: "Q-1", Summary: &sum})); err != nil {
		t.Fatal(err)
	}
	polled := sum
	polled.BookedAt, polled.LastPolled, polled.Polls = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), t0.Add(time.Hour), 1
	if err := a.Records().PutTrackSummary(polled); err != nil {
		t.Fatal(err)
	}
	var booked, last time.Time
	if err := a.pool.QueryRow(ctx, `SELECT booked_at, last_polled FROM track_summaries WHERE station = 'b1' AND order_ref = 'Q-1'`).Scan(&booked, &last); err != nil {
		t.Fatal(err)
	}
	if !booked.Equal(t0) || !last.Equal(polled.LastPolled) {
		t.Errorf("summary after PutTrackSummary: booked %v (want %v), last polled %v (want %v)", booked, t0, last, polled.LastPolled)
	}
}
