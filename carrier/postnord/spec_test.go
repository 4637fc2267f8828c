package postnord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
)

// specDir holds PostNord's own specs, beside the project.
const specDir = "../../../shared/postnord"

// specSet routes a captured request to the operation of PostNord's spec
// that serves it, and validates it there with kin-openapi.
type specSet struct {
	routers []routers.Router
}

// loadSpecs loads every spec the client calls, pointed at base: the
// Booking API (Swagger 2.0, converted to OpenAPI 3), Track & Trace v7 by
// id and by reference, Service Points v5 and Transit Time v2.
func loadSpecs(t *testing.T, base string) *specSet {
	t.Helper()
	if _, err := os.Stat(specDir); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("skipping spec validation: %s not found (the shared/ folder must sit beside the project)", specDir)
	}
	set := &specSet{}
	add := func(doc *openapi3.T, basePath string) {
		doc.Servers = openapi3.Servers{{URL: base + basePath}}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatalf("router for %s: %v", doc.Info.Title, err)
		}
		set.routers = append(set.routers, r)
	}

	data, err := os.ReadFile(filepath.Join(specDir, "booking.swagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v2 openapi2.T
	if err := json.Unmarshal(data, &v2); err != nil {
		t.Fatalf("parse booking.swagger.json: %v", err)
	}
	booking, err := openapi2conv.ToV3(&v2)
	if err != nil {
		t.Fatalf("convert booking.swagger.json to OpenAPI 3: %v", err)
	}
	add(booking, v2.BasePath)

	for file, basePath := range map[string]string{
		"track-and-trace-v7-findbyidentifier.swagger.json": "/rest/shipment",
		"track-and-trace-v7-findbyreference.swagger.json":  "/rest/shipment",
		"servicepoints-v5.swagger.json":                    "/rest/businesslocation",
		"transit-time-v1-v2.swagger.json":                  "/rest/transport",
	} {
		doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(specDir, file))
		if err != nil {
			t.Fatalf("load %s: %v", file, err)
		}
		add(doc, basePath)
	}
	return set
}

// validate checks one captured request against the spec operation that
// serves its method and path. It fails when no spec declares the path.
func (s *specSet) validate(r seen, base string) error {
	path := r.RawPath
	if path == "" {
		path = r.Path
	}
	u, _ := url.Parse(base + path)
	u.RawQuery = r.Query.Encode()
	req, _ := http.NewRequest(r.Method, u.String(), bytes.NewReader(r.Body))
	req.Header = r.Header.Clone()
	for _, rt := range s.routers {
		route, params, err := rt.FindRoute(req)
		if err != nil {
			continue
		}
		in := &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{
				MultiError: true,
				// The Booking spec gives some booleans a string default
				// ("false"); injecting defaults would validate the spec's
				// own defaults, not what the client sent.
				SkipSettingDefaults: true,
				// Service Points declares the key as an apiKey security
				// scheme rather than a parameter: check it is there.
				AuthenticationFunc: func(_ context.Context, ai *openapi3filter.AuthenticationInput) error {
					if ai.RequestValidationInput.Request.URL.Query().Get("apikey") == "" {
						return errors.New("apikey query parameter missing")
					}
					return nil
				},
			},
		}
		return openapi3filter.ValidateRequest(context.Background(), in)
	}
	return fmt.Errorf("no PostNord spec declares %s %s", r.Method, r.Path)
}

// specFakeAnswers answers each endpoint the client calls with a body in
// the spec's shape, so every flow runs to completion.
func specFakeAnswers(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	p := r.URL.Path
	switch {
	case strings.Contains(p, "/v3/labels/ids/"):
		io.WriteString(w, `[{"itemIds":[{"itemIds":"00373500454541020957","printId":"p0","status":"OK"}],"printout":{"encoding":"none","data":"^XA^FDreprint^FS^XZ"}}]`)
	case strings.Contains(p, "/labels/"):
		io.WriteString(w, okLabelResponse("00373500454541020957", "00373500454541020964"))
	case strings.Contains(p, "/trackandtrace/"):
		io.WriteString(w, trackingJSON)
	case strings.Contains(p, "/servicepoints/"):
		io.WriteString(w, servicePointsJSON)
	case strings.Contains(p, "/transittime/"):
		io.WriteString(w, transitJSON)
	default:
		w.WriteHeader(404)
		io.WriteString(w, `{"message":"Resource not found"}`)
	}
}

