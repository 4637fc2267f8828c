package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"labelstation/carrier"
	"labelstation/scale"
	"labelstation/scale/scalesim"
	"labelstation/station"
)

const scaleUsage = "labelstation scale read URI [--stable] | scale list | scale probe PORT [--baud N] | scale simulate --protocol sics|nci|cas|continuous --port PTY"

// cmdScale finds, probes, reads and simulates scales.
func cmdScale(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 {
		return usage(scaleUsage, "scale needs a subcommand: read, list, probe or simulate")
	}
	switch args[0] {
	case "read":
		return scaleRead(ctx, g, args[1:])
	case "list":
		return scaleList(ctx, g, args[1:])
	case "probe":
		return scaleProbe(ctx, g, args[1:])
	case "simulate":
		return scaleSimulate(ctx, g, args[1:])
	}
	return usage(scaleUsage, "unknown scale subcommand %q", args[0])
}

// readingJSON is a reading as scale read --json prints it.
type readingJSON struct {
	URI    string      `json:"uri"`
	Grams  float64     `json:"grams"`
	Weight string      `json:"weight"`
	Stable bool        `json:"stable"`
	State  scale.State `json:"state"`
	Time   time.Time   `json:"time"`
}

func scaleRead(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("scale read", g)
	stable := fs.Bool("stable", false, "wait for a stable weight (the station's filter)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage("labelstation scale read serial:///dev/ttyUSB0?protocol=sics --stable", "scale read takes one scale address")
	}
	sc, err := scale.Open(pos[0])
	if err != nil {
		return usage("scale addresses look like serial:///dev/ttyUSB0?protocol=sics, usbhid://0922:8003 or sim://?weight=1.25kg", "%v", err)
	}
	defer sc.Close()
	var r scale.Reading
	if *stable {
		s := station.New(nil, nil, nil, sc, station.Config{Stable: scale.StableOptions{Timeout: *timeout}})
		if r, err = s.Weigh(ctx); err != nil {
			return err
		}
	} else {
		rctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		// A scale just opened may say it is not connected yet; a real
		// answer is worth the wait.
		for {
			if r, err = sc.Read(rctx); err == nil || rctx.Err() != nil {
				break
			}
			select {
			case <-rctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("no reading from %s within %s", sc, *timeout)
			}
			return &station.Problem{Msg: err.Error(), Hint: "check the cable, that the scale is on, and the address (labelstation scale probe PORT finds the protocol)", Err: err}
		}
	}
	w := describeWeight(r)
	if g.json {
		return printJSON(g, readingJSON{URI: pos[0], Grams: r.Grams, Weight: w, Stable: r.Stable, State: r.State(), Time: r.Time})
	}
	fmt.Fprintf(g.stdout, "%s (%s)\n", w, r.State())
	return nil
}

func describeWeight(r scale.Reading) string {
	switch r.Status {
	case scale.StatusOverload:
		return "overload"
	case scale.StatusUnderload:
		return "underload"
	case scale.StatusFault:
		return "fault"
	}
	return carrier.Weight(r.Grams + 0.5*sign(r.Grams)).String()
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

func scaleList(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("scale list", g)
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usage("labelstation scale list", "scale list takes no arguments")
	}
	found, err := scale.List()
	if err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "give the scale's address directly: labelstation scale read serial:///dev/ttyUSB0?protocol=sics"}
	}
	if g.json {
		if found == nil {
			found = []scale.Found{}
		}
		return printJSON(g, found)
	}
	if len(found) == 0 {
		fmt.Fprintln(g.stdout, "no serial ports or USB scales found: plug the scale in (a USB serial adapter shows as /dev/ttyUSB0 or COM3)")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tPORT\tUSB ID\tPRODUCT\tADDRESS\tNOTE")
	for _, f := range found {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Kind, f.Port, f.USBID, f.Product, f.URI, f.Note)
	}
	return tw.Flush()
}

