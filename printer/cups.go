package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// CUPS prints through a CUPS queue (cups://QUEUE) with the lp command: a
// ZPL job goes raw (-o raw), byte for byte, a PDF job through the queue's
// filters (an office printer). Status is the queue's state from lpstat: a
// stopped queue is a fault; CUPS cannot see paper or head state of a raw
// printer, so pair it with a printer that is also reachable directly
// when that matters.
type CUPS struct {
	queue       string
	checkStatus bool
}

// NewCUPS returns a printer for the CUPS queue. checkStatus asks lpstat
// before each job and refuses to queue a job on a stopped queue.
func NewCUPS(queue string, checkStatus bool) *CUPS {
	return &CUPS{queue: queue, checkStatus: checkStatus}
}

// String describes the printer for a status bar.
func (c *CUPS) String() string { return "cups://" + c.queue }

// Close has nothing to release: each job is one lp run.
func (c *CUPS) Close() error { return nil }

// Print hands the job to lp on stdin. A nil error means CUPS accepted the
// job into its queue (lp printed a request id); it prints when the queue
// gets to it.
func (c *CUPS) Print(ctx context.Context, job Job) error {
	if len(job.Data) == 0 {
		return fmt.Errorf("label %q has no data: nothing was sent to printer %s; book or render the label again", job.Name, c)
	}
	if c.checkStatus {
		st, err := c.Status(ctx)
		if err != nil {
			return err
		}
		if !st.Ready() {
			return notReady(c.String(), job, st, 0)
		}
	}
	args := []string{"-d", c.queue, "-t", job.Name}
	if !strings.EqualFold(job.Format, "pdf") {
		args = append(args, "-o", "raw")
	}
	out, err := cupsCommand(ctx, job.Data, "lp", args...)
	if err != nil {
		return &Error{Printer: c.String(), Job: job.Name, Err: err,
			Msg: fmt.Sprintf("CUPS did not take label %q for queue %s (%v); nothing was queued: check the queue with lpstat -p %s", job.Name, c.queue, err, c.queue)}
	}
	if !strings.Contains(out, "request id") {
		return &Error{Printer: c.String(), Job: job.Name, Sent: len(job.Data),
			Msg: fmt.Sprintf("lp gave no request id for label %q on queue %s (it said %q): look at lpstat -o %s before printing it again", job.Name, c.queue, strings.TrimSpace(out), c.queue)}
	}
	return nil
}

// Status reads the queue's state with lpstat -p QUEUE. A disabled
// (stopped) queue is reported Offline with CUPS's reason.
func (c *CUPS) Status(ctx context.Context) (Status, error) {
	out, err := cupsCommand(ctx, nil, "lpstat", "-p", c.queue)
	if err != nil {
		return Status{}, &Error{Printer: c.String(), Err: err,
			Msg: fmt.Sprintf("CUPS cannot tell the state of queue %s (%v): check the name with lpstat -e", c.queue, err)}
	}
	return parseLpstat(c.queue, out)
}

// parseLpstat reads lpstat -p output in the C locale:
//
//	printer zebra is idle.  enabled since Tue 01 Jan 2026 10:00:00
//	printer zebra now printing zebra-12.  enabled since …
//	printer zebra disabled since Tue 01 Jan 2026 10:00:00 -
//		Paused by operator
func parseLpstat(queue, out string) (Status, error) {
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	for i, line := range lines {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "printer" || f[1] != queue {
			continue
		}
		st := Status{Source: "lpstat"}
		if f[2] == "disabled" {
			st.Offline = true
			var reason []string
			for _, r := range lines[i+1:] {
				if r == "" || (r[0] != ' ' && r[0] != '\t') {
					break
				}
				reason = append(reason, strings.TrimSpace(r))
			}
			st.Detail = strings.Join(reason, " ")
			if st.Detail == "" || strings.EqualFold(st.Detail, "reason unknown") {
				st.Detail = "cupsenable " + queue + " starts it again"
			}
		}
		return st, nil
	}
	return Status{}, fmt.Errorf("lpstat said nothing about queue %s (%q): check the name with lpstat -e", queue, strings.TrimSpace(out))
}

// cupsCommand runs a CUPS client command in the C locale (its output is
// parsed) and returns stdout; a failure carries its stderr.
func cupsCommand(ctx context.Context, stdin []byte, name string, args ...string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found: install the CUPS client (apt-get install cups-client)", name)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		var ee *exec.ExitError
		if msg != "" && errors.As(err, &ee) {
			return "", errors.New(msg)
		}
		return "", err
	}
	return stdout.String(), nil
}

// CUPSQueues lists the CUPS destinations (lpstat -e; lpstat -a on CUPS
// older than 2.1). No CUPS is no queues, not an error.
func CUPSQueues(ctx context.Context) ([]string, error) {
	if _, err := exec.LookPath("lpstat"); err != nil {
		return nil, nil
	}
	out, err := cupsCommand(ctx, nil, "lpstat", "-e")
	if err != nil {
		if out, err = cupsCommand(ctx, nil, "lpstat", "-a"); err != nil {
			return nil, err
		}
	}
	var qs []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			qs = append(qs, f[0])
		}
	}
	return qs, nil
}

func openCUPS(raw string, u *url.URL) (Printer, error) {
	queue := u.Host
	if queue == "" {
		queue = strings.Trim(u.Opaque, "/")
	}
	if queue == "" || strings.Trim(u.Path, "/") != "" || strings.ContainsAny(queue, " \t#/") {
		return nil, fmt.Errorf("printer address %q: write it as cups://QUEUE with the queue name lpstat -e lists: %s", raw, acceptedForms)
	}
	check, _, err := statusOptions(raw, u)
	if err != nil {
		return nil, err
	}
	return NewCUPS(queue, check), nil
}
