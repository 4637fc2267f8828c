// Package wms owns the station's status out to the warehouse system (WMS):
// what the WMS is told about parcels and returns, in which form, signed
// how, delivered when — and the day's export for a WMS without webhooks.
//
//   - payload.go turns the facts the store records (store.Fact: a label
//     created, a status changed, a return registered, in transit,
//     received) into webhook messages: a versioned JSON envelope with a
//     deterministic event id, queued by the store in the very commit that
//     records the fact (Announcer). A fact recorded twice queues once.
//   - sign.go signs each request (Labelstation-Signature: t=…,v1=HMAC-SHA256)
//     and verifies such a header, for the WMS side and for tests.
//   - deliver.go POSTs the queued messages to the WMS through the generic
//     scheduler of station/outbox (online/offline, back-off with jitter,
//     Retry-After, bounded concurrency), oldest first per order, and
//     records each outcome in the store; a person can Retry or Discard.
//   - export.go writes a day's shipments and returns as CSV or JSON.
//
// It does not own the messages' storage (store/messages.go), the schedule
// (station/outbox), or when the station starts and stops delivery
// (station, which imports this package).
//
// # Delivery contract
//
// Every event has an id that never changes (Labelstation-Event-Id). The
// station marks a message sent in one commit after the WMS answered 2xx
// (or 409 Conflict: "already have it"). If the station stops between the
// WMS's answer and that commit, the same event — same id, same body, a
// fresh signature — is sent again after the restart. The WMS must
// therefore treat a second request with an event id it has already
// processed as done (answer 2xx or 409, change nothing). That is the
// "exactly once" the station promises: at least once on the wire, once
// per event id after the WMS's dedupe.
package wms
