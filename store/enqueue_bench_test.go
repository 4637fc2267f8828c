package store

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"labelstation/carrier"
)

// BenchmarkEnqueue measures one durable enqueue: a new outbox entry (a
// realistic booking request) committed to the data file, as Pack does
// before any network call. It reports the median and p99 commit time. The
// fsyncs per enqueue are counted from outside by make bench
// (scripts/fsyncs-per-enqueue.sh runs this benchmark under strace).
//
//	go test -run '^$' -bench BenchmarkEnqueue -benchtime 1000x ./store/
func BenchmarkEnqueue(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	req := carrier.BookingRequest{
		OrderRef:  "MS-1",
		Consignor: carrier.Consignor{Address: carrier.Address{Name: "Demo Webshop AB", Street1: "Lagergatan 12", Postcode: "41505", City: "Göteborg", Country: "SE"}, CustomerNumber: "20876966", IssuerCode: "Z12"},
		Receiver:  carrier.Address{Name: "Åsa Ødegård", Street1: "Storgatan 1", Postcode: "11455", City: "Stockholm", Country: "SE", Email: "asa@example.se", Phone: "+46701234567"},
		Service:   carrier.Service{Code: "19"},
		Parcels: []carrier.Parcel{{Weight: 1200, Contents: []carrier.Line{
			{Description: "Ullstrumpor", Quantity: 2, Value: 149, Currency: "SEK"},
			{Description: "Mössa", Quantity: 1, Value: 249, Currency: "SEK"},
		}}},
		LabelFormat: carrier.LabelZPL,
	}
	times := make([]time.Duration, 0, b.N)
	// A marker the strace script counts from: syncs before it belong to
	// opening the file.
	os.Stdout.Sync()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		now := time.Now()
		r := req
		r.RequestID, r.OrderRef = id, fmt.Sprintf("MS-%d", i)
		start := time.Now()
		if err := s.CreateEntry(OutboxEntry{ID: id, OrderRef: r.OrderRef, Carrier: "postnord", State: StateSending, Attempts: 1, Request: r, Created: now, Updated: now}); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	med, p99 := times[len(times)/2], times[(len(times)*99+99)/100-1]
	b.ReportMetric(float64(med.Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	if b.N >= 100 {
		fmt.Printf("labelstation bench: durable enqueue (one outbox entry, one commit): median %.2f ms, p99 %.2f ms over %d entries\n",
			float64(med.Microseconds())/1000, float64(p99.Microseconds())/1000, b.N)
	}
}
