package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"labelstation/station"
)

// printJobsView lists the labels that did not print, under the buttons,
// without a dialog: the scan field keeps the focus and the packer goes on
// scanning while a printer waits for paper. Waiting jobs get Retry and
// Discard; a job the printer may hold asks "Did this label print?" with
// Printed and Print again.
type printJobsView struct {
	box   *fyne.Container
	list  *fyne.Container
	rows  map[string]*printJobRow // by job id, for tests
	order []string                // job ids as listed, for the keys acting on the first
	sig   string                  // what is shown, so an unchanged list is not rebuilt under the packer's finger
	busy  sync.Map                // job id → a call is running (UI goroutine only writes)
}

type printJobRow struct {
	job             station.PrintJob
	text            *widget.Label
	retry, discard  *widget.Button // waiting
	printed, printA *widget.Button // unknown outcome
}

func newPrintJobsView() *printJobsView {
	v := &printJobsView{list: container.NewVBox(), rows: map[string]*printJobRow{}}
	v.box = container.NewVBox(caption(lang.L("LABELS NOT PRINTED")), v.list, widget.NewSeparator())
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
		fmt.Fprintf(&sig, "%s/%s/%s\n", j.ID, j.State, j.LastError) // i18n: a signature, never shown
	}
	if sig.String() == v.sig && v.sig != "" {
		return
	}
	v.sig = sig.String()
	v.list.RemoveAll()
	v.rows = map[string]*printJobRow{}
	v.order = v.order[:0]
	for _, j := range jobs {
		if j.State == station.PrintSending {
			continue // on its way: the activity line shows it
		}
		row := ps.printJobRow(j)
		v.rows[j.ID] = row
		v.order = append(v.order, j.ID)
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
	data := map[string]any{"Ref": j.OrderRef, "Tracking": orDash(j.TrackingID), "Receiver": orDash(j.Receiver), "Error": j.LastError} // i18n: template field names
	var text string
	switch {
	case j.State == station.PrintUnknown && j.Reprint:
		text = lang.L("Did this label print? Order {{.Ref}} (reprint), tracking {{.Tracking}}, to {{.Receiver}}. {{.Error}}", data)
	case j.State == station.PrintUnknown:
		text = lang.L("Did this label print? Order {{.Ref}}, tracking {{.Tracking}}, to {{.Receiver}}. {{.Error}}", data)
	case j.Reprint:
		text = lang.L("Order {{.Ref}} (reprint), tracking {{.Tracking}}, to {{.Receiver}}: {{.Error}}", data)
	default:
		text = lang.L("Order {{.Ref}}, tracking {{.Tracking}}, to {{.Receiver}}: {{.Error}}", data)
	}
	row.text = widget.NewLabel(text)
	row.text.Wrapping = fyne.TextWrapWord
	act := func(label string, call func(PrintQueue) (station.PackResult, bool, error)) *widget.Button {
		return widget.NewButton(label, func() { ps.printJobAction(j, call) })
	}
	row.retry = act(lang.L("Retry"), func(pq PrintQueue) (station.PackResult, bool, error) {
		res, err := pq.RetryPrint(ps.jobCtx, j.ID)
		return res, true, err
	})
	row.retry.Importance = widget.HighImportance
	row.discard = act(lang.L("Discard"), func(pq PrintQueue) (station.PackResult, bool, error) {
		return station.PackResult{OrderRef: j.OrderRef, TrackingID: j.TrackingID}, false, pq.DiscardPrint(ps.jobCtx, j.ID)
	})
	discard := row.discard.OnTapped // a label never printed: the supervisor's call (roles.go)
	row.discard.OnTapped = func() { ps.asSupervisor(ps.win, lang.L("Discarding a label"), discard) }
	row.printed = act(lang.L("Printed"), func(pq PrintQueue) (station.PackResult, bool, error) {
		res, err := pq.ConfirmPrint(ps.jobCtx, j.ID)
		return res, false, err
	})
	row.printA = act(lang.L("Print again"), func(pq PrintQueue) (station.PackResult, bool, error) {
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
				ps.showError(aboutOrder(j.OrderRef, lang.L("not printed"), err), hintText(err))
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

// jobKey names what a key does to the first label listed (see
// installKeys): the same as a button of its row.
type jobKey int

const (
	jobRetry   jobKey = iota // Retry, or Print again for one in doubt
	jobDiscard               // Discard (a waiting one)
	jobPrinted               // Printed (one in doubt)
)

// firstJobAction taps, for the first label listed that has it, the
// button the key stands for: the keyboard reaches the rows as a click
// does (a disabled button, a call still running, does nothing).
func (ps *PackScreen) firstJobAction(k jobKey) {
	defer ps.focusScan()
	v := ps.jobsView
	if v == nil || !v.box.Visible() {
		return
	}
	for _, id := range v.order {
		row := v.rows[id]
		if row == nil {
			continue
		}
		unknown := row.job.State == station.PrintUnknown
		var b *widget.Button
		switch {
		case k == jobRetry && unknown:
			b = row.printA
		case k == jobRetry:
			b = row.retry
		case k == jobDiscard && !unknown:
			b = row.discard
		case k == jobPrinted && unknown:
			b = row.printed
		}
		if b == nil {
			continue
		}
		if !b.Disabled() && b.OnTapped != nil {
			b.OnTapped()
		}
		return
	}
}
