// Package assets owns the files built into the binary: the application
// icon, the sample orders the demo imports so a first scan works, and the
// demo's notification setup.
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

// DemoNotifyTOML is the demo's notification setup (templates in five
// languages, rules that start disabled), imported on a demo station's
// first start.
//
//go:embed demo-notify.toml
var DemoNotifyTOML []byte
