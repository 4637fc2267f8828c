package postnord

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

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
	defaultTimeout     = 30 * time.Second
	defaultRetryDelay  = 500 * time.Millisecond
	defaultApplication = "labelstation"
	defaultVersion     = "dev"
	defaultLocale      = "en"
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
	// RetryDelay is the pause before the single retry of a Track & Trace
	// GET that met KindUnavailable; 0 means 500 ms.
	RetryDelay time.Duration
	// Now stamps messageDate, loadingDate and Booking.BookedAt; nil means
	// time.Now. Tests fix it.
	Now func() time.Time
}

// Client is a PostNord client. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	apiKey     string
	hc         *http.Client
	timeout    time.Duration
	retryDelay time.Duration
	app        application
	locale     string
	now        func() time.Time
	redact     redactor
}

var _ carrier.Carrier = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("postnord: new client: APIKey is required")
	}
	r := newRedactor(cfg.APIKey)
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
		base:       base,
		apiKey:     cfg.APIKey,
		hc:         cfg.HTTPClient,
		timeout:    cfg.Timeout,
		retryDelay: cfg.RetryDelay,
		app:        application{Name: cfg.Application, Version: cfg.ApplicationVersion},
		locale:     cfg.Locale,
		now:        cfg.Now,
		redact:     r,
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
// empty). It never retries: an answer lost after the request was sent is
// KindUnknownOutcome, and the Booking returned with such an error may
// carry the item ids when PostNord answered 200 with a body we could not
// fully use.
func (c *Client) Book(ctx context.Context, req carrier.BookingRequest) (carrier.Booking, error) {
	const op = "book"
	reqID := requestIDOrNew(req.RequestID)
	format, ferr := labelFormat(req.LabelFormat)
	edi, faults := c.bookingInstruction(req, c.now())
	if ferr != nil {
		faults = append(faults, *ferr)
	}
	if len(faults) > 0 {
		return carrier.Booking{}, c.invalid(op, reqID, faults)
	}
	return c.book(ctx, op, pathBookLabels, format, edi, reqID)
}

// ReturnLabel books a return shipment (PostNord Return Drop Off, service
// 24, unless req.Service.Code says otherwise) from the customer in
// req.Sender back to the merchant in req.Consignor, and returns its label.
// Parcels may be empty (one parcel of unknown weight). req.Reason is not
// sent: the ediInstruction has no field for it outside Denmark (freeText
// ZRE is Z11 only), so it stays with the order. Failure handling is Book's.
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
	return c.book(ctx, op, pathReturnLabels, format, edi, reqID)
}

func (c *Client) book(ctx context.Context, op, path string, format carrier.LabelFormat, edi ediInstruction, reqID string) (carrier.Booking, error) {
	body, err := json.Marshal(edi)
	if err != nil {
		return carrier.Booking{}, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindRejected, RequestID: reqID,
			Message: "encode ediInstruction: " + err.Error(), Err: err}
	}
	q := url.Values{}
	if format == carrier.LabelPDF {
		// One 105×190 mm label per page, which prints on a label printer
		// and previews on screen; PostNord's default is A4.
		q.Set("paperSize", "LABEL")
	} else {
		q.Set("dpmm", "8dpmm")
		q.Set("labelType", "standard")
	}
	status, data, cerr := c.do(ctx, request{
		op: op, method: http.MethodPost, path: path + string(format), query: q,
		body: body, requestID: reqID, commits: true,
	})
	if cerr != nil {
		return carrier.Booking{}, cerr
	}
	if status != http.StatusOK && status != http.StatusCreated {
		return carrier.Booking{}, c.statusError(op, reqID, status, data, true)
	}
	return c.bookingFromResponse(op, reqID, format, data)
}

