// Package sandbox owns labelstation's fake PostNord: an http.Handler that
// speaks PostNord's real wire format (Booking API v3 label endpoints,
// return labels, Track & Trace v7), allocates SSCC item ids with valid GS1
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
//	GET  /_sandbox/faults    current faults
//	POST /_sandbox/faults    replace them: {"latency":"300ms","fail_rate":0.2,"drop_after_commit":false}
package sandbox
