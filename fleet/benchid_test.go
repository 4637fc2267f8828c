package fleet

import (
	"errors"
	"testing"
	"time"

	"labelstation/internal/pgtest"
	"labelstation/store"
)

// TestSecondBenchUnderOneNameRefused: a second data file under a bench
// name the site already knows (a cloned PC image) can neither claim nor
// push — it would take the first bench's claims for its own and
// overwrite its records — and is told why; the first goes on.
func TestSecondBenchUnderOneNameRefused(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	url := pgtest.Database(t)
	open := func(id string) *Site {
		s, err := Open(Config{URL: url, Station: "bench-7", BenchID: id, LeaderRetry: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	first, clone := open("id-first"), open("id-clone")
	if c, err := first.Claim(ctx, "N-1", t0); err != nil || c.Station != "bench-7" {
		t.Fatalf("first bench's claim: %+v %v", c, err)
	}
	_, err := clone.Claim(ctx, "N-2", t0)
	if !errors.Is(err, ErrNameTaken) || Unreachable(err) {
		t.Fatalf("the clone's claim: %v, want ErrNameTaken (and not 'unreachable', which would claim locally)", err)
	}
	reps := replicasOf(store.Replica{Kind: store.ReplicaShipment, Key: "N-3", Shipment: testShipment("N-3", "I-N-3")})
	if _, err := clone.Push(ctx, reps); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("the clone's push: %v, want ErrNameTaken", err)
	}
	if n := count(t, first, "SELECT count(*) FROM shipments WHERE order_ref = 'N-3'"); n != 0 {
		t.Fatalf("the clone's shipment reached the server (%d rows)", n)
	}
	if _, err := first.Push(ctx, reps); err != nil {
		t.Fatalf("the first bench's push: %v", err)
	}
	// A name recorded by an older version (no id) is taken over by the
	// first bench that brings one.
	if _, err := first.pool.Exec(ctx, `INSERT INTO stations (station) VALUES ('bench-old')`); err != nil {
		t.Fatal(err)
	}
	old, err := Open(Config{URL: url, Station: "bench-old", BenchID: "id-old"})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := old.Push(ctx, nil); err != nil {
		t.Fatalf("taking over a name without an id: %v", err)
	}
}
