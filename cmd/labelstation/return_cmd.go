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

const returnUsage = "labelstation return create REF|TRACKING [--reason R] [--note T] [--service 24|20|22] [--labelless] [--another] [--printer URI] | show SCAN | receive SCAN [--note T] | list [--all] | sync | reprint SCAN [--printer URI]"

// cmdReturn is returns: a return label for a shipped order, where its
// parcel is, and receiving it at the bench — the same station calls as
// the bench's returns screen.
func cmdReturn(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage(returnUsage, "return needs a subcommand")
	}
	switch args[0] {
	case "create":
		return returnCreate(ctx, g, args[1:])
	case "show":
		return returnShow(ctx, g, args[1:])
	case "receive":
		return returnReceive(ctx, g, args[1:])
	case "list":
		return returnList(ctx, g, args[1:])
	case "sync":
		return returnSync(ctx, g, args[1:])
	case "reprint":
		return returnReprint(ctx, g, args[1:])
	}
	return usage(returnUsage, "unknown return subcommand %q", args[0])
}

func returnCreate(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("return create", g)
	reason := fs.String("reason", "", "why it comes back: "+strings.Join(station.ReturnReasons, ", ")+" (or a short text)")
	note := fs.String("note", "", "a note kept with the return (and sent to the WMS)")
	service := fs.String("service", "", "PostNord return service: 24 Return Drop Off (default), 20 or 22 Return Pickup")
	labelless := fs.Bool("labelless", false, "no printed label: PostNord sends the customer a QR code by e-mail/SMS")
	another := fs.Bool("another", false, "create a second return although the order has an open one")
	printerURI := fs.String("printer", "", "printer URI for the return label (default: the config's)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage("labelstation return create ORDER-REF --reason wrong_size", "return create takes one order reference or outgoing tracking number")
	}
	if *service != "" && !station.IsReturnService(*service) {
		return usage("use --service 24 (Return Drop Off), 20 or 22 (Return Pickup) with PostNord, RETURN with STG", "--service %q is not a return service", *service)
	}
	b, err := openBench(ctx, g, overrides{printer: *printerURI, noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	res, err := b.station.CreateReturn(ctx, pos[0], station.ReturnOptions{
		Reason: *reason, Note: *note, Service: *service, Labelless: *labelless, Another: *another,
	})
	if err != nil {
		return err
	}
	if g.json {
		res.Return.Label = carrier.Label{}
		return printJSON(g, res)
	}
	r := res.Return
	what := "label printed"
	switch {
	case r.Labelless:
		what = fmt.Sprintf("labelless: %s sends the customer a QR code by e-mail/SMS to show at a service point", carrierWord(r.Carrier))
	case !res.Printed:
		what = "label not printed"
	}
	fmt.Fprintf(g.stdout, "return registered for %s: %s %s, return tracking %s, reason %s; %s, took %d ms\n",
		r.OrderRef, r.Carrier, dash(r.Service), r.TrackingID(), dash(r.Reason), what, res.Took.Milliseconds())
	return nil
}

func returnShow(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("return show", g)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage("labelstation return show TRACKING|ORDER-REF", "return show takes one return tracking number or order reference")
	}
	s, closeStation, err := storeOnlyStation(g)
	if err != nil {
		return err
	}
	defer closeStation()
	info, err := s.FindReturn(ctx, pos[0])
	if err != nil {
		return err
	}
	if g.json {
		info.Return.Label, info.Shipment.Label = carrier.Label{}, carrier.Label{}
		return printJSON(g, info)
	}
	printReturn(g, info)
	return nil
}

// printReturn is what the bench shows of a scanned return parcel.
func printReturn(g *globals, info station.ReturnInfo) {
	r := info.Return
	w := g.stdout
	fmt.Fprintf(w, "return %s of order %s: %s, reason %s\n", dash(r.TrackingID()), r.OrderRef, returnState(r), dash(r.Reason))
	fmt.Fprintf(w, "%s %s, from %s; outgoing parcel %s\n", r.Carrier, dash(r.Service), dash(addressLine(info.Order.Receiver)), dash(r.OutgoingItemID))
	fmt.Fprintf(w, "registered %s, in transit %s, received %s", when(r.RegisteredAt), when(r.InTransitAt), when(r.ReceivedAt))
	if r.ReceivedBy != "" {
		fmt.Fprintf(w, " (by the %s)", r.ReceivedBy)
	}
	if !r.CheckedAt.IsZero() {
		fmt.Fprintf(w, ", checked at the bench %s", when(r.CheckedAt))
	}
	fmt.Fprintln(w)
	switch {
	case r.Labelless:
		fmt.Fprintln(w, "labelless: the customer shows a QR code at a service point")
	case !r.PrintedAt.IsZero():
		fmt.Fprintf(w, "label printed %s\n", when(r.PrintedAt))
	case r.ItemID != "":
		fmt.Fprintf(w, "label not printed yet: labelstation return reprint %s\n", r.TrackingID())
	}
	for _, l := range r.Lines {
		sku := ""
		if l.SKU != "" {
			sku = " [" + l.SKU + "]"
		}
		fmt.Fprintf(w, "line: %d × %s%s\n", l.Quantity, l.Description, sku)
	}
	if r.Note != "" {
		fmt.Fprintf(w, "note: %s\n", strings.ReplaceAll(r.Note, "\n", "; "))
	}
	if r.LastError != "" {
		fmt.Fprintf(w, "last error: %s\n", r.LastError)
	}
}

func returnReceive(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("return receive", g)
	note := fs.String("note", "", "what the packer found in the parcel")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage("labelstation return receive TRACKING [--note TEXT]", "return receive takes the return parcel's tracking number (or the order reference)")
	}
	// No carrier or printer: receiving is the bench's word alone (the
	// store queues the WMS's return_received in the same commit).
	s, closeStation, err := storeOnlyStation(g)
	if err != nil {
		return err
	}
	defer closeStation()
	info, err := s.FindReturn(ctx, pos[0])
	if err != nil {
		return err
	}
	r, err := s.ReceiveReturn(ctx, info.Return.ID, *note)
	if err != nil {
		return err
	}
	if g.json {
		r.Label = carrier.Label{}
		return printJSON(g, r)
	}
	by := "received at the bench"
	if r.ReceivedBy != "bench" {
		by = "checked in at the bench (" + carrierWord(r.Carrier) + " delivered it " + when(r.ReceivedAt) + ")"
	}
	var lines []string
	for _, l := range r.Lines {
		lines = append(lines, fmt.Sprintf("%d × %s", l.Quantity, l.Description))
	}
	fmt.Fprintf(g.stdout, "return %s of order %s %s: %s back, reason %s\n", r.TrackingID(), r.OrderRef, by,
		dash(strings.Join(lines, ", ")), dash(r.Reason))
	return nil
}

