package ordersource

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Importer takes in the orders of one file. The station's importer saves the
// file's orders and its hash in one commit, so a file is imported once
// even when the station stops between the import and the move to done/.
type Importer interface {
	// ImportFile imports one complete order file. hash is the hex SHA-256
	// of data. When a file with the same hash was imported before it
	// imports nothing and returns Already with that file's name and time.
	// It returns *RejectedFile when the file as a whole cannot be read (it
	// will never import; it is moved to failed/); any other error is a
	// passing failure (e.g. disk full): the file stays in the inbox and is
	// tried again later.
	ImportFile(ctx context.Context, name, hash string, data []byte) (FileResult, error)
}

// FileResult is what an Importer did with one file.
type FileResult struct {
	Imported []string // order refs
	Skipped  []string // already shipped, left alone
	// Rejected has one line per rejected row, e.g.
	// "line 7: order A-1002: postcode is empty".
	Rejected []string
	// Already is true when a file with the same content was imported
	// before: as AlreadyName, at AlreadyAt. Nothing was imported now.
	Already     bool
	AlreadyName string
	AlreadyAt   time.Time
}

// RejectedFile is the Importer's error for a file that can never be
// imported (not CSV, no order_ref column, …). Reason says what is wrong
// and, where it helps, what to do; it goes into the file's reason file.
type RejectedFile struct{ Reason string }

func (r *RejectedFile) Error() string { return "order file rejected: " + r.Reason }

// FolderConfig configures a watched order folder ([orders.folder]).
type FolderConfig struct {
	// Dir is the inbox: order files appear here. done/ and failed/ are
	// made inside it.
	Dir string
	// Settle is how long a file's size and modification time must stay
	// unchanged before it is read; 0 means DefaultSettle.
	Settle time.Duration
	// Poll is how often Run scans the inbox; 0 means DefaultPoll.
	Poll time.Duration
	// Now is the clock settling is measured with; nil means time.Now.
	Now func() time.Time
	// Logger receives what Run does; nil means slog.Default().
	Logger *slog.Logger
}

// Defaults of FolderConfig.
const (
	DefaultSettle = 2 * time.Second
	DefaultPoll   = time.Second
)

const (
	// emptySettle is how long an empty file must stay empty before it is
	// read: a writer may create a file well before it writes to it.
	emptySettle = time.Minute
	// maxFileSize is the largest order file read; larger goes to failed/.
	maxFileSize = 64 << 20
	// maxRetryPause caps the pause between tries of a file whose import
	// failed for a passing reason.
	maxRetryPause = time.Minute
)

// Sidecar files the folder writes next to a moved file.
const (
	reasonSuffix   = ".reason.txt"           // failed/NAME.reason.txt
	rejectedSuffix = ".rejected.txt"         // done/NAME.rejected.txt
	alreadySuffix  = ".already-imported.txt" // done/NAME.already-imported.txt
)

// Folder watches an inbox folder for order files:
//
//	DIR/          the inbox: the WMS drops .csv and .json order files here
//	DIR/done/     files imported (NAME.rejected.txt lists rows not taken;
//	              NAME.already-imported.txt when the content came before)
//	DIR/failed/   files that will never import, each with NAME.reason.txt
//
// A file is read only once its size and modification time have stayed the
// same for Settle, so a file still being written is never half-read. Each
// file's content hash goes to the Importer, which records it with the
// orders: the same content is never imported twice, whatever its name.
// A name already taken in done/ or failed/ gets a suffix ("orders (2).csv");
// nothing there is overwritten. Scan and Run may be called from any
// goroutine; scans do not overlap.
type Folder struct {
	dir, done, failed string
	settle, poll      time.Duration
	now               func() time.Time
	log               *slog.Logger
	imp               Importer

	mu   sync.Mutex
	seen map[string]*seenFile // inbox name → what the last scans saw

	// Test hooks. afterRead runs between reading a file and checking it
	// did not change meanwhile; afterImport after a successful ImportFile
	// and before the move, where an error stands for the station stopping.
	afterRead   func(name string)
	afterImport func(name string) error
	rename      func(oldpath, newpath string) error // os.Rename
}

// seenFile is what scans saw of one inbox file.
type seenFile struct {
	size     int64
	mtime    time.Time
	since    time.Time // when this size and mtime were first seen
	failures int       // passing failures in a row
	retryAt  time.Time // not tried again before this
	// imported is this file's import result when the import succeeded and
	// the move did not: a later try's Already answer then still writes
	// the rejected rows beside the file. Lost only if the station stops.
	imported     *FileResult
	importedHash string
}

