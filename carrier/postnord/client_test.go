package postnord_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
)

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]postnord.Config{
		"no key":           {BaseURL: postnord.TestBaseURL},
		"no base URL":      {APIKey: testKey},
		"not http":         {APIKey: testKey, BaseURL: "ftp://example.com"},
		"query in base":    {APIKey: testKey, BaseURL: "https://atapi2.postnord.com?apikey=" + testKey},
		"long app name":    {APIKey: testKey, BaseURL: postnord.TestBaseURL, Application: strings.Repeat("a", 36)},
		"long app version": {APIKey: testKey, BaseURL: postnord.TestBaseURL, ApplicationVersion: strings.Repeat("1", 36)},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := postnord.New(cfg)
			if err == nil {
				t.Fatalf("New accepted %+v", c)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Fatalf("New leaked the key: %v", err)
			}
		})
	}
	c := newClient(t, postnord.TestBaseURL)
	if c.Name() != "postnord" {
		t.Errorf("Name() = %q", c.Name())
	}
	var _ carrier.Carrier = c
}

func TestBookSendsPostNordRequest(t *testing.T) {
	fake := newFake(t, answer(http.StatusOK, okLabelResponse("00373500454541020957", "00373500454541020964")))
	c := newClient(t, fake.URL)

	b, err := c.Book(context.Background(), sampleBooking())
	if err != nil {
		t.Fatalf("Book: %v", err)
	}

	reqs := fake.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want exactly 1 (a booking is never retried)", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/rest/shipment/v3/edi/labels/zpl" {
		t.Errorf("request %s %s, want POST /rest/shipment/v3/edi/labels/zpl", r.Method, r.Path)
	}
	if got := r.Query["apikey"]; len(got) != 1 || got[0] != testKey {
		t.Errorf("apikey query = %v", got)
	}
	if got := r.Query["dpmm"]; len(got) != 1 || got[0] != "8dpmm" {
		t.Errorf("dpmm query = %v, want 8dpmm", got)
	}
	if got := r.Header.Get("X-External-Request-ID"); got != "req-0001" {
		t.Errorf("X-External-Request-ID = %q, want req-0001", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}

	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.Body)
	}
	get := func(path string) any {
		t.Helper()
		var v any = body
		for _, p := range strings.Split(path, ".") {
			switch x := v.(type) {
			case map[string]any:
				v = x[p]
			case []any:
				var i int
				fmt.Sscan(p, &i)
				if i >= len(x) {
					t.Fatalf("%s: index %d out of range", path, i)
				}
				v = x[i]
			default:
				t.Fatalf("%s: cannot step into %T at %q", path, v, p)
			}
		}
		return v
	}
	for path, want := range map[string]any{
		"updateIndicator":                                                   "Original",
		"messageDate":                                                       "2026-09-28T08:40:52Z",
		"application.name":                                                  "labelstation-test",
		"application.version":                                               "1.0",
		"shipment.0.service.basicServiceCode":                               "19",
		"shipment.0.service.additionalServiceCode.0":                        "A7",
		"shipment.0.parties.consignor.issuerCode":                           "Z12",
		"shipment.0.parties.consignor.partyIdentification.partyId":          "20876966",
		"shipment.0.parties.consignor.partyIdentification.partyIdType":      "160",
		"shipment.0.parties.consignor.party.nameIdentification.name":        "Gamerbulk AB",
		"shipment.0.parties.consignor.party.address.city":                   "Göteborg",
		"shipment.0.parties.consignee.party.nameIdentification.name":        "Åsa Ödegård",
		"shipment.0.parties.consignee.party.nameIdentification.companyName": "Ærøskøbing Kaffe",
		"shipment.0.parties.consignee.party.address.streets.0":              "Strandgata 5",
		"shipment.0.parties.consignee.party.address.streets.1":              "Leilighet 3",
		"shipment.0.parties.consignee.party.address.postalCode":             "9008",
		"shipment.0.parties.consignee.party.address.city":                   "Tromsø",
		"shipment.0.parties.consignee.party.address.countryCode":            "NO",
		"shipment.0.parties.consignee.party.contact.emailAddress":           "asa@example.no",
		"shipment.0.parties.consignee.party.contact.smsNo":                  "+4791234567",
		"shipment.0.parties.deliveryParty.partyIdentification.partyId":      "123456",
		"shipment.0.parties.deliveryParty.partyIdentification.partyIdType":  "156",
		"shipment.0.references.0.referenceNo":                               "ORDER-1001",
		"shipment.0.references.0.referenceType":                             "CU",
		"shipment.0.goodsItem.0.packageTypeCode":                            "PC",
		"shipment.0.goodsItem.0.items.0.itemIdentification.itemId":          "0",
		"shipment.0.goodsItem.0.items.0.grossWeight.value":                  1.25,
		"shipment.0.goodsItem.0.items.0.grossWeight.unit":                   "KGM",
		"shipment.0.goodsItem.0.items.0.dimensions.length.value":            30.0,
		"shipment.0.goodsItem.0.items.0.dimensions.length.unit":             "CMT",
		"shipment.0.goodsItem.1.items.0.grossWeight.value":                  0.8,
		"shipment.0.totalGrossWeight.value":                                 2.05,
		"shipment.0.totalGrossWeight.unit":                                  "KGM",
		"shipment.0.numberOfPackages.value":                                 2.0,
	} {
		if got := get(path); got != want {
			t.Errorf("body %s = %#v, want %#v", path, got, want)
		}
	}
	if strings.Contains(string(r.Body), "Deletion") {
		t.Error("body mentions Deletion")
	}

	// The answer, decoded.
	if b.Carrier != "postnord" || b.ShipmentID != "SHIP123" {
		t.Errorf("booking carrier %q shipment %q", b.Carrier, b.ShipmentID)
	}
	if got := strings.Join(b.ItemIDs, ","); got != "00373500454541020957,00373500454541020964" {
		t.Errorf("item ids %s", got)
	}
	if b.TrackingURL != "https://tracking.postnord.com/se/?id=00373500454541020957" {
		t.Errorf("tracking URL %q", b.TrackingURL)
	}
	if !b.BookedAt.Equal(fixedNow) {
		t.Errorf("booked at %v", b.BookedAt)
	}
	if len(b.Labels) != 2 {
		t.Fatalf("%d labels, want 2", len(b.Labels))
	}
	for i, l := range b.Labels {
		want := "^XA^FO10,10^A0N,30,30^FD" + b.ItemIDs[i] + "^FS^XZ"
		if l.Format != carrier.LabelZPL || string(l.Data) != want {
			t.Errorf("label %d = %s %q, want raw ZPL %q", i, l.Format, l.Data, want)
		}
	}
}

