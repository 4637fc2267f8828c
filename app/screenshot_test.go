package app

import (
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"labelstation/scale"
)

// TestScreenshot renders the pack screen in a busy moment (order shown,
// stable weight, last label printed, a next order waiting on a settling
// scale) with the default theme. With PACK_SCREENSHOT=/path/name.png it
// writes the image there, plus name-error.png with the error banner, for a
// look by eye:
//
//	PACK_SCREENSHOT=/tmp/pack-screen.png go test ./app -run Screenshot
func TestScreenshot(t *testing.T) {
	st := newFakeStation()
	// Long texts, as the real station gives: they must not widen the window.
	st.status.Carrier = "PostNord sandbox (http://127.0.0.1:40283/rest/shipment)"
	st.status.Scale = "simulated scale"
	st.status.QueuePending = 2
	ps, w, loop := newTestScreen(t, st)
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	c := w.Canvas()

	scanCode(c, "10001")
	loop.until(t, "order shown", func() bool { return ps.armed })
	go func() { st.weights <- scale.Reading{Grams: 1250, Stable: true, Time: time.Now()} }()
	loop.until(t, "weight", func() bool { return ps.stableText.Text == "stable" })
	pressKey(c, fyne.KeyF9)
	loop.until(t, "printed", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
	scanCode(c, "10002")
	loop.until(t, "next order", func() bool { return ps.rcptName.Text == "Søren Ærø" })
	loop.until(t, "status", func() bool { return ps.statusItems["carrier"].text.Text != "…" })

	img := c.Capture()
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 600 {
		t.Fatalf("captured %v, want the 1100×700 window", b)
	}
	// The minimum size must fit a 1100×700 window, or Fyne would grow it.
	if min := ps.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
		t.Errorf("screen needs %v, more than 1100×700", min)
	}
	out := os.Getenv("PACK_SCREENSHOT")
	if out == "" {
		return
	}
	writePNG(t, out, c)

	scanCode(c, "99999")
	loop.until(t, "banner", func() bool { return ps.bannerBox.Visible() })
	ps.bannerHint.SetText("Check the order number on the pick list, or import today's orders.")
	ps.bannerHint.Show()
	writePNG(t, strings.TrimSuffix(out, ".png")+"-error.png", c)
}

// relayout lays out every container and widget again, top down. The real
// canvas does this each frame for objects whose minimum size changed (a
// label that got a second line); the test canvas does not, and without it
// the capture would show stale positions.
func relayout(o fyne.CanvasObject) {
	switch x := o.(type) {
	case *fyne.Container:
		if x.Layout != nil {
			x.Layout.Layout(x.Objects, x.Size())
		}
		for _, ch := range x.Objects {
			relayout(ch)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(x)
		r.Layout(x.Size())
		for _, ch := range r.Objects() {
			relayout(ch)
		}
	}
}

func writePNG(t *testing.T, path string, c fyne.Canvas) {
	t.Helper()
	relayout(c.Content())
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, c.Capture()); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
