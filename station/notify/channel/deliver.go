package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"labelstation/station/notify"
	"labelstation/station/outbox"
	"labelstation/store"
)

// Kind is what a failed attempt means for its message.
type Kind int

const (
	// NotSent: the provider certainly did not take the message, for a
	// passing reason (SMTP 4xx, HTTP 408/425/429/503). It goes back to
	// pending and backs off on its own (Error.RetryAfter pauses the
	// channel).
	NotSent Kind = iota + 1
	// Unreachable: nothing answered, or the connection broke before the
	// message was complete (DNS, connection refused, TLS handshake, no
	// greeting): not sent. It goes back to pending and the channel goes
	// offline, trying again on its back-off.
	Unreachable
	// Refused: refused for good (SMTP 5xx, HTTP 3xx/4xx, an address or
	// number that cannot be one). It is failed and waits for a person.
	Refused
	// Unknown: the message was handed over and no answer came (or the
	// gateway broke while handling it): it may have arrived. It is never
	// sent again by itself.
	Unknown
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case NotSent:
		return "not sent"
	case Unreachable:
		return "unreachable"
	case Refused:
		return "refused"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is a Sender's failed attempt: what it means, and what to do (in
// Err's text, which is shown to people).
type Error struct {
	Kind Kind
	// Status is the provider's code: the SMTP reply code or the HTTP
	// status; 0 when nothing answered.
	Status int
	// RetryAfter > 0 is the provider's request to wait (HTTP 429/503
	// Retry-After): every send on the channel pauses that long.
	RetryAfter time.Duration
	// Response is the start of the provider's answer, if there was one.
	Response string
	Err      error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// KindOf says what err, returned by a Sender, means: 0 for nil; an error
// that is not an *Error counts as Unknown, so a Sender that does not say
// what happened never causes a second send.
func KindOf(err error) Kind {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) && e.Kind >= NotSent && e.Kind <= Unknown {
		return e.Kind
	}
	return Unknown
}

func newError(k Kind, status int, format string, args ...any) *Error {
	return &Error{Kind: k, Status: status, Err: fmt.Errorf(format, args...)}
}

// Sender sends one message on one channel (Email, SMS). The answer is the
// provider's, for the record (SMTP's final reply, the gateway's body). A
// non-nil error should be an *Error that says what the attempt came to;
// any other error counts as Unknown. Send must be safe for concurrent use
// and should give up when ctx ends (what was written by then decides the
// Kind).
type Sender interface {
	Send(ctx context.Context, m store.Message, o notify.Outgoing) (string, error)
}

// Config tunes the delivery schedule; the zero value is usable (see
// outbox.Config for the defaults).
type Config struct {
	// Concurrency is how many messages of one channel are sent at once
	// (default 4).
	Concurrency int
	// MinBackoff and MaxBackoff bound a message's back-off and an offline
	// channel's schedule (defaults 1s and 5m).
	MinBackoff, MaxBackoff time.Duration
	// PollEvery is how often due messages are looked for without a Kick
	// (default 30s): a message held for quiet hours goes out within this
	// of its NotBefore.
	PollEvery time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger (default slog.Default()).
	Logger *slog.Logger
}

// Report is what a Drain did.
type Report struct {
	// Sent counts the messages this Drain delivered.
	Sent int `json:"sent"`
	// Waiting counts the messages still pending afterwards (backing off,
	// held for quiet hours, the provider down) or sending.
	Waiting int `json:"waiting"`
	// Failed counts the messages refused for good, waiting for a person.
	Failed int `json:"failed"`
	// Unknown counts the messages that may have arrived, waiting for a
	// person.
	Unknown int `json:"unknown"`
	// Errors are this Drain's delivery errors, each once, in order.
	Errors []string `json:"errors,omitempty"`
}

// ErrNoChannel is wrapped by Retry's error for a message whose channel has
// no Sender (not configured).
var ErrNoChannel = errors.New("this channel is not set up")

// responseKeep is how much of a provider's answer is kept.
const responseKeep = 300

// shutdownGrace is how long an attempt in flight may still finish after
// the caller's ctx ended (an orderly stop), so its outcome is recorded
// instead of the message becoming unknown.
const shutdownGrace = 2 * time.Second

// atMostOnce are the channels this package delivers; RecoverMessages runs
// for each whether or not it has a Sender now.
var atMostOnce = []string{store.ChannelEmail, store.ChannelSMS}

// Deliverer sends the queued e-mail and SMS messages, at most once each.
// It is safe for concurrent use.
type Deliverer struct {
	st       *store.Store
	cfg      Config
	log      *slog.Logger
	senders  map[string]Sender
	channels []string // with a Sender, sorted
	workers  map[string]*outbox.Worker
	grace    time.Duration

	recoverMu sync.Mutex
	recovered bool

	// claims keeps the worker and a person's Retry off the same message.
	claims outbox.Claims[uint64]
}

// NewDeliverer returns a deliverer of st's messages, one outbox worker per
// channel in senders (store.ChannelEmail, store.ChannelSMS; nil senders
// are left out): a dead SMS gateway never holds up e-mail. The station
// should call Kick when messages are queued (store.OnMessages).
func NewDeliverer(st *store.Store, senders map[string]Sender, cfg Config) *Deliverer {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	d := &Deliverer{st: st, cfg: cfg, log: cfg.Logger, senders: map[string]Sender{},
		workers: map[string]*outbox.Worker{}, grace: shutdownGrace}
	for ch, s := range senders {
		if s == nil {
			continue
		}
		d.senders[ch] = s
		d.channels = append(d.channels, ch)
	}
	slices.Sort(d.channels)
	for _, ch := range d.channels {
		d.workers[ch] = outbox.New(outbox.Config{
			Concurrency: cfg.Concurrency,
			MinBackoff:  cfg.MinBackoff,
			MaxBackoff:  cfg.MaxBackoff,
			PollEvery:   cfg.PollEvery,
			Now:         cfg.Now,
		}, func(ctx context.Context) ([]outbox.Item, error) { return d.due(ch) }, d.send)
	}
	return d
}

// Run delivers in the background until ctx ends. It first turns the
// messages a stopped station left sending into unknown (never resent by
// themselves). Attempts in flight when ctx ends get up to 2s to finish
// and their outcomes are recorded, so close the store only after Run
// returned.
func (d *Deliverer) Run(ctx context.Context) {
	if err := d.recover(); err != nil {
		d.log.Error("notifications: could not mark interrupted messages unknown", "err", err)
	}
	var wg sync.WaitGroup
	for _, ch := range d.channels {
		w := d.workers[ch]
		wg.Go(func() { w.Run(ctx) })
	}
	wg.Wait()
}

// Kick asks Run to look for due messages now; it never blocks.
func (d *Deliverer) Kick() {
	for _, w := range d.workers {
		w.Kick()
	}
}

// State is one channel's delivery state for the status bar (online,
// backing off, paused by Retry-After, last error); the zero State for a
// channel without a Sender.
func (d *Deliverer) State(channel string) outbox.State {
	if w := d.workers[channel]; w != nil {
		return w.State()
	}
	return outbox.State{}
}

// Channels lists the channels that have a Sender, sorted.
func (d *Deliverer) Channels() []string { return slices.Clone(d.channels) }

// tally counts one Drain's deliveries; it travels in the ctx the worker
// hands to send.
type tally struct{ sent atomic.Int64 }

type tallyKey struct{}

// Drain sends every message that is due now, on every channel at once,
// and says what came of it. Messages backing off are left for later; an
// offline channel tries once at once (the "Send now" button).
func (d *Deliverer) Drain(ctx context.Context) (Report, error) {
	if err := d.recover(); err != nil {
		return Report{}, err
	}
	t := &tally{}
	tctx := context.WithValue(ctx, tallyKey{}, t)
	var mu sync.Mutex
	var errs []error
	var derr error
	var wg sync.WaitGroup
	for _, ch := range d.channels {
		w := d.workers[ch]
		wg.Go(func() {
			r, err := w.Drain(tctx)
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, r.Errors...)
			if err != nil && derr == nil {
				derr = err
			}
		})
	}
	wg.Wait()
	rep := Report{Sent: int(t.sent.Load())}
	seen := map[string]bool{}
	for _, e := range errs {
		if s := e.Error(); !seen[s] {
			seen[s] = true
			rep.Errors = append(rep.Errors, s)
		}
	}
	rep, err := d.counts(rep)
	if derr != nil {
		return rep, derr
	}
	return rep, err
}

