package station

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"labelstation/station/notify"
	"labelstation/station/notify/channel"
	"labelstation/store"
)

// The station's side of the notifications: the rules engine
// (station/notify, which the composition root also installs as the
// store's announcer, so every command that records a fact queues its
// messages) and the deliverer (notify/channel) that sends them at most
// once; these are the calls behind the notifications page and
// `labelstation notify`.

// NotifyConfig wires the notifications; a nil Engine means off.
type NotifyConfig struct {
	Engine *notify.Engine
	// Senders are the configured channels by store channel
	// (store.ChannelEmail, store.ChannelSMS).
	Senders map[string]channel.Sender
	Deliver channel.Config
	// SweepEvery is how often the time-based triggers run while the
	// station runs (default 10 minutes).
	SweepEvery time.Duration
	// Sender is who the e-mails come from, for the page ("Shop
	// <shop@example.com>").
	Sender string
}

func (s *Station) newNotifications() {
	n := s.cfg.Notify
	if s.store == nil || n.Engine == nil {
		return
	}
	d := n.Deliver
	if d.Now == nil {
		d.Now = s.cfg.Now
	}
	if d.Logger == nil {
		d.Logger = s.log
	}
	s.notes = n.Engine
	s.sender = channel.NewDeliverer(s.store, n.Senders, d)
}

func notificationsOff() error {
	return &Problem{ID: "notify.off", Msg: "notifications are off", Hint: "set up [notify.email] or [notify.sms] in the config"}
}

func (s *Station) notificationsPage(ctx context.Context, days int) (NotificationsPage, error) {
	if s.notes == nil {
		return NotificationsPage{}, notificationsOff()
	}
	if err := s.notes.Reload(); err != nil {
		return NotificationsPage{}, err
	}
	setup := s.notes.Setup()
	page := NotificationsPage{Rules: setup.Rules, Templates: setup.Templates, Channels: s.sender.Channels(), Sender: s.cfg.Notify.Sender}
	if days < 1 {
		days = 1
	}
	now := s.cfg.Now()
	first := time.Date(now.Year(), now.Month(), now.Day()-(days-1), 0, 0, 0, 0, now.Location())
	// One walk of the window for both channels (the webhooks in it are
	// passed by).
	window, err := s.store.Messages("", first, time.Time{})
	if err != nil {
		return page, err
	}
	var msgs []store.Message
	for _, m := range window {
		if m.Channel == store.ChannelEmail || m.Channel == store.ChannelSMS {
			msgs = append(msgs, m)
		}
	}
	for _, ch := range []string{store.ChannelEmail, store.ChannelSMS} {
		// Open ones from before the window still need a person.
		open, err := s.store.OpenMessages(ch)
		if err != nil {
			return page, err
		}
		for _, o := range open {
			if o.Created.Before(first) {
				msgs = append(msgs, o)
			}
		}
	}
	slices.SortStableFunc(msgs, func(a, b store.Message) int { return b.Created.Compare(a.Created) })
	byDay := map[string]*NotificationDay{}
	for _, m := range msgs {
		page.Log = append(page.Log, notificationEntry(m, now))
		if m.Created.Before(first) {
			continue
		}
		key := m.Created.In(now.Location()).Format("2006-01-02")
		d := byDay[key]
		if d == nil {
			c := m.Created.In(now.Location())
			d = &NotificationDay{Day: time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, now.Location())}
			byDay[key] = d
		}
		switch m.State {
		case store.MessageSent:
			if m.Channel == store.ChannelSMS {
				d.SMS++
			} else {
				d.Email++
			}
		case store.MessageFailed:
			d.Failed++
		case store.MessageDiscarded:
		default:
			d.Waiting++
		}
	}
	for _, d := range byDay {
		page.Totals = append(page.Totals, *d)
	}
	slices.SortFunc(page.Totals, func(a, b NotificationDay) int { return a.Day.Compare(b.Day) })
	return page, nil
}

