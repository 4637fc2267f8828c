package sound

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ebitengine/oto/v3"
)

// The OS sound device, through oto. oto allows one context per process,
// for the life of the process: it is opened once, by the first New, and
// every Player after that shares it (or its error).
var device struct {
	once sync.Once
	out  *otoOutput
	err  error
}

// openDevice opens the OS sound device. A var so a test can stand in a
// device that never answers.
var openDevice = func() (*oto.Context, chan struct{}, error) {
	quietALSA()
	return oto.NewContext(&oto.NewContextOptions{
		SampleRate:   sampleRate,
		ChannelCount: channels,
		Format:       oto.FormatSignedInt16LE,
	})
}

// sharedDevice is the process's sound device, opened on first use. A
// device that does not get ready within timeout is given up for the life
// of the process (oto cannot open a second one).
func sharedDevice(timeout time.Duration) (*otoOutput, error) {
	device.once.Do(func() {
		ctx, ready, err := openDevice()
		if err != nil {
			device.err = fmt.Errorf("sound device: %w", err)
			return
		}
		select {
		case <-ready:
		case <-time.After(timeout):
			device.err = fmt.Errorf("%w after %s", errNotReady, timeout)
			return
		}
		if err := ctx.Err(); err != nil {
			device.err = fmt.Errorf("sound device: %w", err)
			return
		}
		// Nothing plays yet: the device rests until the first cue.
		if err := ctx.Suspend(); err != nil {
			device.err = fmt.Errorf("sound device: %w", err)
			return
		}
		device.out = &otoOutput{ctx: ctx}
	})
	return device.out, device.err
}

// otoOutput plays cues on oto's context.
type otoOutput struct {
	ctx *oto.Context
	// awake counts the players that want the device running; it rests
	// when none does.
	mu    sync.Mutex
	awake int
	// started counts cues the device took; pulled, the bytes it read of
	// them: what a test sees of the sound really going out.
	started atomic.Int64
	pulled  atomic.Int64
}

// voiceBuffer is how much of a cue oto reads ahead of the device, about
// 20 ms: small, so a fade-out of a replaced cue is heard at once rather
// than after half a second of buffered sound.
const voiceBuffer = sampleRate / 50 * channels * 2

func (o *otoOutput) start(c Cue, volume float64) voice {
	src := &countingReader{r: bytes.NewReader(c.pcm()), n: &o.pulled}
	p := o.ctx.NewPlayer(src)
	p.SetBufferSize(voiceBuffer)
	p.SetVolume(volume)
	p.Play()
	o.started.Add(1)
	return otoVoice{p}
}

// wake lets the device play again; rest stops it while nothing plays
// (no stream of silence, no CPU spent on it).
func (o *otoOutput) wake() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.awake++
	if o.awake > 1 {
		return nil
	}
	return o.ctx.Resume()
}

func (o *otoOutput) rest() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.awake--
	if o.awake > 0 {
		return nil
	}
	return o.ctx.Suspend()
}

func (o *otoOutput) err() error { return o.ctx.Err() }

type otoVoice struct{ p *oto.Player }

// done: oto stops a player when its source is read to the end and its
// buffer is empty (all of it went to the device).
func (v otoVoice) done() bool { return !v.p.IsPlaying() }

// fadeOut: oto ramps a volume change across the next block it mixes,
// so silencing a cue mid-note does not click.
func (v otoVoice) fadeOut()     { v.p.SetVolume(0) }
func (v otoVoice) close() error { return v.p.Close() }

// countingReader counts the bytes oto pulled of a cue.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// errNotReady is why a device that never got ready is given up.
var errNotReady = errors.New("sound device not ready")
