package fleet

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"labelstation/internal/pgtest"
	"labelstation/store"
)

// TestClaimConcurrent: twenty benches scan one order at once: exactly
// one wins, and every bench is told the same holder.
func TestClaimConcurrent(t *testing.T) {
	t.Parallel()
	url := ""
	{
		s, u := migratedSite(t, "setup")
		url = u
		s.Close()
	}
	ctx := testCtx(t)
	const n = 20
	sites := make([]*Site, n)
	for i := range sites {
		sites[i] = coreSite(t, url, fmt.Sprintf("bench-%02d", i))
	}
	for round := range 5 { // several orders, so the race is run more than once
		ref := fmt.Sprintf("R-%d", round)
		claims := make([]Claim, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, s := range sites {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				claims[i], errs[i] = s.Claim(ctx, ref, t0.Add(time.Duration(i)*time.Second))
			}()
		}
		close(start)
		wg.Wait()
		winners := 0
		for i := range sites {
			if errs[i] != nil {
				t.Fatalf("bench %d: %v", i, errs[i])
			}
			if claims[i] != claims[0] {
				t.Errorf("%s: bench %d was told %+v, bench 0 %+v", ref, i, claims[i], claims[0])
			}
			if claims[i].Station == sites[i].Station() {
				winners++
			}
		}
		if winners != 1 {
			t.Errorf("%s: %d winners", ref, winners)
		}
		if c := count(t, sites[0], `SELECT count(*) FROM claims WHERE order_ref = $1`, ref); c != 1 {
			t.Errorf("%s: %d claim rows", ref, c)
		}
	}
}

func TestClaimIdempotentAndRelease(t *testing.T) {
	t.Parallel()
	a, url := migratedSite(t, "b1")
	b := coreSite(t, url, "b2")
	ctx := testCtx(t)
	first, err := a.Claim(ctx, "A-1", t0)
	if err != nil || first.Station != "b1" || !first.At.Equal(t0) || first.Tracking != "" || !first.Printed.IsZero() {
		t.Fatalf("claim: %+v %v", first, err)
	}
	again, err := a.Claim(ctx, "A-1", t0.Add(time.Minute))
	if err != nil || again != first {
		t.Errorf("claim again: %+v %v, want %+v", again, err, first)
	}
	// The holder's shipment on the server: the other bench is told its
	// tracking id and print time.
	sh := testShipment("A-1", "T-1")
	sh.PrintedAt = t0.Add(2 * time.Minute)
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaShipment, Key: "A-1", Shipment: sh})); err != nil {
		t.Fatal(err)
	}
	other, err := b.Claim(ctx, "A-1", t0.Add(time.Hour))
	if err != nil || other.Station != "b1" || !other.At.Equal(t0) || other.Tracking != "T-1" || !other.Printed.Equal(sh.PrintedAt) {
		t.Errorf("the other bench's claim: %+v %v", other, err)
	}
	if err := b.Release(ctx, "A-1"); err != nil {
		t.Fatal(err)
	}
	if c, _ := b.Claim(ctx, "A-1", t0.Add(time.Hour)); c.Station != "b1" {
		t.Errorf("b2 released b1's claim: %+v", c)
	}
	if err := a.Release(ctx, "A-1"); err != nil {
		t.Fatal(err)
	}
	if c, err := b.Claim(ctx, "A-1", t0.Add(time.Hour)); err != nil || c.Station != "b2" {
		t.Errorf("after release: %+v %v", c, err)
	}
}

