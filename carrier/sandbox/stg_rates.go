package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// STG's sandbox price list. Amounts are in öre (SEK/100), integers, so
// the sums are exact. For each parcel:
//
//	chargeable kg = max(weightGrams/1000, lengthCm×widthCm×heightCm/5000)
//	band price    = 69.00 (≤1 kg) 89.00 (≤3) 109.00 (≤5) 139.00 (≤10)
//	                189.00 (≤20) 259.00 (≤35); above 35 kg +9.00 per kg begun
//	parcel price  = band price × service factor × zone factor, rounded to öre
//
// service factor: HOME 1.00, PICKUP 0.80, EXPRESS 1.60; zone factor by the
// receiver's country: SE 1.00, DK 1.40, FI 1.50, NO 1.60.
//
// price = Σ parcel prices. Taxes (each rounded to öre):
//
//	VAT            = price × the destination's standard rate (SE 25 %, DK 25 %, FI 25.5 %, NO 25 %)
//	Fuel surcharge = price × 4.6 %
//	Customs handling 45.00 per shipment, NO only (outside the EU)
//
// total = price + Σ taxes, currency SEK, as in the contract's example
// (89.00 + 22.25 VAT + 4.09 fuel = 115.34).
var (
	stgBandsKg  = []float64{1, 3, 5, 10, 20, 35}
	stgBandsOre = []int64{6900, 8900, 10900, 13900, 18900, 25900}
)

const (
	stgOverKgOre         = 900  // per kg begun above the last band
	stgFuelPermille      = 46   // 4.6 %
	stgNOHandlingOre     = 4500 // customs handling, NO
	stgMaxParcelGrams    = 35000
	stgMaxParcelSideCm   = 200
	stgMaxParcels        = 20
	stgVolumetricDivisor = 5000
)

type stgService struct {
	code, name string
	percent    int64 // service factor, %
	transit    map[string]int
}

// stgServices in the order rates lists them.
var stgServices = []stgService{
	{"HOME", "Home delivery", 100, map[string]int{"SE": 2, "DK": 3, "FI": 4, "NO": 4}},
	{"PICKUP", "Pickup point", 80, map[string]int{"SE": 2, "DK": 3, "FI": 4, "NO": 5}},
	{"EXPRESS", "Express", 160, map[string]int{"SE": 1, "DK": 2, "FI": 2, "NO": 2}},
}

func stgServiceOf(code string) (stgService, bool) {
	for _, sv := range stgServices {
		if sv.code == code {
			return sv, true
		}
	}
	return stgService{}, false
}

type stgZone struct {
	percent    int64 // zone factor, %
	vatPermill int64 // VAT, ‰
	vatRate    string
	postal     *regexp.Regexp
}

// stgZones are the countries STG delivers to (and ships from).
var stgZones = map[string]stgZone{
	"SE": {100, 250, "0.25", regexp.MustCompile(`^\d{3} ?\d{2}$`)},
	"DK": {140, 250, "0.25", regexp.MustCompile(`^\d{4}$`)},
	"FI": {150, 255, "0.255", regexp.MustCompile(`^\d{5}$`)},
	"NO": {160, 250, "0.25", regexp.MustCompile(`^\d{4}$`)},
}

// stgChargeableKg is a parcel's chargeable weight.
func stgChargeableKg(p stgParcel) float64 {
	kg := float64(p.WeightGrams) / 1000
	if vol := float64(p.LengthCm) * float64(p.WidthCm) * float64(p.HeightCm) / stgVolumetricDivisor; vol > kg {
		kg = vol
	}
	return kg
}

func stgBandOre(kg float64) int64 {
	for i, max := range stgBandsKg {
		if kg <= max {
			return stgBandsOre[i]
		}
	}
	last := stgBandsKg[len(stgBandsKg)-1]
	return stgBandsOre[len(stgBandsOre)-1] + int64(math.Ceil(kg-last))*stgOverKgOre
}

// stgPercentOf returns a × p / d rounded half up (a, p ≥ 0).
func stgPercentOf(a, p, d int64) int64 { return (a*p + d/2) / d }

// stgQuote prices one service to country for parcels.
func stgQuote(sv stgService, country string, parcels []stgParcel, shipDate time.Time) stgRate {
	z := stgZones[country]
	var price int64
	for _, p := range parcels {
		price += stgPercentOf(stgBandOre(stgChargeableKg(p))*sv.percent, z.percent, 10000)
	}
	taxes := []stgTax{
		{Name: "VAT", Rate: z.vatRate, Amount: stgAmount(stgPercentOf(price, z.vatPermill, 1000))},
		{Name: "Fuel surcharge", Amount: stgAmount(stgPercentOf(price, stgFuelPermille, 1000))},
	}
	total := price + stgPercentOf(price, z.vatPermill, 1000) + stgPercentOf(price, stgFuelPermille, 1000)
	if country == "NO" {
		taxes = append(taxes, stgTax{Name: "Customs handling", Amount: stgAmount(stgNOHandlingOre)})
		total += stgNOHandlingOre
	}
	days := sv.transit[country]
	return stgRate{
		ServiceCode: sv.code, ServiceName: sv.name,
		Price:       stgMoney{Amount: stgAmount(price), Currency: "SEK"},
		Taxes:       taxes,
		Total:       stgMoney{Amount: stgAmount(total), Currency: "SEK"},
		TransitDays: days, EstimatedDelivery: stgAddBusinessDays(shipDate, days).Format(time.DateOnly),
	}
}

