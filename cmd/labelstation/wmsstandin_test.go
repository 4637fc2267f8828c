package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// wmsStandin is a warehouse system on loopback, as the station meets
// one: it answers order lookups (GET /orders/{ref}) from JSON it is
// given, and receives webhooks (POST /hooks), checking each signature
// itself — with crypto/hmac, not the station's code — and recording
// every delivery, duplicates included. It can be down (nothing listens:
// connection refused), failing (503 with Retry-After) or slow, and comes
// back on the same address.
type wmsStandin struct {
	t      testing.TB
	addr   string
	secret []byte

	mu       sync.Mutex
	ln       net.Listener
	srv      *http.Server
	orders   map[string]json.RawMessage
	mode     string        // "up", "failing"
	token    string        // when set, lookups need "Authorization: Bearer TOKEN"
	delay    time.Duration // added before every answer
	hooks    []wmsHook
	lookups  int
	inFlight int
}

// wmsHook is one webhook delivery as the stand-in received it.
type wmsHook struct {
	ID, Type, OrderRef string
	Body               []byte
	SignatureOK        bool
	Why                string // why the signature did not verify
	At                 time.Time
}

func newWMSStandin(t testing.TB, secret string) *wmsStandin {
	w := &wmsStandin{t: t, secret: []byte(secret), orders: map[string]json.RawMessage{}, mode: "up"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.addr = ln.Addr().String()
	w.serve(ln)
	t.Cleanup(w.stop)
	return w
}

func (w *wmsStandin) URL() string { return "http://" + w.addr }

func (w *wmsStandin) serve(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{ref}", w.handleOrder)
	mux.HandleFunc("POST /hooks", w.handleHook)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	w.mu.Lock()
	w.ln, w.srv = ln, srv
	w.mu.Unlock()
	go srv.Serve(ln)
}

// down stops listening: the station gets connection refused.
func (w *wmsStandin) down() {
	w.mu.Lock()
	srv := w.srv
	w.srv, w.ln = nil, nil
	w.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// up listens again on the same address.
func (w *wmsStandin) up() {
	w.mu.Lock()
	running := w.srv != nil
	w.mode = "up"
	w.mu.Unlock()
	if running {
		return
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", w.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		w.t.Fatalf("wms stand-in cannot listen on %s again: %v", w.addr, err)
	}
	w.serve(ln)
}

func (w *wmsStandin) stop() { w.down() }

func (w *wmsStandin) setMode(mode string) { w.mu.Lock(); w.mode = mode; w.mu.Unlock() }
func (w *wmsStandin) setDelay(d time.Duration) {
	w.mu.Lock()
	w.delay = d
	w.mu.Unlock()
}

func (w *wmsStandin) setOrder(ref string, body json.RawMessage) {
	w.mu.Lock()
	w.orders[ref] = body
	w.mu.Unlock()
}

func (w *wmsStandin) handleOrder(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	w.lookups++
	body, ok := w.orders[r.PathValue("ref")]
	mode, delay, token := w.mode, w.delay, w.token
	w.mu.Unlock()
	time.Sleep(delay)
	switch {
	case token != "" && r.Header.Get("Authorization") != "Bearer "+token:
		http.Error(rw, `{"error":"unauthorized"}`, http.StatusUnauthorized)
	case mode == "failing":
		rw.Header().Set("Retry-After", "1")
		http.Error(rw, "maintenance", http.StatusServiceUnavailable)
	case !ok:
		http.Error(rw, `{"error":"no such order"}`, http.StatusNotFound)
	default:
		rw.Header().Set("Content-Type", "application/json")
		rw.Write(body)
	}
}

func (w *wmsStandin) handleHook(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	w.mu.Lock()
	mode, delay := w.mode, w.delay
	w.inFlight++
	w.mu.Unlock()
	defer func() { w.mu.Lock(); w.inFlight--; w.mu.Unlock() }()
	time.Sleep(delay)
	if mode == "failing" {
		rw.Header().Set("Retry-After", "1")
		http.Error(rw, "maintenance", http.StatusServiceUnavailable)
		return
	}
	h := wmsHook{ID: r.Header.Get("Labelstation-Event-Id"), Type: r.Header.Get("Labelstation-Event-Type"), Body: body, At: time.Now()}
	var env struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		OrderRef string `json:"order_ref"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		h.Why = "body is not JSON: " + err.Error()
	}
	h.OrderRef = env.OrderRef
	if env.ID != h.ID || env.Type != h.Type {
		h.Why = fmt.Sprintf("headers say %s %s, body says %s %s", h.ID, h.Type, env.ID, env.Type)
	}
	if h.Why == "" {
		h.SignatureOK, h.Why = w.verify(r.Header.Get("Labelstation-Signature"), body)
	}
	w.mu.Lock()
	w.hooks = append(w.hooks, h)
	w.mu.Unlock()
	if !h.SignatureOK {
		http.Error(rw, "bad signature: "+h.Why, http.StatusUnauthorized)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}

// verify checks "t=UNIX,v1=HEX" the way a WMS would: HMAC-SHA256 over
// "t." + body with the shared secret, and a timestamp within 5 minutes.
func (w *wmsStandin) verify(header string, body []byte) (bool, string) {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false, fmt.Sprintf("no timestamp in %q", header)
	}
	if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false, fmt.Sprintf("timestamp %s is %s off", ts, d)
	}
	mac := hmac.New(sha256.New, w.secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			return true, ""
		}
	}
	return false, "no v1 signature matches"
}

// received returns the deliveries so far.
func (w *wmsStandin) received() []wmsHook {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]wmsHook(nil), w.hooks...)
}

// --- the stand-in in scripts -------------------------------------------

type wmsKey struct{}

// wms start | down | up | failing | slow DURATION | order REF FILE |
// token TOKEN | hooks FILE: drive the script's WMS stand-in. start listens on a free
// address, sets $WMS_URL and uses $WMS_SECRET to check signatures; hooks
// writes one line per delivery, "TYPE ORDER_REF ID signature=ok|bad", for
// grep.
func cmdWMS(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: wms start|down|up|failing|slow D|order REF FILE|hooks FILE")
	}
	w, _ := ts.Value(wmsKey{}).(*wmsBox)
	if args[0] == "start" {
		w.w = newWMSStandin(ts.Value(tbKey{}).(testing.TB), ts.Getenv("WMS_SECRET"))
		ts.Setenv("WMS_URL", w.w.URL())
		return
	}
	if w.w == nil {
		ts.Fatalf("wms start first")
	}
	switch args[0] {
	case "down":
		w.w.down()
	case "up":
		w.w.up()
	case "failing":
		w.w.setMode("failing")
	case "slow":
		d, err := time.ParseDuration(args[1])
		if err != nil {
			ts.Fatalf("%v", err)
		}
		w.w.setDelay(d)
	case "order":
		w.w.setOrder(args[1], json.RawMessage(ts.ReadFile(args[2])))
	case "token":
		w.w.mu.Lock()
		w.w.token = args[1]
		w.w.mu.Unlock()
	case "hooks":
		var b strings.Builder
		for _, h := range w.w.received() {
			ok := "ok"
			if !h.SignatureOK {
				ok = "bad(" + h.Why + ")"
			}
			fmt.Fprintf(&b, "%s %s %s signature=%s\n", h.Type, h.OrderRef, h.ID, ok)
		}
		if err := os.WriteFile(ts.MkAbs(args[1]), []byte(b.String()), 0o644); err != nil {
			ts.Fatalf("%v", err)
		}
	default:
		ts.Fatalf("unknown wms subcommand %q", args[0])
	}
}

// wmsBox holds a script's stand-in (set up empty in Setup, filled by
// "wms start").
type wmsBox struct{ w *wmsStandin }
