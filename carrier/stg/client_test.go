package stg

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"labelstation/carrier"
)

const (
	testID     = "station-1"
	testSecret = "s3cr3t+/=value"
)

// clock is a test clock that only moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fake is a small STG: a token endpoint issuing tok-1, tok-2, … and a
// /v1 handler given by the test. It records every /v1 request.
type fake struct {
	t         *testing.T
	srv       *httptest.Server
	tokens    atomic.Int32
	ttl       int // expires_in
	tokenWait time.Duration
	tokenFail func(w http.ResponseWriter) bool
	v1        http.HandlerFunc

	mu   sync.Mutex
	reqs []seen
}

type seen struct {
	method, path, key, auth string
	body                    []byte
}

func newFake(t *testing.T, v1 http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{t: t, ttl: 600, v1: v1}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/token" {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "client_credentials" {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		if f.tokenFail != nil && f.tokenFail(w) {
			return
		}
		if r.Form.Get("client_id") != testID || r.Form.Get("client_secret") != testSecret {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"type":"about:blank","title":"Invalid client","status":401,"detail":"client_secret `+r.Form.Get("client_secret")+` does not match"}`)
			return
		}
		time.Sleep(f.tokenWait)
		n := f.tokens.Add(1)
		json.NewEncoder(w).Encode(map[string]any{"access_token": "tok-" + string(rune('0'+n)), "token_type": "bearer", "expires_in": f.ttl})
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"), r.Header.Get("Authorization"), body})
	f.mu.Unlock()
	f.v1(w, r)
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fake) client(t *testing.T, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: f.srv.URL, ClientID: testID, ClientSecret: testSecret, MaxRetries: -1}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func problemJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

const trackingOK = `{"trackingNumber":"STG000123456789","status":"IN_TRANSIT","events":[
 {"time":"2026-11-23T12:00:00+01:00","code":"IT","status":"IN_TRANSIT","description":"In transit","location":{"city":"Jönköping","countryCode":"SE"}},
 {"time":"2026-11-23T08:14:00+01:00","code":"PU","status":"PICKED_UP","description":"Picked up","location":{"city":"Malmö","countryCode":"SE"}}]}`

func trackOK(w http.ResponseWriter, r *http.Request) { io.WriteString(w, trackingOK) }

func kindOf(t *testing.T, err error) *carrier.Error {
	t.Helper()
	var ce *carrier.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *carrier.Error", err, err)
	}
	if ce.Carrier != CarrierName {
		t.Errorf("Carrier = %q", ce.Carrier)
	}
	return ce
}

func TestNewNeedsBaseURLAndCredentials(t *testing.T) {
	for _, cfg := range []Config{
		{ClientID: "a", ClientSecret: "topsecret-1"},
		{BaseURL: "ftp://x", ClientID: "a", ClientSecret: "topsecret-1"},
		{BaseURL: "https://api.stg.example"},
		{BaseURL: "https://api.stg.example", ClientID: "a"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) = nil error", cfg)
		} else if cfg.ClientSecret != "" && strings.Contains(err.Error(), cfg.ClientSecret) {
			t.Errorf("error quotes the secret: %v", err)
		}
	}
	c, err := New(Config{BaseURL: PlaceholderBaseURL, ClientID: "a", ClientSecret: "b"})
	if err != nil || c.Name() != "stg" {
		t.Fatalf("New = %v, %v", c, err)
	}
}

func TestTokenCachedAndRefreshedBeforeExpiry(t *testing.T) {
	f := newFake(t, trackOK)
	clk := newClock()
	c := f.client(t, func(cfg *Config) { cfg.Now = clk.Now })
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := c.Track(ctx, "STG000123456789"); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.tokens.Load(); n != 1 {
		t.Fatalf("tokens fetched = %d, want 1 (cached)", n)
	}
	clk.Advance(530 * time.Second) // expires at 600 s, renewed 60 s early
	if _, err := c.Track(ctx, "STG000123456789"); err != nil {
		t.Fatal(err)
	}
	if n := f.tokens.Load(); n != 1 {
		t.Fatalf("tokens fetched at 530 s = %d, want 1", n)
	}
	clk.Advance(15 * time.Second) // 545 s: inside the last minute
	if _, err := c.Track(ctx, "STG000123456789"); err != nil {
		t.Fatal(err)
	}
	if n := f.tokens.Load(); n != 2 {
		t.Fatalf("tokens fetched at 545 s = %d, want 2 (refreshed early)", n)
	}
	reqs := f.requests()
	if got := reqs[len(reqs)-1].auth; got != "Bearer tok-2" {
		t.Errorf("Authorization = %q, want Bearer tok-2", got)
	}
}

func TestTokenOneRefreshAtATime(t *testing.T) {
	f := newFake(t, trackOK)
	f.tokenWait = 50 * time.Millisecond
	c := f.client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Track(context.Background(), "STG000123456789")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.tokens.Load(); n != 1 {
		t.Fatalf("tokens fetched by 20 concurrent calls = %d, want 1", n)
	}
}

func TestUnauthorizedCachedTokenIsRefreshedOnce(t *testing.T) {
	var revoked atomic.Bool
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if revoked.Load() && r.Header.Get("Authorization") == "Bearer tok-1" {
			problemJSON(w, 401, `{"title":"Unauthorized","status":401,"detail":"token revoked"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, shipmentOK)
	})
	c := f.client(t)
	ctx := context.Background()
	if _, err := c.Track(ctx, "STG000123456789"); err == nil { // fetch tok-1
		t.Log("track answered with a shipment body; fine for this test")
	}
	revoked.Store(true)
	b, err := c.Book(ctx, bookingRequest("outbox-42", "SE"))
	if err != nil {
		t.Fatalf("Book after revoked token: %v", err)
	}
	if b.ShipmentID != "STG-8F3K2" {
		t.Errorf("ShipmentID = %q", b.ShipmentID)
	}
	reqs := f.requests()
	var books []seen
	for _, r := range reqs {
		if r.path == "/v1/shipments" {
			books = append(books, r)
		}
	}
	if len(books) != 2 || books[0].key != "outbox-42" || books[1].key != "outbox-42" ||
		books[0].auth != "Bearer tok-1" || books[1].auth != "Bearer tok-2" {
		t.Fatalf("booking requests = %+v, want tok-1 then tok-2, both with key outbox-42", books)
	}
}

