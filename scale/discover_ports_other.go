//go:build !linux && !windows && !(darwin && cgo)

package scale

import "go.bug.st/serial"

// serialPorts lists port names only: without cgo (macOS) or on other
// systems the USB ids are not known.
func serialPorts() ([]serialPort, error) {
	names, err := serial.GetPortsList()
	if err != nil {
		return nil, err
	}
	var out []serialPort
	for _, n := range names {
		out = append(out, serialPort{name: n})
	}
	return out, nil
}
