package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"labelstation/station"
)

// printJobsView lists the labels that did not print, under the buttons,
// without a dialog: the scan field keeps the focus and the packer goes on
// scanning while a printer waits for paper. Waiting jobs get Retry and
// Discard; a job the printer may hold asks "Did this label print?" with
// Printed and Print again.
type printJobsView struct {
	box  *fyne.Container
	list *fyne.Container
	rows map[string]*printJobRow // by job id, for tests
	sig  string                  // what is shown, so an unchanged list is not rebuilt under the packer's finger
	busy sync.Map                // job id → a call is running (UI goroutine only writes)
}

type printJobRow struct {
	job             station.PrintJob
	text            *widget.Label
	retry, discard  *widget.Button // waiting
	printed, printA *widget.Button // unknown outcome
}

func newPrintJobsView() *printJobsView {
	v := &printJobsView{list: container.NewVBox(), rows: map[string]*printJobRow{}}
	v.box = container.NewVBox(caption("LABELS NOT PRINTED"), v.list, widget.NewSeparator())
	v.box.Hide()
	return v
}

// refreshPrintJobs asks the station for its print queue off the UI
// goroutine and shows it.
func (ps *PackScreen) refreshPrintJobs() {
	pq, ok := ps.st.(PrintQueue)
	if !ok || ps.jobsView == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(ps.ctx, ps.cfg.statusEvery+time.Second)
		defer cancel()
		jobs, err := pq.PrintJobs(ctx)
		if err != nil {
			return
		}
		ps.ui(func() { ps.showPrintJobs(jobs) })
	}()
}

func (ps *PackScreen) showPrintJobs(jobs []station.PrintJob) {
	v := ps.jobsView
	var sig strings.Builder
	for _, j := range jobs {
		fmt.Fprintf(&sig, "%s/%s/%s\n", j.ID, j.State, j.LastError)
	}
	if sig.String() == v.sig && v.sig != "" {
		return
	}
	v.sig = sig.String()
	v.list.RemoveAll()
	v.rows = map[string]*printJobRow{}
	for _, j := range jobs {
		if j.State == station.PrintSending {
			continue // on its way: the activity line shows it
		}
		row := ps.printJobRow(j)
		v.rows[j.ID] = row
	}
	for _, j := range jobs {
		row := v.rows[j.ID]
		if row == nil {
			continue
		}
		var buttons []fyne.CanvasObject
		if j.State == station.PrintUnknown {
			buttons = []fyne.CanvasObject{row.printed, row.printA}
		} else {
			buttons = []fyne.CanvasObject{row.retry, row.discard}
		}
		v.list.Add(container.NewBorder(nil, nil, nil, container.NewHBox(buttons...), row.text))
	}
	if len(v.rows) == 0 {
		v.box.Hide()
	} else {
		v.box.Show()
	}
	v.box.Refresh()
}

func (ps *PackScreen) printJobRow(j station.PrintJob) *printJobRow {
	row := &printJobRow{job: j}
	who := joinNonEmpty(", ", "tracking "+orDash(j.TrackingID), "to "+orDash(j.Receiver))
	what := "Order " + j.OrderRef
	if j.Reprint {
		what += " (reprint)"
	}
	text := fmt.Sprintf("%s, %s: %s", what, who, j.LastError)
	if j.State == station.PrintUnknown {
		text = fmt.Sprintf("Did this label print? %s, %s. %s", what, who, j.LastError)
	}
	row.text = widget.NewLabel(text)
	row.text.Wrapping = fyne.TextWrapWord
	act := func(label string, call func(PrintQueue) (station.PackResult, bool, error)) *widget.Button {
		return widget.NewButton(label, func() { ps.printJobAction(j, call) })
	}
	row.retry = act("Retry", func(pq PrintQueue) (station.PackResult, bool, error) {
		res, err := pq.RetryPrint(ps.jobCtx, j.ID)
		return res, true, err
	})
	row.retry.Importance = widget.HighImportance
	row.discard = act("Discard", func(pq PrintQueue) (station.PackResult, bool, error) {
		return station.PackResult{OrderRef: j.OrderRef, TrackingID: j.TrackingID}, false, pq.DiscardPrint(ps.jobCtx, j.ID)
	})
	discard := row.discard.OnTapped // a label never printed: the supervisor's call (roles.go)
	row.discard.OnTapped = func() { ps.asSupervisor(ps.win, "Discarding a label", discard) }
	row.printed = act("Printed", func(pq PrintQueue) (station.PackResult, bool, error) {
		res, err := pq.ConfirmPrint(ps.jobCtx, j.ID)
		return res, false, err
	})
	row.printA = act("Print again", func(pq PrintQueue) (station.PackResult, bool, error) {
		res, err := pq.RetryPrint(ps.jobCtx, j.ID)
		return res, true, err
	})
	return row
}

// printJobAction runs one station call for a job off the UI goroutine and
// shows its outcome; the focus goes straight back to the scan field.
func (ps *PackScreen) printJobAction(j station.PrintJob, call func(PrintQueue) (station.PackResult, bool, error)) {
	defer ps.focusScan()
	pq, ok := ps.st.(PrintQueue)
	if !ok {
		return
	}
	if _, running := ps.jobsView.busy.LoadOrStore(j.ID, true); running {
		return
	}
	if row := ps.jobsView.rows[j.ID]; row != nil {
		for _, b := range []*widget.Button{row.retry, row.discard, row.printed, row.printA} {
			b.Disable()
		}
	}
	go func() {
		res, printing, err := call(pq)
		ps.ui(func() {
			ps.jobsView.busy.Delete(j.ID)
			switch {
			case err != nil:
				ps.showError(aboutOrder(j.OrderRef, "not printed", err), hintText(err))
			case printing:
				ps.clearBanner()
				ps.showResult(job{kind: jobPack, ref: j.OrderRef}, res)
			default:
				ps.clearBanner()
			}
			ps.focusScan()
		})
		ps.refreshPrintJobs()
	}()
}
