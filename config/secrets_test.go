package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeStore is a secrets store's Get that records what it was asked.
type fakeStore struct {
	values map[string]string
	asked  []string
	err    error
}

func (f *fakeStore) get(name string) (string, bool, error) {
	f.asked = append(f.asked, name)
	if f.err != nil {
		return "", false, f.err
	}
	v, ok := f.values[name]
	return v, ok, nil
}

func clearSecretEnv(t *testing.T) {
	for _, k := range []string{"LABELSTATION_POSTNORD_URL", "LABELSTATION_POSTNORD_APIKEY", "LABELSTATION_POSTNORD_CLIENT_SECRET",
		"LABELSTATION_STG_URL", "LABELSTATION_STG_CLIENT_SECRET", "LABELSTATION_WMS_WEBHOOK_SECRET", "LABELSTATION_SMTP_PASSWORD", "LABELSTATION_SMS_PASSWORD", FleetPasswordEnv} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// A real station's config with every secret left out of the file.
const noSecretsTOML = `
[postnord]
url = "https://atapi2.postnord.com"
client_id = "pn-client"

[consignor]
name = "Fjällbutiken AB"
postcode = "83131"
city = "Östersund"
country = "SE"
customer_number = "12345678"

[stg]
url = "https://api.stg.example"
client_id = "stg-client"

[wms.webhooks]
url = "https://wms.example/hooks"

[notify.email]
host = "smtp.example.com"
username = "shop"
from = "Shop <shop@example.com>"

[notify.sms]
provider = "46elks"
username = "u1"

[orders]
source = "http"

[orders.http]
url = "https://wms.example/o/{ref}"

[orders.http.headers]
Authorization = "${secret:orders.http.headers.Authorization}"
X-Api-Key = ""
X-Tenant = "Tenant ${WMS_TENANT}"
`

var storeValues = map[string]string{
	"postnord.apikey":                   "pn-key-from-store",
	"postnord.client_secret":            "pn-client-secret-from-store",
	"stg.client_secret":                 "stg-secret-from-store",
	"wms.webhooks.secret":               "whsec-from-store-0123456789",
	"notify.email.password":             "smtp-pass-from-store",
	"notify.sms.password":               "sms-pass-from-store",
	"orders.http.headers.Authorization": "Bearer tok$WMS_TENANT${HOME}en",
	"orders.http.headers.X-Api-Key":     "api-key-$1-from-store",
}

// readRaw is the file and the environment as Load reads them. Load's
// Validate error is ignored: with the secrets in the store, Validate runs
// after FillSecrets (Load decodes everything before it validates).
func readRaw(t *testing.T, text string) Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(path, []byte(text), 0o600)
	c, _ := Load(path, true)
	if c.PostNord.URL == "" {
		t.Fatal("the config was not read")
	}
	return c
}

