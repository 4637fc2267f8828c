package zplsim

import (
	"bytes"
	"fmt"
	"strings"
)

// Flags is the printer state a ~HS answer reports.
type Flags struct {
	PaperOut        bool
	Paused          bool
	HeadOpen        bool
	RibbonOut       bool
	BufferFull      bool
	UnderTemp       bool
	OverTemp        bool
	CorruptRAM      bool
	PartialFormat   bool
	FormatsInBuffer int
	LabelsRemaining int
	LabelLengthDots int
	GraphicsStored  int
}

// HostStatus is the printer's answer to ~HS, byte for byte as the ZPL II
// Programming Guide gives it: three strings, each <STX>…<ETX><CR><LF>.
//
//	string 1  aaa,b,c,dddd,eee,f,g,h,iii,j,k,l
//	          comm settings, paper out, pause, label length (dots), formats in
//	          receive buffer, buffer full, comm diagnostics, partial format,
//	          unused (000), corrupt RAM, under temperature, over temperature
//	string 2  mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www
//	          function settings, unused, head up, ribbon out, thermal transfer,
//	          print mode, print width mode, label waiting, labels remaining in
//	          batch, format while printing (always 1), graphics stored
//	string 3  xxxx,y
//	          password, static RAM installed
//
// aaa is 030: 9600 baud, 8 data bits, 1 stop bit, no parity, Xon/Xoff, the
// value a factory-set Zebra reports. Print mode 2 is tear-off, width mode 6
// a 4-inch head, as on the desktop printers benches use.
func HostStatus(f Flags) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\x02030,%d,%d,%04d,%03d,%d,0,%d,000,%d,%d,%d\x03\r\n",
		bit(f.PaperOut), bit(f.Paused), f.LabelLengthDots, f.FormatsInBuffer, bit(f.BufferFull),
		bit(f.PartialFormat), bit(f.CorruptRAM), bit(f.UnderTemp), bit(f.OverTemp))
	fmt.Fprintf(&b, "\x02001,0,%d,%d,0,2,6,0,%08d,1,%03d\x03\r\n",
		bit(f.HeadOpen), bit(f.RibbonOut), f.LabelsRemaining, f.GraphicsStored)
	b.WriteString("\x021234,0\x03\r\n")
	return b.Bytes()
}

// DirectoryListing is the printer's answer to ^HWd:o.x, in the layout of
// the ZPL II guide: <STX><CR><LF>, a "- DIR d:o.x" line, one
// "* d:NAME.EXT  size" line per object, a blank line, "-nnnnnnn bytes free",
// <CR><LF><ETX>.
func DirectoryListing(pattern string, files []string) []byte {
	var b bytes.Buffer
	b.WriteString("\x02\r\n")
	fmt.Fprintf(&b, "- DIR %s\r\n", pattern)
	for _, f := range files {
		if matchObject(pattern, f) {
			fmt.Fprintf(&b, "* %-14s  %6d  \r\n", f, 65536)
		}
	}
	b.WriteString("\r\n-  2817024 bytes free\r\n\x03")
	return b.Bytes()
}

// matchObject matches "E:ARI000.TTF" against a ^HW pattern such as
// "E:*.TTF", "E:*.*" or "*:*.*" (device, name, extension; * matches all).
func matchObject(pattern, file string) bool {
	pd, pn, pe := splitObject(pattern)
	fd, fn, fe := splitObject(file)
	eq := func(p, v string) bool { return p == "*" || p == "" || strings.EqualFold(p, v) }
	return eq(pd, fd) && eq(pn, fn) && eq(pe, fe)
}

func splitObject(s string) (dev, name, ext string) {
	if d, rest, ok := strings.Cut(s, ":"); ok {
		dev, s = d, rest
	}
	name, ext, _ = strings.Cut(s, ".")
	return dev, name, ext
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}
