package label

import (
	"strings"
	"unicode/utf8"
)

// printable is customer text as the drawn outputs (PDF, PNG) show it, the
// same as a printer shows FieldData: control characters (CR, LF, tab, C0,
// DEL, C1) become a space and invalid UTF-8 bytes a '?'.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				b.WriteByte('?')
			} else {
				b.WriteRune(r)
			}
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
