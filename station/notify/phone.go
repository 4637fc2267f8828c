package notify

import "strings"

// callingCodes are the country calling codes of the receivers' countries
// a Nordic shop ships to, and whether the country dials a trunk 0 before
// national numbers (SE 070… is +4670…; DK and NO have no trunk prefix).
var callingCodes = map[string]struct {
	code  string
	trunk bool
}{
	"SE": {"46", true}, "FI": {"358", true}, "AX": {"358", true}, "DK": {"45", false}, "NO": {"47", false},
	"IS": {"354", false}, "FO": {"298", false}, "GL": {"299", false},
	"DE": {"49", true}, "NL": {"31", true}, "BE": {"32", true}, "FR": {"33", true}, "GB": {"44", true},
	"IE": {"353", true}, "AT": {"43", true}, "CH": {"41", true}, "PL": {"48", false}, "EE": {"372", false},
	"LV": {"371", false}, "LT": {"370", true}, "ES": {"34", false}, "IT": {"39", false}, "PT": {"351", false},
	"CZ": {"420", false}, "LU": {"352", false},
}

// normalizePhone writes a receiver's phone in E.164 (+46701234567) for
// the SMS gateway: spaces, dashes, dots and brackets go; 00 becomes +;
// a national number gets the receiver's country code (without its trunk
// 0). ok is false when no international number can be made (no country
// code known, or not a phone number).
func normalizePhone(phone, country string) (string, bool) {
	p := strings.TrimSpace(phone)
	if p == "" {
		return "", false
	}
	plus := strings.HasPrefix(p, "+")
	var digits strings.Builder
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || (r == '+' && digits.Len() == 0):
		default:
			return "", false
		}
	}
	d := digits.String()
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	default:
		cc, ok := callingCodes[strings.ToUpper(strings.TrimSpace(country))]
		if !ok {
			return "", false
		}
		switch {
		case cc.trunk && strings.HasPrefix(d, "0") && !strings.HasPrefix(d, "00"):
			d = cc.code + d[1:]
		case strings.HasPrefix(d, cc.code) && len(d) >= len(cc.code)+8:
			// Already international, without the +.
		default:
			d = cc.code + d
		}
	}
	out := "+" + d
	if !e164OK(out) {
		return "", false
	}
	return out, true
}
