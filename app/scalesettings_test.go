package app

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"labelstation/app/i18n"
	"labelstation/scale"
	"labelstation/station"
)

// settingsStation is the fake station with scale settings.
type settingsStation struct {
	*fakeStation
	mu   sync.Mutex
	uri  string
	used []string
}

func (s *settingsStation) ScaleURI() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uri
}

func (s *settingsStation) ScaleDevices(ctx context.Context) ([]scale.Found, error) {
	return []scale.Found{
		{Kind: "usbhid", Port: "/dev/hidraw0", URI: "usbhid://0922:8003", USBID: "0922:8003", Product: "Dymo M10"},
		{Kind: "serial", Port: "/dev/ttyUSB0", URI: "serial:///dev/ttyUSB0?protocol=sics", USBID: "0403:6001", Product: "FTDI USB serial adapter", Note: "protocol unknown"},
	}, nil
}

func (s *settingsStation) ProbeScale(ctx context.Context, port string) (string, scale.Reading, error) {
	if port != "/dev/ttyUSB0" {
		return "", scale.Reading{}, errors.New("no scale answers")
	}
	return "serial:///dev/ttyUSB0?protocol=nci", scale.Reading{Grams: 1140, Stable: true}, nil
}

func (s *settingsStation) TestScale(ctx context.Context, uri string) (scale.Reading, error) {
	if strings.Contains(uri, "nope") {
		return scale.Reading{}, &station.Problem{Msg: "the scale did not answer", Hint: "check the cable"}
	}
	return scale.Reading{Grams: 2500, Status: scale.StatusOK, Stable: false}, nil
}

func (s *settingsStation) UseScale(uri string) (scale.Scale, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used = append(s.used, uri)
	s.uri = uri
	return nil, nil
}

// The settings dialog finds scales, probes a serial port for its protocol,
// reads a weight and switches the station to the scale, each through one
// station call whose result comes back through fyne.Do.
func TestScaleSettingsFindProbeTestUse(t *testing.T) {
	st := &settingsStation{fakeStation: newFakeStation(), uri: "sim://?weight=1.25kg"}
	ps, w, loop := newTestScreen(t, st)
	if ps.scaleBtn == nil {
		t.Fatal("no Scale… button for a station with scale settings")
	}
	if min := ps.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
		t.Errorf("screen with the Scale… button needs %v, more than 1100×700", min)
	}
	test.Tap(ps.scaleBtn)
	d := ps.settings
	if d == nil || d.uri.Text != "sim://?weight=1.25kg" {
		t.Fatalf("dialog not open or does not show the scale in use: %+v", d)
	}
	loop.until(t, "devices listed", func() bool { return len(d.devices.Options) == 2 })
	if !strings.Contains(d.devices.Options[0], "Dymo M10") {
		t.Errorf("options %q", d.devices.Options)
	}

	d.devices.SetSelected(d.devices.Options[1])
	if d.uri.Text != "serial:///dev/ttyUSB0?protocol=sics" {
		t.Errorf("choosing the port set the address to %q", d.uri.Text)
	}
	test.Tap(d.probe)
	loop.until(t, "probed", func() bool { return d.uri.Text == "serial:///dev/ttyUSB0?protocol=nci" })
	if !strings.Contains(d.result.Text, "1.14 kg (stable)") {
		t.Errorf("probe result %q", d.result.Text)
	}
	if out := os.Getenv("PACK_SCREENSHOT"); out != "" {
		writePNG(t, strings.TrimSuffix(out, ".png")+"-scale-settings.png", w.Canvas())
	}

	test.Tap(d.test)
	loop.until(t, "tested", func() bool { return strings.Contains(d.result.Text, "reads 2.5 kg (moving)") })
	d.uri.SetText("serial:///dev/nope")
	test.Tap(d.test)
	loop.until(t, "test failed", func() bool { return strings.Contains(d.result.Text, "did not answer") })
	if !strings.Contains(d.result.Text, "Check the cable") {
		t.Errorf("failure without its hint: %q", d.result.Text)
	}

	d.uri.SetText("serial:///dev/ttyUSB0?protocol=nci")
	test.Tap(d.use)
	loop.until(t, "used", func() bool { return strings.Contains(d.result.Text, "now weighs with") })
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.used) != 1 || st.used[0] != "serial:///dev/ttyUSB0?protocol=nci" {
		t.Errorf("UseScale calls %q", st.used)
	}
}

