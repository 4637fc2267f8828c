package app

import (
	"context"
	"time"

	"labelstation/carrier"
	"labelstation/scale"
	"labelstation/station"
)

// The real facade must keep satisfying the screen's needs.
var _ Station = (*station.Station)(nil)

// Station is the part of *station.Station the pack screen uses. It is
// declared here, on the consumer's side, so tests can drive the screen with
// a fake and so the GUI cannot reach past the facade.
type Station interface {
	// Order looks up an order by the reference on its barcode.
	Order(ctx context.Context, ref string) (carrier.Order, error)
	// Pack weighs, books and prints one parcel of the order.
	Pack(ctx context.Context, ref string, opts station.PackOptions) (station.PackResult, error)
	// Reprint prints an order's label again; ref "" means the last label
	// printed.
	Reprint(ctx context.Context, ref string) (station.PackResult, error)
	// WatchWeight streams the live scale state for display: readings, and
	// updates with Err set while the scale is disconnected
	// (station.ErrNoScale without a scale); the channel is closed when
	// ctx ends.
	WatchWeight(ctx context.Context) <-chan scale.Update
	// Status reports the health of carrier, printer, scale and outbox.
	Status(ctx context.Context) station.Status
}

// The real facade offers the scale settings too.
var _ ScaleSettings = (*station.Station)(nil)

// ScaleSettings is the part of the station the scale settings dialog
// uses: find scales, ask a port which protocol it speaks, read a weight
// from an address, and switch the station to a scale. A Station that
// implements it gets a "Scale…" button on the pack screen.
type ScaleSettings interface {
	ScaleURI() string
	ScaleDevices(ctx context.Context) ([]scale.Found, error)
	ProbeScale(ctx context.Context, port string) (string, scale.Reading, error)
	TestScale(ctx context.Context, uri string) (scale.Reading, error)
	UseScale(uri string) (scale.Scale, error)
}

// The real facade offers the print queue too.
var _ PrintQueue = (*station.Station)(nil)

// PrintQueue is the part of the station behind the pack screen's list of
// labels that did not print. Every button is one of these calls; the
// station decides what may be sent again. A Station that implements it
// gets the list (shown only while it has jobs).
type PrintQueue interface {
	PrintJobs(ctx context.Context) ([]station.PrintJob, error)
	RetryPrint(ctx context.Context, id string) (station.PackResult, error)
	DiscardPrint(ctx context.Context, id string) error
	ConfirmPrint(ctx context.Context, id string) (station.PackResult, error)
}

// The real facade offers the booking queue (the outbox) too.
var _ OutboxQueue = (*station.Station)(nil)

// OutboxQueue is the part of the station behind the pack screen's "Work
// offline" switch and the queue view (Queue… button): the bookings that
// wait for the carrier, with Retry, Cancel and Sync now, and the day's
// parcels the carrier heard of late. Every control is one of these
// calls; the station decides what may be sent. A Station that implements
// it gets the switch and the Queue… button.
type OutboxQueue interface {
	// Queue lists the open bookings and the ones the carrier refused
	// (all=true adds booked and cancelled ones), oldest first.
	Queue(ctx context.Context, all bool) ([]station.QueueEntry, error)
	// SyncQueue sends the queue now ("Sync now").
	SyncQueue(ctx context.Context) (station.SyncReport, error)
	// RetryEntry sends one entry now, on a person's word.
	RetryEntry(ctx context.Context, id string) (station.QueueEntry, error)
	// CancelEntry takes an entry out of the queue for good.
	CancelEntry(ctx context.Context, id, reason string) (station.QueueEntry, error)
	// SentLate lists the day's parcels printed offline and when the
	// carrier heard of each.
	SentLate(ctx context.Context, day time.Time) ([]station.LateEntry, error)
	// SetOffline is the packer's "Work offline" switch.
	SetOffline(forced bool)
}

// The real facade compares carriers too.
var _ RateSource = (*station.Station)(nil)

// RateSource is the part of the station behind the pack screen's carrier
// options: every configured carrier asked at once, within a short
// deadline, for the shown order's parcel, cheapest first, with the option
// a shipping rule preselects. A Station that implements it gets the
// options under the order; without it Print books as the station chooses.
type RateSource interface {
	Rates(ctx context.Context, ref string, opts station.RateOptions) (station.RateComparison, error)
}

// The real facade offers returns too.
var _ ReturnsDesk = (*station.Station)(nil)

