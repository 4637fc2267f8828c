package app

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// Run opens the pack screen in a new 1100×700 window of a and runs the app
// until the window is closed or ctx ends (cmd passes a context cancelled
// by SIGINT/SIGTERM). It must be called on the main goroutine, like
// fyne.App.Run. Closing the window while labels are still being printed
// asks first, because queued labels would be dropped; when Run returns,
// the screen's goroutines have stopped.
func Run(ctx context.Context, a fyne.App, st Station, title string, opts ...Option) {
	w := a.NewWindow(title)
	w.Resize(fyne.NewSize(1100, 700))
	w.SetMaster()
	ps := NewPackScreen(st, w, opts...)
	w.SetCloseIntercept(func() {
		n := ps.Busy()
		if n == 0 {
			w.Close()
			return
		}
		dialog.ShowConfirm("Labels still printing",
			fmt.Sprintf("%d label(s) are still being booked or printed. Close anyway?", n),
			func(yes bool) {
				if yes {
					w.Close()
					return
				}
				ps.focusScan()
			}, w)
	})
	// Once the app stops, background updates must not reach the widgets
	// (see stopUI); on SIGINT/SIGTERM it stops on its way out.
	a.Lifecycle().SetOnStopped(ps.stopUI)
	stop := context.AfterFunc(ctx, func() { ps.stopUI(); fyne.Do(a.Quit) })
	defer stop()
	w.ShowAndRun()
	ps.Close()
}
