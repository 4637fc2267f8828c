package app

import (
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"labelstation/app/i18n"
	"labelstation/carrier/sandbox"
	cfgfile "labelstation/config"
	"labelstation/printer/zplsim"
	"labelstation/station/kpi"
)

// openSettings opens the settings window of a pack screen on a fake
// station whose settings are src.
func openSettings(t *testing.T, src SettingsSource) (*settingsWindow, *PackScreen, *uiLoop) {
	t.Helper()
	ps, _, loop := newTestScreen(t, newFakeStation(), WithSettings(src))
	ps.ShowSettings()
	w := settingsOf(ps)
	if w == nil {
		t.Fatal("ShowSettings opened no settings window")
	}
	t.Cleanup(func() {
		if settingsOf(ps) != nil {
			w.win.Close()
		}
	})
	loop.drain()
	return w, ps, loop
}

func pressShortcut(w fyne.Window, k keyAction) {
	w.Canvas().(fyne.Shortcutable).TypedShortcut(k.shortcut())
}

func settingsField(t *testing.T, w *settingsWindow, page, key string) *setField {
	t.Helper()
	p := w.page(page)
	if p == nil {
		t.Fatalf("no page %s", page)
	}
	f := p.field(key)
	if f == nil {
		t.Fatalf("page %s has no field %s", page, key)
	}
	return f
}

func typeInto(f *setField, text string) {
	f.entry.SetText("")
	test.Type(f.entry, text)
}

