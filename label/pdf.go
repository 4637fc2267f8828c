package label

import (
	"bytes"
	"fmt"

	"github.com/signintech/gopdf"
)

// PDF renders l as a one-page PDF the size of the label, for office
// printers and the pdf:// preview printer. The embedded DejaVu fonts are
// embedded (subset) in the file, so Å Ä Ö Æ Ø Ü print the same on every
// PDF viewer; bars and QR modules are filled rectangles drawn from this
// package's own encoders, at the same module widths as the ZPL label.
func PDF(l *Label) ([]byte, error) {
	p, err := Compose(l)
	if err != nil {
		return nil, err
	}
	return p.PDF()
}

const (
	pdfRegular = "dejavu"
	pdfBold    = "dejavu-bold"
	ptPerMM    = 72 / 25.4
)

// PDF renders a composed page; see the package function PDF.
func (p *Page) PDF() ([]byte, error) {
	W, H := float64(p.Size.WidthMM), float64(p.Size.HeightMM)
	var pdf gopdf.GoPdf
	pdf.Start(gopdf.Config{Unit: gopdf.UnitMM, PageSize: gopdf.Rect{W: W, H: H}})
	pdf.SetInfo(gopdf.PdfInfo{Creator: "labelstation", Producer: "labelstation/label"})
	if err := pdf.AddTTFFontData(pdfRegular, fontRegularTTF); err != nil {
		return nil, fmt.Errorf("label: PDF font: %w", err)
	}
	if err := pdf.AddTTFFontData(pdfBold, fontBoldTTF); err != nil {
		return nil, fmt.Errorf("label: PDF bold font: %w", err)
	}
	pdf.AddPage()
	pdf.SetFillColor(0, 0, 0)
	rect := func(x, y, w, h float64) { pdf.RectFromUpperLeftWithStyle(x, y, w, h, "F") }
	mm := func(dots int) float64 { return float64(dots) / float64(p.DPMM) }

	for _, b := range p.Boxes {
		t := b.Line
		if 2*t >= min(b.W, b.H) {
			rect(b.X, b.Y, b.W, b.H)
			continue
		}
		rect(b.X, b.Y, b.W, t)
		rect(b.X, b.Y+b.H-t, b.W, t)
		rect(b.X, b.Y, t, b.H)
		rect(b.X+b.W-t, b.Y, t, b.H)
	}
	for _, bc := range p.Barcodes {
		bc.Code.Bars(func(x, w int) {
			rect(bc.X+mm(x*bc.ModuleDots), bc.Y, mm(w*bc.ModuleDots), bc.H)
		})
	}
	if q := p.QR; q != nil {
		m := mm(q.ModuleDots)
		q.Code.Runs(func(x, y, w int) {
			rect(q.X+float64(x)*m, q.Y+float64(y)*m, float64(w)*m, m)
		})
	}

	var ferr error
	measure := func(family string) func(string, float64) float64 {
		return func(s string, size float64) float64 {
			if err := pdf.SetFont(family, "", size*ptPerMM); err != nil {
				ferr = err
				return 0
			}
			w, err := pdf.MeasureTextWidth(s)
			if err != nil {
				ferr = err
			}
			return w
		}
	}
	for _, t := range p.Texts {
		family := pdfRegular
		if t.Bold {
			family = pdfBold
		}
		m := measure(family)
		v, sz := fitText(printable(t.Value), t.W, t.Size, t.MinSize, m)
		x := t.X
		if t.Align == AlignCenter {
			x += (t.W - m(v, sz)) / 2
		}
		if err := pdf.SetFont(family, "", sz*ptPerMM); err != nil {
			return nil, fmt.Errorf("label: PDF font: %w", err)
		}
		pdf.SetXY(x, t.Y+Ascent*sz)
		if err := pdf.Text(v); err != nil {
			return nil, fmt.Errorf("label: PDF text %s: %w", t.Field, err)
		}
		if ferr != nil {
			return nil, fmt.Errorf("label: PDF text %s: %w", t.Field, ferr)
		}
	}
	var buf bytes.Buffer
	if _, err := pdf.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("label: write PDF: %w", err)
	}
	return buf.Bytes(), nil
}
