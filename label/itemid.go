package label

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SSCCAI is the GS1 application identifier of an SSCC. PostNord shows and
// accepts SSCCs in their 20-digit form: "00" followed by the 18-digit SSCC.
const SSCCAI = "00"

// GS1CheckDigit returns the GS1 mod-10 check digit, as the ASCII character
// '0'…'9', for digits (the payload without its check digit). From the
// right, digits are weighted 3, 1, 3, 1, …; the check digit brings the
// weighted sum up to a multiple of ten.
func GS1CheckDigit(digits string) (byte, error) {
	if digits == "" {
		return 0, errors.New("gs1 check digit: no digits")
	}
	sum := 0
	weight := 3
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("gs1 check digit: %q is not all digits", digits)
		}
		sum += int(c-'0') * weight
		weight = 4 - weight // 3 → 1 → 3 …
	}
	return byte('0' + (10-sum%10)%10), nil
}

// NewSSCC builds an SSCC from its parts and returns it in the 20-digit form
// PostNord uses ("00" + 18 digits): the extension digit (0–9, chosen by the
// company), the GS1 company prefix (6–12 digits), the serial reference
// padded with zeros to fill the remaining 16−len(companyPrefix) digits, and
// the GS1 check digit.
func NewSSCC(extension int, companyPrefix string, serial uint64) (string, error) {
	if extension < 0 || extension > 9 {
		return "", fmt.Errorf("new sscc: extension digit %d is not 0–9", extension)
	}
	if len(companyPrefix) < 6 || len(companyPrefix) > 12 || !allDigits(companyPrefix) {
		return "", fmt.Errorf("new sscc: company prefix %q must be 6–12 digits", companyPrefix)
	}
	serialWidth := 16 - len(companyPrefix)
	ref := strconv.FormatUint(serial, 10)
	if len(ref) > serialWidth {
		return "", fmt.Errorf("new sscc: serial %d does not fit the %d digits left by company prefix %s", serial, serialWidth, companyPrefix)
	}
	var b strings.Builder
	b.Grow(20)
	b.WriteString(SSCCAI)
	b.WriteByte(byte('0' + extension))
	b.WriteString(companyPrefix)
	for range serialWidth - len(ref) {
		b.WriteByte('0')
	}
	b.WriteString(ref)
	cd, err := GS1CheckDigit(b.String()[len(SSCCAI):])
	if err != nil {
		return "", fmt.Errorf("new sscc: %w", err)
	}
	b.WriteByte(cd)
	return b.String(), nil
}

// ValidSSCC reports whether s is an SSCC with a correct check digit, in the
// bare 18-digit form or the 20-digit form with the "00" application
// identifier in front.
func ValidSSCC(s string) bool {
	switch len(s) {
	case 20:
		if s[:2] != SSCCAI {
			return false
		}
		s = s[2:]
	case 18:
	default:
		return false
	}
	if !allDigits(s) {
		return false
	}
	cd, err := GS1CheckDigit(s[:17])
	return err == nil && cd == s[17]
}

// SSCCText is the human-readable line printed under an SSCC barcode, the
// GS1 way: the application identifier in parentheses, then the 18 digits.
// An id that is not a valid SSCC is returned unchanged.
func SSCCText(s string) string {
	if !ValidSSCC(s) {
		return s
	}
	if len(s) == 20 {
		s = s[2:]
	}
	return "(" + SSCCAI + ") " + s
}

// s10Weights are the UPU S10 weights for the eight serial digits.
var s10Weights = [8]int{8, 6, 4, 2, 3, 5, 9, 7}

// S10CheckDigit returns the UPU S10 check digit, as the ASCII character
// '0'…'9', for the eight-digit serial number: the weighted sum (weights
// 8 6 4 2 3 5 9 7) gives 11 − sum mod 11, where 10 becomes 0 and 11
// becomes 5.
func S10CheckDigit(serial8 string) (byte, error) {
	if len(serial8) != 8 || !allDigits(serial8) {
		return 0, fmt.Errorf("s10 check digit: serial %q must be 8 digits", serial8)
	}
	sum := 0
	for i := range 8 {
		sum += int(serial8[i]-'0') * s10Weights[i]
	}
	cd := 11 - sum%11
	switch cd {
	case 10:
		cd = 0
	case 11:
		cd = 5
	}
	return byte('0' + cd), nil
}

// NewS10 builds a 13-character UPU S10 id: a two-letter service indicator,
// the serial as eight digits, its check digit and the two-letter country
// code of the issuing post ("CC612199545SE").
func NewS10(service string, serial uint32, country string) (string, error) {
	if len(service) != 2 || !allUpper(service) {
		return "", fmt.Errorf("new s10: service indicator %q must be two letters A–Z", service)
	}
	if len(country) != 2 || !allUpper(country) {
		return "", fmt.Errorf("new s10: country %q must be two letters A–Z", country)
	}
	if serial > 99_999_999 {
		return "", fmt.Errorf("new s10: serial %d has more than 8 digits", serial)
	}
	digits := fmt.Sprintf("%08d", serial)
	cd, err := S10CheckDigit(digits)
	if err != nil {
		return "", fmt.Errorf("new s10: %w", err)
	}
	return service + digits + string(cd) + country, nil
}

// ValidS10 reports whether s is a UPU S10 id (two letters, eight digits,
// check digit, two letters) with a correct check digit.
func ValidS10(s string) bool {
	if len(s) != 13 || !allUpper(s[:2]) || !allUpper(s[11:]) || !allDigits(s[2:11]) {
		return false
	}
	cd, err := S10CheckDigit(s[2:10])
	return err == nil && cd == s[10]
}

// S10Text is the human-readable form PostNord prints under an S10
// barcode, "CC61 219 954 5SE". An id that is not a valid S10 is returned
// unchanged.
func S10Text(s string) string {
	if !ValidS10(s) {
		return s
	}
	return s[:4] + " " + s[4:7] + " " + s[7:10] + " " + s[10:]
}

// ItemIDText is the human-readable form of an item id for a label: SSCC
// and S10 ids are formatted as above, anything else is returned unchanged.
func ItemIDText(id string) string {
	switch {
	case ValidSSCC(id):
		return SSCCText(id)
	case ValidS10(id):
		return S10Text(id)
	}
	return id
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func allUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}
