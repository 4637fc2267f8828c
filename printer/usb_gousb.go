//go:build cgo && (linux || darwin)

package printer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/google/gousb"
)

// usbLink drives a USB printer through libusb (gousb): the label goes out
// on the printer interface's bulk OUT endpoint, answers to ~HS come back
// on bulk IN. The kernel's usblp driver, which claims printers on Linux,
// is detached while the station holds the interface (SetAutoDetach) and
// reattached when it lets go.
type usbLink struct {
	ctx  *gousb.Context
	dev  *gousb.Device
	cfg  *gousb.Config
	intf *gousb.Interface
	out  *gousb.OutEndpoint
	in   *gousb.InEndpoint // nil for a unidirectional printer
}

func openUSBLink(addr USBAddress) (l link, err error) {
	uctx := gousb.NewContext()
	defer func() {
		if err != nil {
			uctx.Close()
		}
	}()
	devs, openErr := uctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		return uint16(d.Vendor) == addr.VID && uint16(d.Product) == addr.PID
	})
	var dev *gousb.Device
	for _, d := range devs {
		if dev == nil && (addr.Serial == "" || serialOf(d) == addr.Serial) {
			dev = d
			continue
		}
		d.Close()
	}
	if dev == nil {
		if openErr != nil && errors.Is(openErr, gousb.ErrorAccess) {
			return nil, usbError(addr, openErr, "no permission to use it: install the udev rule from the README (or add this user to the lp group), then unplug and plug it in again")
		}
		return nil, usbError(addr, openErr, "it is not connected: check the cable and that it is switched on; 'labelstation printer list' shows the USB printers this computer sees")
	}
	defer func() {
		if err != nil {
			dev.Close()
		}
	}()
	// Linux's usblp owns the printer interface; libusb must detach it to
	// claim the interface, and gives it back on release.
	_ = dev.SetAutoDetach(true)

	var intfs []usbIntf
	for _, c := range dev.Desc.Configs {
		for _, id := range c.Interfaces {
			for _, alt := range id.AltSettings {
				it := usbIntf{Config: c.Number, Number: alt.Number, Alt: alt.Alternate, Class: uint8(alt.Class), SubClass: uint8(alt.SubClass), Protocol: uint8(alt.Protocol)}
				for _, ep := range alt.Endpoints {
					it.Endpoints = append(it.Endpoints, usbEndpoint{Number: ep.Number, In: ep.Direction == gousb.EndpointDirectionIn, Bulk: ep.TransferType == gousb.TransferTypeBulk})
				}
				intfs = append(intfs, it)
			}
		}
	}
	choice, err := pickPrinterInterface(intfs)
	if err != nil {
		return nil, usbError(addr, nil, err.Error())
	}
	cfg, err := dev.Config(choice.Config)
	if err != nil {
		return nil, usbError(addr, err, "cannot select its configuration: another program may hold it (CUPS's usb backend?)")
	}
	intf, err := cfg.Interface(choice.Number, choice.Alt)
	if err != nil {
		cfg.Close()
		if errors.Is(err, gousb.ErrorBusy) {
			return nil, usbError(addr, err, "another program holds it (CUPS's usb backend?): print through that queue with cups://QUEUE, or stop it")
		}
		return nil, usbError(addr, err, "cannot claim its printer interface")
	}
	ul := &usbLink{ctx: uctx, dev: dev, cfg: cfg, intf: intf}
	if ul.out, err = intf.OutEndpoint(choice.Out); err != nil {
		ul.closeParts()
		return nil, usbError(addr, err, "cannot open its bulk OUT endpoint")
	}
	if choice.In >= 0 {
		if ul.in, err = intf.InEndpoint(choice.In); err != nil {
			ul.in = nil // print without status rather than not at all
		}
	}
	return ul, nil
}

func serialOf(d *gousb.Device) string {
	s, _ := d.SerialNumber()
	return s
}

func usbError(addr USBAddress, cause error, what string) error {
	if cause == nil {
		cause = errors.New(what)
	}
	return &Error{Printer: addr.String(), Err: cause, Msg: fmt.Sprintf("USB printer %s: %s", addr, what)}
}

func (u *usbLink) CanRead() bool { return u.in != nil }

func (u *usbLink) Write(ctx context.Context, b []byte) (int, error) {
	sent := 0
	for sent < len(b) {
		// Each chunk may stall at most defaultWriteTimeout: a printer out
		// of paper stops taking data and the job must fail, not hang.
		wctx, cancel := context.WithTimeout(ctx, defaultWriteTimeout)
		n, err := u.out.WriteContext(wctx, b[sent:min(len(b), sent+writeChunk)])
		cancel()
		sent += n
		if err != nil {
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			return sent, err
		}
	}
	return sent, nil
}

func (u *usbLink) Read(ctx context.Context, b []byte, deadline time.Time) (int, error) {
	if u.in == nil {
		return 0, errNoReadBack
	}
	rctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	n, err := u.in.ReadContext(rctx, b)
	if err != nil && ctx.Err() == nil && rctx.Err() != nil {
		return n, os.ErrDeadlineExceeded
	}
	return n, err
}

func (u *usbLink) closeParts() {
	if u.intf != nil {
		u.intf.Close()
	}
	if u.cfg != nil {
		u.cfg.Close()
	}
	if u.dev != nil {
		u.dev.Close()
	}
}

func (u *usbLink) Close() error {
	u.closeParts()
	return u.ctx.Close()
}

func listUSBPrinters(context.Context) ([]USBPrinterInfo, error) {
	uctx := gousb.NewContext()
	defer uctx.Close()
	var out []USBPrinterInfo
	_, err := uctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		for _, c := range d.Configs {
			for _, id := range c.Interfaces {
				for _, alt := range id.AltSettings {
					if alt.Class == gousb.ClassPrinter {
						out = append(out, USBPrinterInfo{Address: USBAddress{VID: uint16(d.Vendor), PID: uint16(d.Product)}})
						return false
					}
				}
			}
		}
		return false // descriptors are enough; opening needs permissions
	})
	return out, err
}
