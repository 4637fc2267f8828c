package station

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"labelstation/carrier"
	"labelstation/station/kpi"
	"labelstation/store"
)

// ReportLine is one shipment in the daily report.
type ReportLine struct {
	OrderRef   string         `json:"order_ref"`
	Carrier    string         `json:"carrier"`
	Service    string         `json:"service"`
	TrackingID string         `json:"tracking_id"`
	Weight     carrier.Weight `json:"weight_g"`
	Receiver   string         `json:"receiver"`
	City       string         `json:"city"`
	Country    string         `json:"country"`
	BookedAt   time.Time      `json:"booked_at"`
	PrintedAt  *time.Time     `json:"printed_at,omitempty"`
	Reprints   int            `json:"reprints"`
	Status     carrier.Status `json:"status"`
	// Offline is true for a parcel labelled from the consignor's own
	// series; SyncedAt is when the carrier heard of it (nil: not yet).
	Offline  bool       `json:"offline,omitempty"`
	SyncedAt *time.Time `json:"synced_at,omitempty"`
}

// Report is a day's work at the bench.
type Report struct {
	Date           string         `json:"date"`
	Shipments      []ReportLine   `json:"shipments"`
	Booked         int            `json:"booked"`
	Printed        int            `json:"printed"`
	TotalWeight    carrier.Weight `json:"total_weight_g"`
	QueuePending   int            `json:"queue_pending"`
	QueueAttention int            `json:"queue_attention"`
	// Offline counts the day's offline labels, NotSent those the carrier
	// has not heard of yet; Cancelled the bookings cancelled before the
	// carrier got them (not in Shipments).
	Offline   int `json:"offline"`
	NotSent   int `json:"not_sent"`
	Cancelled int `json:"cancelled"`
}

// Report gathers the shipments booked on day's calendar date.
func (s *Station) Report(ctx context.Context, day time.Time) (Report, error) {
	shipments, err := s.store.ShipmentsOn(day)
	if err != nil {
		return Report{}, fmt.Errorf("report %s: %w", day.Format("2006-01-02"), err)
	}
	r := Report{Date: day.Format("2006-01-02"), Shipments: []ReportLine{}}
	for _, sh := range shipments {
		if !sh.Cancelled.IsZero() {
			r.Cancelled++
			continue
		}
		if sh.Offline {
			r.Offline++
			if sh.SyncedAt.IsZero() {
				r.NotSent++
			}
		}
		r.Shipments = append(r.Shipments, reportLine(sh))
		r.Booked++
		r.TotalWeight += sh.Weight
		if sh.Printed() {
			r.Printed++
		}
	}
	r.QueuePending, r.QueueAttention, err = s.store.QueueCounts()
	return r, err
}

func reportLine(sh store.Shipment) ReportLine {
	l := ReportLine{
		OrderRef: sh.OrderRef, Carrier: sh.Carrier, Service: sh.Service, TrackingID: sh.TrackingID(),
		Weight: sh.Weight, Receiver: sh.Receiver.Name, City: sh.Receiver.City, Country: sh.Receiver.Country,
		BookedAt: sh.BookedAt, Reprints: sh.Reprints, Status: sh.Status, Offline: sh.Offline,
	}
	if !sh.SyncedAt.IsZero() {
		t := sh.SyncedAt
		l.SyncedAt = &t
	}
	if sh.Printed() {
		t := sh.PrintedAt
		l.PrintedAt = &t
	}
	return l
}

var reportColumns = []string{"order_ref", "carrier", "service", "tracking_id", "weight_kg", "receiver", "city", "country", "booked_at", "printed_at", "reprints", "status"}

// WriteCSV writes the report as CSV with a header row.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(reportColumns)
	for _, l := range r.Shipments {
		printed := ""
		if l.PrintedAt != nil {
			printed = l.PrintedAt.Format(time.RFC3339)
		}
		cw.Write([]string{l.OrderRef, l.Carrier, l.Service, l.TrackingID,
			strconv.FormatFloat(l.Weight.Kilograms(), 'f', 3, 64), l.Receiver, l.City, l.Country,
			l.BookedAt.Format(time.RFC3339), printed, strconv.Itoa(l.Reprints), string(l.Status)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteText writes the report as an aligned table for a terminal.
func (r Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "Shipments on %s: %d booked, %d printed, %s in all; queue: %d waiting, %d need attention\n",
		r.Date, r.Booked, r.Printed, r.TotalWeight, r.QueuePending, r.QueueAttention)
	if r.Offline > 0 || r.Cancelled > 0 {
		fmt.Fprintf(w, "Offline labels: %d, of which %d not yet sent to the carrier; cancelled before sending: %d (labelstation queue late lists them)\n",
			r.Offline, r.NotSent, r.Cancelled)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tCARRIER\tSERVICE\tTRACKING\tWEIGHT\tRECEIVER\tCITY\tBOOKED\tPRINTED")
	for _, l := range r.Shipments {
		printed := "no"
		if l.PrintedAt != nil {
			printed = l.PrintedAt.Local().Format("15:04:05")
		}
		tracking := l.TrackingID
		switch {
		case l.Offline && l.SyncedAt == nil:
			tracking += " (offline, not sent yet)"
		case l.Offline:
			tracking += " (offline)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s %s\t%s\t%s\n", l.OrderRef, l.Carrier, l.Service, tracking,
			l.Weight, l.Receiver, l.Country, l.City, l.BookedAt.Local().Format("15:04:05"), printed)
	}
	return tw.Flush()
}

// DailyReport is the report command's content: the shipments of the last
// day (Report, unchanged, so its JSON fields stay where they were) and
// the delivery KPIs of the window of days ending that day.
type DailyReport struct {
	Report
	KPI kpi.Report `json:"kpi"`
}

// DailyReport gathers the shipments booked on last's date and the KPIs
// of the days calendar days ending on it (Dashboard).
func (s *Station) DailyReport(ctx context.Context, last time.Time, days int) (DailyReport, error) {
	rep, err := s.Report(ctx, last)
	if err != nil {
		return DailyReport{}, err
	}
	k, err := s.Dashboard(ctx, last, days)
	if err != nil {
		return DailyReport{}, err
	}
	return DailyReport{Report: rep, KPI: k}, nil
}

// textProblems is how many problem parcels the text report lists.
const textProblems = 20

// WriteText writes the day's shipments, then the KPI report.
func (r DailyReport) WriteText(w io.Writer) error {
	if err := r.Report.WriteText(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return r.KPI.WriteText(w, textProblems)
}

// WriteCSV writes the day's shipments as before, an empty line, then
// the KPIs as a second table (kpi.CSVColumns).
func (r DailyReport) WriteCSV(w io.Writer) error {
	if err := r.Report.WriteCSV(w); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	return r.KPI.WriteCSV(w)
}

// PDF renders the KPI report as one or two printable A4 pages.
func (r DailyReport) PDF() ([]byte, error) {
	return kpi.PDF(r.KPI, kpi.PDFOptions{})
}
