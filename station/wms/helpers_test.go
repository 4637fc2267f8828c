package wms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

var testSecret = []byte("0123456789abcdef-test-secret")

// stand-in WMS ---------------------------------------------------------

// got is one request the stand-in WMS accepted (answered 2xx).
type got struct {
	ID, Type, OrderRef string
	Env                Envelope
	Body               []byte
	SigTime            int64
}

// fakeWMS is a WMS stand-in: it verifies every request's signature on
// its own (crypto/hmac, not Verify), answers as answer says, and keeps
// what it accepted.
type fakeWMS struct {
	t      *testing.T
	secret []byte

	mu       sync.Mutex
	answer   func(g got) (int, http.Header) // nil: 200
	accepted []got
	seen     map[string]int // event id → requests that reached the handler
	statuses []int          // every answer given
	badSig   int
	srv      *httptest.Server
	addr     string
}

func newFakeWMS(t *testing.T) *fakeWMS {
	w := &fakeWMS{t: t, secret: testSecret, seen: map[string]int{}}
	w.start("127.0.0.1:0")
	t.Cleanup(w.stop)
	return w
}

func (w *fakeWMS) url() string {
	return "http://" + w.addr + "/hooks/labelstation?token=tok-DO-NOT-LEAK"
}

// start listens on addr (the old address after stop: the WMS comes back).
func (w *fakeWMS) start(addr string) {
	var l net.Listener
	var err error
	for range 50 {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		w.t.Fatalf("listen %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(w)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	w.mu.Lock()
	w.srv, w.addr = srv, l.Addr().String()
	w.mu.Unlock()
}

// stop closes the server: connections are refused until start.
func (w *fakeWMS) stop() {
	w.mu.Lock()
	srv := w.srv
	w.srv = nil
	w.mu.Unlock()
	if srv != nil {
		srv.CloseClientConnections()
		srv.Close()
	}
}

func (w *fakeWMS) setAnswer(f func(g got) (int, http.Header)) {
	w.mu.Lock()
	w.answer = f
	w.mu.Unlock()
}

func (w *fakeWMS) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	g := got{ID: r.Header.Get(HeaderEventID), Type: r.Header.Get(HeaderEventType), Body: body}
	ok := r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/json" && r.Header.Get("User-Agent") == "labelstation"
	ok = ok && json.Unmarshal(body, &g.Env) == nil && g.Env.ID == g.ID && g.Env.Type == g.Type
	g.OrderRef = g.Env.OrderRef
	sigOK := false
	if ts, sig, found := parseSigIndependently(r.Header.Get(HeaderSignature)); found {
		mac := hmac.New(sha256.New, w.secret)
		mac.Write([]byte(ts + "."))
		mac.Write(body)
		sigOK = hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(sig))
		g.SigTime = parseInt(ts)
	}
	w.mu.Lock()
	w.seen[g.ID]++
	answer := w.answer
	w.mu.Unlock()
	status, hdr := http.StatusOK, http.Header(nil)
	switch {
	case !ok:
		status = http.StatusBadRequest
	case !sigOK:
		status = http.StatusUnauthorized
	case answer != nil:
		status, hdr = answer(g)
	}
	w.mu.Lock()
	if !sigOK {
		w.badSig++
	}
	w.statuses = append(w.statuses, status)
	if status >= 200 && status < 300 {
		w.accepted = append(w.accepted, g)
	}
	w.mu.Unlock()
	for k, v := range hdr {
		rw.Header()[k] = v
	}
	rw.WriteHeader(status)
	io.WriteString(rw, `{"ok":`+map[bool]string{true: "true", false: "false"}[status < 300]+`}`)
}

// parseSigIndependently reads "t=…,v1=…" without the package's code.
func parseSigIndependently(h string) (ts, sig string, ok bool) {
	for _, p := range strings.Split(h, ",") {
		if v, found := strings.CutPrefix(p, "t="); found {
			ts = v
		}
		if v, found := strings.CutPrefix(p, "v1="); found {
			sig = v
		}
	}
	return ts, sig, ts != "" && sig != ""
}

func parseInt(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

// acceptedIDs returns the accepted event ids in order, and how often each.
func (w *fakeWMS) acceptedIDs() ([]string, map[string]int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	n := map[string]int{}
	for _, g := range w.accepted {
		ids = append(ids, g.ID)
		n[g.ID]++
	}
	return ids, n
}

// perOrder returns the accepted event types of each order, in order.
func (w *fakeWMS) perOrder() map[string][]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]string{}
	for _, g := range w.accepted {
		out[g.OrderRef] = append(out[g.OrderRef], g.Type)
	}
	return out
}

func (w *fakeWMS) counts() (badSig int, statuses []int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.badSig, append([]int(nil), w.statuses...)
}

// store and facts ------------------------------------------------------

func testConfig(url string) Config {
	return Config{
		URL: url, Secret: testSecret, Station: "bench-1",
		Timeout: 2 * time.Second, Concurrency: 2,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 150 * time.Millisecond, PollEvery: 100 * time.Millisecond,
	}
}