func TestUnauthorizedAfterRefreshIsAuth(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		problemJSON(w, 401, `{"title":"Unauthorized","status":401,"detail":"token not accepted"}`)
	})
	c := f.client(t)
	_, err := c.Track(context.Background(), "STG000123456789")
	ce := kindOf(t, err)
	if ce.Kind != carrier.KindAuth || ce.HTTPStatus != 401 {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("requests = %d, want 1 (a fresh token is not retried)", n)
	}
}

func TestBadCredentialsAreAuthWithoutSecret(t *testing.T) {
	f := newFake(t, trackOK)
	c := f.client(t, func(cfg *Config) { cfg.ClientSecret = "wrong&secret value" })
	_, err := c.Track(context.Background(), "STG000123456789")
	ce := kindOf(t, err)
	if ce.Kind != carrier.KindAuth || ce.HTTPStatus != 401 {
		t.Fatalf("err = %v", err)
	}
	text := err.Error()
	if strings.Contains(text, "wrong&secret") || strings.Contains(text, "wrong%26secret") {
		t.Fatalf("error quotes the secret: %s", text)
	}
	if !strings.Contains(text, "Invalid client") || !strings.Contains(text, "REDACTED") {
		t.Errorf("error does not say what happened: %s", text)
	}
}

func TestProblemErrors(t *testing.T) {
	const faultsBody = `{"type":"https://api.stg.example/problems/validation","title":"Validation failed","status":422,
		"detail":"2 fields are invalid","errors":[{"field":"receiver.postalCode","message":"is required"},{"field":"parcels[0].weightGrams","message":"must be at most 35000"}]}`
	cases := []struct {
		name        string
		op          string // book or track
		status      int
		header      map[string]string
		body        string
		problem     bool
		kind        carrier.ErrorKind
		retryAfter  time.Duration
		faults      int
		wantMessage string
	}{
		{"422 validation", "book", 422, nil, faultsBody, true, carrier.KindRejected, 0, 2, "Validation failed: 2 fields are invalid"},
		{"400 bad request", "book", 400, nil, `{"title":"Bad Request","status":400,"detail":"unknown field \"foo\""}`, true, carrier.KindRejected, 0, 0, "unknown field"},
		{"403 forbidden", "book", 403, nil, `{"title":"Forbidden","status":403}`, true, carrier.KindAuth, 0, 0, "Forbidden"},
		{"404 tracking", "track", 404, nil, `{"title":"Not Found","status":404,"detail":"no parcel STG000123456789"}`, true, carrier.KindNotFound, 0, 0, "no parcel"},
		{"429 rate limit", "book", 429, map[string]string{"Retry-After": "1"}, `{"title":"Too Many Requests","status":429}`, true, carrier.KindUnavailable, time.Second, 0, "rate limit"},
		{"503 unavailable", "book", 503, map[string]string{"Retry-After": "5"}, `{"title":"Service Unavailable","status":503}`, true, carrier.KindUnavailable, 5 * time.Second, 0, "nothing was done"},
		{"500 booking", "book", 500, nil, `{"title":"Internal Server Error","status":500}`, true, carrier.KindUnknownOutcome, 0, 0, "same Idempotency-Key"},
		{"502 booking", "book", 502, nil, `<html><body>Bad gateway</body></html>`, false, carrier.KindUnknownOutcome, 0, 0, "Bad Gateway"},
		{"504 booking", "book", 504, nil, ``, false, carrier.KindUnknownOutcome, 0, 0, "Gateway Timeout"},
		{"502 tracking", "track", 502, nil, `upstream connect error`, false, carrier.KindUnavailable, 0, 0, "upstream connect error"},
		{"text 400", "book", 400, nil, "receiver country not served\n", false, carrier.KindRejected, 0, 0, "receiver country not served"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				if tc.problem {
					problemJSON(w, tc.status, tc.body)
					return
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			c := f.client(t)
			var err error
			if tc.op == "book" {
				_, err = c.Book(context.Background(), bookingRequest("k-1", "SE"))
			} else {
				_, err = c.Track(context.Background(), "STG000123456789")
			}
			ce := kindOf(t, err)
			if ce.Kind != tc.kind || ce.HTTPStatus != tc.status || ce.RetryAfter != tc.retryAfter || len(ce.Faults) != tc.faults {
				t.Fatalf("err = %v (kind %v, status %d, retry %v, faults %d)", err, ce.Kind, ce.HTTPStatus, ce.RetryAfter, len(ce.Faults))
			}
			if !strings.Contains(ce.Error(), tc.wantMessage) {
				t.Errorf("error %q does not contain %q", ce.Error(), tc.wantMessage)
			}
			if strings.Contains(ce.Error(), "<html") {
				t.Errorf("error quotes HTML: %q", ce.Error())
			}
			if tc.op == "book" && ce.RequestID != "k-1" {
				t.Errorf("RequestID = %q", ce.RequestID)
			}
			if tc.faults > 0 && (ce.Faults[0].Field != "receiver.postalCode" || !strings.Contains(ce.Faults[0].Message, "is required")) {
				t.Errorf("Faults = %+v", ce.Faults)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("requests = %d, want 1 (bookings and MaxRetries -1 are not retried)", n)
			}
		})
	}
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := New(Config{BaseURL: url, ClientID: testID, ClientSecret: testSecret, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Book(context.Background(), bookingRequest("k-1", "SE"))
	ce := kindOf(t, err)
	if ce.Kind != carrier.KindUnavailable || ce.HTTPStatus != 0 {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Fatalf("error quotes the secret: %v", err)
	}
}

func TestBookingDroppedAfterSendIsUnknownOutcome(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	c := f.client(t)
	_, err := c.Book(context.Background(), bookingRequest("k-1", "SE"))
	ce := kindOf(t, err)
	if ce.Kind != carrier.KindUnknownOutcome || ce.HTTPStatus != 0 {
		t.Fatalf("err = %v", err)
	}
	// net/http's Transport itself resends a request carrying an
	// Idempotency-Key once when a reused connection dies before any
	// answer; the key makes that safe. Book adds no resend of its own.
	if n := len(f.requests()); n < 1 || n > 2 {
		t.Errorf("requests = %d, want 1 (2 with the Transport's own resend)", n)
	}
	for _, r := range f.requests() {
		if r.key != "k-1" {
			t.Errorf("Idempotency-Key = %q", r.key)
		}
	}
}

func TestSafeRequestsAreRetriedWithTheSameKey(t *testing.T) {
	var n atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			problemJSON(w, 503, `{"title":"Service Unavailable","status":503}`)
			return
		}
		trackOK(w, r)
	})
	c := f.client(t, func(cfg *Config) { cfg.MaxRetries = 3 })
	if _, err := c.Track(context.Background(), "STG000123456789"); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 || reqs[0].key == "" || reqs[1].key != reqs[0].key || reqs[2].key != reqs[0].key {
		t.Fatalf("requests = %+v, want 3 with one Idempotency-Key", reqs)
	}
}

