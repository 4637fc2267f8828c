package wms

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// Event types: the "type" of an envelope and the Labelstation-Event-Type
// header.
const (
	EventLabelCreated     = "label.created"
	EventStatusChanged    = "shipment.status_changed"
	EventReturnRegistered = "return.registered"
	EventReturnInTransit  = "return.in_transit"
	EventReturnReceived   = "return.received"
)

// EventTypes are every event type, in the order an order's life sends
// them.
var EventTypes = []string{EventLabelCreated, EventStatusChanged, EventReturnRegistered, EventReturnInTransit, EventReturnReceived}

// factEvent maps the store's facts to event types.
var factEvent = map[store.FactKind]string{
	store.FactLabelCreated:     EventLabelCreated,
	store.FactStatusChanged:    EventStatusChanged,
	store.FactReturnRegistered: EventReturnRegistered,
	store.FactReturnInTransit:  EventReturnInTransit,
	store.FactReturnReceived:   EventReturnReceived,
}

// Version is the envelope's version; it grows only when a field changes
// meaning or goes away (new fields may appear within a version).
const Version = 1

// SecretEnv is where the station reads the webhook secret from; it never
// stands in the config file.
const SecretEnv = "LABELSTATION_WMS_WEBHOOK_SECRET"

// MinSecretLen is the shortest secret Validate accepts.
const MinSecretLen = 16

// Config is the [wms.webhooks] section, plus what the station supplies.
type Config struct {
	// URL is where webhooks are POSTed; "" turns webhooks off (nothing is
	// queued, nothing is sent).
	URL string
	// Secret is the HMAC key (from env LABELSTATION_WMS_WEBHOOK_SECRET).
	// It is never logged and never part of an error.
	Secret []byte
	// Events are the event types to send; empty means all.
	Events []string
	// IncludeLabel makes label.created carry the label's bytes (base64)
	// and format.
	IncludeLabel bool
	// Station is this bench's name, sent in every payload.
	Station string
	// Timeout bounds one request; 0 means 10s.
	Timeout time.Duration
	// Concurrency is how many deliveries are in flight at once; 0 means 2.
	Concurrency int
	// MinBackoff, MaxBackoff and PollEvery tune the delivery schedule
	// (see station/outbox): the first pause after a failure (0: 2s), the
	// longest (0: 5m), and how often the background delivery looks for
	// messages without being kicked (0: 30s).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	PollEvery  time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Client sends the requests; nil means a client of its own. Redirects
	// are never followed (a POST must not turn into a GET).
	Client *http.Client
	// Logger receives delivery notes; nil means none.
	Logger *slog.Logger
}

// String shows the settings without the secret or the URL's query values
// and password, so a Config may be printed or logged.
func (c Config) String() string {
	where := "(off)"
	if c.Enabled() {
		where = redactString(c.URL)
	}
	secret := "not set"
	if len(c.Secret) > 0 {
		secret = fmt.Sprintf("set, %d bytes", len(c.Secret))
	}
	events := "all"
	if len(c.Events) > 0 {
		events = strings.Join(c.Events, ",")
	}
	return fmt.Sprintf("webhooks url=%s secret=(%s) events=%s include_label=%v station=%q timeout=%s", where, secret, events, c.IncludeLabel, c.Station, c.Timeout)
}

// LogValue keeps the secret out of structured logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Enabled reports whether webhooks are on (a URL is set).
func (c Config) Enabled() bool { return strings.TrimSpace(c.URL) != "" }

// Validate checks the settings and names the config key of each problem.
// Webhooks off (no URL) is valid whatever else is set.
func (c Config) Validate() error {
	var errs []error
	if c.Enabled() {
		u, err := url.Parse(c.URL)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("[wms.webhooks] url is not a URL: write it like https://wms.example.com/hooks/labelstation"))
		case u.Scheme != "http" && u.Scheme != "https":
			errs = append(errs, fmt.Errorf("[wms.webhooks] url %s must start with https:// (or http://)", redactURL(u)))
		case u.Host == "":
			errs = append(errs, fmt.Errorf("[wms.webhooks] url %s has no host", redactURL(u)))
		}
		switch {
		case len(c.Secret) == 0:
			errs = append(errs, fmt.Errorf("the webhook secret is not set: put it in the environment variable %s (at least %d bytes; the WMS verifies each request with it)", SecretEnv, MinSecretLen))
		case len(c.Secret) < MinSecretLen:
			errs = append(errs, fmt.Errorf("the webhook secret in %s is %d bytes, too short: use at least %d (e.g. openssl rand -hex 32)", SecretEnv, len(c.Secret), MinSecretLen))
		}
	}
	var unknown []string
	for _, e := range c.Events {
		if !knownEvent(e) {
			unknown = append(unknown, fmt.Sprintf("%q", e))
		}
	}
	if len(unknown) > 0 {
		errs = append(errs, fmt.Errorf("[wms.webhooks] events: unknown %s; known are %s", strings.Join(unknown, ", "), strings.Join(EventTypes, ", ")))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("[wms.webhooks] timeout must not be negative"))
	}
	return errors.Join(errs...)
}

