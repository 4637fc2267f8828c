package ordersource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	secretToken = "tok-9f8e7d6c5b4a"        // in the Authorization header
	secretQuery = "qkey-1a2b3c4d5e"         // in the URL's query
	secretPass  = "pw-77aa88bb99cc"         // in the URL's userinfo
	secretExtra = "extra-header-0123456789" // in another header
)

// wms is a stand-in WMS: handle answers each request; it records what
// the station sent.
type wms struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newWMS(t *testing.T, handle http.HandlerFunc) *wms {
	t.Helper()
	w := &wms{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.reqs = append(w.reqs, r.Clone(context.Background()))
		w.mu.Unlock()
		handle(rw, r)
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *wms) last(t *testing.T) *http.Request {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.reqs) == 0 {
		t.Fatal("the WMS got no request")
	}
	return w.reqs[len(w.reqs)-1]
}

func answer(status int, body string) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(status)
		io.WriteString(rw, body)
	}
}

func newLookup(t *testing.T, cfg HTTPConfig) *HTTP {
	t.Helper()
	h, err := NewHTTP(cfg)
	if err != nil {
		t.Fatalf("NewHTTP: %v (hint: %s)", err, HintOf(err))
	}
	return h
}

func TestLookupWithMapping(t *testing.T) {
	srv := newWMS(t, func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/api/v2/orders/SO-77" {
			http.NotFound(rw, r)
			return
		}
		answer(200, wmsAnswer)(rw, r)
	})
	h := newLookup(t, HTTPConfig{
		URL:     srv.URL + "/api/v2/orders/{ref}",
		Headers: map[string]string{"Authorization": "Bearer " + secretToken},
		Mapping: wmsMapping,
	})
	got, err := h.Lookup(context.Background(), " SO-77 ")
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if !reflect.DeepEqual(got, wmsOrder) {
		t.Fatalf("got  %+v\nwant %+v", got, wmsOrder)
	}
	r := srv.last(t)
	for k, want := range map[string]string{"Authorization": "Bearer " + secretToken, "Accept": "application/json", "User-Agent": "labelstation"} {
		if g := r.Header.Get(k); g != want {
			t.Errorf("header %s = %q, want %q", k, g, want)
		}
	}
	if r.Method != http.MethodGet {
		t.Errorf("method %s", r.Method)
	}
}

func TestLookupEscapesRef(t *testing.T) {
	srv := newWMS(t, answer(404, `{}`))
	ref := "A/1 2?&#"
	h := newLookup(t, HTTPConfig{URL: srv.URL + "/orders/{ref}/detail?by=ref&ref={ref}"})
	_, err := h.Lookup(context.Background(), ref)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	r := srv.last(t)
	if p := r.URL.EscapedPath(); p != "/orders/A%2F1%202%3F&%23/detail" {
		t.Errorf("path %q", p)
	}
	if q := r.URL.Query(); q.Get("ref") != ref || q.Get("by") != "ref" {
		t.Errorf("query %q", r.URL.RawQuery)
	}
}

func TestLookupNotFound(t *testing.T) {
	for name, handle := range map[string]http.HandlerFunc{
		"404":      answer(404, `{"error":"no such order"}`),
		"null":     answer(200, `null`),
		"empty []": answer(200, ` [ ] `),
	} {
		t.Run(name, func(t *testing.T) {
			srv := newWMS(t, handle)
			_, err := newLookup(t, HTTPConfig{URL: srv.URL + "/o/{ref}"}).Lookup(context.Background(), "X-1")
			if KindOf(err) != KindNotFound || !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v, want KindNotFound wrapping ErrNotFound", err)
			}
			if err.Error() != "order X-1 is not known to the WMS" || !strings.Contains(HintOf(err), "barcode") {
				t.Fatalf("err = %q, hint %q", err, HintOf(err))
			}
		})
	}
}

