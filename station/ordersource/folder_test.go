package ordersource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeImporter reads "order_ref,postcode" CSV files and records, like the
// station's store, each file's hash in the same step as its orders.
type fakeImporter struct {
	mu       sync.Mutex
	files    map[string]FileResult // hash → the first import's name and time
	orders   map[string]int        // ref → times imported
	calls    int
	failNext []error // passing failures to return, one per call
	now      func() time.Time
}

func newFakeImporter() *fakeImporter {
	return &fakeImporter{files: map[string]FileResult{}, orders: map[string]int{}, now: time.Now}
}

func (fi *fakeImporter) ImportFile(ctx context.Context, name, hash string, data []byte) (FileResult, error) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	fi.calls++
	if len(fi.failNext) > 0 {
		err := fi.failNext[0]
		fi.failNext = fi.failNext[1:]
		return FileResult{}, err
	}
	if prev, ok := fi.files[hash]; ok {
		return FileResult{Already: true, AlreadyName: prev.AlreadyName, AlreadyAt: prev.AlreadyAt}, nil
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "order_ref,postcode" {
		return FileResult{}, &RejectedFile{Reason: "the file has no order_ref column: the first row must name the columns"}
	}
	var res FileResult
	for i, l := range lines[1:] {
		ref, pc, _ := strings.Cut(strings.TrimSpace(l), ",")
		if pc == "" {
			res.Rejected = append(res.Rejected, fmt.Sprintf("line %d: order %s: postcode is empty", i+2, ref))
			continue
		}
		res.Imported = append(res.Imported, ref)
	}
	// One "commit": the orders and the file's hash.
	for _, r := range res.Imported {
		fi.orders[r]++
	}
	fi.files[hash] = FileResult{AlreadyName: name, AlreadyAt: fi.now()}
	return res, nil
}

func (fi *fakeImporter) stats() (calls int, orders map[string]int) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.calls, copyMap(fi.orders)
}

func copyMap(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// assertOnce fails unless every ref was imported exactly once.
func (fi *fakeImporter) assertOnce(t *testing.T, refs ...string) {
	t.Helper()
	_, orders := fi.stats()
	for _, r := range refs {
		if orders[r] != 1 {
			t.Errorf("order %s imported %d times, want once (all: %v)", r, orders[r], orders)
		}
	}
	if len(orders) != len(refs) {
		t.Errorf("imported %v, want exactly %v", orders, refs)
	}
}

// clock is a fake Now the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type folderFixture struct {
	dir   string
	clock *clock
	imp   *fakeImporter
	f     *Folder
}

func newFolderFixture(t *testing.T) *folderFixture {
	t.Helper()
	fx := &folderFixture{dir: filepath.Join(t.TempDir(), "inbox"), clock: &clock{t: time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)}, imp: newFakeImporter()}
	fx.imp.now = fx.clock.Now
	fx.f = fx.open(t)
	return fx
}

// open returns a fresh Folder on the same inbox: a restarted station.
func (fx *folderFixture) open(t *testing.T) *Folder {
	t.Helper()
	f, err := NewFolder(FolderConfig{Dir: fx.dir, Now: fx.clock.Now, Logger: slog.New(slog.DiscardHandler)}, fx.imp)
	if err != nil {
		t.Fatalf("NewFolder: %v", err)
	}
	return f
}

