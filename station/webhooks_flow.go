package station

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"labelstation/station/wms"
	"labelstation/store"
)

// The station's side of the webhooks to the WMS: the deliverer (wms)
// sends what the store queued when facts were recorded; these are the
// calls behind the queue view's WMS tab and `labelstation webhooks`.

// newWebhooks makes the deliverer when webhooks are on (New wakes it
// after every commit that queued a message).
func (s *Station) newWebhooks() {
	if s.store == nil || !s.cfg.Webhooks.Enabled() {
		return
	}
	wcfg := s.cfg.Webhooks
	if wcfg.Logger == nil {
		wcfg.Logger = s.log
	}
	s.hooks = wms.NewDeliverer(s.store, wcfg)
}

func webhooksOff() error {
	return &Problem{ID: "webhooks.off", Msg: "webhooks to the WMS are off", Hint: "set [wms.webhooks] url in the config (and LABELSTATION_WMS_WEBHOOK_SECRET)", Err: wms.ErrDisabled}
}

func (s *Station) webhookEntries(ctx context.Context, all bool) ([]WebhookEntry, error) {
	msgs, err := s.store.OpenMessages(store.ChannelWebhook)
	if err != nil {
		return nil, err
	}
	if all {
		// Today's finished ones too (sent, discarded), for the record.
		now := s.cfg.Now()
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
		today, err := s.store.Messages(store.ChannelWebhook, day, time.Time{})
		if err != nil {
			return nil, err
		}
		seen := map[uint64]bool{}
		for _, m := range msgs {
			seen[m.Seq] = true
		}
		for _, m := range today {
			if !seen[m.Seq] {
				msgs = append(msgs, m)
			}
		}
	}
	out := make([]WebhookEntry, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, webhookEntry(m))
	}
	sortWebhooks(out)
	return out, nil
}

func sortWebhooks(w []WebhookEntry) {
	sort.Slice(w, func(i, j int) bool { return w[i].Seq < w[j].Seq })
}

func webhookEntry(m store.Message) WebhookEntry {
	e := WebhookEntry{Seq: m.Seq, EventID: m.ID, Type: m.Type, OrderRef: m.OrderRef, State: string(m.State),
		Attempts: m.Attempts, LastError: m.LastError, LastStatus: m.LastStatus, Created: m.Created, Updated: m.Updated, SentAt: m.SentAt}
	switch m.State {
	case store.MessagePending:
		if m.Attempts > 0 {
			e.Action = "waits for the WMS; it is sent again by itself"
		} else {
			e.Action = "on its way"
		}
	case store.MessageFailed:
		e.Action = "the WMS refused it: fix the cause, then Retry, or Discard it"
	}
	return e
}

func (s *Station) retryWebhook(ctx context.Context, seq uint64) (WebhookEntry, error) {
	if s.hooks == nil {
		return WebhookEntry{}, webhooksOff()
	}
	m, err := s.hooks.Retry(ctx, seq)
	if errors.Is(err, wms.ErrWaitsForEarlier) {
		return webhookEntry(m), &Problem{ID: "webhooks.waits_for_earlier", Data: map[string]any{"Seq": seq, "Ref": m.OrderRef}, Msg: fmt.Sprintf("event %d waits: an earlier event of order %s goes first", seq, m.OrderRef),
			Hint: "it is sent by itself after that one; retry or discard the earlier one if it is stuck", Err: err}
	}
	if err != nil {
		return webhookEntry(m), &Problem{ID: "webhooks.not_delivered", Data: map[string]any{"Seq": seq, "Reason": err.Error(), "Cause": webhookCause(err)}, Msg: fmt.Sprintf("event %d was not delivered: %v", seq, err), Hint: webhookHint(err), Err: err}
	}
	return webhookEntry(m), nil
}

func webhookHint(err error) string {
	switch webhookCause(err) {
	case "not_found":
		return "check the number in the queue list"
	case "auth":
		return "check [wms.webhooks] secret (LABELSTATION_WMS_WEBHOOK_SECRET) against the WMS's"
	}
	return "it stays in the queue; try again when the WMS answers"
}

// webhookCause names which of webhookHint's hints fits err ("not_found",
// "auth" or ""), for the screens' catalogue to say the same in their
// language.
func webhookCause(err error) string {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "not_found"
	case strings.Contains(err.Error(), "secret"), strings.Contains(err.Error(), "401"), strings.Contains(err.Error(), "403"):
		return "auth"
	}
	return ""
}

func (s *Station) discardWebhook(ctx context.Context, seq uint64, reason string) (WebhookEntry, error) {
	if s.hooks == nil {
		return WebhookEntry{}, webhooksOff()
	}
	if strings.TrimSpace(reason) == "" {
		return WebhookEntry{}, &Problem{ID: "webhooks.discard_needs_reason", Msg: "say why the event is discarded", Hint: "give a reason, e.g. --reason \"WMS fixed by hand\""}
	}
	m, err := s.hooks.Discard(seq, reason)
	if err != nil {
		return webhookEntry(m), &Problem{ID: "webhooks.not_discarded", Data: map[string]any{"Seq": seq, "Reason": err.Error()}, Msg: fmt.Sprintf("event %d was not discarded: %v", seq, err), Hint: "only events not yet sent can be discarded", Err: err}
	}
	s.log.Warn("webhook discarded", "seq", seq, "event", m.ID, "reason", reason)
	return webhookEntry(m), nil
}

func (s *Station) syncWebhooks(ctx context.Context) (WebhookReport, error) {
	if s.hooks == nil {
		return WebhookReport{}, webhooksOff()
	}
	rep, err := s.hooks.Drain(ctx)
	out := WebhookReport{Sent: rep.Sent, Waiting: rep.Waiting, Failed: rep.Failed, Errors: rep.Errors}
	if err != nil {
		return out, &Problem{ID: "webhooks.not_taken", Data: map[string]any{"Reason": err.Error()}, Msg: "the WMS did not take the events: " + err.Error(), Hint: "they stay queued and are sent when it answers", Err: err}
	}
	return out, nil
}

func (s *Station) runWebhooks(ctx context.Context) {
	if s.hooks != nil {
		s.hooks.Run(ctx)
	}
}