func TestBookingIsNotRetried(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		problemJSON(w, 503, `{"title":"Service Unavailable","status":503}`)
	})
	c := f.client(t, func(cfg *Config) { cfg.MaxRetries = 3 })
	_, err := c.Book(context.Background(), bookingRequest("k-1", "SE"))
	if k := carrier.KindOf(err); k != carrier.KindUnavailable {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Fatalf("booking sent %d times, want 1", n)
	}
}

var zplData = []byte("^XA^FO50,50^FDSTG000123456789^FS^XZ")

var shipmentOK = `{"shipmentId":"STG-8F3K2","parcels":[{"parcelId":"P1","trackingNumber":"STG000123456789"}],
 "labels":[{"format":"ZPL","encoding":"base64","data":"` + base64.StdEncoding.EncodeToString(zplData) + `"}],
 "trackingUrl":"https://track.stg.example/STG000123456789"}`

func bookingRequest(key, country string) carrier.BookingRequest {
	return carrier.BookingRequest{
		OrderRef: "ORDER-1001",
		Consignor: carrier.Consignor{Address: carrier.Address{Name: "Shop AB", Street1: "Storgatan 1",
			Postcode: "21119", City: "Malmö", Country: "SE"}},
		Receiver: carrier.Address{Name: "Kari Nordmann", Street1: "Karl Johans gate 1", Postcode: "0154",
			City: "Oslo", Country: country, Email: "kari@example.no"},
		Service: carrier.Service{Code: "HOME"},
		Parcels: []carrier.Parcel{{Weight: 1200, Dimensions: carrier.Dimensions{LengthCm: 30, WidthCm: 20, HeightCm: 9.5},
			Contents: []carrier.Line{
				{Description: "Shoes", Quantity: 1, Value: 499, Currency: "SEK", HSCode: "640399", Origin: "se", WeightKg: 0.9},
				{Description: "Socks", Quantity: 2, Value: 49.5, Currency: "SEK", HSCode: "611595", Origin: "PT", WeightKg: 0.1},
			}}},
		LabelFormat: carrier.LabelZPL,
		RequestID:   key,
	}
}

