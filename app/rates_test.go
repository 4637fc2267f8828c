package app

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"labelstation/carrier"
	"labelstation/scale"
	"labelstation/station"
)

// rateStation is the fake station that also compares carriers
// (RateSource). It answers cmp (with the weight asked), or err; gate,
// when set, holds every call until a value is received from it. It
// counts the calls, the weights asked and the most calls running at once.
type rateStation struct {
	*fakeStation
	gate chan struct{}

	rmu     sync.Mutex
	cmp     station.RateComparison
	err     error
	asked   []carrier.Weight
	running int
	most    int
}

func newRateStation() *rateStation {
	day := time.Now().AddDate(0, 0, 1)
	return &rateStation{fakeStation: newFakeStation(), cmp: station.RateComparison{
		OrderRef: "10001", Country: "SE",
		Options: []carrier.Rate{
			{Carrier: "postnord", Service: "19", ServiceName: "MyPack Collect", Total: carrier.Money{Amount: 73.75, Currency: "SEK"}, EstimatedDelivery: day.AddDate(0, 0, 1)},
			{Carrier: "stg", Service: "HOME", ServiceName: "Home delivery", Total: carrier.Money{Amount: 89.5, Currency: "SEK"}, EstimatedDelivery: day},
			{Carrier: "stg", Service: "EXPRESS", ServiceName: "Express", Total: carrier.Money{Amount: 149, Currency: "SEK"}, EstimatedDelivery: day},
		},
		Chosen: 1, Rule: "fastest to the door",
	}}
}

func (f *rateStation) Rates(ctx context.Context, ref string, opts station.RateOptions) (station.RateComparison, error) {
	f.rmu.Lock()
	f.asked = append(f.asked, opts.Weight)
	f.running++
	f.most = max(f.most, f.running)
	gate := f.gate
	f.rmu.Unlock()
	defer func() {
		f.rmu.Lock()
		f.running--
		f.rmu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return station.RateComparison{}, ctx.Err()
		}
	}
	f.rmu.Lock()
	defer f.rmu.Unlock()
	if f.err != nil {
		return station.RateComparison{}, f.err
	}
	cmp := f.cmp
	cmp.OrderRef, cmp.Weight = ref, opts.Weight
	if cmp.Weight == 0 {
		cmp.Weight = 1250 // the station read the scale itself
	}
	cmp.Options = append([]carrier.Rate(nil), f.cmp.Options...)
	return cmp, nil
}

func (f *rateStation) rateCalls() (asked []carrier.Weight, most int) {
	f.rmu.Lock()
	defer f.rmu.Unlock()
	return append([]carrier.Weight(nil), f.asked...), f.most
}

// rowTexts are the shown options as "name | total | date".
func rowTexts(ps *PackScreen) []string {
	var out []string
	for _, r := range ps.rates.panel.rows {
		out = append(out, r.name.Text+" | "+r.total.Text+" | "+r.date.Text)
	}
	return out
}

func selectedRow(ps *PackScreen) int {
	for i, r := range ps.rates.panel.rows {
		if r.selected {
			return i
		}
	}
	return -1
}

// After a scan the options appear side by side, cheapest first, with the
// rule's option marked and selected, and the carrier that did not answer
// named in the muted line.
func TestRatesShownAfterScanWithRuleMarked(t *testing.T) {
	st := newRateStation()
	st.cmp.Missing = []station.MissingCarrier{{Carrier: "bring", Reason: "bring did not answer within 2 s"}}
	ps, w, loop := newTestScreen(t, st)

	scanCode(w.Canvas(), "10001")
	loop.until(t, "options shown", func() bool { return len(ps.rates.panel.rows) == 3 })
	rows := rowTexts(ps)
	if !strings.HasPrefix(rows[0], "PostNord MyPack Collect | 73.75 SEK | ") {
		t.Errorf("row 0 = %q", rows[0])
	}
	if !strings.HasPrefix(rows[1], "STG Home delivery  (rule: fastest to the door) | 89.50 SEK | ") {
		t.Errorf("row 1 = %q, want the rule named on it", rows[1])
	}
	if want := dateText(st.cmp.Options[1].EstimatedDelivery); !strings.HasSuffix(rows[1], want) || want == "no date" {
		t.Errorf("row 1 = %q, want the delivery date %q", rows[1], want)
	}
	if strings.Contains(rows[0], "rule:") || strings.Contains(rows[2], "rule:") {
		t.Errorf("the rule is named on another row: %q", rows)
	}
	if got := selectedRow(ps); got != 1 {
		t.Errorf("selected row %d, want the rule's (1)", got)
	}
	if !ps.rates.panel.box.Visible() {
		t.Error("the options are hidden")
	}
	if got := ps.rates.panel.note.Text; got != "bring did not answer" || !ps.rates.panel.note.Visible() {
		t.Errorf("muted line = %q (visible %v), want the missing carrier named", got, ps.rates.panel.note.Visible())
	}
	if asked, _ := st.rateCalls(); len(asked) != 1 || asked[0] != 0 {
		t.Errorf("Rates asked with weights %v, want once with 0 (no weight on the scale yet)", asked)
	}
	focusedIsScan(t, ps, w, "after the options came")
}

