package app

import (
	"errors"
	"io/fs"
	"os"
	"reflect"
	"testing"

	"labelstation/carrier"
)

func TestLabelPreviewLines(t *testing.T) {
	zpl := "^XA^CI28\n^FX ===== LABEL: TO^FS\n^CF0,40,40^FO40,267^FDSøren Ærø^FS\n" +
		"^FO40,307^FH^FD_C3_85sgatan 1 _ 2^FS\n" + // ^FH: _hh escapes; "_ 2" is not one
		"^FO40,336^FH\\^FDSE-123 45 G\\C3\\96TEBORG^FS\n" + // ^FH with its own indicator
		"^FO15,599^GB800,0,3^FS\n" +
		"^BY4,3,206^FO100,1281^BCN,206,N,N,N,A^FDCC612199545SE^FS\n" +
		"^FO320,1501^FDCC61 219 954 5SE^FS^XZ"
	got := labelPreviewLines(carrier.Label{Format: carrier.LabelZPL, Data: []byte(zpl)})
	want := []string{"Søren Ærø", "Åsgatan 1 _ 2", "SE-123 45 GÖTEBORG", "▮▮ CC612199545SE", "CC61 219 954 5SE"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("preview =\n%q\nwant\n%q", got, want)
	}

	// Big fields and barcodes only, when the label has enough of them:
	// the sender block and captions (small fonts) are left out.
	mixed := "^XA^CI28^CF0,20,20\n" +
		"^FO40,24^FDFrom:^FS^FO40,50^A0N,28,28^FDDemo Webshop AB^FS\n" +
		"^FO40,256^A0N,44,44^FDMette Kjærgaard^FS^FO40,300^A0N,30,30^FDØstergade 27^FS\n" +
		"^FO40,340^A0N,36,36^FDDK-8000 Aarhus C^FS^FO40,524^FDPhone: ^FS\n" +
		"^FO108,1110^BY4,3,260^BCN,260,N,N,N^FD>;>800373500457953271443^FS\n" +
		"^FO300,1394^A@N,32,32,E:ARIAL.TTF^FD00373 50045 7953271443^FS^XZ"
	got = labelPreviewLines(carrier.Label{Format: carrier.LabelZPL, Data: []byte(mixed)})
	want = []string{"Mette Kjærgaard", "Østergade 27", "DK-8000 Aarhus C", "▮▮ 00373500457953271443", "00373 50045 7953271443"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("key fields =\n%q\nwant\n%q", got, want)
	}

	pdf := labelPreviewLines(carrier.Label{Format: carrier.LabelPDF, Data: make([]byte, 3000)})
	if !reflect.DeepEqual(pdf, []string{"PDF label, 3 KB"}) {
		t.Errorf("pdf preview = %q", pdf)
	}
	if l := labelPreviewLines(carrier.Label{}); l != nil {
		t.Errorf("empty label preview = %q", l)
	}
}

func TestAboutOrder(t *testing.T) {
	for _, c := range []struct {
		ref, what, err, want string
	}{
		{"10001", "not printed", "printer offline", "Order 10001 not printed: printer offline"},
		{"10001", "not printed", "order 10001 is on hold", "Not printed: order 10001 is on hold"},
		{"10001", "", "no such order", "Order 10001: no such order"},
		{"10001", "", "order 10001 not found\nat line 3", "order 10001 not found"},
		{"Ö-7", "not printed", "ö-7 ärendet", "Order Ö-7 not printed: ö-7 ärendet"},
		{"Ö-7", "ändrad", "Ö-7 saknas", "Ändrad: Ö-7 saknas"},
	} {
		if got := aboutOrder(c.ref, c.what, errors.New(c.err)); got != c.want {
			t.Errorf("aboutOrder(%q, %q, %q) = %q, want %q", c.ref, c.what, c.err, got, c.want)
		}
	}
}

// The real PostNord label from ../shared: its big fields are the receiver,
// the service and the two barcodes; the sender block stays out.
func TestLabelPreviewOfRealPostNordLabel(t *testing.T) {
	b, err := os.ReadFile("../../shared/postnord/samples/label-international-parcel-cn22.zpl")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("../shared/postnord/samples not present beside the project")
	}
	if err != nil {
		t.Fatal(err)
	}
	got := labelPreviewLines(carrier.Label{Format: carrier.LabelZPL, Data: b})
	want := []string{"Test Recipient (CA)", "International Parcel", "91",
		"▮▮ 421124H3C1A19012002087696691", "▮▮ CC612199545SE"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("preview =\n%q\nwant\n%q", got, want)
	}
}
