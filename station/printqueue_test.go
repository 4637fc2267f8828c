package station_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/printer"
	"labelstation/printer/zplsim"
	"labelstation/station"
	"labelstation/store"
)

// simPrinter starts a simulated Zebra on loopback and opens it as the
// station would, with options (e.g. "?status_timeout=150ms").
func simPrinter(t *testing.T, opts zplsim.Options, query string) (*zplsim.Printer, printer.Printer) {
	t.Helper()
	sim, err := zplsim.Listen("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	p, err := printer.Open(sim.URI() + query)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return sim, p
}

// restart closes the station and its data file and opens both again, as a
// bench PC does after a crash or a reboot.
func (r *rig) restart() {
	r.t.Helper()
	r.station.Close()
	if err := r.store.Close(); err != nil {
		r.t.Fatal(err)
	}
	r.open(nil)
	r.t.Cleanup(func() { r.station.Close() })
}

func onlyJob(t *testing.T, r *rig) station.PrintJob {
	t.Helper()
	jobs, err := r.station.PrintJobs(context.Background())
	if err != nil || len(jobs) != 1 {
		t.Fatalf("print queue: %+v %v, want one job", jobs, err)
	}
	return jobs[0]
}

func TestEveryPrinterFaultKeepsTheLabelQueuedAndRetryPrintsOneCopy(t *testing.T) {
	for _, c := range []struct {
		fault zplsim.Fault
		words string
	}{
		{zplsim.PaperOut, "Printer is out of labels — load a roll and press Resume"},
		{zplsim.HeadOpen, "Printer head is open — close it"},
		{zplsim.Paused, "Printer is paused"},
		{zplsim.Silent, "did not answer its status request"},
		{zplsim.Refuse, "refused the connection"},
	} {
		t.Run(string(c.fault), func(t *testing.T) {
			r := newRig(t, nil)
			r.importOrders()
			ctx := context.Background()
			sim, p := simPrinter(t, zplsim.Options{}, "?status_timeout=150ms&connect_timeout=300ms")
			if err := sim.SetFault(c.fault); err != nil {
				t.Fatal(err)
			}

			res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900, Printer: p})
			if err == nil || res.Printed {
				t.Fatalf("pack on a printer in %s: printed=%v err=%v", c.fault, res.Printed, err)
			}
			if !strings.Contains(err.Error(), c.words) {
				t.Errorf("error does not say %q: %v", c.words, err)
			}
			if h := station.Hint(err); !strings.Contains(h, "kept in the print queue") || !strings.Contains(h, "Retry") || !strings.Contains(h, "Discard") {
				t.Errorf("hint: %q", h)
			}
			if n, held := len(sim.Labels()), sim.Held(); n != 0 || held != 0 {
				t.Fatalf("label was sent during the fault: %d printed, %d held", n, held)
			}
			job := onlyJob(t, r)
			if job.State != station.PrintWaiting || job.OrderRef != "A-1" || job.TrackingID != res.TrackingID || !strings.Contains(job.LastError, c.words) {
				t.Fatalf("queued job: %+v", job)
			}

			// The label survives a restart of the station, still waiting.
			r.restart()
			if again := onlyJob(t, r); again.ID != job.ID || again.State != station.PrintWaiting {
				t.Fatalf("after restart: %+v", again)
			}

			if err := sim.SetFault(zplsim.None); err != nil {
				t.Fatal(err)
			}
			res, err = r.station.RetryPrint(ctx, job.ID)
			if err != nil || !res.Printed {
				t.Fatalf("retry: %+v %v (hint %q)", res, err, station.Hint(err))
			}
			labels := sim.WaitLabels(2, 300*time.Millisecond)
			if len(labels) != 1 || !strings.Contains(labels[0], res.TrackingID) {
				t.Fatalf("printer printed %d labels after retry, want exactly 1", len(labels))
			}
			if jobs, _ := r.station.PrintJobs(ctx); len(jobs) != 0 {
				t.Fatalf("queue not empty after the print: %+v", jobs)
			}
			sh, _ := r.store.ShipmentByOrder("A-1")
			if !sh.Printed() || sh.Reprints != 0 || sh.Printer != sim.URI() {
				t.Fatalf("shipment: printed %v reprints %d printer %q", sh.Printed(), sh.Reprints, sh.Printer)
			}
			if r.bookings() != 1 {
				t.Fatalf("%d bookings, want 1", r.bookings())
			}
		})
	}
}

