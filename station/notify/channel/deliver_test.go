package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/station/notify"
	"labelstation/store"
)

// helpers --------------------------------------------------------------

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return st
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func fastConfig(clock *fakeClock) Config {
	cfg := Config{Concurrency: 3, MinBackoff: 20 * time.Millisecond, MaxBackoff: 80 * time.Millisecond,
		PollEvery: 40 * time.Millisecond, Logger: quiet()}
	if clock != nil {
		cfg.Now = clock.Now
	}
	return cfg
}

// mail and text queue one e-mail / SMS as notify would: the rendered
// Outgoing as the body, its id unique per (rule, shipment, trigger,
// channel, recipient).
func mailMsg(ref, to, name, subject string) store.Message {
	o := notify.Outgoing{Rule: "on-the-way", Trigger: notify.TriggerFirstTransport, OrderRef: ref, Channel: notify.ChannelEmail,
		Language: "sv", To: to, Name: name, Subject: subject,
		Text: "Hej " + name + "! Ditt paket " + ref + " är på väg.",
		HTML: `<p><img src="cid:logo" alt=""></p><p>Hej ` + name + `! Ditt paket ` + ref + ` är på väg.</p>`}
	b, _ := json.Marshal(o)
	return store.Message{ID: "notify/on-the-way/" + ref + "/first_transport/email/" + to, Channel: store.ChannelEmail,
		Type: string(o.Trigger), OrderRef: ref, Body: b, Created: time.Now()}
}

func textMsg(ref, to, text string) store.Message {
	o := notify.Outgoing{Rule: "out-for-delivery", Trigger: notify.TriggerOutForDelivery, OrderRef: ref, Channel: notify.ChannelSMS,
		Language: "sv", To: to, Text: text}
	b, _ := json.Marshal(o)
	return store.Message{ID: "notify/out-for-delivery/" + ref + "/out_for_delivery/sms/" + to, Channel: store.ChannelSMS,
		Type: string(o.Trigger), OrderRef: ref, Body: b, Created: time.Now()}
}

func queue(t *testing.T, st *store.Store, msgs ...store.Message) []store.Message {
	t.Helper()
	if _, err := st.PutMessages(msgs...); err != nil {
		t.Fatalf("queue: %v", err)
	}
	out := make([]store.Message, len(msgs))
	for i, m := range msgs {
		out[i] = byID(t, st, m.ID)
	}
	return out
}

