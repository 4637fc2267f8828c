package station

import (
	"context"
	"errors"
)

// Placeholder bodies: the notification flow is being built (issue 10).
var errNotBuilt = errors.New("not built yet")

func (s *Station) notificationsPage(ctx context.Context, days int) (NotificationsPage, error) {
	return NotificationsPage{}, errNotBuilt
}
func (s *Station) enableRule(ctx context.Context, id string, on bool) (NotificationRule, error) {
	return NotificationRule{}, errNotBuilt
}
func (s *Station) previewRule(ctx context.Context, id, scan string) ([]NotificationMessage, error) {
	return nil, errNotBuilt
}
func (s *Station) retryNotification(ctx context.Context, seq uint64) (NotificationEntry, error) {
	return NotificationEntry{}, errNotBuilt
}
func (s *Station) discardNotification(ctx context.Context, seq uint64, reason string) (NotificationEntry, error) {
	return NotificationEntry{}, errNotBuilt
}
func (s *Station) syncNotifications(ctx context.Context) (NotifyReport, error) {
	return NotifyReport{}, errNotBuilt
}
func (s *Station) runNotifications(ctx context.Context) {}
