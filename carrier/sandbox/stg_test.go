package sandbox_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/carrier/sandbox"
	"labelstation/internal/zplrender"
)

// The STG sandbox tested over HTTP with a plain client, with wire structs
// of the test's own: the contract (../shared/stg/CONTRACT.md) as JSON.

type stgRig struct {
	t     *testing.T
	stg   *sandbox.STGServer
	srv   *httptest.Server
	clock *clock
	token string
	n     int
}

func newSTGRig(t *testing.T, opts sandbox.STGOptions) *stgRig {
	t.Helper()
	c := &clock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} // a Monday
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.ClientID == "" {
		opts.ClientID, opts.ClientSecret = "station", "s3cret"
	}
	s := sandbox.NewSTG(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	g := &stgRig{t: t, stg: s, srv: srv, clock: c}
	g.token = g.newToken()
	return g
}

func (g *stgRig) tokenRequest(id, secret string) (int, http.Header, []byte) {
	g.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	resp, err := http.PostForm(g.srv.URL+"/oauth/token", form)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func (g *stgRig) newToken() string {
	g.t.Helper()
	status, h, b := g.tokenRequest("station", "s3cret")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		g.t.Fatalf("token: %d %s %s", status, h.Get("Content-Type"), b)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(b, &tok); err != nil || tok.AccessToken == "" || tok.TokenType != "bearer" || tok.ExpiresIn <= 0 {
		g.t.Fatalf("token answer %s (%v)", b, err)
	}
	return tok.AccessToken
}

// call sends one /v1 request with the rig's token and key ("" key: a
// fresh one; "-": none).
func (g *stgRig) call(method, path, key string, body any) (int, http.Header, []byte) {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			g.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, g.srv.URL+path, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	if g.token != "" {
		req.Header.Set("Authorization", "Bearer "+g.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch key {
	case "-":
	case "":
		g.n++
		req.Header.Set("Idempotency-Key", fmt.Sprintf("key-%s-%d", g.t.Name(), g.n))
	default:
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

type stgTestProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// problem checks an answer is a problem+json of status and returns it.
func stgProblemOf(t *testing.T, status int, h http.Header, b []byte, want int) stgTestProblem {
	t.Helper()
	if status != want {
		t.Fatalf("status %d, want %d: %s", status, want, b)
	}
	if ct := h.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p stgTestProblem
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem %s: %v", b, err)
	}
	if p.Status != want || p.Title == "" || !strings.HasPrefix(p.Type, "https://") {
		t.Fatalf("problem %+v: want status %d, a title and a type URI", p, want)
	}
	return p
}

func (p stgTestProblem) hasField(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field && e.Message != "" {
			return true
		}
	}
	return false
}

type stgTestAddress struct {
	Name        string `json:"name"`
	Street1     string `json:"street1"`
	PostalCode  string `json:"postalCode"`
	City        string `json:"city"`
	CountryCode string `json:"countryCode"`
	Phone       string `json:"phone,omitempty"`
}

type stgTestParcel struct {
	WeightGrams int `json:"weightGrams"`
	LengthCm    int `json:"lengthCm,omitempty"`
	WidthCm     int `json:"widthCm,omitempty"`
	HeightCm    int `json:"heightCm,omitempty"`
}

var (
	stgShipper           = stgTestAddress{Name: "Lager AB", Street1: "Industrigatan 4", PostalCode: "211 20", City: "Malmö", CountryCode: "SE"}
	stgReceiverByCountry = map[string]stgTestAddress{
		"SE": {Name: "Åsa Öberg ^XZ", Street1: "Storgatan 1", PostalCode: "11122", City: "Stockholm", CountryCode: "SE"},
		"DK": {Name: "Søren Kierkegaard", Street1: "Nørregade 10", PostalCode: "1165", City: "København", CountryCode: "DK"},
		"FI": {Name: "Aino Virtanen", Street1: "Mannerheimintie 1", PostalCode: "00100", City: "Helsinki", CountryCode: "FI"},
		"NO": {Name: "Ola Nordmann", Street1: "Karl Johans gate 1", PostalCode: "0154", City: "Oslo", CountryCode: "NO"},
	}
)

func stgShipmentBody(country, service, format, ref string, parcels ...stgTestParcel) map[string]any {
	if len(parcels) == 0 {
		parcels = []stgTestParcel{{WeightGrams: 1200, LengthCm: 30, WidthCm: 20, HeightCm: 10}}
	}
	return map[string]any{"serviceCode": service, "reference": ref, "shipper": stgShipper,
		"receiver": stgReceiverByCountry[country], "parcels": parcels,
		"label": map[string]string{"format": format, "size": "100x150"}, "customs": nil}
}

type stgTestShipment struct {
	ShipmentID string `json:"shipmentId"`
	Parcels    []struct {
		ParcelID       string `json:"parcelId"`
		TrackingNumber string `json:"trackingNumber"`
	} `json:"parcels"`
	Labels []struct {
		Format   string `json:"format"`
		Encoding string `json:"encoding"`
		Data     string `json:"data"`
	} `json:"labels"`
	TrackingURL string `json:"trackingUrl"`
}

func (g *stgRig) book(country, service, format string) stgTestShipment {
	g.t.Helper()
	status, _, b := g.call("POST", "/v1/shipments", "", stgShipmentBody(country, service, format, "ORDER-1"))
	if status != http.StatusCreated {
		g.t.Fatalf("book: %d %s", status, b)
	}
	var sh stgTestShipment
	if err := json.Unmarshal(b, &sh); err != nil {
		g.t.Fatal(err)
	}
	return sh
}

func TestSTGTokenFlowAndExpiry(t *testing.T) {
	g := newSTGRig(t, sandbox.STGOptions{TokenTTL: 10 * time.Minute})
	if status, _, b := g.call("GET", "/v1/tracking/STG000000000000", "", nil); status != http.StatusNotFound {
		t.Fatalf("with a fresh token: %d %s", status, b)
	}
	g.clock.Advance(10*time.Minute + time.Second)
	status, h, b := g.call("GET", "/v1/tracking/STG000000000000", "", nil)
	p := stgProblemOf(t, status, h, b, http.StatusUnauthorized)
	if !strings.HasSuffix(p.Type, "/invalid-token") || !strings.Contains(p.Detail, "expired") {
		t.Errorf("expired token: %+v", p)
	}
	g.token = g.newToken()
	if status, _, b := g.call("GET", "/v1/tracking/STG000000000000", "", nil); status != http.StatusNotFound {
		t.Fatalf("with a new token: %d %s", status, b)
	}
	if n := g.stg.Tokens(); n != 2 {
		t.Errorf("Tokens() = %d, want 2", n)
	}

	g.stg.ExpireTokens()
	status, h, b = g.call("GET", "/v1/tracking/STG000000000000", "", nil)
	stgProblemOf(t, status, h, b, http.StatusUnauthorized)
	g.token = g.newToken()
	if status, _, b := g.call("GET", "/v1/tracking/STG000000000000", "", nil); status != http.StatusNotFound {
		t.Fatalf("after ExpireTokens, with a new token: %d %s", status, b)
	}

	g.token = ""
	status, h, b = g.call("GET", "/v1/tracking/STG000000000000", "", nil)
	if p := stgProblemOf(t, status, h, b, http.StatusUnauthorized); !strings.HasSuffix(p.Type, "/invalid-token") {
		t.Errorf("no token: %+v", p)
	}
	g.token = "stg_forged"
	status, h, b = g.call("GET", "/v1/tracking/STG000000000000", "", nil)
	stgProblemOf(t, status, h, b, http.StatusUnauthorized)
}

func TestSTGWrongCredentials(t *testing.T) {
	g := newSTGRig(t, sandbox.STGOptions{})
	for _, c := range [][2]string{{"station", "wrong"}, {"other", "s3cret"}, {"", ""}} {
		status, h, b := g.tokenRequest(c[0], c[1])
		stgProblemOf(t, status, h, b, http.StatusUnauthorized)
	}
	if n := g.stg.Tokens(); n != 1 {
		t.Errorf("Tokens() = %d, want 1", n)
	}
	// "" ClientID accepts any non-empty pair.
	open := sandbox.NewSTG(sandbox.STGOptions{})
	srv := httptest.NewServer(open)
	defer srv.Close()
	resp, err := http.PostForm(srv.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"x"}, "client_secret": {"y"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("open sandbox: %d", resp.StatusCode)
	}
}

func TestSTGIdempotentReplay(t *testing.T) {
	g := newSTGRig(t, sandbox.STGOptions{Seed: 1})
	body := stgShipmentBody("SE", "HOME", "ZPL", "ORDER-1001")
	s1, _, b1 := g.call("POST", "/v1/shipments", "8d9c2b5e-0000-4000-8000-000000000001", body)
	s2, h2, b2 := g.call("POST", "/v1/shipments", "8d9c2b5e-0000-4000-8000-000000000001", body)
	if s1 != http.StatusCreated || s2 != s1 || !bytes.Equal(b1, b2) {
		t.Fatalf("replay: %d/%d, bodies equal %v", s1, s2, bytes.Equal(b1, b2))
	}
	if h2.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay not marked")
	}
	bk := g.stg.Bookings()
	if len(bk) != 1 || bk[0].IdempotencyKey != "8d9c2b5e-0000-4000-8000-000000000001" || bk[0].Reference != "ORDER-1001" ||
		bk[0].ServiceCode != "HOME" || len(bk[0].TrackingNumbers) != 1 {
		t.Fatalf("Bookings() = %+v, want one", bk)
	}

	// Concurrent repeats of one key book once.
	var wg sync.WaitGroup
	bodies := make([][]byte, 8)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, bodies[i] = g.call("POST", "/v1/shipments", "concurrent", body)
		}()
	}
	wg.Wait()
	for _, b := range bodies[1:] {
		if !bytes.Equal(b, bodies[0]) {
			t.Fatalf("concurrent answers differ:\n%s\n%s", bodies[0], b)
		}
	}
	if n := len(g.stg.Bookings()); n != 2 {
		t.Fatalf("%d bookings after 8 concurrent requests with one key, want 2 in all", n)
	}

	// The sandbox endpoint lists them.
	resp, err := http.Get(g.srv.URL + "/_sandbox/stg/bookings")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var listed []sandbox.STGBooking
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil || len(listed) != 2 || listed[0].ShipmentID != bk[0].ShipmentID {
		t.Fatalf("/_sandbox/stg/bookings: %+v (%v)", listed, err)
	}
}

