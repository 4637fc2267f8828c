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
const acceptedForms = "write it as tcp://host:9100 (a network printer; port 9100 is the default), " +
	"usb://VID:PID[/serial] (a USB printer), dev:///dev/usb/lp0 (a device node), cups://QUEUE (a raw CUPS queue), " +
	"spool://NAME (a Windows printer), file:///dir (save each label as a file in that folder) or pdf:///dir (save PDF labels)"

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
	// usb://0a5f:00d1 and spool://ZDesigner ZD421 are not URLs Go parses
	// (a hex "port", spaces in the "host"), so they are read by hand.
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "usb://"):
		return openUSB(raw)
	case strings.HasPrefix(lower, "spool://"):
		return openSpool(raw)
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
	case "pdf":
		return openPDF(raw, u)
	case "dev":
		return openDevice(raw, u)
	case "cups":
		return openCUPS(raw, u)
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
	opts := TCPOptions{CheckStatus: true}
	for key, vals := range u.Query() {
		val := ""
		if len(vals) > 0 {
			val = vals[len(vals)-1]
		}
		switch key {
		case "connect_timeout", "write_timeout", "status_timeout":
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("printer address %q: %s=%q is not a positive duration: write it like %s=3s", raw, key, val, key)
			}
			switch key {
			case "connect_timeout":
				opts.ConnectTimeout = d
			case "write_timeout":
				opts.WriteTimeout = d
			default:
				opts.StatusTimeout = d
			}
		case "status":
			on, err := onOff(val)
			if err != nil {
				return nil, fmt.Errorf("printer address %q: status=%q: %v", raw, val, err)
			}
			opts.CheckStatus = on
		default:
			return nil, fmt.Errorf("printer address %q: unknown option %q: tcp printers take connect_timeout, write_timeout, status_timeout and status, e.g. tcp://host:9100?connect_timeout=3s&write_timeout=10s", raw, key)
		}
	}
	return NewTCP(net.JoinHostPort(host, port), opts), nil
}

// onOff reads a yes/no option value.
func onOff(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "1", "true", "yes":
		return true, nil
	case "off", "0", "false", "no":
		return false, nil
	}
	return false, fmt.Errorf("write on or off")
}

func openFile(raw string, u *url.URL) (Printer, error) {
	if len(u.Query()) > 0 {
		return nil, fmt.Errorf("printer address %q: file printers take no options: %s", raw, acceptedForms)
	}
	dir, err := localPath(raw, u, "folder")
	if err != nil {
		return nil, err
	}
	return NewFile(dir)
}

// localPath is the absolute path of a file:, pdf: or dev: URI.
func localPath(raw string, u *url.URL, what string) (string, error) {
	if u.Opaque != "" {
		return "", fmt.Errorf("printer address %q: the %s must be an absolute path after %s:// (three slashes in all): %s", raw, what, u.Scheme, acceptedForms)
	}
	if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		return "", fmt.Errorf("printer address %q: %q is read as a host, not a %s; use three slashes for an absolute %s (%s:///%s%s): %s", raw, u.Host, what, what, u.Scheme, u.Host, u.Path, acceptedForms)
	}
	dir := u.Path
	// file:///C:/labels parses to the path "/C:/labels"; the drive letter
	// is the real start of a Windows path.
	if runtime.GOOS == "windows" && len(dir) >= 3 && dir[0] == '/' && dir[2] == ':' {
		dir = dir[1:]
	}
	dir = filepath.FromSlash(dir)
	if dir == "" || !filepath.IsAbs(dir) {
		return "", fmt.Errorf("printer address %q has no absolute %s: %s", raw, what, acceptedForms)
	}
	return dir, nil
}

// statusOptions reads the status and status_timeout options, the only
// ones printers other than tcp take; anything else is an error.
func statusOptions(raw string, u *url.URL) (check bool, timeout time.Duration, err error) {
	check = true
	for key, vals := range u.Query() {
		val := vals[len(vals)-1]
		switch key {
		case "status":
			if check, err = onOff(val); err != nil {
				return false, 0, fmt.Errorf("printer address %q: status=%q: %v", raw, val, err)
			}
		case "status_timeout":
			if timeout, err = time.ParseDuration(val); err != nil || timeout <= 0 {
				return false, 0, fmt.Errorf("printer address %q: status_timeout=%q is not a positive duration: write it like status_timeout=2s", raw, val)
			}
		default:
			return false, 0, fmt.Errorf("printer address %q: unknown option %q: %s printers take status=on|off and status_timeout", raw, key, u.Scheme)
		}
	}
	return check, timeout, nil
}

func openDevice(raw string, u *url.URL) (Printer, error) {
	path, err := localPath(raw, u, "device path")
	if err != nil {
		return nil, err
	}
	check, timeout, err := statusOptions(raw, u)
	if err != nil {
		return nil, err
	}
	return NewDevice(path, check, timeout), nil
}
