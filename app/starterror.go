package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// StartErrorWindow is the window a station that could not start shows
// instead of the pack screen: launched from a desktop entry or a Start
// menu there is no terminal, so without it a second click on a running
// station (its data file locked) or a broken config would seem to do
// nothing at all. It says what happened and what to do, and closes.
func StartErrorWindow(a fyne.App, msg, hint string) fyne.Window {
	w := a.NewWindow("labelstation could not start")
	title := widget.NewLabelWithStyle("The station could not start", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	what := widget.NewLabel(upperFirst(msg))
	what.Wrapping = fyne.TextWrapWord
	items := []fyne.CanvasObject{title, what}
	if hint != "" {
		h := widget.NewLabel("What to do: " + hint)
		h.Wrapping = fyne.TextWrapWord
		h.Importance = widget.WarningImportance
		items = append(items, h)
	}
	closeBtn := widget.NewButton("Close", w.Close)
	closeBtn.Importance = widget.HighImportance
	w.SetContent(container.NewPadded(container.NewBorder(nil, container.NewHBox(closeBtn), nil, nil, container.NewVBox(items...))))
	w.Resize(fyne.NewSize(560, 240))
	w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape || k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter {
			w.Close()
		}
	})
	return w
}
