package label

import (
	"image"
	"image/png"
	"math"
	"os"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Helpers shared by the render tests: they decode barcodes from rendered
// images with gozxing, an independent decoder, at the places the layout
// put them.

// crop returns the part of img (at pxPerMM) around an area given in mm,
// grown by pad mm on every side.
func crop(img *image.Gray, pxPerMM, x, y, w, h, pad float64) image.Image {
	r := image.Rect(
		int(math.Floor((x-pad)*pxPerMM)), int(math.Floor((y-pad)*pxPerMM)),
		int(math.Ceil((x+w+pad)*pxPerMM)), int(math.Ceil((y+h+pad)*pxPerMM)),
	)
	return img.SubImage(r)
}

// decode1D decodes the Code 128 symbol bc of page p from img. It returns
// the text as gozxing reports it with ASSUME_GS1 (GS1-128 data starts
// with "]C1", later FNC1s are GS, 0x1D) and the symbology identifier.
func decode1D(t *testing.T, name string, img *image.Gray, pxPerMM float64, p *Page, bc Barcode) (text, symbology string) {
	t.Helper()
	w := float64(bc.Code.Modules()*bc.ModuleDots) / float64(p.DPMM)
	quiet := float64(10*bc.ModuleDots) / float64(p.DPMM)
	c := crop(img, pxPerMM, bc.X-quiet, bc.Y, w+2*quiet, bc.H, 0.5)
	bmp, err := gozxing.NewBinaryBitmapFromImage(c)
	if err != nil {
		t.Fatalf("%s barcode: %v", bc.Field, err)
	}
	hints := map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_TRY_HARDER: true,
		gozxing.DecodeHintType_ASSUME_GS1: true,
	}
	res, err := oned.NewCode128Reader().Decode(bmp, hints)
	if err != nil {
		t.Fatalf("%s: %s barcode does not decode: %v", name, bc.Field, err)
	}
	sym, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER].(string)
	return res.GetText(), sym
}

// decodeQR decodes the QR code of page p from img.
func decodeQR(t *testing.T, name string, img *image.Gray, pxPerMM float64, p *Page) string {
	t.Helper()
	q := p.QR
	side := float64(q.Code.Size()*q.ModuleDots) / float64(p.DPMM)
	quiet := float64(4*q.ModuleDots) / float64(p.DPMM)
	c := crop(img, pxPerMM, q.X-quiet, q.Y-quiet, side+2*quiet, side+2*quiet, 0)
	bmp, err := gozxing.NewBinaryBitmapFromImage(c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("%s: QR code does not decode: %v", name, err)
	}
	return res.GetText()
}

// wantScan is what a scanner must read from barcode bc: "]C1" and the
// AIs with their data for GS1-128, the plain data for Code 128.
func wantScan(bc Barcode) string {
	if bc.Elements == nil {
		return bc.Data
	}
	s := "]C1"
	for i, e := range bc.Elements {
		s += e.AI + e.Value
		if i < len(bc.Elements)-1 && !gs1FixedLength[e.AI[:2]] {
			s += "\x1d"
		}
	}
	return s
}

// checkScans decodes every barcode and the QR code of p from img and
// compares them with what the label meant to carry; an SSCC must also
// carry a valid GS1 check digit after the scan.
func checkScans(t *testing.T, name string, img *image.Gray, pxPerMM float64, p *Page, l *Label) {
	t.Helper()
	if len(p.Barcodes) == 0 {
		t.Fatalf("%s: page has no barcodes", name)
	}
	for _, bc := range p.Barcodes {
		got, sym := decode1D(t, name, img, pxPerMM, p, bc)
		if want := wantScan(bc); got != want {
			t.Errorf("%s: %s barcode scans as %q, want %q", name, bc.Field, got, want)
		}
		if bc.Elements != nil && sym != "]C1" {
			t.Errorf("%s: %s barcode has symbology %q, want ]C1 (GS1-128)", name, bc.Field, sym)
		}
		if bc.Field == "item" {
			id := got
			if len(id) > 3 && id[:3] == "]C1" {
				id = id[3:] // "00" + 18 digits
			}
			if id != l.ItemID && !(len(l.ItemID) == 18 && id == "00"+l.ItemID) {
				t.Errorf("%s: item barcode carries %q, want item id %s", name, id, l.ItemID)
			}
			if ValidSSCC(l.ItemID) && !ValidSSCC(id) {
				t.Errorf("%s: scanned SSCC %q has no valid check digit", name, id)
			}
			if ValidS10(l.ItemID) && !ValidS10(id) {
				t.Errorf("%s: scanned S10 %q has no valid check digit", name, id)
			}
		}
	}
	if l.QR != "" {
		if got := decodeQR(t, name, img, pxPerMM, p); got != l.QR {
			t.Errorf("%s: QR scans as %q, want %q", name, got, l.QR)
		}
	}
}

