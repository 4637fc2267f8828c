package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"labelstation/assets"
	"labelstation/carrier/sandbox"
)

// Notifications end to end, through the real binary: PostNord is the
// in-process sandbox on a clock the test moves, e-mail goes to a real SMTP
// server on loopback (github.com/emersion/go-smtp), SMS to a stand-in for
// 46elks' form API. Station processes are killed at random moments while
// they send, and the SMS gateway is down for a while.

// mailCatcher is an SMTP server that keeps every message it accepted.
type mailCatcher struct {
	t     testing.TB
	addr  string
	mu    sync.Mutex
	srv   *gosmtp.Server
	delay time.Duration // before answering the data
	got   []caughtMail
}

type caughtMail struct {
	To      string
	Subject string
	Lang    string
	MsgID   string
	Raw     []byte
}

func newMailCatcher(t testing.TB) *mailCatcher {
	c := &mailCatcher{t: t}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.addr = ln.Addr().String()
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &catcherSession{c: c}, nil }))
	srv.Domain = "mx.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	c.srv = srv
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return c
}

func (c *mailCatcher) setDelay(d time.Duration) { c.mu.Lock(); c.delay = d; c.mu.Unlock() }

func (c *mailCatcher) port() string { _, p, _ := net.SplitHostPort(c.addr); return p }

func (c *mailCatcher) mails() []caughtMail {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]caughtMail(nil), c.got...)
}

type catcherSession struct {
	c  *mailCatcher
	to string
}

func (s *catcherSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *catcherSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = to
	return nil
}
func (s *catcherSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.c.mu.Lock()
	delay := s.c.delay
	s.c.mu.Unlock()
	time.Sleep(delay)
	m := caughtMail{To: s.to, Raw: raw}
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.Subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		m.Lang, m.MsgID = msg.Header.Get("Content-Language"), msg.Header.Get("Message-Id")
	}
	s.c.mu.Lock()
	s.c.got = append(s.c.got, m)
	s.c.mu.Unlock()
	return nil
}
func (s *catcherSession) Reset()        {}
func (s *catcherSession) Logout() error { return nil }

// smsGateway stands in for 46elks' form API (POST /a1/sms with basic
// auth; from, to, message) and can be down (nothing listens).
type smsGateway struct {
	t     testing.TB
	addr  string
	mu    sync.Mutex
	srv   *http.Server
	got   []url.Values
	n     int
	delay time.Duration // before answering
}

func (g *smsGateway) setDelay(d time.Duration) { g.mu.Lock(); g.delay = d; g.mu.Unlock() }

func newSMSGateway(t testing.TB) *smsGateway {
	g := &smsGateway{t: t, addr: freeAddr(t)}
	g.up()
	t.Cleanup(g.down)
	return g
}

func (g *smsGateway) up() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.srv != nil {
		return
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", g.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		g.t.Fatalf("sms gateway: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /a1/sms", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "u-test" || p != "sms-secret" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		delay := g.delay
		g.mu.Unlock()
		time.Sleep(delay)
		g.mu.Lock()
		g.got = append(g.got, r.PostForm)
		g.n++
		id := fmt.Sprintf("s%08d", g.n)
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"created","direction":"outgoing","from":%q,"to":%q,"id":%q,"parts":1,"cost":3500}`, r.PostForm.Get("from"), r.PostForm.Get("to"), id)
	})
	g.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go g.srv.Serve(ln)
}

func (g *smsGateway) down() {
	g.mu.Lock()
	srv := g.srv
	g.srv = nil
	g.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (g *smsGateway) messages() []url.Values {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]url.Values(nil), g.got...)
}

const notifyConfig = demoConsignorTOML + `
[postnord]
url = "http://$SANDBOX_ADDR"
apikey = "notify-test-key"

[station]
default_service = "17"

[outbox]
lookup_grace = "0s"

[notify]
shop_name = "Nordpack"
quiet_hours = "$QUIET"

[notify.email]
host = "127.0.0.1"
port = $SMTP_PORT
security = "none"
from = "Nordpack <kundservice@nordpack.example>"

