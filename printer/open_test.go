package printer

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenTCP(t *testing.T) {
	for _, tc := range []struct {
		uri            string
		addr           string
		connect, write time.Duration
	}{
		{"tcp://10.0.0.5", "10.0.0.5:9100", 3 * time.Second, 10 * time.Second},
		{"tcp://10.0.0.5:9101", "10.0.0.5:9101", 3 * time.Second, 10 * time.Second},
		{"TCP://zebra-3.local/", "zebra-3.local:9100", 3 * time.Second, 10 * time.Second},
		{"tcp://[fe80::1]:9100?connect_timeout=1500ms&write_timeout=30s", "[fe80::1]:9100", 1500 * time.Millisecond, 30 * time.Second},
		{"  tcp://printer?write_timeout=2s  ", "printer:9100", 3 * time.Second, 2 * time.Second},
	} {
		p, err := Open(tc.uri)
		if err != nil {
			t.Errorf("Open(%q): %v", tc.uri, err)
			continue
		}
		tp, ok := p.(*TCP)
		if !ok {
			t.Errorf("Open(%q) = %T, want *TCP", tc.uri, p)
			continue
		}
		if tp.Addr() != tc.addr || tp.opts.ConnectTimeout != tc.connect || tp.opts.WriteTimeout != tc.write {
			t.Errorf("Open(%q) = %s connect %s write %s, want %s %s %s", tc.uri, tp.Addr(), tp.opts.ConnectTimeout, tp.opts.WriteTimeout, tc.addr, tc.connect, tc.write)
		}
		if tp.String() != "tcp://"+tc.addr {
			t.Errorf("String() = %q", tp.String())
		}
	}
}

func TestOpenFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "labels", "preview")
	p, err := Open("file://" + filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	fp, ok := p.(*File)
	if !ok || fp.Dir() != dir {
		t.Fatalf("Open = %T %v, want *File in %s", p, p, dir)
	}
	if _, err := Open("file://localhost" + filepath.ToSlash(dir)); err != nil {
		t.Errorf("file://localhost/…: %v", err)
	}
}

func TestOpenRejectsBadURIsNamingAcceptedForms(t *testing.T) {
	for _, tc := range []struct{ uri, says string }{
		{"", "no printer address"},
		{"10.0.0.5:9100", "did you mean tcp://10.0.0.5:9100?"},
		{"10.0.0.5", "no scheme"},
		{"lpd://zebra", `"lpd" printers are not supported`},
		{"tcp://", "no host"},
		{"tcp://:9100", "no host"},
		{"tcp://host:", "empty port"},
		{"tcp://host:99999", "not a TCP port"},
		{"tcp://host:abc", "host:abc"},
		{"tcp://host/queue", "no path"},
		{"tcp://user:pw@host", "no user name"},
		{"tcp://host?connect_timeout=3", "not a positive duration"},
		{"tcp://host?write_timeout=-1s", "not a positive duration"},
		{"tcp://host?timeout=3s", `unknown option "timeout"`},
		{"file:labels", "absolute path"},
		{"file://labels", `"labels" is read as a host`},
		{"file:///tmp/x?y=1", "take no options"},
		{"tcp://[::1", "not a valid URI"},
		{"://x", "not a valid URI"},
	} {
		p, err := Open(tc.uri)
		if err == nil {
			p.Close()
			t.Errorf("Open(%q) succeeded", tc.uri)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.says) {
			t.Errorf("Open(%q) = %q, want it to say %q", tc.uri, msg, tc.says)
		}
		if !strings.Contains(msg, "tcp://host") {
			t.Errorf("Open(%q) = %q does not show the accepted forms", tc.uri, msg)
		}
	}
}

func TestOpenOtherTransports(t *testing.T) {
	dir := filepath.ToSlash(t.TempDir())
	for uri, want := range map[string]string{
		"usb://0a5f:0166":                      "usb://0a5f:0166",
		"USB://0A5F:00D1/XXZ221400123":         "usb://0a5f:00d1/XXZ221400123",
		"usb://0a5f:0166?status=off":           "usb://0a5f:0166",
		"dev:///dev/usb/lp0":                   "dev:///dev/usb/lp0",
		"dev:///dev/usb/lp1?status_timeout=1s": "dev:///dev/usb/lp1",
		"cups://zebra_gk420":                   "cups://zebra_gk420",
		"pdf://" + dir:                         "pdf://" + dir,
	} {
		p, err := Open(uri)
		if err != nil {
			t.Errorf("Open(%q): %v", uri, err)
			continue
		}
		if p.String() != want {
			t.Errorf("Open(%q).String() = %q, want %q", uri, p.String(), want)
		}
		p.Close()
	}
	for uri, says := range map[string]string{
		"usb://zebra":               "no VID:PID",
		"usb://0a5f:16":             "4-digit hex",
		"usb://0a5f:0166?timeout=1": `unknown option "timeout"`,
		"dev://lp0":                 `"lp0" is read as a host`,
		"dev:///dev/usb/lp0?x=1":    `unknown option "x"`,
		"cups://":                   "cups://QUEUE",
		"cups://zebra?status=maybe": "write on or off",
		"spool://":                  "spool://NAME",
	} {
		if p, err := Open(uri); err == nil {
			p.Close()
			t.Errorf("Open(%q) succeeded", uri)
		} else if !strings.Contains(err.Error(), says) {
			t.Errorf("Open(%q) = %v, want it to say %q", uri, err, says)
		}
	}
}

func TestParseUSBAddress(t *testing.T) {
	a, err := ParseUSBAddress("usb://0a5f:0166/XXZ%20221")
	if err != nil || a != (USBAddress{VID: 0x0a5f, PID: 0x0166, Serial: "XXZ 221"}) {
		t.Fatalf("got %+v, %v", a, err)
	}
}
