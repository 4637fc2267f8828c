package wms

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"labelstation/station/outbox"
	"labelstation/store"
)

// Delivery. The queued webhook messages (store.ChannelWebhook) are sent by
// an outbox.Worker: this file says what is due (list) and what sending one
// means (send); the worker says when, how many at once, and how long to
// back off.
//
// Order: for each order only its oldest pending message is due, so a
// later event of an order never overtakes an earlier one — the WMS sees
// label.created before a status change, registered before in_transit
// before received. A message the WMS refused for good (failed: HTTP 400,
// 401, …) does NOT hold up its order's later messages: it waits for a
// person's Retry or Discard while the rest flow, because one bad event
// must not silence an order for days. So after a refusal the WMS may hear
// of an order's later events before the refused one; when a person
// retries it, it arrives late (its "occurred" time tells when it
// happened).
//
// What an answer means:
//
//	2xx, 409 Conflict ("already have it")  sent
//	408, 425, 429, 5xx                     stays pending, backs off; Retry-After (seconds or an HTTP date, at most 1h) pauses every delivery
//	3xx, 400, 401, 403, 404, 410, 413, 422, other 4xx
//	                                       failed: waits for a person (LastError says what to do)
//	no answer (refused, DNS, timeout, TLS) the worker goes offline and tries again on its back-off
//
// There is no separate probe while offline: the attempt that ends an
// offline spell is a real delivery of the oldest due message, which is
// as cheap as a probe (one small POST) and, unlike a GET or HEAD on the
// URL, cannot be fooled by an endpoint that answers only POSTs or only
// with a token.

// ErrDisabled is returned by Drain and Retry when webhooks are off.
var ErrDisabled = errors.New("webhooks to the WMS are off: set [wms.webhooks] url")

// ErrWaitsForEarlier is wrapped by Retry's error when an earlier event of
// the same order must be delivered first; the message is (left) pending.
var ErrWaitsForEarlier = errors.New("an earlier event of the same order goes first")

// responseKeep is how much of an answer is kept with the message.
const responseKeep = 200

// Report is what a Drain did.
type Report struct {
	// Sent counts the messages this Drain delivered.
	Sent int `json:"sent"`
	// Waiting counts the messages still pending afterwards (backing off,
	// behind an earlier event of their order, or the WMS is down).
	Waiting int `json:"waiting"`
	// Failed counts the messages the WMS refused, waiting for a person.
	Failed int `json:"failed"`
	// Errors are this Drain's delivery errors, each once, in order.
	Errors []string `json:"errors,omitempty"`
}

// Deliverer sends the queued webhooks to the WMS. It is safe for
// concurrent use.
type Deliverer struct {
	st     *store.Store
	cfg    Config
	url    string // redacted, for errors and logs
	client *http.Client
	worker *outbox.Worker
	log    *slog.Logger

	// grace is how long a request in flight may still finish after the
	// caller's ctx ended (an orderly stop), so its answer is recorded
	// instead of the event being sent again after the restart.
	grace time.Duration

	// claims keeps the worker and a person's Retry off the same message.
	claims outbox.Claims[uint64]
}

// shutdownGrace is Deliverer.grace, at most the request timeout.
const shutdownGrace = 2 * time.Second

