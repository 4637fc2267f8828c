package station_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/station"
)

// BenchmarkDrain measures how long the queue sync takes to send a backlog
// of offline bookings to the sandbox at 100 ms latency, next to a floor
// measured in the same run: the same number of bookings sent by the same
// PostNord client from exactly Concurrency goroutines with nothing else
// in between (n × latency ÷ concurrency plus the HTTP cost). The target
// is ≤ 1.1× the floor. LABELSTATION_DRAIN_N sets the backlog (default
// 1000, which takes about a minute: ~25 s drain plus ~25 s floor).
//
//	go test -run '^$' -bench BenchmarkDrain -benchtime 1x ./station/
func BenchmarkDrain(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("LABELSTATION_DRAIN_N")); err == nil && v > 0 {
		n = v
	}
	const latency, concurrency = 100 * time.Millisecond, 4
	for i := 0; i < b.N; i++ {
		benchDrain(b, n, latency, concurrency)
	}
}

func benchDrain(b *testing.B, n int, latency time.Duration, concurrency int) {
	r := newRigWith(b, nil, func(c *station.Config) {
		withOfflineSeries(c)
		c.SyncConcurrency = concurrency
	})
	r.defineSeries(uint64(n) + 10)
	var csv strings.Builder
	csv.WriteString("order_ref,name,street1,postcode,city,country,item_description,item_quantity\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&csv, "D-%05d,Åsa Ödegård %d,Storgatan %d,11455,Stockholm,SE,Ullstrumpor,2\n", i, i, i+1)
	}
	ctx := context.Background()
	if rep, err := r.station.ImportOrders(ctx, "drain.csv", strings.NewReader(csv.String())); err != nil || len(rep.Imported) != n {
		b.Fatalf("import: %v", err)
	}
	// The backlog: parcels packed while the bench works offline.
	r.station.SetOffline(true)
	for i := 0; i < n; i++ {
		if _, err := r.station.Pack(ctx, fmt.Sprintf("D-%05d", i), station.PackOptions{Weight: 1200}); err != nil {
			b.Fatalf("offline pack %d: %v", i, err)
		}
	}
	r.station.SetOffline(false)
	if err := r.sandbox.SetFaults(sandbox.Faults{Latency: latency}); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	start := time.Now()
	rep, err := r.station.SyncQueue(ctx)
	drain := time.Since(start)
	b.StopTimer()
	if err != nil || rep.Booked != n || rep.Left != 0 {
		b.Fatalf("drain: %+v %v", rep, err)
	}
	if got := len(r.sandbox.Bookings()); got != n {
		b.Fatalf("sandbox holds %d bookings, want %d", got, n)
	}

	// The floor: the same n bookings (fresh request ids, carrier-allocated
	// item ids) through the same client type, exactly concurrency at a time.
	pn, err := postnord.New(postnord.Config{BaseURL: r.http.URL, APIKey: "test-key"})
	if err != nil {
		b.Fatal(err)
	}
	req := carrier.BookingRequest{
		OrderRef: "FLOOR", Consignor: carrier.Consignor{
			Address:        carrier.Address{Name: "Demo Webshop AB", Street1: "Lagergatan 12", Postcode: "41505", City: "Göteborg", Country: "SE"},
			CustomerNumber: "20876966", IssuerCode: "Z12"},
		Receiver: carrier.Address{Name: "Åsa Ödegård", Street1: "Storgatan 1", Postcode: "11455", City: "Stockholm", Country: "SE"},
		Service:  carrier.Service{Code: "19"}, Parcels: []carrier.Parcel{{Weight: 1200}}, LabelFormat: carrier.LabelZPL,
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	fstart := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				rq := req
				rq.RequestID = fmt.Sprintf("floor-%d-%d", w, next.Load())
				if _, err := pn.Book(ctx, rq); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	floor := time.Since(fstart)
	ideal := time.Duration(n) * latency / time.Duration(concurrency)

	b.ReportMetric(drain.Seconds(), "drain-s")
	b.ReportMetric(floor.Seconds(), "floor-s")
	b.ReportMetric(float64(drain)/float64(floor), "drain/floor")
	fmt.Printf("labelstation bench: drained %d queued bookings at %v latency, concurrency %d, in %.2f s; floor (same client, %d at a time) %.2f s; ideal n×latency÷concurrency %.2f s; drain/floor ×%.3f\n",
		n, latency, concurrency, drain.Seconds(), concurrency, floor.Seconds(), ideal.Seconds(), float64(drain)/float64(floor))
}
