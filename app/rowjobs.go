package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2/widget"
)

// resultView is a view with a result line that says what its buttons
// did: the queue view (its WMS tab too) and the Notifications window.
type resultView interface {
	say(msg string, imp widget.Importance)
	fail(err error)
	closed() bool // the view was closed: an outcome is not shown
}

// rowJobs runs the calls of a list's rows (Retry, Cancel, Discard,
// Enable/Disable) that give back an E: one at a time a row, the row's
// buttons disabled while it runs. UI goroutine only.
type rowJobs[K comparable, E any] struct {
	ps   *PackScreen
	view resultView
	busy map[K]bool // row key → a call for it runs
	// buttons are a row's buttons and whether they act at all when no
	// call runs (none when the row is not listed).
	buttons func(K) (bs []*widget.Button, act bool)
	after   func() // after each call, off the UI goroutine: the list asked for again
}

func newRowJobs[K comparable, E any](ps *PackScreen, view resultView, buttons func(K) ([]*widget.Button, bool), after func()) rowJobs[K, E] {
	return rowJobs[K, E]{ps: ps, view: view, busy: map[K]bool{}, buttons: buttons, after: after}
}

// setBusy disables a row's buttons while a call for it runs, and gives
// them back after (unless the row's buttons do not act at all).
func (j *rowJobs[K, E]) setBusy(key K, busy bool) {
	if busy {
		j.busy[key] = true
	} else {
		delete(j.busy, key)
	}
	bs, act := j.buttons(key)
	for _, b := range bs {
		if busy || !act {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// run calls f for row key through rowJob (off the UI goroutine, under
// the screen's job context) unless a call for it runs already, and hands
// the outcome to done on the UI goroutine while the view is open; then
// the list is asked for again. doing is what runs, in words, for the
// result line.
func (j *rowJobs[K, E]) run(key K, doing string, timeout time.Duration, f func(ctx context.Context) (E, error), done func(E, error)) {
	if j.busy[key] {
		return
	}
	j.setBusy(key, true)
	j.view.say(doing, widget.MediumImportance)
	rowJob(j.ps, timeout, f, func(e E, err error) {
		j.setBusy(key, false)
		if !j.view.closed() {
			done(e, err)
		}
	}, j.after)
}

// sendJob runs a list's Send now (btn) through rowJob: btn is disabled
// and doing shows while it runs; then words says the report, or the
// error shows, while the view is open.
func sendJob[R any](ps *PackScreen, view resultView, btn *widget.Button, doing string, f func(ctx context.Context) (R, error),
	words func(R) (string, widget.Importance), after func()) {
	btn.Disable()
	view.say(doing, widget.MediumImportance)
	rowJob(ps, ps.cfg.syncTimeout, f, func(rep R, err error) {
		btn.Enable()
		switch {
		case view.closed():
		case err != nil:
			view.fail(err)
		default:
			view.say(words(rep))
		}
	}, after)
}

// rowJob runs f (a row's Retry, Cancel, Discard…, or a list's Send now)
// off the UI goroutine under the screen's job context, not the view's:
// closing a view must not cut a send off halfway (its outcome would be
// unknown). done gets the outcome on the UI goroutine; after (the list
// asked for again) runs off it, once done is queued.
func rowJob[E any](ps *PackScreen, timeout time.Duration, f func(ctx context.Context) (E, error), done func(E, error), after func()) {
	go func() {
		ctx, cancel := context.WithTimeout(ps.jobCtx, timeout)
		defer cancel()
		e, err := f(ctx)
		ps.ui(func() { done(e, err) })
		after()
	}()
}
