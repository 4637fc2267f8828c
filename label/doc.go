// Package label owns labels the station renders itself (offline labels
// printed from the consignor's own number series, return labels) and the
// pieces every label needs: safe ZPL field encoding of customer text, and
// item ids — SSCC (GS1 mod-10) and UPU S10 (mod-11) — with their check
// digits. Carrier labels fetched from a carrier are passed through as bytes
// and are not this package's business; only what the station itself writes
// into ZPL goes through here.
//
// It uses the standard library only.
package label
