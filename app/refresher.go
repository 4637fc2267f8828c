package app

import (
	"context"
	"sync"
	"time"
)

// refresher runs a view's load off the UI goroutine, never two at once:
// a refresh asked for while one runs makes exactly one more run after it,
// so a burst of requests (a timer, tracking changes, the packer's
// actions) costs at most two loads and the view never stays behind. load
// reads what to show and hands it to the UI through fyne.Do itself.
type refresher struct {
	ctx  context.Context // the view's; when it ends, nothing more runs
	load func(ctx context.Context)

	mu      sync.Mutex
	running bool
	again   bool
}

// refresh asks for a load; any goroutine may call it.
func (r *refresher) refresh() {
	if r.ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	if r.running {
		r.again = true
		r.mu.Unlock()
		return
	}
	r.running = true
	r.mu.Unlock()
	go func() {
		for {
			r.load(r.ctx)
			r.mu.Lock()
			if !r.again || r.ctx.Err() != nil {
				r.running, r.again = false, false
				r.mu.Unlock()
				return
			}
			r.again = false
			r.mu.Unlock()
		}
	}()
}

// every calls fn every d until ctx ends; wg counts the goroutine.
func every(ctx context.Context, wg *sync.WaitGroup, d time.Duration, fn func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn()
			}
		}
	}()
}