func (d *Deliverer) counts(rep Report) (Report, error) {
	for _, ch := range atMostOnce {
		open, err := d.st.OpenMessages(ch)
		if err != nil {
			return rep, fmt.Errorf("notifications: read the queue: %w", err)
		}
		for _, m := range open {
			switch m.State {
			case store.MessageFailed:
				rep.Failed++
			case store.MessageUnknown:
				rep.Unknown++
			default:
				rep.Waiting++
			}
		}
	}
	return rep, nil
}

// recover turns the messages left sending by a stopped station into
// unknown, once per Deliverer, before its first attempt.
func (d *Deliverer) recover() error {
	d.recoverMu.Lock()
	defer d.recoverMu.Unlock()
	if d.recovered {
		return nil
	}
	now := d.cfg.Now()
	for _, ch := range atMostOnce {
		n, err := d.st.RecoverMessages(ch, now)
		if err != nil {
			return fmt.Errorf("notifications: mark interrupted %s messages unknown: %w", ch, err)
		}
		if n > 0 {
			d.log.Warn("notifications: messages were being sent when the station stopped; they may have arrived and are not sent again by themselves",
				"channel", ch, "count", n)
		}
	}
	d.recovered = true
	return nil
}

// due lists the channel's messages that may be sent now: pending, past
// their NotBefore, oldest first. Failed, unknown and sending ones are
// never listed.
func (d *Deliverer) due(channel string) ([]outbox.Item, error) {
	msgs, err := d.st.OpenMessages(channel)
	if err != nil {
		return nil, err
	}
	now := d.cfg.Now()
	var items []outbox.Item
	for _, m := range msgs {
		if m.State != store.MessagePending || m.NotBefore.After(now) {
			continue
		}
		items = append(items, outbox.Item{ID: strconv.FormatUint(m.Seq, 10)})
	}
	return items, nil
}

