package app

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/station/kpi"
)

// Chart colours: shipments in a calm blue, deliveries in the same green
// as an ok KPI, so "delivered" reads as good everywhere on the screen.
var (
	colShipped   = color.NRGBA{R: 0x3b, G: 0x78, B: 0xc3, A: 0xff}
	colDelivered = colOK
	colGrid      = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0x40}
)

// dayChart draws shipments and deliveries per day as paired bars, with
// a value scale on the left, dates under the first, middle and last day,
// and a legend. It is drawn with canvas rectangles and texts only.
type dayChart struct {
	widget.BaseWidget
	days []kpi.Day
}

func newDayChart() *dayChart {
	c := &dayChart{}
	c.ExtendBaseWidget(c)
	return c
}

// set shows days (UI goroutine).
func (c *dayChart) set(days []kpi.Day) {
	c.days = append([]kpi.Day(nil), days...)
	c.Refresh()
}

func (c *dayChart) CreateRenderer() fyne.WidgetRenderer {
	r := &dayChartRenderer{c: c}
	r.rebuild()
	return r
}

type dayChartRenderer struct {
	c       *dayChart
	objects []fyne.CanvasObject
	// built from c.days by rebuild
	grid      []*canvas.Line
	gridText  []*canvas.Text
	shipped   []*canvas.Rectangle
	delivered []*canvas.Rectangle
	dates     []*canvas.Text
	dateIdx   []int
	legend    []fyne.CanvasObject
	empty     *canvas.Text
	top       int // the scale's top value
}

const (
	chartLeft   = 44 // room for the scale's numbers
	chartBottom = 22 // room for the dates
	chartTop    = 24 // room for the legend
)

func chartText(s string, size float32, c color.Color) *canvas.Text {
	t := canvas.NewText(s, c)
	t.TextSize = size
	return t
}

