package app

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2/lang"

	"labelstation/carrier"
)

// labelField is one piece of data printed on a label.
type labelField struct {
	Text    string
	Barcode bool // the data of a barcode rather than human-readable text
	Height  int  // font height in dots, 0 when the label does not say
}

// keyFieldHeight is the font height (dots; 30 is about 4 mm at 203 dpi)
// from which a text is one of the label's big fields: receiver, postal
// line, service, item id. Carrier labels print those large and the sender,
// captions and fine print small.
const keyFieldHeight = 30

// labelPreviewLines turns a label into the lines the packer compares with
// the parcel. For ZPL these are the big text fields and the barcodes in
// print order; a label without big fields shows all its text. Other
// formats get a one-line description. It is a display helper, not a ZPL
// renderer: positions are ignored.
func labelPreviewLines(l carrier.Label) []string {
	if len(l.Data) == 0 {
		return nil
	}
	if l.Format != carrier.LabelZPL {
		return []string{lang.L("{{.Format}} label, {{.KB}} KB", map[string]any{"Format": strings.ToUpper(string(l.Format)), "KB": (len(l.Data) + 1023) / 1024})}
	}
	var all, key []string
	for _, f := range zplFields(string(l.Data)) {
		text := strings.TrimSpace(f.Text)
		if text == "" {
			continue
		}
		if f.Barcode {
			text = "▮▮ " + barcodeText(text)
		}
		all = append(all, text)
		if f.Barcode || f.Height >= keyFieldHeight {
			key = append(key, text)
		}
	}
	if len(key) >= 3 {
		return key
	}
	return all
}

// barcodeText drops Code 128 invocation codes (">;" start subset C, ">8"
// FNC1, …) from ^BC field data, leaving the digits a scanner reports.
func barcodeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '>' && i+1 < len(s) {
			switch s[i+1] {
			case '>':
				b.WriteByte('>')
				i++
				continue
			case ':', ';', '5', '6', '7', '8':
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// zplFields extracts the ^FD…^FS data of a ZPL stream. A field introduced
// with ^FH has its _hh hex escapes decoded (the label package escapes
// non-ASCII that way), so Nordic letters read correctly either way. A field
// is a barcode when a ^B command came before its ^FD since the last ^FS.
// Its height comes from the ^A before it or the ^CF default. ^FX comments
// are skipped: they are not printed.
func zplFields(zpl string) []labelField {
	var fields []labelField
	hexIndicator := byte(0) // set by ^FH within the current field block
	barcode := false
	defHeight, height := 0, 0 // ^CF default; ^A for the current field
	for i := 0; i < len(zpl); i++ {
		if zpl[i] != '^' || i+2 >= len(zpl) {
			continue
		}
		cmd := strings.ToUpper(zpl[i+1 : i+3])
		params := zpl[i+3:]
		if j := strings.IndexByte(params, '^'); j >= 0 {
			params = params[:j]
		}
		switch {
		case cmd == "FH":
			hexIndicator = '_'
			if p := strings.TrimSpace(params); p != "" {
				hexIndicator = p[0]
			}
		case cmd == "CF":
			if h := nthInt(params, 1); h > 0 {
				defHeight = h
			}
		case cmd[0] == 'A':
			// ^Afo,h,w (and ^A@o,h,w,font): font, optional orientation,
			// then the height as the second parameter.
			if h := nthInt(params, 1); h > 0 {
				height = h
			}
		case cmd[0] == 'B' && cmd != "BY":
			barcode = true
		case cmd == "FS":
			hexIndicator, barcode, height = 0, false, 0
		case cmd == "FD":
			start := i + 3
			end := strings.Index(zpl[start:], "^FS")
			if end < 0 {
				end = len(zpl) - start
			}
			data := zpl[start : start+end]
			if hexIndicator != 0 {
				data = decodeZPLHex(data, hexIndicator)
			}
			h := height
			if h == 0 {
				h = defHeight
			}
			fields = append(fields, labelField{Text: data, Barcode: barcode, Height: h})
			i = start + end - 1 // continue at the ^FS, which resets the block
		}
	}
	return fields
}

// nthInt returns the n-th (0-based) comma-separated parameter as an int,
// or 0 when it is missing or not a number.
func nthInt(params string, n int) int {
	parts := strings.Split(params, ",")
	if n >= len(parts) {
		return 0
	}
	v, err := strconv.Atoi(strings.TrimSpace(parts[n]))
	if err != nil {
		return 0
	}
	return v
}

// decodeZPLHex replaces ind+two hex digits with the byte they name, as a
// printer does for a field after ^FH. Malformed escapes stay as written.
func decodeZPLHex(s string, ind byte) string {
	if strings.IndexByte(s, ind) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ind && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
