package postnord

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

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"labelstation/carrier"
)

// CarrierName is the registry name of this carrier.
const CarrierName = "postnord"

// PostNord's hosts. There is deliberately no default: a station that forgot
// its configuration must not book real parcels.
const (
	ProductionBaseURL = "https://api2.postnord.com"
	TestBaseURL       = "https://atapi2.postnord.com"
)

// Paths below the base URL, from booking.swagger.json (basePath
// /rest/shipment) and track-and-trace-v7-findbyidentifier.swagger.json.
const (
	pathBookLabels   = "/rest/shipment/v3/edi/labels/"         // + zpl | pdf
	pathReturnLabels = "/rest/shipment/v3/returns/edi/labels/" // + zpl | pdf
	pathTrackPrefix  = "/rest/shipment/v7/trackandtrace/id/"   // + {id} + /public
	pathTrackSuffix  = "/public"
)

const (
	defaultTimeout         = 30 * time.Second
	defaultRetryDelay      = 500 * time.Millisecond
	defaultMaxRetryDelay   = 10 * time.Second
	defaultMaxRetries      = 3
	defaultTokenURL        = "https://account.postnord.com/oauth2/token"
	scopeTrackCustomerView = "https://api.postnord.com/scopes/shipment/trackandtrace/customerview"
	defaultApplication     = "labelstation"
	defaultVersion         = "dev"
	defaultLocale          = "en"
	// maxResponseBytes bounds what we read from PostNord. A 200-item PDF
	// is a few megabytes of base64; anything far beyond is not an answer.
	maxResponseBytes = 64 << 20
)

// Config configures a Client.
type Config struct {
	// BaseURL is scheme and host, optionally with a path prefix, without
	// /rest/shipment: ProductionBaseURL, TestBaseURL or a sandbox URL.
	// Required.
	BaseURL string
	// APIKey is sent as the apikey query parameter. Required. It never
	// appears in an error.
	APIKey string
	// HTTPClient is used for every call; nil means a client that does not
	// follow redirects (a redirected POST would lose its body).
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt; 0 means 30 seconds.
	Timeout time.Duration
	// Application and ApplicationVersion identify the integration in the
	// ediInstruction (application.name / application.version, max 35
	// characters each). Defaults: "labelstation", "dev".
	Application        string
	ApplicationVersion string
	// Locale is the language of Track & Trace texts (en, sv, no, da, fi);
	// default "en".
	Locale string
	// RetryDelay is the first backoff window before a GET is retried
	// after a connection error or a 429/502/503/504; it doubles with each
	// retry, with full jitter. 0 means 500 ms.
	RetryDelay time.Duration
	// MaxRetryDelay caps one pause (and a server's Retry-After); 0 means
	// 10 s.
	MaxRetryDelay time.Duration
	// MaxRetries is how often a GET is retried; 0 means 3, negative means
	// never. Bookings are never retried here.
	MaxRetries int
	// LabelType is "standard" (105×190 mm, the default) or "small"
	// (105×75 mm, where PostNord offers it).
	LabelType string
	// DefinePrintout chooses the documents returned with a booking
	// (PostNord's definePrintout); "" means PostNord's default ALL:
	// labels and, for customs shipments, the customs documents.
	DefinePrintout string
	// OAuth client credentials, for the APIs whose specs declare OAuth2
	// (Track & Trace by reference). Empty ClientID: no token is sent.
	ClientID     string
	ClientSecret string
	// TokenURL defaults to PostNord's https://account.postnord.com/oauth2/token.
	TokenURL string
	// Scopes default to the Track & Trace customer view scope.
	Scopes []string
	// Now stamps messageDate, loadingDate and Booking.BookedAt; nil means
	// time.Now. Tests fix it.
	Now func() time.Time
}

// Client is a PostNord client. It is safe for concurrent use.
type Client struct {
	base          *url.URL
	apiKey        string
	hc            *http.Client
	timeout       time.Duration
	retryDelay    time.Duration
	maxRetryDelay time.Duration
	maxRetries    int
	labelType     string
	printout      string
	tokens        oauth2.TokenSource
	app           application
	locale        string
	now           func() time.Time
	redact        carrier.Redactor
}