func TestBookMapsRequestAndAnswer(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, shipmentOK)
	})
	clk := newClock()
	c := f.client(t, func(cfg *Config) { cfg.Now = clk.Now })
	b, err := c.Book(context.Background(), bookingRequest("outbox-7", "SE"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Carrier != "stg" || b.ShipmentID != "STG-8F3K2" || b.TrackingID() != "STG000123456789" ||
		b.TrackingURL != "https://track.stg.example/STG000123456789" || !b.BookedAt.Equal(clk.Now()) {
		t.Errorf("Booking = %+v", b)
	}
	if len(b.Labels) != 1 || b.Labels[0].Format != carrier.LabelZPL || string(b.Labels[0].Data) != string(zplData) {
		t.Errorf("Labels = %+v", b.Labels)
	}
	req := f.requests()[0]
	if req.method != "POST" || req.path != "/v1/shipments" || req.key != "outbox-7" {
		t.Errorf("request = %s %s key %q", req.method, req.path, req.key)
	}
	var body map[string]any
	if err := json.Unmarshal(req.body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"serviceCode": "HOME", "reference": "ORDER-1001", "customs": nil,
		"label": map[string]any{"format": "ZPL", "size": "100x150"},
		"parcels": []any{map[string]any{"weightGrams": 1200.0, "lengthCm": 30.0, "widthCm": 20.0, "heightCm": 10.0,
			"contents": "Shoes, Socks"}},
	}
	for k, v := range want {
		got, _ := json.Marshal(body[k])
		exp, _ := json.Marshal(v)
		if string(got) != string(exp) {
			t.Errorf("body %s = %s, want %s", k, got, exp)
		}
	}
	shipper := body["shipper"].(map[string]any)
	if shipper["postalCode"] != "21119" || shipper["countryCode"] != "SE" || shipper["name"] != "Shop AB" {
		t.Errorf("shipper = %v", shipper)
	}
}

func TestBookToNorwaySendsCustoms(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, shipmentOK)
	})
	c := f.client(t)
	if _, err := c.Book(context.Background(), bookingRequest("k", "NO")); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Customs *customs `json:"customs"`
	}
	if err := json.Unmarshal(f.requests()[0].body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Customs == nil || body.Customs.Currency != "SEK" || len(body.Customs.Lines) != 2 ||
		body.Customs.Lines[0].HSCode != "640399" || body.Customs.Lines[0].Value != "499.00" ||
		body.Customs.Lines[0].OriginCountry != "SE" || body.Customs.Lines[1].Quantity != 2 {
		t.Fatalf("customs = %+v", body.Customs)
	}
	// A line without a value is refused before sending.
	req := bookingRequest("k2", "NO")
	req.Parcels[0].Contents[1].Value = 0
	_, err := c.Book(context.Background(), req)
	ce := kindOf(t, err)
	if ce.Kind != carrier.KindRejected || ce.HTTPStatus != 0 || len(ce.Faults) != 1 || ce.Faults[0].Field != "parcels[0].contents[1]" {
		t.Fatalf("err = %v, faults %+v", err, ce.Faults)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("refused booking was sent")
	}
}

