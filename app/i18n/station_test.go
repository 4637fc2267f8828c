package i18n

import (
	"bytes"
	"go/ast"
	"go/printer"
	"go/token"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template"
	"text/template/parse"

	"fyne.io/fyne/v2/lang"
)

// problemHelpers are station functions that build a Problem from an ID
// their caller passes as the first argument (a literal), with the Data
// keys the helper adds itself; the Data map literal, if any, is the
// second argument.
var problemHelpers = map[string][]string{
	"cannot":             {"Carrier"},
	"carrierInfoProblem": {"Reason", "Kind"},
}

// problemSite is one place in the station's code that says a Problem with
// an ID: its ID, its Data keys (nil when Data is not a map literal), and
// its Msg and Hint expressions when it is a Problem literal.
type problemSite struct {
	pos       string
	id        string
	keys      map[string]string // Data key → the value's Go source
	knownKeys bool
	msg, hint ast.Expr
	fset      *token.FileSet
}

func stationProblemSites(t *testing.T) []problemSite {
	t.Helper()
	var out []problemSite
	for _, dir := range stationDirs(t) {
		for _, src := range parseDir(t, dir) {
			ast.Inspect(src.file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CompositeLit:
					if exprName(n.Type) != "Problem" {
						return true
					}
					site := problemSite{pos: src.fset.Position(n.Pos()).String(), fset: src.fset, knownKeys: true}
					for _, e := range n.Elts {
						kv, ok := e.(*ast.KeyValueExpr)
						if !ok {
							continue
						}
						switch exprName(kv.Key) {
						case "ID":
							site.id, _ = stringLit(kv.Value)
						case "Data":
							site.keys, site.knownKeys = mapLitKeys(src.fset, kv.Value)
						case "Msg":
							site.msg = kv.Value
						case "Hint":
							site.hint = kv.Value
						}
					}
					if site.id != "" {
						out = append(out, site)
					}
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if !ok || len(n.Args) == 0 {
						return true
					}
					own, isHelper := problemHelpers[sel.Sel.Name]
					id, isLit := stringLit(n.Args[0])
					if !isHelper || !isLit {
						return true
					}
					site := problemSite{pos: src.fset.Position(n.Pos()).String(), id: id, fset: src.fset, keys: map[string]string{}, knownKeys: true}
					if len(n.Args) > 2 {
						site.keys, site.knownKeys = mapLitKeys(src.fset, n.Args[1])
					}
					for _, k := range own {
						site.keys[k] = ""
					}
					site.hint = ast.NewIdent("hint") // the helper chooses it
					out = append(out, site)
				}
				return true
			})
		}
	}
	return out
}

// mapLitKeys are the keys of a map[string]any{…} literal and each value's
// source; ok is false when e is not such a literal.
func mapLitKeys(fset *token.FileSet, e ast.Expr) (map[string]string, bool) {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, false
	}
	keys := map[string]string{}
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return nil, false
		}
		k, ok := stringLit(kv.Key)
		if !ok {
			return nil, false
		}
		keys[k] = goSource(fset, kv.Value)
	}
	return keys, true
}

func goSource(fset *token.FileSet, e ast.Expr) string {
	var b bytes.Buffer
	printer.Fprint(&b, fset, e)
	return b.String()
}

// templateFields are the {{.Field}}s a template reads anywhere (in if/else
// too), and for each the kind of sample value it needs: "int" or "string"
// when it is compared with a number or a string.
func templateFields(t *testing.T, name, text string) map[string]string {
	t.Helper()
	tmpl, err := template.New(name).Parse(text)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return nil
	}
	out := map[string]string{}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			kind := ""
			for _, a := range n.Args {
				switch a.(type) {
				case *parse.NumberNode:
					kind = "int"
				case *parse.StringNode:
					kind = "string"
				}
			}
			for _, a := range n.Args {
				if f, ok := a.(*parse.FieldNode); ok {
					if out[f.Ident[0]] == "" {
						out[f.Ident[0]] = kind
					}
				} else {
					walk(a)
				}
			}
		case *parse.FieldNode:
			if _, ok := out[n.Ident[0]]; !ok {
				out[n.Ident[0]] = ""
			}
		}
	}
	walk(tmpl.Tree.Root)
	return out
}

// sampleData fills every field a template reads with a value of the kind
// it needs.
func sampleData(fields map[string]string) map[string]any {
	data := map[string]any{}
	for f, kind := range fields {
		switch kind {
		case "int":
			data[f] = 2
		default:
			data[f] = "‹" + f + "›"
		}
	}
	return data
}

