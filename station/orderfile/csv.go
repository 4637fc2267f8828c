package orderfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"labelstation/carrier"
)

// column is a known CSV column. Order-level columns come first, then the
// per-line item columns.
type column int

const (
	colRef column = iota
	colName
	colCompany
	colStreet1
	colStreet2
	colPostcode
	colCity
	colCountry
	colEmail
	colPhone
	colService
	colServicePoint
	colLength
	colWidth
	colHeight
	colLanguage
	colTags
	colReturnLabel
	colItemDescription
	colItemQuantity
	colItemValue
	colItemCurrency
	colItemHSCode
	colItemOrigin
	colItemWeight
	colItemSKU
	numColumns
)

const firstItemColumn = colItemDescription

var columnNames = [numColumns]string{
	colRef:             "order_ref",
	colName:            "name",
	colCompany:         "company",
	colStreet1:         "street1",
	colStreet2:         "street2",
	colPostcode:        "postcode",
	colCity:            "city",
	colCountry:         "country",
	colEmail:           "email",
	colPhone:           "phone",
	colService:         "service",
	colServicePoint:    "service_point_id",
	colLength:          "length_cm",
	colWidth:           "width_cm",
	colHeight:          "height_cm",
	colLanguage:        "language",
	colTags:            "tags",
	colReturnLabel:     "return_label",
	colItemDescription: "item_description",
	colItemQuantity:    "item_quantity",
	colItemValue:       "item_value",
	colItemCurrency:    "item_currency",
	colItemHSCode:      "item_hs_code",
	colItemOrigin:      "item_origin",
	colItemWeight:      "item_weight_kg",
	colItemSKU:         "item_sku",
}

func (c column) String() string { return columnNames[c] }

// requiredColumns must be in the header, and every order needs a value.
var requiredColumns = []column{colRef, colName, colStreet1, colPostcode, colCity, colCountry}

func isNumberColumn(c column) bool {
	return c == colLength || c == colWidth || c == colHeight
}

// sepHint matches Excel's "sep=;" first line, which names the separator.
var sepHint = regexp.MustCompile(`(?i)^"?sep=(.)"?\r?$`)

// csvFile is one CSV file being read.
type csvFile struct {
	name         string
	decimalComma bool
	index        [numColumns]int // field index of each known column, -1 if absent
	width        int             // fields in the header
}

// csvRow is one data row.
type csvRow struct {
	line     int
	ref      string
	vals     [numColumns]string // trimmed; blank where the value was not UTF-8
	notUTF8  [numColumns]bool
	problems []string
	item     *carrier.Line
}

// csvOrder gathers the rows of one order_ref.
type csvOrder struct {
	ref  string
	rows []*csvRow
	// For each order-level column: the value as written the first time,
	// its normalised form (what later rows are compared by), its number,
	// and the line that set it. tried marks a column that some row filled,
	// validly or not, so a bad value is not reported again as missing.
	shown [numColumns]string
	key   [numColumns]string
	num   [numColumns]float64
	line  [numColumns]int
	tried [numColumns]bool
}

func parseCSV(name string, data []byte) (Result, error) {
	f := &csvFile{name: name}
	body, lineOffset := data, 0
	first, _, _ := bytes.Cut(data, []byte("\n"))
	sep := sniffSeparator(first)
	if m := sepHint.FindSubmatch(first); m != nil {
		sep = rune(m[1][0])
		body = data[len(first):]
		body = bytes.TrimPrefix(body, []byte("\n"))
		lineOffset = 1
	}
	if sep != ',' && sep != ';' {
		return Result{}, fmt.Errorf("%s: separator %q is not supported: save the file with commas or semicolons between the columns", name, sep)
	}
	f.decimalComma = sep == ';'

	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = sep
	r.FieldsPerRecord = -1 // short rows are handled (missing = empty), not fatal
	r.LazyQuotes = false
	r.TrimLeadingSpace = true

	header, err := r.Read()
	if err == io.EOF {
		return Result{}, fmt.Errorf("%s is empty (%w): export the orders again", name, ErrNoOrders)
	}
	if err != nil {
		return Result{}, f.quotingError(err, lineOffset)
	}
	if err := f.readHeader(header); err != nil {
		return Result{}, err
	}

	var (
		orders  []*csvOrder
		byRef   = map[string]*csvOrder{}
		last    *csvOrder
		rejects []RowError
		rows    int
	)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Result{}, f.quotingError(err, lineOffset)
		}
		line, _ := r.FieldPos(0)
		line += lineOffset
		if blankRecord(rec) {
			continue // Excel leaves ";;;;" rows behind
		}
		rows++
		row := f.readRow(rec, line)
		if row.ref == "" {
			// A row without order_ref that carries no address looks like
			// one more line of the order above; importing that order
			// without it would be importing half an order.
			if last != nil && row.vals[colName] == "" && row.vals[colStreet1] == "" && row.vals[colPostcode] == "" {
				row.problems = append(row.problems, fmt.Sprintf("order_ref is empty (this row looks like a line of order %s): put the order_ref on every row", last.ref))
				last.add(row, f)
				continue
			}
			rejects = append(rejects, RowError{Line: line, Reason: "order_ref is empty: every row needs the order it belongs to"})
			continue
		}
		o := byRef[row.ref]
		if o == nil {
			o = &csvOrder{ref: row.ref}
			byRef[row.ref] = o
			orders = append(orders, o)
		}
		o.add(row, f)
		last = o
	}
	if rows == 0 {
		return Result{}, fmt.Errorf("%s has a header but no order rows (%w): export the orders again", name, ErrNoOrders)
	}

	res := Result{Rejected: rejects}
	for _, o := range orders {
		o.checkRequired()
		if bad := o.firstBadLine(); bad > 0 {
			res.Rejected = append(res.Rejected, o.rejections(bad)...)
			continue
		}
		res.Orders = append(res.Orders, o.order())
	}
	return res, nil
}

