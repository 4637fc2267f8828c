//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package secrets

import (
	"fmt"
	"os"
	"path/filepath"
)

// noSessionBus reports that there is no D-Bus session bus to find a
// Secret Service on — a service, an SSH login, a kiosk without a desktop
// session — the way godbus would look for one, but without its last
// resort of starting a bus of its own (dbus-launch).
func noSessionBus() error {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	dirs := []string{fmt.Sprintf("/run/user/%d", os.Getuid())}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		for _, f := range []string{"bus", "dbus-session"} {
			if _, err := os.Stat(filepath.Join(d, f)); err == nil {
				return nil
			}
		}
	}
	return noKeyring("no keyring session: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), and the OS keyring needs one")
}
