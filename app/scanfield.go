package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// scanField is the entry a barcode scanner types into.
//
// F9 and F10 are plain keys, not shortcuts: Fyne's desktop driver only
// treats a key with a modifier as a shortcut and hands every other key to
// the focused widget. Since the scan field always has the focus, it is the
// one that sees F9/F10 and passes them to onKey.
type scanField struct {
	widget.Entry
	// onKey handles screen keys (F9, F10, …) and reports whether it did;
	// unhandled keys edit the text as in any entry.
	onKey func(fyne.KeyName) bool
}

func newScanField() *scanField {
	e := &scanField{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey gives screen keys to onKey first. Tab submits like Enter: many
// scanners can be configured to end a code with Tab instead of Enter, and
// Tab must not move the focus away from the scan field either.
func (e *scanField) TypedKey(k *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(k.Name) {
		return
	}
	if k.Name == fyne.KeyTab {
		e.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn, Physical: k.Physical})
		return
	}
	e.Entry.TypedKey(k)
}

// AcceptsTab keeps Tab in the field instead of moving focus (see TypedKey).
func (e *scanField) AcceptsTab() bool { return true }
