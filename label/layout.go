package label

import (
	"errors"
	"fmt"
	"math"
)

// Size is a label's width and height in millimetres.
type Size struct {
	WidthMM, HeightMM int
}

// The label stocks the station prints on.
var (
	Size100x150 = Size{100, 150} // the common 4×6 inch thermal label
	Size105x190 = Size{105, 190} // PostNord's standard label
)

// Print resolutions in dots per millimetre.
const (
	DPMM203 = 8  // 203 dpi
	DPMM300 = 12 // 300 dpi
)

// Party is a sender or receiver as printed. Country is the ISO 3166
// alpha-2 code ("SE").
type Party struct {
	Name, Company    string
	Street1, Street2 string
	Postcode, City   string
	Country, Phone   string
}

// Label is everything the station prints on a label it renders itself
// (offline labels from the consignor's own number series, return labels).
// The same Label renders to ZPL, PDF and PNG.
type Label struct {
	Size Size
	DPMM int // DPMM203 or DPMM300; 0 means DPMM203

	Title            string // short banner top right: "OFFLINE", "RETURN"
	Sender, Receiver Party
	ServiceName      string
	ServiceCode      string

	// ItemID is the parcel's id: an SSCC (18 or 20 digits, valid check
	// digit) is printed as GS1-128 with AI (00); an S10 id or another id of
	// letters, digits and -./+: as Code 128.
	ItemID string

	// QR is optional printable-ASCII content for a QR code (a tracking
	// or return URL).
	QR string

	// Lines are free text lines (reference, weight, date, a note), at
	// most MaxLines(size).
	Lines []string
}

// Align is a text box's horizontal alignment.
type Align int

// Alignments of a text box.
const (
	AlignLeft Align = iota
	AlignCenter
)

// Text is one line of text in a box. The renderer draws it in its own font
// and shortens it to fit W: first by lowering the size down to MinSize,
// then by cutting characters off the end. Y is the top of the em box; the
// baseline lies Ascent×Size below it.
type Text struct {
	Field         string // what the line is, for tests and debugging: "receiver.name"
	X, Y, W       float64
	Size, MinSize float64 // em height in mm
	Bold          bool
	Align         Align
	Value         string
}

// Ascent is where the baseline lies below a Text's Y, in em.
const Ascent = 0.8

// Box is a rectangle outline Line mm thick; a Line of at least half the
// smaller side gives a solid rectangle (a rule).
type Box struct {
	X, Y, W, H, Line float64
}

// Barcode is a Code 128 or GS1-128 symbol placed on the label. Its module
// width is a whole number of printer dots so that a printer's ^BC and the
// bars PDF and PNG draw are the same.
type Barcode struct {
	Field      string // "item", "routing"
	X, Y, H    float64
	ModuleDots int
	Code       Code128
	Elements   []GS1Element // nil for plain Code 128
	Data       string       // plain Code 128 data, or the GS1 elements concatenated
	Text       string       // human-readable line printed under the bars
}

// QRBlock is a QR code placed on the label, quiet zone inside its box.
type QRBlock struct {
	X, Y       float64 // top left of the symbol (not of the quiet zone)
	ModuleDots int
	Code       *QRCode
	Content    string
}

// Page is a Label laid out: every element with its place in mm. It is the
// one layout all renderers draw, so ZPL, PDF and PNG agree on where
// everything goes.
type Page struct {
	Size     Size
	DPMM     int
	Texts    []Text
	Boxes    []Box
	Barcodes []Barcode
	QR       *QRBlock
}

// Layout margins and sizes in mm.
const (
	margin      = 4.0
	ruleWidth   = 0.4
	captionSize = 2.4 // "FROM", "TO", "SERVICE"
	infoSize    = 3.0
	infoPitch   = 3.8
)

// MaxLines is how many free text lines fit on a label of size s.
func MaxLines(s Size) int {
	return int(qrSide(s) / infoPitch)
}

func qrSide(s Size) float64 { return 21 + float64(s.HeightMM-150)*0.1 }

