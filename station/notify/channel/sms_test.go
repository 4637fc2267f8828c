package channel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/station/notify"
	"labelstation/store"
)

// A stand-in for 46elks' form API on loopback -------------------------------

// smsGot is one SMS the gateway accepted.
type smsGot struct{ From, To, Message string }

// fakeElks speaks 46elks' send-SMS API: POST /a1/sms, basic auth,
// form fields from, to (E.164), message; 200 with JSON (id, status
// "created", cost …); errors as 4xx with a plain-text reason. answer, when
// set, may answer instead (return false to answer normally). It can be
// stopped (the port refuses) and started again on the same port.
type fakeElks struct {
	t          *testing.T
	user, pass string

	mu       sync.Mutex
	addr     string
	srv      *http.Server
	ln       net.Listener
	answer   func(w http.ResponseWriter, form url.Values) bool
	accepted []smsGot
	requests int // requests that reached the handler with good credentials
	badAuth  int
	release  chan struct{} // closed at cleanup: hung handlers return
}

func newFakeElks(t *testing.T) *fakeElks {
	f := &fakeElks{t: t, user: "u1234567890abcdef", pass: "elks-api-password", release: make(chan struct{})}
	f.start("127.0.0.1:0")
	t.Cleanup(func() {
		close(f.release)
		f.stop()
	})
	return f
}

func (f *fakeElks) start(addr string) {
	f.t.Helper()
	var l net.Listener
	var err error
	for range 50 {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		f.t.Fatalf("gateway listen %s: %v", addr, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 5 * time.Second}
	f.mu.Lock()
	f.srv, f.ln, f.addr = srv, l, l.Addr().String()
	f.mu.Unlock()
	go srv.Serve(l) //nolint:errcheck // ends with Close
}

func (f *fakeElks) stop() {
	f.mu.Lock()
	srv, ln := f.srv, f.ln
	f.srv, f.ln = nil, nil
	f.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	if srv != nil {
		srv.Close()
	}
}

func (f *fakeElks) restart() { f.stop(); f.start(f.addr) }

func (f *fakeElks) url() string { return "http://" + f.addr + "/a1/sms" }

func (f *fakeElks) setAnswer(a func(w http.ResponseWriter, form url.Values) bool) {
	f.mu.Lock()
	f.answer = a
	f.mu.Unlock()
}

func (f *fakeElks) got() []smsGot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]smsGot(nil), f.accepted...)
}

func (f *fakeElks) counts() (requests, badAuth int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.badAuth
}

func (f *fakeElks) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/a1/sms" {
		http.Error(w, "Not found", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != f.user || pass != f.pass {
		f.mu.Lock()
		f.badAuth++
		f.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "Invalid credentials") //nolint:errcheck
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		http.Error(w, "Unsupported content type "+ct, http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad form", http.StatusBadRequest)
		return
	}
	form := r.PostForm
	f.mu.Lock()
	f.requests++
	answer := f.answer
	f.mu.Unlock()
	if answer != nil && answer(w, form) {
		return
	}
	to, from, msg := form.Get("to"), form.Get("from"), form.Get("message")
	switch {
	case !e164(to):
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "Invalid to number") //nolint:errcheck
		return
	case from == "":
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "Missing key from") //nolint:errcheck
		return
	case msg == "":
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "Missing key message") //nolint:errcheck
		return
	}
	f.mu.Lock()
	f.accepted = append(f.accepted, smsGot{From: from, To: to, Message: msg})
	n := len(f.accepted)
	f.mu.Unlock()
	sum := sha256.Sum256([]byte(fmt.Sprint(to, msg, n)))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck
		"status": "created", "direction": "outgoing", "from": from, "to": to,
		"created": "2026-03-10T08:15:02.123000", "parts": 1, "estimated_cost": 5200,
		"message": msg, "id": "s" + hex.EncodeToString(sum[:16]),
	})
}

