package notify

import (
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
)

func TestParseQuiet(t *testing.T) {
	for _, ok := range []string{"21:00-08:00", "12:00-13:00", " 9:30 - 17:45 ", "22:00-24:00", "off", "OFF"} {
		if _, err := parseQuiet(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "21-08", "21:00", "25:00-08:00", "21:60-08:00", "21:00-21:00", "9pm-8am", "21:00-8:0"} {
		if _, err := parseQuiet(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestHoldUntil(t *testing.T) {
	night, _ := parseQuiet("21:00-08:00")
	lunch, _ := parseQuiet("12:00-13:00")
	at := func(d, hm string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", d+" "+hm, stockholm)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		q    quietWindow
		now  time.Time
		want time.Time // zero: not held
	}{
		{night, at("2026-11-24", "20:59"), time.Time{}},
		{night, at("2026-11-24", "21:00"), at("2026-11-25", "08:00")},
		{night, at("2026-11-24", "23:59"), at("2026-11-25", "08:00")},
		{night, at("2026-11-25", "00:00"), at("2026-11-25", "08:00")},
		{night, at("2026-11-25", "07:59"), at("2026-11-25", "08:00")},
		{night, at("2026-11-25", "08:00"), time.Time{}},
		{night, at("2026-12-31", "22:00"), at("2027-01-01", "08:00")},
		{lunch, at("2026-11-24", "11:59"), time.Time{}},
		{lunch, at("2026-11-24", "12:30"), at("2026-11-24", "13:00")},
		{lunch, at("2026-11-24", "13:00"), time.Time{}},
		{quietWindow{}, at("2026-11-24", "23:00"), time.Time{}},
	} {
		got := c.q.holdUntil(c.now, stockholm)
		if !got.Equal(c.want) {
			t.Errorf("%s at %s: held until %s, want %s", c.q, c.now, got, c.want)
		}
	}
}

// The EU clocks change on the last Sundays of March (02:00 → 03:00) and
// October (03:00 → 02:00): a night is then 9 or 11 hours long, and the
// end of quiet hours is still 08:00 on the clock.
func TestHoldUntilAcrossDST(t *testing.T) {
	night, _ := parseQuiet("21:00-08:00")
	spring := time.Date(2026, 3, 28, 22, 0, 0, 0, stockholm) // Saturday, CET
	got := night.holdUntil(spring, stockholm)
	if want := time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC); !got.Equal(want) || got.Sub(spring) != 9*time.Hour {
		t.Errorf("spring: %s (%s later), want %s (08:00 CEST)", got, got.Sub(spring), want)
	}
	autumn := time.Date(2026, 10, 24, 22, 0, 0, 0, stockholm) // Saturday, CEST
	got = night.holdUntil(autumn, stockholm)
	if want := time.Date(2026, 10, 25, 7, 0, 0, 0, time.UTC); !got.Equal(want) || got.Sub(autumn) != 11*time.Hour {
		t.Errorf("autumn: %s (%s later), want %s (08:00 CET)", got, got.Sub(autumn), want)
	}

	// An end inside the spring gap (02:30 does not exist): the first
	// moment after it.
	gap, _ := parseQuiet("22:00-02:30")
	got = gap.holdUntil(time.Date(2026, 3, 29, 1, 0, 0, 0, stockholm), stockholm)
	if h, m := got.In(stockholm).Hour(), got.In(stockholm).Minute(); got.Before(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)) || h != 3 || m != 30 {
		t.Errorf("gap: %s", got.In(stockholm))
	}
	// An end in the repeated hour: the occurrence still to come.
	first := time.Date(2026, 10, 25, 0, 15, 0, 0, time.UTC)  // 02:15 CEST
	second := time.Date(2026, 10, 25, 1, 15, 0, 0, time.UTC) // 02:15 CET
	if got := gap.holdUntil(first, stockholm); !got.Equal(first.Add(15 * time.Minute)) {
		t.Errorf("first 02:15: held until %s", got)
	}
	if got := gap.holdUntil(second, stockholm); !got.Equal(second.Add(15 * time.Minute)) {
		t.Errorf("second 02:15: held until %s", got)
	}
}

// A message made in quiet hours is queued at once with NotBefore at
// their end; a rule's own quiet hours override the station's.
func TestQuietHoursHoldMessages(t *testing.T) {
	v := newEnv(t, func(c *Config) { c.QuietHours = "" }) // the default 21:00-08:00
	loud := enRule("loud", TriggerBooked)
	loud.QuietHours = "off"
	lunch := enRule("lunch", TriggerBooked)
	lunch.QuietHours = "12:00-13:00"
	v.setup(enRule("quiet", TriggerBooked), loud, lunch)
	v.order("A-1", receiver("Åsa Berg", "SE", "asa@example.se", "0701234567"), "")
	v.clock.Set(time.Date(2026, 3, 28, 22, 30, 0, 0, stockholm))
	v.ship("A-1", "postnord")
	ms := v.messages()
	if len(ms) != 6 {
		t.Fatalf("want 3 rules × 2 channels: %s", summary(ms))
	}
	for _, m := range ms {
		switch {
		case strings.HasPrefix(m.ID, "notify:quiet:"):
			if want := time.Date(2026, 3, 29, 8, 0, 0, 0, stockholm); !m.NotBefore.Equal(want) {
				t.Errorf("%s: not before %s, want %s", m.ID, m.NotBefore, want)
			}
		default:
			if !m.NotBefore.IsZero() {
				t.Errorf("%s: held until %s", m.ID, m.NotBefore)
			}
		}
	}
	// A bad quiet hours setting is refused, naming the rule.
	bad := enRule("bad-quiet", TriggerDelivered)
	bad.QuietHours = "22-07"
	_, err := v.e.SaveRule(bad)
	if err == nil || !strings.Contains(err.Error(), `rule "bad-quiet": quiet hours "22-07"`) {
		t.Errorf("bad quiet hours: %v", err)
	}
	if _, err := New(v.st, Config{QuietHours: "8 to 9"}); err == nil {
		t.Error("a bad station quiet hours setting was accepted")
	}
}

var _ = carrier.StatusCreated
