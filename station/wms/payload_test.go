package wms

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

func decodeEnv(t *testing.T, m store.Message) (Envelope, map[string]any) {
	t.Helper()
	var env Envelope
	if err := json.Unmarshal(m.Body, &env); err != nil {
		t.Fatalf("%s: %v", m.ID, err)
	}
	var data map[string]any
	if err := json.Unmarshal(env.Data, &data); err != nil {
		t.Fatalf("%s data: %v", m.ID, err)
	}
	return env, data
}

func TestEveryFactBecomesOneVersionedEnvelope(t *testing.T) {
	cfg := testConfig("https://wms.example/hooks")
	st := openStore(t, t.TempDir(), cfg)
	defer st.Close()
	fullLife(t, st, "A-1001")

	ms := messages(t, st)
	var types []string
	for _, m := range ms {
		types = append(types, m.Type)
	}
	if strings.Join(types, ",") != strings.Join(lifeTypes, ",") {
		t.Fatalf("queued %v, want %v", types, lifeTypes)
	}
	wantIDs := []string{
		"label.created:A-1001:req-A-1001",
		"shipment.status_changed:A-1001:in_transit:" + itemOf("A-1001") + "|" + day0.Add(3*time.Hour).UTC().Format(time.RFC3339Nano) + "|EE",
		"return.registered:ret-A-1001",
		"return.in_transit:ret-A-1001",
		"return.received:ret-A-1001",
	}
	for i, m := range ms {
		env, data := decodeEnv(t, m)
		if m.ID != wantIDs[i] || env.ID != m.ID {
			t.Errorf("id %q (envelope %q), want %q", m.ID, env.ID, wantIDs[i])
		}
		if env.Version != 1 || env.Station != "bench-1" || env.OrderRef != "A-1001" || env.Type != m.Type || m.OrderRef != "A-1001" {
			t.Errorf("%s: envelope %+v", m.ID, env)
		}
		if env.Created.Location() != time.UTC || env.Occurred.Location() != time.UTC || env.Occurred.IsZero() {
			t.Errorf("%s: times not UTC: created %v occurred %v", m.ID, env.Created, env.Occurred)
		}
		if m.Channel != store.ChannelWebhook || m.State != store.MessagePending {
			t.Errorf("%s: channel %q state %q", m.ID, m.Channel, m.State)
		}
		switch m.Type {
		case EventLabelCreated:
			if data["tracking_number"] != itemOf("A-1001") || data["carrier"] != "postnord" || data["service"] != "19" ||
				data["weight_g"] != 1250.0 || data["offline_label"] != false || data["shipment_id"] != "SHP-A-1001" {
				t.Errorf("label.created data %v", data)
			}
			if _, has := data["label"]; has {
				t.Error("label bytes sent without include_label")
			}
		case EventStatusChanged:
			ev, _ := data["event"].(map[string]any)
			if data["status"] != "in_transit" || data["previous_status"] != "created" || ev["code"] != "EE" || ev["location"] != "Stockholm" {
				t.Errorf("status_changed data %v", data)
			}
			if !env.Occurred.Equal(day0.Add(3 * time.Hour)) {
				t.Errorf("status_changed occurred %v, want the carrier event's time", env.Occurred)
			}
		case EventReturnRegistered:
			if data["return_id"] != "ret-A-1001" || data["reason"] != "wrong_size" || data["return_tracking_number"] != "RETA-1001" ||
				data["outgoing_tracking_number"] != itemOf("A-1001") || data["in_transit_at"] != nil || data["received_at"] != nil {
				t.Errorf("return.registered data %v", data)
			}
			lines, _ := data["lines"].([]any)
			if len(lines) != 1 || lines[0].(map[string]any)["sku"] != "SKU-1" {
				t.Errorf("return lines %v", data["lines"])
			}
		case EventReturnReceived:
			if data["received_by"] != "carrier" || data["date"] != day0.Add(72*time.Hour).Format("2006-01-02") || data["received_at"] == nil {
				t.Errorf("return.received data %v", data)
			}
		}
	}
}

