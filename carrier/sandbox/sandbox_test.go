package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/label"
)

const apiKey = "5a4db0c5a4db0c5a4db0c5a4db0c5a4d"

var bookedAt = time.Date(2026, 9, 28, 8, 40, 52, 0, time.UTC)

// clock is a settable clock for the sandbox.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type rig struct {
	sb     *sandbox.Server
	srv    *httptest.Server
	client *postnord.Client
	clock  *clock
}

// newRig starts a sandbox on a real HTTP server and a real PostNord
// client pointed at it.
func newRig(t *testing.T, opts sandbox.Options) *rig {
	t.Helper()
	clk := &clock{now: bookedAt}
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	if opts.FirstSerial == 0 {
		opts.FirstSerial = 454102095
	}
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &rig{sb: sb, srv: srv, client: newClient(t, srv.URL, apiKey), clock: clk}
}

func newClient(t *testing.T, url, key string) *postnord.Client {
	t.Helper()
	c, err := postnord.New(postnord.Config{BaseURL: url, APIKey: key, Timeout: 5 * time.Second, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func booking() carrier.BookingRequest {
	return carrier.BookingRequest{
		OrderRef: "ORDER-1001",
		Consignor: carrier.Consignor{
			CustomerNumber: "20876966", IssuerCode: "Z12",
			Address: carrier.Address{Name: "Gamerbulk AB", Street1: "Industrigatan 55B", Postcode: "425 36",
				City: "Göteborg", Country: "SE", Phone: "+46311234567"},
			Customs: carrier.CustomsIDs{VATNumber: "SE556677889901", EORI: "SE5566778899", VOEC: "2031001"},
		},
		Receiver: carrier.Address{
			Name: "Åsa Ödegård", Company: "Ærøskøbing Kaffe", Street1: "Strandgata 5", Street2: "Leilighet 3",
			Postcode: "9008", City: "Tromsø", Country: "NO", Phone: "+4791234567", Email: "asa@example.no",
		},
		Service: carrier.Service{Code: "19", Additional: []string{"A7", "A3"}, ServicePointID: "123456"},
		Parcels: []carrier.Parcel{
			{Weight: 1250, Contents: []carrier.Line{{Description: "Ullgenser", Quantity: 2, Value: 499, Currency: "SEK", HSCode: "611011", Origin: "SE", WeightKg: 0.4}}},
			{Weight: 800, Contents: []carrier.Line{{Description: "Gummistøvler", Quantity: 1, Value: 799, Currency: "SEK", HSCode: "64011000", Origin: "PT", WeightKg: 0.7}}},
		},
		LabelFormat: carrier.LabelZPL,
		RequestID:   "req-0001",
	}
}

func kindOf(t *testing.T, err error, want carrier.ErrorKind) *carrier.Error {
	t.Helper()
	ce, ok := err.(*carrier.Error)
	if !ok {
		t.Fatalf("error %v (%T) is not a *carrier.Error", err, err)
	}
	if ce.Kind != want {
		t.Fatalf("kind %s, want %s: %v", ce.Kind, want, err)
	}
	return ce
}

func TestBookThroughPostNordClient(t *testing.T) {
	r := newRig(t, sandbox.Options{APIKey: apiKey})
	b, err := r.client.Book(context.Background(), booking())
	if err != nil {
		t.Fatalf("Book: %v", err)
	}
	if len(b.ItemIDs) != 2 || len(b.Labels) != 2 {
		t.Fatalf("booking %d ids, %d labels; want 2 and 2", len(b.ItemIDs), len(b.Labels))
	}
	// Serials count up from FirstSerial: the README's example id first.
	if b.ItemIDs[0] != "00373500454541020957" {
		t.Errorf("first item id %s, want 00373500454541020957", b.ItemIDs[0])
	}
	for i, id := range b.ItemIDs {
		if len(id) != 20 || !strings.HasPrefix(id, "0037350045") || !label.ValidSSCC(id) {
			t.Errorf("item id %q is not a 20-digit SSCC with AI 00 and a valid check digit", id)
		}
		zpl := string(b.Labels[i].Data)
		if b.Labels[i].Format != carrier.LabelZPL {
			t.Errorf("label %d format %q", i, b.Labels[i].Format)
		}
		if strings.Count(zpl, "^XA") != 1 || strings.Count(zpl, "^XZ") != 1 || !strings.HasPrefix(zpl, "^XA") || !strings.HasSuffix(strings.TrimSpace(zpl), "^XZ") {
			t.Errorf("label %d is not one ^XA…^XZ format", i)
		}
		for _, want := range []string{"^CI28", "^LL1520", id, "Åsa Ödegård", "Ærøskøbing Kaffe", "Tromsø", "Göteborg", "MyPack Collect", "^FD19^FS", "123456", "20876966", "ORDER-1001", fmt.Sprintf("%d / 2", i+1)} {
			if !strings.Contains(zpl, want) {
				t.Errorf("label %d lacks %q", i, want)
			}
		}
		if !strings.Contains(zpl, "^BCN,260,N,N,N^FD>;>8"+id+"^FS") {
			t.Errorf("label %d has no GS1-128 barcode of %s", i, id)
		}
		if strings.Contains(zpl, "E:ARI") || strings.Contains(zpl, "^CW") {
			t.Errorf("label %d depends on printer-resident fonts", i)
		}
	}
	if b.ShipmentID != b.ItemIDs[0] || b.TrackingURL == "" {
		t.Errorf("shipment %q tracking URL %q", b.ShipmentID, b.TrackingURL)
	}

	recs := r.sb.Bookings()
	if len(recs) != 1 {
		t.Fatalf("%d recorded bookings, want 1", len(recs))
	}
	rec := recs[0]
	if rec.RequestID != "req-0001" || rec.Service != "19" || rec.ReceiverName != "Åsa Ödegård" || rec.ReceiverCity != "Tromsø" ||
		strings.Join(rec.ItemIDs, ",") != strings.Join(b.ItemIDs, ",") || rec.Return || !rec.Time.Equal(bookedAt) {
		t.Errorf("recorded %+v", rec)
	}
	if !json.Valid(rec.Body) || !bytes.Contains(rec.Body, []byte(`"updateIndicator":"Original"`)) {
		t.Errorf("recorded body %s", rec.Body)
	}

	// Serials keep counting: no id is handed out twice.
	b2, err := r.client.Book(context.Background(), booking())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, id := range append(b.ItemIDs, b2.ItemIDs...) {
		if seen[id] {
			t.Errorf("item id %s allocated twice", id)
		}
		seen[id] = true
	}
}

// zplCommands lists the command names of a ZPL text: what follows each
// '^' or '~' up to the next one, cut to the command's letters.
func zplCommands(zpl string) []string {
	var cmds []string
	for i := 0; i < len(zpl); i++ {
		if zpl[i] != '^' && zpl[i] != '~' {
			continue
		}
		end := i + 3
		if end > len(zpl) {
			end = len(zpl)
		}
		cmds = append(cmds, zpl[i:end])
	}
	return cmds
}

func TestCustomerTextCannotInjectZPL(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	req := booking()
	req.Receiver.Name = "Evil^XZ~JR^XA"
	req.Receiver.Company = `Back\slash ~DG`
	req.Receiver.Street1 = "^FS^FO0,0^GB840,1520,800^FS"
	req.Receiver.Street2 = "line\r\nbreak"
	req.OrderRef = "~JA"
	req.Parcels = req.Parcels[:1]
	b, err := r.client.Book(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	zpl := string(b.Labels[0].Data)
	// Every command on the label is one the renderer writes itself.
	allowed := map[string]bool{"^XA": true, "^CI": true, "^PW": true, "^LL": true, "^LH": true, "^PO": true, "^FW": true,
		"^FX": true, "^FO": true, "^A0": true, "^FH": true, "^FD": true, "^FS": true, "^GB": true, "^FB": true,
		"^BY": true, "^BC": true, "^XZ": true}
	for _, c := range zplCommands(zpl) {
		if !allowed[c] {
			t.Errorf("label holds command %q that the renderer never writes: customer text was injected", c)
		}
	}
	if strings.Contains(zpl, "~") {
		t.Error("label holds a raw '~'")
	}
	if strings.Count(zpl, "^XZ") != 1 || strings.Count(zpl, "^XA") != 1 || strings.Count(zpl, "^GB840,1520") != 0 {
		t.Error("injected format commands survived")
	}
	for _, want := range []string{`Evil\5EXZ\7EJR\5EXA`, `Back\5Cslash \7EDG`, `\5EFS\5EFO0,0\5EGB840,1520,800\5EFS`, "line  break", `\7EJA`} {
		if !strings.Contains(zpl, want) {
			t.Errorf("label lacks the escaped text %q", want)
		}
	}
}

func TestAPIKey(t *testing.T) {
	r := newRig(t, sandbox.Options{APIKey: apiKey})
	_, err := newClient(t, r.srv.URL, "wrong-key-wrong-key").Book(context.Background(), booking())
	ce := kindOf(t, err, carrier.KindAuth)
	if ce.HTTPStatus != 403 || !strings.Contains(ce.Message, "Invalid API Key") {
		t.Errorf("error %v", err)
	}
	if strings.Contains(err.Error(), "wrong-key-wrong-key") {
		t.Errorf("key leaked: %v", err)
	}
	_, err = newClient(t, r.srv.URL, "wrong-key-wrong-key").Track(context.Background(), "00373500454541020957")
	kindOf(t, err, carrier.KindAuth)
	if n := len(r.sb.Bookings()); n != 0 {
		t.Errorf("%d bookings with a wrong key", n)
	}

	// Without any key: the gateway's own body.
	resp, err := http.Post(r.srv.URL+"/rest/shipment/v3/edi/labels/zpl", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var gw struct {
		Error struct {
			StatusCode int    `json:"status_code"`
			Message    string `json:"message"`
		} `json:"error"`
	}
	if resp.StatusCode != 403 || json.Unmarshal(body, &gw) != nil || gw.Error.StatusCode != 403 || gw.Error.Message != "Invalid API Key" {
		t.Errorf("no key: %d %s", resp.StatusCode, body)
	}

	// An empty Options.APIKey accepts any non-empty key.
	open := newRig(t, sandbox.Options{})
	if _, err := newClient(t, open.srv.URL, "any-key-at-all").Book(context.Background(), booking()); err != nil {
		t.Errorf("open sandbox refused a key: %v", err)
	}
	resp, err = http.Post(open.srv.URL+"/rest/shipment/v3/edi/labels/zpl?apikey=", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("open sandbox with an empty key: %d, want 403", resp.StatusCode)
	}
}

func TestFailRate(t *testing.T) {
	r := newRig(t, sandbox.Options{FailRate: 1})
	_, err := r.client.Book(context.Background(), booking())
	ce := kindOf(t, err, carrier.KindUnavailable)
	if ce.HTTPStatus != 503 {
		t.Errorf("HTTP %d", ce.HTTPStatus)
	}
	if n := len(r.sb.Bookings()); n != 0 {
		t.Errorf("%d bookings recorded on a 503", n)
	}

	// A partial rate is seeded: the same seed fails the same requests.
	outcomes := func(seed int64) string {
		r := newRig(t, sandbox.Options{FailRate: 0.5, Seed: seed})
		var s strings.Builder
		for range 24 {
			if _, err := r.client.Book(context.Background(), booking()); err != nil {
				kindOf(t, err, carrier.KindUnavailable)
				s.WriteByte('x')
			} else {
				s.WriteByte('.')
			}
		}
		if got, want := len(r.sb.Bookings()), strings.Count(s.String(), "."); got != want {
			t.Errorf("%d bookings recorded for %d successes", got, want)
		}
		return s.String()
	}
	a, b := outcomes(7), outcomes(7)
	if a != b {
		t.Errorf("same seed, different outcomes: %s vs %s", a, b)
	}
	if !strings.Contains(a, "x") || !strings.Contains(a, ".") {
		t.Errorf("fail rate 0.5 gave %s", a)
	}
}

func TestDropAfterCommit(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	if err := r.sb.SetFaults(sandbox.Faults{DropAfterCommit: true}); err != nil {
		t.Fatal(err)
	}
	_, err := r.client.Book(context.Background(), booking())
	kindOf(t, err, carrier.KindUnknownOutcome)
	recs := r.sb.Bookings()
	if len(recs) != 1 {
		t.Fatalf("%d bookings recorded, want 1: the booking was committed before the answer was lost", len(recs))
	}
	// The booking exists: looking it up finds it, which is how the outbox
	// resolves an unknown outcome.
	tr, err := r.client.Track(context.Background(), recs[0].ItemIDs[0])
	if err != nil {
		t.Fatalf("Track of the dropped booking: %v", err)
	}
	if tr.Status != carrier.StatusCreated {
		t.Errorf("status %s", tr.Status)
	}
}

// stepped forces the sandbox's original story: one event per TrackingStep.
func stepped(string) sandbox.Story { return sandbox.StoryStepped }

func TestTrackingAdvances(t *testing.T) {
	step := 30 * time.Minute
	r := newRig(t, sandbox.Options{TrackingStep: step, Story: stepped})
	// Within the EU: no customs stop (TestTrackingCustomsAndFailedAttempt
	// has those).
	toDK := booking()
	toDK.Receiver = carrier.Address{Name: "Søren Ødegård", Street1: "Havnevej 5", Postcode: "5935", City: "Bagenkop", Country: "DK", Phone: "+4520123456"}
	collect, err := r.client.Book(context.Background(), toDK) // 19 to a service point
	if err != nil {
		t.Fatal(err)
	}
	home := toDK
	home.Service = carrier.Service{Code: "17", Additional: []string{"C7"}}
	homeB, err := r.client.Book(context.Background(), home)
	if err != nil {
		t.Fatal(err)
	}

	type want struct {
		status carrier.Status
		events int
	}
	track := func(id string, w want) {
		t.Helper()
		tr, err := r.client.Track(context.Background(), id)
		if err != nil {
			t.Fatalf("Track(%s): %v", id, err)
		}
		if tr.Status != w.status || len(tr.Events) != w.events {
			t.Fatalf("Track(%s) at +%v = %s with %d events, want %s with %d", id, r.clock.Now().Sub(bookedAt), tr.Status, len(tr.Events), w.status, w.events)
		}
		for i, e := range tr.Events {
			// Event times travel as zone-less Stockholm time and must come
			// back as the same instant.
			if at := bookedAt.Add(time.Duration(i) * step); !e.Time.Equal(at) {
				t.Errorf("event %d at %v, want %v", i, e.Time, at)
			}
			if e.ItemID != id || e.Country == "" || e.CarrierCode == "" {
				t.Errorf("event %d = %+v", i, e)
			}
		}
	}
	track(collect.ItemIDs[0], want{carrier.StatusCreated, 1})
	r.clock.Advance(step)
	track(collect.ItemIDs[0], want{carrier.StatusInTransit, 2})
	r.clock.Advance(step)
	track(collect.ItemIDs[1], want{carrier.StatusInTransit, 3})
	r.clock.Advance(step)
	track(collect.ItemIDs[0], want{carrier.StatusAtServicePoint, 4})
	track(homeB.ItemIDs[0], want{carrier.StatusOutForDelivery, 4})
	r.clock.Advance(step)
	track(collect.ItemIDs[0], want{carrier.StatusDelivered, 5})
	track(homeB.ItemIDs[0], want{carrier.StatusDelivered, 5})
	r.clock.Advance(10 * step)
	track(homeB.ItemIDs[0], want{carrier.StatusDelivered, 5})

	tr, _ := r.client.Track(context.Background(), collect.ItemIDs[0])
	if tr.Events[0].Country != "SE" || tr.Events[4].Country != "DK" {
		t.Errorf("countries %s → %s, want SE → DK", tr.Events[0].Country, tr.Events[4].Country)
	}

	_, err = r.client.Track(context.Background(), "00373500450000000000")
	kindOf(t, err, carrier.KindNotFound)
}

func TestLatency(t *testing.T) {
	const latency = 50 * time.Millisecond
	r := newRig(t, sandbox.Options{Latency: latency})
	start := time.Now()
	b, err := r.client.Book(context.Background(), booking())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < latency {
		t.Errorf("booking took %v, latency is %v", d, latency)
	}
	start = time.Now()
	if _, err := r.client.Track(context.Background(), b.ItemIDs[0]); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < latency {
		t.Errorf("tracking took %v, latency is %v", d, latency)
	}

	// Without latency the same booking is much faster.
	fast := newRig(t, sandbox.Options{})
	start = time.Now()
	if _, err := fast.client.Book(context.Background(), booking()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= latency {
		t.Logf("a booking without latency took %v (slow machine?)", d)
	}
}

func TestFaultsEndpoint(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	post := func(body string) (int, string) {
		resp, err := http.Post(r.srv.URL+"/_sandbox/faults", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(`{"latency":"300ms","fail_rate":0.2,"drop_after_commit":true}`); code != 200 {
		t.Fatalf("POST faults: %d %s", code, body)
	}
	if f := r.sb.Faults(); f.Latency != 300*time.Millisecond || f.FailRate != 0.2 || !f.DropAfterCommit {
		t.Errorf("faults %+v", f)
	}
	resp, err := http.Get(r.srv.URL + "/_sandbox/faults")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.TrimSpace(string(got)) != `{"latency":"300ms","fail_rate":0.2,"drop_after_commit":true}` {
		t.Errorf("GET faults = %s", got)
	}
	for _, bad := range []string{`{"fail_rate":1.5}`, `{"latency":"soon"}`, `{"latency":"-1s"}`, `{"failrate":0.1}`, `not json`} {
		if code, _ := post(bad); code != 400 {
			t.Errorf("POST %s: %d, want 400", bad, code)
		}
	}
	if f := r.sb.Faults(); f.Latency != 300*time.Millisecond {
		t.Errorf("a refused POST changed the faults: %+v", f)
	}
	// A POST states every fault: omitted ones are cleared.
	if code, _ := post(`{"fail_rate":0}`); code != 200 {
		t.Fatal("reset refused")
	}
	if f := r.sb.Faults(); !reflect.DeepEqual(f, sandbox.Faults{}) {
		t.Errorf("faults after reset %+v", f)
	}
}

func TestBookingsEndpoint(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	b, err := r.client.Book(context.Background(), booking())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(r.srv.URL + "/_sandbox/bookings")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		RequestID    string          `json:"request_id"`
		Time         time.Time       `json:"time"`
		Service      string          `json:"service"`
		ReceiverName string          `json:"receiver_name"`
		ReceiverCity string          `json:"receiver_city"`
		ItemIDs      []string        `json:"item_ids"`
		Body         json.RawMessage `json:"body"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d bookings", len(list))
	}
	l := list[0]
	if l.RequestID != "req-0001" || l.Service != "19" || l.ReceiverName != "Åsa Ödegård" || l.ReceiverCity != "Tromsø" ||
		strings.Join(l.ItemIDs, ",") != strings.Join(b.ItemIDs, ",") || !l.Time.Equal(bookedAt) || !bytes.Contains(l.Body, []byte(`"basicServiceCode":"19"`)) {
		t.Errorf("listed %+v", l)
	}
}

func TestValidation(t *testing.T) {
	r := newRig(t, sandbox.Options{})

	// Through the client: a service code the client cannot know is wrong.
	req := booking()
	req.Service = carrier.Service{Code: "99"}
	_, err := r.client.Book(context.Background(), req)
	ce := kindOf(t, err, carrier.KindRejected)
	if ce.HTTPStatus != 400 || len(ce.Faults) == 0 || !strings.Contains(ce.Faults[0].Message, "Unknown basic service code") ||
		ce.Faults[0].Field != "shipment[0].service.basicServiceCode" {
		t.Errorf("unknown service: %v %+v", err, ce.Faults)
	}
	req.Service = carrier.Service{Code: "24"}
	_, err = r.client.Book(context.Background(), req)
	kindOf(t, err, carrier.KindRejected)

	// Raw bodies: what a careless client might send.
	post := func(path, body string) (int, string) {
		resp, err := http.Post(r.srv.URL+path+"?apikey=k", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	body := func(mutate func(m map[string]any)) string {
		var m map[string]any
		raw, _ := json.Marshal(map[string]any{
			"messageDate": "2026-09-28T08:40:52Z", "updateIndicator": "Original",
			"shipment": []any{map[string]any{
				"service": map[string]any{"basicServiceCode": "18"},
				"parties": map[string]any{
					"consignor": map[string]any{"issuerCode": "Z12",
						"partyIdentification": map[string]any{"partyId": "20876966", "partyIdType": "160"},
						"party": map[string]any{"nameIdentification": map[string]any{"name": "Shop"},
							"address": map[string]any{"postalCode": "42536", "city": "Göteborg", "countryCode": "SE"}}},
					"consignee": map[string]any{"party": map[string]any{"nameIdentification": map[string]any{"name": "Bo"},
						"address": map[string]any{"streets": []any{"Gata 1"}, "postalCode": "11122", "city": "Stockholm", "countryCode": "SE"}}},
				},
				"goodsItem": []any{map[string]any{"items": []any{map[string]any{"itemIdentification": map[string]any{"itemId": "0"}}}}},
			}},
		})
		json.Unmarshal(raw, &m)
		mutate(m)
		out, _ := json.Marshal(m)
		return string(out)
	}
	consignee := func(m map[string]any) map[string]any {
		return m["shipment"].([]any)[0].(map[string]any)["parties"].(map[string]any)["consignee"].(map[string]any)["party"].(map[string]any)
	}
	item := func(m map[string]any) map[string]any {
		return m["shipment"].([]any)[0].(map[string]any)["goodsItem"].([]any)[0].(map[string]any)["items"].([]any)[0].(map[string]any)
	}
	tests := []struct {
		name, path string
		mutate     func(map[string]any)
		status     int
		contains   string
	}{
		{"valid", "/rest/shipment/v3/edi/labels/zpl", func(map[string]any) {}, 200, `"encoding":"none"`},
		{"missing postal code", "/rest/shipment/v3/edi/labels/zpl", func(m map[string]any) {
			delete(consignee(m)["address"].(map[string]any), "postalCode")
		}, 400, `"param":"shipment[0].parties.consignee.party.address.postalCode"`},
		{"street over 50", "/rest/shipment/v3/edi/labels/zpl", func(m map[string]any) {
			consignee(m)["address"].(map[string]any)["streets"] = []any{strings.Repeat("g", 51)}
		}, 400, `Value is longer than 50 characters`},
		{"deletion", "/rest/shipment/v3/edi/labels/zpl", func(m map[string]any) { m["updateIndicator"] = "Deletion" }, 400, `Only updateIndicator Original`},
		{"no consignee", "/rest/shipment/v3/edi/labels/zpl", func(m map[string]any) {
			delete(m["shipment"].([]any)[0].(map[string]any)["parties"].(map[string]any), "consignee")
		}, 400, `parties.consignee"`},
		{"own valid SSCC", "/rest/shipment/v3/edi/labels/zpl", func(m map[string]any) {
			item(m)["itemIdentification"] = map[string]any{"itemId": "00373500454541020957", "itemIdType": "SSCC"}
		}, 200, `"value":"00373500454541020957"`},
		{"own SSCC with bad check digit", "/rest/shipment/v3/edi/labels/zpl", func(m map[string]any) {
			item(m)["itemIdentification"] = map[string]any{"itemId": "00373500454541020958", "itemIdType": "SSCC"}
		}, 400, `GS1 check digit`},
		{"own S10", "/rest/shipment/v3/edi/labels/pdf", func(m map[string]any) {
			item(m)["itemIdentification"] = map[string]any{"itemId": "CC612199545SE", "itemIdType": "S10"}
		}, 200, `"value":"CC612199545SE"`},
		{"outbound service on the returns endpoint", "/rest/shipment/v3/returns/edi/labels/zpl", func(map[string]any) {}, 400, `not valid for this endpoint`},
		{"not JSON", "/rest/shipment/v3/edi/labels/zpl", nil, 400, `API-001`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := "{not json"
			if tt.mutate != nil {
				b = body(tt.mutate)
			}
			code, got := post(tt.path, b)
			if code != tt.status || !strings.Contains(got, tt.contains) {
				t.Errorf("%d %s\nwant %d containing %s", code, got, tt.status, tt.contains)
			}
		})
	}
}

func TestReturnLabel(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	b := booking()
	ret, err := r.client.ReturnLabel(context.Background(), carrier.ReturnRequest{
		OrderRef: b.OrderRef, Consignor: b.Consignor, Sender: b.Receiver, LabelFormat: carrier.LabelZPL, RequestID: "ret-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ret.ItemIDs) != 1 || !label.ValidSSCC(ret.ItemIDs[0]) || len(ret.Labels) != 1 {
		t.Fatalf("return booking %+v", ret)
	}
	zpl := string(ret.Labels[0].Data)
	from, to := strings.Index(zpl, "Åsa Ödegård"), strings.Index(zpl, "Gamerbulk AB")
	if !strings.Contains(zpl, "Return Drop Off") || from < 0 || to < 0 || from > to {
		t.Errorf("return label should read from the customer to the merchant:\n%s", zpl)
	}
	recs := r.sb.Bookings()
	if len(recs) != 1 || !recs[0].Return || recs[0].Service != "24" || recs[0].RequestID != "ret-1" {
		t.Errorf("recorded %+v", recs)
	}
}

func TestPDFLabel(t *testing.T) {
	r := newRig(t, sandbox.Options{})
	req := booking()
	req.LabelFormat = carrier.LabelPDF
	b, err := r.client.Book(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range b.Labels {
		if l.Format != carrier.LabelPDF || !bytes.HasPrefix(l.Data, []byte("%PDF-1.4")) || !bytes.HasSuffix(l.Data, []byte("%%EOF\n")) {
			t.Errorf("PDF label %s %q…", l.Format, l.Data[:min(20, len(l.Data))])
		}
		// The xref offset must point at the xref table.
		data := string(l.Data)
		i := strings.LastIndex(data, "startxref\n")
		var off int
		fmt.Sscan(data[i+len("startxref\n"):], &off)
		if !strings.HasPrefix(data[off:], "xref\n") {
			t.Errorf("startxref %d does not point at the xref table", off)
		}
		// Nordic letters in WinAnsi octal escapes: Å is \305.
		if !strings.Contains(data, `\305sa \326deg\345rd`) {
			t.Errorf("PDF lacks the receiver name in WinAnsi")
		}
	}
}

func TestConcurrentBookings(t *testing.T) {
	r := newRig(t, sandbox.Options{Latency: time.Millisecond})
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[string]bool{}
	)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := booking()
			req.RequestID = fmt.Sprintf("req-%d", i)
			b, err := r.client.Book(context.Background(), req)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := r.client.Track(context.Background(), b.ItemIDs[0]); err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range b.ItemIDs {
				if ids[id] {
					t.Errorf("id %s allocated twice", id)
				}
				ids[id] = true
			}
		}()
	}
	wg.Wait()
	if len(ids) != 32 || len(r.sb.Bookings()) != 16 {
		t.Errorf("%d ids and %d bookings, want 32 and 16", len(ids), len(r.sb.Bookings()))
	}
}

func TestKeepBookingsBound(t *testing.T) {
	r := newRig(t, sandbox.Options{KeepBookings: 2})
	var last carrier.Booking
	for range 3 {
		var err error
		if last, err = r.client.Book(context.Background(), booking()); err != nil {
			t.Fatal(err)
		}
	}
	recs := r.sb.Bookings()
	if len(recs) != 2 || recs[1].ShipmentID != last.ShipmentID {
		t.Errorf("kept %d bookings, last %q; want the newest 2", len(recs), recs[len(recs)-1].ShipmentID)
	}
}

func TestNewPanicsOnBadOptions(t *testing.T) {
	for _, o := range []sandbox.Options{{CompanyPrefix: "12"}, {FailRate: 2}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%+v) did not panic", o)
				}
			}()
			sandbox.New(o)
		}()
	}
}

// TestTrackingCustomsAndFailedAttempt: a parcel to Norway stops in
// customs for three steps; a home delivery to a postcode ending in 0
// fails once and is delivered on the next round.
func TestTrackingCustomsAndFailedAttempt(t *testing.T) {
	step := time.Hour
	r := newRig(t, sandbox.Options{TrackingStep: step, Story: stepped})
	req := booking()
	req.Service = carrier.Service{Code: "17"}
	req.Receiver.Postcode = "9010"
	b, err := r.client.Book(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	id := b.ItemIDs[0]
	var statuses []carrier.Status
	var codes []string
	for range 12 {
		tr, err := r.client.Track(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(statuses); n == 0 || statuses[n-1] != tr.Status {
			statuses = append(statuses, tr.Status)
		}
		codes = codes[:0]
		for _, e := range tr.Events {
			codes = append(codes, e.CarrierCode)
		}
		r.clock.Advance(step)
	}
	want := []carrier.Status{carrier.StatusCreated, carrier.StatusInTransit, carrier.StatusAwaitingCustoms, carrier.StatusInTransit,
		carrier.StatusOutForDelivery, carrier.StatusException, carrier.StatusOutForDelivery, carrier.StatusDelivered}
	if !reflect.DeepEqual(statuses, want) {
		t.Errorf("statuses over time %v\nwant %v", statuses, want)
	}
	if got := strings.Join(codes, " "); got != "EDI_RECEIVED HANDED_IN CUSTOMS_HOLD CUSTOMS_CLEARED SORTED OUT_FOR_DELIVERY DELIVERY_ATTEMPT_FAILED OUT_FOR_DELIVERY DELIVERED" {
		t.Errorf("events %s", got)
	}
}