// NewDeliverer returns a deliverer of st's webhook messages with cfg
// (which should have passed Validate).
func NewDeliverer(st *store.Store, cfg Config) *Deliverer {
	cfg = cfg.withDefaults()
	client := &http.Client{}
	if cfg.Client != nil {
		c := *cfg.Client
		client = &c
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	d := &Deliverer{st: st, cfg: cfg, url: redactString(cfg.URL), client: client, log: cfg.Logger,
		grace: min(shutdownGrace, cfg.Timeout)}
	d.worker = outbox.New(outbox.Config{
		Concurrency: cfg.Concurrency,
		MinBackoff:  cfg.MinBackoff,
		MaxBackoff:  cfg.MaxBackoff,
		PollEvery:   cfg.PollEvery,
		Now:         cfg.Now,
	}, d.due, d.send)
	return d
}

// Run delivers in the background until ctx ends (see outbox.Worker.Run).
// Requests in flight when ctx ends get up to 2s to be answered, and their
// answers are recorded, so close the store only after Run returned. With
// webhooks off it returns at once.
func (d *Deliverer) Run(ctx context.Context) {
	if !d.cfg.Enabled() {
		return
	}
	d.worker.Run(ctx)
}

// Kick asks Run to look for due messages now (call it after recording a
// fact); it never blocks.
func (d *Deliverer) Kick() { d.worker.Kick() }

// State is the delivery's state for the status bar (online, backing off,
// paused by Retry-After, last error).
func (d *Deliverer) State() outbox.State { return d.worker.State() }

// tally counts one Drain's deliveries; it travels in the ctx the worker
// hands to send.
type tally struct{ sent atomic.Int64 }

type tallyKey struct{}

// Drain delivers every message that is due now: it makes passes until one
// delivers nothing more (each pass sends the head of every order, so an
// order's next event goes in the next pass), the WMS cannot be reached, or
// it asked for a pause. Messages backing off are left for later.
func (d *Deliverer) Drain(ctx context.Context) (Report, error) {
	if !d.cfg.Enabled() {
		rep, _ := d.counts(Report{})
		return rep, ErrDisabled
	}
	t := &tally{}
	tctx := context.WithValue(ctx, tallyKey{}, t)
	open, err := d.st.OpenMessages(store.ChannelWebhook)
	if err != nil {
		return Report{}, fmt.Errorf("webhooks: read the queue: %w", err)
	}
	var errs []error
	var derr error
	for range len(open) + 1 {
		r, err := d.worker.Drain(tctx)
		errs = append(errs, r.Errors...)
		if err != nil {
			derr = err
			break
		}
		if r.Sent == 0 || r.Offline || !r.PausedUntil.IsZero() {
			break
		}
	}
	rep := Report{Sent: int(t.sent.Load())}
	seen := map[string]bool{}
	for _, e := range errs {
		if s := e.Error(); !seen[s] {
			seen[s] = true
			rep.Errors = append(rep.Errors, s)
		}
	}
	rep, err = d.counts(rep)
	if derr != nil {
		return rep, derr
	}
	return rep, err
}

func (d *Deliverer) counts(rep Report) (Report, error) {
	pending, failed, err := d.st.MessageCounts(store.ChannelWebhook)
	rep.Waiting, rep.Failed = pending, failed
	return rep, err
}

// due lists what may be sent now: per order, its oldest pending message
// when its NotBefore has passed. Failed messages are passed by.
func (d *Deliverer) due(ctx context.Context) ([]outbox.Item, error) {
	msgs, err := d.st.OpenMessages(store.ChannelWebhook)
	if err != nil {
		return nil, err
	}
	now := d.cfg.Now()
	head := make(map[string]bool)
	var items []outbox.Item
	for _, m := range msgs { // oldest first
		if m.State != store.MessagePending {
			continue
		}
		if m.OrderRef != "" {
			if head[m.OrderRef] {
				continue
			}
			head[m.OrderRef] = true
		}
		if m.NotBefore.After(now) {
			continue
		}
		items = append(items, outbox.Item{ID: strconv.FormatUint(m.Seq, 10)})
	}
	return items, nil
}

// send is the worker's send: deliver one message if it is still pending.
func (d *Deliverer) send(ctx context.Context, it outbox.Item) outbox.Outcome {
	seq, err := strconv.ParseUint(it.ID, 10, 64)
	if err != nil {
		return outbox.Outcome{Result: outbox.Done, Err: fmt.Errorf("webhooks: bad item %q", it.ID)}
	}
	release, err := d.claims.Claim(ctx, seq)
	if err != nil {
		return outbox.Outcome{Result: outbox.Retry, Err: err}
	}
	defer release()
	m, err := d.st.Message(seq)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return outbox.Outcome{Result: outbox.Done}
	case err != nil:
		return outbox.Outcome{Result: outbox.Retry, Err: fmt.Errorf("webhooks: read message %d: %w", seq, err)}
	case m.State != store.MessagePending:
		return outbox.Outcome{Result: outbox.Done} // a person retried or discarded it meanwhile
	}
	_, out := d.attempt(ctx, m)
	if out.Result == outbox.Done && out.Err == nil {
		if t, ok := ctx.Value(tallyKey{}).(*tally); ok {
			t.sent.Add(1)
		}
	}
	return out
}

// Retry sends one message now, on a person's word: a failed one (the WMS
// was fixed) or a pending one that is backing off. A message behind an
// earlier pending event of the same order is not sent out of order: it is
// left (made) pending and the error wraps ErrWaitsForEarlier. The error is
// also non-nil when this attempt did not deliver it (the message says why
// and is pending again, or failed again).
func (d *Deliverer) Retry(ctx context.Context, seq uint64) (store.Message, error) {
	if !d.cfg.Enabled() {
		return store.Message{}, ErrDisabled
	}
	release, err := d.claims.Claim(ctx, seq)
	if err != nil {
		return store.Message{}, err
	}
	defer release()
	m, err := d.st.Message(seq)
	if err != nil {
		return m, fmt.Errorf("webhook %d: %w", seq, err)
	}
	switch m.State {
	case store.MessageSent:
		return m, fmt.Errorf("webhook %s was already delivered at %s", m.ID, m.SentAt.Local().Format(time.DateTime))
	case store.MessageDiscarded:
		return m, fmt.Errorf("webhook %s was discarded (%s); it is not sent any more", m.ID, m.LastError)
	case store.MessageFailed:
		m, err = d.st.UpdateMessage(seq, func(x *store.Message) error {
			x.State, x.Updated = store.MessagePending, d.cfg.Now()
			return nil
		})
		if err != nil {
			return m, err
		}
	}
	if earlier, err := d.earlierPending(m); err != nil {
		return m, err
	} else if earlier != nil {
		d.worker.Kick()
		return m, fmt.Errorf("webhook %s is queued behind %s (seq %d) of order %s: %w", m.ID, earlier.ID, earlier.Seq, m.OrderRef, ErrWaitsForEarlier)
	}
	m, out := d.attempt(ctx, m)
	switch {
	case out.Result == outbox.Unreachable:
		d.worker.ReportUnreachable(out.Err)
	default:
		d.worker.Kick() // the order's next event may be due; an offline worker tries at once
	}
	return m, out.Err
}