func e164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' || strings.HasPrefix(s, "+999") { // +999: no such country

		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// hangAfterReading answers nothing until the test ends: the request was
// read in full (the gateway "has" the SMS), the answer never comes.
func (f *fakeElks) hangAfterReading(w http.ResponseWriter, form url.Values) bool {
	f.mu.Lock()
	f.accepted = append(f.accepted, smsGot{From: form.Get("from"), To: form.Get("to"), Message: form.Get("message")})
	f.mu.Unlock()
	<-f.release
	return true
}

func smsConfig(f *fakeElks) SMSConfig {
	return SMSConfig{URL: f.url(), Username: f.user, Password: f.pass, From: "Nordpack", Timeout: 2 * time.Second}
}

func newSMS(t *testing.T, cfg SMSConfig) *SMS {
	t.Helper()
	s, err := NewSMS(cfg)
	if err != nil {
		t.Fatalf("NewSMS: %v", err)
	}
	return s
}

func smsOutgoing(to, text string) notify.Outgoing {
	return notify.Outgoing{Rule: "out-for-delivery", Trigger: notify.TriggerOutForDelivery, OrderRef: "NP-10482",
		Channel: notify.ChannelSMS, Language: "sv", To: to, Name: "Åsa Öberg", Text: text}
}

// tests ----------------------------------------------------------------

func TestSMS46elksFormAPI(t *testing.T) {
	f := newFakeElks(t)
	s := newSMS(t, smsConfig(f))
	o := smsOutgoing("070-123 45 67", "Hej Åsa! Ditt paket från Nordpack kommer i dag. Spåra: https://pnt.se/x1")
	answer, err := s.Send(context.Background(), testMessage("sms/1", store.ChannelSMS, o), o)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := f.got()
	if len(got) != 1 || got[0].To != "+46701234567" || got[0].From != "Nordpack" || got[0].Message != o.Text {
		t.Fatalf("gateway got %+v", got)
	}
	var a struct{ ID, Status string }
	if err := json.Unmarshal([]byte(answer), &a); err != nil || a.Status != "created" || !strings.HasPrefix(a.ID, "s") {
		t.Errorf("answer %q: want 46elks' JSON with id and status", answer)
	}
	if _, bad := f.counts(); bad != 0 {
		t.Errorf("%d requests with bad credentials", bad)
	}
}

