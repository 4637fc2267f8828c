package stg

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"labelstation/carrier"
)

// CarrierName is the registry name of this carrier.
const CarrierName = "stg"

// PlaceholderBaseURL is the host the contract names. It is a placeholder,
// not STG's real host, and never a default: Config.BaseURL is required.
const PlaceholderBaseURL = "https://api.stg.example"

const (
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 3
	retryDelay        = 500 * time.Millisecond
	maxRetryDelay     = 10 * time.Second
	// maxResponseBytes bounds what we read from STG; labels are a few
	// hundred kilobytes of base64.
	maxResponseBytes = 32 << 20
)

// Config configures a Client.
type Config struct {
	// BaseURL is scheme and host (optionally a path prefix) of STG's API,
	// or a sandbox URL. Required; PlaceholderBaseURL is not a real host.
	BaseURL string
	// ClientID and ClientSecret are the OAuth2 client credentials.
	// Required. The secret never appears in an error.
	ClientID     string
	ClientSecret string
	// HTTPClient is used for every call; nil means a client that does not
	// follow redirects (a redirected POST would lose its body).
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt; 0 means 30 seconds.
	Timeout time.Duration
	// Now is the clock for token expiry and Booking.BookedAt; nil means
	// time.Now. Tests move it.
	Now func() time.Time
	// MaxRetries is how often a safe request (tracking, rates) is retried
	// after a connection error or a 429/502/503/504; 0 means 3, negative
	// means never. Bookings and returns are never retried here.
	MaxRetries int
}

// Client is an STG client. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	clientID   string
	secret     string
	hc         *http.Client
	timeout    time.Duration
	now        func() time.Time
	maxRetries int
	redact     carrier.Redactor
	tokens     *tokenCache
}

var (
	_ carrier.Carrier = (*Client)(nil)
	_ carrier.Quoter  = (*Client)(nil)
)

// New returns a client for cfg. It sends nothing: the first token is
// fetched by the first call.
func New(cfg Config) (*Client, error) {
	r := newRedactor(cfg.ClientSecret)
	if cfg.BaseURL == "" {
		return nil, errors.New("stg: new client: BaseURL is required (STG's host or a sandbox URL)")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("stg: new client: BaseURL %q is not an http(s) URL", r.String(cfg.BaseURL))
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("stg: new client: BaseURL %q must not carry a query or fragment", r.String(cfg.BaseURL))
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("stg: new client: ClientID and ClientSecret are required")
	}
	c := &Client{
		base:       base,
		clientID:   cfg.ClientID,
		secret:     cfg.ClientSecret,
		hc:         cfg.HTTPClient,
		timeout:    cfg.Timeout,
		now:        cfg.Now,
		maxRetries: cfg.MaxRetries,
		redact:     r,
		tokens:     newTokenCache(),
	}
	if c.hc == nil {
		c.hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.now == nil {
		c.now = time.Now
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = defaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	return c, nil
}

// Name returns "stg".
func (c *Client) Name() string { return CarrierName }

// request is one call to STG's /v1 API.
type request struct {
	op     string
	method string
	path   string // below the base URL, already escaped
	body   any    // marshalled as JSON; nil for none
	// key is the Idempotency-Key, the same for every attempt.
	key string
	// commits marks a call that creates something at STG (a shipment, a
	// return): once its request was written, a lost answer is an unknown
	// outcome, and it is never retried here.
	commits bool
	// safe marks a call that may be repeated without effect (tracking,
	// rates): only these are retried.
	safe bool
}

// response is a complete HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends r and returns a 2xx answer or a *carrier.Error. A safe
// request is retried on connection errors and 429/502/503/504 with
// exponential backoff, full jitter and Retry-After; any other request is
// sent once (plus the one resend after a refreshed token, see attempt).
func (c *Client) call(ctx context.Context, r request) (response, *carrier.Error) {
	var body []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return response{}, &carrier.Error{Carrier: CarrierName, Op: r.op, Kind: carrier.KindRejected,
				RequestID: r.key, Message: "encode request: " + err.Error(), Err: err}
		}
		body = b
	}
	attempts := 1
	if r.safe {
		attempts += c.maxRetries
	}
	var (
		last  *carrier.Error
		asked time.Duration
	)
	for i := 0; i < attempts; i++ {
		if i > 0 {
			t := time.NewTimer(backoff(i, asked))
			select {
			case <-ctx.Done():
				t.Stop()
				return response{}, last
			case <-t.C:
			}
		}
		resp, err := c.attempt(ctx, r, body)
		if err == nil {
			return resp, nil
		}
		last, asked = err, err.RetryAfter
		retry := err.Kind == carrier.KindUnavailable && (err.HTTPStatus == 0 || retryableStatus(err.HTTPStatus))
		if !r.safe || !retry || ctx.Err() != nil {
			break
		}
	}
	return response{}, last
}

