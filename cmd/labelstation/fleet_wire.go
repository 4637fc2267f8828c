package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	"labelstation/config"
	"labelstation/fleet"
	"labelstation/station"
	"labelstation/store"
)

// Fleet mode's wiring: the site's server ([fleet] postgres_url) as a
// fleet.Site in the station's config, the data file's replication marks,
// and the push a one-shot command makes before it exits.

// fleetExitPush bounds the push a one-shot command makes before it
// exits: a packer waits for it, and what does not go now goes next time.
const fleetExitPush = 2 * time.Second

// fleetPushesAfter are the commands that may record what the site's
// server mirrors (shipments, outbox states, print jobs, orders, claims,
// tracking): they push it before they exit, when fleet mode is on and
// something waits.
var fleetPushesAfter = map[string]bool{
	"pack": true, "reprint": true, "queue": true, "print-queue": true, "orders": true,
	"return": true, "track": true,
}

// openSite opens the site's server when fleet mode is on (nil when it is
// off) and closes it with the bench. It does not connect: a bench starts,
// and packs, while the server is down.
func (b *bench) openSite(g *globals) (*fleet.Site, error) {
	site, err := openFleetSite(b.cfg, b.store, b.logs.Logger())
	if err != nil || site == nil {
		return nil, err
	}
	b.site = site
	b.closers = append(b.closers, func() error { site.Close(); return nil })
	if g.pushBeforeExit {
		// Runs before the site, logs and store close (closers run last
		// first): the command's own connection, already past the schema
		// check and the bench's name check, carries what it recorded.
		b.closers = append(b.closers, func() error { b.pushOnClose(g); return nil })
	}
	if g.fleetMarked > 0 {
		b.logs.Logger().Info("fleet mode: the data file's records were marked for the site's server", "records", g.fleetMarked, "server", site.Server())
		g.fleetMarked = 0
	}
	return site, nil
}

// openFleetSite is fleet.Open with the config's settings; nil when fleet
// mode is off. st is the bench's data file, whose own id the site checks
// the bench's name against (nil: a command that claims and pushes
// nothing, e.g. fleet migrate).
func openFleetSite(cfg config.Config, st *store.Store, log *slog.Logger) (*fleet.Site, error) {
	if !cfg.Fleet.On() {
		return nil, nil
	}
	name, err := fleetStationName(cfg)
	if err != nil {
		return nil, err
	}
	benchID := ""
	if st != nil {
		if benchID, err = st.BenchID(); err != nil {
			return nil, err
		}
	}
	site, err := fleet.Open(fleet.Config{
		URL:         cfg.Fleet.PostgresURL,
		Password:    cfg.Fleet.Password,
		Station:     name,
		BenchID:     benchID,
		LeaderRetry: cfg.Fleet.PollerRetryDuration(),
		Logger:      log,
	})
	if err != nil {
		return nil, &station.Problem{Msg: err.Error(), Hint: "check [fleet] postgres_url (postgres://USER@HOST:5432/DATABASE?sslmode=verify-full) and [station] name", Err: err}
	}
	return site, nil
}

// fleetStationName is the bench's id on the site: [station] name, else
// the computer's host name. There is no made-up fallback: two benches
// under one invented name would share their claims and their records on
// the server, so without either the bench asks for [station] name.
func fleetStationName(cfg config.Config) (string, error) {
	if n := strings.TrimSpace(cfg.Station.Name); n != "" {
		return n, nil
	}
	if h, err := os.Hostname(); err == nil && strings.TrimSpace(h) != "" {
		return strings.TrimSpace(h), nil
	}
	return "", &station.Problem{Msg: "fleet mode: this bench has no name on the site: [station] name is not set and the computer's host name is unknown",
		Hint: "set [station] name in the config to a name no other bench of the site uses, e.g. bench-3"}
}

// fleetConfig is the station's fleet settings; off without a site.
func fleetConfig(cfg config.Config, site *fleet.Site) station.FleetConfig {
	if site == nil {
		return station.FleetConfig{}
	}
	return station.FleetConfig{Site: site, Every: cfg.Fleet.PushEveryDuration(), TrackEvery: cfg.Fleet.TrackEveryDuration()}
}

// enableReplication turns the data file's replication marks on in fleet
// mode (idempotent; the first time it marks everything the file holds, so
// the site gets the bench's history too). Marks are never turned off: a
// bench taken off the site keeps them until it joins again.
func enableReplication(g *globals, st *store.Store, cfg config.Config) error {
	if !cfg.Fleet.On() || st.Replicating() {
		return nil
	}
	n, err := st.EnableReplication()
	if err != nil {
		return &station.Problem{Msg: "fleet mode: the data file's replication cannot be turned on: " + err.Error(),
			Hint: "free space on the data directory's disk (or make it writable) and run the command again; nothing was booked or printed", Err: err}
	}
	g.fleetMarked += n
	return nil
}

// pushOnClose is the push before exit of a command that opened the whole
// bench: through the bench's own station and site. When this very command
// already found the server unreachable (its claim was made locally), it
// does not wait for it again: the marks go next time.
func (b *bench) pushOnClose(g *globals) {
	g.pushedOnClose = true
	if b.station == nil {
		return
	}
	if st := b.station.FleetStatus(context.Background()); st.Backlog == 0 || (st.Tried && !st.Reachable) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), fleetExitPush)
	defer cancel()
	logFleetExitPush(ctx, b.logs.Logger(), b.station)
}

