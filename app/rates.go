package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"labelstation/carrier"
	"labelstation/station"
)

// Carrier options on the pack screen. When an order is shown, and again
// whenever a new stable weight settles for it, the station is asked (off
// the UI goroutine, never two requests at once: a refresher) what every
// carrier would charge and when the parcel would arrive. The options are
// listed under the order, cheapest first; the one the station would book
// anyway is marked, so the usual parcel stays scan-weigh-print. A tap on
// another option selects it, and Print books with that carrier and
// service. When the comparison fails or has no options, Print books as
// it always did: the station chooses.
//
// What is marked ("preselected") is the station's Chosen: what Pack would
// book without a choice — the shipping rule's option when a rule matched
// (cmp.Rule), else the order's own service — so the mark never promises
// another carrier than the label gets.

// rateRowsVisible is how many options show before the list scrolls: the
// screen must still fit 1100×700 with the last label under them.
const rateRowsVisible = 3

// rateReq is one comparison asked for: the order shown (lookupSeq, ref)
// and the weight seen (0: the station reads the scale itself). n counts
// requests, so an answer can be matched to the newest one.
type rateReq struct {
	n   int
	seq int
	ref string
	w   carrier.Weight
}

// rateState is the pack screen's carrier options. The fields below mu are
// shared with the load goroutine; the rest are touched only on the UI
// goroutine.
type rateState struct {
	src     RateSource
	refresh refresher
	panel   *ratesPanel

	mu   sync.Mutex
	want rateReq

	order   bool // the shown order was found: ask for it
	askedN  int  // newest request
	gotN    int  // newest request answered
	askedW  carrier.Weight
	cmp     station.RateComparison
	pre     int  // index of the marked option, -1 if none
	sel     int  // index of the selected option, -1 if none
	picked  bool // the packer tapped the selection
	timer   *time.Timer
	lastErr string
}

// initRates sets up the options when the station compares rates.
func (ps *PackScreen) initRates() {
	src, ok := ps.st.(RateSource)
	if !ok {
		return
	}
	rs := &rateState{src: src, pre: -1, sel: -1}
	rs.refresh = refresher{ctx: ps.ctx, load: ps.loadRates}
	rs.panel = newRatesPanel()
	ps.rates = rs
}

// resetRates forgets the options of the order shown before.
func (ps *PackScreen) resetRates() {
	rs := ps.rates
	if rs == nil {
		return
	}
	if rs.timer != nil {
		rs.timer.Stop()
	}
	rs.mu.Lock()
	rs.want = rateReq{}
	rs.mu.Unlock()
	rs.order, rs.askedW, rs.lastErr = false, 0, ""
	rs.gotN = rs.askedN
	rs.cmp, rs.pre, rs.sel, rs.picked = station.RateComparison{}, -1, -1, false
	rs.panel.box.Hide()
}

// ratesForOrder starts the comparison for an order just found, with the
// stable weight on the scale (0 when there is none yet: the station then
// waits for one itself).
func (ps *PackScreen) ratesForOrder() {
	rs := ps.rates
	if rs == nil {
		return
	}
	rs.order = true
	w, _ := ps.pinnedWeight()
	ps.askRates(w)
	rs.panel.show(ps, lang.L("Asking the carriers…"))
}

// askRates asks for a comparison of the shown order at weight w.
func (ps *PackScreen) askRates(w carrier.Weight) {
	rs := ps.rates
	if rs == nil || !rs.order || !ps.armed || ps.shown.Ref == "" {
		return
	}
	rs.askedN++
	rs.askedW = w
	rs.mu.Lock()
	rs.want = rateReq{n: rs.askedN, seq: ps.lookupSeq, ref: ps.shown.Ref, w: w}
	rs.mu.Unlock()
	rs.refresh.refresh()
}

// ratesWeight is called with every reading shown: a new stable weight
// for the shown order asks again, after the scale has kept it for
// cfg.rateDebounce (a parcel being adjusted asks once, not per reading).
func (ps *PackScreen) ratesWeight() {
	rs := ps.rates
	if rs == nil || !rs.order || !ps.armed {
		return
	}
	w, ok := ps.pinnedWeight()
	if !ok || (rs.askedW > 0 && weightsAgree(w, rs.askedW)) {
		return
	}
	if rs.timer == nil {
		rs.timer = time.AfterFunc(ps.cfg.rateDebounce, func() { ps.ui(ps.ratesSettled) })
	} else {
		rs.timer.Reset(ps.cfg.rateDebounce)
	}
}

