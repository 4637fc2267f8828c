package label

import (
	"bytes"
	"fmt"
	"image"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nastyLabel is sampleLabel with ZPL commands, escapes and every Nordic
// letter in the customer's text. Each line is short enough to fit its box
// unshortened, so the whole text must print.
func nastyLabel(size Size, dpmm int) *Label {
	l := sampleLabel(size, dpmm)
	l.Receiver.Name = "Åsa^XZ^XA Öst~JR"
	l.Receiver.Company = `^FDÆrø\&Ø\5E ÜÄ`
	l.Receiver.Street1 = `C:\Temp\^FS ~JA`
	l.Receiver.Street2 = "åäöæøü ÅÄÖÆØÜ"
	l.Receiver.City = "Tromsø^XZ"
	l.Sender.Name = `Ærø \\ ^FO0,0`
	l.ServiceName = "Home~HS^PQ9"
	l.Lines = []string{"Ref: ^XA~JR\\", "ÅÄÖÆØÜ åäöæøü", "~JA^ID*:*.*^FS"}
	return l
}

// zplCommands splits ZPL the way a printer does: every '^' or '~' starts a
// command, named by the two characters after it. Field data is skipped
// only in the sense that it holds no prefix character; if any customer
// text leaked a '^' or '~', it would show up here as a command.
func zplCommands(z []byte) []string {
	var cmds []string
	for i := 0; i < len(z); i++ {
		if z[i] == '^' || z[i] == '~' {
			end := min(i+3, len(z))
			cmds = append(cmds, string(z[i:end]))
		}
	}
	return cmds
}

// fields returns the decoded text of every ^FH\^FD…^FS field, as the
// printer prints it, with the ^FO/^A0 command that placed it.
func fields(t *testing.T, z []byte) (texts []string, places []string) {
	t.Helper()
	s := string(z)
	for {
		i := strings.Index(s, FieldPrefix)
		if i < 0 {
			return texts, places
		}
		j := strings.Index(s[i:], FieldSuffix)
		start := strings.LastIndex(s[:i], "^FO")
		texts = append(texts, decodeFH(t, s[i+len(FieldPrefix):i+j]))
		places = append(places, s[start:i])
		s = s[i+j:]
	}
}

// TestZPLInjection: customer text full of ZPL commands yields exactly the
// command sequence of a plain label, one ^XA and one ^XZ, and every field
// prints the customer's text as it was typed.
func TestZPLInjection(t *testing.T) {
	for _, dpmm := range []int{DPMM203, DPMM300} {
		plain, err := ZPL(sampleLabel(Size100x150, dpmm))
		if err != nil {
			t.Fatal(err)
		}
		nl := nastyLabel(Size100x150, dpmm)
		nasty, err := ZPL(nl)
		if err != nil {
			t.Fatal(err)
		}
		pc, nc := zplCommands(plain), zplCommands(nasty)
		if strings.Join(pc, " ") != strings.Join(nc, " ") {
			t.Errorf("%d dpmm: customer text changed the command sequence:\nplain: %v\nnasty: %v", dpmm, pc, nc)
		}
		if n := bytes.Count(nasty, []byte("^XA")); n != 1 {
			t.Errorf("%d dpmm: %d ^XA in the label, want 1", dpmm, n)
		}
		if n := bytes.Count(nasty, []byte("^XZ")); n != 1 {
			t.Errorf("%d dpmm: %d ^XZ in the label, want 1", dpmm, n)
		}
		texts, _ := fields(t, nasty)
		for _, want := range []string{nl.Receiver.Name, nl.Receiver.Company, nl.Receiver.Street1, nl.Receiver.Street2,
			"SE-114 55 " + nl.Receiver.City, nl.Sender.Name, nl.ServiceName, nl.Lines[0], nl.Lines[1], nl.Lines[2]} {
			found := false
			for _, got := range texts {
				found = found || got == want
			}
			if !found {
				t.Errorf("%d dpmm: no field prints %q; fields: %q", dpmm, want, texts)
			}
		}
	}
}

// TestZPLInjectionRendered prints the hostile label through zebrash: it
// must come out as exactly one label whose barcodes still scan, and each
// hostile line must look pixel for pixel like a reference label that
// carries the same text with every byte hex-escaped (an encoding made
// independently of FieldData), so the printer drew the text, not commands.
func TestZPLInjectionRendered(t *testing.T) {
	t.Parallel()
	nodeModules := nodeTools(t)
	const dpmm = DPMM203
	nl := nastyLabel(Size100x150, dpmm)
	p, err := Compose(nl)
	if err != nil {
		t.Fatal(err)
	}
	z, err := p.ZPL()
	if err != nil {
		t.Fatal(err)
	}
	texts, places := fields(t, z)
	check := []string{nl.Receiver.Name, nl.Receiver.Company, nl.Receiver.Street1, nl.Sender.Name}
	all := append([]byte(nil), z...)
	var refPlaces []string
	for _, want := range check {
		k := -1
		for i, got := range texts {
			if got == want {
				k = i
			}
		}
		if k < 0 {
			t.Fatalf("no field prints %q", want)
		}
		refPlaces = append(refPlaces, places[k])
		var ref strings.Builder
		fmt.Fprintf(&ref, "^XA\n^CI28\n^PW%d\n^LL%d\n^LH0,0\n%s^FH\\^FD", 100*dpmm, 150*dpmm, places[k])
		for i := 0; i < len(want); i++ {
			fmt.Fprintf(&ref, "\\%02X", want[i])
		}
		ref.WriteString("^FS\n^XZ\n")
		all = append(all, ref.String()...)
	}
	files := renderZPL(t, nodeModules, all, Size100x150, dpmm)
	if len(files) != 1+len(check) {
		t.Fatalf("zebrash rendered %d labels, want %d: customer text added or ended a label", len(files), 1+len(check))
	}
	img := readPNG(t, files[0])
	checkScans(t, "hostile zpl", img, dpmm, p, nl)
	for i, want := range check {
		ref := readPNG(t, files[1+i])
		var x, y, h int
		if _, err := fmt.Sscanf(refPlaces[i], "^FO%d,%d^A0N,%d", &x, &y, &h); err != nil {
			t.Fatalf("place %q: %v", refPlaces[i], err)
		}
		// Compare inside the bounding box of the reference text's ink:
		// the text itself, without its neighbours.
		r := inkBounds(ref)
		if r.Empty() || r.Min.Y < y-h/2 || r.Max.Y > y+h+h/2 {
			t.Fatalf("%q: reference ink at %v, not near its field at y=%d", want, r, y)
		}
		_ = x
		ink, diff := 0, 0
		for yy := r.Min.Y; yy < r.Max.Y; yy++ {
			for xx := r.Min.X; xx < r.Max.X; xx++ {
				if dark(ref, xx, yy) {
					ink++
				}
				if dark(img, xx, yy) != dark(ref, xx, yy) {
					diff++
				}
			}
		}
		if ink < 50 || diff > 0 {
			t.Errorf("%q: %d of %d reference ink pixels differ on the label: the text did not print as typed", want, diff, ink)
		}
	}
}

// TestPDFInjection: the same hostile text in a PDF is plain text too.
func TestPDFInjection(t *testing.T) {
	t.Parallel()
	pdfTools(t, "pdftotext")
	nl := nastyLabel(Size100x150, DPMM203)
	pdf, err := PDF(nl)
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "l.pdf")
	if err := writeFile(in, pdf); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-raw", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	for _, want := range []string{nl.Receiver.Name, nl.Receiver.Company, nl.Receiver.Street1, nl.Receiver.Street2,
		nl.Sender.Name, nl.ServiceName, nl.Lines[0]} {
		if !strings.Contains(string(out), want) {
			t.Errorf("PDF text lacks %q:\n%s", want, out)
		}
	}
}

// inkBounds is the bounding box of the dark pixels of img.
func inkBounds(img *image.Gray) image.Rectangle {
	r := image.Rectangle{Min: img.Bounds().Max, Max: img.Bounds().Min}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if dark(img, x, y) {
				r.Min.X, r.Min.Y = min(r.Min.X, x), min(r.Min.Y, y)
				r.Max.X, r.Max.Y = max(r.Max.X, x+1), max(r.Max.Y, y+1)
			}
		}
	}
	if r.Min.X >= r.Max.X {
		return image.Rectangle{}
	}
	return r
}
