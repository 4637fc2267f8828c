package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/station/kpi"
)

// kpiCard is one KPI: its name and state (in words, OK, WARNING,
// CRITICAL or NO DATA, as well as in colour), the value, what it was
// measured on and its thresholds, on a background tinted in the state's
// colour with a solid bar on the left. The lines are canvas texts placed
// by the card itself and cut with "…" to its width, so a long name can
// neither widen the grid nor run into the next card.
type kpiCard struct {
	widget.BaseWidget
	k kpi.KPI
	// The full texts; the canvas texts hold them cut to the width.
	nameText, valueText, countText, limitsText string

	bg, bar                           *canvas.Rectangle
	state, name, value, count, limits *canvas.Text
}

const (
	cardPad      = 8
	cardBar      = 6
	cardNameSize = 14
	cardValSize  = 26
	cardSmall    = 12
)

func newKPICard() *kpiCard {
	c := &kpiCard{}
	c.bg = canvas.NewRectangle(transparent)
	c.bg.CornerRadius = 6
	c.bar = canvas.NewRectangle(colMuted)
	c.bar.CornerRadius = 3
	text := func(size float32, bold bool) *canvas.Text {
		t := canvas.NewText("", theme.Color(theme.ColorNameForeground))
		t.TextSize = size
		t.TextStyle.Bold = bold
		return t
	}
	c.state = text(cardSmall, true)
	c.name = text(cardNameSize, true)
	c.value = text(cardValSize, true)
	c.count = text(cardSmall+1, false)
	c.limits = text(cardSmall, false)
	c.ExtendBaseWidget(c)
	return c
}

// set shows k (UI goroutine).
func (c *kpiCard) set(k kpi.KPI) {
	c.k = k
	col := stateColor(k.State)
	c.bg.FillColor = tint(col)
	c.bar.FillColor = col
	c.state.Text = stateWord(k.State)
	c.state.Color = col
	c.nameText, c.valueText, c.countText, c.limitsText = kpiName(k), kpiValue(k), countText(k), limitsText(k)
	c.Refresh()
}

func (c *kpiCard) CreateRenderer() fyne.WidgetRenderer { return &kpiCardRenderer{c: c} }

type kpiCardRenderer struct{ c *kpiCard }

func (r *kpiCardRenderer) Objects() []fyne.CanvasObject {
	c := r.c
	return []fyne.CanvasObject{c.bg, c.bar, c.state, c.name, c.value, c.count, c.limits}
}

func (r *kpiCardRenderer) MinSize() fyne.Size {
	return fyne.NewSize(180, 2*cardPad+lineH(cardNameSize)+lineH(cardValSize)+lineH(cardSmall+1)+lineH(cardSmall)+6)
}

func lineH(size float32) float32 {
	return fyne.MeasureText("Ag", size, fyne.TextStyle{}).Height // i18n: a sample to measure a line's height
}

func (r *kpiCardRenderer) Layout(size fyne.Size) {
	c := r.c
	c.bg.Resize(size)
	c.bar.Move(fyne.NewPos(0, 0))
	c.bar.Resize(fyne.NewSize(cardBar, size.Height))
	x := float32(cardBar + cardPad)
	w := max(size.Width-x-cardPad, 10)
	sw := c.state.MinSize().Width
	c.state.Move(fyne.NewPos(size.Width-cardPad-sw, cardPad+2))
	fit(c.name, c.nameText, w-sw-8)
	y := float32(cardPad)
	c.name.Move(fyne.NewPos(x, y))
	y += lineH(cardNameSize) + 2
	fit(c.value, c.valueText, w)
	c.value.Move(fyne.NewPos(x, y))
	y += lineH(cardValSize) + 2
	fit(c.count, c.countText, w)
	c.count.Move(fyne.NewPos(x, y))
	y += lineH(cardSmall+1) + 2
	fit(c.limits, c.limitsText, w)
	c.limits.Move(fyne.NewPos(x, y))
}

func (r *kpiCardRenderer) Refresh() {
	fg := theme.Color(theme.ColorNameForeground)
	c := r.c
	c.name.Color, c.value.Color, c.count.Color = fg, fg, fg
	c.limits.Color = fadeTo(fg, 0xb0)
	r.Layout(c.Size())
	for _, o := range r.Objects() {
		o.Refresh()
	}
}

func (r *kpiCardRenderer) Destroy() {}

// fadeTo is c at alpha a.
func fadeTo(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}

// fit sets t to s, cut with "…" to width w.
func fit(t *canvas.Text, s string, w float32) {
	measure := func(s string) float32 { return fyne.MeasureText(s, t.TextSize, t.TextStyle).Width }
	if measure(s) <= w {
		t.Text = s
		return
	}
	r := []rune(s)
	lo, hi := 0, len(r)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if measure(string(r[:mid])+"…") <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	t.Text = string(r[:lo]) + "…"
}
