package printer

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// acceptedForms is appended to every URI error so the person typing the
// setting sees what would work.
const acceptedForms = "write it as tcp://host:9100 (a network printer; port 9100 is the default) " +
	"or file:///dir (save each label as a file in that folder)"

// Open returns the printer a URI names:
//
//	tcp://10.0.0.5            raw TCP, port 9100
//	tcp://zebra-3:9101?connect_timeout=3s&write_timeout=10s
//	file:///var/tmp/labels    one file per job in that folder (created if missing)
//
// tcp options: connect_timeout (default 3s) bounds the dial;
// write_timeout (default 10s) is the longest the printer may stop taking
// data during a job. Unknown options are an error, so a typo is not
// silently ignored.
func Open(uri string) (Printer, error) {
	raw := strings.TrimSpace(uri)
	if raw == "" {
		return nil, fmt.Errorf("no printer address is set: %s", acceptedForms)
	}
	if !strings.Contains(raw, "://") && !strings.HasPrefix(strings.ToLower(raw), "file:") {
		return nil, fmt.Errorf("printer address %q has no scheme (did you mean tcp://%s?): %s", raw, raw, acceptedForms)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("printer address %q is not a valid URI (%v): %s", raw, err, acceptedForms)
	}
	switch strings.ToLower(u.Scheme) {
	case "tcp":
		return openTCP(raw, u)
	case "file":
		return openFile(raw, u)
	default:
		return nil, fmt.Errorf("printer address %q: %q printers are not supported: %s", raw, u.Scheme, acceptedForms)
	}
}

func openTCP(raw string, u *url.URL) (Printer, error) {
	if u.Opaque != "" || u.Host == "" {
		return nil, fmt.Errorf("printer address %q has no host: %s", raw, acceptedForms)
	}
	if u.User != nil {
		return nil, fmt.Errorf("printer address %q: raw TCP printing takes no user name or password: %s", raw, acceptedForms)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("printer address %q: raw TCP printing takes no path (%q): %s", raw, u.Path, acceptedForms)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return nil, fmt.Errorf("printer address %q has no host: %s", raw, acceptedForms)
	}
	if strings.HasSuffix(u.Host, ":") {
		return nil, fmt.Errorf("printer address %q has an empty port: %s", raw, acceptedForms)
	}
	if port == "" {
		port = DefaultPort
	}
	if p, err := net.LookupPort("tcp", port); err != nil || p <= 0 || p > 65535 {
		return nil, fmt.Errorf("printer address %q: port %q is not a TCP port number: %s", raw, port, acceptedForms)
	}
	opts := TCPOptions{}
	for key, vals := range u.Query() {
		val := ""
		if len(vals) > 0 {
			val = vals[len(vals)-1]
		}
		switch key {
		case "connect_timeout", "write_timeout":
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("printer address %q: %s=%q is not a positive duration: write it like %s=3s", raw, key, val, key)
			}
			if key == "connect_timeout" {
				opts.ConnectTimeout = d
			} else {
				opts.WriteTimeout = d
			}
		default:
			return nil, fmt.Errorf("printer address %q: unknown option %q: tcp printers take connect_timeout and write_timeout, e.g. tcp://host:9100?connect_timeout=3s&write_timeout=10s", raw, key)
		}
	}
	return NewTCP(net.JoinHostPort(host, port), opts), nil
}

func openFile(raw string, u *url.URL) (Printer, error) {
	if u.Opaque != "" {
		return nil, fmt.Errorf("printer address %q: the folder must be an absolute path after file:// (three slashes in all): %s", raw, acceptedForms)
	}
	if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		return nil, fmt.Errorf("printer address %q: %q is read as a host, not a folder; use three slashes for an absolute folder (file:///%s%s): %s", raw, u.Host, u.Host, u.Path, acceptedForms)
	}
	if len(u.Query()) > 0 {
		return nil, fmt.Errorf("printer address %q: file printers take no options: %s", raw, acceptedForms)
	}
	dir := u.Path
	// file:///C:/labels parses to the path "/C:/labels"; the drive letter
	// is the real start of a Windows path.
	if runtime.GOOS == "windows" && len(dir) >= 3 && dir[0] == '/' && dir[2] == ':' {
		dir = dir[1:]
	}
	dir = filepath.FromSlash(dir)
	if dir == "" || !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("printer address %q has no absolute folder: %s", raw, acceptedForms)
	}
	return NewFile(dir)
}