func TestSTGIdempotencyKeyReusedWithAnotherBody(t *testing.T) {
	g := newSTGRig(t, sandbox.STGOptions{})
	if s, _, b := g.call("POST", "/v1/shipments", "k1", stgShipmentBody("SE", "HOME", "ZPL", "ORDER-1")); s != http.StatusCreated {
		t.Fatalf("%d %s", s, b)
	}
	status, h, b := g.call("POST", "/v1/shipments", "k1", stgShipmentBody("SE", "HOME", "ZPL", "ORDER-2"))
	p := stgProblemOf(t, status, h, b, http.StatusUnprocessableEntity)
	if p.Detail != "idempotency key reused with a different request" || !p.hasField("Idempotency-Key") {
		t.Errorf("problem %+v", p)
	}
	if n := len(g.stg.Bookings()); n != 1 {
		t.Errorf("%d bookings, want 1", n)
	}
}

func TestSTGProblems(t *testing.T) {
	g := newSTGRig(t, sandbox.STGOptions{})
	rate := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{"shipper": stgShipper, "receiver": stgReceiverByCountry["SE"],
			"parcels": []stgTestParcel{{WeightGrams: 1000}}, "shipDate": "2026-11-23"}
		if mod != nil {
			mod(m)
		}
		return m
	}
	cases := []struct {
		name         string
		method, path string
		key          string
		body         any
		status       int
		fields       []string
	}{
		{"missing key", "POST", "/v1/rates", "-", rate(nil), 400, []string{"Idempotency-Key"}},
		{"missing key on tracking", "GET", "/v1/tracking/STG1", "-", nil, 400, []string{"Idempotency-Key"}},
		{"zero weight", "POST", "/v1/rates", "", rate(func(m map[string]any) { m["parcels"] = []stgTestParcel{{WeightGrams: 0}} }), 422,
			[]string{"parcels[0].weightGrams"}},
		{"no parcels", "POST", "/v1/rates", "", rate(func(m map[string]any) { m["parcels"] = []stgTestParcel{} }), 422, []string{"parcels"}},
		{"missing postal code", "POST", "/v1/rates", "", rate(func(m map[string]any) {
			r := stgReceiverByCountry["SE"]
			r.PostalCode = ""
			m["receiver"] = r
		}), 422, []string{"receiver.postalCode"}},
		{"unknown country", "POST", "/v1/rates", "", rate(func(m map[string]any) {
			r := stgReceiverByCountry["SE"]
			r.CountryCode = "XX"
			m["receiver"] = r
		}), 422, []string{"receiver.countryCode"}},
		{"bad ship date", "POST", "/v1/rates", "", rate(func(m map[string]any) { m["shipDate"] = "23/11/2026" }), 422, []string{"shipDate"}},
		{"unknown field", "POST", "/v1/rates", "", rate(func(m map[string]any) { m["ship_date"] = "2026-11-23" }), 400, nil},
		{"unknown service", "POST", "/v1/shipments", "", stgShipmentBody("SE", "TELEPORT", "ZPL", "R"), 422, []string{"serviceCode"}},
		{"bad label format", "POST", "/v1/shipments", "", stgShipmentBody("SE", "HOME", "PNG", "R"), 422, []string{"label.format"}},
		{"unknown tracking number", "GET", "/v1/tracking/STG999999999999", "", nil, 404, nil},
		{"unknown original", "POST", "/v1/returns", "", map[string]any{"originalTrackingNumber": "STG999999999999",
			"reason": "WRONG_SIZE", "label": map[string]string{"format": "PDF"}}, 404, nil},
		{"return without reason", "POST", "/v1/returns", "", map[string]any{"originalTrackingNumber": "STG999999999999"}, 422,
			[]string{"reason"}},
		{"unknown path", "GET", "/v1/nothing", "", nil, 404, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, h, b := g.call(c.method, c.path, c.key, c.body)
			p := stgProblemOf(t, status, h, b, c.status)
			for _, f := range c.fields {
				if !p.hasField(f) {
					t.Errorf("errors %+v do not name %s", p.Errors, f)
				}
			}
		})
	}
	if n := len(g.stg.Bookings()); n != 0 {
		t.Errorf("%d bookings from refused requests", n)
	}
}

