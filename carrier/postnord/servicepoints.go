package postnord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"labelstation/carrier"
)

// Service Points v5 (servicepoints-v5.swagger.json, server
// /rest/businesslocation): the places a MyPack Collect (19) parcel can be
// sent to. The id goes into the booking's deliveryParty.
const (
	pathServicePointsNearest = "/rest/businesslocation/v5/servicepoints/nearest/byaddress"
	pathServicePointsByID    = "/rest/businesslocation/v5/servicepoints/ids"
	defaultServicePoints     = 5
	maxServicePoints         = 50
)

var _ carrier.ServicePointFinder = (*Client)(nil)

// servicePointCountries are the countries the API serves (countryCode:
// "Allowed value is one of SE, NO, FI, DK").
var servicePointCountries = map[string]bool{"SE": true, "NO": true, "FI": true, "DK": true}

// NearestServicePoints returns up to n (default 5) service points nearest
// to the address, nearest first. Country and a postcode or city are
// required; the street makes the distances exact.
func (c *Client) NearestServicePoints(ctx context.Context, near carrier.Address, n int) ([]carrier.ServicePoint, error) {
	const op = "find service points"
	reqID := requestIDOrNew("")
	ck := &checker{}
	country := strings.ToUpper(strings.TrimSpace(near.Country))
	if ck.required("country", country, "country") && !servicePointCountries[country] {
		ck.add("country", "invalid", "PostNord lists service points in SE, NO, FI and DK, not %q", near.Country)
	}
	postcode, city := strings.TrimSpace(near.Postcode), strings.TrimSpace(near.City)
	if postcode == "" && city == "" {
		ck.add("postcode", "required", "a postcode or a city is needed to find service points")
	}
	switch {
	case n <= 0:
		n = defaultServicePoints
	case n > maxServicePoints:
		n = maxServicePoints
	}
	if len(ck.faults) > 0 {
		return nil, c.invalid(op, reqID, ck.faults)
	}
	q := url.Values{}
	q.Set("returnType", "json")
	q.Set("countryCode", country)
	if postcode != "" {
		q.Set("postalCode", strings.ReplaceAll(postcode, " ", ""))
	}
	if city != "" {
		q.Set("city", city)
	}
	if name, number := splitStreet(near.Street1); name != "" {
		q.Set("streetName", name)
		if number != "" {
			q.Set("streetNumber", number)
		}
	}
	q.Set("numberOfServicePoints", strconv.Itoa(n))
	return c.servicePoints(ctx, op, reqID, pathServicePointsNearest, q)
}

// ServicePoint returns one service point by its id.
func (c *Client) ServicePoint(ctx context.Context, country, id string) (carrier.ServicePoint, error) {
	const op = "find service point"
	reqID := requestIDOrNew("")
	ck := &checker{}
	country = strings.ToUpper(strings.TrimSpace(country))
	id = strings.TrimSpace(id)
	if ck.required("country", country, "country") && !servicePointCountries[country] {
		ck.add("country", "invalid", "PostNord lists service points in SE, NO, FI and DK, not %q", country)
	}
	if ck.required("id", id, "service point id") && (!isDigits(id) || len(id) > maxPartyID) {
		ck.add("id", "invalid", "service point id %q must be up to %d digits", id, maxPartyID)
	}
	if len(ck.faults) > 0 {
		return carrier.ServicePoint{}, c.invalid(op, reqID, ck.faults)
	}
	q := url.Values{}
	q.Set("returnType", "json")
	q.Set("countryCode", country)
	q.Set("ids", id)
	sps, err := c.servicePoints(ctx, op, reqID, pathServicePointsByID, q)
	if err != nil {
		return carrier.ServicePoint{}, err
	}
	for _, sp := range sps {
		if sp.ID == id {
			return sp, nil
		}
	}
	return carrier.ServicePoint{}, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindNotFound, RequestID: reqID,
		Message: fmt.Sprintf("PostNord knows no service point %s in %s", id, country)}
}

