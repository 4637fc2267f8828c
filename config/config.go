// Package config owns the station's settings: the TOML file (in the OS
// config directory or --config FILE), the documented demo defaults used
// when there is none, and the environment overrides. With no settings at
// all the station runs against the in-process PostNord sandbox, so a fresh
// install can pack its first parcel.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"labelstation/carrier"
)

// Config is everything the config file may say.
type Config struct {
	// DataDir holds the bbolt file and the preview labels.
	DataDir string `toml:"data_dir,omitempty"`

	PostNord  PostNord  `toml:"postnord"`
	Consignor Consignor `toml:"consignor"`
	Station   Station   `toml:"station"`
	// IDSeries are the item id ranges the carrier allotted to the
	// consignor, for labels the station numbers itself.
	IDSeries []IDSeries `toml:"id_series"`
	Outbox   Outbox     `toml:"outbox"`
	Tracking Tracking   `toml:"tracking"`
	KPI      KPI        `toml:"kpi"`
}

// IDSeries is one [[id_series]] table: an SSCC range (extension digit +
// GS1 company prefix) or an S10 range (service indicator + country), by
// serial number.
type IDSeries struct {
	Name          string `toml:"name"`
	Kind          string `toml:"kind"` // sscc or s10
	Extension     int    `toml:"extension,omitempty"`
	CompanyPrefix string `toml:"company_prefix,omitempty"`
	Service       string `toml:"service,omitempty"`
	Country       string `toml:"country,omitempty"`
	First         uint64 `toml:"first"`
	Last          uint64 `toml:"last"`
}

// PostNord is the carrier connection. An empty URL (or "sandbox") runs the
// in-process sandbox: the demo mode.
type PostNord struct {
	URL    string `toml:"url"`
	APIKey string `toml:"apikey"`
	// ClientID and ClientSecret are OAuth2 client credentials for the
	// APIs that declare them (Track & Trace by reference). Keep the
	// secret out of the file: LABELSTATION_POSTNORD_CLIENT_SECRET wins.
	ClientID     string `toml:"client_id,omitempty"`
	ClientSecret string `toml:"client_secret,omitempty"`
	// LabelType is "standard" (105×190 mm, default) or "small" (105×75 mm).
	LabelType string `toml:"label_type,omitempty"`
	// Locale is the language of PostNord's notifications and tracking
	// texts: sv, da, no, fi or en (default en).
	Locale string `toml:"locale,omitempty"`
}

// Consignor is the merchant shipping the parcels.
type Consignor struct {
	Name           string `toml:"name"`
	Street1        string `toml:"street1"`
	Street2        string `toml:"street2,omitempty"`
	Postcode       string `toml:"postcode"`
	City           string `toml:"city"`
	Country        string `toml:"country"`
	Phone          string `toml:"phone,omitempty"`
	Email          string `toml:"email,omitempty"`
	CustomerNumber string `toml:"customer_number"`
	IssuerCode     string `toml:"issuer_code"`
	// Customs registrations, for shipments that leave the EU (Norway).
	VATNumber string `toml:"vat_number,omitempty"`
	EORI      string `toml:"eori,omitempty"`
	VOEC      string `toml:"voec,omitempty"` // Norwegian VAT On E-Commerce number
}

// Outbox is the [outbox] table: how queued bookings are sent, and what the
// bench prints while the carrier cannot be reached.
type Outbox struct {
	// OfflineSeries names the [[id_series]] offline labels are numbered
	// from; "" means no offline labels (parcels wait for the network).
	OfflineSeries string `toml:"offline_series,omitempty"`
	// Concurrency bounds the bookings sent at once when the queue drains
	// (default 4).
	Concurrency int `toml:"concurrency,omitempty"`
	// LookupGrace is how long after a lost answer the station waits before
	// it trusts the carrier's "no such booking" and sends again, e.g. "2m"
	// (default 2m; the demo uses 0).
	LookupGrace string `toml:"lookup_grace,omitempty"`
}

// Tracking is the [tracking] table: how the station asks the carrier's
// Track & Trace about open parcels.
type Tracking struct {
	// Concurrency bounds the look-ups at once (default 4).
	Concurrency int `toml:"concurrency,omitempty"`
	// DailyCap bounds the look-ups per calendar day (default 20000), so a
	// large backlog cannot exhaust the API key's quota.
	DailyCap int `toml:"daily_cap,omitempty"`
}

