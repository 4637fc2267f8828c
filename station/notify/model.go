// Package notify owns the station's notification rules: when a parcel's
// story reaches a moment a receiver (or the shop's own staff) should hear
// about — handed to the carrier, out for delivery, waiting at a service
// point, delivered, late, returned — a rule turns it into e-mail and SMS
// in the receiver's language and the shop's own words. It owns the rules
// and templates (kept in the store as a setting), their validation (a
// template naming an unknown field is refused when saved), the triggers
// (from the facts the store records, and a sweep for the ones that are a
// matter of time), quiet hours, and rendering; the messages it makes are
// queued in the store's outgoing messages, in the commit of the fact
// behind them, once per (rule, shipment, trigger, channel, recipient).
// Sending them is notify/channel's.
package notify

import "time"

// Trigger is the moment a rule fires on.
type Trigger string

// The triggers.
const (
	// TriggerBooked: the carrier received the booking (label created).
	TriggerBooked Trigger = "booked"
	// TriggerFirstTransport: the first transport event (handed over or
	// in transit, from created).
	TriggerFirstTransport Trigger = "first_transport"
	// TriggerOutForDelivery: out for delivery today.
	TriggerOutForDelivery Trigger = "out_for_delivery"
	// TriggerAtServicePoint: available at the service point.
	TriggerAtServicePoint Trigger = "at_service_point"
	// TriggerServicePointDaysLeft: Rule.DaysLeft days left of the
	// service point's hold (a sweep, not an event).
	TriggerServicePointDaysLeft Trigger = "service_point_days_left"
	// TriggerDelivered: delivered.
	TriggerDelivered Trigger = "delivered"
	// TriggerDeliveryFailed: a delivery attempt failed, or the receiver
	// refused the parcel.
	TriggerDeliveryFailed Trigger = "delivery_failed"
	// TriggerDelayRisk: the carrier says delayed, or the expected
	// delivery passed without a delivery (a sweep).
	TriggerDelayRisk Trigger = "delay_risk"
	// TriggerReturnedToSender: the parcel is on its way back to the shop.
	TriggerReturnedToSender Trigger = "returned_to_sender"
	// TriggerReturnReceived: the customer's return arrived at the shop.
	TriggerReturnReceived Trigger = "return_received"
	// TriggerEventCode: any of Rule.EventCodes, the carrier's own event
	// codes (e.g. PostNord "DELIVERY_IMPOSSIBLE").
	TriggerEventCode Trigger = "event_code"
)

// Triggers lists every trigger, in the order a person reads them.
var Triggers = []Trigger{TriggerBooked, TriggerFirstTransport, TriggerOutForDelivery, TriggerAtServicePoint,
	TriggerServicePointDaysLeft, TriggerDelivered, TriggerDeliveryFailed, TriggerDelayRisk,
	TriggerReturnedToSender, TriggerReturnReceived, TriggerEventCode}

// Channels a rule sends on.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
	ChannelBoth  = "both"
)

// Recipient kinds.
const (
	// RecipientReceiver: the order's receiver (their e-mail and phone).
	RecipientReceiver = "receiver"
	// RecipientStaff: a fixed address of the shop's own (Email, Phone).
	RecipientStaff = "staff"
)

// Recipient is who a rule writes to.
type Recipient struct {
	Kind  string `json:"kind" toml:"kind"`                       // receiver or staff
	Email string `json:"email,omitempty" toml:"email,omitempty"` // staff only
	Phone string `json:"phone,omitempty" toml:"phone,omitempty"` // staff only, E.164 (+4670…)
	// Language of a staff recipient's messages (default en); a
	// receiver's is the order's, or their country's.
	Language string `json:"language,omitempty" toml:"language,omitempty"`
}

