package label

import (
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

func TestQRScans(t *testing.T) {
	for _, content := range []string{"https://tracking.example/t/373500454541020957", "CC612199545SE", "a^b~c\\d", strings.Repeat("X", maxQRLen)} {
		q, err := EncodeQR(content)
		if err != nil {
			t.Fatal(err)
		}
		const m = 4
		img := image.NewGray(image.Rect(0, 0, (q.Size()+8)*m, (q.Size()+8)*m))
		draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
		q.Runs(func(x, y, w int) {
			draw.Draw(img, image.Rect((4+x)*m, (4+y)*m, (4+x+w)*m, (5+y)*m), image.NewUniform(color.Black), image.Point{}, draw.Src)
		})
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		if res.GetText() != content {
			t.Errorf("QR scans as %q, want %q", res.GetText(), content)
		}
	}
	for _, bad := range []string{"", "Åsa", "a\nb", strings.Repeat("X", maxQRLen+1)} {
		if _, err := EncodeQR(bad); err == nil {
			t.Errorf("EncodeQR(%q) accepted", bad)
		}
	}
}
