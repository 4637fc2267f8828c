package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A config written by Save reads back the same, secrets apart, and the
// file never holds a secret.
func TestSaveRoundTripWithoutSecrets(t *testing.T) {
	for _, k := range []string{"LABELSTATION_POSTNORD_URL", "LABELSTATION_POSTNORD_APIKEY", "LABELSTATION_POSTNORD_CLIENT_SECRET",
		"LABELSTATION_STG_URL", "LABELSTATION_STG_CLIENT_SECRET", "LABELSTATION_WMS_WEBHOOK_SECRET", "LABELSTATION_SMTP_PASSWORD", "LABELSTATION_SMS_PASSWORD"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	c := Default()
	c.PostNord = PostNord{URL: "https://atapi2.postnord.com", APIKey: "pn-secret-key-123", LabelType: "small", Locale: "sv"}
	c.Station.Printer, c.Station.Name = "tcp://10.0.0.7:9100", "bench-3"
	c.Outbox = Outbox{OfflineSeries: "own", Concurrency: 3, LookupGrace: "90s"}
	c.IDSeries = []IDSeries{{Name: "own", Kind: "sscc", Extension: 3, CompanyPrefix: "7350099", First: 1, Last: 9999}}
	c.Rules = []Rule{{Name: "norway", Countries: []string{"NO"}, Choose: "cheapest"}}
	c.KPI.Thresholds = map[string][2]float64{"on_time_delivery_rate": {93, 91}}
	c.WMS.Webhooks = Webhooks{URL: "https://wms.example/hooks", Secret: "whsec-0123456789abcdef", Events: []string{"label.created"}}
	c.Notify = Notify{ShopName: "Nordpack", QuietHours: "22:00-07:00",
		Email: NotifyEmail{Host: "smtp.example.com", Port: 587, Username: "shop", Password: "smtp-pass-xyz", From: "Nordpack <shop@example.com>"},
		SMS:   NotifySMS{Provider: "46elks", Username: "u1", Password: "sms-pass-xyz", From: "Nordpack"}}
	c.Orders = Orders{Source: "http", HTTP: OrdersHTTP{URL: "https://wms.example/o/{ref}", Timeout: "4s",
		Headers: map[string]string{"Authorization": "Bearer literal-token-abc", "X-Env": "Bearer ${WMS_TOKEN}"},
		Mapping: map[string]any{"ref": "orderNo"}}}
	t.Setenv("WMS_TOKEN", "from-env")
	path := filepath.Join(t.TempDir(), "sub", "config.toml")
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, secret := range []string{"pn-secret-key-123", "whsec-0123456789abcdef", "smtp-pass-xyz", "sms-pass-xyz", "literal-token-abc", "from-env"} {
		if strings.Contains(string(data), secret) {
			t.Errorf("the config file holds the secret %q:\n%s", secret, data)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	// Read back with the secrets from the environment, as a site runs it.
	t.Setenv("LABELSTATION_POSTNORD_APIKEY", "pn-secret-key-123")
	t.Setenv("LABELSTATION_WMS_WEBHOOK_SECRET", "whsec-0123456789abcdef")
	t.Setenv("LABELSTATION_SMTP_PASSWORD", "smtp-pass-xyz")
	t.Setenv("LABELSTATION_SMS_PASSWORD", "sms-pass-xyz")
	got, err := Load(path, true)
	if err != nil {
		t.Fatalf("load what Save wrote: %v\n%s", err, data)
	}
	want := c
	want.Orders.HTTP.Headers = map[string]string{"X-Env": "Bearer ${WMS_TOKEN}"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, want)
	}
}

// Save refuses a config the station would refuse, and writes nothing.
func TestSaveRefusesInvalidAndKeepsTheOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("# the old one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := Default()
	c.Outbox.Concurrency = 999
	err := Save(path, c)
	if err == nil || !strings.Contains(err.Error(), "outbox.concurrency") {
		t.Fatalf("error %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "# the old one\n" {
		t.Fatalf("the old file changed: %q", data)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".config-*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
