package orderfile

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
)

// parse runs Parse on text and checks ImportedAt, then clears it so
// results compare with literal orders.
func parse(t *testing.T, name, text string) (Result, error) {
	t.Helper()
	before := time.Now().UTC()
	res, err := Parse(name, strings.NewReader(text))
	for i := range res.Orders {
		if at := res.Orders[i].ImportedAt; at.Before(before) || at.After(time.Now().UTC()) {
			t.Errorf("order %s ImportedAt %v is not the time of the import", res.Orders[i].Ref, at)
		}
		res.Orders[i].ImportedAt = time.Time{}
	}
	return res, err
}

func refs(res Result) []string {
	var out []string
	for _, o := range res.Orders {
		out = append(out, o.Ref)
	}
	return out
}

func rejected(res Result) []string {
	var out []string
	for _, r := range res.Rejected {
		out = append(out, r.Error())
	}
	return out
}

func TestRowErrorFormat(t *testing.T) {
	if got := (RowError{Line: 7, OrderRef: "A-1002", Reason: "postcode is empty"}).Error(); got != "line 7: order A-1002: postcode is empty" {
		t.Errorf("got %q", got)
	}
	if got := (RowError{Line: 3, Reason: "order_ref is empty"}).Error(); got != "line 3: order_ref is empty" {
		t.Errorf("got %q", got)
	}
}

