package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"labelstation/config"
	"labelstation/station"
	"labelstation/station/wms"
)

// webhookConfig is [wms.webhooks] in wms terms (off when its url is empty).
func webhookConfig(cfg config.Config) wms.Config {
	w := cfg.WMS.Webhooks
	return wms.Config{URL: w.URL, Secret: []byte(w.Secret), Events: w.Events, IncludeLabel: w.IncludeLabel,
		Station: stationName(cfg), Timeout: config.Duration(w.Timeout, 0), Concurrency: w.Concurrency}
}

func cmdWebhooks(ctx context.Context, g *globals, args []string) error {
	const use = "labelstation webhooks list [--all] | sync | retry SEQ | discard SEQ --reason TEXT"
	if len(args) == 0 {
		return usage(use, "webhooks needs a subcommand")
	}
	fs := newFlagSet("webhooks "+args[0], g)
	all := fs.Bool("all", false, "also list today's sent and discarded events")
	reason := fs.String("reason", "", "why the event is discarded")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long; what is left stays queued")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	var seq uint64
	switch args[0] {
	case "list", "sync":
		if len(pos) != 0 {
			return usage(use, "webhooks %s takes no arguments", args[0])
		}
	case "retry", "discard":
		if len(pos) != 1 {
			return usage(use, "webhooks %s takes one event number (the # column of webhooks list)", args[0])
		}
		if seq, err = strconv.ParseUint(strings.TrimPrefix(pos[0], "#"), 10, 64); err != nil {
			return usage(use, "%q is not an event number", pos[0])
		}
	default:
		return usage(use, "unknown webhooks subcommand %q", args[0])
	}
	b, err := openBench(ctx, g, overrides{noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	s := b.station
	switch args[0] {
	case "list":
		list, err := s.Webhooks(ctx, *all)
		if err != nil {
			return err
		}
		if g.json {
			if list == nil {
				list = []station.WebhookEntry{}
			}
			return printJSON(g, list)
		}
		if len(list) == 0 {
			fmt.Fprintln(g.stdout, "no webhook waits for the WMS")
			return nil
		}
		tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "#\tEVENT\tORDER\tSTATE\tATTEMPTS\tCREATED\tLAST ERROR / WHAT TO DO")
		for _, e := range list {
			note := e.LastError
			if note == "" {
				note = e.Action
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", e.Seq, e.Type, e.OrderRef, e.State, e.Attempts, e.Created.Local().Format("2006-01-02 15:04:05"), note)
		}
		return tw.Flush()
	case "sync":
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		rep, err := s.SyncWebhooks(ctx)
		if g.json && err == nil {
			return printJSON(g, rep)
		}
		fmt.Fprintf(g.stdout, "sent %d events to the WMS; %d waiting, %d refused\n", rep.Sent, rep.Waiting, rep.Failed)
		if err != nil {
			return err
		}
		if rep.Failed > 0 || rep.Waiting > 0 {
			return &station.Problem{Msg: fmt.Sprintf("%d events still wait and %d were refused by the WMS", rep.Waiting, rep.Failed),
				Hint: "labelstation webhooks list shows each with its last error; refused ones need a Retry after the cause is fixed, or a Discard"}
		}
		return nil
	default: // retry, discard
		var e station.WebhookEntry
		if args[0] == "retry" {
			e, err = s.RetryWebhook(ctx, seq)
		} else {
			e, err = s.DiscardWebhook(ctx, seq, *reason)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "#%d %s %s: %s\n", e.Seq, e.Type, e.OrderRef, e.State)
		return nil
	}
}

// cmdExport writes the day's shipments and returns for a WMS without
// webhooks.
func cmdExport(ctx context.Context, g *globals, args []string) error {
	const use = "labelstation export [--date YYYY-MM-DD] [--format csv|json] [--out FILE]"
	fs := newFlagSet("export", g)
	date := fs.String("date", "", "the day (default today)")
	format := fs.String("format", "csv", "csv or json")
	out := fs.String("out", "", "write to FILE instead of standard output")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(use, "export takes no arguments")
	}
	if *format != "csv" && *format != "json" {
		return usage(use, "--format %q: use csv or json", *format)
	}
	day := time.Now()
	if *date != "" {
		if day, err = time.ParseInLocation("2006-01-02", *date, time.Local); err != nil {
			return usage(use, "--date %q: write the day as YYYY-MM-DD", *date)
		}
	}
	s, closeStation, err := storeOnlyStation(g)
	if err != nil {
		return err
	}
	defer closeStation()
	w := g.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return &station.Problem{Msg: fmt.Sprintf("cannot write %s: %v", *out, err), Hint: "choose a writable path with --out", Err: err}
		}
		defer f.Close()
		w = f
	}
	return s.ExportDay(ctx, w, *format, day)
}
