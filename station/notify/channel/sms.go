package channel

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"labelstation/station/notify"
	"labelstation/station/outbox"
	"labelstation/store"
)

// SMSPasswordEnv holds the SMS gateway's password (46elks: the API
// password) when the config has none.
const SMSPasswordEnv = "LABELSTATION_SMS_PASSWORD"

// SMS providers.
const (
	// Provider46elks is 46elks' form API: POST from, to, message with
	// basic auth; answers 200 with JSON (id, status "created", cost…),
	// errors as 4xx with a plain-text reason.
	Provider46elks = "46elks"
	// ProviderCustom is any HTTP gateway described by SMSConfig's Method,
	// ContentType, Fields and Headers.
	ProviderCustom = "custom"
)

// URL46elks is 46elks' send-SMS resource.
const URL46elks = "https://api.46elks.com/a1/sms"

// SMSConfig is [notify.sms].
type SMSConfig struct {
	// Provider is "46elks" (default: the ready profile) or "custom".
	Provider string
	// URL is the send resource (46elks default https://api.46elks.com/a1/sms).
	// https://, or http:// only to this machine.
	URL string
	// Username and Password are sent as basic auth when Username is set
	// (46elks: the API username and password); the password comes from
	// LABELSTATION_SMS_PASSWORD when Password is empty.
	Username, Password string
	// From is the sender as receivers see it: a name of at most 11
	// letters and digits starting with a letter ("Shop"), or a number in
	// E.164 ("+46766861004") to receive replies.
	From string

	// Custom only:

	// Method is POST (default), PUT or GET (fields in the query).
	Method string
	// ContentType is "form" (default, application/x-www-form-urlencoded)
	// or "json" (an object of strings).
	ContentType string
	// Fields are the request's fields. Values may hold placeholders:
	// {to} (E.164, "+4670…"), {to_digits} (without the +), {from},
	// {text}, {id} (the message's event id: the same on every attempt,
	// for a gateway that deduplicates), {username}, {password}. E.g.
	// {"to": "{to}", "from": "{from}", "message": "{text}"}.
	Fields map[string]string
	// Headers are extra request headers; values may hold the same
	// placeholders (e.g. "Authorization": "Bearer {password}").
	Headers map[string]string

	// Timeout bounds one request, answer included (default 15s).
	Timeout time.Duration
	// Country reads a national number (070…) when the order's country is
	// unknown: ISO 3166 alpha-2, default SE.
	Country string
}

// SMS sends text messages through an HTTP SMS gateway. It is safe for
// concurrent use.
type SMS struct {
	cfg    SMSConfig
	url    string // redacted, for messages
	client *http.Client
}

