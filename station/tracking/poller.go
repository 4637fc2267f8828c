// Package tracking is the tracking poller: it asks the carrier's Track &
// Trace about every parcel still on its way, at intervals that depend on
// the parcel's status (see Interval), with bounded concurrency, a daily
// cap on look-ups, and back-off when the carrier says "not now". Each
// answer is saved in one store transaction (new events once each, the
// shipment's status, its TrackSummary), and status changes are pushed to
// subscribers. Package station is its facade; this package does not
// import it.
package tracking

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// Defaults of Config.
const (
	DefaultConcurrency = 4
	DefaultDailyCap    = 20000
	DefaultSeedDays    = 14
	DefaultEvery       = 5 * time.Minute
	DefaultBackoff     = time.Second
	DefaultMaxBackoff  = time.Minute
	// DefaultMaxFailures is how many look-ups in a row may fail with
	// "not now" (429, 503, …) before a pass gives up.
	DefaultMaxFailures = 5
	subscriberBuffer   = 64
)

// Records is where a poller reads the open parcels and saves what the
// carrier answered: the station's own bbolt store, or (in fleet mode, on
// the one bench that polls for the site) the site's PostgreSQL records
// (fleet.SiteRecords). *store.Store is one.
type Records interface {
	SeedTrackSummaries(first, last time.Time, seed func(store.Shipment) (store.TrackSummary, bool)) (created int, err error)
	OpenTrackSummaries(fn func(store.TrackSummary) error) error
	TrackLookups(day time.Time) (int, error)
	AddTrackLookups(day time.Time, n int) (total int, err error)
	ItemEvents(itemID string) ([]carrier.TrackingEvent, error)
	RecordTracking(ref string, events []carrier.TrackingEvent, status carrier.Status, sum store.TrackSummary) (added int, err error)
	PutTrackSummary(sum store.TrackSummary) error
}

var _ Records = (*store.Store)(nil)

// Config wires a Poller.
type Config struct {
	Store   Records
	Carrier carrier.Carrier
	// CarrierFor returns the carrier a parcel is tracked with by its
	// registry name (the summary's Carrier); nil uses Carrier for all.
	CarrierFor func(name string) carrier.Carrier
	// FromCountry is the consignor's country, written into new summaries.
	FromCountry string
	// Concurrency bounds the look-ups at once (0: 4).
	Concurrency int
	// DailyCap bounds the look-ups per local calendar day (0: 20000).
	DailyCap int
	// SeedDays is how many days back a pass looks for booked shipments
	// that have no summary yet (0: 14).
	SeedDays int
	// Every is the pause between passes of Run (0: 5 min).
	Every time.Duration
	// Backoff is the first back-off window after a failed look-up; it
	// doubles with each failure in a row (full jitter), up to MaxBackoff
	// (0: 1 s and 1 min). A carrier's Retry-After is waited at least.
	Backoff, MaxBackoff time.Duration
	// MaxFailures is how many look-ups in a row may fail before a pass
	// stops (0: 5).
	MaxFailures int
	Now         func() time.Time
	Logger      *slog.Logger
}

// Report says what one pass did. Polled counts every look-up made,
// answered or not; Failed those without a usable answer. Updated counts
// parcels with new events or a new status; NotDue open parcels whose
// interval has not passed; Capped due parcels left for tomorrow because
// the daily cap was reached. Err says why a pass stopped early (the
// carrier unreachable, rate limits that did not end), or "".
type Report struct {
	Polled    int           `json:"polled"`
	Updated   int           `json:"updated"`
	NewEvents int           `json:"new_events"`
	NotDue    int           `json:"not_due"`
	Capped    int           `json:"capped"`
	Failed    int           `json:"failed"`
	Took      time.Duration `json:"took"`
	Err       string        `json:"err,omitempty"`
}

// Change is a parcel's status change, as a pass saw it.
type Change struct {
	OrderRef string         `json:"order_ref"`
	ItemID   string         `json:"item_id"`
	From     carrier.Status `json:"from"`
	To       carrier.Status `json:"to"`
	At       time.Time      `json:"at"`
}

// Poller refreshes open parcels. It is safe for concurrent use; passes
// run one at a time.
type Poller struct {
	cfg Config
	log *slog.Logger

	pass sync.Mutex // one pass at a time

	subMu sync.Mutex
	subs  map[chan Change]struct{}
}

