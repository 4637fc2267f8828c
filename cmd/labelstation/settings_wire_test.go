package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"labelstation/app"
	"labelstation/config"
	"labelstation/printer/zplsim"
	"labelstation/secrets"
	"labelstation/station"
)

// settingsFixture is a settings source on a temporary config file and
// data directory, with the secrets in the plain file (no keyring in
// tests).
func settingsFixture(t *testing.T) (*settingsSource, *globals) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv(secrets.BackendEnv, secrets.BackendPlain)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg-config"))
	g := &globals{dataDir: filepath.Join(dir, "data"), configPath: filepath.Join(dir, "config.toml")}
	return newSettingsSource(g, g.configPath, g.dataDir), g
}

// Save writes the file atomically without the secrets, which go to the
// store; the station then loads the config with them.
func TestSettingsSaveKeepsSecretsInTheStore(t *testing.T) {
	s, g := settingsFixture(t)
	cfg, err := s.Load()
	if err != nil || !cfg.Demo() {
		t.Fatalf("a missing file loads the demo settings: %v %+v", err, cfg.PostNord)
	}
	cfg.PostNord.URL = "https://atapi2.postnord.com"
	cfg.Station.Name = "Bench 7"
	if err := s.Save(cfg, map[string]string{"postnord.apikey": "wire-secret-key-99"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "wire-secret-key-99") {
		t.Fatal("the config file holds the key")
	}
	st, err := openSecrets(g.resolveDataDir(cfg), s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := st.Get("postnord.apikey"); err != nil || !ok || v != "wire-secret-key-99" {
		t.Fatalf("store: %q %v %v", v, ok, err)
	}
	// The station's own load: file, then the store.
	loaded, err := loadConfig(&globals{dataDir: g.dataDir, configPath: g.configPath})
	if err != nil {
		t.Fatal(err)
	}
	if loaded.PostNord.APIKey != "wire-secret-key-99" || loaded.Station.Name != "Bench 7" {
		t.Errorf("loaded %+v", loaded.PostNord)
	}
	if names := s.StoredSecrets(); len(names) != 1 || names[0] != "postnord.apikey" {
		t.Errorf("stored secrets %v", names)
	}

	// A setting config refuses: nothing written, the setting named.
	cfg.PostNord.LabelType = "huge"
	err = s.Save(cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "postnord.label_type") || station.Hint(err) == "" {
		t.Fatalf("bad label type saved: %v", err)
	}
	if after, _ := os.ReadFile(s.Path()); string(after) != string(data) {
		t.Error("a refused save changed the file")
	}
	// A real address without any key anywhere is refused too.
	s2, _ := settingsFixture(t)
	bare := config.Default()
	bare.PostNord.URL = "https://api2.postnord.com"
	if err := s2.Save(bare, nil); err == nil || !strings.Contains(err.Error(), "postnord.apikey") {
		t.Fatalf("a real address without a key: %v", err)
	}
}

// Load reads the file as written: the environment's overrides are not
// put into the settings (saving would write them into the file).
func TestSettingsLoadIgnoresTheEnvironment(t *testing.T) {
	s, _ := settingsFixture(t)
	if err := config.Save(s.Path(), config.Default()); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LABELSTATION_POSTNORD_URL", "https://from-the-environment.example")
	cfg, err := s.Load()
	if err != nil || cfg.PostNord.URL != "" {
		t.Fatalf("loaded %q, %v", cfg.PostNord.URL, err)
	}
}

// Test builds throwaway parts from the settings on screen: the demo's
// in-process sandboxes (PostNord and STG) over HTTP, a simulated Zebra on
// loopback, the simulated scale, and says a closed port in words.
func TestSettingsTestOnRealParts(t *testing.T) {
	s, _ := settingsFixture(t)
	ctx := context.Background()
	demo := config.Default()
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := ln.Addr().String()
		ln.Close()
		return a
	}()
	ok := func(what string, checks []station.DoctorCheck) {
		t.Helper()
		if len(checks) == 0 {
			t.Fatalf("%s: no checks", what)
		}
		for _, c := range checks {
			if c.State != station.DoctorOK {
				t.Errorf("%s: %s %s: %s", what, c.State, c.Name, c.Words)
			}
		}
	}
	failed := func(what string, checks []station.DoctorCheck, words string) {
		t.Helper()
		for _, c := range checks {
			if c.State == station.DoctorFail && strings.Contains(strings.ToLower(c.Words), words) {
				return
			}
		}
		t.Errorf("%s: no FAIL saying %q in %+v", what, words, checks)
	}

	ok("demo PostNord", s.Test(ctx, demo, app.TestPostNord))
	ok("demo STG", s.Test(ctx, demo, app.TestSTG))
	down := demo
	down.PostNord.URL, down.PostNord.APIKey = "http://"+closed, "some-key"
	failed("PostNord on a closed port", s.Test(ctx, down, app.TestPostNord), "")

	zebra, err := zplsim.Listen("127.0.0.1:0", zplsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer zebra.Close()
	withPrinter := demo
	withPrinter.Station.Printer = zebra.URI()
	ok("simulated Zebra", s.Test(ctx, withPrinter, app.TestPrinter))
	withPrinter.Station.Printer = "tcp://" + closed
	failed("printer on a closed port", s.Test(ctx, withPrinter, app.TestPrinter), "refused")

	ok("simulated scale", s.Test(ctx, demo, app.TestScale))
	noScale := demo
	noScale.Station.Scale = "serial:///dev/labelstation-no-such-port?protocol=sics"
	failed("scale on a missing port", s.Test(ctx, noScale, app.TestScale), "")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	mail := demo
	mail.Notify.Email.Host, mail.Notify.Email.Port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	ok("SMTP server listening", s.Test(ctx, mail, app.TestEmail))
	hooks := demo
	hooks.WMS.Webhooks.URL = "http://" + closed + "/hooks"
	failed("webhooks on a closed port", s.Test(ctx, hooks, app.TestWebhooks), "cannot be reached")
	if c := s.Test(ctx, demo, app.TestSMS); len(c) != 1 || c[0].State != station.DoctorWarn {
		t.Errorf("SMS not set up: %+v", c)
	}

	// The site's server: off says so; a closed port fails in words (the
	// fleet tests try a real server).
	if c := s.Test(ctx, demo, app.TestFleet); len(c) != 1 || c[0].State != station.DoctorWarn || !strings.Contains(c[0].Words, "fleet mode is off") {
		t.Errorf("fleet off: %+v", c)
	}
	site := demo
	site.Fleet.PostgresURL, site.Fleet.Password = "postgres://labelstation@"+closed+"/site?sslmode=disable", "pg-pass-on-screen"
	checks := s.Test(ctx, site, app.TestFleet)
	failed("site server on a closed port", checks, "refused")
	if strings.Contains(fmt.Sprint(checks), "pg-pass-on-screen") {
		t.Errorf("the password shows: %+v", checks)
	}

	// A test print on the simulated Zebra arrives there.
	if err := s.TestPrint(ctx, demo, zebra.URI()); err != nil {
		t.Fatal(err)
	}
	if got := zebra.WaitLabels(1, 5*time.Second); len(got) != 1 || !strings.Contains(got[0], "Demo Webshop AB") {
		t.Errorf("printed %q", got)
	}
}

// The wizard's record in the data file keeps it from coming back; a
// given config file, the skip variable or an existing file skip it too.
func TestSetupRecordAndNeedsSetup(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	t.Setenv(skipSetupEnv, "")
	os.Unsetenv(skipSetupEnv)
	t.Setenv("LABELSTATION_POSTNORD_URL", "")
	os.Unsetenv("LABELSTATION_POSTNORD_URL")
	g := &globals{dataDir: filepath.Join(dir, "data")}
	path, explicit := configFile(g)
	if !needsSetup(g, path, explicit) {
		t.Fatal("a fresh station does not run the wizard")
	}
	if needsSetup(&globals{dataDir: g.dataDir, configPath: filepath.Join(dir, "given.toml")}, filepath.Join(dir, "given.toml"), true) {
		t.Error("a given --config runs the wizard")
	}
	t.Setenv(skipSetupEnv, "1")
	if needsSetup(g, path, explicit) {
		t.Error(skipSetupEnv + " does not skip the wizard")
	}
	os.Unsetenv(skipSetupEnv)
	s := newSettingsSource(g, path, g.dataDir)
	if err := s.RecordSetup(app.SetupDemo); err != nil {
		t.Fatal(err)
	}
	if !setupRecorded(g.dataDir) || needsSetup(g, path, explicit) {
		t.Error("the demo's record does not keep the wizard away")
	}
}
