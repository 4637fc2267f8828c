package channel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"net/textproto"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"labelstation/station/notify"
	"labelstation/store"
)

// SMTPPasswordEnv holds the SMTP password when the config has none.
const SMTPPasswordEnv = "LABELSTATION_SMTP_PASSWORD"

// Security modes of the SMTP connection.
const (
	SecuritySTARTTLS = "starttls" // plain connection upgraded with STARTTLS (required), port 587
	SecurityTLS      = "tls"      // TLS from the first byte ("SMTPS"), port 465
	SecurityNone     = "none"     // no TLS: a relay on this machine or the LAN, tests; port 25
)

// SMTPConfig is [notify.email].
type SMTPConfig struct {
	// Host is the SMTP server ("smtp.example.com").
	Host string
	// Port defaults by Security: 587, 465 or 25.
	Port int
	// Security is "starttls" (default), "tls" or "none".
	Security string
	// Username and Password log in (PLAIN, or LOGIN if the server offers
	// only that) when Username is set; the password comes from
	// LABELSTATION_SMTP_PASSWORD when Password is empty.
	Username, Password string
	// From is the sender: "Shop <shop@example.com>".
	From string
	// ReplyTo is where receivers' answers go, if not From.
	ReplyTo string
	// Timeout bounds connecting, and then the rest of one message's
	// exchange (default 30s).
	Timeout time.Duration
	// Logo is a PNG embedded inline in HTML e-mails as cid:logo; without
	// one, an <img src="cid:logo"> is left out of the HTML.
	Logo []byte
	// TLS is the TLS configuration (nil: the system's roots, TLS 1.2 or
	// newer, the certificate checked against Host). Set it for a private
	// CA (and tests).
	TLS *tls.Config
}

// Email sends messages over SMTP. It is safe for concurrent use: each
// message has its own connection.
type Email struct {
	cfg  SMTPConfig
	from *netmail.Address
	tls  *tls.Config
}

