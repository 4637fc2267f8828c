package sandbox_test

import (
	"context"
	"encoding/xml"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"

	"labelstation/carrier/sandbox"
	"labelstation/internal/zplrender"
)

// renderTools finds the ZPL renderer (or skips) and zbarimg (Debian
// zbar-tools), which decodes the rendered barcodes.
func renderTools(t *testing.T) (nodeModules string) {
	t.Helper()
	nodeModules = zplrender.Tools(t)
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Skip("skipping render check: zbarimg is not on PATH (apt-get install zbar-tools)")
	}
	return nodeModules
}

// renderZPL renders PostNord-size labels (105 × 190 mm, 8 dpmm).
func renderZPL(t *testing.T, nodeModules, zpl string) []string {
	return zplrender.Render(t, nodeModules, []byte(zpl), 105, 190, 8)
}

type zbarSymbol struct {
	Type      string `xml:"type,attr"`
	Modifiers string `xml:"modifiers,attr"`
	Data      string `xml:"data"`
}

// scan decodes every barcode in a PNG with zbarimg.
func scan(t *testing.T, file string) []zbarSymbol {
	t.Helper()
	out, err := exec.Command("zbarimg", "--xml", "-q", file).Output()
	if err != nil {
		// zbarimg exits 4 when it finds nothing.
		t.Fatalf("zbarimg %s found no barcode: %v", file, err)
	}
	var doc struct {
		Sources []struct {
			Indexes []struct {
				Symbols []zbarSymbol `xml:"symbol"`
			} `xml:"index"`
		} `xml:"source"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("zbarimg output: %v\n%s", err, out)
	}
	var syms []zbarSymbol
	for _, s := range doc.Sources {
		for _, i := range s.Indexes {
			syms = append(syms, i.Symbols...)
		}
	}
	return syms
}

// TestRenderedLabelScans renders the sandbox's ZPL the way a Zebra
// printer would (zebrash via zpl-renderer-js) and scans the result: the
// printed label must carry the SSCC as a GS1-128 barcode.
func TestRenderedLabelScans(t *testing.T) {
	nodeModules := renderTools(t)
	r := newRig(t, sandbox.Options{})
	b, err := r.client.Book(context.Background(), booking()) // two parcels
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, l := range b.Labels {
		all.Write(l.Data)
	}
	pngs := renderZPL(t, nodeModules, all.String())
	if len(pngs) != len(b.ItemIDs) {
		t.Fatalf("rendered %d pages for %d labels", len(pngs), len(b.ItemIDs))
	}
	for i, file := range pngs {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if cfg.Width != 840 || cfg.Height != 1520 {
			t.Errorf("%s is %d×%d, want 840×1520 (105×190 mm at 8 dpmm)", file, cfg.Width, cfg.Height)
		}
		syms := scan(t, file)
		if len(syms) != 1 {
			t.Fatalf("label %d: %d barcodes, want 1: %+v", i, len(syms), syms)
		}
		s := syms[0]
		if s.Type != "CODE-128" || s.Data != b.ItemIDs[i] || !strings.Contains(s.Modifiers, "GS1") {
			t.Errorf("label %d scans as %s %q (modifiers %q), want GS1-128 %s", i, s.Type, s.Data, s.Modifiers, b.ItemIDs[i])
		}
	}
	if keep := os.Getenv("LABELSTATION_KEEP_PNG"); keep != "" {
		data, err := os.ReadFile(pngs[0])
		if err == nil {
			err = os.WriteFile(keep, data, 0o644)
		}
		if err != nil {
			t.Errorf("keep PNG: %v", err)
		}
		t.Logf("first label saved to %s", keep)
	}
}

// TestRenderedLongFieldsStayOnLabel books the widest text PostNord
// accepts (60-character names, 50-character street lines of W, M and Æ)
// and checks on the rendered label that no ink runs past the right margin,
// so a long address is squeezed, not cut off by the label's edge, and the
// barcode still scans.
func TestRenderedLongFieldsStayOnLabel(t *testing.T) {
	nodeModules := renderTools(t)
	r := newRig(t, sandbox.Options{})
	req := booking()
	req.Receiver.Name = strings.Repeat("ÅWÆMØ", 12)
	req.Receiver.Company = strings.Repeat("Wåm", 20)
	req.Receiver.Street1 = strings.Repeat("MWØ", 16) + "AB"
	req.Receiver.Street2 = strings.Repeat("ÆW", 25)
	req.Receiver.City = strings.Repeat("Ø", 35)
	req.Consignor.Address.Name = strings.Repeat("W", 60)
	req.Consignor.Address.Street1 = strings.Repeat("M", 50)
	req.Consignor.Address.Street2 = strings.Repeat("m", 50)
	req.Parcels = req.Parcels[:1]
	b, err := r.client.Book(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	pngs := renderZPL(t, nodeModules, string(b.Labels[0].Data))
	f, err := os.Open(pngs[0])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The horizontal rules end at x = 825; nothing is drawn beyond.
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := 826; x < bounds.Max.X; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				t.Fatalf("ink at (%d, %d): a long field runs off the label", x, y)
			}
		}
	}
	if syms := scan(t, pngs[0]); len(syms) != 1 || syms[0].Data != b.ItemIDs[0] {
		t.Errorf("long-field label scans as %+v", syms)
	}
}