// New returns a poller for cfg (Store and Carrier are required by Pass).
func New(cfg Config) *Poller {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.DailyCap <= 0 {
		cfg.DailyCap = DefaultDailyCap
	}
	if cfg.SeedDays <= 0 {
		cfg.SeedDays = DefaultSeedDays
	}
	if cfg.Every <= 0 {
		cfg.Every = DefaultEvery
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = DefaultMaxFailures
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Poller{cfg: cfg, log: cfg.Logger, subs: map[chan Change]struct{}{}}
}

// Subscribe returns a channel of status changes until ctx ends (then it
// is closed). The channel holds 64 changes; a subscriber that falls
// further behind loses the oldest ones (the poller never waits for a
// subscriber), so a screen should re-read the store after a burst.
func (p *Poller) Subscribe(ctx context.Context) <-chan Change {
	ch := make(chan Change, subscriberBuffer)
	p.subMu.Lock()
	p.subs[ch] = struct{}{}
	p.subMu.Unlock()
	context.AfterFunc(ctx, func() {
		p.subMu.Lock()
		delete(p.subs, ch)
		close(ch)
		p.subMu.Unlock()
	})
	return ch
}

// Publish tells the subscribers about a change the poller did not see
// itself: in fleet mode the site's poller (on another bench) learned it,
// and this bench recorded it from its inbox.
func (p *Poller) Publish(c Change) { p.publish(c) }

func (p *Poller) publish(c Change) {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	for ch := range p.subs {
		select {
		case ch <- c:
			continue
		default:
		}
		select { // full: drop the oldest
		case <-ch:
		default:
		}
		select {
		case ch <- c:
		default:
		}
	}
}

// Run makes a pass every Config.Every until ctx ends; after a pass that
// stopped early (carrier unreachable) it waits longer, doubling up to an
// hour, with jitter.
func (p *Poller) Run(ctx context.Context) {
	wait := p.cfg.Every
	for {
		rep, err := p.Pass(ctx, false)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil || rep.Err != "":
			p.log.Warn("tracking pass stopped", "err", err, "report_err", rep.Err)
			wait = min(wait*2, time.Hour)
		default:
			wait = p.cfg.Every
		}
		d := wait/2 + rand.N(wait/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Pass seeds missing summaries, then asks the carrier about every due
// open parcel (all: every open parcel, ignoring intervals but not the
// daily cap), never-polled and longest-unpolled first. The daily cap is
// durable: look-ups are counted per local calendar day in the store
// (AddTrackLookups, written at the end of each pass), so a restart or a
// second command on the same day does not reset it.
func (p *Poller) Pass(ctx context.Context, all bool) (Report, error) {
	p.pass.Lock()
	defer p.pass.Unlock()
	start := time.Now()
	var rep Report
	if p.cfg.Store == nil || (p.cfg.Carrier == nil && p.cfg.CarrierFor == nil) {
		return rep, errors.New("tracking: no store or no carrier")
	}
	now := p.cfg.Now()
	if _, err := p.cfg.Store.SeedTrackSummaries(now.AddDate(0, 0, -p.cfg.SeedDays), now, func(sh store.Shipment) (store.TrackSummary, bool) {
		return Seed(sh, p.cfg.FromCountry)
	}); err != nil {
		return rep, err
	}
	var due []store.TrackSummary
	if err := p.cfg.Store.OpenTrackSummaries(func(sum store.TrackSummary) error {
		if Due(sum, now, all) {
			due = append(due, sum)
		} else {
			rep.NotDue++
		}
		return nil
	}); err != nil {
		return rep, err
	}
	slices.SortStableFunc(due, func(a, b store.TrackSummary) int { return a.LastPolled.Compare(b.LastPolled) })

	used, err := p.cfg.Store.TrackLookups(now)
	if err != nil {
		return rep, err
	}
	budget := max(p.cfg.DailyCap-used, 0)
	if len(due) > budget {
		rep.Capped = len(due) - budget
		due = due[:budget]
	}

	res := p.poll(ctx, due)
	rep.Polled, rep.Updated, rep.NewEvents, rep.Failed, rep.Err = res.polled, res.updated, res.newEvents, res.failed, res.stop
	if _, err := p.cfg.Store.AddTrackLookups(now, res.polled); err != nil && res.storeErr == nil {
		res.storeErr = err
	}
	rep.Took = time.Since(start)
	p.log.Info("tracking pass", "polled", rep.Polled, "updated", rep.Updated, "new_events", rep.NewEvents,
		"not_due", rep.NotDue, "capped", rep.Capped, "failed", rep.Failed, "err", rep.Err)
	return rep, res.storeErr
}

type passResult struct {
	mu                                 sync.Mutex
	polled, updated, newEvents, failed int
	stop                               string // why the pass stopped early
	storeErr                           error
	pauseUntil                         time.Time // back-off: no look-up before
	failsInRow                         int
}

// poll asks about the parcels with at most Concurrency look-ups at once.
func (p *Poller) poll(ctx context.Context, due []store.TrackSummary) *passResult {
	res := &passResult{}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := func(why string) {
		res.mu.Lock()
		if res.stop == "" {
			res.stop = why
		}
		res.mu.Unlock()
		cancel()
	}
	jobs := make(chan store.TrackSummary)
	var wg sync.WaitGroup
	for range min(p.cfg.Concurrency, max(len(due), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sum := range jobs {
				if !p.waitBackoff(ctx, res) {
					continue
				}
				p.pollOne(ctx, sum, res, stop)
			}
		}()
	}
	for _, sum := range due {
		select {
		case jobs <- sum:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if parent.Err() != nil && res.stop == "" {
		res.stop = "stopped before the end: " + parent.Err().Error()
	}
	return res
}

// waitBackoff waits until the pass's back-off ends; false when the pass
// was stopped meanwhile.
func (p *Poller) waitBackoff(ctx context.Context, res *passResult) bool {
	for {
		if ctx.Err() != nil {
			return false
		}
		res.mu.Lock()
		d := time.Until(res.pauseUntil)
		res.mu.Unlock()
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

func (p *Poller) pollOne(ctx context.Context, sum store.TrackSummary, res *passResult, stop func(string)) {
	c := p.cfg.Carrier
	if p.cfg.CarrierFor != nil {
		c = p.cfg.CarrierFor(sum.Carrier)
	}
	if c == nil {
		// A carrier no longer configured: nothing to ask.
		return
	}
	t, err := c.Track(ctx, sum.ItemID)
	now := p.cfg.Now()
	res.mu.Lock()
	res.polled++
	res.mu.Unlock()
	if err != nil && ctx.Err() != nil {
		return // the pass was stopped, or its caller gave up
	}
	if err != nil {
		p.lookupFailed(sum, now, err, res, stop)
		return
	}
	res.mu.Lock()
	res.failsInRow = 0
	res.mu.Unlock()

	events := make([]carrier.TrackingEvent, len(t.Events))
	for i, e := range t.Events {
		if e.ItemID == "" {
			e.ItemID = sum.ItemID
		}
		events[i] = e
	}
	stored, err := p.cfg.Store.ItemEvents(sum.ItemID)
	if err != nil {
		p.storeFailed(err, res, stop)
		return
	}
	next := Summarise(sum, t.Status, t.ETA, append(stored, events...))
	next.LastPolled, next.Polls = now, sum.Polls+1
	added, err := p.cfg.Store.RecordTracking(sum.OrderRef, events, next.Status, next)
	if err != nil {
		p.storeFailed(err, res, stop)
		return
	}
	res.mu.Lock()
	res.newEvents += added
	if added > 0 || next.Status != sum.Status {
		res.updated++
	}
	res.mu.Unlock()
	if next.Status != sum.Status {
		p.publish(Change{OrderRef: sum.OrderRef, ItemID: sum.ItemID, From: sum.Status, To: next.Status, At: now})
	}
}

func (p *Poller) storeFailed(err error, res *passResult, stop func(string)) {
	res.mu.Lock()
	res.failed++
	if res.storeErr == nil {
		res.storeErr = err
	}
	res.mu.Unlock()
	stop("the data file could not be written: " + err.Error())
}

// lookupFailed decides what a failed look-up means for the pass:
//   - no HTTP answer at all (KindUnavailable, HTTP status 0): the carrier
//     cannot be reached; the pass stops;
//   - the key is refused (KindAuth): every look-up would fail; stop;
//   - "not now" (429, 503, other unavailable answers): back off, at least
//     the carrier's Retry-After, exponentially with jitter over failures
//     in a row; after MaxFailures in a row the pass stops;
//   - the carrier does not know the item, or refuses the id: the look-up
//     counts as made (LastPolled), so the parcel waits its interval.
func (p *Poller) lookupFailed(sum store.TrackSummary, now time.Time, err error, res *passResult, stop func(string)) {
	var ce *carrier.Error
	errors.As(err, &ce)
	res.mu.Lock()
	res.failed++
	switch {
	case ce != nil && ce.Kind == carrier.KindUnavailable && ce.HTTPStatus == 0:
		res.mu.Unlock()
		stop("the carrier cannot be reached: " + err.Error())
		return
	case ce != nil && ce.Kind == carrier.KindAuth:
		res.mu.Unlock()
		stop("the carrier refused the API key: " + err.Error())
		return
	case ce != nil && (ce.Kind == carrier.KindNotFound || ce.Kind == carrier.KindRejected):
		res.mu.Unlock()
		sum.LastPolled, sum.Polls = now, sum.Polls+1
		if perr := p.cfg.Store.PutTrackSummary(sum); perr != nil {
			p.storeFailed(perr, res, stop)
		}
		p.log.Info("tracking look-up found nothing", "order", sum.OrderRef, "item", sum.ItemID, "err", err)
		return
	}
	res.failsInRow++
	n := res.failsInRow
	window := p.cfg.Backoff << min(n-1, 20)
	if window > p.cfg.MaxBackoff || window <= 0 {
		window = p.cfg.MaxBackoff
	}
	d := window/2 + rand.N(window/2+1)
	if ce != nil && ce.RetryAfter > d {
		d = ce.RetryAfter
	}
	if until := time.Now().Add(d); until.After(res.pauseUntil) {
		res.pauseUntil = until
	}
	res.mu.Unlock()
	p.log.Warn("tracking look-up failed; backing off", "order", sum.OrderRef, "item", sum.ItemID, "wait", d, "err", err)
	if n >= p.cfg.MaxFailures {
		stop(fmt.Sprintf("the carrier said not now %d times in a row (%v); the rest waits for the next pass", n, err))
	}
}