func TestLookupStatuses(t *testing.T) {
	for _, tc := range []struct {
		status int
		kind   ErrorKind
		says   string
		hint   string
	}{
		{401, KindAuth, "refused the station's credentials (HTTP 401)", "[orders.http.headers]"},
		{403, KindAuth, "(HTTP 403)", "WMS token"},
		{500, KindUnavailable, "cannot answer right now (HTTP 500 Internal Server Error)", "orders imported earlier still pack"},
		{503, KindUnavailable, "(HTTP 503", "import the orders from a file"},
		{429, KindUnavailable, "(HTTP 429", "orders imported earlier"},
		{418, KindBadAnswer, "answered HTTP 418 I'm a teapot for order R-1: short and stout", "[orders.http] url"},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := newWMS(t, answer(tc.status, "short\n\tand stout"))
			_, err := newLookup(t, HTTPConfig{URL: srv.URL + "/o/{ref}"}).Lookup(context.Background(), "R-1")
			if KindOf(err) != tc.kind {
				t.Fatalf("err = %v (kind %v), want %v", err, KindOf(err), tc.kind)
			}
			if !strings.Contains(err.Error(), tc.says) || !strings.Contains(HintOf(err), tc.hint) {
				t.Fatalf("err %q / hint %q; want %q / %q", err, HintOf(err), tc.says, tc.hint)
			}
			if !strings.Contains(err.Error(), "127.0.0.1") {
				t.Errorf("err %q does not name the WMS's host", err)
			}
		})
	}
}

func TestLookupBadJSON(t *testing.T) {
	for body, says := range map[string]string{
		`<html><body>Login</body></html>`: "is not JSON: <html><body>Login</body></html>",
		`{"ref":"R-1"} {"ref":"R-2"}`:     "is not JSON",
		`"R-1"`:                           `the WMS answered "R-1" for order R-1, not an order`,
		strings.Repeat("x", 500):          "is not JSON: " + strings.Repeat("x", 200) + "…",
	} {
		srv := newWMS(t, answer(200, body))
		_, err := newLookup(t, HTTPConfig{URL: srv.URL + "/o/{ref}"}).Lookup(context.Background(), "R-1")
		if KindOf(err) != KindBadAnswer || !strings.Contains(err.Error(), says) {
			t.Errorf("body %.40q: err = %v, want KindBadAnswer saying %q", body, err, says)
		}
	}
}

func TestLookupTooLarge(t *testing.T) {
	srv := newWMS(t, answer(200, `{"ref":"`+strings.Repeat("x", maxAnswer)+`"}`))
	_, err := newLookup(t, HTTPConfig{URL: srv.URL + "/o/{ref}"}).Lookup(context.Background(), "R-1")
	if KindOf(err) != KindBadAnswer || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Fatalf("err = %v", err)
	}
}

func TestLookupMissingRequiredField(t *testing.T) {
	srv := newWMS(t, answer(200, `{"orderNo":"SO-77","shipTo":{"contact":{"fullName":"Ola"},"address":["Gate 1"],"town":"Oslo","cc":"NO"}}`))
	_, err := newLookup(t, HTTPConfig{URL: srv.URL + "/o/{ref}", Mapping: wmsMapping}).Lookup(context.Background(), "SO-77")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindBadAnswer || e.Op != "wms lookup" {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(e.Msg, "receiver.postcode (looked for at shipTo.zip)") || !strings.Contains(e.Hint, "[orders.http.mapping]") {
		t.Fatalf("msg %q hint %q", e.Msg, e.Hint)
	}
}

func TestLookupOtherOrder(t *testing.T) {
	srv := newWMS(t, answer(200, `{"ref":"B-2","receiver":{"name":"N","street1":"S","postcode":"1","city":"C","country":"SE"}}`))
	_, err := newLookup(t, HTTPConfig{URL: srv.URL + "/o?q={ref}"}).Lookup(context.Background(), "B-1")
	if KindOf(err) != KindBadAnswer || err.Error() != "the WMS answered with order B-2 for B-1" {
		t.Fatalf("err = %v", err)
	}
}

func TestLookupWMSDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	h := newLookup(t, HTTPConfig{URL: url + "/o/{ref}"})
	start := time.Now()
	_, err := h.Lookup(context.Background(), "R-1")
	if KindOf(err) != KindUnavailable {
		t.Fatalf("err = %v, want KindUnavailable", err)
	}
	host := strings.TrimPrefix(url, "http://")
	if err.Error() != "the WMS at "+host+" cannot be reached" {
		t.Errorf("err = %q", err)
	}
	if h := HintOf(err); !strings.Contains(h, "orders imported earlier still pack") || !strings.Contains(h, "import the orders from a file") {
		t.Errorf("hint = %q", h)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("the cause %v is not kept", errors.Unwrap(err))
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("a refused connection took %v", time.Since(start))
	}
}

