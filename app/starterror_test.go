package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// A station that cannot start (a second one on a locked data file) says
// so in a window, with the hint, and Escape closes it.
func TestStartErrorWindowSaysWhatAndWhatToDo(t *testing.T) {
	a := test.NewTempApp(t)
	w := StartErrorWindow(a, "the station is already running (/data/labelstation.db is locked by another labelstation)",
		"close the other labelstation window, or use another --data directory")
	var texts []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			texts = append(texts, x.Text)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(w.Content())
	all := strings.Join(texts, "\n")
	for _, want := range []string{"could not start", "already running", "What to do: close the other labelstation window"} {
		if !strings.Contains(all, want) {
			t.Errorf("window lacks %q:\n%s", want, all)
		}
	}
	closed := false
	w.SetOnClosed(func() { closed = true })
	w.Canvas().(test.WindowlessCanvas).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if !closed {
		t.Error("Escape did not close the window")
	}
}