// ScanReport is what one Scan did.
type ScanReport struct {
	Imported []FileOutcome // moved to done/
	Failed   []FileOutcome // moved to failed/, with a reason file
	// Deferred are files left in the inbox after a passing failure (the
	// import or the move failed); they are tried again on a later scan.
	Deferred []FileOutcome
	Waiting  []string // not yet settled: still being written, or just seen
}

// FileOutcome is what happened to one file. MovedTo is the file's path in
// done/ or failed/, "" when it stayed in the inbox.
type FileOutcome struct {
	Name    string
	Result  FileResult
	Reason  string
	MovedTo string
}

// NewFolder makes Dir, Dir/done and Dir/failed when missing and checks
// the station may write to them.
func NewFolder(cfg FolderConfig, imp Importer) (*Folder, error) {
	const op = "open order folder"
	if strings.TrimSpace(cfg.Dir) == "" {
		return nil, &Error{Op: op, Kind: KindConfig, Msg: "[orders.folder] path is empty",
			Hint: "give the folder the WMS drops order files in"}
	}
	if imp == nil {
		return nil, &Error{Op: op, Kind: KindConfig, Msg: "the order folder has no importer"}
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		dir = filepath.Clean(cfg.Dir)
	}
	f := &Folder{
		dir:    dir,
		done:   filepath.Join(dir, "done"),
		failed: filepath.Join(dir, "failed"),
		settle: cfg.Settle,
		poll:   cfg.Poll,
		now:    cfg.Now,
		log:    cfg.Logger,
		imp:    imp,
		seen:   map[string]*seenFile{},
		rename: os.Rename,
	}
	if f.settle <= 0 {
		f.settle = DefaultSettle
	}
	if f.poll <= 0 {
		f.poll = DefaultPoll
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.log == nil {
		f.log = slog.Default()
	}
	for _, d := range []string{f.dir, f.done, f.failed} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, &Error{Op: op, Kind: KindConfig, Err: err,
				Msg:  fmt.Sprintf("the order folder %s cannot be made: %s", d, pathErrText(err)),
				Hint: "choose another [orders.folder] path, or give the station's user write access to its parent"}
		}
		probe, err := os.CreateTemp(d, ".labelstation-write-check-*")
		if err == nil {
			probe.Close()
			err = os.Remove(probe.Name())
		}
		if err != nil {
			return nil, &Error{Op: op, Kind: KindConfig, Err: err,
				Msg:  fmt.Sprintf("the order folder %s cannot be written: %s", d, pathErrText(err)),
				Hint: "give the station's user write access to it, or choose another [orders.folder] path"}
		}
	}
	return f, nil
}

// Dir returns the inbox's absolute path.
func (f *Folder) Dir() string { return f.dir }

// pathErrText is err's text without the paths a *PathError or a
// *LinkError (rename) repeats.
func pathErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	return err.Error()
}

// ignored reports whether an inbox name is none of the folder's business:
// dotfiles, files still being downloaded or written under a temporary
// name, editor backups, and the folder's own sidecar files.
func ignored(name string) bool {
	l := strings.ToLower(name)
	if strings.HasPrefix(l, ".") || strings.HasSuffix(l, "~") {
		return true
	}
	for _, s := range []string{".tmp", ".part", ".partial", ".crdownload", reasonSuffix, rejectedSuffix, alreadySuffix} {
		if strings.HasSuffix(l, s) {
			return true
		}
	}
	return false
}

// orderFile reports whether the folder reads a file of this name.
func orderFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".csv" || ext == ".json"
}

// Scan looks at the inbox once: it reads every settled order file, hands
// it to the Importer and moves it, and reports the rest. Its error is for
// the inbox as a whole (it cannot be read); what happened to each file is
// in the report.
func (f *Folder) Scan(ctx context.Context) (ScanReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var rep ScanReport
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return rep, &Error{Op: "scan order folder", Kind: KindUnavailable, Err: err,
			Msg:  fmt.Sprintf("the order folder %s cannot be read: %s", f.dir, pathErrText(err)),
			Hint: "check that the folder exists (a network share may be disconnected) and the station may read it, or change [orders.folder] path"}
	}
	present := map[string]bool{}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		name := e.Name()
		if e.IsDir() || ignored(name) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue // gone since the listing, or a link or device: not ours
		}
		present[name] = true
		now := f.now()
		s := f.seen[name]
		if s == nil || s.size != info.Size() || !s.mtime.Equal(info.ModTime()) {
			f.seen[name] = &seenFile{size: info.Size(), mtime: info.ModTime(), since: now}
			rep.Waiting = append(rep.Waiting, name)
			continue
		}
		settle := f.settle
		if info.Size() == 0 {
			settle = max(settle, emptySettle)
		}
		if now.Sub(s.since) < settle {
			rep.Waiting = append(rep.Waiting, name)
			continue
		}
		if now.Before(s.retryAt) {
			continue
		}
		f.take(ctx, name, s, &rep)
	}
	for name := range f.seen {
		if !present[name] {
			delete(f.seen, name)
		}
	}
	return rep, nil
}

