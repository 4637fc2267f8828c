package scale_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"labelstation/scale"
	"labelstation/scale/scalesim"
	"labelstation/scale/scaletest"
)

// bench is a simulated scale on one end of a socat pty pair and the
// station's serial scale on the other.
type bench struct {
	t      *testing.T
	pty    *scaletest.Pty
	dev    *scalesim.Device
	scale  *scale.Serial
	cancel context.CancelFunc
	served chan error
}

func newBench(t *testing.T, opts scalesim.Options, uriOpts string) *bench {
	t.Helper()
	b := &bench{t: t, pty: scaletest.NewPty(t)}
	dev, err := scalesim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	b.dev = dev
	b.serve()
	sc, err := scale.Open("serial://" + b.pty.Host + "?protocol=" + opts.Protocol + "&timeout=300ms&retry=50ms" + uriOpts)
	if err != nil {
		t.Fatal(err)
	}
	b.scale = sc.(*scale.Serial)
	t.Cleanup(func() { b.scale.Close() })
	return b
}

// serve runs the device on its end of the pty until the test ends.
func (b *bench) serve() {
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	done := make(chan struct{})
	b.cancel, b.served = cancel, served
	go func() { served <- b.dev.ServePort(ctx, b.pty.Device); close(done) }()
	b.t.Cleanup(func() { cancel(); <-done })
}

// read returns the next reading or fails the test.
func (b *bench) read() scale.Reading {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	r, err := b.scale.Read(ctx)
	if err != nil {
		b.t.Fatalf("read: %v", err)
	}
	return r
}

// until reads until cond holds for a reading, failing after 3 s.
func (b *bench) until(what string, cond func(scale.Reading, error) bool) scale.Reading {
	b.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		r, err := b.scale.Read(ctx)
		cancel()
		if cond(r, err) {
			return r
		}
		if err != nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	b.t.Fatalf("timed out waiting for %s", what)
	return scale.Reading{}
}

var allProtocols = []struct {
	name string
	opts scalesim.Options
	uri  string
}{
	{"sics", scalesim.Options{Protocol: "sics"}, "&poll=20ms"},
	{"nci", scalesim.Options{Protocol: "nci"}, "&poll=20ms"},
	{"cas", scalesim.Options{Protocol: "cas"}, "&poll=20ms"},
	{"continuous-toledo", scalesim.Options{Protocol: "continuous", Interval: 20 * time.Millisecond, Checksum: true}, "&checksum=1"},
	{"continuous-text", scalesim.Options{Protocol: "continuous", Format: "text", Interval: 20 * time.Millisecond}, ""},
}

func TestSerialStableWeightOverPty(t *testing.T) {
	for _, p := range allProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			o := p.opts
			o.Weight, o.Seed = 1140, 1
			b := newBench(t, o, p.uri)
			r, err := scale.WaitStable(context.Background(), b.scale, scale.StableOptions{Window: 100 * time.Millisecond, Timeout: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if r.Grams != 1140 || !r.Stable || r.Status != scale.StatusOK {
				t.Fatalf("stable weight = %+v, want exactly 1140 g", r)
			}
		})
	}
}

func TestSerialMotionIsNeverStable(t *testing.T) {
	for _, p := range allProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			o := p.opts
			o.Settle, o.Seed = 400*time.Millisecond, 2
			b := newBench(t, o, p.uri)
			b.read()
			placed := time.Now()
			b.dev.Place(2000)
			done := make(chan struct{})
			var got scale.Reading
			var err error
			go func() {
				defer close(done)
				got, err = scale.WaitStable(context.Background(), b.scale, scale.StableOptions{Window: 100 * time.Millisecond, Timeout: 3 * time.Second})
			}()
			moving := 0
			for time.Since(placed) < 350*time.Millisecond {
				r := b.read()
				if r.Time.Sub(placed) < 30*time.Millisecond {
					continue // asked before the parcel went on
				}
				if r.Stable || r.State() != scale.StateMoving {
					t.Fatalf("%v after the parcel went on, while it swings: reading %+v (%s) is not moving", r.Time.Sub(placed), r, r.State())
				}
				moving++
			}
			if moving < 3 {
				t.Fatalf("only %d readings while the parcel swung", moving)
			}
			<-done
			if err != nil || got.Grams != 2000 {
				t.Fatalf("WaitStable = %+v, %v; want 2000 g", got, err)
			}
			if d := got.Time.Sub(placed); d < 400*time.Millisecond+100*time.Millisecond {
				t.Fatalf("stable after %v: before the parcel settled (400ms) and a window (100ms) passed", d)
			}
		})
	}
}