// The settings load the file, say what is wrong at the field as it is
// typed, refuse to save until it is fixed, and then write the file
// (read back with config.Read) without the secret, which is in the
// secrets store.
func TestSettingsLoadEditValidateSave(t *testing.T) {
	src := newRealSettings(t)
	start := cfgfile.Default()
	start.Station.Name = "Bench 3"
	if err := cfgfile.Save(src.path, start); err != nil {
		t.Fatal(err)
	}
	w, _, loop := openSettings(t, src)
	if got := settingsField(t, w, "station", "station.name").entry.Text; got != "Bench 3" {
		t.Fatalf("bench name shows %q, want the file's", got)
	}
	if got := settingsField(t, w, "consignor", "consignor.city").entry.Text; got != "Göteborg" {
		t.Fatalf("city shows %q", got)
	}

	// A wrong country: said under the field, in red, as it is typed.
	country := settingsField(t, w, "consignor", "consignor.country")
	typeInto(country, "Sverige")
	if !strings.Contains(country.note.Text, "two capital letters") || country.note.Importance != widget.DangerImportance {
		t.Fatalf("country note %q (%v), want the rule in red", country.note.Text, country.note.Importance)
	}
	if country.entry.Validate() == nil {
		t.Error("the entry itself does not show the country as invalid")
	}
	// Save refuses, shows the page with the problem and writes nothing.
	w.tabs.SelectIndex(0)
	test.Tap(w.saveBtn)
	loop.drain()
	if w.visible().id != "consignor" || !w.visible().problem.Visible() {
		t.Fatalf("save with a bad country shows page %s (problem shown: %v)", w.visible().id, w.visible().problem.Visible())
	}
	if !strings.Contains(w.status.Text, "Not saved") {
		t.Errorf("status %q", w.status.Text)
	}
	if saves, _, _ := src.counts(); saves != 0 {
		t.Fatal("saved with a bad country")
	}

	// Fixed; a real PostNord address with its key typed, a webhook.
	typeInto(country, "SE")
	if country.note.Importance == widget.DangerImportance {
		t.Fatalf("country still marked: %q", country.note.Text)
	}
	typeInto(settingsField(t, w, "postnord", "postnord.url"), "https://atapi2.postnord.com")
	typeInto(settingsField(t, w, "postnord", "postnord.apikey"), "pn-secret-key-4711")
	typeInto(settingsField(t, w, "webhooks", "wms.webhooks.url"), "https://wms.example.com/hooks")
	typeInto(settingsField(t, w, "webhooks", "wms.webhooks.secret"), "hook-signing-secret-0815")
	typeInto(settingsField(t, w, "queue", "outbox.concurrency"), "8")
	pressShortcut(w.win, ctrlKey(fyne.KeyS))
	loop.until(t, "saved", func() bool { return w.restartBtn.Visible() })
	if !strings.Contains(w.status.Text, src.path) {
		t.Errorf("status after save %q does not say where", w.status.Text)
	}

	got, err := cfgfile.Read(src.path, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.PostNord.URL != "https://atapi2.postnord.com" || got.Station.Name != "Bench 3" || got.Outbox.Concurrency != 8 ||
		got.WMS.Webhooks.URL != "https://wms.example.com/hooks" || got.Consignor.Country != "SE" {
		t.Errorf("file read back: %+v", got)
	}
	if got.PostNord.APIKey != "" || got.WMS.Webhooks.Secret != "" {
		t.Error("a secret is in the config file")
	}
	if fileHolds(t, src.path, "pn-secret-key-4711", "hook-signing-secret-0815") {
		t.Fatal("the config file holds a secret's value")
	}
	for name, want := range map[string]string{"postnord.apikey": "pn-secret-key-4711", "wms.webhooks.secret": "hook-signing-secret-0815"} {
		if v, ok, err := src.store.Get(name); err != nil || !ok || v != want {
			t.Errorf("store %s = %q, %v, %v", name, v, ok, err)
		}
	}
	// The secret fields are empty again and say a value is stored.
	if f := settingsField(t, w, "postnord", "postnord.apikey"); f.entry.Text != "" || !strings.Contains(f.entry.PlaceHolder, "Stored") {
		t.Errorf("api key field after save: %q / %q", f.entry.Text, f.entry.PlaceHolder)
	}
	// And the station can start with it: the secret comes from the store.
	got.FillSecrets(src.store.Get)
	if err := got.Validate(); err != nil {
		t.Errorf("saved config does not validate with the store's secrets: %v", err)
	}

	// Opened again, the window knows the key is stored: saving again
	// needs no retyping.
	w2, _, loop2 := openSettings(t, src)
	loop2.until(t, "stored secrets known", func() bool { return w2.stored["postnord.apikey"] })
	typeInto(settingsField(t, w2, "station", "station.name"), "Bench 4")
	test.Tap(w2.saveBtn)
	loop2.until(t, "saved again", func() bool { return w2.restartBtn.Visible() || strings.Contains(w2.status.Text, "Not saved") })
	if !w2.restartBtn.Visible() {
		t.Fatalf("saving again with the key in the store: %q", w2.status.Text)
	}

	// Restart now asks cmd for a restart and closes the station's window
	// (the test driver's window must be closed only once, by the test).
	stationClosed := false
	w.closeStation = func() { stationClosed = true }
	pressShortcut(w.win, ctrlKey(fyne.KeyR))
	if _, restarts, _ := src.counts(); restarts != 1 || !stationClosed {
		t.Errorf("Restart now: %d restart requests, station window closed: %v", restarts, stationClosed)
	}
}

// A refusal from config.Validate itself (here a WMS header that names an
// environment variable that is not set) is shown on the page and at the
// field it concerns.
func TestSettingsValidateRefusalShownAtItsPage(t *testing.T) {
	src := newRealSettings(t)
	w, _, loop := openSettings(t, src)
	headers := settingsField(t, w, "orders", "orders.http.headers")
	headers.entry.SetText("X-Tenant: ${LABELSTATION_TEST_NOT_SET_ANYWHERE}")
	w.tabs.SelectIndex(0)
	test.Tap(w.saveBtn)
	loop.until(t, "refused", func() bool { return strings.Contains(w.status.Text, "Not saved") })
	if p := w.visible(); p.id != "orders" || !strings.Contains(p.problem.Text, "LABELSTATION_TEST_NOT_SET_ANYWHERE") {
		t.Fatalf("refusal on page %s: %q", p.id, p.problem.Text)
	}
	if headers.note.Importance != widget.DangerImportance || !strings.Contains(headers.note.Text, "not set in the environment") {
		t.Errorf("headers field note %q", headers.note.Text)
	}
	// A header value typed out is a secret: stored, and empty in the file.
	headers.entry.SetText("Authorization: Bearer wms-token-abcdef123456")
	typeInto(settingsField(t, w, "orders", "orders.http.url"), "https://wms.example/api/orders/{ref}")
	settingsField(t, w, "orders", "orders.source").choice.SetSelectedIndex(1)
	test.Tap(w.saveBtn)
	loop.until(t, "saved", func() bool { return w.restartBtn.Visible() })
	if fileHolds(t, src.path, "wms-token-abcdef123456") {
		t.Fatal("the header's token is in the file")
	}
	if v, ok, _ := src.store.Get("orders.http.headers.Authorization"); !ok || v != "Bearer wms-token-abcdef123456" {
		t.Errorf("stored header %q %v", v, ok)
	}
	got, err := cfgfile.Read(src.path, true)
	if err != nil || got.Orders.Source != cfgfile.OrderSourceHTTP {
		t.Fatalf("read back: %v %+v", err, got.Orders)
	}
	h, err := got.OrderHeaders(src.store.Get)
	if err != nil || h["Authorization"] != "Bearer wms-token-abcdef123456" {
		t.Errorf("the station's headers: %v %v", h, err)
	}
}

// Test connection tries the settings on screen against real parts: the
// PostNord sandbox over HTTP, a simulated Zebra on loopback TCP, the
// simulated scale; a closed port fails, in words.
func TestSettingsTestConnectionAgainstRealParts(t *testing.T) {
	sb := httptest.NewServer(sandbox.New(sandbox.Options{APIKey: "good-key", Seed: 1}))
	t.Cleanup(sb.Close)
	zebra, err := zplsim.Listen("127.0.0.1:0", zplsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zebra.Close() })
	closed := closedPort(t)

	src := newRealSettings(t)
	w, _, loop := openSettings(t, src)
	test := func(page string) string {
		t.Helper()
		p := w.page(page)
		w.tabs.SelectIndex(p.index)
		pressShortcut(w.win, ctrlKey(fyne.KeyT))
		loop.until(t, page+" tested", func() bool {
			return p.result.Visible() && !strings.HasSuffix(p.result.Text, "…") && w.busy == 0
		})
		return p.result.Text
	}

	typeInto(settingsField(t, w, "postnord", "postnord.url"), sb.URL)
	typeInto(settingsField(t, w, "postnord", "postnord.apikey"), "good-key")
	if got := test("postnord"); !strings.HasPrefix(got, "The connection works.") || !strings.Contains(got, "PostNord Booking: the key is accepted") {
		t.Errorf("PostNord with the right key:\n%s", got)
	}
	typeInto(settingsField(t, w, "postnord", "postnord.apikey"), "wrong-key")
	if got := test("postnord"); !strings.HasPrefix(got, "The connection does not work") || !strings.Contains(got, "FAILED") {
		t.Errorf("PostNord with a wrong key:\n%s", got)
	}
	typeInto(settingsField(t, w, "postnord", "postnord.url"), "http://"+closed)
	if got := test("postnord"); !strings.HasPrefix(got, "The connection does not work") || !strings.Contains(got, "FAILED · PostNord reachable") {
		t.Errorf("PostNord on a closed port:\n%s", got)
	}
	if w.page("postnord").result.Importance != widget.DangerImportance {
		t.Error("a failed test is not shown in red")
	}

	printerURI := settingsField(t, w, "printer", "station.printer")
	typeInto(printerURI, zebra.URI())
	if got := test("printer"); !strings.HasPrefix(got, "The connection works.") || !strings.Contains(got, "OK · Printer") {
		t.Errorf("printer on loopback:\n%s", got)
	}
	typeInto(printerURI, "tcp://"+closed)
	if got := test("printer"); !strings.HasPrefix(got, "The connection does not work") || !strings.Contains(strings.ToLower(got), "refused") {
		t.Errorf("printer on a closed port:\n%s", got)
	}

	typeInto(settingsField(t, w, "scale", "station.scale"), "sim://?weight=2.5kg")
	if got := test("scale"); !strings.HasPrefix(got, "The connection works.") || !strings.Contains(got, "2.5") {
		t.Errorf("simulated scale:\n%s", got)
	}
	typeInto(settingsField(t, w, "webhooks", "wms.webhooks.url"), "http://"+closed+"/hooks")
	if got := test("webhooks"); !strings.Contains(got, "cannot be reached") {
		t.Errorf("webhooks on a closed port:\n%s", got)
	}
}

