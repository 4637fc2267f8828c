package scale

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// Continuous output: the scale sends a frame several times a second
// without being asked. Two shapes are read, both on the same stream:
//
// Toledo standard continuous output (Mettler Toledo indicators, and
// Fairbanks, Rice Lake, Avery and most others in "Toledo" mode):
//
//	STX A B C wwwwww tttttt CR [CHK]
//
//	A: bits 0–2 decimal point (0: ×100, 1: ×10, 2: ×1, 3: 0.1, … 7: 0.00001),
//	   bits 3–4 display increment (1, 2, 5), bit 5 always 1
//	B: bit 0 net, bit 1 negative, bit 2 out of range, bit 3 motion,
//	   bit 4 kg (else lb), bit 6 power-up (not yet zeroed)
//	C: bits 0–2 unit when not lb/kg (1: g, 3: oz), bit 5 always 1
//	w: displayed weight, t: tare, six digits each, no decimal point
//	CHK (optional, checksum=1 in the URI): the two's complement of the
//	   7-bit sum of STX through CR
//
// Text lines ending in CR or LF that hold "a number and a unit", like
// "ST,GS,  1.250kg", "US,NT,-0.005 kg" or "   1250 g". A line with the word
// US (unstable) or M (motion) is moving; OL is overload. The pattern is
// configurable (pattern=REGEX in the URI) with the named groups weight
// (required), unit, motion and over; a line with no unit takes the
// URI's unit= (default kg).

const (
	toledoSTX     = 0x02
	toledoCR      = 0x0d
	toledoLen     = 17 // STX A B C w×6 t×6 CR
	textMaxLine   = 100
	defaultTextRE = `(?i)(?:^|[^a-z])(?P<motion>US|M)(?:$|[^a-z])|(?:^|[^a-z])(?P<over>OL)(?:$|[^a-z])|(?P<weight>[-+]?\s*\d+(?:[.,]\d+)?)\s*(?P<unit>kg|g|lbs?|oz)(?:$|[^a-z])`
)

// continuousFormat is a compiled text pattern and the Toledo settings.
type continuousFormat struct {
	checksum bool // Toledo frames carry a checksum byte after CR
	re       *regexp.Regexp
	unit     string // for text lines without a unit
}

func newContinuousFormat(pattern, unit string, checksum bool) (*continuousFormat, error) {
	if pattern == "" {
		pattern = defaultTextRE
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("pattern %q is not a regular expression: %v", pattern, err)
	}
	if re.SubexpIndex("weight") < 0 {
		return nil, fmt.Errorf("pattern %q needs a group named weight, like (?P<weight>[-+]?[0-9.]+)", pattern)
	}
	if unit == "" {
		unit = "kg"
	}
	if normUnit(unit) == "" {
		return nil, fmt.Errorf("unit %q is not one the station knows: use g, kg, lb or oz", unit)
	}
	return &continuousFormat{checksum: checksum, re: re, unit: normUnit(unit)}, nil
}

// decode cuts one Toledo frame or text line from the front of buf.
func (c *continuousFormat) decode(buf []byte) (frame, int, decodeResult) {
	switch buf[0] {
	case '\r', '\n':
		return frame{}, 1, skip
	case toledoSTX:
		n := toledoLen
		if c.checksum {
			n++
		}
		if len(buf) < n {
			return frame{}, 0, needMore
		}
		f, ok := parseToledo(buf[:n], c.checksum)
		if !ok {
			return frame{}, 1, garbage
		}
		return f, n, gotFrame
	}
	// A text line: up to CR or LF; an STX ends it early (a Toledo frame
	// after noise).
	end := bytes.IndexAny(buf, "\r\n\x02")
	if end < 0 && len(buf) <= textMaxLine {
		return frame{}, 0, needMore
	}
	if end < 0 || end > textMaxLine {
		return frame{}, textMaxLine, garbage
	}
	if buf[end] == toledoSTX {
		return frame{}, end, garbage
	}
	// Line noise in front of a line (bytes no text holds) is cut off on
	// its own, so it costs only itself and not the reading behind it.
	for i := end - 1; i >= 0; i-- {
		if buf[i] < 0x20 || buf[i] > 0x7e {
			return frame{}, i + 1, garbage
		}
	}
	f, ok := c.parseText(buf[:end])
	if !ok {
		return frame{}, end + 1, garbage
	}
	return f, end + 1, gotFrame
}

// parseToledo reads one frame (with its checksum byte if checksum).
func parseToledo(b []byte, checksum bool) (frame, bool) {
	a, sb, sc := b[1]&0x7f, b[2]&0x7f, b[3]&0x7f
	if b[0] != toledoSTX || b[16] != toledoCR || a&0x60 != 0x20 || sc&0x60 != 0x20 {
		return frame{}, false
	}
	if checksum {
		var sum byte
		for _, x := range b[:17] {
			sum += x & 0x7f
		}
		if (sum+b[17]&0x7f)&0x7f != 0 {
			return frame{}, false
		}
	}
	digits := strings.TrimSpace(string(b[4:10]))
	tare := strings.TrimSpace(string(b[10:16]))
	if !allDigits(digits) || !allDigits(tare) {
		return frame{}, false
	}
	f := frame{kind: frameReading, text: string(b[1:16])}
	if sb&0x04 != 0 {
		f.r.Status = StatusOverload
		if sb&0x02 != 0 {
			f.r.Status = StatusUnderload
		}
		return f, true
	}
	unit := "lb"
	if sb&0x10 != 0 {
		unit = "kg"
	}
	switch sc & 0x07 {
	case 0:
	case 1:
		unit = "g"
	case 3:
		unit = "oz"
	default:
		f.kind, f.text = frameError, "the scale sends a unit the station cannot convert (Toledo status C "+fmt.Sprintf("%#02x", sc)+"): set it to kg, g or lb"
		return f, true
	}
	if digits == "" {
		digits = "0"
	}
	var raw int64
	for _, d := range digits {
		raw = raw*10 + int64(d-'0')
	}
	if sb&0x02 != 0 {
		raw = -raw
	}
	// Decimal point code 0 means the display counts in hundreds, 2 in
	// ones, 7 in hundred-thousandths.
	mg, err := scaledMilligrams(raw, 2-int(a&0x07), unit)
	if err != nil {
		return frame{}, false
	}
	f.r = Reading{Grams: gramsOf(mg), Stable: sb&0x08 == 0}
	return f, true
}

// parseText reads a text line with the pattern.
func (c *continuousFormat) parseText(line []byte) (frame, bool) {
	if !printable(line) {
		return frame{}, false
	}
	text := string(line)
	f := frame{kind: frameReading, text: text, r: Reading{Stable: true}}
	found := false
	for _, m := range c.re.FindAllStringSubmatchIndex(text, -1) {
		group := func(name string) string {
			i := c.re.SubexpIndex(name)
			if i < 0 || m[2*i] < 0 {
				return ""
			}
			return text[m[2*i]:m[2*i+1]]
		}
		if group("motion") != "" {
			f.r.Stable = false
		}
		if group("over") != "" {
			f.r.Status = StatusOverload
		}
		if w := group("weight"); w != "" && !found {
			unit := group("unit")
			if unit == "" {
				unit = c.unit
			}
			mg, err := decimalMilligrams(strings.ReplaceAll(w, " ", ""), unit)
			if err != nil {
				return frame{}, false
			}
			f.r.Grams = gramsOf(mg)
			found = true
		}
	}
	if f.r.Status == StatusOverload {
		f.r.Stable, f.r.Grams = false, 0
		return f, true
	}
	return f, found
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
