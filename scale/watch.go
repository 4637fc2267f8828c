package scale

import (
	"context"
	"time"
)

// Update is one item of a Watch stream: a reading, or the error of a read
// that failed (the scale was unplugged, say), so a live display can show
// "scale not answering" instead of a frozen number.
type Update struct {
	Reading
	Err error
}

// minRetry spaces reads after a failure, so a scale that fails at once
// (unplugged) is not hammered.
const minRetry = 250 * time.Millisecond

// Watch reads s continuously for a live weight display and sends each
// reading on the returned channel, at most one per every (0: as fast as
// the scale answers). The channel holds only the newest update: a display
// that falls behind gets the current weight, not a backlog, and never
// slows the scale down. The channel is closed when ctx ends.
func Watch(ctx context.Context, s Scale, every time.Duration) <-chan Update {
	ch := make(chan Update, 1)
	go func() {
		defer close(ch)
		var next time.Time
		for {
			if wait := time.Until(next); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
			next = time.Now().Add(every)
			r, err := s.Read(ctx)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				next = time.Now().Add(max(every, minRetry))
			}
			offer(ch, Update{Reading: r, Err: err})
		}
	}()
	return ch
}

// offer puts u on ch, replacing an update the consumer has not taken yet.
// Watch's goroutine is the only sender, so after the drain the send
// cannot block.
func offer(ch chan Update, u Update) {
	select {
	case ch <- u:
		return
	default:
	}
	select {
	case <-ch:
	default:
	}
	ch <- u
}

// State classifies the update for a display: a failed read is
// StateDisconnected, anything else the reading's own state.
func (u Update) State() State {
	if u.Err != nil {
		return StateDisconnected
	}
	return u.Reading.State()
}
