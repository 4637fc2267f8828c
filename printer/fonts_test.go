package printer

import (
	"context"
	"errors"
	"slices"
	"testing"

	"labelstation/printer/zplsim"
)

func TestReferencedFonts(t *testing.T) {
	// Shapes from carrier labels: ^CW assigns, ^A@ calls by name (device
	// omitted on the second), ^FL links, lower case, built-in fonts.
	zpl := "^XA^CI28^CWA,E:ARI000.TTF^CWB,E:ARIBD000.TTF\r\n" +
		"^FO10,10^AAN,30,30^FDbuilt-in^FS^FO10,50^A0N,30,30^FDscalable^FS" +
		"^FO10,90^A@N,40,40,E:ARI000.TTF^FDx^FS^FO10,130^A@N,40,40,tt0003m_.ttf^FDy^FS" +
		"^FLE:MSUNG.TTF,E:ARI000.TTF,1^XZ"
	want := []string{"E:ARI000.TTF", "E:ARIBD000.TTF", "R:TT0003M_.TTF", "E:MSUNG.TTF"}
	if got := ReferencedFonts([]byte(zpl)); !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got := ReferencedFonts([]byte("^XA^A0N,30,30^FDno fonts^FS^XZ")); len(got) != 0 {
		t.Fatalf("built-in fonts listed: %q", got)
	}
}

func TestParseDirectory(t *testing.T) {
	// The guide's layout; the second object is listed without its device.
	ans := "\x02\r\n- DIR E:*.*\r\n* E:ARI000.TTF   318740  \r\n*  LOGO.GRF     1200  \r\n\r\n-  2817024 bytes free\r\n\x03"
	got, err := ParseDirectory([]byte(ans))
	if err != nil || !slices.Equal(got, []string{"E:ARI000.TTF", "E:LOGO.GRF"}) {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := ParseDirectory([]byte("no frame")); err == nil {
		t.Fatal("junk parsed")
	}
}

func TestMissingFontsAsksThePrinter(t *testing.T) {
	sim, err := zplsim.Listen("127.0.0.1:0", zplsim.Options{Files: []string{"E:ARI000.TTF", "Z:0.FNT"}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	p, _ := Open(sim.URI() + "?status_timeout=300ms")
	defer p.Close()
	label := []byte("^XA^CWA,E:ARI000.TTF^CWB,E:ARIBD000.TTF^FO1,1^A@N,9,9,e:ari000.ttf^FDx^FS^XZ")
	missing, err := MissingFonts(context.Background(), p, ReferencedFonts(label))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(missing, []string{"E:ARIBD000.TTF"}) {
		t.Fatalf("missing = %q, want E:ARIBD000.TTF only", missing)
	}
	if len(sim.Labels()) != 0 {
		t.Fatal("asking for the directory printed a label")
	}

	sim.SetFault(zplsim.Silent)
	if _, err := MissingFonts(context.Background(), p, []string{"E:X.TTF"}); err == nil {
		t.Fatal("a silent printer's font check succeeded")
	}
	f, _ := NewFile(t.TempDir())
	if _, err := MissingFonts(context.Background(), f, []string{"E:X.TTF"}); !errors.Is(err, ErrNoFileList) {
		t.Fatalf("preview printer: %v, want ErrNoFileList", err)
	}
}
