package app

import cfgfile "labelstation/config"

// SettingsSource is what the settings window and the first-run wizard
// need from cmd (the config package is imported as cfgfile: app has its
// own config type, the pack screen's options): the config file, saving it with its secrets, and tests of
// a connection with settings not yet saved.
type SettingsSource interface {
	// Load returns the config as the file says it (secrets not filled in).
	Load() (cfgfile.Config, error)
}

// WithSettings gives the screen a Settings… window (supervisors only).
func WithSettings(src SettingsSource) Option {
	return func(cfg *config) { cfg.settings = src }
}