func notificationEntry(m store.Message, now time.Time) NotificationEntry {
	e := NotificationEntry{Seq: m.Seq, Trigger: m.Type, OrderRef: m.OrderRef, Channel: m.Channel, State: string(m.State),
		Attempts: m.Attempts, LastError: m.LastError, Response: m.Response, Created: m.Created, NotBefore: m.NotBefore, SentAt: m.SentAt}
	if o, err := decodeOutgoing(m); err == nil {
		e.Rule, e.To, e.Language, e.Subject, e.Text = o.Rule, o.To, o.Language, o.Subject, o.Text
	}
	switch m.State {
	case store.MessagePending:
		switch {
		case e.HeldForQuiet(now):
			until := m.NotBefore.In(now.Location()).Format("15:04")
			e.ActionID, e.ActionData = "notify.action.held", map[string]any{"Until": until}
			e.Action = "held for quiet hours until " + until
		case m.Attempts > 0:
			e.ActionID, e.Action = "notify.action.retrying", "the provider did not take it yet; it is sent again by itself"
		default:
			e.ActionID, e.Action = "notify.action.on_way", "on its way"
		}
	case store.MessageSending:
		e.ActionID, e.Action = "notify.action.sending", "being sent"
	case store.MessageFailed:
		e.ActionID, e.Action = "notify.action.refused", "refused: fix the address or the channel's settings, then Retry, or Discard it"
	case store.MessageUnknown:
		e.ActionID, e.Action = "notify.action.unknown", "may have arrived; it is not sent again by itself: Retry sends it once more, Discard lets it be"
	}
	return e
}

func (s *Station) enableRule(ctx context.Context, id string, on bool) (NotificationRule, error) {
	if s.notes == nil {
		return NotificationRule{}, notificationsOff()
	}
	if err := s.notes.Reload(); err != nil {
		return NotificationRule{}, err
	}
	r, err := s.notes.EnableRule(id, on)
	if err != nil {
		return r, &Problem{ID: "notify.rule_not_switched", Data: map[string]any{"Reason": err.Error()}, Msg: err.Error(), Hint: "preview the rule on a real shipment and fix what it says; labelstation notify rules lists them", Err: err}
	}
	s.log.Info("notification rule switched", "rule", id, "enabled", on)
	return r, nil
}

func (s *Station) previewRule(ctx context.Context, id, scan string) (notify.Preview, error) {
	if s.notes == nil {
		return notify.Preview{}, notificationsOff()
	}
	if err := s.notes.Reload(); err != nil {
		return notify.Preview{}, err
	}
	p, err := s.parcelFor(scan)
	if err != nil {
		return notify.Preview{}, err
	}
	pv, err := s.notes.Preview(id, p)
	if err != nil {
		return pv, &Problem{ID: "notify.preview_failed", Data: map[string]any{"Reason": err.Error()}, Msg: err.Error(), Hint: "labelstation notify rules lists the rules by id", Err: err}
	}
	return pv, nil
}

// parcelFor gathers what the station knows of a shipped order, found by
// its reference or a tracking number (outgoing or return).
func (s *Station) parcelFor(scan string) (notify.Parcel, error) {
	scan = strings.TrimSpace(scan)
	if scan == "" {
		return notify.Parcel{}, &Problem{ID: "notify.nothing_scanned", Msg: "nothing was scanned", Hint: "scan the order barcode or a tracking number of a shipped order"}
	}
	ref := scan
	if _, err := s.store.Order(ref); errors.Is(err, store.ErrNotFound) {
		if r, err := s.store.OrderRefByItem(scan); err == nil {
			ref = r
		} else if ret, err := s.store.ReturnByItem(scan); err == nil {
			ref = ret.OrderRef
		}
	}
	order, err := s.store.Order(ref)
	if errors.Is(err, store.ErrNotFound) {
		return notify.Parcel{}, &Problem{ID: "notify.parcel_not_found", Data: map[string]any{"Scan": scan}, Msg: fmt.Sprintf("no order or parcel %s in the station", scan), Hint: "scan the order barcode or the tracking number of a shipped order", Err: ErrOrderNotFound}
	}
	if err != nil {
		return notify.Parcel{}, err
	}
	p := notify.Parcel{Order: order}
	if sh, err := s.store.ShipmentByOrder(ref); err == nil {
		p.Shipment = sh
		if events, err := s.store.ItemEvents(sh.TrackingID()); err == nil && len(events) > 0 {
			newest := events[0]
			for _, e := range events {
				if e.Time.After(newest.Time) {
					newest = e
				}
			}
			p.Event = &newest
		}
	}
	if sum, err := s.store.TrackSummary(ref); err == nil {
		p.Summary = &sum
	}
	if rs, err := s.store.ReturnsByOrder(ref); err == nil && len(rs) > 0 {
		r := rs[len(rs)-1]
		p.Return = &r
	}
	return p, nil
}

