package printer

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// USB printer class (USB.org "Printer Device Class" 1.1): interface class
// 7, subclass 1; protocol 1 is unidirectional (bulk OUT only), 2
// bidirectional (bulk OUT and IN: the printer's answers come back on IN),
// 3 IEEE 1284.4. Zebra desktop printers use protocol 2.
const (
	usbClassPrinter = 7
	usbProtoUni     = 1
	usbProtoBi      = 2
)

// USBAddress names a USB printer: vendor and product id, and the serial
// number when several identical printers hang off one station.
type USBAddress struct {
	VID, PID uint16
	Serial   string
}

func (a USBAddress) String() string {
	s := fmt.Sprintf("usb://%04x:%04x", a.VID, a.PID)
	if a.Serial != "" {
		s += "/" + a.Serial
	}
	return s
}

// ParseUSBAddress reads "usb://VID:PID[/serial]" (hex ids, as lsusb shows
// them, e.g. usb://0a5f:0166/XXZ221400123).
func ParseUSBAddress(uri string) (USBAddress, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(uri), "usb://")
	if !ok {
		if rest, ok = strings.CutPrefix(strings.TrimSpace(uri), "USB://"); !ok {
			return USBAddress{}, fmt.Errorf("printer address %q does not start with usb://", uri)
		}
	}
	rest, _, _ = strings.Cut(rest, "?")
	ids, serial, _ := strings.Cut(rest, "/")
	vid, pid, ok := strings.Cut(ids, ":")
	bad := func(why string) error {
		return fmt.Errorf("printer address %q: %s: write it as usb://VID:PID or usb://VID:PID/SERIAL with the hex ids lsusb shows, e.g. usb://0a5f:0166", uri, why)
	}
	if !ok {
		return USBAddress{}, bad("no VID:PID")
	}
	v, err1 := strconv.ParseUint(vid, 16, 16)
	p, err2 := strconv.ParseUint(pid, 16, 16)
	if err1 != nil || err2 != nil || len(vid) != 4 || len(pid) != 4 {
		return USBAddress{}, bad(fmt.Sprintf("%q is not a 4-digit hex vendor:product id", ids))
	}
	if serial, err := url.PathUnescape(strings.TrimSuffix(serial, "/")); err != nil || strings.Contains(serial, "/") {
		return USBAddress{}, bad("the serial number has a slash or a bad escape")
	}
	serial, _ = url.PathUnescape(strings.TrimSuffix(serial, "/"))
	return USBAddress{VID: uint16(v), PID: uint16(p), Serial: serial}, nil
}

// usbIntf is the part of a USB interface descriptor that choosing the
// printer interface needs; the cgo build fills it from gousb.
type usbIntf struct {
	Config, Number, Alt int
	Class, SubClass     uint8
	Protocol            uint8
	Endpoints           []usbEndpoint
}

type usbEndpoint struct {
	Number int // endpoint number (address without the direction bit)
	In     bool
	Bulk   bool
}

// usbChoice is the interface and endpoints a USB printer is driven on.
type usbChoice struct {
	Config, Number, Alt int
	Out                 int // bulk OUT endpoint number
	In                  int // bulk IN endpoint number; -1 if none
}

// pickPrinterInterface chooses the printer-class interface to claim:
// bidirectional (protocol 2) before unidirectional, so ~HS answers can be
// read; among equals the first listed. It needs a bulk OUT endpoint; a
// bulk IN is used when there is one.
func pickPrinterInterface(intfs []usbIntf) (usbChoice, error) {
	best, bestRank := usbChoice{}, -1
	for _, it := range intfs {
		if it.Class != usbClassPrinter {
			continue
		}
		c := usbChoice{Config: it.Config, Number: it.Number, Alt: it.Alt, Out: -1, In: -1}
		for _, ep := range it.Endpoints {
			switch {
			case ep.Bulk && !ep.In && c.Out < 0:
				c.Out = ep.Number
			case ep.Bulk && ep.In && c.In < 0:
				c.In = ep.Number
			}
		}
		if c.Out < 0 {
			continue
		}
		rank := 0
		if it.Protocol == usbProtoBi && c.In >= 0 {
			rank = 2
		} else if c.In >= 0 {
			rank = 1
		}
		if rank > bestRank {
			best, bestRank = c, rank
		}
	}
	if bestRank < 0 {
		return usbChoice{}, fmt.Errorf("the device has no printer interface (USB class 7 with a bulk OUT endpoint): is it a printer, and in USB printer mode?")
	}
	return best, nil
}

// USBPrinterInfo is a connected USB printer-class device.
type USBPrinterInfo struct {
	Address USBAddress
	Product string
}

// NewUSB returns a printer on USB bulk transfers. It does not touch the
// device until the first job or status request, and reopens it after an
// error, so unplugging and plugging in again needs no restart.
func NewUSB(addr USBAddress, checkStatus bool, statusTimeout time.Duration) Printer {
	return &USB{newStreamPrinter(addr.String(), func() (link, error) { return openUSBLink(addr) }, checkStatus, statusTimeout), addr}
}

// USB is a printer on USB (usb://VID:PID[/serial]).
type USB struct {
	*streamPrinter
	addr USBAddress
}

// Address is the printer's USB address.
func (u *USB) Address() USBAddress { return u.addr }

func openUSB(raw string) (Printer, error) {
	addr, err := ParseUSBAddress(raw)
	if err != nil {
		return nil, err
	}
	_, query, _ := strings.Cut(raw, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("printer address %q: the options after ? are not valid (%v)", raw, err)
	}
	check, timeout, err := statusOptions(raw, &url.URL{Scheme: "usb", RawQuery: q.Encode()})
	if err != nil {
		return nil, err
	}
	return NewUSB(addr, check, timeout), nil
}

// ListUSBPrinters lists connected USB printer-class devices (cgo builds
// on Linux and macOS; elsewhere none).
func ListUSBPrinters(ctx context.Context) ([]USBPrinterInfo, error) {
	return listUSBPrinters(ctx)
}