type stgTestRates struct {
	Rates []struct {
		ServiceCode string `json:"serviceCode"`
		ServiceName string `json:"serviceName"`
		Price       struct{ Amount, Currency string }
		Taxes       []struct {
			Name   string `json:"name"`
			Rate   string `json:"rate"`
			Amount string `json:"amount"`
		} `json:"taxes"`
		Total             struct{ Amount, Currency string }
		TransitDays       int    `json:"transitDays"`
		EstimatedDelivery string `json:"estimatedDelivery"`
	} `json:"rates"`
}

func ore(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 2 {
		t.Fatalf("amount %q has not two decimals", s)
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("amount %q", s)
	}
	return w*100 + f
}

func TestSTGRates(t *testing.T) {
	g := newSTGRig(t, sandbox.STGOptions{})
	quote := func(country string, p stgTestParcel) map[string]int64 {
		t.Helper()
		status, _, b := g.call("POST", "/v1/rates", "", map[string]any{"shipper": stgShipper,
			"receiver": stgReceiverByCountry[country], "parcels": []stgTestParcel{p}, "shipDate": "2026-11-27"}) // a Friday
		if status != http.StatusOK {
			t.Fatalf("rates: %d %s", status, b)
		}
		var r stgTestRates
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		totals := map[string]int64{}
		for _, rt := range r.Rates {
			sum := ore(t, rt.Price.Amount)
			for _, tx := range rt.Taxes {
				sum += ore(t, tx.Amount)
			}
			if got := ore(t, rt.Total.Amount); got != sum || rt.Total.Currency != "SEK" || rt.Price.Currency != "SEK" {
				t.Errorf("%s %s: total %s is not price + taxes (%d)", country, rt.ServiceCode, rt.Total.Amount, sum)
			}
			if rt.TransitDays <= 0 || rt.EstimatedDelivery == "" {
				t.Errorf("%s %s: no delivery estimate", country, rt.ServiceCode)
			}
			d, _ := time.Parse(time.DateOnly, rt.EstimatedDelivery)
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Errorf("%s %s: delivery on a %s", country, rt.ServiceCode, wd)
			}
			totals[rt.ServiceCode] = ore(t, rt.Price.Amount)
		}
		for _, svc := range []string{"HOME", "PICKUP", "EXPRESS"} {
			if _, ok := totals[svc]; !ok {
				t.Fatalf("%s: no %s rate in %s", country, svc, b)
			}
		}
		if country == "SE" && p == (stgTestParcel{WeightGrams: 1200, LengthCm: 30, WidthCm: 20, HeightCm: 10}) {
			rt := r.Rates[0]
			if rt.ServiceCode != "HOME" || rt.Price.Amount != "89.00" || rt.Taxes[0].Name != "VAT" || rt.Taxes[0].Rate != "0.25" ||
				rt.Taxes[0].Amount != "22.25" || rt.Taxes[1].Name != "Fuel surcharge" || rt.Taxes[1].Amount != "4.09" ||
				rt.Total.Amount != "115.34" || rt.TransitDays != 2 || rt.EstimatedDelivery != "2026-12-01" {
				t.Errorf("SE HOME 1.2 kg: %+v", rt)
			}
		}
		if country == "NO" {
			last := r.Rates[0].Taxes[len(r.Rates[0].Taxes)-1]
			if last.Name != "Customs handling" || last.Amount != "45.00" {
				t.Errorf("NO: no customs handling fee in %+v", r.Rates[0].Taxes)
			}
		}
		return totals
	}
	base := stgTestParcel{WeightGrams: 1200, LengthCm: 30, WidthCm: 20, HeightCm: 10}
	se := quote("SE", base)
	if !(se["PICKUP"] < se["HOME"] && se["HOME"] < se["EXPRESS"]) {
		t.Errorf("SE prices by service: %v", se)
	}
	heavy := quote("SE", stgTestParcel{WeightGrams: 12000, LengthCm: 30, WidthCm: 20, HeightCm: 10})
	if heavy["HOME"] <= se["HOME"] {
		t.Errorf("12 kg (%d) not dearer than 1.2 kg (%d)", heavy["HOME"], se["HOME"])
	}
	bulky := quote("SE", stgTestParcel{WeightGrams: 1200, LengthCm: 60, WidthCm: 50, HeightCm: 40}) // 24 kg volumetric
	if bulky["HOME"] <= heavy["HOME"] {
		t.Errorf("24 kg volumetric (%d) not dearer than 12 kg (%d)", bulky["HOME"], heavy["HOME"])
	}
	prev := se["HOME"]
	for _, c := range []string{"DK", "FI", "NO"} {
		got := quote(c, base)
		if got["HOME"] <= prev {
			t.Errorf("%s HOME %d not dearer than the country before (%d)", c, got["HOME"], prev)
		}
		prev = got["HOME"]
	}
	if n := len(g.stg.Bookings()); n != 0 {
		t.Errorf("rates booked %d", n)
	}
}

