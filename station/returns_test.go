package station_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/sandbox"
	"labelstation/carrier/stg"
	"labelstation/printer"
	"labelstation/printer/printertest"
	"labelstation/printer/zplsim"
	"labelstation/station"
	"labelstation/store"
)

// factLog records the facts the store announces (what the WMS webhooks
// are built from), in order.
type factLog struct {
	mu    sync.Mutex
	facts []store.Fact
}

func (l *factLog) announce(f store.Fact) ([]store.Message, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.facts = append(l.facts, f)
	return nil, nil
}

// returns lists the return facts of one return, in order.
func (l *factLog) returns(id string) []store.FactKind {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []store.FactKind
	for _, f := range l.facts {
		if f.Return != nil && f.Return.ID == id {
			out = append(out, f.Kind)
		}
	}
	return out
}

var fullSequence = []store.FactKind{store.FactReturnRegistered, store.FactReturnInTransit, store.FactReturnReceived}

func sameKinds(a, b []store.FactKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// newReturnRig is a rig on a clock the test moves, whose sandbox tells
// the stepped story (one event an hour of that clock), with a fact log on
// the store. wrap, if given, stands between the station and the sandbox.
func newReturnRig(t *testing.T, wrap func(http.Handler) http.Handler) (*rig, *clock, *factLog) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.Local)}
	r := &rig{t: t, dir: t.TempDir(), tune: func(c *station.Config) { c.Now = clk.Now }}
	r.sandbox = sandbox.New(sandbox.Options{Seed: 1, Now: clk.Now, TrackingStep: time.Hour,
		Story: func(string) sandbox.Story { return sandbox.StoryStepped }})
	var h http.Handler = r.sandbox
	if wrap != nil {
		h = wrap(h)
	}
	r.http = httptest.NewServer(h)
	t.Cleanup(r.http.Close)
	r.sink = printertest.NewSink(t)
	var err error
	if r.printer, err = printer.Open(r.sink.URI()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.printer.Close() })
	r.open(nil)
	t.Cleanup(func() { r.station.Close() })
	log := &factLog{}
	r.store.SetAnnouncer(log.announce)
	r.importOrders()
	return r, clk, log
}

// returnBookings are the sandbox's return bookings for an order.
func returnBookings(s *sandbox.Server, ref string) []sandbox.RecordedBooking {
	var out []sandbox.RecordedBooking
	for _, b := range s.Bookings() {
		if b.Return && b.OrderRef == ref {
			out = append(out, b)
		}
	}
	return out
}

func mustPack(t *testing.T, r *rig, ref string, opts station.PackOptions) station.PackResult {
	t.Helper()
	if opts.Weight == 0 {
		opts.Weight = 1200
	}
	res, err := r.station.Pack(context.Background(), ref, opts)
	if err != nil {
		t.Fatalf("pack %s: %v (%s)", ref, err, station.Hint(err))
	}
	return res
}

// syncUntil moves the clock an hour at a time and syncs the returns until
// the return reaches state (at most a day).
func syncUntil(t *testing.T, r *rig, clk *clock, id string, state store.ReturnState) station.ReturnSyncReport {
	t.Helper()
	var total station.ReturnSyncReport
	for range 24 {
		clk.Add(time.Hour)
		rep, err := r.station.SyncReturns(context.Background())
		if err != nil || len(rep.Errors) > 0 {
			t.Fatalf("sync returns: %+v %v", rep, err)
		}
		total.Checked += rep.Checked
		total.Changed += rep.Changed
		total.Received += rep.Received
		if got, _ := r.store.Return(id); got.State == state {
			return total
		}
	}
	got, _ := r.store.Return(id)
	t.Fatalf("return %s is %s after a day, want %s", id, got.State, state)
	return total
}

