package station

import (
	"context"
	"time"

	"labelstation/carrier"
	"labelstation/scale"
)

func (s *Station) stableWeight(ctx context.Context) (carrier.Weight, error) {
	if s.scale == nil {
		return 0, &Problem{Msg: "no weight: the station has no scale", Hint: "type the weight (for example 1.25kg) or connect a scale in the settings"}
	}
	r, err := scale.WaitStable(ctx, s.scale, s.cfg.Stable)
	s.noteScale(err)
	if err != nil {
		return 0, &Problem{Msg: "no stable weight: " + err.Error(), Hint: "keep the parcel still on the scale, or type the weight", Err: err}
	}
	w := carrier.Weight(r.Grams + 0.5)
	if w <= 0 {
		return 0, &Problem{Msg: "the scale reads no weight", Hint: "put the parcel on the scale"}
	}
	return w, nil
}

// WatchWeight streams the scale's readings for a live display until ctx
// ends. A failed read is not sent: it marks the scale not OK in Status
// (which the status bar shows) until the next good reading. Like
// scale.Watch, the channel holds only the newest reading, so a slow display
// never builds a backlog. Without a scale the channel is closed at once.
func (s *Station) WatchWeight(ctx context.Context) <-chan scale.Reading {
	out := make(chan scale.Reading, 1)
	if s.scale == nil {
		close(out)
		return out
	}
	updates := scale.Watch(ctx, s.scale, 100*time.Millisecond)
	go func() {
		defer close(out)
		for u := range updates {
			s.noteScale(u.Err)
			if u.Err != nil {
				continue
			}
			select { // replace an unread reading with the newer one
			case <-out:
			default:
			}
			out <- u.Reading
		}
	}()
	return out
}
