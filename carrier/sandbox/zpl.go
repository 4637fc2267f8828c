package sandbox

import (
	"strconv"
	"strings"

	"labelstation/label"
)

// labelParty is an address block on the label.
type labelParty struct {
	Name, Company  string
	Streets        []string
	Postcode, City string
	Country, Phone string
	ContactName    string
	ServicePointID string // receiver only
}

// labelData is everything printed on one item's label.
type labelData struct {
	From, To       labelParty
	ServiceCode    string
	ServiceName    string
	Additional     []string
	Issuer         string // "12" for Z12
	CustomerNumber string
	Reference      string
	ItemID         string
	ItemNo         int // 1-based
	ItemCount      int
	WeightKg       string // "" when not given
	Date           string // YYYY-MM-DD
	BookingID      string
}

// Label geometry: 105 × 190 mm at 8 dots per mm, as PostNord's labels.
const (
	labelWidth  = 840
	labelLength = 1520
	marginX     = 40
	textWidth   = labelWidth - 2*marginX
)

// writeZPL appends one ^XA…^XZ label to b. The layout follows PostNord's
// own label (see ../shared/postnord/samples): From block, To block,
// service with its code in a box, package line, item barcode. It uses the
// printer's built-in scalable font 0 with ^CI28 (UTF-8), so it prints on
// any ZPL printer without PostNord's Arial files, Nordic letters included.
// Every piece of customer text goes through label.FieldData.
func writeZPL(b *strings.Builder, d *labelData) {
	b.WriteString("^XA\n^CI28\n^PW840\n^LL1520\n^LH0,0\n^PON\n^FWN\n")
	b.WriteString("^FX labelstation sandbox label, not valid for shipping^FS\n")

	// From.
	text(b, marginX, 24, 20, 200, "From:")
	text(b, 560, 24, 20, 240, "PostNord SANDBOX")
	y := 50
	text(b, marginX, y, 28, textWidth, joinNonEmpty(", ", d.From.Name, d.From.Company))
	y += 32
	for _, s := range d.From.Streets {
		text(b, marginX, y, 25, textWidth, s)
		y += 27
	}
	text(b, marginX, y, 25, textWidth, postalLine(d.From))
	text(b, marginX, 186, 20, 230, "Phone: "+d.From.Phone)
	text(b, 280, 186, 20, 320, "Contact: "+d.From.ContactName)
	text(b, 610, 186, 20, 190, "Date: "+d.Date)
	hline(b, 214)

	// To.
	text(b, marginX, 222, 20, 200, "To:")
	y = 256 // room for the ring of a capital Å above the cap height
	nameSize := fitSize(d.To.Name, textWidth, 44, 36, 30)
	text(b, marginX, y, nameSize, textWidth, d.To.Name)
	y += nameSize + 8
	if d.To.Company != "" {
		text(b, marginX, y, 30, textWidth, d.To.Company)
		y += 36
	}
	for _, s := range d.To.Streets {
		text(b, marginX, y, 30, textWidth, s)
		y += 36
	}
	text(b, marginX, y+4, 36, textWidth, postalLine(d.To))
	if d.To.ServicePointID != "" {
		text(b, marginX, 486, 25, textWidth, "Service point: "+d.To.ServicePointID)
	}
	text(b, marginX, 524, 20, 230, "Phone: "+d.To.Phone)
	text(b, 280, 524, 20, 520, "Contact: "+d.To.ContactName)
	hline(b, 554)

	// Service.
	text(b, marginX, 566, 20, 200, "Service")
	text(b, marginX, 594, 40, 590, d.ServiceName)
	b.WriteString("^FO648,576^GB152,64,3^FS\n")
	b.WriteString("^FO648,588^A0N,45,45^FB152,1,0,C")
	label.WriteFieldData(b, d.ServiceCode)
	b.WriteByte('\n')
	text(b, marginX, 648, 20, textWidth, "Issuer/Customer No: "+d.Issuer+" / "+d.CustomerNumber)
	text(b, marginX, 674, 20, textWidth, "Additional Service(s): "+strings.Join(d.Additional, ", "))
	if d.Reference != "" {
		text(b, marginX, 700, 20, textWidth, "Reference: "+d.Reference)
	}

	// A sandbox label must never be mistaken for a real one.
	b.WriteString("^FO40,780^GB760,150,4^FS\n")
	b.WriteString("^FO40,806^A0N,48,48^FB760,1,0,C^FDSANDBOX LABEL^FS\n")
	b.WriteString("^FO40,866^A0N,26,26^FB760,1,0,C^FDNot valid for shipping - labelstation test server^FS\n")
	if d.BookingID != "" {
		text(b, marginX, 946, 20, textWidth, "Booking id: "+d.BookingID)
	}

	// Package.
	text(b, marginX, 1020, 20, 280, "Package Code")
	text(b, 340, 1020, 20, 220, "Items")
	text(b, 570, 1020, 20, 230, "Weight (kg)")
	text(b, marginX, 1045, 25, 280, "PC - Parcel")
	text(b, 340, 1045, 25, 220, strconv.Itoa(d.ItemNo)+" / "+strconv.Itoa(d.ItemCount))
	weight := d.WeightKg
	if weight == "" {
		weight = "-"
	}
	text(b, 590, 1045, 25, 210, weight)
	hline(b, 1083)

	// Item id barcode. An SSCC is printed as GS1-128: subset C (>;) and
	// FNC1 (>8) before the AI 00 and the 18 digits, so scanners report it
	// as GS1 data. Other ids (S10, the customer's own) as plain Code 128.
	// Ids are letters and digits only (validated), so they need no escaping.
	if label.ValidSSCC(d.ItemID) {
		// 156 modules at 4 dots: centred.
		b.WriteString("^FO108,1110^BY4,3,260^BCN,260,N,N,N^FD>;>8")
		b.WriteString(d.ItemID)
		b.WriteString("^FS\n")
	} else {
		b.WriteString("^FO80,1110^BY3,3,260^BCN,260,N,N,N^FD")
		b.WriteString(d.ItemID)
		b.WriteString("^FS\n")
	}
	text(b, 108, 1400, 22, 190, "Shipment Item-ID:")
	text(b, 300, 1394, 32, 500, label.ItemIDText(d.ItemID))
	b.WriteString("^XZ\n")
}

