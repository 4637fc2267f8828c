//go:build !linux

package scale

import (
	"errors"
	"fmt"
)

// On Windows and macOS the OS keeps HID devices to itself, so libusb
// cannot claim a scale, and there is no hidraw. Reading USB HID scales
// there needs the OS's HID API (hidapi, through a cgo binding such as
// github.com/sstallion/go-hid); this build does not have it.

var errNoHID = errors.New("USB HID scales are read on Linux only in this build; on Windows and macOS connect a serial scale, or type the weight")

func openUSBHID(vid, pid uint16, opts HIDOptions) (Scale, error) {
	return nil, fmt.Errorf("%s: %w", hidName(vid, pid), errNoHID)
}

func openHidraw(path string, opts HIDOptions) (Scale, error) {
	return nil, fmt.Errorf("hidraw:// (%s) is a Linux device: %w", path, errNoHID)
}

type hidrawDev struct {
	node     string
	vid, pid uint16
	name     string
	scale    bool
}

func hidrawDevices() []hidrawDev { return nil }
