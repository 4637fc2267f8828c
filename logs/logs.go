// Package logs owns labelstation's log: where the files live (the OS log
// location, or a directory the site chooses), the size-rotated file they
// are written to (labelstation.log, labelstation.log.1 …), and the
// slog.Handler that scrubs secrets — API keys, client secrets, passwords,
// webhook secrets, header values, secret-looking URL query parameters and
// Authorization values — from every message and attribute before a line
// is written. The station logs JSON lines (slog.JSONHandler) to the file;
// a short text form on stderr is only for a support session that asks for
// it. What is logged, and with which keys, is the logging package's
// (station's) business; this package only makes it safe and durable.
package logs

import (
	"errors"
	"io"
	"log/slog"
	"path/filepath"
)

// Defaults of Options.
const (
	DefaultName     = "labelstation.log"
	DefaultMaxBytes = 10 << 20 // 10 MiB per file
	DefaultMaxFiles = 5        // the live file and 4 rotated ones
)

// Options say where and how the station logs. The zero value logs to
// DefaultDir() at info level, nothing to stderr.
type Options struct {
	// Dir is the log directory; "" is DefaultDir().
	Dir string
	// Name is the live file's name (default labelstation.log).
	Name string
	// MaxBytes is the size at which the live file is rotated (default 10 MiB);
	// MaxFiles how many files are kept, the live one included (default 5).
	MaxBytes int64
	MaxFiles int
	// Level is the file's least level (default info).
	Level slog.Leveler
	// Stderr, with StderrLevel set, also gets a short text line for each
	// record at or above StderrLevel (no time, no source). Nil StderrLevel
	// writes nothing there: a command's own words and hint are what a
	// packer at a terminal reads.
	Stderr      io.Writer
	StderrLevel slog.Leveler
	// Secrets are replaced by Redacted wherever they appear; more can be
	// added later with Logs.Redactor().Add, before the lines that may
	// carry them are logged.
	Secrets []string
	// Attrs are added to every line of the file (e.g. the bench's name
	// and the labelstation version).
	Attrs []slog.Attr
}

// Logs is an open log: its Logger writes redacted JSON lines to the
// rotating file (and, when asked, text to stderr). Close it when the
// process is done with it.
type Logs struct {
	logger *slog.Logger
	red    *Redactor
	file   *File
}

// Open opens (creating the directory 0700 and the file 0600 as needed) the
// log described by opts. When the file cannot be opened it returns the
// error with a Logs that still works: it writes to stderr when asked,
// otherwise nowhere, so a command is never stopped by its log.
func Open(opts Options) (*Logs, error) {
	if opts.Dir == "" {
		opts.Dir = DefaultDir()
	}
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if opts.Level == nil {
		opts.Level = slog.LevelInfo
	}
	red := NewRedactor(opts.Secrets...)
	l := &Logs{red: red}
	var hs []slog.Handler
	f, err := OpenFile(filepath.Join(opts.Dir, opts.Name), opts.MaxBytes, opts.MaxFiles)
	if err == nil {
		l.file = f
		h := NewHandler(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: opts.Level}), red)
		if len(opts.Attrs) > 0 {
			h = h.WithAttrs(opts.Attrs)
		}
		hs = append(hs, h)
	}
	if opts.Stderr != nil && opts.StderrLevel != nil {
		// Short: no time, no Attrs (the bench and version are the file's).
		hs = append(hs, NewHandler(slog.NewTextHandler(opts.Stderr, &slog.HandlerOptions{Level: opts.StderrLevel, ReplaceAttr: dropTime}), red))
	}
	var h slog.Handler
	switch len(hs) {
	case 0:
		h = slog.DiscardHandler
	case 1:
		h = hs[0]
	default:
		h = slog.NewMultiHandler(hs...)
	}
	l.logger = slog.New(h)
	return l, err
}

// dropTime keeps stderr lines short: level, message and attributes.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// Logger is the log's *slog.Logger.
func (l *Logs) Logger() *slog.Logger { return l.logger }

// Redactor is the log's redactor: add secrets learnt after Open to it.
func (l *Logs) Redactor() *Redactor { return l.red }

// Path is the live file's path, "" when it could not be opened.
func (l *Logs) Path() string {
	if l.file == nil {
		return ""
	}
	return l.file.Path()
}

// File is the rotating file, nil when it could not be opened.
func (l *Logs) File() *File { return l.file }

// Close closes the file (other Logs of the same path keep it open).
func (l *Logs) Close() error {
	if l.file == nil {
		return nil
	}
	f := l.file
	l.file = nil
	return f.Close()
}

// Discard is a Logger that writes nothing, for tests and tools.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// ErrClosed is returned by writes to a closed File.
var ErrClosed = errors.New("logs: file is closed")

// Level parses a level word (debug, info, warn, error), for an
// environment variable or a flag; "" and "off" are nil (nothing).
func Level(s string) (slog.Leveler, error) {
	switch s {
	case "", "off", "none":
		return nil, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return nil, err
	}
	return l, nil
}