func returnList(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("return list", g)
	all := fs.Bool("all", false, "also returns received, failed or cancelled")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usage("labelstation return list [--all]", "return list takes no arguments")
	}
	s, closeStation, err := storeOnlyStation(g)
	if err != nil {
		return err
	}
	defer closeStation()
	rets, err := s.Returns(ctx, !*all)
	if err != nil {
		return err
	}
	if g.json {
		if rets == nil {
			rets = []station.Return{}
		}
		for i := range rets {
			rets[i].Label = carrier.Label{}
		}
		return printJSON(g, rets)
	}
	if len(rets) == 0 {
		if *all {
			fmt.Fprintln(g.stdout, "no returns yet")
		} else {
			fmt.Fprintln(g.stdout, "no open returns (labelstation return list --all shows every return)")
		}
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RETURN TRACKING\tORDER\tSTATE\tREASON\tCARRIER\tCREATED\tID\tLAST ERROR")
	for _, r := range rets {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %s\t%s\t%s\t%s\n", dash(r.TrackingID()), r.OrderRef, returnState(r), dash(r.Reason),
			r.Carrier, dash(r.Service), r.Created.Local().Format("2006-01-02 15:04"), r.ID, r.LastError)
	}
	return tw.Flush()
}

func returnSync(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("return sync", g)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usage("labelstation return sync", "return sync takes no arguments")
	}
	b, err := openBench(ctx, g, overrides{noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	rep, err := b.station.SyncReturns(ctx)
	if err != nil {
		return err
	}
	if g.json {
		if err := printJSON(g, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "asked about %s: %d changed, %d received\n", plural(rep.Checked, "return", "returns"), rep.Changed, rep.Received)
	}
	if len(rep.Errors) > 0 {
		return &station.Problem{Msg: "return tracking: " + strings.Join(rep.Errors, "; "),
			Hint: "check the network and the carrier settings, then run labelstation return sync again"}
	}
	return nil
}

func returnReprint(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("return reprint", g)
	printerURI := fs.String("printer", "", "printer URI (default: the config's)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage("labelstation return reprint TRACKING|ORDER-REF", "return reprint takes one return tracking number or order reference")
	}
	b, err := openBench(ctx, g, overrides{printer: *printerURI, noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	res, err := b.station.ReprintReturn(ctx, pos[0], nil)
	if err != nil {
		return err
	}
	if g.json {
		res.Return.Label = carrier.Label{}
		return printJSON(g, res)
	}
	fmt.Fprintf(g.stdout, "reprinted the return label of %s: return tracking %s, took %d ms\n", res.Return.OrderRef, res.Return.TrackingID(), res.Took.Milliseconds())
	return nil
}

// returnState is a return's state in words.
func returnState(r station.Return) string {
	s := strings.ReplaceAll(string(r.State), "_", " ")
	if r.State == "received" && r.ReceivedBy != "" {
		s += " (" + r.ReceivedBy + ")"
	}
	return s
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func addressLine(a carrier.Address) string {
	var parts []string
	for _, p := range []string{a.Name, strings.TrimSpace(a.Postcode + " " + a.City), a.Country} {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

func carrierWord(name string) string {
	switch name {
	case "postnord":
		return "PostNord"
	case "stg":
		return "STG"
	}
	return name
}
