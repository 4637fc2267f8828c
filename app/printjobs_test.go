package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"labelstation/printer/zplsim"
)

// The pack screen on the real station with a printer out of paper: the
// label that did not print is listed with Retry and Discard (no dialog:
// the scan field keeps the focus), Retry after loading paper prints
// exactly one copy and empties the list, Discard drops the label.
func TestPrintJobsRetryAndDiscard(t *testing.T) {
	st, sink, _ := realStation(t)
	t.Cleanup(func() { st.Close() })
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	sink.Sim.SetFault(zplsim.PaperOut)

	pack := func(ref, name string) *printJobRow {
		t.Helper()
		scanCode(c, ref)
		loop.until(t, "order "+ref+" shown", func() bool { return ps.rcptName.Text == name })
		loop.until(t, "stable weight", func() bool { return ps.stableText.Text == "stable" })
		pressKey(c, fyne.KeyF9)
		var row *printJobRow
		loop.until(t, "the label of "+ref+" listed as not printed", func() bool {
			for _, r := range ps.jobsView.rows {
				if r.job.OrderRef == ref {
					row = r
				}
			}
			return row != nil && ps.Busy() == 0
		})
		return row
	}

	row := pack("A-1", "Åsa Ødegård")
	if !ps.jobsView.box.Visible() || !strings.Contains(row.text.Text, "out of labels") || !strings.Contains(row.text.Text, row.job.TrackingID) {
		t.Fatalf("row: %q", row.text.Text)
	}
	if !strings.Contains(ps.bannerMsg.Text, "out of labels") || !strings.Contains(ps.bannerHint.Text, "Retry") {
		t.Errorf("banner: %q / %q", ps.bannerMsg.Text, ps.bannerHint.Text)
	}
	focusedIsScan(t, ps, w, "with a label waiting")

	sink.Sim.SetFault(zplsim.None)
	test.Tap(row.retry)
	// The list empties and the result line shows the tracking id in two
	// updates of the window: wait for both (a loaded machine saw the
	// first without the second).
	loop.until(t, "retried label printed, the list emptied and its tracking id shown", func() bool {
		return len(sink.Labels()) == 1 && len(ps.jobsView.rows) == 0 && !ps.jobsView.box.Visible() && ps.lastTracking.Text != "—"
	})
	if !strings.Contains(sink.Labels()[0], row.job.TrackingID) || ps.lastTracking.Text != row.job.TrackingID {
		t.Fatalf("printed label / shown tracking %q, want %s", ps.lastTracking.Text, row.job.TrackingID)
	}
	focusedIsScan(t, ps, w, "after Retry")

	sink.Sim.SetFault(zplsim.PaperOut)
	row = pack("A-2", "Mette Kjærgaard")
	// Alt+D discards the first label listed, as its Discard button does
	// (no PIN set on this station: no supervisor to ask).
	c.(fyne.Shortcutable).TypedShortcut(keyJobDiscard.shortcut())
	loop.until(t, "discarded label gone from the list", func() bool { return len(ps.jobsView.rows) == 0 })
	if jobs, _ := st.PrintJobs(context.Background()); len(jobs) != 0 {
		t.Fatalf("station still queues %+v", jobs)
	}
	sink.Sim.SetFault(zplsim.None)
	if n := len(sink.Labels()); n != 1 {
		t.Fatalf("%d labels printed, want only the retried one", n)
	}
	focusedIsScan(t, ps, w, "after Discard")
}
