package label

import "testing"

// BenchmarkRender measures one label through each renderer, layout
// included, as the station pays it per parcel:
//
//	go test -run '^$' -bench BenchmarkRender -benchmem ./label/
func BenchmarkRender(b *testing.B) {
	l := sampleLabel(Size105x190, DPMM203)
	for _, r := range []struct {
		name string
		fn   func(*Label) error
	}{
		{"ZPL", func(l *Label) error { _, err := ZPL(l); return err }},
		{"PDF", func(l *Label) error { _, err := PDF(l); return err }},
		{"PNG", func(l *Label) error { _, err := PNG(l); return err }},
		{"Preview", func(l *Label) error { _, err := Preview(l); return err }},
	} {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := r.fn(l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
