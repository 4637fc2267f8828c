package ordersource

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"labelstation/carrier"
)

// Mapping maps the station's order fields to paths in a WMS's JSON answer:
// key = our field (the JSON name of carrier.Order's field, e.g.
// "receiver.postcode"), value = where the WMS keeps it.
//
// A WMS path is object keys joined by dots, with numeric segments indexing
// arrays: "shipTo.address.0" is the first element of the address array of
// the shipTo object. "" means the WMS does not provide the field. A key
// containing a dot cannot be addressed.
//
// "lines" is the path of the WMS's array of order lines; the per-line
// fields "lines.sku", "lines.quantity", … are paths relative to one
// element of that array ("qty", "article.number").
//
// Every field not in the Mapping keeps its DefaultMapping path, the same
// name as ours, so a WMS that already answers in the station's own JSON
// (`labelstation orders list --json`) needs no mapping at all, and a WMS
// that differs only maps what differs: entries override the defaults.
//
// Required after mapping: ref, receiver.name, receiver.street1,
// receiver.postcode, receiver.city and receiver.country. Mapping "ref" to
// "" takes the scanned reference as the order's (for a WMS that does not
// repeat it); the other required fields cannot be mapped to "".
type Mapping map[string]string

type fieldType int

const (
	typeText fieldType = iota
	typeCountry
	typeCurrency
	typeHSCode
	typeNumber
	typeQuantity
	typeBool
	typeList
	typeTags
	typeLanguage
)

type fieldSpec struct {
	name     string
	typ      fieldType
	required bool
}

// orderFields are our order-level fields, in carrier.Order's order;
// lineFields the per-line ones, relative to one element of "lines".
var (
	orderFields = []fieldSpec{
		{"ref", typeText, true},
		{"receiver.name", typeText, true},
		{"receiver.company", typeText, false},
		{"receiver.street1", typeText, true},
		{"receiver.street2", typeText, false},
		{"receiver.postcode", typeText, true},
		{"receiver.city", typeText, true},
		{"receiver.country", typeCountry, true},
		{"receiver.email", typeText, false},
		{"receiver.phone", typeText, false},
		{"service", typeText, false},
		{"service_point_id", typeText, false},
		{"dimensions.length_cm", typeNumber, false},
		{"dimensions.width_cm", typeNumber, false},
		{"dimensions.height_cm", typeNumber, false},
		{"return_label", typeBool, false},
		{"language", typeLanguage, false},
		{"tags", typeTags, false},
		{"lines", typeList, false},
	}
	lineFields = []fieldSpec{
		{"sku", typeText, false},
		{"description", typeText, false},
		{"quantity", typeQuantity, false},
		{"value", typeNumber, false},
		{"currency", typeCurrency, false},
		{"hs_code", typeHSCode, false},
		{"origin", typeCountry, false},
		{"weight_kg", typeNumber, false},
	}
)

// Fields returns every key a Mapping may have, in carrier.Order's order.
func Fields() []string {
	var out []string
	for _, f := range orderFields {
		out = append(out, f.name)
	}
	for _, f := range lineFields {
		out = append(out, "lines."+f.name)
	}
	return out
}

// DefaultMapping maps every field to the same name in the WMS's JSON
// (per-line fields relative to a line): the station's own order JSON.
func DefaultMapping() Mapping {
	m := Mapping{}
	for _, f := range orderFields {
		m[f.name] = f.name
	}
	for _, f := range lineFields {
		m["lines."+f.name] = f.name
	}
	return m
}

// Validate checks the Mapping's keys and paths. Its error is an *Error of
// KindConfig naming [orders.http.mapping] and what to change.
func (m Mapping) Validate() error {
	_, err := m.compile()
	return err
}

// wmsPath is a parsed WMS path; segs is nil when the field is not provided.
type wmsPath struct {
	text string
	segs []string
}

// compiled is a Mapping merged over DefaultMapping and parsed.
type compiled struct {
	order map[string]wmsPath // by our field name
	line  map[string]wmsPath // by our per-line field name, relative
}

