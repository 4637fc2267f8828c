package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"labelstation/carrier"
)

// cmdServicePoints: labelstation servicepoints --country SE --postcode 11455
// [--street "Storgatan 14"] [--city C] [--n 5], or --id ID with --country.
func cmdServicePoints(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("servicepoints", g)
	country := fs.String("country", "", "country code: SE, NO, DK or FI")
	postcode := fs.String("postcode", "", "postcode to search near")
	city := fs.String("city", "", "city (when no postcode)")
	street := fs.String("street", "", "street and number, for exact distances")
	n := fs.Int("n", 5, "how many service points")
	id := fs.String("id", "", "look up one service point by its id")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	const hint = "labelstation servicepoints --country SE --postcode 11455 [--street 'Storgatan 14']"
	if len(pos) > 0 {
		return usage(hint, "servicepoints takes no arguments, got %q", pos)
	}
	if *country == "" || (*id == "" && *postcode == "" && *city == "") {
		return usage(hint, "servicepoints needs --country and --postcode (or --city, or --id)")
	}
	b, err := openBench(ctx, g, overrides{noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	var sps []carrier.ServicePoint
	if *id != "" {
		sp, err := b.station.ServicePoint(ctx, *country, *id)
		if err != nil {
			return err
		}
		sps = []carrier.ServicePoint{sp}
	} else {
		sps, err = b.station.ServicePoints(ctx, carrier.Address{Country: *country, Postcode: *postcode, City: *city, Street1: *street}, *n)
		if err != nil {
			return err
		}
	}
	if g.json {
		if sps == nil {
			sps = []carrier.ServicePoint{}
		}
		return printJSON(g, sps)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tADDRESS\tDISTANCE")
	for _, sp := range sps {
		dist := ""
		if sp.DistanceM > 0 {
			dist = fmt.Sprintf("%.1f km", float64(sp.DistanceM)/1000)
		}
		a := sp.Address
		fmt.Fprintf(tw, "%s\t%s\t%s, %s %s\t%s\n", sp.ID, sp.Name, a.Street1, a.Postcode, a.City, dist)
	}
	return tw.Flush()
}

// cmdTransit: labelstation transit --to NO:7011 [--from SE:41505] [--service 17,19].
func cmdTransit(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("transit", g)
	to := fs.String("to", "", "destination COUNTRY:POSTCODE, e.g. NO:7011")
	from := fs.String("from", "", "origin COUNTRY:POSTCODE (default: the consignor)")
	services := fs.String("service", "", "service codes, comma separated (default: all)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	const hint = "labelstation transit --to NO:7011 [--from SE:41505] [--service 17,19]"
	if len(pos) > 0 {
		return usage(hint, "transit takes no arguments, got %q", pos)
	}
	toAddr, ok := parsePlace(*to)
	if !ok {
		return usage(hint, "--to %q is not COUNTRY:POSTCODE", *to)
	}
	var fromAddr carrier.Address
	if *from != "" {
		if fromAddr, ok = parsePlace(*from); !ok {
			return usage(hint, "--from %q is not COUNTRY:POSTCODE", *from)
		}
	}
	var codes []string
	for _, c := range strings.Split(*services, ",") {
		if c = strings.TrimSpace(c); c != "" {
			codes = append(codes, c)
		}
	}
	b, err := openBench(ctx, g, overrides{noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	tts, err := b.station.TransitTimes(ctx, fromAddr, toAddr, codes)
	if err != nil {
		return err
	}
	if g.json {
		if tts == nil {
			tts = []carrier.TransitTime{}
		}
		return printJSON(g, tts)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tNAME\tARRIVES\tNOTE")
	for _, t := range tts {
		code := t.Service
		if len(t.Additional) > 0 {
			code += "+" + strings.Join(t.Additional, "+")
		}
		arrives := ""
		switch {
		case !t.Arrival.IsZero():
			arrives = t.Arrival.Local().Format("Mon 2006-01-02 15:04")
		case t.DaysMax > 0:
			arrives = strconv.Itoa(t.DaysMin) + "–" + strconv.Itoa(t.DaysMax) + " days"
		}
		note := t.Problem
		if note == "" && !t.Bookable {
			note = "not bookable on this route"
		}
		if note == "" && !t.LatestBooking.IsZero() {
			note = "book by " + t.LatestBooking.Local().Format(time.TimeOnly[:5])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", code, t.ServiceName, arrives, note)
	}
	return tw.Flush()
}

// parsePlace reads "NO:7011" (or "NO 7011").
func parsePlace(s string) (carrier.Address, bool) {
	c, pc, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		c, pc, ok = strings.Cut(strings.TrimSpace(s), " ")
	}
	c, pc = strings.ToUpper(strings.TrimSpace(c)), strings.TrimSpace(pc)
	if !ok || len(c) != 2 || pc == "" {
		return carrier.Address{}, false
	}
	return carrier.Address{Country: c, Postcode: pc}, true
}
