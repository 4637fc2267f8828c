package zplsim

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func start(t *testing.T, opts Options) *Printer {
	t.Helper()
	p, err := Listen("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func dial(t *testing.T, p *Printer) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readHS reads one three-line ~HS answer.
func readHS(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var b strings.Builder
	for range 3 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", b.String(), err)
		}
		b.WriteString(line)
	}
	return b.String()
}

func TestHostStatusIsByteExact(t *testing.T) {
	want := "\x02030,0,0,1520,000,0,0,0,000,0,0,0\x03\r\n" +
		"\x02001,0,0,0,0,2,6,0,00000000,1,000\x03\r\n" +
		"\x021234,0\x03\r\n"
	if got := string(HostStatus(Flags{LabelLengthDots: 1520})); got != want {
		t.Fatalf("ready answer\n got %q\nwant %q", got, want)
	}
	got := string(HostStatus(Flags{PaperOut: true, Paused: true, HeadOpen: true, RibbonOut: true, BufferFull: true,
		UnderTemp: true, OverTemp: true, CorruptRAM: true, PartialFormat: true, FormatsInBuffer: 7, LabelsRemaining: 12, GraphicsStored: 3}))
	want = "\x02030,1,1,0000,007,1,0,1,000,1,1,1\x03\r\n" +
		"\x02001,0,1,1,0,2,6,0,00000012,1,003\x03\r\n" +
		"\x021234,0\x03\r\n"
	if got != want {
		t.Fatalf("faulted answer\n got %q\nwant %q", got, want)
	}
}

func TestSplitsLabelsAndAnswersStatusInStreamOrder(t *testing.T) {
	dir := t.TempDir()
	p := start(t, Options{OutDir: dir})
	c := dial(t, p)
	r := bufio.NewReader(c)
	// ~HS split across two writes, a label split across writes, junk
	// before ^XA (a carrier header) that is not part of the label.
	for _, part := range []string{"~", "HS", "\r\n^XA^FDone", "^FS^XZ", "^XA^FDtwo^FS^XZ~H"} {
		c.Write([]byte(part))
		time.Sleep(5 * time.Millisecond)
	}
	if got := readHS(t, r); !strings.HasPrefix(got, "\x02030,0,0,") {
		t.Fatalf("first answer %q", got)
	}
	c.Write([]byte("S"))
	readHS(t, r)
	labels := p.WaitLabels(2, time.Second)
	if len(labels) != 2 || labels[0] != "^XA^FDone^FS^XZ" || labels[1] != "^XA^FDtwo^FS^XZ" {
		t.Fatalf("labels = %q", labels)
	}
	if got := string(p.Bytes()); got != "\r\n^XA^FDone^FS^XZ^XA^FDtwo^FS^XZ" {
		t.Fatalf("Bytes = %q: status requests must not be in it", got)
	}
	if n := p.StatusRequests(); n != 2 {
		t.Fatalf("status requests = %d", n)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "label-000002.zpl")); err != nil || string(b) != labels[1] {
		t.Fatalf("label file: %q %v", b, err)
	}
}

func TestFaultHoldsLabelsUntilCleared(t *testing.T) {
	p := start(t, Options{})
	c := dial(t, p)
	r := bufio.NewReader(c)
	p.SetFault(PaperOut)
	c.Write([]byte("^XA^FDheld^FS^XZ~HS"))
	if got := readHS(t, r); !strings.HasPrefix(got, "\x02030,1,0,1520,001,") {
		t.Fatalf("paper out answer %q: want paper-out flag and one format in the buffer", got)
	}
	if len(p.Labels()) != 0 || p.Held() != 1 {
		t.Fatalf("printed %d, held %d", len(p.Labels()), p.Held())
	}
	p.SetFault(HeadOpen)
	c.Write([]byte("~HS"))
	if got := readHS(t, r); !strings.Contains(got, "\x02001,0,1,0,") {
		t.Fatalf("head open answer %q", got)
	}
	p.SetFault(Paused)
	c.Write([]byte("~HS"))
	if got := readHS(t, r); !strings.HasPrefix(got, "\x02030,0,1,") {
		t.Fatalf("paused answer %q", got)
	}
	p.SetFault(None)
	if l := p.Labels(); len(l) != 1 || l[0] != "^XA^FDheld^FS^XZ" || p.Held() != 0 {
		t.Fatalf("after clearing: printed %q, held %d", l, p.Held())
	}
}

func TestSilentNeverAnswers(t *testing.T) {
	p := start(t, Options{})
	p.SetFault(Silent)
	c := dial(t, p)
	c.Write([]byte("~HS^XA^HWE:*.*^XZ"))
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 10)); n != 0 || err == nil {
		t.Fatalf("silent printer answered %d bytes, %v", n, err)
	}
	if p.StatusRequests() != 1 {
		t.Fatalf("status requests = %d", p.StatusRequests())
	}
}

func TestRefuseStopsListeningAndComesBack(t *testing.T) {
	p := start(t, Options{})
	c := dial(t, p)
	if err := p.SetFault(Refuse); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("an open connection survived refuse")
	}
	if c, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("a refusing printer accepted a connection")
	}
	if err := p.SetFault(None); err != nil {
		t.Fatal(err)
	}
	c2 := dial(t, p)
	c2.Write([]byte("~HS"))
	readHS(t, bufio.NewReader(c2))
}

func TestSlowThrottlesReads(t *testing.T) {
	p := start(t, Options{SlowChunk: 1024, SlowDelay: 10 * time.Millisecond})
	p.SetFault(Slow)
	c := dial(t, p)
	label := "^XA" + strings.Repeat("^FO1,1^FDx^FS", 1500) + "^XZ" // ~20 KiB: ≥ 200ms
	start := time.Now()
	c.Write([]byte(label))
	if l := p.WaitLabels(1, 3*time.Second); len(l) != 1 {
		t.Fatal("slow printer never printed")
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("20 KiB took %s at ~100 KiB/s", d)
	}
}

func TestDirectoryListing(t *testing.T) {
	p := start(t, Options{Files: []string{"E:ARI000.TTF", "E:LOGO.GRF", "R:TEMP.ZPL"}})
	c := dial(t, p)
	c.Write([]byte("^XA^HWE:*.TTF^XZ"))
	r := bufio.NewReader(c)
	got, err := r.ReadBytes(0x03)
	if err != nil {
		t.Fatal(err)
	}
	want := "\x02\r\n- DIR E:*.TTF\r\n* E:ARI000.TTF     65536  \r\n\r\n-  2817024 bytes free\r\n\x03"
	if string(got) != want {
		t.Fatalf("listing\n got %q\nwant %q", got, want)
	}
	if len(p.Labels()) != 0 {
		t.Fatal("a directory request printed a label")
	}
	if !bytes.Contains(DirectoryListing("*:*.*", p.opts.Files), []byte("R:TEMP.ZPL")) {
		t.Fatal("*:*.* did not list every device")
	}
}

func TestParseFault(t *testing.T) {
	for in, want := range map[string]Fault{"": None, "none": None, "paper-out": PaperOut, "SILENT": Silent, "refuse": Refuse} {
		if got, err := ParseFault(in); err != nil || got != want {
			t.Errorf("ParseFault(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFault("jammed"); err == nil || !strings.Contains(err.Error(), "paper-out") {
		t.Errorf("unknown fault: %v", err)
	}
}