func (c *Client) servicePoints(ctx context.Context, op, reqID, path string, q url.Values) ([]carrier.ServicePoint, error) {
	resp, err := c.call(ctx, request{op: op, product: productServicePoints, method: http.MethodGet, path: path, query: q, requestID: reqID, safe: true})
	if err != nil {
		return nil, err
	}
	var dto servicePointsResponseDto
	if err := json.Unmarshal(resp.body, &dto); err != nil || dto.Response == nil {
		return nil, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindUnavailable, HTTPStatus: resp.status, RequestID: reqID,
			Message: "answer is not a service point response"}
	}
	r := dto.Response
	if len(r.ServicePoints) == 0 && r.CompositeFault != nil && len(r.CompositeFault.Faults) > 0 {
		return nil, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindRejected, HTTPStatus: resp.status, RequestID: reqID,
			Message: "PostNord found no service points", Faults: c.faults(r.CompositeFault)}
	}
	out := make([]carrier.ServicePoint, 0, len(r.ServicePoints))
	for _, sp := range r.ServicePoints {
		p := carrier.ServicePoint{ID: sp.ServicePointID, Name: sp.Name, DistanceM: sp.RouteDistance}
		if sp.DeliveryAddress != nil {
			p.Address = sp.DeliveryAddress.neutral(sp.Name)
		}
		if sp.VisitingAddress != nil {
			p.Visiting = sp.VisitingAddress.neutral(sp.Name)
			if p.Address.Street1 == "" {
				p.Address = p.Visiting
			}
		}
		for _, co := range sp.Coordinates {
			// The spec's descriptions swap them, its examples do not:
			// northing is the latitude (59.35 in Stockholm).
			p.Latitude, p.Longitude = co.Northing, co.Easting
			break
		}
		if oh := sp.OpeningHours; oh != nil {
			for _, d := range oh.PostalServices {
				p.Hours = append(p.Hours, fmt.Sprintf("%s %s-%s", d.OpenDay, d.OpenTime, d.CloseTime))
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// splitStreet splits "Kongens gate 3B" into "Kongens gate" and "3B".
func splitStreet(s string) (name, number string) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexByte(s, ' ')
	if i > 0 && i < len(s)-1 && unicode.IsDigit(rune(s[i+1])) {
		return strings.TrimSpace(s[:i]), s[i+1:]
	}
	return s, ""
}

// ---- wire: components/schemas of servicepoints-v5.swagger.json ----

type servicePointsResponseDto struct {
	Response *servicePointInformationResponse `json:"servicePointInformationResponse"`
}

type servicePointInformationResponse struct {
	CompositeFault *compositeFault   `json:"compositeFault"`
	ServicePoints  []servicePointDto `json:"servicePoints"`
}

type servicePointDto struct {
	ServicePointID  string          `json:"servicePointId"`
	Name            string          `json:"name"`
	RouteDistance   int             `json:"routeDistance"`
	VisitingAddress *spAddressDto   `json:"visitingAddress"`
	DeliveryAddress *spAddressDto   `json:"deliveryAddress"`
	Coordinates     []spCoordinate  `json:"coordinates"`
	OpeningHours    *spOpeningHours `json:"openingHours"`
}

type spAddressDto struct {
	CountryCode  string `json:"countryCode"`
	City         string `json:"city"`
	StreetName   string `json:"streetName"`
	StreetNumber string `json:"streetNumber"`
	PostalCode   string `json:"postalCode"`
}

func (a spAddressDto) neutral(name string) carrier.Address {
	return carrier.Address{Name: name, Street1: strings.TrimSpace(a.StreetName + " " + a.StreetNumber),
		Postcode: a.PostalCode, City: a.City, Country: a.CountryCode}
}

type spCoordinate struct {
	Northing float64 `json:"northing"`
	Easting  float64 `json:"easting"`
}

type spOpeningHours struct {
	PostalServices []struct {
		OpenDay   string `json:"openDay"`
		OpenTime  string `json:"openTime"`
		CloseDay  string `json:"closeDay"`
		CloseTime string `json:"closeTime"`
	} `json:"postalServices"`
}
