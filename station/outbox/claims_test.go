package outbox

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A second claim of the same item waits for the first to release; other
// items are not held up; a claimant whose ctx ends gives up.
func TestClaimsOneHolderPerItem(t *testing.T) {
	var c Claims[uint64]
	release, err := c.Claim(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.Claim(context.Background(), 8)
	if err != nil {
		t.Fatal(err)
	}
	other()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Claim(ctx, 7); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a held item was claimed again: %v", err)
	}

	got := make(chan struct{})
	go func() {
		r, err := c.Claim(context.Background(), 7)
		if err == nil {
			r()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("the second claim did not wait")
	case <-time.After(20 * time.Millisecond):
	}
	release()
	select {
	case <-got:
	case <-time.After(2 * time.Second):
		t.Fatal("the second claim was not given the item after release")
	}
}
