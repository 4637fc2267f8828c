package orderfile

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"labelstation/carrier"
)

func TestParseJSONSampleFile(t *testing.T) {
	data, err := os.ReadFile("testdata/orders.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := parse(t, "orders.json", string(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []carrier.Order{
		{
			Ref:        "W-5001",
			Receiver:   carrier.Address{Name: "Åsa Öberg", Street1: "Storgatan 1", Postcode: "111 22", City: "Stockholm", Country: "SE", Email: "asa.oberg@example.se"},
			Service:    "19",
			Dimensions: carrier.Dimensions{LengthCm: 30, WidthCm: 20, HeightCm: 10.5},
			Lines: []carrier.Line{
				{Description: "Ullvantar", Quantity: 2, Value: 199.5, Currency: "SEK", HSCode: "611610", Origin: "SE", WeightKg: 0.15},
				{Description: "Mössa", Quantity: 1, Value: 149, Currency: "SEK"},
			},
		},
		{
			Ref: "W-5003",
			Receiver: carrier.Address{Name: "Jørgen Ærø", Company: "Ærø Cykler ApS", Street1: "Strandvejen 12", Street2: "Baghuset, 2. sal",
				Postcode: "8000", City: "Aarhus C", Country: "DK"},
			ServicePointID: "1234567",
			Lines:          []carrier.Line{{Description: "Cykellygte", Quantity: 1, Value: 249, Currency: "DKK"}},
		},
	}
	if !reflect.DeepEqual(res.Orders, want) {
		t.Errorf("orders:\n got %+v\nwant %+v", res.Orders, want)
	}
	wantRejected := []string{
		`line 21: order W-5002: receiver.postcode must be text in quotes, like "0150": as a number its leading zeros would be lost`,
		`line 45: order W-5004: receiver.country "XX" is not a known ISO 3166 two-letter country code (like SE, NO, DK, FI)`,
		"line 45: order W-5004: lines[0].quantity -3 is negative",
	}
	if got := rejected(res); !slices.Equal(got, wantRejected) {
		t.Errorf("rejected:\n got %q\nwant %q", got, wantRejected)
	}
}

func TestParseJSONBothShapesAgree(t *testing.T) {
	list := `[{"ref":"A","receiver":{"name":"N","street1":"S","postcode":"1","city":"C","country":"SE"}},` +
		`{"ref":"B","receiver":{"name":"Ærø","street1":"S","postcode":"1","city":"C","country":"dk"},"lines":[{"description":"x"}]}]`
	a, err := parse(t, "a.json", list)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parse(t, "b.json", `{"version": 2, "orders": `+list+`, "next": null}`)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) || len(a.Orders) != 2 || a.Orders[1].Receiver.Country != "DK" || a.Orders[1].Lines[0].Quantity != 1 {
		t.Fatalf("list %+v\nobject %+v", a, b)
	}
	// Sniffed without a telling extension, with a BOM.
	c, err := parse(t, "orders.txt", "\xEF\xBB\xBF\n  "+list)
	if err != nil || !reflect.DeepEqual(a, c) {
		t.Fatalf("sniffed: %+v %v", c, err)
	}
}

