package station

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"labelstation/carrier"
	"labelstation/fleet"
	"labelstation/station/kpi"
	"labelstation/station/tracking"
	"labelstation/store"
)

// Fleet mode: many benches, one site. Each bench keeps its own store and
// outbox; with Config.Fleet set it also claims each order on the site's
// PostgreSQL before booking it, pushes what it records there (the store
// marks every replicated change in the change's own commit), pulls the
// news about its parcels that the site's one tracking poller left in its
// inbox, and takes that poller's turn when the lock is free.
//
// Nothing here stops a bench from packing: a claim that cannot reach the
// server is made locally and pushed later (a clash then becomes a
// conflict for a supervisor), and pushes wait in the store's marks.

// DefaultFleetEvery is the pause between pushes and pulls.
const DefaultFleetEvery = 5 * time.Second

// fleetPushBatch bounds the replicas of one push transaction.
const fleetPushBatch = 500

// fleetRoundTimeout bounds one background push and pull.
const fleetRoundTimeout = 2 * time.Minute

// siteOrderTimeout bounds the look-up of an order on the site's server at
// scan time: a packer waits for it.
const siteOrderTimeout = 2 * time.Second

// FleetConfig tunes fleet mode.
type FleetConfig struct {
	// Site is the site's server; nil: fleet mode is off.
	Site *fleet.Site
	// Every is the pause between pushes and pulls (0: 5 s).
	Every time.Duration
	// TrackEvery is the site poller's pause between passes (0: the
	// tracking poller's own default, 5 min).
	TrackEvery time.Duration
}

// FleetStatus is what the status bar and `labelstation fleet status` show.
type FleetStatus struct {
	On      bool   `json:"on"`
	Station string `json:"station"`
	Server  string `json:"server"` // redacted URL
	// Tried: a push or claim has reached for the server since the start
	// (before that, Reachable says nothing yet: "connecting").
	Tried     bool `json:"tried"`
	Reachable bool `json:"reachable"`
	// Refused: the server answered but refused the last push or claim
	// (LastErr says why: a bench name another bench uses, the role's
	// rights, …). It does not mend itself: site IT must look.
	Refused  bool      `json:"refused,omitempty"`
	LastPush time.Time `json:"last_push,omitempty"`
	LastErr  string    `json:"last_error,omitempty"`
	// Backlog is how many records wait to be pushed.
	Backlog int `json:"backlog"`
	// Poller is the bench that polls Track & Trace for the site ("" :
	// unknown or none); Polling: this bench.
	Poller  string `json:"poller,omitempty"`
	Polling bool   `json:"polling"`
	// Conflicts counts unresolved claim conflicts of this bench.
	Conflicts int `json:"conflicts"`
}

// FleetSyncReport says what one push and pull did.
type FleetSyncReport struct {
	Pushed    int                   `json:"pushed"`
	Pulled    int                   `json:"pulled"` // parcels with tracking news
	Conflicts []store.ClaimConflict `json:"conflicts,omitempty"`
	Backlog   int                   `json:"backlog"`
}

// SiteBench is one bench as the site sees it; SiteConflict an order two
// benches claimed (the GUI and CLI speak these, not the fleet package).
type (
	SiteBench    = fleet.Bench
	SiteConflict = fleet.Conflict
)

// SiteView is the site dashboard: the KPIs of every bench together (or of
// one), and the benches.
type SiteView struct {
	Report  kpi.Report  `json:"report"`
	Bench   string      `json:"bench,omitempty"` // "" : all benches
	Benches []SiteBench `json:"benches"`
	// Conflicts are the site's unresolved claim conflicts (all benches).
	Conflicts []SiteConflict `json:"conflicts,omitempty"`
}

// ErrFleetOff: the command needs fleet mode.
var ErrFleetOff = errors.New("fleet mode is off")

// fleetState is what the last push and pull learned, for FleetStatus
// (which the status bar polls, so it does no I/O).
type fleetState struct {
	mu        sync.Mutex
	tried     bool
	reachable bool
	refused   bool
	lastPush  time.Time
	lastErr   string
	poller    string
	polling   bool
	sync      sync.Mutex // one push and pull at a time
	kick      chan struct{}
}

func fleetOff() error {
	return &Problem{ID: "fleet.off", Msg: "fleet mode is off", Hint: "set [fleet] postgres_url in the config (Settings → Site)", Err: ErrFleetOff}
}

