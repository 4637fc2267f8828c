package orderfile

import (
	"strings"
	"testing"
)

// The article number travels with each line (a returned line goes back
// in stock by it), and an order may ask for a return label in the box.
func TestSKUAndReturnLabel(t *testing.T) {
	csv := "order_ref,name,street1,postcode,city,country,item_sku,item_description,item_quantity\n" +
		"A-1,Åsa Öberg,Storgatan 1,11455,Stockholm,SE,SKU-9,Mössa,2\n"
	res, err := Parse("o.csv", strings.NewReader(csv))
	if err != nil || len(res.Orders) != 1 || res.Orders[0].Lines[0].SKU != "SKU-9" {
		t.Fatalf("csv: %v %+v", err, res)
	}
	js := `[{"ref":"A-2","return_label":true,"receiver":{"name":"Åsa","street1":"Storgatan 1","postcode":"11455","city":"Stockholm","country":"SE"},
	  "lines":[{"sku":" SKU-7 ","description":"Vante","quantity":1}]}]`
	res, err = Parse("o.json", strings.NewReader(js))
	if err != nil || len(res.Orders) != 1 || !res.Orders[0].ReturnLabel || res.Orders[0].Lines[0].SKU != "SKU-7" {
		t.Fatalf("json: %v %+v", err, res)
	}
}

// The receiver's language, the shop's tags and the return label travel
// in both formats.
func TestLanguageTagsAndReturnLabel(t *testing.T) {
	csv := "order_ref,name,street1,postcode,city,country,language,tags,return_label,item_description\n" +
		"A-1,Åsa Öberg,Storgatan 1,11455,Stockholm,SE,sv,VIP|preorder,yes,Mössa\n" +
		"A-1,,,,,,,,,Vante\n" +
		"B-1,Ola Nordmann,Storgata 1,0150,Oslo,NO,no,,,Lue\n" +
		"C-1,Bad,Gatan 1,11455,Stockholm,SE,klingon,,maybe,Mössa\n"
	res, err := Parse("o.csv", strings.NewReader(csv))
	if err != nil || len(res.Orders) != 2 {
		t.Fatalf("csv: %v %+v", err, res)
	}
	a, b := res.Orders[0], res.Orders[1]
	if a.Language != "sv" || len(a.Tags) != 2 || a.Tags[0] != "vip" || !a.ReturnLabel || b.Language != "nb" || b.ReturnLabel {
		t.Fatalf("got %+v / %+v", a, b)
	}
	if len(res.Rejected) != 2 || !strings.Contains(res.Rejected[0].Reason+res.Rejected[1].Reason, "klingon") {
		t.Fatalf("rejected %+v", res.Rejected)
	}
	js := `[{"ref":"J-1","language":"fi","tags":["B2B"," b2b "],"receiver":{"name":"Matti","street1":"Katu 1","postcode":"00100","city":"Helsinki","country":"FI"}}]`
	res, err = Parse("o.json", strings.NewReader(js))
	if err != nil || len(res.Orders) != 1 || res.Orders[0].Language != "fi" || len(res.Orders[0].Tags) != 1 {
		t.Fatalf("json: %v %+v", err, res)
	}
}
