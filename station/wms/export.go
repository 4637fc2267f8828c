package wms

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"labelstation/store"
)

// The day's export, for a WMS without webhooks: every shipment booked that
// day and the returns the caller picks, as CSV or JSON. Times are RFC 3339
// in UTC, like the webhooks; an empty cell (or an absent JSON field) means
// "not yet". Labels are never exported.
//
// CSV has one header for both kinds of row; the first column, kind, is
// "shipment" or "return", and the columns of the other kind are empty:
//
//	kind, order_ref, carrier, service, tracking_number, shipment_id,
//	booked_at, printed_at, status, weight_g, receiver_country,
//	offline_label, synced_at, cancelled,
//	return_id, outgoing_tracking_number, return_state, reason, labelless,
//	in_transit_at, received_at, received_by
//
// For a return row tracking_number and shipment_id are the return
// parcel's, booked_at is when the carrier registered the return, status
// the carrier's normalised status of the return parcel. A cell that
// starts with = + - @ (or a tab or carriage return) is prefixed with ' so
// a spreadsheet shows it as text instead of running it as a formula.
//
// JSON is {"date": "YYYY-MM-DD", "shipments": [ExportShipment…],
// "returns": [ExportReturn…]}.

// ExportShipment is one shipment of the export.
type ExportShipment struct {
	OrderRef        string    `json:"order_ref"`
	Carrier         string    `json:"carrier"`
	Service         string    `json:"service"`
	TrackingNumber  string    `json:"tracking_number"`
	ShipmentID      string    `json:"shipment_id"`
	BookedAt        time.Time `json:"booked_at"`
	PrintedAt       time.Time `json:"printed_at,omitzero"`
	Status          string    `json:"status"`
	WeightG         int64     `json:"weight_g"`
	ReceiverCountry string    `json:"receiver_country"`
	OfflineLabel    bool      `json:"offline_label"`
	SyncedAt        time.Time `json:"synced_at,omitzero"`
	Cancelled       time.Time `json:"cancelled,omitzero"`
}

// ExportReturn is one return of the export.
type ExportReturn struct {
	ReturnID               string    `json:"return_id"`
	OrderRef               string    `json:"order_ref"`
	Carrier                string    `json:"carrier"`
	Service                string    `json:"service"`
	TrackingNumber         string    `json:"tracking_number"`
	ShipmentID             string    `json:"shipment_id"`
	OutgoingTrackingNumber string    `json:"outgoing_tracking_number"`
	State                  string    `json:"return_state"`
	Status                 string    `json:"status,omitempty"`
	Reason                 string    `json:"reason"`
	Labelless              bool      `json:"labelless"`
	RegisteredAt           time.Time `json:"registered_at,omitzero"`
	PrintedAt              time.Time `json:"printed_at,omitzero"`
	InTransitAt            time.Time `json:"in_transit_at,omitzero"`
	ReceivedAt             time.Time `json:"received_at,omitzero"`
	ReceivedBy             string    `json:"received_by,omitempty"`
	Cancelled              time.Time `json:"cancelled,omitzero"`
}

// ExportDoc is the JSON export.
type ExportDoc struct {
	Date      string           `json:"date"`
	Shipments []ExportShipment `json:"shipments"`
	Returns   []ExportReturn   `json:"returns"`
}

// csvHeader is the CSV export's header.
var csvHeader = []string{
	"kind", "order_ref", "carrier", "service", "tracking_number", "shipment_id",
	"booked_at", "printed_at", "status", "weight_g", "receiver_country",
	"offline_label", "synced_at", "cancelled",
	"return_id", "outgoing_tracking_number", "return_state", "reason", "labelless",
	"in_transit_at", "received_at", "received_by",
}

// Export writes shipments and returns as format "csv" or "json". The
// JSON's date is the local calendar day of the earliest booking (or
// return) given; use ExportDay to name the day yourself.
func Export(w io.Writer, format string, shipments []store.Shipment, returns []store.Return) error {
	var day time.Time
	for _, sh := range shipments {
		if day.IsZero() || sh.BookedAt.Before(day) {
			day = sh.BookedAt
		}
	}
	if day.IsZero() {
		for _, r := range returns {
			if day.IsZero() || r.Created.Before(day) {
				day = r.Created
			}
		}
	}
	return ExportDay(w, format, day, shipments, returns)
}

