package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// The tests use cheap argon2id parameters (the file keeps its own, so
// the code path is the same) and no real keyring.
func TestMain(m *testing.M) {
	defaultKDF = kdfParams{time: 1, memory: 64, threads: 1}
	keyring.MockInit() // never the developer's own keyring
	os.Unsetenv(PassphraseEnv)
	os.Unsetenv(BackendEnv)
	os.Exit(m.Run())
}

const (
	apikey  = "pn-KEY-0123456789abcdef"
	webhook = "whsec-$HOME-${PATH}-0123456789"
	token   = "Bearer eyJhbGciOi.secret-token"
)

// noLeak fails when text holds any of the test's secret values.
func noLeak(t *testing.T, what, text string) {
	t.Helper()
	for _, v := range []string{apikey, webhook, token, "correct horse battery", "pn-KEY"} {
		if strings.Contains(text, v) {
			t.Errorf("%s shows a secret value %q: %s", what, v, text)
		}
	}
}

// exercise stores, reads, lists and deletes through s, the same for
// every backend.
func exercise(t *testing.T, s *Store) {
	t.Helper()
	if _, ok, err := s.Get("postnord.apikey"); ok || err != nil {
		t.Fatalf("empty store: ok %v err %v", ok, err)
	}
	for name, v := range map[string]string{"postnord.apikey": apikey, "wms.webhooks.secret": webhook, "orders.http.headers.Authorization": token} {
		if err := s.Set(name, v); err != nil {
			t.Fatalf("set %s: %v", name, err)
		}
	}
	if err := s.Set("postnord.apikey", apikey); err != nil { // again: replaces
		t.Fatal(err)
	}
	for name, want := range map[string]string{"postnord.apikey": apikey, "wms.webhooks.secret": webhook, "orders.http.headers.Authorization": token} {
		if v, ok, err := s.Get(name); !ok || err != nil || v != want {
			t.Fatalf("get %s: ok %v err %v, value differs: %v", name, ok, err, v == want)
		}
	}
	want := []string{"orders.http.headers.Authorization", "postnord.apikey", "wms.webhooks.secret"}
	if got := s.Names(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	if err := s.Delete("wms.webhooks.secret"); err != nil {
		t.Fatal(err)
	}
	err := s.Delete("wms.webhooks.secret")
	if !errors.Is(err, ErrNotFound) || HintOf(err) == "" {
		t.Fatalf("delete twice: %v", err)
	}
	if _, ok, _ := s.Get("wms.webhooks.secret"); ok {
		t.Fatal("deleted secret still there")
	}
	if got := s.Names(); fmt.Sprint(got) != "[orders.http.headers.Authorization postnord.apikey]" {
		t.Fatalf("names after delete %v", got)
	}
	for _, bad := range []string{"", "a\nb", strings.Repeat("x", MaxValueLen+1)} {
		if err := s.Set("postnord.apikey", bad); !errors.Is(err, ErrBadValue) {
			t.Errorf("value of %d bytes: %v", len(bad), err)
		}
	}
	if err := s.Set("postnord.apikye", "x"); !errors.Is(err, ErrBadName) {
		t.Errorf("misspelt name: %v", err)
	}
	noLeak(t, "String", s.String()+fmt.Sprintf("%v %+v %#v", s, s, s))
}

func TestKeyringBackend(t *testing.T) {
	keyring.MockInit()
	defer func(c func() error) { sessionCheck = c }(sessionCheck)
	sessionCheck = nil
	s, err := Open(t.TempDir(), Config{Backend: "keyring"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Backend() != BackendKeyring || !strings.Contains(s.Where(), `service "labelstation"`) || s.Warning() != "" {
		t.Fatalf("backend %s, where %s, warning %q", s.Backend(), s.Where(), s.Warning())
	}
	exercise(t, s)
	// One entry per secret: service "labelstation", user = the name.
	if v, err := keyring.Get("labelstation", "postnord.apikey"); err != nil || v != apikey {
		t.Fatalf("keyring entry: %v", err)
	}
	// A secret stored with the OS's own tool is listed and read too.
	keyring.Set("labelstation", "notify.sms.password", "sms-pass")
	if got := fmt.Sprint(s.Names()); !strings.Contains(got, "notify.sms.password") {
		t.Fatalf("names %s", got)
	}
	// Another keyring service is another station.
	other, _ := Open(t.TempDir(), Config{Backend: "keyring", KeyringService: "labelstation-bench2"})
	if _, ok, _ := other.Get("postnord.apikey"); ok {
		t.Fatal("service labelstation-bench2 sees bench 1's key")
	}
}

func TestKeyringMissingOrBroken(t *testing.T) {
	defer func(c func() error) { sessionCheck = c }(sessionCheck)
	// No session bus: forcing the keyring says so, the automatic choice
	// falls back without asking D-Bus (which would start a bus).
	sessionCheck = func() error { return noKeyring("no keyring session: no D-Bus session bus") }
	_, err := Open(t.TempDir(), Config{Backend: "keyring"})
	if !errors.Is(err, ErrNoKeyring) || !strings.Contains(HintOf(err), `backend = "file"`) {
		t.Fatalf("forced keyring without a session: %v (hint %q)", err, HintOf(err))
	}
	dir := t.TempDir()
	s, err := Open(dir, Config{})
	if err != nil || s.Backend() != BackendPlain {
		t.Fatalf("automatic without keyring: %v %v", s, err)
	}
	if s.Warning() != "" {
		t.Fatalf("warning before anything is stored: %q", s.Warning())
	}
	if err := s.Set("postnord.apikey", apikey); err != nil {
		t.Fatal(err)
	}
	if w := s.Warning(); !strings.Contains(w, "plain text") || !strings.Contains(w, "no D-Bus session bus") || !strings.Contains(w, PassphraseEnv) {
		t.Fatalf("warning %q", w)
	}

	// A session without a Secret Service (or a platform without one):
	// the first use finds out and falls back; with a passphrase to the
	// encrypted file.
	sessionCheck = nil
	keyring.MockInitWithError(keyring.ErrUnsupportedPlatform)
	t.Setenv(PassphraseEnv, "correct horse battery")
	s, err = Open(t.TempDir(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set("postnord.apikey", apikey); err != nil {
		t.Fatal(err)
	}
	if s.Backend() != BackendFile || s.Warning() != "" {
		t.Fatalf("backend %s, warning %q", s.Backend(), s.Warning())
	}
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	os.Unsetenv(PassphraseEnv)
	s, _ = Open(t.TempDir(), Config{})
	s.Set("postnord.apikey", apikey)
	if w := s.Warning(); s.Backend() != BackendPlain || !strings.Contains(w, "no Secret Service") {
		t.Fatalf("backend %s, warning %q", s.Backend(), w)
	}

	// A keyring that does not answer (an unlock prompt nobody sees) is
	// given up on.
	_, err = keyringCall(20*time.Millisecond, func() (string, error) { time.Sleep(time.Second); return "", nil })
	if !errors.Is(err, ErrNoKeyring) || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("hanging keyring: %v", err)
	}
}

// A station that needs no secret never asks the keyring.
func TestAutomaticChoiceIsLazyAndSticky(t *testing.T) {
	defer func(c func() error) { sessionCheck = c }(sessionCheck)
	sessionCheck = nil
	keyring.MockInitWithError(errors.New("must not be asked"))
	dir := t.TempDir()
	s, err := Open(dir, Config{})
	if err != nil || s.Warning() != "" || s.Locked() {
		t.Fatalf("open: %v", err)
	}
	if !strings.Contains(s.String(), "not chosen") {
		t.Fatalf("string %s", s)
	}

	// What the data directory already uses wins over a keyring that has
	// appeared since: secrets never seem to vanish.
	keyring.MockInit()
	if err := writeAtomic(filepath.Join(dir, PlainFile), []byte(`"postnord.apikey" = "x"`)); err != nil {
		t.Fatal(err)
	}
	if s, _ := Open(dir, Config{}); s.Backend() != BackendPlain {
		t.Fatalf("backend %s", s.Backend())
	}
	t.Setenv(PassphraseEnv, "correct horse battery")
	f, _ := Open(t.TempDir(), Config{Backend: "file"})
	f.Set("postnord.apikey", apikey)
	if s, _ := Open(filepath.Dir(f.file.path), Config{}); s.Backend() != BackendFile {
		t.Fatalf("backend %s", s.Backend())
	}
	// The environment forces a backend over the config.
	t.Setenv(BackendEnv, "plain")
	if s, _ := Open(t.TempDir(), Config{Backend: "keyring"}); s.Backend() != BackendPlain {
		t.Fatalf("backend %s", s.Backend())
	}
	t.Setenv(BackendEnv, "vault")
	if _, err := Open(t.TempDir(), Config{}); err == nil || !strings.Contains(HintOf(err), "keyring") {
		t.Fatalf("unknown backend: %v", err)
	}
}

func TestEncryptedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, EncryptedFile)
	s, err := Open(dir, Config{Backend: "file"})
	if err != nil {
		t.Fatal(err)
	}
	// No file yet: nothing stored, nothing to unlock for reading.
	if _, ok, err := s.Get("postnord.apikey"); ok || err != nil {
		t.Fatalf("absent file: %v %v", ok, err)
	}
	if !s.Locked() || !s.NewFile() || s.Warning() != "" {
		t.Fatalf("locked %v new %v warning %q", s.Locked(), s.NewFile(), s.Warning())
	}
	err = s.Set("postnord.apikey", apikey)
	if !errors.Is(err, ErrLocked) || !strings.Contains(HintOf(err), PassphraseEnv) {
		t.Fatalf("set on a locked store: %v (hint %q)", err, HintOf(err))
	}
	if err := s.Unlock("short"); !errors.Is(err, ErrBadValue) {
		t.Fatalf("short passphrase: %v", err)
	}
	if err := s.Unlock("correct horse battery"); err != nil {
		t.Fatal(err)
	}
	exercise(t, s)

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(cryptMagic)) {
		t.Fatalf("header %q", data[:8])
	}
	for _, plain := range []string{apikey, token, "pn-KEY", "postnord.apikey", "Authorization"} {
		if bytes.Contains(data, []byte(plain)) {
			t.Errorf("the encrypted file holds %q in plain text", plain)
		}
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Another process: locked until the passphrase, which is checked.
	s2, _ := Open(dir, Config{Backend: "file"})
	if !s2.Locked() || s2.NewFile() || !strings.Contains(s2.Warning(), PassphraseEnv) {
		t.Fatalf("a second store should start locked, and say so: %q", s2.Warning())
	}
	_, _, err = s2.Get("postnord.apikey")
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("get on a locked store: %v", err)
	}
	err = s2.Unlock("wrong horse battery")
	if !errors.Is(err, ErrWrongPassphrase) || HintOf(err) == "" {
		t.Fatalf("wrong passphrase: %v", err)
	}
	noLeak(t, "wrong passphrase error", err.Error())
	if err := s2.Unlock("correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := s2.Get("orders.http.headers.Authorization"); !ok || v != token {
		t.Fatal("second store reads a different value")
	}
	// What one process stores, the other sees.
	if err := s2.Set("stg.client_secret", "stg-secret-value"); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := s.Get("stg.client_secret"); !ok || v != "stg-secret-value" {
		t.Fatal("the first store does not see the second's secret")
	}

	// The service's passphrase from the environment, tried at first use.
	t.Setenv(PassphraseEnv, "correct horse battery")
	s3, _ := Open(dir, Config{})
	if s3.Backend() != BackendFile || s3.Locked() {
		t.Fatalf("env passphrase: backend %s locked %v", s3.Backend(), s3.Locked())
	}
	if v, ok, err := s3.Get("postnord.apikey"); !ok || err != nil || v != apikey {
		t.Fatalf("env passphrase: %v %v", ok, err)
	}
	t.Setenv(PassphraseEnv, "not the passphrase")
	s4, _ := Open(dir, Config{})
	_, _, err = s4.Get("postnord.apikey")
	if !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), PassphraseEnv) {
		t.Fatalf("wrong env passphrase: %v", err)
	}

	// A changed byte anywhere — header included — is refused.
	for _, at := range []int{9, 20, 40, len(data) - 1} {
		bad := bytes.Clone(data)
		bad[at] ^= 1
		os.WriteFile(path, bad, 0o600)
		s5, _ := Open(dir, Config{Backend: "file"})
		if err := s5.Unlock("correct horse battery"); err == nil {
			t.Errorf("byte %d changed: opened anyway", at)
		}
	}
	os.WriteFile(path, []byte("not a secrets file at all, but long enough to have a header"), 0o600)
	s6, _ := Open(dir, Config{Backend: "file"})
	if err := s6.Unlock("correct horse battery"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("garbage: %v", err)
	}
}