func TestBookPDFDecodesBase64(t *testing.T) {
	pdf := "%PDF-1.4\n% a label\n%%EOF\n"
	fake := newFake(t, answer(http.StatusOK, `{"bookingResponse":{"idInformation":[{"status":"OK","ids":[{"idType":"itemId","value":"00373500454541020957"}]}]},`+
		`"labelPrintout":[{"printout":{"labelFormat":"PDF","encoding":"base64","data":"`+base64.StdEncoding.EncodeToString([]byte(pdf))+`"}}]}`))
	req := sampleBooking()
	req.LabelFormat = carrier.LabelPDF
	b, err := newClient(t, fake.URL).Book(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r := fake.requests()[0]; r.Path != "/rest/shipment/v3/edi/labels/pdf" || r.Query.Get("paperSize") != "LABEL" {
		t.Errorf("PDF booking went to %s?%v", r.Path, r.Query)
	}
	if len(b.Labels) != 1 || b.Labels[0].Format != carrier.LabelPDF || string(b.Labels[0].Data) != pdf {
		t.Errorf("labels %+v", b.Labels)
	}
	if b.ShipmentID != "00373500454541020957" {
		t.Errorf("shipment id %q: without a shipmentId it is the first item id", b.ShipmentID)
	}
}

// TestBookBodiesMatchSwagger validates every body the client sends against
// booking.swagger.json's ediInstruction, for a range of requests.
func TestBookBodiesMatchSwagger(t *testing.T) {
	doc := loadBookingSwagger(t)
	fake := newFake(t, answer(http.StatusOK, okLabelResponse("00373500454541020957")))
	c := newClient(t, fake.URL)

	full := sampleBooking()
	minimal := sampleBooking()
	minimal.Receiver = carrier.Address{Name: "Bo", Street1: "Gata 1", Postcode: "11122", City: "Stockholm", Country: "se", Email: "bo@example.se"}
	minimal.Service = carrier.Service{Code: "17"}
	minimal.Parcels = []carrier.Parcel{{Weight: 1}}
	minimal.OrderRef = ""
	companyOnly := sampleBooking()
	companyOnly.Receiver.Name = ""
	limits := sampleBooking()
	limits.Receiver.Name = strings.Repeat("Ø", 60)
	limits.Receiver.Company = strings.Repeat("Å", 60)
	limits.Receiver.Street1 = strings.Repeat("ä", 50)
	limits.Receiver.City = strings.Repeat("ö", 35)
	limits.OrderRef = strings.Repeat("9", 35)

	ctx := context.Background()
	for name, send := range map[string]func() error{
		"full":         func() error { _, err := c.Book(ctx, full); return err },
		"minimal":      func() error { _, err := c.Book(ctx, minimal); return err },
		"company only": func() error { _, err := c.Book(ctx, companyOnly); return err },
		"at limits":    func() error { _, err := c.Book(ctx, limits); return err },
		"return":       func() error { _, err := c.ReturnLabel(ctx, sampleReturn()); return err },
	} {
		t.Run(name, func(t *testing.T) {
			before := len(fake.requests())
			if err := send(); err != nil {
				t.Fatal(err)
			}
			reqs := fake.requests()
			if len(reqs) != before+1 {
				t.Fatalf("no request sent")
			}
			var v any
			if err := json.Unmarshal(reqs[len(reqs)-1].Body, &v); err != nil {
				t.Fatal(err)
			}
			if errs := doc.validateDefinition("ediInstruction", v); len(errs) > 0 {
				t.Errorf("body violates booking.swagger.json:\n%s\nbody: %s", strings.Join(errs, "\n"), reqs[len(reqs)-1].Body)
			}
		})
	}
}

func TestBookRefusesInvalidDataBeforeSending(t *testing.T) {
	fake := newFake(t, answer(http.StatusOK, okLabelResponse("00373500454541020957")))
	c := newClient(t, fake.URL)

	tests := []struct {
		name   string
		modify func(*carrier.BookingRequest)
		field  string
	}{
		{"street line over 50", func(r *carrier.BookingRequest) { r.Receiver.Street1 = strings.Repeat("å", 51) }, "receiver.street1"},
		{"second street over 50", func(r *carrier.BookingRequest) { r.Receiver.Street2 = strings.Repeat("x", 51) }, "receiver.street2"},
		{"name over 60", func(r *carrier.BookingRequest) { r.Receiver.Name = strings.Repeat("Ø", 61) }, "receiver.name"},
		{"company over 60", func(r *carrier.BookingRequest) { r.Receiver.Company = strings.Repeat("c", 61) }, "receiver.company"},
		{"city over 35", func(r *carrier.BookingRequest) { r.Receiver.City = strings.Repeat("c", 36) }, "receiver.city"},
		{"no name", func(r *carrier.BookingRequest) { r.Receiver.Name, r.Receiver.Company = "", "" }, "receiver.name"},
		{"no street", func(r *carrier.BookingRequest) { r.Receiver.Street1, r.Receiver.Street2 = "", "" }, "receiver.street1"},
		{"no postcode", func(r *carrier.BookingRequest) { r.Receiver.Postcode = " " }, "receiver.postcode"},
		{"no city", func(r *carrier.BookingRequest) { r.Receiver.City = "" }, "receiver.city"},
		{"bad country", func(r *carrier.BookingRequest) { r.Receiver.Country = "NOR" }, "receiver.country"},
		{"email over 70", func(r *carrier.BookingRequest) { r.Receiver.Email = strings.Repeat("e", 71) }, "receiver.email"},
		{"no service", func(r *carrier.BookingRequest) { r.Service.Code = "" }, "service.code"},
		{"service point id over 17", func(r *carrier.BookingRequest) { r.Service.ServicePointID = strings.Repeat("1", 18) }, "service.service_point_id"},
		{"no parcels", func(r *carrier.BookingRequest) { r.Parcels = nil }, "parcels"},
		{"unweighed parcel", func(r *carrier.BookingRequest) { r.Parcels[1].Weight = 0 }, "parcels[1].weight_g"},
		{"no customer number", func(r *carrier.BookingRequest) { r.Consignor.CustomerNumber = "" }, "consignor.customer_number"},
		{"customer number letters", func(r *carrier.BookingRequest) { r.Consignor.CustomerNumber = "2087696A" }, "consignor.customer_number"},
		{"customer number wrong length for SE", func(r *carrier.BookingRequest) { r.Consignor.CustomerNumber = "123456789" }, "consignor.customer_number"},
		{"unknown issuer", func(r *carrier.BookingRequest) { r.Consignor.IssuerCode = "Z99" }, "consignor.issuer_code"},
		{"no issuer and foreign consignor", func(r *carrier.BookingRequest) {
			r.Consignor.IssuerCode = ""
			r.Consignor.Address.Country = "DE"
		}, "consignor.issuer_code"},
		{"order ref over 35", func(r *carrier.BookingRequest) { r.OrderRef = strings.Repeat("r", 36) }, "order_ref"},
		{"consignor street over 50", func(r *carrier.BookingRequest) { r.Consignor.Address.Street1 = strings.Repeat("s", 51) }, "consignor.address.street1"},
		{"unknown label format", func(r *carrier.BookingRequest) { r.LabelFormat = "png" }, "label_format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sampleBooking()
			tt.modify(&req)
			_, err := c.Book(context.Background(), req)
			ce := asCarrierError(t, err, carrier.KindRejected)
			found := false
			for _, f := range ce.Faults {
				if f.Field == tt.field {
					found = true
				}
			}
			if !found {
				t.Errorf("no fault for %s in %v", tt.field, ce.Faults)
			}
			if ce.RequestID != "req-0001" {
				t.Errorf("request id %q", ce.RequestID)
			}
		})
	}
	if n := len(fake.requests()); n != 0 {
		t.Errorf("%d requests reached PostNord; invalid data must not be sent", n)
	}

	// Issuer derived from the consignor's country when not given.
	req := sampleBooking()
	req.Consignor.IssuerCode = ""
	if _, err := c.Book(context.Background(), req); err != nil {
		t.Fatalf("booking without issuer code from a Swedish consignor: %v", err)
	}
	if !strings.Contains(string(fake.requests()[0].Body), `"issuerCode":"Z12"`) {
		t.Errorf("issuer code not derived from SE: %s", fake.requests()[0].Body)
	}
}

