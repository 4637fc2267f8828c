package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"labelstation/station"
)

// The pack screen's side of working offline: the carrier's state in the
// status bar (a green "online" cell, and an amber strip under the cells
// while the carrier cannot be reached or the packer works offline), the
// "Work offline" switch, and the note on an offline label. What offline
// means — which parcels get the consignor's own ids, when the queue is
// sent — is the station's business; the screen only says it.

// offlineBar is the amber strip under the status bar's cells, shown only
// while the bench is offline.
type offlineBar struct {
	box *fyne.Container
	bg  *canvas.Rectangle
	msg *widget.Label
}

func newOfflineBar() *offlineBar {
	b := &offlineBar{bg: canvas.NewRectangle(colWait), msg: widget.NewLabel("")}
	b.bg.CornerRadius = 4
	b.msg.TextStyle.Bold = true
	b.msg.Wrapping = fyne.TextWrapWord
	b.box = container.NewStack(b.bg, container.NewThemeOverride(b.msg, bannerTheme{screenTheme{text: textSize, innerPad: bannerPad}}))
	b.box.Hide()
	return b
}

// carrierCell words the carrier's cell of the status bar (the queue view
// shows it too).
func carrierCell(s station.Status) (string, fyneColor) {
	carrier := map[string]any{"Carrier": orDash(s.Carrier)} // i18n: template field names
	switch {
	case s.OfflineForced:
		return lang.L("Carrier: working offline"), colWait
	case !s.Online:
		return lang.L("Carrier OFFLINE"), colWait
	case s.CarrierOK:
		return lang.L("Carrier online: {{.Carrier}}", carrier), colOK
	default:
		return lang.L("Carrier ERROR: {{.Carrier}}", carrier), colBad
	}
}

// offlineText is the strip's text while the bench is offline ("" online):
// since when, where labels come from now, and how many bookings wait.
func offlineText(s station.Status, now time.Time) string {
	if s.Online && !s.OfflineForced {
		return ""
	}
	data := map[string]any{"N": s.QueuePending} // i18n: template field names
	if s.OfflineSince.IsZero() {
		switch {
		case s.OfflineForced && s.OfflineLabels:
			return lang.L("Working offline (switched) — labels from own series · bookings waiting: {{.N}}", data)
		case s.OfflineForced:
			return lang.L("Working offline (switched), but no offline id series: labels still need the carrier")
		case s.OfflineLabels:
			return lang.L("OFFLINE — labels from own series · bookings waiting: {{.N}}", data)
		default:
			return lang.L("OFFLINE — no offline labels, parcels wait · bookings waiting: {{.N}}", data)
		}
	}
	data["Since"] = clockText(s.OfflineSince, now) // i18n: template field names
	switch {
	case s.OfflineForced && s.OfflineLabels:
		return lang.L("Working offline (switched) since {{.Since}} — labels from own series · bookings waiting: {{.N}}", data)
	case s.OfflineForced:
		return lang.L("Working offline (switched) since {{.Since}}, but no offline id series: labels still need the carrier", data)
	case s.OfflineLabels:
		return lang.L("OFFLINE since {{.Since}} — labels from own series · bookings waiting: {{.N}}", data)
	default:
		return lang.L("OFFLINE since {{.Since}} — no offline labels, parcels wait · bookings waiting: {{.N}}", data)
	}
}

// carrierErrorOffline reports whether the status's last error is the
// carrier's while the strip already says the carrier cannot be reached:
// then the error line would only say it again, and the screen keeps the
// height for the order.
func carrierErrorOffline(s station.Status) bool {
	return !s.Online && !s.OfflineForced && !s.CarrierOK && s.PrinterOK && s.ScaleOK
}

// clockText is a time of day, with the date when it is not today (in the
// screen's language's way of writing a date).
func clockText(t, now time.Time) string {
	t = t.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return dayTimeText(t)
}

// showOffline updates the carrier cell, the strip and the switch from a
// status read while the switch generation was gen.
func (ps *PackScreen) showOffline(s station.Status, gen int64) {
	text, c := carrierCell(s)
	ps.statusItems["carrier"].set(text, c)
	if msg := offlineText(s, time.Now()); msg == "" {
		ps.offline.box.Hide()
	} else {
		ps.offline.msg.SetText(msg)
		ps.offline.box.Show()
	}
	if ps.offlineChk == nil {
		return
	}
	// A status read before the packer's last flip of the switch took
	// effect would flip it back for a moment: only a fresh one counts.
	if ps.offlineCalls == 0 && gen == ps.offlineGen.Load() && ps.offlineChk.Checked != s.OfflineForced {
		ps.offlineChk.Checked = s.OfflineForced // not SetChecked: that would call the station again
		ps.offlineChk.Refresh()
	}
	// Without an offline series the switch would change nothing.
	if s.OfflineLabels || s.OfflineForced {
		ps.offlineChk.Enable()
	} else {
		ps.offlineChk.Disable()
	}
}

// SetWorkOffline is the "Work offline" switch: it tells the station
// (SetOffline, off the UI goroutine) and asks for the status at once, so
// the status bar follows without waiting for its next poll.
func (ps *PackScreen) SetWorkOffline(on bool) {
	defer ps.focusScan()
	oq, ok := ps.st.(OutboxQueue)
	if !ok {
		return
	}
	ps.offlineCalls++
	ps.offlineWant.Store(on)
	go func() {
		// Flips in quick succession may run in any order; each sends the
		// latest wish, so the last one stands.
		ps.offlineMu.Lock()
		oq.SetOffline(ps.offlineWant.Load())
		ps.offlineGen.Add(1)
		ps.offlineMu.Unlock()
		ps.ui(func() { ps.offlineCalls-- })
		ps.pollStatusNow()
	}()
}

// pollStatusNow asks the status poller for a status now; it never blocks.
func (ps *PackScreen) pollStatusNow() {
	select {
	case ps.statusKick <- struct{}{}:
	default:
	}
}

// offlineNote is the calm line about an offline label in the last-label
// panel: nothing failed, the booking just waits. It is the id of the
// message (said through lang.L in showResult), a constant so tests can
// look for it.
const offlineNote = "Offline label: the booking waits in the queue" // i18n: a message id, see showResult
