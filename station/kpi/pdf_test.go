package kpi

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/store"
)

// sampleHistory is 30 days of a shop's parcels with a realistic mix:
// mostly on time, some late, exceptions, NO customs stalls, returns, a
// few lost and silent. Receivers' names carry Nordic letters.
func sampleHistory(n int) []store.TrackSummary {
	rng := rand.New(rand.NewPCG(7, 7))
	countries := []string{"SE", "SE", "SE", "NO", "DK", "FI", "DE"}
	var sums []store.TrackSummary
	for i := range n {
		booked := now.Add(-time.Duration(rng.IntN(30*24)) * time.Hour)
		c := countries[rng.IntN(len(countries))]
		s := store.TrackSummary{OrderRef: fmt.Sprintf("ÖRE-%05d", i), ItemID: fmt.Sprintf("00373500%012d", i), Carrier: "postnord",
			Service: []string{"19", "17", "30"}[rng.IntN(3)], FromCountry: "SE", Country: c, BookedAt: booked,
			Status: carrier.StatusInTransit, Events: 5, FirstEvent: booked.Add(3 * time.Hour), MaxGap: time.Duration(6+rng.IntN(20)) * time.Hour}
		transit := 24*time.Hour + time.Duration(rng.IntN(60))*time.Hour
		if c == "NO" {
			transit += 48 * time.Hour
			s.CustomsSince = booked.Add(30 * time.Hour)
			if rng.IntN(10) > 0 {
				s.CustomsCleared = s.CustomsSince.Add(time.Duration(10+rng.IntN(70)) * time.Hour)
			}
		}
		s.Expected = booked.Add(72 * time.Hour)
		if c == "NO" {
			s.Expected = booked.Add(5 * 24 * time.Hour)
		}
		del := booked.Add(transit)
		switch r := rng.IntN(100); {
		case r < 2:
			s.Status, s.Lost = carrier.StatusLost, booked.Add(time.Duration(rng.IntN(int(now.Sub(booked)/time.Hour)+1))*time.Hour)
		case r < 5:
			s.Exception, s.Status = booked.Add(30*time.Hour), carrier.StatusException
		case r < 7:
			s.Returned, s.Status, s.Refused = booked.Add(6*24*time.Hour), carrier.StatusReturned, r == 6
		case r < 9:
			s.Events, s.FirstEvent = 0, time.Time{}
		case r < 11:
			s.Status, s.AtServicePoint = carrier.StatusAtServicePoint, booked.Add(2*24*time.Hour)
		}
		if s.Status == carrier.StatusInTransit && del.Before(now) && (s.CustomsSince.IsZero() || !s.CustomsCleared.IsZero()) {
			s.Status, s.Delivered = carrier.StatusDelivered, del
		}
		if s.Status == carrier.StatusInTransit && !s.CustomsSince.IsZero() && s.CustomsCleared.IsZero() {
			s.Status = carrier.StatusAwaitingCustoms
		}
		s.LastEvent = latest(s.FirstEvent, s.Delivered, s.CustomsSince, s.CustomsCleared, s.Exception, s.AtServicePoint)
		if s.Status == carrier.StatusInTransit && !s.FirstEvent.IsZero() {
			s.LastEvent = latest(s.LastEvent, now.Add(-time.Duration(rng.IntN(40))*time.Hour))
		}
		sums = append(sums, s)
	}
	return sums
}

// TestPDF renders a 30-day report: a PDF of two A4 pages that poppler
// reads and renders. KPI_PDF_DIR=DIR keeps the PDF and the PNGs to look at.
func TestPDF(t *testing.T) {
	sums := sampleHistory(3000)
	for i := range sums {
		if i%5 == 0 {
			sums[i].Carrier, sums[i].Service = "stg", "HOME"
		}
	}
	r := compute(t, sums, Options{})
	if len(r.ByCarrier) != 2 {
		t.Fatalf("by carrier: %+v", r.ByCarrier)
	}
	b, err := PDF(r, PDFOptions{Location: sthlm, Title: "Leveransrapport Åsa Ödegård"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(len(b), 16)])
	}
	dir := t.TempDir()
	if d := os.Getenv("KPI_PDF_DIR"); d != "" {
		dir = d
	}
	path := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdfinfo"); err != nil {
		t.Skip("pdfinfo not installed (make test installs poppler-utils)")
	}
	out, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out); m == nil || (string(m[1]) != "1" && string(m[1]) != "2") {
		t.Fatalf("pdfinfo: want 1 or 2 pages:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^Page size:\s+595\.\d* x 841\.\d* pts \(A4\)`).Match(out) {
		t.Errorf("not A4:\n%s", out)
	}
	if out, err := exec.Command("pdftoppm", "-r", "60", "-png", path, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	if pngs, _ := filepath.Glob(filepath.Join(dir, "page-*.png")); len(pngs) != 2 {
		t.Fatalf("pdftoppm made %v", pngs)
	}
	if out, err := exec.Command("pdftotext", path, "-").Output(); err == nil {
		for _, want := range []string{"Leveransrapport Åsa Ödegård", "On-time delivery", "By destination country", "By carrier", "Problem parcels"} {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("PDF text lacks %q", want)
			}
		}
		// The carrier table: each carrier's name and its shipments.
		for _, g := range r.ByCarrier {
			row := regexp.MustCompile(regexp.QuoteMeta(carrierTitle(g.Key)) + `\s+` + fmt.Sprint(g.Shipments) + `\b`)
			if !row.Match(out) {
				t.Errorf("PDF text lacks the %s row with %d shipments:\n%s", carrierTitle(g.Key), g.Shipments, out)
			}
		}
	} else {
		t.Errorf("pdftotext: %v", err)
	}
}

// TestPDFEmpty: a window with nothing booked still renders.
func TestPDFEmpty(t *testing.T) {
	b, err := PDF(compute(t, nil, Options{}), PDFOptions{Location: sthlm})
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("empty report: %v", err)
	}
}
