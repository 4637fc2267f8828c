package app

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	cfgfile "labelstation/config"
	"labelstation/label"
)

// seriesEditor is the Id series page: the consignor's own item id
// ranges (for labels the station numbers itself, offline), a list with
// an editor under it, and which series offline labels come from.
type seriesEditor struct {
	page    *settingsPage
	items   []cfgfile.IDSeries
	sel     int // the selected row, -1 for none
	list    *widget.List
	name    *setField
	kind    *setField
	ext     *setField
	prefix  *setField
	svc     *setField
	country *setField
	first   *setField
	last    *setField
	// offline is the [outbox] offline_series choice: none, or a series.
	offline *setField
	note    *widget.Label

	add, update, remove *widget.Button
}

func seriesPage() *seriesEditor {
	e := &seriesEditor{sel: -1}
	num := func(key, label, help string) *setField {
		f := &setField{key: key, label: label, help: help, valid: validDigits}
		f.entry = widget.NewEntry()
		return f
	}
	e.name = &setField{key: "id_series.name", label: lang.L("Name"), help: lang.L("A new allotment needs a new name: ids are never handed out twice."), valid: validRequired}
	e.name.entry = widget.NewEntry()
	e.kind = &setField{key: "id_series.kind", label: lang.L("Kind"), values: []string{"sscc", "s10"}}
	e.kind.choice = widget.NewSelect([]string{lang.L("SSCC (GS1 parcel number)"), lang.L("S10 (postal item number)")}, nil)
	e.ext = num("id_series.extension", lang.L("Extension digit"), lang.L("SSCC: one digit, 0 to 9."))
	e.prefix = num("id_series.company_prefix", lang.L("Company prefix"), lang.L("SSCC: the GS1 company prefix the carrier gave."))
	e.svc = &setField{key: "id_series.service", label: lang.L("Service letters"), help: lang.L("S10: two letters, e.g. RR.")}
	e.svc.entry = widget.NewEntry()
	e.country = &setField{key: "id_series.country", label: lang.L("Country"), help: lang.L("S10: two letters, e.g. SE.")}
	e.country.entry = widget.NewEntry()
	e.first = num("id_series.first", lang.L("First serial"), "")
	e.last = num("id_series.last", lang.L("Last serial"), "")
	e.offline = choiceField("outbox.offline_series", lang.L("Offline labels from"), lang.L("Without a series, parcels wait for the network instead of getting an offline label."),
		[]string{lang.L("No series: parcels wait")}, []string{""},
		func(c *cfgfile.Config) string { return c.Outbox.OfflineSeries }, func(c *cfgfile.Config, v string) { c.Outbox.OfflineSeries = v })
	e.kind.choice.OnChanged = func(string) { e.showKind() }

	e.note = widget.NewLabel("")
	e.note.Wrapping = fyne.TextWrapWord
	e.note.Hide()
	e.list = widget.NewList(func() int { return len(e.items) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(e.rowText(i)) })
	e.list.OnSelected = e.selected
	e.list.OnUnselected = func(widget.ListItemID) { e.sel = -1 }

	e.add = widget.NewButton("", e.addNew)
	e.update = widget.NewButton("", e.updateSelected)
	e.remove = widget.NewButton("", e.removeSelected)
	e.page = &settingsPage{id: "series", title: lang.L("Id series"), owns: []string{"id_series", "outbox.offline_series"},
		intro:  lang.L("The item id ranges the carrier allotted for labels the station numbers itself, offline. Choose a row to edit it."),
		fields: []*setField{e.offline},
		actions: []pageAction{
			{btn: e.add, label: lang.L("Add as new series"), key: ctrlKey(fyne.KeyN)},
			{btn: e.update, label: lang.L("Update chosen series"), key: ctrlKey(fyne.KeyU)},
			{btn: e.remove, label: lang.L("Remove chosen series"), key: ctrlKey(fyne.KeyD)},
		}}
	listBox := container.NewGridWrap(fyne.NewSize(640, 150), e.list)
	e.page.extra = container.NewVBox(listBox, fieldRows(e.name, e.kind, e.ext, e.prefix, e.svc, e.country, e.first, e.last), e.note)
	e.page.check = func(c *cfgfile.Config, _ func(string) bool) (*setField, error) {
		c.IDSeries = slices.Clone(e.items)
		return nil, nil
	}
	e.clearEditor()
	return e
}

// load shows the config's series.
func (e *seriesEditor) load(c cfgfile.Config) {
	e.items = slices.Clone(c.IDSeries)
	e.sel = -1
	e.list.UnselectAll()
	e.refreshOffline(c.Outbox.OfflineSeries)
	e.list.Refresh()
}

func (e *seriesEditor) rowText(i int) string {
	s := e.items[i]
	kind := strings.ToUpper(s.Kind)
	if s.Name == e.offline.value() && s.Name != "" {
		return lang.L("{{.Name}} · {{.Kind}} · {{.First}} to {{.Last}} · offline labels", map[string]any{"Name": s.Name, "Kind": kind, "First": s.First, "Last": s.Last})
	}
	return lang.L("{{.Name}} · {{.Kind}} · {{.First}} to {{.Last}}", map[string]any{"Name": s.Name, "Kind": kind, "First": s.First, "Last": s.Last})
}