// send is the workers' send: attempt one message if it is still pending
// and due.
func (d *Deliverer) send(ctx context.Context, it outbox.Item) outbox.Outcome {
	seq, err := strconv.ParseUint(it.ID, 10, 64)
	if err != nil {
		return outbox.Outcome{Result: outbox.Done, Err: fmt.Errorf("notifications: bad item %q", it.ID)}
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
		return outbox.Outcome{Result: outbox.Retry, Err: fmt.Errorf("notifications: read message %d: %w", seq, err)}
	case m.State != store.MessagePending, m.NotBefore.After(d.cfg.Now()):
		return outbox.Outcome{Result: outbox.Done} // a person or another pass got there first
	}
	_, kind, out := d.attempt(ctx, m, false)
	if kind == 0 && out.Err == nil {
		if t, ok := ctx.Value(tallyKey{}).(*tally); ok {
			t.sent.Add(1)
		}
	}
	return out
}

// Retry sends one message now, on a person's word: a pending one (even
// one held for quiet hours or backing off), a failed one, or an unknown
// one — which may then reach its receiver twice (same Message-ID for
// e-mail). The returned error is nil only if this attempt delivered it;
// otherwise it says why, and the message is in the state the attempt left
// it (pending, failed or unknown).
func (d *Deliverer) Retry(ctx context.Context, seq uint64) (store.Message, error) {
	if err := d.recover(); err != nil {
		return store.Message{}, err
	}
	release, err := d.claims.Claim(ctx, seq)
	if err != nil {
		return store.Message{}, err
	}
	defer release()
	m, err := d.st.Message(seq)
	if err != nil {
		return m, fmt.Errorf("message %d: %w", seq, err)
	}
	switch m.State {
	case store.MessageSent:
		return m, fmt.Errorf("%s %s was already sent at %s", m.Channel, m.ID, m.SentAt.Local().Format(time.DateTime))
	case store.MessageDiscarded:
		return m, fmt.Errorf("%s %s was discarded (%s); it is not sent any more", m.Channel, m.ID, m.LastError)
	}
	if d.senders[m.Channel] == nil {
		return m, fmt.Errorf("%s %s cannot be sent: %w (%s)", m.Channel, m.ID, ErrNoChannel, configSection(m.Channel))
	}
	m, kind, out := d.attempt(ctx, m, true)
	if w := d.workers[m.Channel]; w != nil {
		if out.Result == outbox.Unreachable {
			w.ReportUnreachable(out.Err)
		} else {
			w.Kick() // an offline channel tries its queue at once
		}
	}
	if kind == 0 && out.Err == nil {
		return m, nil
	}
	if out.Err == nil {
		out.Err = fmt.Errorf("%s %s was not sent", m.Channel, m.ID)
	}
	return m, out.Err
}

