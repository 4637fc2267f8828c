//go:build windows

package printer

import (
	"context"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Spool prints through the Windows spooler (spool://NAME) in RAW mode: the
// job's bytes reach the printer untouched by the driver, as ZPL must. The
// spooler tells whether the queue is paused, offline or in error (from
// the driver's port monitor), not the printer's own ~HS state.
type Spool struct {
	name        string
	checkStatus bool
}

var (
	winspool             = windows.NewLazySystemDLL("winspool.drv")
	procOpenPrinterW     = winspool.NewProc("OpenPrinterW")
	procClosePrinter     = winspool.NewProc("ClosePrinter")
	procStartDocPrinterW = winspool.NewProc("StartDocPrinterW")
	procEndDocPrinter    = winspool.NewProc("EndDocPrinter")
	procStartPagePrinter = winspool.NewProc("StartPagePrinter")
	procEndPagePrinter   = winspool.NewProc("EndPagePrinter")
	procWritePrinter     = winspool.NewProc("WritePrinter")
	procGetPrinterW      = winspool.NewProc("GetPrinterW")
	procEnumPrintersW    = winspool.NewProc("EnumPrintersW")
	procAbortPrinter     = winspool.NewProc("AbortPrinter")
)

// Spooler printer status bits (PRINTER_INFO_2.Status) and attribute.
const (
	printerStatusPaused       = 0x00000001
	printerStatusError        = 0x00000002
	printerStatusPaperJam     = 0x00000008
	printerStatusPaperOut     = 0x00000010
	printerStatusOffline      = 0x00000080
	printerStatusNotAvailable = 0x00001000
	printerStatusDoorOpen     = 0x00400000
	printerAttributeOffline   = 0x00000400 // "Use printer offline"
	printerEnumLocal          = 0x00000002
	printerEnumConnections    = 0x00000004
)

type docInfo1 struct {
	docName    *uint16
	outputFile *uint16
	datatype   *uint16
}

// printerInfo2 is PRINTER_INFO_2W.
type printerInfo2 struct {
	serverName, printerName, shareName, portName, driverName, comment, location *uint16
	devMode                                                                     uintptr
	sepFile, printProcessor, datatype, parameters                               *uint16
	securityDescriptor                                                          uintptr
	attributes, priority, defaultPriority, startTime, untilTime                 uint32
	status, jobs, averagePPM                                                    uint32
}

// printerInfo4 is PRINTER_INFO_4W.
type printerInfo4 struct {
	printerName, serverName *uint16
	attributes              uint32
}

func openSpool(raw string) (Printer, error) {
	name, err := spoolName(raw)
	if err != nil {
		return nil, err
	}
	return &Spool{name: name, checkStatus: true}, nil
}

func (s *Spool) String() string { return "spool://" + s.name }

// Close has nothing to release: each job opens the printer.
func (s *Spool) Close() error { return nil }

func (s *Spool) open() (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString(s.name)
	if err != nil {
		return 0, err
	}
	var h windows.Handle
	if r, _, e := procOpenPrinterW.Call(uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(&h)), 0); r == 0 {
		return 0, &Error{Printer: s.String(), Err: e, Msg: fmt.Sprintf("Windows has no printer named %q (%v): use the exact name from Settings > Printers & scanners ('labelstation printer list' shows them)", s.name, e)}
	}
	return h, nil
}

// Print spools the job as one RAW document. A nil error means the
// spooler took every byte; the printer prints it when the queue gets to it.
func (s *Spool) Print(ctx context.Context, job Job) error {
	if len(job.Data) == 0 {
		return fmt.Errorf("label %q has no data: nothing was sent to printer %s; book or render the label again", job.Name, s)
	}
	if err := ctx.Err(); err != nil {
		return &Error{Printer: s.String(), Job: job.Name, Err: err, Msg: fmt.Sprintf("printing label %q on %s was given up before it was sent; nothing was printed", job.Name, s)}
	}
	if s.checkStatus {
		st, err := s.Status(ctx)
		if err != nil {
			return err
		}
		if !st.Ready() {
			return notReady(s.String(), job, st, 0)
		}
	}
	h, err := s.open()
	if err != nil {
		return err
	}
	defer procClosePrinter.Call(uintptr(h))
	docName, _ := windows.UTF16PtrFromString(job.Name)
	raw, _ := windows.UTF16PtrFromString("RAW")
	di := docInfo1{docName: docName, datatype: raw}
	if r, _, e := procStartDocPrinterW.Call(uintptr(h), 1, uintptr(unsafe.Pointer(&di))); r == 0 {
		return &Error{Printer: s.String(), Job: job.Name, Err: e, Msg: fmt.Sprintf("the Windows spooler refused label %q for %s (%v); nothing was printed: check the printer in Settings > Printers & scanners", job.Name, s, e)}
	}
	procStartPagePrinter.Call(uintptr(h))
	sent := 0
	for sent < len(job.Data) {
		chunk := job.Data[sent:min(len(job.Data), sent+writeChunk)]
		var n uint32
		r, _, e := procWritePrinter.Call(uintptr(h), uintptr(unsafe.Pointer(&chunk[0])), uintptr(len(chunk)), uintptr(unsafe.Pointer(&n)))
		sent += int(n)
		if r == 0 || n == 0 {
			procAbortPrinter.Call(uintptr(h)) // drop the partial document from the queue
			return &Error{Printer: s.String(), Job: job.Name, Sent: 0, Err: e, Msg: fmt.Sprintf("the Windows spooler stopped taking label %q for %s (%v); the job was removed, so print it again", job.Name, s, e)}
		}
	}
	procEndPagePrinter.Call(uintptr(h))
	if r, _, e := procEndDocPrinter.Call(uintptr(h)); r == 0 {
		return &Error{Printer: s.String(), Job: job.Name, Sent: sent, Err: e, Msg: fmt.Sprintf("the Windows spooler did not finish label %q for %s (%v): look at the print queue before printing it again", job.Name, s, e)}
	}
	return nil
}

// Status reads the spooler's view of the printer (GetPrinter level 2).
func (s *Spool) Status(ctx context.Context) (Status, error) {
	h, err := s.open()
	if err != nil {
		return Status{}, err
	}
	defer procClosePrinter.Call(uintptr(h))
	var needed uint32
	procGetPrinterW.Call(uintptr(h), 2, 0, 0, uintptr(unsafe.Pointer(&needed)))
	if needed == 0 {
		return Status{}, fmt.Errorf("Windows would not tell the state of printer %q", s.name)
	}
	buf := make([]byte, needed)
	if r, _, e := procGetPrinterW.Call(uintptr(h), 2, uintptr(unsafe.Pointer(&buf[0])), uintptr(needed), uintptr(unsafe.Pointer(&needed))); r == 0 {
		return Status{}, fmt.Errorf("Windows would not tell the state of printer %q: %v", s.name, e)
	}
	pi := (*printerInfo2)(unsafe.Pointer(&buf[0]))
	st := Status{Source: "spooler"}
	st.Paused = pi.status&printerStatusPaused != 0
	st.PaperOut = pi.status&printerStatusPaperOut != 0
	st.HeadOpen = pi.status&printerStatusDoorOpen != 0
	switch {
	case pi.attributes&printerAttributeOffline != 0:
		st.Offline, st.Detail = true, `"Use printer offline" is on in its queue window`
	case pi.status&(printerStatusOffline|printerStatusNotAvailable) != 0:
		st.Offline, st.Detail = true, "Windows reports it offline: check it is on and connected"
	case pi.status&(printerStatusError|printerStatusPaperJam) != 0:
		st.Offline, st.Detail = true, "Windows reports an error: look at the printer and its queue window"
	}
	return st, nil
}

// ListSpoolPrinters lists the printers Windows knows (local and
// connected), by the name spool:// takes.
func ListSpoolPrinters(context.Context) ([]string, error) {
	flags := uintptr(printerEnumLocal | printerEnumConnections)
	var needed, returned uint32
	procEnumPrintersW.Call(flags, 0, 4, 0, 0, uintptr(unsafe.Pointer(&needed)), uintptr(unsafe.Pointer(&returned)))
	if needed == 0 {
		return nil, nil
	}
	buf := make([]byte, needed)
	if r, _, e := procEnumPrintersW.Call(flags, 0, 4, uintptr(unsafe.Pointer(&buf[0])), uintptr(needed), uintptr(unsafe.Pointer(&needed)), uintptr(unsafe.Pointer(&returned))); r == 0 {
		return nil, fmt.Errorf("Windows would not list its printers: %v", e)
	}
	infos := unsafe.Slice((*printerInfo4)(unsafe.Pointer(&buf[0])), returned)
	names := make([]string, 0, returned)
	for _, pi := range infos {
		names = append(names, windows.UTF16PtrToString(pi.printerName))
	}
	return names, nil
}
