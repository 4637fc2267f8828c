// Package postnord is labelstation's PostNord client. It owns everything
// PostNord-specific: the wire structs (following the specs in
// ../shared/postnord/), the General Descriptions' service rules
// (rules.go), customs declarations (customs.go) and the transport. It
// implements carrier.Carrier and the optional carrier.ServicePointFinder,
// carrier.TransitTimer, carrier.Reprinter, carrier.ReferenceFinder and
// carrier.Prober:
//
//	Book          POST /rest/shipment/v3/edi/labels/{zpl,pdf}
//	ReturnLabel   POST /rest/shipment/v3/returns/edi/labels/{zpl,pdf}
//	Reprint       POST /rest/shipment/v3/labels/ids/{zpl,pdf}
//	Track         GET  /rest/shipment/v7/trackandtrace/id/{id}/public
//	FindByReference GET /rest/shipment/v7/trackandtrace/customernumber/{n}/reference/{ref}/public (OAuth2 when configured)
//	NearestServicePoints, ServicePoint  GET /rest/businesslocation/v5/servicepoints/{nearest/byaddress,ids}
//	TransitTimes  GET  /rest/transport/v2/transittime/addresstoaddress
//	Probe         GET  / (the host's root, no apikey: not a PostNord API, any answer means reachable)
//
// A parcel with its own item id (carrier.Parcel.ItemID, printed on an
// offline label) is booked with that id and its itemIdType (SSCC in its
// 20-digit "00" form, or S10) instead of "0", so PostNord tracks it by the
// id already on the parcel; a malformed one is refused before sending.
// Track and FindByReference list every item of the shipment
// (carrier.Tracking.ItemIDs), so a shipment found by reference can be
// adopted whole.
//
// Every error is a *carrier.Error whose Kind says what the caller may do:
//
//	refused before sending (limits, rules, customs)       KindRejected, one Fault per problem, HTTPStatus 0
//	connection refused, DNS, timeout before fully sent   KindUnavailable (also every failed Probe)
//	booking sent, then timeout / reset / answer cut off  KindUnknownOutcome
//	HTTP 401, 403 (gateway "Invalid API Key")            KindAuth, naming the API product
//	HTTP 429, 503                                        KindUnavailable, RetryAfter from Retry-After
//	HTTP 500, 502, 504 on a booking                      KindUnknownOutcome (it may have booked)
//	HTTP 5xx on a look-up                                KindUnavailable
//	HTTP 400, 404, other 4xx on a booking                KindRejected
//	HTTP 200 booking, every item FAIL                    KindRejected
//	HTTP 200 booking, some items FAIL                    KindPartial, with the Booking of the rest
//	HTTP 200 booking without usable ids or labels        KindUnknownOutcome
//	tracking: HTTP 200 without shipments, or 404         KindNotFound
//
// A booking is never retried here; the outbox decides, after looking the
// shipment up (ARCHITECTURE.md, "Unknown outcome"). Requests that are safe
// to repeat (the GETs and label reprints) are retried on connection errors
// and 429/502/503/504, with exponential backoff, full jitter and
// Retry-After, and the same X-External-Request-ID.
//
// The API key travels only in the query string of the request itself:
// every error text and every wrapped cause (net/http's *url.Error carries
// the full URL) has it, and the OAuth client secret, replaced by REDACTED.
package postnord
