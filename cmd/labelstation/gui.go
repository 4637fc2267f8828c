package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"labelstation/app"
	"labelstation/app/i18n"
	"labelstation/assets"
	"labelstation/config"
	"labelstation/secrets"
	"labelstation/station"
)

// skipSetupEnv set (to anything) keeps the first-run wizard away: for
// scripts and tests that start the demo GUI on a fresh data directory.
const skipSetupEnv = "LABELSTATION_SKIP_SETUP"

// passphraseGivenEnv marks a passphrase the GUI's window put into the
// environment for the restart it asked for, so the station takes it back
// out once its secrets are open (a service's own stays).
const passphraseGivenEnv = "LABELSTATION_SECRETS_PASSPHRASE_FROM_GUI"

// runGUI opens the pack screen on a fully wired station. Before it, a
// station with no config file runs the first-run wizard, and one whose
// secrets are locked asks for the passphrase, each in a window of its
// own; then, as after "Restart now" in the settings, the station starts
// again (Fyne runs one app per process).
func runGUI(ctx context.Context, g *globals) error {
	again, err := runGUIOnce(ctx, g)
	if err != nil || !again {
		return err
	}
	return restartSelf()
}

// newFyneApp is the station's Fyne app, with its id and icon.
func newFyneApp() fyne.App {
	a := fyneapp.NewWithID("io.labelstation.app")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	return a
}

// useLanguage switches the screens to the config's language before any
// window is made. A value the station does not speak is refused (logged)
// and the computer's language is used.
func useLanguage(cfg config.Config) error {
	if _, err := i18n.Use(cfg.Station.Language); err != nil {
		i18n.Use("auto")
		return err
	}
	return nil
}

