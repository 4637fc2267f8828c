package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"labelstation/printer"
	"labelstation/printer/zplsim"
)

// The printer dialog, on the real station: it says a faulted printer's
// state in words, sends a test label to a working one, and switches the
// station to it so the next pack prints there.
func TestPrinterSettingsStatusTestPrintUse(t *testing.T) {
	st, firstSink, _ := realStation(t)
	second, err := zplsim.Listen("127.0.0.1:0", zplsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Close() })

	ps, w, loop := newTestScreen(t, st)
	if ps.printerBtn == nil {
		t.Fatal("no Printer… button for a station with printer settings")
	}
	if min := ps.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
		t.Errorf("screen with the Printer… button needs %v, more than 1100×700", min)
	}
	test.Tap(ps.printerBtn)
	d := ps.printerDlg
	if d == nil || d.uri.Text != st.PrinterURI() {
		t.Fatalf("dialog not open or not showing the printer in use (%q)", st.PrinterURI())
	}
	loop.until(t, "printers looked up", func() bool { return !d.find.Disabled() })

	// A printer out of labels: its state in words, and no test label.
	if err := second.SetFault(zplsim.PaperOut); err != nil {
		t.Fatal(err)
	}
	d.uri.SetText(second.URI())
	test.Tap(d.status)
	loop.until(t, "state shown", func() bool { return !d.status.Disabled() && !strings.HasSuffix(d.result.Text, "…") })
	if !strings.Contains(strings.ToLower(d.result.Text), "out of labels") {
		t.Fatalf("paper-out state in words: %q", d.result.Text)
	}

	// Cleared: the test label prints there, with Nordic letters as text.
	second.SetFault(zplsim.None)
	test.Tap(d.test)
	loop.until(t, "test print done", func() bool { return !d.test.Disabled() && !strings.HasSuffix(d.result.Text, "…") })
	if got := second.WaitLabels(1, 2*time.Second); len(got) != 1 {
		t.Fatalf("test print: %d labels at the printer (%q)", len(got), d.result.Text)
	}
	if !strings.Contains(d.result.Text, "test label was sent") {
		t.Errorf("result after test print: %q", d.result.Text)
	}

	test.Tap(d.use)
	loop.until(t, "printer switched", func() bool { return !d.use.Disabled() && !strings.HasSuffix(d.result.Text, "…") })
	if st.PrinterURI() != second.URI() {
		t.Fatalf("station prints on %q after Use, want %q (%q)", st.PrinterURI(), second.URI(), d.result.Text)
	}
	if n := len(firstSink.Labels()); n != 0 {
		t.Fatalf("the first printer got %d labels; the test label belongs on the chosen one", n)
	}

	// Closing the dialog gives the scan field its focus back.
	d.dlg.Hide()
	loop.drain()
	if w.Canvas().Focused() != ps.scan {
		t.Fatalf("focus after closing the dialog: %T", w.Canvas().Focused())
	}
}

// The printer dialog in Swedish, and its state in words.
func TestPrinterSettingsInSwedish(t *testing.T) {
	useSwedish(t)
	st, _, _ := realStation(t)
	ps, _, loop := newTestScreen(t, st)
	if ps.printerBtn.Text != "Skrivare…   F3" {
		t.Errorf("Printer… says %q", ps.printerBtn.Text)
	}
	test.Tap(ps.printerBtn)
	d := ps.printerDlg
	loop.until(t, "printers looked up", func() bool { return !d.find.Disabled() })
	if d.use.Text != "Använd den här skrivaren   Ctrl+U" || d.closeBtn.Text != "Stäng   Ctrl+W" {
		t.Errorf("buttons %q / %q", d.use.Text, d.closeBtn.Text)
	}
	if got := printerStateText(printer.Status{PaperOut: true}); got != "Skrivaren har slut på etiketter — lägg i en rulle och tryck Resume" {
		t.Errorf("paper out in Swedish: %q", got)
	}
	if got := printerStateText(printer.Status{}); got != "Skrivaren är klar" {
		t.Errorf("ready in Swedish: %q", got)
	}
}

// Every condition a printer reports is said by the screen, not left to
// the printer package's English.
func TestEveryPrinterStateInWords(t *testing.T) {
	all := printer.Status{NoAnswer: true, Offline: true, HeadOpen: true, RibbonOut: true, OverTemp: true,
		Paused: true, BufferFull: true, UnderTemp: true, CorruptRAM: true}
	for _, s := range all.States() {
		if got := printerConditionText(all, s); got == string(s) {
			t.Errorf("printer state %s has no words", s)
		}
	}
}
