package station_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"labelstation/station"
)

// BenchmarkPack measures scan-to-printed time of headless packs against the
// sandbox on loopback, next to a floor measured in the same run: one HTTP
// POST of the same booking body to the same sandbox plus one TCP write of
// the same label to the same printer. Packs and floor samples alternate so
// both see the same machine. The overhead is what the station adds: order
// lookup, outbox writes (fsync'd), label storage and bookkeeping.
//
//	go test -run '^$' -bench BenchmarkPack -benchtime 1x ./station/
func BenchmarkPack(b *testing.B) {
	for _, c := range []struct {
		latency time.Duration
		packs   int
	}{{0, 300}, {300 * time.Millisecond, 60}} {
		b.Run(fmt.Sprintf("latency=%v", c.latency), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				benchPacks(b, c.latency, c.packs)
			}
		})
	}
}

func benchPacks(b *testing.B, latency time.Duration, n int) {
	r := newRig(b, nil)
	var csv strings.Builder
	csv.WriteString("order_ref,name,street1,postcode,city,country,item_description,item_quantity\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&csv, "B-%05d,Åsa Ödegård %d,Storgatan %d,11455,Stockholm,SE,Ullstrumpor,2\n", i, i, i+1)
	}
	ctx := context.Background()
	if rep, err := r.station.ImportOrders(ctx, "bench.csv", strings.NewReader(csv.String())); err != nil || len(rep.Imported) != n {
		b.Fatalf("import: %v", err)
	}
	if err := r.sandbox.SetFaults(sandboxLatency(latency)); err != nil {
		b.Fatal(err)
	}

	// The floor's own client and printer connection, kept warm like the
	// station's.
	floorConn, err := net.Dial("tcp", r.sink.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer floorConn.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	bookURL := r.http.URL + "/rest/shipment/v3/edi/labels/zpl?apikey=bench-key"

	var packs, floor []time.Duration
	b.ResetTimer()
	for i := 0; i < n; i++ {
		res, err := r.station.Pack(ctx, fmt.Sprintf("B-%05d", i), station.PackOptions{Weight: 1200})
		if err != nil {
			b.Fatalf("pack %d: %v", i, err)
		}
		packs = append(packs, res.Took)

		// Floor: the same body the station sent, and the same label bytes.
		bookings := r.sandbox.Bookings()
		body := bookings[len(bookings)-1].Body
		start := time.Now()
		resp, err := client.Post(bookURL, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var sink bytes.Buffer
		sink.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("floor POST: HTTP %d", resp.StatusCode)
		}
		if _, err := floorConn.Write(res.Label.Data); err != nil {
			b.Fatal(err)
		}
		floor = append(floor, time.Since(start))
	}
	b.StopTimer()

	p50, p99 := percentile(packs, 50), percentile(packs, 99)
	f50, f99 := percentile(floor, 50), percentile(floor, 99)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(p50), "pack-p50-ms")
	b.ReportMetric(ms(p99), "pack-p99-ms")
	b.ReportMetric(ms(f50), "floor-p50-ms")
	b.ReportMetric(ms(f99), "floor-p99-ms")
	b.ReportMetric(ms(p99-f99), "overhead-p99-ms")
	b.ReportMetric(float64(p99)/float64(f99), "p99-ratio")
	fmt.Printf("labelstation bench: %d packs, sandbox latency %v: scan-to-printed p50 %.1f ms, p99 %.1f ms; floor (POST + TCP write) p50 %.1f ms, p99 %.1f ms; p99 overhead %.1f ms (×%.3f)\n",
		n, latency, ms(p50), ms(p99), ms(f50), ms(f99), ms(p99-f99), float64(p99)/float64(f99))
}

func percentile(d []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p+99)/100 - 1
	if i < 0 {
		i = 0
	}
	return s[i]
}
