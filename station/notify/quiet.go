package notify

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultQuietHours is when messages are held unless configured
// otherwise: from 21:00 until 08:00, local time.
const DefaultQuietHours = "21:00-08:00"

// QuietOff turns quiet hours off (Config.QuietHours, Rule.QuietHours).
const QuietOff = "off"

// quietWindow is a daily window of local wall-clock time, in minutes
// after midnight, [start, end); start > end wraps midnight. The zero
// value (off) holds nothing.
type quietWindow struct {
	on         bool
	start, end int
}

// parseQuiet reads "HH:MM-HH:MM" (either end may be H:MM; "24:00" is
// midnight at the end) or "off". Start and end must differ.
func parseQuiet(s string) (quietWindow, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, QuietOff) {
		return quietWindow{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return quietWindow{}, fmt.Errorf("quiet hours %q: write them as HH:MM-HH:MM, e.g. %q, or %q", s, DefaultQuietHours, QuietOff)
	}
	start, err := parseClock(from)
	if err != nil {
		return quietWindow{}, fmt.Errorf("quiet hours %q: %v", s, err)
	}
	end, err := parseClock(to)
	if err != nil {
		return quietWindow{}, fmt.Errorf("quiet hours %q: %v", s, err)
	}
	if start == 24*60 {
		start = 0
	}
	if end == 24*60 {
		end = 0
	}
	if start == end {
		return quietWindow{}, fmt.Errorf("quiet hours %q start and end at the same time; write %q for none", s, QuietOff)
	}
	return quietWindow{on: true, start: start, end: end}, nil
}

func parseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	switch {
	case !ok || err1 != nil || err2 != nil || len(m) != 2 || len(h) == 0 || len(h) > 2:
		return 0, fmt.Errorf("%q is not a time like 21:00", s)
	case hh == 24 && mm == 0:
		return 24 * 60, nil
	case hh < 0 || hh > 23 || mm < 0 || mm > 59:
		return 0, fmt.Errorf("%q is not a time of day (00:00–23:59)", s)
	}
	return hh*60 + mm, nil
}

func (q quietWindow) String() string {
	if !q.on {
		return QuietOff
	}
	f := func(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
	return f(q.start) + "-" + f(q.end)
}

// holdUntil returns when a message made at now may go out: the end of
// the quiet window now is in (local wall-clock time in loc, so it is
// right across daylight-saving changes), or the zero time when now is
// not in it. An end that falls in a spring-forward gap is taken as the
// first moment after the gap; one in the hour a fall-back repeats, as its
// occurrence still to come.
func (q quietWindow) holdUntil(now time.Time, loc *time.Location) time.Time {
	if !q.on {
		return time.Time{}
	}
	t := now.In(loc)
	m := t.Hour()*60 + t.Minute()
	y, mo, d := t.Date()
	endOn := func(day int) time.Time {
		e := time.Date(y, mo, day, q.end/60, q.end%60, 0, 0, loc)
		// An end in the hour a fall-back repeats has two instants: take
		// the first still to come.
		for _, c := range []time.Time{e.Add(-time.Hour), e.Add(time.Hour)} {
			lc := c.In(loc)
			if lc.Hour() == e.In(loc).Hour() && lc.Minute() == e.In(loc).Minute() && lc.Day() == e.In(loc).Day() &&
				c.After(now) && (!e.After(now) || c.Before(e)) {
				e = c
			}
		}
		return e
	}
	if q.start < q.end {
		if m >= q.start && m < q.end {
			return endOn(d)
		}
		return time.Time{}
	}
	// Wraps midnight: [start, 24:00) ∪ [00:00, end).
	switch {
	case m >= q.start:
		return endOn(d + 1)
	case m < q.end:
		return endOn(d)
	}
	return time.Time{}
}
