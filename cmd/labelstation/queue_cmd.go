package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"labelstation/station"
)

const queueUsage = "labelstation queue list [--all] | sync [--timeout 2m] | retry ID | cancel ID --reason TEXT | late [--date D]"

// cmdQueue is the booking queue (the outbox): what waits for the carrier,
// sending it, and a person's retry or cancel.
func cmdQueue(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage(queueUsage, "queue needs a subcommand")
	}
	switch args[0] {
	case "list":
		return queueList(ctx, g, args[1:])
	case "sync":
		return queueSync(ctx, g, args[1:])
	case "retry":
		return queueRetry(ctx, g, args[1:])
	case "cancel":
		return queueCancel(ctx, g, args[1:])
	case "late":
		return queueLate(ctx, g, args[1:])
	}
	return usage(queueUsage, "unknown queue subcommand %q", args[0])
}

func queueList(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("queue list", g)
	all := fs.Bool("all", false, "include booked and cancelled entries")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	s, closeStation, err := storeOnlyStation(g)
	if err != nil {
		return err
	}
	defer closeStation()
	entries, err := s.Queue(ctx, *all)
	if err != nil {
		return err
	}
	if g.json {
		return printJSON(g, entries)
	}
	if len(entries) == 0 {
		fmt.Fprintln(g.stdout, "the queue is empty: every booking has been sent")
		return nil
	}
	printQueue(g, entries)
	return nil
}

func printQueue(g *globals, entries []station.QueueEntry) {
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tSTATE\tITEM ID\tATTEMPTS\tCREATED\tID\tWHAT NOW\tLAST ERROR")
	for _, e := range entries {
		state := e.State
		if e.Offline {
			state += " (offline label)"
		}
		if e.Held {
			state += " (held)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", e.OrderRef, state, dash(e.ItemID), e.Attempts,
			e.Created.Local().Format("2006-01-02 15:04"), e.ID, dash(e.Action), e.LastError)
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func queueSync(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("queue sync", g)
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long; what is left stays queued")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usage("labelstation queue sync [--timeout 2m]", "queue sync takes no arguments")
	}
	b, err := openBench(ctx, g, overrides{noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rep, err := b.station.SyncQueue(ctx)
	if err != nil {
		return err
	}
	// The bookings just made are events for the WMS: send them too (also
	// with --json, where the report carries them).
	var wms *station.WebhookReport
	var wmsErr error
	if b.cfg.WMS.Webhooks.URL != "" {
		wr, werr := b.station.SyncWebhooks(ctx)
		wms, wmsErr = &wr, werr
	}
	if g.json {
		out := struct {
			station.SyncReport
			WMS      *station.WebhookReport `json:"wms,omitempty"`
			WMSError string                 `json:"wms_error,omitempty"`
		}{SyncReport: rep, WMS: wms}
		if wmsErr != nil {
			out.WMSError = wmsErr.Error()
		}
		if err := printJSON(g, out); err != nil {
			return err
		}
	} else {
		if wms != nil {
			fmt.Fprintf(g.stdout, "sent %d events to the WMS; %d waiting, %d refused\n", wms.Sent, wms.Waiting, wms.Failed)
			if wmsErr != nil {
				fmt.Fprintf(g.stdout, "the WMS: %v\n", wmsErr)
			}
		}
		fmt.Fprintf(g.stdout, "sent the queue: %d booked, %d found already booked at the carrier, %d refused; %d left, took %d ms\n",
			rep.Booked, rep.Adopted, rep.Failed, rep.Left, rep.Took.Milliseconds())
	}
	switch {
	case rep.Offline:
		return &station.Problem{Msg: fmt.Sprintf("the carrier cannot be reached: %s in the queue (%s)", bookings(rep.Left, "waits", "wait"), rep.Err),
			Hint: "check the network; run labelstation queue sync again when it is back (the station also syncs by itself while it runs)"}
	case rep.Failed > 0 || rep.Left > 0:
		return &station.Problem{Msg: fmt.Sprintf("%s still open and %d refused by the carrier", bookings(rep.Left, "is", "are"), rep.Failed),
			Hint: "labelstation queue list shows each with what to do; correct refused orders and run labelstation queue retry ID"}
	}
	return nil
}

func queueRetry(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("queue retry", g)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage("labelstation queue retry ID (or ORDER-REF)", "queue retry takes one entry id")
	}
	b, err := openBench(ctx, g, overrides{noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	e, err := b.station.RetryEntry(ctx, pos[0])
	if err != nil {
		return err
	}
	if g.json {
		return printJSON(g, e)
	}
	fmt.Fprintf(g.stdout, "%s: %s\n", e.OrderRef, e.State)
	return nil
}

func queueCancel(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("queue cancel", g)
	reason := fs.String("reason", "", "why it is cancelled (kept with the entry)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(*reason) == "" {
		return usage(`labelstation queue cancel ID --reason "customer cancelled"`, "queue cancel takes one entry id and a --reason")
	}
	s, closeStation, err := storeOnlyStation(g)
	if err != nil {
		return err
	}
	defer closeStation()
	e, err := s.CancelEntry(ctx, pos[0], *reason)
	if err != nil {
		return err
	}
	if g.json {
		return printJSON(g, e)
	}
	fmt.Fprintf(g.stdout, "cancelled %s (order %s): it will not be sent\n", e.ID, e.OrderRef)
	if e.Offline {
		fmt.Fprintf(g.stdout, "%s\n", e.Action)
	}
	return nil
}

func queueLate(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("queue late", g)
	date := fs.String("date", "", "the day, YYYY-MM-DD (default: today)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	day := time.Now()
	if *date != "" {
		var err error
		if day, err = time.ParseInLocation("2006-01-02", *date, time.Local); err != nil {
			return usage("write the date like 2026-11-22", "--date %q is not a date", *date)
		}
	}
	s, closeStation, err := storeOnlyStation(g)
	if err != nil {
		return err
	}
	defer closeStation()
	late, err := s.SentLate(ctx, day)
	if err != nil {
		return err
	}
	if g.json {
		return printJSON(g, late)
	}
	if len(late) == 0 {
		fmt.Fprintf(g.stdout, "no parcel left with an offline label on %s\n", day.Format("2006-01-02"))
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tITEM ID\tRECEIVER\tPRINTED\tCARRIER TOLD\tLATE BY")
	for _, l := range late {
		told := "not yet"
		if !l.SyncedAt.IsZero() {
			told = l.SyncedAt.Local().Format("15:04:05")
		}
		printed := "-"
		if !l.PrintedAt.IsZero() {
			printed = l.PrintedAt.Local().Format("15:04:05")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", l.OrderRef, l.ItemID, l.Receiver, printed, told, l.Late)
	}
	return tw.Flush()
}

// bookings says "1 booking waits" or "3 bookings wait".
func bookings(n int, one, many string) string {
	if n == 1 {
		return "1 booking " + one
	}
	return fmt.Sprintf("%d bookings %s", n, many)
}