func TestSTGShipmentLabels(t *testing.T) {
	g := newSTGRig(t, sandbox.STGOptions{Seed: 7})
	sh := g.book("SE", "HOME", "ZPL")
	if !strings.HasPrefix(sh.ShipmentID, "STG-") || len(sh.Parcels) != 1 || len(sh.Labels) != 1 {
		t.Fatalf("shipment %+v", sh)
	}
	tn := sh.Parcels[0].TrackingNumber
	if len(tn) != 15 || !strings.HasPrefix(tn, "STG") || strings.Trim(tn[3:], "0123456789") != "" {
		t.Errorf("tracking number %q is not STG + 12 digits", tn)
	}
	if sh.TrackingURL != "https://track.stg.example/"+tn {
		t.Errorf("trackingUrl %q", sh.TrackingURL)
	}
	l := sh.Labels[0]
	zpl, err := base64.StdEncoding.DecodeString(l.Data)
	if err != nil || l.Format != "ZPL" || l.Encoding != "base64" {
		t.Fatalf("label %s/%s: %v", l.Format, l.Encoding, err)
	}
	z := string(zpl)
	for _, want := range []string{"^XA", "^CI28", "^BCN", "^FD" + tn + "^FS", "Åsa Öberg \\5EXZ", "Storgatan 1", "SE-11122 Stockholm"} {
		if !strings.Contains(z, want) {
			t.Errorf("ZPL label lacks %q:\n%s", want, z)
		}
	}
	if !strings.HasSuffix(z, "^XZ\n") || strings.Count(z, "^XZ") != 1 {
		t.Errorf("the receiver's ^XZ was not escaped, or the label does not end with ^XZ")
	}

	pdf := g.book("DK", "PICKUP", "PDF")
	b, err := base64.StdEncoding.DecodeString(pdf.Labels[0].Data)
	if err != nil || pdf.Labels[0].Format != "PDF" || !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatalf("PDF label: %v %q", err, b[:min(len(b), 20)])
	}
	if n := len(g.stg.Bookings()); n != 2 {
		t.Errorf("%d bookings, want 2", n)
	}
}

