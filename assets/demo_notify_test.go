package assets_test

import (
	"bytes"
	"testing"
	"time"

	"labelstation/assets"
	"labelstation/station/notify"
	"labelstation/store"
)

// The demo's setup is a valid one: every template's fields exist, every
// rule names a template with the texts its channels need, and the rules
// come in disabled.
func TestDemoNotifySetupImports(t *testing.T) {
	s, err := notify.ParseSetup(bytes.NewReader(assets.DemoNotifyTOML))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir(), store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := notify.New(st, notify.Config{ShopName: "Demo", Channels: []string{"email", "sms"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Import(s); err != nil {
		t.Fatal(err)
	}
	got := e.Setup()
	if len(got.Rules) != 5 || len(got.Templates) != 4 {
		t.Fatalf("%d rules, %d templates", len(got.Rules), len(got.Templates))
	}
	for _, r := range got.Rules {
		if r.Enabled {
			t.Errorf("rule %s came in enabled", r.ID)
		}
	}
}