func TestBookErrorMapping(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		kind     carrier.ErrorKind
		contains []string
	}{
		{"400 with faults", 400, `{"message":"Validation failed","compositeFault":{"faults":[{"faultCode":"API-005","explanationText":"Missing parameter","paramValues":[{"param":"postalCode","value":""}]}]}}`,
			carrier.KindRejected, []string{"Missing parameter (postalCode=)", "API-005"}},
		{"400 without body", 400, ``, carrier.KindRejected, []string{"Bad Request"}},
		{"401", 401, `{"message":"Authentication token is missing"}`, carrier.KindAuth, []string{"Authentication token is missing"}},
		{"403 gateway", 403, `{"error":{"status_code":403,"message":"Invalid API Key","info":"x"}}`, carrier.KindAuth, []string{"Invalid API Key"}},
		{"404", 404, `{"message":"Resource not found"}`, carrier.KindRejected, []string{"Resource not found"}},
		{"405", 405, ``, carrier.KindRejected, nil},
		{"429", 429, `{"message":"Too Many Requests"}`, carrier.KindUnavailable, []string{"Too Many Requests"}},
		{"503", 503, `<html>down for maintenance</html>`, carrier.KindUnavailable, []string{"Service Unavailable"}},
		// A gateway timeout or server error on a booking POST may come
		// after PostNord booked: never a blind retry.
		{"504", 504, `{"message":"Gateway Timeout"}`, carrier.KindUnknownOutcome, []string{"Gateway Timeout"}},
		{"500", 500, `{"message":"Internal error"}`, carrier.KindUnknownOutcome, nil},
		{"502", 502, ``, carrier.KindUnknownOutcome, nil},
		{"200 with FAIL", 200, `{"bookingResponse":{"idInformation":[{"status":"FAIL","errorResponse":{"message":"x","compositeFault":{"faults":[{"faultCode":"BKG-1","explanationText":"Service 19 not allowed to NO without A7"}]}}}]}}`,
			carrier.KindRejected, []string{"Service 19 not allowed"}},
		{"200 not JSON", 200, `<html>`, carrier.KindUnknownOutcome, nil},
		{"200 without ids", 200, `{"bookingResponse":{"bookingId":"B1","idInformation":[{"status":"OK","ids":[]}]}}`, carrier.KindUnknownOutcome, []string{"B1"}},
		{"200 bad base64 label", 200, `{"bookingResponse":{"idInformation":[{"status":"OK","ids":[{"idType":"itemId","value":"00373500454541020957"}]}]},"labelPrintout":[{"printout":{"encoding":"base64","data":"***"}}]}`,
			carrier.KindUnknownOutcome, []string{"00373500454541020957"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, answer(tt.status, tt.body))
			_, err := newClient(t, fake.URL).Book(context.Background(), sampleBooking())
			ce := asCarrierError(t, err, tt.kind)
			if ce.HTTPStatus != tt.status {
				t.Errorf("HTTP status %d, want %d", ce.HTTPStatus, tt.status)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if n := len(fake.requests()); n != 1 {
				t.Errorf("%d requests, want 1: bookings are never retried", n)
			}
			assertNoKey(t, err)
		})
	}
}

