package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/sandbox"
	"labelstation/printer"
	"labelstation/station"
)

func printJSON(g *globals, v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// storeOnlyStation is a station on the data file alone, for the commands
// that ask no carrier and print nothing (return show, track show, queue
// list, …): they work while the carrier or the printer is away. The store
// still queues the WMS's events (openStore installs the announcer).
func storeOnlyStation(g *globals) (*station.Station, func(), error) {
	st, _, err := openStore(g)
	if err != nil {
		return nil, nil, err
	}
	s := station.New(st, nil, nil, nil, station.Config{})
	return s, func() { s.Close(); st.Close() }, nil
}

func cmdSandbox(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("sandbox", g)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	apikey := fs.String("apikey", "", "the only API key accepted (default: any non-empty key)")
	latency := fs.Duration("latency", 0, "delay added to every carrier response, e.g. 300ms")
	failRate := fs.Float64("fail-rate", 0, "fraction of bookings answered 503 without booking, 0–1")
	stgListen := fs.String("stg-listen", "", "also serve the STG sandbox on this address")
	stgLatency := fs.Duration("stg-latency", 0, "delay added to every STG answer, e.g. 3s")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage("labelstation sandbox --listen 127.0.0.1:8080", "sandbox takes no arguments, got %q", pos)
	}
	if *failRate < 0 || *failRate > 1 {
		return usage("use a fraction such as 0.2", "--fail-rate %v is not between 0 and 1", *failRate)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return &station.Problem{Msg: fmt.Sprintf("cannot listen on %s: %v", *listen, err), Hint: "choose a free address with --listen HOST:PORT"}
	}
	srv := &http.Server{Handler: sandbox.New(sandbox.Options{APIKey: *apikey, Latency: *latency, FailRate: *failRate}), ReadHeaderTimeout: 5 * time.Second}
	keyNote := "any non-empty apikey"
	if *apikey != "" {
		keyNote = "apikey as given"
	}
	fmt.Fprintf(g.stdout, "labelstation sandbox: PostNord API on http://%s (%s); recorded bookings at /_sandbox/bookings\n", ln.Addr(), keyNote)
	if *stgListen != "" {
		sln, err := net.Listen("tcp", *stgListen)
		if err != nil {
			ln.Close()
			return &station.Problem{Msg: fmt.Sprintf("cannot listen on %s: %v", *stgListen, err), Hint: "choose a free address with --stg-listen HOST:PORT"}
		}
		stgSrv := &http.Server{Handler: sandbox.NewSTG(sandbox.STGOptions{Latency: *stgLatency}), ReadHeaderTimeout: 5 * time.Second}
		fmt.Fprintf(g.stdout, "labelstation sandbox: STG API on http://%s (any client id and secret); recorded bookings at /_sandbox/stg/bookings\n", sln.Addr())
		go stgSrv.Serve(sln)
		defer stgSrv.Close()
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func cmdOrders(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage("labelstation orders import FILE | labelstation orders list | labelstation orders watch [--once]", "orders needs a subcommand")
	}
	switch args[0] {
	case "import":
		fs := newFlagSet("orders import", g)
		pos, err := parseArgs(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usage("labelstation orders import orders.csv", "orders import takes one file")
		}
		return ordersImport(ctx, g, pos[0])
	case "list":
		fs := newFlagSet("orders list", g)
		if _, err := parseArgs(fs, args[1:]); err != nil {
			return err
		}
		return ordersList(ctx, g)
	case "watch":
		fs := newFlagSet("orders watch", g)
		once := fs.Bool("once", false, "look at the folder once and exit")
		if _, err := parseArgs(fs, args[1:]); err != nil {
			return err
		}
		return ordersWatch(ctx, g, *once)
	}
	return usage("labelstation orders import FILE | labelstation orders list | labelstation orders watch [--once]", "unknown orders subcommand %q", args[0])
}

func ordersImport(ctx context.Context, g *globals, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return &station.Problem{Msg: fmt.Sprintf("cannot open %s: %v", path, err), Hint: "check the file name", Err: err}
	}
	defer f.Close()
	st, cfg, err := openStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	s := station.New(st, nil, nil, nil, station.Config{Consignor: cfg.CarrierConsignor()})
	rep, err := s.ImportOrders(ctx, filepath.Base(path), f)
	if err != nil {
		return err
	}
	if g.json {
		if err := printJSON(g, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "imported %d orders from %s\n", len(rep.Imported), path)
		for _, ref := range rep.Skipped {
			fmt.Fprintf(g.stdout, "kept %s as it was: it is already shipped\n", ref)
		}
		for _, r := range rep.Rejected {
			fmt.Fprintf(g.stderr, "rejected: %s\n", r)
		}
	}
	if len(rep.Rejected) > 0 {
		return &station.Problem{
			Msg:  fmt.Sprintf("%d rows of %s were rejected; their orders were not imported", len(rep.Rejected), path),
			Hint: "correct the rows named above and import the file again; the good orders are already saved",
		}
	}
	return nil
}

