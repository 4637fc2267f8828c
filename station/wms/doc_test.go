package wms

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"labelstation/carrier"
)

// The package's delivery contract: when the station stops after the WMS
// processed an event but before the station recorded the answer, the
// event is sent again after the restart under the same id with the same
// body — and the WMS's dedupe by Labelstation-Event-Id makes it once.
func TestCrashBeforeTheAnswerIsRecordedResendsTheSameEvent(t *testing.T) {
	dir := t.TempDir()
	w := newFakeWMS(t)
	entered, hold := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	w.setAnswer(func(g got) (int, http.Header) {
		if g.Type == EventLabelCreated && first.CompareAndSwap(false, true) {
			close(entered)
			<-hold // the WMS has it; its answer comes too late
		}
		return http.StatusOK, nil
	})
	cfg := testConfig(w.url())
	st := openStore(t, dir, cfg)
	ship(t, st, "A-1")
	track(t, st, "A-1", carrier.StatusInTransit, day0.Add(time.Hour))
	d := NewDeliverer(st, cfg)
	d.grace = 0 // a crash: no time for the answer
	stop := runInBackground(d)
	<-entered
	stop() // the station stops while the request is on the wire
	close(hold)
	waitFor(t, 2*time.Second, "the WMS to process it", func() bool { ids, _ := w.acceptedIDs(); return len(ids) == 1 })
	st.Close()

	st2 := openStore(t, dir, cfg)
	defer st2.Close()
	rep, err := NewDeliverer(st2, cfg).Drain(context.Background())
	if err != nil || rep.Sent != 2 || rep.Waiting != 0 {
		t.Fatalf("after restart: %+v, %v", rep, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var label []got
	dedupe := map[string]bool{}
	for _, g := range w.accepted {
		if g.Type == EventLabelCreated {
			label = append(label, g)
		}
		dedupe[g.ID] = true
	}
	if len(label) != 2 || label[0].ID != label[1].ID || !bytes.Equal(label[0].Body, label[1].Body) {
		t.Fatalf("label.created arrived %d times; want twice with the same id and body", len(label))
	}
	if len(dedupe) != 2 || w.accepted[len(w.accepted)-1].Type != EventStatusChanged {
		t.Errorf("after dedupe the WMS has %d events, want 2 in order", len(dedupe))
	}
}

// How a WMS checks a request (in Go; see the README for Python).
func ExampleVerify() {
	secret := []byte("the-shared-secret-from-the-env")
	seen := map[string]bool{} // a real WMS keeps this in its database
	wmsHandler := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(secret, r.Header.Get(HeaderSignature), body, time.Now(), DefaultTolerance); err != nil {
			http.Error(rw, err.Error(), http.StatusUnauthorized)
			return
		}
		id := r.Header.Get(HeaderEventID)
		if seen[id] {
			rw.WriteHeader(http.StatusOK) // already processed: acknowledge, change nothing
			return
		}
		seen[id] = true
		fmt.Println("processing", id)
		rw.WriteHeader(http.StatusOK)
	})
	srv := httptest.NewServer(wmsHandler)
	defer srv.Close()

	body := []byte(`{"id":"return.received:ret-1","type":"return.received","version":1}`)
	for range 2 { // the second is a resend after a crash
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set(HeaderSignature, Sign(secret, time.Now(), body))
		req.Header.Set(HeaderEventID, "return.received:ret-1")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			fmt.Println(resp.StatusCode)
			resp.Body.Close()
		}
	}
	// Output:
	// processing return.received:ret-1
	// 200
	// 200
}