func TestSMSOutcomes(t *testing.T) {
	f := newFakeElks(t)
	cfg := smsConfig(f)
	cfg.Timeout = 400 * time.Millisecond
	o := smsOutgoing("+46701234567", "Ditt paket är framme.")
	m := testMessage("sms/2", store.ChannelSMS, o)
	status := func(code int, body string, header ...string) func(http.ResponseWriter, url.Values) bool {
		return func(w http.ResponseWriter, _ url.Values) bool {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(code)
			io.WriteString(w, body) //nolint:errcheck
			return true
		}
	}
	cases := []struct {
		name       string
		answer     func(http.ResponseWriter, url.Values) bool
		cfg        func(*SMSConfig)
		to         string
		kind       Kind
		status     int
		retryAfter time.Duration
		says       string
	}{
		{name: "429 with Retry-After", answer: status(429, "Too many requests", "Retry-After", "7"), kind: NotSent, status: 429, retryAfter: 7 * time.Second, says: "trying again later"},
		{name: "503", answer: status(503, "Down for maintenance"), kind: NotSent, status: 503, says: "did not take the SMS"},
		{name: "500", answer: status(500, "Internal error"), kind: Unknown, status: 500, says: "may have been sent"},
		{name: "504 from a proxy", answer: status(504, "Gateway Timeout"), kind: Unknown, status: 504, says: "may have been sent"},
		{name: "400 bad number", answer: status(400, "Invalid to number"), kind: Refused, status: 400, says: "Invalid to number"},
		{name: "403 as 46elks refuses", to: "+99912345678", kind: Refused, status: 403, says: "Invalid to number"},
		{name: "401 bad credentials", cfg: func(c *SMSConfig) { c.Password = "wrong" }, kind: Refused, status: 401, says: SMSPasswordEnv},
		{name: "402 no credit", answer: status(402, "Not enough credits"), kind: Refused, status: 402, says: "top it up"},
		{name: "404 wrong url", cfg: func(c *SMSConfig) { c.URL = strings.TrimSuffix(c.URL, "/a1/sms") + "/a1/SMSX" }, kind: Refused, status: 404, says: "[notify.sms] url"},
		{name: "hang after reading", answer: f.hangAfterReading, kind: Unknown, says: "answer was lost"},
		{name: "not a number", to: "ring ej", kind: Refused, says: "cannot be a phone number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.setAnswer(c.answer)
			cc := cfg
			if c.cfg != nil {
				c.cfg(&cc)
			}
			oo := o
			if c.to != "" {
				oo.To = c.to
			}
			_, err := newSMS(t, cc).Send(context.Background(), m, oo)
			if KindOf(err) != c.kind {
				t.Fatalf("kind %v (%v), want %v", KindOf(err), err, c.kind)
			}
			var e *Error
			errors.As(err, &e)
			if e.Status != c.status || e.RetryAfter != c.retryAfter {
				t.Errorf("status %d retry-after %s, want %d %s", e.Status, e.RetryAfter, c.status, c.retryAfter)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not say %q", err, c.says)
			}
			if strings.Contains(err.Error(), f.pass) {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}

	// Nothing listening: not sent, the channel is unreachable.
	f.setAnswer(nil)
	f.stop()
	_, err := newSMS(t, cfg).Send(context.Background(), m, o)
	if KindOf(err) != Unreachable || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("closed port: kind %v, err %v", KindOf(err), err)
	}
}

func TestSMSCustomProvider(t *testing.T) {
	var mu sync.Mutex
	var gotBody map[string]string
	var gotHeader http.Header
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		gotHeader = r.Header.Clone()
		json.NewDecoder(r.Body).Decode(&gotBody) //nolint:errcheck
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"messageId":"m-1","accepted":true}`) //nolint:errcheck
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l) //nolint:errcheck
	t.Cleanup(func() { srv.Close() })
	t.Setenv(SMSPasswordEnv, "tok-123")
	s := newSMS(t, SMSConfig{
		Provider: "custom", URL: "http://" + l.Addr().String() + "/v1/messages", From: "+46766861004",
		ContentType: "json",
		Fields:      map[string]string{"destination": "{to_digits}", "originator": "{from}", "body": "{text}", "reference": "{id}"},
		Headers:     map[string]string{"Authorization": "Bearer {password}", "Idempotency-Key": "{id}"},
		Country:     "NO",
	})
	o := smsOutgoing("912 34 567", "Pakken din er på vei.")
	answer, err := s.Send(context.Background(), testMessage("sms/custom/1", store.ChannelSMS, o), o)
	if err != nil || !strings.Contains(answer, "m-1") {
		t.Fatalf("Send: %q, %v", answer, err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string]string{"destination": "4791234567", "originator": "+46766861004", "body": "Pakken din er på vei.", "reference": "sms/custom/1"}
	for k, v := range want {
		if gotBody[k] != v {
			t.Errorf("field %s = %q, want %q", k, gotBody[k], v)
		}
	}
	if gotHeader.Get("Authorization") != "Bearer tok-123" || gotHeader.Get("Idempotency-Key") != "sms/custom/1" || gotHeader.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", gotHeader)
	}
}

func TestNewSMSNamesTheKey(t *testing.T) {
	t.Setenv(SMSPasswordEnv, "")
	ok := SMSConfig{Username: "u1", Password: "p1", From: "Nordpack"}
	cases := []struct {
		change func(*SMSConfig)
		says   string
	}{
		{func(c *SMSConfig) { c.Provider = "twilio" }, "[notify.sms] provider"},
		{func(c *SMSConfig) { c.Username = "" }, "[notify.sms] username"},
		{func(c *SMSConfig) { c.Password = "" }, SMSPasswordEnv},
		{func(c *SMSConfig) { c.From = "" }, "[notify.sms] from"},
		{func(c *SMSConfig) { c.From = "Nordpack Webbutik" }, "[notify.sms] from"},
		{func(c *SMSConfig) { c.URL = "http://sms.example.com/a1/sms" }, "https://"},
		{func(c *SMSConfig) { c.Fields = map[string]string{"to": "{to}"} }, "provider = \"custom\""},
		{func(c *SMSConfig) { c.Provider = "custom" }, "[notify.sms] url"},
		{func(c *SMSConfig) {
			c.Provider, c.URL, c.Fields = "custom", "https://sms.example.com/send", map[string]string{"to": "{to}", "text": "{message}"}
		}, "{message}"},
		{func(c *SMSConfig) {
			c.Provider, c.URL, c.Fields = "custom", "https://sms.example.com/send", map[string]string{"text": "{text}"}
		}, "{to}"},
		{func(c *SMSConfig) {
			c.Provider, c.URL, c.Fields, c.ContentType = "custom", "https://sms.example.com/send", map[string]string{"to": "{to}", "text": "{text}"}, "xml"
		}, "[notify.sms] content_type"},
		{func(c *SMSConfig) { c.Country = "XX" }, "[notify.sms] country"},
	}
	for _, c := range cases {
		cfg := ok
		c.change(&cfg)
		_, err := NewSMS(cfg)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("config %+v: error %v, want one naming %q", cfg, err, c.says)
		}
	}
	s, err := NewSMS(ok)
	if err != nil || s.cfg.URL != URL46elks || s.cfg.Provider != Provider46elks || s.cfg.Country != "SE" {
		t.Errorf("defaults: %+v, %v", s, err)
	}
	t.Setenv(SMSPasswordEnv, "from-env")
	cfg := ok
	cfg.Password = ""
	if s, err := NewSMS(cfg); err != nil || s.cfg.Password != "from-env" {
		t.Errorf("password from %s: %v", SMSPasswordEnv, err)
	}
}

func TestNormalizePhone(t *testing.T) {
	cases := []struct{ raw, country, want string }{
		{"+46701234567", "", "+46701234567"},
		{"+46 70-123 45 67", "NO", "+46701234567"},
		{"0046701234567", "", "+46701234567"},
		{"070-123 45 67", "SE", "+46701234567"},
		{"070 123 45 67", "se", "+46701234567"},
		{"46701234567", "SE", "+46701234567"},
		{"+46 (0)70 123 45 67", "", "+46701234567"},
		{"912 34 567", "NO", "+4791234567"},
		{"+47 912 34 567", "SE", "+4791234567"},
		{"20 12 34 56", "DK", "+4520123456"},
		{"040 123 4567", "FI", "+358401234567"},
		{"+358 40 123 4567", "", "+358401234567"},
		{"0151 2345678", "DE", "+491512345678"},
	}
	for _, c := range cases {
		got, err := NormalizePhone(c.raw, c.country)
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", c.raw, c.country, got, err, c.want)
		}
	}
	for _, c := range []struct{ raw, country string }{
		{"", "SE"}, {"ring ej", "SE"}, {"070-123 45 67", ""}, {"070-123 45 67", "US"},
		{"12345", "SE"}, {"+46", ""}, {"+0701234567", ""}, {"+4670123456789012", ""},
		{"91234567x", "NO"}, {"1234567", "NO"},
	} {
		if got, err := NormalizePhone(c.raw, c.country); err == nil {
			t.Errorf("NormalizePhone(%q, %q) = %q, want an error", c.raw, c.country, got)
		}
	}
}
