package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"labelstation/carrier/postnord"
	cfgfile "labelstation/config"
	"labelstation/fleet"
	"labelstation/printer"
	"labelstation/scale"
	"labelstation/secrets"
	"labelstation/station"
)

// realSettings is a SettingsSource on real parts in a temporary
// directory: the config file written with config.Save, a plain-file
// secrets store, PostNord's client and the station's doctor checks for
// Test. It mirrors cmd's (cmd/labelstation/settings_wire.go, tested
// there) closely enough for the window's tests to go through real saves
// and real connections.
type realSettings struct {
	path     string
	store    *secrets.Store
	printers []printer.Found
	scales   []scale.Found

	mu       sync.Mutex
	live     scale.Scale // ReadScale's, open
	liveURI  string
	saves    int
	last     cfgfile.Config // the last config saved
	restarts int
	setups   []string
}

func newRealSettings(t *testing.T) *realSettings {
	t.Helper()
	dir := t.TempDir()
	st, err := secrets.Open(filepath.Join(dir, "data"), secrets.Config{Backend: secrets.BackendPlain})
	if err != nil {
		t.Fatal(err)
	}
	s := &realSettings{path: filepath.Join(dir, "config", "config.toml"), store: st}
	t.Cleanup(s.ReleaseScale)
	return s
}

func (s *realSettings) Load() (cfgfile.Config, error) {
	if _, err := os.Stat(s.path); err != nil {
		return cfgfile.Default(), nil
	}
	return cfgfile.Read(s.path, true)
}

func (s *realSettings) Path() string { return s.path }

func (s *realSettings) StoredSecrets() []string { return s.store.Names() }

func (s *realSettings) fill(c *cfgfile.Config, typed map[string]string) error {
	if !c.Demo() && c.PostNord.APIKey == cfgfile.DemoAPIKey {
		c.PostNord.APIKey = ""
	}
	return c.FillSecrets(func(name string) (string, bool, error) {
		if v := typed[name]; v != "" {
			return v, true, nil
		}
		return s.store.Get(name)
	})
}

func (s *realSettings) Save(c cfgfile.Config, typed map[string]string) error {
	if err := s.fill(&c, typed); err != nil {
		return err
	}
	if _, err := cfgfile.Marshal(c); err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "fix the setting it names", Err: err}
	}
	for name, v := range typed {
		if err := s.store.Set(name, v); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.saves++
	s.last = c
	s.mu.Unlock()
	return cfgfile.Save(s.path, c)
}

func (s *realSettings) Test(ctx context.Context, c cfgfile.Config, what string) []station.DoctorCheck {
	if err := s.fill(&c, nil); err != nil {
		return []station.DoctorCheck{{Name: "Secrets", State: station.DoctorFail, Words: err.Error()}}
	}
	switch what {
	case TestPostNord:
		pn, err := postnord.New(postnord.Config{BaseURL: c.PostNord.URL, APIKey: c.PostNord.APIKey})
		if err != nil {
			return []station.DoctorCheck{{Name: "PostNord", State: station.DoctorFail, Words: err.Error()}}
		}
		return station.CheckCarrier(ctx, pn, c.CarrierConsignor(), c.Station.DefaultService, "PostNord "+c.PostNord.URL)
	case TestPrinter:
		return []station.DoctorCheck{station.CheckPrinterAt(ctx, c.Station.Printer)}
	case TestScale:
		return []station.DoctorCheck{station.CheckScaleAt(ctx, c.Station.Scale)}
	case TestWebhooks:
		return []station.DoctorCheck{station.CheckEndpoint(ctx, station.DoctorEndpoint{Name: "WMS webhooks", Addr: c.WMS.Webhooks.URL})}
	case TestFleet:
		// As cmd does (siteServerCheck): open the site (no network) and
		// read its schema's state with the read-only Check, which creates
		// nothing on a server the person has only typed in (Ping would
		// apply the schema).
		site, err := fleet.Open(fleet.Config{URL: c.Fleet.PostgresURL, Password: c.Fleet.Password, Station: valueOr(c.Station.Name, "bench"), ConnectTimeout: 2 * time.Second})
		if err != nil {
			return []station.DoctorCheck{{Name: "Site server", State: station.DoctorFail, Words: err.Error()}}
		}
		defer site.Close()
		schema, err := site.Check(ctx)
		if err != nil {
			return []station.DoctorCheck{{Name: "Site server", State: station.DoctorFail, Words: err.Error()}}
		}
		return []station.DoctorCheck{{Name: "Site server", State: station.DoctorOK,
			Words: fmt.Sprintf("%s answers as bench %s, schema version %d of %d", site.Server(), site.Station(), schema.Applied, schema.Newest)}}
	}
	return nil
}

func (s *realSettings) Printers(context.Context) ([]printer.Found, error) { return s.printers, nil }
func (s *realSettings) Scales(context.Context) ([]scale.Found, error)     { return s.scales, nil }

func (s *realSettings) TestPrint(ctx context.Context, c cfgfile.Config, uri string) error {
	p, err := printer.Open(uri)
	if err != nil {
		return err
	}
	defer p.Close()
	return p.Print(ctx, printer.Job{Name: "test label", Format: "zpl", Data: station.TestLabel(c.Consignor.Name, time.Now())})
}

func (s *realSettings) ReadScale(ctx context.Context, uri string) (scale.Reading, error) {
	s.mu.Lock()
	if s.liveURI != uri && s.live != nil {
		s.live.Close()
		s.live = nil
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
		r, err := sc.Read(ctx)
		if err == nil || ctx.Err() != nil {
			return r, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *realSettings) ReleaseScale() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live != nil {
		s.live.Close()
		s.live = nil
	}
}

func (s *realSettings) Restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restarts++
}

func (s *realSettings) RecordSetup(outcome string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if outcome == "" {
		return errors.New("no outcome")
	}
	s.setups = append(s.setups, outcome)
	return nil
}

func (s *realSettings) counts() (saves, restarts int, setups []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves, s.restarts, append([]string(nil), s.setups...)
}

// fileHolds reports whether the file at path contains any of words.
func fileHolds(t *testing.T, path string, words ...string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range words {
		if strings.Contains(string(b), w) {
			return true
		}
	}
	return false
}
