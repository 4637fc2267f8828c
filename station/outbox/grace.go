package outbox

import (
	"context"
	"time"
)

// WithGrace returns the ctx for one send: it ends grace after ctx ends (at
// once if grace <= 0), so a send in flight when Run stops still gets its
// answer and can record the outcome instead of leaving it in doubt. Call
// cancel once the send is over.
func WithGrace(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		if grace <= 0 {
			cancel()
			return
		}
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(sctx, func() { t.Stop() })
	})
	return sctx, func() { stop(); cancel() }
}
