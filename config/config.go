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
	"reflect"
	"runtime"
	"slices"
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

	// STG is the second carrier; enabled when its url is set (and in
	// demo mode, against an in-process sandbox).
	STG STG `toml:"stg"`
	// Carriers map order service codes to carriers, by registry name:
	// [carriers.stg] services = ["HOME", "PICKUP", "EXPRESS"].
	Carriers map[string]CarrierRouting `toml:"carriers,omitempty"`
	// Pricing is the contract price table of a carrier that quotes no
	// prices (PostNord), for the rate comparison.
	Pricing Pricing `toml:"pricing"`
	// Rules are the shipping rules that preselect a rate, tried in order.
	Rules []Rule `toml:"rules,omitempty"`
	// Orders says where the bench finds orders besides `orders import`.
	Orders Orders `toml:"orders"`
	// WMS is the way back to the warehouse system: webhooks.
	WMS WMS `toml:"wms"`
	// Notify is how the station's messages to receivers and staff go
	// out; the rules and templates themselves are kept in the data file.
	Notify Notify `toml:"notify"`
	// Secrets says where the station keeps its secrets (config/secrets.go).
	Secrets Secrets `toml:"secrets,omitempty"`
	// Fleet makes the bench one of a site's benches, sharing orders,
	// shipments and the dashboard through the site's PostgreSQL
	// (config/fleet.go); off while postgres_url is empty.
	Fleet Fleet `toml:"fleet"`
}

// Notify is the [notify] table.
type Notify struct {
	// ShopName signs the messages (default: the consignor's name).
	ShopName string `toml:"shop_name,omitempty"`
	// Logo is a PNG file shown at the top of HTML e-mails (default: the
	// station's icon).
	Logo string `toml:"logo,omitempty"`
	// QuietHours holds messages made in this window until it ends, e.g.
	// "21:00-08:00" (the default); "off" sends at any hour.
	QuietHours string `toml:"quiet_hours,omitempty"`
	// HoldDays is how long a service point keeps a parcel (default 7).
	HoldDays int `toml:"hold_days,omitempty"`
	// TrackingURLs are the receivers' tracking links by carrier, with
	// {tracking_number}.
	TrackingURLs map[string]string `toml:"tracking_urls,omitempty"`
	Email        NotifyEmail       `toml:"email"`
	SMS          NotifySMS         `toml:"sms"`
}

// NotifyEmail is [notify.email]: the SMTP server. Keep the password out
// of the file: LABELSTATION_SMTP_PASSWORD wins.
type NotifyEmail struct {
	Host     string `toml:"host,omitempty"` // "" : no e-mail (in demo mode: files in DATA/messages)
	Port     int    `toml:"port,omitempty"`
	Security string `toml:"security,omitempty"` // starttls (default), tls or none
	Username string `toml:"username,omitempty"`
	Password string `toml:"password,omitempty"`
	From     string `toml:"from,omitempty"` // "Shop <shop@example.com>"
	ReplyTo  string `toml:"reply_to,omitempty"`
	Timeout  string `toml:"timeout,omitempty"`
}

// NotifySMS is [notify.sms]: the SMS gateway. Keep the password out of
// the file: LABELSTATION_SMS_PASSWORD wins.
type NotifySMS struct {
	Provider string `toml:"provider,omitempty"` // "46elks" or "custom"; "" : no SMS (in demo mode: files)
	URL      string `toml:"url,omitempty"`
	Username string `toml:"username,omitempty"`
	Password string `toml:"password,omitempty"`
	From     string `toml:"from,omitempty"`
	// Custom gateways: the request.
	Method      string            `toml:"method,omitempty"`
	ContentType string            `toml:"content_type,omitempty"` // form or json
	Fields      map[string]string `toml:"fields,omitempty"`
	Headers     map[string]string `toml:"headers,omitempty"`
	Timeout     string            `toml:"timeout,omitempty"`
}

// Order sources of [orders] source.
const (
	OrderSourceLocal  = "local"  // only what `orders import` stored
	OrderSourceHTTP   = "http"   // look an unknown order up in the WMS
	OrderSourceFolder = "folder" // import order files dropped in a folder
)

// Orders is the [orders] table.
type Orders struct {
	// Source is local (default), http or folder.
	Source string       `toml:"source,omitempty"`
	HTTP   OrdersHTTP   `toml:"http"`
	Folder OrdersFolder `toml:"folder"`
}