func TestFillSecretsFromTheStore(t *testing.T) {
	clearSecretEnv(t)
	t.Setenv("WMS_TENANT", "nordpack")
	c := readRaw(t, noSecretsTOML)
	if c.PostNord.APIKey != DemoAPIKey {
		t.Fatalf("the demo default should be in place before filling: %q", c.PostNord.APIKey)
	}
	fs := &fakeStore{values: storeValues}
	if err := c.FillSecrets(fs.get); err != nil {
		t.Fatal(err)
	}
	if c.PostNord.APIKey != "pn-key-from-store" || c.PostNord.ClientSecret != "pn-client-secret-from-store" ||
		c.STG.ClientSecret != "stg-secret-from-store" || c.WMS.Webhooks.Secret != "whsec-from-store-0123456789" ||
		c.Notify.Email.Password != "smtp-pass-from-store" || c.Notify.SMS.Password != "sms-pass-from-store" {
		t.Fatalf("not filled: %#v", c) // redacted, but shows which are empty
	}
	// Validate passes: the rest here, the headers with validateHeaderRefs
	// (which replaces Validate's own header check, made before ${secret:…}).
	v := c
	v.Orders.HTTP.Headers = nil
	if err := v.Validate(); err != nil {
		t.Fatalf("validate after filling: %v", err)
	}
	if err := c.validateHeaderRefs(); err != nil {
		t.Fatalf("header references: %v", err)
	}
	// The header values: one pass, so a $ in a stored value stays.
	h, err := c.OrderHeaders(fs.get)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Authorization": "Bearer tok$WMS_TENANT${HOME}en", "X-Api-Key": "api-key-$1-from-store", "X-Tenant": "Tenant nordpack"}
	if fmt.Sprint(h) != fmt.Sprint(want) {
		t.Fatalf("headers %v, want %v", h, want)
	}
	// The config keeps the references: saving it writes no value.
	if c.Orders.HTTP.Headers["Authorization"] != "${secret:orders.http.headers.Authorization}" || c.Orders.HTTP.Headers["X-Api-Key"] != "" {
		t.Fatalf("the config's headers changed: %v", c.Orders.HTTP.Headers)
	}
	kept := c.WithoutSecrets().Orders.HTTP.Headers
	if kept["Authorization"] != "${secret:orders.http.headers.Authorization}" || kept["X-Api-Key"] != "" || kept["X-Tenant"] != "Tenant ${WMS_TENANT}" {
		t.Fatalf("WithoutSecrets dropped a reference: %v", kept)
	}
}

// The environment (and the file) win: the store is not even asked.
func TestFillSecretsEnvironmentWins(t *testing.T) {
	clearSecretEnv(t)
	t.Setenv("LABELSTATION_POSTNORD_APIKEY", "pn-key-from-env")
	t.Setenv("LABELSTATION_WMS_WEBHOOK_SECRET", "whsec-from-env-0123456789")
	c := readRaw(t, `
[postnord]
url = "https://atapi2.postnord.com"
[wms.webhooks]
url = "https://wms.example/hooks"
secret = "whsec-from-file-0123456789"
[notify.email]
host = "smtp.example.com"
username = "shop"
password = "smtp-from-file"
from = "Shop <shop@example.com>"
`)
	fs := &fakeStore{values: storeValues}
	if err := c.FillSecrets(fs.get); err != nil {
		t.Fatal(err)
	}
	if c.PostNord.APIKey != "pn-key-from-env" || c.WMS.Webhooks.Secret != "whsec-from-env-0123456789" || c.Notify.Email.Password != "smtp-from-file" {
		t.Fatal("a secret from the environment or the file was replaced by the store's")
	}
	if len(fs.asked) != 0 {
		t.Fatalf("asked the store for %v", fs.asked)
	}
}

// Secrets the config does not use are not asked for (a locked store stays
// locked for a demo station), and a missing one is Validate's to name.
func TestFillSecretsAsksOnlyForWhatIsUsed(t *testing.T) {
	clearSecretEnv(t)
	c := Default()
	fs := &fakeStore{err: errors.New("the secrets are locked")}
	if err := c.FillSecrets(fs.get); err != nil || len(fs.asked) != 0 {
		t.Fatalf("demo station: err %v, asked %v", err, fs.asked)
	}
	c.PostNord.URL = "https://api2.postnord.com"
	err := c.FillSecrets(fs.get)
	if err == nil || !strings.Contains(err.Error(), "postnord.apikey") || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("locked store: %v", err)
	}
	if !slices.Equal(fs.asked, []string{"postnord.apikey"}) {
		t.Fatalf("asked %v", fs.asked)
	}
	// Not stored: left for Validate, which names the setting.
	c = Default()
	c.PostNord.URL, c.PostNord.APIKey = "https://api2.postnord.com", ""
	c.WMS.Webhooks.URL = "https://wms.example/h"
	if err := c.FillSecrets((&fakeStore{}).get); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "postnord.apikey") {
		t.Fatalf("validate: %v", err)
	}
}

