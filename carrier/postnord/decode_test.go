package postnord_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
)

// partialLabelResponse is an ediLabelResponse as PostNord sends it when
// one item of a shipment fails: the shipment is OK and carries both ids,
// the failed item's printout says FAIL with its errorResponse.
const partialLabelResponse = `{"bookingResponse":{"bookingId":"3YSFH8NG0LNREZO38UIN68B3RRWL4X","idInformation":[{"status":"OK",
  "ids":[{"idType":"itemId","value":"00373500454541020957","printId":"31eed2dad84b48a2ba92a26590a0a69f"},{"idType":"itemId","value":"00373500454541020964","printId":"p2"},{"idType":"shipmentId","value":"00373500454541020957"}],
  "urls":[{"type":"TRACKING","url":"https://tracking.postnord.com/se/?id=00373500454541020957"}]}]},
 "labelPrintout":[
  {"itemIds":[{"itemIds":"00373500454541020957","printId":"31eed2dad84b48a2ba92a26590a0a69f","status":"OK"}],"printout":{"encoding":"none","data":"^XA^FD00373500454541020957^FS^XZ"},"printoutComposition":{"label":1}},
  {"itemIds":[{"itemIds":"00373500454541020964","status":"FAIL","errorResponse":{"message":"Item failed","compositeFault":{"faults":[{"faultCode":"BKG-042","explanationText":"Weight exceeds the maximum for the service","paramValues":[{"param":"grossWeight","value":"35"}]}]}}}]}]}`

func TestBookPartialFailureKeepsWhatWasBooked(t *testing.T) {
	fake := newFake(t, answer(200, partialLabelResponse))
	b, err := newClient(t, fake.URL).Book(context.Background(), sampleBooking())
	ce := asCarrierError(t, err, carrier.KindPartial)
	if len(b.ItemIDs) != 1 || b.ItemIDs[0] != "00373500454541020957" || len(b.Labels) != 1 {
		t.Fatalf("partial booking %+v: want the booked item with its label", b)
	}
	if len(b.PrintIDs) != 1 || b.PrintIDs[0] != "31eed2dad84b48a2ba92a26590a0a69f" {
		t.Errorf("print ids %v", b.PrintIDs)
	}
	if len(ce.Faults) != 1 || ce.Faults[0].Field != "parcels[1]" || !strings.Contains(ce.Faults[0].Message, "parcel 2 (item 00373500454541020964) was not booked: Weight exceeds") {
		t.Errorf("faults %+v: want parcel 2 named with its reason", ce.Faults)
	}
	if !strings.Contains(err.Error(), "booked 1 of 2 parcels") {
		t.Errorf("error %q", err)
	}
}

func TestBookAllItemsFailedIsRejected(t *testing.T) {
	body := strings.Replace(partialLabelResponse, `"status":"OK"}],"printout"`, `"status":"FAIL","errorResponse":{"message":"Bad postcode"}}],"printout"`, 1)
	fake := newFake(t, answer(200, body))
	_, err := newClient(t, fake.URL).Book(context.Background(), sampleBooking())
	ce := asCarrierError(t, err, carrier.KindRejected)
	if len(ce.Faults) != 2 || !strings.Contains(err.Error(), "Bad postcode") {
		t.Errorf("faults %+v", ce.Faults)
	}
}

// TestFaultEnvelopes decodes every error body PostNord and its gateway
// send, on every kind of call.
func TestFaultEnvelopes(t *testing.T) {
	ctx := context.Background()
	calls := map[string]func(c *postnord.Client) error{
		"book":  func(c *postnord.Client) error { _, err := c.Book(ctx, sampleBooking()); return err },
		"track": func(c *postnord.Client) error { _, err := c.Track(ctx, "00373500454541020957"); return err },
		"service points": func(c *postnord.Client) error {
			_, err := c.NearestServicePoints(ctx, carrier.Address{Country: "SE", Postcode: "11455"}, 3)
			return err
		},
		"transit": func(c *postnord.Client) error {
			_, err := c.TransitTimes(ctx, carrier.TransitQuery{From: carrier.Address{Country: "SE", Postcode: "41505"}, To: carrier.Address{Country: "NO", Postcode: "7011"}})
			return err
		},
		"reprint": func(c *postnord.Client) error { _, err := c.Reprint(ctx, []string{"p1"}, carrier.LabelZPL); return err },
	}
	products := map[string]string{"book": "Booking", "track": "Track & Trace", "service points": "Service Points", "transit": "Transit Time", "reprint": "Booking"}
	for name, call := range calls {
		t.Run(name+" compositeFault", func(t *testing.T) {
			fake := newFake(t, answer(400, `{"message":"Validation failed","compositeFault":{"faults":[{"faultCode":"API-005","explanationText":"Missing parameter","paramValues":[{"param":"postalCode","value":""}]}]}}`))
			err := call(newClient(t, fake.URL))
			ce := asCarrierError(t, err, carrier.KindRejected)
			if len(ce.Faults) != 1 || ce.Faults[0].Code != "API-005" || ce.Faults[0].Field != "postalCode" {
				t.Errorf("faults %+v", ce.Faults)
			}
		})
		t.Run(name+" gateway 403", func(t *testing.T) {
			fake := newFake(t, answer(403, `{"error":{"status_code":403,"message":"Invalid API Key","info":"Ensure that the apikey is valid"}}`))
			err := call(newClient(t, fake.URL))
			asCarrierError(t, err, carrier.KindAuth)
			if want := "this API key is not enabled for " + products[name]; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
			if n := len(fake.requests()); n != 1 {
				t.Errorf("%d requests; a 403 is not retried", n)
			}
		})
		t.Run(name+" 429", func(t *testing.T) {
			fake := newFake(t, answer(429, `{"message":"Too Many Requests"}`))
			err := call(newClient(t, fake.URL, func(c *postnord.Config) { c.MaxRetries = -1 }))
			asCarrierError(t, err, carrier.KindUnavailable)
			if !strings.Contains(err.Error(), "rate limit") {
				t.Errorf("error %q does not name the rate limit", err)
			}
		})
	}
}

