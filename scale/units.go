package scale

import (
	"fmt"
	"math/big"
	"strings"
)

// Unit factors in nanograms: every unit a bench scale shows is a whole
// number of nanograms (the avoirdupois pound is defined as exactly
// 0.45359237 kg, the ounce as a sixteenth of it), so a decimal reading
// converts to milligrams with integer arithmetic and one final rounding,
// never through a float multiply (1.14 kg must be 1140 g, not
// 1139.9999999999998 g).
var unitNanograms = map[string]int64{
	"mg": 1_000_000,
	"g":  1_000_000_000,
	"kg": 1_000_000_000_000,
	"t":  1_000_000_000_000_000,
	"lb": 453_592_370_000,
	"oz": 28_349_523_125,
}

// unitAliases maps the spellings scales use to the names above.
var unitAliases = map[string]string{
	"mg": "mg", "g": "g", "gr": "g", "kg": "kg", "kgs": "kg", "t": "t",
	"lb": "lb", "lbs": "lb", "#": "lb", "oz": "oz",
}

// normUnit returns the canonical unit for a scale's spelling of it, or "".
func normUnit(u string) string { return unitAliases[strings.ToLower(strings.TrimSpace(u))] }

// maxMilligrams bounds a reading: 100 tonnes. Nothing on a packing bench
// weighs more, and the bound keeps garbage digits from overflowing.
const maxMilligrams = 100_000_000_000

// decimalMilligrams converts a decimal number in a unit to milligrams,
// exactly, rounding half away from zero at the last step only. The number
// may have a sign, leading spaces or zeros and a decimal point or comma;
// anything else is an error.
func decimalMilligrams(number, unit string) (int64, error) {
	u := normUnit(unit)
	f, ok := unitNanograms[u]
	if !ok {
		return 0, fmt.Errorf("unknown weight unit %q", unit)
	}
	s := strings.TrimSpace(number)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, strings.TrimSpace(s[1:])
	case strings.HasPrefix(s, "+"):
		s = strings.TrimSpace(s[1:])
	}
	mant, scale, err := parseDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", number)
	}
	return nanoToMilli(mant, f, scale, neg)
}

// parseDecimal reads unsigned digits with at most one decimal point or
// comma as mantissa × 10^-scale, from the digits alone: no float anywhere.
func parseDecimal(s string) (mant *big.Int, scale int, err error) {
	s = strings.Replace(s, ",", ".", 1)
	if s == "" || s == "." || strings.Count(s, ".") > 1 {
		return nil, 0, fmt.Errorf("%q is not a number", s)
	}
	mant = new(big.Int)
	seenPoint := false
	for _, c := range s {
		switch {
		case c == '.':
			seenPoint = true
		case c >= '0' && c <= '9':
			mant.Mul(mant, big.NewInt(10))
			mant.Add(mant, big.NewInt(int64(c-'0')))
			if seenPoint {
				scale++
			}
		default:
			return nil, 0, fmt.Errorf("%q is not a number", s)
		}
		if scale > 12 || mant.BitLen() > 100 {
			return nil, 0, fmt.Errorf("%q has too many digits for a weight", s)
		}
	}
	return mant, scale, nil
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// scaledMilligrams converts raw × 10^exp units (the form USB HID scales
// report) to milligrams exactly.
func scaledMilligrams(raw int64, exp int, unit string) (int64, error) {
	f, ok := unitNanograms[unit]
	if !ok {
		return 0, fmt.Errorf("unknown weight unit %q", unit)
	}
	if exp < -12 || exp > 12 {
		return 0, fmt.Errorf("weight exponent %d is out of range", exp)
	}
	neg := raw < 0
	if neg {
		raw = -raw
	}
	mant := big.NewInt(raw)
	scale := 0
	if exp >= 0 {
		mant.Mul(mant, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
	} else {
		scale = -exp
	}
	return nanoToMilli(mant, f, scale, neg)
}

// nanoToMilli returns mant × 10^-scale × factor nanograms in milligrams,
// rounded half away from zero.
func nanoToMilli(mant *big.Int, factor int64, scale int, neg bool) (int64, error) {
	num := new(big.Int).Mul(mant, big.NewInt(factor))
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)+6), nil) // ng → mg is 10^6
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(r, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() || q.Int64() > maxMilligrams {
		return 0, fmt.Errorf("weight is out of range")
	}
	mg := q.Int64()
	if neg {
		mg = -mg
	}
	return mg, nil
}

// gramsOf converts milligrams to the float grams of a Reading. Every
// whole number of milligrams below 2^53 is exact as a float, and the one
// division rounds correctly, so 1140000 mg is exactly 1140 g.
func gramsOf(mg int64) float64 { return float64(mg) / 1000 }
