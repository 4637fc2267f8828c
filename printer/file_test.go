package printer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func readDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFileWritesOneFilePerJob(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "folder") // created on open
	p, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	jobs := []Job{
		{Name: "00370712345678901234", Format: "zpl", Data: []byte("^XA^FDone^FS^XZ")},
		{Name: "00370712345678901234", Format: "ZPL", Data: []byte("^XA^FDreprint^FS^XZ")},
		{Name: "return A-1001", Format: "pdf", Data: []byte("%PDF-1.7 …")},
	}
	for _, j := range jobs {
		if err := p.Print(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"00370712345678901234-000001.zpl", "00370712345678901234-000002.zpl", "return_A-1001-000003.pdf"}
	if got := readDir(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files = %q, want %q (and no temporary files)", got, want)
	}
	for i, name := range want {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(b) != string(jobs[i].Data) {
			t.Errorf("%s = %q, %v; want %q", name, b, err, jobs[i].Data)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, want[0])); fi.Mode().Perm() != 0o644 {
		t.Errorf("preview mode = %v, want 0644", fi.Mode().Perm())
	}
}

func TestFileContinuesSequenceAfterRestart(t *testing.T) {
	dir := t.TempDir()
	job := Job{Name: "x", Format: "zpl", Data: []byte("^XA^XZ")}
	for range 2 {
		p, err := NewFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Print(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		p.Close()
	}
	// A file already holding the next number (another station sharing the
	// folder) is skipped, not overwritten.
	os.WriteFile(filepath.Join(dir, "x-000003.zpl"), []byte("keep"), 0o644)
	p, _ := NewFile(dir)
	os.WriteFile(filepath.Join(dir, "x-000004.zpl"), []byte("keep too"), 0o644)
	if err := p.Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	want := []string{"x-000001.zpl", "x-000002.zpl", "x-000003.zpl", "x-000004.zpl", "x-000005.zpl"}
	if got := readDir(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files = %q, want %q", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "x-000004.zpl")); string(b) != "keep too" {
		t.Fatalf("an existing preview was overwritten: %q", b)
	}
}

func TestFileConcurrentJobsGetDistinctFiles(t *testing.T) {
	dir := t.TempDir()
	p, _ := NewFile(dir)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := p.Print(context.Background(), Job{Name: "same", Format: "zpl", Data: []byte("^XA^XZ")}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := readDir(t, dir); len(got) != 20 {
		t.Fatalf("20 jobs made %d files: %q", len(got), got)
	}
}

func TestFileRefusesBadJobs(t *testing.T) {
	dir := t.TempDir()
	p, _ := NewFile(dir)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		ctx  context.Context
		job  Job
		says string
	}{
		{context.Background(), Job{Name: "a", Format: "png", Data: []byte("x")}, `format "png"`},
		{context.Background(), Job{Name: "a", Format: "zpl"}, "no data"},
		{cancelled, Job{Name: "a", Format: "zpl", Data: []byte("x")}, "cancelled"},
	} {
		if err := p.Print(tc.ctx, tc.job); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Print(%+v) = %v, want an error saying %q", tc.job, err, tc.says)
		}
	}
	p.Close()
	if err := p.Print(context.Background(), Job{Name: "a", Format: "zpl", Data: []byte("x")}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if got := readDir(t, dir); len(got) != 0 {
		t.Fatalf("refused jobs left files: %q", got)
	}
}

func TestFileRecreatesDeletedFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	p, _ := NewFile(dir)
	os.RemoveAll(dir)
	if err := p.Print(context.Background(), Job{Name: "a", Format: "zpl", Data: []byte("^XA^XZ")}); err != nil {
		t.Fatal(err)
	}
	if got := readDir(t, dir); len(got) != 1 {
		t.Fatalf("files = %q", got)
	}
}

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"00370712345678901234":     "00370712345678901234",
		"../../etc/passwd":         "etc_passwd",
		`C:\labels\x`:              "C__labels_x",
		"Åsa Öberg/Ærø":            "Åsa_Öberg_Ærø",
		"":                         "label",
		"...":                      "label",
		".hidden":                  "hidden",
		"a\x00b\nc":                "a_b_c",
		"bad\xffutf8":              "bad_utf8",
		strings.Repeat("x", 200):   strings.Repeat("x", 64),
		"tracking: 123 <return>?*": "tracking__123__return",
	} {
		if got := sanitizeName(in); got != want {
			t.Errorf("sanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}
