package kpi

import (
	"bytes"
	"strings"
	"testing"

	"labelstation/store"
)

// TestFiguresSplitByCarrier: two PostNord parcels and one STG parcel give
// a group per carrier in the report, the CSV and the text.
func TestFiguresSplitByCarrier(t *testing.T) {
	a := delivered(sum("A", "SE", day("2026-04-01")), "2026-04-03", at("2026-04-02 14:00"))
	b := sum("B", "NO", day("2026-04-02"))
	c := delivered(sum("C", "DK", day("2026-04-03")), "2026-04-05", at("2026-04-07 10:00"))
	c.Carrier, c.Service = "stg", "HOME"
	r := compute(t, []store.TrackSummary{a, b, c}, Options{})
	if len(r.ByCarrier) != 2 {
		t.Fatalf("by carrier: %+v", r.ByCarrier)
	}
	if pn := group(t, r.ByCarrier, "postnord"); pn.Shipments != 2 {
		t.Errorf("postnord: %+v", pn)
	}
	st := group(t, r.ByCarrier, "stg")
	if st.Shipments != 1 || kpiOf(t, st.KPIs, KeyOnTime).Value != 0 {
		t.Errorf("stg (one late parcel): %+v", st)
	}
	var csv, text bytes.Buffer
	if err := r.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csv.String(), "carrier:stg,") {
		t.Errorf("csv has no carrier rows:\n%s", csv.String())
	}
	if err := r.WriteText(&text, 10); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "CARRIER") || !strings.Contains(text.String(), "stg ") {
		t.Errorf("text has no carrier table:\n%s", text.String())
	}
}
