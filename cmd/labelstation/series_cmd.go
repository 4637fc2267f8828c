package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"labelstation/station"
)

// cmdSeries: `series list` shows the consignor's own id series and how
// much of each is used.
func cmdSeries(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 || args[0] != "list" {
		return usage("labelstation series list", "series needs the subcommand list")
	}
	fs := newFlagSet("series list", g)
	if _, err := parseArgs(fs, args[1:]); err != nil {
		return err
	}
	st, cfg, err := openStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	s := station.New(st, nil, nil, nil, station.Config{})
	if err := defineSeries(ctx, s, cfg); err != nil {
		return err
	}
	list, err := s.Series(ctx)
	if err != nil {
		return err
	}
	if g.json {
		return printJSON(g, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(g.stdout, "no id series defined: add [[id_series]] tables to the config (see the README)")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIES\tKIND\tUSED\tNEXT ID\tNOTE")
	for _, x := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d of %d\t%s\t%s\n", x.Name, x.Kind, x.Used, x.Size, x.Next, x.Note)
	}
	return tw.Flush()
}
