package outbox_test

import (
	"context"
	"testing"
	"time"

	"labelstation/station/outbox"
)

func TestWithGraceOutlivesItsParentByTheGrace(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	sctx, cancel := outbox.WithGrace(ctx, 50*time.Millisecond)
	defer cancel()
	stop()
	if sctx.Err() != nil {
		t.Fatal("the send's ctx ended with its parent; it should get the grace")
	}
	select {
	case <-sctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the send's ctx did not end after the grace")
	}

	ctx, stop = context.WithCancel(context.Background())
	sctx, cancel = outbox.WithGrace(ctx, 0)
	defer cancel()
	stop()
	select {
	case <-sctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("without a grace the send's ctx did not end with its parent")
	}

	sctx, cancel = outbox.WithGrace(context.Background(), time.Hour)
	cancel()
	if sctx.Err() == nil {
		t.Fatal("cancel did not end the send's ctx")
	}
}
