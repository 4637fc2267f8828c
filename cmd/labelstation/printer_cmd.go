package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"labelstation/printer"
	"labelstation/printer/zplsim"
	"labelstation/station"
)

const printerUsage = `labelstation printer status URI [--json]     the printer's state in words (exit 1 when not ready)
labelstation printer list [--json]           printers this computer can reach, and the configured one
labelstation printer simulate --listen ADDR [--fault F] [--out DIR]
                                             a fake ZPL printer; type a fault name + Enter to switch
faults: none, paper-out, head-open, paused, ribbon-out, over-temp, under-temp, silent, slow, refuse`

// cmdPrinter is "labelstation printer …": ask a printer, find printers,
// or run a simulated one for demos and tests.
func cmdPrinter(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage(printerUsage, "printer needs a subcommand: status, list or simulate")
	}
	switch args[0] {
	case "status":
		return cmdPrinterStatus(ctx, g, args[1:])
	case "list":
		return cmdPrinterList(ctx, g, args[1:])
	case "simulate":
		return cmdPrinterSimulate(ctx, g, args[1:])
	}
	return usage(printerUsage, "unknown printer subcommand %q", args[0])
}

// printerStatusJSON is the --json shape of printer status.
type printerStatusJSON struct {
	Printer string          `json:"printer"`
	Ready   bool            `json:"ready"`
	States  []printer.State `json:"states"`
	Message string          `json:"message"`
	Status  *printer.Status `json:"status,omitempty"`
}

func cmdPrinterStatus(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("printer status", g)
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage("labelstation printer status tcp://HOST:9100", "printer status needs one printer URI")
	}
	p, err := printer.Open(pos[0])
	if err != nil {
		return usage("printer URIs look like tcp://HOST:9100, usb://VID:PID, dev:///dev/usb/lp0, cups://QUEUE", "%v", err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	st, err := printer.StatusOf(ctx, p)
	if errors.Is(err, printer.ErrNoStatus) {
		return &station.Problem{Msg: err.Error(), Hint: "preview printers and write-only devices cannot be asked; print a test label to check it", Err: err}
	}
	if err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "check that the printer is on, connected, and the address is right", Err: err}
	}
	out := printerStatusJSON{Printer: p.String(), Ready: st.Ready(), States: st.States(), Message: st.Message(), Status: &st}
	if out.States == nil {
		out.States = []printer.State{}
	}
	if g.json {
		if err := printJSON(g, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "%s: %s\n", p, st.Message())
		if st.Source == "~HS" && st.LabelsRemaining > 0 {
			fmt.Fprintf(g.stdout, "  %d labels remaining in the batch\n", st.LabelsRemaining)
		}
	}
	if !st.Ready() {
		return &station.Problem{Msg: fmt.Sprintf("printer %s is not ready: %s", p, st.Message()), Hint: "fix the printer, then run printer status again", Err: printer.ErrNotReady}
	}
	return nil
}

func cmdPrinterList(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("printer list", g)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage("labelstation printer list [--json]", "printer list takes no arguments, got %q", pos)
	}
	cfg, err := loadConfig(g)
	if err != nil {
		return err
	}
	configured := printer.Found{URI: cfg.Station.Printer, Kind: "configured"}
	if configured.URI == "" {
		configured.URI = previewPrinterURI(g.resolveDataDir(cfg))
		configured.Detail = "the default: label previews in the data folder"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	found, problems := printer.Discover(ctx)
	all := append([]printer.Found{configured}, found...)
	if g.json {
		return printJSON(g, all)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "URI\tKIND\tDETAIL")
	for _, f := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.URI, f.Kind, f.Detail)
	}
	tw.Flush()
	for _, p := range problems {
		fmt.Fprintf(g.stderr, "note: %v\n", p)
	}
	return nil
}

func cmdPrinterSimulate(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("printer simulate", g)
	listen := fs.String("listen", "127.0.0.1:9100", "address to listen on")
	faultName := fs.String("fault", "none", "start in this fault")
	out := fs.String("out", "", "save each printed label in this folder")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage("labelstation printer simulate --listen 127.0.0.1:9100", "printer simulate takes no arguments, got %q", pos)
	}
	fault, err := zplsim.ParseFault(*faultName)
	if err != nil {
		return usage(printerUsage, "%v", err)
	}
	sim, err := zplsim.Listen(*listen, zplsim.Options{OutDir: *out, Log: g.stdout})
	if err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "choose a free address with --listen, e.g. 127.0.0.1:9101", Err: err}
	}
	defer sim.Close()
	if err := sim.SetFault(fault); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "simulated ZPL printer on %s (fault: %s); type a fault name and Enter to switch, e.g. paper-out, none\n", sim.URI(), *faultName)

	// Faults are switched by lines on stdin; EOF just ends the switching.
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(g.stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(g.stdout, "stopped after %d labels\n", len(sim.Labels()))
			return nil
		case line, ok := <-lines:
			if !ok {
				lines = nil
				continue
			}
			if strings.TrimSpace(line) == "" {
				continue
			}
			f, err := zplsim.ParseFault(line)
			if err == nil {
				err = sim.SetFault(f)
			}
			if err != nil {
				fmt.Fprintf(g.stderr, "%v\n", err)
			}
		}
	}
}
