package orderfile

import "strings"

// isoCountries holds the 249 officially assigned ISO 3166-1 alpha-2 codes.
// A code outside it is almost always a typo or a non-ISO habit (UK, EL),
// and the carrier would refuse the booking later, at the bench, when it is
// most expensive to fix.
var isoCountries = func() map[string]bool {
	const codes = `
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ
EC EE EG EH ER ES ET
FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ
OM
PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA
RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ
VA VC VE VG VI VN VU
WF WS
YE YT
ZA ZM ZW`
	m := map[string]bool{}
	for _, c := range strings.Fields(codes) {
		m[c] = true
	}
	return m
}()

// countryHints name the right code for common non-ISO habits.
var countryHints = map[string]string{
	"UK":  "GB",
	"EL":  "GR",
	"SWE": "SE",
	"NOR": "NO",
	"DNK": "DK",
	"FIN": "FI",
	"ISL": "IS",
	"DEU": "DE",
	"GBR": "GB",
	"USA": "US",
}

// normCountry upper-cases a country code and checks it is ISO 3166-1
// alpha-2. It returns the code, or a reason naming the field.
func normCountry(field, raw string) (string, string) {
	code := strings.ToUpper(strings.TrimSpace(raw))
	if isoCountries[code] {
		return code, ""
	}
	if want, ok := countryHints[code]; ok {
		return "", field + " " + quote(raw) + " is not an ISO 3166 country code: use " + want
	}
	return "", field + " " + quote(raw) + " is not a known ISO 3166 two-letter country code (like SE, NO, DK, FI)"
}