func byID(t *testing.T, st *store.Store, id string) store.Message {
	t.Helper()
	m, err := st.MessageByID(id)
	if err != nil {
		t.Fatalf("message %s: %v", id, err)
	}
	return m
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func runInBackground(d *Deliverer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}

// messageIDs are the Message-IDs of what the SMTP server read, in order.
func messageIDs(t *testing.T, s *smtpServer) []string {
	var ids []string
	for _, g := range s.messages() {
		ids = append(ids, parseMail(t, g.Data).Header.Get("Message-Id"))
	}
	return ids
}

func counted(xs []string) map[string]int {
	n := map[string]int{}
	for _, x := range xs {
		n[x]++
	}
	return n
}

// tests ----------------------------------------------------------------

// The right messages reach the right receivers, once each, across an
// outage of both the SMTP server and the SMS gateway.
func TestDeliveredOnceAcrossAnOutage(t *testing.T) {
	mx := newSMTPServer(t, func(s *smtpServer) { s.user, s.pass = "station", "pw" })
	elks := newFakeElks(t)
	st := openStore(t, t.TempDir())
	defer st.Close()
	email := newEmail(t, emailConfig(mx, testLogo(t)))
	sms := newSMS(t, smsConfig(elks))
	d := NewDeliverer(st, map[string]Sender{store.ChannelEmail: email, store.ChannelSMS: sms}, fastConfig(nil))
	st.OnMessages(d.Kick)

	// Both providers are down when the messages are made.
	mx.stop()
	elks.stop()
	first := queue(t, st,
		mailMsg("NP-1", "asa.oberg@example.se", "Åsa Öberg", "Ditt paket är på väg"),
		mailMsg("NP-2", "ola.nordmann@example.no", "Ola Nordmann", "Pakken din er på vei"),
		textMsg("NP-1", "+46701234567", "Hej Åsa! Ditt paket kommer i dag."),
		textMsg("NP-3", "+4791234567", "Hei Ola! Pakken din kommer i dag."),
	)
	stop := runInBackground(d)
	defer stop()
	waitFor(t, 5*time.Second, "both channels offline", func() bool {
		return !d.State(store.ChannelEmail).Online && !d.State(store.ChannelSMS).Online
	})
	for _, m := range first {
		m = byID(t, st, m.ID)
		// pending, or sending if an attempt is on its way right now
		if m.State == store.MessageSent || !m.State.Open() || m.Attempts < 1 {
			t.Errorf("during the outage %s is %s after %d attempts (%q); want pending, tried", m.ID, m.State, m.Attempts, m.LastError)
		}
	}

	// They come back on the same ports: everything goes out by itself.
	mx.restart()
	elks.restart()
	allSent := func(ms []store.Message) func() bool {
		return func() bool {
			for _, m := range ms {
				if byID(t, st, m.ID).State != store.MessageSent {
					return false
				}
			}
			return true
		}
	}
	waitFor(t, 5*time.Second, "the queue sent after the outage", allSent(first))

	// More while running: sent at once (OnMessages kicks).
	more := queue(t, st,
		mailMsg("NP-4", "mikko.virtanen@example.fi", "Mikko Virtanen", "Pakettisi on matkalla"),
		textMsg("NP-4", "+358401234567", "Hei Mikko! Pakettisi tulee tänään."),
	)
	waitFor(t, 5*time.Second, "the new messages sent", allSent(more))
	stop()

	ids := counted(messageIDs(t, mx))
	if len(ids) != 3 {
		t.Errorf("SMTP server got %d distinct e-mails (%v), want 3", len(ids), ids)
	}
	for _, m := range append(first, more...) {
		m = byID(t, st, m.ID)
		if m.SentAt.IsZero() || m.Response == "" || m.LastError != "" {
			t.Errorf("%s: sent record %+v", m.ID, m)
		}
		if m.Channel == store.ChannelEmail {
			if n := ids["<"+MessageID(m.ID, "kundservice@nordpack.example")+">"]; n != 1 {
				t.Errorf("%s arrived %d times", m.ID, n)
			}
			if !strings.HasPrefix(m.Response, "250 ") || m.LastStatus != 250 {
				t.Errorf("%s: response %q status %d", m.ID, m.Response, m.LastStatus)
			}
		}
	}
	// Each e-mail went to its own receiver, with its own subject.
	for _, g := range mx.messages() {
		p := parseMail(t, g.Data)
		switch p.To.Address {
		case "asa.oberg@example.se":
			if p.Subject != "Ditt paket är på väg" || p.To.Name != "Åsa Öberg" || !strings.Contains(p.Text, "NP-1") {
				t.Errorf("Åsa's e-mail: %q %q %q", p.To.Name, p.Subject, p.Text)
			}
		case "ola.nordmann@example.no":
			if p.Subject != "Pakken din er på vei" || !strings.Contains(p.Text, "NP-2") {
				t.Errorf("Ola's e-mail: %q %q", p.Subject, p.Text)
			}
		case "mikko.virtanen@example.fi":
			if p.Subject != "Pakettisi on matkalla" {
				t.Errorf("Mikko's e-mail: %q", p.Subject)
			}
		default:
			t.Errorf("an e-mail to %s", p.To.Address)
		}
	}
	texts := map[string]string{}
	for _, g := range elks.got() {
		if _, dup := texts[g.To]; dup {
			t.Errorf("SMS to %s twice", g.To)
		}
		texts[g.To] = g.Message
	}
	want := map[string]string{"+46701234567": "Hej Åsa! Ditt paket kommer i dag.", "+4791234567": "Hei Ola! Pakken din kommer i dag.",
		"+358401234567": "Hei Mikko! Pakettisi tulee tänään."}
	if fmt.Sprint(texts) != fmt.Sprint(want) {
		t.Errorf("SMS got %v, want %v", texts, want)
	}
	var resp struct{ Status string }
	if err := json.Unmarshal([]byte(byID(t, st, more[1].ID).Response), &resp); err != nil || resp.Status != "created" {
		t.Errorf("SMS response not 46elks' JSON: %q", byID(t, st, more[1].ID).Response)
	}
}

// A 429 with Retry-After pauses the SMS channel; the message is sent
// once, after the pause.
func TestRetryAfterPausesTheChannel(t *testing.T) {
	elks := newFakeElks(t)
	var busy atomic.Bool
	busy.Store(true)
	elks.setAnswer(func(w http.ResponseWriter, _ url.Values) bool {
		if !busy.Load() {
			return false
		}
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, "Too many requests") //nolint:errcheck
		return true
	})
	st := openStore(t, t.TempDir())
	defer st.Close()
	clock := newClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.Local))
	cfg := fastConfig(clock)
	cfg.Concurrency = 1 // one at a time, so the 429 comes back before the second starts
	d := NewDeliverer(st, map[string]Sender{store.ChannelSMS: newSMS(t, smsConfig(elks))}, cfg)
	msgs := queue(t, st, textMsg("NP-1", "+46701234567", "Ditt paket kommer i dag."), textMsg("NP-2", "+46701234568", "Ditt paket kommer i dag."))

	rep, err := d.Drain(context.Background())
	if err != nil || rep.Sent != 0 || rep.Waiting != 2 {
		t.Fatalf("busy gateway: %+v, %v", rep, err)
	}
	if req, _ := elks.counts(); req != 1 {
		t.Errorf("%d requests while paused, want 1 (the pause holds the second)", req)
	}
	if p := d.State(store.ChannelSMS).PausedUntil; !p.Equal(clock.Now().Add(30 * time.Second)) {
		t.Errorf("paused until %s, want 30s from now", p)
	}
	m := byID(t, st, msgs[0].ID)
	if m.State != store.MessagePending || m.LastStatus != 429 || !strings.Contains(m.LastError, "429") {
		t.Errorf("after a 429: %+v", m)
	}
	busy.Store(false)
	clock.Add(29 * time.Second)
	if rep, _ := d.Drain(context.Background()); rep.Sent != 0 {
		t.Errorf("sent during the pause: %+v", rep)
	}
	clock.Add(2 * time.Second)
	rep, err = d.Drain(context.Background())
	if err != nil || rep.Sent != 2 || rep.Waiting != 0 {
		t.Fatalf("after the pause: %+v, %v", rep, err)
	}
	if got := elks.got(); len(got) != 2 {
		t.Errorf("gateway accepted %d SMS, want 2", len(got))
	}
}