// text writes one line of font-0 text at (x, y), h dots high, that must
// fit in maxWidth dots. Text too wide for the box is drawn with narrower
// glyphs (^A0N,h,w) down to half their normal width, and only cut when
// even that does not fit, so no line ever runs into its neighbour.
func text(b *strings.Builder, x, y, h, maxWidth int, s string) {
	w := h
	if em := font0Width(s); em*float64(h) > float64(maxWidth) {
		w = int(float64(maxWidth) / em)
		if min := (h + 1) / 2; w < min {
			w = min
			s = fitRunes(s, float64(maxWidth)/float64(w))
		}
	}
	b.WriteString("^FO")
	b.WriteString(strconv.Itoa(x))
	b.WriteByte(',')
	b.WriteString(strconv.Itoa(y))
	b.WriteString("^A0N,")
	b.WriteString(strconv.Itoa(h))
	b.WriteByte(',')
	b.WriteString(strconv.Itoa(w))
	label.WriteFieldData(b, s)
	b.WriteByte('\n')
}

// fitSize returns the largest of sizes (largest first) at which s fits
// maxWidth at full glyph width, or the last size.
func fitSize(s string, maxWidth int, sizes ...int) int {
	em := font0Width(s)
	for _, h := range sizes {
		if em*float64(h) <= float64(maxWidth) {
			return h
		}
	}
	return sizes[len(sizes)-1]
}

// font0Advance holds the advance width of the printable ASCII characters
// in font 0, in hundredths of the font height, as measured from zebrash's
// rendering (zpl-renderer-js 3.4.0). A Zebra printer's font 0 (CG
// Triumvirate Bold Condensed) is narrower, so a line that fits here fits
// on paper.
var font0Advance = [95]uint8{
	27, 32, 33, 49, 49, 82, 66, 24, 32, 33, 48, 49, 32, 77, 32, 28, // space … /
	49, 49, 49, 49, 49, 49, 49, 49, 49, 49, 27, 27, 49, 49, 49, 49, // 0 … ?
	82, 55, 55, 55, 60, 49, 49, 60, 60, 27, 44, 55, 49, 77, 60, 60, // @ … O
	55, 60, 60, 55, 50, 60, 55, 82, 55, 55, 49, 32, 28, 32, 49, 50, // P … _
	32, 49, 49, 43, 49, 49, 28, 49, 49, 27, 27, 44, 27, 77, 49, 49, // ` … o
	49, 49, 33, 43, 28, 49, 45, 67, 44, 44, 39, 32, 53, 54, 49, //     p … ~
}

// font0Width is the width of s in font 0, in units of the font height.
func font0Width(s string) float64 {
	sum := 0
	for _, r := range s {
		switch {
		case r >= 0x20 && r < 0x7F:
			sum += int(font0Advance[r-0x20])
		case r == 'Æ' || r == 'æ' || r == 'Œ' || r == 'œ':
			sum += 78
		case r >= 0xC0 && r <= 0xDE:
			sum += 62 // accented capitals: Å Ä Ö Ø É Ü …
		case r >= 0xDF && r <= 0xFF:
			sum += 52 // accented small letters
		default:
			sum += 100 // unknown glyphs: assume the widest
		}
	}
	return float64(sum) / 100
}

// fitRunes cuts s to what fits in em font heights.
func fitRunes(s string, em float64) string {
	for i := range s {
		if font0Width(s[:i]) > em {
			return strings.TrimRight(s[:max(0, i-1)], " ")
		}
	}
	return s
}

func hline(b *strings.Builder, y int) {
	b.WriteString("^FO15,")
	b.WriteString(strconv.Itoa(y))
	b.WriteString("^GB810,0,3^FS\n")
}

// postalLine is "SE-123 45 Stockholm", the way PostNord prints it.
func postalLine(p labelParty) string {
	s := p.Postcode
	if p.Country != "" {
		s = p.Country + "-" + s
	}
	return joinNonEmpty(" ", s, p.City)
}

func joinNonEmpty(sep string, parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += sep
		}
		out += p
	}
	return out
}
