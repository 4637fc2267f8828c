package scale

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// parseGrams reads a weight with its unit for the simulator's URI:
// "1.25kg", "1,25 kg", "850g". A comma is a decimal separator, as Nordic
// keyboards write it. The unit is required: "noise=2" could mean grams or
// kilograms, and guessing wrong by a factor of a thousand is worse than
// asking.
func parseGrams(s string) (float64, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	factor := 0.0
	switch {
	case strings.HasSuffix(in, "kg"):
		factor, in = 1000, strings.TrimSuffix(in, "kg")
	case strings.HasSuffix(in, "g"):
		factor, in = 1, strings.TrimSuffix(in, "g")
	default:
		return 0, fmt.Errorf("weight %q has no unit: write it like 1.25kg or 850g", s)
	}
	in = strings.ReplaceAll(strings.TrimSpace(in), ",", ".")
	v, err := strconv.ParseFloat(in, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(in, "xXpP_") {
		return 0, fmt.Errorf("weight %q is not a number with a unit: write it like 1.25kg or 850g", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("weight %q is negative", s)
	}
	return v * factor, nil
}

// formatGrams renders grams for messages: "850 g", "1.25 kg".
func formatGrams(g float64) string {
	if math.Abs(g) < 1000 {
		return strconv.FormatFloat(math.Round(g*10)/10, 'f', -1, 64) + " g"
	}
	return strconv.FormatFloat(math.Round(g)/1000, 'f', -1, 64) + " kg"
}