func ordersList(ctx context.Context, g *globals) error {
	s, closeStation, err := storeOnlyStation(g)
	if err != nil {
		return err
	}
	defer closeStation()
	orders, err := s.Orders(ctx)
	if err != nil {
		return err
	}
	if g.json {
		if orders == nil {
			orders = []carrier.Order{}
		}
		return printJSON(g, orders)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tRECEIVER\tCITY\tSERVICE\tLINES")
	for _, o := range orders {
		fmt.Fprintf(tw, "%s\t%s\t%s %s %s\t%s\t%d\n", o.Ref, o.Receiver.Name, o.Receiver.Country, o.Receiver.Postcode, o.Receiver.City, o.Service, len(o.Lines))
	}
	return tw.Flush()
}

func cmdPack(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("pack", g)
	weight := fs.String("weight", "", "parcel weight, e.g. 1.25kg or 850g (default: read the scale)")
	scaleURI := fs.String("scale", "", "scale URI, e.g. sim://?weight=1.25kg")
	service := fs.String("service", "", "service code, e.g. 19 (default: the order's, then the config's)")
	carrierName := fs.String("carrier", "", "book with this carrier, e.g. stg (default: a shipping rule's, the order service's, then PostNord)")
	printerURI := fs.String("printer", "", "printer URI, e.g. tcp://HOST:9100 or file:///DIR")
	offline := fs.Bool("offline", false, "print a label from the offline id series now; the booking waits in the queue")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage("labelstation pack ORDER-REF --weight 1.25kg", "pack takes one order reference")
	}
	opts := station.PackOptions{Offline: *offline}
	if *weight != "" {
		if *scaleURI != "" {
			return usage("give one of them", "--weight and --scale both given")
		}
		if opts.Weight, err = carrier.ParseWeight(*weight); err != nil {
			return usage("write the weight like 1.25kg or 850g", "--weight: %v", err)
		}
		if opts.Weight <= 0 {
			return usage("write the parcel's weight, like 1.25kg", "--weight must be more than zero")
		}
	}
	opts.Service, opts.Carrier = *service, strings.ToLower(strings.TrimSpace(*carrierName))
	b, err := openBench(ctx, g, overrides{printer: *printerURI, scale: *scaleURI, noScale: opts.Weight > 0})
	if err != nil {
		return err
	}
	defer b.Close()
	res, err := b.station.Pack(ctx, pos[0], opts)
	if err != nil {
		return err
	}
	return printPackResult(g, res, "printed")
}

func printPackResult(g *globals, res station.PackResult, verb string) error {
	if g.json {
		return printJSON(g, res)
	}
	note := ""
	if res.Resumed {
		note = " (finished an interrupted earlier attempt)"
	}
	if res.Offline {
		note += " (offline label: the booking waits in the queue; labelstation queue sync sends it)"
	}
	if res.Warning != "" {
		defer fmt.Fprintf(g.stderr, "labelstation: warning: %s\n", res.Warning)
	}
	fmt.Fprintf(g.stdout, "%s %s: %s %s, tracking %s, %s, took %d ms%s\n", verb, res.OrderRef, res.Carrier, res.Service,
		res.TrackingID, res.Weight, res.Took.Milliseconds(), note)
	return nil
}

