package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"labelstation/carrier"
	"labelstation/station"
)

// cmdRates: labelstation rates REF [--weight 1.2kg] [--deadline 2s]
// [--json] asks every carrier at once and prints the options side by
// side, cheapest first, with the one a shipping rule (or the order's service)
// preselects marked.
func cmdRates(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("rates", g)
	weight := fs.String("weight", "", "parcel weight, e.g. 1.25kg (default: read the scale)")
	scaleURI := fs.String("scale", "", "scale URI, e.g. sim://?weight=1.25kg")
	deadline := fs.Duration("deadline", station.DefaultRateDeadline, "how long to wait for the carriers")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	const hint = "labelstation rates ORDER-REF [--weight 1.25kg] [--deadline 2s] [--json]"
	if len(pos) != 1 {
		return usage(hint, "rates takes one order reference")
	}
	if *deadline <= 0 || *deadline > time.Minute {
		return usage(hint, "--deadline %v: use a duration such as 2s (at most 1m)", *deadline)
	}
	opts := station.RateOptions{Deadline: *deadline}
	if *weight != "" {
		if *scaleURI != "" {
			return usage("give one of them", "--weight and --scale both given")
		}
		if opts.Weight, err = carrier.ParseWeight(*weight); err != nil || opts.Weight <= 0 {
			return usage("write the weight like 1.25kg or 850g", "--weight %q is not a weight", *weight)
		}
	}
	b, err := openBench(ctx, g, overrides{scale: *scaleURI, noScale: opts.Weight > 0})
	if err != nil {
		return err
	}
	defer b.Close()
	cmp, err := b.station.Rates(ctx, pos[0], opts)
	if err != nil {
		return err
	}
	if g.json {
		return printJSON(g, cmp)
	}
	fmt.Fprintf(g.stdout, "%s to %s, %s:\n", cmp.OrderRef, cmp.Country, cmp.Weight)
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tCARRIER\tSERVICE\tNAME\tPRICE\tTAXES\tTOTAL\tDELIVERY\tSOURCE")
	for i, o := range cmp.Options {
		mark := ""
		if i == cmp.Chosen {
			mark = "*"
		}
		delivery := "-"
		if !o.EstimatedDelivery.IsZero() {
			delivery = o.EstimatedDelivery.Local().Format("Mon 2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, o.Carrier, o.Service, o.ServiceName,
			money(o.Price), taxes(o.Taxes), money(o.Total), delivery, o.PriceSource)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	switch o, ok := cmp.ChosenRate(); {
	case ok:
		why := "the order's service"
		if cmp.Rule != "" {
			why = "rule " + cmp.Rule
		}
		fmt.Fprintf(g.stdout, "chosen: %s %s (%s)\n", o.Carrier, o.Service, why)
		if cmp.RuleNote != "" {
			fmt.Fprintf(g.stdout, "note: %s\n", cmp.RuleNote)
		}
	case len(cmp.Options) > 0:
		fmt.Fprintf(g.stdout, "chosen: none of these (%s); pick one with pack --carrier C --service S\n", cmp.RuleNote)
	default:
		fmt.Fprintln(g.stdout, "no carrier offered a way to ship it")
	}
	for _, n := range cmp.Notes {
		fmt.Fprintf(g.stdout, "note: %s\n", n)
	}
	for _, m := range cmp.Missing {
		fmt.Fprintf(g.stdout, "missing: %s\n", m.Reason)
	}
	return nil
}

func money(m carrier.Money) string { return fmt.Sprintf("%.2f %s", m.Amount, m.Currency) }

func taxes(ts []carrier.Tax) string {
	if len(ts) == 0 {
		return "-"
	}
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%s %.2f", t.Name, t.Amount.Amount))
	}
	return strings.Join(parts, ", ")
}