// Tapping another option and pressing Print books with that carrier and
// service; the focus stays in the scan field.
func TestPickedRateIsPassedToPack(t *testing.T) {
	st := newRateStation()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()

	scanCode(c, "10001")
	loop.until(t, "options shown", func() bool { return len(ps.rates.panel.rows) == 3 })
	test.Tap(ps.rates.panel.rows[2])
	focusedIsScan(t, ps, w, "after tapping an option")
	if got := selectedRow(ps); got != 2 {
		t.Fatalf("selected row %d after tapping row 2", got)
	}
	if !strings.Contains(ps.rates.panel.rows[1].name.Text, "(rule: fastest to the door)") {
		t.Errorf("the rule's option lost its mark: %q", ps.rates.panel.rows[1].name.Text)
	}
	test.Tap(ps.printBtn)
	loop.until(t, "printed", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
	packs, _ := st.calls()
	if len(packs) != 1 || packs[0].Opts.Carrier != "stg" || packs[0].Opts.Service != "EXPRESS" {
		t.Errorf("Pack calls %+v, want carrier stg, service EXPRESS", packs)
	}

	// Once sent, the options can no longer be changed for it.
	test.Tap(ps.rates.panel.rows[0])
	if got := selectedRow(ps); got != 2 {
		t.Errorf("a tap after printing changed the selection to %d", got)
	}
}

// Without a tap, Print books the station's marked option explicitly: the
// rule's (the station would choose it too); without a rule, the option of
// the order's own service; with neither, nothing is passed and the station
// chooses as before.
func TestPrintWithoutPickPassesPreselection(t *testing.T) {
	for _, tc := range []struct {
		name             string
		rule             string
		orderSvc         string
		carrier, service string
	}{
		{"rule", "fastest to the door", "19", "stg", "HOME"},
		{"order's service", "", "19", "postnord", "19"},
		{"neither", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newRateStation()
			// The station marks what Pack would book: the rule's option,
			// else the order's service, else nothing.
			st.cmp.Rule = tc.rule
			switch {
			case tc.rule != "":
				st.cmp.Chosen = 1
			case tc.orderSvc != "":
				st.cmp.Chosen = 0
			default:
				st.cmp.Chosen = -1
			}
			o := st.orders["10001"]
			o.Service = tc.orderSvc
			st.orders["10001"] = o
			ps, w, loop := newTestScreen(t, st)
			c := w.Canvas()
			scanCode(c, "10001")
			loop.until(t, "options shown", func() bool { return len(ps.rates.panel.rows) == 3 })
			if tc.carrier == "" {
				if selectedRow(ps) != -1 {
					t.Errorf("row %d marked with no rule and no order service", selectedRow(ps))
				}
				if !strings.Contains(ps.rates.panel.note.Text, "No rule") {
					t.Errorf("muted line = %q, want it to say what Print does", ps.rates.panel.note.Text)
				}
			}
			pressKey(c, fyne.KeyF9)
			loop.until(t, "printed", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
			packs, _ := st.calls()
			if len(packs) != 1 || packs[0].Opts.Carrier != tc.carrier || packs[0].Opts.Service != tc.service {
				t.Errorf("Pack calls %+v, want carrier %q service %q", packs, tc.carrier, tc.service)
			}
		})
	}
}

// A failed comparison says so quietly and Print books exactly as before.
func TestRatesErrorDoesNotBlockPrint(t *testing.T) {
	st := newRateStation()
	st.err = errors.New("no stable weight: the scale is silent")
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	scanCode(c, "10001")
	loop.until(t, "error line", func() bool { return strings.Contains(ps.rates.panel.note.Text, "No carrier options") })
	if len(ps.rates.panel.rows) != 0 {
		t.Errorf("%d options shown after an error", len(ps.rates.panel.rows))
	}
	if ps.bannerBox.Visible() {
		t.Errorf("a banner for a failed comparison: %q", ps.bannerMsg.Text)
	}
	pressKey(c, fyne.KeyF9)
	loop.until(t, "printed", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
	packs, _ := st.calls()
	if len(packs) != 1 || packs[0].Opts.Carrier != "" || packs[0].Opts.Service != "" {
		t.Errorf("Pack calls %+v, want one with no carrier or service", packs)
	}
}

// A comparison still running does not hold up Print either, and its late
// answer for a printed order changes nothing.
func TestPrintWhileRatesPending(t *testing.T) {
	st := newRateStation()
	st.gate = make(chan struct{})
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	scanCode(c, "10001")
	loop.until(t, "order shown", func() bool { return ps.rcptName.Text == "Åsa Öberg" })
	pressKey(c, fyne.KeyF9)
	loop.until(t, "printed", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
	close(st.gate)
	loop.until(t, "late options", func() bool { return len(ps.rates.panel.rows) == 3 })
	packs, _ := st.calls()
	if len(packs) != 1 || packs[0].Opts.Carrier != "" {
		t.Errorf("Pack calls %+v, want one with no carrier (the options were not in)", packs)
	}
}

// New stable weights ask again, after the debounce and never while a
// request runs: a burst of weights during a slow comparison makes one
// more request, with the newest weight. A later scan of another order
// drops the old options.
func TestRatesRequestsNeverOverlap(t *testing.T) {
	st := newRateStation()
	st.gate = make(chan struct{})
	ps, w, loop := newTestScreen(t, st, withRateDebounce(30*time.Millisecond))
	c := w.Canvas()
	scanCode(c, "10001")
	loop.until(t, "first request", func() bool { a, _ := st.rateCalls(); return len(a) == 1 })

	for _, g := range []float64{800, 1400, 2100} {
		st.weights <- scale.Reading{Grams: g, Stable: true, Time: time.Now()}
		loop.until(t, "weight shown", func() bool { return ps.lastReading.Grams == g })
		time.Sleep(60 * time.Millisecond) // past the debounce: each asks again
		loop.drain()
	}
	if a, _ := st.rateCalls(); len(a) != 1 {
		t.Fatalf("Rates asked %v while the first request ran, want it to wait", a)
	}
	st.gate <- struct{}{} // the first answers; exactly one more runs
	st.gate <- struct{}{}
	loop.until(t, "second answer", func() bool { return ps.rates.cmp.Weight == 2100 })
	asked, most := st.rateCalls()
	if len(asked) != 2 || asked[1] != 2100 || most != 1 {
		t.Errorf("Rates asked with %v, at most %d at once; want [0 2100], one at a time", asked, most)
	}
	if want := "CARRIER · " + carrier.Weight(2100).String(); ps.rates.panel.title.Text != want {
		t.Errorf("caption = %q, want the weight the options are for", ps.rates.panel.title.Text)
	}

	// The same weight again asks nothing.
	st.weights <- scale.Reading{Grams: 2105, Stable: true, Time: time.Now()}
	loop.until(t, "weight shown", func() bool { return ps.lastReading.Grams == 2105 })
	time.Sleep(60 * time.Millisecond)
	loop.drain()
	if a, _ := st.rateCalls(); len(a) != 2 {
		t.Errorf("Rates asked %v after the same weight came again", a)
	}

	close(st.gate)
	scanCode(c, "10002")
	if len(ps.rates.panel.rows) != 0 && ps.rates.panel.box.Visible() {
		t.Error("the options of the order before stay shown after the next scan")
	}
	loop.until(t, "options of 10002", func() bool { return ps.rates.cmp.OrderRef == "10002" && len(ps.rates.panel.rows) == 3 })
}

// A station without RateSource shows no options, and Print is unchanged.
func TestNoRateSourceNoOptions(t *testing.T) {
	st := newFakeStation()
	ps, w, loop := newTestScreen(t, st)
	if ps.rates != nil {
		t.Fatal("options set up for a station that does not compare rates")
	}
	scanCode(w.Canvas(), "10001")
	loop.until(t, "order shown", func() bool { return ps.rcptName.Text == "Åsa Öberg" })
	test.Tap(ps.printBtn)
	loop.until(t, "printed", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
	if packs, _ := st.calls(); len(packs) != 1 || packs[0].Opts.Carrier != "" {
		t.Errorf("Pack calls %+v", packs)
	}
}

// TestRatesScreenshot renders the pack screen with the carrier options
// under the order (a rule's option marked, one carrier missing) and checks
// it still fits 1100×700. With PACK_SCREENSHOT=/path/name.png it writes
// name-rates.png, and name-rates-many.png with more options than fit.
func TestRatesScreenshot(t *testing.T) {
	st := newRateStation()
	st.status.Carrier = "PostNord sandbox (http://127.0.0.1:40283/rest/shipment)"
	st.status.Scale = "simulated scale"
	st.cmp.Missing = []station.MissingCarrier{{Carrier: "bring", Reason: "bring did not answer within 2 s"}}
	ps, w, loop := newTestScreen(t, st)
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	c := w.Canvas()

	scanCode(c, "10001")
	loop.until(t, "options shown", func() bool { return len(ps.rates.panel.rows) == 3 })
	go func() { st.weights <- scale.Reading{Grams: 1250, Stable: true, Time: time.Now()} }()
	loop.until(t, "weight", func() bool { return ps.stableText.Text == "stable" })
	loop.until(t, "status", func() bool { return ps.statusItems["carrier"].text.Text != "…" })
	if min := ps.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
		t.Errorf("screen with options needs %v, more than 1100×700", min)
	}
	out := os.Getenv("PACK_SCREENSHOT")
	base := strings.TrimSuffix(out, ".png")
	if out != "" {
		writePNG(t, base+"-rates.png", c)
	}

	day := time.Now().AddDate(0, 0, 3)
	st.rmu.Lock()
	st.cmp.Options = append(st.cmp.Options,
		carrier.Rate{Carrier: "postnord", Service: "17", ServiceName: "MyPack Home", Total: carrier.Money{Amount: 112, Currency: "SEK"}, EstimatedDelivery: day},
		carrier.Rate{Carrier: "stg", Service: "PICKUP", ServiceName: "Pickup point, long service name that must be cut", Total: carrier.Money{Amount: 1234.5, Currency: "SEK"}},
	)
	st.cmp.RuleNote = "nothing arrives by Friday: the fastest was taken"
	st.rmu.Unlock()
	scanCode(c, "10002")
	loop.until(t, "five options", func() bool { return len(ps.rates.panel.rows) == 5 })
	if min := ps.Content().MinSize(); min.Width > 1100 || min.Height > 700 {
		t.Errorf("screen with five options needs %v, more than 1100×700", min)
	}
	if out != "" {
		writePNG(t, base+"-rates-many.png", c)
	}
}

// Alt+O moves the selection to the next option, round, as a tap does;
// Print then books the option chosen by key.
func TestNextRateKey(t *testing.T) {
	st := newRateStation()
	ps, w, loop := newTestScreen(t, st)
	c := w.Canvas()
	scanCode(c, "10001")
	loop.until(t, "options shown", func() bool { return len(ps.rates.panel.rows) == 3 })
	if _, ok := ps.keys.lookup(keyNextRate); !ok {
		t.Fatal("no key for the next option")
	}
	c.(fyne.Shortcutable).TypedShortcut(keyNextRate.shortcut()) // 1 → 2
	c.(fyne.Shortcutable).TypedShortcut(keyNextRate.shortcut()) // 2 → 0
	if got := selectedRow(ps); got != 0 {
		t.Fatalf("selected row %d after two Alt+O from the rule's (1), want 0", got)
	}
	focusedIsScan(t, ps, w, "after Alt+O")
	pressKey(c, fyne.KeyF9)
	loop.until(t, "printed", func() bool { return ps.Busy() == 0 && ps.lastTracking.Text != "—" })
	if packs, _ := st.calls(); len(packs) != 1 || packs[0].Opts.Carrier != st.cmp.Options[0].Carrier || packs[0].Opts.Service != st.cmp.Options[0].Service {
		t.Errorf("Pack calls %+v, want the option chosen by key", packs)
	}
}

// The options in Swedish: caption, the rule's mark, the missing carrier
// and the delivery day.
func TestRatesInSwedish(t *testing.T) {
	useSwedish(t)
	st := newRateStation()
	st.cmp.Missing = []station.MissingCarrier{{Carrier: "bring", Reason: "bring did not answer within 2 s"}}
	ps, w, loop := newTestScreen(t, st)
	scanCode(w.Canvas(), "10001")
	loop.until(t, "options shown", func() bool { return len(ps.rates.panel.rows) == 3 })
	if !strings.HasPrefix(ps.rates.panel.title.Text, "TRANSPORTÖR") || ps.rates.panel.note.Text != "bring svarade inte" {
		t.Errorf("caption %q, note %q", ps.rates.panel.title.Text, ps.rates.panel.note.Text)
	}
	if rows := rowTexts(ps); !strings.HasPrefix(rows[1], "STG Home delivery  (regel: fastest to the door) | ") {
		t.Errorf("row 1 = %q", rows[1])
	}
	monday := time.Date(2026, 11, 23, 12, 0, 0, 0, time.Local)
	if got := dateText(monday); got != "mån 23 nov" {
		t.Errorf("a Monday in Swedish: %q", got)
	}
	if got := dateText(time.Time{}); got != "inget datum" {
		t.Errorf("no date: %q", got)
	}
}

// A delivery day reads the same as the dashboard's days (dates.go).
func TestDeliveryDayInWords(t *testing.T) {
	if got := dateText(time.Date(2026, 11, 23, 12, 0, 0, 0, time.Local)); got != "Mon 23 Nov" {
		t.Errorf("a Monday in English: %q", got)
	}
}
