package wms

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

func messageByID(t *testing.T, st *store.Store, id string) store.Message {
	t.Helper()
	m, err := st.MessageByID(id)
	if err != nil {
		t.Fatalf("message %s: %v", id, err)
	}
	return m
}

func TestEventsArriveInOrderOnceAndSigned(t *testing.T) {
	w := newFakeWMS(t)
	w.setAnswer(func(got) (int, http.Header) {
		time.Sleep(2 * time.Millisecond) // let sends overlap
		return http.StatusOK, nil
	})
	cfg := testConfig(w.url())
	st := openStore(t, t.TempDir(), cfg)
	defer st.Close()
	for _, ref := range []string{"A-1", "A-2", "A-3"} {
		fullLife(t, st, ref)
	}
	d := NewDeliverer(st, cfg)
	stop := runInBackground(d)
	defer stop()
	waitFor(t, 5*time.Second, "15 events", func() bool { ids, _ := w.acceptedIDs(); return len(ids) == 15 })

	// A fact recorded while delivery runs goes out after a Kick.
	ship(t, st, "A-4")
	d.Kick()
	waitFor(t, 5*time.Second, "the 16th event", func() bool { ids, _ := w.acceptedIDs(); return len(ids) == 16 })
	stop()

	checkOnceInOrder(t, w, st)
	if bad, statuses := w.counts(); bad != 0 || len(statuses) != 16 {
		t.Errorf("bad signatures %d, requests %d (want 0, 16)", bad, len(statuses))
	}
	for _, g := range w.accepted {
		if d := time.Since(time.Unix(g.SigTime, 0)); d < 0 || d > time.Minute {
			t.Errorf("%s signed at %d, not at the attempt", g.ID, g.SigTime)
		}
	}
	m := messageByID(t, st, "label.created:A-1:req-A-1")
	if m.Attempts != 1 || m.LastStatus != 200 || m.SentAt.IsZero() || m.Response != `{"ok":true}` || m.LastError != "" {
		t.Errorf("sent message record %+v", m)
	}
}

func TestWMSOutageLosesNothing(t *testing.T) {
	w := newFakeWMS(t)
	w.setAnswer(func(got) (int, http.Header) {
		return http.StatusServiceUnavailable, http.Header{"Retry-After": {"1"}}
	})
	cfg := testConfig(w.url())
	st := openStore(t, t.TempDir(), cfg)
	defer st.Close()
	fullLife(t, st, "A-1")
	fullLife(t, st, "B-1")
	d := NewDeliverer(st, cfg)
	stop := runInBackground(d)
	defer stop()

	// 1. The WMS is overloaded: it answers 503, Retry-After: 1.
	waitFor(t, 2*time.Second, "a 503", func() bool { _, s := w.counts(); return len(s) > 0 })
	waitFor(t, time.Second, "the Retry-After pause", func() bool { return !d.State().PausedUntil.IsZero() })
	time.Sleep(400 * time.Millisecond)
	if _, s := w.counts(); len(s) > cfg.Concurrency {
		t.Errorf("%d requests during a Retry-After pause, want at most the first %d", len(s), cfg.Concurrency)
	}
	m := messageByID(t, st, "label.created:A-1:req-A-1")
	if m.State != store.MessagePending || m.LastStatus != 503 || m.Attempts < 1 || !strings.Contains(m.LastError, "503") {
		t.Errorf("after a 503: %+v", m)
	}

	// 2. The WMS goes away: connections are refused.
	addr := w.addr
	w.stop()
	w.setAnswer(nil)
	waitFor(t, 3*time.Second, "offline", func() bool { return !d.State().Online })
	if err := d.State().LastErr; err == nil || !strings.Contains(err.Error(), "cannot reach the WMS") || strings.Contains(err.Error(), "tok-DO-NOT-LEAK") {
		t.Errorf("offline error: %v", err)
	}
	fullLife(t, st, "C-1") // the bench goes on while the WMS is away
	d.Kick()
	time.Sleep(300 * time.Millisecond)

	// 3. The WMS is back on the same address.
	w.start(addr)
	waitFor(t, 5*time.Second, "all 15 events", func() bool { ids, _ := w.acceptedIDs(); return len(ids) >= 15 })
	waitFor(t, time.Second, "online", func() bool { return d.State().Online })
	time.Sleep(100 * time.Millisecond) // a duplicate would show now
	stop()
	checkOnceInOrder(t, w, st)
	if pending, failed, _ := st.MessageCounts(store.ChannelWebhook); pending+failed != 0 {
		t.Errorf("%d pending, %d failed left", pending, failed)
	}
}

