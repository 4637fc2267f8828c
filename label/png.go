package label

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Preview renders l as a grey image at the label's own resolution (one
// pixel per printer dot), in pure Go: the GUI shows it before printing and
// the file printer saves it. Text is drawn in the embedded DejaVu font,
// barcodes from this package's own Code 128 and QR encoders.
func Preview(l *Label) (*image.Gray, error) {
	p, err := Compose(l)
	if err != nil {
		return nil, err
	}
	return p.Preview()
}

// PNG is Preview encoded as a PNG file.
func PNG(l *Label) ([]byte, error) {
	img, err := Preview(l)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(64 << 10)
	// Thermal-label images are mostly white runs: speed matters more than
	// the last few per cent of size.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("label: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// Preview renders a composed page; see the package function Preview.
func (p *Page) Preview() (*image.Gray, error) {
	reg, bold, err := parsedFonts()
	if err != nil {
		return nil, err
	}
	d := float64(p.DPMM)
	px := func(mm float64) int { return int(math.Round(mm * d)) }
	img := image.NewGray(image.Rect(0, 0, p.Size.WidthMM*p.DPMM, p.Size.HeightMM*p.DPMM))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	black := image.NewUniform(color.Gray{0})
	fill := func(r image.Rectangle) { draw.Draw(img, r, black, image.Point{}, draw.Src) }

	for _, b := range p.Boxes {
		x0, y0, x1, y1 := px(b.X), px(b.Y), px(b.X+b.W), px(b.Y+b.H)
		t := max(1, px(b.Line))
		if 2*t >= min(x1-x0, y1-y0) {
			fill(image.Rect(x0, y0, x1, y1))
			continue
		}
		fill(image.Rect(x0, y0, x1, y0+t))
		fill(image.Rect(x0, y1-t, x1, y1))
		fill(image.Rect(x0, y0, x0+t, y1))
		fill(image.Rect(x1-t, y0, x1, y1))
	}
	for _, bc := range p.Barcodes {
		x0, y0, h := px(bc.X), px(bc.Y), px(bc.H)
		bc.Code.Bars(func(x, w int) {
			fill(image.Rect(x0+x*bc.ModuleDots, y0, x0+(x+w)*bc.ModuleDots, y0+h))
		})
	}
	if q := p.QR; q != nil {
		x0, y0, m := px(q.X), px(q.Y), q.ModuleDots
		q.Code.Runs(func(x, y, w int) {
			fill(image.Rect(x0+x*m, y0+y*m, x0+(x+w)*m, y0+(y+1)*m))
		})
	}

	faces := faceCache{}
	for _, t := range p.Texts {
		f := reg
		if t.Bold {
			f = bold
		}
		boxW := float64(px(t.W))
		v, sz := fitText(printable(t.Value), boxW, t.Size*d, t.MinSize*d, func(s string, size float64) float64 {
			face, err := faces.get(f, size)
			if err != nil {
				return math.Inf(1)
			}
			return float64(font.MeasureString(face, s)) / 64
		})
		face, err := faces.get(f, sz)
		if err != nil {
			return nil, err
		}
		x := float64(px(t.X))
		if t.Align == AlignCenter {
			x += (boxW - float64(font.MeasureString(face, v))/64) / 2
		}
		dr := font.Drawer{Dst: img, Src: black, Face: face,
			Dot: fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6((t.Y*d + Ascent*sz) * 64)}}
		dr.DrawString(v)
	}
	return img, nil
}

// faceCache holds the faces of one render: an opentype face is not safe
// for concurrent use, so each render makes its own, one per size in
// quarter-pixel steps.
type faceCache map[faceKey]font.Face

type faceKey struct {
	f    *sfnt.Font
	size int // quarter pixels
}

func (c faceCache) get(f *sfnt.Font, size float64) (font.Face, error) {
	k := faceKey{f, int(size * 4)} // rounded down: never larger than asked
	if face, ok := c[k]; ok {
		return face, nil
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: float64(k.size) / 4, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("label: font face at %g px: %w", size, err)
	}
	c[k] = face
	return face, nil
}
