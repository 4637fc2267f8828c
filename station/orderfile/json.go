package orderfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"labelstation/carrier"
)

// jsonOrder mirrors carrier.Order's JSON shape, with pointers where a
// missing value must be told apart from a zero (a quantity left out means
// 1; a quantity of 0 is a mistake).
type jsonOrder struct {
	Ref            string      `json:"ref"`
	Receiver       jsonAddress `json:"receiver"`
	Service        string      `json:"service"`
	ServicePointID string      `json:"service_point_id"`
	Dimensions     struct {
		LengthCm float64 `json:"length_cm"`
		WidthCm  float64 `json:"width_cm"`
		HeightCm float64 `json:"height_cm"`
	} `json:"dimensions"`
	Lines []jsonLine `json:"lines"`
	// ReturnLabel asks for a return label with the outgoing parcel.
	ReturnLabel bool `json:"return_label"`
	// Language and Tags are for messages to the receiver.
	Language string   `json:"language"`
	Tags     []string `json:"tags"`
}

type jsonAddress struct {
	Name     string `json:"name"`
	Company  string `json:"company"`
	Street1  string `json:"street1"`
	Street2  string `json:"street2"`
	Postcode string `json:"postcode"`
	City     string `json:"city"`
	Country  string `json:"country"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
}

type jsonLine struct {
	SKU         string   `json:"sku"`
	Description string   `json:"description"`
	Quantity    *float64 `json:"quantity"`
	Value       float64  `json:"value"`
	Currency    string   `json:"currency"`
	HSCode      string   `json:"hs_code"`
	Origin      string   `json:"origin"`
	WeightKg    float64  `json:"weight_kg"`
}

// jsonEntry is one element of the orders array.
type jsonEntry struct {
	line     int
	index    int // 1-based position in the array
	ref      string
	order    carrier.Order
	problems []string
}

// parseJSON reads either [order, …] or {"orders": [order, …]}.
func parseJSON(name string, data []byte) (Result, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	syntax := func(err error) error { return jsonFileError(name, data, dec, err) }

	tok, err := dec.Token()
	if err != nil {
		return Result{}, syntax(err)
	}
	wrapped := false // {"orders": […]} rather than […]
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		wrapped = true
		found := false
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return Result{}, syntax(err)
			}
			if key == "orders" {
				if tok, err = dec.Token(); err != nil {
					return Result{}, syntax(err)
				}
				if tok != json.Delim('[') {
					return Result{}, fmt.Errorf("%s: \"orders\" must be a list of orders, like {\"orders\": [{\"ref\": \"A-1001\", …}]}", name)
				}
				found = true
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return Result{}, syntax(err)
			}
		}
		if !found {
			return Result{}, fmt.Errorf("%s: the object has no \"orders\" list: write a list of orders, or {\"orders\": [ … ]}", name)
		}
	default:
		return Result{}, fmt.Errorf("%s: expected a list of orders, or {\"orders\": [ … ]}", name)
	}

	var entries []*jsonEntry
	lines := lineCounter{data: data, line: 1}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return Result{}, syntax(err)
		}
		start := dec.InputOffset() - int64(len(raw))
		e := &jsonEntry{line: lines.at(start), index: len(entries) + 1}
		e.read(raw)
		entries = append(entries, e)
	}
	// Read to the closing brackets, so a truncated file is not taken as
	// complete.
	if _, err := dec.Token(); err != nil {
		return Result{}, syntax(err)
	}
	if wrapped {
		for dec.More() {
			var skip json.RawMessage
			if _, err := dec.Token(); err != nil {
				return Result{}, syntax(err)
			}
			if err := dec.Decode(&skip); err != nil {
				return Result{}, syntax(err)
			}
		}
		if _, err := dec.Token(); err != nil {
			return Result{}, syntax(err)
		}
	}
	if len(entries) == 0 {
		return Result{}, fmt.Errorf("%s has an empty list of orders (%w): export the orders again", name, ErrNoOrders)
	}

	// Two orders with the same ref: which is right is a guess, so neither
	// is imported.
	seen := map[string]*jsonEntry{}
	for _, e := range entries {
		if e.ref == "" {
			continue
		}
		if prev, ok := seen[e.ref]; ok {
			e.problems = append(e.problems, fmt.Sprintf("ref appears twice (also on line %d): keep one", prev.line))
			prev.problems = append(prev.problems, fmt.Sprintf("ref appears twice (also on line %d): keep one", e.line))
			continue
		}
		seen[e.ref] = e
	}

	var res Result
	for _, e := range entries {
		if len(e.problems) == 0 {
			res.Orders = append(res.Orders, e.order)
			continue
		}
		for _, why := range e.problems {
			res.Rejected = append(res.Rejected, RowError{Line: e.line, OrderRef: strings.ToValidUTF8(e.ref, "\uFFFD"), Reason: why})
		}
	}
	return res, nil
}

// lineCounter turns increasing offsets into lines in one pass over the
// file, where lineAt per order would be quadratic in a large export.
type lineCounter struct {
	data []byte
	off  int64
	line int
}

func (c *lineCounter) at(off int64) int {
	off = min(max(off, c.off), int64(len(c.data)))
	c.line += bytes.Count(c.data[c.off:off], []byte("\n"))
	c.off = off
	return c.line
}

// jsonFileError words a decoding failure of the file's structure.
func jsonFileError(name string, data []byte, dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%s line %d: the file is not valid JSON (%v); nothing was imported: fix it, or export it again", name, lineAt(data, se.Offset), se)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s line %d: the file ends in the middle of the JSON (cut off?); nothing was imported: export it again", name, lineAt(data, int64(len(data))))
	default:
		return fmt.Errorf("%s line %d: %v; nothing was imported: fix the file, or export it again", name, lineAt(data, dec.InputOffset()), err)
	}
}

// read decodes and checks one order.
func (e *jsonEntry) read(raw json.RawMessage) {
	bad := func(why string) { e.problems = append(e.problems, why) }
	if string(raw) == "null" || raw[0] != '{' {
		bad(fmt.Sprintf("order %d in the list is not an object {…}", e.index))
		return
	}
	var o jsonOrder
	if err := json.Unmarshal(raw, &o); err != nil {
		e.ref = refOf(raw)
		bad(jsonTypeReason(err))
		return
	}
	e.ref = strings.TrimSpace(o.Ref)

	// encoding/json turns bytes that are not UTF-8 into U+FFFD without a
	// word; a label printed with them would be wrong, so find them.
	if !utf8.Valid(raw) {
		e.problems = append(e.problems, invalidUTF8Fields(o)...)
		if len(e.problems) == 0 {
			bad("the order contains bytes that are not valid UTF-8: save the file as UTF-8")
		}
	}

	a := o.Receiver
	addr := carrier.Address{
		Name: strings.TrimSpace(a.Name), Company: strings.TrimSpace(a.Company),
		Street1: strings.TrimSpace(a.Street1), Street2: strings.TrimSpace(a.Street2),
		Postcode: strings.TrimSpace(a.Postcode), City: strings.TrimSpace(a.City),
		Email: strings.TrimSpace(a.Email), Phone: strings.TrimSpace(a.Phone),
	}
	if e.ref == "" {
		bad(fmt.Sprintf("ref is empty (order %d in the list)", e.index))
	}
	for _, f := range []struct{ name, v string }{
		{"receiver.name", addr.Name}, {"receiver.street1", addr.Street1},
		{"receiver.postcode", addr.Postcode}, {"receiver.city", addr.City},
	} {
		if f.v == "" {
			bad(f.name + " is empty")
		}
	}
	if strings.TrimSpace(a.Country) == "" {
		bad("receiver.country is empty")
	} else if code, why := normCountry("receiver.country", a.Country); why != "" {
		bad(why)
	} else {
		addr.Country = code
	}
	d := carrier.Dimensions{LengthCm: o.Dimensions.LengthCm, WidthCm: o.Dimensions.WidthCm, HeightCm: o.Dimensions.HeightCm}
	for _, f := range []struct {
		name string
		v    float64
	}{{"dimensions.length_cm", d.LengthCm}, {"dimensions.width_cm", d.WidthCm}, {"dimensions.height_cm", d.HeightCm}} {
		if why := checkAmount(f.name, f.v); why != "" {
			bad(why)
		}
	}

	var lines []carrier.Line
	for i, l := range o.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		cl := carrier.Line{SKU: strings.TrimSpace(l.SKU), Description: strings.TrimSpace(l.Description), Quantity: 1, Value: l.Value, WeightKg: l.WeightKg}
		if cl.Description == "" {
			bad(p + "description is empty")
		}
		if l.Quantity != nil {
			q, why := checkQuantity(p+"quantity", *l.Quantity, strconv.FormatFloat(*l.Quantity, 'g', -1, 64))
			if why != "" {
				bad(why)
			}
			cl.Quantity = q
		}
		for _, f := range []struct {
			name string
			v    float64
		}{{p + "value", l.Value}, {p + "weight_kg", l.WeightKg}} {
			if why := checkAmount(f.name, f.v); why != "" {
				bad(why)
			}
		}
		if strings.TrimSpace(l.Currency) != "" {
			c, why := normCurrency(p+"currency", l.Currency)
			if why != "" {
				bad(why)
			}
			cl.Currency = c
		}
		if strings.TrimSpace(l.HSCode) != "" {
			c, why := normHSCode(p+"hs_code", l.HSCode)
			if why != "" {
				bad(why)
			}
			cl.HSCode = c
		}
		if strings.TrimSpace(l.Origin) != "" {
			c, why := normCountry(p+"origin", l.Origin)
			if why != "" {
				bad(why)
			}
			cl.Origin = c
		}
		lines = append(lines, cl)
	}

	lang, why := normLanguage(o.Language)
	if why != "" {
		bad(why)
	}
	var tags []string
	for _, t := range o.Tags {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	e.order = carrier.Order{
		Ref:            e.ref,
		Receiver:       addr,
		Service:        strings.TrimSpace(o.Service),
		ServicePointID: strings.TrimSpace(o.ServicePointID),
		Dimensions:     d,
		Lines:          lines,
		ReturnLabel:    o.ReturnLabel,
		Language:       lang,
		Tags:           tags,
	}
}

// jsonTypeReason words a type mismatch such as a postcode written as a number.
func jsonTypeReason(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return "the order cannot be read: " + err.Error()
	}
	field := te.Field
	if field == "" {
		field = "the order"
	}
	got := map[string]string{"object": "an object", "array": "a list", "string": "text", "number": "a number", "bool": "true/false"}[te.Value]
	if got == "" {
		got = te.Value
	}
	switch te.Type.Kind() {
	case reflect.String:
		if strings.HasSuffix(field, "postcode") && te.Value == "number" {
			return field + ` must be text in quotes, like "0150": as a number its leading zeros would be lost`
		}
		return fmt.Sprintf("%s must be text in quotes, not %s", field, got)
	case reflect.Float64, reflect.Pointer:
		return fmt.Sprintf("%s must be a number, not %s", field, got)
	case reflect.Slice:
		return fmt.Sprintf("%s must be a list [ … ], not %s", field, got)
	case reflect.Struct:
		return fmt.Sprintf("%s must be an object { … }, not %s", field, got)
	}
	return fmt.Sprintf("%s has the wrong type (%s)", field, got)
}

// refOf digs the ref out of an order that failed to decode, so its
// rejection still names it.
func refOf(raw json.RawMessage) string {
	var r struct {
		Ref any `json:"ref"`
	}
	_ = json.Unmarshal(raw, &r)
	if s, ok := r.Ref.(string); ok {
		return strings.TrimSpace(s)
	}
	return ""
}

// invalidUTF8Fields names the text fields holding U+FFFD, the mark
// encoding/json leaves where the file had bytes that are not UTF-8.
func invalidUTF8Fields(o jsonOrder) []string {
	var out []string
	check := func(field, v string) {
		if strings.ContainsRune(v, utf8.RuneError) {
			out = append(out, field+" is not valid UTF-8: save the file as UTF-8")
		}
	}
	check("ref", o.Ref)
	a := o.Receiver
	for _, f := range []struct{ n, v string }{
		{"name", a.Name}, {"company", a.Company}, {"street1", a.Street1}, {"street2", a.Street2},
		{"postcode", a.Postcode}, {"city", a.City}, {"country", a.Country}, {"email", a.Email}, {"phone", a.Phone},
	} {
		check("receiver."+f.n, f.v)
	}
	check("service", o.Service)
	check("service_point_id", o.ServicePointID)
	for i, l := range o.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		check(p+"description", l.Description)
		check(p+"currency", l.Currency)
		check(p+"hs_code", l.HSCode)
		check(p+"origin", l.Origin)
	}
	return out
}
