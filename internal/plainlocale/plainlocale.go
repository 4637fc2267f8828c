// Package plainlocale gives the process a parseable locale before Fyne's
// lang package reads it during package initialisation. Under a "C.UTF-8"
// locale (Debian's default in CI, containers and kiosk sessions) Fyne
// otherwise logs "Error parsing user locale C" on every start — also before
// headless commands that never open a window. Import it for its side effect from the
// command's main package. Go initialises packages in a fixed order (each
// after its imports, otherwise by import path); this one needs only os, so
// it runs before fyne.io/fyne/v2/lang, whose imports reach packages that
// sort after it. cmd/labelstation's errors.txtar checks that this holds.
package plainlocale

import "os"

func init() {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		switch os.Getenv(v) {
		case "":
			continue
		case "C", "POSIX", "C.UTF-8", "C.utf8", "POSIX.UTF-8":
			// The first variable set decides the locale; a plain one
			// means "no language chosen": English, as Fyne's fallback.
			os.Setenv(v, "en_US.UTF-8")
		}
		return
	}
}
