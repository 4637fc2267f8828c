package postnord

import (
	"testing"
	"time"

	"labelstation/carrier"
)

func TestMapStatus(t *testing.T) {
	tests := []struct {
		status, location string
		want             carrier.Status
	}{
		{"CREATED", "", carrier.StatusCreated},
		{"INFORMED", "UNDEF", carrier.StatusCreated},
		{"EN_ROUTE", "HUB", carrier.StatusInTransit},
		{"DELAYED", "", carrier.StatusInTransit},
		{"EXPECTED_DELAY", "", carrier.StatusInTransit},
		{"AVAILABLE_FOR_DELIVERY", "SERVICE_POINT", carrier.StatusAtServicePoint},
		{"AVAILABLE_FOR_DELIVERY", "DELIVERY_POINT", carrier.StatusAtServicePoint},
		{"AVAILABLE_FOR_DELIVERY", "DEPOT", carrier.StatusOutForDelivery},
		{"AVAILABLE_FOR_DELIVERY", "", carrier.StatusOutForDelivery},
		{"AVAILABLE_FOR_DELIVERY_PAR_LOC", "", carrier.StatusAtServicePoint},
		{"DELIVERED", "", carrier.StatusDelivered},
		{"DELIVERY_IMPOSSIBLE", "", carrier.StatusException},
		{"DELIVERY_REFUSED", "", carrier.StatusException},
		{"STOPPED", "", carrier.StatusException},
		{"RETURNED", "", carrier.StatusReturned},
		{"OTHER", "", carrier.StatusUnknown},
		{"SOMETHING_NEW", "", carrier.StatusUnknown},
		{"", "", carrier.StatusUnknown},
		{"delivered", "", carrier.StatusDelivered},
	}
	for _, tt := range tests {
		if got := mapStatus(tt.status, tt.location); got != tt.want {
			t.Errorf("mapStatus(%q, %q) = %s, want %s", tt.status, tt.location, got, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	sthlm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		// Summer time: Stockholm is UTC+2.
		{"2026-09-28T10:40:52", time.Date(2026, 9, 28, 8, 40, 52, 0, time.UTC)},
		// Winter time: UTC+1.
		{"2026-01-15T10:00:00", time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)},
		{"2026-09-28T10:40:52.250", time.Date(2026, 9, 28, 8, 40, 52, 250e6, time.UTC)},
		{"2026-09-28T10:40:52Z", time.Date(2026, 9, 28, 10, 40, 52, 0, time.UTC)},
		{"2026-09-28T10:40:52+02:00", time.Date(2026, 9, 28, 8, 40, 52, 0, time.UTC)},
		{"2026-09-28T10:40:52.5+0200", time.Date(2026, 9, 28, 8, 40, 52, 500e6, time.UTC)},
		{"2026-09-28T10:40", time.Date(2026, 9, 28, 10, 40, 0, 0, sthlm)},
		{"2026-09-28", time.Date(2026, 9, 28, 0, 0, 0, 0, sthlm)},
		{"", time.Time{}},
		{"yesterday", time.Time{}},
	}
	for _, tt := range tests {
		if got := parseTime(tt.in); !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCountryAlpha2(t *testing.T) {
	for in, want := range map[string]string{"SWE": "SE", "NOR": "NO", "dnk": "DK", "FIN": "FI", "SE": "SE", "XYZ": "XYZ", "": ""} {
		if got := countryAlpha2(in); got != want {
			t.Errorf("countryAlpha2(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor("s3cr3t/key+1")
	tests := map[string]string{
		`Post "https://api2.postnord.com/rest?apikey=s3cr3t%2Fkey%2B1&dpmm=8dpmm": EOF`: `Post "https://api2.postnord.com/rest?apikey=REDACTED&dpmm=8dpmm": EOF`,
		`GET /x?locale=en&APIKEY=other-key`:                                             `GET /x?locale=en&APIKEY=REDACTED`,
		`the key s3cr3t/key+1 is wrong`:                                                 `the key REDACTED is wrong`,
		`apikey= and nothing`:                                                           `apikey= and nothing`,
		`no secrets here`:                                                               `no secrets here`,
	}
	for in, want := range tests {
		if got := r.String(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
