package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"labelstation/fleet"
	"labelstation/station"
	"labelstation/station/kpi"
	"labelstation/store"
)

const fleetUsage = "labelstation fleet run | status | sync [--timeout 30s] | conflicts [--site] | resolve REF --note TEXT | migrate"

// fleetAsk bounds the look-ups status and doctor make on the server.
const fleetAsk = 5 * time.Second

// fleetStaleBeat: a poller whose heartbeat is older than this has
// probably stopped (it beats every [fleet] poller_retry, 15 s by default).
const fleetStaleBeat = 2 * time.Minute

// cmdFleet is fleet mode: the headless bench, the link to the site's
// server, claim conflicts, and the site schema.
func cmdFleet(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage(fleetUsage, "fleet needs a subcommand")
	}
	switch args[0] {
	case "run":
		return fleetRun(ctx, g, args[1:])
	case "status":
		return fleetStatus(ctx, g, args[1:])
	case "sync":
		return fleetSync(ctx, g, args[1:])
	case "conflicts":
		return fleetConflicts(ctx, g, args[1:])
	case "resolve":
		return fleetResolve(ctx, g, args[1:])
	case "migrate":
		return fleetMigrate(ctx, g, args[1:])
	}
	return usage(fleetUsage, "unknown fleet subcommand %q", args[0])
}

func noArgs(name string, fs []string) error {
	if len(fs) > 0 {
		return usage(fleetUsage, "%s takes no arguments, got %q", name, fs)
	}
	return nil
}

// fleetRun is a bench without a screen: the booking queue, the pushes and
// pulls, the site's tracking poller when its turn comes, the WMS's
// webhooks and the notifications, until SIGINT or SIGTERM.
func fleetRun(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("fleet run", g)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("fleet run", pos); err != nil {
		return err
	}
	// Its own signal handling: main's covers the binary, and this is
	// also the run a test binary (or a service manager's stop) ends.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := openBench(ctx, g, overrides{noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	if !b.station.FleetOn() {
		return fleetOffProblem()
	}
	st := b.station.FleetStatus(ctx)
	started := func(perr error) {
		if g.json {
			printJSON(g, map[string]any{"started": true, "station": st.Station, "server": st.Server, "reachable": perr == nil})
			return
		}
		note := ""
		if perr != nil {
			note = " (cannot be reached now: the bench works alone and pushes when it can)"
		}
		fmt.Fprintf(g.stdout, "labelstation fleet run: bench %s on %s%s; stop with Ctrl-C\n", st.Station, st.Server, note)
	}
	var wg sync.WaitGroup
	wg.Go(func() { b.station.RunSync(ctx) })
	// The schema, the pushes and pulls, the site's poller, and a last
	// push when the signal comes.
	wg.Go(func() { b.runFleet(ctx, started) })
	wg.Go(func() { b.station.RunWebhooks(ctx) })
	wg.Go(func() { b.station.RunNotifications(ctx) })
	<-ctx.Done()
	wg.Wait()
	b.logs.Logger().Info("fleet run: stopped by a signal", "station", st.Station)
	return nil
}

// fleetStatusJSON is `fleet status --json`.
type fleetStatusJSON struct {
	station.FleetStatus
	PollerSince time.Time `json:"poller_since,omitzero"`
	PollerBeat  time.Time `json:"poller_beat,omitzero"`
}

