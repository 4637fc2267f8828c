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
	walkObjects(w.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	})
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

// The start error window in Swedish, its Close button on Ctrl+W.
func TestStartErrorWindowInSwedish(t *testing.T) {
	useSwedish(t)
	a := test.NewTempApp(t)
	w := StartErrorWindow(a, "stationen körs redan", "stäng det andra fönstret")
	all := findLabelText(w.Content())
	for _, want := range []string{"Stationen kunde inte starta", "Gör så här: stäng det andra fönstret"} {
		if !strings.Contains(all, want) {
			t.Errorf("window lacks %q:\n%s", want, all)
		}
	}
	if w.Title() != "labelstation kunde inte starta" {
		t.Errorf("title %q", w.Title())
	}
	var closeBtn *widget.Button
	walkObjects(w.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok {
			closeBtn = b
		}
	})
	if closeBtn == nil || closeBtn.Text != "Stäng   Ctrl+W" {
		t.Fatalf("close button %+v", closeBtn)
	}
	closed := false
	w.SetOnClosed(func() { closed = true })
	w.Canvas().(fyne.Shortcutable).TypedShortcut(ctrlKey(fyne.KeyW).shortcut())
	if !closed {
		t.Error("Ctrl+W did not close the window")
	}
}
