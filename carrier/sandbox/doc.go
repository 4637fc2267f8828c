// Package sandbox owns labelstation's fake PostNord: an http.Handler that
// speaks PostNord's real wire format (Booking API v3 label endpoints,
// return labels, label reprints by print id, Track & Trace v7 by id and
// by customer number and reference, Service Points v5, Transit Time v2),
// checks bodies as PostNord does (required fields, lengths, service codes,
// customs declarations across the EU border, the consignor's own SSCC and
// S10 item ids with their check digits), tells tracking stories that
// advance with its clock, allocates SSCC item ids with valid GS1 check
// digits, renders printable ZPL labels, and lets tests, the demo and the
// benchmarks inject faults: latency, a rate of 503 answers, answers lost
// after the booking was committed (always or at a rate), and a PostNord
// that is down.
//
// Those faults are what offline-first is tested against: a booking lost
// after commit must be found by reference (or by its own item id) rather
// than booked again, and /_sandbox/bookings records every booking,
// duplicates included, with its order reference, so a test can prove each
// parcel was booked exactly once.
//
// Tracking tells each item one Story, in Track & Trace's wire format
// (zone-less Stockholm event times, three-letter country codes, the
// PostNord status words the client maps): a realistic mix by default
// (DefaultTrackingMix: most on time, some late, exceptions, failed
// attempts, returns, refusals, uncollected service-point parcels, a few
// lost or never handed in), with transit days by corridor, an
// estimatedTimeOfArrival, and customs stalls of 1–5 days into Norway. The
// kind is drawn from Options.Seed and the item id (StoryFor), or forced
// with Options.TrackingMix or Options.Story; only events whose time has
// come on the sandbox's clock (Options.Now, e.g. a Clock) are shown, and
// Options.TrackingStep sets the pace.
//
// Its wire structs are its own, written from the same specs as
// carrier/postnord's but not shared with it, so that a mistake in one is
// caught by the other rather than mirrored.
//
// Besides PostNord's paths it serves:
//
//	GET  /_sandbox/bookings  recorded bookings, oldest first, each with its order_ref
//	GET  /_sandbox/requests  every request to a PostNord path (method, path, request id), oldest first
//	GET  /_sandbox/faults    current faults
//	POST /_sandbox/faults    replace them: {"latency":"300ms","fail_rate":0.2,"drop_after_commit":false,
//	                         "drop_rate":0.1,"down":false,"fail_item":2,"deny":["tracking"],"rate_limit":false}
//
// The /_sandbox/ paths keep answering while "down" drops every PostNord
// path, so a test takes the carrier offline and back on a running server.
package sandbox