// fleetStatus asks the server now (FleetStatus itself only says what the
// station last saw, and this process has seen nothing yet).
func fleetStatus(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("fleet status", g)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("fleet status", pos); err != nil {
		return err
	}
	s, site, _, closeAll, err := fleetStation(g)
	if err != nil {
		return err
	}
	defer closeAll()
	out := fleetStatusJSON{FleetStatus: s.FleetStatus(ctx)}
	askCtx, cancel := context.WithTimeout(ctx, fleetAsk)
	defer cancel()
	if err := site.Ping(askCtx); err != nil {
		out.Reachable, out.LastErr = false, err.Error()
	} else {
		out.Reachable, out.LastErr = true, ""
		switch p, err := site.Poller(askCtx); {
		case err == nil:
			out.Poller, out.PollerSince, out.PollerBeat = p.Station, p.Since, p.Beat
			out.Polling = p.Station != "" && p.Station == out.Station
		case errors.Is(err, fleet.ErrNotFound):
			out.Poller, out.Polling = "", false // nobody polls
		default:
			out.LastErr = err.Error()
		}
	}
	if g.json {
		return printJSON(g, out)
	}
	fmt.Fprintf(g.stdout, "bench %s on %s\n", out.Station, out.Server)
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	if out.Reachable {
		fmt.Fprintln(tw, "server:\treachable, schema applied")
	} else {
		fmt.Fprintf(tw, "server:\tcannot be reached (%s): the bench packs and prints alone, claims locally, and pushes when it returns\n", out.LastErr)
	}
	fmt.Fprintf(tw, "waiting to be pushed:\t%s\n", plural(out.Backlog, "record", "records"))
	switch {
	case !out.Reachable:
		fmt.Fprintln(tw, "site poller:\tunknown")
	case out.Poller == "":
		fmt.Fprintln(tw, "site poller:\tnone: no bench polls Track & Trace for the site now (a running bench takes over within [fleet] poller_retry)")
	default:
		who := out.Poller
		if out.Polling {
			who += " (this bench)"
		}
		fmt.Fprintf(tw, "site poller:\t%s since %s, last heartbeat %s ago\n", who, out.PollerSince.Local().Format("2006-01-02 15:04:05"),
			time.Since(out.PollerBeat).Round(time.Second))
	}
	if out.Conflicts > 0 {
		fmt.Fprintf(tw, "claim conflicts:\t%d unresolved: labelstation fleet conflicts lists them\n", out.Conflicts)
	} else {
		fmt.Fprintln(tw, "claim conflicts:\tnone")
	}
	return tw.Flush()
}

// fleetSync pushes and pulls once; exit 1 when the server cannot be
// reached (the marks wait for the next time).
func fleetSync(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("fleet sync", g)
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long; what is left waits for the next push")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("fleet sync", pos); err != nil {
		return err
	}
	s, site, _, closeAll, err := fleetStation(g)
	if err != nil {
		return err
	}
	defer closeAll()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := site.Ping(ctx); err != nil {
		return fleetServerProblem(err, s.FleetStatus(ctx).Backlog)
	}
	rep, err := s.FleetSync(ctx)
	if err != nil {
		return fleetServerProblem(err, rep.Backlog)
	}
	if g.json {
		if rep.Conflicts == nil {
			rep.Conflicts = []store.ClaimConflict{}
		}
		return printJSON(g, rep)
	}
	fmt.Fprintf(g.stdout, "pushed %s to %s, pulled tracking news of %s; %s wait\n", plural(rep.Pushed, "record", "records"), site.Server(),
		plural(rep.Pulled, "parcel", "parcels"), plural(rep.Backlog, "record", "records"))
	for _, c := range rep.Conflicts {
		fmt.Fprintf(g.stdout, "conflict: %s\n", conflictWords(c))
	}
	if len(rep.Conflicts) > 0 {
		fmt.Fprintln(g.stdout, "a supervisor checks each conflict and records what was done: labelstation fleet resolve REF --note TEXT")
	}
	return nil
}

// fleetServerProblem is a failed push, ping or look-up, with what to do.
func fleetServerProblem(err error, backlog int) *station.Problem {
	wait := "what it records waits for the next push"
	if backlog > 0 {
		wait = fmt.Sprintf("the %s for the next push", plural(backlog, "record it recorded waits", "records it recorded wait"))
	}
	if fleet.Unreachable(err) {
		return &station.Problem{Msg: "the site's server cannot be reached: " + err.Error(), Err: err,
			Hint: "check the network to the server and that PostgreSQL runs there; the bench keeps packing, and " + wait}
	}
	return &station.Problem{Msg: "the site's server refused: " + err.Error(), Err: err,
		Hint: "check [fleet] postgres_url, the role's password (labelstation secret set fleet.postgres_password) and its rights on the database, and labelstation fleet migrate; the bench keeps packing, and " + wait}
}

