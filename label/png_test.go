package label

import (
	"bytes"
	"image/png"
	"os"
	"strings"
	"testing"
)

// TestPreviewScans draws the label in pure Go and decodes every barcode
// and the QR code with gozxing, at both sizes and both resolutions.
func TestPreviewScans(t *testing.T) {
	for _, size := range []Size{Size100x150, Size105x190} {
		for _, dpmm := range []int{DPMM203, DPMM300} {
			l := sampleLabel(size, dpmm)
			p, err := Compose(l)
			if err != nil {
				t.Fatal(err)
			}
			img, err := p.Preview()
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != size.WidthMM*dpmm || b.Dy() != size.HeightMM*dpmm {
				t.Errorf("preview is %v, want %d×%d dots", b, size.WidthMM*dpmm, size.HeightMM*dpmm)
			}
			checkScans(t, "preview", img, float64(dpmm), p, l)
		}
	}
	// An S10 item id goes into plain Code 128.
	l := sampleLabel(Size100x150, DPMM203)
	l.ItemID = "CC612199545SE"
	p, err := Compose(l)
	if err != nil {
		t.Fatal(err)
	}
	img, err := p.Preview()
	if err != nil {
		t.Fatal(err)
	}
	checkScans(t, "preview S10", img, DPMM203, p, l)
}

// TestPNG checks the encoded file: a PNG of the label's size in dots,
// saved for a look when LABELSTATION_KEEP_PNG names a directory.
func TestPNG(t *testing.T) {
	b, err := PNG(sampleLabel(Size100x150, DPMM203))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 800 || cfg.Height != 1200 {
		t.Errorf("PNG is %d×%d, want 800×1200", cfg.Width, cfg.Height)
	}
	keep(t, "label-png.png", b)
}

// TestPreviewLongFieldsStayInBoxes prints the widest names and streets and
// checks that no line spills out of its box.
func TestPreviewLongFieldsStayInBoxes(t *testing.T) {
	for _, dpmm := range []int{DPMM203, DPMM300} {
		l := longLabel(Size100x150, dpmm)
		p, err := Compose(l)
		if err != nil {
			t.Fatal(err)
		}
		img, err := p.Preview()
		if err != nil {
			t.Fatal(err)
		}
		checkNoOverflow(t, "preview", img, float64(dpmm), p)
		if dpmm == DPMM203 {
			var buf bytes.Buffer
			_ = png.Encode(&buf, img)
			keep(t, "label-png-long.png", buf.Bytes())
		}
	}
}

// longLabel has fields far wider than their boxes, in the widest letters.
func longLabel(size Size, dpmm int) *Label {
	l := sampleLabel(size, dpmm)
	l.Receiver.Name = strings.Repeat("ÅWÆMØ", 12)
	l.Receiver.Company = strings.Repeat("Wåm", 20)
	l.Receiver.Street1 = strings.Repeat("MWØ", 16) + "AB"
	l.Receiver.Street2 = strings.Repeat("ÆW", 25)
	l.Receiver.City = strings.Repeat("Ø", 35)
	l.Sender.Name = strings.Repeat("W", 60)
	l.Sender.Street1 = strings.Repeat("M", 50)
	l.ServiceName = strings.Repeat("MyPack Home Wide ", 4)
	l.Lines = []string{strings.Repeat("W", 80), strings.Repeat("Ä", 80)}
	l.Title = "RETURNWWWWWW"
	return l
}

// keep saves an output for a look when LABELSTATION_KEEP_PNG names a
// directory.
func keep(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := os.Getenv("LABELSTATION_KEEP_PNG")
	if dir == "" {
		return
	}
	if err := os.WriteFile(dir+"/"+name, data, 0o644); err != nil {
		t.Errorf("keep %s: %v", name, err)
	}
}