// FleetOn reports whether the station is one of a site's benches.
func (s *Station) FleetOn() bool { return s.cfg.Fleet.Site != nil && s.store != nil }

func (s *Station) site() *fleet.Site { return s.cfg.Fleet.Site }

// RunFleet pushes and pulls every FleetConfig.Every (and at once after a
// pack), and competes for the site's tracking poller, until ctx ends. It
// returns at once when fleet mode is off.
func (s *Station) RunFleet(ctx context.Context) {
	if !s.FleetOn() {
		return
	}
	every := s.cfg.Fleet.Every
	if every <= 0 {
		every = DefaultFleetEvery
	}
	var wg sync.WaitGroup
	if len(s.reg.names) > 0 {
		wg.Go(func() { s.site().RunLeader(ctx, s.pollForSite) })
	}
	defer wg.Wait()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		// A round has a bound: a link that died without a word (no
		// reset) must not hold the sync lock for TCP's quarter of an
		// hour.
		round, cancel := context.WithTimeout(ctx, fleetRoundTimeout)
		if _, err := s.FleetSync(round); err != nil && ctx.Err() == nil {
			s.log.Debug("fleet sync", "err", err)
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.fleetKick():
		}
	}
}

func (s *Station) fleetKick() chan struct{} {
	s.fl.mu.Lock()
	defer s.fl.mu.Unlock()
	if s.fl.kick == nil {
		s.fl.kick = make(chan struct{}, 1)
	}
	return s.fl.kick
}

// kickFleet asks RunFleet for a push now (after a pack or a cancel).
func (s *Station) kickFleet() {
	if !s.FleetOn() {
		return
	}
	select {
	case s.fleetKick() <- struct{}{}:
	default:
	}
}

// pollForSite is the site's tracking poller, run while this bench holds
// the lock: the tracking package's own poller over the site's records, so
// every bench's open parcels are asked about once, and their events land
// once (and in their benches' inboxes).
func (s *Station) pollForSite(ctx context.Context) {
	s.setPolling(true)
	defer s.setPolling(false)
	s.log.Info("this bench polls Track & Trace for the site", "station", s.site().Station())
	p := tracking.New(tracking.Config{
		Store: s.site().Records(), Carrier: s.carrier, CarrierFor: s.trackingCarrier, FromCountry: s.cfg.Consignor.Address.Country,
		Concurrency: s.cfg.TrackConcurrency, DailyCap: s.cfg.TrackDailyCap, Every: s.cfg.Fleet.TrackEvery,
		Now: s.cfg.Now, Logger: s.log,
	})
	p.Run(ctx)
	s.log.Info("this bench no longer polls for the site", "station", s.site().Station())
}

func (s *Station) setPolling(on bool) {
	s.fl.mu.Lock()
	s.fl.polling = on
	s.fl.poller = ""
	if on {
		s.fl.poller = s.site().Station()
	}
	s.fl.mu.Unlock()
}

// FleetSync pushes what waits and pulls the bench's tracking news once,
// now. An error means the server could not be reached (or refused): what
// was not pushed stays marked and goes next time.
func (s *Station) FleetSync(ctx context.Context) (FleetSyncReport, error) {
	if !s.FleetOn() {
		return FleetSyncReport{}, fleetOff()
	}
	s.fl.sync.Lock()
	defer s.fl.sync.Unlock()
	rep, err := s.fleetPush(ctx)
	if err == nil {
		rep.Pulled, err = s.fleetPull(ctx)
	}
	if err == nil {
		if p, perr := s.site().Poller(ctx); perr == nil {
			s.fl.mu.Lock()
			s.fl.poller = p.Station
			s.fl.mu.Unlock()
		}
	}
	rep.Backlog, _ = s.store.ReplicaBacklog()
	switch {
	case err == nil || fleet.Unreachable(err):
		s.noteFleet(err)
	default:
		// The server answered (it refused), or the bench's own file
		// failed: not "cut off", and worth a line of its own.
		s.noteRefused(err)
	}
	return rep, err
}