func TestAFactAnnouncedTwiceIsQueuedOnce(t *testing.T) {
	cfg := testConfig("https://wms.example/hooks")
	st := openStore(t, t.TempDir(), cfg)
	defer st.Close()
	sh := ship(t, st, "A-1")
	// The same booking announced again (e.g. an offline label's sync
	// recorded after an adopt): same id, dropped by the store.
	msgs, err := Announcer(cfg)(store.Fact{Kind: store.FactLabelCreated, At: time.Now(), Shipment: sh})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("announce: %v, %v", msgs, err)
	}
	if added, err := st.PutMessages(msgs...); err != nil || added != 0 {
		t.Fatalf("second queueing added %d (%v), want 0", added, err)
	}
	// Recording the same tracking twice: no second status change.
	track(t, st, "A-1", carrier.StatusInTransit, day0.Add(time.Hour))
	track(t, st, "A-1", carrier.StatusInTransit, day0.Add(time.Hour))
	if n := len(messages(t, st)); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
	// A status change without a carrier event gets its id from the
	// fact's time, so two such changes are two events.
	f := store.Fact{Kind: store.FactStatusChanged, At: day0, Shipment: sh, Previous: carrier.StatusCreated}
	a, _ := Announcer(cfg)(f)
	f.At = day0.Add(time.Second)
	b, _ := Announcer(cfg)(f)
	if a[0].ID == b[0].ID || !strings.HasSuffix(a[0].ID, day0.UTC().Format(time.RFC3339Nano)) {
		t.Errorf("ids %q and %q", a[0].ID, b[0].ID)
	}
}

func TestFilteredEventsAreNeverQueued(t *testing.T) {
	cfg := testConfig("https://wms.example/hooks")
	cfg.Events = []string{EventLabelCreated, EventReturnReceived}
	st := openStore(t, t.TempDir(), cfg)
	defer st.Close()
	fullLife(t, st, "A-1")
	fullLife(t, st, "A-2")
	for _, m := range messages(t, st) {
		if m.Type != EventLabelCreated && m.Type != EventReturnReceived {
			t.Errorf("queued %s although filtered out", m.ID)
		}
	}
	if n := len(messages(t, st)); n != 4 {
		t.Errorf("%d messages, want 4", n)
	}

	// Webhooks off: nothing at all is queued.
	off := openStore(t, t.TempDir(), Config{})
	defer off.Close()
	fullLife(t, off, "B-1")
	if n := len(messages(t, off)); n != 0 {
		t.Errorf("webhooks off queued %d messages", n)
	}
}

func TestIncludeLabelPutsTheLabelBytesIn(t *testing.T) {
	cfg := testConfig("https://wms.example/hooks")
	cfg.IncludeLabel = true
	st := openStore(t, t.TempDir(), cfg)
	defer st.Close()
	sh := ship(t, st, "A-1")
	m := messages(t, st)[0]
	env, _ := decodeEnv(t, m)
	var d LabelCreated
	if err := json.Unmarshal(env.Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.Label == nil || d.Label.Format != "zpl" || !bytes.Equal(d.Label.Data, sh.Label.Data) {
		t.Fatalf("label %+v, want the ZPL bytes", d.Label)
	}
	if !bytes.Contains(m.Body, []byte(`"data":"XlhBXkZEbGFiZWwg`)) {
		t.Errorf("label not base64 in the body: %s", m.Body)
	}
}

func TestValidateNamesTheConfigKeys(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("webhooks off: %v", err)
	}
	if err := testConfig("https://wms.example/h").Validate(); err != nil {
		t.Errorf("good config: %v", err)
	}
	bad := Config{URL: "ftp://wms.example/h?key=hush", Secret: []byte("short-secret"), Events: []string{"label.created", "label_created", "parcel.lost"}}
	err := bad.Validate()
	if err == nil {
		t.Fatal("bad config passed")
	}
	msg := err.Error()
	for _, want := range []string{"[wms.webhooks] url", "LABELSTATION_WMS_WEBHOOK_SECRET", "[wms.webhooks] events", `"label_created"`, `"parcel.lost"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %s", msg, want)
		}
	}
	if strings.Contains(msg, "short-secret") || strings.Contains(msg, "hush") {
		t.Errorf("error leaks the secret or a query value: %q", msg)
	}
	if err := (Config{URL: "https://wms.example/h"}).Validate(); err == nil || !strings.Contains(err.Error(), SecretEnv) {
		t.Errorf("missing secret: %v", err)
	}
}

func TestConfigPrintsWithoutTheSecret(t *testing.T) {
	cfg := testConfig("https://user:pw-DO-NOT-LEAK@wms.example/h?token=tok-DO-NOT-LEAK")
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "webhooks", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), buf.String()} {
		if strings.Contains(s, string(testSecret)) || strings.Contains(s, "DO-NOT-LEAK") {
			t.Errorf("leak: %s", s)
		}
		if !strings.Contains(s, "wms.example/h") {
			t.Errorf("no url in %s", s)
		}
	}
}
