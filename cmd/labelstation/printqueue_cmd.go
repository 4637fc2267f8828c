package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"labelstation/station"
)

const printQueueUsage = "labelstation print-queue list | retry ID | discard ID | printed ID"

// cmdPrintQueue shows and settles labels that did not print: the same
// station calls as the pack screen's Retry, Discard and "Printed" buttons.
func cmdPrintQueue(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage(printQueueUsage, "print-queue needs a subcommand")
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("print-queue "+sub, g)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		if len(pos) != 0 {
			return usage(printQueueUsage, "print-queue list takes no arguments")
		}
		st, _, err := openStore(g)
		if err != nil {
			return err
		}
		defer st.Close()
		s := station.New(st, nil, nil, nil, station.Config{})
		defer s.Close()
		jobs, err := s.PrintJobs(ctx)
		if err != nil {
			return err
		}
		if g.json {
			if jobs == nil {
				jobs = []station.PrintJob{}
			}
			return printJSON(g, jobs)
		}
		if len(jobs) == 0 {
			fmt.Fprintln(g.stdout, "the print queue is empty: every label printed")
			return nil
		}
		tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tORDER\tTRACKING\tSTATE\tPRINTER\tREPRINT\tLAST ERROR")
		for _, j := range jobs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%s\n", j.ID, j.OrderRef, j.TrackingID, j.State, j.Printer, j.Reprint, j.LastError)
		}
		return tw.Flush()
	case "retry", "discard", "printed":
		if len(pos) != 1 {
			return usage(printQueueUsage, "print-queue %s needs one job ID (see print-queue list)", sub)
		}
		st, _, err := openStore(g)
		if err != nil {
			return err
		}
		defer st.Close()
		// No carrier or default printer is needed: a job knows its printer.
		s := station.New(st, nil, nil, nil, station.Config{})
		defer s.Close()
		switch sub {
		case "discard":
			if err := s.DiscardPrint(ctx, pos[0]); err != nil {
				return err
			}
			if !g.json {
				fmt.Fprintf(g.stdout, "discarded print job %s; the booking is kept (labelstation reprint ORDER prints it later)\n", pos[0])
			}
			return nil
		case "printed":
			res, err := s.ConfirmPrint(ctx, pos[0])
			if err != nil {
				return err
			}
			return printPackResult(g, res, "marked printed")
		}
		res, err := s.RetryPrint(ctx, pos[0])
		if err != nil {
			return err
		}
		return printPackResult(g, res, "printed")
	}
	return usage(printQueueUsage, "unknown print-queue subcommand %q", sub)
}