// take reads, imports and moves one settled file.
func (f *Folder) take(ctx context.Context, name string, s *seenFile, rep *ScanReport) {
	path := filepath.Join(f.dir, name)
	if !orderFile(name) {
		f.reject(name, nil, "only .csv and .json order files are read",
			"save the orders as CSV or JSON (see \"Order files\" in the README) and drop the file into "+f.dir+" again", rep)
		return
	}
	if s.size > maxFileSize {
		f.reject(name, nil, fmt.Sprintf("the file is %d MiB; order files larger than %d MiB are not read", s.size>>20, maxFileSize>>20),
			"split the orders into smaller files and drop them into "+f.dir, rep)
		return
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		delete(f.seen, name) // taken away meanwhile
		return
	}
	if err != nil {
		// Windows: a file the writer still holds open cannot be read or
		// renamed; that passes when the writer closes it.
		f.deferFile(name, s, FileResult{}, "the file cannot be read: "+pathErrText(err), rep)
		return
	}
	if f.afterRead != nil {
		f.afterRead(name)
	}
	after, err := os.Stat(path)
	if err != nil || after.Size() != s.size || !after.ModTime().Equal(s.mtime) || int64(len(data)) != s.size {
		// Written to while it was read: wait for it to settle again.
		ns := &seenFile{since: f.now(), size: -1}
		if err == nil {
			ns.size, ns.mtime = after.Size(), after.ModTime()
		}
		f.seen[name] = ns
		rep.Waiting = append(rep.Waiting, name)
		return
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	res, err := f.imp.ImportFile(ctx, name, hash, data)
	if err != nil {
		var rf *RejectedFile
		if errors.As(err, &rf) {
			f.reject(name, &res, rf.Reason, "fix the file and drop it into "+f.dir+" again (under any name)", rep)
			return
		}
		f.deferFile(name, s, res, "the import failed: "+err.Error(), rep)
		return
	}
	if res.Already && s.imported != nil && s.importedHash == hash {
		res = *s.imported // imported by an earlier scan whose move failed
	} else if !res.Already {
		s.imported, s.importedHash = &res, hash
	}
	if f.afterImport != nil {
		if err := f.afterImport(name); err != nil {
			f.deferFile(name, s, res, "stopped after the import: "+err.Error(), rep)
			return
		}
	}
	f.finish(name, s, res, data, rep)
}

// finish moves an imported file to done/ with what a person needs to know
// beside it.
func (f *Folder) finish(name string, s *seenFile, res FileResult, data []byte, rep *ScanReport) {
	stamp := f.now().Format("2006-01-02 15:04:05 -0700")
	sidecars := map[string]string{}
	var reason string
	if res.Already {
		at := res.AlreadyAt.Local().Format("2006-01-02 15:04:05 -0700")
		reason = fmt.Sprintf("the same content was imported on %s as %s; nothing was imported again", at, res.AlreadyName)
		// The station stopped between importing this very file and moving
		// it: just finish the move. A copy dropped again gets a note.
		if res.AlreadyName != name || f.sameInDone(name, data) {
			sidecars[alreadySuffix] = fmt.Sprintf("%s was not imported: the same content was imported on %s as %s.\n\n"+
				"Nothing was changed. To import changed orders, drop a file with the changes into %s.\n\nMoved here by labelstation on %s.\n",
				name, at, res.AlreadyName, f.dir, stamp)
		}
	}
	if len(res.Rejected) > 0 {
		sidecars[rejectedSuffix] = fmt.Sprintf("%d row(s) of %s were not imported; the other orders of the file were (%d imported, %d skipped as already shipped):\n\n%s\n\n"+
			"What to do: fix these orders and drop a file with them into %s again, or import it with `labelstation orders import FILE`.\n\nWritten by labelstation on %s.\n",
			len(res.Rejected), name, len(res.Imported), len(res.Skipped), strings.Join(res.Rejected, "\n"), f.dir, stamp)
	}
	to, err := f.move(name, f.done, sidecars)
	if err != nil {
		f.deferFile(name, s, res, "imported, but it cannot be moved to done/: "+pathErrText(err), rep)
		return
	}
	delete(f.seen, name)
	rep.Imported = append(rep.Imported, FileOutcome{Name: name, Result: res, Reason: reason, MovedTo: to})
}

// sameInDone reports whether done/ holds a file of this name with the
// same content: the same export was dropped again under the same name.
func (f *Folder) sameInDone(name string, data []byte) bool {
	info, err := os.Stat(filepath.Join(f.done, name))
	if err != nil || info.Size() != int64(len(data)) {
		return false
	}
	a, err := os.ReadFile(filepath.Join(f.done, name))
	return err == nil && bytes.Equal(a, data)
}

// reject moves a file that will never import to failed/ with a reason
// file saying what is wrong and what to do.
func (f *Folder) reject(name string, res *FileResult, reason, todo string, rep *ScanReport) {
	text := fmt.Sprintf("%s was not imported: %s\n\nWhat to do: %s.\n\nMoved here by labelstation on %s; it will not be read again.\n",
		name, reason, todo, f.now().Format("2006-01-02 15:04:05 -0700"))
	out := FileOutcome{Name: name, Reason: reason}
	if res != nil {
		out.Result = *res
	}
	to, err := f.move(name, f.failed, map[string]string{reasonSuffix: text})
	if err != nil {
		s := f.seen[name]
		if s == nil {
			s = &seenFile{}
			f.seen[name] = s
		}
		f.deferFile(name, s, out.Result, reason+"; and it cannot be moved to failed/: "+pathErrText(err), rep)
		return
	}
	delete(f.seen, name)
	out.MovedTo = to
	rep.Failed = append(rep.Failed, out)
}

// deferFile leaves a file in the inbox after a passing failure. It is
// tried again on the next scan, then after pauses that double up to
// maxRetryPause, so a lasting failure (a full disk) is not a busy loop.
func (f *Folder) deferFile(name string, s *seenFile, res FileResult, reason string, rep *ScanReport) {
	s.failures++
	pause := time.Duration(0)
	if s.failures > 1 {
		pause = min(f.poll<<min(s.failures-1, 16), maxRetryPause)
	}
	s.retryAt = f.now().Add(pause)
	rep.Deferred = append(rep.Deferred, FileOutcome{Name: name, Result: res, Reason: reason})
}

// move renames inbox/name into dir under a free name, writing the
// sidecars (suffix → text) for that name first so the file never stands
// there without them. It returns the new path.
//
// Windows: a file the writer still holds open cannot be renamed; the
// rename fails and the caller treats it as a passing failure.
func (f *Folder) move(name, dir string, sidecars map[string]string) (string, error) {
	target, err := freeName(dir, name)
	if err != nil {
		return "", err
	}
	var written []string
	suffixes := make([]string, 0, len(sidecars))
	for s := range sidecars {
		suffixes = append(suffixes, s)
	}
	slices.Sort(suffixes)
	for _, suffix := range suffixes {
		p := target + suffix
		if err := os.WriteFile(p, []byte(sidecars[suffix]), 0o644); err != nil {
			removeAll(written)
			return "", err
		}
		written = append(written, p)
	}
	if err := f.rename(filepath.Join(f.dir, name), target); err != nil {
		removeAll(written)
		return "", err
	}
	return target, nil
}

func removeAll(paths []string) {
	for _, p := range paths {
		os.Remove(p)
	}
}

// freeName returns dir/name, or dir/"name (2).ext", … : the first name
// taken by neither a file nor any sidecar of one. Only the station writes
// in done/ and failed/, and its scans do not overlap, so the name stays
// free until the rename.
func freeName(dir, name string) (string, error) {
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 1; i < 10000; i++ {
		cand := name
		if i > 1 {
			cand = fmt.Sprintf("%s (%d)%s", base, i, ext)
		}
		p := filepath.Join(dir, cand)
		free := true
		for _, s := range []string{"", reasonSuffix, rejectedSuffix, alreadySuffix} {
			if _, err := os.Lstat(p + s); !errors.Is(err, fs.ErrNotExist) {
				free = false
				break
			}
		}
		if free {
			return p, nil
		}
	}
	return "", fmt.Errorf("no free name for %s in %s", name, dir)
}

// Run scans the inbox every Poll until ctx ends, logging what each scan
// did. A failing scan is logged once until its message changes.
func (f *Folder) Run(ctx context.Context) {
	t := time.NewTicker(f.poll)
	defer t.Stop()
	lastErr := ""
	for {
		rep, err := f.Scan(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if err.Error() != lastErr {
				f.log.Error("order folder", "err", err, "hint", HintOf(err))
			}
			lastErr = err.Error()
		} else {
			lastErr = ""
		}
		for _, o := range rep.Imported {
			f.log.Info("order file imported", "file", o.Name, "moved_to", o.MovedTo,
				"orders", len(o.Result.Imported), "skipped", len(o.Result.Skipped), "rejected_rows", len(o.Result.Rejected),
				"already", o.Result.Already)
		}
		for _, o := range rep.Failed {
			f.log.Warn("order file rejected", "file", o.Name, "moved_to", o.MovedTo, "reason", o.Reason)
		}
		for _, o := range rep.Deferred {
			f.log.Warn("order file left in the inbox; trying again later", "file", o.Name, "reason", o.Reason)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
