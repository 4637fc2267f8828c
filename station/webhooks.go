package station

import (
	"context"
	"io"
	"time"

	"labelstation/station/wms"
)

// WebhookEntry is one webhook delivery as the queue view shows it.
type WebhookEntry struct {
	Seq        uint64    `json:"seq"`
	EventID    string    `json:"event_id"`
	Type       string    `json:"type"`
	OrderRef   string    `json:"order_ref"`
	State      string    `json:"state"` // pending, sent, failed, discarded
	Attempts   int       `json:"attempts"`
	LastError  string    `json:"last_error,omitempty"`
	LastStatus int       `json:"last_status,omitempty"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	SentAt     time.Time `json:"sent_at,omitempty"`
	// Action says what a person may do about it, in words.
	Action string `json:"action,omitempty"`
}

// WebhookReport says what one delivery pass did.
type WebhookReport struct {
	Sent    int      `json:"sent"`
	Waiting int      `json:"waiting"`
	Failed  int      `json:"failed"`
	Errors  []string `json:"errors,omitempty"`
}

// Webhooks lists the webhook deliveries: the open ones (pending and
// refused), or all=true also those sent and discarded today.
func (s *Station) Webhooks(ctx context.Context, all bool) ([]WebhookEntry, error) {
	return s.webhookEntries(ctx, all)
}

// RetryWebhook sends one delivery again now, on a person's word (a
// refused one included).
func (s *Station) RetryWebhook(ctx context.Context, seq uint64) (WebhookEntry, error) {
	return s.retryWebhook(ctx, seq)
}

// DiscardWebhook takes a delivery out of the queue for good.
func (s *Station) DiscardWebhook(ctx context.Context, seq uint64, reason string) (WebhookEntry, error) {
	return s.discardWebhook(ctx, seq, reason)
}

// SyncWebhooks delivers every due webhook now.
func (s *Station) SyncWebhooks(ctx context.Context) (WebhookReport, error) {
	return s.syncWebhooks(ctx)
}

// RunWebhooks delivers webhooks in the background until ctx ends.
func (s *Station) RunWebhooks(ctx context.Context) { s.runWebhooks(ctx) }

// ExportDay writes the day's shipments and the returns created,
// registered or received that day, as CSV or JSON, for a WMS without
// webhooks.
func (s *Station) ExportDay(ctx context.Context, w io.Writer, format string, day time.Time) error {
	shipments, err := s.store.ShipmentsOn(day)
	if err != nil {
		return err
	}
	all, err := s.store.Returns(false)
	if err != nil {
		return err
	}
	var returns []Return
	for _, r := range all {
		if sameDay(r.Created, day) || sameDay(r.RegisteredAt, day) || sameDay(r.ReceivedAt, day) {
			returns = append(returns, r)
		}
	}
	return wms.ExportDay(w, format, day, shipments, returns)
}

func sameDay(t, day time.Time) bool {
	if t.IsZero() {
		return false
	}
	a, b := t.Local(), day.Local()
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}