var (
	placeholder = regexp.MustCompile(`\{[^{}]*\}`)
	senderName  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,10}$`)
)

var placeholders = []string{"{to}", "{to_digits}", "{from}", "{text}", "{id}", "{username}", "{password}"}

// NewSMS checks cfg and returns the sender. The errors name the config key
// to fix.
func NewSMS(cfg SMSConfig) (*SMS, error) {
	cfg.Provider = strings.ToLower(strings.TrimSpace(cfg.Provider))
	if cfg.Provider == "" {
		cfg.Provider = Provider46elks
	}
	if cfg.Password == "" {
		cfg.Password = os.Getenv(SMSPasswordEnv)
	}
	cfg.From = strings.TrimSpace(cfg.From)
	if cfg.From != "" && !senderName.MatchString(cfg.From) {
		if n, err := NormalizePhone(cfg.From, ""); err != nil || n != cfg.From {
			return nil, fmt.Errorf("[notify.sms] from %q is neither a sender name (at most 11 letters and digits, starting with a letter) nor a number in E.164 (+46…)", cfg.From)
		}
	}
	switch cfg.Provider {
	case Provider46elks:
		if cfg.URL == "" {
			cfg.URL = URL46elks
		}
		if cfg.Method != "" || cfg.ContentType != "" || len(cfg.Fields) > 0 || len(cfg.Headers) > 0 {
			return nil, errors.New("[notify.sms] method, content_type, fields and headers are read only with provider = \"custom\"")
		}
		if cfg.Username == "" {
			return nil, errors.New("[notify.sms] username is empty: set it to the 46elks API username (46elks dashboard → API credentials)")
		}
		if cfg.Password == "" {
			return nil, fmt.Errorf("[notify.sms] has no password: set the environment variable %s to the 46elks API password", SMSPasswordEnv)
		}
		if cfg.From == "" {
			return nil, errors.New("[notify.sms] from is empty: set the sender name receivers see (at most 11 letters and digits) or a number in E.164")
		}
		cfg.Method, cfg.ContentType = http.MethodPost, "form"
		cfg.Fields = map[string]string{"from": "{from}", "to": "{to}", "message": "{text}"}
	case ProviderCustom:
		if cfg.URL == "" {
			return nil, errors.New("[notify.sms] url is empty: set the gateway's send URL")
		}
		cfg.Method = strings.ToUpper(strings.TrimSpace(cfg.Method))
		if cfg.Method == "" {
			cfg.Method = http.MethodPost
		}
		if cfg.Method != http.MethodPost && cfg.Method != http.MethodPut && cfg.Method != http.MethodGet {
			return nil, fmt.Errorf("[notify.sms] method %q is not POST, PUT or GET", cfg.Method)
		}
		cfg.ContentType = strings.ToLower(strings.TrimSpace(cfg.ContentType))
		if cfg.ContentType == "" {
			cfg.ContentType = "form"
		}
		if cfg.ContentType != "form" && cfg.ContentType != "json" {
			return nil, fmt.Errorf("[notify.sms] content_type %q is not \"form\" or \"json\"", cfg.ContentType)
		}
		if cfg.Method == http.MethodGet && cfg.ContentType == "json" {
			return nil, errors.New("[notify.sms] content_type = \"json\" needs method POST or PUT")
		}
		if len(cfg.Fields) == 0 {
			return nil, errors.New(`[notify.sms] fields are empty: describe the request, e.g. fields = { to = "{to}", from = "{from}", message = "{text}" }`)
		}
		all := ""
		for k, v := range cfg.Fields {
			if k == "" {
				return nil, errors.New("[notify.sms] fields has a field without a name")
			}
			if err := checkPlaceholders("fields."+k, v); err != nil {
				return nil, err
			}
			all += v
		}
		for k, v := range cfg.Headers {
			if k == "" || strings.ContainsAny(k+v, "\r\n") || strings.ContainsAny(k, " :") {
				return nil, fmt.Errorf("[notify.sms] headers %q cannot be a header", k)
			}
			if err := checkPlaceholders("headers."+k, v); err != nil {
				return nil, err
			}
			all += v
		}
		if !strings.Contains(all, "{to}") && !strings.Contains(all, "{to_digits}") {
			return nil, errors.New("[notify.sms] fields name no receiver: put {to} (or {to_digits}) in one")
		}
		if !strings.Contains(all, "{text}") {
			return nil, errors.New("[notify.sms] fields carry no text: put {text} in one")
		}
		if strings.Contains(all, "{from}") && cfg.From == "" {
			return nil, errors.New("[notify.sms] from is empty but fields use {from}: set the sender name or number")
		}
		if (strings.Contains(all, "{password}") || strings.Contains(all, "{username}")) && cfg.Password == "" && cfg.Username == "" {
			return nil, fmt.Errorf("[notify.sms] fields or headers use {username}/{password} but none is set: set username and %s", SMSPasswordEnv)
		}
		cfg.Fields = maps.Clone(cfg.Fields)
		cfg.Headers = maps.Clone(cfg.Headers)
	default:
		return nil, fmt.Errorf("[notify.sms] provider %q is not \"46elks\" or \"custom\"", cfg.Provider)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("[notify.sms] url %q is not an http(s) address", redactURL(cfg.URL))
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("[notify.sms] url %s must be https:// (the password and the receivers' numbers would travel unencrypted)", redactURL(cfg.URL))
	}
	if u.User != nil {
		return nil, errors.New("[notify.sms] url must not hold a password: use username and " + SMSPasswordEnv)
	}
	if cfg.Username != "" && cfg.Password == "" {
		return nil, fmt.Errorf("[notify.sms] username is set but there is no password: set the environment variable %s", SMSPasswordEnv)
	}
	cfg.Country = strings.ToUpper(strings.TrimSpace(cfg.Country))
	if cfg.Country == "" {
		cfg.Country = "SE"
	}
	if _, ok := countries[cfg.Country]; !ok {
		return nil, fmt.Errorf("[notify.sms] country %q is not one the station reads national numbers of (%s)", cfg.Country, strings.Join(slices.Sorted(maps.Keys(countries)), ", "))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	// One connection per SMS, HTTP/1.1: a request is never written on a
	// connection the gateway may already have closed, so a lost answer
	// really means the gateway had the whole request (Unknown), and the
	// transport never replays a POST by itself.
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: cfg.Timeout}).DialContext,
		TLSHandshakeTimeout:   min(10*time.Second, cfg.Timeout),
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		DisableKeepAlives:     true,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	client := &http.Client{
		Transport:     tr,
		Timeout:       cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &SMS{cfg: cfg, url: redactURL(cfg.URL), client: client}, nil
}

func checkPlaceholders(key, v string) error {
	for _, p := range placeholder.FindAllString(v, -1) {
		if !slices.Contains(placeholders, p) {
			return fmt.Errorf("[notify.sms] %s names %s, which the station does not know (it knows %s)", key, p, strings.Join(placeholders, " "))
		}
	}
	return nil
}

// Send sends one SMS. The answer is the gateway's body (46elks: JSON with
// the SMS's id, status and cost). Errors are *Error.
func (s *SMS) Send(ctx context.Context, m store.Message, o notify.Outgoing) (string, error) {
	to, err := NormalizePhone(o.To, s.cfg.Country)
	if err != nil {
		return "", newError(Refused, 0, "%v; the SMS cannot be sent: Discard it (fix the order's phone for later messages)", err)
	}
	if strings.TrimSpace(o.Text) == "" {
		return "", newError(Refused, 0, "the SMS to %s has no text: check the rule's template, then Discard it", to)
	}
	if err := ctx.Err(); err != nil {
		return "", &Error{Kind: NotSent, Err: fmt.Errorf("not sent: %w", err)}
	}
	req, err := s.request(ctx, m, o, to)
	if err != nil {
		return "", newError(Refused, 0, "[notify.sms] url %s cannot be used (%v): fix it, then Retry", s.url, err)
	}
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	}))
	resp, err := s.client.Do(req)
	if err != nil {
		return "", s.noAnswer(ctx, err, wrote.Load(), to)
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if rerr != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// A 2xx status line is the gateway's word that it took the SMS;
		// a body cut short does not change that.
		body = append(body, []byte(" (answer cut short)")...)
	}
	return s.answer(resp, body, to)
}

// request builds the HTTP request for one SMS.
func (s *SMS) request(ctx context.Context, m store.Message, o notify.Outgoing, to string) (*http.Request, error) {
	r := strings.NewReplacer("{to}", to, "{to_digits}", strings.TrimPrefix(to, "+"), "{from}", s.cfg.From,
		"{text}", o.Text, "{id}", m.ID, "{username}", s.cfg.Username, "{password}", s.cfg.Password)
	keys := slices.Sorted(maps.Keys(s.cfg.Fields))
	target := s.cfg.URL
	var body io.Reader
	ctype := ""
	switch {
	case s.cfg.Method == http.MethodGet:
		u, err := url.Parse(target)
		if err != nil {
			return nil, err
		}
		q := u.Query()
		for _, k := range keys {
			q.Set(k, r.Replace(s.cfg.Fields[k]))
		}
		u.RawQuery = q.Encode()
		target = u.String()
	case s.cfg.ContentType == "json":
		obj := make(map[string]string, len(keys))
		for _, k := range keys {
			obj[k] = r.Replace(s.cfg.Fields[k])
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, err
		}
		body, ctype = bytes.NewReader(b), "application/json"
	default:
		form := url.Values{}
		for _, k := range keys {
			form.Set(k, r.Replace(s.cfg.Fields[k]))
		}
		body, ctype = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, s.cfg.Method, target, body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json, text/plain;q=0.9, */*;q=0.5")
	req.Header.Set("User-Agent", "labelstation")
	for _, k := range slices.Sorted(maps.Keys(s.cfg.Headers)) {
		req.Header.Set(k, r.Replace(s.cfg.Headers[k]))
	}
	if s.cfg.Username != "" {
		req.SetBasicAuth(s.cfg.Username, s.cfg.Password)
	}
	return req, nil
}

// noAnswer classifies a request that got no answer: Unknown once the whole
// request was written, otherwise not sent.
func (s *SMS) noAnswer(ctx context.Context, err error, wrote bool, to string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text holds the URL
	}
	if wrote {
		what := fmt.Sprintf("no answer within %s", s.cfg.Timeout)
		if ctx.Err() != nil {
			what = "the station stopped waiting"
		} else if !isTimeout(err) {
			what = fmt.Sprintf("the connection broke: %v", err)
		}
		return &Error{Kind: Unknown, Err: fmt.Errorf("the SMS gateway %s got the SMS to %s but its answer was lost (%s)", s.url, to, what)}
	}
	if ctx.Err() != nil {
		return &Error{Kind: NotSent, Err: fmt.Errorf("not sent: stopped before the SMS to %s was sent", to)}
	}
	var dns *net.DNSError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	switch {
	case errors.As(err, &dns):
		return &Error{Kind: Unreachable, Err: fmt.Errorf("cannot find the SMS gateway's host %s (%v): check [notify.sms] url and the network", dns.Name, dns.Err)}
	case errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		return &Error{Kind: Unreachable, Err: fmt.Errorf("the SMS gateway %s shows a TLS certificate the station does not trust (%v)", s.url, err)}
	case errors.As(err, &rh):
		return &Error{Kind: Unreachable, Err: fmt.Errorf("the SMS gateway %s does not speak TLS: check https:// vs http:// in [notify.sms] url", s.url)}
	case isTimeout(err):
		return &Error{Kind: Unreachable, Err: fmt.Errorf("no answer from the SMS gateway %s within %s", s.url, s.cfg.Timeout)}
	}
	return &Error{Kind: Unreachable, Err: fmt.Errorf("cannot reach the SMS gateway %s: %v", s.url, err)}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// answer classifies the gateway's answer.
func (s *SMS) answer(resp *http.Response, body []byte, to string) (string, error) {
	code := resp.StatusCode
	text := clip(string(body), responseKeep)
	if code >= 200 && code < 300 {
		return text, nil
	}
	what := fmt.Sprintf("the SMS gateway answered HTTP %d %s", code, http.StatusText(code))
	if text != "" {
		what += fmt.Sprintf(" (%q)", shorten(text, 120))
	}
	e := &Error{Status: code, Response: text}
	switch {
	case code == http.StatusTooManyRequests, code == http.StatusServiceUnavailable,
		code == http.StatusRequestTimeout, code == http.StatusTooEarly:
		// Turned away at the door: the SMS was not taken.
		e.Kind = NotSent
		e.RetryAfter = outbox.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		e.Err = fmt.Errorf("%s: it is busy or down and did not take the SMS to %s; trying again later", what, to)
	case code >= 500:
		// The request got in and something broke: the SMS may have gone
		// to the carrier (see the package doc).
		e.Kind = Unknown
		e.Err = fmt.Errorf("%s while handling the SMS to %s: it may have been sent", what, to)
	case code >= 300 && code < 400:
		e.Kind = Refused
		e.Err = fmt.Errorf("%s, a redirect to %s: set [notify.sms] url to the address that takes the SMS, then Retry", what, redactURL(resp.Header.Get("Location")))
	case code == http.StatusUnauthorized:
		e.Kind = Refused
		e.Err = fmt.Errorf("%s: it refused the station's credentials: check [notify.sms] username and %s, then Retry", what, SMSPasswordEnv)
	case code == http.StatusPaymentRequired:
		e.Kind = Refused
		e.Err = fmt.Errorf("%s: the account is out of credit: top it up, then Retry", what)
	case code == http.StatusForbidden:
		// 46elks answers every refusal 403 with the reason as text
		// (a bad number, credentials, no credit, a sender not allowed).
		e.Kind = Refused
		e.Err = fmt.Errorf("%s: it refused the SMS to %s: do what the reason says (number, sender in [notify.sms] from, credentials, credit), then Retry or Discard", what, to)
	case code == http.StatusNotFound, code == http.StatusMethodNotAllowed, code == http.StatusGone:
		e.Kind = Refused
		e.Err = fmt.Errorf("%s: there is no SMS API at %s: check [notify.sms] url (and method), then Retry", what, s.url)
	case code == http.StatusRequestEntityTooLarge:
		e.Kind = Refused
		e.Err = fmt.Errorf("%s: the SMS is too long for the gateway: shorten the template's SMS text, then Discard it", what)
	default: // 400, 422 and the other 4xx
		e.Kind = Refused
		e.Err = fmt.Errorf("%s: it refused the SMS to %s (a bad number or text): Discard it, or Retry once the cause is fixed", what, to)
	}
	return "", e
}

// redactURL drops a URL's query and user info (they may hold keys).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unreadable url)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}

// Phone numbers ----------------------------------------------------------

// country is how a country writes its numbers: the calling code and the
// trunk prefix of national numbers ("" if none: the national number is
// dialled as is, and is natLen digits long).
type country struct {
	code   string
	trunk  string
	natLen int
}

var countries = map[string]country{
	"SE": {"46", "0", 0}, "NO": {"47", "", 8}, "DK": {"45", "", 8}, "FI": {"358", "0", 0},
	"IS": {"354", "", 7}, "DE": {"49", "0", 0}, "NL": {"31", "0", 0}, "GB": {"44", "0", 0},
	"PL": {"48", "", 9}, "EE": {"372", "", 0}, "FR": {"33", "0", 0}, "AT": {"43", "0", 0},
	"CH": {"41", "0", 0}, "BE": {"32", "0", 0}, "ES": {"34", "", 9}, "IE": {"353", "0", 0},
	"LT": {"370", "8", 0}, "LV": {"371", "", 8},
}

func isInternational(raw string) bool {
	s := strings.TrimSpace(raw)
	return strings.HasPrefix(s, "+") || strings.HasPrefix(s, "00")
}

// NormalizePhone returns raw as an E.164 number ("+46701234567"). A
// number written nationally ("070-123 45 67") is read by countryCode
// (ISO alpha-2, the receiver's country); spaces, dashes, dots, slashes
// and brackets are dropped, "00" means "+", and "+46 (0)70…" drops the
// bracketed trunk 0. What cannot be a number is an error.
func NormalizePhone(raw, countryCode string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(raw) {
		switch {
		case r >= '0' && r <= '9', r == '+' && b.Len() == 0:
			b.WriteRune(r)
		case r == ' ', r == '-', r == '.', r == '/', r == '(', r == ')', r == '\u00a0', r == '\u2011', r == '\u2013':
		default:
			return "", fmt.Errorf("the phone number %q cannot be a phone number", raw)
		}
	}
	s := b.String()
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	c, known := countries[strings.ToUpper(strings.TrimSpace(countryCode))]
	switch {
	case s == "":
		return "", errors.New("the phone number is empty")
	case strings.HasPrefix(s, "+"):
		d := s[1:]
		for _, k := range countries { // "+46 (0)70…"
			if k.trunk == "0" && strings.HasPrefix(d, k.code+"0") && len(d)-len(k.code)-1 >= 7 {
				d = k.code + d[len(k.code)+1:]
				break
			}
		}
		s = "+" + d
	case !known:
		return "", fmt.Errorf("the phone number %q has no country code (+46…) and the receiver's country %q is not one the station reads national numbers of", raw, countryCode)
	case c.trunk != "" && strings.HasPrefix(s, c.trunk) && !strings.HasPrefix(s, c.trunk+c.trunk):
		s = "+" + c.code + s[len(c.trunk):]
	case c.trunk == "" && c.natLen > 0 && len(s) == c.natLen:
		s = "+" + c.code + s
	case strings.HasPrefix(s, c.code) && len(s)-len(c.code) >= 7:
		s = "+" + s // the country code without the +
	default:
		return "", fmt.Errorf("the phone number %q cannot be a phone number in %s", raw, strings.ToUpper(countryCode))
	}
	d := s[1:]
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", fmt.Errorf("the phone number %q cannot be a phone number (%s has %d digits)", raw, s, len(d))
	}
	return s, nil
}
