package label

import (
	"labelstation/internal/zplrender"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The tests in this file run the labels through real outside renderers:
// zebrash (npm zpl-renderer-js, as a Zebra printer would print the ZPL)
// and poppler's pdftoppm (as a PDF viewer would show the PDF), then
// decode the barcodes with gozxing.

func nodeTools(t *testing.T) string { return zplrender.Tools(t) }

// renderZPL renders zpl (one or more labels of one size) to PNG files,
// one per label.
func renderZPL(t *testing.T, nodeModules string, zpl []byte, size Size, dpmm int) []string {
	return zplrender.Render(t, nodeModules, zpl, size.WidthMM, size.HeightMM, dpmm)
}

// TestZPLRenderedScans prints the station's own labels through zebrash —
// the sample offline label, an S10 return label and one with overlong
// fields, at 203 dpi on 100×150 mm and at 300 dpi on PostNord's
// 105×190 mm — and checks every barcode and QR code scans as intended and
// no text leaves its box.
func TestZPLRenderedScans(t *testing.T) {
	t.Parallel()
	nodeModules := nodeTools(t)
	for _, tc := range []struct {
		size Size
		dpmm int
	}{{Size100x150, DPMM203}, {Size105x190, DPMM300}} {
		t.Run(strconv.Itoa(tc.dpmm), func(t *testing.T) {
			t.Parallel()
			zplRenderedScans(t, nodeModules, tc.size, tc.dpmm)
		})
	}
}

func zplRenderedScans(t *testing.T, nodeModules string, size Size, dpmm int) {
	tc := struct {
		size Size
		dpmm int
	}{size, dpmm}
	{
		labels := []*Label{sampleLabel(tc.size, tc.dpmm), longLabel(tc.size, tc.dpmm)}
		if dpmm == DPMM203 { // the S10 return label once, at 203 dpi
			s10 := sampleLabel(tc.size, tc.dpmm)
			s10.Title, s10.ItemID, s10.QR = "RETURN", "CC612199545SE", "https://returns.example/r/CC612199545SE?x=~a^b"
			labels = append(labels, s10)
		}
		var all []byte
		pages := make([]*Page, len(labels))
		for i, l := range labels {
			p, err := Compose(l)
			if err != nil {
				t.Fatal(err)
			}
			z, err := p.ZPL()
			if err != nil {
				t.Fatal(err)
			}
			pages[i] = p
			all = append(all, z...)
		}
		files := renderZPL(t, nodeModules, all, tc.size, tc.dpmm)
		if len(files) != len(labels) {
			t.Fatalf("zebrash rendered %d labels from %d", len(files), len(labels))
		}
		for i, f := range files {
			img := readPNG(t, f)
			if b := img.Bounds(); b.Dx() != tc.size.WidthMM*tc.dpmm || b.Dy() != tc.size.HeightMM*tc.dpmm {
				t.Errorf("label %d rendered %v, want %d×%d dots", i, b, tc.size.WidthMM*tc.dpmm, tc.size.HeightMM*tc.dpmm)
			}
			name := "zpl " + strconv.Itoa(tc.dpmm) + " dpmm label " + strconv.Itoa(i)
			checkScans(t, name, img, float64(tc.dpmm), pages[i], labels[i])
			checkNoOverflow(t, name, img, float64(tc.dpmm), pages[i])
			if tc.dpmm == DPMM203 && i == 0 {
				data, _ := os.ReadFile(f)
				keep(t, "label-zpl.png", data)
			}
			if i == 1 {
				data, _ := os.ReadFile(f)
				keep(t, "label-zpl-long-"+strconv.Itoa(tc.dpmm)+".png", data)
			}
		}
	}
}

// pdfTools skips when poppler-utils is missing.
func pdfTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping PDF check: %s is not on PATH (apt-get install poppler-utils)", tool)
		}
	}
}

// rasterPDF renders a one-page PDF with pdftoppm at dpmm dots per mm.
func rasterPDF(t *testing.T, pdf []byte, dpmm int) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "label.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	dpi := strconv.FormatFloat(float64(dpmm)*25.4, 'f', 1, 64)
	out := filepath.Join(dir, "label")
	if b, err := exec.Command("pdftoppm", "-r", dpi, "-png", "-gray", "-singlefile", "-aa", "no", "-aaVector", "no", in, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, b)
	}
	return out + ".png"
}

// TestPDFRenderedScans rasterises the PDF label with pdftoppm and decodes
// its barcodes; the text must be real text in the embedded font.
func TestPDFRenderedScans(t *testing.T) {
	t.Parallel()
	pdfTools(t, "pdftoppm", "pdftotext", "pdffonts")
	for _, tc := range []struct {
		size Size
		dpmm int
	}{{Size100x150, DPMM203}, {Size105x190, DPMM300}} {
		labels := []*Label{sampleLabel(tc.size, tc.dpmm)}
		if tc.dpmm == DPMM203 {
			labels = append(labels, longLabel(tc.size, tc.dpmm))
		}
		for _, l := range labels {
			p, err := Compose(l)
			if err != nil {
				t.Fatal(err)
			}
			pdf, err := p.PDF()
			if err != nil {
				t.Fatal(err)
			}
			file := rasterPDF(t, pdf, tc.dpmm)
			img := readPNG(t, file)
			name := "pdf " + strconv.Itoa(tc.dpmm) + " dpmm"
			checkScans(t, name, img, float64(tc.dpmm), p, l)
			checkNoOverflow(t, name, img, float64(tc.dpmm), p)
			if tc.dpmm == DPMM203 && l.Receiver.Name == sampleLabel(tc.size, tc.dpmm).Receiver.Name {
				data, _ := os.ReadFile(file)
				keep(t, "label-pdf.png", data)
			}
		}
	}

	pdf, err := PDF(sampleLabel(Size105x190, DPMM203))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "l.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	fonts, err := exec.Command("pdffonts", in).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v\n%s", err, fonts)
	}
	// Two TrueType fonts, both embedded: the "emb" column, fifth from
	// the end, says yes.
	lines := strings.Split(strings.TrimSpace(string(fonts)), "\n")[2:]
	if len(lines) != 2 {
		t.Errorf("PDF has %d fonts, want the two DejaVu faces:\n%s", len(lines), fonts)
	}
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) < 7 || f[len(f)-5] != "yes" || !strings.Contains(line, "TrueType") {
			t.Errorf("PDF font is not an embedded TrueType font: %s", line)
		}
	}
	txt, err := exec.Command("pdftotext", "-layout", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, txt)
	}
	for _, want := range []string{"Åsa Öberg-Ærø", "Ødegård & Ümlaut AB", "SE-114 55 Stockholm", "Göteborg", "(00) 373500454541020957"} {
		if !strings.Contains(string(txt), want) {
			t.Errorf("PDF text lacks %q:\n%s", want, txt)
		}
	}
}

func writeFile(name string, data []byte) error { return os.WriteFile(name, data, 0o644) }
