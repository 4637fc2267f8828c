package label

import "strings"

// fitText makes s fit a box w wide: at size if it fits, else at a smaller
// size down to minSize, and if even minSize is too wide, s cut at the last
// whole character that fits (trailing spaces dropped). width measures a
// string at a size in the same unit as w; each renderer passes its own
// font metrics, at its own resolution, so the fit holds for the font that
// is actually drawn. Sizes are returned as given or smaller, never larger.
func fitText(s string, w, size, minSize float64, width func(s string, size float64) float64) (string, float64) {
	tw := width(s, size)
	if tw <= w {
		return s, size
	}
	// Widths scale with size, so one proportional step nearly fits; the
	// loop absorbs rounding of the renderer's size steps.
	sz := size * w / tw
	for sz >= minSize {
		if width(s, sz) <= w {
			return s, sz
		}
		sz *= 0.98
	}
	sz = minSize
	// Binary search on the byte offsets of rune starts: the longest
	// prefix that fits.
	cuts := make([]int, 0, len(s))
	for i := range s {
		cuts = append(cuts, i)
	}
	lo, hi := 0, len(cuts)-1 // cuts[lo] fits (empty string), cuts[hi] may not
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if width(s[:cuts[mid]], sz) <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRight(s[:cuts[lo]], " "), sz
}
