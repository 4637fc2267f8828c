package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"labelstation/app"
	"labelstation/carrier"
	"labelstation/config"
	"labelstation/printer"
	"labelstation/scale"
	"labelstation/secrets"
	"labelstation/station"
	"labelstation/store"
)

// The settings window's and the first-run wizard's side in cmd: reading
// the config file as it is written, saving it (config.Save: atomic,
// validated, no secrets) with the secrets in the secrets store, and tests
// of settings not yet saved, on throwaway parts made from them (the
// carriers as openBench makes them, the printer, the scale) with the
// doctor's checks (station/settings_check.go).

// settingsSource is app.SettingsSource and app.WizardSource.
type settingsSource struct {
	g       *globals
	path    string // the config file Save writes
	dataDir string

	mu      sync.Mutex
	secrets *secrets.Store // the station's (g.secrets), or opened at first need
	live    scale.Scale    // ReadScale's, kept open for a live reading
	liveURI string
	restart atomic.Bool
}

var _ app.WizardSource = (*settingsSource)(nil)

// newSettingsSource is the settings of the station g starts: its config
// file at path (configFile's) and its data directory.
func newSettingsSource(g *globals, path, dataDir string) *settingsSource {
	return &settingsSource{g: g, path: path, dataDir: dataDir, secrets: g.secrets}
}

func (s *settingsSource) Load() (config.Config, error) { return config.ReadFile(s.path) }

func (s *settingsSource) Path() string { return s.path }

// store is the secrets store: the station's, or the data directory's
// opened now (the wizard runs before any station).
func (s *settingsSource) store() (*secrets.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secrets != nil {
		return s.secrets, nil
	}
	st, err := openSecrets(s.dataDir, s.path)
	if err != nil {
		return nil, err
	}
	s.secrets = st
	return st, nil
}

func (s *settingsSource) StoredSecrets() []string {
	st, err := s.store()
	if err != nil || st.Locked() {
		return nil
	}
	return st.Names()
}

// fill fills the secrets cfg uses and does not hold: the ones typed on
// screen first, then the environment's (which wins at start), then the
// store's. The demo key never stands for a real PostNord key.
func (s *settingsSource) fill(cfg *config.Config, typed map[string]string) error {
	if !cfg.Demo() && cfg.PostNord.APIKey == config.DemoAPIKey {
		cfg.PostNord.APIKey = ""
	}
	return cfg.FillSecrets(func(name string) (string, bool, error) {
		if v := typed[name]; v != "" {
			return v, true, nil
		}
		if env := config.SecretEnv[name]; env != "" {
			if v, ok := os.LookupEnv(env); ok && v != "" {
				return v, true, nil
			}
		}
		st, err := s.store()
		if err != nil {
			return "", false, err
		}
		return st.Get(name)
	})
}

// Save checks cfg as the station will at start, stores the secrets, then
// writes the file. A refusal names the setting (config's words), so the
// window shows it on its page.
func (s *settingsSource) Save(cfg config.Config, typed map[string]string) error {
	full := cfg
	if err := s.fill(&full, typed); err != nil {
		return &station.Problem{Msg: err.Error(), Hint: firstSet(secrets.HintOf(err), "type the secret on its page, or store it with labelstation secret set NAME"), Err: err}
	}
	if _, err := config.Marshal(full); err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "fix the setting it names, then press Save again", Err: err}
	}
	if len(typed) > 0 {
		st, err := s.store()
		if err != nil {
			return err
		}
		for _, name := range sortedNames(typed) {
			if err := st.Set(name, strings.TrimSpace(typed[name])); err != nil {
				return secretProblem(err)
			}
		}
	}
	if err := config.Save(s.path, full); err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "check that the config file's folder can be written", Err: err}
	}
	return nil
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Test checks one part of cfg, as on screen.
func (s *settingsSource) Test(ctx context.Context, cfg config.Config, what string) []station.DoctorCheck {
	full := cfg
	if err := s.fill(&full, nil); err != nil {
		return []station.DoctorCheck{{Name: "Secrets", State: station.DoctorFail, Words: err.Error(), Hint: secrets.HintOf(err)}}
	}
	switch what {
	case app.TestPostNord, app.TestSTG:
		return testCarrier(ctx, full, what)
	case app.TestPrinter:
		return []station.DoctorCheck{station.CheckPrinterAt(ctx, full.Station.Printer)}
	case app.TestScale:
		return []station.DoctorCheck{station.CheckScaleAt(ctx, full.Station.Scale)}
	case app.TestFleet:
		return []station.DoctorCheck{testFleet(ctx, full)}
	}
	names := map[string]string{app.TestOrders: "WMS order lookup", app.TestWebhooks: "WMS webhooks", app.TestEmail: "SMTP server", app.TestSMS: "SMS gateway"}
	var out []station.DoctorCheck
	for _, ep := range doctorEndpoints(full) {
		if ep.Name == names[what] {
			out = append(out, station.CheckEndpoint(ctx, ep))
		}
	}
	if len(out) == 0 {
		out = append(out, station.DoctorCheck{Name: names[what], State: station.DoctorWarn, Words: "not set up: there is no address to connect to",
			Hint: "fill in the address first", ID: "doctor.not_set_up.endpoint", Data: map[string]any{"Endpoint": names[what]}})
	}
	return out
}