// Compose lays out l: it validates the label and places every element.
// Errors name the field to fix.
func Compose(l *Label) (*Page, error) {
	dpmm := l.DPMM
	if dpmm == 0 {
		dpmm = DPMM203
	}
	if dpmm != DPMM203 && dpmm != DPMM300 {
		return nil, fmt.Errorf("label: DPMM %d is not supported; use label.DPMM203 (8) or label.DPMM300 (12)", l.DPMM)
	}
	s := l.Size
	if s.WidthMM < 100 || s.WidthMM > 110 || s.HeightMM < 150 || s.HeightMM > 200 {
		return nil, fmt.Errorf("label: size %d×%d mm is not supported; use label.Size100x150 or label.Size105x190", s.WidthMM, s.HeightMM)
	}
	if l.ItemID == "" {
		return nil, errors.New("label: no item id; take one from the consignor's number series (label.NewSSCC or label.NewS10)")
	}
	if len(l.Lines) > MaxLines(s) {
		return nil, fmt.Errorf("label: %d free text lines, at most %d fit on a %d×%d mm label; join or drop some", len(l.Lines), MaxLines(s), s.WidthMM, s.HeightMM)
	}

	p := &Page{Size: s, DPMM: dpmm}
	W, H := float64(s.WidthMM), float64(s.HeightMM)
	cw := W - 2*margin
	extra := H - 150 // taller stock: bigger receiver text, taller bars
	k := 1 + extra/160

	add := func(field string, x, y, w, size float64, bold bool, align Align, v string) {
		if v == "" {
			return
		}
		p.Texts = append(p.Texts, Text{Field: field, X: x, Y: y, W: w, Size: size, MinSize: 0.8 * size, Bold: bold, Align: align, Value: v})
	}
	text := func(field string, x, y, w, size float64, bold bool, v string) {
		add(field, x, y, w, size, bold, AlignLeft, v)
	}
	rule := func(y float64) {
		p.Boxes = append(p.Boxes, Box{X: margin / 2, Y: y, W: W - margin, H: ruleWidth, Line: ruleWidth})
	}

	// Sender, with the title box top right.
	y := 2.5
	senderW := cw
	if l.Title != "" {
		const tw, th = 34.0, 7.5
		p.Boxes = append(p.Boxes, Box{X: W - margin - tw, Y: y, W: tw, H: th, Line: 0.6})
		p.Texts = append(p.Texts, Text{Field: "title", X: W - margin - tw + 1, Y: y + th/2 - 0.435*4.5, W: tw - 2,
			Size: 4.5, MinSize: 3.2, Bold: true, Align: AlignCenter, Value: l.Title})
		senderW = cw - tw - 2
	}
	text("caption.from", margin, y, senderW, captionSize, false, "FROM")
	text("sender.name", margin, y+3.2, senderW, 3.4, true, joinNonEmpty(", ", l.Sender.Name, l.Sender.Company))
	y += 3.2 + 4.6
	for i, v := range []string{l.Sender.Street1, l.Sender.Street2, postalLine(l.Sender)} {
		if v == "" {
			continue
		}
		text([]string{"sender.street1", "sender.street2", "sender.postal"}[i], margin, y, cw, infoSize, false, v)
		y += infoPitch
	}
	y = 22.0
	rule(y)

	// Receiver: fixed block height, lines stacked from the top.
	y += 1.0
	text("caption.to", margin, y, cw, captionSize, false, "TO")
	// The name starts a little lower on taller stock: the ring of a
	// capital Å rises above the em box and must clear the caption.
	top := 3.2 + 0.15*5.0*k
	blockEnd := y + top + k*(5.0*1.22*2+4.0*1.22*3) + 3.7
	y += top
	for _, row := range []struct {
		field string
		size  float64
		bold  bool
		v     string
	}{
		{"receiver.name", 5.0 * k, true, l.Receiver.Name},
		{"receiver.company", 4.0 * k, false, l.Receiver.Company},
		{"receiver.street1", 4.0 * k, false, l.Receiver.Street1},
		{"receiver.street2", 4.0 * k, false, l.Receiver.Street2},
		{"receiver.postal", 5.0 * k, true, postalLine(l.Receiver)},
	} {
		if row.v == "" {
			continue
		}
		text(row.field, margin, y, cw, row.size, row.bold, row.v)
		y += row.size * 1.22
	}
	if l.Receiver.Phone != "" {
		text("receiver.phone", margin, y+0.3, cw, infoSize, false, "Phone: "+l.Receiver.Phone)
	}
	y = blockEnd + 0.8
	rule(y)

	// Service name, with the service code in a box on the right.
	y += 1.0
	const codeW, codeH = 22.0, 11.0
	text("caption.service", margin, y, cw-codeW-2, captionSize, false, "SERVICE")
	text("service.name", margin, y+3.4, cw-codeW-2, 5.0, true, l.ServiceName)
	if l.ServiceCode != "" {
		bx, by := W-margin-codeW, y+0.8
		p.Boxes = append(p.Boxes, Box{X: bx, Y: by, W: codeW, H: codeH, Line: 0.6})
		p.Texts = append(p.Texts, Text{Field: "service.code", X: bx + 1, Y: by + codeH/2 - 0.435*7, W: codeW - 2,
			Size: 7, MinSize: 4, Bold: true, Align: AlignCenter, Value: l.ServiceCode})
	}
	y += 13
	rule(y)

	// Free lines on the left, QR code on the right.
	y += 1.2
	q := qrSide(s)
	linesW := cw
	if l.QR != "" {
		code, err := EncodeQR(l.QR)
		if err != nil {
			return nil, fmt.Errorf("label: QR: %w", err)
		}
		n := code.Size() + 8 // with the 4-module quiet zone each side
		md := int(q * float64(dpmm) / float64(n))
		if md < 2 {
			return nil, fmt.Errorf("label: QR content %q is too long for its %g mm box; shorten it", l.QR, q)
		}
		side := float64(code.Size()*md) / float64(dpmm)
		p.QR = &QRBlock{
			X:          snap(W-margin-q+(q-side)/2, dpmm),
			Y:          snap(y+(q-side)/2, dpmm),
			ModuleDots: md, Code: code, Content: l.QR,
		}
		linesW = cw - q - 3
	}
	for i, v := range l.Lines {
		text(fmt.Sprintf("line%d", i+1), margin, y+float64(i)*infoPitch, linesW, infoSize, false, v)
	}
	y += q + 1.0
	rule(y)

	// Routing barcode: GS1-128 (421) ship-to country and postal code.
	y += 2.5
	if l.Receiver.Postcode != "" {
		e, err := ShipToPostalElement(l.Receiver.Country, l.Receiver.Postcode)
		if err != nil {
			return nil, fmt.Errorf("label: receiver: %w", err)
		}
		h := 13 + extra*0.1
		bc, err := placeBarcode(p, "routing", []GS1Element{e}, "", y, h)
		if err != nil {
			return nil, err
		}
		hriSize := 3.0
		add("routing.text", margin, bc.Y+h+0.8, cw, hriSize, false, AlignCenter, bc.Text)
		y += h + 0.8 + hriSize*1.2 + 2.5
	}

	// Item barcode: fills the rest of the label.
	const hriSize = 3.6
	h := min(H-1.5-hriSize*1.2-0.8-y, 45)
	if h < 15 {
		return nil, fmt.Errorf("label: only %.1f mm left for the item barcode; use fewer lines or a taller label", h)
	}
	var elems []GS1Element
	data := l.ItemID
	if (len(l.ItemID) == 18 || len(l.ItemID) == 20) && allDigits(l.ItemID) && !ValidSSCC(l.ItemID) {
		return nil, fmt.Errorf("label: item id %s looks like an SSCC but its check digit is wrong; build it with label.NewSSCC", l.ItemID)
	}
	if ValidSSCC(l.ItemID) {
		e, _ := SSCCElement(l.ItemID)
		elems = []GS1Element{e}
	} else if !ValidS10(l.ItemID) && !plainID(l.ItemID) {
		return nil, fmt.Errorf("label: item id %q is neither an SSCC, an S10 id nor 1–35 letters, digits and -./+:", l.ItemID)
	}
	bc, err := placeBarcode(p, "item", elems, data, y, h)
	if err != nil {
		return nil, err
	}
	add("item.text", margin, bc.Y+h+0.8, cw, hriSize, true, AlignCenter, bc.Text)
	return p, nil
}

