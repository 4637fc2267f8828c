package label

import (
	"bytes"
	"fmt"
	"regexp"
	"testing"
)

// TestPDFPage checks the file itself; TestPDFRenderedScans (render_test.go)
// rasterises it with poppler and scans it.
func TestPDFPage(t *testing.T) {
	for _, size := range []Size{Size100x150, Size105x190} {
		b, err := PDF(sampleLabel(size, DPMM203))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("not a PDF: %q", b[:min(len(b), 16)])
		}
		// One page, W×H mm in points.
		m := regexp.MustCompile(`/MediaBox \[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("%v: no MediaBox", size)
		}
		var w, h float64
		if _, err := fmtSscan(string(m[1])+" "+string(m[2]), &w, &h); err != nil {
			t.Fatal(err)
		}
		if abs(w-float64(size.WidthMM)*ptPerMM) > 0.5 || abs(h-float64(size.HeightMM)*ptPerMM) > 0.5 {
			t.Errorf("%v: page %g×%g pt", size, w, h)
		}
		if c := bytes.Count(b, []byte("/Type /Page\n")) + bytes.Count(b, []byte("/Type /Page ")) + bytes.Count(b, []byte("/Type /Page/")); c > 1 {
			t.Errorf("%v: %d pages", size, c)
		}
		if !bytes.Contains(b, []byte("/FontFile2")) {
			t.Errorf("%v: no embedded TrueType font program (/FontFile2)", size)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func fmtSscan(s string, a ...any) (int, error) { return fmt.Sscan(s, a...) }
