package main

import (
	"log/slog"
	"sync"

	"labelstation/app"
	"labelstation/config"
	"labelstation/sound"
)

// The bench's sounds: the pack screen's cues come from the sound package's
// player on the OS sound device, unless the config turns them off
// ([station] sounds = false) or there is no device that works. Either way
// the station runs, silent, after one log line that says why.

// openSound opens the sound device's player; a var so a test can see
// that a station with sounds off never touches the device.
var openSound = sound.New

// benchCues makes the pack screen's cues from the config, and the func
// that stops them when the window closes. The device is opened in the
// background: the window never waits for it, and a cue before it is
// ready (a few milliseconds) is not heard.
func benchCues(cfg config.Config, log *slog.Logger) (app.Cues, func()) {
	if !cfg.Station.SoundsOn() {
		log.Info("sounds off", "why", "[station] sounds = false in the config")
		return quietCues{}, func() {}
	}
	c := &deviceCues{opened: make(chan struct{})}
	go c.open(log)
	return c, c.close
}

// quietCues are the cues of a station with its sounds off.
type quietCues struct{}

func (quietCues) Success()   {}
func (quietCues) Problem()   {}
func (quietCues) Attention() {}

// deviceCues play on the sound device once it is open; until then, and
// for good when it cannot be opened, they are silent.
type deviceCues struct {
	mu     sync.Mutex
	player *sound.Player
	closed bool
	opened chan struct{} // closed when the device was opened or given up
}

func (c *deviceCues) open(log *slog.Logger) {
	defer close(c.opened)
	p, err := openSound(sound.Options{OnError: func(err error) {
		log.Warn("sounds off: the sound device failed", "err", err)
	}})
	if err != nil {
		log.Warn("sounds off: no sound device", "err", err,
			"hint", "connect speakers or headphones and restart the station, or set [station] sounds = false")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed { // the window closed first
		p.Close()
		return
	}
	c.player = p
	log.Info("sounds on")
}

func (c *deviceCues) playerNow() *sound.Player {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.player
}

func (c *deviceCues) Success() {
	if p := c.playerNow(); p != nil {
		p.Success()
	}
}

func (c *deviceCues) Problem() {
	if p := c.playerNow(); p != nil {
		p.Problem()
	}
}

func (c *deviceCues) Attention() {
	if p := c.playerNow(); p != nil {
		p.Attention()
	}
}

// close stops the player, without waiting for a device that is still
// being opened (it is closed when it comes).
func (c *deviceCues) close() {
	c.mu.Lock()
	p := c.player
	c.player, c.closed = nil, true
	c.mu.Unlock()
	if p != nil {
		p.Close()
	}
}