func (fx *folderFixture) write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(fx.dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// scan runs one Scan d after the previous one.
func (fx *folderFixture) scan(t *testing.T, d time.Duration) ScanReport {
	t.Helper()
	fx.clock.Add(d)
	rep, err := fx.f.Scan(context.Background())
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return rep
}

// settle scans until nothing waits, at most a few times: what a running
// station does within a few polls.
func (fx *folderFixture) settle(t *testing.T) ScanReport {
	t.Helper()
	var all ScanReport
	for range 5 {
		rep := fx.scan(t, time.Second)
		all.Imported = append(all.Imported, rep.Imported...)
		all.Failed = append(all.Failed, rep.Failed...)
		all.Deferred = append(all.Deferred, rep.Deferred...)
		all.Waiting = rep.Waiting
		if len(rep.Waiting) == 0 && len(rep.Deferred) == 0 && (len(rep.Imported) > 0 || len(rep.Failed) > 0) {
			break
		}
	}
	return all
}

func ls(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if !e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNewFolderMakesLayout(t *testing.T) {
	fx := newFolderFixture(t)
	for _, d := range []string{fx.dir, filepath.Join(fx.dir, "done"), filepath.Join(fx.dir, "failed")} {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			t.Fatalf("%s: %v", d, err)
		}
	}
	if got := ls(t, fx.dir); len(got) != 0 {
		t.Fatalf("left behind %v", got)
	}
	if _, err := NewFolder(FolderConfig{Dir: " "}, fx.imp); KindOf(err) != KindConfig || !strings.Contains(err.Error(), "[orders.folder] path") {
		t.Fatalf("empty dir: %v", err)
	}
}

func TestNewFolderNotWritable(t *testing.T) {
	parent := t.TempDir()
	if err := os.Chmod(parent, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(parent, 0o755) })
	if f, err := os.CreateTemp(parent, "x"); err == nil {
		f.Close()
		t.Skip("permissions do not bite (running as root?)")
	}
	_, err := NewFolder(FolderConfig{Dir: filepath.Join(parent, "inbox")}, newFakeImporter())
	if KindOf(err) != KindConfig || !strings.Contains(err.Error(), "cannot be made") || !strings.Contains(HintOf(err), "[orders.folder] path") {
		t.Fatalf("err = %v (hint %q)", err, HintOf(err))
	}
	_, err = NewFolder(FolderConfig{Dir: parent}, newFakeImporter())
	if KindOf(err) != KindConfig || !strings.Contains(err.Error(), "cannot be made") && !strings.Contains(err.Error(), "cannot be written") {
		t.Fatalf("err = %v", err)
	}
}

