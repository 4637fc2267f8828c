//go:build !windows

package printer

import (
	"context"
	"errors"
)

var errSpoolWindowsOnly = errors.New("spool://NAME prints through the Windows spooler and works on Windows only: here use cups://QUEUE, usb://VID:PID or tcp://HOST")

func openSpool(raw string) (Printer, error) {
	if _, err := spoolName(raw); err != nil {
		return nil, err
	}
	return nil, &Error{Printer: raw, Msg: "printer address " + raw + ": " + errSpoolWindowsOnly.Error(), Err: errSpoolWindowsOnly}
}

// ListSpoolPrinters lists the Windows printers (none here).
func ListSpoolPrinters(context.Context) ([]string, error) { return nil, nil }