func TestSerialOverloadAndUnderload(t *testing.T) {
	for _, p := range allProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			o := p.opts
			o.Weight, o.Capacity = 1000, 15000
			b := newBench(t, o, p.uri)
			b.dev.Place(16000)
			r := b.until("overload", func(r scale.Reading, err error) bool { return err == nil && r.Status == scale.StatusOverload })
			if r.Stable || r.Weight() || r.State() != scale.StateOverload {
				t.Fatalf("overload reading %+v counts as a weight", r)
			}
			_, err := scale.WaitStable(context.Background(), b.scale, scale.StableOptions{Window: 50 * time.Millisecond, Timeout: 300 * time.Millisecond})
			if err == nil || !strings.Contains(err.Error(), "overload") {
				t.Fatalf("WaitStable on an overloaded scale: %v, want an overload error", err)
			}
			want := scale.StatusUnderload
			if o.Format == "text" {
				want = scale.StatusOverload // "OL" covers both ends in text output
			}
			b.dev.Place(-500)
			r = b.until("underload", func(r scale.Reading, err error) bool { return err == nil && r.Status == want })
			if r.Weight() {
				t.Fatalf("underload reading %+v counts as a weight", r)
			}
			b.dev.Place(750)
			b.until("a weight again", func(r scale.Reading, err error) bool { return err == nil && r.Weight() && r.Grams == 750 })
		})
	}
}

func TestSerialSurvivesGarbageAndSplitFrames(t *testing.T) {
	for _, p := range allProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			o := p.opts
			o.Weight, o.Garbage, o.Split, o.Seed = 1234, 0.4, true, 3
			b := newBench(t, o, p.uri)
			for range 3 {
				r, err := scale.WaitStable(context.Background(), b.scale, scale.StableOptions{Window: 100 * time.Millisecond, Timeout: 3 * time.Second})
				if err != nil || r.Grams != 1234 {
					t.Fatalf("WaitStable through noise = %+v, %v; want 1234 g", r, err)
				}
			}
			frames, noise := b.dev.Stats()
			st := b.scale.Stats()
			if noise == 0 || st.GarbageBytes == 0 || st.BadFrames == 0 {
				t.Fatalf("device sent %d noise bursts in %d frames; station counted %+v", noise, frames, st)
			}
			// Every burst is skipped on its own: none may cost a frame.
			if st.Frames < frames-noise/2-2 {
				t.Errorf("station decoded %d frames of %d sent (%d noise bursts): noise cost frames", st.Frames, frames, noise)
			}
			t.Logf("%d frames sent with %d noise bursts; station: %+v", frames, noise, st)
		})
	}
}

func TestSerialUnplugDetectedAndRecovered(t *testing.T) {
	for _, p := range allProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			o := p.opts
			o.Weight = 1500
			b := newBench(t, o, p.uri)
			if r := b.read(); r.Grams != 1500 {
				t.Fatalf("before unplug: %+v", r)
			}
			b.cancel()
			<-b.served
			b.pty.Kill() // the cable is pulled
			unplugged := time.Now()
			var lost error
			b.until("the loss reported", func(_ scale.Reading, err error) bool { lost = err; return err != nil })
			if d := time.Since(unplugged); d > time.Second {
				t.Errorf("loss reported after %v", d)
			}
			if !strings.Contains(lost.Error(), b.pty.Host) || !(strings.Contains(lost.Error(), "disconnected") || strings.Contains(lost.Error(), "not connected")) {
				t.Errorf("loss = %q: want it to name the port and say disconnected", lost)
			}
			u := <-scale.Watch(context.Background(), b.scale, 0)
			if u.State() != scale.StateDisconnected {
				t.Errorf("Watch while unplugged: %+v (%s)", u, u.State())
			}

			b.pty.Restart() // plugged back in
			b.serve()
			r := b.until("a weight after replugging", func(r scale.Reading, err error) bool { return err == nil && r.Grams == 1500 })
			if !r.Stable {
				t.Errorf("after replug: %+v", r)
			}
			if st := b.scale.Stats(); st.Reconnects < 1 {
				t.Errorf("stats %+v: want a reconnect counted", st)
			}
		})
	}
}

func TestProbeFindsEachProtocol(t *testing.T) {
	for _, p := range allProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			o := p.opts
			o.Weight = 1140
			pty := scaletest.NewPty(t)
			dev, err := scalesim.New(o)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { dev.ServePort(ctx, pty.Device); close(done) }()
			t.Cleanup(func() { cancel(); <-done })

			uri, r, err := scale.Probe(context.Background(), pty.Host, 0)
			if err != nil {
				t.Fatal(err)
			}
			want := "serial://" + pty.Host + "?protocol=" + o.Protocol
			if o.Checksum {
				want += "&checksum=1"
			}
			if uri != want || r.Grams != 1140 {
				t.Fatalf("probe = %q, %+v; want %q and 1140 g", uri, r, want)
			}
			sc, err := scale.Open(uri)
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			if r, err := scale.WaitStable(context.Background(), sc, scale.StableOptions{Window: 100 * time.Millisecond}); err != nil || r.Grams != 1140 {
				t.Fatalf("the probed address reads %+v, %v", r, err)
			}
		})
	}
	t.Run("nothing there", func(t *testing.T) {
		t.Parallel()
		pty := scaletest.NewPty(t)
		_, _, err := scale.Probe(context.Background(), pty.Host, 0)
		if err == nil || !strings.Contains(err.Error(), "no scale answers on "+pty.Host) {
			t.Fatalf("probe of a silent port: %v", err)
		}
	})
}
