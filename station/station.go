// Package station owns labelstation's workflow: the pack flow (scan → weigh
// → book → print) with every step recorded so a crash resumes instead of
// losing or duplicating a parcel, order import, the queue and the daily
// report. It is the one facade both the GUI and the CLI call; flows that
// grow get their own sub-package (orderfile is the first).
package station

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"labelstation/carrier"
	"labelstation/printer"
	"labelstation/scale"
	"labelstation/station/notify"
	"labelstation/station/notify/channel"
	"labelstation/station/orderfile"
	"labelstation/station/outbox"
	"labelstation/station/tracking"
	"labelstation/station/wms"
	"labelstation/store"
)

// Config is the station's own settings.
type Config struct {
	Consignor      carrier.Consignor
	DefaultService string              // used when neither the packer nor the order names one
	LabelFormat    carrier.LabelFormat // default zpl
	CarrierName    string              // for the status bar, e.g. "PostNord sandbox (http://…)"
	// Stable tunes the stable-weight filter.
	Stable scale.StableOptions
	// ScaleURI is the address the scale given to New was opened with,
	// for the settings page (optional).
	ScaleURI string
	// OfflineSeries names the id series (DefineSeries) offline labels are
	// numbered from; "" means no offline labels: while the carrier cannot
	// be reached, parcels wait and are printed when it answers.
	OfflineSeries string
	// SyncConcurrency bounds the bookings the queue sync sends at once
	// (0: 4), so a long outage does not hammer the carrier when it ends.
	SyncConcurrency int
	// LookupGrace is how long after an unknown outcome the sync waits
	// before it trusts the carrier's "no such booking": a carrier may show
	// a fresh booking only after a while. 0 asks at once (the sandbox).
	LookupGrace time.Duration
	// TrackConcurrency bounds the Track & Trace look-ups at once (0: 4);
	// TrackDailyCap bounds them per day (0: 20000).
	TrackConcurrency int
	TrackDailyCap    int
	// KPIThresholds override the audit profile's warn and critical levels
	// by KPI key (station/kpi).
	KPIThresholds map[string][2]float64
	// Carriers are the station's carriers besides the primary one given
	// to New (carriers.go); each is known by its Name.
	Carriers []carrier.Carrier
	// CarrierProfiles say, by carrier name, which order service codes
	// each carrier ships and its default service.
	CarrierProfiles map[string]CarrierProfile
	// Prices are contract prices for carriers that quote none (PostNord),
	// used by Rates.
	Prices PriceTable
	// Rules are the shipping rules that preselect a rate (rules.go).
	Rules []Rule
	// OrderLookup, when set, is asked for an order the store does not
	// hold (the WMS's HTTP lookup); what it answers is stored.
	OrderLookup OrderLookup
	// Webhooks is how the WMS hears what happened (station/wms); off
	// when its URL is empty. The store's announcer (which queues them in
	// the commit of each fact) is installed by the composition root, so
	// every command queues events; the station delivers them.
	Webhooks wms.Config
	// Notify is the notification rules and their channels; off when its
	// Engine is nil. Like the webhooks, its announcer is the
	// composition root's to install on the store.
	Notify NotifyConfig
	// Fleet is fleet mode (fleet.go): off when Fleet.Site is nil.
	Fleet FleetConfig

	Now    func() time.Time
	Logger *slog.Logger
}

// Station runs the bench. It is safe for concurrent use: the GUI may pack
// the next order while the last label prints.
type Station struct {
	store   *store.Store
	carrier carrier.Carrier // the primary carrier
	reg     registry        // every carrier by name (carriers.go)
	printer printer.Printer
	scale   scale.Scale
	cfg     Config
	log     *slog.Logger

	orderLocks sync.Map // order ref → *sync.Mutex: one pack per order at a time

	mu         sync.Mutex
	carrierErr error
	printerErr error
	scaleErr   error
	// scaleSwapped is closed when SetScale swaps the scale; ownScale says
	// the station opened the scale itself (UseScale) and closes it.
	scaleSwapped chan struct{}
	ownScale     bool
	scaleURI     string
	carrierSeen  bool
	printerSeen  bool

	q queues // print queues, one worker per printer (printqueue.go)

	syncer        *outbox.Worker // the queue sync (sync.go)
	counts        syncCounts
	forcedOffline bool

	trackerOnce sync.Once
	trackerP    *tracking.Poller // the tracking poller (tracking.go)

	hooks *wms.Deliverer // webhooks to the WMS; nil when off (webhooks_flow.go)

	notes  *notify.Engine     // notification rules; nil when off (notifications_flow.go)
	sender *channel.Deliverer // their e-mail and SMS

	fl fleetState // fleet mode's link to the site (fleet.go)
}