// attempt sends r once with a bearer token. A 401 answered to a cached
// token means STG no longer accepts it (revoked, or expired early): the
// token is dropped, a new one fetched and the request sent once more with
// the same Idempotency-Key. A 401 to a token fetched for this very
// request is not retried.
func (c *Client) attempt(ctx context.Context, r request, body []byte) (response, *carrier.Error) {
	for try := 0; ; try++ {
		tok, fresh, terr := c.token(ctx, r.op)
		if terr != nil {
			return response{}, terr
		}
		resp, err := c.do(ctx, r, body, tok)
		if err != nil {
			return response{}, err
		}
		if resp.status >= 200 && resp.status < 300 {
			return resp, nil
		}
		if resp.status == http.StatusUnauthorized {
			// The token is no good either way; the next call fetches anew.
			c.tokens.drop(tok)
			if !fresh && try == 0 {
				continue
			}
		}
		return response{}, c.statusError(r.op, r.key, r.commits, resp)
	}
}

// do sends r once and returns the answer. Transport failures become a
// *carrier.Error: KindUnavailable when the request was never completely
// written (connection refused, DNS, dial), KindUnknownOutcome when a
// committing request was written and no complete answer came back.
func (c *Client) do(ctx context.Context, r request, body []byte, token string) (response, *carrier.Error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// wrote records that the whole request went onto the wire: from then
	// on STG may have acted on it.
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.url(r.path), rd)
	if err != nil {
		return response{}, c.transportError(r.op, r.key, carrier.KindRejected, "build request", err)
	}
	if body != nil {
		req.Header.Set(headerContentType, contentJSON)
	}
	req.Header.Set(headerAccept, contentJSON+", "+contentProblem)
	req.Header.Set(headerIdempotencyKey, r.key)
	req.Header.Set(headerAuthorization, bearerPrefix+token)
	resp, err := c.hc.Do(req)
	if err != nil {
		if r.commits && wrote.Load() {
			return response{}, c.transportError(r.op, r.key, carrier.KindUnknownOutcome,
				"request sent but no answer came back; the shipment may exist (a resend with the same Idempotency-Key replays it)", err)
		}
		return response{}, c.transportError(r.op, r.key, carrier.KindUnavailable, "STG could not be reached", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		kind, msg := carrier.KindUnavailable, "answer broke off"
		if r.commits {
			kind, msg = carrier.KindUnknownOutcome, fmt.Sprintf("HTTP %d answer broke off; the shipment may exist (a resend with the same Idempotency-Key replays it)", resp.StatusCode)
		}
		e := c.transportError(r.op, r.key, kind, msg, err)
		e.HTTPStatus = resp.StatusCode
		return response{}, e
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// url joins the base URL and an escaped path.
func (c *Client) url(path string) string {
	return c.base.String() + path
}

func (c *Client) transportError(op, key string, kind carrier.ErrorKind, msg string, err error) *carrier.Error {
	err = c.redact.Error(err)
	return &carrier.Error{
		Carrier: CarrierName, Op: op, Kind: kind, RequestID: key,
		Message: msg + ": " + err.Error(), Err: err,
	}
}

// retryableStatus are the answers that say "not now": rate limit, bad
// gateway, unavailable, gateway timeout. They are retried only for safe
// requests.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is the pause before retry number attempt (1-based): full
// jitter over an exponentially growing window, at least what the
// server's Retry-After asked for, at most maxRetryDelay.
func backoff(attempt int, asked time.Duration) time.Duration {
	window := retryDelay << (attempt - 1)
	if window > maxRetryDelay || window <= 0 {
		window = maxRetryDelay
	}
	d := window/2 + time.Duration(mathrand.Int64N(int64(window/2)+1))
	if asked > d {
		d = asked
	}
	if d > maxRetryDelay {
		d = maxRetryDelay
	}
	return d
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date;
// 0 when absent, unreadable or past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get(headerRetryAfter))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// keyOrNew returns key, or a new random UUID (version 4) for the
// Idempotency-Key when the caller has none.
func keyOrNew(key string) string {
	if key = strings.TrimSpace(key); key != "" {
		return key
	}
	return newUUID()
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// BooksIdempotently reports that STG answers a resent booking (same
// Idempotency-Key, the station's request id) with the first booking: an
// unknown outcome is settled by sending again.
func (c *Client) BooksIdempotently() bool { return true }

var _ carrier.IdempotentBooker = (*Client)(nil)
