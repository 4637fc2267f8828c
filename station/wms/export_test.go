package wms

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

func exportFixture() ([]store.Shipment, []store.Return) {
	booked := time.Date(2026, 3, 9, 10, 15, 0, 0, time.UTC)
	shs := []store.Shipment{
		{
			OrderRef: "=HYPERLINK(\"http://evil\")", Carrier: "postnord", Service: "19", ShipmentID: "S2",
			ItemIDs: []string{"00370000000000000002"}, Weight: 800, Receiver: carrier.Address{Country: "NO"},
			BookedAt: booked.Add(time.Hour), Status: carrier.StatusCreated, Offline: true,
			Label: carrier.Label{Format: carrier.LabelZPL, Data: []byte("^XA SECRET LABEL ^XZ")},
		},
		{
			OrderRef: "A-1001", Carrier: "postnord", Service: "17", ShipmentID: "S1",
			ItemIDs: []string{"00370000000000000001"}, Weight: 1250, Receiver: carrier.Address{Country: "SE"},
			BookedAt: booked, PrintedAt: booked.Add(2 * time.Second), Status: carrier.StatusDelivered,
			SyncedAt: booked,
		},
	}
	rs := []store.Return{{
		ID: "ret-1", OrderRef: "A-1001", Carrier: "postnord", Service: "24", ItemID: "RET1", ShipmentID: "RS1",
		OutgoingItemID: "00370000000000000001", Reason: "+wrong_size", State: store.ReturnReceived, Status: carrier.StatusDelivered,
		Created: booked, RegisteredAt: booked.Add(time.Minute), ReceivedAt: booked.Add(48 * time.Hour), ReceivedBy: store.ReceivedByBench,
	}}
	return shs, rs
}

func TestExportCSVOneHeaderSafeCells(t *testing.T) {
	shs, rs := exportFixture()
	var buf bytes.Buffer
	if err := Export(&buf, "csv", shs, rs); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "SECRET LABEL") {
		t.Error("label bytes exported")
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want header + 2 shipments + 1 return", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"kind", "order_ref", "carrier", "service", "tracking_number", "shipment_id", "booked_at", "printed_at", "status", "weight_g", "receiver_country", "offline_label", "synced_at", "cancelled", "return_id", "reason", "received_by"} {
		if _, ok := col[h]; !ok {
			t.Errorf("no column %s", h)
		}
	}
	first, second, ret := rows[1], rows[2], rows[3]
	if first[col["order_ref"]] != "A-1001" || first[col["booked_at"]] != "2026-03-09T10:15:00Z" || first[col["weight_g"]] != "1250" ||
		first[col["status"]] != "delivered" || first[col["receiver_country"]] != "SE" || first[col["offline_label"]] != "false" || first[col["kind"]] != "shipment" {
		t.Errorf("first shipment row %v", first)
	}
	if second[col["order_ref"]] != `'=HYPERLINK("http://evil")` || second[col["offline_label"]] != "true" || second[col["printed_at"]] != "" {
		t.Errorf("formula not neutralised or wrong row: %v", second)
	}
	if ret[col["kind"]] != "return" || ret[col["return_id"]] != "ret-1" || ret[col["tracking_number"]] != "RET1" ||
		ret[col["reason"]] != "'+wrong_size" || ret[col["received_by"]] != "bench" || ret[col["weight_g"]] != "" {
		t.Errorf("return row %v", ret)
	}
}

func TestExportJSONHasTheDayShipmentsAndReturns(t *testing.T) {
	shs, rs := exportFixture()
	var buf bytes.Buffer
	if err := Export(&buf, "JSON", shs, rs); err != nil {
		t.Fatal(err)
	}
	var doc ExportDoc
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Date != time.Date(2026, 3, 9, 10, 15, 0, 0, time.UTC).Local().Format(time.DateOnly) || len(doc.Shipments) != 2 || len(doc.Returns) != 1 {
		t.Fatalf("doc %+v", doc)
	}
	if doc.Shipments[0].OrderRef != "A-1001" || doc.Shipments[1].TrackingNumber != "00370000000000000002" || !doc.Shipments[1].OfflineLabel {
		t.Errorf("shipments %+v", doc.Shipments)
	}
	if doc.Returns[0].State != "received" || doc.Returns[0].ReceivedBy != "bench" {
		t.Errorf("returns %+v", doc.Returns)
	}
	// An empty day is still a document, with empty lists.
	buf.Reset()
	if err := ExportDay(&buf, "json", time.Date(2026, 3, 10, 12, 0, 0, 0, time.Local), nil, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"date": "2026-03-10"`) || !strings.Contains(buf.String(), `"shipments": []`) {
		t.Errorf("empty day: %s", buf.String())
	}
	if err := Export(&buf, "xlsx", nil, nil); err == nil || !strings.Contains(err.Error(), "csv or json") {
		t.Errorf("unknown format: %v", err)
	}
}