// An SMS whose answer was lost is unknown and never sent again by
// itself; a person's Retry sends it.
func TestLostSMSAnswerIsUnknownAndNotResent(t *testing.T) {
	elks := newFakeElks(t)
	elks.setAnswer(elks.hangAfterReading)
	st := openStore(t, t.TempDir())
	defer st.Close()
	cfg := smsConfig(elks)
	cfg.Timeout = 300 * time.Millisecond
	d := NewDeliverer(st, map[string]Sender{store.ChannelSMS: newSMS(t, cfg)}, fastConfig(nil))
	m := queue(t, st, textMsg("NP-1", "+46701234567", "Ditt paket kommer i dag."))[0]

	rep, err := d.Drain(context.Background())
	if err != nil || rep.Unknown != 1 || rep.Sent != 0 || len(rep.Errors) != 1 {
		t.Fatalf("lost answer: %+v, %v", rep, err)
	}
	m = byID(t, st, m.ID)
	if m.State != store.MessageUnknown || m.Attempts != 1 || !strings.Contains(m.LastError, "may have arrived") {
		t.Errorf("after a lost answer: %+v", m)
	}

	// The gateway answers again: still not resent, by Drain or by Run.
	elks.setAnswer(nil)
	if rep, _ := d.Drain(context.Background()); rep.Sent != 0 || rep.Unknown != 1 {
		t.Errorf("second drain: %+v", rep)
	}
	stop := runInBackground(d)
	time.Sleep(150 * time.Millisecond) // several polls
	stop()
	if req, _ := elks.counts(); req != 1 {
		t.Fatalf("the gateway was asked %d times, want 1", req)
	}

	m, err = d.Retry(context.Background(), m.Seq)
	if err != nil || m.State != store.MessageSent || m.Attempts != 2 || !strings.Contains(m.Response, `"created"`) {
		t.Fatalf("Retry: %+v, %v", m, err)
	}
	if got := elks.got(); len(got) != 2 {
		t.Errorf("gateway has %d copies, want 2 (the lost one and the retried one)", len(got))
	}
	if _, err := d.Retry(context.Background(), m.Seq); err == nil || !strings.Contains(err.Error(), "already sent") {
		t.Errorf("Retry of a sent message: %v", err)
	}
}

