package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"labelstation/internal/zplrender"
	"labelstation/printer/printertest"
)

// barcode is one symbol found on a rendered label.
type barcode struct {
	Type string // e.g. CODE-128
	GS1  bool   // FNC1 in first position: a GS1-128 symbol
	Data string // as scanned, GS1 application identifiers included
}

// renderUnavailable says why labels cannot be rendered and scanned here,
// or "" when they can: the ZPL renderer make test installs
// ($LABELSTATION_NODE_TOOLS), node, and zbarimg (Debian zbar-tools).
func renderUnavailable() string {
	dir := os.Getenv("LABELSTATION_NODE_TOOLS")
	if dir == "" {
		return "LABELSTATION_NODE_TOOLS is not set (make test sets it)"
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "zpl-renderer-js", "package.json")); err != nil {
		return "zpl-renderer-js is not installed under " + dir
	}
	for _, tool := range []string{"node", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not on PATH"
		}
	}
	return ""
}

// scanLabel renders one ZPL label as a 105 × 190 mm label at 8 dpmm (what
// the station prints, as a Zebra would) and decodes every barcode on it
// with zbarimg.
func scanLabel(t testing.TB, zpl string) ([]barcode, error) {
	pngs := zplrender.Render(t, filepath.Join(os.Getenv("LABELSTATION_NODE_TOOLS"), "node_modules"), []byte(zpl), 105, 190, 8)
	if len(pngs) != 1 {
		return nil, fmt.Errorf("the label rendered as %d pages, want 1", len(pngs))
	}
	out, err := exec.Command("zbarimg", "--xml", "-q", pngs[0]).Output()
	if err != nil {
		// zbarimg exits 4 when it finds nothing.
		return nil, fmt.Errorf("zbarimg found no barcode on the rendered label: %v", err)
	}
	var doc struct {
		Sources []struct {
			Indexes []struct {
				Symbols []struct {
					Type      string `xml:"type,attr"`
					Modifiers string `xml:"modifiers,attr"`
					Data      string `xml:"data"`
				} `xml:"symbol"`
			} `xml:"index"`
		} `xml:"source"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("zbarimg output: %v\n%s", err, out)
	}
	var codes []barcode
	for _, s := range doc.Sources {
		for _, i := range s.Indexes {
			for _, sym := range i.Symbols {
				codes = append(codes, barcode{Type: sym.Type, GS1: strings.Contains(sym.Modifiers, "GS1"), Data: sym.Data})
			}
		}
	}
	return codes, nil
}

// zplBarcodeField reads the Code 128 fields of a ZPL label as text
// (^BC…^FD>;>8DIGITS^FS, where >8 is FNC1): the fallback where the label
// cannot be rendered. It proves less than a scan, and says so in the log.
var zplCode128Field = regexp.MustCompile(`\^BC[^\^]*\^FD(>;)?(>8)?([0-9>6]+)\^FS`)

func zplBarcodeFields(zpl string) []barcode {
	var codes []barcode
	for _, m := range zplCode128Field.FindAllStringSubmatch(zpl, -1) {
		codes = append(codes, barcode{Type: "CODE-128", GS1: m[2] != "", Data: strings.ReplaceAll(m[3], ">6", "")})
	}
	return codes
}

// gs1CheckDigit is the GS1 mod-10 check digit of digits (all but the check
// digit itself): weights 3, 1, 3, … from the right.
func gs1CheckDigit(digits string) int {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// describeSSCC checks an 18-digit SSCC (without its AI 00) and names its
// parts: extension digit, company prefix (when given), serial reference
// and check digit.
func describeSSCC(sscc, companyPrefix string) (string, error) {
	if len(sscc) != 18 || strings.Trim(sscc, "0123456789") != "" {
		return "", fmt.Errorf("%q is not 18 digits", sscc)
	}
	check := int(sscc[17] - '0')
	want := gs1CheckDigit(sscc[:17])
	verdict := "valid"
	if check != want {
		verdict = fmt.Sprintf("WRONG (want %d)", want)
	}
	parts := "extension " + sscc[:1]
	if companyPrefix != "" {
		if !strings.HasPrefix(sscc[1:], companyPrefix) {
			return "", fmt.Errorf("SSCC %s does not carry company prefix %s", sscc, companyPrefix)
		}
		serial, _ := strconv.ParseUint(sscc[1+len(companyPrefix):17], 10, 64)
		parts += fmt.Sprintf(", company prefix %s, serial %d", companyPrefix, serial)
	}
	return fmt.Sprintf("%s, check digit %d %s", parts, check, verdict), nil
}

// decodelabel N [COMPANY_PREFIX]: render the Nth label (1-based) the
// printer received, scan its barcodes and print them, one a line:
//
//	barcode CODE-128 GS1 00373500990000005009
//	(00) 373500990000005009: SSCC extension 3, company prefix 7350099, serial 500, check digit 9 valid
//
// and set $SSCC to the GS1-128 SSCC found (AI 00 included, as the station
// writes tracking ids). Without the renderer (see renderUnavailable) the
// barcode fields are read from the ZPL text instead, and the log says so.
func cmdDecodeLabel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: decodelabel N [COMPANY_PREFIX]")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("decodelabel: %v", err)
	}
	prefix := ""
	if len(args) == 2 {
		prefix = args[1]
	}
	labels := ts.Value(sinkKey{}).(*printertest.Sink).Labels()
	if n < 1 || n > len(labels) {
		ts.Fatalf("decodelabel %d: the printer received %d labels", n, len(labels))
	}
	var codes []barcode
	if why := renderUnavailable(); why != "" {
		ts.Logf("NOT RENDERED (%s): reading the barcode fields from the ZPL text instead of scanning a rendered label", why)
		codes = zplBarcodeFields(labels[n-1])
	} else if codes, err = scanLabel(ts.Value(tbKey{}).(testing.TB), labels[n-1]); err != nil {
		ts.Fatalf("label %d: %v", n, err)
	}
	found := ""
	for _, c := range codes {
		kind := ""
		if c.GS1 {
			kind = " GS1"
		}
		fmt.Fprintf(ts.Stdout(), "barcode %s%s %s\n", c.Type, kind, c.Data)
		if c.GS1 && len(c.Data) == 20 && strings.HasPrefix(c.Data, "00") {
			desc, err := describeSSCC(c.Data[2:], prefix)
			if err != nil {
				ts.Fatalf("label %d: %v", n, err)
			}
			fmt.Fprintf(ts.Stdout(), "(00) %s: SSCC %s\n", c.Data[2:], desc)
			found = c.Data
		}
	}
	if found == "" {
		ts.Fatalf("label %d carries no GS1-128 SSCC; barcodes: %+v", n, codes)
	}
	ts.Setenv("SSCC", found)
}

// bookings FILE: print the sandbox's recorded bookings (GET
// /_sandbox/bookings saved in FILE) as "N bookings", then one line per
// booking: "ORDER-REF ITEM-ID[,ITEM-ID…]".
func cmdBookings(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: bookings FILE")
	}
	var bookings []struct {
		OrderRef string   `json:"order_ref"`
		ItemIDs  []string `json:"item_ids"`
	}
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &bookings); err != nil {
		ts.Fatalf("bookings: %v", err)
	}
	fmt.Fprintf(ts.Stdout(), "%d bookings\n", len(bookings))
	for _, b := range bookings {
		fmt.Fprintf(ts.Stdout(), "%s %s\n", b.OrderRef, strings.Join(b.ItemIDs, ","))
	}
}

// expand FILE…: replace $VAR and ${VAR} in each file with the script's
// environment, so a config file can name $SANDBOX_ADDR.
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: expand FILE…")
	}
	for _, f := range args {
		var missing []string
		out := os.Expand(ts.ReadFile(f), func(v string) string {
			val := ts.Getenv(v)
			if val == "" {
				missing = append(missing, v)
			}
			return val
		})
		if len(missing) > 0 {
			ts.Fatalf("expand %s: %s not set", f, strings.Join(missing, ", "))
		}
		if err := os.WriteFile(ts.MkAbs(f), []byte(out), 0o644); err != nil {
			ts.Fatalf("expand %s: %v", f, err)
		}
	}
}

func TestGS1CheckDigit(t *testing.T) {
	// Independent anchors: the EAN-13 4006381333931 and the SSCC of the
	// GS1 General Specifications' example, (00)106141411234567897.
	if d := gs1CheckDigit("400638133393"); d != 1 {
		t.Errorf("EAN 400638133393x: check digit %d, want 1", d)
	}
	for _, c := range []struct {
		sscc, prefix, want string
	}{
		{"106141411234567897", "0614141", "extension 1, company prefix 0614141, serial 123456789, check digit 7 valid"},
		{"373500990000005009", "7350099", "extension 3, company prefix 7350099, serial 500, check digit 9 valid"},
		{"373500990000005008", "7350099", "extension 3, company prefix 7350099, serial 500, check digit 8 WRONG (want 9)"},
	} {
		if got, err := describeSSCC(c.sscc, c.prefix); err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.sscc, got, err, c.want)
		}
	}
	if _, err := describeSSCC("373500450000005009", "7350099"); err == nil {
		t.Error("an SSCC of another company prefix was accepted")
	}
}