// ExportDay is Export for a named day (its local calendar date is the
// JSON's date; a zero day leaves it empty). Shipments are written in
// booking order, returns in creation order.
func ExportDay(w io.Writer, format string, day time.Time, shipments []store.Shipment, returns []store.Return) error {
	doc := ExportDoc{Shipments: make([]ExportShipment, 0, len(shipments)), Returns: make([]ExportReturn, 0, len(returns))}
	if !day.IsZero() {
		doc.Date = day.Local().Format(time.DateOnly)
	}
	shs := slices.Clone(shipments)
	slices.SortStableFunc(shs, func(a, b store.Shipment) int {
		if c := a.BookedAt.Compare(b.BookedAt); c != 0 {
			return c
		}
		return strings.Compare(a.OrderRef, b.OrderRef)
	})
	for _, sh := range shs {
		doc.Shipments = append(doc.Shipments, exportShipment(sh))
	}
	rs := slices.Clone(returns)
	slices.SortStableFunc(rs, func(a, b store.Return) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, r := range rs {
		doc.Returns = append(doc.Returns, exportReturn(r))
	}
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return nil
	case "csv":
		return writeCSV(w, doc)
	}
	return fmt.Errorf("export format %q: use csv or json", format)
}

func exportShipment(sh store.Shipment) ExportShipment {
	return ExportShipment{
		OrderRef: sh.OrderRef, Carrier: sh.Carrier, Service: sh.Service,
		TrackingNumber: sh.TrackingID(), ShipmentID: sh.ShipmentID,
		BookedAt: utc(sh.BookedAt), PrintedAt: utc(sh.PrintedAt), Status: string(sh.Status),
		WeightG: int64(sh.Weight), ReceiverCountry: sh.Receiver.Country,
		OfflineLabel: sh.Offline, SyncedAt: utc(sh.SyncedAt), Cancelled: utc(sh.Cancelled),
	}
}

func exportReturn(r store.Return) ExportReturn {
	x := ExportReturn{
		ReturnID: r.ID, OrderRef: r.OrderRef, Carrier: r.Carrier, Service: r.Service,
		TrackingNumber: r.TrackingID(), ShipmentID: r.ShipmentID, OutgoingTrackingNumber: r.OutgoingItemID,
		State: string(r.State), Status: string(r.Status), Reason: r.Reason, Labelless: r.Labelless,
		RegisteredAt: utc(r.RegisteredAt), PrintedAt: utc(r.PrintedAt), InTransitAt: utc(r.InTransitAt),
		ReceivedAt: utc(r.ReceivedAt), ReceivedBy: r.ReceivedBy,
	}
	if r.State == store.ReturnCancelled {
		x.Cancelled = utc(r.Updated)
	}
	return x
}

func writeCSV(w io.Writer, doc ExportDoc) error {
	cw := csv.NewWriter(w)
	row := func(cells ...string) {
		for i, c := range cells {
			cells[i] = safeCell(c)
		}
		_ = cw.Write(cells) // the error sticks; Flush reports it
	}
	row(slices.Clone(csvHeader)...)
	for _, s := range doc.Shipments {
		row("shipment", s.OrderRef, s.Carrier, s.Service, s.TrackingNumber, s.ShipmentID,
			stamp(s.BookedAt), stamp(s.PrintedAt), s.Status, strconv.FormatInt(s.WeightG, 10), s.ReceiverCountry,
			strconv.FormatBool(s.OfflineLabel), stamp(s.SyncedAt), stamp(s.Cancelled),
			"", "", "", "", "", "", "", "")
	}
	for _, r := range doc.Returns {
		row("return", r.OrderRef, r.Carrier, r.Service, r.TrackingNumber, r.ShipmentID,
			stamp(r.RegisteredAt), stamp(r.PrintedAt), r.Status, "", "",
			"", "", stamp(r.Cancelled),
			r.ReturnID, r.OutgoingTrackingNumber, r.State, r.Reason, strconv.FormatBool(r.Labelless),
			stamp(r.InTransitAt), stamp(r.ReceivedAt), r.ReceivedBy)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// safeCell keeps a spreadsheet from reading a cell as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
