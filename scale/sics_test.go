package scale

import "testing"

func TestDecodeSICS(t *testing.T) {
	r := func(g float64, stable bool) wantFrame { return wantFrame{frameReading, g, stable, StatusOK} }
	for _, tc := range []struct {
		name, in string
		garbage  int64
		want     []wantFrame
	}{
		{"stable", "S S     100.00 g\r\n", 0, []wantFrame{r(100, true)}},
		{"dynamic", "S D      1.140 kg\r\n", 0, []wantFrame{r(1140, false)}},
		{"kilograms exactly", "S S      1.14 kg\r\n", 0, []wantFrame{r(1140, true)}},
		{"negative with sign apart", "S S   -  0.005 kg\r\n", 0, []wantFrame{r(-5, true)}},
		{"pounds", "S S      2.5 lb\r\n", 0, []wantFrame{r(1133.981, true)}},
		{"CR only and LF only", "S S 1 g\rS S 2 g\n", 0, []wantFrame{r(1, true), r(2, true)}},
		{"busy", "S I\r\n", 0, []wantFrame{{kind: frameBusy}}},
		{"overload", "S +\r\n", 0, []wantFrame{{frameReading, 0, false, StatusOverload}}},
		{"underload", "S -\r\n", 0, []wantFrame{{frameReading, 0, false, StatusUnderload}}},
		{"zero done", "Z A\r\n", 0, []wantFrame{{kind: frameAck}}},
		{"zero not now", "Z I\r\n", 0, []wantFrame{{kind: frameBusy}}},
		{"zero out of range", "Z +\r\n", 0, []wantFrame{{kind: frameError}}},
		{"tare", "T S      0.120 kg\r\n", 0, []wantFrame{{frameAck, 120, true, StatusOK}}},
		{"reset", "I4 A \"0123456789\"\r\n", 0, []wantFrame{{kind: frameAck}}},
		{"syntax error", "ES\r\n", 0, []wantFrame{{kind: frameUnknown}}},
		{"transmission error", "ET\r\n", 0, []wantFrame{{kind: frameError}}},
		{"logical error", "EL\r\n", 0, []wantFrame{{kind: frameError}}},
		{"unit it cannot convert", "S S 1.0 ct\r\n", 0, []wantFrame{{kind: frameError}}},
		{"noise in front is cut off alone", "#\xfe%S S     1.250 kg\r\n", 3, []wantFrame{r(1250, true)}},
		{"a garbled line", "S S 1.2.3 kg\r\nS S 4 g\r\n", 13, []wantFrame{r(4, true)}},
		{"a line far too long", string(make([]byte, 100)) + "\r\nS S 4 g\r\n", 101, []wantFrame{r(4, true)}},
		{"partial line waits", "S S     1.2", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDecode(t, decodeSICS, tc.in, tc.garbage, tc.want...) })
	}
}

func FuzzDecodeSICS(f *testing.F) {
	fuzzDecoder(f, decodeSICS,
		"S S     100.00 g\r\n", "S D      1.140 kg\r\nS I\r\n", "S +\r\nS -\r\nZ A\r\n",
		"ES\r\nET\r\nEL\r\n", "#%S S 1 g\r\n", "T S 0.1 kg\r\nI4 A \"1\"\r\n", "S S   - 0.5 lb\n")
}