// OrdersHTTP is [orders.http]: the WMS's order lookup.
type OrdersHTTP struct {
	// URL is a template with {ref}, e.g. https://wms.example/api/orders/{ref}.
	URL string `toml:"url,omitempty"`
	// Timeout bounds one lookup, e.g. "5s" (default 5s).
	Timeout string `toml:"timeout,omitempty"`
	// Headers are sent with every lookup; ${NAME} in a value is replaced
	// by the environment variable NAME, so a token stays out of the file.
	Headers map[string]string `toml:"headers,omitempty"`
	// Mapping maps our order fields to paths in the WMS's JSON. Keys may
	// be quoted ("receiver.name" = …) or written as TOML tables
	// (receiver.name = … makes a nested table); FlatMapping reads both.
	Mapping map[string]any `toml:"mapping,omitempty"`
}

// FlatMapping returns Mapping with nested tables joined by dots:
// {"receiver": {"name": "shipTo.name"}} → {"receiver.name": "shipTo.name"}.
func (h OrdersHTTP) FlatMapping() (map[string]string, error) {
	out := map[string]string{}
	var walk func(prefix string, m map[string]any) error
	walk = func(prefix string, m map[string]any) error {
		for k, v := range m {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			switch v := v.(type) {
			case string:
				out[key] = v
			case map[string]any:
				if err := walk(key, v); err != nil {
					return err
				}
			default:
				return fmt.Errorf("config orders.http.mapping.%s is %v: give the WMS's JSON path as a string, e.g. \"shipTo.name\"", key, v)
			}
		}
		return nil
	}
	return out, walk("", h.Mapping)
}

// OrdersFolder is [orders.folder]: the watched folder.
type OrdersFolder struct {
	Path string `toml:"path,omitempty"`
	// Settle is how long a file must stay unchanged before it is read
	// (default 2s); Poll how often the folder is looked at (default 1s).
	Settle string `toml:"settle,omitempty"`
	Poll   string `toml:"poll,omitempty"`
}

// WMS is the [wms] table.
type WMS struct {
	Webhooks Webhooks `toml:"webhooks"`
}

// Webhooks is [wms.webhooks]. Keep the secret out of the file:
// LABELSTATION_WMS_WEBHOOK_SECRET wins.
type Webhooks struct {
	URL    string `toml:"url,omitempty"`
	Secret string `toml:"secret,omitempty"`
	// Events limits the event types sent; empty sends all.
	Events       []string `toml:"events,omitempty"`
	IncludeLabel bool     `toml:"include_label,omitempty"`
	Timeout      string   `toml:"timeout,omitempty"`
	Concurrency  int      `toml:"concurrency,omitempty"`
}

// Duration parses a duration setting (Validate has checked it), or def
// when it is empty.
func Duration(v string, def time.Duration) time.Duration {
	if strings.TrimSpace(v) == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def
	}
	return d
}

// ExpandEnv replaces ${NAME} in v by the environment variable NAME. It
// returns the names that are not set.
func ExpandEnv(v string) (string, []string) {
	var missing []string
	out := os.Expand(v, func(name string) string {
		val, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return val
	})
	return out, missing
}

// STG is the [stg] table. Keep the secret out of the file:
// LABELSTATION_STG_CLIENT_SECRET wins.
type STG struct {
	URL          string `toml:"url,omitempty"`
	ClientID     string `toml:"client_id,omitempty"`
	ClientSecret string `toml:"client_secret,omitempty"`
}

// STGEnabled reports whether the station ships with STG: its url is set,
// or the station runs in demo mode (then against a sandbox).
func (c Config) STGEnabled() bool { return strings.TrimSpace(c.STG.URL) != "" || c.Demo() }

// STGSandbox reports whether STG is the in-process sandbox: url
// "sandbox", or no url in demo mode.
func (c Config) STGSandbox() bool {
	u := strings.TrimSpace(strings.ToLower(c.STG.URL))
	return u == "sandbox" || (u == "" && c.Demo())
}

// CarrierRouting is one [carriers.NAME] table.
type CarrierRouting struct {
	// Services are the order service codes this carrier ships: an order
	// whose service is listed goes with it.
	Services []string `toml:"services,omitempty"`
	// DefaultService is used when nothing names one of its services.
	DefaultService string `toml:"default_service,omitempty"`
}

