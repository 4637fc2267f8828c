// Package outbox owns the schedule of the outbox sync: WHEN queued bookings
// are sent, never WHAT sending means. It keeps the worker online or offline,
// gives every entry that failed for a passing reason its own exponential
// back-off with jitter, honours a carrier's Retry-After by pausing all
// sending, bounds how many sends are in flight at once, and wakes up when
// asked (Kick), on a poll interval, and on its own timers. The station
// supplies what an entry is (list) and what sending it means (send).
//
// Why it exists: during a long outage the bench must not hammer the carrier
// (probes on a growing schedule, never a resend storm), and when
// the network returns the bench must learn quickly (a cheap probe, then the
// queue drains at once), while a 429 from the carrier holds every send, not
// just the one that got it.
//
// The package imports nothing from labelstation, so it is tested on its own
// with fake list and send functions.
//
// # Timing
//
// Every back-off in this package is the same doubling with "equal jitter":
//
//	d(n)    = min(MaxBackoff, MinBackoff·2^(n-1))      n = 1, 2, 3, …
//	wait(n) = d(n)/2 + r·d(n)/2                        r = Rand() in [0, 1]
//
// so a wait lies in [d/2, d]. The random half spreads benches that lost the
// network together; the fixed half keeps the floor of a back-off, so a long
// outage cannot decay into rapid retries by bad luck (plain "full jitter",
// r·d, can draw a near-zero pause).
//
//   - An entry whose send came to Retry waits wait(n), n counting its
//     consecutive Retry results; Done forgets it. Back-off state lives in
//     memory only: after a restart every entry is due at once, which is
//     harmless because the station's send is idempotent (and it is what a
//     packer expects after restarting the program).
//   - When a send reports Unreachable the worker goes offline and attempts
//     again (Probe, or — without a Probe — sending) after wait(1), then
//     wait(2), wait(3), … until an attempt gets through.
//   - A RetryAfter pauses every send until Now()+RetryAfter.
//
// # Online and offline
//
// The worker starts online (optimistic). Only sends (its own, or one the
// station reports with ReportUnreachable) move it offline; a
// Probe error while online is never consulted, except once when Run starts:
// Run probes first, so the status bar shows the truth before the first
// booking. While offline, a scheduled attempt (NextTry reached) advances
// the schedule; an attempt asked for out of schedule (Kick, an explicit
// Drain — the packer pressed "Sync now") attempts at once but leaves the
// schedule alone, so the packer is answered without the back-off being
// either reset or inflated.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Item is one queued entry as the scheduler sees it.
type Item struct {
	// ID names the entry; the scheduler never sends two items with the
	// same ID at once, and keeps back-off per ID.
	ID string
}

// Result is what sending one item came to.
type Result int

const (
	// Done means sent, or resolved for good (booked, adopted, failed
	// permanently, needs a person): the item's back-off is forgotten.
	Done Result = iota + 1
	// Retry is a transient failure of this item (e.g. 503): the item backs
	// off exponentially with jitter. A Result the package does not know
	// (including the zero value) counts as Retry.
	Retry
	// Unreachable means the carrier could not be reached at all: the whole
	// worker goes offline and probes.
	Unreachable
)

// String names the result.
func (r Result) String() string {
	switch r {
	case Done:
		return "done"
	case Retry:
		return "retry"
	case Unreachable:
		return "unreachable"
	}
	return fmt.Sprintf("Result(%d)", int(r))
}

// Outcome is what one send came to.
type Outcome struct {
	// Result decides the item's and the worker's next step.
	Result Result
	// RetryAfter > 0 means the carrier asked everyone to wait this long
	// (429): ALL sending pauses until Now()+RetryAfter. The item itself
	// counts as Retry but gets no back-off beyond the pause.
	RetryAfter time.Duration
	// Err is shown in the status (State.LastErr) and the Report; may be nil.
	Err error
}

// ErrForcedOffline is returned by Drain while the packer's "work offline"
// switch is on (SetOffline(true)).
var ErrForcedOffline = errors.New("outbox: working offline (sync is switched off)")

// ErrUnreachable stands in State.LastErr and Report.Errors for an
// Unreachable outcome that carried no error of its own.
var ErrUnreachable = errors.New("outbox: carrier unreachable")