// The parameters are in the file: one made with other costs still opens.
func TestEncryptedFileKeepsItsParameters(t *testing.T) {
	dir := t.TempDir()
	old := defaultKDF
	defaultKDF = kdfParams{time: 2, memory: 128, threads: 2}
	s, _ := Open(dir, Config{Backend: "file"})
	s.Unlock("correct horse battery")
	if err := s.Set("postnord.apikey", apikey); err != nil {
		t.Fatal(err)
	}
	defaultKDF = old
	s2, _ := Open(dir, Config{Backend: "file"})
	if err := s2.Unlock("correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if p := s2.file.params; p != (kdfParams{time: 2, memory: 128, threads: 2}) {
		t.Fatalf("params %+v", p)
	}
	// RFC 9106's second recommended option is what a station uses.
	if (kdfParams{time: 3, memory: 64 * 1024, threads: 4}) != (kdfParams{3, 65536, 4}) || !(kdfParams{3, 65536, 4}).sane() {
		t.Fatal("the default parameters must pass the sanity bounds")
	}
}

func TestPlainFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, PlainFile)
	s, err := Open(dir, Config{Backend: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Warning() != "" {
		t.Fatalf("warning with nothing stored: %q", s.Warning())
	}
	exercise(t, s)
	if w := s.Warning(); !strings.Contains(w, "plain text") || !strings.Contains(w, path) {
		t.Fatalf("warning %q", w)
	}
	noLeak(t, "warning", s.Warning())
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "PLAIN TEXT") || !strings.Contains(string(data), apikey) {
		t.Fatalf("plain file:\n%s", data)
	}
	// A hand-edited file with a dotted key reads the same.
	os.WriteFile(path, []byte("postnord.apikey = \"hand-written\"\n[notify.sms]\npassword = \"p\"\n"), 0o644)
	s2, err := Open(dir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := s2.Get("postnord.apikey"); v != "hand-written" {
		t.Fatalf("dotted key: %q", v)
	}
	if v, _, _ := s2.Get("notify.sms.password"); v != "p" {
		t.Fatalf("table: %q", v)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("a file others could read was not made 0600: %v", fi.Mode())
	}
	// Broken TOML: the error never quotes the file.
	os.WriteFile(path, []byte("apikey = \""+apikey+"\n"), 0o600)
	_, err = Open(dir, Config{})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("broken file: %v", err)
	}
	noLeak(t, "broken file error", err.Error())
	// Deleting the last secret removes the file and the warning.
	os.Remove(path)
	s3, _ := Open(dir, Config{Backend: "plain"})
	s3.Set("notify.email.password", "smtp-pass")
	s3.Delete("notify.email.password")
	if _, err := os.Stat(path); !os.IsNotExist(err) || s3.Warning() != "" {
		t.Fatalf("file left after the last delete: %v, warning %q", err, s3.Warning())
	}
}

