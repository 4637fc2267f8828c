package station_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"labelstation/scale"
	"labelstation/station"
)

func quietSim(t *testing.T, grams float64) *scale.Sim {
	s := scale.NewSim(scale.SimOptions{Weight: grams, Noise: -1, Settle: -1, Interval: 10 * time.Millisecond, Seed: 1})
	t.Cleanup(func() { s.Close() })
	return s
}

// The packer saw 1.40 kg when pressing Print; the scale now reads a
// stable 1.25 kg (the parcel was swapped, or a hand leaned on it): the
// station refuses instead of booking a weight nobody looked at.
func TestPackRefusesAWeightThatChangedAfterPrint(t *testing.T) {
	r := newRig(t, quietSim(t, 1250))
	r.importOrders()
	ctx := context.Background()
	_, err := r.station.Pack(ctx, "A-1", station.PackOptions{Seen: 1400})
	if !errors.Is(err, station.ErrWeightChanged) {
		t.Fatalf("pack = %v, want ErrWeightChanged", err)
	}
	if !strings.Contains(err.Error(), "1.4 kg") || !strings.Contains(err.Error(), "1.25 kg") || !strings.Contains(station.Hint(err), "press Print again") {
		t.Errorf("error %q, hint %q: want both weights and what to do", err, station.Hint(err))
	}
	if r.bookings() != 0 {
		t.Fatal("a changed weight was booked")
	}
	// Within the filter's tolerance (5 g) it is the same parcel.
	res, err := r.station.Pack(ctx, "A-1", station.PackOptions{Seen: 1252})
	if err != nil || res.Weight != 1250 {
		t.Fatalf("pack with the weight seen: %+v, %v", res, err)
	}
}

func TestWatchWeightFollowsScaleSwaps(t *testing.T) {
	r := newRig(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := r.station.WatchWeight(ctx)
	next := func(what string, cond func(scale.Update) bool) scale.Update {
		t.Helper()
		deadline := time.After(3 * time.Second)
		for {
			select {
			case u := <-ch:
				if cond(u) {
					return u
				}
			case <-deadline:
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	next("no scale", func(u scale.Update) bool { return errors.Is(u.Err, station.ErrNoScale) })

	if _, err := r.station.UseScale("sim://?weight=900g&noise=0g&settle=0s&interval=10ms"); err != nil {
		t.Fatal(err)
	}
	u := next("900 g", func(u scale.Update) bool { return u.Err == nil && u.Grams == 900 })
	if u.State() != scale.StateStable || r.station.ScaleURI() != "sim://?weight=900g&noise=0g&settle=0s&interval=10ms" {
		t.Errorf("update %+v (%s), scale %q", u, u.State(), r.station.ScaleURI())
	}
	if st := r.station.Status(ctx); st.Scale != "simulated scale" || !st.ScaleOK {
		t.Errorf("status %+v", st)
	}
	w, err := r.station.TestScale(ctx, r.station.ScaleURI())
	if err != nil || w.Grams != 900 {
		t.Errorf("TestScale of the scale in use: %+v %v", w, err)
	}

	old := r.station.SetScale(failing{})
	if old != nil {
		t.Errorf("SetScale returned %v: the station opened that scale and closes it itself", old)
	}
	u = next("disconnected", func(u scale.Update) bool { return u.Err != nil })
	if u.State() != scale.StateDisconnected {
		t.Errorf("failing scale: %+v (%s)", u, u.State())
	}
	if st := r.station.Status(ctx); st.ScaleOK || !strings.Contains(st.LastError, "unplugged") {
		t.Errorf("status with a failing scale: %+v", st)
	}
	if _, err := r.station.UseScale("serial:///dev/ttyUSB0?protocol=nope"); err == nil || station.Hint(err) == "" {
		t.Errorf("bad address: %v (hint %q)", err, station.Hint(err))
	}
	r.station.SetScale(nil)
	next("no scale again", func(u scale.Update) bool { return errors.Is(u.Err, station.ErrNoScale) })
}

type failing struct{}

func (failing) Read(ctx context.Context) (scale.Reading, error) {
	return scale.Reading{}, errors.New("scale on /dev/ttyUSB0 was unplugged")
}
func (failing) String() string { return "failing scale" }
func (failing) Close() error   { return nil }
