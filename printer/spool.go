package printer

import (
	"fmt"
	"net/url"
	"strings"
)

// spoolName is the Windows printer name in spool://NAME. Names often
// have spaces ("ZDesigner ZD421-203dpi ZPL"): write them as typed or
// %20-escaped. spool://SERVER/QUEUE names a shared printer, \\SERVER\QUEUE.
func spoolName(raw string) (string, error) {
	name := raw[len("spool://"):]
	if u, err := url.PathUnescape(name); err == nil {
		name = u
	}
	name = strings.Trim(name, "/")
	if name == "" || strings.Contains(name, "?") {
		return "", fmt.Errorf("printer address %q: write it as spool://NAME with the printer's name in Windows Settings > Printers, e.g. spool://ZDesigner%%20ZD421-203dpi%%20ZPL (no options): %s", raw, acceptedForms)
	}
	if strings.Contains(name, "/") {
		server, queue, _ := strings.Cut(name, "/")
		name = `\\` + server + `\` + queue
	}
	return name, nil
}