func TestBookUnknownOutcomeReturnsIDsWhenKnown(t *testing.T) {
	fake := newFake(t, answer(200, `{"bookingResponse":{"idInformation":[{"status":"OK","ids":[{"idType":"itemId","value":"00373500454541020957"}]}]},"labelPrintout":[]}`))
	b, err := newClient(t, fake.URL).Book(context.Background(), sampleBooking())
	asCarrierError(t, err, carrier.KindUnknownOutcome)
	if len(b.ItemIDs) != 1 || b.ItemIDs[0] != "00373500454541020957" {
		t.Errorf("booking with unknown outcome carries ids %v; the caller needs them to adopt the shipment", b.ItemIDs)
	}
}

// closedURL returns the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestTransportFailures(t *testing.T) {
	t.Run("connection refused is unavailable", func(t *testing.T) {
		c := newClient(t, closedURL(t))
		_, err := c.Book(context.Background(), sampleBooking())
		ce := asCarrierError(t, err, carrier.KindUnavailable)
		assertNoKey(t, err)
		if !strings.Contains(err.Error(), "apikey=REDACTED") {
			t.Errorf("error %q should show the redacted URL", err)
		}
		var ue *url.Error
		if !errors.As(err, &ue) || strings.Contains(ue.URL, testKey) {
			t.Errorf("wrapped *url.Error missing or unredacted: %v", ue)
		}
		var oe *net.OpError
		if !errors.As(err, &oe) {
			t.Errorf("cause %v lost its *net.OpError", ce.Err)
		}
	})

	t.Run("DNS failure is unavailable", func(t *testing.T) {
		c := newClient(t, "http://no-such-host.invalid")
		_, err := c.Book(context.Background(), sampleBooking())
		asCarrierError(t, err, carrier.KindUnavailable)
		assertNoKey(t, err)
	})

	// The server reads the whole booking, then drops the connection: it
	// may have booked.
	t.Run("connection closed after the body was sent is unknown outcome", func(t *testing.T) {
		fake := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		})
		_, err := newClient(t, fake.URL).Book(context.Background(), sampleBooking())
		asCarrierError(t, err, carrier.KindUnknownOutcome)
		assertNoKey(t, err)
		if n := len(fake.requests()); n != 1 {
			t.Errorf("%d requests: a booking POST must not be retried", n)
		}
	})

	t.Run("timeout after the body was sent is unknown outcome", func(t *testing.T) {
		release := make(chan struct{})
		fake := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { <-release })
		defer close(release)
		c := newClient(t, fake.URL, func(cfg *postnord.Config) { cfg.Timeout = 100 * time.Millisecond })
		start := time.Now()
		_, err := c.Book(context.Background(), sampleBooking())
		asCarrierError(t, err, carrier.KindUnknownOutcome)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("timeout took %v", d)
		}
		assertNoKey(t, err)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not unwrap to context.DeadlineExceeded", err)
		}
	})

	t.Run("answer cut mid-body is unknown outcome", func(t *testing.T) {
		fake := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			io.WriteString(w, `{"bookingResponse":`)
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		})
		_, err := newClient(t, fake.URL).Book(context.Background(), sampleBooking())
		asCarrierError(t, err, carrier.KindUnknownOutcome)
		assertNoKey(t, err)
	})

	t.Run("tracking timeout is unavailable", func(t *testing.T) {
		release := make(chan struct{})
		fake := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { <-release })
		defer close(release)
		c := newClient(t, fake.URL, func(cfg *postnord.Config) { cfg.Timeout = 50 * time.Millisecond })
		_, err := c.Track(context.Background(), "00373500454541020957")
		asCarrierError(t, err, carrier.KindUnavailable)
		assertNoKey(t, err)
	})
}

