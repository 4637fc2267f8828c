package app

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"labelstation/app/i18n"
	"labelstation/secrets"
)

// lockedStore is an encrypted secrets file holding one secret, opened
// again without its passphrase.
func lockedStore(t *testing.T, pass string) *secrets.Store {
	t.Helper()
	t.Setenv(secrets.PassphraseEnv, "")
	dir := filepath.Join(t.TempDir(), "data")
	st, err := secrets.Open(dir, secrets.Config{Backend: secrets.BackendFile})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if err := st.Set("postnord.apikey", "kiosk-key-42"); err != nil {
		t.Fatal(err)
	}
	again, err := secrets.Open(dir, secrets.Config{Backend: secrets.BackendFile})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Locked() {
		t.Fatal("the store is not locked without its passphrase")
	}
	return again
}

// A wrong passphrase says so and asks again; the right one opens the
// secrets and ends the window.
func TestPassphraseWrongThenRight(t *testing.T) {
	st := lockedStore(t, "correct horse battery")
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	loop := newUILoop()
	var results []bool
	p := newPassphraseWindow(win, st.Where(), st.Unlock, loop.do, func(ok bool) { results = append(results, ok) })
	checkEveryButtonKeyed(t, win.Content(), p.keys)
	if win.Canvas().Focused() != p.entry {
		t.Error("the passphrase field does not have the focus")
	}

	typeKeys(win.Canvas(), "wrong horse")
	pressKey(win.Canvas(), fyne.KeyReturn)
	loop.until(t, "wrong passphrase checked", func() bool { return !p.busy && p.says.Text != "Opening…" })
	if !strings.Contains(p.says.Text, "does not open") || len(results) > 0 || p.entry.Text != "" {
		t.Fatalf("after a wrong passphrase: %q, results %v, entry %q", p.says.Text, results, p.entry.Text)
	}
	if !st.Locked() {
		t.Fatal("a wrong passphrase unlocked the store")
	}

	test.Type(p.entry, "correct horse battery")
	win.Canvas().(fyne.Shortcutable).TypedShortcut(ctrlKey(fyne.KeyO).shortcut())
	loop.until(t, "unlocked", func() bool { return len(results) > 0 })
	if !results[0] {
		t.Fatal("the right passphrase did not end the window with success")
	}
	if v, ok, err := st.Get("postnord.apikey"); err != nil || !ok || v != "kiosk-key-42" {
		t.Errorf("after unlocking: %q %v %v", v, ok, err)
	}
}

// Quit ends the window without unlocking.
func TestPassphraseQuit(t *testing.T) {
	st := lockedStore(t, "correct horse battery")
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	var results []bool
	p := newPassphraseWindow(win, st.Where(), st.Unlock, newUILoop().do, func(ok bool) { results = append(results, ok) })
	test.Tap(p.quit)
	if len(results) != 1 || results[0] {
		t.Fatalf("Quit: %v", results)
	}
}

// In Swedish the window speaks Swedish.
func TestPassphraseInSwedish(t *testing.T) {
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	p := newPassphraseWindow(win, "/data/secrets.enc", func(string) error { return nil }, newUILoop().do, func(bool) {})
	if p.ok.Text != "Öppna hemligheterna   Ctrl+O" || p.entry.PlaceHolder != "Lösenfras" {
		t.Errorf("button %q, field %q", p.ok.Text, p.entry.PlaceHolder)
	}
}
