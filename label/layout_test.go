package label

import "testing"

// sampleLabel is an offline label as the station prints it when PostNord
// cannot be reached: SSCC from the consignor's series, routing to a
// Swedish postcode, a tracking QR.
func sampleLabel(size Size, dpmm int) *Label {
	return &Label{
		Size:  size,
		DPMM:  dpmm,
		Title: "OFFLINE",
		Sender: Party{
			Name: "Demo Webshop AB", Street1: "Lagergatan 12", Postcode: "415 05", City: "Göteborg",
			Country: "SE", Phone: "+46311234567",
		},
		Receiver: Party{
			Name: "Åsa Öberg-Ærø", Company: "Ødegård & Ümlaut AB", Street1: "Storgatan 14",
			Street2: "Lgh 1102", Postcode: "114 55", City: "Stockholm", Country: "SE", Phone: "+46701234567",
		},
		ServiceName: "MyPack Home",
		ServiceCode: "17",
		ItemID:      "00373500454541020957",
		QR:          "https://tracking.example/t/373500454541020957",
		Lines:       []string{"Ref: ORDER-1001", "Weight: 1.25 kg", "Date: 2025-11-22"},
	}
}

func TestComposeFitsLabel(t *testing.T) {
	for _, size := range []Size{Size100x150, Size105x190} {
		for _, dpmm := range []int{DPMM203, DPMM300} {
			p, err := Compose(sampleLabel(size, dpmm))
			if err != nil {
				t.Fatalf("%v at %d dpmm: %v", size, dpmm, err)
			}
			W, H := float64(size.WidthMM), float64(size.HeightMM)
			for _, tx := range p.Texts {
				if tx.X < 0 || tx.X+tx.W > W || tx.Y < 0 || tx.Y+tx.Size*1.2 > H {
					t.Errorf("%v: text %s box (%g,%g %g wide, %g high) is off the label", size, tx.Field, tx.X, tx.Y, tx.W, tx.Size)
				}
			}
			for _, bc := range p.Barcodes {
				w := float64(bc.Code.Modules()*bc.ModuleDots) / float64(dpmm)
				quiet := float64(10*bc.ModuleDots) / float64(dpmm)
				if bc.X-quiet < 0 || bc.X+w+quiet > W || bc.Y+bc.H > H {
					t.Errorf("%v: %s barcode with quiet zones is off the label", size, bc.Field)
				}
			}
			if len(p.Barcodes) != 2 || p.QR == nil {
				t.Errorf("%v: %d barcodes, QR %v; want item and routing barcodes and a QR", size, len(p.Barcodes), p.QR != nil)
			}
		}
	}
}

func TestComposeRefuses(t *testing.T) {
	for name, mod := range map[string]func(l *Label){
		"dpmm":         func(l *Label) { l.DPMM = 10 },
		"size":         func(l *Label) { l.Size = Size{148, 210} },
		"no item id":   func(l *Label) { l.ItemID = "" },
		"bad sscc":     func(l *Label) { l.ItemID = "00373500454541020958" },
		"hostile id":   func(l *Label) { l.ItemID = "AB^XZ" },
		"country":      func(l *Label) { l.Receiver.Country = "ZZ" },
		"too many":     func(l *Label) { l.Lines = make([]string, MaxLines(l.Size)+1) },
		"qr non-ascii": func(l *Label) { l.QR = "https://x.example/Åsa" },
	} {
		l := sampleLabel(Size100x150, DPMM203)
		mod(l)
		if _, err := Compose(l); err == nil {
			t.Errorf("%s: Compose accepted %+v", name, l)
		}
	}
	// Defaults: DPMM 0 means 203 dpi; no QR, no receiver postcode: no
	// routing barcode, still a label.
	l := sampleLabel(Size100x150, 0)
	l.QR, l.Receiver.Postcode = "", ""
	p, err := Compose(l)
	if err != nil || p.DPMM != DPMM203 || len(p.Barcodes) != 1 || p.QR != nil {
		t.Errorf("defaults: %+v, %v", p, err)
	}
}