// closedPort is a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Every button has a key, the visible page's keys follow the tab, and the
// keys act.
func TestSettingsEveryButtonKeyed(t *testing.T) {
	src := newRealSettings(t)
	w, ps, loop := openSettings(t, src)
	for _, p := range w.pages {
		w.tabs.SelectIndex(p.index)
		checkEveryButtonKeyed(t, w.win.Content(), w.keys)
		if p.testBtn != nil {
			if k, ok := w.keys.keyOf(p.testBtn); !ok || k != ctrlKey(fyne.KeyT) {
				t.Errorf("page %s: Test connection is not Ctrl+T", p.id)
			}
		}
	}
	// Ctrl+PageDown turns the page; Ctrl+W closes the window.
	w.tabs.SelectIndex(0)
	pressShortcut(w.win, ctrlKey(fyne.KeyPageDown))
	if w.tabs.SelectedIndex() != 1 {
		t.Errorf("Ctrl+PageDown: page %d", w.tabs.SelectedIndex())
	}
	// The id series page: add one with Ctrl+N, offer it for offline labels.
	se := w.series
	w.tabs.SelectIndex(se.page.index)
	se.name.show("allotment-2027")
	se.ext.show("3")
	se.prefix.show("7350099")
	se.first.show("1")
	se.last.show("5000")
	pressShortcut(w.win, ctrlKey(fyne.KeyN))
	if len(se.items) != 1 || se.items[0].Name != "allotment-2027" {
		t.Fatalf("Ctrl+N added %v (%s)", se.items, se.note.Text)
	}
	se.offline.show("allotment-2027")
	pressShortcut(w.win, ctrlKey(fyne.KeyS))
	loop.until(t, "saved", func() bool { return w.restartBtn.Visible() })
	got, err := cfgfile.Read(src.path, true)
	if err != nil || len(got.IDSeries) != 1 || got.Outbox.OfflineSeries != "allotment-2027" {
		t.Fatalf("series saved: %v %+v %q", err, got.IDSeries, got.Outbox.OfflineSeries)
	}
	pressShortcut(w.win, ctrlKey(fyne.KeyW))
	if settingsOf(ps) != nil {
		t.Error("Ctrl+W left the window open")
	}
}

