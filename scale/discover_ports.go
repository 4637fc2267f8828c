//go:build linux || windows || (darwin && cgo)

package scale

import "go.bug.st/serial/enumerator"

// serialPorts lists ports with their USB ids (the enumerator needs cgo
// on macOS).
func serialPorts() ([]serialPort, error) {
	list, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, err
	}
	var out []serialPort
	for _, p := range list {
		sp := serialPort{name: p.Name}
		if p.IsUSB {
			sp.vid, sp.pid, sp.product = p.VID, p.PID, p.Product
		}
		out = append(out, sp)
	}
	return out, nil
}
