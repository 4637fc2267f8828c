package label

import (
	"fmt"
	"strings"
	"testing"
)

func TestZPLHeaderPerSizeAndResolution(t *testing.T) {
	for _, tc := range []struct {
		size   Size
		dpmm   int
		pw, ll int
		module string
	}{
		{Size100x150, DPMM203, 800, 1200, "^BY4,"},
		{Size100x150, DPMM300, 1200, 1800, "^BY6,"},
		{Size105x190, DPMM203, 840, 1520, "^BY4,"},
		{Size105x190, DPMM300, 1260, 2280, "^BY6,"},
	} {
		z, err := ZPL(sampleLabel(tc.size, tc.dpmm))
		if err != nil {
			t.Fatal(err)
		}
		s := string(z)
		for _, want := range []string{
			"^XA\n^CI28\n", fmt.Sprintf("^PW%d\n", tc.pw), fmt.Sprintf("^LL%d\n", tc.ll),
			tc.module, "^BCN,", "^FD>;>800373500454541020957^FS", // item: GS1-128 (00)
			"^FD>;>842175211>6455^FS", // routing: GS1-128 (421) Sweden 114 55
			"^BQN,2,", "^FDMA,https://tracking.example/t/373500454541020957^FS",
		} {
			if !strings.Contains(s, want) {
				t.Errorf("%v at %d dpmm: ZPL lacks %q", tc.size, tc.dpmm, want)
			}
		}
		if !strings.HasSuffix(s, "^XZ\n") || strings.Count(s, "^XA") != 1 {
			t.Errorf("%v at %d dpmm: not exactly one ^XA…^XZ label", tc.size, tc.dpmm)
		}
	}
}

// TestZPLLongFieldsFit reads every text field back from the ZPL and
// measures it with the font 0 metrics at its printed size: none is wider
// than its box, and the long ones were shortened, not dropped.
func TestZPLLongFieldsFit(t *testing.T) {
	for _, dpmm := range []int{DPMM203, DPMM300} {
		l := longLabel(Size105x190, dpmm)
		p, err := Compose(l)
		if err != nil {
			t.Fatal(err)
		}
		z, err := p.ZPL()
		if err != nil {
			t.Fatal(err)
		}
		texts, places := fields(t, z)
		byValue := map[string]Text{}
		for _, tx := range p.Texts {
			byValue[tx.Field] = tx
		}
		// Text fields come out in p.Texts order, then the QR field.
		if len(texts) != len(p.Texts)+1 {
			t.Fatalf("%d fields for %d texts and a QR code", len(texts), len(p.Texts))
		}
		for i, tx := range p.Texts {
			var x, y, h, w int
			if _, err := fmt.Sscanf(places[i], "^FO%d,%d^A0N,%d,%d", &x, &y, &h, &w); err != nil {
				t.Fatalf("%s: %q: %v", tx.Field, places[i], err)
			}
			box := int(tx.W*float64(dpmm) + 0.5)
			if got := Font0Dots(texts[i], h); got > box {
				t.Errorf("%d dpmm %s: %q is %d dots wide at h=%d, box %d", dpmm, tx.Field, texts[i], got, h, box)
			}
			if float64(h) < tx.MinSize*float64(dpmm)-1 {
				t.Errorf("%d dpmm %s: printed at %d dots, below the minimum %g", dpmm, tx.Field, h, tx.MinSize*float64(dpmm))
			}
			if texts[i] == "" || !strings.HasPrefix(tx.Value, texts[i]) {
				t.Errorf("%d dpmm %s: prints %q, not a prefix of %q", dpmm, tx.Field, texts[i], tx.Value)
			}
		}
		if byValue["receiver.name"].Value == texts[0] {
			t.Error("the overlong name was not shortened")
		}
	}
}
