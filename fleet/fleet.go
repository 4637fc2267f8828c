// Package fleet owns the site's PostgreSQL: the schema and its
// migrations, the benches' replicated records (shipments, outbox states,
// print jobs, tracking events, orders), order claims across benches, the
// election of the one bench that polls Track & Trace for the site, and
// the site's dashboard queries. It is a floor like store: it imports the
// model (carrier, store) and pgx, never station.
//
// Each bench keeps its own bbolt store and outbox (offline first): this
// package is what a bench pushes to and pulls from when the server can be
// reached. Every write is an upsert keyed by station and entity id, so a
// repeated push is harmless.
package fleet

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"labelstation/carrier"
	"labelstation/store"
)

// Defaults of Config.
const (
	DefaultConnectTimeout = 3 * time.Second
	DefaultClaimTimeout   = 2 * time.Second
	DefaultLeaderRetry    = 15 * time.Second
)

// ErrNotFound: the server holds no such record.
var ErrNotFound = errors.New("not found on the site server")

// Config says where the site's server is and who this bench is.
type Config struct {
	// URL is the server's libpq URL (postgres://user@host:5432/db?sslmode=verify-full).
	URL string
	// Password, when set (from the secrets store), is used instead of one
	// in URL, so the config file needs none.
	Password string
	// Station is this bench's id, unique on the site (config station.name).
	Station string
	// ConnectTimeout bounds a connection attempt (0: 3 s).
	ConnectTimeout time.Duration
	// ClaimTimeout bounds a claim at scan time (0: 2 s); longer, and the
	// bench claims locally and goes on packing.
	ClaimTimeout time.Duration
	// LeaderRetry is how often a bench that does not poll tries to take
	// over the site's tracking (0: 15 s), and how often the poller checks
	// that it still holds the lock.
	LeaderRetry time.Duration
	Logger      *slog.Logger
}

// Site is a connection pool to the site's server. Open does not connect:
// a bench starts (and packs) while the server is down.
type Site struct {
	cfg  Config
	pool *pgxpool.Pool
}

var errTODO = errors.New("fleet: not built yet")

// Open checks cfg and prepares the pool (no network).
func Open(cfg Config) (*Site, error) { return nil, errTODO }

// Close closes the pool.
func (s *Site) Close() {}

// Station is this bench's id.
func (s *Site) Station() string { return s.cfg.Station }

// RedactURL is u with its password replaced by "xxxxx", for logs and
// error messages.
func RedactURL(u string) string { return u }

// Migrate applies the schema migrations shipped with the binary that the
// server has not seen yet, in order, each in its own transaction under a
// lock, so several benches starting at once apply each migration once.
func (s *Site) Migrate(ctx context.Context) error { return errTODO }

// Ping checks the server answers (and the schema is applied).
func (s *Site) Ping(ctx context.Context) error { return errTODO }

// Conflict is an order two benches claimed.
type Conflict struct {
	OrderRef      string    `json:"order_ref"`
	Station       string    `json:"station"` // the bench that lost
	At            time.Time `json:"at"`
	Other         string    `json:"other"` // the bench whose claim stands
	OtherAt       time.Time `json:"other_at"`
	OtherTracking string    `json:"other_tracking,omitempty"`
	Detected      time.Time `json:"detected"`
}

// PushResult says what a push did.
type PushResult struct {
	Pushed    int
	Conflicts []Conflict // claims made while cut off that clashed
}

// Push upserts the replicas in one transaction (and this bench's
// last-seen time). A claim that clashes with another bench's is recorded
// on the server and returned as a Conflict.
func (s *Site) Push(ctx context.Context, reps []store.Replica) (PushResult, error) {
	return PushResult{}, errTODO
}

// Claim is who holds an order.
type Claim struct {
	OrderRef string    `json:"order_ref"`
	Station  string    `json:"station"`
	At       time.Time `json:"at"`
	// Tracking is the holder's tracking id once its shipment is on the
	// server; "" before.
	Tracking string    `json:"tracking,omitempty"`
	Printed  time.Time `json:"printed,omitempty"`
}

// Claim claims ref for this bench at time at, unless another bench holds
// it: it returns the claim that stands (this bench's, or the other's).
// Concurrent claims of one order from many benches: exactly one wins.
func (s *Site) Claim(ctx context.Context, ref string, at time.Time) (Claim, error) {
	return Claim{}, errTODO
}

// Release gives up this bench's claim on ref (no-op if another holds it).
func (s *Site) Release(ctx context.Context, ref string) error { return errTODO }

// Order is an order as the site knows it (pushed by the bench that
// imported it).
func (s *Site) Order(ctx context.Context, ref string) (carrier.Order, error) {
	return carrier.Order{}, errTODO
}

// Tracked is what the site's poller learned about one of this bench's
// parcels (its inbox rows, to acknowledge once recorded locally).
type Tracked struct {
	OrderRef string
	Events   []carrier.TrackingEvent
	Status   carrier.Status
	Summary  store.TrackSummary
	inbox    []int64
}

// Inbox returns the news about this bench's parcels (from at most max
// inbox rows), grouped by parcel. Nothing is removed until AckInbox.
func (s *Site) Inbox(ctx context.Context, max int) ([]Tracked, error) { return nil, errTODO }

// AckInbox deletes the inbox rows behind ts (recorded locally).
func (s *Site) AckInbox(ctx context.Context, ts []Tracked) error { return errTODO }

// RunLeader competes for the site's poller lock until ctx ends: while this
// bench holds it, lead runs with a context that ends when the lock is
// lost (the server went away, or ctx ended). A bench that dies loses the
// lock with its connection, and another takes over within LeaderRetry.
func (s *Site) RunLeader(ctx context.Context, lead func(ctx context.Context)) {}

// Poller is who polls for the site now.
type Poller struct {
	Station string    `json:"station"`
	Since   time.Time `json:"since"`
	Beat    time.Time `json:"beat"` // its last heartbeat
}

// Poller says which bench polls (from the lease row the leader keeps).
func (s *Site) Poller(ctx context.Context) (Poller, error) { return Poller{}, errTODO }

// Conflicts lists the claim conflicts on the server, newest first.
func (s *Site) Conflicts(ctx context.Context) ([]Conflict, error) { return nil, errTODO }
