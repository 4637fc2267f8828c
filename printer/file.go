package printer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// extensions maps a job format to the preview file's extension. Formats
// outside it are refused rather than saved as something no viewer opens.
var extensions = map[string]string{"zpl": ".zpl", "pdf": ".pdf"}

// seqName matches the tail this printer gives its files, so a restarted
// station continues the sequence instead of overwriting earlier previews.
var seqName = regexp.MustCompile(`-(\d{6,})\.(zpl|pdf)$`)

const maxNameRunes = 64

// File is a preview printer: each job becomes one file in a folder, named
// <job name>-<sequence>.<zpl|pdf>, e.g. 00370712345678901234-000042.zpl.
// A file appears whole or not at all (written to a temporary file, synced,
// then renamed), so a viewer watching the folder never opens half a label.
// A File is safe for concurrent use.
type File struct {
	dir string

	mu     sync.Mutex
	seq    int
	closed bool
}

// NewFile returns a preview printer writing into dir, creating it if
// needed. Numbering continues after the highest sequence already there.
func NewFile(dir string) (*File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create label preview folder %s: %w: choose a folder you can write to", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read label preview folder %s: %w: choose a folder you can read and write", dir, err)
	}
	seq := 0
	for _, e := range entries {
		if m := seqName.FindStringSubmatch(e.Name()); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n > seq {
				seq = n
			}
		}
	}
	return &File{dir: dir, seq: seq}, nil
}

// Dir is the folder the previews go to.
func (f *File) Dir() string { return f.dir }

// String describes the printer for a status bar.
func (f *File) String() string { return "file://" + filepath.ToSlash(f.dir) }

// Close stops the printer; later jobs fail with ErrClosed.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// Print writes the job as the next file in the folder and syncs it and
// the folder, so a preview that Print reported is still there after a
// power cut.
func (f *File) Print(ctx context.Context, job Job) error {
	format := strings.ToLower(strings.TrimSpace(job.Format))
	ext, ok := extensions[format]
	if !ok {
		return fmt.Errorf("label %q has format %q: the preview printer saves zpl or pdf labels only", job.Name, job.Format)
	}
	if len(job.Data) == 0 {
		return fmt.Errorf("label %q has no data: nothing was saved; book or render the label again", job.Name)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("saving label %q was cancelled before it started: %w", job.Name, err)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return &Error{Printer: f.dir, Job: job.Name, Msg: fmt.Sprintf("preview printer %s is closed", f.dir), Err: ErrClosed}
	}
	// The folder may have been deleted since the station started; recreate
	// it rather than fail a bench over a preview folder.
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return fmt.Errorf("cannot create label preview folder %s: %w: choose a folder you can write to", f.dir, err)
	}

	base := sanitizeName(job.Name)
	var final string
	for {
		f.seq++
		final = filepath.Join(f.dir, fmt.Sprintf("%s-%06d%s", base, f.seq, ext))
		if _, err := os.Lstat(final); errors.Is(err, fs.ErrNotExist) {
			break
		} else if err != nil {
			return fmt.Errorf("cannot check label preview file %s: %w", final, err)
		}
	}
	if err := writeAtomic(f.dir, final, job.Data); err != nil {
		return fmt.Errorf("cannot save label %q to %s: %w: check that the disk is not full and the folder is writable", job.Name, f.dir, err)
	}
	return nil
}

// writeAtomic writes data to a hidden temporary file in dir, syncs it,
// renames it to final and syncs dir so the rename itself is durable.
func writeAtomic(dir, final string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, ".label-*.part")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; a preview is for anyone at the bench.
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), final); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for sync there; NTFS journals the rename
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// sanitizeName turns a job name into a file name stem that is safe on
// every desktop OS: letters (Nordic ones too) and digits stay, '-', '_' and
// '.' stay, everything else (slashes, colons, spaces, control bytes) becomes
// '_'. It never starts with a dot (hidden file) and is never empty.
func sanitizeName(name string) string {
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == maxNameRunes {
			break
		}
		switch {
		case r == utf8.RuneError:
			r = '_'
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_', r == '.':
		default:
			r = '_'
		}
		b.WriteRune(r)
		n++
	}
	s := strings.TrimRight(strings.TrimLeft(b.String(), "._-"), "._")
	if s == "" {
		return "label"
	}
	return s
}
