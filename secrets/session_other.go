//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package secrets

// noSessionBus: the keyrings of Windows and macOS need no session bus.
func noSessionBus() error { return nil }