// A file dropped mid-write is read only once it is complete.
func TestFolderWaitsForCompleteFile(t *testing.T) {
	fx := newFolderFixture(t)
	fx.write(t, "orders.csv", "order_ref,postcode\nA-1,11122\nA-")
	if rep := fx.scan(t, 0); !slices.Equal(rep.Waiting, []string{"orders.csv"}) || len(rep.Imported) != 0 {
		t.Fatalf("first sight: %+v", rep)
	}
	if rep := fx.scan(t, time.Second); !slices.Equal(rep.Waiting, []string{"orders.csv"}) {
		t.Fatalf("1s unchanged (settle 2s): %+v", rep)
	}
	// The writer goes on after a pause longer than one poll.
	fx.clock.Add(1500 * time.Millisecond)
	f, err := os.OpenFile(filepath.Join(fx.dir, "orders.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("2,41505\nA-3,")
	if rep := fx.scan(t, 0); len(rep.Imported) != 0 || len(rep.Waiting) != 1 {
		t.Fatalf("grew: %+v", rep)
	}
	f.WriteString("22100\n")
	f.Close()
	if rep := fx.scan(t, time.Second); len(rep.Imported) != 0 || len(rep.Waiting) != 1 {
		t.Fatalf("grew again: %+v", rep)
	}
	if rep := fx.scan(t, time.Second); len(rep.Imported) != 0 || len(rep.Waiting) != 1 {
		t.Fatalf("1s after the last write: %+v", rep)
	}
	rep := fx.scan(t, time.Second)
	if len(rep.Imported) != 1 || !slices.Equal(rep.Imported[0].Result.Imported, []string{"A-1", "A-2", "A-3"}) {
		t.Fatalf("settled: %+v", rep)
	}
	if want := filepath.Join(fx.dir, "done", "orders.csv"); rep.Imported[0].MovedTo != want {
		t.Fatalf("moved to %s", rep.Imported[0].MovedTo)
	}
	for range 3 {
		fx.scan(t, 5*time.Second)
	}
	fx.imp.assertOnce(t, "A-1", "A-2", "A-3")
	if calls, _ := fx.imp.stats(); calls != 1 {
		t.Fatalf("ImportFile called %d times", calls)
	}
	if got := ls(t, filepath.Join(fx.dir, "done")); !slices.Equal(got, []string{"orders.csv"}) {
		t.Fatalf("done/ = %v", got)
	}
}

// A file written to while it is read is not imported from that read.
func TestFolderChangedWhileRead(t *testing.T) {
	fx := newFolderFixture(t)
	fx.write(t, "orders.csv", "order_ref,postcode\nB-1,11122\n")
	grown := false
	fx.f.afterRead = func(name string) {
		if !grown {
			grown = true
			f, _ := os.OpenFile(filepath.Join(fx.dir, name), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("B-2,41505\n")
			f.Close()
		}
	}
	fx.scan(t, 0)
	if rep := fx.scan(t, 3*time.Second); len(rep.Imported) != 0 || !slices.Equal(rep.Waiting, []string{"orders.csv"}) {
		t.Fatalf("changed during the read: %+v", rep)
	}
	if calls, _ := fx.imp.stats(); calls != 0 {
		t.Fatal("imported a file that changed while it was read")
	}
	rep := fx.settle(t)
	if len(rep.Imported) != 1 || len(rep.Imported[0].Result.Imported) != 2 {
		t.Fatalf("%+v", rep)
	}
	fx.imp.assertOnce(t, "B-1", "B-2")
}

// The station stops between the import and the move: the next start sees
// the hash, moves the file to done/ and writes nothing else.
func TestFolderCrashBetweenImportAndMove(t *testing.T) {
	fx := newFolderFixture(t)
	fx.write(t, "orders.csv", "order_ref,postcode\nC-1,11122\nC-2,\n")
	crash := errors.New("killed")
	fx.f.afterImport = func(string) error { return crash }
	fx.scan(t, 0)
	rep := fx.scan(t, 3*time.Second)
	if len(rep.Imported) != 0 || len(rep.Deferred) != 1 || !strings.Contains(rep.Deferred[0].Reason, "killed") {
		t.Fatalf("crashed scan: %+v", rep)
	}
	if got := ls(t, fx.dir); !slices.Equal(got, []string{"orders.csv"}) {
		t.Fatalf("inbox after the crash: %v", got)
	}
	fx.f = fx.open(t) // restart: nothing remembered in memory
	rep = fx.settle(t)
	if len(rep.Imported) != 1 || !rep.Imported[0].Result.Already || rep.Imported[0].Result.AlreadyName != "orders.csv" {
		t.Fatalf("after restart: %+v", rep)
	}
	if got := ls(t, filepath.Join(fx.dir, "done")); !slices.Equal(got, []string{"orders.csv"}) {
		t.Fatalf("done/ = %v, want the file alone", got)
	}
	if got := ls(t, fx.dir); len(got) != 0 {
		t.Fatalf("inbox = %v", got)
	}
	fx.imp.assertOnce(t, "C-1")
	if calls, _ := fx.imp.stats(); calls != 2 {
		t.Fatalf("ImportFile called %d times, want 2 (import, then the already-check)", calls)
	}
}

// done/ cannot be written: the import holds, the file stays, and the move
// is finished on a later scan without importing again.
func TestFolderMoveToDoneFails(t *testing.T) {
	fx := newFolderFixture(t)
	done := filepath.Join(fx.dir, "done")
	if err := os.Chmod(done, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(done, 0o755) })
	if f, err := os.CreateTemp(done, "x"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("permissions do not bite (running as root?)")
	}
	fx.write(t, "orders.csv", "order_ref,postcode\nD-1,11122\n")
	rep := fx.settle(t)
	if len(rep.Deferred) == 0 || !strings.Contains(rep.Deferred[0].Reason, "cannot be moved to done/") {
		t.Fatalf("%+v", rep)
	}
	for range 5 {
		fx.scan(t, 10*time.Second)
	}
	if got := ls(t, fx.dir); !slices.Equal(got, []string{"orders.csv"}) {
		t.Fatalf("inbox = %v", got)
	}
	os.Chmod(done, 0o755)
	rep = ScanReport{}
	for i := 0; i < 10 && len(rep.Imported) == 0; i++ {
		rep = fx.scan(t, 10*time.Second)
	}
	// Reported with the result of the import that held, not as "already".
	if len(rep.Imported) != 1 || !slices.Equal(rep.Imported[0].Result.Imported, []string{"D-1"}) {
		t.Fatalf("%+v", rep)
	}
	fx.imp.assertOnce(t, "D-1")
	if got := ls(t, done); !slices.Equal(got, []string{"orders.csv"}) {
		t.Fatalf("done/ = %v", got)
	}
}

// The rename into done/ fails for a while (Windows: the writer still holds
// the file open; a share went read-only): the file stays, no sidecar is
// left behind, and once the rename works the file is moved, with its
// rejected rows, and its orders were imported once.
func TestFolderRenameFailsForAWhile(t *testing.T) {
	fx := newFolderFixture(t)
	fails := 3
	fx.f.rename = func(oldpath, newpath string) error {
		if fails > 0 {
			fails--
			return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: errors.New("the process cannot access the file because it is being used by another process")}
		}
		return os.Rename(oldpath, newpath)
	}
	fx.write(t, "orders.csv", "order_ref,postcode\nK-1,11122\nK-2,\n")
	fx.scan(t, 0)
	rep := fx.scan(t, 3*time.Second)
	if len(rep.Deferred) != 1 || !strings.Contains(rep.Deferred[0].Reason, "imported, but it cannot be moved to done/: the process cannot access") {
		t.Fatalf("%+v", rep)
	}
	if got := ls(t, filepath.Join(fx.dir, "done")); len(got) != 0 {
		t.Fatalf("done/ = %v while the move fails", got)
	}
	var imported []FileOutcome
	for i := 0; i < 20 && len(imported) == 0; i++ {
		imported = fx.scan(t, 10*time.Second).Imported
	}
	if len(imported) != 1 || !slices.Equal(imported[0].Result.Imported, []string{"K-1"}) {
		t.Fatalf("%+v", imported)
	}
	got := ls(t, filepath.Join(fx.dir, "done"))
	if !slices.Equal(got, []string{"orders.csv", "orders.csv.rejected.txt"}) {
		t.Fatalf("done/ = %v", got)
	}
	fx.imp.assertOnce(t, "K-1")
	if calls, _ := fx.imp.stats(); calls != 4 {
		t.Fatalf("ImportFile called %d times, want 4 (1 import, 3 already-checks)", calls)
	}
}

// The same content dropped again, under another name or the same one,
// imports nothing and says so next to the file.
func TestFolderSameContentAgain(t *testing.T) {
	fx := newFolderFixture(t)
	const content = "order_ref,postcode\nE-1,11122\nE-2,41505\n"
	fx.write(t, "export-monday.csv", content)
	if rep := fx.settle(t); len(rep.Imported) != 1 || rep.Imported[0].Result.Already {
		t.Fatalf("%+v", rep)
	}
	fx.write(t, "export-copy.csv", content)
	rep := fx.settle(t)
	if len(rep.Imported) != 1 || !rep.Imported[0].Result.Already || !strings.Contains(rep.Imported[0].Reason, "export-monday.csv") {
		t.Fatalf("%+v", rep)
	}
	note := read(t, filepath.Join(fx.dir, "done", "export-copy.csv.already-imported.txt"))
	for _, want := range []string{"export-copy.csv was not imported", "as export-monday.csv", "2026-03-05"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q does not say %q", note, want)
		}
	}
	fx.write(t, "export-monday.csv", content) // the same file again, same name
	rep = fx.settle(t)
	if len(rep.Imported) != 1 || rep.Imported[0].MovedTo != filepath.Join(fx.dir, "done", "export-monday (2).csv") {
		t.Fatalf("%+v", rep)
	}
	got := ls(t, filepath.Join(fx.dir, "done"))
	want := []string{"export-copy.csv", "export-copy.csv.already-imported.txt", "export-monday (2).csv", "export-monday (2).csv.already-imported.txt", "export-monday.csv"}
	if !slices.Equal(got, want) {
		t.Fatalf("done/ = %v\nwant    %v", got, want)
	}
	if read(t, filepath.Join(fx.dir, "done", "export-monday.csv")) != content {
		t.Fatal("the first file was overwritten")
	}
	fx.imp.assertOnce(t, "E-1", "E-2")
}

