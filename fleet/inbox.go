package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"labelstation/carrier"
	"labelstation/store"
)

// Inbox returns the news about this bench's parcels (from at most max
// inbox rows, oldest first), grouped by order: the events the rows name,
// and the parcel's current status and summary as the site's poller keeps
// them. Nothing is removed until AckInbox, so a bench that dies before it
// recorded the news reads it again.
func (s *Site) Inbox(ctx context.Context, max int) ([]Tracked, error) {
	if max <= 0 {
		return nil, nil
	}
	me := s.cfg.Station
	if err := s.ensureSchema(ctx); err != nil {
		return nil, fmt.Errorf("fleet inbox of %s: %w", me, err)
	}
	// The events named (a row with event_key '' names none), joined in
	// the same query: one round trip for the rows and their events.
	rows, err := s.pool.Query(ctx, `SELECT i.id, i.order_ref, e.body
		FROM inbox i
		LEFT JOIN events e ON i.event_key <> '' AND e.item_id = i.item_id AND e.event_key = i.event_key
		WHERE i.station = $1
		ORDER BY i.id
		LIMIT $2`, me, max)
	if err != nil {
		return nil, fmt.Errorf("fleet inbox of %s on %s: %w", me, s.server, err)
	}
	var out []Tracked
	byRef := map[string]int{}
	seen := map[string]bool{} // item|event key: an event named twice is returned once
	var id int64
	var ref string
	var body []byte
	_, err = pgx.ForEachRow(rows, []any{&id, &ref, &body}, func() error {
		i, ok := byRef[ref]
		if !ok {
			i = len(out)
			byRef[ref] = i
			out = append(out, Tracked{OrderRef: ref})
		}
		t := &out[i]
		t.inbox = append(t.inbox, id)
		if body == nil {
			return nil
		}
		var e carrier.TrackingEvent
		if err := json.Unmarshal(body, &e); err != nil {
			return fmt.Errorf("inbox row %d: the event does not decode: %w", id, err)
		}
		if k := ref + "|" + e.Key(); !seen[k] {
			seen[k] = true
			t.Events = append(t.Events, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fleet inbox of %s on %s: %w", me, s.server, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	refs := make([]string, len(out))
	for i := range out {
		refs[i] = out[i].OrderRef
		evs := out[i].Events
		sort.SliceStable(evs, func(a, b int) bool { return evs[a].Time.Before(evs[b].Time) })
	}
	rows, err = s.pool.Query(ctx, `SELECT order_ref, status, body FROM track_summaries WHERE station = $1 AND order_ref = ANY($2)`, me, refs)
	if err != nil {
		return nil, fmt.Errorf("fleet inbox of %s on %s: %w", me, s.server, err)
	}
	var status string
	_, err = pgx.ForEachRow(rows, []any{&ref, &status, &body}, func() error {
		sum, err := store.DecodeTrackSummary(body)
		if err != nil {
			return fmt.Errorf("the summary of %s does not decode: %w", ref, err)
		}
		t := &out[byRef[ref]]
		t.Summary = sum
		t.Status = sum.Status
		if t.Status == "" {
			t.Status = carrier.Status(status)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fleet inbox of %s on %s: %w", me, s.server, err)
	}
	// A parcel without a summary on the server: its status is its latest
	// event's.
	for i := range out {
		if t := &out[i]; t.Status == "" && len(t.Events) > 0 {
			t.Status = t.Events[len(t.Events)-1].Status
		}
	}
	return out, nil
}

// AckInbox deletes the inbox rows behind ts (recorded locally). Acking
// twice is harmless.
func (s *Site) AckInbox(ctx context.Context, ts []Tracked) error {
	var ids []int64
	for _, t := range ts {
		ids = append(ids, t.inbox...)
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM inbox WHERE station = $1 AND id = ANY($2)`, s.cfg.Station, ids); err != nil {
		return fmt.Errorf("fleet ack inbox of %s on %s: %w", s.cfg.Station, s.server, err)
	}
	return nil
}