func TestLookupUnknownHost(t *testing.T) {
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.DNSError{Err: "no such host", Name: "wms.invalid", IsNotFound: true}
	}}}
	h := newLookup(t, HTTPConfig{URL: "https://wms.invalid/o/{ref}", Client: client})
	_, err := h.Lookup(context.Background(), "R-1")
	if KindOf(err) != KindUnavailable || !strings.Contains(err.Error(), "the WMS at wms.invalid cannot be reached: the host name is not known") {
		t.Fatalf("err = %v", err)
	}
}

func TestLookupSlowWMS(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for name, handle := range map[string]http.HandlerFunc{
		"no headers": func(rw http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		},
		"stalled body": func(rw http.ResponseWriter, r *http.Request) {
			rw.WriteHeader(200)
			io.WriteString(rw, `{"ref":`)
			rw.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newWMS(t, handle)
			h := newLookup(t, HTTPConfig{URL: srv.URL + "/o/{ref}", Timeout: timeout})
			start := time.Now()
			_, err := h.Lookup(context.Background(), "R-1")
			elapsed := time.Since(start)
			if KindOf(err) != KindTimeout {
				t.Fatalf("err = %v, want KindTimeout", err)
			}
			if elapsed < timeout || elapsed > timeout+time.Second {
				t.Errorf("took %v with a timeout of %v", elapsed, timeout)
			}
			if !strings.Contains(err.Error(), "did not answer within 300ms") || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %q (cause %v)", err, errors.Unwrap(err))
			}
			if !strings.Contains(HintOf(err), "orders imported earlier still pack") {
				t.Errorf("hint = %q", HintOf(err))
			}
		})
	}
}

