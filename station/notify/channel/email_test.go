package channel

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"labelstation/station/notify"
	"labelstation/store"
)

// A real SMTP server on loopback ------------------------------------------

// mailGot is one message the test server accepted (answered 250 to DATA)
// or read to the end before misbehaving.
type mailGot struct {
	From string
	To   []string
	Data []byte
}

// smtpMode is how the test server answers.
type smtpMode int

const (
	smtpOK        smtpMode = iota
	smtpRcpt550            // RCPT: 550 5.1.1 user unknown
	smtpRcpt451            // RCPT: 451 4.7.1 greylisted
	smtpData554            // after the data: 554 5.7.1 rejected
	smtpDropAfter          // reads the whole message, then drops the connection without an answer
	smtpHangAfter          // reads the whole message, then never answers
	smtpData451            // after the data: 451 4.3.0 try again later
)

// smtpServer is a real SMTP server (github.com/emersion/go-smtp) on
// loopback that keeps what it got, can refuse and misbehave on request,
// and can be stopped and started again on the same port.
type smtpServer struct {
	t         *testing.T
	addr      string
	user      string // AUTH PLAIN required when set
	pass      string
	tlsConfig *tls.Config // STARTTLS offered when set
	implicit  bool        // TLS from the first byte (port 465 style)

	mu       sync.Mutex
	srv      *gosmtp.Server
	ln       net.Listener
	mode     smtpMode
	got      []mailGot // every message read to its end (accepted or not)
	accepted int       // answered 250
	hang     chan struct{}
}

func newSMTPServer(t *testing.T, setup func(*smtpServer)) *smtpServer {
	s := &smtpServer{t: t, hang: make(chan struct{})}
	if setup != nil {
		setup(s)
	}
	s.start("127.0.0.1:0")
	t.Cleanup(func() {
		s.mu.Lock()
		select {
		case <-s.hang:
		default:
			close(s.hang)
		}
		s.mu.Unlock()
		s.stop()
	})
	return s
}

func (s *smtpServer) start(addr string) {
	s.t.Helper()
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ { // the old socket may linger a moment after a stop
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("smtp server listen %s: %v", addr, err)
	}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &smtpSession{s: s, c: c}, nil
	}))
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if s.tlsConfig != nil && !s.implicit {
		srv.TLSConfig = s.tlsConfig
	}
	if s.implicit {
		l = tls.NewListener(l, s.tlsConfig)
	}
	s.mu.Lock()
	s.srv, s.ln, s.addr = srv, l, l.Addr().String()
	s.mu.Unlock()
	go srv.Serve(l) //nolint:errcheck // ends with Close
}

// stop closes the listener and every connection: the port refuses.
func (s *smtpServer) stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if ln != nil {
		ln.Close() // Serve may not have registered it yet
	}
	if srv != nil {
		srv.Close()
	}
}

func (s *smtpServer) restart() { s.stop(); s.start(s.addr) }

func (s *smtpServer) setMode(m smtpMode) {
	s.mu.Lock()
	s.mode = m
	s.mu.Unlock()
}

func (s *smtpServer) port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n := 0
	for _, r := range p {
		n = n*10 + int(r-'0')
	}
	return n
}

func (s *smtpServer) messages() []mailGot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mailGot(nil), s.got...)
}

type smtpSession struct {
	s      *smtpServer
	c      *gosmtp.Conn
	authed bool
	from   string
	to     []string
}

func (ss *smtpSession) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.user || password != ss.s.pass {
			return gosmtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return gosmtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.s.mu.Lock()
	mode := ss.s.mode
	ss.s.mu.Unlock()
	switch mode {
	case smtpRcpt550:
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: user unknown"}
	case smtpRcpt451:
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 7, 1}, Message: "greylisted, try again in a moment"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.s
	s.mu.Lock()
	mode := s.mode
	s.got = append(s.got, mailGot{From: ss.from, To: append([]string(nil), ss.to...), Data: b})
	if mode == smtpOK {
		s.accepted++
	}
	hang := s.hang
	s.mu.Unlock()
	switch mode {
	case smtpData554:
		return &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: "message rejected as spam"}
	case smtpData451:
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "queue full, try again later"}
	case smtpDropAfter:
		ss.c.Conn().Close()
		return errors.New("dropped")
	case smtpHangAfter:
		<-hang
		return errors.New("hung")
	}
	return nil
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }

