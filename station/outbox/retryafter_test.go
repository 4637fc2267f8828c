package outbox_test

import (
	"testing"
	"time"

	"labelstation/station/outbox"
)

func TestRetryAfterSecondsOrDate(t *testing.T) {
	now := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-3":                            0,
		"999999":                        time.Hour,
		"Mon, 09 Mar 2026 12:00:30 GMT": 30 * time.Second,
		"Mon, 09 Mar 2026 11:00:00 GMT": 0,
		"soon":                          0,
	}
	for h, want := range cases {
		if got := outbox.ParseRetryAfter(h, now); got != want {
			t.Errorf("Retry-After %q = %s, want %s", h, got, want)
		}
	}
}
