//go:build windows

package main

import (
	"log"
	"os"

	"golang.org/x/sys/windows"
)

// The Windows build is a GUI program (linked with -H windowsgui, so that
// starting the station from the Start menu opens no console window).
// Windows gives such a program no console: typed in a Command Prompt or
// PowerShell, `labelstation version` or `labelstation queue list` would
// print nothing. So when the station was started from a console and its
// output is not redirected, it writes to that console. Started from
// Explorer, it has no parent console and nothing changes; redirected to a
// file or a pipe, the output goes there as usual. (cmd.exe does not wait
// for a GUI program: its prompt may come back before the output; in a
// script, `start /wait labelstation.exe …` or a redirection waits.)
func init() {
	attachParentConsole()
}

func attachParentConsole() {
	stdout, _ := windows.GetStdHandle(windows.STD_OUTPUT_HANDLE)
	stderr, _ := windows.GetStdHandle(windows.STD_ERROR_HANDLE)
	if validHandle(stdout) && validHandle(stderr) {
		return
	}
	const attachParentProcess = uintptr(^uint32(0)) // ATTACH_PARENT_PROCESS, (DWORD)-1
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if attach.Find() != nil {
		return
	}
	if ok, _, _ := attach.Call(attachParentProcess); ok == 0 {
		return // no parent console: started from Explorer or a shortcut
	}
	if !validHandle(stdout) {
		if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
			os.Stdout = f
		}
	}
	if !validHandle(stderr) {
		if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
			os.Stderr = f
			log.SetOutput(f)
		}
	}
}

func validHandle(h windows.Handle) bool {
	return h != 0 && h != windows.InvalidHandle
}