func TestRefusedEventWaitsForAPersonWhileOthersFlow(t *testing.T) {
	var broken atomic.Bool
	broken.Store(true)
	w := newFakeWMS(t)
	w.setAnswer(func(g got) (int, http.Header) {
		switch {
		case !broken.Load():
		case g.ID == "label.created:A-1:req-A-1":
			return http.StatusBadRequest, nil
		case g.OrderRef == "C-1":
			return http.StatusForbidden, nil
		}
		return http.StatusOK, nil
	})
	var logs bytes.Buffer
	cfg := testConfig(w.url())
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st := openStore(t, t.TempDir(), cfg)
	defer st.Close()
	for _, ref := range []string{"A-1", "B-1"} {
		ship(t, st, ref)
		track(t, st, ref, carrier.StatusInTransit, day0.Add(time.Hour))
	}
	ship(t, st, "C-1")
	d := NewDeliverer(st, cfg)
	ctx := context.Background()

	rep, err := d.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 3 || rep.Failed != 2 || rep.Waiting != 0 || len(rep.Errors) != 2 {
		t.Fatalf("drain report %+v, want 3 sent (B-1's two, A-1's status change), 2 failed", rep)
	}
	a := messageByID(t, st, "label.created:A-1:req-A-1")
	if a.State != store.MessageFailed || a.LastStatus != 400 || a.Attempts != 1 || !strings.Contains(a.LastError, "refused") || a.Response != `{"ok":false}` {
		t.Errorf("refused message %+v", a)
	}
	if s := messageByID(t, st, "shipment.status_changed:A-1:in_transit:"+itemOf("A-1")+"|"+day0.Add(time.Hour).UTC().Format(time.RFC3339Nano)+"|EE"); s.State != store.MessageSent {
		t.Errorf("A-1's later event is %s: a refused event must not hold up its order", s.State)
	}
	c := messageByID(t, st, "label.created:C-1:req-C-1")
	if !strings.Contains(c.LastError, "check [wms.webhooks] secret") {
		t.Errorf("403 says %q", c.LastError)
	}
	for _, text := range append(rep.Errors, a.LastError, c.LastError, logs.String()) {
		if strings.Contains(text, string(testSecret)) || strings.Contains(text, "tok-DO-NOT-LEAK") {
			t.Errorf("secret or query value leaked: %s", text)
		}
	}

	// The WMS is fixed; a person retries the refused one.
	broken.Store(false)
	a, err = d.Retry(ctx, a.Seq)
	if err != nil || a.State != store.MessageSent || a.Attempts != 2 || a.LastError != "" {
		t.Fatalf("retry: %+v, %v", a, err)
	}
	if _, err := d.Retry(ctx, a.Seq); err == nil || !strings.Contains(err.Error(), "already delivered") {
		t.Errorf("retry of a sent one: %v", err)
	}
	// The other is discarded.
	c, err = d.Discard(c.Seq, "C orders are not in this WMS")
	if err != nil || c.State != store.MessageDiscarded || c.LastError != "C orders are not in this WMS" {
		t.Fatalf("discard: %+v, %v", c, err)
	}
	if _, err := d.Retry(ctx, c.Seq); err == nil {
		t.Error("a discarded message was retried")
	}
	if _, err := d.Discard(a.Seq, "x"); err == nil {
		t.Error("a sent message was discarded")
	}
	rep, err = d.Drain(ctx)
	if err != nil || rep.Sent != 0 || rep.Failed != 0 || rep.Waiting != 0 {
		t.Errorf("final drain %+v, %v", rep, err)
	}
	_, n := w.acceptedIDs()
	if n[a.ID] != 1 || n[c.ID] != 0 || len(n) != 4 {
		t.Errorf("WMS accepted %v", n)
	}
}

