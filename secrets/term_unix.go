//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package secrets

import "golang.org/x/sys/unix"

func isTerminal(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), ioctlGetTermios)
	return err == nil
}

// noEcho turns the terminal's echo off (lines and Ctrl-C still work) and
// returns how to turn it back on.
func noEcho(fd uintptr) (func(), error) {
	t, err := unix.IoctlGetTermios(int(fd), ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	old := *t
	t.Lflag &^= unix.ECHO
	t.Lflag |= unix.ICANON | unix.ISIG
	t.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(int(fd), ioctlSetTermios, t); err != nil {
		return nil, err
	}
	return func() { unix.IoctlSetTermios(int(fd), ioctlSetTermios, &old) }, nil
}
