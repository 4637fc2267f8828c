package label

import (
	"strings"
	"testing"
)

func TestGS1CheckDigit(t *testing.T) {
	tests := []struct {
		digits string
		want   byte
	}{
		// The SSCC of PostNord's example 00373500454541020957.
		{"37350045454102095", '7'},
		// GTIN-13 examples from GS1: 400638133393(1), 590123412345(7).
		{"400638133393", '1'},
		{"590123412345", '7'},
		// Sum a multiple of ten gives 0.
		{"0", '0'},
		{"00000000000000000", '0'},
	}
	for _, tt := range tests {
		got, err := GS1CheckDigit(tt.digits)
		if err != nil {
			t.Fatalf("GS1CheckDigit(%q): %v", tt.digits, err)
		}
		if got != tt.want {
			t.Errorf("GS1CheckDigit(%q) = %q, want %q", tt.digits, got, tt.want)
		}
	}
	for _, bad := range []string{"", "12a4", " 123", "１２"} {
		if _, err := GS1CheckDigit(bad); err == nil {
			t.Errorf("GS1CheckDigit(%q) accepted non-digits", bad)
		}
	}
}

func TestValidSSCC(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"00373500454541020957", true}, // README example, 20-digit form
		{"373500454541020957", true},   // same, 18-digit form
		{"00373500454541020958", false},
		{"373500454541020950", false},
		{"01373500454541020957", false}, // wrong AI
		{"0037350045454102095", false},  // 19 digits
		{"00 373500454541020957", false},
		{"0037350045454102095A", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidSSCC(tt.in); got != tt.want {
			t.Errorf("ValidSSCC(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNewSSCC(t *testing.T) {
	// Rebuild the README example from its parts.
	got, err := NewSSCC(3, "7350045", 454102095)
	if err != nil {
		t.Fatal(err)
	}
	if got != "00373500454541020957" {
		t.Errorf("NewSSCC(3, 7350045, 454102095) = %s, want 00373500454541020957", got)
	}

	// Small serials are zero-padded to fill 18 digits.
	got, err = NewSSCC(0, "7350045", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 || !strings.HasPrefix(got, "0007350045000000001") || !ValidSSCC(got) {
		t.Errorf("NewSSCC(0, 7350045, 1) = %s", got)
	}

	// Every built id validates, across prefix lengths.
	for _, prefix := range []string{"735004", "7350045", "7350045123", "735004512345"} {
		for _, serial := range []uint64{0, 7, 9999} {
			id, err := NewSSCC(9, prefix, serial)
			if err != nil {
				t.Fatalf("NewSSCC(9, %s, %d): %v", prefix, serial, err)
			}
			if !ValidSSCC(id) || len(id) != 20 {
				t.Errorf("NewSSCC(9, %s, %d) = %s is not a valid 20-digit SSCC", prefix, serial, id)
			}
		}
	}

	for _, bad := range []struct {
		ext    int
		prefix string
		serial uint64
	}{
		{10, "7350045", 1},
		{-1, "7350045", 1},
		{3, "73500", 1},          // prefix too short
		{3, "7350045123456", 1},  // prefix too long
		{3, "73500A5", 1},        // not digits
		{3, "7350045", 1e9},      // 10 digits where 9 fit
		{3, "735004512345", 1e4}, // 5 digits where 4 fit
	} {
		if id, err := NewSSCC(bad.ext, bad.prefix, bad.serial); err == nil {
			t.Errorf("NewSSCC(%d, %q, %d) = %s, want an error", bad.ext, bad.prefix, bad.serial, id)
		}
	}
}

func TestS10(t *testing.T) {
	cd, err := S10CheckDigit("61219954")
	if err != nil {
		t.Fatal(err)
	}
	if cd != '5' { // README example CC612199545SE
		t.Errorf("S10CheckDigit(61219954) = %q, want '5'", cd)
	}
	// Hand-computed cases covering both special rules (sum mod 11 = 0
	// gives 11 → 5; sum mod 11 = 1 gives 10 → 0) and every weight.
	if cd, _ := S10CheckDigit("00000000"); cd != '5' {
		t.Errorf("S10CheckDigit(00000000) = %q, want '5' (11 → 5)", cd)
	}
	// 00000008: 8×7 = 56 ≡ 1 (mod 11), 11−1 = 10 → 0.
	// 00000001: 7 → 4; 00000010: 9 → 2; 00000100: 5 → 6; 00001000: 3 → 8;
	// 00010000: 2 → 9; 01000000: 6 → 5; 10000000: 8 → 3;
	// 00000003: 21 ≡ 10 → 1; 00000020: 18 ≡ 7 → 4; 00000300: 15 ≡ 4 → 7;
	// 00000005: 35 ≡ 2 → 9.
	for serial, want := range map[string]byte{
		"00000001": '4', "00000010": '2', "00000100": '6', "10000000": '3', "00000003": '1',
		"00000020": '4', "00001000": '8', "00000300": '7', "00010000": '9',
		"01000000": '5', "00000005": '9', "00000008": '0',
	} {
		if cd, _ := S10CheckDigit(serial); cd != want {
			t.Errorf("S10CheckDigit(%s) = %q, want %q", serial, cd, want)
		}
	}
	for _, bad := range []string{"", "1234567", "123456789", "1234567A"} {
		if _, err := S10CheckDigit(bad); err == nil {
			t.Errorf("S10CheckDigit(%q) accepted a bad serial", bad)
		}
	}

	valid := []string{"CC612199545SE"}
	invalid := []string{"CC612199546SE", "cc612199545SE", "CC61219954SE", "CC6121995455SE", "C1612199545SE", "CC612199545S1", ""}
	for _, s := range valid {
		if !ValidS10(s) {
			t.Errorf("ValidS10(%q) = false", s)
		}
	}
	for _, s := range invalid {
		if ValidS10(s) {
			t.Errorf("ValidS10(%q) = true", s)
		}
	}

	id, err := NewS10("CC", 61219954, "SE")
	if err != nil || id != "CC612199545SE" {
		t.Errorf("NewS10(CC, 61219954, SE) = %q, %v", id, err)
	}
	if id, err := NewS10("CC", 8, "SE"); err != nil || id != "CC000000080SE" || !ValidS10(id) {
		t.Errorf("NewS10(CC, 8, SE) = %q, %v; want CC000000080SE", id, err)
	}
	for _, bad := range [][2]string{{"C", "SE"}, {"cc", "SE"}, {"CC", "S"}, {"CC", "se"}} {
		if _, err := NewS10(bad[0], 1, bad[1]); err == nil {
			t.Errorf("NewS10(%q, 1, %q) accepted bad letters", bad[0], bad[1])
		}
	}
	if _, err := NewS10("CC", 100_000_000, "SE"); err == nil {
		t.Error("NewS10 accepted a nine-digit serial")
	}
}

func TestItemIDText(t *testing.T) {
	tests := map[string]string{
		"00373500454541020957": "(00) 373500454541020957",
		"373500454541020957":   "(00) 373500454541020957",
		"CC612199545SE":        "CC61 219 954 5SE", // as on PostNord's sample label
		"CC612199546SE":        "CC612199546SE",    // bad check digit: unchanged
		"ABC123":               "ABC123",
	}
	for in, want := range tests {
		if got := ItemIDText(in); got != want {
			t.Errorf("ItemIDText(%q) = %q, want %q", in, got, want)
		}
	}
}
