// Package postnord is labelstation's PostNord client: it books shipments and
// fetches their labels (Booking API v3, /edi/labels/{zpl,pdf}), books return
// labels (/returns/edi/labels/{zpl,pdf}) and reads Track & Trace v7, and
// implements carrier.Carrier. The wire structs in wire.go follow PostNord's
// specifications in ../shared/postnord/ and never leave this package.
//
// Every error is a *carrier.Error whose Kind says what the caller may do:
//
//	refused before sending (field too long, missing, …)  KindRejected, one Fault per problem
//	connection refused, DNS, timeout before fully sent   KindUnavailable
//	booking sent, then timeout / reset / answer cut off  KindUnknownOutcome
//	HTTP 401, 403 (gateway "Invalid API Key")            KindAuth
//	HTTP 429, 503                                        KindUnavailable
//	HTTP 500, 502, 504 on a booking                      KindUnknownOutcome (it may have booked)
//	HTTP 5xx on tracking                                 KindUnavailable
//	HTTP 400, 404, other 4xx on a booking                KindRejected
//	HTTP 200 booking with idInformation status FAIL      KindRejected
//	HTTP 200 booking without usable ids or labels        KindUnknownOutcome
//	tracking: HTTP 200 without shipments, or 404         KindNotFound
//
// A booking is never retried here; the outbox decides, after looking the
// shipment up. A Track & Trace GET is retried once on KindUnavailable.
//
// The API key travels only in the query string of the request itself:
// every error text and every wrapped cause (net/http's *url.Error carries
// the full URL) has it replaced by REDACTED.
package postnord
