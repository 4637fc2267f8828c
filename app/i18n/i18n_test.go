package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
)

// TestEveryLanguageHasEveryMessage fails on a topic file missing in a
// language, a message missing (or empty) in a language, a template whose
// {{.Fields}} differ from the English one, and one id said two ways in
// two topics.
func TestEveryLanguageHasEveryMessage(t *testing.T) {
	topics, err := Topics()
	if err != nil || len(topics) == 0 {
		t.Fatalf("no English catalogues: %v", err)
	}
	for _, code := range Codes() {
		files, err := Files(code)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != len(topics) {
			t.Errorf("%s has %d catalogue files, English has %d (%v)", code, len(files), len(topics), topics)
		}
		said := map[string]string{} // id → text, across topics
		where := map[string]string{}
		for _, topic := range topics {
			en, err := readFile("translations/" + topic + ".en.json")
			if err != nil {
				t.Fatal(err)
			}
			name := "translations/" + topic + "." + code + ".json"
			msgs, err := readFile(name)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			for _, id := range sortedKeys(en) {
				text, ok := msgs[id]
				switch {
				case !ok:
					t.Errorf("%s: missing %q", name, id)
					continue
				case strings.TrimSpace(text) == "" && strings.TrimSpace(en[id]) != "":
					t.Errorf("%s: %q is empty", name, id)
				}
				if a, b := fields(en[id]), fields(text); !slices.Equal(a, b) {
					t.Errorf("%s: %q uses fields %v, English uses %v", name, id, b, a)
				}
				if prev, ok := said[id]; ok && prev != text {
					t.Errorf("%s: %q is %q here but %q in %s: say it one way (keep it in one topic)", name, id, text, prev, where[id])
				}
				said[id], where[id] = text, name
			}
			for id := range msgs {
				if _, ok := en[id]; !ok {
					t.Errorf("%s: %q is not in the English catalogue", name, id)
				}
			}
		}
	}
}

var fieldRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func fields(s string) []string {
	var out []string
	for _, m := range fieldRE.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestUseSwitchesTheScreens: the chosen language answers lang.L, whatever
// the computer's locale, and auto follows the locale.
func TestUseSwitchesTheScreens(t *testing.T) {
	want := map[string]string{"en": "Cancel", "sv": "Avbryt", "da": "Annuller", "nb": "Avbryt", "fi": "Peruuta"}
	for _, code := range []string{"fi", "sv", "da", "nb", "en", "fi"} {
		got, err := Use(code)
		if err != nil || got != code {
			t.Fatalf("Use(%s) = %s, %v", code, got, err)
		}
		if s := lang.L("Cancel"); s != want[code] {
			t.Errorf("after Use(%s) Cancel is %q, want %q", code, s, want[code])
		}
	}
	if _, err := Use("de"); err == nil || !strings.Contains(err.Error(), "auto, en, sv, da, nb, fi") {
		t.Errorf("Use(de) = %v, want an error naming the languages", err)
	}
	if Current() != "fi" {
		t.Errorf("a refused language changed the current one to %s", Current())
	}
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANGUAGE", "")
	t.Setenv("LANG", "da_DK.UTF-8")
	if got, err := Use("auto"); err != nil || got != "da" || lang.L("Cancel") != "Annuller" {
		t.Errorf("auto under LANG=da_DK = %s, %v, Cancel=%q", got, err, lang.L("Cancel"))
	}
	// A Swedish computer (Fyne has its own Swedish catalogue) set to
	// Finnish in the settings speaks Finnish.
	for _, l := range []string{"sv_SE.UTF-8", "sv"} {
		t.Setenv("LANG", l)
		if got, err := Use("fi"); err != nil || got != "fi" || lang.L("Cancel") != "Peruuta" {
			t.Errorf("Use(fi) under LANG=%s = %s, %v, Cancel=%q", l, got, err, lang.L("Cancel"))
		}
	}
	t.Setenv("LANG", "nn_NO.UTF-8")
	if got := Detect(); got != "nb" {
		t.Errorf("Detect under LANG=nn_NO = %s, want nb", got)
	}
	t.Setenv("LANG", "de_DE.UTF-8")
	if got := Detect(); got != "en" {
		t.Errorf("Detect under LANG=de_DE = %s, want en", got)
	}
	if _, err := Use("en"); err != nil {
		t.Fatal(err)
	}
}

// source is one parsed Go file of the packages whose text reaches a screen.
type source struct {
	name string
	file *ast.File
	fset *token.FileSet
}

// markedLines are the lines with a "// i18n: why" comment.
func (src source) markedLines() map[int]bool {
	lines := map[int]bool{}
	for _, cg := range src.file.Comments {
		for _, c := range cg.List {
			if strings.Contains(c.Text, "i18n:") {
				lines[src.fset.Position(c.Pos()).Line] = true
			}
		}
	}
	return lines
}

func parseDir(t *testing.T, dir string) []source {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []source
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, source{name, f, fset})
	}
	if len(out) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return out
}

