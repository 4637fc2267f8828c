package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"labelstation/carrier/sandbox"
)

// The two-way connection with the warehouse system, end to end through
// the real binary: PostNord is the in-process sandbox with a clock the
// test moves (stepped tracking stories: one event per hour of sandbox
// time), the WMS is a stand-in on loopback that checks every signature
// with its own HMAC.

const wmsSecret = "wms-test-secret-0123456789"

const wmsConfig = demoConsignorTOML + `
[postnord]
url = "http://$SANDBOX_ADDR"
apikey = "wms-test-key"

[station]
name = "bench-7"
default_service = "19"

[outbox]
lookup_grace = "0s"

[wms.webhooks]
url = "$WMS_URL/hooks"
`

// sandboxClock is a clock a test moves forward.
type sandboxClock struct{ offset atomic.Int64 }

func (c *sandboxClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *sandboxClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func newWMSRig(t *testing.T) (*rig, *wmsStandin, *sandboxClock) {
	t.Helper()
	clock := &sandboxClock{}
	wms := newWMSStandin(t, wmsSecret)
	r := newRig(t, rigOptions{
		sandbox: sandbox.Options{Now: clock.now, TrackingStep: time.Hour,
			Story: func(string) sandbox.Story { return sandbox.StoryStepped }},
		config: strings.ReplaceAll(wmsConfig, "$WMS_URL", wms.URL()),
	})
	r.env = append(r.env, "LABELSTATION_WMS_WEBHOOK_SECRET="+wmsSecret)
	return r, wms, clock
}

func (r *rig) importOrders(t *testing.T, refs ...string) {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("order_ref,name,street1,postcode,city,country,item_sku,item_description,item_quantity\n")
	for i, ref := range refs {
		fmt.Fprintf(&csv, "%s,Åsa Öberg %d,Storgatan %d,11455,Stockholm,SE,SKU-%d,Mössa,1\n", ref, i+1, i+1, i+1)
	}
	path := r.dir + "/orders.csv"
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r.mustRun("orders", "import", path)
}

// TestWMSHearsTheWholeStoryInOrder: ship an order, follow it to the door,
// create a return, follow the return back to the warehouse — and the WMS
// receives label.created, the status changes, return.registered,
// return.in_transit and return.received, in that order, each once, each
// signed.
func TestWMSHearsTheWholeStoryInOrder(t *testing.T) {
	r, wms, clock := newWMSRig(t)
	r.importOrders(t, "E2E-1")
	printer := "tcp://" + r.sink.Addr()
	r.mustRun("pack", "E2E-1", "--weight", "1.2kg", "--printer", printer)

	// The parcel travels: one stepped event per sandbox hour.
	for i := 0; i < 8; i++ {
		clock.advance(time.Hour)
		r.mustRun("track", "sync", "--all")
	}
	r.mustRun("return", "create", "E2E-1", "--reason", "wrong_size", "--note", "too small", "--printer", printer)
	for i := 0; i < 8; i++ {
		clock.advance(time.Hour)
		r.run("return", "sync")
	}
	res := r.mustRun("webhooks", "sync")
	if !strings.Contains(res.stdout, "0 waiting, 0 refused") {
		t.Fatalf("webhooks sync left events behind:\n%s", res)
	}

	got := wms.received()
	var types []string
	for _, h := range got {
		if !h.SignatureOK {
			t.Errorf("event %s: the WMS could not verify its signature: %s", h.ID, h.Why)
		}
		if h.OrderRef != "E2E-1" {
			t.Errorf("event %s is for order %q", h.ID, h.OrderRef)
		}
		types = append(types, h.Type)
	}
	t.Logf("the WMS received: %s", strings.Join(types, ", "))
	// The order of the story.
	want := []string{"label.created", "shipment.status_changed", "return.registered", "return.in_transit", "return.received"}
	pos := 0
	for _, typ := range types {
		if pos < len(want) && typ == want[pos] {
			pos++
		} else if pos > 0 && typ == want[pos-1] && typ == "shipment.status_changed" {
			continue
		} else {
			t.Fatalf("the WMS received %s out of order; the whole sequence: %s", typ, strings.Join(types, ", "))
		}
	}
	if pos != len(want) {
		t.Fatalf("the WMS received %s, missing %s", strings.Join(types, ", "), want[pos])
	}
	// Each event once.
	seen := map[string]bool{}
	for _, h := range got {
		if seen[h.ID] {
			t.Errorf("event %s arrived twice", h.ID)
		}
		seen[h.ID] = true
	}
	// The status changes end at the door, and the return's last event
	// says who received it, when and why it came back.
	var delivered bool
	for _, h := range got {
		var env struct {
			Data map[string]any `json:"data"`
		}
		json.Unmarshal(h.Body, &env)
		switch h.Type {
		case "shipment.status_changed":
			delivered = delivered || env.Data["status"] == "delivered"
		case "return.received":
			if env.Data["reason"] != "wrong_size" || env.Data["received_by"] != "carrier" || env.Data["received_at"] == nil {
				t.Errorf("return.received says %v", env.Data)
			}
			lines, _ := env.Data["lines"].([]any)
			if len(lines) != 1 || !strings.Contains(fmt.Sprint(lines[0]), "SKU-1") {
				t.Errorf("return.received lines %v, want the order's line SKU-1", env.Data["lines"])
			}
		case "label.created":
			if env.Data["tracking_number"] == "" || env.Data["carrier"] != "postnord" {
				t.Errorf("label.created says %v", env.Data)
			}
		}
	}
	if !delivered {
		t.Errorf("no status change to delivered reached the WMS: %s", strings.Join(types, ", "))
	}
}

// TestWebhooksOnceAcrossCrashesAndAnOutage: events are recorded while the
// WMS is down, then delivered by station processes that are SIGKILLed at
// random moments while the WMS is slow; when everything settles, every
// event has reached the WMS, in order per order, and the only repeats
// are events whose delivery a kill cut between the WMS's answer and the
// station's record of it (same id, for the WMS to dedupe): at most the
// deliveries in flight per kill.
func TestWebhooksOnceAcrossCrashesAndAnOutage(t *testing.T) {
	r, wms, clock := newWMSRig(t)
	seed := envInt(t, "LABELSTATION_CRASH_SEED", time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x3e65))
	refs := []string{"W-1", "W-2", "W-3", "W-4", "W-5", "W-6"}
	r.importOrders(t, refs...)
	printer := "tcp://" + r.sink.Addr()

	// The WMS is down while the bench works.
	wms.down()
	for _, ref := range refs {
		r.mustRun("pack", ref, "--weight", "800g", "--printer", printer)
	}
	for i := 0; i < 3; i++ {
		clock.advance(time.Hour)
		r.mustRun("track", "sync", "--all")
	}
	res := r.run("webhooks", "sync", "--timeout", "5s")
	if res.code == 0 || len(wms.received()) != 0 {
		t.Fatalf("with the WMS down, webhooks sync should fail and deliver nothing:\n%s", res)
	}
	listed := r.mustRun("webhooks", "list", "--json")
	var pending []struct {
		EventID string `json:"event_id"`
		State   string `json:"state"`
	}
	if err := json.Unmarshal([]byte(listed.stdout), &pending); err != nil || len(pending) < 2*len(refs) {
		t.Fatalf("queued events while the WMS was down: %v\n%s", err, listed)
	}

	// Back, but slow: deliveries are cut by kills at random moments.
	wms.up()
	wms.setDelay(60 * time.Millisecond)
	kills := 0
	for i := 0; i < 12; i++ {
		delay := time.Duration(rng.Int64N(int64(250 * time.Millisecond)))
		res, killed, _, _ := r.runMaybeKill([]string{"webhooks", "sync", "--timeout", "20s"}, true, delay)
		if killed {
			kills++
		}
		t.Logf("webhooks sync %d: killed=%v after %s: %s", i+1, killed, delay, firstLine(res.stdout+res.stderr))
	}
	wms.setDelay(0)
	r.mustRun("webhooks", "sync")
	if res := r.mustRun("webhooks", "list"); !strings.Contains(res.stdout, "no webhook waits") {
		t.Fatalf("events left after the final sync:\n%s", res)
	}

	got := wms.received()
	count := map[string]int{}
	var order = map[string][]string{} // order ref → first arrivals, in order
	for _, h := range got {
		if !h.SignatureOK {
			t.Errorf("event %s: bad signature: %s", h.ID, h.Why)
		}
		count[h.ID]++
		if count[h.ID] == 1 {
			order[h.OrderRef] = append(order[h.OrderRef], h.Type)
		}
	}
	dups := 0
	for id, n := range count {
		if n > 1 {
			dups += n - 1
			t.Logf("event %s arrived %d times (a kill landed between the WMS's answer and the station's record)", id, n)
		}
	}
	for _, p := range pending {
		if count[p.EventID] == 0 {
			t.Errorf("event %s was queued while the WMS was down and never arrived", p.EventID)
		}
	}
	// A kill cuts at most the deliveries in flight: [wms.webhooks]
	// concurrency, 2 by default.
	if dups > 2*kills {
		t.Errorf("%d repeated deliveries but only %d kills (at most 2 deliveries in flight each): a repeat without a crash", dups, kills)
	}
	for _, ref := range refs {
		types := order[ref]
		if len(types) == 0 || types[0] != "label.created" || !slices.Contains(types, "shipment.status_changed") {
			t.Errorf("order %s: the WMS heard %v, want label.created first and then status changes", ref, types)
		}
	}
	t.Logf("%d events, %d deliveries, %d kills, %d repeats", len(count), len(got), kills, dups)
}
