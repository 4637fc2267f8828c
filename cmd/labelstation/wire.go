package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/carrier/stg"
	"labelstation/config"
	"labelstation/fleet"
	"labelstation/printer"
	"labelstation/scale"
	"labelstation/station"
	"labelstation/store"
)

// bench is a wired station and what must be closed after it.
type bench struct {
	logs    *logSink // the process's log file, redacted
	cfg     config.Config
	dataDir string
	store   *store.Store
	station *station.Station
	// site is the site's server in fleet mode; nil when it is off.
	site    *fleet.Site
	closers []func() error
}

func (b *bench) Close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
}

// overrides are per-command choices that win over the config.
type overrides struct {
	printer string
	scale   string
	noScale bool // the weight is given; do not open the scale
}

// applyFlags lets --postnord-url and --postnord-apikey win over the
// environment and the file.
func (g *globals) applyFlags(cfg *config.Config) {
	if g.postnordURL != "" {
		cfg.PostNord.URL = g.postnordURL
	}
	if g.postnordKey != "" {
		cfg.PostNord.APIKey = g.postnordKey
	}
}

func loadConfig(g *globals) (config.Config, error) {
	path, explicit := configFile(g)
	cfg, err := config.Read(path, explicit)
	if err == nil {
		g.applyFlags(&cfg)
		// After the flags (they decide which secrets are used), before
		// Validate (which names a secret the store does not hold either).
		st, serr := fillSecrets(g, &cfg, path)
		if serr != nil {
			return cfg, serr
		}
		g.secrets = st
		err = cfg.Validate()
	}

	if err != nil {
		return cfg, &station.Problem{Msg: err.Error(), Hint: "fix the config file, or run without --config to use the demo settings", Err: err}
	}
	// After the overrides: only a station on the in-process sandbox gets
	// the made-up demo series.
	cfg = cfg.WithDemoSeries()
	g.loaded = &cfg
	return cfg, nil
}

func (g *globals) resolveDataDir(cfg config.Config) string {
	switch {
	case g.dataDir != "":
		return g.dataDir
	case cfg.DataDir != "":
		return cfg.DataDir
	}
	return config.DefaultDataDir()
}

// openStore opens the data file only: for commands that need no carrier.
func openStore(g *globals) (*store.Store, config.Config, error) {
	cfg, err := loadConfig(g)
	if err != nil {
		return nil, cfg, err
	}
	st, err := openStoreWith(g, cfg)
	return st, cfg, err
}

