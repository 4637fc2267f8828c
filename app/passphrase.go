package app

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/secrets"
)

// The passphrase window: a kiosk station keeps its secrets in an
// encrypted file (DATA/secrets.enc) whose passphrase the supervisor types
// at every start, unless the station's environment gives it. The GUI asks
// for it in a window before the station opens; a wrong one says so and
// asks again, and Quit ends the start with a hint.

type passphraseWindow struct {
	win    fyne.Window
	unlock func(string) error
	do     func(func())
	done   func(ok bool)
	keys   *actionKeys

	entry  *widget.Entry
	says   *widget.Label
	ok     *widget.Button
	quit   *widget.Button
	busy   bool
	closed bool
}

// AskPassphrase asks for the passphrase of the secrets kept in where, in
// a window of a, and runs the app until it closes. unlock tries one (off
// the UI goroutine: the key derivation takes a moment); it returns
// secrets.ErrWrongPassphrase for a wrong one. AskPassphrase reports
// whether the secrets were unlocked; false means the person chose Quit.
// Like fyne.App.Run it must be called on the main goroutine.
func AskPassphrase(a fyne.App, where string, unlock func(string) error) bool {
	win := a.NewWindow(lang.L("Secrets are locked"))
	ok := false
	newPassphraseWindow(win, where, unlock, fyne.Do, func(unlocked bool) {
		ok = unlocked
		win.Close()
	})
	win.SetMaster()
	win.ShowAndRun()
	return ok
}

func newPassphraseWindow(win fyne.Window, where string, unlock func(string) error, do func(func()), done func(bool)) *passphraseWindow {
	p := &passphraseWindow{win: win, unlock: unlock, do: do, done: done}
	title := widget.NewLabel(lang.L("The station's secrets are locked"))
	title.SizeName = theme.SizeNameSubHeadingText
	title.TextStyle.Bold = true
	intro := widget.NewLabel(lang.L("The API keys and passwords are kept encrypted in {{.Where}}. Type the passphrase to open them; the station starts when they open.", map[string]any{"Where": where}))
	intro.Wrapping = fyne.TextWrapWord
	p.entry = widget.NewPasswordEntry()
	p.entry.SetPlaceHolder(lang.L("Passphrase"))
	p.entry.OnSubmitted = func(string) { p.try() }
	p.says = widget.NewLabel("")
	p.says.Wrapping = fyne.TextWrapWord
	note := widget.NewLabel(lang.L("A station run as a service gets it from LABELSTATION_SECRETS_PASSPHRASE instead. A lost passphrase cannot be recovered: delete the file and set the secrets again."))
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	p.ok = widget.NewButton("", p.try)
	p.ok.Importance = widget.HighImportance
	p.quit = widget.NewButton("", func() { p.finish(false) })
	p.keys = newActionKeys(win, lang.L("Secrets"))
	p.keys.bind(p.ok, lang.L("Open the secrets"), ctrlKey(fyne.KeyO))
	p.keys.bind(p.quit, lang.L("Quit"), ctrlKey(fyne.KeyQ))
	p.keys.install()
	win.SetContent(container.NewPadded(container.NewVBox(title, intro, p.entry, p.says,
		container.NewBorder(nil, nil, nil, container.NewHBox(p.quit, p.ok)), note)))
	win.SetOnClosed(func() {
		if !p.closed {
			p.closed = true
			done(false)
		}
	})
	win.Resize(fyne.NewSize(620, 320))
	win.Canvas().Focus(p.entry)
	return p
}

// try unlocks with the passphrase typed.
func (p *passphraseWindow) try() {
	if p.busy || p.closed {
		return
	}
	pass := p.entry.Text
	if pass == "" {
		p.say(lang.L("Type the passphrase first."), true)
		return
	}
	p.busy = true
	p.ok.Disable()
	p.say(lang.L("Opening…"), false)
	go func() {
		err := p.unlock(pass)
		p.do(func() {
			p.busy = false
			p.ok.Enable()
			switch {
			case err == nil:
				p.finish(true)
			case errors.Is(err, secrets.ErrWrongPassphrase):
				p.entry.SetText("")
				p.say(lang.L("That passphrase does not open the secrets. Type it again (capital letters count)."), true)
				p.win.Canvas().Focus(p.entry)
			case errors.Is(err, context.Canceled):
			default:
				msg := errText(err)
				if h := hintText(err); h != "" {
					msg = lang.L("{{.Problem}}. {{.Hint}}", map[string]any{"Problem": msg, "Hint": upperFirst(h)})
				}
				p.say(msg, true)
			}
		})
	}()
}

func (p *passphraseWindow) say(text string, bad bool) {
	p.says.SetText(text)
	p.says.Importance = widget.MediumImportance
	if bad {
		p.says.Importance = widget.DangerImportance
	}
	p.says.Refresh()
}

func (p *passphraseWindow) finish(ok bool) {
	if p.closed {
		return
	}
	p.closed = true
	p.keys.uninstall()
	p.done(ok)
}
