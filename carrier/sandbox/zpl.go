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
// even that does not fit, so no line ever runs into its neighbour. Widths
// are label's font-0 metrics, the ones the station's own labels use.
func text(b *strings.Builder, x, y, h, maxWidth int, s string) {
	w := h
	if full := label.Font0Dots(s, h); full > maxWidth {
		w = h * maxWidth / full
		if min := (h + 1) / 2; w < min {
			w = min
			s = cutToFit(s, maxWidth, w)
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
	for _, h := range sizes {
		if label.Font0Dots(s, h) <= maxWidth {
			return h
		}
	}
	return sizes[len(sizes)-1]
}

// cutToFit cuts s to the longest prefix that fits maxWidth dots with
// glyphs w dots wide, at a letter boundary (never inside Ø or Å).
func cutToFit(s string, maxWidth, w int) string {
	if label.Font0Dots(s, w) <= maxWidth {
		return s
	}
	fits := 0
	for i := range s {
		if label.Font0Dots(s[:i], w) > maxWidth {
			break
		}
		fits = i
	}
	return strings.TrimRight(s[:fits], " ")
}

func hline(b *strings.Builder, y int) {
	b.WriteString("^FO15,")
	b.WriteString(strconv.Itoa(y))
	b.WriteString("^GB810,0,3^FS\n")
}

// postalLine is the party's postcode line, as label prints it.
func postalLine(p labelParty) string { return label.PostalLine(p.Country, p.Postcode, p.City) }

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
