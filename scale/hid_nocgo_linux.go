//go:build linux && !cgo

package scale

import "fmt"

// Without cgo there is no libusb: usbhid://VID:PID finds the scale's
// /dev/hidrawN and reads that instead.

func openUSBHID(vid, pid uint16, opts HIDOptions) (Scale, error) {
	path, ok := hidrawFor(vid, pid)
	if !ok {
		return nil, fmt.Errorf("%s is not connected (no /dev/hidraw device has that id; this build has no libusb): plug it in, or use hidraw:///dev/hidrawN", hidName(vid, pid))
	}
	return openHidraw(path, opts)
}
