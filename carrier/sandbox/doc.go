// Package sandbox owns labelstation's fake PostNord: an http.Handler that
// speaks PostNord's real wire format (Booking API v3 label endpoints,
// return labels, label reprints by print id, Track & Trace v7, Service
// Points v5, Transit Time v2), checks bodies as PostNord does (required
// fields, lengths, service codes, customs declarations across the EU
// border), tells tracking stories that advance with its clock (customs
// stops into Norway, failed delivery attempts), allocates SSCC item ids with valid GS1
// check digits, renders printable ZPL labels, and lets tests, the demo and
// the benchmarks inject faults: latency, a rate of 503 answers, and
// answers lost after the booking was committed.
//
// Its wire structs are its own, written from the same specs as
// carrier/postnord's but not shared with it, so that a mistake in one is
// caught by the other rather than mirrored.
//
// Besides PostNord's paths it serves:
//
//	GET  /_sandbox/bookings  recorded bookings, oldest first
//	GET  /_sandbox/requests  every request to a PostNord path (method, path, request id), oldest first
//	GET  /_sandbox/faults    current faults
//	POST /_sandbox/faults    replace them: {"latency":"300ms","fail_rate":0.2,"drop_after_commit":false,
//	                         "fail_item":2,"deny":["tracking"],"rate_limit":false}
package sandbox
