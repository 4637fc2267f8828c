package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"labelstation/carrier"
	"labelstation/carrier/sandbox"
)

// TestSandboxRefusesMissingCustoms: a body PostNord would refuse for want
// of customs data is refused by the sandbox too, with the field named.
func TestSandboxRefusesMissingCustoms(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	body := `{"messageDate":"2026-09-28T08:40:52Z","updateIndicator":"Original","shipment":[{"service":{"basicServiceCode":"17"},
	 "parties":{"consignor":{"issuerCode":"Z12","partyIdentification":{"partyId":"20876966","partyIdType":"160"},
	   "party":{"nameIdentification":{"name":"Shop"},"address":{"streets":["Gata 1"],"postalCode":"41505","city":"Göteborg","countryCode":"SE"}}},
	  "consignee":{"party":{"nameIdentification":{"name":"Kari"},"address":{"streets":["Storgata 1"],"postalCode":"0155","city":"Oslo","countryCode":"NO"}}}},
	 "goodsItem":[{"items":[{"itemIdentification":{"itemId":"0"},"grossWeight":{"value":1,"unit":"KGM"}}]}]%s}]}`
	post := func(extra string) (int, string) {
		resp, err := http.Post(r.srv.URL+"/rest/shipment/v3/edi/labels/zpl?apikey="+apiKey, "application/json", strings.NewReader(strings.Replace(body, "%s", extra, 1)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, out := post(""); code != 400 || !strings.Contains(out, "Customs declaration is mandatory for shipments from SE to NO") {
		t.Errorf("no customs: %d %s", code, out)
	}
	if code, out := post(`,"customsInvoice":{"seller":{"vatNo":"SE1"},"detailedDescription":[{"content":"x","quantity":1,"countryOfOrigin":"SE","itemValue":{"amount":1,"currency":"SEK"},"netWeight":{"value":1,"unit":"KGM"}}]}`); code != 400 || !strings.Contains(out, "hsTariffNumber") {
		t.Errorf("no HS code: %d %s", code, out)
	}
	if len(r.sb.Bookings()) != 0 {
		t.Error("a refused body was booked")
	}
	// The client's own body passes.
	if _, err := r.client.Book(context.Background(), booking()); err != nil {
		t.Fatalf("client booking to NO with customs: %v", err)
	}
}

// TestPartialFailureThroughClient: fail_item 2 books parcel 1 and refuses
// parcel 2; the client keeps what was booked and names the failure.
func TestPartialFailureThroughClient(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	if err := r.sb.SetFaults(sandbox.Faults{FailItem: 2}); err != nil {
		t.Fatal(err)
	}
	b, err := r.client.Book(context.Background(), booking())
	ce := kindOf(t, err, carrier.KindPartial)
	if len(b.ItemIDs) != 1 || len(b.Labels) != 1 || !strings.Contains(string(b.Labels[0].Data), b.ItemIDs[0]) {
		t.Fatalf("partial booking %+v", b)
	}
	if len(ce.Faults) != 1 || ce.Faults[0].Field != "parcels[1]" {
		t.Errorf("faults %+v", ce.Faults)
	}
	if rec := r.sb.Bookings(); len(rec) != 1 || len(rec[0].ItemIDs) != 1 || rec[0].ItemIDs[0] != b.ItemIDs[0] {
		t.Errorf("sandbox recorded %+v", rec)
	}
	// The booked parcel's label prints again by its print id.
	labels, err := r.client.Reprint(context.Background(), b.PrintIDs, carrier.LabelZPL)
	if err != nil || len(labels) != 1 || !bytes.Equal(labels[0].Data, b.Labels[0].Data) {
		t.Errorf("reprint: %v, %d labels", err, len(labels))
	}
	if _, err := r.client.Reprint(context.Background(), []string{"unknown"}, carrier.LabelZPL); carrier.KindOf(err) != carrier.KindNotFound {
		t.Errorf("reprint of an unknown print id: %v", err)
	}
}

// TestKeyPerProduct: a key not enabled for Track & Trace still books.
func TestKeyPerProduct(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	if err := r.sb.SetFaults(sandbox.Faults{Deny: []string{sandbox.ProductTracking, sandbox.ProductServicePoints}}); err != nil {
		t.Fatal(err)
	}
	b, err := r.client.Book(context.Background(), booking())
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.client.Track(context.Background(), b.ItemIDs[0])
	kindOf(t, err, carrier.KindAuth)
	if !strings.Contains(err.Error(), "this API key is not enabled for Track & Trace") {
		t.Errorf("error %q", err)
	}
	_, err = r.client.NearestServicePoints(context.Background(), carrier.Address{Country: "SE", Postcode: "11455"}, 2)
	kindOf(t, err, carrier.KindAuth)
}

func TestServicePointsAndTransitThroughClient(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	ctx := context.Background()
	sps, err := r.client.NearestServicePoints(ctx, carrier.Address{Country: "NO", Postcode: "7011", City: "Trondheim", Street1: "Kongens gate 3"}, 3)
	if err != nil || len(sps) != 3 {
		t.Fatalf("service points: %v %+v", err, sps)
	}
	again, _ := r.client.NearestServicePoints(ctx, carrier.Address{Country: "NO", Postcode: "7011", City: "Trondheim"}, 3)
	if sps[0].ID != again[0].ID || sps[0].Address.Country != "NO" || sps[0].DistanceM >= sps[2].DistanceM {
		t.Errorf("service points not stable or not nearest first: %+v", sps)
	}
	one, err := r.client.ServicePoint(ctx, "NO", sps[1].ID)
	if err != nil || one.ID != sps[1].ID {
		t.Errorf("by id: %v %+v", err, one)
	}
	// A booking to the chosen service point passes the sandbox's checks.
	req := booking()
	req.Service = carrier.Service{Code: "19", ServicePointID: sps[0].ID}
	if _, err := r.client.Book(ctx, req); err != nil {
		t.Errorf("booking to service point %s: %v", sps[0].ID, err)
	}

	tts, err := r.client.TransitTimes(ctx, carrier.TransitQuery{From: carrier.Address{Country: "SE", Postcode: "41505"}, To: carrier.Address{Country: "NO", Postcode: "7011"}, Services: []string{"17", "32", "99"}})
	if err != nil || len(tts) != 3 {
		t.Fatalf("transit: %v %+v", err, tts)
	}
	if !tts[0].Bookable || tts[0].Arrival.IsZero() || tts[2].Bookable || tts[2].Problem == "" {
		out, _ := json.Marshal(tts)
		t.Errorf("transit times %s", out)
	}
}
