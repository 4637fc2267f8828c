package scale

import "testing"

func TestDecodeNCI(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		garbage  int64
		want     []wantFrame
	}{
		{"stable kg", "\n0001.140kg\r\n\x30\x30\r\x03", 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"parity bit set on the status bytes", "\n  1.140kg\r\n\xb0\x30\r\x03", 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"motion", "\n  1.140kg\r\n\x31\x30\r\x03", 0, []wantFrame{{frameReading, 1140, false, StatusOK}}},
		{"at zero", "\n  0.000kg\r\n\x32\x30\r\x03", 0, []wantFrame{{frameReading, 0, true, StatusOK}}},
		{"over capacity", "\n^^^^^^^^kg\r\n\x30\x32\r\x03", 0, []wantFrame{{frameReading, 0, false, StatusOverload}}},
		{"under capacity", "\n--------kg\r\n\x30\x31\r\x03", 0, []wantFrame{{frameReading, 0, false, StatusUnderload}}},
		{"faulty calibration", "\n  1.000kg\r\n\x30\x38\r\x03", 0, []wantFrame{{frameReading, 1000, false, StatusFault}}},
		{"third status byte", "\n 02.50lb\r\n\x30\x70\x30\r\x03", 0, []wantFrame{{frameReading, 1133.981, true, StatusOK}}},
		{"pounds and ounces", "\n01lb 03.5oz\r\n\x30\x30\r\x03", 0, []wantFrame{{frameReading, 552.816, true, StatusOK}}},
		{"status only", "\n\x31\x30\r\x03", 0, []wantFrame{{frameStatus, 0, false, StatusOK}}},
		{"unknown command", "\n?\r\x03", 0, []wantFrame{{kind: frameUnknown}}},
		{"noise before the frame", "#%\xff\n  0.500kg\r\n00\r\x03", 3, []wantFrame{{frameReading, 500, true, StatusOK}}},
		{"bad status bytes", "\n  0.500kg\r\n\x00\x00\r\x03\n?\r\x03", 16, []wantFrame{{kind: frameUnknown}}},
		{"no end in sight", "\n" + string(make([]byte, 60)) + "\n?\r\x03", 61, []wantFrame{{kind: frameUnknown}}},
		{"partial waits", "\n  0.500kg\r\n0", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDecode(t, decodeNCI, tc.in, tc.garbage, tc.want...) })
	}
}

func FuzzDecodeNCI(f *testing.F) {
	fuzzDecoder(f, decodeNCI,
		"\n0001.140kg\r\n\x30\x30\r\x03", "\n^^^^^^^^kg\r\n\x30\x32\r\x03", "\n\x31\x30\r\x03",
		"\n?\r\x03", "\n01lb 03.5oz\r\n\x30\x70\x30\r\x03", "#%\n  0.5kg\r\n00\r\x03")
}