// TestClaimUnreachable: a server that does not answer makes Claim give
// up within ClaimTimeout with an error the bench recognises.
func TestClaimUnreachable(t *testing.T) {
	s, err := Open(Config{URL: "postgres://ls@127.0.0.1:1/ls?sslmode=disable", Station: "b1", ClaimTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = s.Claim(context.Background(), "A-1", t0)
	if err == nil || !Unreachable(err) {
		t.Fatalf("claim with no server: %v (Unreachable %v)", err, Unreachable(err))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("claim took %v", d)
	}
	// A server that accepts the connection but never answers: the
	// ClaimTimeout bounds it.
	l := listenSilent(t)
	s2, err := Open(Config{URL: "postgres://ls@" + l + "/ls?sslmode=disable", Station: "b1", ClaimTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	start = time.Now()
	_, err = s2.Claim(context.Background(), "A-1", t0)
	if err == nil || !Unreachable(err) {
		t.Fatalf("claim of a silent server: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("claim of a silent server took %v, ClaimTimeout is 300ms", d)
	}
}

// TestClaimSchemaHasItsOwnTime: the first claim of a bench finds another
// bench applying the schema (the migration lock held longer than
// ClaimTimeout): it waits for it, and the claim still gets its own time.
func TestClaimSchemaHasItsOwnTime(t *testing.T) {
	t.Parallel()
	url := pgtest.Database(t)
	ctx := testCtx(t)
	hold, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close(context.Background())
	if _, err := hold.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
		t.Fatal(err)
	}
	const held = 1500 * time.Millisecond
	unlocked := make(chan error, 1)
	go func() {
		time.Sleep(held)
		_, err := hold.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrateLockKey)
		unlocked <- err
	}()
	defer func() {
		if err := <-unlocked; err != nil {
			t.Errorf("unlock: %v", err)
		}
	}()
	s, err := Open(Config{URL: url, Station: "b1", ClaimTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	c, err := s.Claim(ctx, "A-1", t0)
	if err != nil || c.Station != "b1" {
		t.Fatalf("first claim while another bench migrates: %+v, %v", c, err)
	}
	if d := time.Since(start); d < held {
		t.Errorf("the claim took %v: it did not wait for the migration", d)
	}
}

// TestPushConflictTrackingAndResolved: a conflict names both benches'
// tracking ids; once resolved, pushing the claim again does not bring it
// back.
func TestPushConflictTrackingAndResolved(t *testing.T) {
	t.Parallel()
	a, url := migratedSite(t, "b1")
	b := coreSite(t, url, "b2")
	ctx := testCtx(t)
	if _, err := a.Claim(ctx, "C-1", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaShipment, Key: "C-1", Shipment: testShipment("C-1", "T-A")})); err != nil {
		t.Fatal(err)
	}
	claimRep := store.Replica{Kind: store.ReplicaClaim, Key: "C-1", Claim: &store.LocalClaim{OrderRef: "C-1", At: t0.Add(time.Minute)}}
	res, err := b.Push(ctx, replicasOf(claimRep,
		store.Replica{Kind: store.ReplicaShipment, Key: "C-1", Shipment: testShipment("C-1", "T-B")})) // its shipment goes first
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].Tracking != "T-B" || res.Conflicts[0].OtherTracking != "T-A" {
		t.Fatalf("conflict: %+v", res.Conflicts)
	}
	list, err := a.Conflicts(ctx)
	if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], res.Conflicts[0]) {
		t.Fatalf("Conflicts: %+v %v, want %+v", list, err, res.Conflicts)
	}
	// A supervisor on b2 resolves it; b2's claim mark is pushed again.
	resolved := t0.Add(time.Hour)
	if _, err := b.Push(ctx, replicasOf(store.Replica{Kind: store.ReplicaConflict, Key: "C-1",
		Conflict: &store.ClaimConflict{OrderRef: "C-1", Resolved: resolved, Note: "b2's parcel stopped"}})); err != nil {
		t.Fatal(err)
	}
	res, err = b.Push(ctx, replicasOf(claimRep))
	if err != nil || len(res.Conflicts) != 0 {
		t.Errorf("the resolved conflict came back: %+v, %v", res.Conflicts, err)
	}
	if list, err := a.Conflicts(ctx); err != nil || len(list) != 0 {
		t.Errorf("Conflicts after the resolution: %+v %v", list, err)
	}
	if n := count(t, a, `SELECT count(*) FROM claim_conflicts WHERE resolved_at = $1 AND note = 'b2''s parcel stopped'`, resolved); n != 1 {
		t.Errorf("the resolution is not on the server")
	}
}
