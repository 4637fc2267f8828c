package scale

import "testing"

// casFrame builds STX STA SIGN W U BCC ETX with a correct BCC.
func casTestFrame(sta, sign byte, w, unit string) string {
	body := append([]byte{sta, sign}, w+unit...)
	var bcc byte
	for _, c := range body {
		bcc ^= c
	}
	return "\x01\x02" + string(body) + string([]byte{bcc, 0x03, 0x04})
}

func TestDecodeCAS(t *testing.T) {
	good := casTestFrame('S', ' ', "01.140", "kg")
	bad := []byte(good)
	bad[12] ^= 0x01 // BCC
	for _, tc := range []struct {
		name, in string
		garbage  int64
		want     []wantFrame
	}{
		{"ACK", "\x06", 0, []wantFrame{{kind: frameAck}}},
		{"NAK", "\x15", 0, []wantFrame{{kind: frameBusy}}},
		{"stable", good, 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"unstable", casTestFrame('U', ' ', "00.870", "kg"), 0, []wantFrame{{frameReading, 870, false, StatusOK}}},
		{"negative", casTestFrame('S', '-', "00.005", "kg"), 0, []wantFrame{{frameReading, -5, true, StatusOK}}},
		{"grams", casTestFrame('S', ' ', "1140.0", " g"), 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"overload", casTestFrame('S', ' ', "------", "kg"), 0, []wantFrame{{frameReading, 0, false, StatusOverload}}},
		{"underload", casTestFrame('U', '-', "------", "kg"), 0, []wantFrame{{frameReading, 0, false, StatusUnderload}}},
		{"without SOH and EOT", good[1 : len(good)-1], 0, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"checksum wrong", string(bad) + good, 13, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"noise", "#%\xfe" + good, 3, []wantFrame{{frameReading, 1140, true, StatusOK}}},
		{"partial waits", good[:9], 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDecode(t, decodeCAS, tc.in, tc.garbage, tc.want...) })
	}
}

func FuzzDecodeCAS(f *testing.F) {
	fuzzDecoder(f, decodeCAS,
		"\x06"+casTestFrame('S', ' ', "01.140", "kg"), "\x15\x06"+casTestFrame('U', '-', "------", "kg"),
		casTestFrame('S', ' ', "1140.0", " g")[1:], "#\xfe\x01\x01\x02")
}
