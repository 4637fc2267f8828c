// Package app owns labelstation's Fyne GUI: the pack screen a packer works
// at all shift (scan field, order, live weight, print/reprint, last label,
// status bar), the queue view, and later the dashboard and settings.
//
// The GUI holds no business logic. Every button and key calls one method of
// the station facade (see Station); this package only decides what the
// packer sees and keeps the bench responsive: station calls run off the UI
// goroutine and their results come back through fyne.Do. It never creates
// the fyne.App: cmd/labelstation does, and hands it to Run.
//
// # Pack flow
//
// The scan field always has the keyboard focus, because a barcode scanner
// is a keyboard that types the code and then Enter (or Tab). Every action
// gives the focus back to it, and keys typed while nothing has the focus
// are delivered to it, so a scan is never typed into the void.
//
//  1. Scan an order: it is looked up (Station.Order) and shown.
//  2. Print it: Print button, F9, or a second scan of the same code. This
//     works at once, even before the lookup answered (Station.Pack looks
//     the order up itself). A third scan only shows the order again; the
//     station refuses to pack an order twice and says so (F10 reprints).
//  3. F10 (or Reprint last) reprints the last label printed.
//
// With the ScanPrints option every scan prints at once, for benches where
// the parcel is on the scale before its barcode is scanned.
//
// Errors appear in a red banner under the scan field, in the station's
// words plus station.Hint, never as a modal dialog: scanning goes on, and
// the next successful action clears it. Amber banners tell the packer to
// do something without anything having failed.
//
// # Print queue and weight
//
// Prints and reprints go to one FIFO queue served by one worker goroutine:
// labels come out of the printer in the order the packer asked for them,
// no request is dropped, and the packer can scan and see the next order
// while the previous label is still being booked and printed.
//
// The weight booked is the one on the scale when the packer asks for the
// label. When the queue is idle the station reads a stable weight itself
// (PackOptions.Weight 0). When a label is still in progress the new job has
// to wait, and by the time it runs this parcel may be off the scale, so
// the screen pins the stable weight shown at the moment of the request; if
// the scale is still settling (or silent) it asks the packer to press F9
// again rather than guess. When the station weighs the parcel itself, the
// screen passes the stable weight shown at Print as PackOptions.Seen, and
// the station refuses a weight that changed since.
//
// Under the weight the scale's state is spelled out (stable, settling,
// zero, below zero, overload, underload, fault, scale disconnected, no
// scale). The Scale… button beside it opens the scale settings dialog
// (scalesettings.go) when the station offers ScaleSettings: find serial
// ports and USB scales, probe a port for its protocol, read a test weight,
// and switch the station to the scale.
//
// # Offline and the bookings queue
//
// When the station offers OutboxQueue, a "Work offline" switch and a
// Queue… button sit beside the scan field. The status bar's carrier cell
// says "online" in green; while the carrier cannot be reached (or the
// switch is on) it turns amber and a strip under the cells says since
// when, whether labels come from the consignor's own id series, and how
// many bookings wait. The switch calls SetOffline and follows
// Status.OfflineForced. A label printed offline is said calmly in the
// order and last-label lines, not as an error; PackResult.Warning (the id
// series runs low) comes up in the amber banner.
//
// Queue… opens the queue view (queueview.go): the open and refused
// bookings with their state in words (offline label, held, refused …),
// item id, attempts, last error and what to do, each with Retry and
// Cancel (a reason is asked for and confirmed); Sync now, with what it
// did in words; and the day's parcels the carrier heard of late. It asks
// for the lists again after each action and every QueueEvery while it is
// open.
//
// # Dashboard
//
// With WithDashboard the pack screen has a Dashboard… button that opens
// the supervisor's dashboard in its own window (dashboard.go): a date and
// a window of 1, 30 or 90 days, KPI cards with their state in words and
// colour, shipments and
// deliveries per day, the parcels' statuses, a table per country and the
// problem parcels, each opening its tracking history (TrackingSource).
// It refreshes every DashboardEvery and on every tracking status change;
// one report request runs at a time. Every button has a Ctrl key, listed
// in the window's Dashboard menu.
//
// # Fleet mode
//
// When the station is one of a site's benches (FleetDesk, FleetOn), the
// status bar has a fifth cell, Site: "Site: connecting…" until the bench
// first reaches for the server, then "Site OK" or "Site: cut off ·
// conflicts: 2 · 12 waiting", "· polling" while this bench polls Track &
// Trace for the site. The dashboard (dashboard_site.go) gets a view selector (this
// bench; the site, all benches; one bench of the site, from SiteSource),
// the site's benches and claim conflicts in the site views, and this
// bench's claim conflicts with Resolve… (the supervisor's, a note
// required) and Sync with the site. A site that cannot be reached is said
// in the window; this bench's own view needs no server. Settings has a
// Site (fleet) page: the server's address, its password (a secret), and
// the intervals.
//
// # Settings, first run and the secrets' passphrase
//
// With WithSettings, F2 opens the settings window (settings*.go) for
// supervisors: one page per part of the config file, every value checked as
// it is typed, Save through SettingsSource (config.Save, secrets to the
// secrets store, never the TOML), and Test connection on each page with the
// settings on screen, not yet saved. The station is wired at start, so a
// save offers Restart now. cmd runs the first-run wizard (wizard.go: try
// the demo, or carrier, printer, scale, sender) when no config file exists,
// and asks for the passphrase of a locked secrets file (passphrase.go).
//
// # Languages
//
// Every text a person reads goes through Fyne's lang package with the
// English text as its id; the catalogues are in i18n/translations, one file
// per screen topic and language (en, sv, da, nb, fi). Station errors come
// translated through their Problem ID (problem.go). The i18n tests fail on
// a string literal with words that reaches the screen without lang, on an
// id missing from a catalogue, and on a language missing a message.
//
// # Keys and sounds
//
// Every action has a key (shortcuts.go): the pack screen's are function
// keys in the window's Station menu — F2 Settings…, F3 Printer…, F4
// Scale…, F5 Queue…, F6 Notifications…, F7 Returns…, F8 Dashboard…, F9
// Print, F10 Reprint last, F11 Work offline, F12 supervisor sign-in/Lock;
// Alt+P PIN…, and Alt+R / Alt+D / Alt+Y on the first label not printed.
// Dialogs in the main window (Queue, Returns) add their own menu of
// Ctrl+letter keys while open; windows of their own (Notifications,
// Dashboard, Settings) have theirs. A key is shown on its button, and the
// tests check every visible button has one. Cues (a chime when a label
// printed, a buzz with the red banner, a tone with the amber one) come
// from WithCues; states are always said in words as well as colour.
package app
