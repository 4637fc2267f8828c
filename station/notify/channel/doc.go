// Package channel gets the station's notifications out: e-mail over SMTP
// (email.go, github.com/wneessen/go-mail) and SMS through an HTTP SMS
// gateway (sms.go: 46elks' form API as a ready profile, or a custom
// provider described by a request template), both fed from the store's
// durable outgoing messages by deliver.go, on the generic schedule of
// station/outbox (online/offline, per-message back-off with jitter,
// Retry-After, bounded concurrency; one worker per channel, so a dead SMS
// gateway never holds up e-mail).
//
// It does not decide what is sent or when a message is made (station/notify
// renders a notify.Outgoing into a store.Message when its rule fires, quiet
// hours included as Message.NotBefore), nor when delivery starts and stops
// (station).
//
// # At most once
//
// A receiver must never get the same e-mail or SMS twice from the station
// by itself. Unlike webhooks (at least once, deduplicated by the WMS), a
// person cannot "deduplicate" a text message, so every attempt is
// bracketed by two commits:
//
//  1. the message goes pending → sending (Attempts+1), in one commit,
//     before a byte is written to the provider;
//  2. the attempt;
//  3. one commit with the outcome.
//
// What an attempt comes to (see Kind):
//
//	delivered: SMTP accepted the DATA (250), the gateway answered 2xx
//	    → sent, SentAt, Response (SMTP's final reply / the gateway's body, first 300 bytes)
//	certainly not handed over, for a passing reason: SMTP 4xx before or
//	    after DATA (the server said "not now"), HTTP 408/425/429/503
//	    → pending again; the message backs off (Retry-After pauses the channel)
//	nothing answered: DNS, connection refused, TLS handshake, no greeting,
//	    the connection broke before the message was complete
//	    → pending again; the channel goes offline and tries on its back-off
//	refused for good: SMTP 5xx (user unknown, sender refused, AUTH failed,
//	    message rejected), HTTP 3xx/4xx (bad number, bad credentials, no credit),
//	    a phone number that cannot be one
//	    → failed, with what to do; waits for a person's Retry or Discard
//	handed over, no answer: the connection dropped or timed out after the
//	    whole message (SMTP DATA and its final dot / the HTTP request) was
//	    written; HTTP 500/502/504 (the gateway took the request and broke)
//	    → unknown: NEVER sent again by itself; a person may Retry or Discard
//
// A station that stops between 1 and 3 leaves the message sending; on the
// next start RecoverMessages turns it into unknown. A message is only ever
// attempted from pending, except by a person's Retry, which also takes
// failed and unknown ones (and ignores quiet hours): that is the only way
// a message can reach a receiver twice, and then the e-mail carries the
// same Message-ID (made from the message's event id), so a mail system
// that deduplicates drops the copy.
//
// # Why 5xx from a gateway is not "not sent"
//
// 503 (and 429) say the gateway turned the request away at the door:
// nothing was sent, try later. 500, 502 and 504 say the request got in and
// something broke — the gateway's application failed while handling it,
// or a proxy in front of it forwarded it and got no (valid, timely) answer
// — so the SMS may well have gone to the carrier. Those messages become
// unknown, and the channel backs off as if unreachable, so a gateway in
// trouble costs one message per attempt, not the whole queue.
package channel