// KPI is the [kpi] table: the dashboard's thresholds. Thresholds maps a
// KPI key to its warn and critical levels, e.g.
// on_time_delivery_rate = [92.0, 90.0]; unset keys keep the audit
// profile's defaults.
type KPI struct {
	Thresholds map[string][2]float64 `toml:"thresholds,omitempty"`
}

// DefaultLookupGrace is used when [outbox] lookup_grace is not set: PostNord
// may take a moment to show a booking in Track & Trace.
const DefaultLookupGrace = 2 * time.Minute

// LookupGraceDuration is LookupGrace parsed (Validate has checked it).
func (c Config) LookupGraceDuration() time.Duration {
	if c.Outbox.LookupGrace == "" {
		if c.Demo() {
			return 0
		}
		return DefaultLookupGrace
	}
	d, _ := time.ParseDuration(c.Outbox.LookupGrace)
	return d
}

// Station is the bench's own hardware and defaults.
type Station struct {
	Printer        string `toml:"printer"` // printer URI; "" = preview files in DATA/labels
	Scale          string `toml:"scale"`   // scale URI; "" = none (weights typed)
	DefaultService string `toml:"default_service"`
	LabelFormat    string `toml:"label_format"` // zpl or pdf
}

// Demo values: documented in the README. The customer number is the
// sandbox's; a real one comes from the PostNord agreement.
const (
	DemoAPIKey         = "demo-key"
	DemoCustomerNumber = "20876966"
	DemoScale          = "sim://?weight=1.25kg"
	DemoVOEC           = "2031001"
	DemoSeries         = "demo-sscc"
)

// Default returns the demo settings used when no config file exists.
func Default() Config {
	return Config{
		PostNord: PostNord{URL: "", APIKey: DemoAPIKey},
		Consignor: Consignor{
			Name: "Demo Webshop AB", Street1: "Lagergatan 12", Postcode: "41505", City: "Göteborg",
			Country: "SE", Phone: "+46311234567", Email: "lager@demo-webshop.example",
			CustomerNumber: DemoCustomerNumber, IssuerCode: "Z12",
			VATNumber: "SE556677889901", EORI: "SE5566778899", VOEC: DemoVOEC,
		},
		Station: Station{Scale: DemoScale, DefaultService: "19", LabelFormat: "zpl"},
	}
}

// WithDemoSeries gives a demo station (sandbox carrier) that names no id
// series a made-up one for offline labels, so the offline flow can be
// tried out of the box. A station with a real carrier never gets it: its
// ids must come from the carrier's allotment.
func (c Config) WithDemoSeries() Config {
	if c.Demo() && len(c.IDSeries) == 0 && c.Outbox.OfflineSeries == "" {
		// Not the sandbox's own company prefix, so the two never meet.
		c.IDSeries = []IDSeries{{Name: DemoSeries, Kind: "sscc", Extension: 3, CompanyPrefix: "7350099", First: 1, Last: 999999}}
		c.Outbox.OfflineSeries = DemoSeries
	}
	return c
}

// Demo reports whether the station talks to the in-process sandbox.
func (c Config) Demo() bool {
	u := strings.TrimSpace(strings.ToLower(c.PostNord.URL))
	return u == "" || u == "sandbox"
}

// CarrierConsignor is the consignor in the neutral model.
func (c Config) CarrierConsignor() carrier.Consignor {
	k := c.Consignor
	return carrier.Consignor{
		Address: carrier.Address{Name: k.Name, Street1: k.Street1, Street2: k.Street2, Postcode: k.Postcode,
			City: k.City, Country: k.Country, Phone: k.Phone, Email: k.Email},
		CustomerNumber: k.CustomerNumber, IssuerCode: k.IssuerCode,
		Customs: carrier.CustomsIDs{VATNumber: k.VATNumber, EORI: k.EORI, VOEC: k.VOEC},
	}
}

// DefaultPath is the config file looked for when --config is not given.
func DefaultPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "labelstation", "config.toml")
}

// DefaultDataDir is the OS user data directory for labelstation:
// $XDG_DATA_HOME or ~/.local/share on Linux, %LocalAppData% on Windows,
// ~/Library/Application Support on macOS.
func DefaultDataDir() string {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "labelstation")
		}
	case "darwin":
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, "Library", "Application Support", "labelstation")
		}
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "labelstation")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "labelstation")
	}
	return "labelstation-data"
}