func (m Mapping) compile() (compiled, error) {
	c := compiled{order: map[string]wmsPath{}, line: map[string]wmsPath{}}
	merged := DefaultMapping()
	var problems []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, ok := merged[k]; !ok {
			p := fmt.Sprintf("%q is not a field of the station's orders", k)
			if s := closest(k, Fields()); s != "" {
				p += fmt.Sprintf(" (did you mean %q?)", s)
			}
			problems = append(problems, p)
			continue
		}
		merged[k] = m[k]
	}
	parse := func(key string, required bool) wmsPath {
		text := strings.TrimSpace(merged[key])
		if text == "" {
			if required && key != "ref" {
				problems = append(problems, fmt.Sprintf("%q is required and cannot be mapped to \"\"", key))
			}
			return wmsPath{}
		}
		segs := strings.Split(text, ".")
		if slices.Contains(segs, "") {
			problems = append(problems, fmt.Sprintf("%q = %q is not a path: write object keys joined by dots, like \"shipTo.address.0\"", key, merged[key]))
			return wmsPath{}
		}
		return wmsPath{text: text, segs: segs}
	}
	for _, f := range orderFields {
		c.order[f.name] = parse(f.name, f.required)
	}
	for _, f := range lineFields {
		c.line[f.name] = parse("lines."+f.name, f.required)
	}
	if len(problems) > 0 {
		return compiled{}, &Error{
			Op:   "check mapping",
			Kind: KindConfig,
			Msg:  "[orders.http.mapping]: " + strings.Join(problems, "; "),
			Hint: "keys are the station's field names (" + strings.Join(Fields(), ", ") +
				"), values the WMS's JSON paths; quote keys with dots in TOML: \"receiver.postcode\" = \"shipTo.zip\"",
		}
	}
	return c, nil
}

// closest returns the known name within edit distance 2 of s, or "".
func closest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(s), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// resolve walks segs from v: object keys, and numeric indexes into
// arrays. ok is false when the path leads nowhere or to null.
func resolve(v any, segs []string) (any, bool) {
	for _, s := range segs {
		switch t := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = t[s]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, v != nil
}

// mapper turns a decoded WMS answer into a carrier.Order, collecting every
// problem so one message names them all.
type mapper struct {
	missing  []string // "receiver.postcode (looked for at shipTo.zip)"
	problems []string // "receiver.country (from shipTo.country) is \"Sweden\": …"
}

// where names a field and the WMS path it came from, for messages.
func where(field, path string) string {
	return fmt.Sprintf("%s (from %s)", field, path)
}

// mapOrder maps doc (decoded with UseNumber) to an order. scanned is the
// reference the bench looked up: it fills ref when ref is mapped to "",
// and the answer's ref must match it.
func (c compiled) mapOrder(doc any, scanned string) (carrier.Order, error) {
	var m mapper
	var o carrier.Order
	text := func(f string) string { return m.value(doc, f, c.order[f], typeText).(string) }
	o.Ref = text("ref")
	o.Receiver = carrier.Address{
		Name:     text("receiver.name"),
		Company:  text("receiver.company"),
		Street1:  text("receiver.street1"),
		Street2:  text("receiver.street2"),
		Postcode: text("receiver.postcode"),
		City:     text("receiver.city"),
		Country:  m.value(doc, "receiver.country", c.order["receiver.country"], typeCountry).(string),
		Email:    text("receiver.email"),
		Phone:    text("receiver.phone"),
	}
	o.Service = text("service")
	o.ServicePointID = text("service_point_id")
	num := func(f string) float64 { return m.value(doc, f, c.order[f], typeNumber).(float64) }
	o.Dimensions = carrier.Dimensions{
		LengthCm: num("dimensions.length_cm"),
		WidthCm:  num("dimensions.width_cm"),
		HeightCm: num("dimensions.height_cm"),
	}
	o.ReturnLabel = m.value(doc, "return_label", c.order["return_label"], typeBool).(bool)
	o.Language = m.value(doc, "language", c.order["language"], typeLanguage).(string)
	if tags, ok := m.value(doc, "tags", c.order["tags"], typeTags).([]string); ok {
		o.Tags = tags
	}
	o.Lines = m.lines(doc, c)

	if c.order["ref"].segs == nil {
		o.Ref = strings.TrimSpace(scanned)
	}
	var missing []string
	for _, f := range orderFields {
		if !f.required {
			continue
		}
		if v, _ := fieldString(o, f.name); v == "" {
			missing = append(missing, fmt.Sprintf("%s (looked for at %s)", f.name, c.order[f.name].text))
		}
	}
	missing = append(missing, m.missing...)
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "it has no "+strings.Join(missing, ", no "))
	}
	parts = append(parts, m.problems...)
	if len(parts) > 0 {
		return carrier.Order{}, &Error{
			Op:   "map wms answer",
			Kind: KindBadAnswer,
			Msg:  fmt.Sprintf("the WMS's answer for order %s cannot be used: %s", scanned, strings.Join(parts, "; ")),
			Hint: "if the WMS keeps the field under another name, fix [orders.http.mapping]; otherwise complete the order in the WMS and scan again",
		}
	}
	if !strings.EqualFold(o.Ref, strings.TrimSpace(scanned)) {
		return carrier.Order{}, &Error{
			Op:   "map wms answer",
			Kind: KindBadAnswer,
			Msg:  fmt.Sprintf("the WMS answered with order %s for %s", o.Ref, scanned),
			Hint: "check [orders.http] url (the {ref} placeholder) and the \"ref\" entry of [orders.http.mapping]; the WMS may be answering a search with another order",
		}
	}
	return o, nil
}