func TestFolderNameTakenGetsSuffix(t *testing.T) {
	fx := newFolderFixture(t)
	os.WriteFile(filepath.Join(fx.dir, "done", "orders.csv"), []byte("yesterday's"), 0o644)
	os.WriteFile(filepath.Join(fx.dir, "done", "orders (2).csv.rejected.txt"), []byte("orphan"), 0o644)
	fx.write(t, "orders.csv", "order_ref,postcode\nF-1,11122\n")
	rep := fx.settle(t)
	if len(rep.Imported) != 1 || filepath.Base(rep.Imported[0].MovedTo) != "orders (3).csv" {
		t.Fatalf("%+v", rep)
	}
	if read(t, filepath.Join(fx.dir, "done", "orders.csv")) != "yesterday's" {
		t.Fatal("overwrote done/orders.csv")
	}
}

func TestFolderRejectedRows(t *testing.T) {
	fx := newFolderFixture(t)
	fx.write(t, "orders.csv", "order_ref,postcode\nG-1,11122\nG-2,\nG-3,41505\n")
	rep := fx.settle(t)
	if len(rep.Imported) != 1 || !slices.Equal(rep.Imported[0].Result.Rejected, []string{"line 3: order G-2: postcode is empty"}) {
		t.Fatalf("%+v", rep)
	}
	txt := read(t, filepath.Join(fx.dir, "done", "orders.csv.rejected.txt"))
	for _, want := range []string{"line 3: order G-2: postcode is empty", "2 imported", "What to do"} {
		if !strings.Contains(txt, want) {
			t.Errorf("%q does not say %q", txt, want)
		}
	}
	fx.imp.assertOnce(t, "G-1", "G-3")
}

