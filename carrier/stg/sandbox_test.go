package stg_test

import (
	"context"
	"errors"
	"math"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/sandbox"
	"labelstation/carrier/stg"
)

// These tests run the real client against the sandbox's STG over HTTP.

const (
	sbID     = "labelstation-test"
	sbSecret = "sandbox-secret-Zq9"
)

type sbClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *sbClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *sbClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type sbEnv struct {
	srv   *sandbox.STGServer
	url   string
	clock *sbClock
}

func newSandbox(t *testing.T, ttl time.Duration) *sbEnv {
	t.Helper()
	// Monday 23 November 2026, 09:00 in Stockholm.
	clk := &sbClock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	srv := sandbox.NewSTG(sandbox.STGOptions{ClientID: sbID, ClientSecret: sbSecret, TokenTTL: ttl, Now: clk.Now, Seed: 7})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &sbEnv{srv: srv, url: hs.URL, clock: clk}
}

func (e *sbEnv) client(t *testing.T, mod ...func(*stg.Config)) *stg.Client {
	t.Helper()
	cfg := stg.Config{BaseURL: e.url, ClientID: sbID, ClientSecret: sbSecret, Now: e.clock.Now, MaxRetries: -1, Timeout: 10 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := stg.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sbBooking(key string) carrier.BookingRequest {
	return carrier.BookingRequest{
		OrderRef: "ORDER-1001",
		Consignor: carrier.Consignor{Address: carrier.Address{Name: "Shop AB", Street1: "Storgatan 1",
			Postcode: "211 19", City: "Malmö", Country: "SE"}},
		Receiver: carrier.Address{Name: "Anna Andersson", Street1: "Drottninggatan 5", Postcode: "111 51",
			City: "Stockholm", Country: "SE", Email: "anna@example.se"},
		Service: carrier.Service{Code: "HOME"},
		Parcels: []carrier.Parcel{{Weight: 1200, Dimensions: carrier.Dimensions{LengthCm: 30, WidthCm: 20, HeightCm: 10},
			Contents: []carrier.Line{{Description: "Shoes", Quantity: 1}}}},
		LabelFormat: carrier.LabelZPL,
		RequestID:   key,
	}
}

func asCarrierError(t *testing.T, err error) *carrier.Error {
	t.Helper()
	var ce *carrier.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *carrier.Error", err, err)
	}
	if ce.Carrier != "stg" {
		t.Errorf("Carrier = %q", ce.Carrier)
	}
	return ce
}

func TestSandboxBookReturnsLabel(t *testing.T) {
	e := newSandbox(t, time.Hour)
	c := e.client(t)
	for _, f := range []carrier.LabelFormat{carrier.LabelZPL, carrier.LabelPDF} {
		req := sbBooking("outbox-" + string(f))
		req.LabelFormat = f
		b, err := c.Book(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if b.Carrier != "stg" || !strings.HasPrefix(b.ShipmentID, "STG-") || !strings.HasPrefix(b.TrackingID(), "STG") ||
			!strings.Contains(b.TrackingURL, b.TrackingID()) || len(b.Labels) != 1 || b.Labels[0].Format != f {
			t.Fatalf("%s: Booking = %+v", f, b)
		}
		data := string(b.Labels[0].Data)
		if f == carrier.LabelZPL && !strings.HasPrefix(data, "^XA") || f == carrier.LabelPDF && !strings.HasPrefix(data, "%PDF") {
			t.Errorf("%s label starts %q", f, data[:min(10, len(data))])
		}
	}
}

func TestSandboxTokenExpiryMidSession(t *testing.T) {
	e := newSandbox(t, 10*time.Minute)
	c := e.client(t)
	ctx := context.Background()
	b, err := c.Book(ctx, sbBooking("outbox-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Track(ctx, b.TrackingID()); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Tokens(); n != 1 {
		t.Fatalf("Tokens = %d after two calls, want 1 (cached)", n)
	}

	// The clock passes the token's lifetime: the next call fetches a new
	// token by itself before STG would refuse the old one.
	e.clock.Advance(11 * time.Minute)
	if _, err := c.Track(ctx, b.TrackingID()); err != nil {
		t.Fatalf("Track after TTL: %v", err)
	}
	if n := e.srv.Tokens(); n != 2 {
		t.Fatalf("Tokens = %d after TTL, want 2", n)
	}

	// STG forgets every token while the client still holds one: the 401
	// is answered with a new token and one resend, invisible to the caller.
	e.srv.ExpireTokens()
	b2, err := c.Book(ctx, sbBooking("outbox-2"))
	if err != nil {
		t.Fatalf("Book after ExpireTokens: %v", err)
	}
	if n := e.srv.Tokens(); n != 3 {
		t.Fatalf("Tokens = %d after ExpireTokens, want 3", n)
	}
	if got := len(e.srv.Bookings()); got != 2 || b2.TrackingID() == b.TrackingID() {
		t.Fatalf("Bookings = %d, want 2", got)
	}
}

func TestSandboxIdempotentRetryBooksOnce(t *testing.T) {
	e := newSandbox(t, time.Hour)
	c := e.client(t)
	ctx := context.Background()

	// STG is unavailable at first: nothing is booked, and the error says
	// the caller may resend.
	if err := e.srv.SetFaults(sandbox.STGFaults{FailRate: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Book(ctx, sbBooking("outbox-42"))
	if ce := asCarrierError(t, err); ce.Kind != carrier.KindUnavailable || ce.HTTPStatus != 503 {
		t.Fatalf("err = %v", err)
	}
	if n := len(e.srv.Bookings()); n != 0 {
		t.Fatalf("Bookings = %d after 503, want 0", n)
	}
	e.srv.SetFaults(sandbox.STGFaults{})

	first, err := c.Book(ctx, sbBooking("outbox-42"))
	if err != nil {
		t.Fatal(err)
	}
	// The answer was "lost": the outbox sends the same entry again.
	again, err := c.Book(ctx, sbBooking("outbox-42"))
	if err != nil {
		t.Fatal(err)
	}
	if again.ShipmentID != first.ShipmentID || again.TrackingID() != first.TrackingID() || len(again.Labels) != 1 {
		t.Fatalf("resend = %+v, first = %+v", again, first)
	}
	bs := e.srv.Bookings()
	if len(bs) != 1 || bs[0].IdempotencyKey != "outbox-42" || bs[0].Reference != "ORDER-1001" ||
		bs[0].ServiceCode != "HOME" || bs[0].TrackingNumbers[0] != first.TrackingID() {
		t.Fatalf("Bookings = %+v, want one under outbox-42", bs)
	}
}

func TestSandboxProblemErrors(t *testing.T) {
	ctx := context.Background()

	t.Run("422 validation with field faults", func(t *testing.T) {
		e := newSandbox(t, time.Hour)
		req := sbBooking("k-422")
		req.Service.Code = "TELEPORT"
		req.Receiver.Postcode = "ABC"
		_, err := e.client(t).Book(ctx, req)
		ce := asCarrierError(t, err)
		if ce.Kind != carrier.KindRejected || ce.HTTPStatus != 422 || len(ce.Faults) != 2 {
			t.Fatalf("err = %v, faults %+v", err, ce.Faults)
		}
		fields := map[string]bool{}
		for _, f := range ce.Faults {
			fields[f.Field] = f.Message != ""
		}
		if !fields["serviceCode"] || !fields["receiver.postalCode"] {
			t.Errorf("Faults = %+v", ce.Faults)
		}
		if !strings.Contains(ce.Error(), "Validation failed") || !strings.Contains(ce.Error(), "TELEPORT") {
			t.Errorf("message = %q", ce.Error())
		}
		if n := len(e.srv.Bookings()); n != 0 {
			t.Errorf("Bookings = %d", n)
		}
	})

	t.Run("401 bad credentials", func(t *testing.T) {
		e := newSandbox(t, time.Hour)
		const wrong = "not-the-secret-%&"
		c := e.client(t, func(cfg *stg.Config) { cfg.ClientSecret = wrong })
		_, err := c.Book(ctx, sbBooking("k-401"))
		ce := asCarrierError(t, err)
		if ce.Kind != carrier.KindAuth || ce.HTTPStatus != 401 {
			t.Fatalf("err = %v", err)
		}
		if text := err.Error(); strings.Contains(text, "not-the-secret") || strings.Contains(text, sbSecret) {
			t.Fatalf("error quotes a secret: %s", text)
		}
		if !strings.Contains(err.Error(), "client") {
			t.Errorf("message does not name the credentials: %s", err)
		}
	})

	t.Run("404 tracking", func(t *testing.T) {
		e := newSandbox(t, time.Hour)
		_, err := e.client(t).Track(ctx, "STG999999999999")
		ce := asCarrierError(t, err)
		if ce.Kind != carrier.KindNotFound || ce.HTTPStatus != 404 || !strings.Contains(ce.Error(), "STG999999999999") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("429 rate limit", func(t *testing.T) {
		e := newSandbox(t, time.Hour)
		e.srv.SetFaults(sandbox.STGFaults{RateLimit: true})
		c := e.client(t)
		_, err := c.Book(ctx, sbBooking("k-429"))
		ce := asCarrierError(t, err)
		if ce.Kind != carrier.KindUnavailable || ce.HTTPStatus != 429 || ce.RetryAfter != time.Second {
			t.Fatalf("book err = %v (retry after %v)", err, ce.RetryAfter)
		}
		_, err = c.Quote(ctx, sbQuote())
		ce = asCarrierError(t, err)
		if ce.Kind != carrier.KindUnavailable || ce.HTTPStatus != 429 || ce.RetryAfter != time.Second {
			t.Fatalf("quote err = %v", err)
		}
	})

	t.Run("429 then served: a rate request is retried", func(t *testing.T) {
		e := newSandbox(t, time.Hour)
		e.srv.SetFaults(sandbox.STGFaults{RateLimit: true})
		c := e.client(t, func(cfg *stg.Config) { cfg.MaxRetries = 2 })
		go func() {
			time.Sleep(300 * time.Millisecond)
			e.srv.SetFaults(sandbox.STGFaults{})
		}()
		start := time.Now()
		rates, err := c.Quote(ctx, sbQuote())
		if err != nil || len(rates) == 0 {
			t.Fatalf("Quote = %v, %v", rates, err)
		}
		if d := time.Since(start); d < time.Second {
			t.Errorf("retried after %v, before Retry-After 1s", d)
		}
	})

	t.Run("503 unavailable", func(t *testing.T) {
		e := newSandbox(t, time.Hour)
		e.srv.SetFaults(sandbox.STGFaults{FailRate: 1})
		_, err := e.client(t).Book(ctx, sbBooking("k-503"))
		ce := asCarrierError(t, err)
		if ce.Kind != carrier.KindUnavailable || ce.HTTPStatus != 503 || !strings.Contains(ce.Error(), "nothing was booked") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("connection dropped", func(t *testing.T) {
		e := newSandbox(t, time.Hour)
		c := e.client(t)
		if _, err := c.Quote(ctx, sbQuote()); err != nil { // a token first
			t.Fatal(err)
		}
		e.srv.SetFaults(sandbox.STGFaults{Down: true})
		_, err := c.Book(ctx, sbBooking("k-down"))
		if ce := asCarrierError(t, err); ce.Kind != carrier.KindUnknownOutcome || ce.HTTPStatus != 0 {
			t.Fatalf("book err = %v", err)
		}
		_, err = c.Track(ctx, "STG000000000001")
		if ce := asCarrierError(t, err); ce.Kind != carrier.KindUnavailable || ce.HTTPStatus != 0 {
			t.Fatalf("track err = %v", err)
		}
	})

	t.Run("connection refused", func(t *testing.T) {
		hs := httptest.NewServer(sandbox.NewSTG(sandbox.STGOptions{}))
		url := hs.URL
		hs.Close()
		c, err := stg.New(stg.Config{BaseURL: url, ClientID: sbID, ClientSecret: sbSecret, MaxRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Book(ctx, sbBooking("k-refused"))
		if ce := asCarrierError(t, err); ce.Kind != carrier.KindUnavailable || ce.HTTPStatus != 0 || strings.Contains(err.Error(), sbSecret) {
			t.Fatalf("err = %v", err)
		}
	})
}

func sbQuote() carrier.QuoteRequest {
	b := sbBooking("")
	return carrier.QuoteRequest{From: b.Consignor.Address, To: b.Receiver, Parcels: b.Parcels}
}

func TestSandboxQuoteHasTotals(t *testing.T) {
	e := newSandbox(t, time.Hour)
	c := e.client(t)
	for _, country := range []string{"SE", "NO"} {
		q := sbQuote()
		if country == "NO" {
			q.To = carrier.Address{Name: "Kari Nordmann", Street1: "Karl Johans gate 1", Postcode: "0154", City: "Oslo", Country: "NO"}
		}
		rates, err := c.Quote(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", country, err)
		}
		if len(rates) < 2 {
			t.Fatalf("%s: rates = %+v", country, rates)
		}
		for _, r := range rates {
			sum := r.Price.Amount
			for _, tx := range r.Taxes {
				sum += tx.Amount.Amount
				if tx.Amount.Currency != r.Price.Currency {
					t.Errorf("%s %s tax currency %q", country, r.Service, tx.Amount.Currency)
				}
			}
			if r.Carrier != "stg" || r.PriceSource != "carrier" || r.Price.Amount <= 0 || r.Total.Currency != "SEK" ||
				math.Abs(sum-r.Total.Amount) > 0.005 || r.TransitDays <= 0 || r.EstimatedDelivery.IsZero() {
				t.Errorf("%s: rate = %+v (price+taxes %.2f)", country, r, sum)
			}
			if r.Taxes[0].Name != "VAT" || r.Taxes[0].Rate <= 0.2 {
				t.Errorf("%s: VAT = %+v", country, r.Taxes[0])
			}
		}
	}
	q := sbQuote()
	q.Services = []string{"EXPRESS"}
	rates, err := c.Quote(context.Background(), q)
	if err != nil || len(rates) != 1 || rates[0].Service != "EXPRESS" || rates[0].ServiceName == "" {
		t.Fatalf("EXPRESS only: %+v, %v", rates, err)
	}
}

func TestSandboxTrackingMapsStatuses(t *testing.T) {
	e := newSandbox(t, time.Hour)
	c := e.client(t)
	ctx := context.Background()
	b, err := c.Book(ctx, sbBooking("outbox-track"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := c.Track(ctx, b.TrackingID())
	if err != nil {
		t.Fatal(err)
	}
	if tr.ItemID != b.TrackingID() || tr.Status != carrier.StatusCreated || tr.CarrierStatus != "CREATED" || len(tr.Events) != 1 {
		t.Fatalf("just booked: %+v", tr)
	}
	e.clock.Advance(4 * time.Hour)
	if tr, err = c.Track(ctx, b.TrackingID()); err != nil || tr.Status != carrier.StatusHandedOver {
		t.Fatalf("after pickup: %+v, %v", tr, err)
	}
	e.clock.Advance(7 * 24 * time.Hour)
	if tr, err = c.Track(ctx, b.TrackingID()); err != nil {
		t.Fatal(err)
	}
	story, _ := e.srv.Story(b.TrackingID())
	want := map[string]carrier.Status{sandbox.STGStoryDelivered: carrier.StatusDelivered,
		sandbox.STGStoryException: carrier.StatusException, sandbox.STGStoryReturned: carrier.StatusReturned}[story]
	if tr.Status != want {
		t.Fatalf("story %s: status %s, want %s", story, tr.Status, want)
	}
	seen := map[carrier.Status]bool{}
	for i, ev := range tr.Events {
		if ev.Status == carrier.StatusUnknown || ev.CarrierStatus == "" || ev.ItemID != b.TrackingID() || ev.Time.IsZero() {
			t.Errorf("event %d = %+v", i, ev)
		}
		if i > 0 && ev.Time.Before(tr.Events[i-1].Time) {
			t.Errorf("events not oldest first")
		}
		seen[ev.Status] = true
	}
	for _, s := range []carrier.Status{carrier.StatusCreated, carrier.StatusHandedOver, carrier.StatusInTransit, carrier.StatusOutForDelivery} {
		if !seen[s] {
			t.Errorf("no %s event in %+v", s, tr.Events)
		}
	}
}

func TestSandboxReturnLabel(t *testing.T) {
	e := newSandbox(t, time.Hour)
	c := e.client(t)
	ctx := context.Background()
	b, err := c.Book(ctx, sbBooking("outbox-orig"))
	if err != nil {
		t.Fatal(err)
	}
	req := carrier.ReturnRequest{OrderRef: "ORDER-1001", Reason: "WRONG_SIZE", LabelFormat: carrier.LabelPDF,
		RequestID: "return-1", Parcels: []carrier.Parcel{{ItemID: b.TrackingID()}}}
	r, err := c.ReturnLabel(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.ShipmentID, "RET-") || r.TrackingID() == b.TrackingID() || len(r.Labels) != 1 ||
		r.Labels[0].Format != carrier.LabelPDF || !strings.HasPrefix(string(r.Labels[0].Data), "%PDF") {
		t.Fatalf("return = %+v", r)
	}
	// Resent with the same key: the same return, not a second one.
	again, err := c.ReturnLabel(ctx, req)
	if err != nil || again.TrackingID() != r.TrackingID() {
		t.Fatalf("resend = %+v, %v", again, err)
	}
	bs := e.srv.Bookings()
	if len(bs) != 2 || !bs[1].Return || bs[1].IdempotencyKey != "return-1" || bs[1].Reference != "ORDER-1001" {
		t.Fatalf("Bookings = %+v", bs)
	}

	tr, err := c.Track(ctx, r.TrackingID())
	if err != nil || tr.Status != carrier.StatusInTransit || tr.CarrierStatus != "RETURN_REGISTERED" ||
		!strings.Contains(tr.Events[0].Description, "WRONG_SIZE") {
		t.Fatalf("return tracking = %+v, %v", tr, err)
	}
	e.clock.Advance(10 * 24 * time.Hour)
	if tr, err = c.Track(ctx, r.TrackingID()); err != nil || tr.Status != carrier.StatusDelivered || tr.CarrierStatus != "RETURN_RECEIVED" {
		t.Fatalf("return received: %+v, %v", tr, err)
	}

	// An unknown original is STG's 404.
	req.RequestID, req.Parcels = "return-2", []carrier.Parcel{{ItemID: "STG000000000000"}}
	_, err = c.ReturnLabel(ctx, req)
	if ce := asCarrierError(t, err); ce.Kind != carrier.KindNotFound || ce.HTTPStatus != 404 {
		t.Fatalf("unknown original: %v", err)
	}
}