// TestEveryRequestMatchesPostNordSpecs sends every kind of request the
// client can produce to a capturing server and validates each one there
// against PostNord's specs with kin-openapi (parameters, required
// fields, types, formats, lengths, enums), and booking bodies also with
// the strict walker of schema_test.go, which refuses keys the schema does
// not declare.
func TestEveryRequestMatchesPostNordSpecs(t *testing.T) {
	fake := newFake(t, specFakeAnswers)
	specs := loadSpecs(t, fake.URL)
	walker := loadBookingSwagger(t)
	c := newClient(t, fake.URL, func(cfg *postnord.Config) { cfg.ClientID, cfg.ClientSecret, cfg.TokenURL = "", "", "" })
	ctx := context.Background()

	book := func(mod func(*carrier.BookingRequest)) func() error {
		return func() error {
			r := sampleBooking()
			mod(&r)
			_, err := c.Book(ctx, r)
			return err
		}
	}
	domesticSE := func(r *carrier.BookingRequest) {
		r.Receiver = carrier.Address{Name: "Bo Ek", Street1: "Storgatan 14", Postcode: "11455", City: "Stockholm", Country: "SE",
			Email: "bo@example.se", Phone: "+46701234567"}
		r.Service = carrier.Service{}
		r.Parcels = r.Parcels[:1]
	}
	scenarios := map[string]func() error{
		"19 to NO with customs, service point, two parcels": book(func(r *carrier.BookingRequest) {}),
		"19 to SE, no service point":                        book(func(r *carrier.BookingRequest) { domesticSE(r); r.Service.Code = "19" }),
		"19 to SE, service point": book(func(r *carrier.BookingRequest) {
			domesticSE(r)
			r.Service = carrier.Service{Code: "19", ServicePointID: "570973"}
		}),
		"17 to SE": book(func(r *carrier.BookingRequest) { domesticSE(r); r.Service.Code = "17" }),
		"18 to SE with signature and age check": book(func(r *carrier.BookingRequest) {
			domesticSE(r)
			r.Service = carrier.Service{Code: "18", Additional: []string{"D2"}}
			r.Options.MinimumAge = 18
		}),
		"30 to SE": book(func(r *carrier.BookingRequest) { domesticSE(r); r.Service.Code = "30" }),
		"32 to NO": book(func(r *carrier.BookingRequest) { r.Service = carrier.Service{Code: "32"} }),
		"34 letter to NO, CN22": book(func(r *carrier.BookingRequest) {
			r.Service = carrier.Service{Code: "34"}
			r.Parcels = r.Parcels[:1]
		}),
		"34 letter to NO, CN23 (high value)": book(func(r *carrier.BookingRequest) {
			r.Service = carrier.Service{Code: "34"}
			r.Parcels = r.Parcels[:1]
			r.Parcels[0].Contents[0].Value = 9000
		}),
		"91 to US with customs": book(func(r *carrier.BookingRequest) {
			r.Receiver = carrier.Address{Name: "Jo Doe", Street1: "1 Main St", Postcode: "10001", City: "New York", Country: "US", Phone: "+12125550100"}
			r.Service = carrier.Service{Code: "91"}
		}),
		"options: door code, insurance, small label, validate only": book(func(r *carrier.BookingRequest) {
			domesticSE(r)
			r.Service.Code = "17"
			r.Options = carrier.BookingOptions{DeliveryNote: "Portkod 1234", InsuredValue: carrier.Money{Amount: 2500, Currency: "SEK"},
				LabelSize: "small", ValidateOnly: true}
		}),
		"PDF to NO": book(func(r *carrier.BookingRequest) { r.LabelFormat = carrier.LabelPDF }),
		// Offline labels booked later carry the consignor's own ids.
		"own SSCC ids (18 and 20 digits), 19 to NO": book(func(r *carrier.BookingRequest) {
			r.Parcels[0].ItemID, r.Parcels[0].ItemIDType = "373500454541020957", carrier.ItemIDSSCC
			r.Parcels[1].ItemID = "00373500454541020964"
		}),
		"own S10 id, 34 letter to NO": book(func(r *carrier.BookingRequest) {
			r.Service = carrier.Service{Code: "34"}
			r.Parcels = r.Parcels[:1]
			r.Parcels[0].ItemID, r.Parcels[0].ItemIDType = "CC612199545SE", carrier.ItemIDS10
		}),
		"200 parcels": book(func(r *carrier.BookingRequest) {
			domesticSE(r)
			r.Service.Code = "17"
			p := r.Parcels[0]
			r.Parcels = nil
			for range 200 {
				r.Parcels = append(r.Parcels, p)
			}
		}),
		"return 24 from NO": func() error { _, err := c.ReturnLabel(ctx, sampleReturn()); return err },
		"return 22 pickup, PDF": func() error {
			r := sampleReturn()
			r.Service.Code, r.LabelFormat = "22", carrier.LabelPDF
			_, err := c.ReturnLabel(ctx, r)
			return err
		},
		"return 20 pickup from SE": func() error {
			r := sampleReturn()
			r.Sender = carrier.Address{Name: "Bo Ek", Street1: "Storgatan 14", Postcode: "11455", City: "Stockholm", Country: "SE", Phone: "+46701234567"}
			r.Service.Code = "20"
			_, err := c.ReturnLabel(ctx, r)
			return err
		},
		"return labelless QR": func() error {
			r := sampleReturn()
			r.Labelless = true
			_, err := c.ReturnLabel(ctx, r)
			return err
		},
		"reprint ZPL": func() error {
			_, err := c.Reprint(ctx, []string{"31eed2dad84b48a2ba92a26590a0a69f"}, carrier.LabelZPL)
			return err
		},
		"reprint PDF": func() error { _, err := c.Reprint(ctx, []string{"p0", "p1"}, carrier.LabelPDF); return err },
		"tracking":    func() error { _, err := c.Track(ctx, "00373500454541020957"); return err },
		"find by reference": func() error {
			_, err := c.FindByReference(ctx, "20876966", "ORDER 1001/ä")
			return err
		},
		"service points nearest": func() error {
			_, err := c.NearestServicePoints(ctx, carrier.Address{Street1: "Kongens gate 3", Postcode: "7011", City: "Trondheim", Country: "no"}, 3)
			return err
		},
		"service points nearest, postcode only": func() error {
			_, err := c.NearestServicePoints(ctx, carrier.Address{Postcode: "114 55", Country: "SE"}, 0)
			return err
		},
		"service point by id": func() error { _, err := c.ServicePoint(ctx, "SE", "570973"); return err },
		"transit time": func() error {
			_, err := c.TransitTimes(ctx, carrier.TransitQuery{From: carrier.Address{Postcode: "41505", Country: "SE"},
				To: carrier.Address{Street1: "Kongens gate 3", Postcode: "7011", Country: "NO"}, Services: []string{"17", "19"}, Start: fixedNow})
			return err
		},
		"transit time, all services": func() error {
			_, err := c.TransitTimes(ctx, carrier.TransitQuery{From: carrier.Address{Postcode: "41505", Country: "SE"}, To: carrier.Address{Postcode: "11455", Country: "SE"}})
			return err
		},
	}
	for name, send := range scenarios {
		t.Run(name, func(t *testing.T) {
			before := len(fake.requests())
			if err := send(); err != nil && carrier.KindOf(err) != carrier.KindPartial {
				t.Fatalf("client refused or failed: %v", err)
			}
			reqs := fake.requests()[before:]
			if len(reqs) == 0 {
				t.Fatal("no request reached the server")
			}
			for _, r := range reqs {
				if err := specs.validate(r, fake.URL); err != nil {
					t.Errorf("%s %s?%s violates PostNord's spec:\n%v\nbody: %.2000s", r.Method, r.Path, r.Query.Encode(), err, r.Body)
				}
				if r.Header.Get("X-External-Request-ID") == "" {
					t.Errorf("%s %s without X-External-Request-ID", r.Method, r.Path)
				}
				if strings.Contains(r.Path, "/edi/labels/") {
					var v any
					if err := json.Unmarshal(r.Body, &v); err != nil {
						t.Fatal(err)
					}
					if errs := walker.validateDefinition("ediInstruction", v); len(errs) > 0 {
						t.Errorf("body violates booking.swagger.json:\n%s", strings.Join(errs, "\n"))
					}
					if bytes.Contains(r.Body, []byte("Deletion")) {
						t.Error("body mentions Deletion")
					}
				}
			}
		})
	}
}

