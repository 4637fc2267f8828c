package printer

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// hostStatusQuery asks a ZPL printer for its state. Tilde commands act at
// once, even while the printer is busy with a format.
var hostStatusQuery = []byte("~HS")

const (
	stx = 0x02
	etx = 0x03
)

// ParseHostStatus reads a printer's answer to ~HS: three strings, each
// <STX>…<ETX><CR><LF> (ZPL II Programming Guide, "~HS Host Status
// Return"):
//
//	1  aaa,b,c,dddd,eee,f,g,h,iii,j,k,l  comm settings, paper out, pause,
//	   label length, formats in buffer, buffer full, comm diagnostics,
//	   partial format, unused, corrupt RAM, under temp, over temp
//	2  mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www  function settings, unused, head up,
//	   ribbon out, thermal transfer, print mode, print width mode, label
//	   waiting, labels remaining in batch, format while printing, graphics
//	3  xxxx,y                            password, static RAM
//
// Bytes before the first STX (a late answer, printer chatter) are
// skipped. String 3 is optional (some firmware omits it); fields beyond
// the guide's are ignored, fields missing from it are an error.
func ParseHostStatus(b []byte) (Status, error) {
	frames := frames(b)
	if len(frames) < 2 {
		return Status{}, fmt.Errorf("printer status answer has %d of the 3 <STX>…<ETX> strings: %q", len(frames), clip(b))
	}
	s1 := strings.Split(frames[0], ",")
	s2 := strings.Split(frames[1], ",")
	if len(s1) < 12 {
		return Status{}, fmt.Errorf("printer status string 1 has %d of 12 fields: %q", len(s1), frames[0])
	}
	if len(s2) < 11 {
		return Status{}, fmt.Errorf("printer status string 2 has %d of 11 fields: %q", len(s2), frames[1])
	}
	var err error
	flag := func(f string) bool {
		switch strings.TrimSpace(f) {
		case "0":
			return false
		case "1":
			return true
		}
		if err == nil {
			err = fmt.Errorf("printer status flag %q is not 0 or 1", f)
		}
		return false
	}
	num := func(f string) int {
		n, e := strconv.Atoi(strings.TrimSpace(f))
		if e != nil && err == nil {
			err = fmt.Errorf("printer status field %q is not a number", f)
		}
		return n
	}
	st := Status{
		Source:          "~HS",
		PaperOut:        flag(s1[1]),
		Paused:          flag(s1[2]),
		LabelLengthDots: num(s1[3]),
		FormatsInBuffer: num(s1[4]),
		BufferFull:      flag(s1[5]),
		PartialFormat:   flag(s1[7]),
		CorruptRAM:      flag(s1[9]),
		UnderTemp:       flag(s1[10]),
		OverTemp:        flag(s1[11]),
		HeadOpen:        flag(s2[2]),
		RibbonOut:       flag(s2[3]),
		ThermalTransfer: flag(s2[4]),
		LabelWaiting:    flag(s2[7]),
		LabelsRemaining: num(s2[8]),
		GraphicsStored:  num(s2[10]),
	}
	// Print mode is a digit on old firmware and a letter (K kiosk, S
	// stream, …) on newer: keep digits, -1 for the rest.
	if m, e := strconv.Atoi(strings.TrimSpace(s2[5])); e == nil {
		st.PrintMode = m
	} else {
		st.PrintMode = -1
	}
	if err != nil {
		return Status{}, fmt.Errorf("%w in %q", err, clip(b))
	}
	return st, nil
}

// frames returns the contents of the complete <STX>…<ETX> strings in b.
func frames(b []byte) []string {
	var out []string
	for {
		i := bytes.IndexByte(b, stx)
		if i < 0 {
			return out
		}
		j := bytes.IndexByte(b[i+1:], etx)
		if j < 0 {
			return out
		}
		out = append(out, string(b[i+1:i+1+j]))
		b = b[i+1+j+1:]
	}
}

// errShortAnswer: the reader ended before the answer was whole.
var errShortAnswer = errors.New("the printer's answer ended early")

// readAnswer reads from read until want complete <STX>…<ETX> strings have
// arrived (and, for a ~HS answer, their CR LF), and returns the bytes.
// read is a deadline-bound read on the transport; its error (a timeout)
// is returned with whatever came so far.
func readAnswer(read func([]byte) (int, error), want int) ([]byte, error) {
	var got []byte
	buf := make([]byte, 512)
	for {
		n, err := read(buf)
		got = append(got, buf[:n]...)
		if len(frames(got)) >= want {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		if len(got) > 64<<10 {
			return got, errShortAnswer // chatter, not an answer
		}
	}
}

func clip(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}