// DefaultRouting is the routing of carriers the config does not map.
var DefaultRouting = map[string]CarrierRouting{
	"stg": {Services: []string{"HOME", "PICKUP", "EXPRESS"}, DefaultService: "HOME"},
}

// CarrierRoutings returns the [carriers.*] tables over DefaultRouting.
func (c Config) CarrierRoutings() map[string]CarrierRouting {
	out := map[string]CarrierRouting{}
	for k, v := range DefaultRouting {
		out[k] = v
	}
	for k, v := range c.Carriers {
		out[k] = v
	}
	return out
}

// Pricing is the [pricing] table: contract prices per service, weight
// band and zone (SE; nordic = DK, FI, NO; other), before VAT.
type Pricing struct {
	// Carrier is the registry name the prices are for (default postnord).
	Carrier string `toml:"carrier,omitempty"`
	// Currency of the prices (default SEK).
	Currency string `toml:"currency,omitempty"`
	// VATRate applies to every band that names none (default 0.25).
	VATRate *float64    `toml:"vat_rate,omitempty"`
	Bands   []PriceBand `toml:"bands,omitempty"`
}

// PriceBand is one [[pricing.bands]] row: a service to a zone, for a
// parcel up to MaxGrams.
type PriceBand struct {
	Service  string   `toml:"service"`
	Name     string   `toml:"name,omitempty"`
	Zone     string   `toml:"zone"` // SE, nordic or other
	MaxGrams int      `toml:"max_grams"`
	Price    float64  `toml:"price"`
	VATRate  *float64 `toml:"vat_rate,omitempty"`
}

// Price-table zones.
var pricingZones = []string{"SE", "nordic", "other"}

// DemoPricing is the made-up PostNord price table of demo mode (SEK
// before 25 % VAT): MyPack Collect (19) and MyPack Home (17).
func DemoPricing() Pricing {
	var bands []PriceBand
	add := func(service, name, zone string, rows ...[2]float64) {
		for _, r := range rows {
			bands = append(bands, PriceBand{Service: service, Name: name, Zone: zone, MaxGrams: int(r[0]), Price: r[1]})
		}
	}
	add("19", "MyPack Collect", "SE", [2]float64{1000, 59}, [2]float64{3000, 69}, [2]float64{5000, 79}, [2]float64{10000, 99}, [2]float64{20000, 139})
	add("19", "MyPack Collect", "nordic", [2]float64{1000, 129}, [2]float64{5000, 159}, [2]float64{10000, 199}, [2]float64{20000, 259})
	add("19", "MyPack Collect", "other", [2]float64{5000, 249}, [2]float64{20000, 399})
	add("17", "MyPack Home", "SE", [2]float64{1000, 79}, [2]float64{5000, 99}, [2]float64{10000, 129}, [2]float64{20000, 169})
	add("17", "MyPack Home", "nordic", [2]float64{5000, 189}, [2]float64{20000, 289})
	add("17", "MyPack Home", "other", [2]float64{5000, 289}, [2]float64{20000, 449})
	return Pricing{Carrier: "postnord", Currency: "SEK", Bands: bands}
}

// PricingOrDemo is the configured price table, or DemoPricing in demo
// mode when none is configured. A real station without [pricing] has no
// PostNord prices: the comparison says so rather than show made-up ones.
func (c Config) PricingOrDemo() Pricing {
	if len(c.Pricing.Bands) == 0 && c.Demo() {
		return DemoPricing()
	}
	return c.Pricing
}

// PricingCarrier, PricingCurrency and BandVAT apply the table's defaults.
func (p Pricing) PricingCarrier() string  { return firstOr(p.Carrier, "postnord") }
func (p Pricing) PricingCurrency() string { return firstOr(p.Currency, "SEK") }
func (p Pricing) BandVAT(b PriceBand) float64 {
	switch {
	case b.VATRate != nil:
		return *b.VATRate
	case p.VATRate != nil:
		return *p.VATRate
	}
	return 0.25
}

