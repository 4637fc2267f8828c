package sandbox

import (
	"strings"
	"testing"
	"unicode/utf8"

	"labelstation/label"
)

// A line too wide even at half-width glyphs is cut at a letter boundary to
// what fits: never inside a Nordic letter, never wider than its box.
func TestCutToFitKeepsWholeLetters(t *testing.T) {
	s := strings.Repeat("ØÅÆ", 40)
	for _, max := range []int{100, 257, 401} {
		got := cutToFit(s, max, 12)
		if !utf8.ValidString(got) || !strings.HasPrefix(s, got) || got == "" {
			t.Fatalf("max %d: %q is not a whole-letter prefix", max, got)
		}
		if w := label.Font0Dots(got, 12); w > max {
			t.Fatalf("max %d: cut line is %d dots wide", max, w)
		}
		if next := s[:len(got)+len("Ø")]; label.Font0Dots(next, 12) <= max {
			t.Fatalf("max %d: cut too short, %q still fits", max, next)
		}
	}
}