// openStoreWith opens the data file of cfg (loaded by loadConfig).
func openStoreWith(g *globals, cfg config.Config) (*store.Store, error) {
	dir := g.resolveDataDir(cfg)
	st, err := store.Open(dir, store.Options{LockTimeout: time.Second})
	if errors.Is(err, store.ErrLocked) {
		hint := "close the other labelstation window (or wait for its command to finish), or use another --data directory"
		if cfg.Fleet.On() {
			// A headless bench holds its file for as long as it runs.
			hint = "close the other labelstation window or stop labelstation fleet run on this bench (or wait for the other command to finish), or use another --data directory"
		}
		return nil, &station.Problem{Msg: err.Error(), Hint: hint, Err: err}
	}
	if errors.Is(err, store.ErrCannotWrite) {
		// Opening writes (the schema version), so a full or read-only disk
		// stops every command here, before anything is booked or printed.
		return nil, &station.Problem{Msg: err.Error(), Hint: "nothing was booked or printed and everything saved earlier is kept; free space on the disk of " + dir + " (or make it writable), then run the command again", Err: err}
	}
	if err != nil {
		return st, err
	}
	// On a site, every change the server mirrors is marked in its own
	// commit from now on, whichever command makes it.
	if err := enableReplication(g, st, cfg); err != nil {
		st.Close()
		return nil, err
	}
	// Every command that records a fact (a booking, a status, a return)
	// queues the WMS's event and the notification rules' messages in the
	// same commit; the GUI, `webhooks sync` and `notify sync` send them.
	n, err := openNotifications(st, cfg, dir)
	if err == nil {
		err = installAnnouncers(st, cfg, n)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	g.notes = n
	return st, nil
}

// openBench wires the whole station.
func openBench(ctx context.Context, g *globals, o overrides) (*bench, error) {
	st, cfg, err := openStore(g)
	if err != nil {
		return nil, err
	}
	b := &bench{cfg: cfg, dataDir: g.resolveDataDir(cfg), store: st}
	b.closers = append(b.closers, st.Close)
	b.logs = openLogs(g, cfg)
	b.closers = append(b.closers, b.logs.Close)
	fail := func(err error) (*bench, error) { b.Close(); return nil, err }

	carriers, carrierName, err := b.openCarriers()
	if err != nil {
		return fail(err)
	}

	printerURI := firstSet(o.printer, cfg.Station.Printer, previewPrinterURI(b.dataDir))
	p, err := printer.Open(printerURI)
	if err != nil {
		return fail(&station.Problem{Msg: err.Error(), Hint: "printer URIs look like tcp://HOST:9100 or file:///DIR", Err: err})
	}
	b.closers = append(b.closers, p.Close)

	var sc scale.Scale
	scaleURI := firstSet(o.scale, cfg.Station.Scale)
	if scaleURI != "" && !o.noScale {
		sc, err = scale.Open(scaleURI)
		if err != nil {
			return fail(&station.Problem{Msg: err.Error(), Hint: "check the scale URI (for example sim://?weight=1.25kg), or give the weight with --weight", Err: err})
		}
		b.closers = append(b.closers, sc.Close)
	}

	lookup, err := orderLookup(cfg, g.secrets)
	if err != nil {
		return fail(err)
	}
	site, err := b.openSite(g)
	if err != nil {
		return fail(err)
	}
	b.station = station.New(st, carriers[0], p, sc, station.Config{
		OrderLookup:      lookup,
		Webhooks:         webhookConfig(cfg),
		Notify:           g.notes.stationConfig(),
		Logger:           b.logs.Logger(),
		Carriers:         carriers[1:],
		CarrierProfiles:  carrierProfiles(cfg),
		Prices:           priceTable(cfg),
		Rules:            shippingRules(cfg),
		Consignor:        cfg.CarrierConsignor(),
		DefaultService:   cfg.Station.DefaultService,
		LabelFormat:      carrier.LabelFormat(cfg.Station.LabelFormat),
		CarrierName:      carrierName,
		ScaleURI:         scaleURI,
		OfflineSeries:    cfg.Outbox.OfflineSeries,
		SyncConcurrency:  cfg.Outbox.Concurrency,
		LookupGrace:      cfg.LookupGraceDuration(),
		TrackConcurrency: cfg.Tracking.Concurrency,
		TrackDailyCap:    cfg.Tracking.DailyCap,
		KPIThresholds:    cfg.KPI.Thresholds,
		Fleet:            fleetConfig(cfg, site),
	})
	// A scale chosen in the settings at run time is the station's to close.
	b.closers = append(b.closers, b.station.Close)
	if err := defineSeries(ctx, b.station, cfg); err != nil {
		return fail(err)
	}
	return b, nil
}

// defineSeries records the config's id series in the store. Redefining a
// series at every start is harmless: ids handed out stay used.
func defineSeries(ctx context.Context, st *station.Station, cfg config.Config) error {
	for _, c := range cfg.IDSeries {
		if err := st.DefineSeries(ctx, station.SeriesConfig{Name: c.Name, Kind: c.Kind, Extension: c.Extension,
			CompanyPrefix: c.CompanyPrefix, Service: c.Service, Country: c.Country, First: c.First, Last: c.Last}); err != nil {
			return err
		}
	}
	return nil
}

// carrierOpeners are the station's carriers, one line each, keyed by the
// config section that enables them; the first is the primary (the
// default for every parcel, and the one offline labels are numbered for).
// Adding a third carrier is one new package under carrier/ (implementing
// carrier.Carrier, and carrier.Quoter or a [pricing] table for rates), its
// config table, and one line here.
var carrierOpeners = []struct {
	section string
	open    func(b *bench) (carrier.Carrier, string, error) // nil carrier: not configured
}{
	{"postnord", (*bench).openCarrier},
	{"stg", (*bench).openSTG},
}

// openCarriers opens every configured carrier, the primary first, and
// names them for the status bar.
func (b *bench) openCarriers() ([]carrier.Carrier, string, error) {
	var out []carrier.Carrier
	var names []string
	for _, o := range carrierOpeners {
		c, name, err := o.open(b)
		if err != nil {
			return nil, "", err
		}
		if c != nil {
			out, names = append(out, c), append(names, name)
		}
	}
	if len(out) == 0 {
		return nil, "", &station.Problem{Msg: "no carrier is configured", Hint: "set [postnord] url and apikey in the config"}
	}
	return out, strings.Join(names, " + "), nil
}

// openSTG returns the STG client when [stg] url is set, or in demo mode
// against an STG sandbox started in this process next to PostNord's.
func (b *bench) openSTG() (carrier.Carrier, string, error) {
	if !b.cfg.STGEnabled() {
		return nil, "", nil
	}
	sc := b.cfg.STG
	name := "STG"
	if b.cfg.STGSandbox() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, "", fmt.Errorf("start STG demo sandbox: %w", err)
		}
		srv := &http.Server{Handler: sandbox.NewSTG(sandbox.STGOptions{}), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		b.closers = append(b.closers, srv.Close)
		sc.URL = "http://" + ln.Addr().String()
		sc.ClientID, sc.ClientSecret = firstSet(sc.ClientID, "demo-client"), firstSet(sc.ClientSecret, "demo-secret")
		name = "STG sandbox (demo)"
	} else if u, err := url.Parse(sc.URL); err != nil || u.Host == "" {
		return nil, "", &station.Problem{Msg: fmt.Sprintf("stg.url %q is not a URL", sc.URL), Hint: "write STG's base URL, e.g. https://api.stg.example"}
	} else {
		name = "STG " + u.Host
	}
	c, err := stg.New(stg.Config{BaseURL: sc.URL, ClientID: sc.ClientID, ClientSecret: sc.ClientSecret})
	if err != nil {
		return nil, "", &station.Problem{Msg: err.Error(), Hint: "check the [stg] table of the config (url, client_id; the secret comes from LABELSTATION_STG_CLIENT_SECRET)", Err: err}
	}
	return c, name, nil
}

