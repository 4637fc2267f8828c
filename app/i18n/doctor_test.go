package i18n

import (
	"context"
	"go/ast"
	"go/token"
	"net"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/printer/zplsim"
	"labelstation/station"
)

// The doctor's checks, said in the screens' languages: a DoctorCheck with
// an ID has its words under ID, its hint under ID+".hint" and its name
// under station.DoctorNameID(ID); the templates read its Data.

// doctorDataFrom are checks whose Data is another check's, copied (the
// code writes out[i].Data): the keys are that check's.
var doctorDataFrom = map[string]string{
	"doctor.product.refused_all": "doctor.product.refused", // every product refused the key: the refused checks said again with one hint
}

// doctorSite is one DoctorCheck literal with an ID in the code.
type doctorSite struct {
	problemSite
	name ast.Expr
}

// doctorSites are the DoctorCheck literals with an ID in the station and
// the command (the settings' Test connection makes checks there too).
// Data is a map literal, or a local variable holding one (its keys, and
// those its function adds with v["Key"] = …), or copied (doctorDataFrom).
func doctorSites(t *testing.T) []doctorSite {
	t.Helper()
	var out []doctorSite
	dirs := append(stationDirs(t), "../../cmd/labelstation")
	for _, dir := range dirs {
		for _, src := range parseDir(t, dir) {
			for _, decl := range src.file.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				vars := localMaps(src.fset, fn.Body)
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					lit, ok := n.(*ast.CompositeLit)
					if !ok || (exprName(lit.Type) != "DoctorCheck" && exprName(lit.Type) != "station.DoctorCheck") {
						return true
					}
					site := doctorSite{problemSite: problemSite{pos: src.fset.Position(lit.Pos()).String(), fset: src.fset, keys: map[string]string{}, knownKeys: true}}
					var data ast.Expr
					for _, e := range lit.Elts {
						kv, ok := e.(*ast.KeyValueExpr)
						if !ok {
							continue
						}
						switch exprName(kv.Key) {
						case "ID":
							site.id, _ = stringLit(kv.Value)
						case "Data":
							data = kv.Value
						case "Words":
							site.msg = kv.Value
						case "Hint":
							if s, isLit := stringLit(kv.Value); !isLit || s != "" {
								site.hint = kv.Value
							}
						case "Name":
							site.name = kv.Value
						}
					}
					if site.id == "" {
						return true
					}
					switch d := data.(type) {
					case nil:
					case *ast.Ident:
						site.keys, site.knownKeys = vars[d.Name]
						if !site.knownKeys {
							t.Errorf("%s: %s's Data is neither a map literal nor a local map: the test cannot tell its keys", site.pos, site.id)
						}
					default:
						site.keys, site.knownKeys = mapLitKeys(src.fset, data)
						if !site.knownKeys && doctorDataFrom[site.id] != "" {
							site.knownKeys = true // filled in below
						} else if !site.knownKeys {
							t.Errorf("%s: %s's Data is neither a map literal nor a local map: the test cannot tell its keys", site.pos, site.id)
						}
					}
					out = append(out, site)
					return true
				})
			}
		}
	}
	// Copied Data: the keys every site of the source check has.
	for i, s := range out {
		from := doctorDataFrom[s.id]
		if from == "" {
			continue
		}
		var keys map[string]string
		for _, o := range out {
			if o.id != from {
				continue
			}
			if keys == nil {
				keys = map[string]string{}
				for k := range o.keys {
					keys[k] = ""
				}
			}
			for k := range keys {
				if _, ok := o.keys[k]; !ok {
					delete(keys, k)
				}
			}
		}
		if keys == nil {
			t.Errorf("%s: %s copies the Data of %s, which the code does not say", s.pos, s.id, from)
		}
		out[i].keys = keys
	}
	return out
}

