package scale

import (
	"bytes"
	"strings"
)

// MT-SICS (Mettler Toledo Standard Interface Command Set), level 0, the
// part every Mettler Toledo balance and bench scale speaks. The host
// sends a command line, the scale answers with one line; both end with
// CR LF (some scales are set to CR or LF alone, which is read too).
//
//	S   stable weight:    "S S     100.00 g"; "S I" busy (no stable value
//	                      in time), "S +" overload, "S -" underload
//	SI  weight now:       "S S …" stable or "S D …" dynamic (moving)
//	Z   zero:             "Z A" done, "Z I" not now, "Z +"/"Z -" out of range
//	T   tare:             "T S  <tare> <unit>", "T I", "T +", "T -"
//	@   reset:            "I4 A \"<serial number>\""
//	any: "ES" syntax error (unknown command), "ET" transmission error
//	     (parity, framing), "EL" logical error (cannot be executed)
//
// The station polls SI: it reports the weight while it moves, which the
// live display needs, and its S/D flag is the scale's motion flag.

var (
	sicsPoll  = []byte("SI\r\n")
	sicsZero  = []byte("Z\r\n")
	sicsTare  = []byte("T\r\n")
	sicsReset = []byte("@\r\n")
)

// sicsMaxLine bounds a reply line; a longer run without a line end is noise.
const sicsMaxLine = 80

// decodeSICS cuts one reply line from the front of buf.
func decodeSICS(buf []byte) (frame, int, decodeResult) {
	if buf[0] == '\r' || buf[0] == '\n' {
		return frame{}, 1, skip
	}
	// A reply has at most sicsMaxLine bytes before its line end; the
	// rule looks at no byte past that, so it decides the same whether the
	// bytes came in one read or many.
	end := bytes.IndexAny(buf, "\r\n")
	if end < 0 && len(buf) <= sicsMaxLine {
		return frame{}, 0, needMore
	}
	if end < 0 || end > sicsMaxLine {
		return frame{}, sicsMaxLine, garbage
	}
	f, ok := parseSICSLine(buf[:end])
	if !ok {
		// Line noise in front of a reply, or the tail of a reply cut
		// off by a reconnect: find the reply at the end of the line, so
		// the noise costs only itself and not the reading behind it.
		for i := 1; i <= end-2; i++ {
			if _, ok := parseSICSLine(buf[i:end]); ok {
				return frame{}, i, garbage
			}
		}
		return frame{}, end + 1, garbage
	}
	return f, end + 1, gotFrame
}

// parseSICSLine reads one reply line without its line end.
func parseSICSLine(line []byte) (frame, bool) {
	for _, c := range line {
		if c < 0x20 || c > 0x7e {
			return frame{}, false
		}
	}
	text := string(line)
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return frame{}, false
	}
	f := frame{cmd: fields[0], text: text}
	if len(fields) == 1 {
		switch fields[0] {
		case "ES":
			f.kind = frameUnknown
			return f, true
		case "ET", "EL":
			f.kind, f.text = frameError, sicsErrorText(fields[0])
			return f, true
		}
		return frame{}, false
	}
	status := fields[1]
	switch fields[0] {
	case "S", "SI", "T":
		switch status {
		case "S", "D":
			if len(fields) < 4 {
				return frame{}, false
			}
			// The number is everything between the status and the
			// unit: a sign may stand apart from the digits.
			num := strings.Join(fields[2:len(fields)-1], "")
			mg, err := decimalMilligrams(num, fields[len(fields)-1])
			if err != nil {
				if _, numErr := decimalMilligrams(num, "g"); numErr != nil {
					return frame{}, false
				}
				f.kind = frameError
				f.text = "the scale weighs in " + fields[len(fields)-1] + ", which the station cannot convert: set the scale's unit to g or kg"
				return f, true
			}
			f.kind = frameReading
			f.r = Reading{Grams: gramsOf(mg), Stable: status == "S"}
			if fields[0] == "T" {
				f.kind = frameAck // the tare value, not a weight
			}
			return f, true
		case "I":
			f.kind = frameBusy
			return f, true
		case "+", "-":
			if fields[0] == "T" {
				f.kind, f.text = frameError, "tare is out of range"
				return f, true
			}
			f.kind = frameReading
			f.r.Status = StatusOverload
			if status == "-" {
				f.r.Status = StatusUnderload
			}
			return f, true
		}
	case "Z":
		switch status {
		case "A":
			f.kind = frameAck
			return f, true
		case "I":
			f.kind = frameBusy
			return f, true
		case "+", "-":
			f.kind, f.text = frameError, "the scale cannot zero: the load is outside its zero range; empty the platter"
			return f, true
		}
	case "I4":
		if status == "A" {
			f.kind = frameAck
			return f, true
		}
	}
	return frame{}, false
}

func sicsErrorText(code string) string {
	switch code {
	case "ET":
		return "the scale reports a transmission error (ET): check that the baud rate, parity and data bits match the scale (MT-SICS default 9600 8N1)"
	default:
		return "the scale reports it cannot carry out the command now (EL)"
	}
}
