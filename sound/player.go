package sound

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune a Player.
type Options struct {
	// Volume of the cues, above 0 up to 1; unset (0) is full level.
	Volume float64
	// OpenTimeout is how long New waits for the sound device to get
	// ready; 0 is 3 seconds.
	OpenTimeout time.Duration
	// OnError is told, once, when the device fails after New (unplugged,
	// or it stopped taking sound); the Player is silent from then on.
	// It is called from the Player's own goroutine.
	OnError func(error)
}

// Player plays cues on the sound device. Play never waits: it leaves
// the cue for the Player's goroutine, and a cue that comes while another
// sounds cuts that one short (fading it out): the bench hears what
// happened last, never a backlog of stale beeps after a burst of scans.
// Its methods are safe from any goroutine.
type Player struct {
	out     output
	volume  float64
	onError func(error)
	timing  timing

	mu      sync.Mutex
	pending Cue
	waiting bool // pending holds a cue not yet started
	silent  bool // closed, or the device failed
	kick    chan struct{}

	quit      chan struct{}
	stopped   chan struct{}
	closeOnce sync.Once

	// played counts cues that sounded to their end; cut, cues faded out
	// for a newer one.
	played, cut atomic.Int64
}

// output is where a Player's cues sound: the OS device, or a test's
// stand-in.
type output interface {
	start(c Cue, volume float64) voice
	wake() error // the device is wanted: let it run
	rest() error // the device is not wanted any more
	err() error  // why the device stopped, if it did
}

// voice is one cue sounding.
type voice interface {
	done() bool // played to its end
	fadeOut()   // silence it, without a click
	close() error
}

// timing is how a Player paces itself; tests shorten it.
type timing struct {
	// poll is how often a Player looks at what is sounding.
	poll time.Duration
	// fade is how long a cut cue is given to fade before it is closed:
	// oto's ramp takes one mixing block (~20 ms) after what is already
	// buffered (~20 ms).
	fade time.Duration
	// restAfter: the device rests after this long with nothing to play;
	// a burst of scans keeps it awake.
	restAfter time.Duration
	// stallSlack: a cue still sounding this long after its end means the
	// device stopped taking sound.
	stallSlack time.Duration
	// closeWait bounds Close: a device that hangs must not hold up the
	// station's exit.
	closeWait time.Duration
}

var defaultTiming = timing{
	poll:       10 * time.Millisecond,
	fade:       80 * time.Millisecond,
	restAfter:  2 * time.Second,
	stallSlack: 2 * time.Second,
	closeWait:  2 * time.Second,
}

// errStalled is why a Player goes silent when the device stops taking
// sound without saying why.
var errStalled = errors.New("sound device stopped taking sound")

// New opens the sound device (once per process: later calls share it,
// or its error) and starts a Player on it. An error means there is no
// usable device; the station then runs silent.
func New(opts Options) (*Player, error) {
	timeout := opts.OpenTimeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	out, err := sharedDevice(timeout)
	if err != nil {
		return nil, err
	}
	return newPlayer(out, opts, defaultTiming), nil
}

func newPlayer(out output, opts Options, t timing) *Player {
	vol := opts.Volume
	if vol <= 0 || vol > 1 {
		vol = 1
	}
	p := &Player{
		out: out, volume: vol, onError: opts.OnError, timing: t,
		kick: make(chan struct{}, 1), quit: make(chan struct{}), stopped: make(chan struct{}),
	}
	go p.run()
	return p
}

// Play sounds the cue, cutting short one that is sounding. It returns at
// once; a closed or failed Player ignores it.
func (p *Player) Play(c Cue) {
	p.mu.Lock()
	if p.silent {
		p.mu.Unlock()
		return
	}
	p.pending, p.waiting = c, true
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default: // a kick is already waiting; it will find this cue
	}
}

// Success, Problem and Attention make a Player the pack screen's cues.
func (p *Player) Success()   { p.Play(Success) }
func (p *Player) Problem()   { p.Play(Problem) }
func (p *Player) Attention() { p.Play(Attention) }

// Close stops the Player: what sounds is faded out and the device rests.
// It waits at most a couple of seconds (timing.closeWait) for a device
// that hangs.
func (p *Player) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.silent = true
		p.mu.Unlock()
		close(p.quit)
	})
	select {
	case <-p.stopped:
		return nil
	case <-time.After(p.timing.closeWait):
		return fmt.Errorf("sound: the device did not stop within %s", p.timing.closeWait)
	}
}

// next takes the cue Play left, if any.
func (p *Player) next() (Cue, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.pending, p.waiting && !p.silent
	p.waiting = false
	return c, ok
}

type fading struct {
	v     voice
	until time.Time
}

// run owns the device for the Player: it starts cues, cuts the old one
// for a new one, closes what finished, and lets the device rest when the
// bench is quiet.
func (p *Player) run() {
	defer close(p.stopped)
	var (
		current  voice
		due      time.Time // when current should have finished
		faded    []fading
		awake    bool
		lastBusy time.Time
		failed   bool
	)
	tick := time.NewTicker(p.timing.poll)
	tick.Stop()
	defer tick.Stop()

	closeAll := func() {
		if current != nil {
			current.fadeOut()
			faded = append(faded, fading{v: current})
			current = nil
		}
		for _, f := range faded {
			f.v.close()
		}
		faded = nil
	}
	fail := func(err error) {
		failed = true
		p.mu.Lock()
		p.silent = true
		p.mu.Unlock()
		closeAll()
		tick.Stop()
		if p.onError != nil {
			p.onError(err)
		}
	}

	for {
		select {
		case <-p.quit:
			if !failed {
				closeAll()
				if awake {
					p.out.rest()
				}
			}
			return

		case <-p.kick:
			c, ok := p.next()
			if !ok || failed {
				continue
			}
			now := time.Now()
			if current != nil {
				current.fadeOut()
				faded = append(faded, fading{v: current, until: now.Add(p.timing.fade)})
				current = nil
				p.cut.Add(1)
			}
			if !awake {
				if err := p.out.wake(); err != nil {
					fail(err)
					continue
				}
				awake = true
			}
			current = p.out.start(c, p.volume)
			due = now.Add(c.Duration() + p.timing.stallSlack)
			lastBusy = now
			tick.Reset(p.timing.poll)

		case <-tick.C:
			// (The tick's own time may be from before a late delivery.)
			now := time.Now()
			if failed {
				continue
			}
			if err := p.out.err(); err != nil {
				fail(err)
				continue
			}
			if current != nil {
				switch {
				case current.done():
					current.close()
					current = nil
					p.played.Add(1)
					lastBusy = now
				case now.After(due):
					fail(errStalled)
					continue
				}
			}
			kept := faded[:0]
			for _, f := range faded {
				if now.After(f.until) {
					f.v.close()
					lastBusy = now
				} else {
					kept = append(kept, f)
				}
			}
			faded = kept
			if current != nil || len(faded) > 0 {
				lastBusy = now
				continue
			}
			if awake && now.Sub(lastBusy) >= p.timing.restAfter {
				if err := p.out.rest(); err != nil {
					fail(err)
					continue
				}
				awake = false
				tick.Stop()
			}
		}
	}
}