func TestNames(t *testing.T) {
	for _, ok := range append([]string{"orders.http.headers.Authorization", "orders.http.headers.X-Api-Key"}, Fixed...) {
		if err := ValidName(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "postnord", "postnord.url", "orders.http.headers.", "orders.http.headers.Bad Header", "_names"} {
		err := ValidName(bad)
		if !errors.Is(err, ErrBadName) || !strings.Contains(HintOf(err), "postnord.apikey") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// A value typed where the name goes is not echoed back.
	err := ValidName(apikey)
	if err == nil {
		t.Fatal("accepted a value as a name")
	}
	noLeak(t, "name error", err.Error())
	if err := ValidName("postnord.apikye"); !strings.Contains(err.Error(), `"postnord.apikye"`) {
		t.Errorf("a misspelt name should be quoted: %v", err)
	}
}

func TestReadSecretFromPipe(t *testing.T) {
	for in, want := range map[string]string{"abc\n": "abc", "abc\r\n": "abc", "abc": "abc", "a b\n\n": "a b\n"} {
		got, err := ReadSecret(context.Background(), strings.NewReader(in), nil, "never shown")
		if err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	if IsTerminal(strings.NewReader("")) {
		t.Error("a reader is no terminal")
	}
	if got, _ := readLine(strings.NewReader("line one\r\nline two")); got != "line one" {
		t.Errorf("readLine %q", got)
	}
}

// A panic or a log line with the store in it shows no value.
func TestStoreNeverPrintsValues(t *testing.T) {
	t.Setenv(PassphraseEnv, "correct horse battery")
	s, _ := Open(t.TempDir(), Config{Backend: "file"})
	s.Set("postnord.apikey", apikey)
	s.Get("postnord.apikey")
	msg := func() (out string) {
		defer func() { out = fmt.Sprint(recover()) }()
		panic(s)
	}()
	noLeak(t, "panic", msg)
	noLeak(t, "fmt", fmt.Sprintf("%v %+v %#v %s", s, s, s, s))
}

// The GUI's goroutines share one store.
func TestConcurrentUse(t *testing.T) {
	defer func(c func() error) { sessionCheck = c }(sessionCheck)
	sessionCheck = nil
	keyring.MockInit()
	t.Setenv(PassphraseEnv, "correct horse battery")
	for _, backend := range []string{"keyring", "file", "plain"} {
		s, err := Open(t.TempDir(), Config{Backend: backend})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		for i := range 8 {
			go func() {
				defer func() { done <- struct{}{} }()
				name := Fixed[i%len(Fixed)]
				s.Set(name, fmt.Sprintf("value-%d", i))
				s.Get(name)
				s.Names()
				s.Warning()
				s.Locked()
			}()
		}
		for range 8 {
			<-done
		}
		if n := len(s.Names()); n != len(Fixed) {
			t.Errorf("%s: %d names", backend, n)
		}
	}
}