// An e-mail whose final answer was lost is unknown; Retry sends it with
// the same Message-ID.
func TestLostMailAnswerIsUnknownAndRetryKeepsTheMessageID(t *testing.T) {
	mx := newSMTPServer(t, nil)
	mx.setMode(smtpDropAfter)
	st := openStore(t, t.TempDir())
	defer st.Close()
	d := NewDeliverer(st, map[string]Sender{store.ChannelEmail: newEmail(t, emailConfig(mx, nil))}, fastConfig(nil))
	m := queue(t, st, mailMsg("NP-1", "asa.oberg@example.se", "Åsa Öberg", "Ditt paket är på väg"))[0]

	rep, _ := d.Drain(context.Background())
	if rep.Unknown != 1 || byID(t, st, m.ID).State != store.MessageUnknown {
		t.Fatalf("dropped after DATA: %+v", rep)
	}
	mx.setMode(smtpOK)
	if rep, _ := d.Drain(context.Background()); rep.Sent != 0 || len(mx.messages()) != 1 {
		t.Fatalf("an unknown e-mail was sent again by itself: %+v, server has %d", rep, len(mx.messages()))
	}
	if _, err := d.Retry(context.Background(), m.Seq); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	ids := messageIDs(t, mx)
	if len(ids) != 2 || ids[0] != ids[1] {
		t.Errorf("Message-IDs %v: want the same id twice", ids)
	}
}

// blockingSender holds the first attempt until released, then lets the
// real sender send it: the station "dies" between handing the message
// over and recording that.
type blockingSender struct {
	inner   Sender
	entered chan struct{}
	release chan struct{}
	calls   atomic.Int32
}

func (b *blockingSender) Send(ctx context.Context, m store.Message, o notify.Outgoing) (string, error) {
	if b.calls.Add(1) == 1 {
		close(b.entered)
		<-b.release
	}
	return b.inner.Send(ctx, m, o)
}

