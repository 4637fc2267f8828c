package store

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// ErrCannotWrite is wrapped by every error that means the data file cannot
// take a write at all — the disk is full, the file system is read-only,
// or the station may not write there — as opposed to a problem with one
// record. A commit that fails this way changes nothing already saved:
// bbolt only switches to a new root after every page is on disk.
var ErrCannotWrite = errors.New("the data file cannot be written")

// WriteError says why the data file could not be written, in words a
// packer's supervisor can act on.
type WriteError struct {
	Path   string
	Reason string // "the disk is full", "the file system is read-only", …
	Err    error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("cannot save to %s: %s (%v)", e.Path, e.Reason, e.Err)
}

func (e *WriteError) Unwrap() []error { return []error{ErrCannotWrite, e.Err} }

// writeFailure turns a failed open or commit into a *WriteError when the
// cause is the disk or the file system, and returns other errors as they
// are. bbolt wraps a failed file resize with %s, so the text is checked
// too.
func writeFailure(path string, err error) error {
	if err == nil {
		return nil
	}
	var we *WriteError
	if errors.As(err, &we) {
		return err
	}
	reason := ""
	msg := err.Error()
	switch {
	case errors.Is(err, syscall.ENOSPC) || strings.Contains(msg, "no space left on device"):
		reason = "the disk is full"
	case errors.Is(err, syscall.EDQUOT) || strings.Contains(msg, "disk quota exceeded"):
		reason = "the disk quota is used up"
	case errors.Is(err, syscall.EFBIG) || strings.Contains(msg, "file too large"):
		reason = "the file may not grow any larger (disk full or a file size limit)"
	case errors.Is(err, syscall.EROFS) || strings.Contains(msg, "read-only file system"):
		reason = "the file system is read-only"
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EPERM):
		reason = "the station may not write there"
	case errors.Is(err, syscall.EIO) || strings.Contains(msg, "input/output error"):
		reason = "the disk reported an input/output error"
	default:
		return err
	}
	return &WriteError{Path: path, Reason: reason, Err: err}
}

// update runs fn in a read-write transaction, naming disk and file-system
// failures (ErrCannotWrite) so callers can tell the packer what to do.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	return writeFailure(s.path, s.db.Update(fn))
}