// placeBarcode encodes a GS1-128 (elems) or Code 128 (data) symbol and
// centres it at height y with the widest module (at most 0.5 mm, GS1's
// logistics minimum) for which it fits with its 10-module quiet zones.
func placeBarcode(p *Page, field string, elems []GS1Element, data string, y, h float64) (*Barcode, error) {
	var code Code128
	var err error
	text := ItemIDText(data)
	if elems != nil {
		code, err = EncodeGS1128(elems...)
		text = GS1Text(elems...)
		data = ""
		for _, e := range elems {
			data += e.AI + e.Value
		}
	} else {
		code, err = EncodeCode128(data)
	}
	if err != nil {
		return nil, fmt.Errorf("label: %s barcode: %w", field, err)
	}
	widthDots := p.Size.WidthMM * p.DPMM
	md := int(math.Round(0.5 * float64(p.DPMM)))
	for md > 1 && (code.Modules()+20)*md > widthDots-int(margin)*p.DPMM {
		md--
	}
	if (code.Modules()+20)*md > widthDots {
		return nil, fmt.Errorf("label: %s barcode data %q is too long for the label; use a shorter id", field, data)
	}
	x := (widthDots - code.Modules()*md) / 2
	p.Barcodes = append(p.Barcodes, Barcode{
		Field: field, X: float64(x) / float64(p.DPMM), Y: snap(y, p.DPMM), H: h, ModuleDots: md,
		Code: code, Elements: elems, Data: data, Text: text,
	})
	return &p.Barcodes[len(p.Barcodes)-1], nil
}

// plainID reports whether id can go into a plain Code 128 item barcode
// and a ZPL field unescaped.
func plainID(id string) bool {
	if id == "" || len(id) > 35 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '.' || c == '/' || c == '+' || c == ':') {
			return false
		}
	}
	return true
}

// snap rounds v mm to the printer's dot grid, so that ZPL (integer dots)
// and the drawn outputs place an element at the same spot.
func snap(v float64, dpmm int) float64 {
	return math.Round(v*float64(dpmm)) / float64(dpmm)
}

// postalLine is the party's PostalLine.
func postalLine(p Party) string { return PostalLine(p.Country, p.Postcode, p.City) }

// PostalLine is "SE-415 05 Göteborg", the way Nordic carriers print the
// postcode line.
func PostalLine(country, postcode, city string) string {
	if country != "" && postcode != "" {
		postcode = country + "-" + postcode
	}
	return joinNonEmpty(" ", postcode, city)
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