func cmdReprint(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("reprint", g)
	printerURI := fs.String("printer", "", "printer URI (default: the config's)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usage("labelstation reprint [ORDER-REF]", "reprint takes at most one order reference")
	}
	b, err := openBench(ctx, g, overrides{printer: *printerURI, noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	ref := ""
	if len(pos) == 1 {
		ref = pos[0]
	}
	res, err := b.station.Reprint(ctx, ref)
	if err != nil {
		return err
	}
	return printPackResult(g, res, "reprinted")
}

func cmdPrint(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("print", g)
	printerURI := fs.String("printer", "", "printer URI, e.g. tcp://HOST:9100")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *printerURI == "" {
		return usage("labelstation print --printer tcp://HOST:9100 label.zpl", "print needs --printer and one file")
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return &station.Problem{Msg: fmt.Sprintf("cannot read %s: %v", pos[0], err), Hint: "check the file name", Err: err}
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(pos[0])), ".")
	if format != "pdf" {
		format = "zpl"
	}
	p, err := printer.Open(*printerURI)
	if err != nil {
		return usage("printer URIs look like tcp://HOST:9100 or file:///DIR", "%v", err)
	}
	defer p.Close()
	if err := p.Print(ctx, printer.Job{Name: filepath.Base(pos[0]), Format: format, Data: data}); err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "check that the printer is on, has labels, and is reachable", Err: err}
	}
	if !g.json {
		fmt.Fprintf(g.stdout, "sent %d bytes to %s\n", len(data), p)
	}
	return nil
}

func cmdReport(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("report", g)
	date := fs.String("date", "", "the last day, YYYY-MM-DD (default: today)")
	days := fs.Int("days", 1, "the KPI window: this many days ending on --date (1, 30, 90)")
	format := fs.String("format", "", "text, json, csv or pdf (default: text, or json with --json)")
	out := fs.String("out", "", "write to this file (pdf default: report-DATE.pdf)")
	site := fs.Bool("site", false, "the site's dashboard: every bench's parcels, from the site's server (fleet mode)")
	bench := fs.String("bench", "", "with --site: one bench's parcels")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage("labelstation report --date 2026-11-22 --format csv", "report takes no arguments")
	}
	if *bench != "" && !*site {
		return usage("labelstation report --site --bench bench-3", "--bench needs --site")
	}
	day := time.Now()
	if *date != "" {
		if day, err = time.ParseInLocation("2006-01-02", *date, time.Local); err != nil {
			return usage("write the date like 2026-11-22", "--date %q is not a date", *date)
		}
	}
	if *days < 1 || *days > 400 {
		return usage("labelstation report --days 30", "--days %d: use 1 to 400", *days)
	}
	f := *format
	if f == "" {
		f = "text"
		if g.json {
			f = "json"
		}
	}
	if f != "text" && f != "json" && f != "csv" && f != "pdf" {
		return usage("use --format text, json, csv or pdf", "unknown report format %q", f)
	}
	if *site {
		return siteReport(ctx, g, day, *days, strings.TrimSpace(*bench), f, *out)
	}
	st, cfg, err := openStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := station.New(st, nil, nil, nil, station.Config{KPIThresholds: cfg.KPI.Thresholds}).DailyReport(ctx, day, *days)
	if err != nil {
		return err
	}
	if f == "pdf" {
		b, err := rep.PDF()
		if err != nil {
			return err
		}
		path := *out
		if path == "" {
			path = "report-" + day.Format("2006-01-02") + ".pdf"
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return &station.Problem{Msg: fmt.Sprintf("write the report: %v", err), Hint: "choose another file with --out", Err: err}
		}
		fmt.Fprintf(g.stdout, "wrote %s: parcels booked %s … %s, %d shipments, %d problem parcels\n",
			path, rep.KPI.From, rep.KPI.To, rep.KPI.Shipments, rep.KPI.ProblemsTotal)
		return nil
	}
	w := g.stdout
	if *out != "" {
		fh, err := os.Create(*out)
		if err != nil {
			return &station.Problem{Msg: fmt.Sprintf("write the report: %v", err), Hint: "choose another file with --out", Err: err}
		}
		defer fh.Close()
		w = fh
	}
	switch f {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		return rep.WriteCSV(w)
	}
	return rep.WriteText(w)
}
