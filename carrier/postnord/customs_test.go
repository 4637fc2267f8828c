package postnord_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"labelstation/carrier"
)

// sentShipment books req against a fake and returns shipment[0] of the
// body that went out.
func sentShipment(t *testing.T, req carrier.BookingRequest) map[string]any {
	t.Helper()
	fake := newFake(t, answer(http.StatusOK, okLabelResponse("00373500454541020957", "00373500454541020964")))
	if _, err := newClient(t, fake.URL).Book(context.Background(), req); err != nil {
		t.Fatalf("Book: %v", err)
	}
	var body struct {
		Shipment []map[string]any `json:"shipment"`
	}
	if err := json.Unmarshal(fake.requests()[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	return body.Shipment[0]
}

func TestCustomsRefusedBeforeSendingNamingFields(t *testing.T) {
	fake := newFake(t, answer(200, okLabelResponse("00373500454541020957")))
	req := sampleBooking()
	req.Parcels[0].Contents = []carrier.Line{{Description: "Tursekk", Quantity: 1, Value: 899, Currency: "NOK", WeightKg: 1.1}}
	req.Parcels[1].Contents = []carrier.Line{{Description: "Regntrekk", Quantity: 1, Currency: "NOK", HSCode: "620193", Origin: "CN"}}
	req.Consignor.Customs.EORI = ""
	_, err := newClient(t, fake.URL).Book(context.Background(), req)
	ce := asCarrierError(t, err, carrier.KindRejected)
	var fields []string
	for _, f := range ce.Faults {
		fields = append(fields, f.Field)
	}
	for _, want := range []string{
		"parcels[0].contents[0].hs_code", "parcels[0].contents[0].origin",
		"parcels[1].contents[0].value", "parcels[1].contents[0].weight_kg", "consignor.customs.eori",
	} {
		if !slices.Contains(fields, want) {
			t.Errorf("no fault for %s; faults: %v", want, fields)
		}
	}
	for _, want := range []string{"line 1 (Tursekk) has no HS code", "line 2 (Regntrekk) has no value", "EORI"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if n := len(fake.requests()); n != 0 {
		t.Errorf("%d requests sent; customs data is checked before booking", n)
	}
}

func TestCustomsInvoiceToNorway(t *testing.T) {
	sh := sentShipment(t, sampleBooking())
	inv, ok := sh["customsInvoice"].(map[string]any)
	if !ok {
		t.Fatalf("no customs invoice: %v", sh)
	}
	if inv["voec"] != "2031001" {
		t.Errorf("voec %v, want the consignor's for low-value goods to Norway", inv["voec"])
	}
	dd := inv["detailedDescription"].([]any)
	if len(dd) != 2 {
		t.Fatalf("%d lines", len(dd))
	}
	first := dd[0].(map[string]any)
	if first["hsTariffNumber"] != "611011" || first["countryOfOrigin"] != "SE" || first["quantity"] != 2.0 ||
		first["itemValue"].(map[string]any)["amount"] != 998.0 || first["netWeight"].(map[string]any)["value"] != 0.8 {
		t.Errorf("line 1 %v", first)
	}
	if total := inv["invoiceTotal"].(map[string]any); total["amount"] != 1797.0 || total["currency"] != "SEK" {
		t.Errorf("total %v", total)
	}
	if s := inv["seller"].(map[string]any); s["vatNo"] != "SE556677889901" || s["eoriNo"] != "SE5566778899" {
		t.Errorf("seller %v", s)
	}
	rp := sh["parties"].(map[string]any)["returnParty"].(map[string]any)["party"].(map[string]any)
	if a := rp["address"].(map[string]any); a["countryCode"] != "NO" || a["postalCode"] != "0668" {
		t.Errorf("return party %v: want PostNord's Oslo terminal", rp)
	}

	own := sampleBooking()
	own.Consignor.ReturnAddressNO = carrier.Address{Name: "Gamerbulk Norge", Street1: "Lagerveien 1", Postcode: "2000", City: "Lillestrøm"}
	sh = sentShipment(t, own)
	rp = sh["parties"].(map[string]any)["returnParty"].(map[string]any)["party"].(map[string]any)
	if a := rp["address"].(map[string]any); a["city"] != "Lillestrøm" || a["countryCode"] != "NO" {
		t.Errorf("return party %v: want the merchant's own Norwegian address", rp)
	}

	dear := sampleBooking()
	dear.Parcels[1].Contents[0].Value = 3500 // one item above NOK 3,000
	if inv := sentShipment(t, dear)["customsInvoice"].(map[string]any); inv["voec"] != nil {
		t.Errorf("voec %v sent for goods above the VOEC limit", inv["voec"])
	}
}

func TestCustomsOnlyAcrossTheEUBorder(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		customs  bool
	}{
		{"SE", "DK", false}, {"SE", "FI", false}, {"SE", "NO", true}, {"DK", "NO", true}, {"FI", "NO", true},
		{"SE", "GB", true}, {"SE", "CH", true}, {"SE", "US", true}, {"NO", "SE", true}, {"SE", "AX", true},
	} {
		req := sampleBooking()
		req.Service = carrier.Service{Code: "17"}
		req.Consignor.Address.Country = tc.from
		req.Consignor.IssuerCode = map[string]string{"SE": "Z12", "DK": "Z11", "FI": "Z14", "NO": "Z13"}[tc.from]
		if tc.from == "NO" {
			req.Consignor.CustomerNumber = "2087696"
		}
		if tc.from == "DK" {
			req.Consignor.CustomerNumber = "208769661"
		}
		req.Receiver.Country = tc.to
		_, has := sentShipment(t, req)["customsInvoice"]
		if has != tc.customs {
			t.Errorf("%s → %s: customs invoice %v, want %v", tc.from, tc.to, has, tc.customs)
		}
	}
}

func TestServiceCombinationRules(t *testing.T) {
	se := func(r *carrier.BookingRequest) {
		r.Receiver = carrier.Address{Name: "Bo Ek", Street1: "Storgatan 14", Postcode: "11455", City: "Stockholm", Country: "SE", Phone: "+46701234567", Email: "bo@example.se"}
		r.Service = carrier.Service{Code: "19"}
	}
	refused := []struct {
		name, field, says string
		mod               func(*carrier.BookingRequest)
	}{
		{"19 to NO without service point", "service.service_point_id", "servicepoints --country NO", func(r *carrier.BookingRequest) { r.Service = carrier.Service{Code: "19"} }},
		{"A7 without service point", "service.service_point_id", "A7", func(r *carrier.BookingRequest) { se(r); r.Service.Additional = []string{"A7"} }},
		{"A3 without mobile", "receiver.phone", "A3", func(r *carrier.BookingRequest) { se(r); r.Receiver.Phone = ""; r.Service.Additional = []string{"A3"} }},
		{"A4 with a bad e-mail", "receiver.email", "A4", func(r *carrier.BookingRequest) {
			se(r)
			r.Receiver.Email = "bo@"
			r.Service.Additional = []string{"A4"}
		}},
		{"A5 without value", "options.insured_value", "A5", func(r *carrier.BookingRequest) { se(r); r.Service.Additional = []string{"A5"} }},
		{"D8 age 17", "options.minimum_age", "16, 18 or 20", func(r *carrier.BookingRequest) { se(r); r.Options.MinimumAge = 17 }},
		{"C2 from Denmark", "service.additional", "C2", func(r *carrier.BookingRequest) {
			se(r)
			r.Consignor.Address.Country, r.Consignor.IssuerCode, r.Consignor.CustomerNumber = "DK", "Z11", "208769661"
			r.Service.Additional = []string{"C2"}
		}},
		{"D2 on 18 to NO", "service.additional", "D2", func(r *carrier.BookingRequest) { r.Service = carrier.Service{Code: "18", Additional: []string{"D2"}} }},
		{"17 without phone or e-mail", "receiver.phone", "17", func(r *carrier.BookingRequest) {
			se(r)
			r.Receiver.Phone, r.Receiver.Email, r.Service.Code = "", "", "17"
		}},
		{"91 to Denmark", "service.code", "91", func(r *carrier.BookingRequest) { se(r); r.Receiver.Country, r.Service.Code = "DK", "91" }},
	}
	fake := newFake(t, answer(200, okLabelResponse("00373500454541020957")))
	c := newClient(t, fake.URL)
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			req := sampleBooking()
			tc.mod(&req)
			_, err := c.Book(context.Background(), req)
			ce := asCarrierError(t, err, carrier.KindRejected)
			found := false
			for _, f := range ce.Faults {
				found = found || (f.Field == tc.field && strings.Contains(f.Message, tc.says) && strings.Contains(f.Message, "General Descriptions"))
			}
			if !found {
				t.Errorf("no fault on %s saying %q with its source: %v", tc.field, tc.says, ce.Faults)
			}
		})
	}
	if n := len(fake.requests()); n != 0 {
		t.Errorf("%d refused bookings were sent", n)
	}

	// Implied add-ons are added, not refused.
	req := sampleBooking()
	se(&req)
	req.Service.ServicePointID = "570973"
	req.Options = carrier.BookingOptions{InsuredValue: carrier.Money{Amount: 2500, Currency: "sek"}, DeliveryNote: "Portkod 1234"}
	sh := sentShipment(t, req)
	got := sh["service"].(map[string]any)["additionalServiceCode"]
	if b, _ := json.Marshal(got); string(b) != `["A7","A5","A3"]` {
		t.Errorf("additional services %s, want A7 (service point), A5 (insured), A3 (notification)", b)
	}
	if b, _ := json.Marshal(sh["insurance"]); string(b) != `{"insuranceAmount":{"amount":2500,"currency":"SEK"}}` {
		t.Errorf("insurance %s", b)
	}
	if b, _ := json.Marshal(sh["freeText"]); string(b) != `[{"text":"Portkod 1234","usageCode":"DEL"}]` {
		t.Errorf("free text %s", b)
	}
}