// TestAPIKeyNeverInErrors covers the ways a key could leak: net/http's
// *url.Error, and an error body that echoes the request URL.
func TestAPIKeyNeverInErrors(t *testing.T) {
	echo := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"message":"bad request to %s","compositeFault":{"faults":[{"faultCode":"X","explanationText":"key %s is odd","paramValues":[{"param":"apikey","value":%q}]}]}}`,
			r.URL.String(), testKey, testKey)
	})
	_, err := newClient(t, echo.URL).Book(context.Background(), sampleBooking())
	asCarrierError(t, err, carrier.KindRejected)
	assertNoKey(t, err)
	if !strings.Contains(err.Error(), "REDACTED") {
		t.Errorf("error %q should show where the key was removed", err)
	}

	forbidden := newFake(t, answer(403, `{"error":{"status_code":403,"message":"Invalid API Key"}}`))
	_, err = newClient(t, forbidden.URL).Track(context.Background(), "00373500454541020957")
	asCarrierError(t, err, carrier.KindAuth)
	assertNoKey(t, err)

	_, err = newClient(t, closedURL(t)).Track(context.Background(), "00373500454541020957")
	asCarrierError(t, err, carrier.KindUnavailable)
	assertNoKey(t, err)
}

func TestReturnLabelRequest(t *testing.T) {
	fake := newFake(t, answer(http.StatusOK, okLabelResponse("00373500454541020957")))
	b, err := newClient(t, fake.URL).ReturnLabel(context.Background(), sampleReturn())
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Labels) != 1 || b.TrackingID() != "00373500454541020957" {
		t.Errorf("return booking %+v", b)
	}
	r := fake.requests()[0]
	if r.Path != "/rest/shipment/v3/returns/edi/labels/zpl" {
		t.Errorf("return label path %s", r.Path)
	}
	if r.Header.Get("X-External-Request-ID") != "ret-0001" {
		t.Errorf("X-External-Request-ID %q", r.Header.Get("X-External-Request-ID"))
	}
	var body struct {
		Shipment []struct {
			Service struct {
				BasicServiceCode string `json:"basicServiceCode"`
			} `json:"service"`
			Parties struct {
				Consignor struct {
					PartyIdentification struct{ PartyID string } `json:"partyIdentification"`
					Party               struct {
						NameIdentification struct{ Name string } `json:"nameIdentification"`
					} `json:"party"`
				} `json:"consignor"`
				Consignee struct {
					PartyIdentification struct{ PartyID string } `json:"partyIdentification"`
					Party               struct {
						NameIdentification struct{ Name string } `json:"nameIdentification"`
					} `json:"party"`
				} `json:"consignee"`
			} `json:"parties"`
			GoodsItem []struct {
				Items []struct {
					GrossWeight *struct{} `json:"grossWeight"`
				} `json:"items"`
			} `json:"goodsItem"`
		} `json:"shipment"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	s := body.Shipment[0]
	if s.Service.BasicServiceCode != "24" {
		t.Errorf("return service %q, want 24 Return Drop Off", s.Service.BasicServiceCode)
	}
	if s.Parties.Consignor.Party.NameIdentification.Name != "Åsa Ödegård" {
		t.Errorf("return consignor %q, want the customer sending it back", s.Parties.Consignor.Party.NameIdentification.Name)
	}
	if s.Parties.Consignee.Party.NameIdentification.Name != "Gamerbulk AB" || s.Parties.Consignee.PartyIdentification.PartyID != "20876966" {
		t.Errorf("return consignee %+v, want the merchant with its customer number", s.Parties.Consignee)
	}
	if len(s.GoodsItem) != 1 || s.GoodsItem[0].Items[0].GrossWeight != nil {
		t.Errorf("an unweighed return is one item without grossWeight: %s", r.Body)
	}
}