// localMaps are a function's variables set to a map literal, with the
// keys the literal and later v["Key"] = … assignments give them.
func localMaps(fset *token.FileSet, body *ast.BlockStmt) map[string]map[string]string {
	out := map[string]map[string]string{}
	ast.Inspect(body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != len(as.Rhs) {
			return true
		}
		for i, l := range as.Lhs {
			switch l := l.(type) {
			case *ast.Ident:
				if keys, ok := mapLitKeys(fset, as.Rhs[i]); ok {
					out[l.Name] = keys
				}
			case *ast.IndexExpr:
				v, isIdent := l.X.(*ast.Ident)
				k, isLit := stringLit(l.Index)
				if isIdent && isLit && out[v.Name] != nil {
					out[v.Name][k] = goSource(fset, as.Rhs[i])
				}
			}
		}
		return true
	})
	return out
}

// TestEveryDoctorCheckHasItsMessages: every DoctorCheck with an ID has
// its name, words and (when it has one) hint in every language; each
// template reads only the keys of the check's Data and renders; and where
// the English can be matched against the code's words (a literal, or a
// fmt.Sprintf of Data values) it says exactly them.
func TestEveryDoctorCheckHasItsMessages(t *testing.T) {
	sites := doctorSites(t)
	if len(sites) < 20 {
		t.Fatalf("found %d DoctorChecks with an ID; the parser lost them", len(sites))
	}
	cats := allCatalogues(t)
	matched := 0
	for _, s := range sites {
		ids := []string{s.id, station.DoctorNameID(s.id)}
		if s.hint != nil {
			ids = append(ids, s.id+".hint")
		}
		checkSiteMessages(t, s.problemSite, ids, cats)
		for _, pair := range []struct {
			id   string
			expr ast.Expr
		}{{s.id, s.msg}, {s.id + ".hint", s.hint}, {station.DoctorNameID(s.id), s.name}} {
			if strings.Contains(cats["en"][pair.id], "{{if") {
				continue // said by TestDoctorChecksSayTheirEnglish on real checks
			}
			if saysTheCodesEnglish(t, s.problemSite, pair.id, pair.expr, cats["en"]) {
				matched++
			}
		}
	}
	t.Logf("%d DoctorChecks with an ID; %d English texts matched word for word against the code", len(sites), matched)
}

