package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"labelstation/station"
)

const trackUsage = "labelstation track sync [--all] | show REF"

// cmdTrack is the tracking sync: ask the carrier about open parcels, and
// show one parcel's history.
func cmdTrack(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage(trackUsage, "track needs a subcommand")
	}
	switch args[0] {
	case "sync":
		return trackSync(ctx, g, args[1:])
	case "show":
		return trackShow(ctx, g, args[1:])
	}
	return usage(trackUsage, "unknown track subcommand %q", args[0])
}

func trackSync(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("track sync", g)
	all := fs.Bool("all", false, "ask about every open parcel now, not only those due")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usage("labelstation track sync [--all]", "track sync takes no arguments")
	}
	b, err := openBench(ctx, g, overrides{noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	rep, err := b.station.TrackSync(ctx, station.TrackOptions{All: *all})
	if err != nil {
		return err
	}
	if g.json {
		if err := printJSON(g, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "asked about %s: %d updated, %s, %d failed; %d not due yet, took %d ms\n",
			plural(rep.Polled, "parcel", "parcels"), rep.Updated, plural(rep.NewEvents, "new event", "new events"), rep.Failed, rep.NotDue, rep.Took.Milliseconds())
		if rep.Capped > 0 {
			fmt.Fprintf(g.stdout, "the daily cap of look-ups is reached: %s wait for tomorrow\n", plural(rep.Capped, "parcel", "parcels"))
		}
	}
	if rep.Err != "" {
		return &station.Problem{Msg: "tracking stopped early: " + rep.Err,
			Hint: "check the network and the carrier settings; run labelstation track sync again later (the station also tracks by itself while it runs)"}
	}
	return nil
}

func trackShow(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("track show", g)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage("labelstation track show REF", "track show takes one order reference or tracking number")
	}
	s, closeStation, err := storeOnlyStation(g)
	if err != nil {
		return err
	}
	defer closeStation()
	h, err := s.TrackShow(ctx, pos[0])
	if err != nil {
		return err
	}
	if g.json {
		return printJSON(g, h)
	}
	fmt.Fprintf(g.stdout, "%s: %s %s, tracking %s, to %s (%s)\n", h.OrderRef, h.Carrier, h.Service, h.ItemID, h.Receiver, h.Country)
	fmt.Fprintf(g.stdout, "status %s, booked %s", h.Status, h.BookedAt.Local().Format("2006-01-02 15:04"))
	if !h.Expected.IsZero() {
		fmt.Fprintf(g.stdout, ", expected %s", h.Expected.Local().Format("2006-01-02 15:04"))
	}
	fmt.Fprintln(g.stdout)
	if len(h.Events) == 0 {
		fmt.Fprintln(g.stdout, "no tracking events yet: run labelstation track sync")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSTATUS\tCODE\tDESCRIPTION\tLOCATION")
	for _, e := range h.Events {
		at := "-"
		if !e.Time.IsZero() {
			at = e.Time.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", at, e.Status, dash(e.CarrierCode), dash(e.Description), dash(e.Location))
	}
	return tw.Flush()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
