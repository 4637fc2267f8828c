package printer

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
)

// Found is a printer this computer can reach, as a URI Open takes.
type Found struct {
	URI  string `json:"uri"`
	Kind string `json:"kind"` // "cups", "device", "usb", "spool"
	// Detail is what else is known: the queue's state, the product.
	Detail string `json:"detail,omitempty"`
}

// devNodes is the glob for Linux usblp device nodes; tests point it
// elsewhere.
var devNodes = "/dev/usb/lp*"

// Discover lists the printers the OS offers: CUPS queues, usblp device
// nodes, USB printer-class devices (cgo builds) and Windows printers. A
// source that fails is reported in problems; the others still list.
func Discover(ctx context.Context) (found []Found, problems []error) {
	if qs, err := CUPSQueues(ctx); err != nil {
		problems = append(problems, fmt.Errorf("CUPS queues: %w", err))
	} else {
		for _, q := range qs {
			f := Found{URI: "cups://" + q, Kind: "cups"}
			if st, err := NewCUPS(q, false).Status(ctx); err == nil {
				f.Detail = st.Message()
			}
			found = append(found, f)
		}
	}
	if runtime.GOOS != "windows" {
		nodes, _ := filepath.Glob(devNodes)
		for _, n := range nodes {
			found = append(found, Found{URI: "dev://" + filepath.ToSlash(n), Kind: "device"})
		}
	}
	if us, err := ListUSBPrinters(ctx); err != nil {
		problems = append(problems, fmt.Errorf("USB printers: %w", err))
	} else {
		for _, u := range us {
			found = append(found, Found{URI: u.Address.String(), Kind: "usb", Detail: u.Product})
		}
	}
	if ws, err := ListSpoolPrinters(ctx); err != nil {
		problems = append(problems, fmt.Errorf("Windows printers: %w", err))
	} else {
		for _, w := range ws {
			found = append(found, Found{URI: "spool://" + w, Kind: "spool"})
		}
	}
	return found, problems
}