func firstOr(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

// Rule is one [[rules]] table: conditions (all that are given must hold)
// and a choice.
type Rule struct {
	Name string `toml:"name"`
	// Countries are destination countries, e.g. ["NO", "DK"].
	Countries []string `toml:"countries,omitempty"`
	// MinWeight and MaxWeight bound the parcel, e.g. "1kg", "500g".
	MinWeight string `toml:"min_weight,omitempty"`
	MaxWeight string `toml:"max_weight,omitempty"`
	// OrderServices match the order's service code.
	OrderServices []string `toml:"order_services,omitempty"`
	// Choose is cheapest, fastest, cheapest_by_deadline or fixed.
	Choose string `toml:"choose"`
	// WithinDays: cheapest_by_deadline takes the cheapest option that
	// arrives within this many days.
	WithinDays int `toml:"within_days,omitempty"`
	// Carrier and Service are the fixed choice.
	Carrier string `toml:"carrier,omitempty"`
	Service string `toml:"service,omitempty"`
}

// Weights returns the rule's weight bounds (Validate has checked them).
func (r Rule) Weights() (min, max carrier.Weight) {
	if r.MinWeight != "" {
		min, _ = carrier.ParseWeight(r.MinWeight)
	}
	if r.MaxWeight != "" {
		max, _ = carrier.ParseWeight(r.MaxWeight)
	}
	return min, max
}

func (r Rule) validate(i int) error {
	name := r.Name
	if name == "" {
		name = fmt.Sprintf("#%d", i+1)
	}
	for _, w := range []string{r.MinWeight, r.MaxWeight} {
		if w == "" {
			continue
		}
		if _, err := carrier.ParseWeight(w); err != nil {
			return fmt.Errorf("config rule %s: weight %q: write it like 1.5kg or 500g", name, w)
		}
	}
	switch r.Choose {
	case "cheapest", "fastest":
	case "cheapest_by_deadline":
		if r.WithinDays <= 0 {
			return fmt.Errorf("config rule %s chooses cheapest_by_deadline: give within_days", name)
		}
	case "fixed":
		if r.Carrier == "" {
			return fmt.Errorf("config rule %s chooses fixed: give carrier (and service)", name)
		}
	default:
		return fmt.Errorf("config rule %s: choose is %q: use cheapest, fastest, cheapest_by_deadline or fixed", name, r.Choose)
	}
	return nil
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
	// Name is the bench's name in webhooks and logs (default: the host name).
	Name string `toml:"name,omitempty"`
	// LogDir is where the log files go; "" is the OS log location
	// (~/.local/state/labelstation/logs, %LocalAppData%\labelstation\logs,
	// ~/Library/Logs/labelstation).
	LogDir         string `toml:"log_dir,omitempty"`
	Printer        string `toml:"printer"` // printer URI; "" = preview files in DATA/labels
	Scale          string `toml:"scale"`   // scale URI; "" = none (weights typed)
	DefaultService string `toml:"default_service"`
	LabelFormat    string `toml:"label_format"` // zpl or pdf
	// Language is the language of the station's screens and messages:
	// en, sv, da, nb or fi; "" (or "auto") follows the computer's locale.
	// Receivers' notifications keep each order's own language.
	Language string `toml:"language,omitempty"`
	// Sounds turns the bench's audible cues (a chime for a printed label,
	// a buzz for a problem) on or off; unset means on.
	Sounds *bool `toml:"sounds,omitempty"`
}

// Languages are the languages the station's screens speak, by code.
var Languages = []string{"en", "sv", "da", "nb", "fi"}

// SoundsOn says whether the audible cues are on (the default).
func (s Station) SoundsOn() bool { return s.Sounds == nil || *s.Sounds }

// Demo values: documented in the README. The customer number is the
// sandbox's; a real one comes from the PostNord agreement.
const (
	DemoAPIKey         = "demo-key"
	DemoCustomerNumber = "20876966"
	DemoScale          = "sim://?weight=1.25kg"
	DemoVOEC           = "2031001"
	DemoSeries         = "demo-sscc"
)

// dropDemoValues takes the demo's values out of a config for a real
// carrier: a real [consignor] without vat_number must not ship with the
// demo shop's VAT number (nor its address or customer number when the
// file forgot them: Validate then says what is missing), and a real
// [station] without scale must not weigh with the simulated one. A demo
// config (sandbox carrier) keeps the defaults under what it sets.
func (c *Config) dropDemoValues(data []byte) {
	if c.Demo() {
		return
	}
	var given struct {
		Consignor map[string]any `toml:"consignor"`
		Station   map[string]any `toml:"station"`
	}
	if toml.Unmarshal(data, &given) != nil {
		return // the strict decode has said what is wrong
	}
	demo := Default()
	keep := c.Consignor
	c.Consignor = Consignor{}
	cons := reflect.ValueOf(&c.Consignor).Elem()
	kept := reflect.ValueOf(keep)
	demoCons := reflect.ValueOf(demo.Consignor)
	for i := 0; i < cons.NumField(); i++ {
		key := strings.Split(cons.Type().Field(i).Tag.Get("toml"), ",")[0]
		if _, ok := given.Consignor[key]; ok || kept.Field(i).Interface() != demoCons.Field(i).Interface() {
			cons.Field(i).Set(kept.Field(i)) // the file's (or the environment's) value
		}
	}
	if _, ok := given.Station["scale"]; !ok && c.Station.Scale == demo.Station.Scale {
		c.Station.Scale = ""
	}
}

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
	c, err := Read(path, explicit)
	if err != nil {
		return c, err
	}
	return c, c.Validate()
}

