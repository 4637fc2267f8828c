package outbox

import (
	"context"
	"sync"
)

// Claims lets one sender at a time work on an item: the worker's send and
// a person's Retry of the same item must never be on the wire together.
// A second claimant waits for the first to release (or for its ctx). The
// zero value is ready to use; it is safe for concurrent use.
type Claims[K comparable] struct {
	mu   sync.Mutex
	busy map[K]chan struct{} // closed when its holder releases
}

// Claim takes the item, waiting while another holds it; release gives it
// back (call it once).
func (c *Claims[K]) Claim(ctx context.Context, key K) (release func(), err error) {
	for {
		c.mu.Lock()
		ch, busy := c.busy[key]
		if !busy {
			if c.busy == nil {
				c.busy = map[K]chan struct{}{}
			}
			ch = make(chan struct{})
			c.busy[key] = ch
			c.mu.Unlock()
			return func() {
				c.mu.Lock()
				delete(c.busy, key)
				c.mu.Unlock()
				close(ch)
			}, nil
		}
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
