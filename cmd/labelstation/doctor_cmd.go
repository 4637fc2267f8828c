package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"labelstation/config"
	"labelstation/logs"
	"labelstation/station"
	"labelstation/station/notify/channel"
	"labelstation/store"
)

const doctorUsage = `labelstation doctor [--json] [--printer URI] [--scale URI] [--timeout 15s]
  checks the setup and prints a report a support person can read: the data
  directory and file, the queues, the id series, every carrier (reachable,
  and the key valid per API product), the printer and its fonts, the scale,
  webhooks and notification channels, the log. Exit 1 when a check FAILs.`

// doctorReportJSON is the --json shape.
type doctorReportJSON struct {
	station.DoctorReport
	OK    bool `json:"ok"`
	Fails int  `json:"fails"`
	Warns int  `json:"warns"`
}

// cmdDoctor is "labelstation doctor".
func cmdDoctor(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("doctor", g)
	timeout := fs.Duration("timeout", 15*time.Second, "give up on a group of checks after this long")
	printerURI := fs.String("printer", "", "check this printer instead of the configured one")
	scaleURI := fs.String("scale", "", "check this scale instead of the configured one")
	// Internal: the parent doctor runs the data file's consistency check
	// in a child process, because bbolt's checker panics (in a goroutine
	// no one can recover) on some kinds of damage.
	dataFile := fs.String("check-data-file", "", "")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(doctorUsage, "doctor takes no arguments, got %q", pos)
	}
	if *dataFile != "" {
		return json.NewEncoder(g.stdout).Encode(station.CheckDataFile(*dataFile))
	}
	rep, red := doctorRun(ctx, g, overrides{printer: *printerURI, scale: *scaleURI}, *timeout)
	for i, c := range rep.Checks {
		c.Name, c.Words, c.Hint = red.String(c.Name), red.String(c.Words), red.String(c.Hint)
		rep.Checks[i] = c
	}
	fails, warns := rep.Count(station.DoctorFail), rep.Count(station.DoctorWarn)
	if g.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // "Track & Trace", not "Track \u0026 Trace"
		if err := enc.Encode(doctorReportJSON{DoctorReport: rep, OK: fails == 0, Fails: fails, Warns: warns}); err != nil {
			return err
		}
	} else {
		printDoctor(g, rep)
	}
	if fails > 0 {
		return &station.Problem{Msg: fmt.Sprintf("doctor: %s failed", plural(fails, "check", "checks")),
			Hint: "fix what the FAIL lines say (each has a hint), then run labelstation doctor again"}
	}
	return nil
}

// doctorRun runs every check it can: the config, the data directory and
// file before the bench is opened, then the station's own checks. A
// damaged data file is not opened at all.
func doctorRun(ctx context.Context, g *globals, o overrides, timeout time.Duration) (station.DoctorReport, *logs.Redactor) {
	red := logs.NewRedactor()
	now := time.Now()
	cfg, err := loadConfig(g)
	if err != nil {
		return station.DoctorReport{At: now, Checks: []station.DoctorCheck{{Name: "Config", State: station.DoctorFail,
			Words: err.Error(), Hint: station.Hint(err)}}}, red
	}
	red.Add(configSecrets(cfg)...)
	red.Add(secretValues(g.secrets, cfg)...)
	pre := []station.DoctorCheck{configCheck(g, cfg)}

	lg := openLogs(g, cfg)
	defer lg.Close()
	cfgPath, _ := configFile(g)
	extra := []func(context.Context) []station.DoctorCheck{
		func(context.Context) []station.DoctorCheck { return []station.DoctorCheck{lg.doctorCheck()} },
		func(context.Context) []station.DoctorCheck {
			return []station.DoctorCheck{secretsDoctorCheck(g.secrets, cfg, cfgPath)}
		},
	}
	runExtra := func() []station.DoctorCheck {
		var out []station.DoctorCheck
		for _, x := range extra {
			out = append(out, x(ctx)...)
		}
		return out
	}

	dir := g.resolveDataDir(cfg)
	file := dataFileCheckApart(ctx, filepath.Join(dir, store.FileName))
	if file.State == station.DoctorFail {
		checks := append(pre, station.CheckDataDir(dir), file, station.DoctorCheck{Name: "Station", State: station.DoctorFail,
			Words: "not opened, so the carriers, printer and scale were not checked: the data file must not be written while it is damaged",
			Hint:  file.Hint})
		return station.DoctorReport{At: now, Checks: append(checks, runExtra()...)}, red
	}
	// The scale is not opened with the bench: a scale that cannot be
	// opened is the scale check's FAIL, not the end of the report.
	b, err := openBench(ctx, g, overrides{printer: o.printer, noScale: true})
	if err != nil {
		checks := append(pre, station.CheckDataDir(dir), file, station.DoctorCheck{Name: "Station", State: station.DoctorFail,
			Words: "cannot be opened, so the carriers, printer and scale were not checked: " + err.Error(), Hint: station.Hint(err)})
		return station.DoctorReport{At: now, Checks: append(checks, runExtra()...)}, red
	}
	defer b.Close()
	if b.site != nil {
		extra = append(extra, func(ctx context.Context) []station.DoctorCheck { return fleetDoctorCheck(ctx, b.site, b.station) })
	}
	rep := b.station.Doctor(ctx, station.DoctorOptions{
		DataFile:  &file,
		ScaleURI:  firstSet(o.scale, cfg.Station.Scale),
		Endpoints: doctorEndpoints(cfg),
		Extra:     extra,
		Timeout:   timeout,
	})
	rep.Checks = append(pre, rep.Checks...)
	return rep, red
}

