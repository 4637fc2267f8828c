package label

import (
	"errors"
	"fmt"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"
)

// maxQRLen bounds QR content so the symbol (version ≤ 6 at level M, 41
// modules) still fits its box on a 100 mm label at 8 dots/mm with two
// dots per module.
const maxQRLen = 100

// QRCode is an encoded QR code symbol (error correction level M), without
// its quiet zone.
type QRCode struct {
	size int
	dark []bool // size*size, row by row
}

// EncodeQR encodes printable ASCII text (a tracking URL, a return
// reference) as a QR code at error correction level M, the level the ZPL
// renderer also asks the printer for (^FDMA,…). Non-ASCII is refused
// because printers and gozxing disagree on its byte encoding: percent-encode
// it in URLs.
func EncodeQR(content string) (*QRCode, error) {
	if content == "" {
		return nil, errors.New("qr: no content to encode")
	}
	if len(content) > maxQRLen {
		return nil, fmt.Errorf("qr: content has %d characters, at most %d fit on the label; shorten it (a short URL or an id)", len(content), maxQRLen)
	}
	for i := 0; i < len(content); i++ {
		if content[i] < 0x20 || content[i] > 0x7E {
			return nil, fmt.Errorf("qr: content %q holds %q at %d; only printable ASCII is allowed (percent-encode other characters)", content, content[i], i)
		}
	}
	code, err := encoder.Encoder_encode(content, decoder.ErrorCorrectionLevel_M, nil)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	m := code.GetMatrix()
	q := &QRCode{size: m.GetWidth(), dark: make([]bool, m.GetWidth()*m.GetHeight())}
	for y := range m.GetHeight() {
		for x := range m.GetWidth() {
			q.dark[y*q.size+x] = m.Get(x, y) == 1
		}
	}
	return q, nil
}

// Size is the number of modules on each side.
func (q *QRCode) Size() int { return q.size }

// Dark reports whether the module at column x, row y is dark.
func (q *QRCode) Dark(x, y int) bool { return q.dark[y*q.size+x] }

// Runs calls run for every horizontal run of dark modules, so renderers
// draw one rectangle per run rather than one per module.
func (q *QRCode) Runs(run func(x, y, w int)) {
	for y := range q.size {
		for x := 0; x < q.size; {
			if !q.Dark(x, y) {
				x++
				continue
			}
			start := x
			for x < q.size && q.Dark(x, y) {
				x++
			}
			run(start, y, x-start)
		}
	}
}