// trackingJSON is a Track & Trace v7 answer in PostNord's shape, events
// deliberately out of order and with both time forms.
const trackingJSON = `{"TrackingInformationResponse":{"shipments":[{
  "shipmentId":"SHIP1","uri":"/x","status":"AVAILABLE_FOR_DELIVERY",
  "service":{"code":"19","name":"MyPack Collect","sourceSystem":"NTT"},
  "items":[{
    "itemId":"00373500454541020957","status":"AVAILABLE_FOR_DELIVERY",
    "estimatedTimeOfArrival":"2026-09-30T16:00:00",
    "events":[
      {"eventTime":"2026-09-29T07:15:00","eventCode":"71","status":"EN_ROUTE","eventDescription":"Sorted","location":{"locationId":"1","locationType":"HUB","displayName":"Terminal Rosersberg","city":"Rosersberg","countryCode":"SWE"}},
      {"eventTime":"2026-09-28T10:40:52","eventCode":"EDI","status":"INFORMED","eventDescription":"Pre-advised","location":{"locationId":"0","locationType":"UNDEF","countryCode":"SWE"}},
      {"eventTime":"2026-09-30T09:02:11.123+02:00","eventCode":"87","status":"AVAILABLE_FOR_DELIVERY","eventDescription":"Ready for pickup","location":{"locationId":"123456","locationType":"SERVICE_POINT","name":"ICA Nära","city":"Tromsø","countryCode":"NOR"},"unknownKey":1}
    ]},
    {"itemId":"00373500454541020964","status":"EN_ROUTE","events":[]}
  ]}]}}`