// Discard takes a message out of the queue for good (state discarded, the
// reason in LastError). A message being sent is discarded once its attempt
// ended (and not if that attempt delivered it).
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
			return fmt.Errorf("it was already sent")
		case store.MessageDiscarded:
			return fmt.Errorf("it is already discarded")
		}
		x.State, x.LastError, x.Updated = store.MessageDiscarded, reason, d.cfg.Now()
		return nil
	})
	if err != nil {
		return m, err
	}
	d.log.Info("notification discarded", "seq", seq, "channel", m.Channel, "event_id", m.ID, "reason", reason)
	return m, nil
}

// errNotAttempted stops the sending commit when the message is no longer
// in a state this attempt may start from.
var errNotAttempted = errors.New("the message changed meanwhile")

// attempt makes one attempt at m (the caller holds its claim, and m's
// channel has a Sender: a worker exists only for such a channel, and Retry
// checks first): the sending commit, the Sender, the outcome commit. It
// returns the message as saved, the attempt's Kind (0: delivered) and what
// it means to the scheduler.
// byPerson allows failed, unknown and (left behind) sending messages.
func (d *Deliverer) attempt(ctx context.Context, m store.Message, byPerson bool) (store.Message, Kind, outbox.Outcome) {
	if ctx.Err() != nil {
		return m, NotSent, outbox.Outcome{Result: outbox.Retry, Err: ctx.Err()}
	}
	o, perr := d.prepare(m)
	if perr != nil {
		// Nothing was attempted: it fails without going through sending.
		saved := d.record(m, nil, perr, false)
		d.log.Warn("notification cannot be sent", "channel", m.Channel, "event_id", m.ID, "err", perr)
		return saved, Refused, outbox.Outcome{Result: outbox.Done, Err: perr}
	}

	// 1. sending, in its own commit, before anything is written.
	start := d.cfg.Now()
	saved, err := d.st.UpdateMessage(m.Seq, func(x *store.Message) error {
		ok := x.State == store.MessagePending ||
			(byPerson && (x.State == store.MessageFailed || x.State == store.MessageUnknown || x.State == store.MessageSending))
		if !ok {
			return errNotAttempted
		}
		x.State, x.Updated = store.MessageSending, start
		x.Attempts++
		return nil
	})
	if errors.Is(err, errNotAttempted) {
		return saved, NotSent, outbox.Outcome{Result: outbox.Done}
	}
	if err != nil {
		err = fmt.Errorf("%s %s was not sent: the station could not write to its data file: %w", m.Channel, m.ID, err)
		return m, NotSent, outbox.Outcome{Result: outbox.Retry, Err: err}
	}

	// 2. the attempt.
	sctx, cancel := outbox.WithGrace(ctx, d.grace)
	answer, serr := d.senders[m.Channel].Send(sctx, saved, o)
	cancel()
	kind := KindOf(serr)

	// 3. the outcome, in one commit.
	rec := d.record(saved, &answer, serr, true)
	if rec.State == store.MessageSending {
		// The outcome could not be written: the message stays sending and
		// becomes unknown at the next start. Never resent by itself.
		return saved, kind, outbox.Outcome{Result: outbox.Done, Err: fmt.Errorf("%s %s: the outcome could not be recorded; it will show as unknown", m.Channel, m.ID)}
	}
	saved = rec
	if kind != 0 && ctx.Err() != nil && (kind == NotSent || kind == Unreachable) {
		// Stopped before anything went out: not evidence about the provider.
		return saved, kind, outbox.Outcome{Result: outbox.Retry, Err: serr}
	}
	switch kind {
	case 0:
		d.log.Debug("notification sent", "channel", m.Channel, "event_id", m.ID, "answer", answer)
		return saved, 0, outbox.Outcome{Result: outbox.Done}
	case Refused:
		d.log.Warn("notification refused", "channel", m.Channel, "event_id", m.ID, "err", serr)
		return saved, kind, outbox.Outcome{Result: outbox.Done, Err: serr}
	case NotSent:
		var e *Error
		var ra time.Duration
		if errors.As(serr, &e) {
			ra = e.RetryAfter
		}
		d.log.Info("notification not sent, will try again", "channel", m.Channel, "event_id", m.ID, "err", serr, "retry_after", ra)
		return saved, kind, outbox.Outcome{Result: outbox.Retry, RetryAfter: ra, Err: serr}
	case Unreachable:
		d.log.Info("notification: provider unreachable", "channel", m.Channel, "event_id", m.ID, "err", serr)
		return saved, kind, outbox.Outcome{Result: outbox.Unreachable, Err: serr}
	default: // Unknown
		d.log.Warn("notification may have arrived: it is not sent again by itself", "channel", m.Channel, "event_id", m.ID, "err", serr)
		var e *Error
		if errors.As(serr, &e) && e.Status >= 500 {
			// The gateway is in trouble: back off as if unreachable, so it
			// costs one message per attempt rather than the whole queue.
			return saved, kind, outbox.Outcome{Result: outbox.Unreachable, Err: serr}
		}
		return saved, kind, outbox.Outcome{Result: outbox.Done, Err: serr}
	}
}