// ReturnsDesk is the part of the station behind the Returns… dialog (F7):
// create a return label for a shipped order, receive a return parcel at
// the bench, and the list of returns still on their way. Every control is
// one of these calls; the station decides what may be done. A Station
// that implements it gets the Returns… button and F7.
type ReturnsDesk interface {
	// CreateReturn books a return label for the order scanned (its
	// reference or the outgoing parcel's tracking number) and prints it,
	// unless it is labelless.
	CreateReturn(ctx context.Context, scan string, opts station.ReturnOptions) (station.ReturnResult, error)
	// FindReturn looks a return up by its parcel's tracking number (or an
	// order reference with one open return).
	FindReturn(ctx context.Context, scan string) (station.ReturnInfo, error)
	// ReceiveReturn confirms at the bench that the return parcel is back.
	ReceiveReturn(ctx context.Context, id, note string) (station.Return, error)
	// Returns lists returns, oldest first; openOnly keeps those still on
	// their way.
	Returns(ctx context.Context, openOnly bool) ([]station.Return, error)
	// SyncReturns asks the carriers where every open return is now.
	SyncReturns(ctx context.Context) (station.ReturnSyncReport, error)
}

// The real facade offers the WMS webhook queue too.
var _ WebhookQueue = (*station.Station)(nil)

// WebhookQueue is the part of the station behind the queue view's WMS
// tab: the webhook deliveries to the warehouse system that wait or were
// refused, with Retry, Discard and Send now. A Station that implements it
// gets the tab.
type WebhookQueue interface {
	// Webhooks lists the open deliveries (all=true adds those sent and
	// discarded today).
	Webhooks(ctx context.Context, all bool) ([]station.WebhookEntry, error)
	// RetryWebhook sends one delivery again now.
	RetryWebhook(ctx context.Context, seq uint64) (station.WebhookEntry, error)
	// DiscardWebhook takes a delivery out of the queue for good.
	DiscardWebhook(ctx context.Context, seq uint64, reason string) (station.WebhookEntry, error)
	// SyncWebhooks delivers every due webhook now ("Send now").
	SyncWebhooks(ctx context.Context) (station.WebhookReport, error)
}

// The real facade offers the notifications too.
var _ NotificationDesk = (*station.Station)(nil)

// NotificationDesk is the part of the station behind the Notifications…
// window (F6): the rules that send e-mail and SMS to receivers and staff
// on a parcel's moments, a preview of a rule for a real shipment, the log
// of what was sent, waits or failed, and the totals per day. Every
// control is one of these calls; the station decides what is sent. A
// Station that implements it gets the Notifications… button and F6.
type NotificationDesk interface {
	// Notifications is the page: rules, templates, the channels set up,
	// the log of the last days (newest first) and the totals per day.
	Notifications(ctx context.Context, days int) (station.NotificationsPage, error)
	// EnableRule switches a rule on or off.
	EnableRule(ctx context.Context, id string, on bool) (station.NotificationRule, error)
	// PreviewRule renders what a rule would send for a real shipment
	// (scan: its order reference or tracking number); nothing is sent.
	PreviewRule(ctx context.Context, id, scan string) (station.NotificationPreview, error)
	// RetryNotification sends one message again now, on a person's word.
	RetryNotification(ctx context.Context, seq uint64) (station.NotificationEntry, error)
	// DiscardNotification takes a message out of the queue for good.
	DiscardNotification(ctx context.Context, seq uint64, reason string) (station.NotificationEntry, error)
	// SyncNotifications runs the time-based rules and sends every due
	// message now ("Send now").
	SyncNotifications(ctx context.Context) (station.NotifyReport, error)
}

// The real facade offers the packer and supervisor modes too.
var _ Supervisor = (*station.Station)(nil)

// Supervisor is the part of the station behind the two modes: packer
// (the default) and supervisor, behind the supervisor PIN. A Station that
// implements it gets the mode on the status bar and its supervisor-only
// actions asked for the PIN (roles.go); without it nothing is gated.
type Supervisor interface {
	// HasSupervisorPIN says whether a PIN is set; without one the
	// station is in supervisor mode until one is set.
	HasSupervisorPIN() bool
	// Supervisor says whether the station is in supervisor mode and until
	// when the session lasts without another supervisor action (zero
	// without a PIN).
	Supervisor() (on bool, until time.Time)
	// TouchSupervisor is a supervisor action about to run: on extends the
	// session; off means the PIN must be entered first.
	TouchSupervisor() (on bool, until time.Time)
	// UnlockSupervisor checks the PIN and starts a session; its errors
	// say wrong PIN and the tries left, or locked out until when.
	UnlockSupervisor(ctx context.Context, pin string) error
	// LockSupervisor ends the session (Lock).
	LockSupervisor()
	// SetSupervisorPIN sets the PIN; with one set, old must be it.
	SetSupervisorPIN(ctx context.Context, old, pin string) error
}