func conflictWords(c store.ClaimConflict) string {
	s := fmt.Sprintf("order %s was claimed here at %s while cut off, and by %s at %s", c.OrderRef, c.At.Local().Format("2006-01-02 15:04:05"),
		c.Other, c.OtherAt.Local().Format("2006-01-02 15:04:05"))
	if c.OtherTracking != "" {
		s += " (tracking " + c.OtherTracking + ")"
	}
	if c.Tracking != "" {
		s += "; this bench shipped it too, tracking " + c.Tracking
	}
	return s
}

// fleetConflicts lists this bench's claim conflicts, or with --site every
// bench's from the server.
func fleetConflicts(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("fleet conflicts", g)
	siteWide := fs.Bool("site", false, "list every bench's conflicts from the site's server")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("fleet conflicts", pos); err != nil {
		return err
	}
	s, site, _, closeAll, err := fleetStation(g)
	if err != nil {
		return err
	}
	defer closeAll()
	if *siteWide {
		ctx, cancel := context.WithTimeout(ctx, fleetAsk)
		defer cancel()
		cs, err := site.Conflicts(ctx)
		if err != nil {
			return fleetServerProblem(err, s.FleetStatus(ctx).Backlog)
		}
		if g.json {
			if cs == nil {
				cs = []fleet.Conflict{}
			}
			return printJSON(g, cs)
		}
		if len(cs) == 0 {
			fmt.Fprintln(g.stdout, "no claim conflicts on the site")
			return nil
		}
		writeSiteConflicts(g.stdout, cs)
		return nil
	}
	cs, err := s.ClaimConflicts()
	if err != nil {
		return err
	}
	if g.json {
		if cs == nil {
			cs = []store.ClaimConflict{}
		}
		return printJSON(g, cs)
	}
	if len(cs) == 0 {
		fmt.Fprintln(g.stdout, "no claim conflicts on this bench")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tCLAIMED HERE\tTRACKING HERE\tOTHER BENCH\tCLAIMED THERE\tTRACKING THERE\tDETECTED\tRESOLVED")
	for _, c := range cs {
		resolved := "no: labelstation fleet resolve " + c.OrderRef + " --note TEXT"
		if !c.Resolved.IsZero() {
			resolved = c.Resolved.Local().Format("2006-01-02 15:04") + ": " + c.Note
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.OrderRef, c.At.Local().Format("2006-01-02 15:04:05"), dash(c.Tracking), c.Other,
			c.OtherAt.Local().Format("2006-01-02 15:04:05"), dash(c.OtherTracking), c.Detected.Local().Format("2006-01-02 15:04"), resolved)
	}
	return tw.Flush()
}

// writeSiteConflicts is the site's conflict list: for each, the bench
// whose claim lost and its tracking id, the bench whose claim stands and
// its tracking id — the two parcels a supervisor looks for.
func writeSiteConflicts(w io.Writer, cs []fleet.Conflict) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tBENCH\tCLAIMED\tTRACKING\tCLAIM STANDS AT\tCLAIMED THERE\tTRACKING THERE\tDETECTED")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.OrderRef, c.Station, c.At.Local().Format("2006-01-02 15:04:05"), dash(c.Tracking), c.Other,
			c.OtherAt.Local().Format("2006-01-02 15:04:05"), dash(c.OtherTracking), c.Detected.Local().Format("2006-01-02 15:04"))
	}
	tw.Flush()
}

// fleetResolve records a supervisor's resolution of a conflict.
func fleetResolve(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("fleet resolve", g)
	note := fs.String("note", "", "what was done about the second parcel, e.g. \"stopped at the dock, label voided\"")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(*note) == "" {
		return usage(`labelstation fleet resolve ORDER-REF --note "stopped at the dock"`, "fleet resolve takes one order reference and --note")
	}
	s, site, _, closeAll, err := fleetStation(g)
	if err != nil {
		return err
	}
	defer closeAll()
	c, err := s.ResolveClaimConflict(pos[0], *note)
	if err != nil {
		return err
	}
	// The resolution goes to the site at once (the site's conflict list
	// is what the other supervisors read): best effort, bounded as a
	// command's push before exit; if the server cannot take it now, the
	// mark waits for the next push like any other.
	pushCtx, cancel := context.WithTimeout(ctx, fleetExitPush)
	rep, perr := s.FleetSync(pushCtx)
	cancel()
	if g.json {
		return printJSON(g, struct {
			store.ClaimConflict
			Sent bool `json:"sent_to_site"`
		}{c, perr == nil})
	}
	fmt.Fprintf(g.stdout, "resolved the claim conflict on %s: %s\n", c.OrderRef, c.Note)
	if perr != nil {
		fmt.Fprintf(g.stdout, "the site's server did not take it now (%v): it goes with the next push (%s)\n", perr, plural(rep.Backlog, "record waits", "records wait"))
	} else {
		fmt.Fprintf(g.stdout, "the site's server has it: %s\n", site.Server())
	}
	return nil
}