func (s *Station) fleetPush(ctx context.Context) (FleetSyncReport, error) {
	var rep FleetSyncReport
	for first := true; ; first = false {
		reps, err := s.store.PendingReplicas(fleetPushBatch)
		if err != nil {
			return rep, fmt.Errorf("fleet push: read the marks: %w", err)
		}
		// Nothing waits: one empty push all the same, which tells the
		// site this bench is alive (and this bench that the server is).
		if len(reps) == 0 && !first {
			return rep, nil
		}
		res, err := s.site().Push(ctx, reps)
		if err != nil {
			return rep, err
		}
		for _, c := range res.Conflicts {
			cc := store.ClaimConflict{OrderRef: c.OrderRef, At: c.At, Other: c.Other, OtherAt: c.OtherAt, OtherTracking: c.OtherTracking, Detected: c.Detected}
			cc.Tracking = c.Tracking
			if sh, err := s.store.ShipmentByOrder(c.OrderRef); err == nil {
				cc.Tracking = sh.TrackingID()
			}
			if cc.Detected.IsZero() {
				cc.Detected = s.cfg.Now()
			}
			if err := s.store.PutClaimConflict(cc); err != nil {
				return rep, fmt.Errorf("fleet push: record the conflict on %s: %w", c.OrderRef, err)
			}
			s.log.Warn("claim conflict: another bench claimed this order while this bench was cut off", "order", c.OrderRef, "other", c.Other, "other_tracking", c.OtherTracking)
			rep.Conflicts = append(rep.Conflicts, cc)
		}
		if err := s.store.AckReplicas(reps); err != nil {
			return rep, fmt.Errorf("fleet push: clear the marks: %w", err)
		}
		rep.Pushed += res.Pushed
		if len(reps) < fleetPushBatch {
			return rep, nil
		}
	}
}

// fleetPull records the site poller's news about this bench's parcels in
// the store (which announces them to the bench's webhooks and
// notification rules, exactly as the bench's own poller would), then
// acknowledges them on the server. A crash between the two records them
// again next time: the store keeps each event once.
func (s *Station) fleetPull(ctx context.Context) (int, error) {
	pulled := 0
	for {
		news, err := s.site().Inbox(ctx, fleetPushBatch)
		if err != nil {
			return pulled, err
		}
		if len(news) == 0 {
			return pulled, nil
		}
		for _, t := range news {
			var before carrier.Status
			if sh, err := s.store.ShipmentByOrder(t.OrderRef); err == nil {
				before = sh.Status
			}
			if _, err := s.store.RecordTrackingFromSite(t.OrderRef, t.Events, t.Status, t.Summary); err != nil {
				return pulled, fmt.Errorf("fleet pull: record the tracking of %s: %w", t.OrderRef, err)
			}
			// The bench's screens hear it as from their own poller.
			if t.Status != "" && t.Status != before {
				s.tracker().Publish(tracking.Change{OrderRef: t.OrderRef, ItemID: t.Summary.ItemID, From: before, To: t.Status, At: s.cfg.Now()})
			}
		}
		if err := s.site().AckInbox(ctx, news); err != nil {
			return pulled, err
		}
		pulled += len(news)
	}
}

// noteRefused records that the server answered but refused (or the
// bench's own file failed): reachable, and not fine. Logged when it
// starts, not at every round.
func (s *Station) noteRefused(err error) {
	s.fl.mu.Lock()
	defer s.fl.mu.Unlock()
	if !s.fl.refused || s.fl.lastErr != err.Error() {
		s.log.Error("the site's server refused this bench's records or claim", "err", err)
	}
	s.fl.tried, s.fl.reachable, s.fl.refused, s.fl.lastErr = true, true, true, err.Error()
}

func (s *Station) noteFleet(err error) {
	s.fl.mu.Lock()
	defer s.fl.mu.Unlock()
	s.fl.refused = false
	was, tried := s.fl.reachable, s.fl.tried
	s.fl.tried = true
	s.fl.reachable = err == nil
	if err == nil {
		s.fl.lastPush, s.fl.lastErr = s.cfg.Now(), ""
		if tried && !was {
			s.log.Info("the site's server answers again", "station", s.site().Station())
		}
		return
	}
	s.fl.lastErr = err.Error()
	if !tried || was {
		s.log.Warn("the site's server cannot be reached: the bench goes on alone and pushes later", "err", err)
	}
}

// FleetStatus says how the link to the site's server is, as last seen
// (no network I/O: a status bar may poll it).
func (s *Station) FleetStatus(ctx context.Context) FleetStatus {
	if !s.FleetOn() {
		return FleetStatus{}
	}
	st := FleetStatus{On: true, Station: s.site().Station(), Server: s.site().Server()}
	s.fl.mu.Lock()
	st.Tried, st.Reachable, st.Refused, st.LastPush, st.LastErr, st.Poller, st.Polling = s.fl.tried, s.fl.reachable, s.fl.refused, s.fl.lastPush, s.fl.lastErr, s.fl.poller, s.fl.polling
	s.fl.mu.Unlock()
	st.Backlog, _ = s.store.ReplicaBacklog()
	if cs, err := s.store.ClaimConflicts(); err == nil {
		for _, c := range cs {
			if c.Resolved.IsZero() {
				st.Conflicts++
			}
		}
	}
	return st
}

