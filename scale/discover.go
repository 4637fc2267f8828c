package scale

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"go.bug.st/serial"
)

// Found is a scale, or a port a scale may be on, that List found.
type Found struct {
	// URI opens it; for a serial port the protocol is a guess until
	// Probe has asked.
	URI     string `json:"uri"`
	Kind    string `json:"kind"` // "serial" or "usbhid"
	Port    string `json:"port"` // /dev/ttyUSB0, COM3, /dev/hidraw0
	USBID   string `json:"usb_id,omitempty"`
	Product string `json:"product,omitempty"`
	Note    string `json:"note,omitempty"`
}

// usbSerialVendors names the makers of USB serial adapters and scales
// with a built-in one, for the discovery list.
var usbSerialVendors = map[string]string{
	"0403": "FTDI USB serial adapter", "067b": "Prolific USB serial adapter",
	"1a86": "CH340 USB serial adapter", "10c4": "Silicon Labs CP210x USB serial adapter",
	"0eb8": "Mettler Toledo", "0b67": "Fairbanks", "1d01": "Avery Weigh-Tronix",
}

// List finds serial ports (with their USB vendor:product where the OS
// says) and USB HID scales. It opens nothing.
func List() ([]Found, error) {
	var out []Found
	ports, err := serialPorts()
	if err != nil {
		return nil, fmt.Errorf("cannot list serial ports: %v", err)
	}
	for _, p := range ports {
		f := Found{Kind: "serial", Port: p.name, URI: SerialURI(SerialOptions{Port: p.name, Protocol: "sics"}),
			Note: "protocol unknown: run labelstation scale probe " + p.name}
		if p.vid != "" {
			f.USBID = strings.ToLower(p.vid + ":" + p.pid)
			f.Product = firstNonEmpty(p.product, usbSerialVendors[strings.ToLower(p.vid)])
		}
		out = append(out, f)
	}
	for _, d := range hidrawDevices() {
		if !d.scale {
			if _, known := knownScales[[2]uint16{d.vid, d.pid}]; !known {
				continue
			}
		}
		out = append(out, Found{
			Kind: "usbhid", Port: "/dev/" + d.node, URI: fmt.Sprintf("usbhid://%04x:%04x", d.vid, d.pid),
			USBID: fmt.Sprintf("%04x:%04x", d.vid, d.pid), Product: firstNonEmpty(d.name, hidName(d.vid, d.pid)),
			Note: "USB HID POS scale; without libusb use hidraw:///dev/" + d.node,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind > out[j].Kind }) // USB scales first
	return out, nil
}

// serialPort is what the OS lists about one port.
type serialPort struct{ name, vid, pid, product string }

// Probe asks a serial port which protocol answers: it listens for
// continuous output first (a streaming scale talks unasked), then sends
// an MT-SICS, an NCI and a CAS request in turn. It returns the address
// to use and the reading it got. baud 0 means 9600.
func Probe(ctx context.Context, port string, baud int) (string, Reading, error) {
	return probe(ctx, port, baud, func(p string, m *serial.Mode) (io.ReadWriteCloser, error) {
		sp, err := serial.Open(p, m)
		if err != nil {
			return nil, err
		}
		if err := sp.SetReadTimeout(readTick); err != nil {
			sp.Close()
			return nil, err
		}
		return sp, nil
	})
}

func probe(ctx context.Context, port string, baud int, open func(string, *serial.Mode) (io.ReadWriteCloser, error)) (string, Reading, error) {
	if baud == 0 {
		baud = 9600
	}
	type attempt struct {
		protocol string
		checksum bool
		dec      decodeFunc
		ask      []byte
		listen   time.Duration
	}
	withSum, _ := newContinuousFormat("", "", true)
	plain, _ := newContinuousFormat("", "", false)
	attempts := []attempt{
		{protocol: "continuous", checksum: true, dec: withSum.decode, listen: 1200 * time.Millisecond},
		// A scale that is asked answers within tens of milliseconds.
		{protocol: "sics", dec: decodeSICS, ask: sicsPoll, listen: 400 * time.Millisecond},
		{protocol: "nci", dec: decodeNCI, ask: nciPoll, listen: 400 * time.Millisecond},
		{protocol: "cas", dec: decodeCAS, ask: casENQ, listen: 400 * time.Millisecond},
	}
	var lastErr error
	for _, a := range attempts {
		o, p, _ := SerialOptions{Port: port, Protocol: a.protocol, Baud: baud}.withDefaults()
		rw, err := open(port, o.mode())
		if err != nil {
			s := &Serial{opts: o, proto: p}
			return "", Reading{}, s.openError(err)
		}
		var sink [256]byte
		for n, _ := rw.Read(sink[:]); n > 0; n, _ = rw.Read(sink[:]) {
			// drain what earlier attempts left on the line
		}
		asm := assembler{decode: a.dec}
		var raw []byte
		var got []frame
		if a.ask != nil {
			rw.Write(a.ask)
		}
		deadline := time.Now().Add(a.listen)
		buf := make([]byte, 256)
		started := time.Now()
		for time.Now().Before(deadline) && ctx.Err() == nil {
			if a.ask == nil && len(raw) == 0 && time.Since(started) > 500*time.Millisecond {
				break // a streaming scale sends several frames a second; this one is silent
			}
			n, err := rw.Read(buf)
			if err != nil {
				lastErr = err
				break
			}
			raw = append(raw, buf[:n]...)
			asm.feed(buf[:n], time.Now(), func(f frame) {
				if f.kind == frameAck && a.protocol == "cas" {
					rw.Write(casDC1)
					return
				}
				got = append(got, f)
			})
			if a.protocol != "continuous" && len(got) > 0 || len(got) >= 2 {
				break
			}
		}
		rw.Close()
		if ctx.Err() != nil {
			return "", Reading{}, ctx.Err()
		}
		ok, r := false, Reading{}
		for _, f := range got {
			switch {
			case f.kind == frameReading:
				ok, r = true, f.r
			case a.protocol == "sics" && (f.kind == frameBusy || f.kind == frameUnknown):
				ok = true // only an MT-SICS scale answers ES or "S I"
			}
		}
		if !ok && a.protocol == "continuous" {
			// Toledo without checksum, or text lines.
			if frames, _ := decodeAll(plain.decode, raw); len(frames) >= 2 {
				a.checksum, ok, r = false, true, frames[len(frames)-1].r
			}
		}
		if a.protocol == "continuous" && !bytes.Contains(raw, []byte{toledoSTX}) {
			a.checksum = false // text lines have no checksum to check
		}
		if ok {
			r.Time = time.Now()
			return SerialURI(SerialOptions{Port: port, Protocol: a.protocol, Baud: baud, Checksum: a.checksum}), r, nil
		}
	}
	if lastErr != nil {
		return "", Reading{}, fmt.Errorf("scale on %s: %v: check the cable", port, lastErr)
	}
	return "", Reading{}, fmt.Errorf("no scale answers on %s at %d baud (tried continuous output, MT-SICS 8N1, NCI 7E1, CAS 8N1): check the cable and that the scale is on; try another baud rate (--baud 4800, 19200)", port, baud)
}