// ratesSettled asks again if the weight still differs from the one asked.
func (ps *PackScreen) ratesSettled() {
	rs := ps.rates
	if rs == nil || !rs.order || !ps.armed {
		return
	}
	if w, ok := ps.pinnedWeight(); ok && (rs.askedW == 0 || !weightsAgree(w, rs.askedW)) {
		ps.askRates(w)
	}
}

// weightsAgree reports whether two weights are the same parcel for a
// price: within 20 g or 2 %.
func weightsAgree(a, b carrier.Weight) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= max(20, b/50)
}

// loadRates runs on the refresher's goroutine: it asks the station for the
// newest request and hands the answer to the UI.
func (ps *PackScreen) loadRates(ctx context.Context) {
	rs := ps.rates
	rs.mu.Lock()
	req := rs.want
	rs.mu.Unlock()
	if req.ref == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, ps.cfg.rateTimeout)
	defer cancel()
	cmp, err := rs.src.Rates(ctx, req.ref, station.RateOptions{Weight: req.w})
	ps.ui(func() { ps.ratesDone(req, cmp, err) })
}

// ratesDone shows an answer, if it is about the order still shown.
func (ps *PackScreen) ratesDone(req rateReq, cmp station.RateComparison, err error) {
	rs := ps.rates
	if req.seq != ps.lookupSeq || !rs.order || req.n < rs.gotN {
		return
	}
	rs.gotN = req.n
	if err != nil {
		rs.lastErr = lang.L("No carrier options: {{.Error}}. Print books as usual.", map[string]any{"Error": errText(err)})
		if !rs.picked {
			rs.cmp, rs.pre, rs.sel = station.RateComparison{}, -1, -1
		}
		rs.panel.show(ps, rs.lastErr)
		return
	}
	rs.lastErr = ""
	var keep carrier.Rate
	if rs.picked && rs.sel >= 0 && rs.sel < len(rs.cmp.Options) {
		keep = rs.cmp.Options[rs.sel]
	}
	rs.cmp = cmp
	rs.pre = preselected(cmp)
	rs.sel, rs.picked = rs.pre, false
	if keep.Carrier != "" {
		for i, o := range cmp.Options {
			if o.Carrier == keep.Carrier && o.Service == keep.Service {
				rs.sel, rs.picked = i, true
			}
		}
	}
	rs.panel.show(ps, "")
}

// preselected is the option Pack books without a choice, as the station
// says (the rule's, else the order's service); -1 if none.
func preselected(cmp station.RateComparison) int {
	if _, ok := cmp.ChosenRate(); ok {
		return cmp.Chosen
	}
	return -1
}

// pickRate selects option i (a tap on it).
func (ps *PackScreen) pickRate(i int) {
	defer ps.focusScan()
	rs := ps.rates
	if rs == nil || !ps.armed || i < 0 || i >= len(rs.cmp.Options) {
		return
	}
	rs.sel, rs.picked = i, i != rs.pre
	rs.panel.show(ps, "")
}

// nextRate selects the option after the selected one, round (a key:
// the keyboard's tap on an option).
func (ps *PackScreen) nextRate() {
	rs := ps.rates
	if rs == nil || len(rs.cmp.Options) == 0 {
		ps.focusScan()
		return
	}
	ps.pickRate((rs.sel + 1) % len(rs.cmp.Options))
}

// rateChoice is the carrier and service Print passes to Pack: the option
// the packer tapped; or the marked one, when the comparison is current
// (no newer request pending, made at the weight the packer sees). ok is
// false when the station should choose, as it did before.
func (ps *PackScreen) rateChoice() (carrierName, service string, ok bool) {
	rs := ps.rates
	if rs == nil || rs.sel < 0 || rs.sel >= len(rs.cmp.Options) {
		return "", "", false
	}
	o := rs.cmp.Options[rs.sel]
	if !rs.picked {
		if rs.gotN != rs.askedN {
			return "", "", false
		}
		if w, seen := ps.pinnedWeight(); seen && !weightsAgree(w, rs.cmp.Weight) {
			return "", "", false
		}
	}
	return o.Carrier, o.Service, true
}

