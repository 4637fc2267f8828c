//go:build !cgo || !(linux || darwin)

package printer

import (
	"context"
	"errors"
)

// errUSBNeedsCgo: gousb is libusb through cgo, which this build lacks.
var errUSBNeedsCgo = errors.New("USB printing needs the cgo build on Linux/macOS: on this build use dev:///dev/usb/lp0 (Linux), cups://QUEUE, or spool://NAME (Windows)")

func openUSBLink(addr USBAddress) (link, error) {
	return nil, &Error{Printer: addr.String(), Msg: addr.String() + ": " + errUSBNeedsCgo.Error(), Err: errUSBNeedsCgo}
}

func listUSBPrinters(context.Context) ([]USBPrinterInfo, error) { return nil, nil }