func knownEvent(e string) bool {
	for _, k := range EventTypes {
		if e == k {
			return true
		}
	}
	return false
}

// wants reports whether the event type is to be sent.
func (c Config) wants(typ string) bool {
	if len(c.Events) == 0 {
		return true
	}
	for _, e := range c.Events {
		if e == typ {
			return true
		}
	}
	return false
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 2
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 2 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Envelope is every webhook's body. Times are RFC 3339 in UTC, to the
// millisecond at most.
type Envelope struct {
	// ID is the event id, the same on every resend (dedupe by it).
	ID      string `json:"id"`
	Type    string `json:"type"`
	Version int    `json:"version"`
	// Created is when the station queued the event; Occurred when the
	// fact happened (a carrier event's own time, where there is one).
	Created  time.Time `json:"created"`
	Occurred time.Time `json:"occurred"`
	Station  string    `json:"station"`
	OrderRef string    `json:"order_ref"`
	// Data is one of LabelCreated, StatusChanged or ReturnEvent, by Type.
	Data json.RawMessage `json:"data"`
}

// LabelCreated is the data of label.created: the carrier holds the
// booking.
type LabelCreated struct {
	Carrier        string    `json:"carrier"`
	Service        string    `json:"service"`
	ShipmentID     string    `json:"shipment_id"`
	TrackingNumber string    `json:"tracking_number"`
	ItemIDs        []string  `json:"item_ids"`
	TrackingURL    string    `json:"tracking_url,omitempty"`
	BookedAt       time.Time `json:"booked_at"`
	WeightG        int64     `json:"weight_g"`
	// OfflineLabel: the parcel left with a label the station rendered
	// from the consignor's own id series while the carrier could not be
	// reached; this event comes when the carrier got the booking.
	OfflineLabel bool `json:"offline_label"`
	// Label is present only with include_label.
	Label *Label `json:"label,omitempty"`
}

// Label is a label's bytes (base64 in JSON) and format ("zpl", "pdf").
type Label struct {
	Format string `json:"format"`
	Data   []byte `json:"data"`
}

// StatusChanged is the data of shipment.status_changed.
type StatusChanged struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	// Status and PreviousStatus are normalised, the same words for every
	// carrier: created, handed_over, in_transit, awaiting_customs,
	// at_service_point, out_for_delivery, delivered, exception,
	// returned, lost, unknown.
	Status         string `json:"status"`
	PreviousStatus string `json:"previous_status"`
	// Event is the carrier event behind the change, when known.
	Event *Event `json:"event,omitempty"`
}

// Event is one carrier scan.
type Event struct {
	Time          time.Time `json:"time"`
	Code          string    `json:"code,omitempty"`
	CarrierStatus string    `json:"carrier_status,omitempty"`
	Description   string    `json:"description,omitempty"`
	Location      string    `json:"location,omitempty"`
	Country       string    `json:"country,omitempty"`
}

// ReturnEvent is the data of return.registered, return.in_transit and
// return.received.
type ReturnEvent struct {
	ReturnID               string       `json:"return_id"`
	Carrier                string       `json:"carrier"`
	Service                string       `json:"service"`
	ReturnTrackingNumber   string       `json:"return_tracking_number"`
	OutgoingTrackingNumber string       `json:"outgoing_tracking_number"`
	Reason                 string       `json:"reason"`
	Note                   string       `json:"note,omitempty"`
	Lines                  []ReturnLine `json:"lines"`
	// Labelless: the customer shows a QR code at a service point instead
	// of a printed label.
	Labelless    bool      `json:"labelless"`
	TrackingURL  string    `json:"tracking_url,omitempty"`
	RegisteredAt time.Time `json:"registered_at,omitzero"`
	InTransitAt  time.Time `json:"in_transit_at,omitzero"`
	ReceivedAt   time.Time `json:"received_at,omitzero"`
	// ReceivedBy is "carrier" (the carrier delivered it back) or "bench"
	// (a packer confirmed it); return.received only.
	ReceivedBy string `json:"received_by,omitempty"`
	// Date is the warehouse's calendar day of the receipt (station's
	// local time zone, YYYY-MM-DD); return.received only.
	Date string `json:"date,omitempty"`
	// Event is the carrier event behind the change, when known.
	Event *Event `json:"event,omitempty"`
}

// ReturnLine is one line coming back.
type ReturnLine struct {
	SKU         string `json:"sku"`
	Description string `json:"description"`
	Quantity    int    `json:"quantity"`
}

// Announcer returns the store hook that queues a webhook for each fact
// the config wants (store.SetAnnouncer). It runs inside the commit that
// records the fact, so it only builds JSON; with webhooks off (no URL) it
// queues nothing. Event ids are made from the fact alone, so a fact
// recorded twice is queued once (the store drops a known id):
//
//	label.created:<order>:<booking request id>
//	shipment.status_changed:<order>:<status>:<carrier event key, or the fact's time>
//	return.registered:<return id>   (also return.in_transit:…, return.received:…)
func Announcer(cfg Config) store.Announcer {
	cfg = cfg.withDefaults()
	return func(f store.Fact) ([]store.Message, error) {
		if !cfg.Enabled() {
			return nil, nil
		}
		m, ok, err := messageFor(cfg, f)
		if err != nil || !ok {
			return nil, err
		}
		return []store.Message{m}, nil
	}
}

