// Command labelstation is the label station: with no subcommand it opens
// the packing GUI; its subcommands run the same station calls headless.
// This package is the only composition root: it reads the config and wires
// store, carrier, printer and scale into a station.
package main

import (
	// First: it fixes the locale before Fyne's package init reads it.
	_ "labelstation/internal/plainlocale"

	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"labelstation/config"
	"labelstation/secrets"
	"labelstation/station"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg, hint string }

func (e *usageError) Error() string { return e.msg }

func usage(hint, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// globals are the flags every subcommand accepts.
type globals struct {
	dataDir    string
	configPath string
	json       bool
	// postnordURL and postnordKey win over the environment and the file.
	postnordURL string
	postnordKey string
	stdin       io.Reader
	stdout      io.Writer
	stderr      io.Writer
	// notes is the notification side openStore wired on the store it
	// opened, for openBench to hand the station (one store per command).
	notes *notifications
	// secrets is the secrets store loadConfig filled the config from, for
	// the order lookup's headers, the log's redactor and the status bar.
	secrets *secrets.Store
	// logDir wins over [station] log_dir and the OS log location.
	logDir string
	// loaded is the config loadConfig read last (secrets filled), for the
	// fleet push a command makes before it exits.
	loaded *config.Config
	// fleetMarked is how many records the data file's first
	// EnableReplication marked, for the log once it is open.
	fleetMarked int
	// skipSetup keeps the first-run wizard away (scripts, kiosk images
	// set up by IT); so does LABELSTATION_SKIP_SETUP.
	skipSetup bool
	// pushBeforeExit is set by dispatch for the commands that may record
	// what the site's server mirrors (fleetPushesAfter): a command that
	// opened the whole bench pushes as the bench closes, through its own
	// connection; run pushes for the others once the command has ended.
	pushBeforeExit bool
	// pushedOnClose: the command's bench pushed as it closed (through its
	// own connection), so run need not open everything again.
	pushedOnClose bool
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.dataDir, "data", g.dataDir, "data directory (default: the OS user data dir)")
	fs.StringVar(&g.configPath, "config", g.configPath, "config file (TOML; default: the OS config dir)")
	fs.BoolVar(&g.json, "json", g.json, "print results as JSON")
	fs.StringVar(&g.postnordURL, "postnord-url", g.postnordURL, "PostNord base URL (default: LABELSTATION_POSTNORD_URL, then the config)")
	fs.StringVar(&g.postnordKey, "postnord-apikey", g.postnordKey, "PostNord API key (default: LABELSTATION_POSTNORD_APIKEY, then the config)")
	fs.StringVar(&g.logDir, "log-dir", g.logDir, "log directory (default: [station] log_dir, then the OS log location)")
	fs.BoolVar(&g.skipSetup, "skip-setup", g.skipSetup, "do not run the first-run wizard (also LABELSTATION_SKIP_SETUP=1)")
}