// ratesPanel shows the options: a caption with the weight they are for,
// up to rateRowsVisible rows (more scroll), and one muted line for the
// carriers that did not answer or a rule that could not be followed.
type ratesPanel struct {
	box     *fyne.Container
	title   *canvas.Text
	list    *fyne.Container
	holder  *fyne.Container
	themed  *container.ThemeOverride
	scroll  *container.Scroll
	note    *widget.Label
	rows    []*rateRow
	rowSize fyne.Size
}

func newRatesPanel() *ratesPanel {
	p := &ratesPanel{list: container.New(layout.NewCustomPaddedVBoxLayout(0)), note: widget.NewLabel("")}
	p.title = canvas.NewText(lang.L("CARRIER"), colMuted)
	p.title.TextSize = headingSize
	p.title.TextStyle.Bold = true
	p.note.Importance = widget.LowImportance
	p.note.Truncation = fyne.TextTruncateEllipsis
	p.scroll = container.NewVScroll(p.list)
	p.holder = container.NewStack(p.list)
	// Compact rows: the options sit between the Print button and the
	// last label and must leave the label its room.
	// The muted line sits beside the caption: it costs no row.
	compact := screenTheme{text: rateTextSize, innerPad: ratePad}
	p.themed = container.NewThemeOverride(p.holder, compact)
	head := container.NewBorder(nil, nil, container.NewCenter(p.title), nil,
		container.NewThemeOverride(p.note, compact))
	p.box = container.New(layout.NewCustomPaddedVBoxLayout(0), head, p.themed)
	p.box.Hide()
	return p
}

// show draws the screen's current options; note, when set, replaces the
// muted line (e.g. while asking, or after an error).
func (p *ratesPanel) show(ps *PackScreen, note string) {
	rs := ps.rates
	cmp := rs.cmp
	p.title.Text = lang.L("CARRIER")
	if cmp.Weight > 0 && len(cmp.Options) > 0 {
		p.title.Text = lang.L("CARRIER · {{.Weight}}", map[string]any{"Weight": cmp.Weight.String()})
	}
	p.title.Refresh()

	p.rows = p.rows[:0]
	objs := make([]fyne.CanvasObject, 0, len(cmp.Options))
	for i, o := range cmp.Options {
		r := newRateRow(func() { ps.pickRate(i) })
		name := rateName(o)
		switch {
		case i == rs.pre && cmp.Rule != "":
			name = lang.L("{{.Option}}  (rule: {{.Rule}})", map[string]any{"Option": name, "Rule": cmp.Rule})
		case i == rs.pre:
			name = lang.L("{{.Option}}  (order's service)", map[string]any{"Option": name})
		}
		r.set(name, moneyText(o.Total), dateText(o.EstimatedDelivery), i == rs.sel)
		p.rows = append(p.rows, r)
		objs = append(objs, r)
	}
	p.list.Objects = objs
	p.holder.Objects = []fyne.CanvasObject{p.list}
	if len(objs) > rateRowsVisible {
		p.holder.Objects = []fyne.CanvasObject{p.scroll}
	}
	p.themed.Refresh() // the override reaches the new rows
	if len(objs) > rateRowsVisible {
		p.scroll.SetMinSize(fyne.NewSize(0, objs[0].MinSize().Height*rateRowsVisible))
	}
	p.list.Refresh()
	p.holder.Refresh()

	if note == "" {
		var parts []string
		if cmp.RuleNote != "" {
			parts = append(parts, cmp.RuleNote)
		}
		for _, m := range cmp.Missing {
			parts = append(parts, missingText(m))
		}
		if rs.pre < 0 && len(cmp.Options) > 0 && rs.sel < 0 {
			parts = append(parts, lang.L("No rule or quoted service marked: Print books the order's usual service, or tap an option"))
		}
		note = strings.Join(parts, " · ")
	}
	p.note.SetText(note)
	if note == "" {
		p.note.Hide()
	} else {
		p.note.Show()
	}
	p.box.Show()
	p.box.Refresh()
}

