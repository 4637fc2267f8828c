package app

import (
	"strings"

	"fyne.io/fyne/v2/lang"

	"labelstation/station"
)

// siteCell words the status bar's Site cell: "Site OK", "Site: cut off ·
// 12 waiting", with "· polling" when this bench polls Track & Trace for
// the site and "· 2 claim conflicts" while this bench has some. The
// words carry the state; the dot's colour repeats it (green: linked,
// amber: cut off, or conflicts wait for a supervisor). A bench that is
// cut off keeps packing: amber, not red.
func siteCell(s station.FleetStatus) (string, fyneColor) {
	c := fyneColor(colOK)
	parts := []string{lang.L("Site OK")}
	if !s.Reachable {
		parts[0] = lang.L("Site: cut off")
		c = colWait
	}
	if s.Backlog > 0 {
		parts = append(parts, lang.L("{{.N}} waiting", map[string]any{"N": s.Backlog}))
	}
	if s.Polling {
		parts = append(parts, lang.L("polling"))
	}
	if s.Conflicts > 0 {
		parts = append(parts, lang.L("claim conflicts: {{.N}}", map[string]any{"N": s.Conflicts}))
		c = colWait
	}
	return strings.Join(parts, " · "), c
}

// showSite shows the site's link on the status bar (UI goroutine).
func (ps *PackScreen) showSite(s station.FleetStatus) {
	it := ps.statusItems["site"]
	if it == nil {
		return
	}
	text, c := siteCell(s)
	it.set(text, c)
}
