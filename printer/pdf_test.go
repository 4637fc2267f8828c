package printer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPDFSavesPDFAndRefusesZPL(t *testing.T) {
	dir := t.TempDir()
	p, err := Open("pdf://" + filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Print(context.Background(), Job{Name: "A-1", Format: "pdf", Data: []byte("%PDF-1.7")}); err != nil {
		t.Fatal(err)
	}
	err = p.Print(context.Background(), Job{Name: "A-2", Format: "zpl", Data: []byte("^XA^XZ")})
	if err == nil || !strings.Contains(err.Error(), "saves PDF labels only") || !strings.Contains(err.Error(), "label format to pdf") {
		t.Fatalf("ZPL job: %v", err)
	}
	if got := readDir(t, dir); len(got) != 1 || got[0] != "A-1-000001.pdf" {
		t.Fatalf("files = %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "A-1-000001.pdf")); string(b) != "%PDF-1.7" {
		t.Fatalf("content %q", b)
	}
	if !strings.HasPrefix(p.String(), "pdf://") {
		t.Fatalf("String = %q", p.String())
	}
}
