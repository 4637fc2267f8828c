package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"labelstation/station"
	"labelstation/station/notify"
)

const notifyUse = `labelstation notify rules | fields | import FILE | enable ID | disable ID
  | preview ID ORDER-REF|TRACKING [--html FILE] | log [--days N] | totals [--days N]
  | sync | retry SEQ | discard SEQ --reason TEXT`

func cmdNotify(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage(notifyUse, "notify needs a subcommand")
	}
	sub := args[0]
	fs := newFlagSet("notify "+sub, g)
	days := fs.Int("days", 7, "how many days back (1 = today)")
	html := fs.String("html", "", "write each e-mail's HTML to FILE (FILE-2.html, … for more)")
	reason := fs.String("reason", "", "why the message is discarded")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long; what is left stays queued")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	want := map[string]int{"rules": 0, "fields": 0, "import": 1, "enable": 1, "disable": 1, "preview": 2, "log": 0, "totals": 0, "sync": 0, "retry": 1, "discard": 1}
	n, known := want[sub]
	if !known {
		return usage(notifyUse, "unknown notify subcommand %q", sub)
	}
	if len(pos) != n {
		return usage(notifyUse, "notify %s takes %d argument(s)", sub, n)
	}
	if sub == "fields" {
		tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "FIELD\tWHAT\tEXAMPLE")
		for _, f := range notify.Fields() {
			fmt.Fprintf(tw, "{%s}\t%s\t%s\n", f.Name, f.Help, f.Example)
		}
		return tw.Flush()
	}
	var seq uint64
	if sub == "retry" || sub == "discard" {
		if seq, err = strconv.ParseUint(strings.TrimPrefix(pos[0], "#"), 10, 64); err != nil {
			return usage(notifyUse, "%q is not a message number (the # column of notify log)", pos[0])
		}
	}
	b, err := openBench(ctx, g, overrides{noScale: true})
	if err != nil {
		return err
	}
	defer b.Close()
	s := b.station
	if err := seedDemoNotify(b.store, b.cfg, g.notes); err != nil {
		return err
	}
	switch sub {
	case "rules":
		page, err := s.Notifications(ctx, 1)
		if err != nil {
			return err
		}
		if g.json {
			return printJSON(g, page.Rules)
		}
		return printRules(g, page)
	case "import":
		f, err := os.Open(pos[0])
		if err != nil {
			return &station.Problem{Msg: fmt.Sprintf("cannot open %s: %v", pos[0], err), Hint: "check the file name", Err: err}
		}
		defer f.Close()
		setup, err := s.ImportNotifications(ctx, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "imported %d templates and %d rules; new rules are disabled: preview one (labelstation notify preview ID ORDER), then enable it\n",
			len(setup.Templates), len(setup.Rules))
		return nil
	case "enable", "disable":
		r, err := s.EnableRule(ctx, pos[0], sub == "enable")
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "rule %s is %s\n", r.ID, map[bool]string{true: "enabled", false: "disabled"}[r.Enabled])
		return nil
	case "preview":
		pv, err := s.PreviewRule(ctx, pos[0], pos[1])
		if err != nil {
			return err
		}
		if g.json {
			return printJSON(g, pv)
		}
		return printPreview(g, pv, *html)
	case "log", "totals":
		page, err := s.Notifications(ctx, *days)
		if err != nil {
			return err
		}
		if g.json {
			if sub == "log" {
				return printJSON(g, page.Log)
			}
			return printJSON(g, page.Totals)
		}
		if sub == "totals" {
			return printTotals(g, page.Totals)
		}
		return printLog(g, page.Log)
	case "sync":
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		rep, err := s.SyncNotifications(ctx)
		if g.json && err == nil {
			return printJSON(g, rep)
		}
		fmt.Fprintf(g.stdout, "queued %d by time, sent %d; %d waiting, %d refused, %d unknown\n", rep.Queued, rep.Sent, rep.Waiting, rep.Failed, rep.Unknown)
		if err != nil {
			return err
		}
		if rep.Failed+rep.Unknown > 0 {
			return &station.Problem{Msg: fmt.Sprintf("%d messages were refused and %d may or may not have arrived", rep.Failed, rep.Unknown),
				Hint: "labelstation notify log shows each with what to do: Retry or Discard"}
		}
		return nil
	default: // retry, discard
		var e station.NotificationEntry
		if sub == "retry" {
			e, err = s.RetryNotification(ctx, seq)
		} else {
			e, err = s.DiscardNotification(ctx, seq, *reason)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "#%d %s to %s: %s\n", e.Seq, e.Channel, e.To, e.State)
		return nil
	}
}

func printRules(g *globals, page station.NotificationsPage) error {
	if len(page.Rules) == 0 {
		fmt.Fprintln(g.stdout, "no notification rules: import some with labelstation notify import FILE")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tTRIGGER\tCHANNEL\tTEMPLATE\tNAME")
	for _, r := range page.Rules {
		state := "disabled"
		if r.Enabled {
			state = "enabled"
		}
		trigger := string(r.Trigger)
		if r.Trigger == notify.TriggerServicePointDaysLeft {
			trigger += fmt.Sprintf(" (%d)", r.DaysLeft)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, state, trigger, r.Channel, r.Template, r.Name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "channels set up: %s\n", strings.Join(page.Channels, ", "))
	return nil
}

func printPreview(g *globals, pv station.NotificationPreview, htmlOut string) error {
	for _, note := range pv.Notes {
		fmt.Fprintf(g.stdout, "note: %s\n", note)
	}
	n := 0
	for _, m := range pv.Messages {
		fmt.Fprintf(g.stdout, "--- %s to %s (%s)\n", m.Channel, firstSet(m.To, "nobody: no address"), m.Language)
		if m.Subject != "" {
			fmt.Fprintf(g.stdout, "Subject: %s\n\n", m.Subject)
		}
		fmt.Fprintln(g.stdout, m.Text)
		if htmlOut != "" && m.HTML != "" {
			n++
			name := htmlOut
			if n > 1 {
				name = strings.TrimSuffix(htmlOut, ".html") + fmt.Sprintf("-%d.html", n)
			}
			if err := os.WriteFile(name, []byte(m.HTML), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "(HTML written to %s)\n", name)
		}
	}
	return nil
}

func printLog(g *globals, log []station.NotificationEntry) error {
	if len(log) == 0 {
		fmt.Fprintln(g.stdout, "no messages in these days")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tTIME\tRULE\tORDER\tCHANNEL\tTO\tSTATE\tATTEMPTS\tNOTE")
	for _, e := range log {
		note := firstSet(e.LastError, e.Action, e.Response)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", e.Seq, e.Created.Local().Format("01-02 15:04"), e.Rule, e.OrderRef,
			e.Channel, e.To, e.State, e.Attempts, note)
	}
	return tw.Flush()
}

func printTotals(g *globals, days []station.NotificationDay) error {
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DAY\tE-MAIL SENT\tSMS SENT\tWAITING\tREFUSED")
	var email, sms int
	for _, d := range days {
		email, sms = email+d.Email, sms+d.SMS
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", d.Day.Format("2006-01-02"), d.Email, d.SMS, d.Waiting, d.Failed)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t\t\n", email, sms)
	return tw.Flush()
}
