package station

import (
	"context"
	"io"
	"time"

	"labelstation/station/notify"
)

// NotificationRule and NotificationTemplate are the rules and templates
// of station/notify.
type (
	NotificationRule     = notify.Rule
	NotificationTemplate = notify.Template
	NotificationMessage  = notify.Outgoing
	NotificationPreview  = notify.Preview
)

// NotificationsPage is what the notifications page shows.
type NotificationsPage struct {
	Rules     []NotificationRule     `json:"rules"`
	Templates []NotificationTemplate `json:"templates"`
	// Channels are the channels the station can send on (configured):
	// "email", "sms".
	Channels []string `json:"channels"`
	// Sender is who the e-mails come from, as the receiver sees it.
	Sender string `json:"sender,omitempty"`
	// Log is what was sent, is waiting, and failed, newest first, over
	// the page's days.
	Log []NotificationEntry `json:"log"`
	// Totals are the messages per day and channel, oldest day first, so
	// the cost is visible.
	Totals []NotificationDay `json:"totals"`
}

// NotificationEntry is one message in the log.
type NotificationEntry struct {
	Seq       uint64    `json:"seq"`
	Rule      string    `json:"rule"`
	Trigger   string    `json:"trigger"`
	OrderRef  string    `json:"order_ref"`
	Channel   string    `json:"channel"` // email or sms
	To        string    `json:"to"`
	Language  string    `json:"language"`
	Subject   string    `json:"subject,omitempty"`
	Text      string    `json:"text"`
	State     string    `json:"state"` // pending, sending, sent, failed, unknown, discarded
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	Response  string    `json:"response,omitempty"` // the provider's answer
	Created   time.Time `json:"created"`
	NotBefore time.Time `json:"not_before,omitempty"` // held for quiet hours until
	SentAt    time.Time `json:"sent_at,omitempty"`
	// Action says what a person may do about it, in words; ActionID (one
	// of NotificationActionIDs) and ActionData say it for a translation.
	Action     string         `json:"action,omitempty"`
	ActionID   string         `json:"-"`
	ActionData map[string]any `json:"-"`
}

// NotificationActionIDs are the ids of NotificationEntry.Action.
var NotificationActionIDs = []string{"notify.action.held", "notify.action.retrying", "notify.action.on_way",
	"notify.action.sending", "notify.action.refused", "notify.action.unknown"}

// HeldForQuiet reports whether the message waits for quiet hours to end:
// made, never tried, not before a later time. (A retry's back-off sets
// NotBefore too, after an attempt: that message is retrying, not held.)
func (e NotificationEntry) HeldForQuiet(now time.Time) bool {
	return e.State == "pending" && e.Attempts == 0 && e.NotBefore.After(now)
}

// NotificationDay counts one day's messages.
type NotificationDay struct {
	Day     time.Time `json:"day"`
	Email   int       `json:"email"`   // sent
	SMS     int       `json:"sms"`     // sent
	Waiting int       `json:"waiting"` // pending, held or unknown
	Failed  int       `json:"failed"`
}

// NotifyReport says what one delivery pass did.
type NotifyReport struct {
	Queued  int      `json:"queued"` // made by the sweep (time-based triggers)
	Sent    int      `json:"sent"`
	Waiting int      `json:"waiting"`
	Failed  int      `json:"failed"`
	Unknown int      `json:"unknown"`
	Errors  []string `json:"errors,omitempty"`
}

// Notifications returns the notifications page: rules, templates, the
// log of the last days (1 = today) and the totals per day.
func (s *Station) Notifications(ctx context.Context, days int) (NotificationsPage, error) {
	return s.notificationsPage(ctx, days)
}

// EnableRule switches a rule on or off.
func (s *Station) EnableRule(ctx context.Context, id string, on bool) (NotificationRule, error) {
	return s.enableRule(ctx, id, on)
}

// PreviewRule renders what the rule would send for a real shipment (scan:
// its order reference or tracking number), whether or not it is enabled
// and whether or not its trigger happened, with notes on what would stop
// or change it for real; nothing is queued.
func (s *Station) PreviewRule(ctx context.Context, id, scan string) (NotificationPreview, error) {
	return s.previewRule(ctx, id, scan)
}

// RetryNotification sends one message again now, on a person's word (a
// refused or unknown one included).
func (s *Station) RetryNotification(ctx context.Context, seq uint64) (NotificationEntry, error) {
	return s.retryNotification(ctx, seq)
}

// DiscardNotification takes a message out of the queue for good.
func (s *Station) DiscardNotification(ctx context.Context, seq uint64, reason string) (NotificationEntry, error) {
	return s.discardNotification(ctx, seq, reason)
}

// SyncNotifications runs the time-based triggers and sends every due
// message now.
func (s *Station) SyncNotifications(ctx context.Context) (NotifyReport, error) {
	return s.syncNotifications(ctx)
}

// RunNotifications sends messages and runs the time-based triggers in the
// background until ctx ends.
func (s *Station) RunNotifications(ctx context.Context) { s.runNotifications(ctx) }

// ImportNotifications reads a notification setup (TOML: templates and
// rules) and replaces the station's with it; every rule that was not
// enabled before comes in disabled.
func (s *Station) ImportNotifications(ctx context.Context, r io.Reader) (notify.Setup, error) {
	if s.notes == nil {
		return notify.Setup{}, notificationsOff()
	}
	setup, err := notify.ParseSetup(r)
	if err != nil {
		return setup, &Problem{ID: "notify.setup_unreadable", Data: map[string]any{"Reason": err.Error()}, Msg: err.Error(), Hint: "fix the file at the line named; labelstation notify fields lists the template fields", Err: err}
	}
	if err := s.notes.Import(setup); err != nil {
		return setup, &Problem{ID: "notify.setup_not_imported", Data: map[string]any{"Reason": err.Error()}, Msg: err.Error(), Hint: "fix the file; labelstation notify fields lists the template fields", Err: err}
	}
	s.log.Info("notification setup imported", "templates", len(setup.Templates), "rules", len(setup.Rules))
	return s.notes.Setup(), nil
}
