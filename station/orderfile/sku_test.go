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