// Ship, create a return at the bench, print its label, follow it through
// the carrier's tracking to received; the WMS hears registered, in
// transit, received once each and in order; the bench's later check adds
// nothing; the outgoing parcel's tracking is not disturbed.
func TestReturnCreateTrackReceive(t *testing.T) {
	r, clk, facts := newReturnRig(t, nil)
	ctx := context.Background()
	out := mustPack(t, r, "A-1", station.PackOptions{})
	r.sink.WaitLabels(1, 2*time.Second)
	if _, err := r.station.TrackSync(ctx, station.TrackOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	sumBefore, err := r.store.TrackSummary("A-1")
	if err != nil {
		t.Fatal(err)
	}

	// By the outgoing parcel's tracking number, as the bench scans it.
	res, err := r.station.CreateReturn(ctx, out.TrackingID, station.ReturnOptions{Reason: "wrong_size", Note: "too small"})
	if err != nil {
		t.Fatalf("create return: %v (%s)", err, station.Hint(err))
	}
	ret := res.Return
	booked := returnBookings(r.sandbox, "A-1")
	if len(booked) != 1 || len(booked[0].ItemIDs) != 1 {
		t.Fatalf("sandbox return bookings %+v", booked)
	}
	if ret.State != store.ReturnRegistered || ret.ItemID != booked[0].ItemIDs[0] || ret.OrderRef != "A-1" ||
		ret.Carrier != "postnord" || ret.Service != "24" || ret.OutgoingItemID != out.TrackingID || ret.Reason != "wrong_size" ||
		ret.RegisteredAt.IsZero() || len(ret.Lines) != 1 || ret.Lines[0].Description != "Ullstrumpor" {
		t.Fatalf("return %+v", ret)
	}
	if booked[0].RequestID != ret.ID || booked[0].Service != "24" || booked[0].ReceiverCity != "Göteborg" {
		t.Fatalf("booking %+v for return %s", booked[0], ret.ID)
	}
	if !res.Printed || ret.PrintedAt.IsZero() {
		t.Fatalf("not printed: %+v", res)
	}
	labels := r.sink.WaitLabels(2, 2*time.Second)
	if len(labels) != 2 || !strings.Contains(labels[1], ret.ItemID) || strings.Contains(labels[1], out.TrackingID) {
		t.Fatalf("printer got %d labels; the second is not the return's %s", len(labels), ret.ItemID)
	}
	if jobs, _ := r.store.PrintJobs(); len(jobs) != 0 {
		t.Fatalf("print queue %+v", jobs)
	}
	if got := facts.returns(ret.ID); !sameKinds(got, fullSequence[:1]) {
		t.Fatalf("facts after create: %v", got)
	}

	// A second return for the same order is refused without --another.
	_, err = r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{})
	var p *station.Problem
	if !errors.As(err, &p) || !errors.Is(err, store.ErrReturnExists) || !strings.Contains(p.Msg, ret.ID) ||
		!strings.Contains(p.Msg, ret.ItemID) || !strings.Contains(p.Hint, "--another") {
		t.Fatalf("duplicate: %v", err)
	}

	// Found by what the bench scans.
	for _, scan := range []string{ret.ItemID, "A-1", ret.ID} {
		info, err := r.station.FindReturn(ctx, scan)
		if err != nil || info.Return.ID != ret.ID || info.Order.Ref != "A-1" || info.Shipment.TrackingID() != out.TrackingID {
			t.Fatalf("find %s: %+v %v", scan, info.Return.ID, err)
		}
	}

	rep := syncUntil(t, r, clk, ret.ID, store.ReturnInTransit)
	if rep.Changed == 0 {
		t.Fatalf("sync report %+v", rep)
	}
	rep = syncUntil(t, r, clk, ret.ID, store.ReturnReceived)
	if rep.Received != 1 {
		t.Fatalf("sync report %+v", rep)
	}
	got, _ := r.store.Return(ret.ID)
	if got.ReceivedBy != store.ReceivedByCarrier || got.ReceivedAt.IsZero() || got.InTransitAt.IsZero() ||
		!got.InTransitAt.Before(got.ReceivedAt) || got.Status != carrier.StatusDelivered || !got.CheckedAt.IsZero() {
		t.Fatalf("received by the carrier: %+v", got)
	}
	events, err := r.store.ItemEvents(ret.ItemID)
	if err != nil || len(events) < 4 || events[0].CarrierCode != "EDI_RECEIVED" || events[len(events)-1].Status != carrier.StatusDelivered {
		t.Fatalf("return events %+v %v", events, err)
	}
	if !got.ReceivedAt.Equal(events[len(events)-1].Time) {
		t.Fatalf("received at %v, delivered event at %v", got.ReceivedAt, events[len(events)-1].Time)
	}
	if got := facts.returns(ret.ID); !sameKinds(got, fullSequence) {
		t.Fatalf("facts: %v", got)
	}

	// Nothing open any more: a pass asks nothing and stores nothing twice.
	if rep, err := r.station.SyncReturns(ctx); err != nil || rep.Checked != 0 {
		t.Fatalf("after received: %+v %v", rep, err)
	}
	if again, _ := r.store.ItemEvents(ret.ItemID); len(again) != len(events) {
		t.Fatalf("%d events, then %d", len(events), len(again))
	}

	// The packer checks it in: recorded, no second return_received.
	checked, err := r.station.ReceiveReturn(ctx, ret.ItemID, "both pairs, unused")
	if err != nil || checked.CheckedAt.IsZero() || checked.ReceivedBy != store.ReceivedByCarrier || !strings.Contains(checked.Note, "both pairs") {
		t.Fatalf("check in: %+v %v", checked, err)
	}
	if got := facts.returns(ret.ID); !sameKinds(got, fullSequence) {
		t.Fatalf("facts after the bench: %v", got)
	}
	if _, err := r.station.ReceiveReturn(ctx, ret.ID, ""); !errors.As(err, &p) || !strings.Contains(p.Msg, "already received") {
		t.Fatalf("second check in: %v", err)
	}

	// The outgoing parcel's tracking is its own.
	if ref, err := r.store.OrderRefByItem(ret.ItemID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the return's item id is indexed as order %q's parcel (%v)", ref, err)
	}
	sumAfter, _ := r.store.TrackSummary("A-1")
	if sumAfter.ItemID != out.TrackingID || sumAfter.Events != sumBefore.Events || sumAfter.Status != sumBefore.Status {
		t.Fatalf("outgoing summary changed: %+v → %+v", sumBefore, sumAfter)
	}
	sh, _ := r.store.ShipmentByOrder("A-1")
	if sh.Status != sumBefore.Status || sh.TrackingID() != out.TrackingID {
		t.Fatalf("outgoing shipment %s %s", sh.Status, sh.TrackingID())
	}
	h, err := r.station.TrackShow(ctx, "A-1")
	if err != nil || h.ItemID != out.TrackingID {
		t.Fatalf("track show: %+v %v", h, err)
	}
	for _, e := range h.Events {
		if e.ItemID != out.TrackingID {
			t.Fatalf("outgoing history holds %+v", e)
		}
	}
}