func TestTrack(t *testing.T) {
	fake := newFake(t, answer(200, trackingJSON))
	c := newClient(t, fake.URL)
	tr, err := c.Track(context.Background(), "00373500454541020957")
	if err != nil {
		t.Fatal(err)
	}
	r := fake.requests()[0]
	if r.Method != http.MethodGet || r.Path != "/rest/shipment/v7/trackandtrace/id/00373500454541020957/public" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	if r.Query.Get("apikey") != testKey || r.Query.Get("locale") != "en" {
		t.Errorf("query %v", r.Query)
	}
	if r.Header.Get("X-External-Request-ID") == "" {
		t.Error("tracking call without X-External-Request-ID")
	}

	stockholm, _ := time.LoadLocation("Europe/Stockholm")
	if tr.ItemID != "00373500454541020957" || tr.ShipmentID != "SHIP1" {
		t.Errorf("ids %q %q", tr.ItemID, tr.ShipmentID)
	}
	if tr.Status != carrier.StatusAtServicePoint || tr.CarrierStatus != "AVAILABLE_FOR_DELIVERY" {
		t.Errorf("status %s (%s), want at_service_point", tr.Status, tr.CarrierStatus)
	}
	if want := time.Date(2026, 9, 30, 16, 0, 0, 0, stockholm); !tr.ETA.Equal(want) {
		t.Errorf("ETA %v, want %v", tr.ETA, want)
	}
	if len(tr.Events) != 3 {
		t.Fatalf("%d events", len(tr.Events))
	}
	want := []struct {
		at       time.Time
		status   carrier.Status
		code     string
		country  string
		location string
	}{
		{time.Date(2026, 9, 28, 8, 40, 52, 0, time.UTC), carrier.StatusCreated, "EDI", "SE", ""},
		{time.Date(2026, 9, 29, 5, 15, 0, 0, time.UTC), carrier.StatusInTransit, "71", "SE", "Terminal Rosersberg, Rosersberg"},
		{time.Date(2026, 9, 30, 7, 2, 11, 123e6, time.UTC), carrier.StatusAtServicePoint, "87", "NO", "ICA Nära, Tromsø"},
	}
	for i, w := range want {
		e := tr.Events[i]
		if !e.Time.Equal(w.at) || e.Status != w.status || e.CarrierCode != w.code || e.Country != w.country || e.Location != w.location || e.ItemID != tr.ItemID {
			t.Errorf("event %d = %+v, want %+v", i, e, w)
		}
	}

	// By shipment id: events of all items, shipment status.
	tr, err = c.Track(context.Background(), "SHIP1abcdefgh")
	if err != nil {
		t.Fatal(err)
	}
	if tr.ShipmentID != "SHIP1" || len(tr.Events) != 3 {
		t.Errorf("by other id: %+v", tr)
	}
}

