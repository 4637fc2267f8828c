package app

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2/lang"

	"labelstation/station"
)

// errText is err for a banner, first line only, in the screen's language
// when the station said it as a Problem with an ID (see station.Problem),
// else in the station's English words.
func errText(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return lang.L("no answer in time")
	}
	s := err.Error()
	var p *station.Problem
	if errors.As(err, &p) && p.ID != "" && s == p.Msg {
		s = lang.X(p.ID, p.Msg, p.Data) // i18n: Problem ids are checked in the station's code
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// hintText is err's hint (station.Hint) in the screen's language when it
// has one there.
func hintText(err error) string {
	var p *station.Problem
	if errors.As(err, &p) && p.ID != "" && p.Hint != "" {
		return lang.X(p.ID+".hint", p.Hint, p.Data) // i18n: Problem ids are checked in the station's code
	}
	return station.Hint(err)
}
