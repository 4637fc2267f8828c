package kpi

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/signintech/gopdf"

	"labelstation/label"
)

// PDFOptions tune PDF.
type PDFOptions struct {
	// Title heads the first page (default "Delivery report").
	Title string
	// Location prints times (default time.Local).
	Location *time.Location
	// MaxProblems is how many problem parcels are listed (default 45,
	// and no more than fit on the second page).
	MaxProblems int
	// Regular and Bold are TrueType fonts; nil uses the labels' DejaVu
	// Sans Condensed (label.FontTTF), which covers Å Ä Ö Æ Ø Ü.
	Regular, Bold []byte
}

const (
	pageW, pageH = 210.0, 297.0 // A4, mm
	margin       = 15.0
	contentW     = pageW - 2*margin
	rowH         = 5.4 // a table row, mm
)

type rgb [3]uint8

var (
	colOK       = rgb{46, 139, 87}
	colWarn     = rgb{230, 145, 0}
	colCritical = rgb{200, 30, 30}
	colNA       = rgb{150, 150, 150}
	colBooked   = rgb{66, 110, 180}
	colDeliv    = rgb{80, 170, 90}
	colRule     = rgb{200, 200, 200}
	colHead     = rgb{235, 238, 243}
	colText     = rgb{20, 20, 20}
)

func stateColor(s State) rgb {
	switch s {
	case StateOK:
		return colOK
	case StateWarn:
		return colWarn
	case StateCritical:
		return colCritical
	}
	return colNA
}

// FormatValue is k's value in words for a table: "93.4 %", "2.15 days",
// "12", or "–" when there is nothing to measure.
func FormatValue(k KPI) string {
	if k.State == StateNA {
		return "–"
	}
	switch k.Unit {
	case "%":
		return fmt.Sprintf("%.1f %%", k.Value)
	case "days":
		return fmt.Sprintf("%.2f days", k.Value)
	}
	return fmt.Sprintf("%.0f", k.Value)
}

func formatLevel(k KPI, v float64) string {
	if !k.HasThresholds {
		return ""
	}
	s := fmt.Sprintf("%g", v)
	if k.HigherIsBetter {
		return "< " + s
	}
	return "> " + s
}

type pdfDoc struct {
	gopdf.GoPdf
	err error
	y   float64
}

func (d *pdfDoc) font(bold bool, size float64) {
	fam := "regular"
	if bold {
		fam = "bold"
	}
	if err := d.SetFont(fam, "", size); err != nil && d.err == nil {
		d.err = err
	}
}

func (d *pdfDoc) color(c rgb) { d.SetTextColor(c[0], c[1], c[2]) }
func (d *pdfDoc) fill(c rgb)  { d.SetFillColor(c[0], c[1], c[2]) }

// text writes s in a cell at x,y of width w (0: as wide as needed),
// cut with "…" to fit; align is gopdf.Left, Right or Center.
func (d *pdfDoc) text(x, y, w, h float64, s string, align int) {
	if w > 0 {
		s = d.fit(s, w-1)
	} else {
		w, _ = d.MeasureTextWidth(s)
		w++
	}
	d.SetXY(x, y)
	if err := d.CellWithOption(&gopdf.Rect{W: w, H: h}, s, gopdf.CellOption{Align: align | gopdf.Middle}); err != nil && d.err == nil {
		d.err = err
	}
}

func (d *pdfDoc) fit(s string, w float64) string {
	if tw, _ := d.MeasureTextWidth(s); tw <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		if tw, _ := d.MeasureTextWidth(string(r) + "…"); tw <= w {
			break
		}
	}
	return string(r) + "…"
}

func (d *pdfDoc) rect(x, y, w, h float64, c rgb) {
	d.fill(c)
	d.RectFromUpperLeftWithStyle(x, y, w, h, "F")
}

func (d *pdfDoc) rule(y float64) {
	d.SetStrokeColor(colRule[0], colRule[1], colRule[2])
	d.SetLineWidth(0.2)
	d.Line(margin, y, pageW-margin, y)
}

type column struct {
	head  string
	w     float64
	align int
}

func (d *pdfDoc) header(cols []column, h float64) {
	d.rect(margin, d.y, contentW, h, colHead)
	d.font(true, 8)
	d.color(colText)
	x := margin
	for _, c := range cols {
		d.text(x+1, d.y, c.w-2, h, c.head, c.align)
		x += c.w
	}
	d.y += h
}

func (d *pdfDoc) heading(s string) {
	d.font(true, 11)
	d.color(colText)
	d.text(margin, d.y, contentW, 6, s, gopdf.Left)
	d.y += 7
}