// Rule is one notification rule: trigger × conditions × recipients ×
// channel × template × active window.
type Rule struct {
	// ID names the rule for good (letters, digits, - and _); message ids
	// are made from it, so renaming it would send again.
	ID      string  `json:"id" toml:"id"`
	Name    string  `json:"name" toml:"name"`
	Trigger Trigger `json:"trigger" toml:"trigger"`
	// DaysLeft is for service_point_days_left: fire when this many days
	// of the hold are left (1–13).
	DaysLeft int `json:"days_left,omitempty" toml:"days_left,omitempty"`
	// EventCodes are for event_code: the carrier's codes, any of which
	// fires the rule.
	EventCodes []string `json:"event_codes,omitempty" toml:"event_codes,omitempty"`

	// Conditions: every one given must hold; an empty one always holds.
	Countries []string `json:"countries,omitempty" toml:"countries,omitempty"` // receiver's, ISO alpha-2
	Services  []string `json:"services,omitempty" toml:"services,omitempty"`   // carrier service codes
	Carriers  []string `json:"carriers,omitempty" toml:"carriers,omitempty"`   // registry names
	Tags      []string `json:"tags,omitempty" toml:"tags,omitempty"`           // any of the order's tags

	Recipients []Recipient `json:"recipients" toml:"recipients"`
	Channel    string      `json:"channel" toml:"channel"`   // email, sms or both
	Template   string      `json:"template" toml:"template"` // a Template's Name

	// Active window: the rule fires only between these dates (local,
	// YYYY-MM-DD, both included; empty: open-ended) …
	ActiveFrom  string `json:"active_from,omitempty" toml:"active_from,omitempty"`
	ActiveUntil string `json:"active_until,omitempty" toml:"active_until,omitempty"`
	// … and messages made during quiet hours ("21:00-08:00", local) are
	// held until they end ("" : Config.QuietHours; "off": none).
	QuietHours string `json:"quiet_hours,omitempty" toml:"quiet_hours,omitempty"`

	// Enabled: a new rule is saved disabled; it is previewed against a
	// real shipment and then enabled.
	Enabled   bool      `json:"enabled" toml:"enabled"`
	EnabledAt time.Time `json:"enabled_at,omitempty" toml:"-"`
	Created   time.Time `json:"created,omitempty" toml:"-"`
	Updated   time.Time `json:"updated,omitempty" toml:"-"`
}

// Languages messages are written in; en is every template's fallback.
var Languages = []string{"sv", "da", "nb", "fi", "en"}

// Text is one language's version of a template.
type Text struct {
	Subject string `json:"subject,omitempty" toml:"subject,omitempty"` // e-mail subject
	Body    string `json:"body,omitempty" toml:"body,omitempty"`       // e-mail text (paragraphs by blank lines)
	SMS     string `json:"sms,omitempty" toml:"sms,omitempty"`         // SMS text
}

// Template is a message in the shop's words, in up to five languages.
// Fields are written {field}, e.g. "Hej {first_name}!" (see Fields).
type Template struct {
	Name  string          `json:"name" toml:"name"`
	Texts map[string]Text `json:"texts" toml:"texts"` // by language; "en" required
}

// Setup is every rule and template: the store's "notify" setting.
type Setup struct {
	Rules     []Rule     `json:"rules" toml:"rules"`
	Templates []Template `json:"templates" toml:"templates"`
}

// Outgoing is one message as rendered when its rule fired: the body of a
// store.Message of channel email or sms. Rendered then, not when sent, so
// what a preview shows is what is sent, and a template edited later does
// not change a message already queued.
type Outgoing struct {
	Rule     string  `json:"rule"`
	Trigger  Trigger `json:"trigger"`
	OrderRef string  `json:"order_ref"`
	Channel  string  `json:"channel"` // email or sms
	Language string  `json:"language"`
	// To is the e-mail address or the phone number (E.164); Name the
	// recipient's name.
	To      string `json:"to"`
	Name    string `json:"name,omitempty"`
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text"`           // plain text (e-mail) or the SMS
	HTML    string `json:"html,omitempty"` // e-mail only; the logo as cid:logo
}