func TestRetryKeepsAnOrdersEventsInOrder(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	w := newFakeWMS(t)
	w.setAnswer(func(got) (int, http.Header) {
		if down.Load() {
			return http.StatusBadGateway, nil
		}
		return http.StatusOK, nil
	})
	cfg := testConfig(w.url())
	cfg.MinBackoff, cfg.MaxBackoff = time.Hour, time.Hour // only a person's Retry sends again
	st := openStore(t, t.TempDir(), cfg)
	defer st.Close()
	ship(t, st, "D-1")
	track(t, st, "D-1", carrier.StatusInTransit, day0.Add(time.Hour))
	ms := messages(t, st)
	label, status := ms[0], ms[1]
	d := NewDeliverer(st, cfg)
	ctx := context.Background()
	rep, _ := d.Drain(ctx)
	if rep.Sent != 0 || rep.Waiting != 2 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "502") {
		t.Fatalf("drain against a 502: %+v", rep)
	}
	if _, err := d.Retry(ctx, status.Seq); !errors.Is(err, ErrWaitsForEarlier) {
		t.Fatalf("retry of the later event: %v, want ErrWaitsForEarlier", err)
	}
	if m, err := d.Retry(ctx, label.Seq); err == nil || m.State != store.MessagePending || m.Attempts != 2 {
		t.Fatalf("retry against a 502: %+v, %v", m, err)
	}
	down.Store(false)
	if m, err := d.Retry(ctx, label.Seq); err != nil || m.State != store.MessageSent {
		t.Fatalf("retry: %+v, %v", m, err)
	}
	if rep, err := d.Drain(ctx); err != nil || rep.Sent != 1 || rep.Waiting != 0 {
		t.Fatalf("drain after: %+v, %v", rep, err)
	}
	checkOnceInOrder(t, w, st)
}

func TestRestartDeliversTheRestNoneTwice(t *testing.T) {
	dir := t.TempDir()
	w := newFakeWMS(t)
	var n atomic.Int32
	w.setAnswer(func(got) (int, http.Header) {
		if n.Add(1) > 4 {
			return http.StatusServiceUnavailable, nil // the WMS tires; the station stops meanwhile
		}
		return http.StatusOK, nil
	})
	cfg := testConfig(w.url())
	st := openStore(t, dir, cfg)
	for _, ref := range []string{"A-1", "B-1", "C-1"} {
		fullLife(t, st, ref)
	}
	d := NewDeliverer(st, cfg)
	stop := runInBackground(d)
	waitFor(t, 3*time.Second, "4 events sent", func() bool {
		pending, _, _ := st.MessageCounts(store.ChannelWebhook)
		return pending == 11
	})
	waitFor(t, 3*time.Second, "a 503", func() bool { _, s := w.counts(); return len(s) > 4 })
	stop()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2 := openStore(t, dir, cfg)
	defer st2.Close()
	pending, _, _ := st2.MessageCounts(store.ChannelWebhook)
	if pending != 11 {
		t.Fatalf("%d pending after the restart, want 11", pending)
	}
	w.setAnswer(nil)
	d2 := NewDeliverer(st2, cfg)
	rep, err := d2.Drain(context.Background())
	if err != nil || rep.Sent != 11 || rep.Waiting != 0 || rep.Failed != 0 {
		t.Fatalf("drain after restart: %+v, %v", rep, err)
	}
	checkOnceInOrder(t, w, st2)
}

