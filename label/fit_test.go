package label

import (
	"testing"
	"unicode/utf8"
)

func TestFitText(t *testing.T) {
	// One unit per rune per unit of size: easy to reason about.
	width := func(s string, size float64) float64 { return float64(utf8.RuneCountInString(s)) * size }
	tests := []struct {
		s             string
		w, size, min  float64
		want          string
		wantSizeAbove float64
		wantSizeMax   float64
	}{
		{"Ærø", 10, 3, 2, "Ærø", 3, 3},                 // fits
		{"Ærøskøbing", 24, 3, 2, "Ærøskøbing", 2, 2.4}, // shrinks to fit
		{"Ærøskøbing", 12, 3, 2, "Ærøskø", 2, 2},       // minimum size, cut at a rune
		{"Tromsø  by", 16, 2, 2, "Tromsø", 2, 2},       // trailing spaces dropped after the cut
		{"", 5, 3, 2, "", 3, 3},
	}
	for _, tt := range tests {
		got, size := fitText(tt.s, tt.w, tt.size, tt.min, width)
		if got != tt.want || size < tt.wantSizeAbove || size > tt.wantSizeMax {
			t.Errorf("fitText(%q, %g, %g, %g) = %q at %g; want %q at %g–%g", tt.s, tt.w, tt.size, tt.min, got, size, tt.want, tt.wantSizeAbove, tt.wantSizeMax)
		}
		if width(got, size) > tt.w {
			t.Errorf("fitText(%q) = %q is %g wide, box %g", tt.s, got, width(got, size), tt.w)
		}
	}
}
