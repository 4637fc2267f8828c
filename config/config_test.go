package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNoFileGivesDemo(t *testing.T) {
	t.Setenv("LABELSTATION_POSTNORD_URL", "")
	os.Unsetenv("LABELSTATION_POSTNORD_URL")
	c, err := Load(filepath.Join(t.TempDir(), "absent.toml"), false)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Demo() || c.Consignor.CustomerNumber != DemoCustomerNumber || c.Station.Scale != DemoScale {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFileOverridesAndEnvWins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte(`
[postnord]
url = "https://atapi2.postnord.com"
apikey = "from-file"
[consignor]
name = "Fjällbutiken AB"
street1 = "Storgatan 1"
postcode = "83131"
city = "Östersund"
country = "SE"
customer_number = "12345678"
issuer_code = "Z12"
[station]
printer = "tcp://10.1.2.3:9100"
`), 0o600)
	t.Setenv("LABELSTATION_POSTNORD_APIKEY", "from-env")
	c, err := Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Demo() || c.PostNord.APIKey != "from-env" || c.Consignor.Name != "Fjällbutiken AB" || c.Consignor.City != "Östersund" || c.Station.Printer != "tcp://10.1.2.3:9100" {
		t.Fatalf("got %+v", c)
	}
	// Nothing of the demo shop or the simulated scale on a real bench.
	if c.Consignor.VATNumber != "" || c.Consignor.EORI != "" || c.Consignor.VOEC != "" || c.Consignor.Phone != "" || c.Station.Scale != "" {
		t.Fatalf("demo values in a real config: %+v %+v", c.Consignor, c.Station)
	}
}

// TestRealConfigMissingTheSenderSaysSo: a real carrier with a forgotten
// [consignor] is refused by name, not booked as the demo shop.
func TestRealConfigMissingTheSenderSaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte("[postnord]\nurl = \"https://api2.postnord.com\"\napikey = \"k\"\n"), 0o600)
	_, err := Load(path, true)
	if err == nil || !strings.Contains(err.Error(), "consignor.customer_number") {
		t.Fatalf("Load = %v, want the missing consignor named", err)
	}
	// A demo config that renames the shop keeps the demo's address.
	os.WriteFile(path, []byte("[consignor]\nname = \"Testbutiken\"\n"), 0o600)
	c, err := Load(path, true)
	if err != nil || c.Consignor.City != "Göteborg" || c.Station.Scale != DemoScale {
		t.Fatalf("demo config: %v %+v", err, c.Consignor)
	}
}

func TestBadFilesSayWhere(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"syntax":  "[postnord\nurl = 1",
		"unknown": "[postnord]\napi_key = \"x\"\n",
		"format":  "[station]\nlabel_format = \"png\"\n",
	} {
		path := filepath.Join(dir, name+".toml")
		os.WriteFile(path, []byte(body), 0o600)
		_, err := Load(path, true)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml"), true); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("explicit missing file: %v", err)
	}
}

func TestOutboxTrackingAndKPISettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte(`
[[id_series]]
name = "own"
kind = "sscc"
company_prefix = "7350099"
first = 1
last = 9
[outbox]
offline_series = "own"
concurrency = 2
lookup_grace = "30s"
[tracking]
daily_cap = 500
[kpi.thresholds]
on_time_delivery_rate = [93.0, 91.0]
`), 0o600)
	c, err := Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Outbox.OfflineSeries != "own" || c.Outbox.Concurrency != 2 || c.LookupGraceDuration().Seconds() != 30 ||
		c.Tracking.DailyCap != 500 || c.KPI.Thresholds["on_time_delivery_rate"] != [2]float64{93, 91} {
		t.Fatalf("got %+v", c)
	}
	for body, want := range map[string]string{
		"[outbox]\noffline_series = \"nope\"\n": "no [[id_series]] has that name",
		"[outbox]\nlookup_grace = \"soon\"\n":   "lookup_grace",
		"[tracking]\nconcurrency = 100\n":       "tracking.concurrency",
	} {
		os.WriteFile(path, []byte(body), 0o600)
		if _, err := Load(path, true); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", body, err, want)
		}
	}
}

// TestReadFileIsTheFileAsWritten: what the settings window edits has no
// environment override and, for a real carrier, none of the demo's values.
func TestReadFileIsTheFileAsWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte("[postnord]\nurl = \"https://api2.postnord.com\"\n[consignor]\nname = \"Fjällbutiken AB\"\n"), 0o600)
	t.Setenv("LABELSTATION_POSTNORD_APIKEY", "from-env")
	c, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.PostNord.APIKey == "from-env" || c.Consignor.VATNumber != "" || c.Consignor.City != "" || c.Consignor.Name != "Fjällbutiken AB" {
		t.Fatalf("ReadFile = %+v %+v", c.PostNord, c.Consignor)
	}
	if c, err := ReadFile(filepath.Join(t.TempDir(), "absent.toml")); err != nil || !c.Demo() {
		t.Fatalf("absent file: %v %+v", err, c)
	}
}