// needsSetup reports whether the first-run wizard should run: no config
// file given or found, no environment that sets the carrier up, and no
// record in the data file that setup was done or the demo chosen.
func needsSetup(g *globals, path string, explicit bool) bool {
	if explicit || g.skipSetup || os.Getenv(skipSetupEnv) != "" || g.postnordURL != "" || os.Getenv("LABELSTATION_POSTNORD_URL") != "" {
		return false
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	return !setupRecorded(g.resolveDataDir(config.Default()))
}

// lockedSecrets is the secrets store when it is an encrypted file without
// its passphrase and cfg (the config file at path) needs a secret from it.
func lockedSecrets(g *globals, cfg config.Config, path string) (*secrets.Store, bool) {
	g.applyFlags(&cfg)
	st, err := openSecrets(g.resolveDataDir(cfg), path)
	if err != nil || !st.Locked() || st.NewFile() {
		return nil, false
	}
	needed := false
	cfg.FillSecrets(func(string) (string, bool, error) { needed = true; return "", false, nil })
	return st, needed
}

// runGUIOnce is one start of the GUI; restart says the station should
// start again (after the wizard, the passphrase, or Restart now).
func runGUIOnce(ctx context.Context, g *globals) (restart bool, err error) {
	if err := takeHandedPassphrase(); err != nil {
		slog.Warn("passphrase from the previous start not read", "err", err)
	}
	// Read once, for the language and the secrets' lock.
	path, explicit := configFile(g)
	cfg, readErr := config.Read(path, explicit)
	langErr := useLanguage(cfg)
	if langErr != nil {
		slog.Warn("station.language refused; the computer's language is used", "err", langErr)
	}
	if needsSetup(g, path, explicit) {
		switch app.RunWizard(newFyneApp(), newSettingsSource(g, path, g.resolveDataDir(cfg))) {
		case app.SetupDemo, app.SetupSaved:
			return true, nil
		}
		return false, nil // closed: nothing recorded, so it comes back at the next start
	}
	var st *secrets.Store
	locked := false
	if readErr == nil { // else openBench says what is wrong with the file
		st, locked = lockedSecrets(g, cfg, path)
	}
	if locked {
		unlock := func(pass string) error {
			if err := st.Unlock(pass); err != nil {
				return err
			}
			// For the restart: the new process opens the file with it,
			// handed over through a pipe, never the environment.
			return handOverPassphrase(pass)
		}
		if !app.AskPassphrase(newFyneApp(), st.Where(), unlock) {
			return false, &station.Problem{Msg: "the secrets in " + st.Where() + " are locked, so the station did not start",
				Hint: "start it again and type the passphrase, or set " + secrets.PassphraseEnv + " for the station's user"}
		}
		return true, nil
	}
	b, err := openBench(ctx, g, overrides{})
	if err != nil {
		// Started from a desktop entry there is no terminal for the
		// error (a second station on a locked data file, a broken
		// config): say it in a window too.
		showStartError(err)
		return false, err
	}
	defer b.Close()
	if os.Getenv(passphraseGivenEnv) != "" {
		// The secrets are open: the passphrase leaves the environment, so
		// no process the station starts (lp, the doctor) inherits it.
		os.Unsetenv(secrets.PassphraseEnv)
		os.Unsetenv(passphraseGivenEnv)
	}
	// Fyne's and the standard library's log lines go to the same file.
	slog.SetDefault(b.logs.Logger())
	if langErr != nil {
		slog.Warn("station.language refused; the computer's language is used", "err", langErr, "language", i18n.Current())
	}
	if b.cfg.Demo() {
		if n, err := b.store.CountOrders(); err == nil && n == 0 {
			if _, err := b.station.ImportOrders(ctx, "sample-orders.csv", bytes.NewReader(assets.SampleOrdersCSV)); err != nil {
				return false, fmt.Errorf("import demo orders: %w", err)
			}
		}
		if err := seedDemoNotify(b.store, b.cfg, g.notes); err != nil {
			return false, err
		}
	}
	a := newFyneApp()
	title := "labelstation"
	if b.cfg.Demo() {
		title += " — demo (PostNord sandbox)"
	}
	// The queue sync runs for as long as the window is open: offline
	// bookings go out when the network returns.
	// So does the tracking poller: the dashboard's figures follow the
	// carrier's events.
	syncCtx, stopSync := context.WithCancel(ctx)
	var bg sync.WaitGroup
	bg.Go(func() { b.station.RunSync(syncCtx) })
	bg.Go(func() { b.station.RunTracking(syncCtx) })
	// On a site: the pushes and pulls, and the site's one tracking
	// poller when this bench's turn comes (RunTracking then stays idle).
	bg.Go(func() { b.runFleet(syncCtx, nil) })
	// And the webhooks to the WMS, when they are on, the notifications,
	// and the returns' tracking (a return moves in days; every 30 minutes
	// is plenty).
	bg.Go(func() { b.station.RunWebhooks(syncCtx) })
	bg.Go(func() { b.station.RunNotifications(syncCtx) })
	bg.Go(func() { syncReturnsEvery(syncCtx, b, 30*time.Minute) })
	// And the watched order folder, when orders come that way.
	folder, err := orderFolder(b.cfg, b.station)
	if err != nil {
		stopSync()
		bg.Wait()
		return false, err
	}
	if folder != nil {
		bg.Go(func() { folder.Run(syncCtx) })
	}
	settings := newSettingsSource(g, path, b.dataDir)
	cues, stopCues := benchCues(b.cfg, b.logs.Logger())
	defer stopCues()
	app.Run(ctx, a, b.station, title, app.WithDashboard(b.station), app.WithSettings(settings), app.WithCues(cues))
	stopSync()
	bg.Wait()
	return settings.restart.Load() && ctx.Err() == nil, nil
}

// syncReturnsEvery asks the carriers about the open returns now and then
// every interval until ctx ends. Failures are logged by the station and
// tried again next time.
func syncReturnsEvery(ctx context.Context, b *bench, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		b.station.SyncReturns(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// showStartError shows why the station could not start in a small window,
// when there is a display to show it on.
func showStartError(err error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" && runtime.GOOS == "linux" {
		return
	}
	app.StartErrorWindow(newFyneApp(), err.Error(), station.Hint(err)).ShowAndRun()
}
