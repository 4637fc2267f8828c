package ordersource

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"labelstation/carrier"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("test JSON: %v", err)
	}
	return v
}

func mustCompile(t *testing.T, m Mapping) compiled {
	t.Helper()
	c, err := m.compile()
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return c
}

// A WMS that already answers in the station's own order JSON needs no
// mapping: every field comes back as it went out.
func TestDefaultMappingReadsOurOwnJSON(t *testing.T) {
	want := carrier.Order{
		Ref: "A-1001",
		Receiver: carrier.Address{Name: "Anna Svensson", Company: "Svensson AB", Street1: "Storgatan 1", Street2: "lgh 1102",
			Postcode: "11122", City: "Stockholm", Country: "SE", Email: "anna@example.se", Phone: "+46701234567"},
		Service: "19", ServicePointID: "123456",
		Dimensions: carrier.Dimensions{LengthCm: 30, WidthCm: 20, HeightCm: 10.5},
		Lines: []carrier.Line{
			{SKU: "TS-001", Description: "T-shirt", Quantity: 2, Value: 199, Currency: "SEK", HSCode: "610910", Origin: "PT", WeightKg: 0.2},
			{SKU: "MUG-9", Description: "Mug", Quantity: 1},
		},
		ReturnLabel: true,
	}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := mustCompile(t, nil).mapOrder(decode(t, string(b)), "a-1001")
	if err != nil {
		t.Fatalf("mapOrder: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

const wmsAnswer = `{
  "orderNo": "SO-77",
  "shipTo": {
    "contact": {"fullName": "Ola Nordmann", "mail": "ola@example.no"},
    "address": ["Karl Johans gate 1", "3. etasje"],
    "zip": 150,
    "town": "Oslo",
    "cc": "no"
  },
  "carrier": {"product": 17, "pickupPoint": "NO-4455"},
  "package": {"l": "40", "w": 30.5, "h": "12.25"},
  "wantsReturn": "true",
  "items": [
    {"article": {"number": "SKU-1", "text": "Boots"}, "qty": "2", "unitPrice": "499.50", "cur": "nok", "tariff": "6403.99", "madeIn": "it", "kg": "1.2"},
    {"article": {"number": 4711, "text": "Laces"}, "qty": 3, "unitPrice": 19}
  ]
}`

var wmsMapping = Mapping{
	"ref":                  "orderNo",
	"receiver.name":        "shipTo.contact.fullName",
	"receiver.email":       "shipTo.contact.mail",
	"receiver.street1":     "shipTo.address.0",
	"receiver.street2":     "shipTo.address.1",
	"receiver.postcode":    "shipTo.zip",
	"receiver.city":        "shipTo.town",
	"receiver.country":     "shipTo.cc",
	"service":              "carrier.product",
	"service_point_id":     "carrier.pickupPoint",
	"dimensions.length_cm": "package.l",
	"dimensions.width_cm":  "package.w",
	"dimensions.height_cm": "package.h",
	"return_label":         "wantsReturn",
	"lines":                "items",
	"lines.sku":            "article.number",
	"lines.description":    "article.text",
	"lines.quantity":       "qty",
	"lines.value":          "unitPrice",
	"lines.currency":       "cur",
	"lines.hs_code":        "tariff",
	"lines.origin":         "madeIn",
	"lines.weight_kg":      "kg",
}

var wmsOrder = carrier.Order{
	Ref: "SO-77",
	Receiver: carrier.Address{Name: "Ola Nordmann", Street1: "Karl Johans gate 1", Street2: "3. etasje",
		Postcode: "150", City: "Oslo", Country: "NO", Email: "ola@example.no"},
	Service: "17", ServicePointID: "NO-4455",
	Dimensions: carrier.Dimensions{LengthCm: 40, WidthCm: 30.5, HeightCm: 12.25},
	Lines: []carrier.Line{
		{SKU: "SKU-1", Description: "Boots", Quantity: 2, Value: 499.5, Currency: "NOK", HSCode: "640399", Origin: "IT", WeightKg: 1.2},
		{SKU: "4711", Description: "Laces", Quantity: 3, Value: 19},
	},
	ReturnLabel: true,
}

func TestMappingNestedArraysAndNumericStrings(t *testing.T) {
	got, err := mustCompile(t, wmsMapping).mapOrder(decode(t, wmsAnswer), "so-77")
	if err != nil {
		t.Fatalf("mapOrder: %v", err)
	}
	if !reflect.DeepEqual(got, wmsOrder) {
		t.Fatalf("got  %+v\nwant %+v", got, wmsOrder)
	}
}

func TestMappingEntriesOverrideDefaults(t *testing.T) {
	// Only the postcode differs from our JSON; everything else defaults.
	doc := `{"ref":"R1","receiver":{"name":"N","street1":"S","zipCode":"41505","city":"C","country":"se"},"lines":[{"description":"d"}]}`
	got, err := mustCompile(t, Mapping{"receiver.postcode": "receiver.zipCode"}).mapOrder(decode(t, doc), "R1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Receiver.Postcode != "41505" || got.Receiver.Country != "SE" || len(got.Lines) != 1 || got.Lines[0].Quantity != 1 {
		t.Fatalf("got %+v", got)
	}
}

func TestMappingEmptyPathMeansNotProvided(t *testing.T) {
	doc := `{"ref":"R1","receiver":{"name":"N","street1":"S","postcode":"1","city":"C","country":"SE","email":"x@y"},"lines":[{"description":"d"}]}`
	got, err := mustCompile(t, Mapping{"receiver.email": "", "lines": ""}).mapOrder(decode(t, doc), "R1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Receiver.Email != "" || got.Lines != nil {
		t.Fatalf("got %+v", got)
	}
	// ref = "" takes the scanned reference.
	doc = `{"receiver":{"name":"N","street1":"S","postcode":"1","city":"C","country":"SE"}}`
	got, err = mustCompile(t, Mapping{"ref": ""}).mapOrder(decode(t, doc), " R-9 ")
	if err != nil || got.Ref != "R-9" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestMappingMissingRequiredNamesFieldAndPath(t *testing.T) {
	doc := `{"orderNo":"SO-77","shipTo":{"contact":{"fullName":"Ola"},"address":[],"town":"Oslo","cc":"NO"}}`
	_, err := mustCompile(t, wmsMapping).mapOrder(decode(t, doc), "SO-77")
	if KindOf(err) != KindBadAnswer {
		t.Fatalf("err = %v, want KindBadAnswer", err)
	}
	for _, want := range []string{"receiver.street1 (looked for at shipTo.address.0)", "receiver.postcode (looked for at shipTo.zip)", "SO-77"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if h := HintOf(err); !strings.Contains(h, "[orders.http.mapping]") || !strings.Contains(h, "in the WMS") {
		t.Errorf("hint %q", h)
	}
}

func TestMappingBadValues(t *testing.T) {
	base := `{"ref":"R1","receiver":{"name":"N","street1":"S","postcode":"1","city":"C","country":%s},"lines":%s}`
	for _, tc := range []struct{ country, lines, says string }{
		{`"Sweden"`, `[]`, `receiver.country (from receiver.country) is "Sweden": the station needs a two-letter ISO 3166-1 country code`},
		{`"SWE"`, `[]`, `"SWE"`},
		{`{"code":"SE"}`, `[]`, `receiver.country (from receiver.country) is an object`},
		{`"SE"`, `{"description":"x"}`, `lines (from lines) is an object, not a list`},
		{`"SE"`, `["x"]`, `lines[0] (from lines.0) is "x", not an order line object`},
		{`"SE"`, `[{"quantity":0}]`, `lines[0].quantity (from lines.0.quantity) is 0: a line needs a quantity of at least 1`},
		{`"SE"`, `[{"quantity":"2.5"}]`, `is "2.5": not a whole number`},
		{`"SE"`, `[{"value":"1,5"}]`, `lines[0].value (from lines.0.value) is "1,5": not a number`},
		{`"SE"`, `[{"value":-3}]`, `is -3: negative`},
		{`"SE"`, `[{"currency":"kronor"}]`, `ISO 4217`},
		{`"SE"`, `[{"origin":"Italy"}]`, `lines[0].origin`},
		{`"SE"`, `[{}, {"weight_kg":"NaN"}]`, `lines[1].weight_kg`},
	} {
		doc := strings.Replace(strings.Replace(base, "%s", tc.country, 1), "%s", tc.lines, 1)
		_, err := mustCompile(t, nil).mapOrder(decode(t, doc), "R1")
		if KindOf(err) != KindBadAnswer || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s / %s: err = %v; want KindBadAnswer saying %q", tc.country, tc.lines, err, tc.says)
		}
	}
}

func TestMappingRefMustMatchScan(t *testing.T) {
	doc := `{"ref":"A-2","receiver":{"name":"N","street1":"S","postcode":"1","city":"C","country":"SE"}}`
	_, err := mustCompile(t, nil).mapOrder(decode(t, doc), "A-1")
	if KindOf(err) != KindBadAnswer || err.Error() != "the WMS answered with order A-2 for A-1" {
		t.Fatalf("err = %v", err)
	}
	if o, err := mustCompile(t, nil).mapOrder(decode(t, doc), "a-2"); err != nil || o.Ref != "A-2" {
		t.Fatalf("case-insensitive match: %+v, %v", o, err)
	}
}

func TestConvert(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		typ  fieldType
		want any
	}{
		{`"2"`, typeQuantity, 2},
		{`2`, typeQuantity, 2},
		{`"2.0"`, typeQuantity, 2},
		{`""`, typeQuantity, 1},
		{`"1.5"`, typeNumber, 1.5},
		{`1.5`, typeNumber, 1.5},
		{`" 7 "`, typeNumber, 7.0},
		{`true`, typeBool, true},
		{`"true"`, typeBool, true},
		{`"TRUE"`, typeBool, true},
		{`1`, typeBool, true},
		{`0`, typeBool, false},
		{`"false"`, typeBool, false},
		{`41505`, typeText, "41505"},
		{`" x "`, typeText, "x"},
		{`" se "`, typeCountry, "SE"},
		{`"sek"`, typeCurrency, "SEK"},
		{`"6109.10 00"`, typeHSCode, "61091000"},
	} {
		got, why := convert(decode(t, tc.raw), tc.typ)
		if why != "" || got != tc.want {
			t.Errorf("convert(%s, %d) = %v, %q; want %v", tc.raw, tc.typ, got, why, tc.want)
		}
	}
	for _, tc := range []struct {
		raw string
		typ fieldType
	}{
		{`"yes please"`, typeBool}, {`2`, typeBool}, {`"0x10"`, typeNumber}, {`"Inf"`, typeNumber},
		{`[1]`, typeText}, {`{}`, typeNumber}, {`"S"`, typeCountry}, {`"1e9"`, typeQuantity},
	} {
		if _, why := convert(decode(t, tc.raw), tc.typ); why == "" {
			t.Errorf("convert(%s, %d) accepted", tc.raw, tc.typ)
		}
	}
}

func TestResolve(t *testing.T) {
	doc := decode(t, `{"a":{"b":[{"c":"x"},null],"0":"key zero"},"n":5}`)
	for path, want := range map[string]any{"a.b.0.c": "x", "a.0": "key zero"} {
		if got, ok := resolve(doc, strings.Split(path, ".")); !ok || got != want {
			t.Errorf("resolve(%s) = %v, %v", path, got, ok)
		}
	}
	for _, path := range []string{"a.b.1", "a.b.2", "a.b.x", "a.b.-1", "n.x", "z"} {
		if got, ok := resolve(doc, strings.Split(path, ".")); ok {
			t.Errorf("resolve(%s) = %v, want nothing", path, got)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultMapping().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := wmsMapping.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		m    Mapping
		says []string
	}{
		{Mapping{"reciever.name": "x"}, []string{`"reciever.name" is not a field`, `did you mean "receiver.name"`}},
		{Mapping{"customer": "x"}, []string{`"customer" is not a field`}},
		{Mapping{"receiver.city": "a..b"}, []string{`"receiver.city" = "a..b" is not a path`}},
		{Mapping{"lines.qty": "q"}, []string{`"lines.qty"`}},
		{Mapping{"receiver.postcode": ""}, []string{`"receiver.postcode" is required`}},
		{Mapping{"service": ".x"}, []string{`not a path`}},
	} {
		err := tc.m.Validate()
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindConfig {
			t.Errorf("%v: err = %v, want KindConfig", tc.m, err)
			continue
		}
		if !strings.HasPrefix(e.Msg, "[orders.http.mapping]") {
			t.Errorf("%v: %q does not name the setting", tc.m, e.Msg)
		}
		for _, s := range tc.says {
			if !strings.Contains(e.Msg, s) {
				t.Errorf("%v: %q does not say %q", tc.m, e.Msg, s)
			}
		}
		// The hint lists every known field.
		for _, f := range Fields() {
			if !strings.Contains(e.Hint, f) {
				t.Errorf("hint %q does not list %s", e.Hint, f)
			}
		}
	}
}

// Fields must name exactly the JSON fields of carrier.Order (but
// imported_at, which the station sets), so a new field there is noticed.
func TestFieldsMatchCarrierOrder(t *testing.T) {
	var names []string
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "imported_at" {
				continue
			}
			switch {
			case f.Type.Kind() == reflect.Struct && f.Type.Name() != "Time":
				walk(prefix+name+".", f.Type)
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
				names = append(names, prefix+name)
				walk(prefix+name+".", f.Type.Elem())
			default:
				names = append(names, prefix+name)
			}
		}
	}
	walk("", reflect.TypeFor[carrier.Order]())
	got := Fields()
	var a, b bytes.Buffer
	for _, n := range names {
		a.WriteString(n + " ")
	}
	for _, n := range got {
		b.WriteString(n + " ")
	}
	if len(names) != len(got) {
		t.Fatalf("carrier.Order: %s\nFields():      %s", a.String(), b.String())
	}
	for _, n := range names {
		if _, ok := DefaultMapping()[n]; !ok {
			t.Errorf("carrier.Order field %s has no mapping key", n)
		}
	}
}

// The receiver's language and the shop's tags come from the WMS too:
// tags as a list or as one string of words.
func TestLanguageAndTags(t *testing.T) {
	c := mustCompile(t, Mapping{"language": "lang", "tags": "labels"})
	for _, tc := range []struct {
		doc      string
		lang     string
		tags     []string
		problems bool
	}{
		{`{"lang":"NO","labels":["VIP"," vip ","b2b"]}`, "nb", []string{"vip", "b2b"}, false},
		{`{"lang":"sv","labels":"preorder;gift"}`, "sv", []string{"preorder", "gift"}, false},
		{`{"lang":"tlh"}`, "", nil, true},
	} {
		doc := decode(t, tc.doc)
		var m mapper
		lang := m.value(doc, "language", c.order["language"], typeLanguage).(string)
		tags, _ := m.value(doc, "tags", c.order["tags"], typeTags).([]string)
		if lang != tc.lang || strings.Join(tags, ",") != strings.Join(tc.tags, ",") || (len(m.problems) > 0) != tc.problems {
			t.Errorf("%s: language %q tags %v problems %v", tc.doc, lang, tags, m.problems)
		}
	}
}