// fieldString returns a required field's value by name.
func fieldString(o carrier.Order, name string) (string, bool) {
	switch name {
	case "ref":
		return o.Ref, true
	case "receiver.name":
		return o.Receiver.Name, true
	case "receiver.street1":
		return o.Receiver.Street1, true
	case "receiver.postcode":
		return o.Receiver.Postcode, true
	case "receiver.city":
		return o.Receiver.City, true
	case "receiver.country":
		return o.Receiver.Country, true
	}
	return "", false
}

func (m *mapper) lines(doc any, c compiled) []carrier.Line {
	p := c.order["lines"]
	if p.segs == nil {
		return nil
	}
	v, ok := resolve(doc, p.segs)
	if !ok {
		return nil
	}
	arr, isArr := v.([]any)
	if !isArr {
		m.problems = append(m.problems, fmt.Sprintf("%s is %s, not a list of order lines", where("lines", p.text), describe(v)))
		return nil
	}
	var out []carrier.Line
	for i, el := range arr {
		if _, isObj := el.(map[string]any); !isObj {
			m.problems = append(m.problems, fmt.Sprintf("%s is %s, not an order line object",
				where(fmt.Sprintf("lines[%d]", i), fmt.Sprintf("%s.%d", p.text, i)), describe(el)))
			continue
		}
		val := func(f string, t fieldType) any {
			lp := c.line[f]
			shown := wmsPath{text: fmt.Sprintf("%s.%d.%s", p.text, i, lp.text), segs: lp.segs}
			return m.value(el, fmt.Sprintf("lines[%d].%s", i, f), shown, t)
		}
		l := carrier.Line{
			SKU:         val("sku", typeText).(string),
			Description: val("description", typeText).(string),
			Value:       val("value", typeNumber).(float64),
			Currency:    val("currency", typeCurrency).(string),
			HSCode:      val("hs_code", typeHSCode).(string),
			Origin:      val("origin", typeCountry).(string),
			WeightKg:    val("weight_kg", typeNumber).(float64),
		}
		l.Quantity = val("quantity", typeQuantity).(int)
		out = append(out, l)
	}
	return out
}

// value reads one field of type t at p in v. A missing or null value is
// the type's zero (a quantity's is 1); a value that cannot be read is
// recorded as a problem and the zero returned.
func (m *mapper) value(v any, field string, p wmsPath, t fieldType) any {
	zero := zeroOf(t)
	if p.segs == nil {
		return zero
	}
	raw, ok := resolve(v, p.segs)
	if !ok {
		return zero
	}
	out, why := convert(raw, t)
	if why != "" {
		m.problems = append(m.problems, fmt.Sprintf("%s is %s: %s", where(field, p.text), describe(raw), why))
		return zero
	}
	return out
}