[notify.sms]
provider = "46elks"
url = "http://$SMS_ADDR/a1/sms"
username = "u-test"
from = "Nordpack"
`

type notifyRig struct {
	*rig
	mails *mailCatcher
	sms   *smsGateway
	clock *sandboxClock
}

func newNotifyRig(t *testing.T, quiet string) *notifyRig {
	t.Helper()
	clock := &sandboxClock{}
	mails, sms := newMailCatcher(t), newSMSGateway(t)
	cfg := strings.NewReplacer("$SMTP_PORT", mails.port(), "$SMS_ADDR", sms.addr, "$QUIET", quiet).Replace(notifyConfig)
	r := newRig(t, rigOptions{
		sandbox: sandbox.Options{Now: clock.now, TrackingStep: time.Hour,
			Story: func(string) sandbox.Story { return sandbox.StoryStepped }},
		config: cfg,
	})
	r.env = append(r.env, "LABELSTATION_SMS_PASSWORD=sms-secret")
	setup := r.dir + "/notify.toml"
	if err := os.WriteFile(setup, assets.DemoNotifyTOML, 0o644); err != nil {
		t.Fatal(err)
	}
	r.mustRun("notify", "import", setup)
	// One receiver per language: by country, and one who asked for English.
	csv := "order_ref,name,street1,postcode,city,country,email,phone,language,item_description,item_quantity,item_value,item_currency,item_hs_code,item_origin,item_weight_kg\n" +
		"N-SE,Åsa Öberg,Storgatan 1,11455,Stockholm,SE,asa@example.se,070-123 45 67,,Mössa,1,249,SEK,650500,SE,0.2\n" +
		"N-NO,Øyvind Ærø,Kongens gate 3,7011,Trondheim,NO,oyvind@example.no,+4791234567,,Lue,1,249,NOK,650500,SE,0.2\n" +
		"N-DK,Mette Kjær,Østergade 27,8000,Aarhus C,DK,mette@example.dk,+4520123456,,Hue,1,249,DKK,650500,SE,0.2\n" +
		"N-FI,Jyrki Mäkelä,Hämeenkatu 8,33100,Tampere,FI,jyrki@example.fi,+358401234567,,Pipo,1,29,EUR,650500,SE,0.2\n" +
		"N-EN,John Smith,Drottninggatan 5,11151,Stockholm,SE,john@example.com,+46731112233,en,Cap,1,249,SEK,650500,SE,0.2\n"
	orders := r.dir + "/orders.csv"
	if err := os.WriteFile(orders, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	r.mustRun("orders", "import", orders)
	return &notifyRig{rig: r, mails: mails, sms: sms, clock: clock}
}

// wantLanguage is a word each language's "on its way" subject has.
var wantLanguage = map[string]string{"N-SE": "är på väg", "N-NO": "er på vei", "N-DK": "er på vej", "N-FI": "on matkalla", "N-EN": "is on its way"}

// TestNotificationsReachTheRightPeopleOnce: with two rules enabled (on its
// way, e-mail and SMS to the receiver; delivered, e-mail to Swedish
// receivers), every receiver gets each message once, in their language,
// while the SMS gateway is down for a while and senders are killed at
// random moments; nobody gets anything twice.
func TestNotificationsReachTheRightPeopleOnce(t *testing.T) {
	r := newNotifyRig(t, "off")
	seed := envInt(t, "LABELSTATION_CRASH_SEED", time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9071))
	// New rules are disabled; a preview on a real shipment first.
	refs := []string{"N-SE", "N-NO", "N-DK", "N-FI", "N-EN"}
	printer := "tcp://" + r.sink.Addr()
	for _, ref := range refs {
		r.mustRun("pack", ref, "--weight", "700g", "--printer", printer)
	}
	res := r.mustRun("notify", "preview", "on-its-way", "N-NO")
	if !strings.Contains(res.stdout, "er på vei") || !strings.Contains(res.stdout, "+4791234567") {
		t.Fatalf("preview:\n%s", res)
	}
	r.mustRun("notify", "enable", "on-its-way")
	r.mustRun("notify", "enable", "delivered-se")

	// The parcels travel to the door while the SMS gateway is away: the
	// messages queue (e-mails go out with the first syncs).
	r.sms.down()
	for step := 0; step < 8; step++ {
		r.clock.advance(time.Hour)
		r.mustRun("track", "sync", "--all")
		if step == 2 {
			r.run("notify", "sync", "--timeout", "10s")
		}
	}
	// Back, but slow: senders are killed at random moments, many of them
	// while a message is on the wire.
	r.sms.up()
	r.mails.setDelay(120 * time.Millisecond)
	r.sms.setDelay(120 * time.Millisecond)
	kills := 0
	for i := 0; i < 10; i++ {
		delay := time.Duration(rng.Int64N(int64(300 * time.Millisecond)))
		if i == 0 {
			// The first lands while the first messages are on the wire
			// (each takes 120 ms to be answered), whatever the draws.
			delay = 20*time.Millisecond + time.Duration(rng.Int64N(int64(80*time.Millisecond)))
		}
		res, killed, _, _ := r.runMaybeKill([]string{"notify", "sync", "--timeout", "20s"}, i < 8, delay)
		if killed {
			kills++
		}
		t.Logf("notify sync %d: killed=%v after %s: %s", i+1, killed, delay, firstLine(res.stdout+res.stderr))
	}
	r.mails.setDelay(0)
	r.sms.setDelay(0)
	r.run("notify", "sync")

	// What the log says: no message waits for the network; one that a
	// kill cut mid-send is unknown — it may have arrived — and is never
	// sent again by itself.
	res = r.mustRun("notify", "log", "--json")
	var entries []struct {
		Seq      uint64 `json:"seq"`
		Rule     string `json:"rule"`
		OrderRef string `json:"order_ref"`
		Channel  string `json:"channel"`
		To       string `json:"to"`
		Subject  string `json:"subject"`
		Text     string `json:"text"`
		State    string `json:"state"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &entries); err != nil {
		t.Fatalf("log: %v\n%s", err, res)
	}
	// What arrived, by what identifies a message on each wire.
	arrived := map[string]int{}
	for _, m := range r.mails.mails() {
		arrived["email "+m.To+" "+m.Subject]++
	}
	for _, v := range r.sms.messages() {
		if v.Get("from") != "Nordpack" {
			t.Errorf("SMS from %q", v.Get("from"))
		}
		arrived["sms "+v.Get("to")+" "+v.Get("message")]++
	}
	unknown := 0
	logged := map[string]bool{} // "rule channel order"
	for _, e := range entries {
		logged[e.Rule+" "+e.Channel+" "+e.OrderRef] = true
		key := e.Channel + " " + e.To + " " + e.Subject
		if e.Channel == "sms" {
			key = e.Channel + " " + e.To + " " + e.Text
		}
		n := arrived[key]
		delete(arrived, key)
		switch e.State {
		case "sent":
			if n != 1 {
				t.Errorf("message %d (%s %s to %s) is sent and arrived %d times", e.Seq, e.Rule, e.Channel, e.To, n)
			}
		case "unknown":
			unknown++
			if n > 1 {
				t.Errorf("message %d (%s %s to %s) is unknown and arrived %d times: it was sent again", e.Seq, e.Rule, e.Channel, e.To, n)
			}
		default:
			t.Errorf("message %d (%s %s to %s) is %s after the final sync", e.Seq, e.Rule, e.Channel, e.To, e.State)
		}
	}
	for key, n := range arrived {
		t.Errorf("%d message(s) arrived that the log does not have: %s", n, key)
	}
	// A kill cuts at most what is in flight: 4 per channel.
	if unknown > 8*kills {
		t.Errorf("%d messages unknown but only %d kills", unknown, kills)
	}
	for _, ref := range refs {
		for _, want := range []string{"on-its-way email " + ref, "on-its-way sms " + ref} {
			if !logged[want] {
				t.Errorf("no %s in the log", want)
			}
		}
		if (ref == "N-SE" || ref == "N-EN") != logged["delivered-se email "+ref] {
			t.Errorf("delivered-se for %s: in the log %v, want only for Swedish receivers", ref, logged["delivered-se email "+ref])
		}
	}
	// Each receiver in their language (the national number read as
	// Swedish), and nobody else.
	byTo := map[string]string{"asa@example.se": "N-SE", "oyvind@example.no": "N-NO", "mette@example.dk": "N-DK", "jyrki@example.fi": "N-FI",
		"john@example.com": "N-EN", "+46701234567": "N-SE", "+4791234567": "N-NO", "+4520123456": "N-DK", "+358401234567": "N-FI", "+46731112233": "N-EN"}
	for _, e := range entries {
		ref := byTo[e.To]
		if ref != e.OrderRef {
			t.Errorf("message %d for %s went to %s", e.Seq, e.OrderRef, e.To)
		}
		if e.Rule == "on-its-way" && !strings.Contains(e.Subject+e.Text, wantLanguage[ref]) {
			t.Errorf("message %d to %s (%s) is not in its language: %q %q", e.Seq, e.To, ref, e.Subject, e.Text)
		}
	}
	t.Logf("%d messages: %d e-mails and %d SMS arrived; %d kills, %d unknown", len(entries), len(r.mails.mails()), len(r.sms.messages()), kills, unknown)
}

// TestQuietHoursHoldMessages: a message made during quiet hours is queued
// but not sent; the log says until when.
func TestQuietHoursHoldMessages(t *testing.T) {
	now := time.Now()
	quiet := fmt.Sprintf("%s-%s", now.Add(-time.Hour).Format("15:04"), now.Add(time.Hour).Format("15:04"))
	r := newNotifyRig(t, quiet)
	r.mustRun("pack", "N-SE", "--weight", "700g", "--printer", "tcp://"+r.sink.Addr())
	r.mustRun("notify", "enable", "on-its-way")
	for i := 0; i < 3; i++ {
		r.clock.advance(time.Hour)
		r.mustRun("track", "sync", "--all")
	}
	r.mustRun("notify", "sync")
	if n := len(r.mails.mails()) + len(r.sms.messages()); n != 0 {
		t.Fatalf("%d messages sent during quiet hours", n)
	}
	res := r.mustRun("notify", "log")
	held := "held for quiet hours until " + now.Add(time.Hour).Format("15:04")
	if strings.Count(res.stdout, held) != 2 {
		t.Fatalf("the log should show the e-mail and the SMS %s:\n%s", held, res)
	}
}