var _ carrier.Carrier = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("postnord: new client: APIKey is required")
	}
	r := newRedactor(cfg.APIKey, cfg.ClientSecret)
	if cfg.BaseURL == "" {
		return nil, errors.New("postnord: new client: BaseURL is required (postnord.TestBaseURL, postnord.ProductionBaseURL or a sandbox URL)")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("postnord: new client: BaseURL %q is not an http(s) URL", r.String(cfg.BaseURL))
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("postnord: new client: BaseURL %q must not carry a query or fragment", r.String(cfg.BaseURL))
	}
	c := &Client{
		base:          base,
		apiKey:        cfg.APIKey,
		hc:            cfg.HTTPClient,
		timeout:       cfg.Timeout,
		retryDelay:    cfg.RetryDelay,
		maxRetryDelay: cfg.MaxRetryDelay,
		maxRetries:    cfg.MaxRetries,
		labelType:     cfg.LabelType,
		printout:      cfg.DefinePrintout,
		app:           application{Name: cfg.Application, Version: cfg.ApplicationVersion},
		locale:        cfg.Locale,
		now:           cfg.Now,
		redact:        r,
	}
	if c.hc == nil {
		c.hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.retryDelay <= 0 {
		c.retryDelay = defaultRetryDelay
	}
	if c.maxRetryDelay <= 0 {
		c.maxRetryDelay = defaultMaxRetryDelay
	}
	if c.retryDelay > c.maxRetryDelay {
		c.retryDelay = c.maxRetryDelay
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = defaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	switch c.labelType {
	case "":
		c.labelType = "standard"
	case "standard", "small":
	default:
		return nil, fmt.Errorf("postnord: new client: LabelType %q is not standard or small", c.labelType)
	}
	if cfg.ClientID != "" {
		if cfg.ClientSecret == "" {
			return nil, errors.New("postnord: new client: ClientSecret is required with ClientID")
		}
		cc := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			TokenURL: cfg.TokenURL, Scopes: cfg.Scopes}
		if cc.TokenURL == "" {
			cc.TokenURL = defaultTokenURL
		}
		if len(cc.Scopes) == 0 {
			cc.Scopes = []string{scopeTrackCustomerView}
		}
		// One long-lived token source: it caches the token and fetches a
		// new one shortly before expiry, for every call of this client.
		tctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: c.timeout, Transport: c.hc.Transport})
		c.tokens = cc.TokenSource(tctx)
	}
	if c.app.Name == "" {
		c.app.Name = defaultApplication
	}
	if c.app.Version == "" {
		c.app.Version = defaultVersion
	}
	if n := len([]rune(c.app.Name)); n > 35 {
		return nil, fmt.Errorf("postnord: new client: Application %q is %d characters, PostNord allows 35", c.app.Name, n)
	}
	if n := len([]rune(c.app.Version)); n > 35 {
		return nil, fmt.Errorf("postnord: new client: ApplicationVersion %q is %d characters, PostNord allows 35", c.app.Version, n)
	}
	if c.locale == "" {
		c.locale = defaultLocale
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Name returns "postnord".
func (c *Client) Name() string { return CarrierName }

// Book books req with PostNord and returns its item ids and labels, one
// label per parcel, in the format req.LabelFormat asks for (ZPL when
// empty). Before sending, it checks the data against the spec's limits,
// the General Descriptions' service combination rules (rules.go) and,
// for a border crossing, the customs data (customs.go): a request that
// would be refused is not sent, and every problem is named at once.
//
// A parcel with its own ItemID (an offline label's) is booked with that
// id, an SSCC in its 20-digit form; PostNord allocates the others.
//
// It never retries: an answer lost after the request was sent is
// KindUnknownOutcome, and the Booking returned with such an error may
// carry the item ids when PostNord answered 200 with a body we could not
// fully use. A shipment PostNord booked only in part comes back as the
// booked part with a KindPartial error naming the failed parcels.
func (c *Client) Book(ctx context.Context, req carrier.BookingRequest) (carrier.Booking, error) {
	const op = "book"
	reqID := requestIDOrNew(req.RequestID)
	format, ferr := labelFormat(req.LabelFormat)
	edi, faults := c.bookingInstruction(req, c.now())
	if ferr != nil {
		faults = append(faults, *ferr)
	}
	labelType, lerr := c.labelTypeFor(req.Options.LabelSize)
	if lerr != nil {
		faults = append(faults, *lerr)
	}
	if len(faults) > 0 {
		return carrier.Booking{}, c.invalid(op, reqID, faults)
	}
	q := c.labelQuery(format, labelType)
	if c.printout != "" {
		q.Set("definePrintout", c.printout)
	}
	b, err := c.book(ctx, op, pathBookLabels, format, q, edi, reqID)
	b.ValidatedOnly = req.Options.ValidateOnly
	return b, err
}

// ReturnLabel books a return shipment for an existing one: PostNord Return
// Drop Off (24) unless req.Service.Code asks for Return Pickup (20, 22),
// from the customer in req.Sender back to the merchant in req.Consignor,
// and returns its label. With req.Labelless PostNord sends the customer a
// QR code to show at the service point (C2) instead of a printed label;
// the Booking then has no label to print. Parcels may be empty (one
// parcel of unknown weight). req.Reason is not sent: the ediInstruction
// has no field for it outside Denmark (freeText ZRE is Z11 only), so it
// stays with the order. Failure handling is Book's.
func (c *Client) ReturnLabel(ctx context.Context, req carrier.ReturnRequest) (carrier.Booking, error) {
	const op = "return label"
	reqID := requestIDOrNew(req.RequestID)
	format, ferr := labelFormat(req.LabelFormat)
	edi, faults := c.returnInstruction(req, c.now())
	if ferr != nil {
		faults = append(faults, *ferr)
	}
	if len(faults) > 0 {
		return carrier.Booking{}, c.invalid(op, reqID, faults)
	}
	q := c.labelQuery(format, c.labelType)
	if req.Labelless {
		// Only the QR code, sent to the customer by e-mail and/or SMS.
		q.Set("definePrintout", "onlyQRCode")
		q.Set("addQRCODE", "true")
		if strings.TrimSpace(req.Sender.Email) != "" {
			q.Set("emailQRcode", "true")
		}
		if strings.TrimSpace(req.Sender.Phone) != "" {
			q.Set("smsQRcode", "true")
		}
	} else {
		// A plain printed return label; PostNord's default adds C2 and a
		// QR code.
		q.Set("addQRCODE", "false")
	}
	b, err := c.book(ctx, op, pathReturnLabels, format, q, edi, reqID)
	if req.Labelless {
		var ce *carrier.Error
		if errors.As(err, &ce) && ce.Kind == carrier.KindUnknownOutcome && len(b.ItemIDs) > 0 && len(b.Labels) == 0 {
			// No label is what was asked for.
			return b, nil
		}
	}
	return b, err
}

// labelQuery is the query of the label endpoints: size, density and the
// language of PostNord's SMS and e-mail notifications.
func (c *Client) labelQuery(format carrier.LabelFormat, labelType string) url.Values {
	q := url.Values{}
	if format == carrier.LabelPDF {
		// One 105×190 mm label per page, which prints on a label printer
		// and previews on screen; PostNord's default is A4.
		q.Set("paperSize", "LABEL")
	} else {
		q.Set("dpmm", "8dpmm")
	}
	q.Set("labelType", labelType)
	q.Set("locale", bookingLocale(c.locale))
	return q
}

func (c *Client) labelTypeFor(size string) (string, *carrier.Fault) {
	switch strings.ToLower(strings.TrimSpace(size)) {
	case "":
		return c.labelType, nil
	case "standard":
		return "standard", nil
	case "small":
		return "small", nil
	}
	return "", &carrier.Fault{Code: "invalid", Field: "options.label_size",
		Message: fmt.Sprintf("label size %q is not standard (105×190 mm) or small (105×75 mm)", size)}
}

// bookingLocale maps the client's locale to the languages the booking
// API writes notifications in (sv, da, no, fi, en).
func bookingLocale(l string) string {
	switch l = strings.ToLower(l); l {
	case "sv", "da", "no", "fi", "en":
		return l
	case "nb", "nn":
		return "no"
	}
	return "en"
}

func (c *Client) book(ctx context.Context, op, path string, format carrier.LabelFormat, q url.Values, edi ediInstruction, reqID string) (carrier.Booking, error) {
	body, err := json.Marshal(edi)
	if err != nil {
		return carrier.Booking{}, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindRejected, RequestID: reqID,
			Message: "encode ediInstruction: " + err.Error(), Err: err}
	}
	resp, cerr := c.call(ctx, request{
		op: op, product: productBooking, method: http.MethodPost, path: path + string(format), query: q,
		body: body, requestID: reqID, commits: true,
	})
	if cerr != nil {
		return carrier.Booking{}, cerr
	}
	return c.bookingFromResponse(op, reqID, format, resp.body)
}