func (r *dayChartRenderer) rebuild() {
	fg := theme.Color(theme.ColorNameForeground)
	days := r.c.days
	maxV := 0
	for _, d := range days {
		maxV = max(maxV, d.Shipments, d.Delivered)
	}
	r.top = niceCeil(maxV)
	r.objects = r.objects[:0]
	r.grid, r.gridText, r.shipped, r.delivered, r.dates, r.dateIdx = nil, nil, nil, nil, nil, nil
	for i := 0; i <= 4; i++ {
		l := canvas.NewLine(colGrid)
		l.StrokeWidth = 1
		r.grid = append(r.grid, l)
		t := chartText(fmt.Sprint(r.top*i/4), 11, colMuted)
		t.Alignment = fyne.TextAlignTrailing
		r.gridText = append(r.gridText, t)
		r.objects = append(r.objects, l, t)
	}
	for range days {
		s := canvas.NewRectangle(colShipped)
		d := canvas.NewRectangle(colDelivered)
		r.shipped = append(r.shipped, s)
		r.delivered = append(r.delivered, d)
		r.objects = append(r.objects, s, d)
	}
	if n := len(days); n > 0 {
		idx := []int{0}
		if n > 2 {
			idx = append(idx, n/2)
		}
		if n > 1 {
			idx = append(idx, n-1)
		}
		for _, i := range idx {
			t := chartText(shortDate(days[i].Date), 11, colMuted)
			r.dates = append(r.dates, t)
			r.dateIdx = append(r.dateIdx, i)
			r.objects = append(r.objects, t)
		}
	}
	r.legend = nil
	for _, it := range []struct {
		c    color.Color
		text string
	}{{colShipped, lang.X("dash.shipped", "Shipped")}, {colDelivered, lang.X("dash.delivered", "Delivered")}} {
		sw := canvas.NewRectangle(it.c)
		sw.Resize(fyne.NewSize(12, 12))
		r.legend = append(r.legend, sw, chartText(it.text, 12, fg))
	}
	r.objects = append(r.objects, r.legend...)
	r.empty = chartText(lang.L("No shipments in these days"), 13, colMuted)
	r.empty.Hidden = maxV > 0
	r.objects = append(r.objects, r.empty)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, at least 4 so
// the four scale steps are whole numbers.
func niceCeil(v int) int {
	if v <= 4 {
		return 4
	}
	p := math.Pow(10, math.Floor(math.Log10(float64(v))))
	for _, m := range []float64{1, 2, 2.5, 4, 5, 10} {
		if t := int(m * p); t >= v && t%4 == 0 {
			return t
		}
	}
	return int(10 * p)
}

// shortDate is "2 May" for "2025-05-02", in the screen's language.
func shortDate(d string) string {
	t, err := time.ParseInLocation("2006-01-02", d, time.Local)
	if err != nil {
		return d
	}
	return dayMonthText(t)
}

func (r *dayChartRenderer) Layout(size fyne.Size) {
	plotX, plotY := float32(chartLeft), float32(chartTop)
	plotW := max(size.Width-chartLeft-4, 1)
	plotH := max(size.Height-chartTop-chartBottom, 1)
	for i, l := range r.grid {
		y := plotY + plotH - plotH*float32(i)/4
		l.Position1 = fyne.NewPos(plotX, y)
		l.Position2 = fyne.NewPos(plotX+plotW, y)
		t := r.gridText[i]
		t.Resize(fyne.NewSize(chartLeft-6, 14))
		t.Move(fyne.NewPos(0, y-8))
	}
	n := len(r.shipped)
	if n > 0 {
		slot := plotW / float32(n)
		bar := max(slot*0.4, 1)
		gap := (slot - 2*bar) / 2
		for i := range r.shipped {
			x := plotX + slot*float32(i) + gap
			d := r.c.days[i]
			for j, rect := range []*canvas.Rectangle{r.shipped[i], r.delivered[i]} {
				v := d.Shipments
				if j == 1 {
					v = d.Delivered
				}
				h := plotH * float32(v) / float32(r.top)
				rect.Resize(fyne.NewSize(bar, h))
				rect.Move(fyne.NewPos(x+bar*float32(j), plotY+plotH-h))
			}
		}
		for k, t := range r.dates {
			w := t.MinSize().Width
			cx := plotX + slot*(float32(r.dateIdx[k])+0.5) - w/2
			cx = min(max(cx, plotX), plotX+plotW-w)
			t.Move(fyne.NewPos(cx, plotY+plotH+4))
		}
	}
	// Legend, right-aligned above the plot.
	x := size.Width - 4
	for i := len(r.legend) - 2; i >= 0; i -= 2 {
		sw, txt := r.legend[i], r.legend[i+1]
		tw := txt.MinSize().Width
		x -= tw
		txt.Move(fyne.NewPos(x, 2))
		x -= 16
		sw.Move(fyne.NewPos(x, 5))
		x -= 14
	}
	r.empty.Move(fyne.NewPos(plotX+plotW/2-r.empty.MinSize().Width/2, plotY+plotH/2-10))
}

func (r *dayChartRenderer) MinSize() fyne.Size { return fyne.NewSize(320, 200) }

func (r *dayChartRenderer) Refresh() {
	r.rebuild()
	r.Layout(r.c.Size())
	canvas.Refresh(r.c)
}

func (r *dayChartRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *dayChartRenderer) Destroy()                     {}

// fracLayout gives its only object frac of the width (at least 2 px when
// frac > 0), full height: a horizontal bar.
type fracLayout struct{ frac float32 }

func (l *fracLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	frac := min(max(l.frac, 0), 1)
	w := size.Width * frac
	if frac > 0 {
		w = max(w, 2)
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, size.Height*0.15))
		o.Resize(fyne.NewSize(w, size.Height*0.7))
	}
}

func (l *fracLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(40, 18) }

// widthLayout makes its objects at least w wide (stacked).
type widthLayout struct{ w float32 }

func (l widthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l widthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(l.w, 0)
	for _, o := range objs {
		s.Height = max(s.Height, o.MinSize().Height)
	}
	return s
}
