package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/label"
)

// The sandbox's side of offline-first (issue 6): Track & Trace by
// reference, bookings lost after commit at a rate, a carrier that is down
// and back, and bookings with the consignor's own item ids.

const customerNumber = "20876966" // booking()'s consignor

// findOne asks Track & Trace by reference through the client and wants
// exactly n shipments.
func findRef(t *testing.T, c *postnord.Client, ref string, n int) []carrier.Tracking {
	t.Helper()
	found, err := c.FindByReference(context.Background(), customerNumber, ref)
	if err != nil {
		t.Fatalf("FindByReference(%s): %v", ref, err)
	}
	if len(found) != n {
		t.Fatalf("FindByReference(%s): %d shipments, want %d: %+v", ref, len(found), n, found)
	}
	return found
}

// bookingsFor counts the recorded bookings of an order reference.
func bookingsFor(sb *sandbox.Server, ref string) []sandbox.RecordedBooking {
	var out []sandbox.RecordedBooking
	for _, b := range sb.Bookings() {
		if b.OrderRef == ref {
			out = append(out, b)
		}
	}
	return out
}

func TestFindByReferenceThroughClient(t *testing.T) {
	r := newRig(t, sandbox.Options{APIKey: apiKey})
	ctx := context.Background()

	req := booking()
	req.OrderRef = "ORDER 1001/ä" // a space, a slash and a Nordic letter travel escaped in the path
	first, err := r.client.Book(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	found := findRef(t, r.client, req.OrderRef, 1)
	if f := found[0]; f.ShipmentID != first.ShipmentID || f.ItemID != first.TrackingID() ||
		!slices.Equal(f.ItemIDs, first.ItemIDs) || f.Status != carrier.StatusCreated {
		t.Errorf("found %+v for booking %+v", f, first)
	}

	// The same order booked again (a resend with allocated ids) is a
	// second shipment, and both are found: that is how a duplicate shows.
	second, err := r.client.Book(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	found = findRef(t, r.client, req.OrderRef, 2)
	if found[0].ShipmentID != first.ShipmentID || found[1].ShipmentID != second.ShipmentID {
		t.Errorf("found %s and %s, want %s then %s", found[0].ShipmentID, found[1].ShipmentID, first.ShipmentID, second.ShipmentID)
	}
	if recs := bookingsFor(r.sb, req.OrderRef); len(recs) != 2 {
		t.Errorf("%d bookings recorded with order_ref %q, want 2", len(recs), req.OrderRef)
	}

	// Another order, another customer number, another reference type:
	// nothing found, as PostNord says it (200, no shipments, a fault).
	other := booking()
	other.OrderRef = "ORDER-2002"
	if _, err := r.client.Book(ctx, other); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ customer, ref string }{
		{customerNumber, "ORDER-9999"},
		{"12345678", req.OrderRef},
		{customerNumber, "ORDER"}, // no prefix match
	} {
		_, err := r.client.FindByReference(ctx, tc.customer, tc.ref)
		ce := kindOf(t, err, carrier.KindNotFound)
		if ce.HTTPStatus != http.StatusOK || len(ce.Faults) != 1 {
			t.Errorf("%s/%s: %+v", tc.customer, tc.ref, ce)
		}
	}

	// The wire answer has the by-id endpoint's shape, with the customer
	// number and the CU reference a real answer carries.
	resp, err := http.Get(r.srv.URL + "/rest/shipment/v7/trackandtrace/customernumber/" + customerNumber + "/reference/ORDER-2002/public?apikey=" + apiKey)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tt struct {
		TrackingInformationResponse struct {
			Shipments []struct {
				ShipmentID         string `json:"shipmentId"`
				CustomerNumber     string `json:"customerNumber"`
				ShipmentReferences []struct {
					Value string `json:"value"`
					Type  string `json:"type"`
				} `json:"shipmentReferences"`
				Items []struct {
					ItemID string `json:"itemId"`
					Status string `json:"status"`
				} `json:"items"`
			} `json:"shipments"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&tt); err != nil || resp.StatusCode != 200 {
		t.Fatalf("HTTP %d: %v", resp.StatusCode, err)
	}
	sh := tt.TrackingInformationResponse.Shipments
	if len(sh) != 1 || sh[0].CustomerNumber != customerNumber || len(sh[0].ShipmentReferences) != 1 ||
		sh[0].ShipmentReferences[0] != (struct {
			Value string `json:"value"`
			Type  string `json:"type"`
		}{"ORDER-2002", "CU"}) || len(sh[0].Items) != 2 || sh[0].Items[0].Status != "CREATED" {
		t.Errorf("answer %+v", sh)
	}
}

// TestFindByReferenceFaults: the by-reference endpoint is a Track & Trace
// endpoint like the by-id one, with its faults.
func TestFindByReferenceFaults(t *testing.T) {
	r := newRig(t, sandbox.Options{APIKey: apiKey})
	ctx := context.Background()
	if _, err := r.client.Book(ctx, booking()); err != nil {
		t.Fatal(err)
	}

	if err := r.sb.SetFaults(sandbox.Faults{Deny: []string{sandbox.ProductTracking}}); err != nil {
		t.Fatal(err)
	}
	_, err := r.client.FindByReference(ctx, customerNumber, "ORDER-1001")
	if ce := kindOf(t, err, carrier.KindAuth); ce.HTTPStatus != 403 {
		t.Errorf("denied tracking: %v", err)
	}

	if err := r.sb.SetFaults(sandbox.Faults{RateLimit: true}); err != nil {
		t.Fatal(err)
	}
	once, err := postnord.New(postnord.Config{BaseURL: r.srv.URL, APIKey: apiKey, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = once.FindByReference(ctx, customerNumber, "ORDER-1001")
	if ce := kindOf(t, err, carrier.KindUnavailable); ce.HTTPStatus != 429 || ce.RetryAfter != time.Second {
		t.Errorf("rate limited: HTTP %d, retry after %v: %v", ce.HTTPStatus, ce.RetryAfter, err)
	}

	if err := r.sb.SetFaults(sandbox.Faults{Latency: 150 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	findRef(t, r.client, "ORDER-1001", 1)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answered in %v despite 150 ms latency", d)
	}
}

func TestDropRate(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	ctx := context.Background()
	if err := r.sb.SetFaults(sandbox.Faults{DropRate: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := r.client.Book(ctx, booking())
	kindOf(t, err, carrier.KindUnknownOutcome)
	recs := bookingsFor(r.sb, "ORDER-1001")
	if len(recs) != 1 {
		t.Fatalf("%d bookings recorded, want 1: a dropped booking was committed first", len(recs))
	}
	// The outbox's question: does it exist? Yes, with these parcels.
	found := findRef(t, r.client, "ORDER-1001", 1)
	if !slices.Equal(found[0].ItemIDs, recs[0].ItemIDs) || found[0].ShipmentID != recs[0].ShipmentID {
		t.Errorf("found %+v, recorded %+v", found[0], recs[0])
	}

	// A partial rate drops some bookings, the same ones for the same
	// seed, and every booking — answered or not — is recorded.
	outcomes := func(seed int64) string {
		r := newRig(t, sandbox.Options{Seed: seed})
		if err := r.sb.SetFaults(sandbox.Faults{DropRate: 0.5}); err != nil {
			t.Fatal(err)
		}
		var s strings.Builder
		for range 16 {
			if _, err := r.client.Book(ctx, booking()); err != nil {
				kindOf(t, err, carrier.KindUnknownOutcome)
				s.WriteByte('x')
			} else {
				s.WriteByte('.')
			}
		}
		if n := len(r.sb.Bookings()); n != 16 {
			t.Errorf("%d bookings recorded for 16 requests", n)
		}
		return s.String()
	}
	a, b := outcomes(3), outcomes(3)
	if a != b || !strings.Contains(a, "x") || !strings.Contains(a, ".") {
		t.Errorf("drop rate 0.5, seed 3: %s then %s", a, b)
	}

	for _, bad := range []float64{-0.1, 1.5} {
		if err := r.sb.SetFaults(sandbox.Faults{DropRate: bad}); err == nil {
			t.Errorf("drop rate %v accepted", bad)
		}
	}
}

func TestDown(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	ctx := context.Background()
	setFaults := func(body string) {
		t.Helper()
		resp, err := http.Post(r.srv.URL+"/_sandbox/faults", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST faults %s: %d %s", body, resp.StatusCode, got)
		}
	}
	if err := r.client.Probe(ctx); err != nil {
		t.Fatalf("Probe while up: %v", err)
	}

	setFaults(`{"down":true}`)
	if !r.sb.Faults().Down {
		t.Fatal("down not set")
	}
	if err := r.client.Probe(ctx); carrier.KindOf(err) != carrier.KindUnavailable {
		t.Errorf("Probe while down: %v, want unavailable", err)
	}
	// The connection is closed as soon as the request arrives. A small
	// booking is already fully written by then, so the client reports
	// KindUnknownOutcome: from the client's side a server that took the
	// request and died looks the same as one that booked and lost the
	// answer, and only a look-up can tell. KindUnavailable comes when the
	// close beats the last bytes of the body (or the connection is
	// refused, as below). Both are safe: neither is resent blindly.
	_, err := r.client.Book(ctx, booking())
	if k := carrier.KindOf(err); k != carrier.KindUnknownOutcome && k != carrier.KindUnavailable {
		t.Errorf("Book while down: %v", err)
	}
	t.Logf("Book while down: %v", err)
	if _, err := r.client.Track(ctx, "00373500454541020957"); carrier.KindOf(err) != carrier.KindUnavailable {
		t.Errorf("Track while down: %v", err)
	}
	if _, err := r.client.FindByReference(ctx, customerNumber, "ORDER-1001"); carrier.KindOf(err) != carrier.KindUnavailable {
		t.Errorf("FindByReference while down: %v", err)
	}
	if n, m := len(r.sb.Bookings()), len(r.sb.Requests()); n != 0 || m != 1 {
		t.Errorf("%d bookings and %d requests recorded; nothing reaches a PostNord that is down (the one request is the first probe)", n, m)
	}

	setFaults(`{"fail_rate":0}`) // a POST states every fault: down is cleared
	if err := r.client.Probe(ctx); err != nil {
		t.Errorf("Probe after down: %v", err)
	}
	b, err := r.client.Book(ctx, booking())
	if err != nil {
		t.Fatalf("Book after down: %v", err)
	}
	if _, err := r.client.Track(ctx, b.TrackingID()); err != nil {
		t.Errorf("Track after down: %v", err)
	}

	// A server that is gone refuses the connection: unavailable, for a
	// booking too, since nothing was sent.
	r.srv.Close()
	if err := r.client.Probe(ctx); carrier.KindOf(err) != carrier.KindUnavailable {
		t.Errorf("Probe of a closed server: %v", err)
	}
	if _, err := r.client.Book(ctx, booking()); carrier.KindOf(err) != carrier.KindUnavailable {
		t.Errorf("Book against a closed server: %v", err)
	}
}

// TestOwnItemIDs: parcels labelled offline with the consignor's own SSCC
// and S10 ids are booked with those ids, tracked by them and found by
// reference.
func TestOwnItemIDs(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	ctx := context.Background()
	sscc, err := label.NewSSCC(3, "7350045", 987654321)
	if err != nil {
		t.Fatal(err)
	}
	s10, err := label.NewS10("CC", 61219954, "SE")
	if err != nil {
		t.Fatal(err)
	}
	req := booking()
	req.OrderRef = "OFFLINE-7"
	req.Parcels[0].ItemID, req.Parcels[0].ItemIDType = sscc, carrier.ItemIDSSCC
	req.Parcels[1].ItemID, req.Parcels[1].ItemIDType = s10, carrier.ItemIDS10
	b, err := r.client.Book(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.ItemIDs, []string{sscc, s10}) {
		t.Fatalf("booked %v, want the own ids %s, %s", b.ItemIDs, sscc, s10)
	}
	for _, id := range []string{sscc, s10} {
		tr, err := r.client.Track(ctx, id)
		if err != nil {
			t.Fatalf("Track(%s): %v", id, err)
		}
		if tr.ItemID != id || !slices.Equal(tr.ItemIDs, b.ItemIDs) || tr.Status != carrier.StatusCreated {
			t.Errorf("Track(%s) = %+v", id, tr)
		}
	}
	found := findRef(t, r.client, req.OrderRef, 1)
	if found[0].ItemID != sscc || !slices.Equal(found[0].ItemIDs, b.ItemIDs) {
		t.Errorf("found %+v", found[0])
	}

	// Sent again with the same own ids (the resend a lost answer tempts):
	// both bookings are recorded, so a test counting them catches it, and
	// Track & Trace still knows one shipment of these items.
	if _, err := r.client.Book(ctx, req); err != nil {
		t.Fatal(err)
	}
	perItem := 0
	for _, rec := range r.sb.Bookings() {
		if slices.Contains(rec.ItemIDs, sscc) {
			perItem++
		}
	}
	if n := len(bookingsFor(r.sb, req.OrderRef)); n != 2 || perItem != 2 {
		t.Errorf("%d bookings of %s and %d of item %s recorded, want 2 and 2", n, req.OrderRef, perItem, sscc)
	}
	findRef(t, r.client, req.OrderRef, 1)
}

// TestOfflineFaultsJSON: drop_rate and down travel through
// /_sandbox/faults like the other faults, and are checked the same way.
func TestOfflineFaultsJSON(t *testing.T) {
	f := sandbox.Faults{DropRate: 0.25, Down: true}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"latency":"0s","fail_rate":0,"drop_after_commit":false,"drop_rate":0.25,"down":true}`; string(data) != want {
		t.Errorf("marshal: %s, want %s", data, want)
	}
	var back sandbox.Faults
	if err := json.Unmarshal(data, &back); err != nil || back.DropRate != 0.25 || !back.Down {
		t.Errorf("unmarshal: %+v, %v", back, err)
	}

	r := newRig(t, sandbox.Options{})
	for body, code := range map[string]int{`{"drop_rate":1.5}`: 400, `{"drop_rate":-1}`: 400, `{"down":"yes"}`: 400, `{"drop_rate":0.5}`: 200} {
		resp, err := http.Post(r.srv.URL+"/_sandbox/faults", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code {
			t.Errorf("POST %s: %d, want %d", body, resp.StatusCode, code)
		}
	}
	if f := r.sb.Faults(); f.DropRate != 0.5 || f.Down {
		t.Errorf("faults %+v", f)
	}
}
