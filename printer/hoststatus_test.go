package printer

import (
	"slices"
	"strings"
	"testing"

	"labelstation/printer/zplsim"
)

// A ZD420 answer captured as the guide lays it out: paper out, paused,
// 1218-dot labels, 2 formats waiting, head up, 12 labels left in a batch,
// print mode letter (newer firmware).
const capturedHS = "\x02030,1,1,1218,002,0,0,0,000,0,0,0\x03\r\n" +
	"\x02001,0,1,0,1,K,6,0,00000012,1,004\x03\r\n" +
	"\x021234,0\x03\r\n"

func TestParseHostStatusFields(t *testing.T) {
	st, err := ParseHostStatus([]byte(capturedHS))
	if err != nil {
		t.Fatal(err)
	}
	want := Status{Source: "~HS", PaperOut: true, Paused: true, LabelLengthDots: 1218, FormatsInBuffer: 2,
		HeadOpen: true, ThermalTransfer: true, PrintMode: -1, LabelsRemaining: 12, GraphicsStored: 4}
	if st != want {
		t.Fatalf("got  %+v\nwant %+v", st, want)
	}
	if !slices.Equal(st.States(), []State{StateHeadOpen, StatePaperOut, StatePaused}) {
		t.Fatalf("states = %v", st.States())
	}
}

// TestParseHostStatusEveryFlag drives each flag through the simulator's
// encoder, so the two sides of the wire agree field by field.
func TestParseHostStatusEveryFlag(t *testing.T) {
	for _, tc := range []struct {
		flags zplsim.Flags
		state State
		says  string
	}{
		{zplsim.Flags{PaperOut: true}, StatePaperOut, "Printer is out of labels — load a roll and press Resume"},
		{zplsim.Flags{Paused: true}, StatePaused, "paused"},
		{zplsim.Flags{HeadOpen: true}, StateHeadOpen, "head is open"},
		{zplsim.Flags{RibbonOut: true}, StateRibbonOut, "out of ribbon"},
		{zplsim.Flags{BufferFull: true}, StateBufferFull, "buffer is full"},
		{zplsim.Flags{UnderTemp: true}, StateUnderTemp, "too cold"},
		{zplsim.Flags{OverTemp: true}, StateOverTemp, "too hot"},
		{zplsim.Flags{CorruptRAM: true}, StateCorruptRAM, "lost its settings"},
	} {
		st, err := ParseHostStatus(zplsim.HostStatus(tc.flags))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.States(); !slices.Equal(got, []State{tc.state}) {
			t.Errorf("%+v: states %v, want [%s]", tc.flags, got, tc.state)
		}
		if !strings.Contains(st.Message(), tc.says) {
			t.Errorf("%s: message %q does not say %q", tc.state, st.Message(), tc.says)
		}
		if st.Ready() == tc.state.Blocking() {
			t.Errorf("%s: Ready() = %v", tc.state, st.Ready())
		}
	}
	st, _ := ParseHostStatus(zplsim.HostStatus(zplsim.Flags{FormatsInBuffer: 3, LabelsRemaining: 5}))
	if !st.Ready() || st.FormatsInBuffer != 3 || st.LabelsRemaining != 5 || !strings.Contains(st.Message(), "3 labels still in its buffer") {
		t.Errorf("ready with buffer: %+v %q", st, st.Message())
	}
}

func TestParseHostStatusSkipsNoiseAndRejectsJunk(t *testing.T) {
	if st, err := ParseHostStatus([]byte("\r\nxx" + capturedHS)); err != nil || !st.PaperOut {
		t.Errorf("leading noise: %+v %v", st, err)
	}
	for _, bad := range []string{
		"",
		"\x02030,0,0\x03\r\n\x02001\x03\r\n\x021234,0\x03\r\n",          // too few fields
		strings.Replace(capturedHS, "030,1,1", "030,X,1", 1),            // flag not 0/1
		strings.Replace(capturedHS, "1218", "12a8", 1),                  // number
		"\x02030,1,1,1218,002,0,0,0,000,0,0,0\x03\r\n\x02001,0,1,0,1,K", // cut off
	} {
		if st, err := ParseHostStatus([]byte(bad)); err == nil {
			t.Errorf("ParseHostStatus(%q) = %+v, want an error", bad, st)
		}
	}
}

func TestHeadOpenIsSaidOnceNotAsPaperOut(t *testing.T) {
	st := Status{HeadOpen: true, PaperOut: true}
	if msg := st.Message(); strings.Contains(msg, "out of labels") || !strings.Contains(msg, "head is open") {
		t.Fatalf("message %q", msg)
	}
	if (Status{}).Message() != "Printer is ready" {
		t.Fatalf("ready message %q", (Status{}).Message())
	}
}