// Received at the bench before the carrier says so: received by the
// bench, and the WMS hears the whole sequence once; later passes leave it.
func TestReturnReceivedAtBenchFirst(t *testing.T) {
	r, clk, facts := newReturnRig(t, nil)
	ctx := context.Background()
	mustPack(t, r, "A-2", station.PackOptions{})
	res, err := r.station.CreateReturn(ctx, "A-2", station.ReturnOptions{Reason: "damaged"})
	if err != nil {
		t.Fatalf("create: %v (%s)", err, station.Hint(err))
	}
	info, err := r.station.FindReturn(ctx, res.Return.ItemID)
	if err != nil || info.Return.Reason != "damaged" || info.Order.Receiver.Country != "DK" {
		t.Fatalf("find: %+v %v", info, err)
	}
	clk.Add(30 * time.Minute)
	got, err := r.station.ReceiveReturn(ctx, info.Return.ID, "box dented")
	if err != nil {
		t.Fatalf("receive: %v (%s)", err, station.Hint(err))
	}
	if got.State != store.ReturnReceived || got.ReceivedBy != store.ReceivedByBench || !got.ReceivedAt.Equal(clk.Now()) ||
		!got.CheckedAt.Equal(clk.Now()) || got.Note != "box dented" || len(got.Lines) != 1 {
		t.Fatalf("received: %+v", got)
	}
	if kinds := facts.returns(got.ID); !sameKinds(kinds, fullSequence) {
		t.Fatalf("facts %v", kinds)
	}
	clk.Add(48 * time.Hour)
	before := len(r.sandbox.Requests())
	if rep, err := r.station.SyncReturns(ctx); err != nil || rep.Checked != 0 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
	if len(r.sandbox.Requests()) != before {
		t.Fatal("a received return was looked up")
	}
	if kinds := facts.returns(got.ID); !sameKinds(kinds, fullSequence) {
		t.Fatalf("facts after sync %v", kinds)
	}
	if list, _ := r.station.Returns(ctx, true); len(list) != 0 {
		t.Fatalf("open returns %+v", list)
	}
	if list, _ := r.station.Returns(ctx, false); len(list) != 1 {
		t.Fatalf("returns %+v", list)
	}
}

// The carrier cannot be reached: the return stays requested; creating it
// again books that same return, once.
func TestReturnCarrierDownResumesOnce(t *testing.T) {
	r, _, facts := newReturnRig(t, nil)
	ctx := context.Background()
	mustPack(t, r, "A-1", station.PackOptions{})
	r.stopCarrier()
	_, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{Reason: "changed_mind"})
	var p *station.Problem
	if !errors.As(err, &p) || !strings.Contains(p.Msg, "cannot be reached; the return is saved") || carrier.KindOf(err) != carrier.KindUnavailable {
		t.Fatalf("carrier down: %v", err)
	}
	list, _ := r.station.Returns(ctx, true)
	if len(list) != 1 || list[0].State != store.ReturnRequested || list[0].LastError == "" || list[0].ItemID != "" {
		t.Fatalf("returns %+v", list)
	}
	id := list[0].ID
	if kinds := facts.returns(id); len(kinds) != 0 {
		t.Fatalf("facts %v", kinds)
	}
	r.startCarrier()
	res, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{})
	if err != nil {
		t.Fatalf("resume: %v (%s)", err, station.Hint(err))
	}
	if res.Return.ID != id || res.Return.State != store.ReturnRegistered || res.Return.Reason != "changed_mind" || !res.Printed || res.Return.LastError != "" {
		t.Fatalf("resumed %+v", res.Return)
	}
	booked := returnBookings(r.sandbox, "A-1")
	if len(booked) != 1 || booked[0].RequestID != id {
		t.Fatalf("sandbox return bookings %+v", booked)
	}
	if all, _ := r.station.Returns(ctx, false); len(all) != 1 {
		t.Fatalf("returns %+v", all)
	}
	if kinds := facts.returns(id); !sameKinds(kinds, fullSequence[:1]) {
		t.Fatalf("facts %v", kinds)
	}
}