// helpers --------------------------------------------------------------

// selfSigned returns a server TLS config for 127.0.0.1 and a client
// config that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// testLogo is a small PNG (the station's icon when it can be read).
func testLogo(t *testing.T) []byte {
	t.Helper()
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "assets", "icon.png")); err == nil {
		return b
	}
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 64 {
		img.Set(i%8, i/8, color.RGBA{0x22, 0x55, 0x88, 0xff})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func emailConfig(s *smtpServer, logo []byte) SMTPConfig {
	return SMTPConfig{
		Host: "127.0.0.1", Port: s.port(), Security: SecurityNone,
		Username: s.user, Password: s.pass,
		From: "Nordpack Webbutik <kundservice@nordpack.example>", ReplyTo: "Kundservice <hej@nordpack.example>",
		Timeout: 2 * time.Second, Logo: logo,
	}
}

func newEmail(t *testing.T, cfg SMTPConfig) *Email {
	t.Helper()
	e, err := NewEmail(cfg)
	if err != nil {
		t.Fatalf("NewEmail: %v", err)
	}
	return e
}

const swedishHTML = `<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Ditt paket är på väg</title>
<style>
body{margin:0;background:#eef1f4;font-family:Helvetica,Arial,sans-serif;color:#1d2733}
.wrap{max-width:600px;margin:0 auto;padding:24px 12px}
.card{background:#fff;border-radius:8px;overflow:hidden;border:1px solid #dde3ea}
.head{background:#1f4e79;padding:18px 24px;color:#fff;font-size:20px;font-weight:bold}
.head img{width:48px;height:48px;vertical-align:middle;margin-right:12px;border-radius:6px}
.body{padding:24px;font-size:16px;line-height:1.5}
.btn{display:inline-block;background:#2e7d32;color:#fff;text-decoration:none;padding:12px 22px;border-radius:6px;font-weight:bold}
.facts{margin:18px 0;border-collapse:collapse;width:100%}
.facts td{padding:6px 0;border-bottom:1px solid #eef1f4}
.facts td.k{color:#5b6b7c;width:40%}
.foot{color:#7a8896;font-size:12px;padding:16px 24px}
</style></head>
<body><div class="wrap"><div class="card">
<div class="head"><img src="cid:logo" alt="Nordpack">Nordpack Webbutik</div>
<div class="body">
<p>Hej Åsa!</p>
<p>Ditt paket är på väg. PostNord har hämtat det hos oss och det beräknas komma fram <b>torsdag 12 mars</b>.</p>
<table class="facts">
<tr><td class="k">Order</td><td>NP-10482</td></tr>
<tr><td class="k">Kolli-id</td><td>00370733741234567890</td></tr>
<tr><td class="k">Utlämningsställe</td><td>ICA Nära Väst, Storgatan 12, 753 20 Uppsala</td></tr>
</table>
<p><a class="btn" href="https://tracking.postnord.com/se/?id=00370733741234567890">Följ ditt paket</a></p>
<p>Vänliga hälsningar<br>Nordpack Webbutik</p>
</div>
<div class="foot">Det här mejlet skickades automatiskt – svara gärna om du har frågor om din order.</div>
</div></div></body></html>`

const swedishText = `Hej Åsa!

Ditt paket är på väg. PostNord har hämtat det hos oss och det beräknas komma fram torsdag 12 mars.

Order: NP-10482
Kolli-id: 00370733741234567890
Utlämningsställe: ICA Nära Väst, Storgatan 12, 753 20 Uppsala

Följ ditt paket: https://tracking.postnord.com/se/?id=00370733741234567890

Vänliga hälsningar
Nordpack Webbutik`

func swedishOutgoing() notify.Outgoing {
	return notify.Outgoing{
		Rule: "on-the-way", Trigger: notify.TriggerFirstTransport, OrderRef: "NP-10482",
		Channel: notify.ChannelEmail, Language: "sv",
		To: "asa.oberg@example.se", Name: "Åsa Öberg",
		Subject: "Ditt paket är på väg", Text: swedishText, HTML: swedishHTML,
	}
}

// parsedMail is a received e-mail taken apart.
type parsedMail struct {
	Header  netmail.Header
	From    *netmail.Address
	To      *netmail.Address
	Subject string
	Text    string
	HTML    string
	Logo    []byte
	LogoCID string
	LogoCD  string
	Types   []string // content types in order, nested multiparts included
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, raw)
	}
	var p parsedMail
	p.Header = msg.Header
	if p.From, err = netmail.ParseAddress(msg.Header.Get("From")); err != nil {
		t.Fatalf("From %q: %v", msg.Header.Get("From"), err)
	}
	if p.To, err = netmail.ParseAddress(msg.Header.Get("To")); err != nil {
		t.Fatalf("To %q: %v", msg.Header.Get("To"), err)
	}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("Subject: %v", err)
	}
	walkPart(t, &p, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Header.Get("Content-ID"), msg.Header.Get("Content-Disposition"), msg.Body)
	return p
}

