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
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
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
	// BenchID is the bench's data file's own id (store.BenchID): the site
	// refuses a second data file under the same Station name. "": not
	// checked.
	BenchID string
	// ConnectTimeout bounds a connection attempt (0: 3 s).
	ConnectTimeout time.Duration
	// ClaimTimeout bounds a claim at scan time (0: 2 s); longer, and the
	// bench claims locally and goes on packing.
	ClaimTimeout time.Duration
	// LeaderRetry is how often a bench that does not poll tries to take
	// over the site's tracking (0: 15 s); the poller beats (and so checks
	// that the server, and with it its lock, is still there) every
	// LeaderRetry/3, at most every 5 s.
	LeaderRetry time.Duration
	Logger      *slog.Logger
}

// Site is a connection pool to the site's server. Open does not connect:
// a bench starts (and packs) while the server is down.
type Site struct {
	cfg     Config
	pool    *pgxpool.Pool
	connCfg *pgx.ConnConfig // the pool's connection settings, for the leader's own connection
	log     *slog.Logger
	server  string // the redacted URL, for errors and logs

	// migrated is set once Migrate succeeded, so Ping applies the schema
	// once per Site rather than on every call.
	migrated atomic.Bool
	// registered is set once the station's name was recorded as this
	// bench's (benchid.go).
	registered atomic.Bool
}

// Open checks cfg and prepares the pool (no network): the first query
// connects, so a bench starts while the server is down. Errors name the
// server with its password redacted.
func Open(cfg Config) (*Site, error) {
	if strings.TrimSpace(cfg.URL) == "" {
		return nil, errors.New("fleet open: no server URL; hint: set fleet.postgres_url (postgres://user@host:5432/db?sslmode=verify-full)")
	}
	if strings.TrimSpace(cfg.Station) == "" {
		return nil, errors.New("fleet open: this bench has no station id; hint: set station.name, unique on the site")
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.ClaimTimeout <= 0 {
		cfg.ClaimTimeout = DefaultClaimTimeout
	}
	if cfg.LeaderRetry <= 0 {
		cfg.LeaderRetry = DefaultLeaderRetry
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	server := RedactURL(cfg.URL)
	pcfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		// pgconn redacts the password in its parse errors; server is
		// redacted here.
		return nil, fmt.Errorf("fleet open %s: %w; hint: fleet.postgres_url is a libpq URL or key=value string", server, err)
	}
	if cfg.Password != "" {
		pcfg.ConnConfig.Password = cfg.Password
	}
	pcfg.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	if pcfg.ConnConfig.RuntimeParams == nil {
		pcfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	pcfg.ConnConfig.RuntimeParams["application_name"] = "labelstation " + cfg.Station
	// A bench makes few, short round trips (a push, a claim, an inbox
	// read); a small pool keeps fifty benches well under the server's
	// max_connections.
	pcfg.MaxConns = 4
	pcfg.MinConns = 0
	pcfg.MaxConnIdleTime = 5 * time.Minute
	connCfg := pcfg.ConnConfig.Copy()
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		return nil, fmt.Errorf("fleet open %s: %w", server, err)
	}
	return &Site{cfg: cfg, pool: pool, connCfg: connCfg, log: cfg.Logger, server: server}, nil
}

// Close closes the pool.
func (s *Site) Close() {
	if s != nil && s.pool != nil {
		s.pool.Close()
	}
}

// Station is this bench's id.
func (s *Site) Station() string { return s.cfg.Station }

// Server is the server's URL with its password redacted.
func (s *Site) Server() string { return s.server }

// ensureSchema applies the migrations the first time this Site reaches
// the server, so a bench whose first contact is a claim or a push does
// not fail on a missing table; afterwards it costs nothing.
func (s *Site) ensureSchema(ctx context.Context) error {
	if s.migrated.Load() {
		return nil
	}
	if err := s.migrate(ctx); err != nil {
		// Said as the first contact it is (a push, a claim), not as the
		// migrate command a person did not run.
		return fmt.Errorf("fleet: the site's server %s: %w", s.server, err)
	}
	s.migrated.Store(true)
	return nil
}

// Ping checks the server answers, and applies the schema the first time
// it does (once per Site). Check looks without changing anything.
func (s *Site) Ping(ctx context.Context) error {
	if !s.migrated.Load() {
		return s.ensureSchema(ctx) // a round trip, and the schema
	}
	if _, err := s.pool.Exec(ctx, "SELECT 1"); err != nil {
		return fmt.Errorf("fleet ping %s: %w", s.server, err)
	}
	return nil
}

// Conflict is an order two benches claimed.
type Conflict struct {
	OrderRef string    `json:"order_ref"`
	Station  string    `json:"station"` // the bench that lost
	At       time.Time `json:"at"`
	// Tracking is the losing bench's tracking id once its shipment is on
	// the server ("" before, or if it did not ship).
	Tracking      string    `json:"tracking,omitempty"`
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

// Tracked is what the site's poller learned about one of this bench's
// parcels (its inbox rows, to acknowledge once recorded locally).
type Tracked struct {
	OrderRef string
	Events   []carrier.TrackingEvent
	Status   carrier.Status
	Summary  store.TrackSummary
	inbox    []int64
}

// Poller is who polls for the site now.
type Poller struct {
	Station string    `json:"station"`
	Since   time.Time `json:"since"`
	Beat    time.Time `json:"beat"` // its last heartbeat
}