// A packer opening the settings is asked for the supervisor's PIN first.
func TestSettingsNeedTheSupervisor(t *testing.T) {
	st := &settingsGated{fakeStation: newFakeStation(), fakeSup: newFakeSup("2580")}
	ps, win, loop := newTestScreen(t, st, WithSettings(newRealSettings(t)))
	loop.drain()
	ps.ShowSettings()
	if settingsOf(ps) != nil {
		t.Fatal("the settings opened in packer mode")
	}
	if ps.role == nil || ps.role.pin == nil {
		t.Fatal("no PIN dialog")
	}
	typeKeys(win.Canvas(), "2580")
	pressKey(win.Canvas(), fyne.KeyReturn)
	loop.until(t, "settings open", func() bool { return settingsOf(ps) != nil })
	// Back in packer mode, the window closes.
	ps.LockSupervisor()
	loop.drain()
	if settingsOf(ps) != nil {
		t.Error("the settings stayed open after Lock")
	}
}

type settingsGated struct {
	*fakeStation
	*fakeSup
}

// In Swedish the window speaks Swedish.
func TestSettingsInSwedish(t *testing.T) {
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
	w, _, _ := openSettings(t, newRealSettings(t))
	if w.win.Title() != "Inställningar" {
		t.Errorf("title %q", w.win.Title())
	}
	if w.saveBtn.Text != "Spara   Ctrl+S" {
		t.Errorf("save button %q", w.saveBtn.Text)
	}
	if w.pages[0].title != "Packbord" || w.page("consignor").title != "Avsändare" {
		t.Errorf("page titles %q, %q", w.pages[0].title, w.page("consignor").title)
	}
	country := settingsField(t, w, "consignor", "consignor.country")
	typeInto(country, "x")
	if !strings.Contains(country.note.Text, "två versaler") {
		t.Errorf("Swedish rule: %q", country.note.Text)
	}
}