// configCheck says which settings the doctor ran with.
func configCheck(g *globals, cfg config.Config) station.DoctorCheck {
	c := station.DoctorCheck{Name: "Config", State: station.DoctorOK}
	path, _ := configFile(g)
	if _, err := os.Stat(path); err == nil {
		c.Words = "settings from " + path
	} else {
		c.Words = "no config file (" + path + "): the built-in settings"
	}
	if cfg.Demo() {
		c.State = station.DoctorWarn
		c.Words += "; demo mode: bookings go to a PostNord sandbox inside the station, not to PostNord"
		c.Hint = "for real parcels set [postnord] url and apikey (LABELSTATION_POSTNORD_APIKEY) in " + path
	}
	return c
}

// dataFileCheckApart runs station.CheckDataFile in a child process (this
// command with --check-data-file): bbolt's consistency checker panics on
// some damage, and a panic there would end the doctor without a report.
// A child that dies is itself the verdict: the file is damaged.
func dataFileCheckApart(ctx context.Context, path string) station.DoctorCheck {
	self, err := exec.LookPath(os.Args[0])
	if err != nil {
		if self, err = os.Executable(); err != nil {
			return station.DoctorCheck{Name: "Data file", State: station.DoctorWarn, Words: "not checked: the doctor cannot run itself: " + err.Error()}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, self, "doctor", "--check-data-file", path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var c station.DoctorCheck
	if runErr == nil && json.Unmarshal(stdout.Bytes(), &c) == nil && c.Name != "" {
		return c
	}
	c = station.DoctorCheck{Name: "Data file", TookMS: float64(time.Since(start).Microseconds()) / 1000}
	var ee *exec.ExitError
	if errors.As(runErr, &ee) && strings.Contains(stderr.String(), "panic:") {
		first, _, _ := strings.Cut(strings.TrimPrefix(stderr.String()[strings.Index(stderr.String(), "panic:"):], "panic: "), "\n")
		c.State, c.Words = station.DoctorFail, fmt.Sprintf("%s is damaged: the consistency check stopped at a broken page (%s)", path, first)
		c.Hint = "stop packing on this station, keep a copy of the file for support, and restore the last backup of the data directory"
		return c
	}
	c.State, c.Words = station.DoctorWarn, fmt.Sprintf("not checked: %v %s", runErr, strings.TrimSpace(stderr.String()))
	return c
}

// doctorEndpoints are the services the config sends to besides the
// carriers (which the station checks itself).
func doctorEndpoints(cfg config.Config) []station.DoctorEndpoint {
	var out []station.DoctorEndpoint
	if u := cfg.WMS.Webhooks.URL; u != "" {
		out = append(out, station.DoctorEndpoint{Name: "WMS webhooks", Addr: u,
			Hint: "check the network between this PC and the WMS (firewall, proxy) and [wms.webhooks] url; events wait in the queue meanwhile"})
	}
	if cfg.Orders.Source == config.OrderSourceHTTP && cfg.Orders.HTTP.URL != "" {
		out = append(out, station.DoctorEndpoint{Name: "WMS order lookup", Addr: strings.ReplaceAll(cfg.Orders.HTTP.URL, "{ref}", "x"),
			Hint: "check the network to the WMS and [orders.http] url; orders not imported cannot be packed meanwhile"})
	}
	if e := cfg.Notify.Email; e.Host != "" {
		port := e.Port
		if port == 0 {
			port = channel.DefaultSMTPPort(e.Security)
		}
		out = append(out, station.DoctorEndpoint{Name: "SMTP server", Addr: net.JoinHostPort(e.Host, strconv.Itoa(port)),
			Hint: "check [notify.email] host, port and security, and that the firewall lets the PC out on that port"})
	}
	if s := cfg.Notify.SMS; s.Provider != "" {
		u := s.URL
		if u == "" && s.Provider == "46elks" {
			u = channel.URL46elks
		}
		out = append(out, station.DoctorEndpoint{Name: "SMS gateway", Addr: u, Hint: "check [notify.sms] url and the network"})
	}
	return out
}

// printDoctor prints the report: one line per check, the hint under it.
func printDoctor(g *globals, rep station.DoctorReport) {
	host, _ := os.Hostname()
	fmt.Fprintf(g.stdout, "labelstation doctor — %s on %s, labelstation %s\n\n", rep.At.Local().Format("2006-01-02 15:04"), host, version)
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	for _, c := range rep.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.State, c.Name, c.Words)
		if c.Hint != "" && c.State != station.DoctorOK {
			fmt.Fprintf(tw, "\t\thint: %s\n", c.Hint)
		}
	}
	tw.Flush()
	fails, warns := rep.Count(station.DoctorFail), rep.Count(station.DoctorWarn)
	switch {
	case fails+warns == 0:
		fmt.Fprintf(g.stdout, "\nall %d checks OK\n", len(rep.Checks))
	default:
		fmt.Fprintf(g.stdout, "\n%d checks: %d FAIL, %d WARN, %d OK\n", len(rep.Checks), fails, warns, len(rep.Checks)-fails-warns)
	}
}
