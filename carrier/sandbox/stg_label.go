package sandbox

import (
	"bytes"
	"strconv"
	"strings"

	"labelstation/label"
)

// STG labels are 100 × 150 mm; at 8 dots per mm 800 × 1200 dots.
const (
	stgLabelWidth = 800
	stgTextWidth  = stgLabelWidth - 2*marginX
)

// stgZPL appends one ^XA…^XZ label to b: sender, receiver, service,
// reference, the tracking number as a Code 128 barcode. Like the PostNord
// sandbox's labels it uses font 0 with ^CI28 (UTF-8), and every piece of
// customer text goes through label.FieldData (^FH escaping), so a '^' in a
// name prints instead of being parsed.
func stgZPL(b *strings.Builder, d *stgLabelData) {
	b.WriteString("^XA\n^CI28\n^PW800\n^LL1200\n^LH0,0\n^PON\n^FWN\n")
	b.WriteString("^FX labelstation STG sandbox label, not valid for shipping^FS\n")

	text(b, marginX, 24, 20, 200, "From:")
	text(b, 520, 24, 20, 240, "STG SANDBOX")
	y := 50
	for i, l := range stgAddressLines(d.From) {
		h := 24
		if i == 0 {
			h = 26
		}
		text(b, marginX, y, h, stgTextWidth, l)
		y += h + 4
	}
	text(b, 520, 50, 20, 240, "Date: "+d.Date)
	if d.From.Phone != "" {
		text(b, 520, 76, 20, 240, "Phone: "+d.From.Phone)
	}
	stgHline(b, 210)

	text(b, marginX, 220, 20, 200, "To:")
	y = 254
	for i, l := range stgAddressLines(d.To) {
		h := 32
		if i == 0 {
			h = fitSize(l, stgTextWidth, 44, 36, 30)
		}
		text(b, marginX, y, h, stgTextWidth, l)
		y += h + 8
	}
	if d.To.Phone != "" {
		text(b, marginX, 500, 20, stgTextWidth, "Phone: "+d.To.Phone)
	}
	stgHline(b, 530)

	text(b, marginX, 542, 20, 200, "Service")
	text(b, marginX, 568, 40, 500, d.ServiceName)
	b.WriteString("^FO580,552^GB180,64,3^FS\n")
	b.WriteString("^FO580,564^A0N,40,40^FB180,1,0,C")
	label.WriteFieldData(b, d.ServiceCode)
	b.WriteByte('\n')
	text(b, marginX, 630, 22, stgTextWidth, "Shipment: "+d.ShipmentID+"   Parcel "+strconv.Itoa(d.ParcelNo)+" / "+strconv.Itoa(d.ParcelCount))
	if d.WeightGrams > 0 {
		text(b, marginX, 658, 22, stgTextWidth, "Weight: "+stgAmount(int64(d.WeightGrams/10))+" kg")
	}
	if d.Reference != "" {
		text(b, marginX, 686, 22, stgTextWidth, "Reference: "+d.Reference)
	}
	if d.Reason != "" {
		text(b, marginX, 714, 22, stgTextWidth, "Return reason: "+d.Reason)
	}
	b.WriteString("^FO40,750^GB720,90,4^FS\n")
	b.WriteString("^FO40,770^A0N,44,44^FB720,1,0,C^FDSTG SANDBOX LABEL^FS\n")
	stgHline(b, 860)

	// The tracking number is letters and digits only (the sandbox makes
	// it), so it needs no escaping in the barcode's field.
	b.WriteString("^FO90,890^BY3,3,220^BCN,220,N,N,N^FD")
	b.WriteString(d.TrackingNumber)
	b.WriteString("^FS\n")
	b.WriteString("^FO40,1130^A0N,36,36^FB720,1,0,C")
	label.WriteFieldData(b, d.TrackingNumber)
	b.WriteString("\n^XZ\n")
}

// stgPDF is a one-page 100 × 150 mm PDF label with the ZPL label's text
// (no barcode), written by hand as pdf.go's with Helvetica in
// WinAnsiEncoding.
func stgPDF(d *stgLabelData) []byte {
	const ptPerMM = 72 / 25.4
	width, height := 100*ptPerMM, 150*ptPerMM
	var content strings.Builder
	y := 28.0
	next := func(size int, s string) {
		content.WriteString("BT /F1 " + strconv.Itoa(size) + " Tf 16 " + strconv.FormatFloat(height-y, 'f', 1, 64) +
			" Td (" + pdfText(s) + ") Tj ET\n")
		y += float64(size) + 5
	}
	next(8, "From:")
	for _, l := range stgAddressLines(d.From) {
		next(8, l)
	}
	y += 8
	next(8, "To:")
	for i, l := range stgAddressLines(d.To) {
		if i == 0 {
			next(15, l)
		} else {
			next(11, l)
		}
	}
	y += 8
	next(12, "Service: "+d.ServiceName+" ("+d.ServiceCode+")")
	next(9, "Shipment: "+d.ShipmentID+"  Parcel "+strconv.Itoa(d.ParcelNo)+" / "+strconv.Itoa(d.ParcelCount))
	if d.Reference != "" {
		next(9, "Reference: "+d.Reference)
	}
	if d.Reason != "" {
		next(9, "Return reason: "+d.Reason)
	}
	y += 8
	next(14, "Tracking: "+d.TrackingNumber)
	y += 8
	next(12, "STG SANDBOX LABEL - not valid for shipping")

	var out bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		out.WriteString(strconv.Itoa(len(offsets)) + " 0 obj\n" + body + "\nendobj\n")
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
	out.WriteString("xref\n0 " + strconv.Itoa(len(offsets)+1) + "\n0000000000 65535 f \n")
	for _, off := range offsets {
		s := strconv.Itoa(off)
		out.WriteString(strings.Repeat("0", 10-len(s)) + s + " 00000 n \n")
	}
	out.WriteString("trailer\n<< /Size " + strconv.Itoa(len(offsets)+1) + " /Root 1 0 R >>\nstartxref\n" +
		strconv.Itoa(xref) + "\n%%EOF\n")
	return out.Bytes()
}

func stgHline(b *strings.Builder, y int) {
	b.WriteString("^FO15,")
	b.WriteString(strconv.Itoa(y))
	b.WriteString("^GB770,0,3^FS\n")
}
