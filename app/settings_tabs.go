package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// pageTabs is the settings window's list of pages on the left and the
// page on show beside it. (Fyne's AppTabs put an overflow button of their
// own on the bar, which has no key; this list is reached by keys through
// Next page and Previous page.) A page Save refused is marked in words.
type pageTabs struct {
	list   *widget.List
	pages  []*settingsPage
	views  []fyne.CanvasObject // each page's content
	stack  *fyne.Container     // holds the one on show
	sel    int
	box    fyne.CanvasObject
	marked map[int]bool
	// OnSelected runs after the page on show changed.
	OnSelected func()
}

func newPageTabs(pages []*settingsPage) *pageTabs {
	t := &pageTabs{pages: pages, marked: map[int]bool{}}
	for _, p := range pages {
		t.views = append(t.views, p.content())
	}
	t.stack = container.NewStack(t.views[0])
	t.list = widget.NewList(func() int { return len(t.pages) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			l.Importance = widget.MediumImportance
			l.SetText(t.pages[i].title)
			if t.marked[i] {
				l.Importance = widget.DangerImportance
				l.SetText(lang.L("{{.Page}} · needs fixing", map[string]any{"Page": t.pages[i].title}))
			}
		})
	t.list.OnSelected = func(i widget.ListItemID) { t.show(i) }
	side := container.NewGridWrap(fyne.NewSize(230, 560), t.list)
	t.box = container.NewBorder(nil, nil, side, nil, t.stack)
	t.list.Select(0)
	return t
}

func (t *pageTabs) show(i int) {
	if i < 0 || i >= len(t.pages) {
		return
	}
	t.stack.Objects = []fyne.CanvasObject{t.views[i]}
	t.stack.Refresh()
	changed := t.sel != i
	t.sel = i
	if changed && t.OnSelected != nil {
		t.OnSelected()
	}
}

// SelectIndex shows page i.
func (t *pageTabs) SelectIndex(i int) { t.list.Select(i) }

// SelectedIndex is the page on show.
func (t *pageTabs) SelectedIndex() int { return t.sel }

// mark says on the list whether page i needs fixing.
func (t *pageTabs) mark(i int, on bool) {
	t.marked[i] = on
	t.list.RefreshItem(i)
}