func TestOrderHeaderReferences(t *testing.T) {
	clearSecretEnv(t)
	os.Unsetenv("NOT_SET_ANYWHERE")
	c := Default()
	c.Orders.Source = OrderSourceHTTP
	c.Orders.HTTP.URL = "https://wms.example/o/{ref}"
	for _, tc := range []struct{ header, want string }{
		{"${secret:orders.http.headers.Authorization}", "the secrets store does not hold"},
		{"", "is empty and the secrets store holds no orders.http.headers.Authorization: labelstation secret set orders.http.headers.Authorization"},
		{"Bearer ${NOT_SET_ANYWHERE}", "${NOT_SET_ANYWHERE}, which is not set"},
	} {
		c.Orders.HTTP.Headers = map[string]string{"Authorization": tc.header}
		err := c.FillSecrets((&fakeStore{}).get)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.header, err, tc.want)
		}
	}
	c.Orders.HTTP.Headers = map[string]string{"Authorization": "${secret:orders.http.headers.Authorization}"}
	if _, err := c.OrderHeaders(nil); err == nil || !strings.Contains(err.Error(), "no secrets store") {
		t.Errorf("no store: %v", err)
	}
	// Validate's part: names and the environment, never the store.
	c.Orders.HTTP.Headers = map[string]string{"Authorization": "${secret:wms.token}"}
	if err := c.validateHeaderRefs(); err == nil || !strings.Contains(err.Error(), "${secret:orders.http.headers.Authorization}") {
		t.Errorf("bad name: %v", err)
	}
	c.Orders.HTTP.Headers = map[string]string{"Authorization": "Bearer ${secret:postnord.apikey}", "X": "${NOT_SET_ANYWHERE}"}
	if err := c.validateHeaderRefs(); err == nil || !strings.Contains(err.Error(), "orders.http.headers.X uses ${NOT_SET_ANYWHERE}") {
		t.Errorf("env: %v", err)
	}
	// A store error names the secret, never a value.
	c.Orders.HTTP.Headers = map[string]string{"Authorization": "${secret:orders.http.headers.Authorization}"}
	err := c.FillSecrets((&fakeStore{err: errors.New("keyring: no answer")}).get)
	if err == nil || !strings.Contains(err.Error(), "orders.http.headers.Authorization") {
		t.Errorf("store error: %v", err)
	}
}

func TestSecretsTable(t *testing.T) {
	for _, b := range []string{"", "keyring", "file", "plain", "File"} {
		if err := (Secrets{Backend: b}).Validate(); err != nil {
			t.Errorf("%q: %v", b, err)
		}
	}
	if err := (Secrets{Backend: "vault"}).Validate(); err == nil || !strings.Contains(err.Error(), "keyring, file or plain") {
		t.Errorf("vault: %v", err)
	}
	// The secret command reads data_dir and [secrets] from a config that
	// is not valid yet (its secrets are missing).
	path := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(path, []byte("data_dir = \"/srv/bench\"\n[wms.webhooks]\nurl = \"https://x\"\n[secrets]\nbackend = \"file\"\nkeyring_service = \"ls2\"\n"), 0o600)
	dir, s, err := ReadSecretsSettings(path)
	if err != nil || dir != "/srv/bench" || s.Backend != "file" || s.KeyringService != "ls2" {
		t.Fatalf("%q %+v %v", dir, s, err)
	}
	if dir, s, err := ReadSecretsSettings(filepath.Join(t.TempDir(), "none.toml")); err != nil || dir != "" || s.Backend != "" {
		t.Fatalf("absent file: %q %+v %v", dir, s, err)
	}
}

func TestPlainSecretsInFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(path, []byte(`# a site's config
[postnord]
url = "https://api2.postnord.com"
apikey = "pn-plain-key"   # should not be here
client_id = "c"
client_secret = "pn-plain-secret"

[stg]
client_secret = ""

[notify.sms]
password = 'sms-plain'

[orders.http.headers]
Authorization = "Bearer literal-token-abc"
X-Env = "Bearer ${WMS_TOKEN}"
X-Ref = "${secret:orders.http.headers.X-Ref}"
X-Store = ""
`), 0o600)
	var c Config
	got := c.PlainSecretsInFile(path)
	want := []string{"postnord.apikey", "postnord.client_secret", "notify.sms.password", "orders.http.headers.Authorization"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	list, err := ReadPlainSecrets(path)
	if err != nil {
		t.Fatal(err)
	}
	fixes := fmt.Sprint(list)
	for _, w := range []string{"delete apikey in [postnord] (line 4)", "delete client_secret in [postnord] (line 6)", "delete password in [notify.sms] (line 12)",
		`write Authorization in [orders.http.headers] (line 15) as "${secret:orders.http.headers.Authorization}"`} {
		if !strings.Contains(fixes, w) {
			t.Errorf("fixes %s: want %q", fixes, w)
		}
	}
	for _, v := range []string{"pn-plain-key", "pn-plain-secret", "sms-plain", "literal-token-abc"} {
		if strings.Contains(fixes, v) || strings.Contains(fmt.Sprintf("%+v %#v", list, list), v) {
			t.Errorf("the list prints the value %q", v)
		}
	}
	if list[0].Value != "pn-plain-key" {
		t.Errorf("value %q", list[0].Value)
	}
	// The demo key is not a secret; no file, no secrets.
	os.WriteFile(path, []byte("[postnord]\napikey = \"demo-key\"\n"), 0o600)
	if got := c.PlainSecretsInFile(path); len(got) != 0 {
		t.Errorf("demo key: %v", got)
	}
	if got := c.PlainSecretsInFile(filepath.Join(t.TempDir(), "none")); len(got) != 0 {
		t.Errorf("no file: %v", got)
	}
}

// A Config printed, logged or panicked with shows no secret.
func TestConfigNeverPrintsSecrets(t *testing.T) {
	c := Default()
	c.PostNord.APIKey, c.PostNord.ClientSecret = "pn-key-0123456789", "pn-client-secret-xyz"
	c.STG.ClientSecret = "stg-secret-xyz"
	c.WMS.Webhooks.Secret = "whsec-0123456789abcdef"
	c.Notify.Email.Password, c.Notify.SMS.Password = "smtp-pass-xyz", "sms-pass-xyz"
	c.Orders.HTTP.Headers = map[string]string{"Authorization": "Bearer literal-token-abc", "X-Env": "Bearer ${WMS_TOKEN}"}
	values := []string{"pn-key-0123456789", "pn-client-secret-xyz", "stg-secret-xyz", "whsec-0123456789abcdef", "smtp-pass-xyz", "sms-pass-xyz", "literal-token-abc"}

	var out bytes.Buffer
	fmt.Fprintf(&out, "%v\n%+v\n%s\n%#v\n", c, c, c, c)
	fmt.Fprintf(&out, "%v %+v %#v %v %v %v %v\n", c.PostNord, &c.PostNord, c.STG, c.WMS, c.Notify, c.Orders, c.Notify.SMS)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "cfg", c, "postnord", c.PostNord, "email", c.Notify.Email)
	slog.New(slog.NewTextHandler(&out, nil)).Info("config", "cfg", c, "sms", c.Notify.SMS, "http", c.Orders.HTTP, "wms", c.WMS.Webhooks)
	func() {
		defer func() { fmt.Fprintln(&out, recover()) }()
		panic(c)
	}()
	for _, v := range values {
		if strings.Contains(out.String(), v) {
			t.Errorf("printed %q:\n%s", v, out.String())
		}
	}
	for _, w := range []string{"REDACTED", "Bearer ${WMS_TOKEN}", "Demo Webshop AB", "URL:"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("the print should still show %q:\n%s", w, out.String())
		}
	}
}
