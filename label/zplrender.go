package label

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ZPL renders l as one ^XA…^XZ label for a Zebra-compatible printer at
// l.DPMM. Text uses the printer's scalable font 0 under ^CI28 (UTF-8), so
// it prints on any ZPL printer without downloaded fonts, Nordic letters
// included; every piece of text goes through WriteFieldData, so customer
// text can never be read as a ZPL command. Barcodes are sent as ^BC with
// this package's own Code 128 symbol sequence spelled out in invocation
// codes, and the QR code as ^BQ at level M.
func ZPL(l *Label) ([]byte, error) {
	p, err := Compose(l)
	if err != nil {
		return nil, err
	}
	return p.ZPL()
}

// ZPL renders a composed page; see the package function ZPL.
func (p *Page) ZPL() ([]byte, error) {
	d := float64(p.DPMM)
	dots := func(mm float64) int { return int(math.Round(mm * d)) }
	var b strings.Builder
	b.Grow(4096)
	b.WriteString("^XA\n^CI28\n^PW")
	b.WriteString(strconv.Itoa(p.Size.WidthMM * p.DPMM))
	b.WriteString("\n^LL")
	b.WriteString(strconv.Itoa(p.Size.HeightMM * p.DPMM))
	b.WriteString("\n^LH0,0\n^PON\n^FWN\n")

	for _, bx := range p.Boxes {
		w, h, t := dots(bx.W), dots(bx.H), max(1, dots(bx.Line))
		fmt.Fprintf(&b, "^FO%d,%d^GB%d,%d,%d^FS\n", dots(bx.X), dots(bx.Y), w, h, min(t, w, h))
	}
	for _, t := range p.Texts {
		boxW := float64(dots(t.W))
		// Font 0 sizes are whole dots; measure at whole dots so the
		// printed line is the measured one.
		// Two dots of slack: a W or Æ overhangs its advance by a dot.
		v, sz := fitText(t.Value, boxW-2, math.Floor(t.Size*d), math.Floor(t.MinSize*d), func(s string, size float64) float64 {
			return float64(Font0Dots(s, int(size)))
		})
		h := int(sz)
		fmt.Fprintf(&b, "^FO%d,%d^A0N,%d,%d", dots(t.X), dots(t.Y), h, h)
		if t.Align == AlignCenter {
			fmt.Fprintf(&b, "^FB%d,1,0,C", int(boxW))
		}
		WriteFieldData(&b, v)
		b.WriteByte('\n')
	}
	if q := p.QR; q != nil {
		// "MA,": error correction M, automatic input mode. ^FH so a '^'
		// or '~' in a URL stays data. zebrash shifts a ^BQ down by the ^BY
		// bar height in force, and ^BY outlives its label, so the power-up
		// default ^BY2,3,10 is set first: the QR lands in the same place
		// whatever label came before.
		fmt.Fprintf(&b, "^BY2,3,10^FO%d,%d^BQN,2,%d^FH\\^FDMA,%s^FS\n", dots(q.X), dots(q.Y), q.ModuleDots, FieldText(q.Content))
	}
	for _, bc := range p.Barcodes {
		data, err := bc.Code.ZPLData()
		if err != nil {
			return nil, fmt.Errorf("label: %s barcode: %w", bc.Field, err)
		}
		h := dots(bc.H)
		fmt.Fprintf(&b, "^FO%d,%d^BY%d,3,%d^BCN,%d,N,N,N^FD%s^FS\n", dots(bc.X), dots(bc.Y), bc.ModuleDots, h, h, data)
	}
	b.WriteString("^XZ\n")
	return []byte(b.String()), nil
}