// A crash while a message is sending: after the restart it is unknown and
// not sent again; Retry sends it.
func TestCrashWhileSendingIsNeverResent(t *testing.T) {
	mx := newSMTPServer(t, nil)
	dir := t.TempDir()
	st := openStore(t, dir)
	email := newEmail(t, emailConfig(mx, nil))
	block := &blockingSender{inner: email, entered: make(chan struct{}), release: make(chan struct{})}
	d1 := NewDeliverer(st, map[string]Sender{store.ChannelEmail: block}, fastConfig(nil))
	m := queue(t, st, mailMsg("NP-1", "asa.oberg@example.se", "Åsa Öberg", "Ditt paket är på väg"))[0]

	done := make(chan struct{})
	go func() { d1.Drain(context.Background()); close(done) }() //nolint:errcheck // the store is gone by then
	<-block.entered
	if m = byID(t, st, m.ID); m.State != store.MessageSending || m.Attempts != 1 {
		t.Fatalf("during the attempt: %s, %d attempts; want sending, 1", m.State, m.Attempts)
	}
	// The station dies: the data file is closed under it; the message is
	// handed over after that, and its outcome cannot be recorded.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	close(block.release)
	<-done
	if len(mx.messages()) != 1 {
		t.Fatalf("server got %d e-mails, want the 1 handed over", len(mx.messages()))
	}

	// The next start.
	st2 := openStore(t, dir)
	defer st2.Close()
	d2 := NewDeliverer(st2, map[string]Sender{store.ChannelEmail: email}, fastConfig(nil))
	stop := runInBackground(d2)
	waitFor(t, 2*time.Second, "the interrupted message recovered", func() bool {
		return byID(t, st2, m.ID).State == store.MessageUnknown
	})
	time.Sleep(150 * time.Millisecond) // several polls: it must stay put
	stop()
	rep, err := d2.Drain(context.Background())
	if err != nil || rep.Sent != 0 || rep.Unknown != 1 || rep.Waiting != 0 {
		t.Errorf("after the restart: %+v, %v", rep, err)
	}
	if m = byID(t, st2, m.ID); m.State != store.MessageUnknown || !strings.Contains(m.LastError, "stopped") {
		t.Errorf("after the restart: %+v", m)
	}
	if len(mx.messages()) != 1 {
		t.Fatalf("an interrupted e-mail was sent again: server has %d", len(mx.messages()))
	}

	m, err = d2.Retry(context.Background(), m.Seq)
	if err != nil || m.State != store.MessageSent || m.Attempts != 2 {
		t.Fatalf("Retry: %+v, %v", m, err)
	}
	if ids := messageIDs(t, mx); len(ids) != 2 || ids[0] != ids[1] {
		t.Errorf("Message-IDs %v", ids)
	}
}

// Quiet hours: a message held until 08:00 is not sent before then.
func TestQuietHoursHoldMessagesUntilTheWindowOpens(t *testing.T) {
	mx := newSMTPServer(t, nil)
	elks := newFakeElks(t)
	st := openStore(t, t.TempDir())
	defer st.Close()
	evening := time.Date(2026, 3, 10, 22, 15, 0, 0, time.Local)
	morning := time.Date(2026, 3, 11, 8, 0, 0, 0, time.Local)
	clock := newClock(evening)
	d := NewDeliverer(st, map[string]Sender{
		store.ChannelEmail: newEmail(t, emailConfig(mx, nil)),
		store.ChannelSMS:   newSMS(t, smsConfig(elks)),
	}, fastConfig(clock))
	held := []store.Message{mailMsg("NP-1", "asa.oberg@example.se", "Åsa Öberg", "Ditt paket har levererats"),
		textMsg("NP-1", "+46701234567", "Ditt paket har levererats.")}
	for i := range held {
		held[i].NotBefore = morning
	}
	now := mailMsg("NP-2", "bo.ek@example.se", "Bo Ek", "Ditt paket är på väg") // made outside quiet hours
	queue(t, st, append(held, now)...)

	rep, err := d.Drain(context.Background())
	if err != nil || rep.Sent != 1 || rep.Waiting != 2 {
		t.Fatalf("at 22:15: %+v, %v; want the unheld one sent, two waiting", rep, err)
	}
	stop := runInBackground(d)
	defer stop()
	clock.Set(morning.Add(-time.Minute))
	time.Sleep(150 * time.Millisecond) // several polls at 07:59
	if n, s := len(mx.messages()), len(elks.got()); n != 1 || s != 0 {
		t.Fatalf("at 07:59: %d e-mails and %d SMS out, want 1 and 0", n, s)
	}
	clock.Set(morning)
	waitFor(t, 3*time.Second, "the held messages sent at 08:00", func() bool {
		return len(mx.messages()) == 2 && len(elks.got()) == 1
	})
	stop()
	for _, m := range held {
		m = byID(t, st, m.ID)
		if m.State != store.MessageSent || !m.SentAt.Equal(morning) {
			t.Errorf("%s: %s at %s", m.ID, m.State, m.SentAt)
		}
	}
}

