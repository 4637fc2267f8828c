package app

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"labelstation/app/i18n"
	"labelstation/carrier/sandbox"
	cfgfile "labelstation/config"
	"labelstation/station"
)

// newTestWizard opens the wizard in a test window on src.
func newTestWizard(t *testing.T, src WizardSource) (*wizard, *uiLoop, *[]string) {
	t.Helper()
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	loop := newUILoop()
	var outcomes []string
	wz := newWizard(context.Background(), win, src, loop.do, func(o string) { outcomes = append(outcomes, o) })
	t.Cleanup(func() { wz.stopLive(); wz.cancel() })
	return wz, loop, &outcomes
}

// The wizard end to end in a temporary directory: PostNord (its key
// checked against the sandbox over HTTP), no printer (labels as files),
// the simulated scale read live, the sender; Save and start writes a
// config the station starts with, the key in the secrets store only.
func TestWizardWritesAConfigTheStationStartsWith(t *testing.T) {
	sb := httptest.NewServer(sandbox.New(sandbox.Options{APIKey: "wizard-key-123", Seed: 1}))
	t.Cleanup(sb.Close)
	rs := newRealSettings(t)
	src := &sandboxed{realSettings: rs, url: sb.URL}
	wz, loop, outcomes := newTestWizard(t, src)
	c := wz.win.Canvas()
	if wz.next.Text != "Start the demo   Ctrl+N" {
		t.Errorf("first choice is not the demo: Next says %q", wz.next.Text)
	}
	checkEveryButtonKeyed(t, wz.win.Content(), wz.keys)

	// Carrier: PostNord, its key and customer number.
	wz.carrier.SetSelected(wz.carrierOpts[choicePostNord])
	if !wz.pnBox.Visible() || wz.next.Text != "Next   Ctrl+N" {
		t.Fatalf("PostNord chosen: fields shown %v, Next says %q", wz.pnBox.Visible(), wz.next.Text)
	}
	c.(fyne.Shortcutable).TypedShortcut(ctrlKey(fyne.KeyN).shortcut())
	if wz.step != stepCarrier || !strings.Contains(wz.pnKey.note.Text, "Required") {
		t.Fatalf("went on without a key (step %d, note %q)", wz.step, wz.pnKey.note.Text)
	}
	test.Type(wz.pnKey.entry, "wizard-key-123")
	test.Type(wz.pnCustomer.entry, "20876966")
	// Test connection: the key against the sandbox, over HTTP.
	c.(fyne.Shortcutable).TypedShortcut(ctrlKey(fyne.KeyT).shortcut())
	loop.until(t, "carrier tested", func() bool { return !wz.busy && strings.Contains(wz.carrierSays.Text, "connection") })
	if !strings.HasPrefix(wz.carrierSays.Text, "The connection works.") || !strings.Contains(wz.carrierSays.Text, "the key is accepted") {
		t.Fatalf("the key against the sandbox:\n%s", wz.carrierSays.Text)
	}
	c.(fyne.Shortcutable).TypedShortcut(ctrlKey(fyne.KeyN).shortcut())
	if wz.step != stepPrinter {
		t.Fatalf("step %d after the carrier", wz.step)
	}
	checkEveryButtonKeyed(t, wz.win.Content(), wz.keys)

	// Printer: none (labels as files).
	test.Tap(wz.next)
	if wz.step != stepScale {
		t.Fatalf("step %d after the printer", wz.step)
	}
	// Scale: simulated, read live.
	if wz.scaleURI.value() != cfgfile.DemoScale {
		t.Errorf("simulated scale address %q", wz.scaleURI.value())
	}
	wz.scaleURI.show("sim://?weight=3.2kg")
	loop.until(t, "live reading", func() bool { return strings.Contains(wz.live.Text, "3.2") })
	test.Tap(wz.next)

	// Sender: the demo's made-up shop is not offered for real parcels.
	if wz.step != stepSender {
		t.Fatalf("step %d after the scale", wz.step)
	}
	name := wz.sender[0]
	if name.value() != "" {
		t.Errorf("sender name starts as %q, want empty for a real carrier", name.value())
	}
	test.Tap(wz.next)
	if wz.step != stepSender {
		t.Fatal("went on without a sender")
	}
	for key, v := range map[string]string{"consignor.name": "Nordpack AB", "consignor.street1": "Hamngatan 4",
		"consignor.postcode": "41103", "consignor.city": "Göteborg", "consignor.email": "lager@nordpack.example"} {
		for _, f := range wz.sender {
			if f.key == key {
				test.Type(f.entry, v)
			}
		}
	}
	test.Tap(wz.next)
	if wz.step != stepFinish || !strings.Contains(wz.summary.Text, "Nordpack AB") || !strings.Contains(wz.summary.Text, "3.2kg") {
		t.Fatalf("step %d, summary %q", wz.step, wz.summary.Text)
	}
	if wz.next.Text != "Save and start   Ctrl+N" {
		t.Errorf("last step's button %q", wz.next.Text)
	}
	test.Tap(wz.next)
	loop.until(t, "saved", func() bool { return len(*outcomes) > 0 })
	if (*outcomes)[0] != SetupSaved {
		t.Fatalf("outcome %v", *outcomes)
	}
	if _, _, setups := rs.counts(); len(setups) != 1 || setups[0] != SetupSaved {
		t.Errorf("recorded %v", setups)
	}

	// The file: valid once the store gives the key, which it alone holds.
	got, err := cfgfile.Read(rs.path, true)
	if err != nil {
		t.Fatal(err)
	}
	if fileHolds(t, rs.path, "wizard-key-123") {
		t.Fatal("the API key is in the config file")
	}
	if err := got.FillSecrets(rs.store.Get); err != nil {
		t.Fatal(err)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("the wizard's config does not validate: %v", err)
	}
	if got.PostNord.URL != postnordTestURL || got.PostNord.APIKey != "wizard-key-123" || got.Consignor.Name != "Nordpack AB" ||
		got.Consignor.CustomerNumber != "20876966" || got.Station.Scale != "sim://?weight=3.2kg" || got.Station.Printer != "" {
		t.Errorf("config: %+v", got)
	}
	// (config.Read lays a file over the demo defaults, so the file read
	// back shows the demo's customs numbers where the file has none: what
	// the wizard saved is checked.)
	rs.mu.Lock()
	saved := rs.last
	rs.mu.Unlock()
	if saved.Consignor.VATNumber != "" || saved.Consignor.VOEC != "" || saved.Consignor.EORI != "" {
		t.Errorf("the demo shop's customs numbers were saved: %+v", saved.Consignor)
	}
}

