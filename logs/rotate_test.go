package logs_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"labelstation/logs"
)

func TestFileRotatesBySizeAndKeepsMaxFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "labelstation.log")
	f, err := logs.OpenFile(path, 1000, 3)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 99) + "\n" // 100 bytes
	for i := 0; i < 45; i++ {
		if _, err := fmt.Fprintf(f, "%03d%s", i, line[3:]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	names := ls(t, dir)
	if strings.Join(names, " ") != "labelstation.log labelstation.log.1 labelstation.log.2" {
		t.Fatalf("files: %v", names)
	}
	// Each file holds whole lines and at most 1000 bytes; the newest
	// lines are in the live file, the oldest kept in .2.
	var all []string
	for _, n := range []string{"labelstation.log.2", "labelstation.log.1", "labelstation.log"} {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 1000 || len(data)%100 != 0 {
			t.Errorf("%s is %d bytes", n, len(data))
		}
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			all = append(all, sc.Text()[:3])
		}
	}
	if len(all) != 25 || all[0] != "020" || all[24] != "044" {
		t.Fatalf("kept lines %v", all)
	}
	for i := 1; i < len(all); i++ {
		if all[i] <= all[i-1] {
			t.Fatalf("lines out of order: %v", all)
		}
	}
}

func TestFileIsSharedAndSafeForConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.log")
	a, err := logs.OpenFile(path, 4096, 50)
	if err != nil {
		t.Fatal(err)
	}
	b, err := logs.OpenFile(path, 4096, 50)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("two opens of one path in a process must share the file")
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		f := a
		if w%2 == 1 {
			f = b
		}
		wg.Go(func() {
			for i := 0; i < 200; i++ {
				fmt.Fprintf(f, "writer %d line %03d %s\n", w, i, strings.Repeat("y", 40))
			}
		})
	}
	wg.Wait()
	a.Close()
	if _, err := fmt.Fprintln(b, "still open"); err != nil {
		t.Fatalf("the second owner's file was closed by the first: %v", err)
	}
	b.Close()
	if _, err := fmt.Fprintln(b, "closed"); err == nil {
		t.Fatal("write after the last Close succeeded")
	}
	lines := 0
	for _, n := range ls(t, dir) {
		data, _ := os.ReadFile(filepath.Join(dir, n))
		for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if l == "still open" {
				continue
			}
			if !strings.HasPrefix(l, "writer ") || len(l) != len("writer 0 line 000 ")+40 {
				t.Fatalf("%s: torn line %q", n, l)
			}
			lines++
		}
	}
	if lines != 1600 {
		t.Fatalf("%d lines kept, want 1600", lines)
	}
}

// A second process (the GUI while a command runs) rotates the file: the
// writer follows it to the new live file instead of writing into the
// renamed one.
func TestFileFollowsARotationByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.log")
	f, err := logs.OpenFile(path, 1<<20, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintln(f, "before")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "after")
	if data, _ := os.ReadFile(path); string(data) != "after\n" {
		t.Fatalf("live file holds %q", data)
	}
	if data, _ := os.ReadFile(path + ".1"); string(data) != "before\n" {
		t.Fatalf("rotated file holds %q", data)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("live file mode: %v %v", fi.Mode(), err)
	}
}

func ls(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}
