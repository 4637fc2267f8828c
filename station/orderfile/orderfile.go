// Package orderfile owns reading order files, the CSV and JSON exports a
// shop or WMS hands the bench, into carrier.Order values.
//
// Its promise is all-or-nothing per order: an order comes back whole, or
// it is rejected whole with every one of its lines listed and a reason in
// words a shop clerk can act on (line numbers are the file's physical
// lines, as an editor or spreadsheet shows them). Half an order never
// reaches the bench, because a parcel booked from half an order is a
// parcel packed wrong.
package orderfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"labelstation/carrier"
)

// MaxFileSize bounds what Parse reads. A day's orders are a few megabytes;
// anything near this is the wrong file.
const MaxFileSize = 64 << 20

// Result is what a file yields.
type Result struct {
	// Orders are the orders that passed every check, in file order.
	Orders []carrier.Order
	// Rejected lists every line of every rejected order, by line.
	Rejected []RowError
}

// RowError says why one line of the file was not imported.
type RowError struct {
	// Line is the physical line in the file where the row (CSV) or the
	// order's opening brace (JSON) starts, counting from 1.
	Line int
	// OrderRef is the order the line belongs to, if known.
	OrderRef string
	Reason   string
}

// Error formats the rejection as "line 7: order A-1002: postcode is empty".
func (e RowError) Error() string {
	if e.OrderRef == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: order %s: %s", e.Line, e.OrderRef, e.Reason)
}

// Parse reads an order file. The format is chosen by the name's extension
// (.csv, .json), or by the content when the extension says neither.
//
// A non-nil error means the file as a whole cannot be read (empty, not
// UTF-8/UTF-16, broken quoting or JSON, a required column missing from the
// header, no orders); it names the file and what to do. Otherwise bad
// orders are in Result.Rejected and the good ones in Result.Orders, each
// stamped with the same ImportedAt.
func Parse(name string, r io.Reader) (Result, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return Result{}, fmt.Errorf("%s: cannot read the file: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return Result{}, fmt.Errorf("%s is larger than %d MiB: that is not a day's orders; check that this is the right file", name, MaxFileSize>>20)
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return Result{}, fmt.Errorf("%s is UTF-16 text: save it as UTF-8 (in Excel: \"CSV UTF-8 (comma delimited)\")", name)
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return Result{}, fmt.Errorf("%s is empty (%w): export the orders again", name, ErrNoOrders)
	}

	var res Result
	switch format(name, data) {
	case "json":
		res, err = parseJSON(name, data)
	default:
		res, err = parseCSV(name, data)
	}
	if err != nil {
		return Result{}, err
	}
	now := time.Now().UTC()
	for i := range res.Orders {
		res.Orders[i].ImportedAt = now
	}
	slices.SortStableFunc(res.Rejected, func(a, b RowError) int { return a.Line - b.Line })
	return res, nil
}

// ErrNoOrders is wrapped by the error for a file that holds no order at
// all (empty, or a header without rows), so a caller can tell "nothing to
// do" from "broken".
var ErrNoOrders = errors.New("no orders in the file")

func format(name string, data []byte) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return "json"
	case ".csv":
		return "csv"
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && (t[0] == '[' || t[0] == '{') {
		return "json"
	}
	return "csv"
}

// lineAt is the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}