// A dead SMS gateway does not hold up e-mail.
func TestDeadGatewayDoesNotHoldUpEmail(t *testing.T) {
	mx := newSMTPServer(t, nil)
	elks := newFakeElks(t)
	elks.stop()
	st := openStore(t, t.TempDir())
	defer st.Close()
	d := NewDeliverer(st, map[string]Sender{
		store.ChannelEmail: newEmail(t, emailConfig(mx, nil)),
		store.ChannelSMS:   newSMS(t, smsConfig(elks)),
	}, fastConfig(nil))
	queue(t, st, textMsg("NP-1", "+46701234567", "Hej!"), textMsg("NP-2", "+46701234568", "Hej!"),
		mailMsg("NP-1", "a@example.se", "A", "Hej"), mailMsg("NP-2", "b@example.se", "B", "Hej"))
	rep, err := d.Drain(context.Background())
	if err != nil || rep.Sent != 2 || rep.Waiting != 2 || len(rep.Errors) == 0 {
		t.Fatalf("drain: %+v, %v", rep, err)
	}
	if d.State(store.ChannelSMS).Online || !d.State(store.ChannelEmail).Online {
		t.Errorf("sms online %v, email online %v; want false, true", d.State(store.ChannelSMS).Online, d.State(store.ChannelEmail).Online)
	}
	if len(mx.messages()) != 2 {
		t.Errorf("e-mails out: %d", len(mx.messages()))
	}
	if d.State("fax").Online {
		t.Error("a channel without a sender has a state")
	}
}

// Refused for good: failed, waiting for a person; Retry and Discard.
func TestRefusedWaitsForAPerson(t *testing.T) {
	mx := newSMTPServer(t, nil)
	mx.setMode(smtpRcpt550)
	elks := newFakeElks(t)
	st := openStore(t, t.TempDir())
	defer st.Close()
	d := NewDeliverer(st, map[string]Sender{
		store.ChannelEmail: newEmail(t, emailConfig(mx, nil)),
		store.ChannelSMS:   newSMS(t, smsConfig(elks)),
	}, fastConfig(nil))
	msgs := queue(t, st,
		mailMsg("NP-1", "nobody@example.se", "Ingen", "Ditt paket är på väg"),
		textMsg("NP-2", "+99912345678", "Hej!"), // the gateway refuses the number
		textMsg("NP-3", "ring mig", "Hej!"),     // not a number at all
	)
	rep, err := d.Drain(context.Background())
	if err != nil || rep.Failed != 3 || rep.Sent != 0 {
		t.Fatalf("drain: %+v, %v", rep, err)
	}
	mail, bad, notNumber := byID(t, st, msgs[0].ID), byID(t, st, msgs[1].ID), byID(t, st, msgs[2].ID)
	if mail.State != store.MessageFailed || mail.LastStatus != 550 || !strings.Contains(mail.LastError, "refused the receiver") {
		t.Errorf("user unknown: %+v", mail)
	}
	if bad.State != store.MessageFailed || bad.LastStatus != 403 || bad.Response != "Invalid to number" {
		t.Errorf("refused number: %+v", bad)
	}
	if notNumber.State != store.MessageFailed || !strings.Contains(notNumber.LastError, "cannot be a phone number") {
		t.Errorf("not a number: %+v", notNumber)
	}
	if req, _ := elks.counts(); req != 1 {
		t.Errorf("gateway asked %d times, want 1 (not for the non-number)", req)
	}
	if rep, _ := d.Drain(context.Background()); rep.Failed != 3 || byID(t, st, msgs[0].ID).Attempts != 1 {
		t.Errorf("failed messages were tried again by themselves: %+v", rep)
	}

	// The mailbox exists after all: Retry sends it.
	mx.setMode(smtpOK)
	if m, err := d.Retry(context.Background(), mail.Seq); err != nil || m.State != store.MessageSent {
		t.Errorf("Retry: %+v, %v", m, err)
	}
	if _, err := d.Discard(mail.Seq, ""); err == nil {
		t.Error("Discard of a sent message")
	}
	m, err := d.Discard(bad.Seq, "wrong number, called the customer")
	if err != nil || m.State != store.MessageDiscarded || m.LastError != "wrong number, called the customer" {
		t.Errorf("Discard: %+v, %v", m, err)
	}
	if _, err := d.Retry(context.Background(), bad.Seq); err == nil || !strings.Contains(err.Error(), "discarded") {
		t.Errorf("Retry of a discarded message: %v", err)
	}
	if m, err := d.Retry(context.Background(), notNumber.Seq); err == nil || m.State != store.MessageFailed {
		t.Errorf("Retry of a non-number: %+v, %v", m, err)
	}
	rep, _ = d.Drain(context.Background())
	if rep.Failed != 1 || rep.Waiting != 0 || rep.Unknown != 0 {
		t.Errorf("at the end: %+v", rep)
	}
}

