package fleet

import (
	"encoding/json"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// TestInbox: the rows the site's poller wrote for this bench come back
// grouped by order, with their events, status and summary; another
// bench's rows stay; AckInbox deletes what was read.
func TestInbox(t *testing.T) {
	t.Parallel()
	a, url := migratedSite(t, "b1")
	b := coreSite(t, url, "b2")
	ctx := testCtx(t)
	ev1 := testEvent("T-1", t0.Add(2*time.Hour), "in_transit")
	ev0 := testEvent("T-1", t0.Add(time.Hour), "handed_over")
	ev2 := testEvent("T-2", t0.Add(3*time.Hour), "delivered")
	for _, e := range []*carrier.TrackingEvent{ev1, ev0, ev2} {
		body, _ := json.Marshal(e)
		if _, err := a.pool.Exec(ctx, `INSERT INTO events (item_id, event_key, station, order_ref, at, status, body) VALUES ($1, $2, 'b1', $3, $4, $5, $6)`,
			e.ItemID, e.Key(), map[string]string{"T-1": "A-1", "T-2": "A-2"}[e.ItemID], e.Time, string(e.Status), string(body)); err != nil {
			t.Fatal(err)
		}
	}
	sum := store.TrackSummary{OrderRef: "A-1", ItemID: "T-1", Carrier: "postnord", BookedAt: t0, Status: "in_transit", Events: 2, FirstEvent: ev0.Time, LastEvent: ev1.Time}
	if _, err := a.pool.Exec(ctx, `INSERT INTO track_summaries (station, order_ref, item_id, booked_at, status, body) VALUES ('b1', 'A-1', 'T-1', $1, 'in_transit', $2)`,
		t0, store.EncodeTrackSummary(sum)); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][3]string{
		{"b1", "A-1", ev1.Key()},
		{"b1", "A-2", ev2.Key()},
		{"b2", "B-1", ""},
		{"b1", "A-1", ev0.Key()},
		{"b1", "A-1", ev1.Key()}, // named twice: returned once
		{"b1", "A-1", ""},        // a summary change
		{"b1", "A-3", ""},        // read with max 5 (b1's sixth row): not yet
	} {
		item := map[string]string{"A-1": "T-1", "A-2": "T-2", "A-3": "T-3", "B-1": "T-9"}[r[1]]
		if _, err := a.pool.Exec(ctx, `INSERT INTO inbox (station, order_ref, item_id, event_key) VALUES ($1, $2, $3, $4)`, r[0], r[1], item, r[2]); err != nil {
			t.Fatal(err)
		}
	}
	got, err := a.Inbox(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].OrderRef != "A-1" || got[1].OrderRef != "A-2" {
		t.Fatalf("inbox: %+v", got)
	}
	a1, a2 := got[0], got[1]
	if len(a1.Events) != 2 || a1.Events[0].Key() != ev0.Key() || a1.Events[1].Key() != ev1.Key() || a1.Events[1].Location != "Malmö" {
		t.Errorf("A-1's events: %+v", a1.Events)
	}
	if a1.Status != "in_transit" || a1.Summary.Events != 2 || !a1.Summary.FirstEvent.Equal(ev0.Time) || len(a1.inbox) != 4 {
		t.Errorf("A-1: status %q summary %+v inbox %v", a1.Status, a1.Summary, a1.inbox)
	}
	// No summary on the server: the status is the latest event's.
	if len(a2.Events) != 1 || a2.Status != "delivered" || a2.Summary.OrderRef != "" {
		t.Errorf("A-2: %+v", a2)
	}
	// Nothing is removed by reading.
	if again, err := a.Inbox(ctx, 5); err != nil || len(again) != 2 {
		t.Errorf("inbox read again: %+v %v", again, err)
	}
	if err := a.AckInbox(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := a.AckInbox(ctx, got); err != nil { // twice is harmless
		t.Fatal(err)
	}
	rest, err := a.Inbox(ctx, 100)
	if err != nil || len(rest) != 1 || rest[0].OrderRef != "A-3" || len(rest[0].Events) != 0 || rest[0].Status != "" {
		t.Errorf("after ack: %+v %v", rest, err)
	}
	// b1's ack of b2's ids deletes nothing: each bench reads its own.
	theirs, err := b.Inbox(ctx, 100)
	if err != nil || len(theirs) != 1 || theirs[0].OrderRef != "B-1" {
		t.Fatalf("b2's inbox: %+v %v", theirs, err)
	}
	if err := a.AckInbox(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a, `SELECT count(*) FROM inbox WHERE station = 'b2'`); n != 1 {
		t.Errorf("b1 acked b2's inbox")
	}
	if none, err := a.Inbox(ctx, 0); err != nil || none != nil {
		t.Errorf("Inbox(0): %v %v", none, err)
	}
}