// Config tunes the schedule. The zero value is usable.
type Config struct {
	// Concurrency is how many items are sent at once, across Run and
	// every Drain; 0 (or less) means 4.
	Concurrency int
	// Probe is a cheap reachability check used while offline; nil means
	// "assume reachable": offline then lasts one back-off period, after
	// which sending is simply tried again.
	Probe func(ctx context.Context) error
	// MinBackoff is the first pause after a failure; 0 means 1s.
	MinBackoff time.Duration
	// MaxBackoff caps every pause; 0 means 5m. It is raised to MinBackoff
	// if smaller.
	MaxBackoff time.Duration
	// PollEvery is how often Run looks for due items even without a Kick
	// (entries made by another process, etc.); 0 means 30s. Run does not
	// poll while offline (it attempts on the back-off schedule instead).
	PollEvery time.Duration
	// Now is the clock for every deadline; nil means time.Now. Run's
	// timers sleep real time for the durations this clock yields.
	Now func() time.Time
	// Rand returns the jitter draw r in [0, 1] (values outside are
	// clamped); nil means math/rand/v2's Float64. It is called with the
	// worker's lock held, so it need not be safe for concurrent use.
	Rand func() float64
}

// Worker schedules the sends of one outbox. It is safe for concurrent use.
type Worker struct {
	cfg  Config
	list func(ctx context.Context) ([]Item, error)
	send func(ctx context.Context, it Item) Outcome

	sem  chan struct{} // one token per send in flight, shared by every pass
	kick chan struct{} // Kick: run a pass now
	wake chan struct{} // the schedule changed: Run recomputes its timer

	mu        sync.Mutex
	online    bool // what sends and probes last said (optimistic at start)
	forced    bool // the packer's "work offline" switch
	gen       uint64
	since     time.Time
	lastErr   error
	lastErrAt time.Time
	attempt   int       // offline: the n of the last scheduled attempt
	nextTry   time.Time // offline: the next scheduled attempt
	paused    time.Time // no send starts before this (Retry-After)
	inflight  map[string]struct{}
	backoff   map[string]*itemBackoff
	seq       uint64            // orders lists and resolutions
	doneSeq   map[string]uint64 // ID → seq of its Done, while a pass may hold a stale list
	passes    int               // passes running
	subs      map[chan State]struct{}
}

type itemBackoff struct {
	n     int       // consecutive Retry results
	until time.Time // not sent before this
	seq   uint64    // when it was set, to prune only what a list can know of
}

// New returns a worker that lists the queue with list and sends one item
// with send. list must return every open entry (an entry it leaves out
// loses its back-off), in the order they should go (oldest first). send
// must be safe for concurrent use and idempotent, and should honour ctx:
// an outcome other than Done that comes back after ctx ended is not
// counted against the item or the carrier.
func New(cfg Config, list func(ctx context.Context) ([]Item, error), send func(ctx context.Context, it Item) Outcome) *Worker {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	return &Worker{
		cfg:      cfg,
		list:     list,
		send:     send,
		sem:      make(chan struct{}, cfg.Concurrency),
		kick:     make(chan struct{}, 1),
		wake:     make(chan struct{}, 1),
		online:   true,
		since:    cfg.Now(),
		inflight: make(map[string]struct{}),
		backoff:  make(map[string]*itemBackoff),
		doneSeq:  make(map[string]uint64),
		subs:     make(map[chan State]struct{}),
	}
}

// Report is what one Drain pass came to. Every listed item is counted
// exactly once: Sent+Retry+Unreachable+Left is the number list returned.
type Report struct {
	// Sent counts sends that came to Done.
	Sent int
	// Retry counts sends that came to Retry (or an unknown Result),
	// including one that started a Retry-After pause.
	Retry int
	// Unreachable counts sends that found the carrier unreachable (more
	// than one only when several were already in flight).
	Unreachable int
	// Left counts listed items this pass did not send: backing off, in
	// flight elsewhere, or not started because the pass stopped (offline,
	// paused, ctx ended), plus sends cut short by ctx.
	Left int
	// Offline says the worker is offline (or forced offline) at the end
	// of the pass.
	Offline bool
	// PausedUntil is the end of a Retry-After pause in force at the end of
	// the pass; zero if none.
	PausedUntil time.Time
	// Errors are the errors of this pass, in the order they came: a failed
	// probe, and each send's Outcome.Err (ErrUnreachable if an Unreachable
	// outcome had none).
	Errors []error
}