// Track returns PostNord's view of one item (or shipment) id, events
// oldest first. An id PostNord does not know is KindNotFound; an id that
// cannot be a PostNord id (10–35 letters and digits) is KindRejected and
// not sent. A GET is safe to repeat, so a transport failure or a
// 429/502/503/504 is retried with backoff (Config.MaxRetries), with the
// same X-External-Request-ID.
func (c *Client) Track(ctx context.Context, itemID string) (carrier.Tracking, error) {
	const op = "track"
	reqID := requestIDOrNew("")
	if f := checkTrackingID(itemID); f != nil {
		return carrier.Tracking{}, c.invalid(op, reqID, []carrier.Fault{*f})
	}
	q := url.Values{}
	q.Set("locale", c.locale)
	resp, err := c.call(ctx, request{
		op: op, product: productTracking, method: http.MethodGet,
		path:  pathTrackPrefix + itemID + pathTrackSuffix,
		query: q, requestID: reqID, safe: true,
	})
	if err != nil {
		return carrier.Tracking{}, err
	}
	return c.trackingFromResponse(op, reqID, itemID, resp.body)
}

// request is one HTTP call to PostNord.
type request struct {
	op        string
	product   string // the API product, for "this API key is not enabled for …"
	method    string
	path      string
	query     url.Values // without apikey
	body      []byte
	requestID string
	// commits marks a call that creates something at PostNord: once its
	// request has been written, a lost answer is an unknown outcome.
	commits bool
	// safe marks a call that may be repeated without effect (the GETs):
	// only these are retried.
	safe bool
	// oauth adds the client-credentials bearer token, for the APIs whose
	// specs declare OAuth2 (Track & Trace by reference).
	oauth bool
}

