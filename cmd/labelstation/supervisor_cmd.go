package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"labelstation/station"
)

const supervisorUsage = `labelstation supervisor set-pin [--reset]   PINs from stdin, one a line: the current PIN (when one is set), the new PIN, the new PIN again
labelstation supervisor status              whether a PIN is set, wrong PINs in a row, the lock-out`

// cmdSupervisor: the supervisor PIN, from the site IT's side. The CLI is
// IT's tool on the machine (whoever runs it can edit the data file
// anyway), so no command is gated by the PIN; set-pin --reset is the way
// back in after a forgotten PIN or a lock-out. PINs are read from stdin,
// never from the command line, where they would stay in the shell's
// history and show in the process list.
func cmdSupervisor(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage(supervisorUsage, "supervisor needs a subcommand")
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("supervisor "+sub, g)
	reset := false
	if sub == "set-pin" {
		fs.BoolVar(&reset, "reset", false, "set a new PIN without the current one, and end a lock-out")
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usage("PINs are read from stdin, never from the command line (shell history, process list): printf '%s\\n' NEW NEW | labelstation supervisor set-pin",
			"supervisor %s takes no arguments, got %d", sub, len(pos))
	}
	switch sub {
	case "set-pin", "status":
	default:
		return usage(supervisorUsage, "unknown supervisor subcommand %q", sub)
	}
	s, closeStation, err := storeOnlyStation(g)
	if err != nil {
		return err
	}
	defer closeStation()
	if sub == "status" {
		return supervisorStatus(ctx, g, s)
	}
	return supervisorSetPIN(ctx, g, s, reset)
}

func supervisorSetPIN(ctx context.Context, g *globals, s *station.Station, reset bool) error {
	had := s.HasSupervisorPIN()
	in := newPINReader(g)
	old := ""
	if had && !reset {
		var err error
		if old, err = in.line("current supervisor PIN"); err != nil {
			return err
		}
	}
	pin, err := in.line("new supervisor PIN")
	if err != nil {
		return err
	}
	again, err := in.line("new supervisor PIN again")
	if err != nil {
		return err
	}
	if pin != again {
		return &station.Problem{Msg: "the two new PINs differ", Hint: "the PIN is not changed; run set-pin again"}
	}
	if reset {
		err = s.ResetSupervisorPIN(ctx, pin)
	} else {
		err = s.SetSupervisorPIN(ctx, old, pin)
	}
	if err != nil {
		return err
	}
	what := "set"
	switch {
	case reset:
		what = "reset (the lock-out, if any, is over)"
	case had:
		what = "changed"
	}
	if g.json {
		return printJSON(g, map[string]any{"pin_set": true, "reset": reset, "changed": had})
	}
	fmt.Fprintf(g.stdout, "supervisor PIN %s: the station starts in packer mode; settings, Cancel and Discard ask for it\n", what)
	return nil
}

func supervisorStatus(ctx context.Context, g *globals, s *station.Station) error {
	info, err := s.SupervisorStatus(ctx)
	if err != nil {
		return err
	}
	if g.json {
		return printJSON(g, info)
	}
	if !info.PINSet {
		fmt.Fprintln(g.stdout, "no supervisor PIN: the station is in supervisor mode until one is set (labelstation supervisor set-pin)")
		return nil
	}
	fmt.Fprintf(g.stdout, "supervisor PIN set %s\n", info.SetAt.Local().Format("2006-01-02 15:04"))
	switch {
	case !info.LockedUntil.IsZero():
		fmt.Fprintf(g.stdout, "LOCKED OUT until %s after wrong PINs (labelstation supervisor set-pin --reset ends it)\n", info.LockedUntil.Local().Format("2006-01-02 15:04"))
	case info.Failures > 0:
		fmt.Fprintf(g.stdout, "%d wrong PIN(s) in a row: %d tries left before a lock-out\n", info.Failures, info.TriesLeft)
	default:
		fmt.Fprintln(g.stdout, "no wrong PINs since the last right one")
	}
	return nil
}

// pinReader reads PINs from stdin, one a line; on a terminal it prompts
// on stderr first.
type pinReader struct {
	r      *bufio.Reader
	prompt io.Writer // nil: not a terminal
}

func newPINReader(g *globals) *pinReader {
	p := &pinReader{r: bufio.NewReader(g.stdin)}
	if f, ok := g.stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.prompt = g.stderr
		}
	}
	return p
}

func (p *pinReader) line(what string) (string, error) {
	if p.prompt != nil {
		fmt.Fprintf(p.prompt, "%s: ", what)
	}
	s, err := p.r.ReadString('\n')
	s = strings.TrimSpace(s)
	if s == "" && (err == nil || errors.Is(err, io.EOF)) {
		return "", usage("give the PINs on stdin, one a line, e.g.: printf '%s\\n' OLD NEW NEW | labelstation supervisor set-pin", "no %s on stdin", what)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the %s: %w", what, err)
	}
	return s, nil
}