// claimOrder claims ref on the site's server before its booking is
// written, so a second bench scanning the same order is told where it
// went instead of shipping it twice. When the server cannot be reached
// in time the claim is made locally: the bench goes on packing, and the
// push finds out later whether another bench claimed it too.
func (s *Station) claimOrder(ctx context.Context, ref string) error {
	if !s.FleetOn() {
		return nil
	}
	now := s.cfg.Now()
	c, err := s.site().Claim(ctx, ref, now)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil && fleet.Unreachable(err):
		s.noteFleet(err)
		s.log.Warn("order claimed on this bench only: the site's server cannot be reached", "order", ref, "err", err)
	case err != nil:
		// The server answered and refused (rights, schema, a bench name
		// another bench uses): packing on would let two benches ship the
		// order with nobody told.
		s.noteRefused(err)
		return &Problem{ID: "fleet.claim_refused", Data: map[string]any{"Ref": ref, "Reason": err.Error()},
			Msg:  fmt.Sprintf("order %s cannot be claimed on the site's server: %v", ref, err),
			Hint: "nothing was booked; call site IT (labelstation doctor shows the Site server check), or pack it on a bench that works", Err: err}
	case c.Station != s.site().Station():
		return claimedElsewhere(c, now)
	}
	// Kept locally too (online or not): the mark carries the claim to the
	// server, and re-marks it after an older release still waiting.
	if err := s.store.PutLocalClaim(store.LocalClaim{OrderRef: ref, At: now}); err != nil {
		if c.Station != "" {
			// The server holds a claim this bench cannot keep: give it back.
			rctx, cancel := context.WithTimeout(context.Background(), siteOrderTimeout)
			_ = s.site().Release(rctx, ref)
			cancel()
		}
		return saveProblem(ref, err)
	}
	return nil
}

// releaseClaim gives the order back to the site (its booking was
// cancelled, or never written): recorded in the store and pushed.
func (s *Station) releaseClaim(ref string) {
	if !s.FleetOn() {
		return
	}
	if err := s.store.ReleaseLocalClaim(ref); err != nil {
		s.log.Error("order claim not released", "order", ref, "err", err)
		return
	}
	s.kickFleet()
}

func claimedElsewhere(c fleet.Claim, now time.Time) error {
	at := clockOrDate(c.At, now)
	if c.Tracking != "" {
		return &Problem{ID: "fleet.claimed_packed", Data: map[string]any{"Ref": c.OrderRef, "Bench": c.Station, "At": at, "Tracking": c.Tracking},
			Msg:  fmt.Sprintf("order %s is already packed at %s at %s (tracking %s)", c.OrderRef, c.Station, at, c.Tracking),
			Hint: "do not ship it again; if the parcel is still on the bench, call a supervisor", Err: ErrAlreadyPacked}
	}
	return &Problem{ID: "fleet.claimed_busy", Data: map[string]any{"Ref": c.OrderRef, "Bench": c.Station, "At": at},
		Msg:  fmt.Sprintf("order %s is being packed at %s since %s", c.OrderRef, c.Station, at),
		Hint: "do not ship it twice; if that bench gave up on it, a supervisor cancels its booking there, which frees the order", Err: ErrAlreadyPacked}
}

// clockOrDate is a time as a packer reads it: the clock today, the date
// and clock before (a claim may be days old).
func clockOrDate(t, now time.Time) string { return clockToday(t, now, "2006-01-02 15:04") }

