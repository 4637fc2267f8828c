package scale

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// supported lists the scale URIs this build understands, for errors.
const supported = "supported now: sim:// (a simulated scale, e.g. sim://?weight=1.25kg)"

// Open returns the scale a URI names. For now that is the simulator:
//
//	sim://?weight=1.25kg&noise=1g&settle=300ms&interval=100ms&resolution=1g&seed=42
//
// Every option may be left out (see SimOptions for the defaults). Weights
// take a unit and accept a decimal comma (1,25kg). Unknown options are an
// error, so a typo is not silently ignored.
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