func TestLookupCallerDeadlineAndCancel(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	srv := newWMS(t, func(rw http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-block:
		}
	})
	h := newLookup(t, HTTPConfig{URL: srv.URL + "/o/{ref}"}) // 5s default
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := h.Lookup(ctx, "R-1")
	if KindOf(err) != KindTimeout || strings.Contains(err.Error(), "5s") {
		t.Fatalf("err = %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = h.Lookup(ctx, "R-1")
	if KindOf(err) != KindCanceled || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// No error text, hint, cause or description shows a header value, a query
// value or the userinfo of the URL, whatever goes wrong.
func TestSecretsNeverInErrors(t *testing.T) {
	secrets := []string{secretToken, secretQuery, secretPass, secretExtra}
	echo := "the request had Authorization: Bearer " + secretToken + " and apikey=" + secretQuery + " and " + secretPass + " " + secretExtra
	mk := func(srvURL string, timeout time.Duration) *HTTP {
		u := strings.Replace(srvURL, "http://", "http://bench:"+secretPass+"@", 1)
		return newLookup(t, HTTPConfig{
			URL:     u + "/o/{ref}?apikey=" + secretQuery + "&ref={ref}",
			Headers: map[string]string{"Authorization": "Bearer " + secretToken, "X-Extra": secretExtra},
			Timeout: timeout,
		})
	}
	check := func(name string, h *HTTP, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		texts := []string{err.Error(), HintOf(err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), h.Describe()}
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			texts = append(texts, e.Error(), fmt.Sprintf("%#v", e))
		}
		for _, s := range secrets {
			for _, txt := range texts {
				if strings.Contains(txt, s) {
					t.Errorf("%s: %q shows the secret %s", name, txt, s)
				}
			}
		}
	}
	for _, status := range []int{200, 400, 401, 404, 418, 500} {
		srv := newWMS(t, answer(status, echo))
		h := mk(srv.URL, time.Second)
		_, err := h.Lookup(context.Background(), "R-1")
		check(fmt.Sprint(status), h, err)
		if status == 418 && !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("418: the echoed secrets were not replaced: %q", err)
		}
		// The query and headers went out all the same.
		r := srv.last(t)
		if r.URL.Query().Get("apikey") != secretQuery || r.Header.Get("X-Extra") != secretExtra {
			t.Errorf("the WMS did not get the query or header: %q", r.URL.RawQuery)
		}
	}
	// A mapping problem quoting a WMS value that is a secret.
	srv := newWMS(t, answer(200, `{"ref":"R-1","receiver":{"name":"N","street1":"S","postcode":"1","city":"C","country":"`+secretToken+`"}}`))
	h := mk(srv.URL, time.Second)
	_, err := h.Lookup(context.Background(), "R-1")
	check("mapping", h, err)

	srv = newWMS(t, func(rw http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	h = mk(srv.URL, 100*time.Millisecond)
	_, err = h.Lookup(context.Background(), "R-1")
	check("timeout", h, err)

	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	h = mk(down.URL, time.Second)
	_, err = h.Lookup(context.Background(), "R-1")
	check("down", h, err)

	// Configuration errors quote no URL.
	_, err = NewHTTP(HTTPConfig{URL: "ftp://bench:" + secretPass + "@wms/o/{ref}?k=" + secretQuery})
	if KindOf(err) != KindConfig {
		t.Fatalf("ftp: %v", err)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error()+HintOf(err), s) {
			t.Errorf("config error %q shows %s", err, s)
		}
	}
}

func TestDescribe(t *testing.T) {
	h := newLookup(t, HTTPConfig{
		URL:     "https://bench:" + secretPass + "@wms.example:8443/api/orders/{ref}?apikey=" + secretQuery + "&ref={ref}",
		Headers: map[string]string{"authorization": "Bearer " + secretToken, "X-Tenant": "acme"},
		Timeout: 3 * time.Second,
	})
	want := "WMS https://wms.example:8443/api/orders/{ref}?apikey=…&ref={ref} (timeout 3s, headers Authorization, X-Tenant)"
	if got := h.Describe(); got != want {
		t.Fatalf("Describe() = %q\nwant         %q", got, want)
	}
	h = newLookup(t, HTTPConfig{URL: "http://wms/{ref}"})
	if got := h.Describe(); got != "WMS http://wms/{ref} (timeout 5s)" {
		t.Fatalf("Describe() = %q", got)
	}
}

func TestNewHTTPValidates(t *testing.T) {
	for _, tc := range []struct {
		cfg  HTTPConfig
		says string
	}{
		{HTTPConfig{URL: ""}, "[orders.http] url is empty"},
		{HTTPConfig{URL: "https://wms.example/api/orders"}, "[orders.http] url has no {ref}"},
		{HTTPConfig{URL: "ftp://wms.example/{ref}"}, `[orders.http] url starts with "ftp:"`},
		{HTTPConfig{URL: "wms.example/orders/{ref}"}, "[orders.http] url"},
		{HTTPConfig{URL: "https:///orders/{ref}"}, "[orders.http] url has no host"},
		{HTTPConfig{URL: "https://{ref}.wms.example/o"}, "{ref} in the host"},
		{HTTPConfig{URL: "https://wms.example/o/{ref}#x"}, "#fragment"},
		{HTTPConfig{URL: "https://wms.example/o/{ref}", Headers: map[string]string{"Bad Name": "x"}}, "[orders.http.headers]"},
		{HTTPConfig{URL: "https://wms.example/o/{ref}", Headers: map[string]string{"X": "a\nb"}}, "line break"},
		{HTTPConfig{URL: "https://wms.example/o/{ref}", Mapping: Mapping{"zip": "x"}}, "[orders.http.mapping]"},
	} {
		_, err := NewHTTP(tc.cfg)
		if KindOf(err) != KindConfig || !strings.Contains(err.Error(), tc.says) || HintOf(err) == "" {
			t.Errorf("%+v: err = %v (hint %q), want KindConfig saying %q", tc.cfg, err, HintOf(err), tc.says)
		}
	}
}

func TestLookupEmptyRef(t *testing.T) {
	h := newLookup(t, HTTPConfig{URL: "http://127.0.0.1:1/o/{ref}"})
	if _, err := h.Lookup(context.Background(), "  "); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestErrorKindString(t *testing.T) {
	for k := KindNotFound; k <= KindCanceled; k++ {
		if s := k.String(); strings.HasPrefix(s, "ErrorKind(") {
			t.Errorf("kind %d has no name", k)
		}
	}
	e := &Error{Msg: "m", Err: ErrNotFound}
	if e.Error() != "m" || !errors.Is(fmt.Errorf("wrapped: %w", e), ErrNotFound) || KindOf(errors.New("x")) != 0 {
		t.Fatal("Error basics")
	}
}
