package carrier

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Weight is a mass in whole grams. Grams keep arithmetic exact; no carrier
// or bench scale used for parcels resolves finer than a gram.
type Weight int64

// Kilograms returns w in kilograms.
func (w Weight) Kilograms() float64 { return float64(w) / 1000 }

// String renders w the way a packer reads it: "1.25 kg", "850 g".
func (w Weight) String() string {
	if w < 1000 && w > -1000 {
		return fmt.Sprintf("%d g", int64(w))
	}
	return strconv.FormatFloat(w.Kilograms(), 'f', -1, 64) + " kg"
}

// WeightFromKg converts kilograms to a Weight, rounding to the gram.
func WeightFromKg(kg float64) Weight { return Weight(math.Round(kg * 1000)) }

// ParseWeight reads "1.25kg", "1,25 kg", "850g", "850 g", "2 lb" or a bare
// number (kilograms). A comma is accepted as the decimal separator, as
// Nordic keyboards and spreadsheets write it.
func ParseWeight(s string) (Weight, error) {
	in := strings.TrimSpace(strings.ToLower(s))
	if in == "" {
		return 0, fmt.Errorf("weight is empty: write it like 1.25kg or 850g")
	}
	unit := "kg"
	for _, u := range []string{"kg", "lb", "oz", "g"} {
		if strings.HasSuffix(in, u) {
			unit, in = u, strings.TrimSpace(strings.TrimSuffix(in, u))
			break
		}
	}
	in = strings.ReplaceAll(in, ",", ".")
	v, err := strconv.ParseFloat(in, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("weight %q is not a number with a unit: write it like 1.25kg or 850g", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("weight %q is negative", s)
	}
	switch unit {
	case "g":
		return Weight(math.Round(v)), nil
	case "lb":
		return Weight(math.Round(v * 453.59237)), nil
	case "oz":
		return Weight(math.Round(v * 28.349523125)), nil
	default:
		return WeightFromKg(v), nil
	}
}