func TestSlowPrinterThatDoesNotConfirmIsNeverResentAutomatically(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	// The printer reads so slowly that its status answer after the label
	// comes too late: the label is in the printer, its outcome unknown.
	sim, p := simPrinter(t, zplsim.Options{SlowChunk: 256, SlowDelay: 20 * time.Millisecond}, "?status_timeout=100ms")
	if err := sim.SetFault(zplsim.Slow); err != nil {
		t.Fatal(err)
	}
	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900, Printer: p})
	if err == nil || res.Printed || !strings.Contains(err.Error(), "did not confirm") {
		t.Fatalf("slow printer: printed=%v err=%v", res.Printed, err)
	}
	job := onlyJob(t, r)
	if job.State != station.PrintUnknown {
		t.Fatalf("job %+v, want unknown outcome", job)
	}
	if l := sim.WaitLabels(1, 3*time.Second); len(l) != 1 {
		t.Fatalf("slow printer printed %d labels", len(l))
	}
	// Scanning the order again asks; it does not print again.
	_, err = r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900, Printer: p})
	if err == nil || !strings.Contains(err.Error(), "may already have printed") || !strings.Contains(station.Hint(err), "Printed") {
		t.Fatalf("second pack: %v / %q", err, station.Hint(err))
	}
	if _, err := r.station.ConfirmPrint(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(sim.Labels()); n != 1 {
		t.Fatalf("%d copies printed, want 1", n)
	}
	if sh, _ := r.store.ShipmentByOrder("A-1"); !sh.Printed() {
		t.Fatal("confirmed label not marked printed")
	}
}

func TestFaultAfterTheJobAsksThePackerAndSurvivesARestart(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	sim, p := simPrinter(t, zplsim.Options{}, "?status_timeout=150ms")
	sim.SetFaultAfter(1, zplsim.PaperOut) // the roll runs out on this label

	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900, Printer: p})
	if err == nil || res.Printed || !strings.Contains(err.Error(), "out of labels") || !strings.Contains(station.Hint(err), "never printed again without you") {
		t.Fatalf("after-job fault: %v / %q", err, station.Hint(err))
	}
	job := onlyJob(t, r)
	if job.State != station.PrintUnknown || job.TrackingID != res.TrackingID || !strings.Contains(job.Receiver, "Åsa Ødegård") {
		t.Fatalf("job %+v", job)
	}
	r.restart()
	if again := onlyJob(t, r); again.State != station.PrintUnknown {
		t.Fatalf("after restart: %+v", again)
	}
	// The packer loads a roll and presses Resume: the printer prints what
	// it held. Nothing was resent, so that is the only copy.
	if err := sim.SetFault(zplsim.None); err != nil {
		t.Fatal(err)
	}
	if _, err := r.station.ConfirmPrint(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(sim.Labels()); n != 1 {
		t.Fatalf("%d copies printed, want 1", n)
	}
	if jobs, _ := r.station.PrintJobs(ctx); len(jobs) != 0 {
		t.Fatalf("queue: %+v", jobs)
	}
}

func TestPrintAgainOnAnUnknownJobIsThePackersChoice(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	sim, p := simPrinter(t, zplsim.Options{}, "?status_timeout=150ms")
	sim.SetFaultAfter(1, zplsim.HeadOpen)
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900, Printer: p}); err == nil {
		t.Fatal("want an unknown outcome")
	}
	job := onlyJob(t, r)
	// The head was open and the label was lost; the packer says so.
	if err := sim.SetFault(zplsim.None); err != nil {
		t.Fatal(err)
	}
	before := len(sim.Labels())
	res, err := r.station.RetryPrint(ctx, job.ID)
	if err != nil || !res.Printed {
		t.Fatalf("print again: %v", err)
	}
	if got := len(sim.WaitLabels(before+1, time.Second)); got != before+1 {
		t.Fatalf("print again printed %d new labels", got-before)
	}
}