// ReadFile is the config file as written, over the defaults, without the
// environment's overrides: what the settings window edits and saves, so a
// save never writes a value that came from the environment. An absent
// file gives the defaults.
func ReadFile(path string) (Config, error) {
	c, data, err := decodeFile(path, false)
	if err == nil && data != nil {
		c.dropDemoValues(data)
	}
	return c, err
}

// decodeFile decodes the file at path over the defaults, strictly, and
// returns its bytes (nil when there is no file).
func decodeFile(path string, explicit bool) (Config, []byte, error) {
	c := Default()
	var data []byte // the file, when there is one
	if path != "" {
		var err error
		data, err = os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist) && !explicit:
			data = nil
		case err != nil:
			return c, nil, fmt.Errorf("read config: %w", err)
		default:
			dec := toml.NewDecoder(strings.NewReader(string(data)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&c); err != nil {
				var de *toml.DecodeError
				if errors.As(err, &de) {
					row, col := de.Position()
					return c, nil, fmt.Errorf("config %s line %d column %d: %s", path, row, col, de.Error())
				}
				var sm *toml.StrictMissingError
				if errors.As(err, &sm) {
					var keys []string
					for _, e := range sm.Errors {
						row, _ := e.Position()
						keys = append(keys, fmt.Sprintf("%s (line %d)", strings.Join(e.Key(), "."), row))
					}
					return c, nil, fmt.Errorf("config %s: unknown setting %s: check the spelling against the README", path, strings.Join(keys, ", "))
				}
				return c, nil, fmt.Errorf("config %s: %w", path, err)
			}
		}
	}
	return c, data, nil
}

