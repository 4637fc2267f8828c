// Package kpi owns the supervisor's delivery figures: from the stored
// tracking summaries of a day or a rolling window it computes the KPIs of
// PostNord's account health check (on-time delivery, transit days,
// exceptions, first-attempt failures, lost, gaps, customs stalls, silent
// parcels, …), overall, per destination country and per service, each
// with its warn/critical thresholds and state, plus the daily counts, the
// status mix and the list of problem parcels the dashboard and the daily
// report show. It reads summaries, never the network.
package kpi

import (
	"time"

	"labelstation/carrier"
)

// State is how a KPI stands against its thresholds.
type State string

const (
	StateOK       State = "ok"
	StateWarn     State = "warn"
	StateCritical State = "critical"
	// StateNA: nothing to measure (e.g. no parcel delivered yet).
	StateNA State = "n/a"
)

// KPI is one figure with its thresholds.
type KPI struct {
	Key   string  `json:"key"`  // e.g. "on_time_delivery_rate"
	Name  string  `json:"name"` // e.g. "On-time delivery"
	Value float64 `json:"value"`
	Unit  string  `json:"unit"` // "%", "days", "parcels"
	// Count and Of are the numerator and denominator of a rate (Of is
	// the parcels the KPI could be measured on).
	Count int `json:"count"`
	Of    int `json:"of"`
	// Warn and Critical are the thresholds; HigherIsBetter says which way
	// they point (on-time rate: below 92 warns; exception rate: above 2).
	Warn           float64 `json:"warn,omitempty"`
	Critical       float64 `json:"critical,omitempty"`
	HigherIsBetter bool    `json:"higher_is_better,omitempty"`
	HasThresholds  bool    `json:"has_thresholds"`
	State          State   `json:"state"`
	Note           string  `json:"note,omitempty"`
}

// Group is the KPIs of one slice of the shipments: a destination country
// ("SE", "NO", "DK", "FI", "other") or a service code.
type Group struct {
	Key       string `json:"key"`
	Shipments int    `json:"shipments"`
	KPIs      []KPI  `json:"kpis"`
}

// Day is one calendar day's counts, for the chart.
type Day struct {
	Date      string `json:"date"` // YYYY-MM-DD, local
	Shipments int    `json:"shipments"`
	Delivered int    `json:"delivered"`
	Problems  int    `json:"problems"`
}

// Problem kinds.
const (
	ProblemLate       = "late"        // past the expected delivery, not delivered
	ProblemStuck      = "stuck"       // no event for longer than the gap limit
	ProblemException  = "exception"   // the carrier reported an exception
	ProblemCustoms    = "customs"     // awaiting customs to NO too long
	ProblemSilent     = "silent"      // booked, never scanned
	ProblemLost       = "lost"        // no event for the lost limit, or lost
	ProblemHoldEnding = "hold_ending" // at a service point near the end of the hold time
	ProblemAttempt    = "attempt"     // delivery attempted, not delivered within 48 h
	ProblemNoShipment = "no_shipment" // an order imported > 48 h ago without a shipment
)

// Problem is a parcel a supervisor should look at.
type Problem struct {
	Kind     string         `json:"kind"`
	OrderRef string         `json:"order_ref"`
	ItemID   string         `json:"item_id"`
	Country  string         `json:"country"`
	Service  string         `json:"service"`
	Status   carrier.Status `json:"status"`
	BookedAt time.Time      `json:"booked_at"`
	Since    time.Time      `json:"since"` // when the problem began (last event, ETA, …)
	Note     string         `json:"note"`  // in words: "no scan for 3 days at the Norwegian border"
}

// Report is the dashboard's content for a window of booking days.
type Report struct {
	From        string    `json:"from"` // YYYY-MM-DD
	To          string    `json:"to"`
	Days        int       `json:"days"`
	GeneratedAt time.Time `json:"generated_at"`
	Shipments   int       `json:"shipments"`
	Overall     []KPI     `json:"overall"`
	ByCountry   []Group   `json:"by_country"`
	ByService   []Group   `json:"by_service"`
	// ByCarrier splits the figures by carrier (registry name, e.g.
	// "postnord", "stg").
	ByCarrier []Group        `json:"by_carrier"`
	Daily     []Day          `json:"daily"`
	StatusMix map[string]int `json:"status_mix"` // normalised status → parcels
	Problems  []Problem      `json:"problems"`
	// ProblemsTotal is how many parcels have a problem (Problems holds
	// the first of them, most severe and newest first, up to a cap);
	// ProblemKinds counts them by kind.
	ProblemsTotal int            `json:"problems_total"`
	ProblemKinds  map[string]int `json:"problem_kinds,omitempty"`
	// LeftOut names the figures of the audit profile this report does
	// not compute, in words.
	LeftOut    []string              `json:"left_out,omitempty"`
	Thresholds map[string][2]float64 `json:"thresholds,omitempty"` // key → warn, critical as used
}
