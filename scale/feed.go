package scale

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// feed hands readings from a device's own goroutine to every Read that
// waits for one. A Read gets only readings published after it started,
// so a weight is never stale; while the device is failing (err set) Read
// returns the failure at once, so a live display says "disconnected"
// instead of waiting.
type feed struct {
	mu      sync.Mutex
	seq     uint64
	last    Reading
	err     error
	changed chan struct{}
}

func newFeed() feed { return feed{changed: make(chan struct{})} }

// publish hands a reading (err nil) or a failure to every waiting Read.
// The same failure again is no news and wakes nobody.
func (f *feed) publish(r Reading, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil && f.err != nil && err.Error() == f.err.Error() {
		return
	}
	f.seq++
	f.last, f.err = r, err
	close(f.changed)
	f.changed = make(chan struct{})
}

// failing returns the current failure, if any.
func (f *feed) failing() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// next waits for the next publication after the call. name describes the
// device for ErrClosed; silent is the error when nothing comes within
// timeout.
func (f *feed) next(ctx context.Context, closed <-chan struct{}, name string, timeout time.Duration, silent func() error) (Reading, error) {
	f.mu.Lock()
	seq, err, ch := f.seq, f.err, f.changed
	f.mu.Unlock()
	select {
	case <-closed:
		return Reading{}, fmt.Errorf("%s: %w", name, ErrClosed)
	default:
	}
	if err != nil {
		return Reading{}, err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-ch:
		case <-ctx.Done():
			return Reading{}, ctx.Err()
		case <-closed:
			return Reading{}, fmt.Errorf("%s: %w", name, ErrClosed)
		case <-t.C:
			return Reading{}, silent()
		}
		f.mu.Lock()
		if f.seq != seq {
			r, err := f.last, f.err
			f.mu.Unlock()
			return r, err
		}
		ch = f.changed
		f.mu.Unlock()
	}
}