// response is a complete HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// retryableStatus are the answers that say "not now" before PostNord did
// anything: rate limit, bad gateway, unavailable, gateway timeout. They
// are retried only for safe requests; on a booking POST a 502/504 may
// come after PostNord booked (see statusError).
func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// call sends r and returns a 2xx answer, or a *carrier.Error. A safe
// request is retried on connection errors and retryable statuses with
// exponential backoff and full jitter (honouring Retry-After up to
// MaxRetryDelay); any other request is sent exactly once — a booking
// is never resent blindly (ARCHITECTURE.md, "Unknown outcome").
func (c *Client) call(ctx context.Context, r request) (response, *carrier.Error) {
	attempts := 1
	if r.safe {
		attempts += c.maxRetries
	}
	var (
		last  *carrier.Error
		asked time.Duration // the server's Retry-After
	)
	for attempt := 0; attempt < attempts; attempt++ {
		if attempt > 0 {
			wait := c.backoff(attempt, asked)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return response{}, last
			case <-t.C:
			}
		}
		resp, err := c.do(ctx, r)
		if err == nil && resp.status >= 200 && resp.status < 300 {
			return resp, nil
		}
		if err == nil {
			err = c.statusError(r, resp.status, resp.body)
			asked = retryAfter(resp.header, time.Now())
			if resp.status == http.StatusTooManyRequests || resp.status == http.StatusServiceUnavailable {
				// The caller's own retries (the outbox, a booking never
				// retried here) should wait as long as PostNord asked.
				err.RetryAfter = asked
			}
		}
		last = err
		retry := err.Kind == carrier.KindUnavailable && (err.HTTPStatus == 0 || retryableStatus(err.HTTPStatus))
		if !r.safe || !retry || ctx.Err() != nil {
			break
		}
	}
	return response{}, last
}