// The sample is what a Nordic Excel writes: UTF-8 with BOM, CRLF,
// semicolons, decimal commas, mixed-case headers, an unknown column,
// trailing empty rows, and a quoted address over two lines.
func TestParseNordicSampleFile(t *testing.T) {
	data, err := os.ReadFile("testdata/orders-nordic.csv")
	if err != nil {
		t.Fatal(err)
	}
	res, err := parse(t, "orders-nordic.csv", string(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []carrier.Order{
		{
			Ref: "A-1001",
			Receiver: carrier.Address{Name: "Åsa Öberg", Street1: "Storgatan 1", Postcode: "111 22", City: "Stockholm", Country: "SE",
				Email: "asa.oberg@example.se", Phone: "+46 70 123 45 67"},
			Service:    "19",
			Dimensions: carrier.Dimensions{LengthCm: 30, WidthCm: 20, HeightCm: 10.5},
			Lines: []carrier.Line{
				{Description: "Ullvantar", Quantity: 2, Value: 199.5, Currency: "SEK", HSCode: "611610", Origin: "SE", WeightKg: 0.15},
				{Description: "Mössa", Quantity: 1, Value: 149, Currency: "SEK", HSCode: "650500", Origin: "SE", WeightKg: 0.08},
			},
		},
		{
			Ref: "A-1002",
			Receiver: carrier.Address{Name: "Jørgen Ærø", Company: "Ærø Cykler ApS", Street1: "Strandvejen 12", Street2: "Baghuset; 2. sal\natt. lager",
				Postcode: "8000", City: "Aarhus C", Country: "DK", Email: "jorgen@example.dk"},
			Service: "17", ServicePointID: "1234567",
			Lines: []carrier.Line{{Description: "Cykellygte", Quantity: 1, Value: 249, Currency: "DKK", HSCode: "851210", Origin: "CN", WeightKg: 0.3}},
		},
		{
			Ref:      "A-1003",
			Receiver: carrier.Address{Name: "Päivi Mäkinen", Street1: "Hämeenkatu 5 B 12", Postcode: "33100", City: "Tampere", Country: "FI"},
			Service:  "19",
			Lines: []carrier.Line{
				{Description: "Kirja", Quantity: 3, Value: 19.9, Currency: "EUR", HSCode: "490199", Origin: "FI", WeightKg: 0.45},
				{Description: "Kalenteri", Quantity: 1, Value: 12, Currency: "EUR", HSCode: "491000", Origin: "FI", WeightKg: 0.2},
			},
		},
		{
			Ref:      "A-1004",
			Receiver: carrier.Address{Name: "Ola Nordmann", Street1: "Karl Johans gate 1", Postcode: "0154", City: "Oslo", Country: "NO", Email: "ola@example.no"},
		},
	}
	if !reflect.DeepEqual(res.Orders, want) {
		t.Errorf("orders:\n got %+v\nwant %+v", res.Orders, want)
	}
	wantRejected := []string{
		"line 9: order A-1005: postcode is empty",
		`line 10: order A-1006: item_quantity "-1" is negative`,
		"line 11: order A-1006: order rejected because line 10 is bad",
		"line 12: order A-1007: order rejected because line 13 is bad",
		`line 13: order A-1007: city "Lund" differs from "Malmö" on line 12: an order's rows must agree (or leave it empty after the first row)`,
		`line 14: order A-1008: country "DNK" is not an ISO 3166 country code: use DK`,
	}
	if got := rejected(res); !slices.Equal(got, wantRejected) {
		t.Errorf("rejected:\n got %q\nwant %q", got, wantRejected)
	}
}

func TestParseCommaFileFirstRowOnly(t *testing.T) {
	text := "order_ref,name,street1,postcode,city,country,item_description,item_quantity,item_value,item_currency\n" +
		`B-2001,Anna Svensson,"Box 123, Centralposten",10122,Stockholm,SE,Bok,1,149.00,SEK` + "\n" +
		"B-2001,,,,,,Bokmärke,2,19.50,SEK\n" +
		"B-2002,Erik Larsen,Torggata 5,0181,Oslo,NO,Kart,1,99,NOK\n"
	res, err := parse(t, "orders.csv", text)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) > 0 {
		t.Fatalf("rejected: %q", rejected(res))
	}
	want := carrier.Order{
		Ref:      "B-2001",
		Receiver: carrier.Address{Name: "Anna Svensson", Street1: "Box 123, Centralposten", Postcode: "10122", City: "Stockholm", Country: "SE"},
		Lines: []carrier.Line{
			{Description: "Bok", Quantity: 1, Value: 149, Currency: "SEK"},
			{Description: "Bokmärke", Quantity: 2, Value: 19.5, Currency: "SEK"},
		},
	}
	if len(res.Orders) != 2 || !reflect.DeepEqual(res.Orders[0], want) || res.Orders[1].Receiver.Postcode != "0181" {
		t.Fatalf("orders = %+v", res.Orders)
	}
}

const hdr = "order_ref;name;street1;postcode;city;country;length_cm;item_description;item_quantity;item_value;item_currency;item_hs_code;item_origin;item_weight_kg\n"

func TestCSVRules(t *testing.T) {
	for _, tc := range []struct {
		name     string
		file     string // file name; "x.csv" if empty
		text     string
		orders   []string
		rejected []string
	}{
		{
			name:     "each required value",
			text:     hdr + ";N;S;1;C;SE\nA;;S;1;C;SE\nB;N;;1;C;SE\nC;N;S;;C;SE\nD;N;S;1;;SE\nE;N;S;1;C;\nF;N;S;1;C;SE\n",
			orders:   []string{"F"},
			rejected: []string{"line 2: order_ref is empty: every row needs the order it belongs to", "line 3: order A: name is empty", "line 4: order B: street1 is empty", "line 5: order C: postcode is empty", "line 6: order D: city is empty", "line 7: order E: country is empty"},
		},
		{
			name:     "several problems on one row are all listed",
			text:     hdr + "A;;S;;C;XX;abc\n",
			rejected: []string{`line 2: order A: country "XX" is not a known ISO 3166 two-letter country code (like SE, NO, DK, FI)`, `line 2: order A: length_cm "abc" is not a number`, "line 2: order A: name is empty", "line 2: order A: postcode is empty"},
		},
		{
			name:     "bad numbers",
			text:     hdr + "A;N;S;1;C;SE;;x;1;1.2.3\nB;N;S;1;C;SE;-3\nC;N;S;1;C;SE;;x;1;;;;;heavy\nD;N;S;1;C;SE;1,5;x;1;2,25\n",
			orders:   []string{"D"},
			rejected: []string{`line 2: order A: item_value "1.2.3" is not a number`, `line 3: order B: length_cm "-3" is negative`, `line 4: order C: item_weight_kg "heavy" is not a number`},
		},
		{
			name:     "quantities",
			text:     hdr + "A;N;S;1;C;SE;;x;-2\nB;N;S;1;C;SE;;x;0\nC;N;S;1;C;SE;;x;1,5\nD;N;S;1;C;SE;;x;\nE;N;S;1;C;SE;;x;2,0\n",
			orders:   []string{"D", "E"},
			rejected: []string{`line 2: order A: item_quantity "-2" is negative`, "line 3: order B: item_quantity is 0: a line needs at least 1", `line 4: order C: item_quantity "1,5" is not a whole number`},
		},
		{
			name:     "item fields",
			text:     hdr + "A;N;S;1;C;SE;;;2\nB;N;S;1;C;SE;;x;1;1;kronor\nC;N;S;1;C;SE;;x;1;1;SEK;12\nD;N;S;1;C;SE;;x;1;1;SEK;;UK\n",
			rejected: []string{"line 2: order A: item_description is empty, but the row has other item columns", `line 3: order B: item_currency "kronor" is not a three-letter ISO 4217 currency code like SEK or EUR`, `line 4: order C: item_hs_code "12" is not an HS tariff code (6 to 10 digits, like 6109.10)`, `line 5: order D: item_origin "UK" is not an ISO 3166 country code: use GB`},
		},
		{
			name:     "unknown country, lower-case accepted",
			text:     hdr + "A;N;S;1;C;Sverige\nB;N;S;1;C;no\n",
			orders:   []string{"B"},
			rejected: []string{`line 2: order A: country "Sverige" is not a known ISO 3166 two-letter country code (like SE, NO, DK, FI)`},
		},
		{
			name:     "invalid UTF-8 names the column",
			text:     hdr + "A;N;S;1;Malm\xf6;SE\nB;N;S;1;C;SE\n",
			orders:   []string{"B"},
			rejected: []string{`line 2: order A: city is not valid UTF-8 (byte 0xF6 after "Malm"): save the file as UTF-8 (in Excel: "CSV UTF-8")`},
		},
		{
			name:   "repeated identical order columns are fine, numbers and country compared by value",
			text:   hdr + "A;N;S;1;C;SE;10,0;x\nA;N;S;1;C;se;10;y\n",
			orders: []string{"A"},
		},
		{
			name:     "conflicting order columns reject the whole order",
			text:     hdr + "A;N;S;1;C;SE;;x\nA;N;S;2;C;SE;;y\nA;;;;;;;z\nB;N;S;1;C;SE\n",
			orders:   []string{"B"},
			rejected: []string{"line 2: order A: order rejected because line 3 is bad", `line 3: order A: postcode "2" differs from "1" on line 2: an order's rows must agree (or leave it empty after the first row)`, "line 4: order A: order rejected because line 3 is bad"},
		},
		{
			name:   "rows of an order need not be adjacent",
			text:   hdr + "A;N;S;1;C;SE;;a1\nB;M;T;2;D;NO;;b1\nA;;;;;;;a2\n",
			orders: []string{"A", "B"},
		},
		{
			name:     "a ref-less row under an order rejects that order",
			text:     hdr + "A;N;S;1;C;SE;;a1\n;;;;;;;a2\nB;N;S;1;C;SE\n",
			orders:   []string{"B"},
			rejected: []string{"line 2: order A: order rejected because line 3 is bad", "line 3: order A: order_ref is empty (this row looks like a line of order A): put the order_ref on every row"},
		},
		{
			name:   "short rows mean empty trailing values",
			text:   hdr + "A;N;S;1;C;SE\nA;;;;;;;x;2\n",
			orders: []string{"A"},
		},
		{
			name:     "long rows: empty extras ignored, filled extras rejected",
			text:     hdr + "A;N;S;1;C;SE;;;;;;;;;;;\nB;N;S;1;C;SE;;;;;;;;;;oops\n",
			orders:   []string{"A"},
			rejected: []string{"line 3: order B: the row has 16 values but the header has 14 columns: a value containing the separator must be in double quotes"},
		},
		{
			name:     "decimal comma in a comma file",
			text:     "order_ref,name,street1,postcode,city,country,length_cm\nA,N,S,1,C,SE,\"1,5\"\nB,N,S,1,C,SE,1.5\n",
			orders:   []string{"B"},
			rejected: []string{`line 2: order A: length_cm "1,5" is not a number: in a comma-separated file write decimals with a point, like 1.5`},
		},
		{
			name:   "header in any order and case, spaces, unknown columns ignored",
			text:   "Country,Notes,CITY,Post Code,postcode,Street1,NAME,Order-Ref\nse,hello,C,99,1,S,N,A\n",
			orders: []string{"A"},
		},
		{
			name:   "excel sep= line",
			text:   "sep=,\r\norder_ref,name,street1,postcode,city,country,item_description\r\nA,N,S,1,C,SE,x\r\n,,,,,,\r\n\r\n",
			orders: []string{"A"},
		},
		{
			name:     "line numbers are physical lines across quoted newlines",
			text:     hdr + "A;N;\"S\n2\n3\";1;C;SE\nB;N;S;;C;SE\n",
			orders:   []string{"A"},
			rejected: []string{"line 5: order B: postcode is empty"},
		},
		{
			name:   "blank rows anywhere are skipped",
			text:   hdr + "\n;;;;;\nA;N;S;1;C;SE\n ; ; \n\n",
			orders: []string{"A"},
		},
		{
			name:   "sniffed as CSV without an extension",
			file:   "export",
			text:   hdr + "A;N;S;1;C;SE\n",
			orders: []string{"A"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file
			if file == "" {
				file = "x.csv"
			}
			res, err := parse(t, file, tc.text)
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

func TestCSVKeepsTextExactly(t *testing.T) {
	name := "Åsa Ärlemalm-Øvergård Æbelø"
	res, err := parse(t, "x.csv", "order_ref,name,street1,postcode,city,country,item_description\n"+
		"Ö-1,"+name+",Ängsvägen 5 Å,901 87,Umeå,SE,\"Tröja, \"\"röd\"\"\"\n")
	if err != nil || len(res.Orders) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	o := res.Orders[0]
	if o.Ref != "Ö-1" || o.Receiver.Name != name || o.Receiver.Street1 != "Ängsvägen 5 Å" || o.Receiver.City != "Umeå" || o.Lines[0].Description != `Tröja, "röd"` {
		t.Fatalf("text changed: %+v", o)
	}
}

func TestCSVFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, says string
		noOrders         bool
	}{
		{"empty", "", "x.csv is empty", true},
		{"only BOM and blanks", "\xEF\xBB\xBF \r\n\n", "x.csv is empty", true},
		{"header only", hdr, "has a header but no order rows", true},
		{"header and empty rows", hdr + ";;;;\n;;\n", "has a header but no order rows", true},
		{"missing required columns named", "order_ref;name;street;zip;city;country\nA;N;S;1;C;SE\n", "the header row has no street1, postcode column", false},
		{"no header at all", "A-1;Anna;Storgatan 1;11122;Stockholm;SE\n", "has no order_ref, name, street1, postcode, city, country column", false},
		{"duplicate column", "order_ref;name;street1;postcode;city;country;Postcode\nA;N;S;1;C;SE;2\n", "names column postcode twice (columns 4 and 7)", false},
		{"bare quote", hdr + "A;N;Storgatan \"1\";1;C;SE\n", `x.csv line 2: a value has a " in it but does not start with one`, false},
		{"unclosed quote", hdr + "A;N;S;1;C;SE\nB;N;\"Storgatan 1;1;C;SE\nC;N;S;1;C;SE\n", "a quoted value that starts on line 3 is not closed properly", false},
		{"utf-16", "\xFF\xFEo\x00r\x00", "x.csv is UTF-16 text: save it as UTF-8", false},
		{"tab-separated via sep=", "sep=\t\norder_ref\tname\n", `separator '\t' is not supported`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := parse(t, "x.csv", tc.text)
			if err == nil {
				t.Fatalf("no error; result %+v", res)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %q, want it to say %q", err, tc.says)
			}
			if errors.Is(err, ErrNoOrders) != tc.noOrders {
				t.Errorf("errors.Is(err, ErrNoOrders) = %v, want %v", !tc.noOrders, tc.noOrders)
			}
			if len(res.Orders)+len(res.Rejected) != 0 {
				t.Errorf("a file error still returned %+v", res)
			}
		})
	}
}
