package label

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
)

// drawCode128 draws c at 3 pixels a module with 10-module quiet zones.
func drawCode128(c Code128) image.Image {
	const m, h = 3, 60
	img := image.NewGray(image.Rect(0, 0, (c.Modules()+20)*m, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	c.Bars(func(x, w int) {
		draw.Draw(img, image.Rect((10+x)*m, 0, (10+x+w)*m, h), image.NewUniform(color.Black), image.Point{}, draw.Src)
	})
	return img
}

// scanCode128 decodes c with gozxing; gs1 asks for GS1 handling (]C1
// prefix, GS for later FNC1s).
func scanCode128(t *testing.T, c Code128, gs1 bool) (text, symbology string) {
	t.Helper()
	bmp, _ := gozxing.NewBinaryBitmapFromImage(drawCode128(c))
	hints := map[gozxing.DecodeHintType]interface{}{}
	if gs1 {
		hints[gozxing.DecodeHintType_ASSUME_GS1] = true
	}
	res, err := oned.NewCode128Reader().Decode(bmp, hints)
	if err != nil {
		t.Fatalf("symbol %v does not decode: %v", c.Values, err)
	}
	sym, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER].(string)
	return res.GetText(), sym
}

func TestCode128KnownSymbol(t *testing.T) {
	// "PJJ123C": start B, then B all the way (switching to C for "12"
	// saves nothing). Check symbol by hand: 104 + 1·48 + 2·42 + 3·42 +
	// 4·17 + 5·18 + 6·19 + 7·35 = 879; 879 mod 103 = 55.
	c, err := EncodeCode128("PJJ123C")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(c.Values), fmt.Sprint([]int{104, 48, 42, 42, 17, 18, 19, 35, 55, 106}); got != want {
		t.Errorf("PJJ123C = %v, want %v", got, want)
	}
	if c.Modules() != 9*11+13 {
		t.Errorf("Modules = %d, want %d", c.Modules(), 9*11+13)
	}
}

// TestCode128Plans pins the code-set plans (start codes A, B, C, switches)
// by their symbol values, check symbol and stop left out.
func TestCode128Plans(t *testing.T) {
	tests := []struct {
		data string
		want []int
	}{
		{"1234567890", []int{105, 12, 34, 56, 78, 90}},
		{"00373500454541020957", []int{105, 0, 37, 35, 0, 45, 45, 41, 2, 9, 57}},
		{"1234567890ABCDE", []int{105, 12, 34, 56, 78, 90, 100, 33, 34, 35, 36, 37}},      // C, then switch to B
		{"AB\x01\x02", []int{103, 33, 34, 65, 66}},                                        // control characters: start A
		{"ab\x01c", []int{104, 65, 66, 101, 65, 100, 67}},                                 // B, switch to A and back
		{"123", []int{104, 17, 18, 19}},                                                   // C 12 + B 3 would end on a lone character
		{"CC612199545SE", []int{104, 35, 35, 22, 17, 18, 17, 25, 25, 21, 20, 21, 51, 37}}, // never a switch into C
	}
	for _, tt := range tests {
		c, err := EncodeCode128(tt.data)
		if err != nil {
			t.Fatalf("%q: %v", tt.data, err)
		}
		if got, want := fmt.Sprint(c.Values[:len(c.Values)-2]), fmt.Sprint(tt.want); got != want {
			t.Errorf("%q = %v, want %v", tt.data, got, want)
		}
	}
}

// TestCode128Scans round-trips data through the bars and gozxing.
func TestCode128Scans(t *testing.T) {
	for _, data := range []string{
		"1234567890", "CC612199545SE", "AB\x01\x02", "ab\x01c", "x", "\x00", "A\x7f~",
		strings.Repeat("9", 31), "ORDER-1001/2", "00373500454541020957", "Hello, World! 12345678",
	} {
		c, err := EncodeCode128(data)
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		if got, sym := scanCode128(t, c, false); got != data || sym != "]C0" {
			t.Errorf("%q scans as %q (%s)", data, got, sym)
		}
	}
	if _, err := EncodeCode128("Å"); err == nil {
		t.Error("EncodeCode128 accepted non-ASCII")
	}
	if _, err := EncodeCode128(""); err == nil {
		t.Error("EncodeCode128 accepted empty data")
	}
}

// TestCode128NotLongerThanZXing: the plan is never longer than the one
// gozxing's own writer chooses, except where gozxing switches into code
// set C mid-symbol, which the zebrash-safe plans give up (an S10 id costs
// two symbols more than gozxing's plan).
func TestCode128NotLongerThanZXing(t *testing.T) {
	for _, data := range []string{"ABC123", "1234", "A1B2C3", "00373500454541020957", "1234567890123ABC", "X-1/2.3+4:5"} {
		c, err := EncodeCode128(data)
		if err != nil {
			t.Fatal(err)
		}
		m, err := oned.NewCode128Writer().Encode(data, gozxing.BarcodeFormat_CODE_128, 0, 0, map[gozxing.EncodeHintType]interface{}{gozxing.EncodeHintType_MARGIN: 0})
		if err != nil {
			t.Fatal(err)
		}
		if c.Modules() > m.GetWidth() {
			t.Errorf("%q: %d modules, gozxing writes %d", data, c.Modules(), m.GetWidth())
		}
	}
}

func TestCode128ZPLData(t *testing.T) {
	tests := map[string]string{
		"CC612199545SE":   ">:CC612199545SE",
		"1234567890":      ">;1234567890",
		"1234567890ABCDE": ">;1234567890>6ABCDE",
		"AB\x01\x02":      ">933346566", // set A as digit pairs of the symbol values
		"ab\x01c":         ">:ab>765>6c",
	}
	for in, want := range tests {
		c, err := EncodeCode128(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.ZPLData()
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got != want {
			t.Errorf("ZPLData(%q) = %q, want %q (%v)", in, got, want, c.Values)
		}
	}
	for _, bad := range []string{"a^b", "a~b", `a\b`, "a>b"} {
		c, _ := EncodeCode128(bad)
		if _, err := c.ZPLData(); err == nil {
			t.Errorf("ZPLData(%q) accepted a character ZPL would misread", bad)
		}
	}
}
