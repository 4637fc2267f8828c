package station

import "context"

// Placeholder bodies: the webhook delivery is being built (issue 9).
func (s *Station) webhookEntries(ctx context.Context, all bool) ([]WebhookEntry, error) {
	return nil, errNotBuilt
}
func (s *Station) retryWebhook(ctx context.Context, seq uint64) (WebhookEntry, error) {
	return WebhookEntry{}, errNotBuilt
}
func (s *Station) discardWebhook(ctx context.Context, seq uint64, reason string) (WebhookEntry, error) {
	return WebhookEntry{}, errNotBuilt
}
func (s *Station) syncWebhooks(ctx context.Context) (WebhookReport, error) {
	return WebhookReport{}, errNotBuilt
}
func (s *Station) runWebhooks(ctx context.Context) {}
