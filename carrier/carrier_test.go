package carrier_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
)

func TestErrorText(t *testing.T) {
	base := carrier.Error{Carrier: "postnord", Op: "book", Kind: carrier.KindUnavailable, HTTPStatus: 429, Message: "rate limit"}
	if got, want := base.Error(), "postnord book: unavailable (HTTP 429): rate limit"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// The wait the carrier asked for is said last, so the text before it
	// stays what it always was.
	withWait := base
	withWait.RetryAfter = 2 * time.Second
	if got, want := withWait.Error(), "postnord book: unavailable (HTTP 429): rate limit; retry after 2s"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("outbox: %w", &withWait)
	if carrier.KindOf(wrapped) != carrier.KindUnavailable {
		t.Errorf("KindOf(%v) = %v", wrapped, carrier.KindOf(wrapped))
	}
}

// TestOwnItemIDsInJSON: the fields the offline flow added stay out of the
// JSON when unused, so stored parcels and tracking of older versions read
// the same.
func TestOwnItemIDsInJSON(t *testing.T) {
	plain, _ := json.Marshal(carrier.Parcel{Weight: 1250})
	if strings.Contains(string(plain), "item_id") {
		t.Errorf("parcel without own id: %s", plain)
	}
	own, _ := json.Marshal(carrier.Parcel{Weight: 1250, ItemID: "00373500454541020957", ItemIDType: carrier.ItemIDSSCC})
	if !strings.Contains(string(own), `"item_id":"00373500454541020957","item_id_type":"SSCC"`) {
		t.Errorf("parcel with own id: %s", own)
	}
	tr, _ := json.Marshal(carrier.Tracking{ItemID: "A", ItemIDs: []string{"A", "B"}})
	if !strings.Contains(string(tr), `"item_ids":["A","B"]`) {
		t.Errorf("tracking: %s", tr)
	}
	if tr, _ := json.Marshal(carrier.Tracking{ItemID: "A"}); strings.Contains(string(tr), "item_ids") {
		t.Errorf("tracking without item ids: %s", tr)
	}
}
