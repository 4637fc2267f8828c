package scale

import (
	"strings"
	"testing"
	"time"
)

func TestOpenSim(t *testing.T) {
	s, err := Open("sim://?weight=1,25kg&noise=2g&settle=400ms&interval=50ms&resolution=0.5g&seed=42")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sim, ok := s.(*Sim)
	if !ok {
		t.Fatalf("Open = %T, want *Sim", s)
	}
	want := SimOptions{Weight: 1250, Noise: 2, Settle: 400 * time.Millisecond, Interval: 50 * time.Millisecond, Resolution: 0.5, Seed: 42}
	if got := sim.Options(); got != want {
		t.Fatalf("options = %+v, want %+v", got, want)
	}

	def, err := Open("sim://")
	if err != nil {
		t.Fatal(err)
	}
	got := def.(*Sim).Options()
	if got.Weight != 0 || got.Noise != 1 || got.Settle != 300*time.Millisecond || got.Interval != 100*time.Millisecond || got.Resolution != 1 || got.Seed != 0 {
		t.Fatalf("defaults = %+v", got)
	}
	if quiet, _ := Open("sim://?noise=0g&settle=0s&weight=850g"); quiet.(*Sim).Options().Noise != 0 || quiet.(*Sim).Options().Settle != 0 {
		t.Fatalf("noise=0g settle=0s gave %+v", quiet.(*Sim).Options())
	}
}

func TestOpenRejects(t *testing.T) {
	for _, tc := range []struct{ uri, says string }{
		{"", "no scale address"},
		{"serial:///dev/ttyUSB0?protocol=mt-sics", `unknown scale protocol "mt-sics": use one of sics, nci, cas, continuous`},
		{"serial://?protocol=sics", "names no port"},
		{"serial:///dev/ttyUSB0?parity=X", "use N (none), E (even) or O (odd)"},
		{"serial:///dev/ttyUSB0?databits=6", "scales use 7 or 8"},
		{"serial:///dev/ttyUSB0?baud=fast", "not a whole number"},
		{"serial:///dev/ttyUSB0?protocol=continuous&pattern=(", "not a regular expression"},
		{"serial:///dev/ttyUSB0?protocol=continuous&pattern=[0-9]+", "needs a group named weight"},
		{"serial:///dev/ttyUSB0?bawd=9600", `unknown option "bawd"`},
		{"usb://0922:8003", `"usb" scales are not supported`},
		{"/dev/ttyUSB0", "no scheme"},
		{"sim://?weight=1.25", "no unit"},
		{"sim://?weight=-1kg", "negative"},
		{"sim://?settle=fast", "not a positive duration"},
		{"sim://?interval=0s", "not a positive duration"},
		{"sim://?resolution=0g", "more than 0 g"},
		{"sim://?seed=-1", "not a whole number"},
		{"sim://?wieght=1kg", `unknown option "wieght"`},
		{"sim://bench-3", "takes only options"},
	} {
		s, err := Open(tc.uri)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", tc.uri)
			continue
		}
		if !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Open(%q) = %q, want it to say %q", tc.uri, err, tc.says)
		}
		if strings.Contains(tc.says, "not supported") && !strings.Contains(err.Error(), "sim://") {
			t.Errorf("Open(%q) = %q does not list what is supported", tc.uri, err)
		}
	}
}

func TestParseSerialURIDefaultsPerProtocol(t *testing.T) {
	for _, tc := range []struct {
		uri      string
		port     string
		protocol string
		mode     string
	}{
		{"serial:///dev/ttyUSB0", "/dev/ttyUSB0", "sics", "9600 8N1"},
		{"serial:///dev/ttyUSB0?protocol=nci", "/dev/ttyUSB0", "nci", "9600 7E1"},
		{"serial:///dev/ttyS1?protocol=nci&databits=8&parity=N&baud=4800", "/dev/ttyS1", "nci", "4800 8N1"},
		{"serial://COM3?protocol=cas", "COM3", "cas", "9600 8N1"},
		{"serial:///dev/ttyUSB0?protocol=continuous&baud=2400&stopbits=2&parity=even", "/dev/ttyUSB0", "continuous", "2400 8E2"},
	} {
		o, err := ParseSerialURI(tc.uri)
		if err != nil {
			t.Errorf("%s: %v", tc.uri, err)
			continue
		}
		d, _, err := o.withDefaults()
		if err != nil || d.Port != tc.port || d.Protocol != tc.protocol || d.modeText() != tc.mode {
			t.Errorf("%s: port %q protocol %q mode %q (%v); want %q %q %q", tc.uri, d.Port, d.Protocol, d.modeText(), err, tc.port, tc.protocol, tc.mode)
		}
		back, err := ParseSerialURI(SerialURI(o))
		bd, _, _ := back.withDefaults()
		if err != nil || bd != d {
			t.Errorf("%s: SerialURI round trip gave %q → %+v (%v)", tc.uri, SerialURI(o), back, err)
		}
	}
}
