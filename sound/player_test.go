package sound

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeOutput stands in for the device, to pin down what a Player does
// with bursts, failures and quiet; the real device path is tested in
// device_test.go.
type fakeOutput struct {
	mu       sync.Mutex
	events   []string // wake, start CUE, fade CUE, close CUE, rest — in order
	voices   []*fakeVoice
	failure  error         // err() reports this once set
	gate     chan struct{} // when set, the first start waits for it
	restHang chan struct{} // when set, rest waits for it
}

func (o *fakeOutput) log(e string) {
	o.mu.Lock()
	o.events = append(o.events, e)
	o.mu.Unlock()
}

func (o *fakeOutput) start(c Cue, volume float64) voice {
	o.mu.Lock()
	first, gate := len(o.voices) == 0, o.gate
	v := &fakeVoice{out: o, cue: c, volume: volume}
	o.voices = append(o.voices, v)
	o.mu.Unlock()
	if first && gate != nil {
		<-gate
	}
	o.log("start " + c.String())
	return v
}

func (o *fakeOutput) wake() error { o.log("wake"); return nil }

func (o *fakeOutput) rest() error {
	o.mu.Lock()
	hang := o.restHang
	o.mu.Unlock()
	if hang != nil {
		<-hang
	}
	o.log("rest")
	return nil
}

func (o *fakeOutput) err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.failure
}

func (o *fakeOutput) snapshot() ([]string, []*fakeVoice) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.events), slices.Clone(o.voices)
}

func (o *fakeOutput) count(e string) int {
	ev, _ := o.snapshot()
	n := 0
	for _, x := range ev {
		if x == e {
			n++
		}
	}
	return n
}

// fakeVoice is a cue "sounding" until the test says it finished.
type fakeVoice struct {
	out      *fakeOutput
	cue      Cue
	volume   float64
	mu       sync.Mutex
	finished bool
}

func (v *fakeVoice) finish() {
	v.mu.Lock()
	v.finished = true
	v.mu.Unlock()
}

func (v *fakeVoice) done() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.finished
}

func (v *fakeVoice) fadeOut()     { v.out.log("fade " + v.cue.String()) }
func (v *fakeVoice) close() error { v.out.log("close " + v.cue.String()); return nil }

var fastTiming = timing{
	poll:       time.Millisecond,
	fade:       20 * time.Millisecond,
	restAfter:  50 * time.Millisecond,
	stallSlack: 100 * time.Millisecond,
	closeWait:  300 * time.Millisecond,
}

// TestSoundBurstPlaysOnlyTheLatest: while the device is busy starting one
// cue, a burst of 49 more arrives; every Play returns at once, and
// afterwards exactly one more cue sounds — the last one asked for —
// while the first is faded out before it is closed. No backlog.
func TestSoundBurstPlaysOnlyTheLatest(t *testing.T) {
	out := &fakeOutput{gate: make(chan struct{})}
	p := newPlayer(out, Options{}, fastTiming)
	defer p.Close()

	p.Play(Success)
	waitFor(t, time.Second, func() bool { _, v := out.snapshot(); return len(v) == 1 }, "the first cue to start")
	start := time.Now()
	for i := range 49 {
		p.Play([]Cue{Success, Problem}[i%2])
	}
	p.Play(Attention)
	if took := time.Since(start); took > 50*time.Millisecond {
		t.Errorf("50 Plays took %s while the device was busy; Play must not wait", took)
	}
	close(out.gate)
	waitFor(t, time.Second, func() bool { _, v := out.snapshot(); return len(v) == 2 }, "the latest cue to start")
	_, voices := out.snapshot()
	voices[1].finish()
	waitFor(t, time.Second, func() bool { return p.played.Load() == 1 }, "the latest cue to finish")
	time.Sleep(5 * fastTiming.poll) // nothing else may start

	events, voices := out.snapshot()
	var started []Cue
	for _, v := range voices {
		started = append(started, v.cue)
	}
	if !slices.Equal(started, []Cue{Success, Attention}) {
		t.Errorf("cues started: %v, want the first and the last asked for (success, attention); events %v", started, events)
	}
	if got := p.cut.Load(); got != 1 {
		t.Errorf("%d cues cut short, want 1 (the first)", got)
	}
	// The first cue fades before the new one starts, and is closed after.
	want := []string{"wake", "start success", "fade success", "start attention"}
	if len(events) < len(want) || !slices.Equal(events[:len(want)], want) {
		t.Errorf("events %v, want them to begin %v", events, want)
	}
	waitFor(t, time.Second, func() bool { return out.count("close success") == 1 }, "the faded cue to be closed")
	if i, j := slices.Index(events, "fade success"), slices.Index(events, "close success"); j >= 0 && j < i {
		t.Errorf("the first cue was closed before it faded: %v", events)
	}
	if voices[0].volume != 1 {
		t.Errorf("volume %v, want full (1) when Options leave it unset", voices[0].volume)
	}
}

