package scale

import (
	"fmt"
	"testing"
)

func toledoFrame(a, b, c byte, w string, checksum bool) string {
	f := []byte{0x02, a, b, c}
	f = append(f, fmt.Sprintf("%6s%06d\r", w, 0)...)
	if checksum {
		var sum byte
		for _, x := range f {
			sum += x & 0x7f
		}
		f = append(f, (-sum)&0x7f)
	}
	return string(f)
}

func TestDecodeToledo(t *testing.T) {
	plain, _ := newContinuousFormat("", "", false)
	withSum, _ := newContinuousFormat("", "", true)
	good := toledoFrame(0x2d, 0x30, 0x20, "001140", true)
	bad := []byte(good)
	bad[17] ^= 0x01
	for _, tc := range []struct {
		name    string
		cf      *continuousFormat
		in      string
		garbage int64
		want    []wantFrame
	}{
		{"kg, 3 decimals", plain, toledoFrame(0x2d, 0x30, 0x20, "001140", false), 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"motion", plain, toledoFrame(0x2d, 0x38, 0x20, "001140", false), 0, []wantFrame{{frameReading, 1140, false, StatusOK}}},
		{"negative", plain, toledoFrame(0x2d, 0x32, 0x20, "000005", false), 0, []wantFrame{{frameReading, -5, true, StatusOK}}},
		{"pounds, 2 decimals", plain, toledoFrame(0x2c, 0x20, 0x20, "000250", false), 0, []wantFrame{{frameReading, 1133.981, true, StatusOK}}},
		{"grams ×10", plain, toledoFrame(0x21, 0x20, 0x21, "000114", false), 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"overload", plain, toledoFrame(0x2d, 0x34, 0x20, "999999", false), 0, []wantFrame{{frameReading, 0, false, StatusOverload}}},
		{"underload", plain, toledoFrame(0x2d, 0x36, 0x20, "000000", false), 0, []wantFrame{{frameReading, 0, false, StatusUnderload}}},
		{"checksum good", withSum, good, 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"checksum bad, then good", withSum, string(bad) + good, 18, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"noise in front", withSum, "#\xfe%" + good, 3, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"partial waits", withSum, good[:10], 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDecode(t, tc.cf.decode, tc.in, tc.garbage, tc.want...) })
	}
}

func TestDecodeTextLines(t *testing.T) {
	def, _ := newContinuousFormat("", "", false)
	grams, _ := newContinuousFormat(`^W(?P<weight>\d+)$`, "g", false)
	for _, tc := range []struct {
		name    string
		cf      *continuousFormat
		in      string
		garbage int64
		want    []wantFrame
	}{
		{"CAS style stable", def, "ST,GS,  1.140kg\r\n", 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"CAS style unstable", def, "US,NT, -0.005 kg\r\n", 0, []wantFrame{{frameReading, -5, false, StatusOK}}},
		{"overload", def, "OL,GS,  --.---kg\r\n", 0, []wantFrame{{frameReading, 0, false, StatusOverload}}},
		{"plain grams", def, "   1250 g\n", 0, []wantFrame{{frameReading, 1250, true, StatusOK}}},
		{"decimal comma", def, "1,14 kg\n", 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"pounds", def, "2.50 lb\r\n", 0, []wantFrame{{frameReading, 1133.981, true, StatusOK}}},
		{"no number", def, "HELLO\r\n1 kg\r\n", 6, []wantFrame{{frameReading, 1000, true, StatusOK}}},
		{"noise in front", def, "\xfe\xfd#ST,GS, 0.500kg\r\n", 2, []wantFrame{{frameReading, 500, true, StatusOK}}},
		{"custom pattern, unit from the URI", grams, "W01140\r\n", 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDecode(t, tc.cf.decode, tc.in, tc.garbage, tc.want...) })
	}
}

func FuzzDecodeContinuous(f *testing.F) {
	cf, _ := newContinuousFormat("", "", true)
	fuzzDecoder(f, cf.decode,
		toledoFrame(0x2d, 0x30, 0x20, "001140", true), toledoFrame(0x2d, 0x36, 0x20, "000000", true),
		"ST,GS,  1.140kg\r\nUS,NT, -0.005 kg\r\n", "OL,GS,  --.---kg\r\n", "\xfe#1,5 lb\n\x02\x2d")
}
