package sandbox

import (
	"bytes"
	"strconv"
	"strings"
)

// writePDF writes a one-page, 105 × 190 mm PDF label carrying the same
// text as the ZPL label (no barcode: the PDF path only has to prove the
// client decodes PostNord's base64 answer into a real PDF). It is written
// by hand with the standard Helvetica font in WinAnsiEncoding, which holds
// every Nordic letter, so no font file is needed.
func writePDF(d *labelData) []byte {
	const ptPerMM = 72 / 25.4
	width, height := 105*ptPerMM, 190*ptPerMM

	var content strings.Builder
	line := func(x, y float64, size int, s string) {
		content.WriteString("BT /F1 ")
		content.WriteString(strconv.Itoa(size))
		content.WriteString(" Tf ")
		content.WriteString(strconv.FormatFloat(x, 'f', 1, 64))
		content.WriteByte(' ')
		content.WriteString(strconv.FormatFloat(height-y, 'f', 1, 64))
		content.WriteString(" Td (")
		content.WriteString(pdfText(s))
		content.WriteString(") Tj ET\n")
	}
	y := 30.0
	next := func(size int, s string) {
		line(20, y, size, s)
		y += float64(size) + 6
	}
	next(9, "From: "+joinNonEmpty(", ", d.From.Name, d.From.Company))
	for _, s := range d.From.Streets {
		next(9, s)
	}
	next(9, postalLine(d.From))
	y += 10
	next(9, "To:")
	next(16, d.To.Name)
	if d.To.Company != "" {
		next(11, d.To.Company)
	}
	for _, s := range d.To.Streets {
		next(11, s)
	}
	next(13, postalLine(d.To))
	y += 10
	next(12, "Service: "+d.ServiceName+" ("+d.ServiceCode+")")
	next(9, "Issuer/Customer No: "+d.Issuer+" / "+d.CustomerNumber)
	if d.Reference != "" {
		next(9, "Reference: "+d.Reference)
	}
	next(9, "Item "+strconv.Itoa(d.ItemNo)+" / "+strconv.Itoa(d.ItemCount)+", weight (kg): "+d.WeightKg)
	y += 10
	next(12, "Shipment Item-ID: "+d.ItemID)
	y += 20
	next(14, "SANDBOX LABEL - not valid for shipping")

	var out bytes.Buffer
	offsets := make([]int, 0, 5)
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		out.WriteString(strconv.Itoa(len(offsets)))
		out.WriteString(" 0 obj\n")
		out.WriteString(body)
		out.WriteString("\nendobj\n")
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + strconv.FormatFloat(width, 'f', 2, 64) + " " +
		strconv.FormatFloat(height, 'f', 2, 64) + "] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	c := content.String()
	obj("<< /Length " + strconv.Itoa(len(c)) + " >>\nstream\n" + c + "endstream")
	xref := out.Len()
	out.WriteString("xref\n0 ")
	out.WriteString(strconv.Itoa(len(offsets) + 1))
	out.WriteString("\n0000000000 65535 f \n")
	for _, off := range offsets {
		s := strconv.Itoa(off)
		out.WriteString(strings.Repeat("0", 10-len(s)))
		out.WriteString(s)
		out.WriteString(" 00000 n \n")
	}
	out.WriteString("trailer\n<< /Size ")
	out.WriteString(strconv.Itoa(len(offsets) + 1))
	out.WriteString(" /Root 1 0 R >>\nstartxref\n")
	out.WriteString(strconv.Itoa(xref))
	out.WriteString("\n%%EOF\n")
	return out.Bytes()
}

// pdfText encodes s for a PDF string in WinAnsiEncoding: Latin-1 letters
// as single bytes (octal escapes keep the file ASCII), parentheses and
// backslashes escaped, anything else as '?'.
func pdfText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7F:
			b.WriteRune(r)
		case r >= 0xA0 && r <= 0xFF:
			o := strconv.FormatInt(int64(r), 8)
			b.WriteByte('\\')
			b.WriteString(o)
		case r < 0x20 || r == 0x7F:
			b.WriteByte(' ')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