// TestSoundRestsWhenQuiet: the device wakes for a cue and rests a while
// after the last one ends, then wakes again for the next.
func TestSoundRestsWhenQuiet(t *testing.T) {
	out := &fakeOutput{}
	p := newPlayer(out, Options{Volume: 0.4}, fastTiming)
	defer p.Close()

	p.Play(Problem)
	waitFor(t, time.Second, func() bool { _, v := out.snapshot(); return len(v) == 1 }, "the cue to start")
	_, voices := out.snapshot()
	if voices[0].volume != 0.4 {
		t.Errorf("volume %v, want the Options' 0.4", voices[0].volume)
	}
	time.Sleep(2 * fastTiming.restAfter)
	if n := out.count("rest"); n != 0 {
		t.Fatalf("the device rested while a cue was sounding")
	}
	voices[0].finish()
	ended := time.Now()
	waitFor(t, time.Second, func() bool { return out.count("rest") == 1 }, "the device to rest")
	if quiet := time.Since(ended); quiet < fastTiming.restAfter {
		t.Errorf("the device rested %s after the cue ended, want after %s", quiet, fastTiming.restAfter)
	}
	p.Play(Success)
	waitFor(t, time.Second, func() bool { return out.count("wake") == 2 }, "the device to wake for the next cue")
	events, _ := out.snapshot()
	want := []string{"wake", "start problem", "close problem", "rest", "wake", "start success"}
	if !slices.Equal(events[:min(len(events), len(want))], want) {
		t.Errorf("events %v, want %v", events, want)
	}
}

// TestSoundDeviceFailureReportedOnce: a device that fails while playing
// is reported once, what sounded is closed, and later cues are ignored.
func TestSoundDeviceFailureReportedOnce(t *testing.T) {
	out := &fakeOutput{}
	var mu sync.Mutex
	var reported []error
	p := newPlayer(out, Options{OnError: func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}}, fastTiming)
	defer p.Close()

	p.Play(Success)
	waitFor(t, time.Second, func() bool { _, v := out.snapshot(); return len(v) == 1 }, "the cue to start")
	unplugged := errors.New("oto: ALSA error at snd_pcm_writei: No such device")
	out.mu.Lock()
	out.failure = unplugged
	out.mu.Unlock()
	waitFor(t, time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(reported) == 1 }, "the failure to be reported")
	for range 5 {
		p.Play(Problem)
	}
	time.Sleep(10 * fastTiming.poll)
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 1 || !errors.Is(reported[0], unplugged) {
		t.Errorf("reported %v, want the device's error once", reported)
	}
	if _, v := out.snapshot(); len(v) != 1 {
		t.Errorf("%d cues started after the device failed, want none", len(v)-1)
	}
	if out.count("close success") != 1 {
		t.Errorf("the sounding cue was not closed when the device failed")
	}
}

// TestSoundStalledDevice: a cue that never ends (the device stopped
// taking sound without an error) makes the Player report it and go
// silent, instead of piling up cues on a dead device.
func TestSoundStalledDevice(t *testing.T) {
	out := &fakeOutput{}
	reported := make(chan error, 10)
	p := newPlayer(out, Options{OnError: func(err error) { reported <- err }}, fastTiming)
	defer p.Close()

	start := time.Now()
	p.Play(Attention)
	select {
	case err := <-reported:
		if !errors.Is(err, errStalled) {
			t.Errorf("reported %v, want %v", err, errStalled)
		}
		if took, least := time.Since(start), Attention.Duration()+fastTiming.stallSlack; took < least {
			t.Errorf("reported a stall after %s, before the cue could have ended (%s)", took, least)
		}
	case <-time.After(Attention.Duration() + 2*time.Second):
		t.Fatal("a cue that never ended was not reported")
	}
	p.Play(Success)
	time.Sleep(10 * fastTiming.poll)
	if _, v := out.snapshot(); len(v) != 1 {
		t.Errorf("a cue started on the stalled device")
	}
	if len(reported) != 0 {
		t.Errorf("the stall was reported more than once")
	}
}

// TestSoundClose: Close fades and closes what sounds, rests the device,
// and a Play after it is ignored; a second Close is harmless.
func TestSoundClose(t *testing.T) {
	out := &fakeOutput{}
	p := newPlayer(out, Options{}, fastTiming)
	p.Play(Success)
	waitFor(t, time.Second, func() bool { _, v := out.snapshot(); return len(v) == 1 }, "the cue to start")
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	events, _ := out.snapshot()
	if want := []string{"wake", "start success", "fade success", "close success", "rest"}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	p.Play(Problem)
	p.Success()
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, v := out.snapshot(); len(v) != 1 {
		t.Errorf("a cue started after Close")
	}
}

// TestSoundCloseDoesNotHang: a device that hangs cannot hold up Close
// (and with it the station's exit) for longer than closeWait.
func TestSoundCloseDoesNotHang(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	out := &fakeOutput{restHang: hang}
	p := newPlayer(out, Options{}, fastTiming)
	p.Play(Success)
	waitFor(t, time.Second, func() bool { _, v := out.snapshot(); return len(v) == 1 }, "the cue to start")
	start := time.Now()
	err := p.Close()
	took := time.Since(start)
	if err == nil {
		t.Errorf("Close on a hanging device returned no error")
	}
	if took < fastTiming.closeWait || took > fastTiming.closeWait+time.Second {
		t.Errorf("Close took %s, want about %s", took, fastTiming.closeWait)
	}
}

// TestSoundPlayerIsTheScreensCues: Success, Problem and Attention play
// their cues (the pack screen's Cues interface).
func TestSoundPlayerIsTheScreensCues(t *testing.T) {
	for _, tc := range []struct {
		call func(*Player)
		want Cue
	}{
		{(*Player).Success, Success},
		{(*Player).Problem, Problem},
		{(*Player).Attention, Attention},
	} {
		t.Run(fmt.Sprint(tc.want), func(t *testing.T) {
			out := &fakeOutput{}
			p := newPlayer(out, Options{}, fastTiming)
			defer p.Close()
			tc.call(p)
			waitFor(t, time.Second, func() bool { _, v := out.snapshot(); return len(v) == 1 }, "the cue to start")
			if _, v := out.snapshot(); v[0].cue != tc.want {
				t.Errorf("played %s, want %s", v[0].cue, tc.want)
			}
		})
	}
}