// The weight area shows the scale's state in words: zero, overload,
// disconnected, no scale, and recovers to a weight.
func TestWeightAreaShowsScaleState(t *testing.T) {
	st := newFakeStation()
	ps, _, loop := newTestScreen(t, st)
	for _, tc := range []struct {
		u      scale.Update
		weight string
		mark   string
		col    fyneColor
	}{
		{scale.Update{Reading: scale.Reading{Grams: 0, Stable: true}}, "0 g", "zero: put the parcel on", colMuted},
		{scale.Update{Reading: scale.Reading{Status: scale.StatusOverload}}, "overload", "too heavy for the scale", colBad},
		{scale.Update{Reading: scale.Reading{Status: scale.StatusUnderload}}, "underload", "below the scale's range: empty it and zero", colBad},
		{scale.Update{Reading: scale.Reading{Grams: -12, Stable: true}}, "-12 g", "below zero: zero the scale", colWait},
		{scale.Update{Err: errors.New("scale on /dev/ttyUSB0 was disconnected")}, "—", "scale disconnected", colBad},
		{scale.Update{Err: station.ErrNoScale}, "—", "no scale: type the weight", colMuted},
		{scale.Update{Reading: scale.Reading{Grams: 1140, Stable: true}}, "1.14 kg", "stable", colOK},
	} {
		go func() { st.updates <- tc.u }()
		loop.until(t, tc.mark, func() bool { return ps.stableText.Text == tc.mark })
		if ps.weightText.Text != tc.weight || ps.stableText.Color != tc.col {
			t.Errorf("%+v: weight %q colour %v; want %q %v", tc.u, ps.weightText.Text, ps.stableText.Color, tc.weight, tc.col)
		}
		if _, ok := ps.pinnedWeight(); ok != (tc.mark == "stable") {
			t.Errorf("%s: pinnable = %v", tc.mark, ok)
		}
	}
	_ = time.Second
}

// Print passes the stable weight on screen as Seen, so the station can
// notice a weight that changes after Print.
func TestPrintPassesTheWeightSeen(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st)
	go func() { st.weights <- scale.Reading{Grams: 1249.6, Stable: true, Time: time.Now()} }()
	loop.until(t, "stable", func() bool { return ps.stableText.Text == "stable" })
	scanCode(w.Canvas(), "10001")
	loop.until(t, "shown", func() bool { return ps.armed })
	ps.Print()
	loop.until(t, "printed", func() bool { return len(st.printer.printed()) == 1 })
	packs, _ := st.calls()
	if len(packs) != 1 || packs[0].Opts.Seen != 1250 || packs[0].Opts.Weight != 0 {
		t.Fatalf("pack options %+v: want Seen 1250 g and the station weighing", packs)
	}
}

// The scale dialog: F4 opens it, every button has a Ctrl key listed in
// its Scale menu, Ctrl+T reads a weight, Ctrl+W closes it and its menu.
func TestScaleSettingsKeys(t *testing.T) {
	st := &settingsStation{fakeStation: newFakeStation(), uri: "sim://?weight=1.25kg"}
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	pressKey(c, fyne.KeyF4)
	d := ps.settings
	if d == nil {
		t.Fatal("F4 opened no scale dialog")
	}
	loop.until(t, "devices listed", func() bool { return len(d.devices.Options) == 2 })
	checkEveryButtonKeyed(t, d.content, d.keys)
	if d.test.Text != "Test: read a weight   Ctrl+T" || d.closeBtn.Text != "Close   Ctrl+W" {
		t.Errorf("buttons %q / %q", d.test.Text, d.closeBtn.Text)
	}
	for _, ac := range d.keys.actions {
		if _, clash := ps.keys.lookup(ac.key); clash {
			t.Errorf("%s is a key of the main window too", ac.key)
		}
	}
	c.(fyne.Shortcutable).TypedShortcut(ctrlKey(fyne.KeyT).shortcut())
	loop.until(t, "tested by Ctrl+T", func() bool { return strings.Contains(d.result.Text, "reads 2.5 kg (moving)") })
	c.(fyne.Shortcutable).TypedShortcut(keyDeviceClose.shortcut())
	if mm := w.MainMenu(); len(mm.Items) != 1 || c.Overlays().Top() != nil {
		t.Errorf("after Ctrl+W: %d menus, overlay %v", len(mm.Items), c.Overlays().Top())
	}
	focusedIsScan(t, ps, w, "after Ctrl+W")
}

// The scale dialog and the weight's states in Swedish.
func TestScaleSettingsInSwedish(t *testing.T) {
	useSwedish(t)
	st := &settingsStation{fakeStation: newFakeStation(), uri: "sim://?weight=1.25kg"}
	ps, _, loop := newTestScreen(t, st)
	if ps.scaleBtn.Text != "Våg…   F4" {
		t.Errorf("Scale… says %q", ps.scaleBtn.Text)
	}
	test.Tap(ps.scaleBtn)
	d := ps.settings
	loop.until(t, "devices listed", func() bool { return len(d.devices.Options) == 2 })
	if d.find.Text != "Sök vågar   Ctrl+F" || !strings.HasPrefix(d.result.Text, "Hittade vågar och portar: 2.") {
		t.Errorf("find %q, result %q", d.find.Text, d.result.Text)
	}
	test.Tap(d.test)
	loop.until(t, "tested", func() bool { return strings.Contains(d.result.Text, "Vågen visar 2.5 kg (i rörelse)") })

	go func() { st.weights <- scale.Reading{Grams: 900, Stable: true, Time: time.Now()} }()
	loop.until(t, "stable in Swedish", func() bool { return ps.stableText.Text == "stabil" })
}

// Every scale state has its word in the English catalogue (and so, by the
// i18n tests, in every language).
func TestEveryScaleStateHasAMessage(t *testing.T) {
	en, err := i18n.Catalogue("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scaleStates {
		if _, ok := en["scale.state."+string(s)]; !ok {
			t.Errorf("scale state %q has no message scale.state.%s", s, s)
		}
	}
}