// TestSpecValidationCatchesBadRequests proves the kin-openapi check can
// fail: requests PostNord would refuse are reported.
func TestSpecValidationCatchesBadRequests(t *testing.T) {
	const base = "http://127.0.0.1:1"
	specs := loadSpecs(t, base)
	key := url.Values{"apikey": {testKey}}
	with := func(kv ...string) url.Values {
		q := url.Values{}
		for k, v := range key {
			q[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	for name, r := range map[string]seen{
		"booking without shipment": {Method: "POST", Path: "/rest/shipment/v3/edi/labels/zpl", Query: key, Header: jsonHeader,
			Body: []byte(`{"messageDate":"2026-09-28T08:40:52Z","updateIndicator":"Original"}`)},
		"booking with a bad dpmm": {Method: "POST", Path: "/rest/shipment/v3/edi/labels/zpl", Query: with("dpmm", "12dpmm"), Header: jsonHeader,
			Body: []byte(`{"messageDate":"2026-09-28T08:40:52Z","updateIndicator":"Original","shipment":[]}`)},
		"customs invoice without HS code": {Method: "POST", Path: "/rest/shipment/v3/edi/labels/zpl", Query: key, Header: jsonHeader,
			Body: []byte(`{"messageDate":"2026-09-28T08:40:52Z","updateIndicator":"Original","shipment":[{"service":{"basicServiceCode":"19"},
			"parties":{"consignor":{"issuerCode":"Z12","partyIdentification":{"partyId":"20876966","partyIdType":"160"},"party":{"nameIdentification":{"name":"A"},"address":{"postalCode":"1","city":"B","countryCode":"SE"}}}},
			"goodsItem":[{"items":[{"itemIdentification":{"itemId":"0"}}]}],
			"customsInvoice":{"type":"COMMERCIAL","seller":{},"buyer":{},"invoice":{"invoiceNo":"1","reasonForExportation":"1000"},"invoiceTotal":{"amount":1,"currency":"SEK"},"totalGrossWeight":{"value":1,"unit":"KGM"},
			"detailedDescription":[{"quantity":1,"content":"x","countryOfOrigin":"SE","netWeight":{"value":1,"unit":"KGM"},"itemValue":{"amount":1,"currency":"SEK"}}]}}]}`)},
		"tracking without apikey":        {Method: "GET", Path: "/rest/shipment/v7/trackandtrace/id/00373500454541020957/public", Query: url.Values{}},
		"service points without country": {Method: "GET", Path: "/rest/businesslocation/v5/servicepoints/nearest/byaddress", Query: with("returnType", "json")},
		"transit time with a local start": {Method: "GET", Path: "/rest/transport/v2/transittime/addresstoaddress", Query: with("startTime", "tomorrow",
			"originPostalCode", "41505", "originCountryCode", "SE", "destinationPostalCode", "7011", "destinationCountryCode", "NOR")},
		"an endpoint PostNord does not have": {Method: "GET", Path: "/rest/shipment/v3/edi/cancel", Query: key},
	} {
		t.Run(name, func(t *testing.T) {
			if err := specs.validate(r, base); err == nil {
				t.Errorf("validation accepted %s %s?%s", r.Method, r.Path, r.Query.Encode())
			} else {
				t.Logf("refused as expected: %.300s", err)
			}
		})
	}
}

// servicePointsJSON is a Service Points v5 answer in the spec's shape.
const servicePointsJSON = `{"servicePointInformationResponse":{"customerSupports":[],"servicePoints":[
 {"name":"ICA Nära Armégatan","servicePointId":"570973","routeDistance":1017,"supplier":"SBClassic",
  "visitingAddress":{"countryCode":"SE","city":"SOLNA","streetName":"Armégatan","streetNumber":"38","postalCode":"17171","addressType":"VISITING"},
  "deliveryAddress":{"countryCode":"SE","city":"SOLNA","streetName":"Armégatan","streetNumber":"38","postalCode":"17171","addressType":"DELIVERY"},
  "coordinates":[{"countryCode":"SE","northing":59.35014139999998,"easting":18.009889600000005,"srId":"EPSG:4326"}],
  "openingHours":{"postalServices":[{"openDay":"MONDAY","openTime":"07:00","closeDay":"MONDAY","closeTime":"22:00"}]},
  "type":{"groupTypeId":1,"groupTypeName":"Service point","typeId":1,"typeName":"Store"}}]}}`

// transitJSON is the spec's own example (OkTransitTimeResponseV2).
const transitJSON = `[{"service":{"basicServiceCode":"17","name":"PostNord MyPack Home"},"estimatedTimeOfArrival":{"dateOfDeparture":"2024-08-23","timeOfDeparture":"2024-08-23T19:15:00","latestTimeOfBooking":"2024-08-23T14:00:00","timeOfArrival":"2024-08-24T21:00:00","eveningPickUp":false},"isSupported":true,"isBookable":true},
{"service":{"basicServiceCode":"18","name":"PostNord Parcel","additionalServices":[{"additionalServiceCode":"D7","name":"Before 12"}]},"estimatedTimeOfArrival":{"dayRangeOfArrival":{"daysMinimum":3,"daysMaximum":4}},"isSupported":true,"isBookable":true},
{"service":{"basicServiceCode":"19","name":"PostNord MyPack Collect"},"estimatedTimeOfArrival":{"dateOfDeparture":"2024-08-23","timeOfDeparture":"2024-08-23T14:00:00","timeOfArrival":"2024-08-23T18:00:00","eveningPickUp":false,"deliveryPoint":{"locationId":"570973","locationType":"servicepoint","countryCode":"SE","name":"ICA NÄRA ARMÉGATAN","isExpressServicePoint":false}},"isSupported":true,"isBookable":true},
{"service":{"basicServiceCode":"22","name":"PostNord Return Pickup"},"isSupported":false,"isBookable":false,"errorMessage":"Service SE-22 is not offered from postal code 17173"}]`
