package store

import (
	"testing"
	"time"

	"labelstation/carrier"
)

func TestTrackSummaryRoundTripsAndFollowsTheOpenIndex(t *testing.T) {
	s, _ := openTemp(t)
	day := time.Date(2026, 3, 29, 1, 30, 0, 0, time.Local) // the night clocks change in Europe
	sum := TrackSummary{
		OrderRef: "A-1", ItemID: "00373500990000000011", Carrier: "postnord", Service: "19", FromCountry: "SE", Country: "NO",
		BookedAt: day, Status: carrier.StatusAwaitingCustoms, Events: 3, FirstEvent: day.Add(time.Hour), LastEvent: day.Add(30 * time.Hour),
		MaxGap: 29 * time.Hour, Expected: day.Add(72 * time.Hour), CustomsSince: day.Add(30 * time.Hour), Refused: true, Damaged: true,
		LastPolled: day.Add(31 * time.Hour), Polls: 7,
	}
	if err := s.PutTrackSummary(sum); err != nil {
		t.Fatal(err)
	}
	var got []TrackSummary
	if err := s.TrackSummaries(day, day, func(x TrackSummary) error { got = append(got, x); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !got[0].BookedAt.Equal(sum.BookedAt) || !got[0].Delivered.IsZero() || got[0].MaxGap != sum.MaxGap ||
		got[0].Country != "NO" || got[0].Status != carrier.StatusAwaitingCustoms || !got[0].Refused || !got[0].Damaged || got[0].DeliveredNoTime ||
		got[0].Polls != 7 || got[0].Events != 3 || !got[0].CustomsSince.Equal(sum.CustomsSince) {
		t.Fatalf("round trip: %+v", got)
	}
	open := 0
	s.OpenTrackSummaries(func(TrackSummary) error { open++; return nil })
	if open != 1 {
		t.Fatalf("open = %d, want 1", open)
	}
	sum.Status, sum.Delivered = carrier.StatusDelivered, day.Add(80*time.Hour)
	if err := s.PutTrackSummary(sum); err != nil {
		t.Fatal(err)
	}
	open = 0
	s.OpenTrackSummaries(func(TrackSummary) error { open++; return nil })
	if open != 0 {
		t.Fatalf("a delivered parcel stays in the open index")
	}
	// Other days are not read.
	n := 0
	s.TrackSummaries(day.AddDate(0, 0, 1), day.AddDate(0, 0, 3), func(TrackSummary) error { n++; return nil })
	if n != 0 {
		t.Fatalf("a window without the day read %d summaries", n)
	}
	if _, err := decodeSummary(encodeSummary(sum)[:10]); err == nil {
		t.Fatal("a cut summary must not decode")
	}
}
