package postnord

import (
	"strings"
	"time"
	// PostNord writes local Swedish times without a zone; embedding the
	// zone database makes Europe/Stockholm load on Windows benches too.
	_ "time/tzdata"

	"labelstation/carrier"
)

// mapStatus maps a Track & Trace status word (ItemStatus) to the neutral
// status. locationType is the type of the place the status was reported
// at, when known; it only matters for AVAILABLE_FOR_DELIVERY:
//
//   - CREATED, INFORMED: created. INFORMED means PostNord received the EDI
//     and nothing physical has happened yet, the same as created for us.
//   - EN_ROUTE, DELAYED, EXPECTED_DELAY: in_transit. A delay is still
//     movement; the event keeps the carrier's own word for dashboards.
//   - AVAILABLE_FOR_DELIVERY: at_service_point when reported at a
//     SERVICE_POINT or DELIVERY_POINT (parcel lockers and boxes are
//     delivery points), otherwise out_for_delivery — home-delivered
//     parcels are "available" when loaded for the delivery round.
//   - AVAILABLE_FOR_DELIVERY_PAR_LOC: at_service_point (a parcel locker).
//   - DELIVERED: delivered. RETURNED: returned.
//   - DELIVERY_IMPOSSIBLE, DELIVERY_REFUSED, STOPPED: exception.
//   - OTHER and anything new: unknown.
func mapStatus(pnStatus, locationType string) carrier.Status {
	switch strings.ToUpper(strings.TrimSpace(pnStatus)) {
	case "CREATED", "INFORMED":
		return carrier.StatusCreated
	case "EN_ROUTE", "DELAYED", "EXPECTED_DELAY":
		return carrier.StatusInTransit
	case "AVAILABLE_FOR_DELIVERY":
		switch strings.ToUpper(locationType) {
		case "SERVICE_POINT", "DELIVERY_POINT":
			return carrier.StatusAtServicePoint
		}
		return carrier.StatusOutForDelivery
	case "AVAILABLE_FOR_DELIVERY_PAR_LOC":
		return carrier.StatusAtServicePoint
	case "DELIVERED":
		return carrier.StatusDelivered
	case "DELIVERY_IMPOSSIBLE", "DELIVERY_REFUSED", "STOPPED":
		return carrier.StatusException
	case "RETURNED":
		return carrier.StatusReturned
	}
	return carrier.StatusUnknown
}

// stockholm is the zone of PostNord's zone-less timestamps.
var stockholm = mustLoadLocation("Europe/Stockholm")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("postnord: load " + name + ": " + err.Error()) // cannot happen with time/tzdata
	}
	return loc
}

// Layouts PostNord uses for event and arrival times. Fractional seconds
// need no layout of their own: time.Parse accepts them after the seconds.
var (
	zonedLayouts = []string{time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00"}
	localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"}
)

// parseTime reads a PostNord timestamp, "2026-09-28T10:40:52" (local
// Swedish time) or with a zone ("…Z", "…+02:00"). It returns the zero time
// for an empty or unreadable value: an event without a readable time is
// still worth showing.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, stockholm); err == nil {
			return t
		}
	}
	return time.Time{}
}

// alpha3to2 maps the three-letter country codes of Track & Trace
// locations to the two-letter codes the rest of labelstation uses: the
// Nordics, the rest of Europe and PostNord's larger destinations. Others
// pass through unchanged.
var alpha3to2 = map[string]string{
	"SWE": "SE", "NOR": "NO", "DNK": "DK", "FIN": "FI", "ISL": "IS", "ALA": "AX", "FRO": "FO", "GRL": "GL",
	"DEU": "DE", "NLD": "NL", "BEL": "BE", "LUX": "LU", "FRA": "FR", "GBR": "GB", "IRL": "IE", "ESP": "ES",
	"PRT": "PT", "ITA": "IT", "AUT": "AT", "CHE": "CH", "LIE": "LI", "POL": "PL", "CZE": "CZ", "SVK": "SK",
	"HUN": "HU", "SVN": "SI", "HRV": "HR", "ROU": "RO", "BGR": "BG", "GRC": "GR", "CYP": "CY", "MLT": "MT",
	"EST": "EE", "LVA": "LV", "LTU": "LT", "UKR": "UA", "SRB": "RS", "BIH": "BA", "MNE": "ME", "MKD": "MK",
	"ALB": "AL", "MDA": "MD", "TUR": "TR", "MCO": "MC", "AND": "AD", "SMR": "SM", "VAT": "VA",
	"USA": "US", "CAN": "CA", "MEX": "MX", "BRA": "BR", "CHN": "CN", "HKG": "HK", "TWN": "TW", "JPN": "JP",
	"KOR": "KR", "IND": "IN", "SGP": "SG", "THA": "TH", "VNM": "VN", "MYS": "MY", "IDN": "ID", "PHL": "PH",
	"AUS": "AU", "NZL": "NZ", "ZAF": "ZA", "ISR": "IL", "ARE": "AE",
}

func countryAlpha2(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	if a2, ok := alpha3to2[code]; ok {
		return a2
	}
	return code
}