// fleetMigrate applies the site's schema and exits: for site IT, before
// the benches start (they also apply it themselves, once, at start). It
// needs no data file: IT may run it from any machine with the config.
func fleetMigrate(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("fleet migrate", g)
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("fleet migrate", pos); err != nil {
		return err
	}
	cfg, err := loadConfig(g)
	if err != nil {
		return err
	}
	site, err := openFleetSite(cfg, nil, nil)
	if err == nil && site == nil {
		err = fleetOffProblem()
	}
	if err != nil {
		return err
	}
	defer site.Close()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := site.Migrate(ctx); err != nil {
		return fleetServerProblem(err, 0)
	}
	if g.json {
		return printJSON(g, map[string]any{"server": site.Server(), "migrated": true})
	}
	fmt.Fprintf(g.stdout, "the site's schema on %s is up to date\n", site.Server())
	return nil
}

// siteReport is `report --site`: the site dashboard in the report's
// formats.
func siteReport(ctx context.Context, g *globals, day time.Time, days int, bench, format, out string) error {
	s, _, _, closeAll, err := fleetStation(g)
	if err != nil {
		return err
	}
	defer closeAll()
	v, err := s.SiteDashboard(ctx, day, days, bench)
	if err != nil {
		if errors.Is(err, station.ErrFleetOff) {
			return err
		}
		return fleetServerProblem(err, s.FleetStatus(ctx).Backlog)
	}
	if v.Benches == nil {
		v.Benches = []fleet.Bench{}
	}
	title := "Site delivery report"
	if bench != "" {
		title += ": " + bench
	}
	if format == "pdf" {
		b, err := kpi.PDF(v.Report, kpi.PDFOptions{Title: title})
		if err != nil {
			return err
		}
		path := out
		if path == "" {
			path = "site-report-" + day.Format("2006-01-02") + ".pdf"
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return &station.Problem{Msg: fmt.Sprintf("write the report: %v", err), Hint: "choose another file with --out", Err: err}
		}
		fmt.Fprintf(g.stdout, "wrote %s: %s, parcels booked %s … %s, %d shipments, %d problem parcels\n",
			path, title, v.Report.From, v.Report.To, v.Report.Shipments, v.Report.ProblemsTotal)
		return nil
	}
	w := g.stdout
	if out != "" {
		fh, err := os.Create(out)
		if err != nil {
			return &station.Problem{Msg: fmt.Sprintf("write the report: %v", err), Hint: "choose another file with --out", Err: err}
		}
		defer fh.Close()
		w = fh
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "csv":
		return v.Report.WriteCSV(w)
	}
	which := "all benches"
	if bench != "" {
		which = "bench " + bench
	}
	fmt.Fprintf(w, "Site report, %s\n\n", which)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BENCH\tSHIPMENTS\tLAST SEEN")
	for _, b := range v.Benches {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", b.Station, b.Shipments, b.LastSeen.Local().Format("2006-01-02 15:04"))
	}
	tw.Flush()
	fmt.Fprintln(w)
	if err := v.Report.WriteText(w, textProblemsSite); err != nil {
		return err
	}
	if len(v.Conflicts) > 0 {
		fmt.Fprintf(w, "\n%s on the site (labelstation fleet conflicts --site):\n", plural(len(v.Conflicts), "claim conflict", "claim conflicts"))
		writeSiteConflicts(w, v.Conflicts)
	}
	return nil
}

// textProblemsSite is how many problem parcels the site's text report
// lists (as the bench's).
const textProblemsSite = 20