// New wires a station. printer and scale may be nil: then Pack needs an
// explicit printer or weight.
func New(st *store.Store, c carrier.Carrier, p printer.Printer, sc scale.Scale, cfg Config) *Station {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LabelFormat == "" {
		cfg.LabelFormat = carrier.LabelZPL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Station{store: st, carrier: c, reg: newRegistry(c, cfg.Carriers), printer: p, scale: sc, cfg: cfg, log: cfg.Logger}
	s.q = queues{byURI: map[string]*printQueue{}, stop: make(chan struct{}), fonts: map[string]*fontCache{}}
	s.syncer = s.newSyncWorker()
	s.newWebhooks()
	s.newNotifications()
	if st != nil && (s.hooks != nil || s.sender != nil) {
		// Wake the deliverers after every commit that queued messages.
		st.OnMessages(func() {
			if s.hooks != nil {
				s.hooks.Kick()
			}
			if s.sender != nil {
				s.sender.Kick()
			}
		})
	}
	// A label found "sending" was on its way when the station stopped:
	// whether it printed is unknown, so the packer will be asked. (Some
	// commands, e.g. scale tools, build a station without a store.)
	if st == nil {
		return s
	}
	if n, err := st.RecoverPrintJobs(cfg.Now()); err != nil {
		s.log.Error("print queue not checked at start", "err", err)
	} else if n > 0 {
		s.log.Warn("labels whose printing is unknown after a restart", "jobs", n)
	}
	if sc != nil {
		s.scaleURI = cfg.ScaleURI
	}
	return s
}

// Problem is an error in words a packer can act on: what happened, and a
// hint saying what to do next.
//
// Msg and Hint are English. A Problem with an ID can also be said in the
// station's other languages: the GUI looks up ID (and ID+".hint") in its
// catalogue and fills the template's {{.Name}} fields from Data, falling
// back to Msg and Hint. IDs are stable, lower-case words with dots
// ("order.not_found"); Data holds only values, never English phrases.
type Problem struct {
	Msg  string
	Hint string
	Err  error
	ID   string
	Data map[string]any
}

func (p *Problem) Error() string { return p.Msg }
func (p *Problem) Unwrap() error { return p.Err }

// Hint returns the hint of the first Problem in err's chain, or "".
func Hint(err error) string {
	var p *Problem
	if errors.As(err, &p) {
		return p.Hint
	}
	return ""
}

// ErrOrderNotFound is wrapped by Pack and Order when a scan matches no order.
var ErrOrderNotFound = errors.New("order not found")

// ErrAlreadyPacked is wrapped by Pack when the order's label was printed.
var ErrAlreadyPacked = errors.New("order already packed")

// Order looks up an order by the scanned reference.
func (s *Station) Order(ctx context.Context, ref string) (carrier.Order, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return carrier.Order{}, &Problem{ID: "order.nothing_scanned", Msg: "nothing was scanned", Hint: "scan the order barcode or type its reference"}
	}
	o, err := s.store.Order(ref)
	if errors.Is(err, store.ErrNotFound) {
		// Imported on another bench of the site?
		if so, ok := s.siteOrder(ctx, ref); ok {
			return so, nil
		}
	}
	if errors.Is(err, store.ErrNotFound) && s.cfg.OrderLookup != nil {
		return s.lookupOrder(ctx, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return o, &Problem{ID: "order.not_found", Data: map[string]any{"Ref": ref}, Msg: fmt.Sprintf("order %s is not in the station", ref), Hint: "check the barcode, or import the order file (labelstation orders import FILE)", Err: ErrOrderNotFound}
	}
	return o, err
}

// Orders lists every stored order.
func (s *Station) Orders(ctx context.Context) ([]carrier.Order, error) { return s.store.Orders() }

// ImportReport says what an import did.
type ImportReport struct {
	Imported []string             `json:"imported"`
	Skipped  []string             `json:"skipped_already_shipped,omitempty"`
	Rejected []orderfile.RowError `json:"rejected,omitempty"`
}

// ImportOrders reads an order file (CSV or JSON) and stores its good orders
// in one transaction; bad rows come back with line numbers and reasons, and
// an order with a bad row is not imported at all.
func (s *Station) ImportOrders(ctx context.Context, name string, r io.Reader) (ImportReport, error) {
	res, err := orderfile.Parse(name, r)
	if err != nil {
		return ImportReport{}, &Problem{ID: "order.file_unreadable", Data: map[string]any{"Name": name, "Reason": err.Error()}, Msg: fmt.Sprintf("cannot read %s: %v", name, err), Hint: "the file must be CSV (with a header row) or JSON; see the README for the columns", Err: err}
	}
	// The station's clock stamps the import (the dispatch-SLA check
	// counts from it), whatever the parser did.
	now := s.cfg.Now()
	for i := range res.Orders {
		res.Orders[i].ImportedAt = now
	}
	skipped, err := s.store.PutOrders(res.Orders)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{Skipped: skipped, Rejected: res.Rejected}
	skip := map[string]bool{}
	for _, ref := range skipped {
		skip[ref] = true
	}
	for _, o := range res.Orders {
		if !skip[o.Ref] {
			rep.Imported = append(rep.Imported, o.Ref)
		}
	}
	s.log.Info("orders imported", "file", name, "imported", len(rep.Imported), "skipped", len(skipped), "rejected_rows", len(res.Rejected))
	return rep, nil
}

// newRequestID returns a random id in UUID form: PostNord's
// X-External-Request-ID and the outbox entry's key.
func newRequestID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("labelstation: no randomness: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Station) lockOrder(ref string) func() {
	m, _ := s.orderLocks.LoadOrStore(ref, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// tryLockOrder takes the order's lock unless someone (a Pack) holds it.
func (s *Station) tryLockOrder(ref string) (unlock func(), ok bool) {
	m, _ := s.orderLocks.LoadOrStore(ref, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	if !mu.TryLock() {
		return nil, false
	}
	return mu.Unlock, true
}

func (s *Station) noteCarrier(err error) {
	s.mu.Lock()
	s.carrierErr, s.carrierSeen = err, true
	s.mu.Unlock()
}

func (s *Station) notePrinter(err error) {
	s.mu.Lock()
	s.printerErr, s.printerSeen = err, true
	s.mu.Unlock()
}

func (s *Station) noteScale(err error) {
	s.mu.Lock()
	s.scaleErr = err
	s.mu.Unlock()
}
