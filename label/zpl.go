package label

import (
	"strings"
	"unicode/utf8"
)

// ZPL field framing written by FieldData. ^FH\ turns on hex escapes for the
// field with '\' as the escape character, so a '\' in customer text must be
// escaped too; ^FS ends the field.
const (
	FieldPrefix = `^FH\^FD`
	FieldSuffix = `^FS`
)

// invalidUTF8 replaces bytes that are not valid UTF-8. A plain '?' rather
// than U+FFFD: printer-resident font 0 has no glyph for U+FFFD, and a
// visible question mark tells the packer the source text was broken.
const invalidUTF8 = '?'

// FieldData returns a complete ZPL field for customer text s:
//
//	^FH\^FD<escaped s>^FS
//
// It is meant to follow a ^FO/^A pair on a label that selects UTF-8 with
// ^CI28. Customer text is data, never commands: '^' and '~' (the format and
// control command prefixes) and '\' (the ^FH escape character) are written
// as hex escapes \5E, \7E and \5C, so the printer prints them but never
// parses them. Control characters (below U+0020, DEL and the C1 range
// U+0080–U+009F — CR, LF and tab included) become a space, since a line
// break inside a field would only garble the layout. Bytes that are not
// valid UTF-8 become '?'. All other characters, Nordic letters (ÅÄÖÆØ
// åäöæø é ü) included, pass through unchanged as UTF-8.
func FieldData(s string) string {
	var b strings.Builder
	b.Grow(len(FieldPrefix) + len(s) + len(FieldSuffix) + 8)
	WriteFieldData(&b, s)
	return b.String()
}

// WriteFieldData writes FieldData(s) to b without an intermediate string;
// label renderers that build a whole label in one strings.Builder use it.
func WriteFieldData(b *strings.Builder, s string) {
	b.WriteString(FieldPrefix)
	writeFieldText(b, s)
	b.WriteString(FieldSuffix)
}

// FieldText returns only the escaped text of FieldData(s), without the
// ^FH\^FD prefix and ^FS suffix. It is only safe after a ^FH\ on the same
// field.
func FieldText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	writeFieldText(&b, s)
	return b.String()
}

func writeFieldText(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '^':
				b.WriteString(`\5E`)
			case c == '~':
				b.WriteString(`\7E`)
			case c == '\\':
				b.WriteString(`\5C`)
			case c < 0x20 || c == 0x7F:
				b.WriteByte(' ')
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(invalidUTF8)
		case r >= 0x80 && r <= 0x9F:
			b.WriteByte(' ')
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}

// Truncate returns s cut to at most max runes (not bytes, so a Nordic
// letter is never split). Layout code uses it to keep a line inside its
// box; carrier packages validate lengths instead, because silently
// shortening an address on a booking is worse than refusing it.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}