// fleetDoctorCheck is the doctor's "Site server" line in fleet mode (see
// siteServerCheck), with what this bench's data file holds for the site.
func fleetDoctorCheck(ctx context.Context, site *fleet.Site, s *station.Station) []station.DoctorCheck {
	if site == nil || !s.FleetOn() {
		return nil
	}
	st := s.FleetStatus(ctx)
	return []station.DoctorCheck{siteServerCheck(ctx, site, &st)}
}

// siteServerCheck is the "Site server" line of the doctor and of the
// settings window's Test connection: the server answers as this bench,
// its schema's version against this labelstation's, and who polls Track
// & Trace for the site. It only reads (fleet.Site.Check): the settings
// window tests an address the person has only typed, and neither it nor
// the doctor should create tables there. local is what this bench's data
// file holds for the site (records waiting, conflicts); nil when there is
// no data file to ask (the settings window).
func siteServerCheck(ctx context.Context, site *fleet.Site, local *station.FleetStatus) (c station.DoctorCheck) {
	start := time.Now()
	defer func() { c.TookMS = float64(time.Since(start).Microseconds()) / 1000 }()
	c = station.DoctorCheck{Name: "Site server", State: station.DoctorOK}
	ctx, cancel := context.WithTimeout(ctx, fleetAsk)
	defer cancel()
	var hints []string
	warn := func(hint string) {
		if c.State == station.DoctorOK {
			c.State = station.DoctorWarn
		}
		hints = append(hints, hint)
	}
	schema, err := site.Check(ctx)
	if err != nil {
		// err names the server (redacted).
		backlog := 0
		if local != nil {
			backlog = local.Backlog
		}
		c.State, c.Words, c.Hint = station.DoctorFail, fmt.Sprintf("bench %s: %v", site.Station(), err), fleetServerProblem(err, backlog).Hint
		if local != nil {
			c.Words += "; " + plural(backlog, "record waits", "records wait")
			if fleet.Unreachable(err) {
				// The bench still packs and prints (claims are local),
				// so it is a warning, not a stop.
				c.State = station.DoctorWarn
			}
		}
		return c
	}
	head := fmt.Sprintf("%s answers as bench %s", site.Server(), site.Station())
	switch {
	case schema.Applied == schema.Newest:
		head += ", schema applied"
	case schema.Applied == 0:
		head += ", no site schema yet"
		warn("a bench applies the schema when it starts on the site, or run labelstation fleet migrate")
	case schema.Applied < schema.Newest:
		head += fmt.Sprintf(", schema version %d of this labelstation's %d", schema.Applied, schema.Newest)
		warn("a bench of this version applies the rest when it starts on the site, or run labelstation fleet migrate")
	default:
		// A newer bench migrated the server; this one still works with
		// it (the steps only add), so it is said, not warned about.
		head += fmt.Sprintf(", schema version %d (a newer labelstation's; this one knows up to %d)", schema.Applied, schema.Newest)
	}
	words := []string{head}
	if schema.Applied > 0 {
		switch p := schema.Poller; {
		case p.Station == "":
			words = append(words, "no bench polls Track & Trace for the site")
			warn("keep at least one bench running (the GUI or labelstation fleet run); one of them takes the poller's turn")
		case time.Since(p.Beat) > fleetStaleBeat:
			words = append(words, fmt.Sprintf("%s was the site's poller, but its last heartbeat is %s old", p.Station, time.Since(p.Beat).Round(time.Second)))
			warn("check that " + p.Station + " runs; a running bench takes over within [fleet] poller_retry once the lock is free")
		default:
			words = append(words, fmt.Sprintf("%s polls Track & Trace for the site (heartbeat %s ago)", p.Station, time.Since(p.Beat).Round(time.Second)))
		}
	}
	if local != nil {
		words = append(words, plural(local.Backlog, "record waits", "records wait")+" to be pushed")
		if local.Conflicts > 0 {
			words = append(words, plural(local.Conflicts, "unresolved claim conflict", "unresolved claim conflicts"))
			warn("labelstation fleet conflicts lists them; a supervisor resolves each with labelstation fleet resolve REF --note TEXT")
		}
	}
	c.Words, c.Hint = strings.Join(words, "; "), strings.Join(hints, "; ")
	return c
}
