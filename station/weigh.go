package station

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"labelstation/carrier"
	"labelstation/scale"
)

// ErrNoScale is the error of WatchWeight's updates while the station has
// no scale: weights are typed.
var ErrNoScale = errors.New("the station has no scale: type the weight")

// ErrWeightChanged is wrapped by Pack when the stable weight it read is
// not the one the packer saw when pressing Print (PackOptions.Seen).
var ErrWeightChanged = errors.New("the weight changed after Print was pressed")

// currentScale returns the scale in use and a channel closed when it is
// swapped (SetScale, UseScale).
func (s *Station) currentScale() (scale.Scale, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scaleSwapped == nil {
		s.scaleSwapped = make(chan struct{})
	}
	return s.scale, s.scaleSwapped
}

// SetScale swaps the station's scale at run time (nil: no scale, weights
// are typed) and returns the one it replaced, which the caller closes if
// it opened it. Live weight streams (WatchWeight) follow the swap; a
// pack already weighing finishes on the old scale.
func (s *Station) SetScale(sc scale.Scale) (old scale.Scale) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old = s.scale
	s.scale, s.scaleErr, s.scaleURI = sc, nil, ""
	if s.ownScale && old != nil {
		// A scale UseScale opened is the station's to close.
		go old.Close()
		old = nil
	}
	s.ownScale = false
	if s.scaleSwapped != nil {
		close(s.scaleSwapped)
	}
	s.scaleSwapped = make(chan struct{})
	return old
}

// UseScale opens the scale at uri and makes it the station's (uri "":
// no scale). The station closes it when it is swapped again or on Close.
// It returns the replaced scale as SetScale does.
func (s *Station) UseScale(uri string) (old scale.Scale, err error) {
	if uri == "" {
		return s.SetScale(nil), nil
	}
	sc, err := scale.Open(uri)
	if err != nil {
		return nil, &Problem{ID: "scale.open_failed", Data: map[string]any{"Reason": err.Error()}, Msg: err.Error(), Hint: "check the address: " + scaleURIHelp, Err: err}
	}
	old = s.SetScale(sc)
	s.mu.Lock()
	if s.scale == sc {
		s.ownScale, s.scaleURI = true, uri
	}
	s.mu.Unlock()
	return old, nil
}

// Close stops the print queues' workers and closes the scale and
// printers the station opened itself (UseScale, UsePrinter, a Retry of a
// job left from before a restart). Labels not confirmed stay queued in
// the store.
func (s *Station) Close() error {
	s.closeQueues()
	s.mu.Lock()
	sc, own := s.scale, s.ownScale
	s.ownScale = false
	s.mu.Unlock()
	if own && sc != nil {
		return sc.Close()
	}
	return nil
}

// ScaleURI is the address of the scale in use: the one UseScale opened,
// or Config.ScaleURI for the scale New was given; "" without a scale.
func (s *Station) ScaleURI() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scale == nil {
		return ""
	}
	return s.scaleURI
}

// ScaleDevices lists serial ports and USB scales, for a settings page.
func (s *Station) ScaleDevices(ctx context.Context) ([]scale.Found, error) {
	found, err := scale.List()
	if err != nil {
		return nil, &Problem{ID: "scale.list_failed", Data: map[string]any{"Reason": err.Error()}, Msg: err.Error(), Hint: "type the scale's address instead (for example serial:///dev/ttyUSB0?protocol=sics)", Err: err}
	}
	return found, nil
}

// ProbeScale asks the serial port which protocol answers and returns the
// address to use and the reading it got.
func (s *Station) ProbeScale(ctx context.Context, port string) (string, scale.Reading, error) {
	if cur := s.ScaleURI(); cur != "" && strings.Contains(cur, port+"?") {
		return "", scale.Reading{}, &Problem{ID: "scale.port_in_use", Data: map[string]any{"URI": cur}, Msg: "the station is reading that port now (" + cur + ")", Hint: "press Test to read the scale in use, or choose another port"}
	}
	uri, r, err := scale.Probe(ctx, port, 0)
	if err != nil {
		return "", r, &Problem{ID: "scale.probe_failed", Data: map[string]any{"Reason": err.Error()}, Msg: err.Error(), Hint: "check the cable and that the scale is on; or type its address with the protocol from its manual", Err: err}
	}
	return uri, r, nil
}