// missingText says in few words why a carrier is not listed: "stg did not
// answer", or the station's reason when it is short.
func missingText(m station.MissingCarrier) string {
	switch {
	case strings.Contains(m.Reason, "did not answer"):
		return lang.L("{{.Carrier}} did not answer", map[string]any{"Carrier": m.Carrier})
	case m.Reason == "":
		return lang.L("{{.Carrier}} gave no options", map[string]any{"Carrier": m.Carrier})
	}
	return m.Reason
}

// rateName is "STG Home delivery": carrier and service name (or code).
func rateName(o carrier.Rate) string {
	name := o.ServiceName
	if name == "" {
		name = o.Service
	}
	return strings.TrimSpace(carrierTitle(o.Carrier) + " " + name)
}

func carrierTitle(name string) string {
	switch strings.ToLower(name) {
	case "postnord":
		return "PostNord" // i18n: a product name
	case "stg":
		return "STG" // i18n: a product name
	}
	return upperFirst(name)
}

func moneyText(m carrier.Money) string {
	if m.IsZero() {
		return "—"
	}
	return strings.TrimSpace(fmt.Sprintf("%.2f %s", m.Amount, m.Currency)) // i18n: an amount and its currency code
}

// dateText is a delivery day, "Mon 2 Jan", in the screen's language.
func dateText(t time.Time) string {
	if t.IsZero() {
		return lang.L("no date")
	}
	return weekdayDateText(t.Local())
}

// rateRow is one option: a mark, carrier and service, total, delivery
// date. The selected row is tinted; a tap selects it.
type rateRow struct {
	widget.BaseWidget
	bg                       *canvas.Rectangle
	mark, name, total, date  *widget.Label
	onTap                    func()
	selected                 bool
	nameText, totalText, day string
}

func newRateRow(onTap func()) *rateRow {
	r := &rateRow{onTap: onTap, bg: canvas.NewRectangle(transparent)}
	r.bg.CornerRadius = 4
	r.mark = widget.NewLabel("○")
	r.name = widget.NewLabel("")
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.total = widget.NewLabel("")
	r.total.Alignment = fyne.TextAlignTrailing
	r.total.TextStyle.Bold = true
	r.date = widget.NewLabel("")
	r.ExtendBaseWidget(r)
	return r
}

func (r *rateRow) set(name, total, day string, selected bool) {
	r.nameText, r.totalText, r.day, r.selected = name, total, day, selected
	r.name.SetText(name)
	r.total.SetText(total)
	r.date.SetText(day)
	if selected {
		r.mark.SetText("●")
		r.bg.FillColor = theme.Color(theme.ColorNameSelection)
		r.name.TextStyle.Bold = true
	} else {
		r.mark.SetText("○")
		r.bg.FillColor = transparent
		r.name.TextStyle.Bold = false
	}
	r.name.Refresh()
	r.bg.Refresh()
}

func (r *rateRow) Tapped(*fyne.PointEvent) {
	if r.onTap != nil {
		r.onTap()
	}
}

func (r *rateRow) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (r *rateRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(r.bg,
		container.New(rateColumns{}, r.mark, r.name, r.total, r.date)))
}

// rateColumns lays out a row's mark, name, total and date so rows line up:
// the mark at its own width, total and date in fixed columns at the
// right, the name (cut with an ellipsis) in between.
type rateColumns struct{}

const (
	rateTextSize   = 16
	ratePad        = 3
	rateTotalWidth = 108
	rateDateWidth  = 98
)

func (rateColumns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	mark := objs[0].MinSize().Width
	nameW := max(size.Width-mark-rateTotalWidth-rateDateWidth, 0)
	x := float32(0)
	for i, w := range []float32{mark, nameW, rateTotalWidth, rateDateWidth} {
		objs[i].Move(fyne.NewPos(x, 0))
		objs[i].Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}

func (rateColumns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(objs[0].MinSize().Width+100+rateTotalWidth+rateDateWidth, h)
}
