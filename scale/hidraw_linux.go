//go:build linux

package scale

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Linux exposes every HID device as /dev/hidrawN, readable with plain
// file reads: one read is one input report, one write one output report.
// No libusb, no cgo and no kernel driver detaching, so this is the
// fallback when the station is built without cgo, and the way to reach a
// scale whose USB device another program holds open.

func openHidraw(path string, opts HIDOptions) (Scale, error) {
	name := "USB scale on " + path
	if info, ok := hidrawInfo(filepath.Base(path)); ok {
		name = strings.TrimSuffix(hidName(info.vid, info.pid), ")") + ", " + path + ")"
		if _, known := knownScales[[2]uint16{info.vid, info.pid}]; !known {
			name = fmt.Sprintf("USB scale %04x:%04x on %s", info.vid, info.pid, path)
		}
	}
	return newHID(name, func() (hidDevice, error) { return openHidrawDevice(path) }, opts), nil
}

type hidrawDevice struct {
	f   *os.File
	buf [64]byte
}

func openHidrawDevice(path string) (hidDevice, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	switch {
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("USB scale on %s: permission denied: install the udev rule from the README (it lets the station's user read HID scales), then unplug and plug in the scale", path)
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("USB scale on %s is not connected: plug it in (the station connects by itself when it appears)", path)
	case err != nil:
		return nil, fmt.Errorf("USB scale on %s cannot be opened: %v", path, err)
	}
	return &hidrawDevice{f: f}, nil
}

func (d *hidrawDevice) readReport(timeout time.Duration) ([]byte, error) {
	// hidraw supports poll, so a deadline works and Close unblocks a read.
	if err := d.f.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	n, err := d.f.Read(d.buf[:])
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, nil
	}
	if err == nil && n == 0 {
		err = io.EOF
	}
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), d.buf[:n]...), nil
}

func (d *hidrawDevice) writeReport(b []byte) error {
	_, err := d.f.Write(b)
	return err
}

func (d *hidrawDevice) Close() error { return d.f.Close() }

// hidrawDev is one /dev/hidrawN as sysfs describes it.
type hidrawDev struct {
	node     string // hidraw0
	vid, pid uint16
	name     string
	scale    bool // its report descriptor has usage page 0x8D (POS scale)
}

// sysHidraw is where the kernel lists hidraw devices (a variable for tests).
var sysHidraw = "/sys/class/hidraw"

func hidrawInfo(node string) (hidrawDev, bool) {
	dir := filepath.Join(sysHidraw, node, "device")
	ue, err := os.ReadFile(filepath.Join(dir, "uevent"))
	if err != nil {
		return hidrawDev{}, false
	}
	d := hidrawDev{node: node}
	for _, line := range strings.Split(string(ue), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "HID_ID": // bus:vendor:product, e.g. 0003:00000922:00008003
			parts := strings.Split(v, ":")
			if len(parts) == 3 {
				vid, _ := strconv.ParseUint(parts[1], 16, 32)
				pid, _ := strconv.ParseUint(parts[2], 16, 32)
				d.vid, d.pid = uint16(vid), uint16(pid)
			}
		case "HID_NAME":
			d.name = v
		}
	}
	desc, _ := os.ReadFile(filepath.Join(dir, "report_descriptor"))
	d.scale = hasScaleUsagePage(desc)
	return d, true
}

// hasScaleUsagePage looks for a Usage Page (0x8D, POS scale) item in a
// HID report descriptor: 05 8D, or 06 8D 00.
func hasScaleUsagePage(desc []byte) bool {
	return bytes.Contains(desc, []byte{0x05, 0x8d}) || bytes.Contains(desc, []byte{0x06, 0x8d, 0x00})
}

// hidrawDevices lists /dev/hidraw* with what sysfs says of them.
func hidrawDevices() []hidrawDev {
	entries, _ := os.ReadDir(sysHidraw)
	var out []hidrawDev
	for _, e := range entries {
		if d, ok := hidrawInfo(e.Name()); ok {
			out = append(out, d)
		}
	}
	return out
}

// hidrawFor finds the hidraw node of a USB scale by vendor and product.
func hidrawFor(vid, pid uint16) (string, bool) {
	for _, d := range hidrawDevices() {
		if d.vid == vid && d.pid == pid {
			return "/dev/" + d.node, true
		}
	}
	return "", false
}