// earlierPending returns the oldest pending message of m's order that is
// older than m, or nil.
func (d *Deliverer) earlierPending(m store.Message) (*store.Message, error) {
	if m.OrderRef == "" {
		return nil, nil
	}
	open, err := d.st.OpenMessages(store.ChannelWebhook)
	if err != nil {
		return nil, err
	}
	for _, o := range open {
		if o.Seq >= m.Seq {
			break
		}
		if o.State == store.MessagePending && o.OrderRef == m.OrderRef {
			return &o, nil
		}
	}
	return nil, nil
}

// Discard takes a message out of the queue for good (state discarded, the
// reason in LastError); the order's later events then go on.
func (d *Deliverer) Discard(seq uint64, reason string) (store.Message, error) {
	release, err := d.claims.Claim(context.Background(), seq)
	if err != nil {
		return store.Message{}, err
	}
	defer release()
	if strings.TrimSpace(reason) == "" {
		reason = "discarded by a person"
	}
	m, err := d.st.UpdateMessage(seq, func(x *store.Message) error {
		switch x.State {
		case store.MessageSent:
			return fmt.Errorf("it was already delivered")
		case store.MessageDiscarded:
			return fmt.Errorf("it is already discarded")
		}
		x.State, x.LastError, x.Updated = store.MessageDiscarded, reason, d.cfg.Now()
		return nil
	})
	if err != nil {
		return m, err
	}
	d.log.Info("webhook discarded", "seq", seq, "event_id", m.ID, "reason", reason)
	d.worker.Kick()
	return m, nil
}

// verdict is what one POST came to.
type verdict int

const (
	delivered   verdict = iota + 1 // 2xx or 409
	refused                        // for good: a person must look
	later                          // the WMS is busy: back off
	unreachable                    // no answer
	interrupted                    // the caller's ctx ended
)

type answer struct {
	verdict    verdict
	status     int
	response   string
	retryAfter time.Duration
	err        error
}

// attempt POSTs m, records the outcome in the store and says what it
// means to the scheduler. The caller holds m's claim and m is pending.
func (d *Deliverer) attempt(ctx context.Context, m store.Message) (store.Message, outbox.Outcome) {
	a := d.post(ctx, m)
	if a.verdict == interrupted {
		// Shutdown: not evidence about the WMS. Whether it got the request
		// is unknown; it is sent again later under the same id.
		return m, outbox.Outcome{Result: outbox.Retry, Err: a.err}
	}
	now := d.cfg.Now()
	saved, err := d.st.UpdateMessage(m.Seq, func(x *store.Message) error {
		x.Attempts++
		x.Updated = now
		x.LastStatus = a.status
		if a.status != 0 {
			x.Response = a.response
		}
		switch a.verdict {
		case delivered:
			x.State, x.SentAt, x.LastError = store.MessageSent, now, ""
		case refused:
			x.State, x.LastError = store.MessageFailed, a.err.Error()
		default:
			x.LastError = a.err.Error()
		}
		return nil
	})
	if err != nil {
		if a.verdict == delivered {
			// The WMS has it but the station could not note it: it stays
			// pending and is sent again (same id; the WMS dedupes).
			d.log.Error("webhook delivered but not recorded", "event_id", m.ID, "err", err)
			return m, outbox.Outcome{Result: outbox.Retry, Err: fmt.Errorf("webhook %s was delivered but the station could not record it (it will be sent again): %w", m.ID, err)}
		}
		d.log.Error("webhook outcome not recorded", "event_id", m.ID, "err", err)
		saved = m
	}
	switch a.verdict {
	case delivered:
		d.log.Debug("webhook delivered", "event_id", m.ID, "type", m.Type, "status", a.status)
		d.worker.Kick() // the order's next event is due now
		return saved, outbox.Outcome{Result: outbox.Done}
	case refused:
		d.log.Warn("webhook refused by the WMS", "event_id", m.ID, "type", m.Type, "status", a.status, "err", a.err)
		d.worker.Kick() // a refused event does not hold up its order's next
		return saved, outbox.Outcome{Result: outbox.Done, Err: a.err}
	case later:
		d.log.Info("webhook: WMS busy, will retry", "event_id", m.ID, "status", a.status, "retry_after", a.retryAfter)
		return saved, outbox.Outcome{Result: outbox.Retry, RetryAfter: a.retryAfter, Err: a.err}
	default:
		d.log.Info("webhook: WMS unreachable", "event_id", m.ID, "err", a.err)
		return saved, outbox.Outcome{Result: outbox.Unreachable, Err: a.err}
	}
}

