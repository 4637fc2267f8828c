package logs_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"labelstation/logs"
)

const (
	apiKey   = "pn-key-0123456789abcdef"
	password = "smtp påssword/+&="
	webhook  = "whsec_abcdefghijklmnop"
	bearer   = "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"
)

func TestRedactorString(t *testing.T) {
	r := logs.NewRedactor(apiKey, password, webhook, bearer, "", "abc")
	for _, tc := range []struct{ in, want string }{
		{"key " + apiKey + " refused", "key [redacted] refused"},
		{"GET https://api2.postnord.com/rest?apikey=" + apiKey + "&locale=en", "GET https://api2.postnord.com/rest?apikey=[redacted]&locale=en"},
		// a key the redactor was never told, in a parameter named like one
		{"https://x/y?token=unknown123&key=k9&signature=s1#f", "https://x/y?token=[redacted]&key=[redacted]&signature=[redacted]#f"},
		{"https://x/y?APIKEY=zz&api_key=yy&client_secret=cs", "https://x/y?APIKEY=[redacted]&api_key=[redacted]&client_secret=[redacted]"},
		{"form password=hunter22&user=bo", "form password=[redacted]&user=bo"},
		{"monkey=banana donkey=1", "monkey=banana donkey=1"},
		{"escaped " + url.QueryEscape(password), "escaped [redacted]"},
		{"path " + url.PathEscape(password), "path [redacted]"},
		{`{"user":"bo","password":"x\"y","n":1}`, `{"user":"bo","password":"[redacted]","n":1}`},
		{"Authorization: Basic Ym86aHVudGVyMg==", "Authorization: Basic [redacted]"},
		{"authorization=opaque-token", "authorization=[redacted]"},
		{"header Authorization: " + bearer, "header Authorization: [redacted]"},
		{"header Authorization: Bearer not-registered-token", "header Authorization: Bearer [redacted]"},
		{"token eyJhbGciOiJIUzI1NiJ9.payload.sig leaked", "token [redacted] leaked"},
		{"signed with " + webhook, "signed with [redacted]"},
		// a carrier's own scrubbing is kept readable
		{"apikey=REDACTED", "apikey=[redacted]"},
		{"abc is too short to be a secret by value", "abc is too short to be a secret by value"},
		{"authorization failed", "authorization failed"},
	} {
		if got := r.String(tc.in); got != tc.want {
			t.Errorf("String(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if r.Leaks("nothing here") || !r.Leaks("x "+apiKey) {
		t.Error("Leaks is wrong")
	}
	r.Add("added-later-secret")
	if got := r.String("now added-later-secret shows"); got != "now [redacted] shows" {
		t.Errorf("after Add: %q", got)
	}
}

// stringer shows its secret only through String.
type stringer struct{ v string }

func (s stringer) String() string { return "cfg{" + s.v + "}" }

type creds struct {
	User string
	Pass string
}

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("resolved " + apiKey) }

func TestHandlerRedactsEveryPlaceASecretCanHide(t *testing.T) {
	var buf bytes.Buffer
	r := logs.NewRedactor(apiKey, password, webhook, bearer)
	log := slog.New(logs.NewHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), r))
	h := http.Header{}
	h.Set("Authorization", bearer)
	h.Set("X-Api-Key", "some-unregistered-key")
	h.Set("Accept", "application/json")
	log = log.With("bound", "with "+apiKey)
	log.Warn("refused key "+apiKey,
		"order", "A-1",
		"url", "https://h/p?apikey="+apiKey,
		"err", &url.Error{Op: "Post", URL: "https://h/p?token=zzz", Err: errors.New("EOF")},
		"headers", h,
		"password", "anything at all",
		"apikey", "",
		"cfg", stringer{apiKey},
		"creds", creds{User: "bo", Pass: password},
		"raw", []byte("key="+apiKey),
		"lazy", valuer{},
		slog.Group("smtp", slog.String("host", "mail.example"), slog.String("note", "pw "+password)),
		"n", 3,
	)
	out := buf.String()
	for _, secret := range []string{apiKey, password, url.QueryEscape(password), webhook, "eyJhbGciOiJIUzI1NiJ9", "zzz", "some-unregistered-key", "anything at all"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line shows %q:\n%s", secret, out)
		}
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %v\n%s", err, out)
	}
	for k, want := range map[string]any{
		"msg": "refused key [redacted]", "level": "WARN", "order": "A-1", "bound": "with [redacted]",
		"url": "https://h/p?apikey=[redacted]", "err": `Post "https://h/p?token=[redacted]": EOF`,
		"password": "[redacted]", "apikey": "", "n": 3.0, "lazy": "resolved [redacted]",
	} {
		if line[k] != want {
			t.Errorf("%s = %#v, want %#v", k, line[k], want)
		}
	}
	hd := line["headers"].(map[string]any)
	if hd["Authorization"].([]any)[0] != "[redacted]" || hd["Accept"].([]any)[0] != "application/json" {
		t.Errorf("headers: %v", hd)
	}
	if g := line["smtp"].(map[string]any); g["host"] != "mail.example" || g["note"] != "pw [redacted]" {
		t.Errorf("group: %v", g)
	}
}