func TestFolderRejectedFile(t *testing.T) {
	fx := newFolderFixture(t)
	fx.write(t, "orders.csv", "name;street\nAnna;Gata 1\n")
	fx.write(t, "orders.xlsx", "PK\x03\x04")
	rep := fx.settle(t)
	if len(rep.Failed) != 2 || len(rep.Imported) != 0 {
		t.Fatalf("%+v", rep)
	}
	got := ls(t, filepath.Join(fx.dir, "failed"))
	want := []string{"orders.csv", "orders.csv.reason.txt", "orders.xlsx", "orders.xlsx.reason.txt"}
	if !slices.Equal(got, want) {
		t.Fatalf("failed/ = %v", got)
	}
	for name, says := range map[string]string{
		"orders.csv":  "no order_ref column",
		"orders.xlsx": "only .csv and .json order files are read",
	} {
		txt := read(t, filepath.Join(fx.dir, "failed", name+".reason.txt"))
		if !strings.Contains(txt, says) || !strings.Contains(txt, "What to do: ") || !strings.Contains(txt, fx.dir) {
			t.Errorf("%s: reason file %q", name, txt)
		}
	}
	// Never read again, even if the inbox is scanned forever.
	fx.settle(t)
	if calls, _ := fx.imp.stats(); calls != 1 {
		t.Fatalf("ImportFile called %d times", calls)
	}
}

func TestFolderIgnores(t *testing.T) {
	fx := newFolderFixture(t)
	ignoredNames := []string{".hidden.csv", "orders.csv.tmp", "orders.csv.part", "orders.PARTIAL", "orders.csv.crdownload",
		"orders.csv~", "x.csv.reason.txt", "x.csv.rejected.txt", "x.csv.already-imported.txt"}
	for _, n := range ignoredNames {
		fx.write(t, n, "order_ref,postcode\nH-9,1\n")
	}
	os.Mkdir(filepath.Join(fx.dir, "archive.csv"), 0o755)
	fx.write(t, "ORDERS.CSV", "order_ref,postcode\nH-1,11122\n")
	rep := fx.settle(t)
	if len(rep.Imported) != 1 || rep.Imported[0].Name != "ORDERS.CSV" || len(rep.Failed) != 0 {
		t.Fatalf("%+v", rep)
	}
	got := ls(t, fx.dir)
	slices.Sort(ignoredNames)
	if !slices.Equal(got, ignoredNames) {
		t.Fatalf("inbox = %v", got)
	}
	fx.imp.assertOnce(t, "H-1")
}