// sandboxed tests PostNord against a sandbox, whatever address the
// wizard chose (PostNord's own, which a test cannot reach).
type sandboxed struct {
	*realSettings
	url string
}

func (s *sandboxed) Test(ctx context.Context, c cfgfile.Config, what string) []station.DoctorCheck {
	c.PostNord.URL = s.url
	return s.realSettings.Test(ctx, c, what)
}

// "Try the demo" is the first choice: Ctrl+D records it and ends the
// wizard without writing a config file.
func TestWizardTryTheDemo(t *testing.T) {
	src := newRealSettings(t)
	wz, loop, outcomes := newTestWizard(t, src)
	wz.carrier.SetSelected(wz.carrierOpts[choicePostNord])
	wz.win.Canvas().(fyne.Shortcutable).TypedShortcut(ctrlKey(fyne.KeyD).shortcut())
	loop.until(t, "demo chosen", func() bool { return len(*outcomes) > 0 })
	if (*outcomes)[0] != SetupDemo {
		t.Fatalf("outcome %v", *outcomes)
	}
	if _, _, setups := src.counts(); len(setups) != 1 || setups[0] != SetupDemo {
		t.Errorf("recorded %v", setups)
	}
	if saves, _, _ := src.counts(); saves != 0 {
		t.Error("the demo wrote a config")
	}
}

// In Swedish the wizard speaks Swedish.
func TestWizardInSwedish(t *testing.T) {
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
	wz, _, _ := newTestWizard(t, newRealSettings(t))
	if wz.title.Text != "1 av 5 · Transportör" || wz.next.Text != "Starta demon   Ctrl+N" {
		t.Errorf("title %q, next %q", wz.title.Text, wz.next.Text)
	}
	if !strings.HasPrefix(wz.carrierOpts[0], "Prova demon") {
		t.Errorf("first choice %q", wz.carrierOpts[0])
	}
}