// TestTrackFaultWithHTTP200 is Track & Trace's way of saying "unknown id".
func TestTrackFaultWithHTTP200(t *testing.T) {
	fake := newFake(t, answer(200, `{"TrackingInformationResponse":{"shipments":[],"compositeFault":{"faults":[{"faultCode":"API-010","explanationText":"No shipment found"}]}}}`))
	_, err := newClient(t, fake.URL).Track(context.Background(), "00373500454541020957")
	ce := asCarrierError(t, err, carrier.KindNotFound)
	if ce.HTTPStatus != 200 || !strings.Contains(err.Error(), "No shipment found") {
		t.Errorf("error %v", err)
	}
}

func TestRetriesOnlySafeRequests(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var n atomic.Int32
			flaky := newFake(t, func(w http.ResponseWriter, r *http.Request, b []byte) {
				if n.Add(1) <= 2 {
					answer(status, `{"message":"later"}`)(w, r, b)
					return
				}
				specFakeAnswers(w, r, b)
			})
			c := newClient(t, flaky.URL)
			if _, err := c.NearestServicePoints(context.Background(), carrier.Address{Country: "SE", Postcode: "11455"}, 1); err != nil {
				t.Fatalf("GET after two %d: %v", status, err)
			}
			if n.Load() != 3 {
				t.Errorf("%d calls, want 3", n.Load())
			}
			n.Store(-100) // the booking sees only failures
			_, err := c.Book(context.Background(), sampleBooking())
			if err == nil {
				t.Fatal("booking succeeded against a failing server")
			}
			if got := len(flaky.requests()) - 3; got != 1 {
				t.Errorf("a booking POST was sent %d times; it is never resent", got)
			}
		})
	}

	t.Run("connection refused", func(t *testing.T) {
		start := time.Now()
		_, err := newClient(t, closedURL(t)).Track(context.Background(), "00373500454541020957")
		asCarrierError(t, err, carrier.KindUnavailable)
		if time.Since(start) < 15*time.Millisecond {
			t.Errorf("three retries with backoff took only %v", time.Since(start))
		}
	})

	t.Run("Retry-After is honoured", func(t *testing.T) {
		var n atomic.Int32
		var first time.Time
		var gap time.Duration
		fake := newFake(t, func(w http.ResponseWriter, r *http.Request, b []byte) {
			if n.Add(1) == 1 {
				first = time.Now()
				w.Header().Set("Retry-After", "1")
				answer(429, `{"message":"slow down"}`)(w, r, b)
				return
			}
			gap = time.Since(first)
			specFakeAnswers(w, r, b)
		})
		c := newClient(t, fake.URL, func(c *postnord.Config) { c.MaxRetryDelay = 2 * time.Second })
		if _, err := c.Track(context.Background(), "00373500454541020957"); err != nil {
			t.Fatal(err)
		}
		if gap < 900*time.Millisecond {
			t.Errorf("retried after %v, the server asked for 1s", gap)
		}
	})
}