func TestDiscardDropsTheLabelAndKeepsTheBooking(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	sim, p := simPrinter(t, zplsim.Options{}, "?status_timeout=150ms")
	sim.SetFault(zplsim.PaperOut)
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900, Printer: p}); err == nil {
		t.Fatal("want a failed print")
	}
	job := onlyJob(t, r)
	if err := r.station.DiscardPrint(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := r.station.PrintJobs(ctx); len(jobs) != 0 {
		t.Fatalf("queue: %+v", jobs)
	}
	if _, err := r.station.RetryPrint(ctx, job.ID); err == nil || !strings.Contains(err.Error(), "not in the print queue") {
		t.Fatalf("retry of a discarded job: %v", err)
	}
	sim.SetFault(zplsim.None)
	time.Sleep(50 * time.Millisecond)
	if n := len(sim.Labels()); n != 0 {
		t.Fatalf("discarded label printed %d times", n)
	}
	if sh, err := r.store.ShipmentByOrder("A-1"); err != nil || sh.Printed() {
		t.Fatalf("booking: %+v %v", sh, err)
	}
}

func TestOneDeadPrinterDoesNotBlockAnother(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	dead, deadP := simPrinter(t, zplsim.Options{}, "?status_timeout=1500ms")
	dead.SetFault(zplsim.Silent)
	live, liveP := simPrinter(t, zplsim.Options{}, "")

	deadDone := make(chan error, 1)
	go func() {
		_, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900, Printer: deadP})
		deadDone <- err
	}()
	// Wait until the dead printer's worker is stuck asking for status.
	for dead.StatusRequests() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	res, err := r.station.Pack(ctx, "A-2", station.PackOptions{Weight: 900, Printer: liveP})
	if err != nil || !res.Printed {
		t.Fatalf("live printer: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("the live printer waited %v behind the dead one", took)
	}
	select {
	case err := <-deadDone:
		t.Fatalf("dead printer's pack finished before the live one was checked: %v", err)
	default:
	}
	if l := live.Labels(); len(l) != 1 || !strings.Contains(l[0], res.TrackingID) {
		t.Fatalf("live printer labels: %d", len(l))
	}
	if err := <-deadDone; err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("dead printer: %v", err)
	}
}

func TestReprintIsMarkedAndCounted(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{Weight: 900}); err != nil {
		t.Fatal(err)
	}
	r.sink.Sim.SetFault(zplsim.PaperOut)
	if _, err := r.station.Reprint(ctx, "A-1"); err == nil {
		t.Fatal("reprint on a printer without paper printed")
	}
	job := onlyJob(t, r)
	if !job.Reprint {
		t.Fatalf("reprint job not marked: %+v", job)
	}
	r.sink.Sim.SetFault(zplsim.None)
	if _, err := r.station.RetryPrint(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	if sh, _ := r.store.ShipmentByOrder("A-1"); sh.Reprints != 1 {
		t.Fatalf("reprints = %d, want 1", sh.Reprints)
	}
	if n := len(r.sink.WaitLabels(3, 200*time.Millisecond)); n != 2 {
		t.Fatalf("%d labels, want the first and one reprint", n)
	}
}

// fontLabel stores a booked shipment for the order whose label calls the
// printer-resident Arial by name, as PostNord's production labels do.
func fontLabel(t *testing.T, r *rig, ref, id string) {
	t.Helper()
	o, err := r.store.Order(ref)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e := store.OutboxEntry{ID: "req-" + ref, OrderRef: ref, Carrier: "postnord", State: store.StateSending, Attempts: 1, Created: now, Updated: now}
	if err := r.store.CreateEntry(e); err != nil {
		t.Fatal(err)
	}
	zpl := "^XA^CI28^CW1,E:ARI000.TTF^FO50,50^A1N,40,40^FD" + id + "^FS^XZ"
	sh := store.Shipment{OrderRef: ref, Carrier: "postnord", ShipmentID: id, ItemIDs: []string{id}, Receiver: o.Receiver,
		Label: carrier.Label{Format: carrier.LabelZPL, Data: []byte(zpl)}, RequestID: e.ID, BookedAt: now}
	if err := r.store.RecordBooking(e.ID, sh); err != nil {
		t.Fatal(err)
	}
}