// A greylisting 451 leaves the message pending; it goes after its
// back-off.
func TestTemporaryRefusalBacksOff(t *testing.T) {
	mx := newSMTPServer(t, nil)
	mx.setMode(smtpRcpt451)
	st := openStore(t, t.TempDir())
	defer st.Close()
	clock := newClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.Local))
	cfg := fastConfig(clock)
	cfg.MinBackoff, cfg.MaxBackoff = time.Minute, 10*time.Minute
	d := NewDeliverer(st, map[string]Sender{store.ChannelEmail: newEmail(t, emailConfig(mx, nil))}, cfg)
	m := queue(t, st, mailMsg("NP-1", "a@example.se", "A", "Hej"))[0]
	if rep, _ := d.Drain(context.Background()); rep.Waiting != 1 {
		t.Fatalf("greylisted: %+v", rep)
	}
	if m = byID(t, st, m.ID); m.State != store.MessagePending || m.LastStatus != 451 {
		t.Fatalf("greylisted: %+v", m)
	}
	mx.setMode(smtpOK)
	if rep, _ := d.Drain(context.Background()); rep.Sent != 0 {
		t.Errorf("sent during its back-off: %+v", rep)
	}
	clock.Add(time.Minute)
	if rep, _ := d.Drain(context.Background()); rep.Sent != 1 {
		t.Errorf("after the back-off: %+v", rep)
	}
	if m = byID(t, st, m.ID); m.Attempts != 2 || m.State != store.MessageSent {
		t.Errorf("at the end: %+v", m)
	}
}

// An SMS number written nationally is read by the order's country.
func TestNationalNumberReadByTheOrdersCountry(t *testing.T) {
	elks := newFakeElks(t)
	st := openStore(t, t.TempDir())
	defer st.Close()
	if _, err := st.PutOrders([]carrier.Order{
		{Ref: "NO-1", Receiver: carrier.Address{Name: "Ola Nordmann", Country: "NO", Phone: "912 34 567"}},
		{Ref: "FI-1", Receiver: carrier.Address{Name: "Mikko Virtanen", Country: "FI", Phone: "040 123 4567"}},
	}); err != nil {
		t.Fatal(err)
	}
	d := NewDeliverer(st, map[string]Sender{store.ChannelSMS: newSMS(t, smsConfig(elks))}, fastConfig(nil))
	queue(t, st, textMsg("NO-1", "912 34 567", "Pakken din kommer i dag."), textMsg("FI-1", "040 123 4567", "Pakettisi tulee tänään."),
		textMsg("SE-1", "070-123 45 67", "Ditt paket kommer i dag.")) // no order: the configured country (SE)
	if rep, err := d.Drain(context.Background()); err != nil || rep.Sent != 3 {
		t.Fatalf("drain: %+v, %v", rep, err)
	}
	to := map[string]bool{}
	for _, g := range elks.got() {
		to[g.To] = true
	}
	for _, want := range []string{"+4791234567", "+358401234567", "+46701234567"} {
		if !to[want] {
			t.Errorf("no SMS to %s (got %v)", want, to)
		}
	}
}