func TestTrackNotFoundAndErrors(t *testing.T) {
	notFound := newFake(t, answer(200, `{"TrackingInformationResponse":{"shipments":[],"compositeFault":{"faults":[{"faultCode":"API-010","explanationText":"No shipment found","paramValues":[{"param":"id","value":"00373500454541020957"}]}]}}}`))
	_, err := newClient(t, notFound.URL).Track(context.Background(), "00373500454541020957")
	ce := asCarrierError(t, err, carrier.KindNotFound)
	if len(ce.Faults) != 1 || ce.Faults[0].Code != "API-010" {
		t.Errorf("faults %+v", ce.Faults)
	}

	notFound404 := newFake(t, answer(404, `{"message":"Not found"}`))
	_, err = newClient(t, notFound404.URL).Track(context.Background(), "00373500454541020957")
	asCarrierError(t, err, carrier.KindNotFound)

	garbage := newFake(t, answer(200, `{"something":"else"}`))
	_, err = newClient(t, garbage.URL).Track(context.Background(), "00373500454541020957")
	asCarrierError(t, err, carrier.KindUnavailable)

	for _, bad := range []string{"", "short", "has space 12345", "../../etc/passwd", strings.Repeat("1", 36)} {
		idle := newFake(t, answer(200, trackingJSON))
		_, err := newClient(t, idle.URL).Track(context.Background(), bad)
		asCarrierError(t, err, carrier.KindRejected)
		if len(idle.requests()) != 0 {
			t.Errorf("id %q was sent", bad)
		}
	}
}

// TestTrackRetriesWhenUnavailable: a GET is retried on 429/502/503/504
// with backoff, up to MaxRetries (3 in newClient), and never on 403.
func TestTrackRetriesWhenUnavailable(t *testing.T) {
	var calls atomic.Int32
	flaky := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if calls.Add(1) == 1 {
			answer(503, `{"message":"Service Unavailable"}`)(w, r, body)
			return
		}
		answer(200, trackingJSON)(w, r, body)
	})
	if _, err := newClient(t, flaky.URL).Track(context.Background(), "00373500454541020957"); err != nil {
		t.Fatalf("Track after one 503: %v", err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2", calls.Load())
	}
	reqs := flaky.requests()
	if reqs[0].Header.Get("X-External-Request-ID") != reqs[1].Header.Get("X-External-Request-ID") {
		t.Error("the retry should carry the same X-External-Request-ID")
	}

	down := newFake(t, answer(503, `{"message":"Service Unavailable"}`))
	_, err := newClient(t, down.URL).Track(context.Background(), "00373500454541020957")
	asCarrierError(t, err, carrier.KindUnavailable)
	if n := len(down.requests()); n != 4 {
		t.Errorf("%d calls, want exactly 4 (three retries)", n)
	}

	forbidden := newFake(t, answer(403, `{"error":{"status_code":403,"message":"Invalid API Key"}}`))
	_, err = newClient(t, forbidden.URL).Track(context.Background(), "00373500454541020957")
	asCarrierError(t, err, carrier.KindAuth)
	if n := len(forbidden.requests()); n != 1 {
		t.Errorf("%d calls; an auth failure is not retried", n)
	}
}
