package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// keyAction is the key of one action: a function key alone (the pack
// screen's scan field routes those, see screenKey) or a letter with Ctrl
// or Alt.
type keyAction struct {
	Key fyne.KeyName
	Mod fyne.KeyModifier
}

func ctrlKey(k fyne.KeyName) keyAction { return keyAction{k, fyne.KeyModifierShortcutDefault} }
func altKey(k fyne.KeyName) keyAction  { return keyAction{k, fyne.KeyModifierAlt} }
func fnKey(k fyne.KeyName) keyAction   { return keyAction{k, 0} }

// String is the key as a packer reads it on a button: "F9", "Ctrl+R".
func (k keyAction) String() string {
	var b strings.Builder
	if k.Mod&fyne.KeyModifierControl != 0 {
		b.WriteString("Ctrl+") // i18n: key caps read the same in every language
	}
	if k.Mod&fyne.KeyModifierSuper != 0 {
		b.WriteString("Cmd+") // i18n: key caps
	}
	if k.Mod&fyne.KeyModifierAlt != 0 {
		b.WriteString("Alt+") // i18n: key caps
	}
	if k.Mod&fyne.KeyModifierShift != 0 {
		b.WriteString("Shift+") // i18n: key caps
	}
	b.WriteString(string(k.Key))
	return b.String()
}

// shortcut is the Fyne shortcut of a key with a modifier; nil for a bare
// function key, which Fyne delivers as a typed key instead.
func (k keyAction) shortcut() fyne.Shortcut {
	if k.Mod == 0 {
		return nil
	}
	return &desktop.CustomShortcut{KeyName: k.Key, Modifier: k.Mod}
}

// keyedAction is one action of a screen with its key.
type keyedAction struct {
	label string
	key   keyAction
	btn   *widget.Button // nil for an action without a button
	do    func()
}

// run does the action unless its button is disabled or hidden.
func (a keyedAction) run() {
	if a.btn != nil && (a.btn.Disabled() || !a.btn.Visible()) {
		return
	}
	if a.btn != nil && a.btn.OnTapped != nil {
		a.btn.OnTapped()
		return
	}
	if a.do != nil {
		a.do()
	}
}

// actionKeys gives the actions of one screen (a window, or a dialog in
// one) their keyboard shortcuts, says each key on its button, and lists
// them in a menu of the window's main menu. The menu is what makes a
// Ctrl/Alt key work everywhere: Fyne tries main-menu shortcuts before the
// focused widget, so the key works while an entry has the focus (an
// entry swallows every other shortcut).
type actionKeys struct {
	win     fyne.Window
	title   string
	actions []keyedAction
}

// newActionKeys starts the actions of a screen in win, listed under the
// menu title (already translated).
func newActionKeys(win fyne.Window, title string) *actionKeys {
	return &actionKeys{win: win, title: title}
}

// button makes a button for an action, its key shown after the label.
func (a *actionKeys) button(label string, key keyAction, do func()) *widget.Button {
	btn := widget.NewButton("", do)
	a.bind(btn, label, key)
	return btn
}

// bind gives an existing button its key; the button's text becomes label
// followed by the key.
func (a *actionKeys) bind(btn *widget.Button, label string, key keyAction) {
	btn.SetText(label + "   " + key.String())
	a.actions = append(a.actions, keyedAction{label: label, key: key, btn: btn})
}

// action adds an action that has no button of its own (one on the
// selected row of a list, say).
func (a *actionKeys) action(label string, key keyAction, do func()) {
	a.actions = append(a.actions, keyedAction{label: label, key: key, do: do})
}

// lookup is the action bound to key, if any.
func (a *actionKeys) lookup(key keyAction) (keyedAction, bool) {
	for _, ac := range a.actions {
		if ac.key == key {
			return ac, true
		}
	}
	return keyedAction{}, false
}

// keyOf is the key of btn, if it has one.
func (a *actionKeys) keyOf(btn *widget.Button) (keyAction, bool) {
	for _, ac := range a.actions {
		if ac.btn == btn {
			return ac.key, true
		}
	}
	return keyAction{}, false
}

// typedKey runs the action of a bare function key and reports whether
// there was one; screens call it from their key handlers.
func (a *actionKeys) typedKey(k fyne.KeyName) bool {
	ac, ok := a.lookup(fnKey(k))
	if ok {
		ac.run()
	}
	return ok
}

// install puts the screen's menu into the window's main menu (replacing a
// menu of the same title) and registers its Ctrl/Alt keys on the canvas
// as well, for the moments no widget has the focus.
func (a *actionKeys) install() {
	items := make([]*fyne.MenuItem, 0, len(a.actions))
	for _, ac := range a.actions {
		item := fyne.NewMenuItem(ac.label, ac.run)
		if sc := ac.key.shortcut(); sc != nil {
			item.Shortcut = sc
			a.win.Canvas().AddShortcut(sc, func(fyne.Shortcut) { ac.run() })
		} else {
			// A function key is not a Fyne shortcut; the label says it.
			item.Label = ac.label + "   " + ac.key.String()
		}
		items = append(items, item)
	}
	menu := fyne.NewMenu(a.title, items...)
	mm := a.win.MainMenu()
	if mm == nil {
		a.win.SetMainMenu(fyne.NewMainMenu(menu))
		return
	}
	for i, m := range mm.Items {
		if m.Label == a.title {
			mm.Items[i] = menu
			a.win.SetMainMenu(mm)
			return
		}
	}
	mm.Items = append(mm.Items, menu)
	a.win.SetMainMenu(mm)
}

// uninstall takes the screen's menu and keys away again (a dialog that
// closed).
func (a *actionKeys) uninstall() {
	for _, ac := range a.actions {
		if sc := ac.key.shortcut(); sc != nil {
			a.win.Canvas().RemoveShortcut(sc)
		}
	}
	mm := a.win.MainMenu()
	if mm == nil {
		return
	}
	kept := mm.Items[:0]
	for _, m := range mm.Items {
		if m.Label != a.title {
			kept = append(kept, m)
		}
	}
	mm.Items = kept
	if len(kept) == 0 {
		a.win.SetMainMenu(nil)
		return
	}
	a.win.SetMainMenu(mm)
}