// logFleetExitPush pushes and pulls once and logs how it went; a failure
// only logs: the marks stay, and the next command, the GUI or `fleet run`
// sends them.
func logFleetExitPush(ctx context.Context, log *slog.Logger, s *station.Station) {
	rep, err := s.FleetSync(ctx)
	if err != nil {
		log.Warn("fleet push before exit: the site's server did not take it; it goes next time", "backlog", rep.Backlog, "err", err)
		return
	}
	log.Info("fleet push before exit", "pushed", rep.Pushed, "pulled", rep.Pulled, "backlog", rep.Backlog, "conflicts", len(rep.Conflicts))
}

// fleetPushBeforeExit pushes (and pulls) once, within fleetExitPush, what
// a command that did not open the whole bench (orders import, queue
// cancel, …) just recorded, when fleet mode is on and marks wait.
func fleetPushBeforeExit(ctx context.Context, g *globals) {
	if g.pushedOnClose || g.loaded == nil || !g.loaded.Fleet.On() || ctx.Err() != nil {
		return
	}
	cfg := *g.loaded
	st, err := openStoreWith(g, cfg)
	if err != nil {
		return // the command said what is wrong with the data file, if anything
	}
	defer st.Close()
	if n, err := st.ReplicaBacklog(); err != nil || n == 0 {
		return
	}
	logs := openLogs(g, cfg)
	defer logs.Close()
	log := logs.Logger()
	site, err := openFleetSite(cfg, st, log)
	if err != nil {
		log.Warn("fleet push before exit: not sent", "err", err)
		return
	}
	defer site.Close()
	s := station.New(st, nil, nil, nil, station.Config{Logger: log, KPIThresholds: cfg.KPI.Thresholds, Fleet: fleetConfig(cfg, site)})
	defer s.Close()
	ctx, cancel := context.WithTimeout(ctx, fleetExitPush)
	defer cancel()
	logFleetExitPush(ctx, log, s)
}

// fleetStation is a station on the data file and the site's server, for
// the fleet commands that need no carrier or printer (status, sync,
// conflicts, resolve, report --site). It fails when fleet mode is off.
func fleetStation(g *globals) (*station.Station, *fleet.Site, config.Config, func(), error) {
	st, cfg, err := openStore(g)
	if err != nil {
		return nil, nil, cfg, nil, err
	}
	logs := openLogs(g, cfg)
	site, err := openFleetSite(cfg, st, logs.Logger())
	if err == nil && site == nil {
		err = fleetOffProblem()
	}
	if err != nil {
		logs.Close()
		st.Close()
		return nil, nil, cfg, nil, err
	}
	s := station.New(st, nil, nil, nil, station.Config{Logger: logs.Logger(), KPIThresholds: cfg.KPI.Thresholds, Fleet: fleetConfig(cfg, site)})
	return s, site, cfg, func() { s.Close(); site.Close(); logs.Close(); st.Close() }, nil
}

func fleetOffProblem() error {
	return &station.Problem{Msg: "fleet mode is off: this bench is not one of a site's benches", Err: station.ErrFleetOff,
		Hint: "set [fleet] postgres_url in the config (and store the password with labelstation secret set fleet.postgres_password); see the README's Fleet mode"}
}

// fleetStartPing bounds the bench's first look at the site's server,
// which applies the schema when it is missing (a few statements; the
// first bench of a new site may wait on the others' migration lock).
const fleetStartPing = 10 * time.Second

// runFleet is a bench's fleet mode, for the GUI and `fleet run` alike:
// the site's schema applied once, as a bench does at start (Ping applies
// what is missing; a server that is down does not stop the bench, which
// works alone and pushes later); started, if given, is told how that
// went; then the station's RunFleet (the pushes and pulls, and the site's
// tracking poller when this bench's turn comes) until ctx ends; then a
// last push, within fleetExitPush, of what the bench recorded since the
// previous one, so a bench that is stopped (Ctrl-C, a service manager's
// SIGTERM, the window closed) leaves nothing waiting if it can help it.
func (b *bench) runFleet(ctx context.Context, started func(pingErr error)) {
	if b.site == nil {
		return
	}
	log := b.logs.Logger()
	pingCtx, cancel := context.WithTimeout(ctx, fleetStartPing)
	perr := b.site.Ping(pingCtx)
	cancel()
	if perr != nil && ctx.Err() == nil {
		log.Warn("fleet: the site's server cannot be reached at start; the bench works alone and pushes later", "err", perr)
	}
	if started != nil {
		started(perr)
	}
	b.station.RunFleet(ctx)
	// ctx has ended: the last push has a bound of its own.
	last, cancel := context.WithTimeout(context.WithoutCancel(ctx), fleetExitPush)
	defer cancel()
	if n, err := b.store.ReplicaBacklog(); err != nil || n == 0 {
		return
	}
	rep, err := b.station.FleetSync(last)
	if err != nil {
		log.Warn("fleet: the last push before stopping did not go; it goes when the bench runs again", "backlog", rep.Backlog, "err", err)
		return
	}
	log.Info("fleet: the last push before stopping", "pushed", rep.Pushed, "backlog", rep.Backlog)
}

// testFleet is the settings window's Test connection of the [fleet]
// table on screen: the server answers with these settings, as the bench
// would name itself, and what its schema and poller are (see
// siteServerCheck: it writes nothing).
func testFleet(ctx context.Context, cfg config.Config) (c station.DoctorCheck) {
	c.Name = "Site server"
	start := time.Now()
	defer func() { c.TookMS = float64(time.Since(start).Microseconds()) / 1000 }()
	if !cfg.Fleet.On() {
		c.State, c.Words, c.Hint = station.DoctorWarn, "fleet mode is off: there is no server address", "fill in the site server's address first"
		return c
	}
	site, err := openFleetSite(cfg, nil, nil)
	if err != nil {
		c.State, c.Words, c.Hint = station.DoctorFail, err.Error(), station.Hint(err)
		return c
	}
	defer site.Close()
	return siteServerCheck(ctx, site, nil)
}