// TestEveryMessageTheCodeAsksForExists: every lang.L/N/X/XN id written in
// the GUI, and every Problem ID (and its .hint) in the station, is in the
// English catalogue, and so (by the test above) in every language.
func TestEveryMessageTheCodeAsksForExists(t *testing.T) {
	en, err := Catalogue("en")
	if err != nil {
		t.Fatal(err)
	}
	used := 0
	for _, src := range parseDir(t, "..") {
		marked := src.markedLines()
		ast.Inspect(src.file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !isLangCall(call) || len(call.Args) == 0 {
				return true
			}
			id, ok := stringLit(call.Args[0])
			if !ok && marked[src.fset.Position(call.Pos()).Line] {
				return true // a computed id, checked where its ids are listed
			}
			if !ok {
				t.Errorf("%s: %s asks for a message by a computed id; write the id as a literal so it can be checked", src.fset.Position(call.Pos()), exprName(call.Fun))
				return true
			}
			used++
			if _, ok := en[id]; !ok {
				t.Errorf("%s: %q is in no catalogue (add it to app/i18n/translations/TOPIC.{en,sv,da,nb,fi}.json)", src.fset.Position(call.Pos()), id)
			}
			return true
		})
	}
	for _, dir := range stationDirs(t) {
		for _, src := range parseDir(t, dir) {
			ast.Inspect(src.file, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok || exprName(lit.Type) != "Problem" {
					return true
				}
				var id string
				hasHint := false
				for _, e := range lit.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					switch exprName(kv.Key) {
					case "ID":
						id, _ = stringLit(kv.Value)
					case "Hint":
						s, isLit := stringLit(kv.Value)
						hasHint = !isLit || s != ""
					}
				}
				if id == "" {
					return true
				}
				used++
				if _, ok := en[id]; !ok {
					t.Errorf("%s: Problem %q is in no catalogue", src.fset.Position(lit.Pos()), id)
				}
				if _, ok := en[id+".hint"]; hasHint && !ok {
					t.Errorf("%s: Problem %q has a hint but %q is in no catalogue", src.fset.Position(lit.Pos()), id, id+".hint")
				}
				return true
			})
		}
	}
	t.Logf("%d messages asked for, %d in the English catalogue", used, len(en))
}

func stationDirs(t *testing.T) []string {
	dirs := []string{"../../station"}
	subs, _ := filepath.Glob("../../station/*")
	for _, d := range subs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			if g, _ := filepath.Glob(filepath.Join(d, "*.go")); len(g) > 0 {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs
}

func isLangCall(call *ast.CallExpr) bool {
	switch exprName(call.Fun) {
	case "lang.L", "lang.N", "lang.X", "lang.XN", "lang.Localize", "lang.LocalizeKey", "lang.LocalizePlural", "lang.LocalizePluralKey":
		return true
	}
	return false
}

func exprName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprName(e.X) + "." + e.Sel.Name
	case *ast.StarExpr:
		return exprName(e.X)
	}
	return ""
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// machineWord is text no person reads as a sentence: ids, setting keys,
// file names, formats, numbers and symbols.
var machineWord = regexp.MustCompile(`^[a-z0-9_.\-/:%+#=@?&*,()\[\]{}|\\<>'"!~^$ ]*$|^[^\pL]*$`)

// notUI are the calls whose string arguments never reach a screen: errors
// and logs for people reading files, formats and lookups.
var notUI = []string{
	"fmt.Errorf", "errors.New", "errors.Is", "slog.", "log.", "fyne.LogError",
	"strings.", "bytes.", "strconv.", "regexp.", "time.Parse", "time.ParseDuration", ".Format",
	"fyne.NewStaticResource", "theme.", "filepath.", "path.", "os.", "url.",
	"lang.", "storage.", "fyne.CurrentApp().Preferences", ".Preferences()",
}

// TestNoEnglishReachesTheScreenUntranslated: a string literal with words
// in the GUI's code must go through lang, unless it is a machine word, an
// argument of an error, log or lookup call, compared or switched on, or
// its line says "// i18n: <why this is not text for a person>".
func TestNoEnglishReachesTheScreenUntranslated(t *testing.T) {
	var bad []string
	for _, src := range parseDir(t, "..") {
		skipLines := src.markedLines()
		var walk func(n ast.Node, exempt bool)
		walk = func(n ast.Node, exempt bool) {
			ast.Inspect(n, func(m ast.Node) bool {
				switch m := m.(type) {
				case *ast.ImportSpec, *ast.Field:
					return false
				case *ast.CallExpr:
					name := exprName(m.Fun)
					if sel, ok := m.Fun.(*ast.SelectorExpr); ok && name == "" {
						name = "." + sel.Sel.Name
					}
					for _, p := range notUI {
						if name == strings.TrimSuffix(p, ".") || strings.HasPrefix(name, p) || (strings.HasPrefix(p, ".") && strings.HasSuffix(name, p)) {
							for _, a := range m.Args {
								walk(a, true)
							}
							walk(m.Fun, exempt)
							return false
						}
					}
				case *ast.BinaryExpr:
					if m.Op == token.EQL || m.Op == token.NEQ {
						return false
					}
				case *ast.CaseClause:
					for _, s := range m.Body {
						walk(s, exempt)
					}
					return false
				case *ast.BasicLit:
					if exempt || m.Kind != token.STRING {
						return false
					}
					s, err := strconv.Unquote(m.Value)
					if err != nil || machineWord.MatchString(s) {
						return false
					}
					pos := src.fset.Position(m.Pos())
					if skipLines[pos.Line] {
						return false
					}
					bad = append(bad, fmt.Sprintf("%s:%d: %q", filepath.Base(pos.Filename), pos.Line, s))
				}
				return true
			})
		}
		walk(src.file, false)
	}
	if len(bad) > 0 {
		t.Errorf("%d strings reach the screen without lang (say them through lang.L/lang.X, or mark a line that is not for a person with // i18n: why):\n%s", len(bad), strings.Join(bad, "\n"))
	}
}