// TestDoctorChecksSayTheirEnglish runs the checks the settings' Test
// connection shows on real parts (the PostNord sandbox, a simulated
// Zebra, the simulated scale, closed and open ports) and says each
// through the catalogue as the screens do: in English it is exactly the
// check's own name, words and hint (what labelstation doctor prints); in
// Swedish it is said differently wherever the text is not only values.
func TestDoctorChecksSayTheirEnglish(t *testing.T) {
	t.Cleanup(func() { Use("en") })
	ctx := context.Background()
	sb := httptest.NewServer(sandbox.New(sandbox.Options{APIKey: "good-key", Seed: 1}))
	t.Cleanup(sb.Close)
	zebra, err := zplsim.Listen("127.0.0.1:0", zplsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zebra.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	open := ln.Addr().String()
	t.Cleanup(func() { ln.Close() })
	closedLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := closedLn.Addr().String()
	closedLn.Close()

	var checks []station.DoctorCheck
	pn := func(url, key string) {
		c, err := postnord.New(postnord.Config{BaseURL: url, APIKey: key})
		if err != nil {
			t.Fatal(err)
		}
		checks = append(checks, station.CheckCarrier(ctx, c, sandboxHome(), "19", "PostNord "+url)...)
	}
	pn(sb.URL, "good-key")
	pn(sb.URL, "wrong-key")
	pn("http://"+closed, "good-key")
	checks = append(checks, station.CheckCarrier(ctx, nil, sandboxHome(), "", "")...)
	for _, uri := range []string{"", "file://" + t.TempDir(), zebra.URI(), "tcp://" + closed, "nonsense://x"} {
		checks = append(checks, station.CheckPrinterAt(ctx, uri))
	}
	for _, uri := range []string{"", "sim://?weight=2.5kg"} {
		checks = append(checks, station.CheckScaleAt(ctx, uri))
	}
	for _, ep := range []station.DoctorEndpoint{
		{Name: "WMS webhooks", Addr: "http://" + open + "/hooks"},
		{Name: "WMS webhooks", Addr: "http://" + closed + "/hooks"},
		{Name: "SMTP server", Addr: closed, Hint: "check [notify.email] host"},
		{Name: "SMS gateway", Addr: "no port"},
	} {
		checks = append(checks, station.CheckEndpoint(ctx, ep))
	}

	ids := map[string]bool{}
	say := func(c station.DoctorCheck) (name, words, hint string) {
		name = lang.X(station.DoctorNameID(c.ID), "‹missing name›", c.Data)
		words = lang.X(c.ID, "‹missing words›", c.Data)
		if c.Hint != "" {
			hint = lang.X(c.ID+".hint", "‹missing hint›", c.Data)
		}
		return name, words, hint
	}
	english := make([][3]string, len(checks))
	Use("en")
	for i, c := range checks {
		if c.ID == "" {
			t.Errorf("check %q (%s) has no ID", c.Name, c.Words)
			continue
		}
		ids[c.ID] = true
		name, words, hint := say(c)
		english[i] = [3]string{name, words, hint}
		if name != c.Name || words != c.Words || hint != c.Hint {
			t.Errorf("%s in English:\n\t%q: %q (%q)\nthe check says\n\t%q: %q (%q)", c.ID, name, words, hint, c.Name, c.Words, c.Hint)
		}
	}
	for _, want := range []string{"doctor.reach.ok", "doctor.reach.failed", "doctor.product.accepted", "doctor.product.refused_all", "doctor.product.skipped",
		"doctor.carrier.none", "doctor.printer.none", "doctor.printer.preview", "doctor.printer.ready", "doctor.printer.no_answer", "doctor.printer.bad_address",
		"doctor.scale.none", "doctor.scale.reading", "doctor.endpoint.reachable", "doctor.endpoint.unreachable", "doctor.endpoint.bad_address"} {
		if !ids[want] {
			t.Errorf("no check said %s (the real parts did not answer as expected)", want)
		}
	}
	Use("sv")
	for i, c := range checks {
		if c.ID == "" {
			continue
		}
		name, words, hint := say(c)
		got := [3]string{name, words, hint}
		for j, id := range []string{station.DoctorNameID(c.ID), c.ID, c.ID + ".hint"} {
			if english[i][j] == "" || onlyValues(got[j], c.Data) {
				continue
			}
			if got[j] == english[i][j] || strings.Contains(got[j], "‹missing") {
				t.Errorf("%s in Swedish is %q", id, got[j])
			}
		}
	}
	// One line in full, as the settings window shows it.
	for _, c := range checks {
		if c.ID == "doctor.product.accepted" && c.Name == "PostNord Booking" {
			if name, words, _ := say(c); name+": "+words != "PostNord Booking: nyckeln godkänns" {
				t.Errorf("Swedish: %q: %q", name, words)
			}
			break
		}
	}
}

// onlyValues reports whether text says nothing but data's values (a
// carrier's error, a printer's status): no words of the catalogue's own.
func onlyValues(text string, data map[string]any) bool {
	var values []string
	for _, v := range data {
		if s, ok := v.(string); ok && s != "" {
			values = append(values, s)
		}
	}
	// The longest first: a value may hold another (an error naming the
	// carrier).
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	for _, s := range values {
		text = strings.ReplaceAll(text, s, "")
	}
	return !letterRE.MatchString(text)
}

var letterRE = regexp.MustCompile(`\pL`)

func sandboxHome() (home carrier.Consignor) {
	home.Address.Country, home.Address.Postcode = "SE", "11455"
	return home
}
