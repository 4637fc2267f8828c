package logs

import (
	"os"
	"path/filepath"
	"runtime"
)

// DefaultDir is the OS log location for labelstation: on Linux (and other
// Unixes) $XDG_STATE_HOME/labelstation/logs, by default
// ~/.local/state/labelstation/logs; on Windows
// %LocalAppData%\labelstation\logs; on macOS ~/Library/Logs/labelstation.
func DefaultDir() string {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "labelstation", "logs")
		}
	case "darwin":
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, "Library", "Logs", "labelstation")
		}
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "labelstation", "logs")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "labelstation", "logs")
	}
	return filepath.Join(os.TempDir(), "labelstation", "logs")
}