func walkPart(t *testing.T, p *parsedMail, ctype, cte, cid, cd string, body io.Reader) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("content type %q: %v", ctype, err)
	}
	p.Types = append(p.Types, mt)
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart() // decodes quoted-printable by itself
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("next part: %v", err)
			}
			walkPart(t, p, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part.Header.Get("Content-ID"), part.Header.Get("Content-Disposition"), part)
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.EqualFold(cte, "base64") {
		if b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), "")); err != nil {
			t.Fatalf("base64 part %s: %v", mt, err)
		}
	}
	switch mt {
	case "text/plain":
		p.Text = strings.ReplaceAll(string(b), "\r\n", "\n")
	case "text/html":
		p.HTML = strings.ReplaceAll(string(b), "\r\n", "\n")
	case "image/png":
		p.Logo, p.LogoCID, p.LogoCD = b, cid, cd
	}
}

func testMessage(id, channel string, o notify.Outgoing) store.Message {
	body, _ := json.Marshal(o)
	return store.Message{ID: id, Channel: channel, Type: string(o.Trigger), OrderRef: o.OrderRef, Body: body}
}

// tests ----------------------------------------------------------------

func TestEmailArrivesAsWritten(t *testing.T) {
	srv := newSMTPServer(t, func(s *smtpServer) { s.user, s.pass = "station", "s3cret-pass" })
	logo := testLogo(t)
	e := newEmail(t, emailConfig(srv, logo))
	m := testMessage("first_transport/on-the-way/NP-10482/email/asa.oberg@example.se", store.ChannelEmail, swedishOutgoing())

	answer, err := e.Send(context.Background(), m, swedishOutgoing())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !strings.HasPrefix(answer, "250 ") {
		t.Errorf("answer %q, want the server's 250 reply", answer)
	}
	got := srv.messages()
	if len(got) != 1 {
		t.Fatalf("server got %d messages, want 1", len(got))
	}
	if got[0].From != "kundservice@nordpack.example" || len(got[0].To) != 1 || got[0].To[0] != "asa.oberg@example.se" {
		t.Errorf("envelope from %q to %q", got[0].From, got[0].To)
	}
	p := parseMail(t, got[0].Data)
	if p.To.Name != "Åsa Öberg" || p.To.Address != "asa.oberg@example.se" {
		t.Errorf("To = %q <%s>", p.To.Name, p.To.Address)
	}
	if p.From.Name != "Nordpack Webbutik" || p.From.Address != "kundservice@nordpack.example" {
		t.Errorf("From = %q <%s>", p.From.Name, p.From.Address)
	}
	if p.Subject != "Ditt paket är på väg" {
		t.Errorf("Subject = %q", p.Subject)
	}
	if raw := p.Header.Get("Subject"); !strings.Contains(raw, "=?UTF-8?") {
		t.Errorf("raw Subject %q is not RFC 2047 encoded", raw)
	}
	wantID := "<" + MessageID(m.ID, "kundservice@nordpack.example") + ">"
	if id := p.Header.Get("Message-Id"); id != wantID {
		t.Errorf("Message-ID %q, want %q", id, wantID)
	}
	if MessageID(m.ID, "x@nordpack.example") != MessageID(m.ID, "y@nordpack.example") || MessageID("other", "x@nordpack.example") == MessageID(m.ID, "x@nordpack.example") {
		t.Error("Message-ID is not made from the event id alone")
	}
	if v := p.Header.Get("Auto-Submitted"); v != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", v)
	}
	if v := p.Header.Get("Reply-To"); !strings.Contains(v, "hej@nordpack.example") {
		t.Errorf("Reply-To = %q", v)
	}
	if v := p.Header.Get("Content-Language"); v != "sv" {
		t.Errorf("Content-Language = %q", v)
	}
	if p.Text != swedishText {
		t.Errorf("text part:\n%q\nwant\n%q", p.Text, swedishText)
	}
	if p.HTML != swedishHTML {
		t.Errorf("HTML part differs:\n%s", p.HTML)
	}
	if !bytes.Equal(p.Logo, logo) {
		t.Errorf("inline logo: %d bytes, want the %d of the configured PNG", len(p.Logo), len(logo))
	}
	if p.LogoCID != "<logo>" || !strings.HasPrefix(p.LogoCD, "inline") {
		t.Errorf("logo Content-ID %q, Content-Disposition %q; want <logo>, inline", p.LogoCID, p.LogoCD)
	}
	want := []string{"multipart/related", "multipart/alternative", "text/plain", "text/html", "image/png"}
	if strings.Join(p.Types, " ") != strings.Join(want, " ") {
		t.Errorf("MIME structure %v, want %v", p.Types, want)
	}
}

