package sandbox_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"labelstation/carrier/sandbox"
)

// BenchmarkBookHandler measures the sandbox's own work per booking (decode,
// validate, allocate, render the ZPL, encode), without the network.
func BenchmarkBookHandler(b *testing.B) {
	body := `{"messageDate":"2026-09-28T08:40:52Z","application":{"name":"labelstation","version":"1"},"updateIndicator":"Original","shipment":[{"dateAndTimes":{"loadingDate":"2026-09-28T08:40:52Z"},"service":{"basicServiceCode":"19","additionalServiceCode":["A7","A3"]},"numberOfPackages":{"value":1},"totalGrossWeight":{"value":1.25,"unit":"KGM"},"references":[{"referenceNo":"ORDER-1001","referenceType":"CU"}],"parties":{"consignor":{"issuerCode":"Z12","partyIdentification":{"partyId":"20876966","partyIdType":"160"},"party":{"nameIdentification":{"name":"Gamerbulk AB"},"address":{"streets":["Industrigatan 55B"],"postalCode":"42536","city":"Göteborg","countryCode":"SE"},"contact":{"contactName":"Gamerbulk AB","phoneNo":"+46311234567"}}},"consignee":{"party":{"nameIdentification":{"name":"Åsa Ödegård","companyName":"Ærøskøbing Kaffe"},"address":{"streets":["Strandgata 5"],"postalCode":"9008","city":"Tromsø","countryCode":"NO"},"contact":{"contactName":"Åsa Ödegård","emailAddress":"asa@example.no","smsNo":"+4791234567"}}},"deliveryParty":{"partyIdentification":{"partyId":"123456","partyIdType":"156"},"party":{"nameIdentification":{"name":"Åsa Ödegård"},"address":{"streets":["Strandgata 5"],"postalCode":"9008","city":"Tromsø","countryCode":"NO"}}}},"goodsItem":[{"packageTypeCode":"PC","items":[{"itemIdentification":{"itemId":"0"},"grossWeight":{"value":1.25,"unit":"KGM"}}]}]}]}`
	sb := sandbox.New(sandbox.Options{KeepBookings: 100})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/rest/shipment/v3/edi/labels/zpl?apikey=k", strings.NewReader(body))
		req.Header.Set("X-External-Request-ID", "bench")
		w := httptest.NewRecorder()
		sb.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("HTTP %d: %s", w.Code, w.Body)
		}
	}
}
