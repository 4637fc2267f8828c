package scale

import (
	"bytes"
	"math/big"
	"strings"
	"unicode"
)

// NCI standard protocol (Weigh-Tronix / Avery Weigh-Tronix SCP-01 and
// SCP-02, Brecknell, the postal and shipping scales most POS software
// speaks). 9600 baud, 7 data bits, even parity, 1 stop bit by default.
//
//	W<CR>  weight:  <LF> weight unit <CR> <LF> status <CR> <ETX>
//	               e.g. "\n0001.25kg\r\n\x30\x30\r\x03"; pounds and
//	               ounces as "\n01lb 03.5oz\r\n…"
//	S<CR>  status:  <LF> status <CR> <ETX>
//	Z<CR>  zero:    answers like S
//	other:          <LF> ? <CR> <ETX>
//
// Status is two or three bytes, each with bits 4 and 5 set (so they are
// printable) and bit 7 the parity bit:
//
//	byte 1: bit 0 motion, bit 1 at zero, bit 2 RAM error, bit 3 EEPROM error
//	byte 2: bit 0 under capacity, bit 1 over capacity, bit 2 ROM error,
//	        bit 3 faulty calibration, bit 6 another byte follows
//	byte 3: bits 0–1 range, bit 2 net, bit 3 initial zero error
//
// Over and under capacity show as out-of-range characters in the weight
// field ("^^^^^^", "------"); the status bits, not the digits, decide.

var (
	nciPoll   = []byte("W\r")
	nciStatus = []byte("S\r")
	nciZero   = []byte("Z\r")
)

const (
	nciLF      = 0x0a
	nciCR      = 0x0d
	nciETX     = 0x03
	nciMaxLine = 48
)

// decodeNCI cuts one <LF>…<ETX> message from the front of buf.
func decodeNCI(buf []byte) (frame, int, decodeResult) {
	if buf[0] != nciLF {
		// Nothing before a line feed can belong to a message.
		if i := bytes.IndexByte(buf, nciLF); i > 0 {
			return frame{}, i, garbage
		}
		return frame{}, len(buf), garbage
	}
	end := bytes.IndexByte(buf, nciETX)
	if end < 0 || end >= nciMaxLine {
		if len(buf) < nciMaxLine {
			return frame{}, 0, needMore
		}
		return frame{}, 1, garbage // no end in sight: drop the LF, look again
	}
	f, ok := parseNCI(buf[1:end])
	if !ok {
		return frame{}, 1, garbage // the next LF may start a good message
	}
	return f, end + 1, gotFrame
}

// parseNCI reads a message body: everything between <LF> and <ETX>.
func parseNCI(body []byte) (frame, bool) {
	if len(body) < 2 || body[len(body)-1] != nciCR {
		return frame{}, false
	}
	parts := bytes.Split(body[:len(body)-1], []byte("\r\n"))
	switch len(parts) {
	case 1:
		if string(parts[0]) == "?" {
			return frame{kind: frameUnknown, text: "?"}, true
		}
		r, ok := nciStatusBytes(parts[0])
		if !ok {
			return frame{}, false
		}
		return frame{kind: frameStatus, r: r, text: string(body)}, true
	case 2:
		r, ok := nciStatusBytes(parts[1])
		if !ok {
			return frame{}, false
		}
		f := frame{kind: frameReading, text: string(parts[0])}
		if r.Status == StatusOverload || r.Status == StatusUnderload {
			f.r = r
			return f, true
		}
		mg, err := nciWeight(string(parts[0]))
		if err != nil {
			if !printable(parts[0]) {
				return frame{}, false
			}
			f.kind = frameError
			f.text = "the scale shows no weight (its display reads " + strings.TrimSpace(string(parts[0])) + "): " + err.Error()
			return f, true
		}
		r.Grams = gramsOf(mg)
		f.r = r
		return f, true
	}
	return frame{}, false
}

// nciStatusBytes decodes the status bytes into a reading's flags.
func nciStatusBytes(b []byte) (Reading, bool) {
	if len(b) < 2 || len(b) > 3 {
		return Reading{}, false
	}
	for _, c := range b {
		if c&0x30 != 0x30 { // bits 4 and 5 are always set
			return Reading{}, false
		}
	}
	s1, s2 := b[0]&0x7f, b[1]&0x7f
	r := Reading{Stable: s1&0x01 == 0}
	switch {
	case s2&0x02 != 0:
		r.Status, r.Stable = StatusOverload, false
	case s2&0x01 != 0:
		r.Status, r.Stable = StatusUnderload, false
	case s1&0x0c != 0 || s2&0x0c != 0 || (len(b) == 3 && b[2]&0x08 != 0):
		r.Status, r.Stable = StatusFault, false
	}
	return r, true
}

// nciWeight reads "0001.25kg", "  1.25 kg", "-0.50lb" or "01lb 03.5oz".
func nciWeight(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if i := strings.Index(strings.ToLower(s), "lb"); i > 0 && strings.HasSuffix(strings.ToLower(s), "oz") && i+2 < len(s) {
		// Pounds and ounces are added before rounding: one rounding only.
		// 1 lb = 16 oz, so the sum is (lb×16 + oz) ounces.
		lb := strings.TrimSpace(s[:i])
		neg := strings.HasPrefix(lb, "-")
		lbMant, lbScale, err := parseDecimal(strings.TrimPrefix(lb, "-"))
		if err != nil {
			return 0, err
		}
		ozMant, ozScale, err := parseDecimal(strings.TrimSpace(s[i+2 : len(s)-2]))
		if err != nil {
			return 0, err
		}
		// Bring both to the finer decimal scale, then add.
		sc := max(lbScale, ozScale)
		lbMant.Mul(lbMant, pow10(sc-lbScale))
		lbMant.Mul(lbMant, big.NewInt(16))
		ozMant.Mul(ozMant, pow10(sc-ozScale))
		return nanoToMilli(lbMant.Add(lbMant, ozMant), unitNanograms["oz"], sc, neg)
	}
	num, unit := splitUnit(s)
	return decimalMilligrams(num, unit)
}

// splitUnit splits "1.25kg" or "1.25 kg" into number and unit.
func splitUnit(s string) (num, unit string) {
	s = strings.TrimSpace(s)
	i := len(s)
	for i > 0 && (unicode.IsLetter(rune(s[i-1])) || s[i-1] == '#') {
		i--
	}
	return strings.TrimSpace(s[:i]), s[i:]
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
