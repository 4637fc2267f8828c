package orderfile

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes, as CSV and as JSON, and checks Parse
// never panics and never breaks its promise: an order is returned whole
// and valid, or not at all.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/orders-nordic.csv", "testdata/orders.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name, data)
	}
	f.Add("x.csv", []byte(hdr+"A;N;S;1;C;SE;1,5;x;2\nA;;;;;;;y;1\n;;;\n"))
	f.Add("x.csv", []byte("sep=,\norder_ref,name,street1,postcode,city,country\n\"A\",\"N\nM\",S,1,C,se\n"))
	f.Add("x.csv", []byte("order_ref,name\n\"unterminated"))
	f.Add("x.json", []byte(`{"orders":[{"ref":"A","receiver":{"name":"N","street1":"S","postcode":"1","city":"C","country":"SE"},"lines":[{"description":"x","quantity":2}]}]}`))
	f.Add("x.json", []byte(`[null, 1, "a", {"ref": 5}]`))
	f.Add("x", []byte("\xEF\xBB\xBF[{\"ref\":\"\xff\"}]"))

	f.Fuzz(func(t *testing.T, name string, data []byte) {
		res, err := Parse(name, bytes.NewReader(data))
		if err != nil {
			if len(res.Orders)+len(res.Rejected) != 0 {
				t.Fatalf("error %v with a non-empty result", err)
			}
			return
		}
		accepted := map[string]bool{}
		for _, o := range res.Orders {
			r := o.Receiver
			if o.Ref == "" || r.Name == "" || r.Street1 == "" || r.Postcode == "" || r.City == "" || !isoCountries[r.Country] {
				t.Fatalf("an order missing required data was accepted: %+v", o)
			}
			if accepted[o.Ref] {
				t.Fatalf("order %q returned twice", o.Ref)
			}
			accepted[o.Ref] = true
			if o.Dimensions.LengthCm < 0 || o.Dimensions.WidthCm < 0 || o.Dimensions.HeightCm < 0 {
				t.Fatalf("negative dimensions accepted: %+v", o)
			}
			for _, l := range o.Lines {
				if l.Quantity < 1 || l.Value < 0 || l.WeightKg < 0 || l.Description == "" {
					t.Fatalf("a bad line was accepted: %+v", l)
				}
				if l.Origin != "" && !isoCountries[l.Origin] {
					t.Fatalf("unknown origin accepted: %+v", l)
				}
			}
			if strings.ContainsRune(o.Ref+r.Name+r.Street1+r.Street2+r.City+r.Postcode, '\uFFFD') && !bytes.ContainsRune(data, '\uFFFD') {
				t.Fatalf("bytes that were not UTF-8 were accepted: %+v", o)
			}
		}
		prev := 0
		for _, r := range res.Rejected {
			if r.Line < 1 || r.Line < prev || r.Reason == "" {
				t.Fatalf("bad rejection list: %+v", res.Rejected)
			}
			prev = r.Line
			if r.OrderRef != "" && accepted[r.OrderRef] {
				t.Fatalf("order %q is both accepted and rejected (half an order imported)", r.OrderRef)
			}
		}
	})
}
