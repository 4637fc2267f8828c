package ordersource

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"labelstation/carrier"
)

// DefaultTimeout bounds one WMS lookup when HTTPConfig.Timeout is 0.
const DefaultTimeout = 5 * time.Second

// maxAnswer is the largest WMS answer read; an order is a few kB.
const maxAnswer = 1 << 20

// refPlaceholder marks where the scanned reference goes in the URL;
// refStandIn replaces it while the template is parsed.
const (
	refPlaceholder = "{ref}"
	refStandIn     = "LABELSTATIONREF"
)

// HTTPConfig configures the WMS order lookup ([orders.http]).
type HTTPConfig struct {
	// URL is a template that must contain {ref}, e.g.
	// "https://wms.example/api/orders/{ref}" or
	// "https://wms.example/api/orders?ref={ref}". {ref} is path-escaped in
	// the path and query-escaped in the query.
	URL string
	// Headers are sent with every lookup, e.g. Authorization: "Bearer …".
	// Their values are secrets: they never appear in errors or Describe.
	Headers map[string]string
	// Mapping maps our order fields to the WMS's JSON paths; entries
	// override DefaultMapping.
	Mapping Mapping
	// Timeout bounds the whole request including reading the answer;
	// 0 means DefaultTimeout.
	Timeout time.Duration
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
}

// HTTP looks orders up in the WMS by reference. It is safe for concurrent
// use.
type HTTP struct {
	pathTmpl  string // the template up to '?', {ref} to be path-escaped
	queryTmpl string // the template after '?', {ref} to be query-escaped; "" when none
	host      string // host[:port], for messages
	describe  string
	headers   http.Header
	mapping   compiled
	timeout   time.Duration
	client    *http.Client
	redact    carrier.Redactor
}

// NewHTTP checks cfg and returns the lookup. Its errors are *Error of
// KindConfig naming the setting to fix.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	const op = "new wms lookup"
	bad := func(msg, hint string) error {
		return &Error{Op: op, Kind: KindConfig, Msg: msg, Hint: hint}
	}
	const example = `e.g. url = "https://wms.example/api/orders/{ref}"`
	raw := strings.TrimSpace(cfg.URL)
	if raw == "" {
		return nil, bad("[orders.http] url is empty", "give the WMS's order URL with {ref} where the order reference goes, "+example)
	}
	if !strings.Contains(raw, refPlaceholder) {
		return nil, bad("[orders.http] url has no {ref}: the station cannot tell the WMS which order it wants",
			"put {ref} where the order reference goes, "+example)
	}
	// Parse with a harmless stand-in for {ref}; never show the URL itself
	// in a message, it may carry a token in its query.
	u, err := url.Parse(strings.ReplaceAll(raw, refPlaceholder, refStandIn))
	if err != nil {
		return nil, bad("[orders.http] url is not a URL", example)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, bad(fmt.Sprintf("[orders.http] url starts with %q: the WMS is asked over http or https only", u.Scheme+":"), example)
	}
	if u.Host == "" {
		return nil, bad("[orders.http] url has no host", example)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, bad("[orders.http] url has a #fragment, which is never sent to the WMS", "remove the # part, "+example)
	}
	pathPart, queryPart, _ := strings.Cut(raw, "?")
	if i := strings.Index(pathPart, "://"); i >= 0 {
		authority, _, _ := strings.Cut(pathPart[i+3:], "/")
		if strings.Contains(authority, refPlaceholder) {
			return nil, bad("[orders.http] url has {ref} in the host: it belongs in the path or the query", example)
		}
	}
	mapping, err := cfg.Mapping.compile()
	if err != nil {
		return nil, err
	}
	h := &HTTP{
		pathTmpl:  pathPart,
		queryTmpl: queryPart,
		host:      u.Host,
		headers:   http.Header{},
		mapping:   mapping,
		timeout:   cfg.Timeout,
		client:    cfg.Client,
	}
	if h.timeout <= 0 {
		h.timeout = DefaultTimeout
	}
	if h.client == nil {
		h.client = &http.Client{}
	}
	var secrets []string
	names := make([]string, 0, len(cfg.Headers))
	for name, v := range cfg.Headers {
		name = strings.TrimSpace(name)
		if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == ':' || r > unicode.MaxASCII }) {
			return nil, bad(fmt.Sprintf("[orders.http.headers] has a header named %q, which is not a valid header name", name),
				`e.g. Authorization = "Bearer ${WMS_TOKEN}"`)
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, bad(fmt.Sprintf("[orders.http.headers] %s has a line break in its value", name),
				"give the value on one line")
		}
		h.headers.Set(name, v)
		names = append(names, http.CanonicalHeaderKey(name))
		secrets = append(secrets, headerSecrets(v)...)
	}
	slices.Sort(names)
	if u.User != nil {
		secrets = append(secrets, u.User.Username())
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			if !strings.Contains(v, refStandIn) {
				secrets = append(secrets, v)
			}
		}
	}
	h.redact = carrier.NewRedactor(nil, longEnough(secrets)...)

	d := u.Scheme + "://" + u.Host + strings.ReplaceAll(u.EscapedPath(), refStandIn, refPlaceholder)
	if u.RawQuery != "" {
		var keys []string
		for _, kv := range strings.Split(u.RawQuery, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if strings.Contains(v, refStandIn) {
				keys = append(keys, k+"="+refPlaceholder)
			} else {
				keys = append(keys, k+"=…")
			}
		}
		d += "?" + strings.Join(keys, "&")
	}
	d += " (timeout " + h.timeout.String()
	if len(names) > 0 {
		d += ", headers " + strings.Join(names, ", ")
	}
	h.describe = "WMS " + d + ")"
	return h, nil
}

