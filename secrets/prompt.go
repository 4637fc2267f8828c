package secrets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// IsTerminal reports whether r is a terminal a person types into.
func IsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isTerminal(f.Fd())
}

// ErrInterrupted ends a prompt left with Ctrl-C (or a cancelled context).
var ErrInterrupted = errors.New("interrupted")

// ReadSecret reads one secret from in. A terminal is asked with prompt
// (written to out) and does not show what is typed; anything else (a
// pipe, a file) is read to its end, less one final line break. The value
// is never written anywhere.
func ReadSecret(ctx context.Context, in io.Reader, out io.Writer, prompt string) (string, error) {
	if !IsTerminal(in) {
		data, err := io.ReadAll(io.LimitReader(in, MaxValueLen+3))
		if err != nil {
			return "", err
		}
		s := strings.TrimSuffix(string(data), "\n")
		clear(data)
		return strings.TrimSuffix(s, "\r"), nil
	}
	f := in.(*os.File)
	restore, err := noEcho(f.Fd())
	if err != nil {
		return "", fmt.Errorf("cannot turn off the terminal's echo: %w", err)
	}
	fmt.Fprint(out, prompt)
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := readLine(f)
		done <- result{line, err}
	}()
	// The station catches Ctrl-C for a clean stop; here it ends the prompt,
	// with the echo back on.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	var r result
	select {
	case r = <-done:
	case <-sig:
		r.err = ErrInterrupted
	case <-ctx.Done():
		r.err = ErrInterrupted
	}
	restore()
	fmt.Fprintln(out)
	if r.err != nil {
		return "", r.err
	}
	return r.line, nil
}

// readLine reads up to a line break a byte at a time, so nothing after
// it is taken from the terminal.
func readLine(r io.Reader) (string, error) {
	var buf []byte
	b := make([]byte, 1)
	for len(buf) <= MaxValueLen {
		n, err := r.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			buf = append(buf, b[0])
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(buf) == 0 {
				return "", io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return "", err
		}
	}
	s := strings.TrimSuffix(string(buf), "\r")
	clear(buf)
	return s, nil
}