// PostNord booked the return but its answer was lost: creating it again
// asks Track & Trace by order reference, adopts the return it holds (not
// the outgoing parcel), prints a station-rendered label with PostNord's
// id, and books nothing twice.
func TestReturnUnknownOutcomeAdopted(t *testing.T) {
	r, _, facts := newReturnRig(t, nil)
	ctx := context.Background()
	out := mustPack(t, r, "A-1", station.PackOptions{})
	r.sink.WaitLabels(1, 2*time.Second)
	mustSetFaults(t, r, sandboxFaults(0, true))
	_, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{Reason: "wrong_item"})
	var p *station.Problem
	if !errors.As(err, &p) || carrier.KindOf(err) != carrier.KindUnknownOutcome || !strings.Contains(p.Msg, "answer was lost") {
		t.Fatalf("lost answer: %v", err)
	}
	list, _ := r.station.Returns(ctx, true)
	if len(list) != 1 || list[0].State != store.ReturnRequested || !strings.HasPrefix(list[0].LastError, "unknown outcome") {
		t.Fatalf("returns %+v", list)
	}
	mustSetFaults(t, r, sandboxFaults(0, false))
	res, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{})
	if err != nil {
		t.Fatalf("settle: %v (%s)", err, station.Hint(err))
	}
	booked := returnBookings(r.sandbox, "A-1")
	if len(booked) != 1 {
		t.Fatalf("sandbox return bookings %+v", booked)
	}
	if res.Return.ID != list[0].ID || res.Return.ItemID != booked[0].ItemIDs[0] || res.Return.ItemID == out.TrackingID || !res.Printed {
		t.Fatalf("adopted %+v, booked %v", res.Return, booked[0].ItemIDs)
	}
	labels := r.sink.WaitLabels(2, 2*time.Second)
	if len(labels) != 2 || !strings.Contains(labels[1], "RETURN") || !strings.Contains(labels[1], "A-1") {
		t.Fatalf("labels %d", len(labels))
	}
	if kinds := facts.returns(res.Return.ID); !sameKinds(kinds, fullSequence[:1]) {
		t.Fatalf("facts %v", kinds)
	}
}

// A labelless return: PostNord sends the customer a QR code; nothing is
// printed. Without the customer's e-mail or phone it is refused before
// anything is booked.
func TestReturnLabelless(t *testing.T) {
	r, _, _ := newReturnRig(t, nil)
	ctx := context.Background()
	if _, err := r.store.PutOrders([]carrier.Order{{Ref: "Q-1",
		Receiver: carrier.Address{Name: "Kari Nordmann", Street1: "Storgatan 9", Postcode: "11455", City: "Stockholm", Country: "SE", Email: "kari@example.com", Phone: "+46701234567"},
		Lines:    []carrier.Line{{SKU: "SKU-9", Description: "Jacka", Quantity: 1}}}}); err != nil {
		t.Fatal(err)
	}
	mustPack(t, r, "Q-1", station.PackOptions{})
	mustPack(t, r, "A-1", station.PackOptions{})
	r.sink.WaitLabels(2, 2*time.Second)

	_, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{Labelless: true})
	var p *station.Problem
	if !errors.As(err, &p) || !strings.Contains(p.Msg, "neither an e-mail address nor a phone number") || len(returnBookings(r.sandbox, "A-1")) != 0 {
		t.Fatalf("labelless without contact: %v", err)
	}

	res, err := r.station.CreateReturn(ctx, "Q-1", station.ReturnOptions{Labelless: true, Reason: "not_as_described"})
	if err != nil {
		t.Fatalf("labelless: %v (%s)", err, station.Hint(err))
	}
	if res.Printed || !res.Return.Labelless || res.Return.State != store.ReturnRegistered || res.Return.ItemID == "" || len(res.Return.Label.Data) != 0 {
		t.Fatalf("labelless %+v", res)
	}
	if len(returnBookings(r.sandbox, "Q-1")) != 1 {
		t.Fatal("not booked once")
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(r.sink.Labels()); n != 2 {
		t.Fatalf("printer got %d labels, want the 2 outgoing only", n)
	}
	if jobs, _ := r.store.PrintJobs(); len(jobs) != 0 {
		t.Fatalf("print jobs %+v", jobs)
	}
	if _, err := r.station.ReprintReturn(ctx, res.Return.ItemID, nil); !errors.As(err, &p) || !strings.Contains(p.Msg, "labelless") {
		t.Fatalf("reprint labelless: %v", err)
	}
}