// Read is Load without Validate: the station fills the secrets from the
// secrets store (FillSecrets) before it validates.
func Read(path string, explicit bool) (Config, error) {
	c, data, err := decodeFile(path, explicit)
	if err != nil {
		return c, err
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
	if v, ok := os.LookupEnv("LABELSTATION_STG_URL"); ok {
		c.STG.URL = v
	}
	if v, ok := os.LookupEnv("LABELSTATION_STG_CLIENT_SECRET"); ok {
		c.STG.ClientSecret = v
	}
	if v, ok := os.LookupEnv("LABELSTATION_WMS_WEBHOOK_SECRET"); ok {
		c.WMS.Webhooks.Secret = v
	}
	if v, ok := os.LookupEnv("LABELSTATION_SMTP_PASSWORD"); ok {
		c.Notify.Email.Password = v
	}
	if v, ok := os.LookupEnv("LABELSTATION_SMS_PASSWORD"); ok {
		c.Notify.SMS.Password = v
	}
	if v, ok := os.LookupEnv(FleetPasswordEnv); ok {
		c.Fleet.Password = v
	}
	if data != nil {
		c.dropDemoValues(data)
	}
	return c, nil
}

// Validate checks what the station cannot run without.
func (c Config) Validate() error {
	var missing []string
	if !c.Demo() && c.PostNord.APIKey == "" {
		missing = append(missing, "postnord.apikey (labelstation secret set postnord.apikey, or LABELSTATION_POSTNORD_APIKEY)")
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
		return fmt.Errorf("config postnord.client_id is set but the client secret is missing: labelstation secret set postnord.client_secret (or set LABELSTATION_POSTNORD_CLIENT_SECRET)")
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
	if l := c.Station.Language; l != "" && l != "auto" && !slices.Contains(Languages, l) {
		return fmt.Errorf("config station.language is %q: use auto, %s", l, strings.Join(Languages, ", "))
	}
	if f := c.Station.LabelFormat; f != "" && f != "zpl" && f != "pdf" {
		return fmt.Errorf("config station.label_format is %q: use zpl or pdf", f)
	}
	if c.STG.URL != "" && !c.STGSandbox() {
		if c.STG.ClientID == "" {
			return fmt.Errorf("config stg.url is set but stg.client_id is missing")
		}
		if c.STG.ClientSecret == "" {
			return fmt.Errorf("config stg.url is set but the client secret is missing: labelstation secret set stg.client_secret (or set LABELSTATION_STG_CLIENT_SECRET)")
		}
	}
	for i, b := range c.Pricing.Bands {
		if b.Service == "" || b.MaxGrams <= 0 || b.Price < 0 || !slices.Contains(pricingZones, b.Zone) {
			return fmt.Errorf("config pricing.bands #%d (%s %s %d g): give service, zone (SE, nordic or other), max_grams > 0 and price", i+1, b.Service, b.Zone, b.MaxGrams)
		}
	}
	for i, r := range c.Rules {
		if err := r.validate(i); err != nil {
			return err
		}
	}
	return c.validateWMS()
}

func (c Config) validateWMS() error {
	o := c.Orders
	switch o.Source {
	case "", OrderSourceLocal:
	case OrderSourceHTTP:
		if strings.TrimSpace(o.HTTP.URL) == "" {
			return fmt.Errorf("config orders.source is http but orders.http.url is empty: give the WMS's order URL with {ref}, e.g. https://wms.example/api/orders/{ref}")
		}
	case OrderSourceFolder:
		if strings.TrimSpace(o.Folder.Path) == "" {
			return fmt.Errorf("config orders.source is folder but orders.folder.path is empty: give the folder the WMS drops order files in")
		}
	default:
		return fmt.Errorf("config orders.source is %q: use local, http or folder", o.Source)
	}
	for key, v := range map[string]string{"orders.http.timeout": o.HTTP.Timeout, "orders.folder.settle": o.Folder.Settle,
		"orders.folder.poll": o.Folder.Poll, "wms.webhooks.timeout": c.WMS.Webhooks.Timeout,
		"notify.email.timeout": c.Notify.Email.Timeout, "notify.sms.timeout": c.Notify.SMS.Timeout} {
		if v == "" {
			continue
		}
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			return fmt.Errorf("config %s is %q: write a duration such as \"5s\"", key, v)
		}
	}
	if _, err := o.HTTP.FlatMapping(); err != nil {
		return err
	}
	if err := c.validateHeaderRefs(); err != nil {
		return err
	}
	if err := c.Secrets.Validate(); err != nil {
		return err
	}
	if err := c.Fleet.validate(c.Station); err != nil {
		return err
	}
	w := c.WMS.Webhooks
	if w.URL != "" && w.Secret == "" {
		return fmt.Errorf("config wms.webhooks.url is set but the signing secret is missing: labelstation secret set wms.webhooks.secret (or set LABELSTATION_WMS_WEBHOOK_SECRET; at least 16 characters)")
	}
	if w.Concurrency < 0 || w.Concurrency > 16 {
		return fmt.Errorf("config wms.webhooks.concurrency is %d: use 1 to 16 (default 2)", w.Concurrency)
	}
	n := c.Notify
	if n.HoldDays < 0 || n.HoldDays > 30 {
		return fmt.Errorf("config notify.hold_days is %d: use 1 to 30 (default 7)", n.HoldDays)
	}
	if n.Email.Host != "" && n.Email.From == "" {
		return fmt.Errorf("config notify.email.host is set but notify.email.from is missing: give the sender, e.g. \"Webshop <kundservice@example.com>\"")
	}
	if n.Email.Username != "" && n.Email.Password == "" {
		return fmt.Errorf("config notify.email.username is set but the password is missing: labelstation secret set notify.email.password (or set LABELSTATION_SMTP_PASSWORD)")
	}
	switch n.SMS.Provider {
	case "", "46elks", "custom":
	default:
		return fmt.Errorf("config notify.sms.provider is %q: use 46elks or custom", n.SMS.Provider)
	}
	if n.SMS.Provider != "" && n.SMS.Username != "" && n.SMS.Password == "" {
		return fmt.Errorf("config notify.sms.username is set but the password is missing: labelstation secret set notify.sms.password (or set LABELSTATION_SMS_PASSWORD)")
	}
	return nil
}
