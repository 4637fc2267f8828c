package label

import (
	"errors"
	"fmt"
	"strings"
)

// GS1Element is one application identifier with its data, as carried in a
// GS1-128 barcode: AI "00" with an 18-digit SSCC, AI "421" with a
// three-digit ISO country code and a postal code.
type GS1Element struct {
	AI, Value string
}

// aiSpec says what an application identifier's data may hold.
type aiSpec struct {
	min, max int  // length of the data
	numeric  bool // digits only
	check    bool // last digit is a GS1 mod-10 check digit
	country  bool // starts with an ISO 3166 numeric country code
}

// gs1AIs are the application identifiers the station prints (GS1 General
// Specifications, section 3). Others are refused rather than guessed.
var gs1AIs = map[string]aiSpec{
	"00":  {18, 18, true, true, false},  // SSCC
	"01":  {14, 14, true, true, false},  // GTIN
	"02":  {14, 14, true, true, false},  // GTIN of contained items
	"10":  {1, 20, false, false, false}, // batch/lot
	"21":  {1, 20, false, false, false}, // serial number
	"37":  {1, 8, true, false, false},   // count of items
	"400": {1, 30, false, false, false}, // customer's order number
	"401": {1, 30, false, false, false}, // GINC (consignment)
	"403": {1, 30, false, false, false}, // routing code
	"420": {1, 20, false, false, false}, // ship-to postal code, one country
	"421": {4, 12, false, false, true},  // ship-to postal code with ISO country
}

// gs1FixedLength are the two-digit AI prefixes GS1 predefines as fixed
// length: no FNC1 separator follows their data, every other element that
// is not the last one needs it.
var gs1FixedLength = map[string]bool{
	"00": true, "01": true, "02": true, "03": true, "04": true,
	"11": true, "12": true, "13": true, "14": true, "15": true, "16": true, "17": true, "18": true, "19": true,
	"20": true, "31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "41": true,
}

// isGS1Char reports whether c is in GS1's character set 82 (the only
// characters allowed in AI data; no space).
func isGS1Char(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return true
	}
	return strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, c) >= 0
}

func (e GS1Element) validate() error {
	spec, ok := gs1AIs[e.AI]
	if !ok {
		return fmt.Errorf("gs1: application identifier %q is not supported (use 00, 01, 02, 10, 21, 37, 400, 401, 403, 420 or 421)", e.AI)
	}
	if len(e.Value) < spec.min || len(e.Value) > spec.max {
		if spec.min == spec.max {
			return fmt.Errorf("gs1: AI (%s) needs %d characters, %q has %d", e.AI, spec.min, e.Value, len(e.Value))
		}
		return fmt.Errorf("gs1: AI (%s) needs %d–%d characters, %q has %d", e.AI, spec.min, spec.max, e.Value, len(e.Value))
	}
	for i := 0; i < len(e.Value); i++ {
		if !isGS1Char(e.Value[i]) {
			return fmt.Errorf("gs1: AI (%s) data %q holds %q, which GS1 does not allow (letters, digits and !\"%%&'()*+,-./:;<=>?_ only; no spaces)", e.AI, e.Value, e.Value[i])
		}
	}
	if spec.numeric && !allDigits(e.Value) {
		return fmt.Errorf("gs1: AI (%s) data %q must be digits only", e.AI, e.Value)
	}
	if spec.check {
		cd, err := GS1CheckDigit(e.Value[:len(e.Value)-1])
		if err != nil || cd != e.Value[len(e.Value)-1] {
			return fmt.Errorf("gs1: AI (%s) data %s has a wrong check digit (want %c)", e.AI, e.Value, cd)
		}
	}
	if spec.country && !allDigits(e.Value[:3]) {
		return fmt.Errorf("gs1: AI (%s) data %q must start with a three-digit ISO 3166 country code", e.AI, e.Value)
	}
	return nil
}

// EncodeGS1128 encodes elements as GS1-128: FNC1 right after the start code
// (which makes it GS1-128 rather than plain Code 128), the elements in
// order, and FNC1 as separator after each variable-length element that is
// not the last.
func EncodeGS1128(elems ...GS1Element) (Code128, error) {
	if len(elems) == 0 {
		return Code128{}, errors.New("gs1-128: no elements to encode")
	}
	in := []int{fnc1}
	for i, e := range elems {
		if err := e.validate(); err != nil {
			return Code128{}, err
		}
		for j := 0; j < len(e.AI); j++ {
			in = append(in, int(e.AI[j]))
		}
		for j := 0; j < len(e.Value); j++ {
			in = append(in, int(e.Value[j]))
		}
		if i < len(elems)-1 && !gs1FixedLength[e.AI[:2]] {
			in = append(in, fnc1)
		}
	}
	return encode128(in)
}

// GS1Text is the human-readable line under a GS1-128 barcode: each AI in
// parentheses followed by its data, "(00) 373500454541020957".
func GS1Text(elems ...GS1Element) string {
	var b strings.Builder
	for i, e := range elems {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("(" + e.AI + ") ")
		b.WriteString(e.Value)
	}
	return b.String()
}

// SSCCElement returns the AI (00) element of an SSCC given in its 18- or
// 20-digit form.
func SSCCElement(sscc string) (GS1Element, error) {
	if !ValidSSCC(sscc) {
		return GS1Element{}, fmt.Errorf("gs1: %q is not an SSCC with a valid check digit (18 digits, or 20 starting with 00)", sscc)
	}
	if len(sscc) == 20 {
		sscc = sscc[2:]
	}
	return GS1Element{AI: SSCCAI, Value: sscc}, nil
}

// ShipToPostalElement returns the AI (421) element for a receiver: the ISO
// 3166 numeric code of country (given as the alpha-2 code, "SE") and the
// postal code with spaces removed and letters in upper case, since GS1 data
// holds no spaces ("SW1A 1AA" → 826SW1A1AA).
func ShipToPostalElement(country, postcode string) (GS1Element, error) {
	num, ok := isoNumeric[strings.ToUpper(country)]
	if !ok {
		return GS1Element{}, fmt.Errorf("gs1: no ISO 3166 numeric code known for country %q; add it to isoNumeric in label/gs1.go", country)
	}
	pc := strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(postcode, " ", ""), "-", ""))
	if pc == "" || len(pc) > 9 {
		return GS1Element{}, fmt.Errorf("gs1: postal code %q must have 1–9 characters besides spaces for AI (421)", postcode)
	}
	e := GS1Element{AI: "421", Value: num + pc}
	if err := e.validate(); err != nil {
		return GS1Element{}, err
	}
	return e, nil
}

// isoNumeric maps ISO 3166 alpha-2 codes to numeric codes for AI (421):
// the Nordic countries and the destinations a Nordic webshop ships to most.
var isoNumeric = map[string]string{
	"SE": "752", "NO": "578", "DK": "208", "FI": "246", "IS": "352", "AX": "248", "FO": "234", "GL": "304",
	"DE": "276", "NL": "528", "BE": "056", "LU": "442", "FR": "250", "GB": "826", "IE": "372", "ES": "724",
	"PT": "620", "IT": "380", "AT": "040", "CH": "756", "PL": "616", "CZ": "203", "EE": "233", "LV": "428",
	"LT": "440", "US": "840", "CA": "124",
}