// Unknown orders, orders not packed and numbers that are no return are
// said so, with a hint.
func TestReturnErrors(t *testing.T) {
	r, _, _ := newReturnRig(t, nil)
	ctx := context.Background()
	var p *station.Problem
	if _, err := r.station.CreateReturn(ctx, "NOPE-1", station.ReturnOptions{}); !errors.As(err, &p) || !strings.Contains(p.Msg, "NOPE-1") || !strings.Contains(p.Hint, "check the number") {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := r.station.CreateReturn(ctx, "A-3", station.ReturnOptions{}); !errors.As(err, &p) || !strings.Contains(p.Msg, "not been packed") || !strings.Contains(p.Hint, "pack the order first") {
		t.Fatalf("not packed: %v", err)
	}
	if _, err := r.station.FindReturn(ctx, "A-3"); !errors.Is(err, station.ErrReturnNotFound) || station.Hint(err) == "" {
		t.Fatalf("find: %v", err)
	}
	if _, err := r.station.ReceiveReturn(ctx, "0037300000000000000", ""); !errors.Is(err, station.ErrReturnNotFound) {
		t.Fatalf("receive unknown: %v", err)
	}
	if len(returnBookings(r.sandbox, "A-3")) != 0 {
		t.Fatal("booked")
	}
}

// A refused return is failed with the carrier's words; a second one can
// be made. Two returns of one order: the order's scan asks for the
// parcel's own number.
func TestReturnRefusedAndAnother(t *testing.T) {
	var refuse atomic.Bool
	r, _, _ := newReturnRig(t, refuseReturns(&refuse))
	ctx := context.Background()
	mustPack(t, r, "A-1", station.PackOptions{})
	refuse.Store(true)
	_, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{Reason: "wrong_size"})
	var p *station.Problem
	if !errors.As(err, &p) || !strings.Contains(p.Msg, "refused") || p.Hint == "" {
		t.Fatalf("refused: %v", err)
	}
	all, _ := r.station.Returns(ctx, false)
	if len(all) != 1 || all[0].State != store.ReturnFailed || !strings.Contains(all[0].LastError, "sandbox refuses returns") {
		t.Fatalf("returns %+v", all)
	}
	refuse.Store(false)
	first, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{Reason: "wrong_size"})
	if err != nil || first.Return.ID == all[0].ID {
		t.Fatalf("after the refusal: %+v %v", first.Return, err)
	}
	second, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{Reason: "damaged", Another: true})
	if err != nil || second.Return.ItemID == first.Return.ItemID {
		t.Fatalf("another: %+v %v", second.Return, err)
	}
	if _, err := r.station.FindReturn(ctx, "A-1"); !errors.As(err, &p) || !strings.Contains(p.Msg, "2 open returns") ||
		!strings.Contains(p.Msg, first.Return.ItemID) || !strings.Contains(p.Msg, second.Return.ItemID) {
		t.Fatalf("two open: %v", err)
	}
	if info, err := r.station.FindReturn(ctx, second.Return.ItemID); err != nil || info.Return.Reason != "damaged" {
		t.Fatalf("by number: %+v %v", info.Return, err)
	}
}

// refuseReturns makes the PostNord sandbox refuse return bookings (HTTP
// 400, as PostNord answers a request it will not book) while refuse is set.
func refuseReturns(refuse *atomic.Bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if refuse.Load() && strings.Contains(req.URL.Path, "/returns/") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(map[string]any{"message": "Validation failed", "compositeFault": map[string]any{
					"faults": []map[string]any{{"faultCode": "INVALID_PARAMETER", "explanationText": "sandbox refuses returns"}}}})
				return
			}
			next.ServeHTTP(w, req)
		})
	}
}

