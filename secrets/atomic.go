package secrets

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeAtomic replaces path with data, mode 0600: a temporary file in
// the same directory is written, synced and renamed over path, and the
// directory synced, so a crash or a full disk leaves the old file or the
// new one, never half of one. The directory is made (0700) if need be.
func writeAtomic(path string, data []byte) error {
	fail := func(err error) error {
		return &Error{Msg: fmt.Sprintf("cannot write %s: %v", path, err), Hint: "nothing was changed; check that the data directory is writable and the disk has room", Err: err}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up a failure
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself, on file systems that need it
		d.Close()
	}
	return nil
}