func TestBookUnusableAnswerIsUnknownOutcome(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"shipmentId":"STG-1","parcels":[{"parcelId":"P1","trackingNumber":"STG1"}],"labels":[{"format":"ZPL","encoding":"base64","data":"%%%"}]}`)
	})
	b, err := f.client(t).Book(context.Background(), bookingRequest("k", "SE"))
	if carrier.KindOf(err) != carrier.KindUnknownOutcome || b.TrackingID() != "STG1" {
		t.Fatalf("Book = %+v, %v", b, err)
	}
}

func TestTrackMapsStatuses(t *testing.T) {
	f := newFake(t, trackOK)
	tr, err := f.client(t).Track(context.Background(), "STG000123456789")
	if err != nil {
		t.Fatal(err)
	}
	if tr.ItemID != "STG000123456789" || tr.Status != carrier.StatusInTransit || tr.CarrierStatus != "IN_TRANSIT" || len(tr.Events) != 2 {
		t.Fatalf("Tracking = %+v", tr)
	}
	first := tr.Events[0]
	if first.Status != carrier.StatusHandedOver || first.CarrierCode != "PU" || first.Location != "Malmö" || first.Country != "SE" ||
		!first.Time.Equal(time.Date(2026, 11, 23, 7, 14, 0, 0, time.UTC)) {
		t.Errorf("first event = %+v (events oldest first)", first)
	}
	if got := f.requests()[0].path; got != "/v1/tracking/STG000123456789" {
		t.Errorf("path = %q", got)
	}
}

func TestMapStatus(t *testing.T) {
	for word, want := range map[string]carrier.Status{
		"CREATED": carrier.StatusCreated, "PICKED_UP": carrier.StatusHandedOver, "IN_TRANSIT": carrier.StatusInTransit,
		"OUT_FOR_DELIVERY": carrier.StatusOutForDelivery, "DELIVERED": carrier.StatusDelivered,
		"EXCEPTION": carrier.StatusException, "RETURNED": carrier.StatusReturned,
		"RETURN_REGISTERED": carrier.StatusInTransit, "RETURN_IN_TRANSIT": carrier.StatusInTransit,
		"RETURN_RECEIVED": carrier.StatusDelivered, "LOST_IN_SPACE": carrier.StatusUnknown, "": carrier.StatusUnknown,
	} {
		if got := mapStatus(word); got != want {
			t.Errorf("mapStatus(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestQuoteParsesRates(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"rates":[{"serviceCode":"HOME","serviceName":"Home delivery",
		  "price":{"amount":"89.00","currency":"SEK"},
		  "taxes":[{"name":"VAT","rate":"0.25","amount":"22.25"},{"name":"Fuel surcharge","amount":"4.10"}],
		  "total":{"amount":"115.35","currency":"SEK"},"transitDays":2,"estimatedDelivery":"2026-11-25"},
		 {"serviceCode":"PICKUP","serviceName":"Service point","price":{"amount":"59.00","currency":"SEK"},"taxes":[],
		  "total":{"amount":"73.75","currency":"SEK"},"transitDays":3,"estimatedDelivery":"2026-11-26"}]}`)
	})
	c := f.client(t)
	req := carrier.QuoteRequest{From: bookingRequest("", "SE").Consignor.Address, To: bookingRequest("", "SE").Receiver,
		Parcels: bookingRequest("", "SE").Parcels, ShipDate: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	rates, err := c.Quote(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(rates) != 2 {
		t.Fatalf("rates = %+v", rates)
	}
	r := rates[0]
	if r.Carrier != "stg" || r.Service != "HOME" || r.ServiceName != "Home delivery" || r.PriceSource != "carrier" ||
		r.Price != (carrier.Money{Amount: 89, Currency: "SEK"}) || r.Total != (carrier.Money{Amount: 115.35, Currency: "SEK"}) ||
		r.TransitDays != 2 || !r.EstimatedDelivery.Equal(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("rate = %+v", r)
	}
	if len(r.Taxes) != 2 || r.Taxes[0] != (carrier.Tax{Name: "VAT", Rate: 0.25, Amount: carrier.Money{Amount: 22.25, Currency: "SEK"}}) ||
		r.Taxes[1].Rate != 0 || r.Taxes[1].Amount.Amount != 4.10 {
		t.Errorf("taxes = %+v", r.Taxes)
	}
	var body map[string]any
	json.Unmarshal(f.requests()[0].body, &body)
	if body["shipDate"] != "2026-11-23" {
		t.Errorf("shipDate = %v", body["shipDate"])
	}
	if _, ok := body["parcels"].([]any)[0].(map[string]any)["contents"]; ok {
		t.Errorf("rate parcel carries contents")
	}
	req.Services = []string{"pickup"}
	rates, err = c.Quote(context.Background(), req)
	if err != nil || len(rates) != 1 || rates[0].Service != "PICKUP" {
		t.Fatalf("filtered rates = %+v, %v", rates, err)
	}
}

func TestParseAmount(t *testing.T) {
	good := map[string]float64{"115.35": 115.35, "89.00": 89, "0.25": 0.25, "4.1": 4.1, "-4.10": -4.10, " 7 ": 7, "12.": 12, ".5": 0.5}
	for s, want := range good {
		if got, err := parseAmount(s); err != nil || got != want {
			t.Errorf("parseAmount(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "1e3", "NaN", "Inf", "1,50", "1 000.00", "1.2.3", "SEK 5", "--1", ".", "0x10"} {
		if got, err := parseAmount(s); err == nil {
			t.Errorf("parseAmount(%q) = %v, want error", s, got)
		}
	}
}

func TestReturnLabel(t *testing.T) {
	pdf := []byte("%PDF-1.4 return")
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"returnId":"RET-1","trackingNumber":"STGR00000001","labels":[{"format":"PDF","encoding":"base64","data":"`+
			base64.StdEncoding.EncodeToString(pdf)+`"}]}`)
	})
	c := f.client(t)
	// Without the original tracking number nothing is sent.
	_, err := c.ReturnLabel(context.Background(), carrier.ReturnRequest{OrderRef: "ORDER-1001", Reason: "WRONG_SIZE"})
	if ce := kindOf(t, err); ce.Kind != carrier.KindRejected || ce.Faults[0].Field != "parcels[0].item_id" {
		t.Fatalf("err = %v", err)
	}
	b, err := c.ReturnLabel(context.Background(), carrier.ReturnRequest{OrderRef: "ORDER-1001", Reason: "WRONG_SIZE",
		LabelFormat: carrier.LabelPDF, RequestID: "ret-key", Parcels: []carrier.Parcel{{ItemID: "STG000123456789"}}})
	if err != nil {
		t.Fatal(err)
	}
	if b.ShipmentID != "RET-1" || b.TrackingID() != "STGR00000001" || len(b.Labels) != 1 || b.Labels[0].Format != carrier.LabelPDF || string(b.Labels[0].Data) != string(pdf) {
		t.Errorf("Booking = %+v", b)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].path != "/v1/returns" || reqs[0].key != "ret-key" {
		t.Fatalf("requests = %+v", reqs)
	}
	var body map[string]any
	json.Unmarshal(reqs[0].body, &body)
	if body["originalTrackingNumber"] != "STG000123456789" || body["reason"] != "WRONG_SIZE" ||
		body["label"].(map[string]any)["format"] != "PDF" {
		t.Errorf("body = %v", body)
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor(testSecret)
	for _, s := range []string{testSecret, "client_secret=s3cr3t%2B%2F%3Dvalue", "x s3cr3t+%2F=value"} {
		if out := r.String(s); strings.Contains(out, "s3cr3t") {
			t.Errorf("String(%q) = %q", s, out)
		}
	}
}
