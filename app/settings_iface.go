package app

import (
	"context"

	cfgfile "labelstation/config"
	"labelstation/printer"
	"labelstation/scale"
	"labelstation/station"
)

// SettingsSource is what the settings window and the first-run wizard
// need from cmd (the config package is imported as cfgfile: app has its
// own config type, the pack screen's options): the config file, saving it
// with its secrets, and tests of a connection with settings not yet
// saved.
type SettingsSource interface {
	// Load returns the config as the file says it (secrets not filled in,
	// no environment overrides), or the demo settings without a file.
	Load() (cfgfile.Config, error)
	// Path is the config file Save writes.
	Path() string
	// StoredSecrets names the secrets the secrets store holds (never
	// their values); nil when it cannot tell (a locked store).
	StoredSecrets() []string
	// Save writes cfg to the config file (atomically, validated, no secret
	// in it) and secrets (name → value, typed on screen) to the secrets
	// store. The secrets cfg uses that were not typed come from the store.
	Save(cfg cfgfile.Config, secrets map[string]string) error
	// Test checks what cfg says about one part (a Test* constant) without
	// saving it: a carrier, the printer, the scale, a service the station
	// sends to. cfg carries the secrets typed on screen; the others come
	// from the store.
	Test(ctx context.Context, cfg cfgfile.Config, what string) []station.DoctorCheck
	// Printers and Scales list what this computer offers.
	Printers(ctx context.Context) ([]printer.Found, error)
	Scales(ctx context.Context) ([]scale.Found, error)
	// TestPrint prints a test label on the printer at uri ("" : the
	// preview printer), with cfg's consignor name on it.
	TestPrint(ctx context.Context, cfg cfgfile.Config, uri string) error
	// ReadScale reads the scale at uri, for a live reading: the source
	// keeps it open between calls for the same uri (a scale just opened
	// is still settling), until ReleaseScale or a call for another uri.
	ReadScale(ctx context.Context, uri string) (scale.Reading, error)
	// ReleaseScale closes the scale ReadScale keeps open.
	ReleaseScale()
	// Restart asks for the station to start again with the saved
	// settings once its window has closed.
	Restart()
}

// What SettingsSource.Test checks.
const (
	TestPostNord = "postnord"
	TestSTG      = "stg"
	TestPrinter  = "printer"
	TestScale    = "scale"
	TestOrders   = "orders"   // the WMS's order lookup
	TestWebhooks = "webhooks" // the WMS's webhook receiver
	TestEmail    = "email"    // the SMTP server
	TestSMS      = "sms"      // the SMS gateway
	TestFleet    = "fleet"    // the site's PostgreSQL server (fleet mode)
)

// Setup outcomes the first-run wizard records in the data file, so it
// does not come back.
const (
	SetupDemo  = "demo"  // "Try the demo": the built-in settings
	SetupSaved = "saved" // a config file was written
)

// WizardSource is what the first-run wizard needs besides the settings:
// where to record that setup was done.
type WizardSource interface {
	SettingsSource
	// RecordSetup notes in the data file that setup was done (SetupSaved)
	// or the demo chosen (SetupDemo).
	RecordSetup(outcome string) error
}

// WithSettings gives the screen a Settings… window (supervisors only).
func WithSettings(src SettingsSource) Option {
	return func(cfg *config) { cfg.settings = src }
}
