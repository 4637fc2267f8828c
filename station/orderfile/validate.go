package orderfile

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The field checks below are shared by the CSV and JSON readers. Each
// takes the field's name as the file spells it (a CSV column, a JSON path)
// and returns a reason in words a shop clerk can act on, or "".

// plainNumber is a decimal number without exponent, hex or thousands
// separators: what a spreadsheet writes, and nothing a typo turns into.
var plainNumber = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

// parseNumber reads a non-negative decimal. decimalComma accepts "1,5":
// semicolon-separated files come from Nordic spreadsheets, which write a
// comma for the decimal point. A comma-separated file cannot contain one
// unambiguously ("1,500"), so there it is refused with advice.
func parseNumber(field, raw string, decimalComma bool) (float64, string) {
	s := strings.TrimSpace(raw)
	if strings.Contains(s, ",") {
		if !decimalComma {
			return 0, fmt.Sprintf("%s %s is not a number: in a comma-separated file write decimals with a point, like 1.5", field, quote(raw))
		}
		if strings.Contains(s, ".") || strings.Count(s, ",") > 1 {
			return 0, fmt.Sprintf("%s %s is not a number: write it without thousands separators, like 1234,5", field, quote(raw))
		}
		s = strings.Replace(s, ",", ".", 1)
	}
	if !plainNumber.MatchString(s) {
		return 0, fmt.Sprintf("%s %s is not a number", field, quote(raw))
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Sprintf("%s %s is not a number", field, quote(raw))
	}
	if v < 0 {
		return 0, fmt.Sprintf("%s %s is negative", field, quote(raw))
	}
	return v, ""
}

// checkQuantity accepts whole numbers of at least 1.
func checkQuantity(field string, v float64, shown string) (int, string) {
	switch {
	case v < 0:
		return 0, fmt.Sprintf("%s %s is negative", field, shown)
	case v == 0:
		return 0, fmt.Sprintf("%s is 0: a line needs at least 1", field)
	case v != math.Trunc(v):
		return 0, fmt.Sprintf("%s %s is not a whole number", field, shown)
	case v > 1e6:
		return 0, fmt.Sprintf("%s %s is not a believable quantity", field, shown)
	}
	return int(v), ""
}

// checkAmount refuses negative values for values that have been parsed
// already (JSON numbers).
func checkAmount(field string, v float64) string {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprintf("%s %v is negative", field, v)
	}
	return ""
}

// normCurrency upper-cases an ISO 4217 code ("sek" → "SEK").
func normCurrency(field, raw string) (string, string) {
	c := strings.ToUpper(strings.TrimSpace(raw))
	if len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", fmt.Sprintf("%s %s is not a three-letter ISO 4217 currency code like SEK or EUR", field, quote(raw))
	}
	return c, ""
}

// normHSCode removes the dots and spaces people write in tariff numbers
// ("6109.10" → "610910") and checks 6 to 10 digits remain, as customs
// declarations require.
func normHSCode(field, raw string) (string, string) {
	c := strings.NewReplacer(".", "", " ", "").Replace(strings.TrimSpace(raw))
	if len(c) < 6 || len(c) > 10 || strings.Trim(c, "0123456789") != "" {
		return "", fmt.Sprintf("%s %s is not an HS tariff code (6 to 10 digits, like 6109.10)", field, quote(raw))
	}
	return c, ""
}

// badUTF8 explains where s stops being UTF-8, or returns "".
func badUTF8(field, s string) string {
	if utf8.ValidString(s) {
		return ""
	}
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		i += size
	}
	return fmt.Sprintf("%s is not valid UTF-8 (byte 0x%02X after %s): save the file as UTF-8 (in Excel: \"CSV UTF-8\")",
		field, s[i], quote(strings.ToValidUTF8(s[:i], "")))
}

// quote shows a value in a reason; invalid bytes are replaced so the
// message itself stays printable.
func quote(s string) string {
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}

// Languages receivers get messages in.
var languages = []string{"sv", "da", "nb", "fi", "en"}

// normLanguage checks a receiver's language: one of languages, with "no"
// (Norwegian) read as nb; "" stays "" (chosen by the receiver's country).
func normLanguage(v string) (string, string) {
	l := strings.ToLower(strings.TrimSpace(v))
	switch l {
	case "":
		return "", ""
	case "no", "nn":
		return "nb", ""
	case "se":
		return "sv", ""
	case "dk":
		return "da", ""
	}
	if slices.Contains(languages, l) {
		return l, ""
	}
	return "", fmt.Sprintf("language %q is not one of sv, da, nb, fi, en", v)
}

// parseYesNo reads a yes/no cell: yes, no, true, false, 1, 0, ja, nej.
func parseYesNo(name, v string) (bool, string) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "y", "true", "1", "ja", "j", "x":
		return true, ""
	case "no", "n", "false", "0", "nej", "":
		return false, ""
	}
	return false, fmt.Sprintf("%s %q: write yes or no", name, v)
}

// splitTags splits a tags cell on spaces, commas, semicolons or bars,
// lower-cased, each once.
func splitTags(v string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '|' }) {
		if t = strings.ToLower(t); !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