// refreshOffline offers the series as the offline choice, keeping want
// chosen.
func (e *seriesEditor) refreshOffline(want string) {
	e.offline.values = []string{""}
	e.offline.choice.Options = []string{lang.L("No series: parcels wait")}
	for _, s := range e.items {
		e.offline.values = append(e.offline.values, s.Name)
		e.offline.choice.Options = append(e.offline.choice.Options, s.Name)
	}
	e.offline.show(want)
	e.offline.choice.Refresh()
}

func (e *seriesEditor) selected(i widget.ListItemID) {
	if i < 0 || i >= len(e.items) {
		return
	}
	e.sel = i
	s := e.items[i]
	e.name.show(s.Name)
	e.kind.show(strings.ToLower(s.Kind))
	e.ext.show(strconv.Itoa(s.Extension))
	e.prefix.show(s.CompanyPrefix)
	e.svc.show(s.Service)
	e.country.show(s.Country)
	e.first.show(strconv.FormatUint(s.First, 10))
	e.last.show(strconv.FormatUint(s.Last, 10))
	e.say("")
}

func (e *seriesEditor) clearEditor() {
	for _, f := range []*setField{e.name, e.ext, e.prefix, e.svc, e.country, e.first, e.last} {
		f.show("")
	}
	e.kind.show("sscc")
}

// showKind shows the fields of the chosen kind only.
func (e *seriesEditor) showKind() {
	sscc := e.kind.value() != "s10"
	for _, f := range []*setField{e.ext, e.prefix} {
		setShown(f.entry, sscc)
	}
	for _, f := range []*setField{e.svc, e.country} {
		setShown(f.entry, !sscc)
	}
}

func setShown(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

func (e *seriesEditor) say(text string) {
	e.note.SetText(text)
	e.note.Importance = widget.DangerImportance
	setShown(e.note, text != "")
}

// edited is the editor's series, checked: both ends of the range must
// make valid ids.
func (e *seriesEditor) edited(except int) (cfgfile.IDSeries, error) {
	var s cfgfile.IDSeries
	s.Name = e.name.value()
	s.Kind = e.kind.value()
	if err := validRequired(s.Name); err != nil {
		e.name.showProblem(err)
		return s, err
	}
	for i, o := range e.items {
		if i != except && o.Name == s.Name {
			err := problem(lang.L("Another series is called {{.Name}}: choose another name.", map[string]any{"Name": s.Name}))
			e.name.showProblem(err)
			return s, err
		}
	}
	e.name.showProblem(nil)
	var err error
	if s.First, err = strconv.ParseUint(e.first.value(), 10, 64); err != nil || s.First == 0 {
		err = problem(lang.L("Write the first serial number of the allotment."))
		e.first.showProblem(err)
		return s, err
	}
	e.first.showProblem(nil)
	if s.Last, err = strconv.ParseUint(e.last.value(), 10, 64); err != nil || s.Last < s.First {
		err = problem(lang.L("Write the last serial number: not smaller than the first."))
		e.last.showProblem(err)
		return s, err
	}
	e.last.showProblem(nil)
	switch s.Kind {
	case "s10":
		s.Service, s.Country = strings.ToUpper(e.svc.value()), strings.ToUpper(e.country.value())
		for _, n := range []uint64{s.First, s.Last} {
			if _, err := label.NewS10(s.Service, uint32(n), s.Country); err != nil || n > 99999999 {
				return s, problem(lang.L("These service letters, country and range do not make valid S10 numbers: check them against the carrier's allotment."))
			}
		}
	default:
		s.Kind = "sscc"
		s.Extension, err = strconv.Atoi(e.ext.value())
		if err != nil || s.Extension < 0 || s.Extension > 9 {
			err = problem(lang.L("Write one digit, 0 to 9."))
			e.ext.showProblem(err)
			return s, err
		}
		e.ext.showProblem(nil)
		s.CompanyPrefix = e.prefix.value()
		for _, n := range []uint64{s.First, s.Last} {
			if _, err := label.NewSSCC(s.Extension, s.CompanyPrefix, n); err != nil {
				return s, problem(lang.L("This company prefix and range do not make valid SSCC numbers: check them against the carrier's allotment."))
			}
		}
	}
	return s, nil
}

func (e *seriesEditor) addNew() {
	s, err := e.edited(-1)
	if err != nil {
		e.say(err.Error())
		return
	}
	e.items = append(e.items, s)
	e.afterChange(s.Name)
	e.list.Select(len(e.items) - 1)
}

func (e *seriesEditor) updateSelected() {
	if e.sel < 0 {
		e.say(lang.L("Choose a series in the list first."))
		return
	}
	s, err := e.edited(e.sel)
	if err != nil {
		e.say(err.Error())
		return
	}
	old := e.items[e.sel].Name
	e.items[e.sel] = s
	want := e.offline.value()
	if want == old {
		want = s.Name
	}
	e.afterChange(want)
}

func (e *seriesEditor) removeSelected() {
	if e.sel < 0 {
		e.say(lang.L("Choose a series in the list first."))
		return
	}
	gone := e.items[e.sel].Name
	e.items = slices.Delete(e.items, e.sel, e.sel+1)
	e.sel = -1
	e.list.UnselectAll()
	want := e.offline.value()
	if want == gone {
		want = ""
	}
	e.clearEditor()
	e.afterChange(want)
}

func (e *seriesEditor) afterChange(offline string) {
	e.say("")
	e.refreshOffline(offline)
	e.list.Refresh()
}

// String is for test failures.
func (e *seriesEditor) String() string { return fmt.Sprint(e.items) }