func (s *Station) retryNotification(ctx context.Context, seq uint64) (NotificationEntry, error) {
	if s.sender == nil {
		return NotificationEntry{}, notificationsOff()
	}
	m, err := s.sender.Retry(ctx, seq)
	e := notificationEntry(m, s.cfg.Now())
	if err != nil {
		return e, &Problem{ID: "notify.not_sent", Data: map[string]any{"Seq": seq, "Reason": err.Error(), "Cause": notifyCause(err)}, Msg: fmt.Sprintf("message %d was not sent: %v", seq, err), Hint: notifyHint(err), Err: err}
	}
	return e, nil
}

func notifyHint(err error) string {
	switch notifyCause(err) {
	case "not_found":
		return "check the number in the log"
	case "no_channel":
		return "set up the channel in the config ([notify.email] or [notify.sms])"
	case "refused":
		return "the provider refused it: check the address or number, and the channel's credentials"
	}
	return "it stays in the log; try again when the provider answers"
}

// notifyCause names which of notifyHint's hints fits err ("not_found",
// "no_channel", "refused" or ""), for the screens' catalogue to say the
// same in their language.
func notifyCause(err error) string {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "not_found"
	case errors.Is(err, channel.ErrNoChannel):
		return "no_channel"
	case channel.KindOf(err) == channel.Refused:
		return "refused"
	}
	return ""
}

func (s *Station) discardNotification(ctx context.Context, seq uint64, reason string) (NotificationEntry, error) {
	if s.sender == nil {
		return NotificationEntry{}, notificationsOff()
	}
	if strings.TrimSpace(reason) == "" {
		return NotificationEntry{}, &Problem{ID: "notify.discard_needs_reason", Msg: "say why the message is discarded", Hint: "give a reason, e.g. --reason \"told the customer by phone\""}
	}
	m, err := s.sender.Discard(seq, reason)
	if err != nil {
		return notificationEntry(m, s.cfg.Now()), &Problem{ID: "notify.not_discarded", Data: map[string]any{"Seq": seq, "Reason": err.Error()}, Msg: fmt.Sprintf("message %d was not discarded: %v", seq, err), Hint: "only messages not sent can be discarded", Err: err}
	}
	s.log.Warn("notification discarded", "seq", seq, "reason", reason)
	return notificationEntry(m, s.cfg.Now()), nil
}

func (s *Station) syncNotifications(ctx context.Context) (NotifyReport, error) {
	if s.notes == nil {
		return NotifyReport{}, notificationsOff()
	}
	var rep NotifyReport
	if err := s.notes.Reload(); err != nil {
		return rep, err
	}
	n, err := s.notes.Sweep(ctx)
	rep.Queued = n
	if err != nil {
		return rep, err
	}
	dr, err := s.sender.Drain(ctx)
	rep.Sent, rep.Waiting, rep.Failed, rep.Unknown, rep.Errors = dr.Sent, dr.Waiting, dr.Failed, dr.Unknown, dr.Errors
	if err != nil {
		return rep, &Problem{ID: "notify.not_all_sent", Data: map[string]any{"Reason": err.Error()}, Msg: "the messages did not all go out: " + err.Error(), Hint: "they stay queued and are sent when the provider answers", Err: err}
	}
	return rep, nil
}

func (s *Station) runNotifications(ctx context.Context) {
	if s.notes == nil {
		return
	}
	every := s.cfg.Notify.SweepEvery
	if every <= 0 {
		every = 10 * time.Minute
	}
	done := make(chan struct{})
	go func() { defer close(done); s.sender.Run(ctx) }()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		// Rules may have changed in another process (the CLI).
		if err := s.notes.Reload(); err != nil {
			s.log.Error("notification rules not read", "err", err)
		}
		if n, err := s.notes.Sweep(ctx); err != nil {
			s.log.Error("notification sweep", "err", err)
		} else if n > 0 {
			s.log.Info("notifications queued by the sweep", "messages", n)
		}
		select {
		case <-ctx.Done():
			<-done
			return
		case <-t.C:
		}
	}
}

// decodeOutgoing reads a message's rendered body.
func decodeOutgoing(m store.Message) (notify.Outgoing, error) {
	var o notify.Outgoing
	err := json.Unmarshal(m.Body, &o)
	return o, err
}
