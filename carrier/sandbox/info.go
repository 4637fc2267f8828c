package sandbox

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Service Points v5 and Transit Time v2, answered in the shapes of
// servicepoints-v5.swagger.json and transit-time-v1-v2.swagger.json. The
// answers are made up but stable: the same postcode always gives the same
// service points, so a test or a demo can rely on them.

var servicePointCountries = map[string]bool{"SE": true, "NO": true, "DK": true, "FI": true}

type spResponse struct {
	ServicePointInformationResponse spInformation `json:"servicePointInformationResponse"`
}

type spInformation struct {
	ServicePoints  []spServicePoint `json:"servicePoints"`
	CompositeFault *compositeFault  `json:"compositeFault,omitempty"`
}

type spServicePoint struct {
	ServicePointID  string         `json:"servicePointId"`
	Name            string         `json:"name"`
	RouteDistance   int            `json:"routeDistance,omitempty"`
	VisitingAddress spAddress      `json:"visitingAddress"`
	DeliveryAddress spAddress      `json:"deliveryAddress"`
	Coordinates     []spCoordinate `json:"coordinates"`
	OpeningHours    spOpeningHours `json:"openingHours"`
	Type            spType         `json:"type"`
}

type spAddress struct {
	CountryCode  string `json:"countryCode"`
	City         string `json:"city"`
	StreetName   string `json:"streetName"`
	StreetNumber string `json:"streetNumber"`
	PostalCode   string `json:"postalCode"`
	AddressType  string `json:"addressType"`
}

type spCoordinate struct {
	CountryCode string  `json:"countryCode"`
	Northing    float64 `json:"northing"`
	Easting     float64 `json:"easting"`
	SrID        string  `json:"srId"`
}

type spOpeningHours struct {
	PostalServices []spPostalDate `json:"postalServices"`
}

type spPostalDate struct {
	OpenDay   string `json:"openDay"`
	OpenTime  string `json:"openTime"`
	CloseDay  string `json:"closeDay"`
	CloseTime string `json:"closeTime"`
}

type spType struct {
	GroupTypeID   int    `json:"groupTypeId"`
	GroupTypeName string `json:"groupTypeName"`
	TypeID        int    `json:"typeId"`
	TypeName      string `json:"typeName"`
}

var spNames = []string{"ICA Nära", "Coop", "Pressbyrån", "Paketbox", "Circle K", "Rema 1000", "Kiwi", "Matbutikken"}

// servicePointFor makes service point number n near postcode, with an id
// derived from both, six digits as PostNord's are.
func servicePointFor(country, postcode, city string, n int) spServicePoint {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s|%s|%d", country, postcode, n)
	id := fmt.Sprintf("%06d", h.Sum32()%1_000_000)
	if city == "" {
		city = "SANDBOX"
	}
	name := spNames[int(h.Sum32()>>8)%len(spNames)] + " " + strings.ToUpper(city)
	addr := spAddress{CountryCode: country, City: strings.ToUpper(city), StreetName: "Sandboxgatan", StreetNumber: strconv.Itoa(n*3 + 1), PostalCode: postcode}
	visit, deliver := addr, addr
	visit.AddressType, deliver.AddressType = "VISITING", "DELIVERY"
	var hours []spPostalDate
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		hours = append(hours, spPostalDate{OpenDay: d, OpenTime: "08:00", CloseDay: d, CloseTime: "21:00"})
	}
	return spServicePoint{
		ServicePointID: id, Name: name, RouteDistance: 350 + 420*n,
		VisitingAddress: visit, DeliveryAddress: deliver,
		Coordinates:  []spCoordinate{{CountryCode: country, Northing: 59.3 + float64(n)/100, Easting: 18.0 + float64(n)/100, SrID: "EPSG:4326"}},
		OpeningHours: spOpeningHours{PostalServices: hours},
		Type:         spType{GroupTypeID: 1, GroupTypeName: "Service point", TypeID: 1, TypeName: "Store"},
	}
}

func missingParam(w http.ResponseWriter, name string) {
	writeJSON(w, http.StatusBadRequest, errorResponse{Message: "Query parameter missing",
		CompositeFault: &compositeFault{Faults: []fault{{FaultCode: faultMissing, ExplanationText: "Missing parameter", ParamValues: []paramValue{{Param: name, Value: ""}}}}}})
}