func scaleProbe(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("scale probe", g)
	baud := fs.Int("baud", 9600, "baud rate to try")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage("labelstation scale probe /dev/ttyUSB0", "scale probe takes one serial port")
	}
	uri, r, err := scale.Probe(ctx, pos[0], *baud)
	if err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "check the cable and that the scale is on; see the README's Scales section for settings", Err: err}
	}
	if g.json {
		return printJSON(g, readingJSON{URI: uri, Grams: r.Grams, Weight: describeWeight(r), Stable: r.Stable, State: r.State(), Time: r.Time})
	}
	fmt.Fprintf(g.stdout, "%s answers: it reads %s (%s)\n", uri, describeWeight(r), r.State())
	return nil
}

func scaleSimulate(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("scale simulate", g)
	protocol := fs.String("protocol", "sics", "sics, nci, cas or continuous")
	format := fs.String("format", "toledo", "continuous output: toledo or text")
	checksum := fs.Bool("checksum", false, "Toledo frames end with a checksum byte")
	port := fs.String("port", "", "the scale's end of a pty pair (or a serial port)")
	weight := fs.String("weight", "1.25kg", "load on the platter")
	noise := fs.String("noise", "0g", "a settled reading jitters within ±noise")
	settle := fs.Duration("settle", 400*time.Millisecond, "how long a placed load swings")
	interval := fs.Duration("interval", 100*time.Millisecond, "continuous output: time between frames")
	capacity := fs.String("capacity", "30kg", "more than this is overload")
	garbage := fs.Float64("garbage", 0, "chance (0–1) of line noise before a frame")
	split := fs.Bool("split", false, "write frames in pieces")
	unplug := fs.Duration("unplug-after", 0, "close the port after this long, like a pulled cable (0: never)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *port == "" {
		return usage("socat -d -d pty,raw,echo=0,link=/tmp/scale pty,raw,echo=0,link=/tmp/station & labelstation scale simulate --protocol sics --port /tmp/scale", "scale simulate needs --port and no arguments")
	}
	grams := func(flag, s string) (float64, error) {
		w, err := carrier.ParseWeight(s)
		if err != nil {
			return 0, usage("write it like 1.25kg or 850g", "--%s: %v", flag, err)
		}
		return float64(w), nil
	}
	o := scalesim.Options{Protocol: *protocol, Checksum: *checksum, Settle: *settle, Interval: *interval, Garbage: *garbage, Split: *split, UnplugAfter: *unplug}
	if *protocol == "continuous" {
		o.Format = *format
	}
	if o.Weight, err = grams("weight", *weight); err != nil {
		return err
	}
	if o.Noise, err = grams("noise", *noise); err != nil {
		return err
	}
	if o.Capacity, err = grams("capacity", *capacity); err != nil {
		return err
	}
	dev, err := scalesim.New(o)
	if err != nil {
		return usage("labelstation scale simulate --protocol sics --port /tmp/scale", "%v", err)
	}
	// Lines on stdin change the load: "2.5kg", "0", "over", "under".
	go func() {
		sc := bufio.NewScanner(g.stdin)
		for sc.Scan() {
			in := strings.TrimSpace(sc.Text())
			switch in {
			case "":
				continue
			case "over":
				dev.Place(o.Capacity + 1000)
			case "under":
				dev.Place(-1000)
			case "0", "remove":
				dev.Place(0)
			default:
				w, err := carrier.ParseWeight(in)
				if err != nil {
					fmt.Fprintf(g.stderr, "%v\n", err)
					continue
				}
				dev.Place(float64(w))
			}
			fmt.Fprintf(g.stdout, "load: %s\n", in)
		}
	}()
	fmt.Fprintf(g.stdout, "simulated %s scale on %s: %s; type a weight (2.5kg), 0, over or under and Enter to change the load\n", *protocol, *port, *weight)
	err = dev.ServePort(ctx, *port)
	if errors.Is(err, scalesim.ErrUnplugged) {
		fmt.Fprintf(g.stdout, "unplugged after %s\n", *unplug)
		return nil
	}
	if err != nil {
		return &station.Problem{Msg: err.Error(), Hint: "make a pty pair first: socat -d -d pty,raw,echo=0,link=/tmp/scale pty,raw,echo=0,link=/tmp/station", Err: err}
	}
	return nil
}
