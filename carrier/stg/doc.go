// Package stg owns STG's REST API: labelstation's client for STG, the
// second carrier. It implements carrier.Carrier and carrier.Quoter:
//
//	Quote        POST /v1/rates
//	Book         POST /v1/shipments
//	Track        GET  /v1/tracking/{trackingNumber}
//	ReturnLabel  POST /v1/returns
//	(token)      POST /oauth/token, OAuth2 client credentials
//
// STG's real API documentation was not available. The client speaks the
// assumed contract in ../shared/stg/CONTRACT.md, and every wire detail —
// paths, header and form names, JSON names, status and label words — lives
// in carrier/stg/wire.go, the one file to change when STG's documentation
// is in hand (with the sandbox's copy in carrier/sandbox/stg_wire.go).
//
// # Tokens
//
// The access token is fetched on first use, cached, and replaced before it
// expires (60 s early, or after 90 % of a shorter lifetime); one refresh
// runs at a time however many calls wait for it. When STG answers 401 to a
// cached token (revoked, or expired early on STG's side), the token is
// dropped, a new one fetched and that request sent once more with the same
// Idempotency-Key; a second 401 is KindAuth. The client secret travels only
// in the token request's form body and never appears in an error.
//
// # Idempotency and retries
//
// Every request carries an Idempotency-Key, and STG answers a repeated key
// with its first answer instead of acting again. Book and ReturnLabel use
// the request's RequestID (the station's outbox id), so resending an entry
// after a lost answer (KindUnknownOutcome) or after KindUnavailable replays
// the first booking rather than booking twice — as long as it carries the
// same RequestID. The other calls use a fresh UUID, kept across retries.
//
// Tracking and rates book nothing and are retried here on connection
// errors and 429/502/503/504, with exponential backoff, full jitter and
// Retry-After (Config.MaxRetries). Bookings and returns are never retried
// here (beyond the one resend after a refused token, and net/http's own
// resend of a request with an Idempotency-Key on a reused connection that
// died before any answer): the caller decides, and may resend with the
// same key.
//
// # Errors
//
// Every error is a *carrier.Error with Carrier "stg". STG's problem+json
// (title, detail, errors[]) becomes the Message ("title: detail") and the
// Faults (Field, Message); a body that is not problem+json still gives a
// readable message (OAuth error words or short plain text; HTML pages are
// replaced by the HTTP status text).
//
//	refused before sending (no parcel, no weight, customs data)   KindRejected, HTTPStatus 0
//	HTTP 400, 422 (and other 4xx not below)                       KindRejected, Faults from errors[]
//	HTTP 401, 403 (401 after the one token refresh)               KindAuth
//	token endpoint 400/401/403 (wrong client id or secret)        KindAuth
//	HTTP 404                                                      KindNotFound
//	HTTP 429, 503                                                 KindUnavailable, RetryAfter from Retry-After
//	HTTP 500, 502, 504 on a booking or return                     KindUnknownOutcome
//	HTTP 500, 502, 504 on tracking or rates                       KindUnavailable
//	connection refused, DNS, dial error, dropped before sent      KindUnavailable, HTTPStatus 0
//	booking/return sent, then connection dropped or answer cut    KindUnknownOutcome
//	2xx booking/return without ids or usable labels               KindUnknownOutcome (Booking holds what came)
//	2xx tracking/rates that cannot be read                        KindUnavailable
//
// # Mapping
//
// A booking's reference is BookingRequest.OrderRef, the shipper the
// consignor's address; each parcel sends its weight in grams, its
// dimensions rounded up to whole centimetres and its contents (the line
// descriptions joined, at most 70 characters). Labels are 100×150 mm ZPL
// or PDF. A shipment leaving the EU (to Norway, say) carries a customs
// declaration built from the order lines (description, quantity, unit
// value, HS code, origin); inside the EU customs is null. STG allocates the
// tracking numbers: the contract has no field for a consignor's own item
// id (Parcel.ItemID), so an offline label's id cannot be booked under.
//
// ReturnLabel needs the original parcel's tracking number:
// ReturnRequest.OriginalItemID, or else the first Parcels entry with an
// ItemID. The Reason is sent as given.
//
// Tracking statuses map to the neutral model as CREATED → created,
// PICKED_UP → handed_over, IN_TRANSIT → in_transit, OUT_FOR_DELIVERY →
// out_for_delivery, DELIVERED → delivered, EXCEPTION → exception,
// RETURNED → returned; a return's own tracking number reports
// RETURN_REGISTERED and RETURN_IN_TRANSIT as in_transit and
// RETURN_RECEIVED as delivered (back at the merchant), with the return's
// reason added to the event description.
//
// Rates carry price, taxes and surcharges (a tax's rate where STG gives
// one) and total, parsed from STG's decimal strings; PriceSource is
// "carrier".
package stg