// An order that asks for a return label in the box: two labels print, the
// outgoing first; a refused return warns and does not fail the pack.
func TestPackWithReturnLabel(t *testing.T) {
	var refuse atomic.Bool
	r, _, facts := newReturnRig(t, refuseReturns(&refuse))
	ctx := context.Background()
	box := func(ref string) carrier.Order {
		return carrier.Order{Ref: ref, ReturnLabel: true,
			Receiver: carrier.Address{Name: "Sara Lind", Street1: "Drottninggatan 5", Postcode: "11151", City: "Stockholm", Country: "SE"},
			Lines:    []carrier.Line{{SKU: "SKU-1", Description: "Skor", Quantity: 1}}}
	}
	if _, err := r.store.PutOrders([]carrier.Order{box("R-1"), box("R-2")}); err != nil {
		t.Fatal(err)
	}
	res := mustPack(t, r, "R-1", station.PackOptions{})
	if res.ReturnTrackingID == "" || res.Warning != "" || !res.Printed {
		t.Fatalf("pack with return: %+v", res)
	}
	labels := r.sink.WaitLabels(2, 2*time.Second)
	if len(labels) != 2 || !strings.Contains(labels[0], res.TrackingID) || !strings.Contains(labels[1], res.ReturnTrackingID) {
		t.Fatalf("labels %d: outgoing %s then return %s", len(labels), res.TrackingID, res.ReturnTrackingID)
	}
	info, err := r.station.FindReturn(ctx, res.ReturnTrackingID)
	if err != nil || !info.Return.WithOutgoing || info.Return.Reason != "" || info.Return.PrintedAt.IsZero() {
		t.Fatalf("return %+v %v", info.Return, err)
	}
	if kinds := facts.returns(info.Return.ID); !sameKinds(kinds, fullSequence[:1]) {
		t.Fatalf("facts %v", kinds)
	}
	// Packed again: already packed, no second return.
	if _, err := r.station.Pack(ctx, "R-1", station.PackOptions{Weight: 1200}); !errors.Is(err, station.ErrAlreadyPacked) {
		t.Fatalf("again: %v", err)
	}
	if n := len(returnBookings(r.sandbox, "R-1")); n != 1 {
		t.Fatalf("%d returns booked", n)
	}

	refuse.Store(true)
	res2, err := r.station.Pack(ctx, "R-2", station.PackOptions{Weight: 1200})
	if err != nil || !res2.Printed || res2.ReturnTrackingID != "" || !strings.Contains(res2.Warning, "no return label in the box") ||
		!strings.Contains(res2.Warning, "refused") {
		t.Fatalf("pack with a refused return: %+v %v", res2, err)
	}
	if labels := r.sink.WaitLabels(3, 2*time.Second); len(labels) != 3 || !strings.Contains(labels[2], res2.TrackingID) {
		t.Fatalf("labels %d", len(labels))
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(r.sink.Labels()); n != 3 {
		t.Fatalf("%d labels printed", n)
	}
	if sh, err := r.store.ShipmentByOrder("R-2"); err != nil || !sh.Printed() {
		t.Fatalf("R-2 shipment %+v %v", sh, err)
	}
}

// A return label the printer did not take waits in the print queue like
// any label; Retry prints the return's label, not the outgoing one.
func TestReturnLabelPrintRetry(t *testing.T) {
	r, _, _ := newReturnRig(t, nil)
	ctx := context.Background()
	mustPack(t, r, "A-1", station.PackOptions{})
	r.sink.WaitLabels(1, 2*time.Second)
	if err := r.sink.Sim.SetFault(zplsim.PaperOut); err != nil {
		t.Fatal(err)
	}
	res, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{Reason: "other"})
	if err == nil || res.Printed || res.Return.State != store.ReturnRegistered {
		t.Fatalf("paper out: %+v %v", res, err)
	}
	jobs, _ := r.store.PrintJobs()
	if len(jobs) != 1 || jobs[0].ReturnID != res.Return.ID || jobs[0].TrackingID != res.Return.ItemID || jobs[0].State != store.PrintWaiting {
		t.Fatalf("queue %+v", jobs)
	}
	// The outgoing label's reprint is not held up by the return's job.
	if _, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{}); !errors.Is(err, store.ErrReturnExists) || !strings.Contains(station.Hint(err), jobs[0].ID) {
		t.Fatalf("exists while queued: %v (%s)", err, station.Hint(err))
	}
	if err := r.sink.Sim.SetFault(zplsim.None); err != nil {
		t.Fatal(err)
	}
	pr, err := r.station.RetryPrint(ctx, jobs[0].ID)
	if err != nil || !pr.Printed || pr.TrackingID != res.Return.ItemID {
		t.Fatalf("retry: %+v %v", pr, err)
	}
	labels := r.sink.WaitLabels(2, 2*time.Second)
	if len(labels) != 2 || !strings.Contains(labels[1], res.Return.ItemID) {
		t.Fatalf("labels %d", len(labels))
	}
	got, _ := r.store.Return(res.Return.ID)
	if got.PrintedAt.IsZero() {
		t.Fatalf("return not marked printed: %+v", got)
	}
	sh, _ := r.store.ShipmentByOrder("A-1")
	if sh.Reprints != 0 {
		t.Fatalf("the outgoing shipment counted the return's print: %+v", sh)
	}
	// Reprint on request.
	again, err := r.station.ReprintReturn(ctx, "A-1", nil)
	if err != nil || !again.Printed {
		t.Fatalf("reprint: %+v %v", again, err)
	}
	if labels := r.sink.WaitLabels(3, 2*time.Second); len(labels) != 3 || !strings.Contains(labels[2], res.Return.ItemID) {
		t.Fatalf("labels %d", len(labels))
	}
}

