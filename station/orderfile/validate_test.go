package orderfile

import (
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in    string
		comma bool
		want  float64
	}{
		{"1.5", false, 1.5}, {" 2 ", false, 2}, {"0", false, 0}, {".5", false, 0.5}, {"3.", false, 3},
		{"1,5", true, 1.5}, {"1.5", true, 1.5}, {"12", true, 12}, {"+4", true, 4},
	} {
		got, why := parseNumber("f", tc.in, tc.comma)
		if why != "" || got != tc.want {
			t.Errorf("parseNumber(%q, comma %v) = %v, %q; want %v", tc.in, tc.comma, got, why, tc.want)
		}
	}
	for _, tc := range []struct {
		in    string
		comma bool
		says  string
	}{
		{"1,5", false, "write decimals with a point"},
		{"1.234,5", true, "without thousands separators"},
		{"1,234,5", true, "without thousands separators"},
		{"-1", false, `"-1" is negative`},
		{"-0,5", true, `"-0,5" is negative`},
		{"abc", false, `"abc" is not a number`},
		{"1e3", false, "not a number"},
		{"0x10", false, "not a number"},
		{"Inf", false, "not a number"},
		{"NaN", false, "not a number"},
		{"1 000", true, "not a number"},
		{strings.Repeat("9", 400), false, "not a number"},
	} {
		if _, why := parseNumber("f", tc.in, tc.comma); !strings.Contains(why, tc.says) {
			t.Errorf("parseNumber(%q, comma %v) reason %q, want %q", tc.in, tc.comma, why, tc.says)
		}
	}
}

func TestCheckQuantity(t *testing.T) {
	if n, why := checkQuantity("q", 3, "3"); n != 3 || why != "" {
		t.Errorf("3: %d %q", n, why)
	}
	for v, says := range map[float64]string{-2: "is negative", 0: "is 0", 1.5: "not a whole number", 1e9: "not a believable"} {
		if _, why := checkQuantity("q", v, "x"); !strings.Contains(why, says) {
			t.Errorf("%v: %q, want %q", v, why, says)
		}
	}
}

func TestNormCurrencyAndHSCode(t *testing.T) {
	if c, why := normCurrency("c", " sek "); c != "SEK" || why != "" {
		t.Errorf("sek: %q %q", c, why)
	}
	for _, in := range []string{"kr", "SEKK", "€", "S3K"} {
		if _, why := normCurrency("c", in); why == "" {
			t.Errorf("currency %q accepted", in)
		}
	}
	for in, want := range map[string]string{"6109.10": "610910", "6109 10 00": "61091000", "4901990000": "4901990000"} {
		if c, why := normHSCode("h", in); c != want || why != "" {
			t.Errorf("hs %q = %q %q", in, c, why)
		}
	}
	for _, in := range []string{"6109", "abcdef", "12345678901", "6109-10"} {
		if _, why := normHSCode("h", in); why == "" {
			t.Errorf("hs %q accepted", in)
		}
	}
}

func TestBadUTF8(t *testing.T) {
	if why := badUTF8("city", "Malmö"); why != "" {
		t.Errorf("valid UTF-8 flagged: %q", why)
	}
	why := badUTF8("city", "Malm\xf6")
	for _, want := range []string{"city is not valid UTF-8", "0xF6", `"Malm"`, "CSV UTF-8"} {
		if !strings.Contains(why, want) {
			t.Errorf("reason %q lacks %q", why, want)
		}
	}
}
