package kpi

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// WriteText writes r for a terminal: the KPI table with states, the
// per-country figures and the first problem parcels (up to maxProblems).
func (r Report) WriteText(w io.Writer, maxProblems int) error {
	days := "1 day"
	if r.Days != 1 {
		days = fmt.Sprintf("%d days", r.Days)
	}
	fmt.Fprintf(w, "Delivery KPIs of the parcels booked %s … %s (%s): %d shipments, %d problem parcels; generated %s\n\n",
		r.From, r.To, days, r.Shipments, r.ProblemsTotal, r.GeneratedAt.Local().Format("2006-01-02 15:04"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KPI\tKEY\tVALUE\tPARCELS\tWARN\tCRITICAL\tSTATE")
	for _, k := range r.Overall {
		parcels := ""
		if k.Unit != "parcels" || k.Key != KeyShipments {
			parcels = fmt.Sprintf("%d/%d", k.Count, k.Of)
		}
		state := string(k.State)
		if !k.HasThresholds && k.State != StateNA {
			state = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Name, k.Key, FormatValue(k), parcels,
			formatLevel(k, k.Warn), formatLevel(k, k.Critical), state)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COUNTRY\tSHIPMENTS\tON TIME\tAVG TRANSIT\tEXCEPTIONS\tLOST\tGAPS")
	for _, g := range r.ByCountry {
		avg := KeyAvgTransit
		if g.Key == "NO" {
			avg = KeyAvgTransitSENO
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", g.Key, g.Shipments, cellOf(g, KeyOnTime), cellOf(g, avg),
			cellOf(g, KeyException), cellOf(g, KeyLost), cellOf(g, KeyTrackingGap))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.ByCarrier) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CARRIER\tSHIPMENTS\tON TIME\tAVG TRANSIT\tEXCEPTIONS\tLOST\tGAPS")
		for _, g := range r.ByCarrier {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", g.Key, g.Shipments, cellOf(g, KeyOnTime), cellOf(g, KeyAvgTransit),
				cellOf(g, KeyException), cellOf(g, KeyLost), cellOf(g, KeyTrackingGap))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	n := min(len(r.Problems), maxProblems)
	if n > 0 {
		fmt.Fprintf(w, "\nProblem parcels (%d of %d, most severe and newest first):\n", n, r.ProblemsTotal)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, p := range r.Problems[:n] {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Kind, p.OrderRef, p.ItemID, p.Country,
				p.Since.Local().Format("2006-01-02 15:04"), p.Note)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, l := range r.LeftOut {
		fmt.Fprintf(w, "\nNot in this report: %s\n", l)
	}
	return nil
}

func cellOf(g Group, key string) string {
	for _, k := range g.KPIs {
		if k.Key == key {
			if k.HasThresholds && k.State != StateOK && k.State != StateNA {
				return FormatValue(k) + " (" + string(k.State) + ")"
			}
			return FormatValue(k)
		}
	}
	return "–"
}

// CSVColumns head WriteCSV's rows.
var CSVColumns = []string{"group", "key", "name", "value", "unit", "count", "of", "warn", "critical", "state"}

// WriteCSV writes every KPI as a row: the overall ones (group "all"),
// then per country ("country:SE") and per service ("service:19"). A
// value with nothing to measure is empty and its state n/a.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(CSVColumns)
	row := func(group string, k KPI) {
		val, warn, crit := "", "", ""
		if k.State != StateNA {
			val = strconv.FormatFloat(k.Value, 'f', 4, 64)
		}
		if k.HasThresholds {
			warn, crit = strconv.FormatFloat(k.Warn, 'f', -1, 64), strconv.FormatFloat(k.Critical, 'f', -1, 64)
		}
		cw.Write([]string{group, k.Key, k.Name, val, k.Unit, strconv.Itoa(k.Count), strconv.Itoa(k.Of), warn, crit, string(k.State)})
	}
	for _, k := range r.Overall {
		row("all", k)
	}
	for _, g := range r.ByCountry {
		for _, k := range g.KPIs {
			row("country:"+g.Key, k)
		}
	}
	for _, g := range r.ByService {
		for _, k := range g.KPIs {
			row("service:"+g.Key, k)
		}
	}
	for _, g := range r.ByCarrier {
		for _, k := range g.KPIs {
			row("carrier:"+g.Key, k)
		}
	}
	cw.Flush()
	return cw.Error()
}