// NewEmail checks cfg and returns the sender. The errors name the config
// key to fix.
func NewEmail(cfg SMTPConfig) (*Email, error) {
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.Host == "" {
		return nil, errors.New("[notify.email] host is empty: set it to the SMTP server's name (e.g. smtp.example.com)")
	}
	if strings.ContainsAny(cfg.Host, " /:@") && net.ParseIP(cfg.Host) == nil {
		return nil, fmt.Errorf("[notify.email] host %q is not a host name: write the name only, the port goes in port", cfg.Host)
	}
	cfg.Security = strings.ToLower(strings.TrimSpace(cfg.Security))
	if cfg.Security == "" {
		cfg.Security = SecuritySTARTTLS
	}
	switch cfg.Security {
	case SecuritySTARTTLS, SecurityTLS, SecurityNone:
		cfg.Port = cmp0(cfg.Port, DefaultSMTPPort(cfg.Security))
	default:
		return nil, fmt.Errorf("[notify.email] security %q is not one of \"starttls\" (port 587), \"tls\" (port 465) or \"none\" (port 25, a local relay)", cfg.Security)
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("[notify.email] port %d is not a port number", cfg.Port)
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil || !strings.Contains(from.Address, "@") {
		return nil, fmt.Errorf("[notify.email] from %q is not an address like \"Shop <shop@example.com>\"", cfg.From)
	}
	if cfg.ReplyTo != "" {
		if _, err := netmail.ParseAddress(cfg.ReplyTo); err != nil {
			return nil, fmt.Errorf("[notify.email] reply_to %q is not an address like \"Support <support@example.com>\"", cfg.ReplyTo)
		}
	}
	if cfg.Username != "" && cfg.Password == "" {
		cfg.Password = os.Getenv(SMTPPasswordEnv)
		if cfg.Password == "" {
			return nil, fmt.Errorf("[notify.email] username is set but there is no password: set the environment variable %s", SMTPPasswordEnv)
		}
	}
	if cfg.Username != "" && cfg.Security == SecurityNone && !isLoopbackHost(cfg.Host) {
		return nil, fmt.Errorf("[notify.email] security = \"none\" would send the password to %s unencrypted: use \"starttls\" or \"tls\"", cfg.Host)
	}
	if len(cfg.Logo) > 0 && !bytes.HasPrefix(cfg.Logo, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, errors.New("[notify.email] logo is not a PNG file")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLS != nil {
		tc = cfg.TLS.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	return &Email{cfg: cfg, from: from, tls: tc}, nil
}

// DefaultSMTPPort is the port an SMTP server listens on for a security
// mode when [notify.email] port is not set: 465 for tls, 25 for none, 587
// for starttls (also the default mode).
func DefaultSMTPPort(security string) int {
	switch strings.ToLower(strings.TrimSpace(security)) {
	case SecurityTLS:
		return 465
	case SecurityNone:
		return 25
	}
	return 587
}

func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Send sends one e-mail: multipart/alternative text and HTML (the logo
// inline as cid:logo), a Message-ID made from the message's event id,
// Auto-Submitted: auto-generated. The answer is the server's final reply
// to the DATA ("250 2.0.0 Ok: queued as …"). Errors are *Error.
func (e *Email) Send(ctx context.Context, m store.Message, o notify.Outgoing) (string, error) {
	msg, err := e.compose(m, o, time.Now())
	if err != nil {
		return "", err
	}
	return e.deliver(ctx, msg)
}

// compose builds the message.
func (e *Email) compose(m store.Message, o notify.Outgoing, now time.Time) (*mail.Msg, error) {
	to, err := netmail.ParseAddress(strings.TrimSpace(o.To))
	if err != nil || !strings.Contains(to.Address, "@") {
		return nil, newError(Refused, 0, "the receiver's e-mail address %q is not an address: the e-mail cannot be sent; Discard it (fix the order's e-mail for later messages)", o.To)
	}
	if strings.TrimSpace(o.Text) == "" && strings.TrimSpace(o.HTML) == "" {
		return nil, newError(Refused, 0, "the e-mail to %s has no text: check the rule's template, then Discard it", to.Address)
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	msg.SetCharset(mail.CharsetUTF8)
	msg.SetEncoding(mail.EncodingQP)
	if err := msg.FromFormat(e.from.Name, e.from.Address); err != nil {
		return nil, newError(Refused, 0, "[notify.email] from %q cannot be used: %v", e.cfg.From, err)
	}
	if err := msg.AddToFormat(oneLine(o.Name), to.Address); err != nil {
		return nil, newError(Refused, 0, "the receiver's e-mail address %q cannot be used (%v): Discard it", o.To, err)
	}
	if e.cfg.ReplyTo != "" {
		if err := msg.ReplyTo(e.cfg.ReplyTo); err != nil {
			return nil, newError(Refused, 0, "[notify.email] reply_to %q cannot be used: %v", e.cfg.ReplyTo, err)
		}
	}
	msg.Subject(oneLine(o.Subject))
	msg.SetMessageIDWithValue(MessageID(m.ID, e.from.Address))
	msg.SetDateWithValue(now)
	msg.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(mail.HeaderXAutoResponseSuppress, "OOF, AutoReply")
	msg.SetUserAgent("labelstation")
	if lang := strings.TrimSpace(o.Language); lang != "" {
		msg.SetGenHeader(mail.HeaderContentLang, lang)
	}
	text := o.Text
	if strings.TrimSpace(text) == "" {
		text = htmlToText(o.HTML)
	}
	msg.SetBodyString(mail.TypeTextPlain, text)
	if html := o.HTML; strings.TrimSpace(html) != "" {
		if len(e.cfg.Logo) == 0 {
			html = logoImg.ReplaceAllString(html, "")
		}
		msg.AddAlternativeString(mail.TypeTextHTML, html)
		if len(e.cfg.Logo) > 0 && strings.Contains(html, "cid:logo") {
			if err := msg.EmbedReader("logo.png", bytes.NewReader(e.cfg.Logo),
				mail.WithFileContentID("<logo>"), mail.WithFileContentType(mail.ContentType("image/png"))); err != nil {
				return nil, newError(Refused, 0, "[notify.email] logo cannot be attached: %v", err)
			}
		}
	}
	return msg, nil
}

// MessageID is the e-mail's Message-ID (without the angle brackets) for
// the message with event id: the same for every attempt, so a receiving
// system can recognise a copy should a person Retry.
func MessageID(eventID, from string) string {
	domain := "labelstation.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = strings.ToLower(from[i+1:])
	}
	sum := sha256.Sum256([]byte(eventID))
	return "notify." + hex.EncodeToString(sum[:16]) + "@" + domain
}

var (
	logoImg = regexp.MustCompile(`(?is)<img\b[^>]*cid:logo[^>]*>`)
	tags    = regexp.MustCompile(`(?s)<[^>]*>`)
)

// htmlToText is a crude text part for an HTML-only message.
func htmlToText(h string) string {
	h = regexp.MustCompile(`(?is)<(style|script)\b.*?</(style|script)>`).ReplaceAllString(h, "")
	h = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</div>|</h[1-6]>|</tr>`).ReplaceAllString(h, "\n")
	h = tags.ReplaceAllString(h, "")
	r := strings.NewReplacer("&nbsp;", " ", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'")
	return strings.TrimSpace(r.Replace(h))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// conn is the SMTP connection as go-mail sees it: once the attempt's ctx
// ended, every deadline it sets is in the past, so a blocked read or
// write returns at once.
type conn struct {
	net.Conn
	dead atomic.Bool
}

var past = time.Unix(1, 0)

func (c *conn) kill() {
	c.dead.Store(true)
	_ = c.Conn.SetDeadline(past)
}

func (c *conn) SetDeadline(t time.Time) error {
	if c.dead.Load() {
		t = past
	}
	return c.Conn.SetDeadline(t)
}

func (c *conn) SetReadDeadline(t time.Time) error {
	if c.dead.Load() {
		t = past
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	if c.dead.Load() {
		t = past
	}
	return c.Conn.SetWriteDeadline(t)
}

// attemptConn holds the attempt's connection once dialled.
type attemptConn struct {
	mu   sync.Mutex
	c    *conn
	dead bool
}

func (a *attemptConn) set(c *conn) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.c = c
	if a.dead {
		c.kill()
	}
}

func (a *attemptConn) kill() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dead = true
	if a.c != nil {
		a.c.kill()
	}
}

// authPicker logs in with PLAIN, or LOGIN when the server offers only
// that (Office 365 and some relays), and notes that it began.
type authPicker struct {
	user, pass, host string
	allowPlainText   bool
	inner            gosmtp.Auth
	started          atomic.Bool
}

func (a *authPicker) Start(server *gosmtp.ServerInfo) (string, []byte, error) {
	a.started.Store(true)
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		a.inner = gosmtp.PlainAuth("", a.user, a.pass, a.host, a.allowPlainText)
	case slices.Contains(server.Auth, "LOGIN"):
		a.inner = gosmtp.LoginAuth(a.user, a.pass, a.host, a.allowPlainText)
	case len(server.Auth) == 0:
		return "", nil, errNoAuth
	default:
		return "", nil, fmt.Errorf("%w (it offers %s)", errNoAuthMech, strings.Join(server.Auth, ", "))
	}
	return a.inner.Start(server)
}

func (a *authPicker) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.inner.Next(fromServer, more)
}

var (
	errNoAuth     = errors.New("the server offers no login (AUTH)")
	errNoAuthMech = errors.New("the server offers no login the station speaks (PLAIN or LOGIN)")
)

// deliver dials, sends msg and classifies what happened.
func (e *Email) deliver(ctx context.Context, msg *mail.Msg) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", &Error{Kind: NotSent, Err: fmt.Errorf("not sent: %w", err)}
	}
	ac := &attemptConn{}
	stop := context.AfterFunc(ctx, ac.kill)
	defer stop()

	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: e.cfg.Timeout}
		raw, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := &conn{Conn: raw}
		_ = c.SetDeadline(time.Now().Add(e.cfg.Timeout)) // greeting, EHLO, STARTTLS, AUTH
		ac.set(c)
		if e.cfg.Security != SecurityTLS {
			return c, nil
		}
		tc := tls.Client(c, e.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			raw.Close()
			return nil, err
		}
		return tc, nil
	}
	opts := []mail.Option{
		mail.WithPort(e.cfg.Port),
		mail.WithTimeout(e.cfg.Timeout),
		mail.WithDialContextFunc(dial),
		mail.WithTLSConfig(e.tls),
	}
	switch e.cfg.Security {
	case SecuritySTARTTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default: // tls: already encrypted by dial; none: plain
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	var auth *authPicker
	if e.cfg.Username != "" {
		auth = &authPicker{user: e.cfg.Username, pass: e.cfg.Password, host: e.cfg.Host,
			allowPlainText: e.cfg.Security == SecurityNone}
		opts = append(opts, mail.WithSMTPAuthCustom(auth))
	}
	client, err := mail.NewClient(e.cfg.Host, opts...)
	if err != nil {
		return "", newError(Refused, 0, "[notify.email]: %v", err)
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return "", e.sessionProblem(ctx, err, auth)
	}
	defer func() {
		if client.CloseWithSMTPClient(sc) != nil {
			_ = sc.Close()
		}
	}()
	err = client.SendWithSMTPClient(sc, msg)
	if msg.IsDelivered() {
		// The server accepted the DATA; a failure after (RSET) changes
		// nothing.
		return "250 " + msg.ServerResponse(), nil
	}
	if err == nil {
		return "", &Error{Kind: Unknown, Err: errors.New("the SMTP server's answer to the message is missing")}
	}
	return "", e.sendProblem(ctx, err, msg)
}

// sessionProblem classifies an error before any message data was sent
// (connect, greeting, EHLO, STARTTLS, AUTH): never Unknown.
func (e *Email) sessionProblem(ctx context.Context, err error, auth *authPicker) error {
	server := fmt.Sprintf("%s:%d", e.cfg.Host, e.cfg.Port)
	if ctx.Err() != nil {
		return &Error{Kind: NotSent, Err: fmt.Errorf("not sent: stopped while connecting to %s", server)}
	}
	var te *textproto.Error
	var dns *net.DNSError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	var ne net.Error
	authStarted := auth != nil && auth.started.Load()
	switch {
	case errors.As(err, &te):
		reply := fmt.Sprintf("%d %s", te.Code, oneLine(te.Msg))
		switch {
		case te.Code == 421:
			return &Error{Kind: Unreachable, Status: te.Code, Err: fmt.Errorf("the SMTP server %s is not taking mail now (%s)", server, reply)}
		case te.Code >= 400 && te.Code < 500:
			return &Error{Kind: NotSent, Status: te.Code, Err: fmt.Errorf("the SMTP server %s said not now (%s): trying again later", server, reply)}
		case authStarted:
			return &Error{Kind: Refused, Status: te.Code, Err: fmt.Errorf("the SMTP server %s refused the login (%s): check [notify.email] username and %s, then Retry", server, reply, SMTPPasswordEnv)}
		default:
			return &Error{Kind: Refused, Status: te.Code, Err: fmt.Errorf("the SMTP server %s refused the session (%s): check [notify.email] host, port and security, then Retry", server, reply)}
		}
	case errors.Is(err, errNoAuth), errors.Is(err, errNoAuthMech):
		return &Error{Kind: Refused, Err: fmt.Errorf("cannot log in to %s: %v: check [notify.email] security (logins are offered only over TLS) and username, then Retry", server, err)}
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		return &Error{Kind: Refused, Err: fmt.Errorf("the SMTP server %s does not offer STARTTLS: set [notify.email] security = \"tls\" (port 465), or \"none\" only for a relay on this machine, then Retry", server)}
	case errors.As(err, &dns):
		return &Error{Kind: Unreachable, Err: fmt.Errorf("cannot find the SMTP server %s (%v): check [notify.email] host and the network", e.cfg.Host, dns.Err)}
	case errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		return &Error{Kind: Unreachable, Err: fmt.Errorf("the SMTP server %s shows a TLS certificate the station does not trust (%v): check [notify.email] host", server, err)}
	case errors.As(err, &rh):
		return &Error{Kind: Unreachable, Err: fmt.Errorf("the SMTP server %s does not speak TLS on this port: check [notify.email] security and port (starttls 587, tls 465)", server)}
	case errors.As(err, &ne) && ne.Timeout():
		return &Error{Kind: Unreachable, Err: fmt.Errorf("no answer from the SMTP server %s within %s", server, e.cfg.Timeout)}
	case errors.Is(err, io.EOF):
		return &Error{Kind: Unreachable, Err: fmt.Errorf("the SMTP server %s closed the connection before it was ready", server)}
	}
	return &Error{Kind: Unreachable, Err: fmt.Errorf("cannot reach the SMTP server %s: %v", server, err)}
}

// sendProblem classifies an error of the MAIL … DATA exchange. Only a
// lost answer after the whole message was written is Unknown: until the
// final "." the server cannot have accepted anything.
func (e *Email) sendProblem(ctx context.Context, err error, msg *mail.Msg) error {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return &Error{Kind: Unknown, Err: fmt.Errorf("sending to the SMTP server failed in an unexpected way (%v)", err)}
	}
	code := se.ErrorCode()
	reply := serverReply(se)
	to := strings.Join(recipients(msg), ", ")
	stopped := ctx.Err() != nil
	switch se.Reason {
	case mail.ErrConnCheck:
		return &Error{Kind: Unreachable, Err: fmt.Errorf("the SMTP server %s:%d dropped the connection before the message", e.cfg.Host, e.cfg.Port)}
	case mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo, mail.ErrSMTPData:
		switch {
		case code >= 500:
			if se.Reason == mail.ErrSMTPRcptTo {
				return &Error{Kind: Refused, Status: code, Response: reply,
					Err: fmt.Errorf("the SMTP server refused the receiver %s (%s): the address is wrong or closed; Discard it, or Retry if the server was wrong", to, reply)}
			}
			if se.Reason == mail.ErrSMTPMailFrom && (code == 530 || strings.Contains(strings.ToLower(reply), "auth")) {
				return &Error{Kind: Refused, Status: code, Response: reply,
					Err: fmt.Errorf("the SMTP server wants a login before it takes mail (%s): set [notify.email] username and %s, then Retry", reply, SMTPPasswordEnv)}
			}
			if se.Reason == mail.ErrSMTPMailFrom {
				return &Error{Kind: Refused, Status: code, Response: reply,
					Err: fmt.Errorf("the SMTP server refused the sender %s (%s): check [notify.email] from is an address %s may send as, then Retry", e.from.Address, reply, orDash(e.cfg.Username))}
			}
			return &Error{Kind: Refused, Status: code, Response: reply,
				Err: fmt.Errorf("the SMTP server refused the message to %s (%s): Retry or Discard it", to, reply)}
		case code >= 400:
			return &Error{Kind: NotSent, Status: code, Response: reply,
				Err: fmt.Errorf("the SMTP server did not take the message to %s now (%s): trying again later", to, reply)}
		case stopped:
			return &Error{Kind: NotSent, Err: errors.New("not sent: stopped before the message was written")}
		}
		return &Error{Kind: Unreachable, Err: fmt.Errorf("the connection to the SMTP server broke before the message was written (%s)", reply)}
	case mail.ErrWriteContent:
		if stopped {
			return &Error{Kind: NotSent, Err: errors.New("not sent: stopped while the message was being written")}
		}
		return &Error{Kind: Unreachable, Err: fmt.Errorf("the connection to the SMTP server broke while the message was written (%s); it was not complete, so it was not taken", reply)}
	case mail.ErrSMTPDataClose:
		switch {
		case code >= 500:
			return &Error{Kind: Refused, Status: code, Response: reply,
				Err: fmt.Errorf("the SMTP server rejected the message to %s (%s): check the template (size, links) or the sender's reputation, then Retry or Discard", to, reply)}
		case code >= 400:
			return &Error{Kind: NotSent, Status: code, Response: reply,
				Err: fmt.Errorf("the SMTP server did not take the message to %s now (%s): trying again later", to, reply)}
		}
		what := "no answer"
		if stopped {
			what = "the station stopped waiting"
		}
		return &Error{Kind: Unknown, Err: fmt.Errorf("the whole e-mail to %s was sent but the SMTP server's answer was lost (%s: %s)", to, what, reply)}
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		return &Error{Kind: Refused, Err: fmt.Errorf("the e-mail cannot be sent (%s): Discard it", reply)}
	}
	return &Error{Kind: Unknown, Err: fmt.Errorf("sending to the SMTP server failed at an unclear point (%s)", reply)}
}

// serverReply is the reply (or the local error) inside a SendError, as
// far as its text tells.
func serverReply(se *mail.SendError) string {
	s := se.Error()
	if i := strings.Index(s, ", affected recipient(s)"); i >= 0 {
		s = s[:i]
	} else if i := strings.Index(s, ", affected message ID"); i >= 0 {
		s = s[:i]
	}
	if p := se.Reason.String() + ": "; strings.HasPrefix(s, p) {
		s = s[len(p):]
	}
	return shorten(s, 200)
}

func recipients(msg *mail.Msg) []string {
	r, _ := msg.GetRecipients()
	return r
}

func orDash(s string) string {
	if s == "" {
		return "the station"
	}
	return s
}

// isLoopbackHost says whether host is this machine.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
