package station_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"labelstation/scale"
	"labelstation/scale/scalesim"
	"labelstation/scale/scaletest"
	"labelstation/station"
)

// BenchmarkStableWeight measures, over a real pty pair (socat) with the
// simulated scale on the far end, the time from the last byte of the frame
// that completes the stable window being written to the pty until the
// station's Weigh returns that weight: what the station adds beyond the
// stability window itself (decode, publish, filter). Target: p99 under
// 20 ms.
//
//	go test -run '^$' -bench BenchmarkStableWeight -benchtime 1x ./station/
func BenchmarkStableWeight(b *testing.B) {
	for _, c := range []struct {
		name string
		sim  scalesim.Options
		uri  string
	}{
		{"sics", scalesim.Options{Protocol: "sics"}, "&poll=20ms"},
		{"nci", scalesim.Options{Protocol: "nci"}, "&poll=20ms"},
		{"cas", scalesim.Options{Protocol: "cas"}, "&poll=20ms"},
		{"continuous", scalesim.Options{Protocol: "continuous", Interval: 20 * time.Millisecond, Checksum: true}, "&checksum=1"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				benchStable(b, c.name, c.sim, c.uri, 40)
			}
		})
	}
}

func benchStable(b *testing.B, name string, o scalesim.Options, uri string, n int) {
	pty := scaletest.NewPty(b)
	var mu sync.Mutex
	var frames []time.Time
	o.Weight, o.Seed = 1140, 1
	o.OnFrame = func(at time.Time, stable bool) {
		mu.Lock()
		frames = append(frames, at)
		mu.Unlock()
	}
	dev, err := scalesim.New(o)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { dev.ServePort(ctx, pty.Device); close(done) }()
	defer func() { cancel(); <-done }()

	sc, err := scale.Open("serial://" + pty.Host + "?protocol=" + o.Protocol + uri)
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	r := newRig(b, sc)
	const window = 150 * time.Millisecond
	r.station = station.New(r.store, nil, nil, sc, station.Config{Stable: scale.StableOptions{Window: window, Timeout: 3 * time.Second}})
	if _, err := r.station.Weigh(ctx); err != nil { // warm up: the port is open, the scale answers
		b.Fatal(err)
	}

	var lat, total []time.Duration
	b.ResetTimer()
	for i := 0; i < n; i++ {
		start := time.Now()
		got, err := r.station.Weigh(ctx)
		end := time.Now()
		if err != nil || got.Grams != 1140 {
			b.Fatalf("weigh: %+v %v", got, err)
		}
		mu.Lock()
		var last time.Time
		for j := len(frames) - 1; j >= 0; j-- {
			if !frames[j].After(end) {
				last = frames[j]
				break
			}
		}
		mu.Unlock()
		lat = append(lat, end.Sub(last))
		if end.Sub(last) > 5*time.Millisecond {
			b.Logf("outlier: frame→receipt %v, receipt→return %v", got.Time.Sub(last), end.Sub(got.Time))
		}
		total = append(total, end.Sub(start))
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	p50, p99 := percentile(lat, 50), percentile(lat, 99)
	b.ReportMetric(ms(p50), "frame-to-stable-p50-ms")
	b.ReportMetric(ms(p99), "frame-to-stable-p99-ms")
	b.ReportMetric(ms(percentile(total, 50)), "weigh-p50-ms")
	fmt.Printf("labelstation scale bench: %s over a socat pty, %d stable weights, window %v: last frame byte → stable weight p50 %.2f ms, p99 %.2f ms; whole Weigh call p50 %.1f ms (window + readings)\n",
		name, n, window, ms(p50), ms(p99), ms(percentile(total, 50)))
}
