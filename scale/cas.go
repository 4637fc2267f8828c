package scale

import "strings"

// CAS ENQ/ACK protocol (CAS PD-II, ER and AP series in ECR mode, and the
// many POS scales that copy it). 9600 8N1.
//
//	host  ENQ (05)            are you ready?
//	scale ACK (06) or NAK (15)
//	host  DC1 (11)            send the weight
//	scale SOH STX STA SIGN W5 W4 W3 . W1 W0 U U BCC ETX EOT
//
// STA is 'S' (stable) or 'U' (unstable); SIGN is ' ' or '-'; the weight
// is six characters including the decimal point ("01.250"); the unit two
// ("kg", " g", "lb", "oz"); BCC is the XOR of STA through the unit. Over-
// and underload show as a weight field of dashes or "OL" (with SIGN '-'
// for underload). Some models leave out SOH and EOT; both are read.

var (
	casENQ = []byte{0x05}
	casDC1 = []byte{0x11}
)

const (
	casSOH = 0x01
	casSTX = 0x02
	casETX = 0x03
	casEOT = 0x04
	casACK = 0x06
	casNAK = 0x15
	// STX STA SIGN W(6) U(2) BCC ETX
	casFrameLen = 13
)

// decodeCAS cuts one handshake byte or data frame from the front of buf.
func decodeCAS(buf []byte) (frame, int, decodeResult) {
	switch buf[0] {
	case casACK:
		return frame{kind: frameAck, text: "ACK"}, 1, gotFrame
	case casNAK:
		return frame{kind: frameBusy, text: "NAK"}, 1, gotFrame
	case casEOT:
		return frame{}, 1, skip
	case casSOH:
		if len(buf) < 2 {
			return frame{}, 0, needMore
		}
		if buf[1] == casSTX {
			return frame{}, 1, skip
		}
		return frame{}, 1, garbage
	case casSTX:
		if len(buf) < casFrameLen {
			return frame{}, 0, needMore
		}
		f, ok := parseCAS(buf[:casFrameLen])
		if !ok {
			return frame{}, 1, garbage
		}
		return f, casFrameLen, gotFrame
	}
	// Noise: drop everything up to the next byte that can start something.
	for i := 1; i < len(buf); i++ {
		switch buf[i] {
		case casACK, casNAK, casEOT, casSOH, casSTX:
			return frame{}, i, garbage
		}
	}
	return frame{}, len(buf), garbage
}

// parseCAS reads STX … ETX (13 bytes).
func parseCAS(b []byte) (frame, bool) {
	if b[0] != casSTX || b[12] != casETX {
		return frame{}, false
	}
	var bcc byte
	for _, c := range b[1:11] {
		bcc ^= c
	}
	if bcc != b[11] {
		return frame{}, false
	}
	sta, sign, w, unit := b[1], b[2], string(b[3:9]), strings.TrimSpace(string(b[9:11]))
	if (sta != 'S' && sta != 'U') || (sign != ' ' && sign != '-') || !printable(b[3:11]) {
		return frame{}, false
	}
	f := frame{kind: frameReading, text: string(b[1:11])}
	if t := strings.TrimSpace(w); strings.Trim(t, "-") == "" || t == "OL" || t == "O-L" {
		f.r.Status = StatusOverload
		if sign == '-' {
			f.r.Status = StatusUnderload
		}
		return f, true
	}
	num := w
	if sign == '-' {
		num = "-" + strings.TrimSpace(w)
	}
	mg, err := decimalMilligrams(num, unit)
	if err != nil {
		if _, numErr := decimalMilligrams(num, "g"); numErr != nil {
			return frame{}, false
		}
		f.kind, f.text = frameError, "the scale weighs in "+unit+", which the station cannot convert: set the scale to kg or g"
		return f, true
	}
	f.r = Reading{Grams: gramsOf(mg), Stable: sta == 'S'}
	return f, true
}