func TestFontCheckSaysWhichFontIsMissingAndAsksOncePerPrinter(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	fontLabel(t, r, "A-1", "00370000000000001")
	fontLabel(t, r, "A-2", "00370000000000002")
	fontLabel(t, r, "A-3", "00370000000000003")

	bare, bareP := simPrinter(t, zplsim.Options{Files: []string{"Z:0.FNT"}}, "")
	_, err := r.station.Pack(ctx, "A-1", station.PackOptions{Printer: bareP})
	want := "The printer lacks the font E:ARI000.TTF that PostNord labels use: install PostNord's fonts on the printer, or print from the PDF"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("missing font: %v", err)
	}
	if n := len(bare.Labels()); n != 0 {
		t.Fatalf("label printed without its font")
	}
	if job := onlyJob(t, r); job.State != station.PrintWaiting || !strings.Contains(job.Hint, "PDF") {
		t.Fatalf("job %+v", job)
	}

	full, fullP := simPrinter(t, zplsim.Options{}, "")
	for _, ref := range []string{"A-2", "A-3"} {
		if res, err := r.station.Pack(ctx, ref, station.PackOptions{Printer: fullP}); err != nil || !res.Printed {
			t.Fatalf("%s on a printer with the font: %v", ref, err)
		}
	}
	if n := strings.Count(string(full.Bytes()), "^HW"); n != 1 {
		t.Fatalf("printer asked for its fonts %d times for 2 labels, want once", n)
	}
	if n := len(full.Labels()); n != 2 {
		t.Fatalf("%d labels printed, want 2", n)
	}
}

func TestPrinterSettingsUseStatusAndTestPrint(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	sim, _ := simPrinter(t, zplsim.Options{}, "")
	if err := r.station.UsePrinter(sim.URI()); err != nil {
		t.Fatal(err)
	}
	if got := r.station.PrinterURI(); got != sim.URI() {
		t.Fatalf("printer %q", got)
	}
	sim.SetFault(zplsim.HeadOpen)
	st, err := r.station.PrinterStatus(ctx, "")
	if err != nil || !strings.Contains(st.Message(), "head is open") {
		t.Fatalf("status %q %v", st.Message(), err)
	}
	if err := r.station.TestPrint(ctx, ""); err == nil || !strings.Contains(err.Error(), "head is open") {
		t.Fatalf("test print on an open head: %v", err)
	}
	sim.SetFault(zplsim.None)
	if err := r.station.TestPrint(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if l := sim.WaitLabels(1, time.Second); len(l) != 1 || !strings.Contains(l[0], "Test label") {
		t.Fatalf("test label: %q", l)
	}
	var p *station.Problem
	if err := r.station.UsePrinter("bogus://x"); !errors.As(err, &p) || p.Hint == "" {
		t.Fatalf("bad address: %v", err)
	}
}

func TestLabelOnItsWayWhenTheStationStoppedIsAskedAbout(t *testing.T) {
	r := newRig(t, nil)
	r.importOrders()
	ctx := context.Background()
	fontLabel(t, r, "A-1", "00370000000000001")
	// A crash while the job was being sent leaves it "sending" at rest.
	now := time.Now()
	if err := r.store.CreatePrintJob(store.PrintJob{ID: "j1", Printer: r.sink.URI(), OrderRef: "A-1", State: store.PrintSending, TrackingID: "00370000000000001", Created: now, Updated: now}); err != nil {
		t.Fatal(err)
	}
	r.restart()
	job := onlyJob(t, r)
	if job.State != station.PrintUnknown || !strings.Contains(job.LastError, "may have printed") {
		t.Fatalf("job after restart: %+v", job)
	}
	if _, err := r.station.Pack(ctx, "A-1", station.PackOptions{}); err == nil || !strings.Contains(err.Error(), "may already have printed") {
		t.Fatalf("pack of an order whose label may have printed: %v", err)
	}
	if n := len(r.sink.Labels()); n != 0 {
		t.Fatalf("label resent automatically")
	}
}