// STG: the return is booked against the outgoing parcel's tracking
// number; RETURN_REGISTERED keeps it registered, RETURN_IN_TRANSIT and
// RETURN_RECEIVED move it; an answer lost on the wire is settled by
// resending with the same Idempotency-Key.
func TestReturnSTG(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.Local)}
	srv := sandbox.NewSTG(sandbox.STGOptions{Seed: 1, Now: clk.Now})
	var drop atomic.Bool
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if drop.Load() && req.Method == http.MethodPost && req.URL.Path == "/v1/returns" {
			// STG books it, the answer is lost on the way back.
			srv.ServeHTTP(httptest.NewRecorder(), req)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		srv.ServeHTTP(w, req)
	}))
	t.Cleanup(hs.Close)
	c, err := stg.New(stg.Config{BaseURL: hs.URL, ClientID: "bench", ClientSecret: "secret", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	r := newRigWith(t, nil, func(cfg *station.Config) {
		cfg.Now = clk.Now
		cfg.Carriers = []carrier.Carrier{c}
		cfg.CarrierProfiles = map[string]station.CarrierProfile{"stg": {Services: []string{"HOME", "PICKUP", "EXPRESS"}, DefaultService: "HOME"}}
	})
	t.Cleanup(func() { r.station.Close() })
	facts := &factLog{}
	r.store.SetAnnouncer(facts.announce)
	r.importOrders()
	ctx := context.Background()
	out := mustPack(t, r, "A-1", station.PackOptions{Carrier: "stg"})

	drop.Store(true)
	_, err = r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{Reason: "wrong_size"})
	if carrier.KindOf(err) != carrier.KindUnknownOutcome || !strings.Contains(station.Hint(err), "recognises the request") {
		t.Fatalf("lost answer: %v (%s)", err, station.Hint(err))
	}
	drop.Store(false)
	res, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{})
	if err != nil {
		t.Fatalf("resend: %v (%s)", err, station.Hint(err))
	}
	var rets []sandbox.STGBooking
	for _, b := range srv.Bookings() {
		if b.Return {
			rets = append(rets, b)
		}
	}
	if len(rets) != 1 || rets[0].TrackingNumbers[0] != res.Return.ItemID || rets[0].IdempotencyKey != res.Return.ID {
		t.Fatalf("STG returns %+v, station's %+v", rets, res.Return)
	}
	var body struct {
		Original string `json:"originalTrackingNumber"`
		Reason   string `json:"reason"`
	}
	if err := json.Unmarshal(rets[0].Body, &body); err != nil || body.Original != out.TrackingID || body.Reason != "wrong_size" {
		t.Fatalf("STG return body %s", rets[0].Body)
	}
	if res.Return.Carrier != "stg" || !strings.HasPrefix(res.Return.ItemID, "STG") || !res.Printed {
		t.Fatalf("return %+v", res)
	}
	if labels := r.sink.WaitLabels(2, 2*time.Second); len(labels) != 2 || !strings.Contains(labels[1], res.Return.ItemID) {
		t.Fatalf("labels %d", len(labels))
	}

	// RETURN_REGISTERED: still registered.
	rep, err := r.station.SyncReturns(ctx)
	if err != nil || rep.Checked != 1 || len(rep.Errors) != 0 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
	if got, _ := r.store.Return(res.Return.ID); got.State != store.ReturnRegistered {
		t.Fatalf("after RETURN_REGISTERED: %s", got.State)
	}
	clk.Add(4 * time.Hour)
	if rep, err := r.station.SyncReturns(ctx); err != nil || rep.Changed != 1 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
	if got, _ := r.store.Return(res.Return.ID); got.State != store.ReturnInTransit {
		t.Fatalf("after RETURN_IN_TRANSIT: %s", got.State)
	}
	clk.Add(10 * 24 * time.Hour)
	if rep, err := r.station.SyncReturns(ctx); err != nil || rep.Received != 1 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
	got, _ := r.store.Return(res.Return.ID)
	if got.State != store.ReturnReceived || got.ReceivedBy != store.ReceivedByCarrier {
		t.Fatalf("after RETURN_RECEIVED: %+v", got)
	}
	if kinds := facts.returns(got.ID); !sameKinds(kinds, fullSequence) {
		t.Fatalf("facts %v", kinds)
	}
}

