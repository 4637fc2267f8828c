package label

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFieldData(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Nils Andersson", `^FH\^FDNils Andersson^FS`},
		{"empty", "", `^FH\^FD^FS`},
		{"nordic letters pass through", "Åsa Ödegård, Tromsø, Ærøskøbing", `^FH\^FDÅsa Ödegård, Tromsø, Ærøskøbing^FS`},
		{"all nordic and accented", "ÅÄÖÆØåäöæøéü", `^FH\^FDÅÄÖÆØåäöæøéü^FS`},
		{"caret and tilde are escaped", "^XZ~JR", `^FH\^FD\5EXZ\7EJR^FS`},
		{"backslash is escaped", `C:\5E`, `^FH\^FDC:\5C5E^FS`},
		{"field separator injection", "Bob^FS^XA^FO0,0^FDevil", `^FH\^FD` + `Bob\5EFS\5EXA\5EFO0,0\5EFDevil` + `^FS`},
		{"CR LF tab become spaces", "a\r\nb\tc", `^FH\^FDa  b c^FS`},
		{"other control chars and DEL", "a\x00b\x1bc\x7fd", `^FH\^FDa b c d^FS`},
		{"C1 control", "a\u0085b", `^FH\^FDa b^FS`},
		{"invalid utf8", "a\xffb\xc3", `^FH\^FDa?b?^FS`},
		{"replacement char itself is kept", "a\uFFFDb", "^FH\\^FDa\uFFFDb^FS"},
		{"underscore is not special after ^FH\\", "a_5Eb", `^FH\^FDa_5Eb^FS`},
		{"comma and quotes are plain", `"x, y"`, `^FH\^FD"x, y"^FS`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FieldData(tt.in); got != tt.want {
				t.Errorf("FieldData(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got, want := FieldText(tt.in), strings.TrimSuffix(strings.TrimPrefix(tt.want, FieldPrefix), FieldSuffix); got != want {
				t.Errorf("FieldText(%q) = %q, want %q", tt.in, got, want)
			}
			var b strings.Builder
			b.WriteString("^FO1,1")
			WriteFieldData(&b, tt.in)
			if got := b.String(); got != "^FO1,1"+tt.want {
				t.Errorf("WriteFieldData(%q) wrote %q", tt.in, got)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"Ærøskøbing", 3, "Ærø"},
		{"Ærøskøbing", 10, "Ærøskøbing"},
		{"Ærøskøbing", 50, "Ærøskøbing"},
		{"abc", 0, ""},
		{"abc", -1, ""},
		{"", 5, ""},
		{"åäö", 2, "åä"},
	}
	for _, tt := range tests {
		if got := Truncate(tt.in, tt.max); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if !utf8.ValidString(Truncate(tt.in, tt.max)) {
			t.Errorf("Truncate(%q, %d) split a rune", tt.in, tt.max)
		}
	}
}

// expectedText is an independent model of what FieldData must print for s
// once the printer has decoded the ^FH escapes.
func expectedText(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				b.WriteByte('?')
				continue
			}
		}
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F) {
			b.WriteByte(' ')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// decodeFH decodes the \XX hex escapes of a field written after ^FH\, the
// way a Zebra printer does, and fails on a '\' not followed by two hex
// digits (which the printer would misread).
func decodeFH(t *testing.T, body string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			b.WriteByte(body[i])
			continue
		}
		if i+2 >= len(body) {
			t.Fatalf("dangling escape at end of %q", body)
		}
		v, err := strconv.ParseUint(body[i+1:i+3], 16, 8)
		if err != nil {
			t.Fatalf("bad escape %q in %q", body[i:i+3], body)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String()
}

func FuzzFieldData(f *testing.F) {
	for _, s := range []string{
		"", "Åsa Ödegård", "Tromsø", "Ærøskøbing", "^XZ~JR", "~JA^XA^FDx^FS^XZ",
		`\`, `\\5E`, "_5E", "a\r\nb\tc", "\x00\x1f\x7f", "\u0085\u009f", "\xff\xfe", "\xc3",
		"\uFFFD", "ÅÄÖÆØåäöæøéü", "😀 emoji", strings.Repeat("^", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := FieldData(s)
		if !strings.HasPrefix(out, FieldPrefix) || !strings.HasSuffix(out, FieldSuffix) {
			t.Fatalf("FieldData(%q) = %q lacks the fixed frame", s, out)
		}
		body := out[len(FieldPrefix) : len(out)-len(FieldSuffix)]
		if i := strings.IndexAny(body, "^~"); i >= 0 {
			t.Fatalf("FieldData(%q) body %q holds a raw command prefix at %d", s, body, i)
		}
		if !utf8.ValidString(body) {
			t.Fatalf("FieldData(%q) body %q is not valid UTF-8", s, body)
		}
		for _, r := range body {
			if r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F) {
				t.Fatalf("FieldData(%q) body %q holds control character %U", s, body, r)
			}
		}
		if got, want := decodeFH(t, body), expectedText(s); got != want {
			t.Fatalf("FieldData(%q) prints %q, want %q", s, got, want)
		}
		if FieldText(s) != body {
			t.Fatalf("FieldText(%q) differs from the FieldData body", s)
		}
	})
}
