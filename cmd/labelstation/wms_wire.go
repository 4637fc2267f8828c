package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"labelstation/config"
	"labelstation/secrets"
	"labelstation/station"
	"labelstation/station/ordersource"
)

// The way to and from the warehouse system: where orders come from
// ([orders]) and how the WMS hears what happened ([wms.webhooks]).

// orderLookup is the WMS's HTTP order lookup when [orders] source = "http".
func orderLookup(cfg config.Config, sec *secrets.Store) (station.OrderLookup, error) {
	if cfg.Orders.Source != config.OrderSourceHTTP {
		return nil, nil
	}
	h := cfg.Orders.HTTP
	// ${ENV} and ${secret:NAME} replaced in one pass (FillSecrets checked
	// that each resolves).
	headers, err := cfg.OrderHeaders(secretLookup(sec))
	if err != nil {
		return nil, &station.Problem{Msg: err.Error(), Hint: "labelstation secret list shows what is stored", Err: err}
	}
	mapping, err := h.FlatMapping()
	if err != nil {
		return nil, &station.Problem{Msg: err.Error(), Hint: "fix [orders.http.mapping] in the config", Err: err}
	}
	l, err := ordersource.NewHTTP(ordersource.HTTPConfig{URL: h.URL, Headers: headers, Mapping: ordersource.Mapping(mapping),
		Timeout: config.Duration(h.Timeout, ordersource.DefaultTimeout)})
	if err != nil {
		return nil, &station.Problem{Msg: err.Error(), Hint: firstSet(ordersource.HintOf(err), "fix the [orders.http] table of the config"), Err: err}
	}
	return l, nil
}

// orderFolder is the watched order folder when [orders] source = "folder".
func orderFolder(cfg config.Config, st *station.Station) (*ordersource.Folder, error) {
	if cfg.Orders.Source != config.OrderSourceFolder {
		return nil, nil
	}
	f := cfg.Orders.Folder
	folder, err := ordersource.NewFolder(ordersource.FolderConfig{Dir: f.Path,
		Settle: config.Duration(f.Settle, ordersource.DefaultSettle), Poll: config.Duration(f.Poll, ordersource.DefaultPoll)}, st)
	if err != nil {
		return nil, &station.Problem{Msg: err.Error(), Hint: firstSet(ordersource.HintOf(err), "check [orders.folder] path: the folder must exist or be creatable, and be writable"), Err: err}
	}
	return folder, nil
}

// stationName is the bench's name in webhooks: [station] name, else the
// host name.
func stationName(cfg config.Config) string {
	if n := strings.TrimSpace(cfg.Station.Name); n != "" {
		return n
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "labelstation"
}

// ordersWatch runs the watched order folder: one pass with --once, or
// until interrupted.
func ordersWatch(ctx context.Context, g *globals, once bool) error {
	st, cfg, err := openStore(g)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.Orders.Source != config.OrderSourceFolder {
		return &station.Problem{Msg: "no order folder is configured", Hint: "set [orders] source = \"folder\" and [orders.folder] path in the config"}
	}
	s := station.New(st, nil, nil, nil, station.Config{Consignor: cfg.CarrierConsignor()})
	folder, err := orderFolder(cfg, s)
	if err != nil {
		return err
	}
	if !once {
		fmt.Fprintf(g.stdout, "watching %s for order files (done/ and failed/ inside it); Ctrl+C stops\n", folder.Dir())
		folder.Run(ctx)
		return nil
	}
	// A file must be seen unchanged for the settle time before it is
	// read, so one look is several: until nothing waits any more (a file
	// still growing after half a minute is left for the next run).
	settle := config.Duration(cfg.Orders.Folder.Settle, ordersource.DefaultSettle)
	poll := min(config.Duration(cfg.Orders.Folder.Poll, ordersource.DefaultPoll), settle)
	var rep ordersource.ScanReport
	for start := time.Now(); ; {
		pass, err := folder.Scan(ctx)
		if err != nil {
			return err
		}
		rep.Imported = append(rep.Imported, pass.Imported...)
		rep.Failed = append(rep.Failed, pass.Failed...)
		rep.Deferred = append(rep.Deferred, pass.Deferred...)
		rep.Waiting = pass.Waiting
		if len(pass.Waiting) == 0 || time.Since(start) > settle+30*time.Second {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
	if g.json {
		return printJSON(g, rep)
	}
	for _, o := range rep.Imported {
		fmt.Fprintf(g.stdout, "imported %s: %d orders", o.Name, len(o.Result.Imported))
		if o.Result.Already {
			fmt.Fprintf(g.stdout, " (already imported as %s on %s)", o.Result.AlreadyName, o.Result.AlreadyAt.Local().Format("2006-01-02 15:04"))
		}
		if n := len(o.Result.Rejected); n > 0 {
			fmt.Fprintf(g.stdout, ", %d rows rejected (see %s)", n, o.MovedTo+".rejected.txt")
		}
		fmt.Fprintln(g.stdout)
	}
	for _, o := range rep.Failed {
		fmt.Fprintf(g.stdout, "failed %s: %s\n", o.Name, headLine(o.Reason))
	}
	for _, o := range rep.Deferred {
		fmt.Fprintf(g.stdout, "left for later %s: %s\n", o.Name, headLine(o.Reason))
	}
	for _, name := range rep.Waiting {
		fmt.Fprintf(g.stdout, "waiting for %s to be complete\n", name)
	}
	if len(rep.Imported)+len(rep.Failed)+len(rep.Deferred)+len(rep.Waiting) == 0 {
		fmt.Fprintln(g.stdout, "no order files in "+folder.Dir())
	}
	return nil
}

// headLine is the first line of a multi-line reason.
func headLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