func TestEmailWithoutLogoLeavesTheImageOut(t *testing.T) {
	srv := newSMTPServer(t, nil)
	e := newEmail(t, emailConfig(srv, nil))
	o := swedishOutgoing()
	if _, err := e.Send(context.Background(), testMessage("x/1", store.ChannelEmail, o), o); err != nil {
		t.Fatal(err)
	}
	p := parseMail(t, srv.messages()[0].Data)
	if strings.Contains(p.HTML, "cid:logo") || p.Logo != nil {
		t.Errorf("without a logo the HTML still references it or carries one")
	}
	if !strings.Contains(p.HTML, "Ditt paket är på väg") {
		t.Errorf("HTML lost its text")
	}
}

func TestEmailSTARTTLSAndImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	o := swedishOutgoing()
	m := testMessage("tls/1", store.ChannelEmail, o)

	starttls := newSMTPServer(t, func(s *smtpServer) {
		s.tlsConfig, s.user, s.pass = serverTLS, "station", "pw"
	})
	cfg := emailConfig(starttls, nil)
	cfg.Security, cfg.TLS = SecuritySTARTTLS, clientTLS
	if _, err := newEmail(t, cfg).Send(context.Background(), m, o); err != nil {
		t.Fatalf("STARTTLS send: %v", err)
	}

	// A certificate the station does not trust: the handshake fails, so
	// nothing was handed over: Unreachable (pending, retried).
	cfg.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	_, err := newEmail(t, cfg).Send(context.Background(), m, o)
	if KindOf(err) != Unreachable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: kind %v, err %v; want unreachable, a certificate problem", KindOf(err), err)
	}

	// A server without STARTTLS: refused, with what to do.
	plain := newSMTPServer(t, nil)
	pcfg := emailConfig(plain, nil)
	pcfg.Security = SecuritySTARTTLS
	_, err = newEmail(t, pcfg).Send(context.Background(), m, o)
	if KindOf(err) != Refused || !strings.Contains(err.Error(), "security") {
		t.Errorf("no STARTTLS: kind %v, err %v", KindOf(err), err)
	}

	implicit := newSMTPServer(t, func(s *smtpServer) {
		s.tlsConfig, s.implicit, s.user, s.pass = serverTLS, true, "station", "pw"
	})
	icfg := emailConfig(implicit, nil)
	icfg.Security, icfg.TLS = SecurityTLS, clientTLS
	if _, err := newEmail(t, icfg).Send(context.Background(), m, o); err != nil {
		t.Fatalf("implicit TLS send: %v", err)
	}
	if n := len(starttls.messages()) + len(implicit.messages()); n != 2 {
		t.Errorf("TLS servers got %d messages, want 2", n)
	}
}

