package station

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"labelstation/label"
	"labelstation/printer"
)

const printerURIHelp = "tcp://HOST:9100, usb://VID:PID, dev:///dev/usb/lp0, cups://QUEUE, spool://NAME or file:///DIR"

func (s *Station) currentPrinter() printer.Printer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.printer
}

// PrinterURI is the address of the station's printer ("" without one).
func (s *Station) PrinterURI() string {
	if p := s.currentPrinter(); p != nil {
		return p.String()
	}
	return ""
}

// UsePrinter opens the printer at uri and makes it the station's for the
// next labels, as UseScale does for scales. Labels already queued stay on
// the printer they were queued for. The station closes the printers it
// opened on Close.
func (s *Station) UsePrinter(uri string) error {
	uri = strings.TrimSpace(uri)
	if uri == "" {
		return &Problem{ID: "printer.no_address", Msg: "no printer address given", Hint: "choose a printer: " + printerURIHelp}
	}
	q, err := s.queueForURI(uri)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.printer, s.printerErr, s.printerSeen = q.p, nil, false
	s.mu.Unlock()
	s.forgetFonts(q.uri)
	s.log.Info("printer chosen", "printer", q.uri)
	return nil
}

// Printers lists the printers this computer offers (CUPS queues, USB,
// device nodes, Windows printers), with the station's own printer first.
// A source that cannot be listed is only an error when nothing was found.
func (s *Station) Printers(ctx context.Context) ([]printer.Found, error) {
	found, problems := printer.Discover(ctx)
	if cur := s.PrinterURI(); cur != "" {
		seen := false
		for _, f := range found {
			seen = seen || f.URI == cur
		}
		if !seen {
			found = append([]printer.Found{{URI: cur, Kind: "configured", Detail: "the station's printer"}}, found...)
		}
	}
	if len(found) == 0 && len(problems) > 0 {
		return nil, &Problem{ID: "printer.none_found", Data: map[string]any{"Reason": errors.Join(problems...).Error()}, Msg: fmt.Sprintf("no printers found: %v", errors.Join(problems...)), Hint: "type the printer's address instead: " + printerURIHelp}
	}
	return found, nil
}

// PrinterStatus asks the printer at uri ("" for the station's) for its
// state. Printers that cannot be asked give printer.ErrNoStatus.
func (s *Station) PrinterStatus(ctx context.Context, uri string) (printer.Status, error) {
	q, err := s.printerQueue(uri)
	if err != nil {
		return printer.Status{}, err
	}
	st, err := printer.StatusOf(ctx, q.p)
	if err == nil {
		s.notePrinterStatus(st)
	}
	return st, err
}

func (s *Station) notePrinterStatus(st printer.Status) {
	if st.Ready() {
		return
	}
	s.notePrinter(errors.New(st.Message()))
}

func (s *Station) printerQueue(uri string) (*printQueue, error) {
	if uri == "" {
		p := s.currentPrinter()
		if p == nil {
			return nil, &Problem{ID: "printer.not_configured", Msg: "no printer is configured", Hint: "choose a printer: " + printerURIHelp}
		}
		return s.queueFor(p), nil
	}
	return s.queueForURI(uri)
}

// TestPrint prints a small test label (the station's name, the time and
// Nordic letters, so a wrong code page shows at once) on the printer at
// uri ("" for the station's). It is not a shipment and is not queued.
func (s *Station) TestPrint(ctx context.Context, uri string) error {
	q, err := s.printerQueue(uri)
	if err != nil {
		return err
	}
	return printTestLabel(ctx, q.p, q.uri, s.cfg.Consignor.Address.Name, s.cfg.Now())
}

// TestPrintAt prints the test label on the printer at uri for a bench
// that has no station yet (the first-run wizard, the settings window's
// printer not yet saved), with shop's name on it.
func TestPrintAt(ctx context.Context, uri, shop string) error {
	p, err := printer.Open(uri)
	if err != nil {
		return &Problem{ID: "printer.open_failed", Data: map[string]any{"URI": uri, "Reason": err.Error()}, Msg: fmt.Sprintf("cannot open printer %s: %v", uri, err), Hint: "check the printer's address (tcp://HOST:9100, usb://VID:PID, cups://QUEUE, file:///DIR)", Err: err}
	}
	defer p.Close()
	return printTestLabel(ctx, p, uri, shop, time.Now())
}

func printTestLabel(ctx context.Context, p printer.Printer, uri, shop string, now time.Time) error {
	err := p.Print(ctx, printer.Job{Name: "test label", Format: "zpl", Data: TestLabel(shop, now)})
	if err != nil {
		return &Problem{ID: "printer.test_failed", Data: map[string]any{"URI": uri, "Reason": err.Error()}, Msg: fmt.Sprintf("the test label did not print on %s: %v", uri, err), Hint: "fix what the printer reports, then press Test print again", Err: err}
	}
	return nil
}

// TestLabel is a 100×50 mm ZPL test label. Text goes through
// label.FieldData, so the shop's name cannot inject ZPL commands.
func TestLabel(shop string, now time.Time) []byte {
	if shop == "" {
		shop = "labelstation"
	}
	var b strings.Builder
	b.WriteString("^XA^CI28^PW800^LL400\n")
	b.WriteString("^FO40,40^A0N,50,50" + label.FieldData("Test label") + "\n")
	b.WriteString("^FO40,110^A0N,34,34" + label.FieldData(shop) + "\n")
	b.WriteString("^FO40,160^A0N,34,34" + label.FieldData("ÅÄÖ ÆØ Ü åäö æø ü") + "\n")
	b.WriteString("^FO40,210^A0N,28,28" + label.FieldData(now.Format("2006-01-02 15:04:05")) + "\n")
	b.WriteString("^FO40,260^BCN,80,Y,N,N^FDTEST-1234^FS\n")
	b.WriteString("^XZ\n")
	return []byte(b.String())
}
