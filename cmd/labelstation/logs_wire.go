package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"labelstation/config"
	"labelstation/logs"
	"labelstation/station"
)

// The log: every command and the GUI write JSON lines to one rotating
// file (logs package) in the OS log location, with every secret the config
// holds redacted. Nothing goes to stderr unless a support session asks:
// a command's own words and hint are what a packer at a terminal reads.
//
//	LABELSTATION_LOG_DIR=DIR        log here instead of the OS log location
//	LABELSTATION_LOG_LEVEL=debug    the file's least level (default info)
//	LABELSTATION_LOG_STDERR=warn    also write lines at this level and above to stderr

// logSink is the process's open log.
type logSink struct {
	*logs.Logs
	dir string
	err error // why the file could not be opened; the log then goes nowhere
}

// logDirFor is where this process logs: --log-dir, [station] log_dir,
// LABELSTATION_LOG_DIR, else the OS log location.
func logDirFor(g *globals, cfg config.Config) string {
	return firstSet(g.logDir, cfg.Station.LogDir, os.Getenv("LABELSTATION_LOG_DIR"), logs.DefaultDir())
}

// openLogs opens the log for this process. It never fails the command:
// a log that cannot be written goes nowhere, and `labelstation doctor`
// says why.
func openLogs(g *globals, cfg config.Config) *logSink {
	level := slog.Leveler(slog.LevelInfo)
	if lv, err := logs.Level(strings.ToLower(os.Getenv("LABELSTATION_LOG_LEVEL"))); err == nil && lv != nil {
		level = lv
	}
	stderrLevel, _ := logs.Level(strings.ToLower(os.Getenv("LABELSTATION_LOG_STDERR")))
	dir := logDirFor(g, cfg)
	l, err := logs.Open(logs.Options{
		Dir: dir, Level: level, Stderr: g.stderr, StderrLevel: stderrLevel,
		Secrets: append(configSecrets(cfg), secretValues(g.secrets, cfg)...),
		Attrs:   []slog.Attr{slog.String("bench", benchName(cfg)), slog.String("version", version), slog.Int("pid", os.Getpid())},
	})
	return &logSink{Logs: l, dir: dir, err: err}
}

// configSecrets are the secret values the config holds (after the
// environment's overrides): API keys, client secrets, passwords, the
// webhook secret, header values, secret-named SMS form fields.
func configSecrets(cfg config.Config) []string {
	out := []string{cfg.PostNord.APIKey, cfg.PostNord.ClientSecret, cfg.STG.ClientSecret, cfg.WMS.Webhooks.Secret,
		cfg.Notify.Email.Password, cfg.Notify.SMS.Password, cfg.Fleet.Password}
	for _, v := range cfg.Orders.HTTP.Headers {
		expanded, _ := config.ExpandEnv(v)
		out = append(out, v, expanded)
	}
	for _, v := range cfg.Notify.SMS.Headers {
		expanded, _ := config.ExpandEnv(v)
		out = append(out, v, expanded)
	}
	for k, v := range cfg.Notify.SMS.Fields {
		if logs.SecretKey(k) {
			out = append(out, v)
		}
	}
	return out
}

// benchName is the bench's name in the log: [station] name, else the host.
func benchName(cfg config.Config) string {
	if cfg.Station.Name != "" {
		return cfg.Station.Name
	}
	h, _ := os.Hostname()
	return h
}

// doctorCheck says where the log goes and whether a line can be written.
func (l *logSink) doctorCheck() station.DoctorCheck {
	c := station.DoctorCheck{Name: "Log"}
	if l.err != nil || l.Path() == "" {
		c.State, c.Words = station.DoctorWarn, fmt.Sprintf("no log file: %v", l.err)
		c.Hint = "make " + l.dir + " writable for the station's user, or choose another log directory (LABELSTATION_LOG_DIR)"
		return c
	}
	before := fileSize(l.Path())
	l.Logger().Info("log checked by the doctor")
	if fileSize(l.Path()) <= before {
		c.State, c.Words = station.DoctorWarn, l.Path()+" takes no new lines"
		c.Hint = "check the disk of " + l.dir + " (full or read-only?)"
		return c
	}
	var total int64
	paths := l.File().Paths()
	for _, p := range paths {
		total += fileSize(p)
	}
	c.State = station.DoctorOK
	c.Words = fmt.Sprintf("%s: %d file(s), %d KiB; rotated at %d MiB, %d files kept; secrets are redacted",
		l.Path(), len(paths), (total+1023)/1024, logs.DefaultMaxBytes>>20, logs.DefaultMaxFiles)
	return c
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
