package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"labelstation/assets"
	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/config"
	"labelstation/printer"
	"labelstation/station"
	"labelstation/store"
)

// cmdDemoHistory fills a demo data directory with weeks of real work so
// the dashboard has something true to show: it runs the station's own
// pack and tracking flows against an in-process sandbox whose clock (and
// the station's) starts DAYS ago and advances through each day. Nothing
// is made up after the fact; every parcel was booked, printed (to files)
// and tracked through the same code as at the bench.
func cmdDemoHistory(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("demo-history", g)
	days := fs.Int("days", 30, "how many days back the history starts")
	perDay := fs.Int("per-day", 40, "parcels packed per day")
	seed := fs.Int64("seed", 1, "seed of the sandbox's tracking stories and the order mix")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *days < 1 || *days > 120 || *perDay < 1 || *perDay > 500 {
		return usage("labelstation demo-history [--days 30] [--per-day 40]", "demo-history takes --days 1…120 and --per-day 1…500")
	}
	cfg, err := loadConfig(g)
	if err != nil {
		return err
	}
	if !cfg.Demo() {
		return &station.Problem{Msg: "demo-history only runs in demo mode (the in-process sandbox)", Hint: "run it without --config and --postnord-url, with a --data directory of its own"}
	}
	dir := g.resolveDataDir(cfg)
	st, err := store.Open(dir, store.Options{LockTimeout: time.Second})
	if err != nil {
		return err
	}
	defer st.Close()
	if n, err := st.CountOrders(); err != nil || n > 0 {
		return &station.Problem{Msg: fmt.Sprintf("%s already holds %d orders", dir, n), Hint: "give demo-history an empty --data directory"}
	}

	now := time.Now()
	clock := sandbox.NewClock(now.AddDate(0, 0, -*days))
	sb := sandbox.New(sandbox.Options{Now: clock.Now, Seed: *seed})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	pn, err := postnord.New(postnord.Config{BaseURL: "http://" + ln.Addr().String(), APIKey: config.DemoAPIKey, MaxRetries: -1})
	if err != nil {
		return err
	}
	labels, err := os.MkdirTemp("", "labelstation-demo-labels-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(labels)
	p, err := printer.Open("file://" + filepath.ToSlash(labels))
	if err != nil {
		return err
	}
	defer p.Close()
	s := station.New(st, pn, p, nil, station.Config{
		Consignor: cfg.CarrierConsignor(), DefaultService: cfg.Station.DefaultService, LabelFormat: carrier.LabelZPL,
		Now: clock.Now, TrackDailyCap: 1 << 30,
	})
	defer s.Close()

	templates, err := sampleOrderRows()
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(*seed), 0xdead))
	start := time.Now()
	packed := 0
	for d := *days; d >= 0; d-- {
		day := now.AddDate(0, 0, -d)
		morning := time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, time.Local)
		if !morning.After(clock.Now()) {
			morning = clock.Now()
		}
		clock.Set(morning)
		n := *perDay
		if d == 0 {
			// Today: only the morning so far.
			n = max(1, *perDay*min(now.Hour(), 16)/16)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(templates.header)
		var refs []string
		for i := 0; i < n; i++ {
			ref := fmt.Sprintf("H-%s-%03d", morning.Format("0102"), i+1)
			refs = append(refs, ref)
			for _, row := range templates.orders[rng.IntN(len(templates.orders))] {
				r := append([]string(nil), row...)
				r[0] = ref
				w.Write(r)
			}
		}
		w.Flush()
		if _, err := s.ImportOrders(ctx, "demo-history.csv", &buf); err != nil {
			return err
		}
		// Packed through the working day, tracked a few times a day.
		step := 8 * time.Hour / time.Duration(n+1)
		for _, ref := range refs {
			clock.Advance(step)
			if d == 0 && clock.Now().After(now) {
				break
			}
			w := carrier.Weight(300 + rng.IntN(4000))
			if _, err := s.Pack(ctx, ref, station.PackOptions{Weight: w}); err != nil {
				return fmt.Errorf("pack %s: %w", ref, err)
			}
			packed++
		}
		for _, h := range []int{12, 17, 22} {
			at := time.Date(day.Year(), day.Month(), day.Day(), h, 0, 0, 0, time.Local)
			if at.After(now) {
				break
			}
			if at.After(clock.Now()) {
				clock.Set(at)
			}
			if _, err := s.TrackSync(ctx, station.TrackOptions{All: true}); err != nil {
				return fmt.Errorf("track: %w", err)
			}
		}
		if g.json {
			continue
		}
		if d%10 == 0 {
			fmt.Fprintf(g.stdout, "%s: %d parcels packed\n", day.Format("2006-01-02"), packed)
		}
	}
	// Up to now: today's scans so far.
	if clock.Now().Before(now) {
		clock.Set(now)
	}
	if _, err := s.TrackSync(ctx, station.TrackOptions{All: true}); err != nil {
		return fmt.Errorf("track: %w", err)
	}
	if !g.json {
		fmt.Fprintf(g.stdout, "history of %d days, %d parcels, in %s: open the dashboard (labelstation --data %s)\n", *days, packed, time.Since(start).Round(time.Second), dir)
	}
	return nil
}

// sampleOrders are the demo's sample orders, as rows per order.
type sampleOrders struct {
	header []string
	orders [][][]string
}

func sampleOrderRows() (sampleOrders, error) {
	recs, err := csv.NewReader(bytes.NewReader(assets.SampleOrdersCSV)).ReadAll()
	if err != nil || len(recs) < 2 {
		return sampleOrders{}, fmt.Errorf("read the sample orders: %v", err)
	}
	out := sampleOrders{header: recs[0]}
	idx := map[string]int{}
	for _, r := range recs[1:] {
		ref := strings.TrimSpace(r[0])
		i, ok := idx[ref]
		if !ok {
			i = len(out.orders)
			idx[ref] = i
			out.orders = append(out.orders, nil)
		}
		out.orders[i] = append(out.orders[i], r)
	}
	return out, nil
}
