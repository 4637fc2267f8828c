package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"labelstation/secrets"
)

// The passphrase a supervisor typed into the window must reach the
// restarted station without going through its environment: a process's
// starting environment stays readable (/proc/PID/environ, process
// explorers) for as long as it runs, by anyone logged in as the bench's
// user. It goes through a pipe instead; only the pipe's number is in the
// environment.

// passphraseFDEnv names the file descriptor the restarted station reads
// the passphrase from (0 on Windows: its standard input).
const passphraseFDEnv = "LABELSTATION_SECRETS_PASSPHRASE_FD"

// handOverPassphrase makes pass readable by the next start of this program
// (restartSelf) and nothing else: a pipe whose read end the new process
// inherits.
func handOverPassphrase(pass string) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("hand over the passphrase: %w", err)
	}
	// A pipe holds far more than a passphrase: the write cannot block.
	if _, err := io.WriteString(w, pass); err != nil {
		r.Close()
		w.Close()
		return fmt.Errorf("hand over the passphrase: %w", err)
	}
	w.Close()
	fd, err := inheritable(r)
	if err != nil {
		r.Close()
		return fmt.Errorf("hand over the passphrase: %w", err)
	}
	return os.Setenv(passphraseFDEnv, strconv.Itoa(fd))
}

// takeHandedPassphrase reads a passphrase handed over by the previous
// start, if any, and keeps it in this process only, for the secrets store
// to open with (see runGUIOnce, which drops it once the secrets are open).
func takeHandedPassphrase() error {
	v, ok := os.LookupEnv(passphraseFDEnv)
	if !ok {
		return nil
	}
	os.Unsetenv(passphraseFDEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 0 {
		return fmt.Errorf("%s is %q, not a file descriptor", passphraseFDEnv, v)
	}
	f := handedFile(fd)
	if f == nil {
		return fmt.Errorf("%s names no open file", passphraseFDEnv)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return fmt.Errorf("read the handed-over passphrase: %w", err)
	}
	os.Setenv(secrets.PassphraseEnv, strings.TrimRight(string(b), "\r\n"))
	os.Setenv(passphraseGivenEnv, "1")
	return nil
}