// stgAmount writes öre as a decimal string with two decimals.
func stgAmount(ore int64) string {
	sign := ""
	if ore < 0 {
		sign, ore = "-", -ore
	}
	return fmt.Sprintf("%s%d.%02d", sign, ore/100, ore%100)
}

// stgAddBusinessDays returns the day n working days (Monday to Friday)
// after d; a d on a weekend counts from the next Monday.
func stgAddBusinessDays(d time.Time, n int) time.Time {
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n--
		}
	}
	return d
}

// stgCheckAddress appends what is wrong with a (at field) to errs.
func stgCheckAddress(errs []stgFieldError, field string, a *stgAddress) []stgFieldError {
	if a == nil {
		return append(errs, stgFieldError{Field: field, Message: "missing"})
	}
	req := func(name, v string, max int) {
		switch {
		case v == "":
			errs = append(errs, stgFieldError{Field: field + "." + name, Message: "missing"})
		case len([]rune(v)) > max:
			errs = append(errs, stgFieldError{Field: field + "." + name, Message: "longer than " + strconv.Itoa(max) + " characters"})
		}
	}
	req("name", a.Name, 70)
	req("street1", a.Street1, 70)
	req("city", a.City, 35)
	if len([]rune(a.Street2)) > 70 {
		errs = append(errs, stgFieldError{Field: field + ".street2", Message: "longer than 70 characters"})
	}
	z, known := stgZones[a.CountryCode]
	switch {
	case a.CountryCode == "":
		errs = append(errs, stgFieldError{Field: field + ".countryCode", Message: "missing"})
	case !known:
		errs = append(errs, stgFieldError{Field: field + ".countryCode",
			Message: fmt.Sprintf("unknown country %q: STG serves SE, DK, FI and NO", a.CountryCode)})
	}
	switch {
	case a.PostalCode == "":
		errs = append(errs, stgFieldError{Field: field + ".postalCode", Message: "missing"})
	case known && !z.postal.MatchString(a.PostalCode):
		errs = append(errs, stgFieldError{Field: field + ".postalCode",
			Message: fmt.Sprintf("%q is not a postal code of %s", a.PostalCode, a.CountryCode)})
	}
	return errs
}

func stgCheckParcels(errs []stgFieldError, parcels []stgParcel) []stgFieldError {
	if len(parcels) == 0 {
		return append(errs, stgFieldError{Field: "parcels", Message: "at least one parcel is required"})
	}
	if len(parcels) > stgMaxParcels {
		errs = append(errs, stgFieldError{Field: "parcels", Message: "at most " + strconv.Itoa(stgMaxParcels) + " parcels"})
	}
	for i, p := range parcels {
		f := "parcels[" + strconv.Itoa(i) + "]."
		switch {
		case p.WeightGrams <= 0:
			errs = append(errs, stgFieldError{Field: f + "weightGrams", Message: "must be > 0"})
		case p.WeightGrams > stgMaxParcelGrams:
			errs = append(errs, stgFieldError{Field: f + "weightGrams", Message: "must be at most " + strconv.Itoa(stgMaxParcelGrams)})
		}
		for _, d := range []struct {
			name string
			v    int
		}{{"lengthCm", p.LengthCm}, {"widthCm", p.WidthCm}, {"heightCm", p.HeightCm}} {
			if d.v < 0 || d.v > stgMaxParcelSideCm {
				errs = append(errs, stgFieldError{Field: f + d.name, Message: "must be between 0 and " + strconv.Itoa(stgMaxParcelSideCm)})
			}
		}
		if len([]rune(p.Contents)) > 70 {
			errs = append(errs, stgFieldError{Field: f + "contents", Message: "longer than 70 characters"})
		}
	}
	return errs
}

// rates is POST /v1/rates.
func (s *STGServer) rates(r *http.Request, body []byte) *stgResp {
	var in stgRateRequest
	if p := stgDecode(body, &in); p != nil {
		return p
	}
	errs := stgCheckAddress(nil, "shipper", in.Shipper)
	errs = stgCheckAddress(errs, "receiver", in.Receiver)
	errs = stgCheckParcels(errs, in.Parcels)
	y, m, d := s.now().In(stockholm).Date()
	shipDate := time.Date(y, m, d, 0, 0, 0, 0, stockholm)
	if in.ShipDate != "" {
		t, err := time.ParseInLocation(time.DateOnly, in.ShipDate, stockholm)
		if err != nil {
			errs = append(errs, stgFieldError{Field: "shipDate", Message: "not a date YYYY-MM-DD"})
		}
		shipDate = t
	}
	if len(errs) > 0 {
		return stgValidation(errs)
	}
	out := stgRateResponse{Rates: make([]stgRate, 0, len(stgServices))}
	for _, sv := range stgServices {
		out.Rates = append(out.Rates, stgQuote(sv, in.Receiver.CountryCode, in.Parcels, shipDate))
	}
	return stgJSON(http.StatusOK, out)
}