// Track returns PostNord's view of one item (or shipment) id, events
// oldest first. An id PostNord does not know is KindNotFound; an id that
// cannot be a PostNord id (10–35 letters and digits) is KindRejected and
// not sent. A transport failure or a 429/5xx is retried once after
// Config.RetryDelay, with the same X-External-Request-ID.
func (c *Client) Track(ctx context.Context, itemID string) (carrier.Tracking, error) {
	const op = "track"
	reqID := requestIDOrNew("")
	if f := checkTrackingID(itemID); f != nil {
		return carrier.Tracking{}, c.invalid(op, reqID, []carrier.Fault{*f})
	}
	q := url.Values{}
	q.Set("locale", c.locale)
	call := request{
		op: op, method: http.MethodGet,
		path:  pathTrackPrefix + itemID + pathTrackSuffix,
		query: q, requestID: reqID,
	}
	var (
		status int
		data   []byte
		err    *carrier.Error
	)
	for attempt := 0; attempt < 2; attempt++ {
		status, data, err = c.do(ctx, call)
		if err == nil && status != http.StatusOK {
			err = c.statusError(op, reqID, status, data, false)
		}
		if err == nil || err.Kind != carrier.KindUnavailable || attempt == 1 {
			break
		}
		select {
		case <-ctx.Done():
			return carrier.Tracking{}, err
		case <-time.After(c.retryDelay):
		}
	}
	if err != nil {
		return carrier.Tracking{}, err
	}
	return c.trackingFromResponse(op, reqID, itemID, data)
}

// request is one HTTP call to PostNord.
type request struct {
	op        string
	method    string
	path      string
	query     url.Values // without apikey
	body      []byte
	requestID string
	// commits marks a call that creates something at PostNord: once its
	// request has been written, a lost answer is an unknown outcome.
	commits bool
}

// do sends r and returns the status and body. Transport failures become
// a *carrier.Error: KindUnavailable when the request was never completely
// written, KindUnknownOutcome when a committing request was written but
// no complete answer came back.
func (c *Client) do(ctx context.Context, r request) (int, []byte, *carrier.Error) {
	q := url.Values{}
	for k, v := range r.query {
		q[k] = v
	}
	q.Set("apikey", c.apiKey)
	u := *c.base
	u.Path = c.base.Path + r.path // r.path is plain ASCII: ids are checked first
	u.RawPath = ""
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
		return 0, nil, c.transportError(r, carrier.KindRejected, "build request", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-External-Request-ID", r.requestID)
	req.Header.Set("User-Agent", c.app.Name+"/"+c.app.Version)

	resp, err := c.hc.Do(req)
	if err != nil {
		if r.commits && wrote.Load() {
			return 0, nil, c.transportError(r, carrier.KindUnknownOutcome,
				"request sent but no answer came back; the shipment may exist, look it up before booking again", err)
		}
		return 0, nil, c.transportError(r, carrier.KindUnavailable, "PostNord could not be reached", err)
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
		return 0, nil, e
	}
	return resp.StatusCode, data, nil
}

func (c *Client) transportError(r request, kind carrier.ErrorKind, msg string, err error) *carrier.Error {
	err = c.redact.Error(err)
	return &carrier.Error{
		Carrier: CarrierName, Op: r.op, Kind: kind, RequestID: r.requestID,
		Message: msg + ": " + err.Error(), Err: err,
	}
}

// statusError maps a non-success HTTP answer to a *carrier.Error.
// commits says whether the call books something: a 5xx other than 503
// means the request reached PostNord's side and may have been carried
// out, so a booking gets KindUnknownOutcome rather than a blind retry.
func (c *Client) statusError(op, reqID string, status int, data []byte, commits bool) *carrier.Error {
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
		if commits {
			kind = carrier.KindUnknownOutcome
		}
	case status == http.StatusNotFound && !commits:
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
	return &carrier.Error{
		Carrier: CarrierName, Op: op, Kind: kind, HTTPStatus: status,
		Message: msg, Faults: faults, RequestID: reqID,
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