// backoff is the pause before retry number attempt (1-based): full
// jitter over an exponentially growing window, at least what the
// server's Retry-After asked for, at most MaxRetryDelay.
func (c *Client) backoff(attempt int, asked time.Duration) time.Duration {
	window := c.retryDelay << (attempt - 1)
	if window > c.maxRetryDelay || window <= 0 {
		window = c.maxRetryDelay
	}
	d := window/2 + time.Duration(mathrand.Int64N(int64(window/2)+1))
	if asked > d {
		d = asked
	}
	if d > c.maxRetryDelay {
		d = c.maxRetryDelay
	}
	return d
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date
// (RFC 9110 allows both); 0 when absent, unreadable or already past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// do sends r once and returns the answer. Transport failures become
// a *carrier.Error: KindUnavailable when the request was never completely
// written, KindUnknownOutcome when a committing request was written but
// no complete answer came back.
func (c *Client) do(ctx context.Context, r request) (response, *carrier.Error) {
	q := url.Values{}
	for k, v := range r.query {
		q[k] = v
	}
	q.Set("apikey", c.apiKey)
	u := *c.base
	u.Path = c.base.Path + r.path // r.path is plain ASCII or escaped by the caller
	u.RawPath = ""
	if strings.Contains(r.path, "%") {
		u.RawPath = c.base.Path + r.path
		u.Path, _ = url.PathUnescape(u.RawPath)
	}
	u.RawQuery = q.Encode()

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// wrote records that the whole request, body included, went onto the
	// wire: from then on PostNord may have acted on it.
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
	var body io.Reader = http.NoBody
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return response{}, c.transportError(r, carrier.KindRejected, "build request", err)
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-External-Request-ID", r.requestID)
	req.Header.Set("User-Agent", c.app.Name+"/"+c.app.Version)
	if r.oauth && c.tokens != nil {
		tok, err := c.tokens.Token()
		if err != nil {
			e := c.transportError(r, carrier.KindAuth, "PostNord refused the OAuth client id or secret (check postnord.client_id and LABELSTATION_POSTNORD_CLIENT_SECRET)", err)
			return response{}, e
		}
		tok.SetAuthHeader(req)
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		if r.commits && wrote.Load() {
			return response{}, c.transportError(r, carrier.KindUnknownOutcome,
				"request sent but no answer came back; the shipment may exist, look it up before booking again", err)
		}
		return response{}, c.transportError(r, carrier.KindUnavailable, "PostNord could not be reached", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		kind, msg := carrier.KindUnavailable, "answer broke off"
		if r.commits {
			// PostNord had started answering, so it has acted on the request.
			kind, msg = carrier.KindUnknownOutcome, fmt.Sprintf("HTTP %d answer broke off; the shipment may exist, look it up before booking again", resp.StatusCode)
		}
		e := c.transportError(r, kind, msg, err)
		e.HTTPStatus = resp.StatusCode
		return response{}, e
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func (c *Client) transportError(r request, kind carrier.ErrorKind, msg string, err error) *carrier.Error {
	err = c.redact.Error(err)
	return &carrier.Error{
		Carrier: CarrierName, Op: r.op, Kind: kind, RequestID: r.requestID,
		Message: msg + ": " + err.Error(), Err: err,
	}
}

// API products a key must be enabled for; PostNord's gateway authorises
// keys per product, so one key can book and still get 403 on tracking.
const (
	productBooking       = "Booking"
	productTracking      = "Track & Trace"
	productServicePoints = "Service Points"
	productTransitTime   = "Transit Time"
)

// statusError maps a non-success HTTP answer to a *carrier.Error. For a
// committing call a 5xx other than 503 means the request reached
// PostNord's side and may have been carried out, so a booking gets
// KindUnknownOutcome rather than a blind retry.
func (c *Client) statusError(r request, status int, data []byte) *carrier.Error {
	var kind carrier.ErrorKind
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		kind = carrier.KindAuth
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		kind = carrier.KindUnavailable
	case status >= 500:
		// 500, 502, 504: an upstream failed or timed out after the gateway
		// forwarded the request.
		kind = carrier.KindUnavailable
		if r.commits {
			kind = carrier.KindUnknownOutcome
		}
	case status == http.StatusNotFound && !r.commits:
		kind = carrier.KindNotFound
	default:
		// 400, 404 on a booking path, 405, 3xx and the rest: resending
		// the same request gets the same answer.
		kind = carrier.KindRejected
	}
	msg, faults := c.decodeError(data)
	if msg == "" && len(faults) == 0 {
		msg = http.StatusText(status)
		if status >= 300 && status < 400 {
			msg = "unexpected redirect; check BaseURL"
		}
	}
	switch {
	case status == http.StatusForbidden && r.product != "":
		// The gateway says "Invalid API Key" both for a wrong key and for
		// a key without this product, so both causes are named.
		msg = fmt.Sprintf("PostNord refused the API key for %s (%s): the key is wrong, or this API key is not enabled for %s; check the key and its API products on developer.postnord.com", r.product, msg, r.product)
	case status == http.StatusTooManyRequests:
		msg = "PostNord's rate limit was reached (" + msg + "); wait a moment and try again"
	}
	return &carrier.Error{
		Carrier: CarrierName, Op: r.op, Kind: kind, HTTPStatus: status,
		Message: msg, Faults: faults, RequestID: r.requestID,
	}
}

// decodeError reads whichever error body PostNord or its gateway sent.
// Text that is not JSON is not quoted back: gateways answer with HTML
// pages that would only clutter the packer's screen.
func (c *Client) decodeError(data []byte) (string, []carrier.Fault) {
	var eb errorBody
	if len(bytes.TrimSpace(data)) == 0 || json.Unmarshal(data, &eb) != nil {
		return "", nil
	}
	msg := eb.errorResponse.Message
	if eb.gatewayError.Error != nil && eb.gatewayError.Error.Message != "" {
		msg = eb.gatewayError.Error.Message
	}
	return c.redact.String(msg), c.faults(eb.CompositeFault)
}

// faults converts PostNord faults; the parameter values go into the
// message because they say which field was wrong ("postalCode=1234").
func (c *Client) faults(cf *compositeFault) []carrier.Fault {
	if cf == nil || len(cf.Faults) == 0 {
		return nil
	}
	out := make([]carrier.Fault, 0, len(cf.Faults))
	for _, f := range cf.Faults {
		cf := carrier.Fault{Code: f.FaultCode, Message: f.ExplanationText}
		if len(f.ParamValues) > 0 {
			params := make([]string, 0, len(f.ParamValues))
			vals := make([]string, 0, len(f.ParamValues))
			for _, p := range f.ParamValues {
				params = append(params, p.Param)
				vals = append(vals, p.Param+"="+p.Value)
			}
			cf.Field = strings.Join(params, ",")
			cf.Message += " (" + strings.Join(vals, ", ") + ")"
		}
		cf.Message = c.redact.String(cf.Message)
		cf.Field = c.redact.String(cf.Field)
		out = append(out, cf)
	}
	return out
}

// invalid is the error for a request refused before sending.
func (c *Client) invalid(op, reqID string, faults []carrier.Fault) *carrier.Error {
	return &carrier.Error{
		Carrier: CarrierName, Op: op, Kind: carrier.KindRejected, RequestID: reqID,
		Message: fmt.Sprintf("not sent: %d problem(s) with the data", len(faults)),
		Faults:  faults,
	}
}

func labelFormat(f carrier.LabelFormat) (carrier.LabelFormat, *carrier.Fault) {
	switch strings.ToLower(string(f)) {
	case "", string(carrier.LabelZPL):
		return carrier.LabelZPL, nil
	case string(carrier.LabelPDF):
		return carrier.LabelPDF, nil
	}
	return "", &carrier.Fault{Code: "invalid", Field: "label_format",
		Message: fmt.Sprintf("label format %q is not zpl or pdf", f)}
}

// requestIDOrNew returns id, or a new random one for X-External-Request-ID
// when the caller has none.
func requestIDOrNew(id string) string {
	if id != "" {
		return id
	}
	return "ls-" + strings.ToLower(rand.Text())
}

// checkTrackingID applies the spec's rule for {id}: A–Z, a–z, 0–9, 10–35
// characters. Anything else cannot be a PostNord id and is not sent.
func checkTrackingID(id string) *carrier.Fault {
	ok := len(id) >= 10 && len(id) <= 35
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
	}
	if ok {
		return nil
	}
	return &carrier.Fault{Code: "invalid", Field: "item_id",
		Message: fmt.Sprintf("%q is not a PostNord id (10–35 letters and digits)", id)}
}
