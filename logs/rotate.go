package logs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// File is a log file rotated by size: when a write would take the live
// file past MaxBytes it is renamed NAME.1 (NAME.1 becomes NAME.2 …, the
// oldest is removed) and a new live file is started, so at most MaxFiles
// files are kept. It is safe for concurrent use, and one path is one File
// in a process: OpenFile of a path already open shares it. A second
// process (the GUI while a command runs) may append to the same file:
// each write checks that the path still names the file it holds and
// follows a rotation made by the other. Lines are not synced to disk one
// by one; the OS writes them out.
type File struct {
	path string
	max  int64
	keep int

	mu      sync.Mutex
	f       *os.File
	refs    int
	retryAt time.Time // after a failed rotation (a Windows reader holds the file), when to try again
}

var (
	openMu    sync.Mutex
	openFiles = map[string]*File{}
)

// rotateRetry is how long a file that could not be rotated is appended to
// before rotating is tried again.
const rotateRetry = time.Minute

// OpenFile opens the log file at path for appending, creating its
// directory (0700) and the file (0600) as needed. maxBytes ≤ 0 is
// DefaultMaxBytes and maxFiles ≤ 0 is DefaultMaxFiles. Each OpenFile is
// matched by one Close.
func OpenFile(path string, maxBytes int64, maxFiles int) (*File, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxFiles <= 0 {
		maxFiles = DefaultMaxFiles
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("log file %s: %w", path, err)
	}
	openMu.Lock()
	defer openMu.Unlock()
	if f := openFiles[abs]; f != nil {
		f.mu.Lock()
		f.refs++
		f.mu.Unlock()
		return f, nil
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	f := &File{path: abs, max: maxBytes, keep: maxFiles, refs: 1}
	if err := f.reopen(); err != nil {
		return nil, err
	}
	openFiles[abs] = f
	return f, nil
}

// Path is the live file's absolute path.
func (f *File) Path() string { return f.path }

// Paths lists the files kept, live first, that exist now.
func (f *File) Paths() []string {
	var out []string
	for i := 0; i < f.keep; i++ {
		if _, err := os.Stat(f.name(i)); err == nil {
			out = append(out, f.name(i))
		}
	}
	return out
}

func (f *File) name(i int) string {
	if i == 0 {
		return f.path
	}
	return fmt.Sprintf("%s.%d", f.path, i)
}

func (f *File) reopen() error {
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
	fh, err := os.OpenFile(f.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	f.f = fh
	return nil
}

// Write appends p (one log line) to the live file, rotating first when p
// would take it past the size limit. A line is never split between files.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refs <= 0 {
		return 0, ErrClosed
	}
	size, err := f.current()
	if err != nil {
		return 0, err
	}
	if size > 0 && size+int64(len(p)) > f.max && !time.Now().Before(f.retryAt) {
		if err := f.rotate(); err != nil {
			f.retryAt = time.Now().Add(rotateRetry)
		}
	}
	if f.f == nil {
		if err := f.reopen(); err != nil {
			return 0, err
		}
	}
	return f.f.Write(p)
}

// current returns the live file's size, reopening it first when the path
// no longer names the file held (another process rotated it, or someone
// deleted it).
func (f *File) current() (int64, error) {
	held, herr := f.f.Stat()
	onDisk, derr := os.Stat(f.path)
	if herr != nil || derr != nil || !os.SameFile(held, onDisk) {
		if err := f.reopen(); err != nil {
			return 0, err
		}
		if held, herr = f.f.Stat(); herr != nil {
			return 0, fmt.Errorf("log file: %w", herr)
		}
	}
	return held.Size(), nil
}

// rotate shifts NAME.i to NAME.(i+1), dropping the oldest, moves the live
// file to NAME.1 and starts a new one. When the live file cannot be moved
// it stays live and the error is returned.
func (f *File) rotate() error {
	f.f.Close()
	f.f = nil
	keepOld := func(err error) error {
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return errors.Join(err, f.reopen())
	}
	if f.keep == 1 {
		if err := keepOld(os.Truncate(f.path, 0)); err != nil {
			return err
		}
		return f.reopen()
	}
	if err := keepOld(os.Remove(f.name(f.keep - 1))); err != nil {
		return err
	}
	for i := f.keep - 2; i >= 1; i-- {
		if err := keepOld(os.Rename(f.name(i), f.name(i+1))); err != nil {
			return err
		}
	}
	if err := keepOld(os.Rename(f.path, f.name(1))); err != nil {
		return err
	}
	return f.reopen()
}

// Close gives up this owner's hold; the last one closes the file.
func (f *File) Close() error {
	openMu.Lock()
	defer openMu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refs <= 0 {
		return ErrClosed
	}
	f.refs--
	if f.refs > 0 {
		return nil
	}
	delete(openFiles, f.path)
	if f.f == nil {
		return nil
	}
	err := f.f.Close()
	f.f = nil
	return err
}