type stgTestTracking struct {
	TrackingNumber string `json:"trackingNumber"`
	Status         string `json:"status"`
	Reason         string `json:"reason"`
	Events         []struct {
		Time        string `json:"time"`
		Code        string `json:"code"`
		Status      string `json:"status"`
		Description string `json:"description"`
		Reason      string `json:"reason"`
		Location    struct {
			City        string `json:"city"`
			CountryCode string `json:"countryCode"`
		} `json:"location"`
	} `json:"events"`
}

func (g *stgRig) track(tn string) stgTestTracking {
	g.t.Helper()
	status, _, b := g.call("GET", "/v1/tracking/"+tn, "", nil)
	if status != http.StatusOK {
		g.t.Fatalf("tracking %s: %d %s", tn, status, b)
	}
	var tr stgTestTracking
	if err := json.Unmarshal(b, &tr); err != nil {
		g.t.Fatal(err)
	}
	for _, e := range tr.Events {
		if _, err := time.Parse(time.RFC3339, e.Time); err != nil || !strings.Contains(e.Time, "+01:00") {
			g.t.Errorf("event time %q is not RFC 3339 with Stockholm's offset", e.Time)
		}
		if e.Code == "" || e.Description == "" || e.Location.City == "" || e.Location.CountryCode == "" {
			g.t.Errorf("event %+v is incomplete", e)
		}
	}
	return tr
}