func TestOpenWritesRedactedJSONLinesToTheFileAndTextToStderrOnlyWhenAsked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	var stderr bytes.Buffer
	l, err := logs.Open(logs.Options{Dir: dir, Stderr: &stderr, Secrets: []string{apiKey},
		Attrs: []slog.Attr{slog.String("station", "bench-1")}})
	if err != nil {
		t.Fatal(err)
	}
	l.Logger().Info("booked", "order", "A-1", "url", "x?apikey="+apiKey)
	l.Logger().Warn("printer out of labels", "order", "A-2")
	if stderr.Len() != 0 {
		t.Errorf("stderr got lines without StderrLevel: %q", stderr.String())
	}
	if l.Path() != filepath.Join(dir, "labelstation.log") {
		t.Errorf("path %s", l.Path())
	}
	l.Close()
	data, err := os.ReadFile(filepath.Join(dir, "labelstation.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || strings.Contains(string(data), apiKey) || !strings.Contains(lines[0], `"station":"bench-1"`) || !strings.Contains(lines[0], `"url":"x?apikey=[redacted]"`) {
		t.Fatalf("file:\n%s", data)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
			t.Errorf("log dir mode %v", fi.Mode().Perm())
		}
	}

	// A support session asks for warnings on stderr: short text lines.
	lv, _ := logs.Level("warn")
	l, err = logs.Open(logs.Options{Dir: dir, Stderr: &stderr, StderrLevel: lv, Secrets: []string{apiKey},
		Attrs: []slog.Attr{slog.String("station", "bench-1")}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Logger().Info("booked", "order", "A-3")
	l.Logger().Warn("booking failed", "order", "A-4", "err", "key "+apiKey+" refused")
	if got := stderr.String(); got != "level=WARN msg=\"booking failed\" order=A-4 err=\"key [redacted] refused\"\n" {
		t.Errorf("stderr: %q", got)
	}
}

func TestOpenOnAnUnwritableDirStillGivesALogger(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	os.WriteFile(file, nil, 0o600)
	l, err := logs.Open(logs.Options{Dir: filepath.Join(file, "logs")})
	if err == nil {
		t.Fatal("no error for a log dir under a file")
	}
	l.Logger().Error("nowhere to go") // must not panic
	if l.Path() != "" || l.Close() != nil {
		t.Fatal("a log that could not open has no path")
	}
}

func TestDefaultDirFollowsXDGStateHome(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("XDG is Linux's")
	}
	t.Setenv("XDG_STATE_HOME", "/var/state-x")
	if got := logs.DefaultDir(); got != "/var/state-x/labelstation/logs" {
		t.Errorf("DefaultDir = %s", got)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/home/packer")
	if got := logs.DefaultDir(); got != "/home/packer/.local/state/labelstation/logs" {
		t.Errorf("DefaultDir = %s", got)
	}
}

func TestSecretKey(t *testing.T) {
	for k, want := range map[string]bool{"password": true, "smtp.password": true, "APIKey": true, "client_secret": true,
		"Authorization": true, "x-api-key": true, "webhook_secret": true, "order": false, "tracking": false, "keys": false, "request_id": false} {
		if logs.SecretKey(k) != want {
			t.Errorf("SecretKey(%q) = %v", k, !want)
		}
	}
}
