package scale

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// supported lists the scale URIs this build understands, for errors.
const supported = "supported: serial:///dev/ttyUSB0?protocol=sics|nci|cas|continuous (a serial scale), " +
	"usbhid://VID:PID or hidraw:///dev/hidraw0 (a USB scale), sim://?weight=1.25kg (a simulated scale)"

// Open returns the scale a URI names:
//
//	serial:///dev/ttyUSB0?protocol=sics&baud=9600&parity=N&databits=8&stopbits=1
//	serial://COM3?protocol=nci                      (Windows)
//	usbhid://0922:8003                              (a USB HID POS scale by vendor:product)
//	hidraw:///dev/hidraw0                           (Linux, without libusb)
//	sim://?weight=1.25kg&noise=1g&settle=300ms&interval=100ms&resolution=1g&seed=42
//
// Serial options: protocol (sics, nci, cas, continuous; default sics),
// baud, parity (N, E, O), databits (7, 8), stopbits (1, 2) — each
// defaulting to the protocol's factory setting (9600 8N1; NCI 9600 7E1)
// — and poll, timeout, retry (durations); for continuous output also
// checksum (1: Toledo frames carry one), pattern (a regular expression
// with a group named weight) and unit (for lines that name none).
//
// Every option may be left out. Weights take a unit and accept a decimal
// comma (1,25kg). Unknown options are an error, so a typo is not silently
// ignored.
func Open(uri string) (Scale, error) {
	raw := strings.TrimSpace(uri)
	if raw == "" {
		return nil, fmt.Errorf("no scale address is set: %s", supported)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("scale address %q is not a valid URI (%v): %s", raw, err, supported)
	}
	switch strings.ToLower(u.Scheme) {
	case "sim":
		return openSim(raw, u)
	case "serial":
		opts, err := ParseSerialURI(raw)
		if err != nil {
			return nil, err
		}
		return OpenSerial(opts)
	case "usbhid", "hidraw":
		return openHIDURI(raw, u)
	case "":
		return nil, fmt.Errorf("scale address %q has no scheme: %s", raw, supported)
	default:
		return nil, fmt.Errorf("scale address %q: %q scales are not supported: %s", raw, u.Scheme, supported)
	}
}

func openSim(raw string, u *url.URL) (Scale, error) {
	if u.Host != "" || u.Opaque != "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("scale address %q: the simulator takes only options, like sim://?weight=1.25kg", raw)
	}
	var opts SimOptions
	for key, vals := range u.Query() {
		val := ""
		if len(vals) > 0 {
			val = vals[len(vals)-1]
		}
		bad := func(err error) error {
			return fmt.Errorf("scale address %q: %s: %v", raw, key, err)
		}
		switch key {
		case "weight", "noise", "resolution":
			g, err := parseGrams(val)
			if err != nil {
				return nil, bad(err)
			}
			switch key {
			case "weight":
				opts.Weight = g
			case "noise":
				opts.Noise = g
				if g == 0 {
					opts.Noise = -1 // explicitly noiseless; 0 would mean "default"
				}
			default:
				if g == 0 {
					return nil, bad(fmt.Errorf("resolution must be more than 0 g"))
				}
				opts.Resolution = g
			}
		case "settle", "interval":
			d, err := time.ParseDuration(val)
			if err != nil || d < 0 || (key == "interval" && d == 0) {
				return nil, bad(fmt.Errorf("%q is not a positive duration: write it like %s=300ms", val, key))
			}
			if key == "settle" {
				opts.Settle = d
				if d == 0 {
					opts.Settle = -1 // settles at once; 0 would mean "default"
				}
			} else {
				opts.Interval = d
			}
		case "seed":
			n, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				return nil, bad(fmt.Errorf("%q is not a whole number", val))
			}
			opts.Seed = n
		default:
			return nil, fmt.Errorf("scale address %q: unknown option %q: the simulator takes weight, noise, settle, interval, resolution and seed", raw, key)
		}
	}
	return NewSim(opts), nil
}

