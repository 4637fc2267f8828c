package label

// font0Advance holds the advance width of the printable ASCII characters
// in ZPL font 0, in hundredths of the font height, as measured from
// zebrash's rendering (zpl-renderer-js 3.4.0, the renderer the tests use).
// A Zebra printer's font 0 (CG Triumvirate Bold Condensed) is narrower,
// so a line that fits here fits on paper.
var font0Advance = [95]uint8{
	27, 32, 33, 49, 49, 82, 66, 24, 32, 33, 48, 49, 32, 77, 32, 28, // space … /
	49, 49, 49, 49, 49, 49, 49, 49, 49, 49, 27, 27, 49, 49, 49, 49, // 0 … ?
	82, 55, 55, 55, 60, 49, 49, 60, 60, 27, 44, 55, 49, 77, 60, 60, // @ … O
	55, 60, 60, 55, 50, 60, 55, 82, 55, 55, 49, 32, 28, 32, 49, 50, // P … _
	32, 49, 49, 43, 49, 49, 28, 49, 49, 27, 27, 44, 27, 77, 49, 49, // ` … o
	49, 49, 33, 43, 28, 49, 45, 67, 44, 44, 39, 32, 53, 54, 49, //     p … ~
}

// Font0Dots is the width of s in ZPL font 0 at h dots high (^A0N,h,h), in
// dots; with narrowed glyphs (^A0N,h,w) it is Font0Dots(s, w). Each
// glyph's advance is rounded up to whole dots, as a renderer placing
// glyphs on the dot grid may do, so the estimate errs towards fitting.
func Font0Dots(s string, h int) int {
	sum := 0
	for _, r := range s {
		sum += (font0Adv(r)*h + 99) / 100
	}
	return sum
}

// font0Adv is a rune's advance in hundredths of the font height.
// Characters outside printable ASCII are measured from their class (the
// Nordic capitals are about as wide as a capital O); anything unknown is
// taken as a full em.
func font0Adv(r rune) int {
	switch {
	case r >= 0x20 && r < 0x7F:
		return int(font0Advance[r-0x20])
	case r == 'Æ' || r == 'æ' || r == 'Œ' || r == 'œ':
		return 78
	case r >= 0xC0 && r <= 0xDE:
		return 62 // accented capitals: Å Ä Ö Ø É Ü …
	case r >= 0xDF && r <= 0xFF:
		return 52 // accented small letters
	}
	return 100
}
