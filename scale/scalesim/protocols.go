package scalesim

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// sics answers one MT-SICS command line: SI (weight now), S (stable
// weight, waiting up to a second for it), Z, T, @; anything else ES.
func (d *Device) sics(ctx context.Context, req []byte) (out, rest []byte, ok bool) {
	cmd, rest, ok := line(req)
	if !ok {
		return nil, req, false
	}
	switch strings.ToUpper(cmd) {
	case "":
		return nil, rest, true
	case "SI":
		return sicsWeight(d.now()), rest, true
	case "S":
		deadline := time.Now().Add(time.Second)
		for {
			st := d.now()
			if !st.moving || time.Now().After(deadline) {
				if st.moving {
					return []byte("S I\r\n"), rest, true
				}
				return sicsWeight(st), rest, true
			}
			select {
			case <-time.After(20 * time.Millisecond):
			case <-ctx.Done():
				return nil, rest, true
			}
		}
	case "Z":
		if d.zeroNow() {
			return []byte("Z A\r\n"), rest, true
		}
		return []byte("Z I\r\n"), rest, true
	case "T":
		st := d.now()
		if st.moving {
			return []byte("T I\r\n"), rest, true
		}
		return []byte(fmt.Sprintf("T S %10s kg\r\n", kg(st.grams, 5))), rest, true
	case "@":
		return []byte("I4 A \"0123456789\"\r\n"), rest, true
	}
	return []byte("ES\r\n"), rest, true
}

func sicsWeight(st state) []byte {
	switch {
	case st.over:
		return []byte("S +\r\n")
	case st.under:
		return []byte("S -\r\n")
	}
	flag := "S"
	if st.moving {
		flag = "D"
	}
	sign := ""
	if st.grams < 0 {
		sign = "-"
	}
	return []byte(fmt.Sprintf("S %s %10s kg\r\n", flag, sign+kg(st.grams, 5)))
}

// nci answers one NCI command: W (weight and status), S (status), Z
// (zero, then status); anything else "?".
func (d *Device) nci(req []byte) (out, rest []byte, ok bool) {
	i := strings.IndexByte(string(req), '\r')
	if i < 0 {
		return nil, req, false
	}
	cmd := strings.ToUpper(strings.TrimSpace(string(req[:i])))
	rest = req[i+1:]
	switch cmd {
	case "":
		return nil, rest, true
	case "W":
		st := d.now()
		w := fmt.Sprintf("%8s", kg(st.grams, 7))
		if st.grams < 0 {
			w = fmt.Sprintf("%8s", "-"+kg(st.grams, 6))
		}
		switch {
		case st.over:
			w = "^^^^^^^^"
		case st.under:
			w = "--------"
		}
		return []byte("\n" + w + "kg\r\n" + nciStatus(st) + "\r\x03"), rest, true
	case "Z":
		d.zeroNow()
		return []byte("\n" + nciStatus(d.now()) + "\r\x03"), rest, true
	case "S":
		return []byte("\n" + nciStatus(d.now()) + "\r\x03"), rest, true
	}
	return []byte("\n?\r\x03"), rest, true
}

// nciStatus is the two status bytes: motion and at-zero in the first,
// under and over capacity in the second; bits 4 and 5 always set.
func nciStatus(st state) string {
	s1, s2 := byte(0x30), byte(0x30)
	if st.moving {
		s1 |= 0x01
	}
	if st.zeroShown {
		s1 |= 0x02
	}
	if st.under {
		s2 |= 0x01
	}
	if st.over {
		s2 |= 0x02
	}
	return string([]byte{s1, s2})
}

// cas answers the ENQ/ACK/DC1 handshake: ENQ gets ACK, DC1 after that
// gets a weight frame.
func (d *Device) cas(req []byte, ready *bool) (out, rest []byte, ok bool) {
	if len(req) == 0 {
		return nil, req, false
	}
	b, rest := req[0], req[1:]
	switch b {
	case 0x05: // ENQ
		*ready = true
		return []byte{0x06}, rest, true
	case 0x11: // DC1
		if !*ready {
			return []byte{0x15}, rest, true // NAK: no ENQ first
		}
		*ready = false
		return casFrame(d.now()), rest, true
	}
	return nil, rest, true
}

func casFrame(st state) []byte {
	sta, sign := byte('S'), byte(' ')
	if st.moving {
		sta = 'U'
	}
	w := kg(st.grams, 6)
	if st.grams < 0 {
		sign = '-'
	}
	switch {
	case st.over:
		w = "------"
	case st.under:
		w, sign = "------", '-'
	}
	body := append([]byte{sta, sign}, w...)
	body = append(body, "kg"...)
	var bcc byte
	for _, c := range body {
		bcc ^= c
	}
	f := append([]byte{0x01, 0x02}, body...)
	return append(f, bcc, 0x03, 0x04)
}

// continuousFrame is one frame of continuous output.
func (d *Device) continuousFrame() []byte {
	st := d.now()
	if d.opts.Format == "text" {
		head := "ST,GS,"
		if st.moving {
			head = "US,GS,"
		}
		if st.over || st.under {
			return []byte("OL,GS,  --.---kg\r\n")
		}
		sign := " "
		if st.grams < 0 {
			sign = "-"
		}
		return []byte(fmt.Sprintf("%s%s%8s%s\r\n", head, sign, kg(st.grams, 6), "kg"))
	}
	// Toledo: kg with three decimals is decimal point code 5, display
	// increment 1 (bits 3–4 = 01).
	a := byte(0x20 | 0x08 | 5)
	b := byte(0x20 | 0x10) // kg
	if st.moving {
		b |= 0x08
	}
	if st.grams < 0 {
		b |= 0x02
	}
	if st.over || st.under {
		b |= 0x04
		if st.under {
			b |= 0x02
		}
	}
	raw := int64(math.Abs(math.Round(st.grams)))
	if raw > 999999 {
		raw = 999999
	}
	f := []byte{0x02, a, b, 0x20}
	f = append(f, fmt.Sprintf("%06d%06d\r", raw, 0)...)
	if d.opts.Checksum {
		var sum byte
		for _, c := range f {
			sum += c & 0x7f
		}
		f = append(f, (-sum)&0x7f)
	}
	return f
}