func TestSTGTrackingAdvancesWithClock(t *testing.T) {
	g := newSTGRig(t, sandbox.STGOptions{TokenTTL: 10 * 365 * 24 * time.Hour})
	// Book until one parcel tells the delivered story (most do).
	var tn string
	for range 20 {
		n := g.book("SE", "HOME", "ZPL").Parcels[0].TrackingNumber
		if s, _ := g.stg.Story(n); s == sandbox.STGStoryDelivered {
			tn = n
			break
		}
	}
	if tn == "" {
		t.Fatal("no delivered story in 20 bookings")
	}
	steps := []struct {
		advance time.Duration
		status  string
	}{
		{0, "CREATED"},
		{3 * time.Hour, "PICKED_UP"},
		{4 * time.Hour, "IN_TRANSIT"},
		{40 * time.Hour, "OUT_FOR_DELIVERY"}, // Wednesday 09:00 Stockholm
		{6 * time.Hour, "DELIVERED"},
	}
	events := 0
	for _, st := range steps {
		g.clock.Advance(st.advance)
		tr := g.track(tn)
		if tr.Status != st.status || len(tr.Events) <= events {
			t.Fatalf("at %s: status %s with %d events, want %s", g.clock.Now(), tr.Status, len(tr.Events), st.status)
		}
		events = len(tr.Events)
	}
	tr := g.track(tn)
	if last := tr.Events[len(tr.Events)-1]; last.Code != "DL" || last.Location.City != "Stockholm" || !strings.HasPrefix(last.Time, "2026-11-25T") {
		t.Errorf("delivered event %+v", last)
	}

	// Some parcels (by seed) end in EXCEPTION or RETURNED.
	g.clock.Advance(10 * 24 * time.Hour)
	ends := map[string]bool{}
	for range 80 {
		n := g.book("SE", "EXPRESS", "ZPL").Parcels[0].TrackingNumber
		s, _ := g.stg.Story(n)
		if s == sandbox.STGStoryDelivered && ends["DELIVERED"] {
			continue
		}
		g.clock.Advance(8 * 24 * time.Hour)
		ends[g.track(n).Status] = true
	}
	for _, want := range []string{"DELIVERED", "EXCEPTION", "RETURNED"} {
		if !ends[want] {
			t.Errorf("no parcel ended %s in 80 (ends %v)", want, ends)
		}
	}
}