// TestScale reads one weight from the scale at uri (the scale in use when
// uri is its address; otherwise it opens and closes it) and returns it.
func (s *Station) TestScale(ctx context.Context, uri string) (scale.Reading, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s.mu.Lock()
	sc := s.scale
	if s.scaleURI != uri || sc == nil {
		sc = nil
	}
	s.mu.Unlock()
	if sc == nil {
		opened, err := scale.Open(uri)
		if err != nil {
			return scale.Reading{}, &Problem{ID: "scale.open_failed", Data: map[string]any{"Reason": err.Error()}, Msg: err.Error(), Hint: "check the address: " + scaleURIHelp, Err: err}
		}
		defer opened.Close()
		sc = opened
	}
	var r scale.Reading
	var err error
	// A scale just opened may report a connection error before its first
	// reading; give it the few seconds a real one needs.
	for {
		if r, err = sc.Read(ctx); err == nil || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err != nil {
		return r, &Problem{ID: "scale.no_answer", Data: map[string]any{"Reason": err.Error()}, Msg: "the scale did not answer: " + err.Error(), Hint: "check the cable, that the scale is on, and its settings (baud rate, parity, protocol)", Err: err}
	}
	return r, nil
}

const scaleURIHelp = "serial:///dev/ttyUSB0?protocol=sics|nci|cas|continuous, usbhid://VID:PID, hidraw:///dev/hidraw0 or sim://?weight=1.25kg"

// Weigh waits for a stable weight on the station's scale (the stable-
// weight filter of Config.Stable) and returns it, or a Problem that says
// what to do.
func (s *Station) Weigh(ctx context.Context) (scale.Reading, error) {
	sc, _ := s.currentScale()
	if sc == nil {
		return scale.Reading{}, &Problem{ID: "scale.none", Msg: "no weight: the station has no scale", Hint: "type the weight (for example 1.25kg) or choose a scale in the settings"}
	}
	r, err := scale.WaitStable(ctx, sc, s.cfg.Stable)
	s.noteScale(err)
	if err != nil {
		return r, &Problem{ID: "scale.no_stable_weight", Data: map[string]any{"Reason": err.Error()}, Msg: "no stable weight: " + err.Error(), Hint: "keep the parcel still on the scale, or type the weight", Err: err}
	}
	return r, nil
}

// stableWeight is the weight Pack books when none was typed.
//
// Trust, in three steps. The scale's own flag and a window of agreeing
// readings make a weight stable (scale.WaitStable; zero, negative, over-
// and underload never are). The readings are all taken after Print was
// pressed, never from before. And when the packer saw a stable weight as
// they pressed Print (the GUI passes it as seen), the booked weight must
// agree with it within the filter's tolerance: a parcel swapped, a hand
// leaning on the box or a second parcel added after Print is refused with
// both numbers, instead of booking a weight nobody looked at.
func (s *Station) stableWeight(ctx context.Context, seen carrier.Weight) (carrier.Weight, error) {
	sc, _ := s.currentScale()
	r, err := s.Weigh(ctx)
	if err != nil {
		return 0, err
	}
	w := carrier.Weight(math.Round(r.Grams))
	if w <= 0 {
		return 0, &Problem{ID: "scale.no_weight", Msg: "the scale reads no weight", Hint: "put the parcel on the scale"}
	}
	if seen > 0 {
		tol := s.cfg.Stable.ToleranceFor(sc, float64(seen))
		if math.Abs(float64(w-seen)) > tol {
			return 0, &Problem{
				ID: "scale.weight_changed", Data: map[string]any{"Seen": seen, "Now": w},
				Msg:  fmt.Sprintf("the weight changed after Print was pressed: the scale showed %s, now it reads %s", seen, w),
				Hint: "check the parcel on the scale (nothing added, nothing leaning on it), then press Print again",
				Err:  ErrWeightChanged,
			}
		}
	}
	return w, nil
}

// WatchWeight streams the scale's state for a live display until ctx
// ends: readings, and failed reads as updates with Err set (the scale is
// disconnected or silent; Update.State says StateDisconnected), so the
// display never freezes on an old number. Without a scale it sends one
// update with ErrNoScale and waits for one (SetScale). It follows a
// scale swap. Like scale.Watch, the channel holds only the newest
// update, so a slow display never builds a backlog; it is closed when
// ctx ends.
func (s *Station) WatchWeight(ctx context.Context) <-chan scale.Update {
	out := make(chan scale.Update, 1)
	send := func(u scale.Update) {
		select { // replace an unread update with the newer one
		case <-out:
		default:
		}
		out <- u
	}
	go func() {
		defer close(out)
		for ctx.Err() == nil {
			sc, swapped := s.currentScale()
			if sc == nil {
				send(scale.Update{Err: ErrNoScale})
				select {
				case <-ctx.Done():
				case <-swapped:
				}
				continue
			}
			wctx, cancel := context.WithCancel(ctx)
			updates := scale.Watch(wctx, sc, 100*time.Millisecond)
		watch:
			for {
				select {
				case u, ok := <-updates:
					if !ok {
						break watch
					}
					s.noteScale(u.Err)
					send(u)
				case <-swapped:
					break watch
				}
			}
			cancel()
			for range updates { // let Watch's goroutine end
			}
		}
	}()
	return out
}