// The printer is out of labels when an order with a return label is
// packed: both labels wait in the print queue. The packer discards the
// outgoing one and packs again: the outgoing label prints from the
// shipment, and the return's job stays the return's.
func TestPackWithReturnLabelPrinterOut(t *testing.T) {
	r, _, _ := newReturnRig(t, nil)
	ctx := context.Background()
	if _, err := r.store.PutOrders([]carrier.Order{{Ref: "R-1", ReturnLabel: true,
		Receiver: carrier.Address{Name: "Sara Lind", Street1: "Drottninggatan 5", Postcode: "11151", City: "Stockholm", Country: "SE"},
		Lines:    []carrier.Line{{Description: "Skor", Quantity: 1}}}}); err != nil {
		t.Fatal(err)
	}
	if err := r.sink.Sim.SetFault(zplsim.PaperOut); err != nil {
		t.Fatal(err)
	}
	res, err := r.station.Pack(ctx, "R-1", station.PackOptions{Weight: 900})
	if err == nil || res.Printed || res.ReturnTrackingID == "" || !strings.Contains(res.Warning, "did not print") {
		t.Fatalf("paper out: %+v %v", res, err)
	}
	jobs, _ := r.store.PrintJobs()
	if len(jobs) == 2 && jobs[0].ReturnID != "" {
		jobs[0], jobs[1] = jobs[1], jobs[0] // written in the same instant of the test's clock
	}
	if len(jobs) != 2 || jobs[0].ReturnID != "" || jobs[1].ReturnID == "" || jobs[1].TrackingID != res.ReturnTrackingID {
		t.Fatalf("queue %+v", jobs)
	}
	if err := r.station.DiscardPrint(ctx, jobs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := r.sink.Sim.SetFault(zplsim.None); err != nil {
		t.Fatal(err)
	}
	again, err := r.station.Pack(ctx, "R-1", station.PackOptions{Weight: 900})
	if err != nil || !again.Printed || again.TrackingID != res.TrackingID || again.ReturnTrackingID != res.ReturnTrackingID {
		t.Fatalf("packed again: %+v %v", again, err)
	}
	labels := r.sink.WaitLabels(1, 2*time.Second)
	if len(labels) != 1 || !strings.Contains(labels[0], res.TrackingID) || strings.Contains(labels[0], res.ReturnTrackingID) {
		t.Fatalf("printed %d labels", len(labels))
	}
	left, _ := r.store.PrintJobs()
	if len(left) != 1 || left[0].ID != jobs[1].ID {
		t.Fatalf("queue after %+v", left)
	}
	if ret, _ := r.station.FindReturn(ctx, res.ReturnTrackingID); !ret.Return.PrintedAt.IsZero() {
		t.Fatal("the return was marked printed by the outgoing label")
	}
	if len(returnBookings(r.sandbox, "R-1")) != 1 {
		t.Fatal("return booked twice")
	}
}

// The station stopped while a PostNord return was on the wire (found
// requested with no answer recorded): it is not sent again blindly. Within
// the lookup grace the packer is asked to wait; after it, PostNord is asked
// by order reference, and as it holds no return, the return is booked
// under its own request id, once.
func TestReturnInterruptedIsLookedUpFirst(t *testing.T) {
	r, clk, _ := newReturnRig(t, nil)
	r.station.Close()
	r.store.Close()
	r.tune = func(c *station.Config) { c.Now, c.LookupGrace = clk.Now, 2*time.Minute }
	r.open(nil)
	t.Cleanup(func() { r.station.Close() })
	ctx := context.Background()
	out := mustPack(t, r, "A-1", station.PackOptions{})
	now := clk.Now()
	interrupted := store.Return{ID: "11111111-2222-4333-8444-555555555555", OrderRef: "A-1", Carrier: "postnord", Service: "24",
		OutgoingItemID: out.TrackingID, Reason: "wrong_size", State: store.ReturnRequested, Created: now, Updated: now}
	if err := r.store.CreateReturn(interrupted); err != nil {
		t.Fatal(err)
	}
	before := len(r.sandbox.Requests())
	_, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{})
	var p *station.Problem
	if !errors.As(err, &p) || !strings.Contains(p.Hint, "try again in 2m0s") || len(r.sandbox.Requests()) != before {
		t.Fatalf("within the grace: %v (%s)", err, station.Hint(err))
	}
	clk.Add(3 * time.Minute)
	res, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{})
	if err != nil {
		t.Fatalf("after the grace: %v (%s)", err, station.Hint(err))
	}
	lookedUp := false
	for _, q := range r.sandbox.Requests()[before:] {
		lookedUp = lookedUp || strings.Contains(q.Path, "/reference/A-1/")
	}
	booked := returnBookings(r.sandbox, "A-1")
	if !lookedUp || len(booked) != 1 || booked[0].RequestID != interrupted.ID || res.Return.ID != interrupted.ID || res.Return.State != store.ReturnRegistered {
		t.Fatalf("looked up %v, bookings %+v, return %+v", lookedUp, booked, res.Return)
	}
}

// TestReturnServiceOfTheParcelsCarrier: a return service the parcel's
// carrier does not book is refused before anything is saved or asked.
func TestReturnServiceOfTheParcelsCarrier(t *testing.T) {
	r, _, _ := newReturnRig(t, nil)
	ctx := context.Background()
	mustPack(t, r, "A-1", station.PackOptions{})
	_, err := r.station.CreateReturn(ctx, "A-1", station.ReturnOptions{Service: "RETURN"})
	var p *station.Problem
	if !errors.As(err, &p) || p.ID != "returns.bad_service" || !strings.Contains(p.Hint, "24, 20, 22") {
		t.Fatalf("a PostNord parcel with STG's return service: %v", err)
	}
	if list, err := r.station.Returns(ctx, false); err != nil || len(list) != 0 {
		t.Fatalf("a refused return was saved: %v %v", list, err)
	}
	if !station.IsReturnService("RETURN") || !station.IsReturnService("22") || station.IsReturnService("19") {
		t.Error("IsReturnService does not know the carriers' return services")
	}
}
