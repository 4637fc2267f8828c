package postnord_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
)

// testKey looks like a real 32-character PostNord key, so a leak is easy
// to spot in any text.
const testKey = "f00dcafe0123456789abcdef7e57ab1e"

var fixedNow = time.Date(2026, 9, 28, 8, 40, 52, 0, time.UTC)

func consignorSE() carrier.Consignor {
	return carrier.Consignor{
		CustomerNumber: "20876966",
		IssuerCode:     "Z12",
		Address: carrier.Address{
			Name: "Gamerbulk AB", Street1: "Industrigatan 55B", Postcode: "42536",
			City: "Göteborg", Country: "SE", Email: "lager@gamerbulk.example", Phone: "+46311234567",
		},
		Customs: carrier.CustomsIDs{VATNumber: "SE556677889901", EORI: "SE5566778899", VOEC: "2031001"},
	}
}

// sweater and boots are order lines with full customs data.
var (
	sweater = carrier.Line{Description: "Ullgenser", Quantity: 2, Value: 499, Currency: "SEK", HSCode: "611011", Origin: "SE", WeightKg: 0.4}
	boots   = carrier.Line{Description: "Gummistøvler", Quantity: 1, Value: 799, Currency: "SEK", HSCode: "64011000", Origin: "PT", WeightKg: 0.7}
)

func sampleBooking() carrier.BookingRequest {
	return carrier.BookingRequest{
		OrderRef:  "ORDER-1001",
		Consignor: consignorSE(),
		Receiver: carrier.Address{
			Name: "Åsa Ödegård", Company: "Ærøskøbing Kaffe", Street1: "Strandgata 5", Street2: "Leilighet 3",
			Postcode: "9008", City: "Tromsø", Country: "NO", Email: "asa@example.no", Phone: "+4791234567",
		},
		Service: carrier.Service{Code: "19", Additional: []string{"A7", "A3"}, ServicePointID: "123456"},
		Parcels: []carrier.Parcel{
			{Weight: 1250, Dimensions: carrier.Dimensions{LengthCm: 30, WidthCm: 20, HeightCm: 10}, Contents: []carrier.Line{sweater}},
			{Weight: 800, Contents: []carrier.Line{boots}},
		},
		LabelFormat: carrier.LabelZPL,
		RequestID:   "req-0001",
	}
}

func sampleReturn() carrier.ReturnRequest {
	b := sampleBooking()
	return carrier.ReturnRequest{
		OrderRef:    b.OrderRef,
		Consignor:   b.Consignor,
		Sender:      b.Receiver,
		Reason:      "wrong size",
		LabelFormat: carrier.LabelZPL,
		RequestID:   "ret-0001",
	}
}

func newClient(t *testing.T, baseURL string, mod ...func(*postnord.Config)) *postnord.Client {
	t.Helper()
	cfg := postnord.Config{
		BaseURL: baseURL, APIKey: testKey, Timeout: 2 * time.Second, RetryDelay: 10 * time.Millisecond,
		Application: "labelstation-test", ApplicationVersion: "1.0",
		Now: func() time.Time { return fixedNow },
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := postnord.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seen is one request a fake PostNord received.
type seen struct {
	Method, Path string
	RawPath      string // as sent, escapes kept
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// fakePostNord is an httptest server that records requests and answers
// with respond.
type fakePostNord struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newFake(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, body []byte)) *fakePostNord {
	t.Helper()
	f := &fakePostNord{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
		f.mu.Unlock()
		respond(w, r, body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakePostNord) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func answer(status int, body string) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// okLabelResponse is an ediLabelResponse as PostNord's ZPL endpoint sends
// it: encoding "none", raw ZPL, no labelFormat.
func okLabelResponse(ids ...string) string {
	var idsJSON, printouts []string
	for i, id := range ids {
		idsJSON = append(idsJSON, fmt.Sprintf(`{"idType":"itemId","value":%q,"printId":"p%d"}`, id, i))
		printouts = append(printouts, fmt.Sprintf(`{"itemIds":[{"itemIds":%q,"status":"OK"}],"printout":{"encoding":"none","data":"^XA^FO10,10^A0N,30,30^FD%s^FS^XZ"},"printoutComposition":{"label":1}}`, id, id))
	}
	return `{"bookingResponse":{"bookingId":"3YSFH8NG0LNREZO38UIN68B3RRWL4X","idInformation":[{"status":"OK",` +
		`"references":{"shipment":[{"referenceNo":"ORDER-1001","referenceType":"CU"}]},` +
		`"ids":[` + strings.Join(idsJSON, ",") + `,{"idType":"shipmentId","value":"SHIP123"}],` +
		`"urls":[{"type":"TRACKING","url":"https://tracking.postnord.com/se/?id=` + ids[0] + `"}],"someNewField":true}]},` +
		`"labelPrintout":[` + strings.Join(printouts, ",") + `]}`
}

// asCarrierError fails the test unless err is a *carrier.Error of kind.
func asCarrierError(t *testing.T, err error, kind carrier.ErrorKind) *carrier.Error {
	t.Helper()
	var ce *carrier.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *carrier.Error", err, err)
	}
	if ce.Kind != kind {
		t.Fatalf("error kind %s, want %s: %v", ce.Kind, kind, err)
	}
	if ce.Carrier != "postnord" {
		t.Errorf("error carrier %q, want postnord", ce.Carrier)
	}
	return ce
}

// assertNoKey fails when the API key appears in err's text, its %+v form
// or the text of any error in its chain.
func assertNoKey(t *testing.T, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			if strings.Contains(s, testKey) {
				t.Fatalf("API key leaked in error text: %s", s)
			}
		}
	}
}
