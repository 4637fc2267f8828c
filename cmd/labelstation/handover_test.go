//go:build !windows

package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"labelstation/secrets"
)

// TestPassphraseHandover: the passphrase typed into the window reaches the
// restarted station through a pipe it inherits, and appears nowhere in
// its starting environment (/proc/PID/environ).
func TestPassphraseHandover(t *testing.T) {
	const pass = "correct horse battery staple"
	if os.Getenv("HANDOVER_CHILD") == "1" {
		environ, err := os.ReadFile("/proc/self/environ")
		if err != nil {
			t.Skip("no /proc here")
		}
		if strings.Contains(string(environ), pass) {
			t.Fatalf("the passphrase is in the starting environment")
		}
		if err := takeHandedPassphrase(); err != nil {
			t.Fatal(err)
		}
		if got := os.Getenv(secrets.PassphraseEnv); got != pass {
			t.Fatalf("the station opens its secrets with %q", got)
		}
		if _, ok := os.LookupEnv(passphraseFDEnv); ok {
			t.Fatalf("%s left for the station's children", passphraseFDEnv)
		}
		os.Stdout.WriteString("HANDED OVER\n")
		return
	}
	t.Setenv(passphraseFDEnv, "") // restored after the test
	if err := handOverPassphrase(pass); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPassphraseHandover$", "-test.v")
	cmd.Env = append(os.Environ(), "HANDOVER_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "HANDED OVER") {
		t.Fatalf("restarted station did not get the passphrase: %v\n%s", err, out)
	}
	// Nothing handed over: a start without the variable is a plain start.
	os.Unsetenv(passphraseFDEnv)
	if err := takeHandedPassphrase(); err != nil {
		t.Fatal(err)
	}
}