// TestEveryStationMessageHasItsValues: for each Problem ID the station
// says, in every language, the template (and its hint) parses, reads only
// the values the code puts in Data — so no screen ever shows "<no value>"
// — and renders with sample values; and where the English template can be
// matched against the code's English words (a literal Msg, or a
// fmt.Sprintf whose arguments are the Data values), it says exactly them.
func TestEveryStationMessageHasItsValues(t *testing.T) {
	sites := stationProblemSites(t)
	if len(sites) < 100 {
		t.Fatalf("found %d station Problems with an ID; the parser lost them", len(sites))
	}
	cats := allCatalogues(t)
	matched := 0
	for _, s := range sites {
		ids := []string{s.id}
		if s.hint != nil {
			ids = append(ids, s.id+".hint")
		}
		checkSiteMessages(t, s, ids, cats)
		for _, pair := range []struct {
			id   string
			expr ast.Expr
		}{{s.id, s.msg}, {s.id + ".hint", s.hint}} {
			if saysTheCodesEnglish(t, s, pair.id, pair.expr, cats["en"]) {
				matched++
			}
		}
	}
	t.Logf("%d Problem sites with an ID; %d English texts matched word for word against the code", len(sites), matched)
}

// allCatalogues are every language's catalogue, by code.
func allCatalogues(t *testing.T) map[string]map[string]string {
	t.Helper()
	cats := map[string]map[string]string{}
	for _, code := range Codes() {
		c, err := Catalogue(code)
		if err != nil {
			t.Fatal(err)
		}
		cats[code] = c
	}
	return cats
}

// checkSiteMessages: each of the site's message ids is in every
// language's catalogue, and there its template parses, reads only the
// keys of the site's Data (when the code says them) and renders with
// sample values, never as "<no value>".
func checkSiteMessages(t *testing.T, s problemSite, ids []string, cats map[string]map[string]string) {
	t.Helper()
	for _, id := range ids {
		for _, code := range Codes() {
			text, ok := cats[code][id]
			if !ok {
				t.Errorf("%s: %q is not in the %s catalogue", s.pos, id, code)
				continue
			}
			fields := templateFields(t, code+":"+id, text)
			if s.knownKeys {
				for f := range fields {
					if _, ok := s.keys[f]; !ok {
						t.Errorf("%s: %s %q reads {{.%s}}, which the code's Data does not have (%v)", s.pos, code, id, f, sortedSet(s.keys))
					}
				}
			}
			tmpl, err := template.New(id).Option("missingkey=error").Parse(text)
			if err != nil {
				continue // said by templateFields
			}
			var out bytes.Buffer
			if err := tmpl.Execute(&out, sampleData(fields)); err != nil {
				t.Errorf("%s: %s %q does not render: %v", s.pos, code, id, err)
			} else if strings.Contains(out.String(), "<no value>") {
				t.Errorf("%s: %s %q renders %q", s.pos, code, id, out.String())
			}
		}
	}
}

// saysTheCodesEnglish reports whether the English of id could be matched
// against the code's expression e (see expectedTemplate), and fails when
// it then says other words than the code.
func saysTheCodesEnglish(t *testing.T, s problemSite, id string, e ast.Expr, en map[string]string) bool {
	t.Helper()
	want, ok := expectedTemplate(s, e)
	if !ok {
		return false
	}
	if got := en[id]; got != want {
		t.Errorf("%s: English %q is\n\t%q\nbut the code says\n\t%q", s.pos, id, got, want)
	}
	return true
}

