package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// checkEveryButtonKeyed fails for a visible button under root that has no
// key in keys (except the ones listed: buttons on list rows, whose action
// is keyed for the selected row), and checks that each key's menu item
// runs its action.
func checkEveryButtonKeyed(t *testing.T, root fyne.CanvasObject, keys *actionKeys, except ...*widget.Button) {
	t.Helper()
	skip := map[*widget.Button]bool{}
	for _, b := range except {
		skip[b] = true
	}
	walkObjects(root, func(o fyne.CanvasObject) {
		b, ok := o.(*widget.Button)
		if !ok || !b.Visible() || skip[b] {
			return
		}
		if _, ok := keys.keyOf(b); !ok {
			t.Errorf("button %q has no keyboard shortcut", b.Text)
		}
	})
	seen := map[keyAction]string{}
	for _, ac := range keys.actions {
		if prev, dup := seen[ac.key]; dup {
			t.Errorf("%s is the key of both %q and %q", ac.key, prev, ac.label)
		}
		seen[ac.key] = ac.label
	}
	mm := keys.win.MainMenu()
	if mm == nil {
		t.Fatalf("window has no main menu: call install")
	}
	var menu *fyne.Menu
	for _, m := range mm.Items {
		if m.Label == keys.title {
			menu = m
		}
	}
	if menu == nil || len(menu.Items) != len(keys.actions) {
		t.Fatalf("menu %q does not list the %d actions", keys.title, len(keys.actions))
	}
}

// walkObjects calls fn for o and everything inside it.
func walkObjects(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	fn(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, ch := range c.Objects {
			walkObjects(ch, fn)
		}
	case *container.AppTabs:
		// A fresh renderer of tabs shows an empty overflow button; the
		// tabs' own content is what holds the screen's buttons.
		for _, it := range c.Items {
			walkObjects(it.Content, fn)
		}
	case fyne.Widget:
		if _, isBtn := o.(*widget.Button); isBtn {
			return
		}
		r := c.CreateRenderer()
		for _, ch := range r.Objects() {
			walkObjects(ch, fn)
		}
	}
}

func TestActionKeysRunFromTheMenuAndSayTheirKey(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("keys")
	keys := newActionKeys(w, "Queue")
	ran := 0
	retry := keys.button("Retry", ctrlKey(fyne.KeyR), func() { ran++ })
	keys.action("Discard", ctrlKey(fyne.KeyD), func() { ran += 10 })
	keys.install()
	if retry.Text != "Retry   Ctrl+R" {
		t.Errorf("button says %q", retry.Text)
	}
	w.SetContent(retry)
	checkEveryButtonKeyed(t, w.Content(), keys)
	w.Canvas().(fyne.Shortcutable).TypedShortcut(ctrlKey(fyne.KeyR).shortcut())
	if ran != 1 {
		t.Fatalf("Ctrl+R ran %d", ran)
	}
	retry.Disable()
	w.Canvas().(fyne.Shortcutable).TypedShortcut(ctrlKey(fyne.KeyR).shortcut())
	w.MainMenu().Items[0].Items[1].Action()
	if ran != 11 {
		t.Fatalf("disabled Retry ran, or Discard did not: %d", ran)
	}
	keys.uninstall()
	if w.MainMenu() != nil {
		t.Errorf("menu left after uninstall")
	}
}
