package fleet

import (
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// TestUnshippedOrders: an order is waiting until any bench pushes a live
// shipment of it (whichever bench, and whether the order or the shipment
// reaches the server first); a cancelled booking gives it back.
func TestUnshippedOrders(t *testing.T) {
	t.Parallel()
	b1, url := migratedSite(t, "b1")
	b2 := coreSite(t, url, "b2")
	ctx := testCtx(t)
	order := func(ref string, at time.Time) store.Replica {
		return store.Replica{Kind: store.ReplicaOrder, Key: ref, Order: &carrier.Order{Ref: ref, ImportedAt: at}}
	}
	ship := func(ref string, cancelled time.Time) store.Replica {
		sh := testShipment(ref, "I-"+ref)
		sh.Cancelled = cancelled
		return store.Replica{Kind: store.ReplicaShipment, Key: ref, Shipment: sh}
	}
	old, fresh := t0.Add(-72*time.Hour), t0.Add(-time.Hour)
	// O-2's shipment (bench 2) reaches the server before its order (bench 1).
	if _, err := b2.Push(ctx, replicasOf(ship("O-2", time.Time{}))); err != nil {
		t.Fatal(err)
	}
	if _, err := b1.Push(ctx, replicasOf(order("O-1", old), order("O-2", old), order("O-3", old), order("O-4", fresh))); err != nil {
		t.Fatal(err)
	}
	if _, err := b2.Push(ctx, replicasOf(ship("O-3", time.Time{}))); err != nil {
		t.Fatal(err)
	}
	refs := func() []string {
		t.Helper()
		us, err := b1.UnshippedOrders(ctx, t0.Add(-48*time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Ref)
		}
		return out
	}
	if got := refs(); len(got) != 1 || got[0] != "O-1" {
		t.Fatalf("unshipped after 48 h: %v, want [O-1] (O-2, O-3 shipped by bench 2; O-4 too fresh)", got)
	}
	// Bench 2 cancels O-3's booking: O-3 waits again.
	if _, err := b2.Push(ctx, replicasOf(ship("O-3", t0))); err != nil {
		t.Fatal(err)
	}
	if got := refs(); len(got) != 2 || got[0] != "O-1" || got[1] != "O-3" {
		t.Fatalf("unshipped after the cancel: %v, want [O-1 O-3]", got)
	}
}
