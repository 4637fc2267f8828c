package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// StartErrorWindow is the window a station that could not start shows
// instead of the pack screen: launched from a desktop entry or a Start
// menu there is no terminal, so without it a second click on a running
// station (its data file locked) or a broken config would seem to do
// nothing at all. It says what happened and what to do, and closes (the
// Close button, Ctrl+W, Escape or Enter). msg and hint come in the
// screen's language when the station has them there (errText, hintText).
func StartErrorWindow(a fyne.App, msg, hint string) fyne.Window {
	w := a.NewWindow(lang.L("labelstation could not start"))
	title := widget.NewLabelWithStyle(lang.L("The station could not start"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	what := widget.NewLabel(upperFirst(msg))
	what.Wrapping = fyne.TextWrapWord
	items := []fyne.CanvasObject{title, what}
	if hint != "" {
		h := widget.NewLabel(lang.L("What to do: {{.Hint}}", map[string]any{"Hint": hint}))
		h.Wrapping = fyne.TextWrapWord
		h.Importance = widget.WarningImportance
		items = append(items, h)
	}
	keys := newActionKeys(w, lang.L("Station"))
	closeBtn := keys.button(lang.L("Close"), ctrlKey(fyne.KeyW), w.Close)
	closeBtn.Importance = widget.HighImportance
	keys.install()
	w.SetContent(container.NewThemeOverride(container.NewPadded(container.NewBorder(nil, container.NewHBox(closeBtn), nil, nil, container.NewVBox(items...))),
		screenTheme{text: textSize}))
	w.Resize(fyne.NewSize(640, 300))
	w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape || k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter {
			w.Close()
		}
	})
	return w
}
