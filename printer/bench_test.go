package printer

import (
	"context"
	"net"
	"testing"
	"time"

	"labelstation/printer/zplsim"
)

// BenchmarkPrintPath measures the print path's overhead per job: the TCP
// printer with ~HS before and after each job, against a raw TCP write of
// the same bytes to the same simulated printer, in the same run, so the
// difference is what status checking and job handling cost, not the
// machine. Both are reported as ms/job; overhead-ms/job is the gap: two
// status round trips on loopback and the liveness check.
func BenchmarkPrintPath(b *testing.B) {
	sim, err := zplsim.Listen("127.0.0.1:0", zplsim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	job := zplJob("00370712345678901234", 4<<10) // a carrier label's size
	ctx := context.Background()

	p := NewTCP(sim.Addr(), TCPOptions{CheckStatus: true})
	defer p.Close()
	raw, err := net.Dial("tcp", sim.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	if err := p.Print(ctx, job); err != nil { // warm the kept connection
		b.Fatal(err)
	}

	// The floor is the write alone, as a bare raw-9100 sender does it;
	// the wait for the printer to have the label is outside its timing,
	// so the next job starts on an idle printer either way.
	printed := len(sim.Labels())
	var checked, floor time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := p.Print(ctx, job); err != nil {
			b.Fatal(err)
		}
		checked += time.Since(start)
		printed++

		start = time.Now()
		if _, err := raw.Write(job.Data); err != nil {
			b.Fatal(err)
		}
		floor += time.Since(start)
		printed++
		for len(sim.Labels()) < printed {
			time.Sleep(20 * time.Microsecond)
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(checked.Microseconds())/1000/n, "checked-ms/job")
	b.ReportMetric(float64(floor.Microseconds())/1000/n, "raw-ms/job")
	b.ReportMetric(float64((checked-floor).Microseconds())/1000/n, "overhead-ms/job")
}