func openStore(t *testing.T, dir string, cfg Config) *store.Store {
	t.Helper()
	st, err := store.Open(dir, store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st.SetAnnouncer(Announcer(cfg))
	return st
}

var day0 = time.Date(2026, 3, 9, 9, 30, 0, 0, time.Local)

func itemOf(ref string) string { return "00370" + strings.ReplaceAll(ref, "-", "") + "SE" }

// ship books ref through the store as the station does: an outbox entry,
// then RecordBooking (which announces label_created).
func ship(t *testing.T, st *store.Store, ref string) store.Shipment {
	t.Helper()
	e := store.OutboxEntry{ID: "req-" + ref, OrderRef: ref, Carrier: "postnord", State: store.StatePending, Created: day0}
	if err := st.CreateEntry(e); err != nil {
		t.Fatal(err)
	}
	sh := store.Shipment{
		OrderRef: ref, Carrier: "postnord", Service: "19", ShipmentID: "SHP-" + ref, ItemIDs: []string{itemOf(ref)},
		Weight: 1250, Receiver: carrier.Address{Name: "Åsa", Country: "SE"},
		Label:       carrier.Label{Format: carrier.LabelZPL, Data: []byte("^XA^FDlabel " + ref + "^FS^XZ")},
		TrackingURL: "https://tracking.example/" + itemOf(ref), RequestID: e.ID, BookedAt: day0, Status: carrier.StatusCreated,
	}
	if err := st.RecordBooking(e.ID, sh); err != nil {
		t.Fatal(err)
	}
	return sh
}

// track records a carrier event that changes the parcel's status.
func track(t *testing.T, st *store.Store, ref string, status carrier.Status, at time.Time) {
	t.Helper()
	ev := carrier.TrackingEvent{ItemID: itemOf(ref), Time: at, Status: status, CarrierCode: "EE", CarrierStatus: "EN_ROUTE", Description: "On its way", Location: "Stockholm", Country: "SE"}
	if _, err := st.RecordTracking(ref, []carrier.TrackingEvent{ev}, status, store.TrackSummary{ItemID: itemOf(ref), Carrier: "postnord"}); err != nil {
		t.Fatal(err)
	}
}

// returnFlow creates a return and moves it registered → in transit →
// received, as the station does.
func returnFlow(t *testing.T, st *store.Store, ref string) {
	t.Helper()
	id := "ret-" + ref
	r := store.Return{
		ID: id, OrderRef: ref, Carrier: "postnord", Service: "24", OutgoingItemID: itemOf(ref),
		Reason: "wrong_size", Note: "too small",
		Lines:   []carrier.Line{{SKU: "SKU-1", Description: "Jacka", Quantity: 1}},
		Created: day0.Add(24 * time.Hour),
	}
	if err := st.CreateReturn(r); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		state store.ReturnState
		ev    *carrier.TrackingEvent
	}{
		{store.ReturnRegistered, nil},
		{store.ReturnInTransit, &carrier.TrackingEvent{ItemID: "RET" + ref, Time: day0.Add(48 * time.Hour), Status: carrier.StatusInTransit, CarrierCode: "EE"}},
		{store.ReturnReceived, &carrier.TrackingEvent{ItemID: "RET" + ref, Time: day0.Add(72 * time.Hour), Status: carrier.StatusDelivered, CarrierCode: "DL"}},
	}
	for i, s := range steps {
		at := day0.Add(time.Duration(i+1) * 24 * time.Hour)
		if _, err := st.UpdateReturn(id, s.ev, func(x *store.Return) error {
			x.State, x.Updated = s.state, at
			switch s.state {
			case store.ReturnRegistered:
				x.ItemID, x.ShipmentID, x.RegisteredAt = "RET"+ref, "RSHP-"+ref, at
			case store.ReturnInTransit:
				x.InTransitAt = at
			case store.ReturnReceived:
				x.ReceivedAt, x.ReceivedBy = at, store.ReceivedByCarrier
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// fullLife records every fact of an order: 5 events.
func fullLife(t *testing.T, st *store.Store, ref string) {
	t.Helper()
	ship(t, st, ref)
	track(t, st, ref, carrier.StatusInTransit, day0.Add(3*time.Hour))
	returnFlow(t, st, ref)
}

var lifeTypes = []string{EventLabelCreated, EventStatusChanged, EventReturnRegistered, EventReturnInTransit, EventReturnReceived}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runInBackground starts d.Run and returns a stop that waits for it.
func runInBackground(d *Deliverer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	return func() { cancel(); <-done }
}

// messages returns every webhook message in the store, oldest first.
func messages(t *testing.T, st *store.Store) []store.Message {
	t.Helper()
	ms, err := st.Messages(store.ChannelWebhook, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// checkOnceInOrder asserts that every queued event was accepted exactly
// once and each order's events came in the order they were queued.
func checkOnceInOrder(t *testing.T, w *fakeWMS, st *store.Store) {
	t.Helper()
	ms := messages(t, st)
	_, n := w.acceptedIDs()
	want := map[string][]string{}
	for _, m := range ms {
		want[m.OrderRef] = append(want[m.OrderRef], m.Type)
		if n[m.ID] != 1 {
			t.Errorf("event %s accepted %d times, want once", m.ID, n[m.ID])
		}
		if m.State != store.MessageSent {
			t.Errorf("event %s is %s, want sent", m.ID, m.State)
		}
	}
	if len(n) != len(ms) {
		t.Errorf("WMS accepted %d distinct events, store has %d", len(n), len(ms))
	}
	got := w.perOrder()
	for ref, types := range want {
		if strings.Join(got[ref], ",") != strings.Join(types, ",") {
			t.Errorf("order %s: WMS got %v, want %v", ref, got[ref], types)
		}
	}
}