// ParseSerialURI reads a serial:// scale address into options.
func ParseSerialURI(raw string) (SerialOptions, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return SerialOptions{}, fmt.Errorf("scale address %q is not a valid URI (%v): %s", raw, err, supported)
	}
	var o SerialOptions
	// serial:///dev/ttyUSB0 has the port in the path, serial://COM3 in
	// the host, serial:COM3 in the opaque part.
	o.Port = firstNonEmpty(u.Path, u.Host, u.Opaque)
	if u.Host != "" && u.Path != "" {
		o.Port = u.Host + u.Path
	}
	if o.Port == "" {
		return o, fmt.Errorf("scale address %q names no port: write it like serial:///dev/ttyUSB0?protocol=sics or serial://COM3?protocol=sics", raw)
	}
	for key, vals := range u.Query() {
		val := strings.TrimSpace(vals[len(vals)-1])
		bad := func(format string, args ...any) error {
			return fmt.Errorf("scale address %q: %s=%s: %s", raw, key, val, fmt.Sprintf(format, args...))
		}
		switch key {
		case "protocol":
			o.Protocol = strings.ToLower(val)
			if _, ok := protocols[o.Protocol]; !ok {
				return o, bad("unknown scale protocol %q: use one of %s", val, ProtocolNames)
			}
		case "baud", "databits", "stopbits":
			n, err := strconv.Atoi(val)
			if err != nil || n <= 0 {
				return o, bad("not a whole number")
			}
			switch key {
			case "baud":
				o.Baud = n
			case "databits":
				o.DataBits = n
			default:
				o.StopBits = n
			}
		case "parity":
			switch strings.ToUpper(val) {
			case "N", "NONE":
				o.Parity = 'N'
			case "E", "EVEN":
				o.Parity = 'E'
			case "O", "ODD":
				o.Parity = 'O'
			default:
				return o, bad("use N (none), E (even) or O (odd)")
			}
		case "poll", "timeout", "retry":
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return o, bad("not a positive duration: write it like %s=500ms", key)
			}
			switch key {
			case "poll":
				o.Poll = d
			case "timeout":
				o.Timeout = d
			default:
				o.Retry = d
			}
		case "checksum":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return o, bad("use 1 or 0")
			}
			o.Checksum = b
		case "pattern":
			o.Pattern = vals[len(vals)-1]
		case "unit":
			o.Unit = val
		default:
			return o, fmt.Errorf("scale address %q: unknown option %q: a serial scale takes protocol, baud, parity, databits, stopbits, poll, timeout, retry, checksum, pattern and unit", raw, key)
		}
	}
	if _, _, err := o.withDefaults(); err != nil {
		return o, fmt.Errorf("scale address %q: %v", raw, err)
	}
	return o, nil
}

// SerialURI is the address of a serial scale with the given options; only
// settings that differ from the protocol's defaults are written.
func SerialURI(o SerialOptions) string {
	d, p, err := SerialOptions{Port: o.Port, Protocol: o.Protocol}.withDefaults()
	if err != nil {
		return ""
	}
	// serial:///dev/ttyUSB0 (the path's own slash makes the third) or
	// serial://COM3.
	return "serial://" + o.Port + "?protocol=" + p.name + serialURIExtras(o, d)
}

func serialURIExtras(o, d SerialOptions) string {
	var b strings.Builder
	if o.Baud != 0 && o.Baud != d.Baud {
		fmt.Fprintf(&b, "&baud=%d", o.Baud)
	}
	if o.Parity != 0 && o.Parity != d.Parity {
		fmt.Fprintf(&b, "&parity=%c", o.Parity)
	}
	if o.DataBits != 0 && o.DataBits != d.DataBits {
		fmt.Fprintf(&b, "&databits=%d", o.DataBits)
	}
	if o.StopBits != 0 && o.StopBits != d.StopBits {
		fmt.Fprintf(&b, "&stopbits=%d", o.StopBits)
	}
	if o.Checksum {
		b.WriteString("&checksum=1")
	}
	return b.String()
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