// PDF renders r as one or two A4 pages a supervisor can print: the
// title with the window and the time generated, the KPI table with
// values, thresholds and states in colour, a bar chart of shipments and
// deliveries per day, the per-country and per-carrier tables and the
// problem parcels.
func PDF(r Report, opt PDFOptions) ([]byte, error) {
	if opt.Location == nil {
		opt.Location = time.Local
	}
	if opt.Title == "" {
		opt.Title = "Delivery report"
	}
	if opt.MaxProblems <= 0 {
		opt.MaxProblems = 45
	}
	if opt.Regular == nil {
		opt.Regular, _ = label.FontTTF()
	}
	if opt.Bold == nil {
		_, opt.Bold = label.FontTTF()
	}
	d := &pdfDoc{}
	d.Start(gopdf.Config{Unit: gopdf.UnitMM, PageSize: gopdf.Rect{W: pageW, H: pageH}})
	d.SetInfo(gopdf.PdfInfo{Title: opt.Title, Creator: "labelstation", Producer: "labelstation/station/kpi", CreationDate: r.GeneratedAt})
	if err := d.AddTTFFontData("regular", opt.Regular); err != nil {
		return nil, fmt.Errorf("report PDF font: %w", err)
	}
	if err := d.AddTTFFontData("bold", opt.Bold); err != nil {
		return nil, fmt.Errorf("report PDF bold font: %w", err)
	}

	// Page 1: title, KPI table, chart.
	d.AddPage()
	d.y = margin
	window := r.From
	if r.From != r.To {
		window = r.From + " – " + r.To
	}
	days := "1 day"
	if r.Days != 1 {
		days = fmt.Sprintf("%d days", r.Days)
	}
	d.font(true, 17)
	d.color(colText)
	d.text(margin, d.y, contentW, 8, opt.Title, gopdf.Left)
	d.y += 9
	d.font(true, 11)
	d.text(margin, d.y, contentW, 6, fmt.Sprintf("Parcels booked %s (%s)", window, days), gopdf.Left)
	d.y += 6
	d.font(false, 9)
	d.color(rgb{90, 90, 90})
	d.text(margin, d.y, contentW, 5, fmt.Sprintf("Generated %s · %d shipments booked in the window · %d problem parcels",
		r.GeneratedAt.In(opt.Location).Format("2006-01-02 15:04 MST"), r.Shipments, r.ProblemsTotal), gopdf.Left)
	d.y += 8

	cols := []column{{"KPI", 72, gopdf.Left}, {"Value", 26, gopdf.Right}, {"Parcels", 26, gopdf.Right},
		{"Warn", 18, gopdf.Right}, {"Critical", 18, gopdf.Right}, {"State", 20, gopdf.Center}}
	d.header(cols, rowH)
	for _, k := range r.Overall {
		d.font(false, 8.5)
		d.color(colText)
		x := margin
		parcels := ""
		if k.Unit == "parcels" {
			if k.Key != KeyShipments && k.Of > 0 {
				parcels = fmt.Sprintf("of %d", k.Of)
			}
		} else if k.Of > 0 || k.State != StateNA {
			parcels = fmt.Sprintf("%d / %d", k.Count, k.Of)
		}
		cells := []string{k.Name, FormatValue(k), parcels, formatLevel(k, k.Warn), formatLevel(k, k.Critical), ""}
		for i, c := range cols {
			if i == 1 {
				d.font(true, 8.5)
			}
			d.text(x+1, d.y, c.w-2, rowH, cells[i], c.align)
			if i == 1 {
				d.font(false, 8.5)
			}
			x += c.w
		}
		if k.HasThresholds || k.State == StateNA {
			sx := pageW - margin - cols[len(cols)-1].w
			d.rect(sx+2, d.y+0.7, cols[len(cols)-1].w-4, rowH-1.4, stateColor(k.State))
			d.font(true, 7.5)
			d.color(rgb{255, 255, 255})
			d.text(sx+2, d.y, cols[len(cols)-1].w-4, rowH, strings.ToUpper(string(k.State)), gopdf.Center)
		}
		d.y += rowH
		d.rule(d.y)
	}
	d.y += 3
	d.font(false, 7.5)
	d.color(rgb{90, 90, 90})
	d.text(margin, d.y, contentW, 4, "On time: at the door, the pickup point or a first attempt by the end of the expected day (local). Transit: booking to that, in 24 h periods.", gopdf.Left)
	d.y += 4
	d.text(margin, d.y, contentW, 4, "Intra-EU: SE, DK, FI at both ends; Norway border: to or from NO. Rates over nothing show – (n/a).", gopdf.Left)
	d.y += 8

	d.heading("Shipments and deliveries per day")
	d.chart(r, margin, d.y, contentW, pageH-margin-d.y-12)

	// Page 2: countries, status mix, problem parcels.
	d.AddPage()
	d.y = margin
	d.heading("By destination country")
	d.groupTable(r.ByCountry, "Country", func(g Group) string { return g.Key }, func(g Group) (string, string) {
		if g.Key == "NO" {
			return KeyAvgTransitSENO, KeyP90TransitSENO
		}
		return KeyAvgTransit, KeyP90Transit
	})
	if len(r.ByCarrier) > 0 {
		d.y += 4
		d.heading("By carrier")
		d.groupTable(r.ByCarrier, "Carrier", func(g Group) string { return carrierTitle(g.Key) }, func(Group) (string, string) {
			return KeyAvgTransit, KeyP90Transit
		})
		d.y += 1
		d.font(false, 7.5)
		d.color(rgb{90, 90, 90})
		d.text(margin, d.y, contentW, 4, "A carrier's transit is that of its intra-EU parcels (SE, DK, FI at both ends).", gopdf.Left)
		d.y += 4
	}
	d.y += 3
	d.font(false, 8)
	d.color(colText)
	statuses := make([]string, 0, len(r.StatusMix))
	for s, n := range r.StatusMix {
		statuses = append(statuses, fmt.Sprintf("%s %d", strings.ReplaceAll(s, "_", " "), n))
	}
	sort.Strings(statuses)
	if len(statuses) == 0 {
		statuses = []string{"no shipments"}
	}
	d.text(margin, d.y, contentW, 5, "Status mix: "+strings.Join(statuses, " · "), gopdf.Left)
	d.y += 9

	if len(r.ProblemKinds) > 0 {
		kinds := make([]string, 0, len(r.ProblemKinds))
		for k, n := range r.ProblemKinds {
			kinds = append(kinds, fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), n))
		}
		sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
		d.text(margin, d.y, contentW, 5, "Problem parcels by kind: "+strings.Join(kinds, " · "), gopdf.Left)
		d.y += 9
	}
	shown := min(len(r.Problems), opt.MaxProblems)
	if room := int((pageH - margin - 12 - d.y - 7 - rowH) / 4.8); shown > room {
		shown = max(room, 0)
	}
	d.heading(fmt.Sprintf("Problem parcels (%d of %d, most severe and newest first)", shown, r.ProblemsTotal))
	pcols := []column{{"Problem", 20, gopdf.Left}, {"Order", 24, gopdf.Left}, {"Tracking", 36, gopdf.Left},
		{"To", 9, gopdf.Left}, {"Since", 21, gopdf.Left}, {"What to do", 70, gopdf.Left}}
	if shown == 0 {
		d.font(false, 9)
		d.color(colText)
		d.text(margin, d.y, contentW, 5, "No problem parcels.", gopdf.Left)
		d.y += 6
	} else {
		d.header(pcols, rowH)
		for _, p := range r.Problems[:shown] {
			d.font(false, 7.5)
			cells := []string{strings.ReplaceAll(p.Kind, "_", " "), p.OrderRef, p.ItemID, p.Country, p.Since.In(opt.Location).Format("01-02 15:04"), p.Note}
			x := margin
			for i, c := range pcols {
				d.color(colText)
				if i == 0 {
					d.color(problemColor(p.Kind))
					d.font(true, 7.5)
				}
				d.text(x+1, d.y, c.w-2, 4.8, cells[i], c.align)
				if i == 0 {
					d.font(false, 7.5)
				}
				x += c.w
			}
			d.y += 4.8
			d.rule(d.y)
		}
	}
	if len(r.LeftOut) > 0 {
		d.y += 3
		d.font(false, 7.5)
		d.color(rgb{90, 90, 90})
		d.text(margin, d.y, contentW, 4, "Not in this report: "+strings.Join(r.LeftOut, "; "), gopdf.Left)
	}
	for i := 1; i <= 2; i++ {
		d.SetPage(i)
		d.font(false, 7.5)
		d.color(rgb{120, 120, 120})
		d.text(margin, pageH-margin+3, contentW, 4, fmt.Sprintf("labelstation · %s · page %d of 2", window, i), gopdf.Right)
	}
	if d.err != nil {
		return nil, fmt.Errorf("report PDF: %w", d.err)
	}
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		return nil, fmt.Errorf("report PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// groupTable draws a table of groups (the destination countries, the
// carriers): first heads the first column and name words a group's key;
// transit picks the average and P90 transit KPIs a group is measured on.
// Each figure is in its state's colour.
func (d *pdfDoc) groupTable(groups []Group, first string, name func(Group) string, transit func(Group) (avg, p90 string)) {
	cols := []column{{first, 22, gopdf.Left}, {"Shipments", 22, gopdf.Right}, {"On time", 24, gopdf.Right},
		{"Avg transit", 26, gopdf.Right}, {"P90 transit", 24, gopdf.Right}, {"Exceptions", 22, gopdf.Right}, {"Lost", 19, gopdf.Right}, {"Gaps", 21, gopdf.Right}}
	d.header(cols, rowH)
	for _, g := range groups {
		find := func(key string) KPI {
			for _, k := range g.KPIs {
				if k.Key == key {
					return k
				}
			}
			return KPI{State: StateNA}
		}
		avgKey, p90Key := transit(g)
		cells := []KPI{find(KeyOnTime), find(avgKey), find(p90Key), find(KeyException), find(KeyLost), find(KeyTrackingGap)}
		d.font(true, 8.5)
		d.color(colText)
		d.text(margin+1, d.y, cols[0].w-2, rowH, name(g), gopdf.Left)
		d.font(false, 8.5)
		d.text(margin+cols[0].w+1, d.y, cols[1].w-2, rowH, fmt.Sprint(g.Shipments), gopdf.Right)
		x := margin + cols[0].w + cols[1].w
		for i, k := range cells {
			c := cols[i+2]
			if k.HasThresholds || k.State == StateNA {
				d.color(stateColor(k.State))
			} else {
				d.color(colText)
			}
			d.text(x+1, d.y, c.w-2, rowH, FormatValue(k), gopdf.Right)
			x += c.w
		}
		d.y += rowH
		d.rule(d.y)
	}
}

// carrierTitle is "PostNord" for the registry name "postnord"; another
// carrier keeps its registry name.
func carrierTitle(key string) string {
	switch strings.ToLower(key) {
	case "postnord":
		return "PostNord"
	case "stg":
		return "STG"
	case "":
		return "–"
	}
	return key
}

func problemColor(kind string) rgb {
	switch kind {
	case ProblemLost, ProblemCustoms, ProblemStuck:
		return colCritical
	case ProblemLate, ProblemException, ProblemAttempt:
		return colWarn
	}
	return colText
}

// chart draws the daily shipments and deliveries as paired bars.
func (d *pdfDoc) chart(r Report, x, y, w, h float64) {
	const axisW, axisH, legendH = 12.0, 8.0, 6.0
	top := 0
	for _, day := range r.Daily {
		top = max(top, day.Shipments, day.Delivered)
	}
	scale := niceCeil(top)
	// Legend.
	d.font(false, 8)
	d.color(colText)
	d.rect(x+axisW, y+1.5, 3, 3, colBooked)
	d.text(x+axisW+4, y, 0, 6, "booked", gopdf.Left)
	d.rect(x+axisW+24, y+1.5, 3, 3, colDeliv)
	d.text(x+axisW+28, y, 0, 6, "delivered (of the parcels booked in the window)", gopdf.Left)
	py, ph := y+legendH+2, h-legendH-2-axisH
	px, pw := x+axisW, w-axisW
	// Grid and y labels.
	d.SetLineWidth(0.15)
	for i := 0; i <= 4; i++ {
		gy := py + ph - ph*float64(i)/4
		d.SetStrokeColor(colRule[0], colRule[1], colRule[2])
		d.Line(px, gy, px+pw, gy)
		d.font(false, 7)
		d.color(rgb{90, 90, 90})
		d.text(x, gy-2, axisW-1.5, 4, fmt.Sprint(scale*i/4), gopdf.Right)
	}
	n := len(r.Daily)
	if n == 0 {
		return
	}
	slot := pw / float64(n)
	bw := slot * 0.4
	for i, day := range r.Daily {
		sx := px + slot*float64(i) + slot*0.1
		if day.Shipments > 0 {
			bh := ph * float64(day.Shipments) / float64(scale)
			d.rect(sx, py+ph-bh, bw, bh, colBooked)
		}
		if day.Delivered > 0 {
			bh := ph * float64(day.Delivered) / float64(scale)
			d.rect(sx+bw, py+ph-bh, bw, bh, colDeliv)
		}
	}
	// X labels: at most about 10 dates.
	step := max(1, (n+9)/10)
	d.font(false, 7)
	d.color(rgb{90, 90, 90})
	for i := 0; i < n; i += step {
		label := r.Daily[i].Date[5:]
		cx := px + slot*float64(i) + slot/2
		d.text(cx-8, py+ph+1, 16, 4, label, gopdf.Center)
	}
	d.SetStrokeColor(60, 60, 60)
	d.SetLineWidth(0.3)
	d.Line(px, py+ph, px+pw, py+ph)
}

// niceCeil is the smallest of 4, 8, 12, 20, 40, 60, 80 times a power of
// ten at or above n, so the four grid lines land on round numbers.
func niceCeil(n int) int {
	if n <= 4 {
		return 4
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{4, 8, 12, 20, 40, 60, 80} {
			if m*p >= n {
				return m * p
			}
		}
	}
}
