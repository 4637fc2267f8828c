package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Sizes for a screen read at arm's length over a parcel: everything the
// packer must check at a glance is far larger than desktop defaults.
const (
	textSize      = 18 // body text: recipient, contents, status bar
	scanTextSize  = 34 // the scan field: shows what the scanner typed
	weightSize    = 76 // the live weight
	refTextSize   = 30 // headings: order reference and tracking id
	stableSize    = 24 // "stable" / "settling" next to the weight
	headingSize   = 15 // section captions, label preview
	buttonTextPad = 14 // taller scan field and buttons: easy to hit and see
	bannerPad     = 3  // banner lines close together
)

// Colours chosen to read the same on light and dark themes and to match
// what a bench light means: green = go, amber = wait, red = act.
var (
	colOK       = color.NRGBA{R: 0x1e, G: 0x9e, B: 0x4a, A: 0xff}
	colWait     = color.NRGBA{R: 0xe0, G: 0x8e, B: 0x0b, A: 0xff}
	colBad      = color.NRGBA{R: 0xd3, G: 0x2f, B: 0x2f, A: 0xff}
	colBannerFg = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	colMuted    = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
	transparent = color.Transparent
)

// fyneColor keeps widget code free of the image/color import.
type fyneColor = color.Color

// screenTheme enlarges text and padding for the whole pack screen while
// keeping the user's colours, fonts and icons (light or dark): everything
// but sizes is asked of the app's theme at draw time, so a theme change in
// settings still applies.
type screenTheme struct {
	text     float32
	innerPad float32 // 0: the app theme's
}

func (screenTheme) base() fyne.Theme {
	if a := fyne.CurrentApp(); a != nil && a.Settings().Theme() != nil {
		return a.Settings().Theme()
	}
	return theme.DefaultTheme()
}

func (t screenTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return t.base().Color(n, v)
}

// Font falls back to Fyne's default fonts for a style the app theme lacks
// (themes may define only the common styles; a nil font crashes drawing).
func (t screenTheme) Font(s fyne.TextStyle) fyne.Resource {
	if f := t.base().Font(s); f != nil {
		return f
	}
	return theme.DefaultTheme().Font(s)
}

func (t screenTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base().Icon(n) }

func (t screenTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return t.text
	case theme.SizeNameHeadingText:
		return refTextSize
	case theme.SizeNameSubHeadingText:
		return t.text * 1.25
	case theme.SizeNameCaptionText:
		return headingSize
	case theme.SizeNameInnerPadding:
		if t.innerPad > 0 {
			return t.innerPad
		}
	}
	return t.base().Size(n)
}

// bannerTheme writes white on the banner's red or amber background.
type bannerTheme struct{ screenTheme }

func (t bannerTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameForeground {
		return colBannerFg
	}
	return t.screenTheme.Color(n, v)
}