func TestJSONRules(t *testing.T) {
	const ok = `"receiver":{"name":"N","street1":"S","postcode":"1","city":"C","country":"SE"}`
	for _, tc := range []struct {
		name     string
		text     string
		orders   []string
		rejected []string
	}{
		{
			name:     "missing ref on a minified line names the position",
			text:     `[{"ref":"A",` + ok + `},{` + ok + `}]`,
			orders:   []string{"A"},
			rejected: []string{"line 1: ref is empty (order 2 in the list)"},
		},
		{
			name:     "required receiver fields",
			text:     "[\n" + `{"ref":"A","receiver":{"name":" ","street1":"","city":"C","country":""}}` + "\n]",
			rejected: []string{"line 2: order A: receiver.name is empty", "line 2: order A: receiver.street1 is empty", "line 2: order A: receiver.postcode is empty", "line 2: order A: receiver.country is empty"},
		},
		{
			name:   "duplicate refs reject both",
			text:   "[\n" + `{"ref":"A",` + ok + "},\n" + `{"ref":"B",` + ok + "},\n" + `{"ref":"A",` + ok + "}\n]",
			orders: []string{"B"},
			rejected: []string{"line 2: order A: ref appears twice (also on line 4): keep one",
				"line 4: order A: ref appears twice (also on line 2): keep one"},
		},
		{
			name:     "not an object",
			text:     "[null,\n\"A\",\n" + `{"ref":"B",` + ok + "}]",
			orders:   []string{"B"},
			rejected: []string{"line 1: order 1 in the list is not an object {…}", "line 2: order 2 in the list is not an object {…}"},
		},
		{
			name: "numbers",
			text: `[{"ref":"A",` + ok + `,"dimensions":{"length_cm":-1},"lines":[{"description":"x","quantity":0},{"description":"y","quantity":1.5,"value":-2,"weight_kg":-0.1}]}]`,
			rejected: []string{"line 1: order A: dimensions.length_cm -1 is negative", "line 1: order A: lines[0].quantity is 0: a line needs at least 1",
				"line 1: order A: lines[1].quantity 1.5 is not a whole number", "line 1: order A: lines[1].value -2 is negative", "line 1: order A: lines[1].weight_kg -0.1 is negative"},
		},
		{
			name:     "wrong types",
			text:     `[{"ref":"A",` + ok + `,"lines":[{"description":"x","quantity":"2"}]},{"ref":"B","receiver":"Storgatan 1"},{"ref":"C",` + ok + `,"lines":{"description":"x"}}]`,
			rejected: []string{"line 1: order A: lines.quantity must be a number, not text", "line 1: order B: receiver must be an object { … }, not text", "line 1: order C: lines must be a list [ … ], not an object"},
		},
		{
			name:     "item fields",
			text:     `[{"ref":"A",` + ok + `,"lines":[{"description":"","currency":"kr","hs_code":"12","origin":"EL"}]}]`,
			rejected: []string{"line 1: order A: lines[0].description is empty", `line 1: order A: lines[0].currency "kr" is not a three-letter ISO 4217 currency code like SEK or EUR`, `line 1: order A: lines[0].hs_code "12" is not an HS tariff code (6 to 10 digits, like 6109.10)`, `line 1: order A: lines[0].origin "EL" is not an ISO 3166 country code: use GR`},
		},
		{
			name:     "invalid UTF-8 names the field",
			text:     `[{"ref":"A","receiver":{"name":"N","street1":"S","postcode":"1","city":"Malm` + "\xf6" + `","country":"SE"}},{"ref":"B",` + ok + `}]`,
			orders:   []string{"B"},
			rejected: []string{"line 1: order A: receiver.city is not valid UTF-8: save the file as UTF-8"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := parse(t, "x.json", tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if got := refs(res); !slices.Equal(got, tc.orders) {
				t.Errorf("orders = %q, want %q", got, tc.orders)
			}
			if got := rejected(res); !slices.Equal(got, tc.rejected) {
				t.Errorf("rejected:\n got %q\nwant %q", got, tc.rejected)
			}
		})
	}
}

func TestJSONFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, says string
		noOrders         bool
	}{
		{"syntax error has a line", "[\n{\"ref\": \"A\",\n\"receiver\": {,}\n}]", "x.json line 3: the file is not valid JSON", false},
		{"cut off", "[\n{\"ref\": \"A\"},\n{\"ref\": \"B\"", "the file ends in the middle of the JSON", false},
		{"cut off after the list", `{"orders": [{"ref":"A"}], "x": `, "the file ends in the middle", false},
		{"object without orders", `{"items": []}`, `has no "orders" list`, false},
		{"orders not a list", `{"orders": {"ref": "A"}}`, `"orders" must be a list of orders`, false},
		{"top-level string", `"orders"`, "expected a list of orders", false},
		{"empty list", "[ ]", "x.json has an empty list of orders", true},
		{"empty wrapped list", `{"orders": []}`, "x.json has an empty list of orders", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := parse(t, "x.json", tc.text)
			if err == nil {
				t.Fatalf("no error; result %+v", res)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %q, want it to say %q", err, tc.says)
			}
			if errors.Is(err, ErrNoOrders) != tc.noOrders {
				t.Errorf("errors.Is(err, ErrNoOrders) = %v, want %v", !tc.noOrders, tc.noOrders)
			}
		})
	}
}