// carrierProfiles maps order service codes to carriers ([carriers.*]).
func carrierProfiles(cfg config.Config) map[string]station.CarrierProfile {
	out := map[string]station.CarrierProfile{}
	for name, r := range cfg.CarrierRoutings() {
		out[name] = station.CarrierProfile{Services: r.Services, DefaultService: r.DefaultService}
	}
	return out
}

// priceTable is the [pricing] table (or the demo's) in station terms.
func priceTable(cfg config.Config) station.PriceTable {
	p := cfg.PricingOrDemo()
	var t station.PriceTable
	for _, b := range p.Bands {
		t = append(t, station.PriceBand{Carrier: p.PricingCarrier(), Service: b.Service, ServiceName: b.Name, Zone: b.Zone,
			MaxWeight: carrier.Weight(b.MaxGrams), Price: carrier.Money{Amount: b.Price, Currency: p.PricingCurrency()}, VATRate: p.BandVAT(b)})
	}
	return t
}

// shippingRules are the [[rules]] in station terms.
func shippingRules(cfg config.Config) []station.Rule {
	var out []station.Rule
	for i, r := range cfg.Rules {
		min, max := r.Weights()
		out = append(out, station.Rule{Name: firstSet(r.Name, fmt.Sprintf("rule %d", i+1)), Countries: r.Countries, MinWeight: min, MaxWeight: max,
			OrderServices: r.OrderServices, Choose: r.Choose, WithinDays: r.WithinDays, Carrier: r.Carrier, Service: r.Service})
	}
	return out
}

// openCarrier returns the PostNord client: against the configured host, or
// in demo mode against a sandbox started in this process on loopback, so
// the demo exercises the same HTTP client as production.
func (b *bench) openCarrier() (carrier.Carrier, string, error) {
	baseURL, key := b.cfg.PostNord.URL, b.cfg.PostNord.APIKey
	name := "PostNord"
	if b.cfg.Demo() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, "", fmt.Errorf("start demo sandbox: %w", err)
		}
		srv := &http.Server{Handler: sandbox.New(sandbox.Options{}), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		b.closers = append(b.closers, srv.Close)
		baseURL, key = "http://"+ln.Addr().String(), config.DemoAPIKey
		name = "PostNord sandbox (demo)"
	} else if u, err := url.Parse(baseURL); err != nil || u.Host == "" {
		return nil, "", &station.Problem{Msg: fmt.Sprintf("postnord.url %q is not a URL", baseURL), Hint: "use https://atapi2.postnord.com (test) or https://api2.postnord.com (production)"}
	} else {
		name = "PostNord " + u.Host
	}
	pn := b.cfg.PostNord
	c, err := postnord.New(postnord.Config{BaseURL: baseURL, APIKey: key, ClientID: pn.ClientID, ClientSecret: pn.ClientSecret,
		LabelType: pn.LabelType, Locale: pn.Locale, ApplicationVersion: version})
	if err != nil {
		return nil, "", err
	}
	return c, name, nil
}

func firstSet(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// previewPrinterURI is the default printer: label files in the data
// directory. The path is made absolute, because in a file:// URI a
// relative --data DIR would be read as a host name.
func previewPrinterURI(dataDir string) string {
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	p := filepath.ToSlash(filepath.Join(dataDir, "labels"))
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/Users/… on Windows
	}
	return "file://" + p
}