// State is what the status bar shows.
type State struct {
	// Online is false while the carrier is unreachable or the packer
	// works offline.
	Online bool
	// Forced says the packer's "work offline" switch is on.
	Forced bool
	// Since is when Online last changed (or when the worker was made).
	Since time.Time
	// LastErr is the most recent error of a send, probe or list (nil if
	// none yet); it is not cleared by later successes. LastErrAt is when.
	LastErr   error
	LastErrAt time.Time
	// NextTry is when the worker will next try by itself: offline, the
	// next scheduled attempt; online, the earliest time a backing-off item
	// falls due. Zero if nothing is scheduled (besides PollEvery) or the
	// switch is on.
	NextTry time.Time
	// Sending counts sends in flight.
	Sending int
	// BackingOff counts items waiting out a back-off.
	BackingOff int
	// PausedUntil is the end of a Retry-After pause; zero if none.
	PausedUntil time.Time
}

// Kick wakes Run now (a booking was queued, the packer pressed "Sync
// now"); it never blocks. Kicks while Run is busy fold into one more pass.
// While offline a Kick attempts at once (a probe; without a Probe, one
// send) without moving the back-off schedule; it does not cut a
// Retry-After pause or an item's back-off short.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// poke tells Run that a deadline it may sleep towards has moved.
func (w *Worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// SetOffline(true) forces offline (the packer's "work offline" switch): Run
// and Drain send nothing and do not probe until SetOffline(false), which
// Kicks. Sends already in flight finish. Subscribers see the flip of
// State.Online.
func (w *Worker) SetOffline(forced bool) {
	w.mu.Lock()
	if w.forced != forced {
		before := w.visibleLocked()
		w.forced = forced
		w.flippedLocked(before)
	}
	w.mu.Unlock()
	w.poke()
	if !forced {
		w.Kick()
	}
}

// ReportUnreachable tells the worker that a send made outside it (the pack
// flow booking directly) could not reach the carrier at all: it goes
// offline just as if one of its own sends had said Unreachable (LastErr is
// err, or ErrUnreachable if nil; attempts follow the back-off schedule).
// Already offline, only LastErr changes. It never blocks.
func (w *Worker) ReportUnreachable(err error) {
	if err == nil {
		err = ErrUnreachable
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	w.setErrLocked(err, now)
	if w.online {
		w.goOfflineLocked(now)
	}
}

// State returns the worker's current state.
func (w *Worker) State() State {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stateLocked(w.cfg.Now())
}

// Subscribe returns a channel that receives the State each time
// State.Online flips. It is buffered 1 and latest wins: the worker never
// blocks on a slow reader, which sees the newest flip. It does not receive
// the current state (call State after Subscribe for that; no flip in
// between is lost). The channel is closed when ctx ends.
func (w *Worker) Subscribe(ctx context.Context) <-chan State {
	ch := make(chan State, 1)
	w.mu.Lock()
	w.subs[ch] = struct{}{}
	w.mu.Unlock()
	context.AfterFunc(ctx, func() {
		w.mu.Lock()
		delete(w.subs, ch)
		close(ch)
		w.mu.Unlock()
	})
	return ch
}

// Run sends due items until ctx ends. It probes once at start (if Probe is
// set) to learn the initial state, then makes a pass (see Drain) at start,
// when Kick is called, every PollEvery, when a backing-off item falls due
// and when a Retry-After pause ends; while offline it makes no polls but
// attempts on the back-off schedule (State.NextTry), and the first
// attempt that gets through switches online and drains at once. While the
// packer works offline it only waits for SetOffline(false).
//
// Run returns promptly when ctx ends: sends in flight get the ended ctx and
// are waited for, so Run leaves no goroutine behind. Errors are recorded in
// State, never returned. Run must not be called twice at once.
func (w *Worker) Run(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	pass := w.startProbe(ctx)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		if pass {
			w.drain(ctx) // errors are in State
		}
		if ctx.Err() != nil {
			return
		}
		var fire <-chan time.Time
		if d, ok := w.nextWake(); ok {
			timer.Reset(d)
			fire = timer.C
		} else {
			timer.Stop()
		}
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
			pass = true
		case <-fire:
			pass = true
		case <-w.wake:
			pass = false // only the timer moves
		}
	}
}

