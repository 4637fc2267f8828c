package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSTGPricingAndRules(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte(`
[consignor]
name = "Demo Webshop AB"
street1 = "Lagergatan 12"
postcode = "41505"
city = "Göteborg"
country = "SE"
phone = "+46311234567"
customer_number = "20876966"
issuer_code = "Z12"
vat_number = "SE556677889901"
eori = "SE5566778899"
voec = "2031001"

[postnord]
url = "https://atapi2.postnord.com"
apikey = "k"

[stg]
url = "https://api.stg.example"
client_id = "bench-1"

[carriers.stg]
services = ["HOME", "PICKUP"]
default_service = "PICKUP"

[pricing]
currency = "SEK"
vat_rate = 0.25

[[pricing.bands]]
service = "19"
name = "MyPack Collect"
zone = "SE"
max_grams = 5000
price = 59

[[pricing.bands]]
service = "19"
zone = "nordic"
max_grams = 5000
price = 129.5
vat_rate = 0.0

[[rules]]
name = "Norway by the promised date"
countries = ["NO"]
max_weight = "5kg"
choose = "cheapest_by_deadline"
within_days = 3

[[rules]]
name = "heavy with STG"
min_weight = "10kg"
choose = "fixed"
carrier = "stg"
service = "HOME"
`), 0o600)
	t.Setenv("LABELSTATION_STG_CLIENT_SECRET", "s3cret-from-env")
	c, err := Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if !c.STGEnabled() || c.STGSandbox() || c.STG.ClientSecret != "s3cret-from-env" || c.STG.ClientID != "bench-1" {
		t.Fatalf("stg %+v", c.STG)
	}
	if r := c.CarrierRoutings()["stg"]; r.DefaultService != "PICKUP" || len(r.Services) != 2 {
		t.Errorf("routing %+v", r)
	}
	p := c.PricingOrDemo()
	if len(p.Bands) != 2 || p.Bands[0].Price != 59 || p.BandVAT(p.Bands[0]) != 0.25 || p.BandVAT(p.Bands[1]) != 0 || p.PricingCarrier() != "postnord" {
		t.Errorf("pricing %+v", p)
	}
	if len(c.Rules) != 2 || c.Rules[0].WithinDays != 3 {
		t.Fatalf("rules %+v", c.Rules)
	}
	if min, max := c.Rules[0].Weights(); min != 0 || max != 5000 {
		t.Errorf("weights %v %v", min, max)
	}

	// Without the secret STG cannot start, and the error names the
	// variable, never a value.
	t.Setenv("LABELSTATION_STG_CLIENT_SECRET", "")
	os.Unsetenv("LABELSTATION_STG_CLIENT_SECRET")
	if _, err := Load(path, true); err == nil || !strings.Contains(err.Error(), "LABELSTATION_STG_CLIENT_SECRET") {
		t.Errorf("missing secret: %v", err)
	}
}

func TestDemoHasSTGAndPrices(t *testing.T) {
	c := Default()
	if !c.STGEnabled() || !c.STGSandbox() {
		t.Error("demo without the STG sandbox")
	}
	if len(c.PricingOrDemo().Bands) == 0 {
		t.Error("demo without prices")
	}
	if r := c.CarrierRoutings()["stg"]; r.DefaultService != "HOME" {
		t.Errorf("demo routing %+v", r)
	}
	c.PostNord.URL = "https://api2.postnord.com"
	if c.STGEnabled() || len(c.PricingOrDemo().Bands) != 0 {
		t.Error("a real station got STG or made-up prices without asking")
	}
}

func TestBadRulesAndBandsAreRefused(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"choose":   "[[rules]]\nname = \"x\"\nchoose = \"dearest\"\n",
		"deadline": "[[rules]]\nname = \"x\"\nchoose = \"cheapest_by_deadline\"\n",
		"fixed":    "[[rules]]\nname = \"x\"\nchoose = \"fixed\"\n",
		"weight":   "[[rules]]\nname = \"x\"\nchoose = \"cheapest\"\nmax_weight = \"heavy\"\n",
		"zone":     "[[pricing.bands]]\nservice = \"19\"\nzone = \"moon\"\nmax_grams = 1000\nprice = 1\n",
		"unknown":  "[stg]\nsecret = \"x\"\n",
	} {
		path := filepath.Join(dir, name+".toml")
		os.WriteFile(path, []byte(body), 0o600)
		if _, err := Load(path, true); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