// post sends one signed request and classifies the answer.
func (d *Deliverer) post(ctx context.Context, m store.Message) answer {
	rctx, cancel := d.requestContext(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, d.cfg.URL, bytes.NewReader(m.Body))
	if err != nil {
		return answer{verdict: refused, err: fmt.Errorf("[wms.webhooks] url %s cannot be used: fix it, then Retry", d.url)}
	}
	now := d.cfg.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "labelstation")
	req.Header.Set(HeaderEventID, m.ID)
	req.Header.Set(HeaderEventType, m.Type)
	req.Header.Set(HeaderSignature, Sign(d.cfg.Secret, now, m.Body))
	resp, err := d.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return answer{verdict: interrupted, err: ctx.Err()}
		}
		return answer{verdict: unreachable, err: d.netProblem(err)}
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, responseKeep))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	resp.Body.Close()
	a := answer{status: resp.StatusCode, response: clip(head)}
	code := resp.StatusCode
	what := fmt.Sprintf("the WMS answered HTTP %d %s", code, http.StatusText(code))
	if a.response != "" {
		what += fmt.Sprintf(" (%q)", shorten(a.response, 80))
	}
	switch {
	case code >= 200 && code < 300, code == http.StatusConflict:
		a.verdict = delivered
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code == http.StatusTooManyRequests, code >= 500:
		a.verdict = later
		a.retryAfter = outbox.ParseRetryAfter(resp.Header.Get("Retry-After"), d.cfg.Now())
		a.err = fmt.Errorf("%s: it is busy or down; trying again later", what)
	case code >= 300 && code < 400:
		a.verdict = refused
		a.err = fmt.Errorf("%s, a redirect to %s: set [wms.webhooks] url to the address that takes the POST, then Retry", what, redactString(resp.Header.Get("Location")))
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		a.verdict = refused
		a.err = fmt.Errorf("%s: the WMS refused the signature or token: check [wms.webhooks] secret (env %s) is the one the WMS has, then Retry", what, SecretEnv)
	case code == http.StatusNotFound, code == http.StatusGone, code == http.StatusMethodNotAllowed:
		a.verdict = refused
		a.err = fmt.Errorf("%s: the WMS takes no webhooks at %s: check [wms.webhooks] url, then Retry", what, d.url)
	case code == http.StatusRequestEntityTooLarge:
		a.verdict = refused
		a.err = fmt.Errorf("%s: the event is too large for the WMS: turn off [wms.webhooks] include_label or raise the WMS's limit, then Retry (or Discard)", what)
	default: // 400, 422 and the other 4xx
		a.verdict = refused
		a.err = fmt.Errorf("%s: the WMS refused this event: fix what it says on the WMS's side, then Retry (or Discard it)", what)
	}
	return a
}

// requestContext bounds one request by the timeout, and ends it d.grace
// after ctx ends.
func (d *Deliverer) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	gctx, gcancel := outbox.WithGrace(ctx, d.grace)
	rctx, cancel := context.WithTimeout(gctx, d.cfg.Timeout)
	return rctx, func() { cancel(); gcancel() }
}

// netProblem says why no answer came, without the URL's query or
// password.
func (d *Deliverer) netProblem(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text holds the full URL
	}
	var dns *net.DNSError
	var ne net.Error
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	switch {
	case errors.As(err, &dns):
		return fmt.Errorf("cannot find the WMS's host %s (%v): check [wms.webhooks] url and the network", dns.Name, dns.Err)
	case errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		return fmt.Errorf("the WMS at %s shows a TLS certificate the station does not trust (%w): fix the certificate or the url", d.url, err)
	case errors.As(err, &rh):
		return fmt.Errorf("the WMS at %s does not speak TLS: check https:// vs http:// in [wms.webhooks] url", d.url)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("no answer from the WMS at %s within %s", d.url, d.cfg.Timeout)
	}
	return fmt.Errorf("cannot reach the WMS at %s: %w", d.url, err)
}

// clip keeps the start of an answer as valid text.
func clip(b []byte) string {
	return strings.ToValidUTF8(strings.TrimSpace(string(b)), "\uFFFD")
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
