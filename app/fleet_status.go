package app

import (
	"strings"

	"fyne.io/fyne/v2/lang"

	"labelstation/station"
)

// siteCell words the status bar's Site cell: "Site OK", "Site: cut off ·
// conflicts: 2 · 12 waiting", "Site: connecting…" until the bench has
// first reached for the server. Claim conflicts come first (they wait for
// a supervisor, and the cell is cut from the right when it is narrow),
// then the records waiting to be sent, then "polling" when this bench
// polls Track & Trace for the site. The words carry the state; the dot's
// colour repeats it (green: linked, amber: cut off or conflicts wait,
// grey: not tried yet). A bench that is cut off keeps packing: amber, not
// red. A server that answers but refuses this bench's records or claims
// (its name is another bench's, say) is red: it will not mend itself.
func siteCell(s station.FleetStatus) (string, fyneColor) {
	var head string
	var c fyneColor
	switch {
	case !s.Tried:
		head, c = lang.L("Site: connecting…"), colMuted
	case !s.Reachable:
		head, c = lang.L("Site: cut off"), colWait
	case s.Refused:
		// It answers and refuses: this does not mend itself.
		head, c = lang.L("Site: refused"), colBad
	default:
		head, c = lang.L("Site OK"), colOK
	}
	parts := []string{head}
	if s.Conflicts > 0 {
		parts = append(parts, lang.L("conflicts: {{.N}}", map[string]any{"N": s.Conflicts}))
		c = colWait
	}
	if s.Backlog > 0 {
		parts = append(parts, lang.L("{{.N}} waiting", map[string]any{"N": s.Backlog}))
	}
	if s.Polling {
		parts = append(parts, lang.L("polling"))
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