const topUsage = `labelstation — the packing bench's label station

Usage:
  labelstation [--data DIR] [--config FILE]          open the GUI
  labelstation sandbox --listen ADDR [--apikey KEY] [--latency D] [--fail-rate F] [--stg-listen ADDR [--stg-latency D]]
  labelstation orders import FILE                    import orders (CSV or JSON)
  labelstation orders list
  labelstation orders watch [--once]                 import order files dropped in [orders.folder] path
  labelstation pack REF [--weight 1.25kg | --scale URI] [--carrier stg] [--service CODE] [--printer URI]
  labelstation rates REF [--weight 1.25kg] [--deadline 2s]   compare carriers' prices and delivery dates
  labelstation reprint [REF]                         print a stored label again (default: the last)
  labelstation print --printer URI FILE              send a label file to a printer
  labelstation queue list [--all]
  labelstation print-queue list | retry ID | discard ID | printed ID   labels not confirmed printed
  labelstation report [--date YYYY-MM-DD] [--days N] [--format text|json|csv|pdf] [--site [--bench NAME]]
  labelstation return create REF|TRACKING [--reason R] [--note T] [--service 24|20|22] [--labelless] [--another]
  labelstation return show SCAN | receive SCAN [--note T] | list [--all] | sync | reprint SCAN   returns
  labelstation webhooks list [--all] | sync | retry SEQ | discard SEQ --reason R   events for the WMS
  labelstation notify rules | fields | import FILE | enable ID | disable ID | preview ID ORDER [--html F]
                    | log [--days N] | totals [--days N] | sync | retry SEQ | discard SEQ --reason R
  labelstation export [--date YYYY-MM-DD] [--format csv|json] [--out FILE]   the day's shipments and returns
  labelstation series list                           the consignor's own item id ranges
  labelstation secret set NAME | list | delete NAME | import-config   API keys and passwords (value on stdin)
  labelstation scale read URI [--stable] | list | probe PORT | simulate --protocol P --port PTY
  labelstation servicepoints --country CC --postcode P [--street S] [--n 5] | --country CC --id ID
  labelstation transit --to CC:POSTCODE [--from CC:POSTCODE] [--service 17,19]
  labelstation printer status URI | list | simulate --listen ADDR [--fault F] [--out DIR]
  labelstation supervisor set-pin [--reset] | status   the supervisor PIN (PINs on stdin, one a line; IT's tool, not gated)
  labelstation doctor [--json] [--printer URI] [--scale URI]   check the setup in words; exit 1 when a check FAILs
  labelstation fleet run | status | sync | conflicts | resolve REF --note TEXT | migrate   fleet mode: one of a site's benches
  labelstation version

Global flags (before or after the subcommand): --data DIR, --config FILE, --json,
  --postnord-url URL, --postnord-apikey KEY (else LABELSTATION_POSTNORD_URL/_APIKEY, else the config),
  --log-dir DIR (else [station] log_dir, else the OS log location),
  --skip-setup (no first-run wizard; else LABELSTATION_SKIP_SETUP)
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	err := dispatch(ctx, g, args)
	if g.pushBeforeExit {
		// A command that did not open the whole bench: after it has
		// closed its data file and said how it ended, what it recorded
		// goes to the site's server now, not only at the next RunFleet.
		// (A bench's commands pushed as the bench closed.)
		defer fleetPushBeforeExit(ctx, g)
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	code := exitFailure
	hint := station.Hint(err)
	var ue *usageError
	if errors.As(err, &ue) {
		code, hint = exitUsage, ue.hint
	}
	fmt.Fprintf(stderr, "labelstation: error: %v\n", err)
	if hint != "" {
		fmt.Fprintf(stderr, "hint: %s\n", hint)
	}
	return code
}

func dispatch(ctx context.Context, g *globals, args []string) error {
	// Global flags may stand before the subcommand.
	fs := newFlagSet("labelstation", g)
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return runGUI(ctx, g)
	}
	cmd, rest := rest[0], rest[1:]
	// run pushes what the command recorded once it has ended.
	g.pushBeforeExit = fleetPushesAfter[cmd]
	switch cmd {
	case "sandbox":
		return cmdSandbox(ctx, g, rest)
	case "orders":
		return cmdOrders(ctx, g, rest)
	case "pack":
		return cmdPack(ctx, g, rest)
	case "rates":
		return cmdRates(ctx, g, rest)
	case "reprint":
		return cmdReprint(ctx, g, rest)
	case "print":
		return cmdPrint(ctx, g, rest)
	case "queue":
		return cmdQueue(ctx, g, rest)
	case "print-queue":
		return cmdPrintQueue(ctx, g, rest)
	case "track":
		return cmdTrack(ctx, g, rest)
	case "return":
		return cmdReturn(ctx, g, rest)
	case "webhooks":
		return cmdWebhooks(ctx, g, rest)
	case "export":
		return cmdExport(ctx, g, rest)
	case "notify":
		return cmdNotify(ctx, g, rest)
	case "demo-history":
		return cmdDemoHistory(ctx, g, rest)
	case "report":
		return cmdReport(ctx, g, rest)
	case "scale":
		return cmdScale(ctx, g, rest)
	case "series":
		return cmdSeries(ctx, g, rest)
	case "secret":
		return cmdSecret(ctx, g, rest)
	case "servicepoints":
		return cmdServicePoints(ctx, g, rest)
	case "transit":
		return cmdTransit(ctx, g, rest)
	case "printer":
		return cmdPrinter(ctx, g, rest)
	case "doctor":
		return cmdDoctor(ctx, g, rest)
	case "supervisor":
		return cmdSupervisor(ctx, g, rest)
	case "fleet":
		return cmdFleet(ctx, g, rest)
	case "version":
		fmt.Fprintf(g.stdout, "labelstation %s\n", version)
		return nil
	case "help":
		fmt.Fprint(g.stdout, topUsage)
		return nil
	}
	return usage("run 'labelstation help' for the list of commands", "unknown command %q", cmd)
}

func newFlagSet(name string, g *globals) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.register(fs)
	return fs
}

// parseArgs parses flags that may come before, between or after the
// positional arguments ("pack REF --weight 1.2kg"), which the flag package
// alone stops at. At the top level it stops at the first positional (the
// subcommand) and leaves the rest to it.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	top := fs.Name() == "labelstation"
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usage("run 'labelstation help' for usage", "%s: %v", fs.Name(), strings.TrimPrefix(err.Error(), "flag provided but not defined: "))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if top {
			return args, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