// startProbe is Run's first look at the network; it says whether to drain
// right away.
func (w *Worker) startProbe(ctx context.Context) bool {
	w.mu.Lock()
	skip := w.forced || w.cfg.Probe == nil
	w.mu.Unlock()
	if skip {
		return true
	}
	err := w.cfg.Probe(ctx)
	if ctx.Err() != nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	if err != nil {
		w.setErrLocked(err, now)
		if w.online {
			w.goOfflineLocked(now)
		}
		return false
	}
	if !w.online {
		w.goOnlineLocked(now)
	}
	return true
}

// nextWake is how long Run sleeps before its next pass; ok=false means
// until kicked.
func (w *Worker) nextWake() (time.Duration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	switch {
	case w.forced:
		return 0, false
	case !w.online:
		return max(w.nextTry.Sub(now), 0), true
	}
	at := now.Add(w.cfg.PollEvery)
	if w.paused.After(now) && w.paused.Before(at) {
		at = w.paused
	}
	if due := w.earliestDueLocked(now); !due.IsZero() && due.Before(at) {
		at = due
	}
	return at.Sub(now), true
}

// pass is the state of one Drain.
type pass struct {
	rep     Report
	stop    bool   // a send of this pass said stop (Unreachable, Retry-After)
	listSeq uint64 // w.seq before list was called
}

// Drain makes one pass now: it sends every due item (not backing off, not
// in flight elsewhere, not during a Retry-After pause) in list order, with
// at most Concurrency sends in flight across the whole worker, and returns
// what happened once its sends have finished. It stops starting new sends
// as soon as one send reports Unreachable (the rest stay queued) or a
// Retry-After pause begins.
//
// While offline, Drain first attempts: it probes (without a Probe it just
// sends, and the first outcome decides); a failed probe ends the pass with
// Report.Offline. See the package comment for how attempts move the
// schedule.
//
// The error is ErrForcedOffline while the packer works offline, list's
// error (also recorded in State.LastErr) or ctx's; a send's error is not
// Drain's error but goes to Report.Errors. Used by `labelstation queue
// sync` and by Run.
func (w *Worker) Drain(ctx context.Context) (Report, error) {
	return w.drain(ctx)
}

func (w *Worker) drain(ctx context.Context) (Report, error) {
	p := &pass{}
	if err := ctx.Err(); err != nil {
		return w.finishReport(p), err
	}
	w.mu.Lock()
	if w.forced {
		w.mu.Unlock()
		return w.finishReport(p), ErrForcedOffline
	}
	w.passes++
	p.listSeq = w.seq
	offline := !w.online
	if now := w.cfg.Now(); offline && !now.Before(w.nextTry) {
		// A scheduled attempt: move the schedule first, so nothing below
		// (a list error, a hung probe) can leave it due and spin Run.
		w.attempt++
		w.nextTry = now.Add(w.jitterLocked(w.backoffDur(w.attempt)))
		defer w.poke()
	}
	w.mu.Unlock()
	defer w.endPass()

	items, err := w.list(ctx)
	if err != nil {
		if ctx.Err() == nil {
			err = fmt.Errorf("outbox: list queue: %w", err)
			w.mu.Lock()
			w.setErrLocked(err, w.cfg.Now())
			w.mu.Unlock()
		}
		return w.finishReport(p), err
	}
	p.rep.Left = len(items)
	w.prune(items, p.listSeq)

	w.mu.Lock()
	offline = !w.online // another pass may have got through meanwhile
	w.mu.Unlock()
	if offline && w.cfg.Probe != nil {
		err := w.cfg.Probe(ctx)
		if ctx.Err() != nil {
			return w.finishReport(p), ctx.Err()
		}
		w.mu.Lock()
		if err != nil {
			w.setErrLocked(err, w.cfg.Now())
			p.rep.Errors = append(p.rep.Errors, err)
			w.mu.Unlock()
			return w.finishReport(p), nil
		}
		if !w.online {
			w.goOnlineLocked(w.cfg.Now())
		}
		w.mu.Unlock()
	}

	w.mu.Lock()
	g0 := w.gen
	w.mu.Unlock()
	var wg sync.WaitGroup
items:
	for _, it := range items {
		// Cheap look first, so an item that is not due never waits for a
		// slot; then the real check and claim once a slot is ours.
		w.mu.Lock()
		stop, skip := w.stopLocked(p, g0), !w.sendableLocked(it.ID, p.listSeq)
		w.mu.Unlock()
		if stop {
			break
		}
		if skip {
			continue
		}
		select {
		case w.sem <- struct{}{}:
		case <-ctx.Done():
			break items
		}
		w.mu.Lock()
		stop = ctx.Err() != nil || w.stopLocked(p, g0)
		if stop || !w.sendableLocked(it.ID, p.listSeq) {
			w.mu.Unlock()
			<-w.sem
			if stop {
				break
			}
			continue
		}
		w.inflight[it.ID] = struct{}{}
		p.rep.Left--
		gen := w.gen
		w.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-w.sem }()
			out := w.send(ctx, it)
			w.finish(ctx, p, it, gen, out)
		}()
	}
	wg.Wait()
	return w.finishReport(p), ctx.Err()
}

