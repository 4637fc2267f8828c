package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"labelstation/printer"
)

// A relative --data must still give a preview printer that opens: in a
// file:// URI "d/labels" would be read as host "d".
func TestPreviewPrinterOfARelativeDataDir(t *testing.T) {
	t.Chdir(t.TempDir())
	uri := previewPrinterURI("d")
	wd, _ := os.Getwd()
	if want := "file://" + filepath.ToSlash(filepath.Join(wd, "d", "labels")); uri != want {
		t.Fatalf("uri = %q, want %q", uri, want)
	}
	p, err := printer.Open(uri)
	if err != nil {
		t.Fatalf("open %s: %v", uri, err)
	}
	p.Close()
	if !strings.HasPrefix(uri, "file:///") {
		t.Errorf("%s is not an absolute file URI", uri)
	}
}
