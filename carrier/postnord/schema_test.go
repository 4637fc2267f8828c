package postnord_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// bookingSwaggerPath is PostNord's Booking API spec, beside the project.
const bookingSwaggerPath = "../../../shared/postnord/booking.swagger.json"

// jsonSchema is the part of a Swagger 2.0 schema object the walker checks.
type jsonSchema struct {
	Ref        string                 `json:"$ref"`
	Type       string                 `json:"type"`
	Format     string                 `json:"format"`
	Required   []string               `json:"required"`
	Properties map[string]*jsonSchema `json:"properties"`
	Items      *jsonSchema            `json:"items"`
	MinLength  *int                   `json:"minLength"`
	MaxLength  *int                   `json:"maxLength"`
	MinItems   *int                   `json:"minItems"`
	Enum       []any                  `json:"enum"`
	AllOf      []*jsonSchema          `json:"allOf"`
}

type swaggerDoc struct {
	Definitions map[string]*jsonSchema `json:"definitions"`
}

// loadBookingSwagger reads the spec, or skips the test when the shared
// folder is not beside the project.
func loadBookingSwagger(t *testing.T) *swaggerDoc {
	t.Helper()
	data, err := os.ReadFile(bookingSwaggerPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("skipping spec check: %s not found (the shared/ folder must sit beside the project)", bookingSwaggerPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc swaggerDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse %s: %v", bookingSwaggerPath, err)
	}
	if len(doc.Definitions) == 0 {
		t.Fatalf("%s has no definitions", bookingSwaggerPath)
	}
	return &doc
}

// validateDefinition checks a decoded JSON value against the named
// definition and returns every violation, sorted.
func (d *swaggerDoc) validateDefinition(name string, v any) []string {
	var errs []string
	d.validate(name, &jsonSchema{Ref: "#/definitions/" + name}, v, &errs)
	sort.Strings(errs)
	return errs
}

// validate walks v against s: $ref, allOf, type, required, maxLength and
// minLength (in characters), minItems, enum and date-time format. It is
// stricter than Swagger in one way on purpose: a property the schema
// does not declare is an error, because PostNord silently ignores a
// misspelt key and the shipment goes out without that data.
func (d *swaggerDoc) validate(path string, s *jsonSchema, v any, errs *[]string) {
	fail := func(format string, args ...any) {
		*errs = append(*errs, path+": "+fmt.Sprintf(format, args...))
	}
	for s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, "#/definitions/")
		def := d.Definitions[name]
		if !ok || def == nil {
			fail("unresolvable $ref %q", s.Ref)
			return
		}
		s = def
	}
	for _, sub := range s.AllOf {
		d.validate(path, sub, v, errs)
	}
	typ := s.Type
	if typ == "" && s.Properties != nil {
		typ = "object"
	}
	switch typ {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			fail("want object, got %T", v)
			return
		}
		for _, r := range s.Required {
			if _, ok := obj[r]; !ok {
				fail("required property %q missing", r)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, ok := s.Properties[k]
			if !ok {
				if s.Properties != nil {
					fail("property %q is not in the schema", k)
				}
				continue
			}
			d.validate(path+"."+k, ps, obj[k], errs)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			fail("want array, got %T", v)
			return
		}
		if s.MinItems != nil && len(arr) < *s.MinItems {
			fail("%d items, want at least %d", len(arr), *s.MinItems)
		}
		if s.Items != nil {
			for i, e := range arr {
				d.validate(fmt.Sprintf("%s[%d]", path, i), s.Items, e, errs)
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("want string, got %T", v)
			return
		}
		n := utf8.RuneCountInString(str)
		if s.MaxLength != nil && n > *s.MaxLength {
			fail("%d characters, maxLength %d", n, *s.MaxLength)
		}
		if s.MinLength != nil && n < *s.MinLength {
			fail("%d characters, minLength %d", n, *s.MinLength)
		}
		if s.Format == "date-time" {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				fail("%q is not a date-time", str)
			}
		}
	case "number":
		if _, ok := v.(float64); !ok {
			fail("want number, got %T", v)
			return
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			fail("want integer, got %v", v)
			return
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("want boolean, got %T", v)
			return
		}
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, v) {
		fail("%v is not one of %v", v, s.Enum)
	}
}

// TestSchemaWalkerCatchesViolations proves the walker can fail: a body
// with a missing postal code, an over-long street line, a wrong type, an
// unknown key and a bad enum must each be reported.
func TestSchemaWalkerCatchesViolations(t *testing.T) {
	doc := loadBookingSwagger(t)
	bad := `{
	  "messageDate": "yesterday",
	  "updateIndicator": "Cancel",
	  "shipment": [{
	    "service": {"basicServiceCode": "19"},
	    "parties": {"consignor": {
	      "issuerCode": "Z12",
	      "partyIdentification": {"partyId": "1234567890", "partyIdType": "160"},
	      "party": {"nameIdentification": {"name": "Shop"},
	                "address": {"streets": ["` + strings.Repeat("x", 51) + `"], "city": "Malmö", "countryCode": "SE"}}
	    }},
	    "goodsItem": [{"items": [{"itemIdentification": {"itemId": "0"}, "grossWeight": {"value": "1.2", "unit": "KGM"}, "colour": "red"}]}]
	  }]
	}`
	var v any
	if err := json.Unmarshal([]byte(bad), &v); err != nil {
		t.Fatal(err)
	}
	errs := doc.validateDefinition("ediInstruction", v)
	for _, want := range []string{
		`ediInstruction.messageDate: "yesterday" is not a date-time`,
		`ediInstruction.updateIndicator: Cancel is not one of`,
		`address: required property "postalCode" missing`,
		`streets[0]: 51 characters, maxLength 50`,
		`grossWeight.value: want number, got string`,
		`items[0]: property "colour" is not in the schema`,
	} {
		found := false
		for _, e := range errs {
			if strings.Contains(e, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("walker did not report %q; it reported:\n%s", want, strings.Join(errs, "\n"))
		}
	}
}