func TestEmailOutcomes(t *testing.T) {
	o := swedishOutgoing()
	m := testMessage("outcome/1", store.ChannelEmail, o)
	cases := []struct {
		name     string
		mode     smtpMode
		badPass  bool
		closed   bool
		kind     Kind
		status   int
		received int // messages the server read to the end
		says     string
	}{
		{name: "user unknown", mode: smtpRcpt550, kind: Refused, status: 550, says: "refused the receiver"},
		{name: "greylisted", mode: smtpRcpt451, kind: NotSent, status: 451, says: "trying again later"},
		{name: "rejected after the data", mode: smtpData554, kind: Refused, status: 554, received: 1, says: "rejected the message"},
		{name: "busy after the data", mode: smtpData451, kind: NotSent, status: 451, received: 1, says: "trying again later"},
		{name: "dropped after the data", mode: smtpDropAfter, kind: Unknown, received: 1, says: "answer was lost"},
		{name: "no answer after the data", mode: smtpHangAfter, kind: Unknown, received: 1, says: "answer was lost"},
		{name: "wrong password", badPass: true, kind: Refused, status: 535, says: "LABELSTATION_SMTP_PASSWORD"},
		{name: "nothing listening", closed: true, kind: Unreachable, says: "cannot reach"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newSMTPServer(t, func(s *smtpServer) { s.user, s.pass = "station", "pw" })
			srv.setMode(c.mode)
			cfg := emailConfig(srv, testLogo(t))
			cfg.Timeout = 400 * time.Millisecond
			if c.badPass {
				cfg.Password = "wrong"
			}
			if c.closed {
				srv.stop()
			}
			start := time.Now()
			_, err := newEmail(t, cfg).Send(context.Background(), m, o)
			if KindOf(err) != c.kind {
				t.Fatalf("kind %v (%v), want %v", KindOf(err), err, c.kind)
			}
			var e *Error
			errors.As(err, &e)
			if e.Status != c.status {
				t.Errorf("status %d, want %d", e.Status, c.status)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not say %q", err, c.says)
			}
			if n := len(srv.messages()); n != c.received {
				t.Errorf("server read %d messages, want %d", n, c.received)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

func TestEmailStopsWhenAsked(t *testing.T) {
	srv := newSMTPServer(t, nil)
	srv.setMode(smtpHangAfter)
	cfg := emailConfig(srv, nil)
	cfg.Timeout = 20 * time.Second
	e := newEmail(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	o := swedishOutgoing()
	_, err := e.Send(ctx, testMessage("stop/1", store.ChannelEmail, o), o)
	if KindOf(err) != Unknown {
		t.Errorf("stopped after the data: kind %v (%v), want unknown", KindOf(err), err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send took %s after its ctx ended", d)
	}
}

func TestEmailRefusesBadAddressesWithoutSending(t *testing.T) {
	srv := newSMTPServer(t, nil)
	e := newEmail(t, emailConfig(srv, nil))
	o := swedishOutgoing()
	o.To = "åsa at example"
	_, err := e.Send(context.Background(), testMessage("bad/1", store.ChannelEmail, o), o)
	if KindOf(err) != Refused || !strings.Contains(err.Error(), "not an address") {
		t.Errorf("bad address: kind %v, err %v", KindOf(err), err)
	}
	if len(srv.messages()) != 0 {
		t.Error("the server got something")
	}
}

func TestNewEmailNamesTheKey(t *testing.T) {
	t.Setenv(SMTPPasswordEnv, "")
	ok := SMTPConfig{Host: "smtp.example.com", From: "Shop <shop@example.com>"}
	cases := []struct {
		change func(*SMTPConfig)
		says   string
	}{
		{func(c *SMTPConfig) { c.Host = "" }, "[notify.email] host"},
		{func(c *SMTPConfig) { c.Host = "smtp.example.com:587" }, "[notify.email] host"},
		{func(c *SMTPConfig) { c.Security = "ssl" }, "[notify.email] security"},
		{func(c *SMTPConfig) { c.Port = 70000 }, "[notify.email] port"},
		{func(c *SMTPConfig) { c.From = "shop at example" }, "[notify.email] from"},
		{func(c *SMTPConfig) { c.ReplyTo = "nope" }, "[notify.email] reply_to"},
		{func(c *SMTPConfig) { c.Username = "shop" }, SMTPPasswordEnv},
		{func(c *SMTPConfig) { c.Username, c.Password, c.Security = "shop", "pw", "none" }, "unencrypted"},
		{func(c *SMTPConfig) { c.Logo = []byte("GIF89a") }, "[notify.email] logo"},
	}
	for _, c := range cases {
		cfg := ok
		c.change(&cfg)
		_, err := NewEmail(cfg)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("config %+v: error %v, want one naming %q", cfg, err, c.says)
		}
	}
	e, err := NewEmail(ok)
	if err != nil || e.cfg.Port != 587 || e.cfg.Security != SecuritySTARTTLS || e.cfg.Timeout != 30*time.Second {
		t.Errorf("defaults: %+v, %v", e, err)
	}
	t.Setenv(SMTPPasswordEnv, "from-env")
	cfg := ok
	cfg.Username = "shop"
	if e, err := NewEmail(cfg); err != nil || e.cfg.Password != "from-env" {
		t.Errorf("password from %s: %v", SMTPPasswordEnv, err)
	}
	cfg.Security = "tls"
	if e, err := NewEmail(cfg); err != nil || e.cfg.Port != 465 {
		t.Errorf("tls port: %v", err)
	}
}

// TestRenderReceiverEmail writes a realistic Swedish receiver e-mail, as
// the SMTP server received it, to $LABELSTATION_EMAIL_OUT and renders it
// with scripts/render-email.sh (wkhtmltoimage).
func TestRenderReceiverEmail(t *testing.T) {
	dir := os.Getenv("LABELSTATION_EMAIL_OUT")
	if dir == "" {
		t.Skip("set LABELSTATION_EMAIL_OUT=DIR to write and render a receiver's e-mail")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := newSMTPServer(t, nil)
	e := newEmail(t, emailConfig(srv, testLogo(t)))
	o := swedishOutgoing()
	if _, err := e.Send(context.Background(), testMessage("first_transport/on-the-way/NP-10482/email/asa.oberg@example.se", store.ChannelEmail, o), o); err != nil {
		t.Fatal(err)
	}
	eml := filepath.Join(dir, "ditt-paket-ar-pa-vag.eml")
	if err := os.WriteFile(eml, srv.messages()[0].Data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "ditt-paket-ar-pa-vag.png")
	script, _ := filepath.Abs(filepath.Join("..", "..", "..", "scripts", "render-email.sh"))
	cmd := exec.Command(script, eml, out)
	cmd.Stderr = os.Stderr
	if b, err := cmd.Output(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, b)
	}
	st, err := os.Stat(out)
	if err != nil || st.Size() < 5000 {
		t.Fatalf("rendered %s: %v (%d bytes)", out, err, st.Size())
	}
	t.Logf("wrote %s and %s", eml, out)
}