// A passing failure leaves the file, is retried on the next scan, and
// backs off while it lasts.
func TestFolderPassingFailure(t *testing.T) {
	fx := newFolderFixture(t)
	diskFull := errors.New("write data.db: no space left on device")
	fx.imp.failNext = []error{diskFull, diskFull, diskFull}
	fx.write(t, "orders.json", "order_ref,postcode\nI-1,11122\n")
	fx.scan(t, 0)
	rep := fx.scan(t, 3*time.Second)
	if len(rep.Deferred) != 1 || !strings.Contains(rep.Deferred[0].Reason, "no space left") {
		t.Fatalf("%+v", rep)
	}
	if got := ls(t, fx.dir); !slices.Equal(got, []string{"orders.json"}) {
		t.Fatalf("inbox = %v", got)
	}
	// Retried on the next scan…
	if rep := fx.scan(t, time.Second); len(rep.Deferred) != 1 {
		t.Fatalf("%+v", rep)
	}
	calls, _ := fx.imp.stats()
	// …then after a pause: scans in between do not call the importer.
	fx.scan(t, 100*time.Millisecond)
	fx.scan(t, 100*time.Millisecond)
	if c, _ := fx.imp.stats(); c != calls {
		t.Fatalf("importer called %d times during the back-off", c-calls)
	}
	fx.imp.mu.Lock()
	fx.imp.failNext = nil
	fx.imp.mu.Unlock()
	var imported []FileOutcome
	for i := 0; i < 10 && len(imported) == 0; i++ {
		imported = fx.scan(t, 5*time.Second).Imported
	}
	if len(imported) != 1 {
		t.Fatal("never imported after the failure passed")
	}
}

func TestFolderEmptyFileWaitsLonger(t *testing.T) {
	fx := newFolderFixture(t)
	fx.write(t, "orders.csv", "")
	fx.scan(t, 0)
	if rep := fx.scan(t, 10*time.Second); !slices.Equal(rep.Waiting, []string{"orders.csv"}) {
		t.Fatalf("%+v", rep)
	}
	if calls, _ := fx.imp.stats(); calls != 0 {
		t.Fatal("read an empty file after 10s")
	}
	if rep := fx.scan(t, time.Minute); len(rep.Failed) != 1 {
		t.Fatalf("%+v", rep)
	}
}

func TestFolderInboxGone(t *testing.T) {
	fx := newFolderFixture(t)
	os.RemoveAll(fx.dir)
	_, err := fx.f.Scan(context.Background())
	if KindOf(err) != KindUnavailable || !strings.Contains(err.Error(), "cannot be read") || !strings.Contains(HintOf(err), "[orders.folder] path") {
		t.Fatalf("err = %v", err)
	}
}

// Run with the real clock: a file written in two steps is imported once,
// and Run returns when its context ends.
func TestFolderRunRealTime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "inbox")
	imp := newFakeImporter()
	f, err := NewFolder(FolderConfig{Dir: dir, Settle: 150 * time.Millisecond, Poll: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, imp)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { f.Run(ctx); close(stopped) }()

	w, err := os.Create(filepath.Join(dir, "orders.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString("order_ref,postcode\nJ-1,11122\nJ-")
	time.Sleep(100 * time.Millisecond) // less than Settle: not read
	w.WriteString("2,41505\n")
	w.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "done", "orders.csv")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not imported within 3s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	imp.assertOnce(t, "J-1", "J-2")
}

func TestFreeName(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.csv", "a (2).csv", "noext", "a (3).csv.reason.txt"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	for name, want := range map[string]string{"a.csv": "a (4).csv", "noext": "noext (2)", "b.json": "b.json"} {
		got, err := freeName(dir, name)
		if err != nil || filepath.Base(got) != want {
			t.Errorf("freeName(%s) = %s, %v; want %s", name, got, err, want)
		}
	}
}
