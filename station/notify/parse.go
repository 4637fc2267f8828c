package notify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// ParseSetup reads a setup written in TOML:
//
//	[[templates]]
//	name = "delivered"
//	[templates.texts.en]
//	subject = "Your order {order_ref} has arrived"
//	body = """
//	Hi {first_name},
//	…"""
//	sms = "…"
//	[templates.texts.sv]
//	…
//
//	[[rules]]
//	id = "delivered-thanks"
//	trigger = "delivered"
//	channel = "email"
//	template = "delivered"
//	recipients = [{ kind = "receiver" }]
//
// It checks the file on its own — the TOML, unknown keys, every
// template's fields and every rule's words — and names the line of each
// problem. What needs the station (its channels, the enabled rules) is
// checked by Engine.Import. A rule's enabled key is read but Import
// ignores it: rules are enabled one by one, after a preview.
func ParseSetup(r io.Reader) (Setup, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Setup{}, fmt.Errorf("read the notification setup: %w", err)
	}
	var s Setup
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return Setup{}, fmt.Errorf("notification setup line %d column %d: %s", row, col, de.Error())
		}
		var sm *toml.StrictMissingError
		if errors.As(err, &sm) {
			var keys []string
			for _, e := range sm.Errors {
				row, _ := e.Position()
				keys = append(keys, fmt.Sprintf("%s (line %d)", strings.Join(e.Key(), "."), row))
			}
			return Setup{}, fmt.Errorf("notification setup: unknown key %s: check the spelling against the README's Notifications section", strings.Join(keys, ", "))
		}
		return Setup{}, fmt.Errorf("notification setup: %w", err)
	}
	s = normalizeSetup(s)
	lines := findSetupLines(data)
	if _, ps := validateSetup(s, 0, nil, "", nil); len(ps) > 0 {
		return s, fmt.Errorf("notification setup: %w", problemsError(ps, lines))
	}
	return s, nil
}

func normalizeSetup(s Setup) Setup {
	out := Setup{Rules: make([]Rule, len(s.Rules)), Templates: make([]Template, len(s.Templates))}
	for i, r := range s.Rules {
		out.Rules[i] = normalizeRule(r)
	}
	for i, t := range s.Templates {
		out.Templates[i] = normalizeTemplate(t)
	}
	return out
}

// setupLines are where a TOML setup's [[templates]], their texts and
// [[rules]] begin (line numbers, 1-based), in order.
type setupLines struct {
	templates []int
	texts     []map[string]int // per template: language → line of [templates.texts.xx]
	rules     []int
}

func (l *setupLines) line(p problem) int {
	if l == nil || p.index < 0 {
		return 0
	}
	switch p.kind {
	case "template":
		if p.index < len(l.texts) && p.lang != "" {
			if n := l.texts[p.index][p.lang]; n > 0 {
				return n
			}
		}
		if p.index < len(l.templates) {
			return l.templates[p.index]
		}
	case "rule":
		if p.index < len(l.rules) {
			return l.rules[p.index]
		}
	}
	return 0
}

// findSetupLines walks the TOML's top-level expressions for the table
// headers. Arrays written inline (rules = [{…}]) have no lines.
func findSetupLines(data []byte) *setupLines {
	l := &setupLines{}
	var p unstable.Parser
	p.Reset(data)
	for p.NextExpression() {
		e := p.Expression()
		if e.Kind != unstable.ArrayTable && e.Kind != unstable.Table {
			continue
		}
		var key []string
		line := 0
		it := e.Key()
		for it.Next() {
			n := it.Node()
			if line == 0 {
				line = p.Shape(n.Raw).Start.Line
			}
			key = append(key, string(n.Data))
		}
		switch {
		case e.Kind == unstable.ArrayTable && len(key) == 1 && key[0] == "templates":
			l.templates = append(l.templates, line)
			l.texts = append(l.texts, map[string]int{})
		case e.Kind == unstable.ArrayTable && len(key) == 1 && key[0] == "rules":
			l.rules = append(l.rules, line)
		case e.Kind == unstable.Table && len(key) == 3 && key[0] == "templates" && key[1] == "texts" && len(l.texts) > 0:
			lang := key[2]
			if n := normLanguage(lang); n != "" {
				lang = n
			}
			l.texts[len(l.texts)-1][lang] = line
		}
	}
	return l
}
