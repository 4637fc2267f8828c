package postnord_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
)

// sentItemIDs returns the itemIdentification of every item of the first
// shipment of a captured booking body.
func sentItemIDs(t *testing.T, body []byte) []map[string]string {
	t.Helper()
	var edi struct {
		Shipment []struct {
			GoodsItem []struct {
				Items []struct {
					ItemIdentification map[string]string `json:"itemIdentification"`
				} `json:"items"`
			} `json:"goodsItem"`
		} `json:"shipment"`
	}
	if err := json.Unmarshal(body, &edi); err != nil || len(edi.Shipment) == 0 {
		t.Fatalf("body is not an ediInstruction: %v", err)
	}
	var out []map[string]string
	for _, g := range edi.Shipment[0].GoodsItem {
		for _, it := range g.Items {
			out = append(out, it.ItemIdentification)
		}
	}
	return out
}

// TestBookSendsOwnItemIDs: an offline label's own id goes to PostNord
// with its itemIdType; a parcel without one still lets PostNord allocate.
func TestBookSendsOwnItemIDs(t *testing.T) {
	fake := newFake(t, answer(200, okLabelResponse("00373500454541020957", "CC612199545SE", "00373500454541020964")))
	req := sampleBooking()
	req.Parcels = append(req.Parcels, req.Parcels[0])
	req.Parcels[0].ItemID, req.Parcels[0].ItemIDType = "373500454541020957", "SSCC" // bare 18 digits
	req.Parcels[1].ItemID, req.Parcels[1].ItemIDType = "CC612199545SE", "s10"       // type in any case
	if _, err := newClient(t, fake.URL).Book(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	got := sentItemIDs(t, fake.requests()[0].Body)
	want := []map[string]string{
		{"itemId": "00373500454541020957", "itemIdType": "SSCC"}, // PostNord's 20-digit form
		{"itemId": "CC612199545SE", "itemIdType": "S10"},
		{"itemId": "0"}, // no own id: PostNord allocates
	}
	if len(got) != len(want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) || got[i]["itemId"] != want[i]["itemId"] || got[i]["itemIdType"] != want[i]["itemIdType"] {
			t.Errorf("item %d: sent %v, want %v", i, got[i], want[i])
		}
	}

	// Without a type the shape says which series it is.
	fake = newFake(t, answer(200, okLabelResponse("00373500454541020957", "CC612199545SE")))
	req = sampleBooking()
	req.Parcels[0].ItemID, req.Parcels[1].ItemID = "00373500454541020957", "CC612199545SE"
	if _, err := newClient(t, fake.URL).Book(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got := sentItemIDs(t, fake.requests()[0].Body); got[0]["itemIdType"] != "SSCC" || got[1]["itemIdType"] != "S10" {
		t.Errorf("inferred types: %v", got)
	}
}

// TestBookRefusesMalformedOwnItemIDs: a malformed own id is refused before
// sending, naming the parcel, as the client's other local checks do.
func TestBookRefusesMalformedOwnItemIDs(t *testing.T) {
	for name, tc := range map[string]struct {
		id, typ, field string
	}{
		"SSCC of 17 digits":               {"37350045454102095", "SSCC", "parcels[1].item_id"},
		"SSCC of 20 digits without 00":    {"10373500454541020957", "SSCC", "parcels[1].item_id"},
		"SSCC with a letter":              {"37350045454102095X", "SSCC", "parcels[1].item_id"},
		"SSCC with spaces":                {" 373500454541020957", "SSCC", "parcels[1].item_id"},
		"S10 too short":                   {"CC61219954SE", "S10", "parcels[1].item_id"},
		"S10 in small letters":            {"cc612199545se", "S10", "parcels[1].item_id"},
		"S10 given as SSCC":               {"CC612199545SE", "SSCC", "parcels[1].item_id"},
		"neither shape, no type":          {"ABC-123", "", "parcels[1].item_id"},
		"unknown type":                    {"CC612199545SE", "DPD", "parcels[1].item_id_type"},
		"same id as the first parcel too": {"00373500454541020957", "SSCC", "parcels[1].item_id"},
	} {
		t.Run(name, func(t *testing.T) {
			fake := newFake(t, answer(200, okLabelResponse("00373500454541020957")))
			req := sampleBooking()
			req.Parcels[0].ItemID = "00373500454541020957"
			req.Parcels[1].ItemID, req.Parcels[1].ItemIDType = tc.id, tc.typ
			_, err := newClient(t, fake.URL).Book(context.Background(), req)
			ce := asCarrierError(t, err, carrier.KindRejected)
			if ce.HTTPStatus != 0 || len(fake.requests()) != 0 {
				t.Errorf("HTTP %d, %d requests: a malformed id must not be sent", ce.HTTPStatus, len(fake.requests()))
			}
			if len(ce.Faults) != 1 || ce.Faults[0].Field != tc.field || !strings.Contains(ce.Faults[0].Message, "parcel 2") {
				t.Errorf("faults %+v, want one on %s naming parcel 2", ce.Faults, tc.field)
			}
		})
	}
}

// TestProbe: any HTTP answer is reachable, no answer is unavailable, and
// the probe carries no API key.
func TestProbe(t *testing.T) {
	fake := newFake(t, answer(404, `{"message":"Resource not found"}`))
	c := newClient(t, fake.URL+"/some/prefix")
	if err := c.Probe(context.Background()); err != nil {
		t.Fatalf("Probe against a host answering 404: %v", err)
	}
	reqs := fake.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodGet || r.Path != "/" || len(r.Query) != 0 {
		t.Errorf("probe sent %s %s?%s, want GET / without a query", r.Method, r.Path, r.Query.Encode())
	}
	if r.Query.Has("apikey") || strings.Contains(r.RawPath+r.Header.Get("Authorization"), testKey) {
		t.Error("the probe carried the API key")
	}

	err := newClient(t, closedURL(t)).Probe(context.Background())
	ce := asCarrierError(t, err, carrier.KindUnavailable)
	if ce.Op != "probe" || ce.HTTPStatus != 0 {
		t.Errorf("closed port: %+v", ce)
	}
	assertNoKey(t, err)

	// A host that takes the connection and never answers is unreachable
	// by ctx's deadline, not by the client's 30 s.
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(silent.Close)
	t.Cleanup(func() { close(release) })
	slow := newClient(t, silent.URL, func(cfg *postnord.Config) { cfg.Timeout = 30 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	asCarrierError(t, slow.Probe(ctx), carrier.KindUnavailable)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("probe of a silent host took %v", d)
	}
}

// TestErrorCarriesRetryAfter: what PostNord asked the caller to wait on a
// 429 or 503 reaches the caller, in seconds or as an HTTP date; other
// statuses carry none.
func TestErrorCarriesRetryAfter(t *testing.T) {
	withHeader := func(status int, retryAfter string) func(http.ResponseWriter, *http.Request, []byte) {
		return func(w http.ResponseWriter, r *http.Request, b []byte) {
			w.Header().Set("Retry-After", retryAfter)
			answer(status, `{"message":"`+http.StatusText(status)+`"}`)(w, r, b)
		}
	}
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		kind       carrier.ErrorKind
		want       time.Duration
	}{
		{"429 in seconds", 429, "7", carrier.KindUnavailable, 7 * time.Second},
		{"503 as HTTP date", 503, time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat), carrier.KindUnavailable, 90 * time.Second},
		{"503 without header", 503, "", carrier.KindUnavailable, 0},
		{"504 is not asked to wait", 504, "7", carrier.KindUnknownOutcome, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(t, withHeader(tc.status, tc.retryAfter))
			_, err := newClient(t, fake.URL).Book(context.Background(), sampleBooking())
			ce := asCarrierError(t, err, tc.kind)
			if d := ce.RetryAfter - tc.want; d < -2*time.Second || d > 2*time.Second || (tc.want == 0) != (ce.RetryAfter == 0) {
				t.Errorf("RetryAfter %v, want %v", ce.RetryAfter, tc.want)
			}
			if tc.want > 0 && !strings.Contains(err.Error(), "retry after") {
				t.Errorf("error %q does not say how long to wait", err)
			}
		})
	}

	// A look-up is retried here first (its pauses capped by
	// MaxRetryDelay); the error after the last try still says what
	// PostNord asked for.
	fake := newFake(t, withHeader(429, "7"))
	c := newClient(t, fake.URL, func(cfg *postnord.Config) { cfg.MaxRetryDelay = 20 * time.Millisecond })
	_, err := c.Track(context.Background(), "00373500454541020957")
	if ce := asCarrierError(t, err, carrier.KindUnavailable); ce.RetryAfter != 7*time.Second || len(fake.requests()) != 4 {
		t.Errorf("RetryAfter %v after %d requests", ce.RetryAfter, len(fake.requests()))
	}
}