func TestAnswersAndNetworkErrors(t *testing.T) {
	t.Run("409 means the WMS has it", func(t *testing.T) {
		w := newFakeWMS(t)
		w.setAnswer(func(got) (int, http.Header) { return http.StatusConflict, nil })
		cfg := testConfig(w.url())
		st := openStore(t, t.TempDir(), cfg)
		defer st.Close()
		ship(t, st, "A-1")
		rep, err := NewDeliverer(st, cfg).Drain(context.Background())
		if err != nil || rep.Sent != 1 || messages(t, st)[0].State != store.MessageSent {
			t.Fatalf("409: %+v, %v", rep, err)
		}
	})
	t.Run("a redirect is not followed", func(t *testing.T) {
		target := newFakeWMS(t)
		w := newFakeWMS(t)
		w.setAnswer(func(got) (int, http.Header) {
			return http.StatusTemporaryRedirect, http.Header{"Location": {target.url()}}
		})
		cfg := testConfig(w.url())
		st := openStore(t, t.TempDir(), cfg)
		defer st.Close()
		ship(t, st, "A-1")
		rep, _ := NewDeliverer(st, cfg).Drain(context.Background())
		m := messages(t, st)[0]
		if rep.Failed != 1 || m.State != store.MessageFailed || !strings.Contains(m.LastError, "redirect") || strings.Contains(m.LastError, "tok-DO-NOT-LEAK") {
			t.Errorf("redirect: %+v\n%s", rep, m.LastError)
		}
		if _, s := target.counts(); len(s) != 0 {
			t.Errorf("the redirect target was asked %d times", len(s))
		}
	})
	t.Run("connection refused, URL redacted", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		var logs bytes.Buffer
		cfg := testConfig("http://user:pw-DO-NOT-LEAK@" + addr + "/h?token=tok-DO-NOT-LEAK")
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		st := openStore(t, t.TempDir(), cfg)
		defer st.Close()
		ship(t, st, "A-1")
		d := NewDeliverer(st, cfg)
		rep, _ := d.Drain(context.Background())
		m := messages(t, st)[0]
		if rep.Waiting != 1 || m.State != store.MessagePending || m.Attempts != 1 || d.State().Online {
			t.Errorf("refused connection: %+v, %+v, online %v", rep, m, d.State().Online)
		}
		for _, text := range append(rep.Errors, m.LastError, logs.String()) {
			if strings.Contains(text, "DO-NOT-LEAK") || strings.Contains(text, string(testSecret)) {
				t.Errorf("leak: %s", text)
			}
		}
		if !strings.Contains(m.LastError, "cannot reach the WMS at http://user:xxxxx@"+addr+"/h?token=REDACTED") {
			t.Errorf("error %q", m.LastError)
		}
	})
	t.Run("a slow WMS times out", func(t *testing.T) {
		w := newFakeWMS(t)
		w.setAnswer(func(got) (int, http.Header) { time.Sleep(300 * time.Millisecond); return 200, nil })
		cfg := testConfig(w.url())
		cfg.Timeout = 50 * time.Millisecond
		st := openStore(t, t.TempDir(), cfg)
		defer st.Close()
		ship(t, st, "A-1")
		rep, _ := NewDeliverer(st, cfg).Drain(context.Background())
		if rep.Waiting != 1 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "no answer from the WMS") {
			t.Errorf("timeout: %+v", rep)
		}
	})
	t.Run("webhooks off", func(t *testing.T) {
		st := openStore(t, t.TempDir(), Config{})
		defer st.Close()
		d := NewDeliverer(st, Config{})
		if _, err := d.Drain(context.Background()); !errors.Is(err, ErrDisabled) {
			t.Errorf("drain: %v", err)
		}
		d.Run(context.Background()) // returns at once
	})
}

func TestAnOrderlyStopRecordsTheAnswerInFlight(t *testing.T) {
	w := newFakeWMS(t)
	entered := make(chan struct{})
	var once atomic.Bool
	w.setAnswer(func(got) (int, http.Header) {
		if once.CompareAndSwap(false, true) {
			close(entered)
		}
		time.Sleep(150 * time.Millisecond) // a slow WMS, well within the grace
		return http.StatusOK, nil
	})
	cfg := testConfig(w.url())
	st := openStore(t, t.TempDir(), cfg)
	defer st.Close()
	ship(t, st, "A-1")
	d := NewDeliverer(st, cfg)
	stop := runInBackground(d)
	<-entered
	stop() // returns once the answer is in
	if m := messages(t, st)[0]; m.State != store.MessageSent {
		t.Fatalf("after an orderly stop the message is %s (%s); it would be sent twice", m.State, m.LastError)
	}
}