// plainSender fails with an error that does not say what happened.
type plainSender struct{ calls atomic.Int32 }

func (p *plainSender) Send(context.Context, store.Message, notify.Outgoing) (string, error) {
	p.calls.Add(1)
	return "", errors.New("something odd")
}

// A Sender that does not say what its failure means is taken at its
// worst: unknown, never resent.
func TestUnclassifiedFailureIsUnknown(t *testing.T) {
	st := openStore(t, t.TempDir())
	defer st.Close()
	p := &plainSender{}
	d := NewDeliverer(st, map[string]Sender{store.ChannelSMS: p}, fastConfig(nil))
	m := queue(t, st, textMsg("NP-1", "+46701234567", "Hej!"))[0]
	d.Drain(context.Background()) //nolint:errcheck
	d.Drain(context.Background()) //nolint:errcheck
	if m = byID(t, st, m.ID); m.State != store.MessageUnknown || p.calls.Load() != 1 {
		t.Errorf("%s after %d calls", m.State, p.calls.Load())
	}
	if _, err := d.Retry(context.Background(), 999); err == nil {
		t.Error("Retry of a message that does not exist")
	}
	if _, err := d.Retry(context.Background(), queue(t, st, mailMsg("NP-9", "a@example.se", "A", "Hej"))[0].Seq); !errors.Is(err, ErrNoChannel) {
		t.Errorf("Retry of an e-mail without an e-mail sender: %v", err)
	}
}

// A gateway that breaks while handling requests (500) costs one message
// per attempt, not the queue: that one is unknown, the rest wait.
func TestBrokenGatewayCostsOneMessagePerAttempt(t *testing.T) {
	elks := newFakeElks(t)
	elks.setAnswer(func(w http.ResponseWriter, _ url.Values) bool {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "Internal Server Error") //nolint:errcheck
		return true
	})
	st := openStore(t, t.TempDir())
	defer st.Close()
	cfg := fastConfig(nil)
	cfg.Concurrency = 1
	d := NewDeliverer(st, map[string]Sender{store.ChannelSMS: newSMS(t, smsConfig(elks))}, cfg)
	queue(t, st, textMsg("NP-1", "+46701234567", "Hej!"), textMsg("NP-2", "+46701234568", "Hej!"), textMsg("NP-3", "+46701234569", "Hej!"))
	rep, err := d.Drain(context.Background())
	if err != nil || rep.Unknown != 1 || rep.Waiting != 2 || rep.Sent != 0 {
		t.Fatalf("drain: %+v, %v", rep, err)
	}
	if d.State(store.ChannelSMS).Online {
		t.Error("the SMS channel is online after a 500")
	}
	if req, _ := elks.counts(); req != 1 {
		t.Errorf("gateway asked %d times, want 1", req)
	}
}

// A server that wants a login gets a message that says so.
func TestServerWantsALogin(t *testing.T) {
	mx := newSMTPServer(t, func(s *smtpServer) { s.user, s.pass = "station", "pw" })
	cfg := emailConfig(mx, nil)
	cfg.Username, cfg.Password = "", ""
	o := swedishOutgoing()
	_, err := newEmail(t, cfg).Send(context.Background(), testMessage("x/1", store.ChannelEmail, o), o)
	if KindOf(err) != Refused || !strings.Contains(err.Error(), "wants a login") {
		t.Errorf("no login: kind %v, %v", KindOf(err), err)
	}
}