// twoShipmentsJSON is a Track & Trace answer by reference: two shipments
// under one reference, the first with two items.
const twoShipmentsJSON = `{"TrackingInformationResponse":{"shipments":[
 {"shipmentId":"SHIP1","status":"INFORMED","items":[
   {"itemId":"00373500454541020957","status":"INFORMED","events":[]},
   {"itemId":"00373500454541020964","status":"INFORMED","events":[]}]},
 {"shipmentId":"SHIP2","status":"INFORMED","items":[
   {"itemId":"CC612199545SE","status":"INFORMED","events":[]}]}]}}`

// TestTrackingListsItemIDs: Track and FindByReference tell every item id
// of a shipment, so a shipment found by reference can be adopted whole.
func TestTrackingListsItemIDs(t *testing.T) {
	fake := newFake(t, answer(200, twoShipmentsJSON))
	c := newClient(t, fake.URL)
	found, err := c.FindByReference(context.Background(), "20876966", "ORDER-1001")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 {
		t.Fatalf("%d shipments, want 2", len(found))
	}
	if f := found[0]; f.ShipmentID != "SHIP1" || f.ItemID != "00373500454541020957" ||
		strings.Join(f.ItemIDs, ",") != "00373500454541020957,00373500454541020964" {
		t.Errorf("first shipment %+v", f)
	}
	if f := found[1]; f.ShipmentID != "SHIP2" || f.ItemID != "CC612199545SE" || strings.Join(f.ItemIDs, ",") != "CC612199545SE" {
		t.Errorf("second shipment %+v", f)
	}

	fake = newFake(t, answer(200, trackingJSON))
	tr, err := newClient(t, fake.URL).Track(context.Background(), "00373500454541020964")
	if err != nil {
		t.Fatal(err)
	}
	if tr.ItemID != "00373500454541020964" || strings.Join(tr.ItemIDs, ",") != "00373500454541020957,00373500454541020964" {
		t.Errorf("Track: item %s, items %v", tr.ItemID, tr.ItemIDs)
	}
}