func TestSTGReturnFlow(t *testing.T) {
	g := newSTGRig(t, sandbox.STGOptions{TokenTTL: 30 * 24 * time.Hour})
	orig := g.book("SE", "HOME", "ZPL").Parcels[0].TrackingNumber
	status, _, b := g.call("POST", "/v1/returns", "", map[string]any{"originalTrackingNumber": orig, "reason": "WRONG_SIZE",
		"label": map[string]string{"format": "PDF"}})
	if status != http.StatusCreated {
		t.Fatalf("return: %d %s", status, b)
	}
	var ret struct {
		ReturnID       string `json:"returnId"`
		TrackingNumber string `json:"trackingNumber"`
		Labels         []struct{ Format, Encoding, Data string }
	}
	if err := json.Unmarshal(b, &ret); err != nil || ret.ReturnID == "" || ret.TrackingNumber == "" || ret.TrackingNumber == orig ||
		len(ret.Labels) != 1 || ret.Labels[0].Format != "PDF" {
		t.Fatalf("return answer %s (%v)", b, err)
	}
	if pdf, err := base64.StdEncoding.DecodeString(ret.Labels[0].Data); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("return label is not a PDF (%v)", err)
	}
	bk := g.stg.Bookings()
	if len(bk) != 2 || !bk[1].Return || bk[1].ShipmentID != ret.ReturnID || bk[1].Reference != "ORDER-1" {
		t.Fatalf("bookings %+v", bk)
	}
	for _, want := range []string{"RETURN_REGISTERED", "RETURN_IN_TRANSIT", "RETURN_RECEIVED"} {
		tr := g.track(ret.TrackingNumber)
		if tr.Status != want || tr.Reason != "WRONG_SIZE" || tr.Events[len(tr.Events)-1].Reason != "WRONG_SIZE" {
			t.Fatalf("at %s: %+v, want %s with reason", g.clock.Now(), tr, want)
		}
		g.clock.Advance(map[string]time.Duration{"RETURN_REGISTERED": 3 * time.Hour, "RETURN_IN_TRANSIT": 3 * 24 * time.Hour}[want])
	}
	tr := g.track(ret.TrackingNumber)
	if last := tr.Events[len(tr.Events)-1]; last.Location.City != "Malmö" {
		t.Errorf("the return was received in %s, want the shipper's Malmö", last.Location.City)
	}
}