// sniffSeparator picks ';' or ',' by which occurs more often outside
// quotes in the header line. Nordic spreadsheets write ';' because their
// decimal separator is ','.
func sniffSeparator(line []byte) rune {
	semis, commas, quoted := 0, 0, false
	for _, b := range line {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == ';':
			semis++
		case b == ',':
			commas++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

func (f *csvFile) readHeader(header []string) error {
	for i := range f.index {
		f.index[i] = -1
	}
	f.width = len(header)
	byName := map[string]column{}
	for c := range numColumns {
		byName[columnNames[c]] = c
	}
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(h))
		key = strings.NewReplacer(" ", "_", "-", "_").Replace(key)
		c, ok := byName[key]
		if !ok {
			continue // unknown columns are the exporter's business
		}
		if f.index[c] >= 0 {
			return fmt.Errorf("%s: the header names column %s twice (columns %d and %d): remove one, so it is clear which to use", f.name, c, f.index[c]+1, i+1)
		}
		f.index[c] = i
	}
	var missing []string
	for _, c := range requiredColumns {
		if f.index[c] < 0 {
			missing = append(missing, c.String())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: the header row has no %s column: the first row must name the columns, at least order_ref, name, street1, postcode, city and country",
			f.name, strings.Join(missing, ", "))
	}
	return nil
}

// quotingError turns a csv.ParseError into words. Quoting errors end the
// file: past a broken quote, which text belongs to which row is a guess.
func (f *csvFile) quotingError(err error, lineOffset int) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	line := pe.Line + lineOffset
	var what string
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		what = fmt.Sprintf(`a value has a " in it but does not start with one (column %d): put the whole value in double quotes and double the inner quote, like "27"" screen"`, pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		what = fmt.Sprintf(`a quoted value that starts on line %d is not closed properly: check for a missing or extra "`, pe.StartLine+lineOffset)
	default:
		what = pe.Err.Error()
	}
	return fmt.Errorf("%s line %d: %s; nothing was imported from the file", f.name, line, what)
}

