//go:build windows

package main

import (
	"os"
)

// handoverStdin is what the restarted process gets as standard input: on
// Windows the passphrase's pipe (a new process inherits no other handle).
var handoverStdin *os.File

func inheritable(r *os.File) (int, error) {
	handoverStdin = r
	return 0, nil
}

func handedFile(fd int) *os.File {
	if fd != 0 {
		return nil
	}
	return os.Stdin
}
