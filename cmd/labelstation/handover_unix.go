//go:build !windows

package main

import (
	"os"
	"syscall"
)

// handoverStdin is what the restarted process gets as standard input.
var handoverStdin *os.File

// inheritable clears close-on-exec on r, so syscall.Exec passes it on.
func inheritable(r *os.File) (int, error) {
	fd := int(r.Fd())
	if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, 0); errno != 0 {
		return 0, errno
	}
	return fd, nil
}

func handedFile(fd int) *os.File { return os.NewFile(uintptr(fd), "passphrase") }
