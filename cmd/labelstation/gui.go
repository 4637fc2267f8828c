package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"labelstation/app"
	"labelstation/assets"
	"labelstation/station"
)

// runGUI opens the pack screen on a fully wired station. In demo mode an
// empty store is given the sample orders first, so the first scan works.
func runGUI(ctx context.Context, g *globals) error {
	b, err := openBench(ctx, g, overrides{})
	if err != nil {
		// Started from a desktop entry there is no terminal for the
		// error (a second station on a locked data file, a broken
		// config): say it in a window too.
		showStartError(err)
		return err
	}
	defer b.Close()
	// Fyne's and the standard library's log lines go to the same file.
	slog.SetDefault(b.logs.Logger())
	if b.cfg.Demo() {
		if n, err := b.store.CountOrders(); err == nil && n == 0 {
			if _, err := b.station.ImportOrders(ctx, "sample-orders.csv", bytes.NewReader(assets.SampleOrdersCSV)); err != nil {
				return fmt.Errorf("import demo orders: %w", err)
			}
		}
		if err := seedDemoNotify(b.store, b.cfg, g.notes); err != nil {
			return err
		}
	}
	a := fyneapp.NewWithID("io.labelstation.app")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
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
		return err
	}
	if folder != nil {
		bg.Go(func() { folder.Run(syncCtx) })
	}
	app.Run(ctx, a, b.station, title, app.WithDashboard(b.station))
	stopSync()
	bg.Wait()
	return nil
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
	a := fyneapp.NewWithID("io.labelstation.app")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	app.StartErrorWindow(a, err.Error(), station.Hint(err)).ShowAndRun()
}