func (s *Server) handleServicePointsNearest(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.enterProduct(w, r, ProductServicePoints); !ok {
		return
	}
	q := r.URL.Query()
	country := q.Get("countryCode")
	switch {
	case q.Get("returnType") == "":
		missingParam(w, "returnType")
		return
	case country == "":
		missingParam(w, "countryCode")
		return
	case q.Get("postalCode") == "" && q.Get("city") == "":
		missingParam(w, "postalCode")
		return
	}
	if !servicePointCountries[country] {
		writeJSON(w, http.StatusBadRequest, errorResponse{Message: "Invalid parameter",
			CompositeFault: &compositeFault{Faults: []fault{{FaultCode: faultInvalid, ExplanationText: "Invalid country code", ParamValues: []paramValue{{Param: "countryCode", Value: country}}}}}})
		return
	}
	n := 5
	if v, err := strconv.Atoi(q.Get("numberOfServicePoints")); err == nil && v > 0 && v <= 50 {
		n = v
	}
	postcode := firstNonEmpty(q.Get("postalCode"), "00000")
	resp := spResponse{}
	for i := 0; i < n; i++ {
		resp.ServicePointInformationResponse.ServicePoints = append(resp.ServicePointInformationResponse.ServicePoints,
			servicePointFor(country, postcode, q.Get("city"), i))
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleServicePointsByID(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.enterProduct(w, r, ProductServicePoints); !ok {
		return
	}
	q := r.URL.Query()
	for _, p := range []string{"returnType", "countryCode", "ids"} {
		if q.Get(p) == "" {
			missingParam(w, p)
			return
		}
	}
	resp := spResponse{ServicePointInformationResponse: spInformation{ServicePoints: []spServicePoint{}}}
	for _, id := range strings.Split(q.Get("ids"), ",") {
		sp := servicePointFor(q.Get("countryCode"), "00000", "", 0)
		sp.ServicePointID, sp.RouteDistance = strings.TrimSpace(id), 0
		resp.ServicePointInformationResponse.ServicePoints = append(resp.ServicePointInformationResponse.ServicePoints, sp)
	}
	writeJSON(w, http.StatusOK, resp)
}

type ttTransit struct {
	Service                ttTransitService `json:"service"`
	EstimatedTimeOfArrival *ttETA           `json:"estimatedTimeOfArrival,omitempty"`
	IsSupported            bool             `json:"isSupported"`
	IsBookable             bool             `json:"isBookable"`
	ErrorMessage           string           `json:"errorMessage,omitempty"`
}

type ttTransitService struct {
	BasicServiceCode string `json:"basicServiceCode"`
	Name             string `json:"name"`
}

type ttETA struct {
	DateOfDeparture     string `json:"dateOfDeparture"`
	TimeOfDeparture     string `json:"timeOfDeparture"`
	LatestTimeOfBooking string `json:"latestTimeOfBooking"`
	TimeOfArrival       string `json:"timeOfArrival"`
	EveningPickUp       bool   `json:"eveningPickUp"`
}

// handleTransit estimates: one working day within a country, two across
// the Nordics, three to Norway from outside (customs), four elsewhere.
func (s *Server) handleTransit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.enterProduct(w, r, ProductTransitTime); !ok {
		return
	}
	q := r.URL.Query()
	for _, p := range []string{"startTime", "originPostalCode", "originCountryCode", "destinationPostalCode", "destinationCountryCode"} {
		if q.Get(p) == "" {
			missingParam(w, p)
			return
		}
	}
	start, err := time.Parse(time.RFC3339, q.Get("startTime"))
	if err != nil {
		if start, err = time.ParseInLocation("2006-01-02T15:04", q.Get("startTime"), stockholm); err != nil {
			writeJSON(w, http.StatusBadRequest, errorResponse{Message: "Invalid parameter",
				CompositeFault: &compositeFault{Faults: []fault{{FaultCode: faultInvalid, ExplanationText: "startTime is not a date-time", ParamValues: []paramValue{{Param: "startTime", Value: q.Get("startTime")}}}}}})
			return
		}
	}
	from, to := strings.ToUpper(q.Get("originCountryCode")), strings.ToUpper(q.Get("destinationCountryCode"))
	codes := []string{"17", "18", "19", "30", "32", "34", "91"}
	if v := q.Get("serviceCodes"); v != "" {
		codes = strings.Split(v, ",")
	}
	days := 4
	switch {
	case from == to:
		days = 1
	case to == "NO":
		days = 3
	case servicePointCountries[from] && servicePointCountries[to]:
		days = 2
	}
	start = start.In(stockholm)
	cutoff := time.Date(start.Year(), start.Month(), start.Day(), 14, 0, 0, 0, stockholm)
	dep := time.Date(start.Year(), start.Month(), start.Day(), 19, 15, 0, 0, stockholm)
	if start.After(cutoff) {
		dep, cutoff = dep.AddDate(0, 0, 1), cutoff.AddDate(0, 0, 1)
	}
	arr := addWorkdays(time.Date(dep.Year(), dep.Month(), dep.Day(), 17, 0, 0, 0, stockholm), days)
	out := []ttTransit{}
	for _, c := range codes {
		c = strings.TrimSpace(c)
		name := outboundServices[c]
		if name == "" {
			name = returnServices[c]
		}
		t := ttTransit{Service: ttTransitService{BasicServiceCode: c, Name: "PostNord " + name}}
		switch {
		case name == "":
			t.ErrorMessage = fmt.Sprintf("Service %s-%s is not offered", from, c)
		case c == "32" && to != "NO":
			t.IsSupported, t.ErrorMessage = true, "Service 32 is only offered to Norway"
		default:
			t.IsSupported, t.IsBookable = true, true
			t.EstimatedTimeOfArrival = &ttETA{DateOfDeparture: dep.Format("2006-01-02"), TimeOfDeparture: dep.Format(ttTimeLayout),
				LatestTimeOfBooking: cutoff.Format(ttTimeLayout), TimeOfArrival: arr.Format(ttTimeLayout)}
		}
		out = append(out, t)
	}
	writeJSON(w, http.StatusOK, out)
}

func addWorkdays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