// Load reads the config file at path over the defaults. An explicit path
// must exist; the default path may be absent. Environment variables
// LABELSTATION_POSTNORD_URL and LABELSTATION_POSTNORD_APIKEY win over both.
func Load(path string, explicit bool) (Config, error) {
	c := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist) && !explicit:
		case err != nil:
			return c, fmt.Errorf("read config: %w", err)
		default:
			dec := toml.NewDecoder(strings.NewReader(string(data)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&c); err != nil {
				var de *toml.DecodeError
				if errors.As(err, &de) {
					row, col := de.Position()
					return c, fmt.Errorf("config %s line %d column %d: %s", path, row, col, de.Error())
				}
				var sm *toml.StrictMissingError
				if errors.As(err, &sm) {
					var keys []string
					for _, e := range sm.Errors {
						row, _ := e.Position()
						keys = append(keys, fmt.Sprintf("%s (line %d)", strings.Join(e.Key(), "."), row))
					}
					return c, fmt.Errorf("config %s: unknown setting %s: check the spelling against the README", path, strings.Join(keys, ", "))
				}
				return c, fmt.Errorf("config %s: %w", path, err)
			}
		}
	}
	if v, ok := os.LookupEnv("LABELSTATION_POSTNORD_URL"); ok {
		c.PostNord.URL = v
	}
	if v, ok := os.LookupEnv("LABELSTATION_POSTNORD_APIKEY"); ok {
		c.PostNord.APIKey = v
	}
	if v, ok := os.LookupEnv("LABELSTATION_POSTNORD_CLIENT_SECRET"); ok {
		c.PostNord.ClientSecret = v
	}
	return c, c.Validate()
}

// Validate checks what the station cannot run without.
func (c Config) Validate() error {
	var missing []string
	if !c.Demo() && c.PostNord.APIKey == "" {
		missing = append(missing, "postnord.apikey (or LABELSTATION_POSTNORD_APIKEY)")
	}
	for name, v := range map[string]string{"consignor.name": c.Consignor.Name, "consignor.postcode": c.Consignor.Postcode,
		"consignor.city": c.Consignor.City, "consignor.country": c.Consignor.Country, "consignor.customer_number": c.Consignor.CustomerNumber} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("config is missing %s", strings.Join(missing, ", "))
	}
	if c.PostNord.ClientID != "" && c.PostNord.ClientSecret == "" {
		return fmt.Errorf("config postnord.client_id is set but the client secret is missing: set LABELSTATION_POSTNORD_CLIENT_SECRET")
	}
	if t := c.PostNord.LabelType; t != "" && t != "standard" && t != "small" {
		return fmt.Errorf("config postnord.label_type is %q: use standard or small", t)
	}
	if name := c.Outbox.OfflineSeries; name != "" {
		found := false
		for _, ser := range c.IDSeries {
			found = found || ser.Name == name
		}
		if !found {
			return fmt.Errorf("config outbox.offline_series is %q, but no [[id_series]] has that name", name)
		}
	}
	if c.Outbox.Concurrency < 0 || c.Outbox.Concurrency > 64 {
		return fmt.Errorf("config outbox.concurrency is %d: use 1 to 64 (default 4)", c.Outbox.Concurrency)
	}
	if g := c.Outbox.LookupGrace; g != "" {
		if d, err := time.ParseDuration(g); err != nil || d < 0 {
			return fmt.Errorf("config outbox.lookup_grace is %q: write a duration such as \"2m\" or \"0s\"", g)
		}
	}
	if c.Tracking.Concurrency < 0 || c.Tracking.Concurrency > 64 {
		return fmt.Errorf("config tracking.concurrency is %d: use 1 to 64 (default 4)", c.Tracking.Concurrency)
	}
	if c.Tracking.DailyCap < 0 {
		return fmt.Errorf("config tracking.daily_cap is %d: use a positive number (default 20000)", c.Tracking.DailyCap)
	}
	if f := c.Station.LabelFormat; f != "" && f != "zpl" && f != "pdf" {
		return fmt.Errorf("config station.label_format is %q: use zpl or pdf", f)
	}
	return nil
}
