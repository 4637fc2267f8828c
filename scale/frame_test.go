package scale

import (
	"math"
	"reflect"
	"testing"
	"time"
)

// fuzzDecoder checks the properties every decoder must have on any input:
// it does not panic; feeding the bytes in chunks of any size gives the
// same frames, garbage count and leftover as feeding them whole (frames
// are assembled from partial reads); and a weight is a sane number.
func fuzzDecoder(f *testing.F, dec decodeFunc, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		whole := assembler{decode: dec}
		var wf []frame
		whole.feed(data, time.Time{}, func(fr frame) { wf = append(wf, fr) })

		parts := assembler{decode: dec}
		var pf []frame
		step := int(chunk%9) + 1
		for i := 0; i < len(data); i += step {
			parts.feed(data[i:min(i+step, len(data))], time.Time{}, func(fr frame) { pf = append(pf, fr) })
		}
		if !reflect.DeepEqual(wf, pf) {
			t.Fatalf("in chunks of %d: %d frames %+v\nwhole: %d frames %+v", step, len(pf), pf, len(wf), wf)
		}
		if whole.garbageBytes != parts.garbageBytes || len(whole.buf) != len(parts.buf) {
			t.Fatalf("in chunks of %d: garbage %d, left %d; whole: garbage %d, left %d", step, parts.garbageBytes, len(parts.buf), whole.garbageBytes, len(whole.buf))
		}
		if int(whole.garbageBytes)+len(whole.buf) > len(data) {
			t.Fatalf("counted %d garbage bytes and kept %d of %d", whole.garbageBytes, len(whole.buf), len(data))
		}
		for _, fr := range wf {
			g := fr.r.Grams
			if math.IsNaN(g) || math.IsInf(g, 0) || math.Abs(g) > maxMilligrams/1000 {
				t.Fatalf("frame %+v has an insane weight", fr)
			}
			if fr.r.Status != StatusOK && (fr.r.Stable || fr.r.Weight()) {
				t.Fatalf("frame %+v: over/underload counts as a stable weight", fr)
			}
		}
	})
}

// decodeOne decodes a stream that must hold exactly the frames given by
// want (compared on kind, weight, flags) and garbage bytes.
type wantFrame struct {
	kind   frameKind
	grams  float64
	stable bool
	status Status
}

func checkDecode(t *testing.T, dec decodeFunc, in string, garbage int64, want ...wantFrame) {
	t.Helper()
	frames, g := decodeAll(dec, []byte(in))
	var got []wantFrame
	for _, f := range frames {
		got = append(got, wantFrame{f.kind, f.r.Grams, f.r.Stable, f.r.Status})
	}
	if !reflect.DeepEqual(got, want) || g != garbage {
		t.Errorf("decode %q:\n got %+v, %d garbage bytes\nwant %+v, %d", in, got, g, want, garbage)
	}
}

func TestAssemblerDropsStalePartialFrame(t *testing.T) {
	a := assembler{decode: decodeSICS}
	t0 := time.Now()
	var got []frame
	a.feed([]byte("S S     1.2"), t0, func(f frame) { got = append(got, f) })
	if a.expire(t0.Add(100*time.Millisecond), 500*time.Millisecond) {
		t.Fatal("a fresh partial frame was dropped")
	}
	if !a.expire(t0.Add(600*time.Millisecond), 500*time.Millisecond) || a.garbageBytes != 11 || len(a.buf) != 0 {
		t.Fatalf("stale partial frame kept: %+v", a)
	}
	a.feed([]byte("S S     1.250 kg\r\n"), t0, func(f frame) { got = append(got, f) })
	if len(got) != 1 || got[0].r.Grams != 1250 {
		t.Fatalf("after the drop: %+v", got)
	}
}
