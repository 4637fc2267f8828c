//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package secrets

import "errors"

// Elsewhere the station does not know how to ask a terminal without
// echo: what is typed is read as from a pipe.
func isTerminal(fd uintptr) bool { return false }

func noEcho(fd uintptr) (func(), error) { return nil, errors.New("not supported here") }
