// Package assets owns the files built into the binary: the application
// icon and the sample orders the demo imports so a first scan works.
package assets

import _ "embed"

// SampleOrdersCSV is the demo's order file (see README for its columns).
//
//go:embed sample-orders.csv
var SampleOrdersCSV []byte

// IconPNG is the application icon.
//
//go:embed icon.png
var IconPNG []byte
