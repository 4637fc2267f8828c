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
	"labelstation/station"
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
	for _, o := range c.Overlays().List() {
		relayout(o)
	}
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

// TestOfflineScreenshot renders the pack screen while the carrier cannot
// be reached (an offline label just printed, bookings waiting), then the
// queue view over it, then the Cancel form, the sent-late tab, and an
// error with its hint. It checks that the offline screen still fits
// 1100×700; with PACK_SCREENSHOT=/path/name.png it writes
// name-offline.png, name-queue.png, name-queue-cancel.png,
// name-queue-late.png and name-queue-error.png.
func TestOfflineScreenshot(t *testing.T) {
	st := newFakeStation()
	st.status.Carrier = "PostNord sandbox (http://127.0.0.1:40283/rest/shipment)"
	st.status.Scale = "simulated scale"
	st.status.Online, st.status.CarrierOK = false, false
	st.status.OfflineSince = time.Now().Add(-25 * time.Minute)
	st.status.QueuePending, st.status.QueueAttention = 11, 1
	st.status.LastError = "carrier: dial tcp 127.0.0.1:40283: connect: connection refused"
	st.offlinePacks = true
	st.entries = queueEntries()
	now := time.Now()
	st.late = []station.LateEntry{
		{OrderRef: "9001", ItemID: "00373500990000000025", Receiver: "Ola Nordmann, 0150 Oslo, NO", PrintedAt: now.Add(-2 * time.Hour), SyncedAt: now.Add(-90 * time.Minute), Late: 30 * time.Minute},
		{OrderRef: "9002", ItemID: "00373500990000000032", Receiver: "Liisa Mäki, 00100 Helsinki, FI", PrintedAt: now.Add(-5 * time.Minute), Late: 5 * time.Minute},
	}
	st.retryErr = &station.Problem{Msg: "order 10003 is still not booked: postcode 0150 is not valid for service 17",
		Hint: "correct the order (import it again), then Retry; or Cancel"}
	ps, w, loop := newTestScreen(t, st)
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	c := w.Canvas()

	scanCode(c, "10001")
	loop.until(t, "order shown", func() bool { return ps.armed })
	go func() { st.weights <- scale.Reading{Grams: 1250, Stable: true, Time: time.Now()} }()
	loop.until(t, "weight", func() bool { return ps.stableText.Text == "stable" })
	pressKey(c, fyne.KeyF9)
	loop.until(t, "printed", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
	loop.until(t, "offline status", func() bool { return ps.offline.box.Visible() })
	if min := ps.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
		t.Errorf("offline screen needs %v, more than 1100×700", min)
	}
	out := os.Getenv("PACK_SCREENSHOT")
	base := strings.TrimSuffix(out, ".png")
	if out != "" {
		writePNG(t, base+"-offline.png", c)
	}

	v := openQueue(t, ps, loop, 4)
	loop.until(t, "late list", func() bool { return v.lateN == 2 })
	if out != "" {
		writePNG(t, base+"-queue.png", c)
	}
	test.Tap(v.rows["q-off-1"].cancel)
	v.cancelReason.SetText("customer withdrew the order")
	if out != "" {
		writePNG(t, base+"-queue-cancel.png", c)
	}
	test.Tap(findButton(c, "Keep it"))
	v.tabs.SelectIndex(1)
	if out != "" {
		writePNG(t, base+"-queue-late.png", c)
	}
	v.tabs.SelectIndex(0)
	test.Tap(v.rows["q-ref-3"].retry)
	loop.until(t, "retry error", func() bool { return strings.Contains(v.result.Text, "still not booked") })
	if out != "" {
		writePNG(t, base+"-queue-error.png", c)
	}
}
