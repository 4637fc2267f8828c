package label

import (
	"strings"
	"testing"
)

func TestGS1128Scans(t *testing.T) {
	sscc, err := SSCCElement("00373500454541020957")
	if err != nil {
		t.Fatal(err)
	}
	route, err := ShipToPostalElement("SE", "114 55")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		elems []GS1Element
		scan  string
		text  string
	}{
		{[]GS1Element{sscc}, "]C100373500454541020957", "(00) 373500454541020957"},
		{[]GS1Element{route}, "]C142175211455", "(421) 75211455"},
		// Fixed-length (00) needs no separator; variable (421) before
		// another element does: GS (FNC1) after it.
		{[]GS1Element{sscc, route}, "]C100373500454541020957" + "42175211455", ""},
		{[]GS1Element{route, sscc}, "]C142175211455\x1d00373500454541020957", "(421) 75211455 (00) 373500454541020957"},
	}
	for _, tt := range tests {
		c, err := EncodeGS1128(tt.elems...)
		if err != nil {
			t.Fatal(err)
		}
		if c.Values[1] != c128FNC1 {
			t.Errorf("%v: no FNC1 right after the start code: %v", tt.elems, c.Values)
		}
		got, sym := scanCode128(t, c, true)
		if got != tt.scan || sym != "]C1" {
			t.Errorf("%v scans as %q (%s), want %q (]C1)", tt.elems, got, sym, tt.scan)
		}
		if tt.text != "" && GS1Text(tt.elems...) != tt.text {
			t.Errorf("GS1Text = %q, want %q", GS1Text(tt.elems...), tt.text)
		}
	}
	// The SSCC in ZPL: start C, FNC1, then digit pairs.
	c, _ := EncodeGS1128(sscc)
	if z, err := c.ZPLData(); err != nil || z != ">;>800373500454541020957" {
		t.Errorf("SSCC ZPL data = %q, %v", z, err)
	}
}

func TestShipToPostalElement(t *testing.T) {
	tests := []struct{ country, postcode, want string }{
		{"SE", "114 55", "75211455"},
		{"no", "0150", "5780150"},
		{"DK", "2100", "2082100"},
		{"FI", "00100", "24600100"},
		{"GB", "SW1A 1AA", "826SW1A1AA"},
		{"NL", "1012-ab", "5281012AB"},
	}
	for _, tt := range tests {
		e, err := ShipToPostalElement(tt.country, tt.postcode)
		if err != nil || e.AI != "421" || e.Value != tt.want {
			t.Errorf("ShipToPostalElement(%s, %s) = %+v, %v; want 421 %s", tt.country, tt.postcode, e, err, tt.want)
		}
	}
	for _, bad := range [][2]string{{"XX", "12345"}, {"SE", ""}, {"SE", "1234567890"}, {"SE", "114#55"}} {
		if _, err := ShipToPostalElement(bad[0], bad[1]); err == nil {
			t.Errorf("ShipToPostalElement(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestGS1Validation(t *testing.T) {
	for _, e := range []GS1Element{
		{"00", "373500454541020958"},    // wrong check digit
		{"00", "37350045454102095"},     // 17 digits
		{"01", "0590123412345A"},        // not digits
		{"99", "x"},                     // unsupported AI
		{"10", strings.Repeat("A", 21)}, // too long
		{"10", "AB CD"},                 // space is not in GS1's set
		{"421", "SE11455"},              // country must be numeric
	} {
		if _, err := EncodeGS1128(e); err == nil {
			t.Errorf("EncodeGS1128(%+v) accepted", e)
		}
	}
	if _, err := SSCCElement("CC612199545SE"); err == nil {
		t.Error("SSCCElement accepted an S10 id")
	}
	if e, err := SSCCElement("373500454541020957"); err != nil || e.Value != "373500454541020957" {
		t.Errorf("SSCCElement(18 digits) = %+v, %v", e, err)
	}
}