// stopLocked says whether the pass must start no more sends.
func (w *Worker) stopLocked(p *pass, g0 uint64) bool {
	return p.stop || w.forced ||
		w.paused.After(w.cfg.Now()) ||
		(!w.online && w.gen != g0) // another pass or Run saw the carrier go away
}

// sendableLocked says whether the item may be sent now by a pass that
// listed at listSeq.
func (w *Worker) sendableLocked(id string, listSeq uint64) bool {
	if _, busy := w.inflight[id]; busy {
		return false
	}
	if s, ok := w.doneSeq[id]; ok && s > listSeq {
		return false // resolved after this pass listed: the list is stale
	}
	if b := w.backoff[id]; b != nil && w.cfg.Now().Before(b.until) {
		return false
	}
	return true
}

// finish records one send's outcome.
func (w *Worker) finish(ctx context.Context, p *pass, it Item, gen uint64, out Outcome) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.inflight, it.ID)
	if ctx.Err() != nil && out.Result != Done {
		// Cut short by the caller (shutdown): not evidence about the item
		// or the carrier.
		p.rep.Left++
		return
	}
	now := w.cfg.Now()
	current := gen == w.gen // the send began in the worker's present state
	if out.RetryAfter > 0 {
		if until := now.Add(out.RetryAfter); until.After(w.paused) {
			w.paused = until
			defer w.poke()
		}
		p.stop = true
	}
	err := out.Err
	if err == nil && out.Result == Unreachable {
		err = ErrUnreachable
	}
	if err != nil {
		// Before any flip, so subscribers see why.
		w.setErrLocked(err, now)
		p.rep.Errors = append(p.rep.Errors, err)
	}
	switch out.Result {
	case Done:
		p.rep.Sent++
		delete(w.backoff, it.ID)
		w.seq++
		w.doneSeq[it.ID] = w.seq
	case Unreachable:
		p.rep.Unreachable++
		p.stop = true
		if current && w.online {
			w.goOfflineLocked(now)
		}
	default:
		p.rep.Retry++
		if out.RetryAfter <= 0 {
			b := w.backoff[it.ID]
			if b == nil {
				b = &itemBackoff{}
				w.backoff[it.ID] = b
			}
			b.n++
			b.until = now.Add(w.jitterLocked(w.backoffDur(b.n)))
			w.seq++
			b.seq = w.seq
			defer w.poke()
		}
	}
	if out.Result != Unreachable && current && !w.online {
		// A send made while offline (no Probe) got through.
		w.goOnlineLocked(now)
	}
}