func blankRecord(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// readRow checks the fields that can be checked on their own.
func (f *csvFile) readRow(rec []string, line int) *csvRow {
	row := &csvRow{line: line}
	for c := range numColumns {
		i := f.index[c]
		if i < 0 || i >= len(rec) {
			continue // absent column, or a short row: empty
		}
		v := strings.TrimSpace(rec[i])
		if why := badUTF8(c.String(), v); why != "" {
			row.problems = append(row.problems, why)
			row.notUTF8[c] = true
			if c != colRef {
				continue
			}
		}
		row.vals[c] = v
	}
	row.ref = row.vals[colRef]
	if len(rec) > f.width && !blankRecord(rec[f.width:]) {
		row.problems = append(row.problems, fmt.Sprintf("the row has %d values but the header has %d columns: a value containing the separator must be in double quotes", len(rec), f.width))
	}
	row.item = f.readItem(row)
	return row
}

// readItem builds the row's order line, if it has one.
func (f *csvFile) readItem(row *csvRow) *carrier.Line {
	has := false
	for c := firstItemColumn; c < numColumns; c++ {
		has = has || row.vals[c] != ""
	}
	if !has {
		return nil
	}
	bad := func(why string) { row.problems = append(row.problems, why) }
	l := &carrier.Line{SKU: row.vals[colItemSKU], Description: row.vals[colItemDescription], Quantity: 1}
	if l.Description == "" {
		bad("item_description is empty, but the row has other item columns")
	}
	if v := row.vals[colItemQuantity]; v != "" {
		if n, why := parseNumber("item_quantity", v, f.decimalComma); why != "" {
			bad(why)
		} else if q, why := checkQuantity("item_quantity", n, quote(v)); why != "" {
			bad(why)
		} else {
			l.Quantity = q
		}
	}
	if v := row.vals[colItemValue]; v != "" {
		n, why := parseNumber("item_value", v, f.decimalComma)
		if why != "" {
			bad(why)
		}
		l.Value = n
	}
	if v := row.vals[colItemCurrency]; v != "" {
		c, why := normCurrency("item_currency", v)
		if why != "" {
			bad(why)
		}
		l.Currency = c
	}
	if v := row.vals[colItemHSCode]; v != "" {
		c, why := normHSCode("item_hs_code", v)
		if why != "" {
			bad(why)
		}
		l.HSCode = c
	}
	if v := row.vals[colItemOrigin]; v != "" {
		c, why := normCountry("item_origin", v)
		if why != "" {
			bad(why)
		}
		l.Origin = c
	}
	if v := row.vals[colItemWeight]; v != "" {
		n, why := parseNumber("item_weight_kg", v, f.decimalComma)
		if why != "" {
			bad(why)
		}
		l.WeightKg = n
	}
	return l
}

// add merges a row's order-level values into the order: the first value
// of a column stands, a repeat must agree with it.
func (o *csvOrder) add(row *csvRow, f *csvFile) {
	o.rows = append(o.rows, row)
	for c := colName; c < firstItemColumn; c++ {
		v := row.vals[c]
		if row.notUTF8[c] {
			o.tried[c] = true // reported as bad bytes, not again as missing
		}
		if v == "" {
			continue
		}
		o.tried[c] = true
		key, num := v, 0.0
		switch {
		case c == colCountry:
			code, why := normCountry(c.String(), v)
			if why != "" {
				row.problems = append(row.problems, why)
				continue
			}
			key = code
		case c == colLanguage:
			l, why := normLanguage(v)
			if why != "" {
				row.problems = append(row.problems, why)
				continue
			}
			key = l
		case c == colReturnLabel:
			b, why := parseYesNo(c.String(), v)
			if why != "" {
				row.problems = append(row.problems, why)
				continue
			}
			key = strconv.FormatBool(b)
		case c == colTags:
			key = strings.Join(splitTags(v), " ")
		case isNumberColumn(c):
			n, why := parseNumber(c.String(), v, f.decimalComma)
			if why != "" {
				row.problems = append(row.problems, why)
				continue
			}
			key, num = strconv.FormatFloat(n, 'g', -1, 64), n
		}
		switch {
		case o.line[c] == 0:
			o.shown[c], o.key[c], o.num[c], o.line[c] = v, key, num, row.line
		case o.key[c] != key:
			row.problems = append(row.problems, fmt.Sprintf("%s %s differs from %s on line %d: an order's rows must agree (or leave it empty after the first row)",
				c, quote(v), quote(o.shown[c]), o.line[c]))
		}
	}
}

// checkRequired reports required values no row gave, on the order's first row.
func (o *csvOrder) checkRequired() {
	first := o.rows[0]
	for _, c := range requiredColumns[1:] {
		if o.line[c] == 0 && !o.tried[c] {
			first.problems = append(first.problems, c.String()+" is empty")
		}
	}
}

func (o *csvOrder) firstBadLine() int {
	bad := 0
	for _, r := range o.rows {
		if len(r.problems) > 0 && (bad == 0 || r.line < bad) {
			bad = r.line
		}
	}
	return bad
}

// rejections lists every row of a rejected order: the bad ones with their
// reasons, the good ones pointing at the first bad line.
func (o *csvOrder) rejections(bad int) []RowError {
	ref := strings.ToValidUTF8(o.ref, "\uFFFD")
	var out []RowError
	for _, r := range o.rows {
		if len(r.problems) == 0 {
			out = append(out, RowError{Line: r.line, OrderRef: ref, Reason: fmt.Sprintf("order rejected because line %d is bad", bad)})
			continue
		}
		for _, why := range r.problems {
			out = append(out, RowError{Line: r.line, OrderRef: ref, Reason: why})
		}
	}
	return out
}

func (o *csvOrder) order() carrier.Order {
	ord := carrier.Order{
		Ref: o.ref,
		Receiver: carrier.Address{
			Name:     o.shown[colName],
			Company:  o.shown[colCompany],
			Street1:  o.shown[colStreet1],
			Street2:  o.shown[colStreet2],
			Postcode: o.shown[colPostcode],
			City:     o.shown[colCity],
			Country:  o.key[colCountry],
			Email:    o.shown[colEmail],
			Phone:    o.shown[colPhone],
		},
		Service:        o.shown[colService],
		ServicePointID: o.shown[colServicePoint],
		Dimensions: carrier.Dimensions{
			LengthCm: o.num[colLength],
			WidthCm:  o.num[colWidth],
			HeightCm: o.num[colHeight],
		},
		Language:    o.key[colLanguage],
		Tags:        splitTags(o.key[colTags]),
		ReturnLabel: o.key[colReturnLabel] == "true",
	}
	for _, r := range o.rows {
		if r.item != nil {
			ord.Lines = append(ord.Lines, *r.item)
		}
	}
	return ord
}
