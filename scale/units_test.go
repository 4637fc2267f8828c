package scale

import "testing"

func TestDecimalMilligramsIsExact(t *testing.T) {
	for _, tc := range []struct {
		num, unit string
		mg        int64
	}{
		{"1.14", "kg", 1_140_000}, // 1.14*1000 in floats is 1139.9999999999998
		{"0.29", "kg", 290_000},
		{"1,25", "kg", 1_250_000},
		{"100.00", "g", 100_000},
		{"-0.005", "kg", -5_000},
		{"+ 2.5", "g", 2_500},
		{"1", "lb", 453_592},
		{"2.5", "lb", 1_133_981},
		{"16", "oz", 453_592},
		{"0.1", "oz", 2_835},
		{"0001.140", "KG", 1_140_000},
		{"1.0005", "g", 1_001}, // half a milligram rounds away from zero
		{"-1.0005", "g", -1_001},
	} {
		mg, err := decimalMilligrams(tc.num, tc.unit)
		if err != nil || mg != tc.mg {
			t.Errorf("decimalMilligrams(%q, %q) = %d, %v; want %d", tc.num, tc.unit, mg, err, tc.mg)
		}
	}
	if g := gramsOf(1_140_000); g != 1140 {
		t.Errorf("gramsOf(1140000) = %v", g)
	}
	for _, bad := range []struct{ num, unit string }{{"1.2.3", "kg"}, {"", "g"}, {"1e3", "g"}, {"12", "stone"}, {"99999999999999", "kg"}, {".", "g"}} {
		if mg, err := decimalMilligrams(bad.num, bad.unit); err == nil {
			t.Errorf("decimalMilligrams(%q, %q) = %d, want an error", bad.num, bad.unit, mg)
		}
	}
}

func TestScaledMilligrams(t *testing.T) {
	for _, tc := range []struct {
		raw  int64
		exp  int
		unit string
		mg   int64
	}{
		{1140, 0, "g", 1_140_000},
		{114, 1, "g", 1_140_000},
		{1140, -3, "kg", 1_140_000},
		{402, -1, "oz", 1_139_651},
		{251, -2, "lb", 1_138_517},
		{-5, 0, "g", -5_000},
	} {
		mg, err := scaledMilligrams(tc.raw, tc.exp, tc.unit)
		if err != nil || mg != tc.mg {
			t.Errorf("scaledMilligrams(%d, %d, %s) = %d, %v; want %d", tc.raw, tc.exp, tc.unit, mg, err, tc.mg)
		}
	}
}
