package scale

import "testing"

func TestParseGrams(t *testing.T) {
	for in, want := range map[string]float64{
		"1.25kg": 1250, "1,25kg": 1250, "1,25 KG": 1250, "850g": 850, " 850 g ": 850,
		"0.5g": 0.5, "0g": 0, "25kg": 25000,
	} {
		got, err := parseGrams(in)
		if err != nil || got != want {
			t.Errorf("parseGrams(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "850", "kg", "1.2.3kg", "-5g", "NaNg", "infkg", "0x10g", "1_000g", "1.25lb"} {
		if got, err := parseGrams(in); err == nil {
			t.Errorf("parseGrams(%q) = %v, want an error", in, got)
		}
	}
}

func TestFormatGrams(t *testing.T) {
	for g, want := range map[float64]string{0: "0 g", 3: "3 g", 850.25: "850.3 g", 1250: "1.25 kg", 25000: "25 kg"} {
		if got := formatGrams(g); got != want {
			t.Errorf("formatGrams(%v) = %q, want %q", g, got, want)
		}
	}
}