func TestServicePointsAndTransitDecode(t *testing.T) {
	fake := newFake(t, specFakeAnswers)
	c := newClient(t, fake.URL)
	sps, err := c.NearestServicePoints(context.Background(), carrier.Address{Country: "SE", Postcode: "17171", Street1: "Armégatan 38"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := carrier.ServicePoint{ID: "570973", Name: "ICA Nära Armégatan", DistanceM: 1017, Latitude: 59.35014139999998, Longitude: 18.009889600000005,
		Address:  carrier.Address{Name: "ICA Nära Armégatan", Street1: "Armégatan 38", Postcode: "17171", City: "SOLNA", Country: "SE"},
		Visiting: carrier.Address{Name: "ICA Nära Armégatan", Street1: "Armégatan 38", Postcode: "17171", City: "SOLNA", Country: "SE"},
		Hours:    []string{"MONDAY 07:00-22:00"}}
	if got, _ := json.Marshal(sps); string(got) != string(must(json.Marshal([]carrier.ServicePoint{want}))) {
		t.Errorf("service points\n got %s\nwant %s", got, must(json.Marshal([]carrier.ServicePoint{want})))
	}
	q := fake.requests()[0].Query
	if q.Get("streetName") != "Armégatan" || q.Get("streetNumber") != "38" || q.Get("returnType") != "json" {
		t.Errorf("query %v", q)
	}

	tts, err := c.TransitTimes(context.Background(), carrier.TransitQuery{From: carrier.Address{Country: "SE", Postcode: "41505"}, To: carrier.Address{Country: "SE", Postcode: "17173"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tts) != 4 {
		t.Fatalf("%d transit times", len(tts))
	}
	stockholm, _ := time.LoadLocation("Europe/Stockholm")
	if !tts[0].Arrival.Equal(time.Date(2024, 8, 24, 21, 0, 0, 0, stockholm)) || !tts[0].Bookable || tts[0].Service != "17" {
		t.Errorf("17: %+v", tts[0])
	}
	if tts[1].DaysMin != 3 || tts[1].DaysMax != 4 || len(tts[1].Additional) != 1 || tts[1].Additional[0] != "D7" {
		t.Errorf("18+D7: %+v", tts[1])
	}
	if tts[3].Bookable || !strings.Contains(tts[3].Problem, "not offered") {
		t.Errorf("22: %+v", tts[3])
	}
}

func TestReprint(t *testing.T) {
	fake := newFake(t, specFakeAnswers)
	labels, err := newClient(t, fake.URL).Reprint(context.Background(), []string{"31eed2dad84b48a2ba92a26590a0a69f"}, carrier.LabelZPL)
	if err != nil || len(labels) != 1 || string(labels[0].Data) != "^XA^FDreprint^FS^XZ" {
		t.Fatalf("reprint: %v %+v", err, labels)
	}
	r := fake.requests()[0]
	if r.Path != "/rest/shipment/v3/labels/ids/zpl" || string(r.Body) != `[{"id":"31eed2dad84b48a2ba92a26590a0a69f","labelType":"standard"}]` {
		t.Errorf("reprint request %s %s", r.Path, r.Body)
	}
}

// TestOAuthTokenFetchedOnceAndSent: one long-lived token source; the
// bearer goes only to the API that declares OAuth2.
func TestOAuthTokenFetchedOnceAndSent(t *testing.T) {
	var tokens atomic.Int32
	fake := newFake(t, func(w http.ResponseWriter, r *http.Request, b []byte) {
		if r.URL.Path == "/oauth2/token" {
			tokens.Add(1)
			if !strings.Contains(string(b), "grant_type=client_credentials") {
				w.WriteHeader(400)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"access_token":"tok-123","token_type":"Bearer","expires_in":3600}`)
			return
		}
		specFakeAnswers(w, r, b)
	})
	c := newClient(t, fake.URL, func(cfg *postnord.Config) {
		cfg.ClientID, cfg.ClientSecret, cfg.TokenURL = "client-1", "s3cret-client-secret", fake.URL+"/oauth2/token"
	})
	for range 3 {
		if _, err := c.FindByReference(context.Background(), "20876966", "ORDER-1001"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Track(context.Background(), "00373500454541020957"); err != nil {
		t.Fatal(err)
	}
	if tokens.Load() != 1 {
		t.Errorf("%d token requests, want 1", tokens.Load())
	}
	for _, r := range fake.requests() {
		switch {
		case strings.Contains(r.Path, "/reference/") && r.Header.Get("Authorization") != "Bearer tok-123":
			t.Errorf("find by reference without the bearer token: %q", r.Header.Get("Authorization"))
		case strings.Contains(r.Path, "/trackandtrace/id/") && r.Header.Get("Authorization") != "":
			t.Error("the bearer token went to an API that does not declare OAuth2")
		}
	}

	bad := newFake(t, answer(401, `{"error":"invalid_client","error_description":"bad secret s3cret-client-secret"}`))
	c = newClient(t, bad.URL, func(cfg *postnord.Config) {
		cfg.ClientID, cfg.ClientSecret, cfg.TokenURL = "client-1", "s3cret-client-secret", bad.URL
	})
	_, err := c.FindByReference(context.Background(), "20876966", "ORDER-1001")
	asCarrierError(t, err, carrier.KindAuth)
	assertNoKey(t, err)
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(fmt.Sprintf("%+v", e), "s3cret-client-secret") {
			t.Fatalf("client secret leaked: %v", e)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