// messageFor builds the message of one fact; ok=false means none (the
// type is filtered out, or the fact lacks what its event needs).
func messageFor(cfg Config, f store.Fact) (store.Message, bool, error) {
	typ, known := factEvent[f.Kind]
	if !known || !cfg.wants(typ) {
		return store.Message{}, false, nil
	}
	sh := f.Shipment
	now := cfg.Now()
	env := Envelope{Type: typ, Version: Version, Created: utc(now), Occurred: utc(f.At), Station: cfg.Station, OrderRef: sh.OrderRef}
	var data any
	switch f.Kind {
	case store.FactLabelCreated:
		env.ID = typ + ":" + sh.OrderRef + ":" + firstNonEmpty(sh.RequestID, sh.ShipmentID)
		d := LabelCreated{
			Carrier: sh.Carrier, Service: sh.Service, ShipmentID: sh.ShipmentID,
			TrackingNumber: sh.TrackingID(), ItemIDs: nonNil(sh.ItemIDs), TrackingURL: sh.TrackingURL,
			BookedAt: utc(sh.BookedAt), WeightG: int64(sh.Weight), OfflineLabel: sh.Offline,
		}
		if cfg.IncludeLabel && len(sh.Label.Data) > 0 {
			d.Label = &Label{Format: string(sh.Label.Format), Data: sh.Label.Data}
		}
		data = d
	case store.FactStatusChanged:
		key := f.At.UTC().Format(time.RFC3339Nano)
		if f.Event != nil {
			key = f.Event.Key()
		}
		env.ID = typ + ":" + sh.OrderRef + ":" + string(sh.Status) + ":" + key
		data = StatusChanged{
			Carrier: sh.Carrier, TrackingNumber: sh.TrackingID(),
			Status: string(sh.Status), PreviousStatus: string(f.Previous), Event: eventOf(f.Event),
		}
	default: // the return facts
		if f.Return == nil {
			return store.Message{}, false, nil
		}
		r := *f.Return
		env.ID = typ + ":" + r.ID
		env.OrderRef = r.OrderRef
		d := ReturnEvent{
			ReturnID: r.ID, Carrier: r.Carrier, Service: r.Service,
			ReturnTrackingNumber:   r.TrackingID(),
			OutgoingTrackingNumber: firstNonEmpty(r.OutgoingItemID, sh.TrackingID()),
			Reason:                 r.Reason, Note: r.Note, Lines: returnLines(r.Lines),
			Labelless: r.Labelless, TrackingURL: r.TrackingURL,
			RegisteredAt: utc(r.RegisteredAt), InTransitAt: utc(r.InTransitAt),
			Event: eventOf(f.Event),
		}
		if f.Kind == store.FactReturnReceived {
			at := r.ReceivedAt
			if at.IsZero() {
				at = f.At
			}
			d.ReceivedAt, d.ReceivedBy, d.Date = utc(at), r.ReceivedBy, at.Local().Format(time.DateOnly)
		} else if f.Kind == store.FactReturnRegistered {
			// A later state's time belongs to its own event (a return
			// that skipped a state is announced step by step).
			d.InTransitAt = time.Time{}
		}
		data = d
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return store.Message{}, false, fmt.Errorf("webhook %s: %w", env.ID, err)
	}
	env.Data = raw
	body, err := json.Marshal(env)
	if err != nil {
		return store.Message{}, false, fmt.Errorf("webhook %s: %w", env.ID, err)
	}
	return store.Message{
		ID: env.ID, Channel: store.ChannelWebhook, Type: typ, OrderRef: env.OrderRef,
		Body: body, State: store.MessagePending, Created: now,
	}, true, nil
}

func eventOf(e *carrier.TrackingEvent) *Event {
	if e == nil {
		return nil
	}
	return &Event{Time: utc(e.Time), Code: e.CarrierCode, CarrierStatus: e.CarrierStatus, Description: e.Description, Location: e.Location, Country: e.Country}
}

func returnLines(ls []carrier.Line) []ReturnLine {
	out := make([]ReturnLine, 0, len(ls))
	for _, l := range ls {
		out = append(out, ReturnLine{SKU: l.SKU, Description: l.Description, Quantity: l.Quantity})
	}
	return out
}

// utc is how every time leaves the station: UTC, to the millisecond (so
// any RFC 3339 parser reads it), zero kept zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// redactURL shows a URL without its password and query values, for
// errors and logs (a token in the query must not leak).
func redactURL(u *url.URL) string {
	c := *u
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		c.RawQuery = q.Encode()
	}
	c.Fragment, c.RawFragment = "", ""
	return c.Redacted()
}

// redactString is redactURL for a URL held as text.
func redactString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(the configured URL)"
	}
	return redactURL(u)
}