func zeroOf(t fieldType) any {
	switch t {
	case typeNumber:
		return 0.0
	case typeQuantity:
		return 1
	case typeBool:
		return false
	case typeTags:
		return []string(nil)
	}
	return ""
}

// convert reads raw (a value decoded with UseNumber) as type t. Numbers
// may come as JSON numbers or numeric strings; booleans as true, "true"
// or 1. It returns what is wrong in words, or "".
func convert(raw any, t fieldType) (any, string) {
	switch t {
	case typeText, typeCountry, typeCurrency, typeHSCode:
		var s string
		switch x := raw.(type) {
		case string:
			s = strings.TrimSpace(x)
		case json.Number:
			s = x.String()
		case bool:
			s = strconv.FormatBool(x)
		default:
			return "", "the station needs text here"
		}
		switch t {
		case typeCountry:
			if s == "" {
				return "", ""
			}
			c := strings.ToUpper(s)
			if len(c) != 2 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
				return "", "the station needs a two-letter ISO 3166-1 country code like SE"
			}
			return c, ""
		case typeCurrency:
			if s == "" {
				return "", ""
			}
			c := strings.ToUpper(s)
			if len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
				return "", "the station needs a three-letter ISO 4217 currency code like SEK"
			}
			return c, ""
		case typeHSCode:
			return strings.NewReplacer(".", "", " ", "").Replace(s), ""
		}
		return s, ""
	case typeNumber, typeQuantity:
		var f float64
		switch x := raw.(type) {
		case json.Number:
			v, err := x.Float64()
			if err != nil {
				return nil, "not a number"
			}
			f = v
		case string:
			s := strings.TrimSpace(x)
			if s == "" {
				return zeroOf(t), ""
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || strings.ContainsAny(s, "xXpP_") {
				return nil, "not a number (write decimals with a point, like 1.5)"
			}
			f = v
		default:
			return nil, "not a number"
		}
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0):
			return nil, "not a number"
		case f < 0:
			return nil, "negative"
		}
		if t == typeNumber {
			return f, ""
		}
		switch {
		case f == 0:
			return nil, "a line needs a quantity of at least 1"
		case f != math.Trunc(f):
			return nil, "not a whole number"
		case f > 1e6:
			return nil, "not a believable quantity"
		}
		return int(f), ""
	case typeBool:
		switch x := raw.(type) {
		case bool:
			return x, ""
		case json.Number:
			switch x.String() {
			case "1":
				return true, ""
			case "0":
				return false, ""
			}
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "1", "yes":
				return true, ""
			case "false", "0", "no", "":
				return false, ""
			}
		}
		return false, "the station needs true or false here"
	case typeLanguage:
		s, ok := raw.(string)
		if !ok {
			return "", "the station needs a language code like sv here"
		}
		switch l := strings.ToLower(strings.TrimSpace(s)); l {
		case "":
			return "", ""
		case "sv", "da", "nb", "fi", "en":
			return l, ""
		case "no", "nn":
			return "nb", ""
		}
		return "", "the station writes to receivers in sv, da, nb, fi or en"
	case typeTags:
		// An array of words, or one string of words.
		var words []string
		switch x := raw.(type) {
		case string:
			words = strings.FieldsFunc(x, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '|' })
		case []any:
			for _, w := range x {
				ws, ok := w.(string)
				if !ok {
					return nil, "the station needs tags as words (strings)"
				}
				words = append(words, ws)
			}
		default:
			return nil, "the station needs tags as a list of words or one string"
		}
		var out []string
		for _, w := range words {
			if w = strings.ToLower(strings.TrimSpace(w)); w != "" && !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
		return out, ""
	}
	return nil, "unsupported"
}

// describe shows a JSON value in a message, shortened.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case string:
		r := []rune(x)
		if len(r) > 40 {
			x = string(r[:40]) + "…"
		}
		return strconv.Quote(x)
	}
	return fmt.Sprintf("%v", v)
}