func TestSTGFaults(t *testing.T) {
	g := newSTGRig(t, sandbox.STGOptions{})
	body := stgShipmentBody("SE", "HOME", "ZPL", "ORDER-9")

	if err := g.stg.SetFaults(sandbox.STGFaults{RateLimit: true}); err != nil {
		t.Fatal(err)
	}
	status, h, b := g.call("POST", "/v1/shipments", "k", body)
	stgProblemOf(t, status, h, b, http.StatusTooManyRequests)
	if h.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", h.Get("Retry-After"))
	}

	g.stg.SetFaults(sandbox.STGFaults{FailRate: 1})
	status, h, b = g.call("POST", "/v1/shipments", "k", body)
	stgProblemOf(t, status, h, b, http.StatusServiceUnavailable)
	if n := len(g.stg.Bookings()); n != 0 {
		t.Fatalf("a 503 booked %d", n)
	}

	// Down drops the connection.
	g.stg.SetFaults(sandbox.STGFaults{Down: true})
	req, _ := http.NewRequest("POST", g.srv.URL+"/v1/shipments", strings.NewReader("{}"))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("down: answered %d", resp.StatusCode)
	}

	// The faults endpoint sets latency and clears the rest; the same key
	// then books, once.
	resp, err := http.Post(g.srv.URL+"/_sandbox/stg/faults", "application/json",
		strings.NewReader(`{"latency":"50ms","fail_rate":0,"rate_limit":false,"down":false}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if f := g.stg.Faults(); resp.StatusCode != 200 || f != (sandbox.STGFaults{Latency: 50 * time.Millisecond}) {
		t.Fatalf("POST /_sandbox/stg/faults: %d, faults %+v", resp.StatusCode, f)
	}
	start := time.Now()
	if status, _, b := g.call("POST", "/v1/shipments", "k", body); status != http.StatusCreated {
		t.Fatalf("after faults cleared: %d %s", status, b)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered in %s despite 50ms latency", d)
	}
	if n := len(g.stg.Bookings()); n != 1 {
		t.Errorf("%d bookings, want 1", n)
	}
	if err := g.stg.SetFaults(sandbox.STGFaults{FailRate: 2}); err == nil {
		t.Error("fail rate 2 accepted")
	}
	resp, err = http.Post(g.srv.URL+"/_sandbox/stg/faults", "application/json", strings.NewReader(`{"latency":"soon"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad faults: %d", resp.StatusCode)
	}
}

// TestSTGRenderedLabelScans renders the STG ZPL label (100 × 150 mm) and
// scans its barcode: the tracking number as Code 128. Skips without the
// renderer (make test has it).
func TestSTGRenderedLabelScans(t *testing.T) {
	nodeModules := renderTools(t)
	g := newSTGRig(t, sandbox.STGOptions{})
	sh := g.book("SE", "HOME", "ZPL")
	zpl, err := base64.StdEncoding.DecodeString(sh.Labels[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	pngs := zplrenderSTG(t, nodeModules, zpl)
	if len(pngs) != 1 {
		t.Fatalf("%d labels rendered, want 1", len(pngs))
	}
	syms := scan(t, pngs[0])
	if len(syms) != 1 || syms[0].Type != "CODE-128" || syms[0].Data != sh.Parcels[0].TrackingNumber {
		t.Fatalf("scanned %+v, want the tracking number %s as CODE-128", syms, sh.Parcels[0].TrackingNumber)
	}
}

func zplrenderSTG(t *testing.T, nodeModules string, zpl []byte) []string {
	return zplrender.Render(t, nodeModules, zpl, 100, 150, 8)
}
