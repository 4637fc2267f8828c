//go:build linux && cgo

package scale

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/gousb"
)

// On Linux with cgo, usbhid://VID:PID talks to the scale through libusb
// (gousb): the kernel's usbhid driver is detached from the interface
// while the station holds it and attached again on close.

func openUSBHID(vid, pid uint16, opts HIDOptions) (Scale, error) {
	return newHID(hidName(vid, pid), func() (hidDevice, error) { return openGousb(vid, pid) }, opts), nil
}

type gousbDevice struct {
	ctx   *gousb.Context
	dev   *gousb.Device
	done  func()
	in    *gousb.InEndpoint
	iface uint16
	buf   []byte
}

func openGousb(vid, pid uint16) (hidDevice, error) {
	name := hidName(vid, pid)
	ctx := gousb.NewContext()
	dev, err := ctx.OpenDeviceWithVIDPID(gousb.ID(vid), gousb.ID(pid))
	if err != nil || dev == nil {
		ctx.Close()
		if errors.Is(err, gousb.ErrorAccess) {
			return nil, fmt.Errorf("%s: permission denied: install the udev rule from the README, then unplug and plug in the scale", name)
		}
		if err == nil {
			return nil, fmt.Errorf("%s is not connected: plug it in (the station connects by itself when it appears)", name)
		}
		return nil, fmt.Errorf("%s cannot be opened: %v", name, err)
	}
	fail := func(err error) (hidDevice, error) {
		dev.Close()
		ctx.Close()
		return nil, fmt.Errorf("%s cannot be opened: %v", name, err)
	}
	if err := dev.SetAutoDetach(true); err != nil {
		return fail(err)
	}
	intf, done, err := dev.DefaultInterface()
	if err != nil {
		return fail(err)
	}
	d := &gousbDevice{ctx: ctx, dev: dev, done: done, iface: uint16(intf.Setting.Number)}
	for _, ep := range intf.Setting.Endpoints {
		if ep.Direction == gousb.EndpointDirectionIn && ep.TransferType == gousb.TransferTypeInterrupt {
			if d.in, err = intf.InEndpoint(ep.Number); err != nil {
				done()
				return fail(err)
			}
			d.buf = make([]byte, max(ep.MaxPacketSize, 8))
			break
		}
	}
	if d.in == nil {
		done()
		return fail(errors.New("it has no interrupt-in endpoint: it is not a HID scale"))
	}
	return d, nil
}

func (d *gousbDevice) readReport(timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	n, err := d.in.ReadContext(ctx, d.buf)
	if err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, gousb.TransferTimedOut) || errors.Is(err, gousb.TransferCancelled)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), d.buf[:n]...), nil
}

// writeReport sends a HID SET_REPORT (output report) on the control pipe.
func (d *gousbDevice) writeReport(b []byte) error {
	_, err := d.dev.Control(0x21, 0x09, 0x0200|uint16(b[0]), d.iface, b)
	return err
}

func (d *gousbDevice) Close() error {
	d.done()
	d.dev.Close()
	return d.ctx.Close()
}