// testCarrier opens the carrier as openBench would (a sandbox in this
// process for the demo) and runs the doctor's checks of it.
func testCarrier(ctx context.Context, cfg config.Config, which string) []station.DoctorCheck {
	b := &bench{cfg: cfg}
	defer b.Close()
	var c carrier.Carrier
	var name string
	var err error
	if which == app.TestSTG {
		if !cfg.STGEnabled() {
			return []station.DoctorCheck{{Name: "STG", State: station.DoctorWarn, Words: "STG is off: it has no address", Hint: "fill in STG's address to use it", ID: "doctor.stg.off"}}
		}
		c, name, err = b.openSTG()
	} else {
		c, name, err = b.openCarrier()
	}
	if err != nil {
		return []station.DoctorCheck{{Name: carrierTitle(which), State: station.DoctorFail, Words: err.Error(), Hint: station.Hint(err)}}
	}
	return station.CheckCarrier(ctx, c, cfg.CarrierConsignor(), cfg.Station.DefaultService, name)
}

func carrierTitle(which string) string {
	if which == app.TestSTG {
		return "STG"
	}
	return "PostNord"
}

func (s *settingsSource) Printers(ctx context.Context) ([]printer.Found, error) {
	found, problems := printer.Discover(ctx)
	if len(found) == 0 && len(problems) > 0 {
		return nil, &station.Problem{Msg: fmt.Sprintf("no printers found: %v", errors.Join(problems...)), Hint: "type the printer's address instead"}
	}
	return found, nil
}

func (s *settingsSource) Scales(ctx context.Context) ([]scale.Found, error) {
	found, err := scale.List()
	if err != nil {
		return nil, &station.Problem{Msg: err.Error(), Hint: "type the scale's address instead", Err: err}
	}
	return found, nil
}

// TestPrint prints the station's test label on the printer at uri (the
// preview printer for "").
func (s *settingsSource) TestPrint(ctx context.Context, cfg config.Config, uri string) error {
	uri = firstSet(strings.TrimSpace(uri), previewPrinterURI(s.g.resolveDataDir(cfg)))
	return station.TestPrintAt(ctx, uri, cfg.Consignor.Name)
}

// ReadScale reads the scale at uri, kept open between calls for the same
// uri (the wizard's live reading: a scale just opened is still
// settling); another uri closes it first.
func (s *settingsSource) ReadScale(ctx context.Context, uri string) (scale.Reading, error) {
	s.mu.Lock()
	if s.liveURI != uri {
		s.releaseScaleLocked()
	}
	if s.live == nil {
		sc, err := scale.Open(uri)
		if err != nil {
			s.mu.Unlock()
			return scale.Reading{}, err
		}
		s.live, s.liveURI = sc, uri
	}
	sc := s.live
	s.mu.Unlock()
	for {
		// A scale just opened may report a connection error before its
		// first reading.
		r, err := sc.Read(ctx)
		if err == nil || ctx.Err() != nil {
			return r, err
		}
		select {
		case <-ctx.Done():
			return r, err
		case <-time.After(150 * time.Millisecond):
		}
	}
}

// ReleaseScale closes the scale ReadScale keeps open.
func (s *settingsSource) ReleaseScale() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseScaleLocked()
}

func (s *settingsSource) releaseScaleLocked() {
	if s.live != nil {
		s.live.Close()
	}
	s.live, s.liveURI = nil, ""
}

func (s *settingsSource) Restart() { s.restart.Store(true) }

// setupSetting is the data file's record of the first-run wizard.
const setupSetting = "setup"

type setupRecord struct {
	Outcome string    `json:"outcome"` // app.SetupDemo or app.SetupSaved
	At      time.Time `json:"at"`
}

func (s *settingsSource) RecordSetup(outcome string) error {
	st, err := store.Open(s.dataDir, store.Options{LockTimeout: time.Second})
	if err != nil {
		return err
	}
	defer st.Close()
	return st.PutSetting(setupSetting, setupRecord{Outcome: outcome, At: time.Now()})
}

// setupRecorded reports whether the data file in dir says setup was done
// or the demo chosen. A data file that cannot be opened (another station
// holds it) counts as recorded: the start reports the problem itself.
func setupRecorded(dir string) bool {
	st, err := store.Open(dir, store.Options{LockTimeout: time.Second})
	if err != nil {
		return true
	}
	defer st.Close()
	var rec setupRecord
	ok, err := st.Setting(setupSetting, &rec)
	return ok || err != nil
}

// restartSelf starts the station again with the same arguments: the
// process replaces itself (on Windows a new process starts and this one
// ends). Everything this one held (the data file's lock, the log) must be
// closed first.
func restartSelf() error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	if runtime.GOOS == "windows" {
		cmd := exec.Command(self, os.Args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if handoverStdin != nil {
			cmd.Stdin = handoverStdin // the passphrase (handover.go)
		}
		cmd.Env = os.Environ()
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("restart: %w", err)
		}
		return cmd.Process.Release()
	}
	return syscall.Exec(self, os.Args, os.Environ())
}