// readPNG reads a PNG as greyscale.
func readPNG(t *testing.T, file string) *image.Gray {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	switch m := img.(type) {
	case *image.Gray:
		return m
	case *image.RGBA: // pdftoppm -gray still writes RGB(A) on some versions
		g := image.NewGray(m.Bounds())
		for i := range g.Pix {
			g.Pix[i] = m.Pix[4*i+1] // green: the channels are equal
		}
		return g
	case *image.NRGBA:
		g := image.NewGray(m.Bounds())
		for i := range g.Pix {
			g.Pix[i] = m.Pix[4*i+1]
		}
		return g
	}
	t.Fatalf("%s is %T, want a greyscale or RGB PNG", file, img)
	return nil
}

// dark reports whether the pixel at (x, y) is ink; outside is paper.
func dark(img *image.Gray, x, y int) bool {
	if !(image.Point{x, y}.In(img.Bounds())) {
		return false
	}
	return img.Pix[img.PixOffset(x, y)] < 0x80
}

// checkNoOverflow checks the strip 1.5 mm right of every text box on the
// rendered img: a line that did not fit its box would spill ink there.
// Strips that touch another element (a rule, a box, a barcode, the QR
// code, another text) are not checked.
func checkNoOverflow(t *testing.T, name string, img *image.Gray, pxPerMM float64, p *Page) {
	t.Helper()
	type rect struct{ x0, y0, x1, y1 float64 }
	var others []rect
	for _, b := range p.Boxes {
		others = append(others, rect{b.X, b.Y, b.X + b.W, b.Y + b.H})
	}
	for _, bc := range p.Barcodes {
		w := float64(bc.Code.Modules()*bc.ModuleDots) / float64(p.DPMM)
		others = append(others, rect{bc.X, bc.Y, bc.X + w, bc.Y + bc.H})
	}
	if q := p.QR; q != nil {
		side := float64(q.Code.Size()*q.ModuleDots) / float64(p.DPMM)
		others = append(others, rect{q.X, q.Y, q.X + side, q.Y + side})
	}
	for _, tx := range p.Texts {
		others = append(others, rect{tx.X, tx.Y, tx.X + tx.W, tx.Y + tx.Size})
	}
	checked := 0
outer:
	for _, tx := range p.Texts {
		s := rect{tx.X + tx.W + 0.15, tx.Y + 0.1*tx.Size, tx.X + tx.W + 1.5, tx.Y + 0.95*tx.Size}
		for _, o := range others {
			if o.x0 < s.x1 && s.x0 < o.x1 && o.y0 < s.y1 && s.y0 < o.y1 {
				continue outer
			}
		}
		checked++
		for y := int(s.y0 * pxPerMM); y < int(s.y1*pxPerMM); y++ {
			for x := int(s.x0 * pxPerMM); x < int(s.x1*pxPerMM); x++ {
				if dark(img, x, y) {
					t.Errorf("%s: ink at (%d, %d) right of the %s box: the text overflows", name, x, y, tx.Field)
					continue outer
				}
			}
		}
	}
	if checked < 5 {
		t.Errorf("%s: only %d text boxes had a free strip to check", name, checked)
	}
}