// record writes an attempt's outcome (answer nil: nothing was attempted)
// in one commit and returns the message as saved; if the commit fails it
// returns m unchanged.
func (d *Deliverer) record(m store.Message, answer *string, serr error, attempted bool) store.Message {
	now := d.cfg.Now()
	kind := KindOf(serr)
	var e *Error
	errors.As(serr, &e)
	saved, err := d.st.UpdateMessage(m.Seq, func(x *store.Message) error {
		if attempted && x.State != store.MessageSending {
			return errNotAttempted // cannot happen while we hold the claim
		}
		x.Updated = now
		x.LastStatus = 0
		if e != nil {
			x.LastStatus = e.Status
			if e.Response != "" {
				x.Response = clip(e.Response, responseKeep)
			}
		}
		switch kind {
		case 0:
			x.State, x.SentAt, x.LastError = store.MessageSent, now, ""
			if answer != nil {
				x.Response = clip(*answer, responseKeep)
				x.LastStatus = leadingCode(*answer)
			}
		case Refused:
			x.State, x.LastError = store.MessageFailed, serr.Error()
		case Unknown:
			x.State = store.MessageUnknown
			x.LastError = serr.Error() + " — it may have arrived, so it is not sent again by itself: Retry sends it again, Discard closes it"
		default:
			x.State, x.LastError = store.MessagePending, serr.Error()
		}
		return nil
	})
	if err != nil {
		d.log.Error("notification outcome not recorded", "channel", m.Channel, "event_id", m.ID, "kind", kind.String(), "err", err)
		return m
	}
	return saved
}

// prepare reads the message's rendered body and, for an SMS, makes its
// number international with the order's country.
func (d *Deliverer) prepare(m store.Message) (notify.Outgoing, error) {
	var o notify.Outgoing
	if err := json.Unmarshal(m.Body, &o); err != nil {
		return o, newError(Refused, 0, "%s %s cannot be read (%v): Discard it", m.Channel, m.ID, err)
	}
	if o.Channel == "" {
		o.Channel = m.Channel
	}
	if m.Channel == store.ChannelSMS {
		country := ""
		if !isInternational(o.To) && m.OrderRef != "" {
			if ord, err := d.st.Order(m.OrderRef); err == nil {
				country = ord.Receiver.Country
			}
		}
		if country != "" {
			to, err := NormalizePhone(o.To, country)
			if err != nil {
				return o, newError(Refused, 0, "%v; the SMS cannot be sent: Discard it (fix the order's phone for later messages)", err)
			}
			o.To = to
		}
	}
	return o, nil
}

func configSection(channel string) string {
	switch channel {
	case store.ChannelEmail:
		return "set up [notify.email]"
	case store.ChannelSMS:
		return "set up [notify.sms]"
	}
	return "not a notification channel"
}

// clip keeps the start of an answer (at most n bytes) as valid text.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// shorten clips s to n bytes with an ellipsis, for messages.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return clip(s, n) + "…"
}

// leadingCode is the 3-digit reply code an answer starts with (SMTP), or 0.
func leadingCode(s string) int {
	if len(s) >= 3 {
		if n, err := strconv.Atoi(s[:3]); err == nil && n >= 200 && n < 600 && (len(s) == 3 || s[3] == ' ' || s[3] == '-') {
			return n
		}
	}
	return 0
}