// siteOrder asks the site's server for an order this bench does not
// hold (imported on another bench) and keeps it.
func (s *Station) siteOrder(ctx context.Context, ref string) (carrier.Order, bool) {
	if !s.FleetOn() {
		return carrier.Order{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, siteOrderTimeout)
	defer cancel()
	o, err := s.site().Order(ctx, ref)
	if err != nil {
		if fleet.Unreachable(err) {
			s.noteFleet(err)
		} else if !errors.Is(err, fleet.ErrNotFound) {
			s.log.Warn("order look-up on the site failed", "order", ref, "err", err)
		}
		return o, false
	}
	return o, true
}

// keepSiteOrder stores an order read from the site once this bench has
// claimed it (keepSiteOrder runs after the claim): a bench that only
// looked at it, or lost it to another bench, must not list it as its own
// order waiting for a shipment.
func (s *Station) keepSiteOrder(o carrier.Order) {
	if !s.FleetOn() {
		return
	}
	if _, err := s.store.Order(o.Ref); !errors.Is(err, store.ErrNotFound) {
		return
	}
	if _, err := s.store.PutOrders([]carrier.Order{o}); err != nil {
		s.log.Warn("order from the site not kept", "order", o.Ref, "err", err)
	}
}

// ClaimConflicts lists this bench's claim conflicts, unresolved first.
func (s *Station) ClaimConflicts() ([]store.ClaimConflict, error) {
	if !s.FleetOn() {
		return nil, fleetOff()
	}
	return s.store.ClaimConflicts()
}

// ResolveClaimConflict records a supervisor's resolution of the conflict
// on ref (what happened to the second parcel).
func (s *Station) ResolveClaimConflict(ref, note string) (store.ClaimConflict, error) {
	if !s.FleetOn() {
		return store.ClaimConflict{}, fleetOff()
	}
	ref, note = strings.TrimSpace(ref), strings.TrimSpace(note)
	if note == "" {
		return store.ClaimConflict{}, &Problem{ID: "fleet.note_required", Msg: "a resolution needs a note saying what was done", Hint: "write what happened to the second parcel, e.g. 'stopped at the dock'"}
	}
	c, err := s.store.ResolveClaimConflict(ref, note, s.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return c, &Problem{ID: "fleet.conflict_not_found", Data: map[string]any{"Ref": ref}, Msg: fmt.Sprintf("there is no claim conflict on order %s", ref), Hint: "list them with labelstation fleet conflicts", Err: err}
	}
	if err == nil {
		s.log.Info("claim conflict resolved", "order", ref, "note", note)
	}
	return c, err
}

// SiteDashboard computes the site's KPIs over the days ending on last,
// for every bench (bench "") or one, from the site's server: the same
// KPIs and thresholds as the bench's own Dashboard, over every bench's
// parcels.
func (s *Station) SiteDashboard(ctx context.Context, last time.Time, days int, bench string) (SiteView, error) {
	if !s.FleetOn() {
		return SiteView{}, fleetOff()
	}
	if days < 1 {
		return SiteView{}, fmt.Errorf("site dashboard: %d days: use 1 or more", days)
	}
	w := kpi.DaysEnding(last, days, time.Local)
	now := s.cfg.Now()
	opt := s.kpiOptions()
	// A site's 90 days are close to a million parcels: the window is read
	// in parts at once (the server scans, this bench decodes, on several
	// cores), each part into its own builder, merged into the same report
	// one builder makes.
	parts := s.site().SummaryParts()
	if days < parts {
		parts = 1 // a day's few thousand rows: one stream is as quick
	}
	bs := make([]*kpi.Builder, parts)
	for i := range bs {
		bs[i] = kpi.NewBuilder(w, now, opt)
	}
	err := s.site().SummariesSplit(ctx, w.First, w.Last, bench, parts, func(part int, _ string, sum *store.TrackSummary) error {
		bs[part].Add(sum)
		return nil
	})
	for _, o := range bs[1:] {
		if err == nil {
			err = bs[0].Merge(o)
		}
	}
	if err != nil {
		return SiteView{}, fmt.Errorf("site dashboard %s…%s: %w", w.First.Format("2006-01-02"), w.Last.Format("2006-01-02"), err)
	}
	v := SiteView{Report: bs[0].Report(), Bench: bench}
	// The site's orders still waiting for a shipment (any bench's): a
	// state of the site, so in the all-benches view only (an order
	// belongs to no bench until one packs it).
	if bench == "" {
		unshipped, err := s.site().UnshippedOrders(ctx, now.Add(-kpi.UnshippedAfter), 0)
		if err != nil {
			return v, fmt.Errorf("site dashboard: orders without a shipment: %w", err)
		}
		v.Report.AddUnshipped(unshipped, now, unshippedListed)
	}
	if v.Benches, err = s.site().Benches(ctx, w.First, w.Last); err != nil {
		return v, fmt.Errorf("site dashboard: the benches: %w", err)
	}
	if v.Conflicts, err = s.site().Conflicts(ctx); err != nil {
		return v, fmt.Errorf("site dashboard: the claim conflicts: %w", err)
	}
	return v, nil
}