// prune forgets back-off of items that left the queue (deleted by another
// process or by hand). Only entries this list could have seen go.
func (w *Worker) prune(items []Item, listSeq uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.backoff) == 0 {
		return
	}
	listed := make(map[string]struct{}, len(items))
	for _, it := range items {
		listed[it.ID] = struct{}{}
	}
	for id, b := range w.backoff {
		if _, ok := listed[id]; ok || b.seq > listSeq {
			continue
		}
		if _, busy := w.inflight[id]; busy {
			continue
		}
		delete(w.backoff, id)
	}
}

func (w *Worker) endPass() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.passes--
	if w.passes == 0 {
		clear(w.doneSeq) // no list left that could be stale
	}
}

func (w *Worker) finishReport(p *pass) Report {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	p.rep.Offline = !w.visibleLocked()
	if w.paused.After(now) {
		p.rep.PausedUntil = w.paused
	}
	return p.rep
}

func (w *Worker) visibleLocked() bool { return w.online && !w.forced }

func (w *Worker) goOfflineLocked(now time.Time) {
	before := w.visibleLocked()
	w.online = false
	w.gen++
	w.attempt = 1
	w.nextTry = now.Add(w.jitterLocked(w.backoffDur(1)))
	w.flippedLocked(before)
	w.poke()
}

func (w *Worker) goOnlineLocked(now time.Time) {
	before := w.visibleLocked()
	w.online = true
	w.gen++
	w.attempt = 0
	w.nextTry = time.Time{}
	w.flippedLocked(before)
	w.poke()
}

// flippedLocked stamps Since and tells subscribers if State.Online changed.
func (w *Worker) flippedLocked(before bool) {
	if w.visibleLocked() == before {
		return
	}
	now := w.cfg.Now()
	w.since = now
	s := w.stateLocked(now)
	for ch := range w.subs {
		select {
		case ch <- s:
		default: // latest wins: replace the unread state
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- s:
			default:
			}
		}
	}
}

func (w *Worker) setErrLocked(err error, now time.Time) {
	w.lastErr, w.lastErrAt = err, now
}

func (w *Worker) stateLocked(now time.Time) State {
	s := State{
		Online:    w.visibleLocked(),
		Forced:    w.forced,
		Since:     w.since,
		LastErr:   w.lastErr,
		LastErrAt: w.lastErrAt,
		Sending:   len(w.inflight),
	}
	for _, b := range w.backoff {
		if now.Before(b.until) {
			s.BackingOff++
		}
	}
	if w.paused.After(now) {
		s.PausedUntil = w.paused
	}
	switch {
	case w.forced:
	case !w.online:
		s.NextTry = w.nextTry
	default:
		s.NextTry = w.earliestDueLocked(now)
	}
	return s
}

// earliestDueLocked is the first future time a backing-off item falls due,
// or zero.
// NextDue is when the next item backing off (or the Retry-After pause)
// ends; zero when nothing waits. A caller draining by hand (Drain in a
// loop) sleeps until then instead of polling.
func (w *Worker) NextDue() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	at := w.earliestDueLocked(now)
	if w.paused.After(now) && (at.IsZero() || w.paused.After(at)) {
		at = w.paused
	}
	return at
}

func (w *Worker) earliestDueLocked(now time.Time) time.Time {
	var at time.Time
	for _, b := range w.backoff {
		if b.until.After(now) && (at.IsZero() || b.until.Before(at)) {
			at = b.until
		}
	}
	return at
}

// backoffDur is d(n) = min(MaxBackoff, MinBackoff·2^(n-1)), without
// overflow for any n.
func (w *Worker) backoffDur(n int) time.Duration {
	d := w.cfg.MinBackoff
	for i := 1; i < n && d < w.cfg.MaxBackoff; i++ {
		if d > w.cfg.MaxBackoff/2 {
			d = w.cfg.MaxBackoff
			break
		}
		d *= 2
	}
	return min(d, w.cfg.MaxBackoff)
}

// jitterLocked draws a wait in [d/2, d]: d - ⌊d/2⌋ + r·⌊d/2⌋.
func (w *Worker) jitterLocked(d time.Duration) time.Duration {
	r := w.cfg.Rand()
	if !(r >= 0) { // also NaN
		r = 0
	}
	if r > 1 {
		r = 1
	}
	half := d / 2
	return d - half + time.Duration(r*float64(half))
}