var verbRE = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[vsdqf]`)

// expectedTemplate is the English template the code's expression e says,
// when e is a literal, a fmt.Sprintf of a literal format whose arguments
// are all Data values, or a literal plus a Data value.
func expectedTemplate(s problemSite, e ast.Expr) (string, bool) {
	if e == nil {
		return "", false
	}
	if lit, ok := stringLit(e); ok {
		return lit, true
	}
	keyOf := func(arg ast.Expr) (string, bool) {
		src := goSource(s.fset, arg)
		for k, v := range s.keys {
			if v == src || v == src+".Error()" || v == "fmt.Sprint("+src+")" {
				return k, true
			}
		}
		return "", false
	}
	switch e := e.(type) {
	case *ast.CallExpr:
		if exprName(e.Fun) != "fmt.Sprintf" || len(e.Args) == 0 {
			return "", false
		}
		format, ok := stringLit(e.Args[0])
		if !ok {
			return "", false
		}
		args := e.Args[1:]
		verbs := verbRE.FindAllStringIndex(format, -1)
		if len(verbs) != len(args) {
			return "", false
		}
		var b strings.Builder
		last := 0
		for i, v := range verbs {
			k, ok := keyOf(args[i])
			if !ok {
				return "", false
			}
			b.WriteString(format[last:v[0]])
			field := "{{." + k + "}}"
			if strings.HasSuffix(format[v[0]:v[1]], "q") {
				field = `"` + field + `"`
			}
			b.WriteString(field)
			last = v[1]
		}
		b.WriteString(format[last:])
		return b.String(), true
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		var b strings.Builder
		for _, part := range flattenAdd(e) {
			if lit, ok := stringLit(part); ok {
				b.WriteString(lit)
				continue
			}
			k, ok := keyOf(part)
			if !ok {
				return "", false
			}
			b.WriteString("{{." + k + "}}")
		}
		return b.String(), true
	}
	return "", false
}

func flattenAdd(e ast.Expr) []ast.Expr {
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.ADD {
		return append(flattenAdd(b.X), flattenAdd(b.Y)...)
	}
	return []ast.Expr{e}
}

func sortedSet(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestStationMessagesRenderLikeTheCode: a few station messages rendered
// through the catalogue with the values the code passes read as the
// code's English, and the Swedish says the same values in Swedish.
func TestStationMessagesRenderLikeTheCode(t *testing.T) {
	en, err := Catalogue("en")
	if err != nil {
		t.Fatal(err)
	}
	sv, err := Catalogue("sv")
	if err != nil {
		t.Fatal(err)
	}
	render := func(text string, data map[string]any) string {
		t.Helper()
		var b bytes.Buffer
		if err := template.Must(template.New("").Option("missingkey=error").Parse(text)).Execute(&b, data); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, c := range []struct {
		id   string
		data map[string]any
		en   string
		sv   string
	}{
		{"supervisor.pin_wrong", map[string]any{"Left": 1, "LockHours": 0, "LockMinutes": 15}, "wrong PIN: 1 try left", "fel PIN: 1 försök kvar"},
		{"supervisor.pin_wrong", map[string]any{"Left": 3, "LockHours": 0, "LockMinutes": 15}, "wrong PIN: 3 tries left", "fel PIN: 3 försök kvar"},
		{"supervisor.pin_wrong.hint", map[string]any{"Left": 1, "LockHours": 1, "LockMinutes": 60}, "1 more wrong PIN locks the supervisor PIN for 1 hour", "efter 1 fel PIN till låses arbetsledarens PIN i 1 h"},
		{"supervisor.pin_wrong.hint", map[string]any{"Left": 2, "LockHours": 0, "LockMinutes": 15}, "2 more wrong PINs lock the supervisor PIN for 15 minutes", "efter 2 fel PIN till låses arbetsledarens PIN i 15 min"},
		{"supervisor.pin_format.hint", map[string]any{"PINKept": true}, "the PIN is not changed; type digits only", "PIN:en är inte ändrad; skriv bara siffror"},
		{"supervisor.pin_format.hint", map[string]any{"PINKept": false}, "type digits only", "skriv bara siffror"},
		{"order.not_found", map[string]any{"Ref": "10001"}, "order 10001 is not in the station", "order 10001 finns inte i stationen"},
		{"offline.no_id.hint", map[string]any{"Cause": ""}, "; the booking is kept in the queue and is sent when the carrier answers", "; bokningen ligger kvar i kön och skickas när transportören svarar"},
		{"returns.exists", map[string]any{"Ref": "A1", "Return": "r1", "Tracking": "-", "Registered": "2026-01-02 10:00", "InTransit": true},
			"order A1 already has return r1 (tracking -, registered 2026-01-02 10:00), on its way back", "order A1 har redan retur r1 (kolli -, registrerad 2026-01-02 10:00), på väg tillbaka"},
	} {
		if got := render(en[c.id], c.data); got != c.en {
			t.Errorf("en %s with %v = %q, want %q", c.id, c.data, got, c.en)
		}
		if got := render(sv[c.id], c.data); got != c.sv {
			t.Errorf("sv %s with %v = %q, want %q", c.id, c.data, got, c.sv)
		}
	}
}

// TestStationMessagesThroughLang: the screens say a station Problem with
// lang.X(ID, Msg, Data) (app/problem.go); Fyne's engine fills the
// templates, if/else included, in the language in use.
func TestStationMessagesThroughLang(t *testing.T) {
	t.Cleanup(func() { Use("en") })
	data := map[string]any{"Left": 1, "LockHours": 0, "LockMinutes": 15}
	want := map[string][2]string{
		"en": {"wrong PIN: 1 try left", "1 more wrong PIN locks the supervisor PIN for 15 minutes"},
		"sv": {"fel PIN: 1 försök kvar", "efter 1 fel PIN till låses arbetsledarens PIN i 15 min"},
		"fi": {"väärä PIN: yrityksiä jäljellä 1", "vielä 1 väärää PIN-koodia lukitsee esihenkilön PIN-koodin 15 minuutiksi"},
	}
	for _, code := range []string{"sv", "fi", "en"} {
		if _, err := Use(code); err != nil {
			t.Fatal(err)
		}
		msg := lang.X("supervisor.pin_wrong", "fallback", data)
		hint := lang.X("supervisor.pin_wrong.hint", "fallback", data)
		if msg != want[code][0] || hint != want[code][1] {
			t.Errorf("%s: %q / %q, want %q / %q", code, msg, hint, want[code][0], want[code][1])
		}
	}
	Use("da")
	if got := lang.X("order.not_found", "fallback", map[string]any{"Ref": "10001"}); got != "ordre 10001 findes ikke i stationen" {
		t.Errorf("da order.not_found = %q", got)
	}
}