// In Swedish, Test connection says the station's checks in Swedish: the
// PostNord sandbox's answer, a closed printer port and the simulated scale
// (labelstation doctor keeps the same checks in English).
func TestSettingsTestConnectionInSwedish(t *testing.T) {
	sb := httptest.NewServer(sandbox.New(sandbox.Options{APIKey: "good-key", Seed: 1}))
	t.Cleanup(sb.Close)
	closed := closedPort(t)
	if _, err := i18n.Use("sv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { i18n.Use("en") })
	w, _, loop := openSettings(t, newRealSettings(t))
	test := func(page string) string {
		t.Helper()
		p := w.page(page)
		w.tabs.SelectIndex(p.index)
		pressShortcut(w.win, ctrlKey(fyne.KeyT))
		loop.until(t, page+" tested", func() bool {
			return p.result.Visible() && !strings.HasSuffix(p.result.Text, "…") && w.busy == 0
		})
		return p.result.Text
	}

	typeInto(settingsField(t, w, "postnord", "postnord.url"), sb.URL)
	typeInto(settingsField(t, w, "postnord", "postnord.apikey"), "good-key")
	got := test("postnord")
	for _, want := range []string{"Anslutningen fungerar.", "OK · PostNord nås: ", "OK · PostNord Booking: nyckeln godkänns"} {
		if !strings.Contains(got, want) {
			t.Errorf("PostNord in Swedish lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "the key is accepted") || strings.Contains(got, "reachable") {
		t.Errorf("PostNord in Swedish says English:\n%s", got)
	}

	typeInto(settingsField(t, w, "printer", "station.printer"), "tcp://"+closed)
	got = test("printer")
	if !strings.Contains(got, "FEL · Skrivare: tcp://"+closed) || !strings.Contains(got, "Gör så här: kontrollera att skrivaren är på") {
		t.Errorf("printer on a closed port in Swedish:\n%s", got)
	}

	typeInto(settingsField(t, w, "scale", "station.scale"), "sim://?weight=2.5kg")
	got = test("scale")
	if !strings.Contains(got, "OK · Våg: sim://?weight=2.5kg svarar: ") || !strings.Contains(got, "(stabil)") {
		t.Errorf("simulated scale in Swedish:\n%s", got)
	}
}

// Every KPI with a default threshold has a name in the catalogue.
func TestEveryThresholdHasAName(t *testing.T) {
	en, err := i18n.Catalogue("en")
	if err != nil {
		t.Fatal(err)
	}
	for key := range kpi.DefaultThresholds() {
		if _, ok := en["dash.kpi."+key]; !ok {
			t.Errorf("KPI %s has no name (dash.kpi.%s) in the catalogue", key, key)
		}
	}
}
