// Package label owns the labels the station renders itself — offline
// labels printed from the consignor's own number series while the carrier
// cannot be reached, and the station's own shipping and return labels —
// and the pieces every label needs.
//
// One layout model, three outputs: a Label (sender, receiver, service,
// item id, QR content, free lines, size, resolution) is laid out once by
// Compose into a Page of placed elements in millimetres, and that Page is
// rendered as ZPL for a thermal printer (ZPL, 203 or 300 dpi, 100×150 mm
// or PostNord's 105×190 mm), as PDF with an embedded DejaVu font (PDF),
// and as an image for the GUI preview (Preview, PNG), all in pure Go.
//
// It also owns the barcodes (its own Code 128 encoder with code sets A, B
// and C, FNC1 and the mod-103 check; GS1-128 with application identifiers
// such as 00 = SSCC and 421 = ship-to postal code; QR through gozxing),
// item ids — SSCC (GS1 mod-10) and UPU S10 (mod-11) — with their check
// digits, and safe ZPL field encoding of customer text (FieldData: ^FH hex
// escapes under ^CI28, so text is never read as a command). Carrier labels
// fetched from a carrier are passed through as bytes and are not this
// package's business.
//
// It imports the standard library, golang.org/x/image (fonts),
// github.com/signintech/gopdf (PDF) and github.com/makiuchi-d/gozxing
// (QR encoding; its decoders check the barcodes in tests).
package label