// headerSecrets are the parts of a header value to scrub: the value, and
// for "Bearer TOKEN" / "Basic CREDS" the credentials alone.
func headerSecrets(v string) []string {
	out := []string{v}
	if f := strings.Fields(v); len(f) > 1 {
		out = append(out, f[1:]...)
	}
	return out
}

// longEnough drops values too short to be secrets, which would otherwise
// be scrubbed out of every digit or word of a message ("v=1").
func longEnough(ss []string) []string {
	var out []string
	for _, s := range ss {
		if len(strings.TrimSpace(s)) >= 4 {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

// Describe names the lookup for messages and logs: the WMS's URL with
// {ref}, without userinfo or query values, the timeout and the header
// names (never their values).
func (h *HTTP) Describe() string { return h.describe }

// requestURL fills the template with ref.
func (h *HTTP) requestURL(ref string) string {
	s := strings.ReplaceAll(h.pathTmpl, refPlaceholder, url.PathEscape(ref))
	if h.queryTmpl != "" {
		s += "?" + strings.ReplaceAll(h.queryTmpl, refPlaceholder, url.QueryEscape(ref))
	}
	return s
}

// Lookup asks the WMS for the order with the scanned reference and maps
// its answer. Every error is an *Error: KindNotFound (wrapping
// ErrNotFound) when the WMS does not know the order, KindUnavailable,
// KindTimeout, KindAuth or KindBadAnswer otherwise.
func (h *HTTP) Lookup(ctx context.Context, ref string) (carrier.Order, error) {
	const op = "wms lookup"
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return carrier.Order{}, &Error{Op: op, Kind: KindNotFound, Err: ErrNotFound,
			Msg: "no order reference to look up in the WMS", Hint: "scan the order's barcode"}
	}
	limit := h.timeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < limit {
		limit = max(time.Until(d), 0)
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	body, status, err := h.get(ctx, ref)
	if err != nil {
		return carrier.Order{}, h.transportError(ctx, op, ref, limit, err)
	}
	switch {
	case status == http.StatusNotFound:
		return carrier.Order{}, notFound(op, ref)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return carrier.Order{}, &Error{Op: op, Kind: KindAuth,
			Msg:  fmt.Sprintf("the WMS at %s refused the station's credentials (HTTP %d) when asked for order %s", h.host, status, ref),
			Hint: "check the WMS token in [orders.http.headers] (e.g. Authorization), and that it may read orders",
			Err:  fmt.Errorf("HTTP %d", status)}
	case status == http.StatusTooManyRequests || status >= 500:
		return carrier.Order{}, &Error{Op: op, Kind: KindUnavailable,
			Msg:  fmt.Sprintf("the WMS at %s cannot answer right now (HTTP %d %s)", h.host, status, http.StatusText(status)),
			Hint: unavailableHint,
			Err:  fmt.Errorf("HTTP %d", status)}
	case status != http.StatusOK:
		return carrier.Order{}, &Error{Op: op, Kind: KindBadAnswer,
			Msg: fmt.Sprintf("the WMS at %s answered HTTP %d %s for order %s: %s",
				h.host, status, http.StatusText(status), ref, h.snippet(body)),
			Hint: "check [orders.http] url and headers against the WMS's API documentation",
			Err:  fmt.Errorf("HTTP %d", status)}
	}
	if len(body) > maxAnswer {
		return carrier.Order{}, &Error{Op: op, Kind: KindBadAnswer,
			Msg:  fmt.Sprintf("the WMS's answer for order %s is larger than 1 MiB, which no order is", ref),
			Hint: "check [orders.http] url: it should return one order"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	err = dec.Decode(&doc)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		return carrier.Order{}, &Error{Op: op, Kind: KindBadAnswer,
			Msg:  fmt.Sprintf("the WMS's answer for order %s is not JSON: %s", ref, h.snippet(body)),
			Hint: "check [orders.http] url: it should point at the WMS's JSON API, not a web page",
			Err:  h.redact.Error(err)}
	}
	switch d := doc.(type) {
	case nil:
		return carrier.Order{}, notFound(op, ref)
	case []any:
		if len(d) == 0 {
			return carrier.Order{}, notFound(op, ref)
		}
	case map[string]any:
	default:
		return carrier.Order{}, &Error{Op: op, Kind: KindBadAnswer,
			Msg:  fmt.Sprintf("the WMS answered %s for order %s, not an order", describe(d), ref),
			Hint: "check [orders.http] url: it should return the order as a JSON object"}
	}
	o, err := h.mapping.mapOrder(doc, ref)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Op = op
			e.Msg = h.redact.String(e.Msg)
		}
		return carrier.Order{}, err
	}
	return o, nil
}

const unavailableHint = "orders imported earlier still pack; check the WMS or the network, or import the orders from a file (labelstation orders import FILE)"

func notFound(op, ref string) error {
	return &Error{Op: op, Kind: KindNotFound, Err: ErrNotFound,
		Msg:  fmt.Sprintf("order %s is not known to the WMS", ref),
		Hint: "check the barcode: scan the order reference from the packing slip"}
}

// get sends the request and reads at most maxAnswer+1 bytes of the answer.
func (h *HTTP) get(ctx context.Context, ref string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.requestURL(ref), nil)
	if err != nil {
		return nil, 0, err
	}
	for k, v := range h.headers {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "labelstation")
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, 0, err
	}
	return body, resp.StatusCode, nil
}

