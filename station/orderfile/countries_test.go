package orderfile

import (
	"strings"
	"testing"
)

func TestISOCountryList(t *testing.T) {
	if len(isoCountries) != 249 {
		t.Fatalf("%d codes, want the 249 assigned ISO 3166-1 alpha-2 codes", len(isoCountries))
	}
	for _, c := range []string{"SE", "NO", "DK", "FI", "IS", "AX", "FO", "GL", "SJ", "DE", "GB", "US"} {
		if !isoCountries[c] {
			t.Errorf("%s missing", c)
		}
	}
	for _, c := range []string{"UK", "EL", "XK", "EU", "ZZ"} {
		if isoCountries[c] {
			t.Errorf("%s is not an assigned ISO 3166-1 code", c)
		}
	}
}

func TestNormCountry(t *testing.T) {
	for in, want := range map[string]string{"se": "SE", " No ": "NO", "ax": "AX"} {
		if got, why := normCountry("country", in); got != want || why != "" {
			t.Errorf("normCountry(%q) = %q, %q", in, got, why)
		}
	}
	for in, says := range map[string]string{
		"UK":     "use GB",
		"SWE":    "use SE",
		"XX":     `"XX" is not a known ISO 3166`,
		"Sweden": `"Sweden" is not a known`,
	} {
		got, why := normCountry("country", in)
		if got != "" || !strings.Contains(why, says) {
			t.Errorf("normCountry(%q) = %q, %q; want a reason saying %q", in, got, why, says)
		}
	}
}