// transportError classifies a failure to get an answer. The *url.Error
// net/http returns carries the full URL (query included), so only its
// cause is kept, redacted.
func (h *HTTP) transportError(ctx context.Context, op, ref string, limit time.Duration, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	cause := h.redact.Error(err)
	var te interface{ Timeout() bool }
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &Error{Op: op, Kind: KindCanceled, Err: cause,
			Msg:  fmt.Sprintf("the WMS lookup of order %s was canceled", ref),
			Hint: "scan the order again"}
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &te) && te.Timeout()):
		return &Error{Op: op, Kind: KindTimeout, Err: cause,
			Msg:  fmt.Sprintf("the WMS at %s did not answer within %s when asked for order %s", h.host, limit.Round(time.Millisecond), ref),
			Hint: "the WMS is slow or overloaded: scan again in a moment; " + unavailableHint}
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return &Error{Op: op, Kind: KindUnavailable, Err: cause,
			Msg:  fmt.Sprintf("the WMS at %s cannot be reached safely: its TLS certificate is not trusted", h.host),
			Hint: "check [orders.http] url (host name) and the WMS's certificate; " + unavailableHint}
	}
	var dnsErr *net.DNSError
	what := "cannot be reached"
	if errors.As(err, &dnsErr) {
		what = "cannot be reached: the host name is not known"
	}
	return &Error{Op: op, Kind: KindUnavailable, Err: cause,
		Msg:  fmt.Sprintf("the WMS at %s %s", h.host, what),
		Hint: unavailableHint}
}

// snippet shows the start of a WMS answer in a message: at most 200
// bytes, one line, printable, secrets scrubbed.
func (h *HTTP) snippet(body []byte) string {
	const max = 200
	s := h.redact.String(strings.ToValidUTF8(string(body), "\uFFFD"))
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
	cut := false
	if len(s) > max {
		i := max
		for i > 0 && !utf8RuneStart(s[i]) {
			i--
		}
		s, cut = s[:i], true
	}
	if s == "" {
		return "(empty answer)"
	}
	if cut {
		s += "…"
	}
	return strings.TrimSpace(s)
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
