package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
)

// handler is the redacting slog.Handler: see NewHandler.
type handler struct {
	next slog.Handler
	r    *Redactor
}

// NewHandler wraps next so that nothing it writes shows a secret: the
// message and every attribute value (strings, errors, Stringers, nested
// groups, maps and structs) go through r, and attributes named like a
// secret (password, apikey, token, authorization …, see SecretKey) are
// replaced whole. Attributes bound with With are scrubbed when bound, so
// register secrets with r before a logger carrying them is made.
func NewHandler(next slog.Handler, r *Redactor) slog.Handler {
	if r == nil {
		r = NewRedactor()
	}
	return &handler{next: next, r: r}
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(clean), r: h.r}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), r: h.r}
}

// attr returns a with its value scrubbed.
func (h *handler) attr(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	a.Key = h.r.String(a.Key)
	if SecretKey(a.Key) && a.Value.Kind() != slog.KindGroup {
		if isEmpty(a.Value) {
			return a
		}
		return slog.String(a.Key, Redacted)
	}
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(h.r.String(a.Value.String()))
	case slog.KindGroup:
		g := a.Value.Group()
		clean := make([]slog.Attr, len(g))
		for i, x := range g {
			clean[i] = h.attr(x)
		}
		a.Value = slog.GroupValue(clean...)
	case slog.KindAny:
		a.Value = h.any(a.Value.Any())
	}
	return a
}

func isEmpty(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindString:
		return v.String() == ""
	case slog.KindAny:
		return v.Any() == nil
	}
	return false
}

// any scrubs a value the JSON handler would marshal: an error becomes
// its redacted text (JSONHandler writes errors as text anyway), a header
// map loses its secret values, and anything else whose text or JSON shows
// a secret becomes its redacted text.
func (h *handler) any(v any) slog.Value {
	switch x := v.(type) {
	case nil:
		return slog.AnyValue(nil)
	case error:
		return slog.StringValue(h.r.String(x.Error()))
	case []byte:
		s := string(x)
		if h.r.Leaks(s) {
			return slog.StringValue(h.r.String(s))
		}
		return slog.AnyValue(x)
	case http.Header:
		return slog.AnyValue(h.headers(x))
	case map[string][]string:
		return slog.AnyValue(h.headers(x))
	case map[string]string:
		out := make(map[string]string, len(x))
		for k, val := range x {
			if SecretKey(k) && val != "" {
				out[k] = Redacted
			} else {
				out[k] = h.r.String(val)
			}
		}
		return slog.AnyValue(out)
	}
	text := fmt.Sprint(v)
	if b, err := json.Marshal(v); err == nil {
		if h.r.Leaks(string(b)) || h.r.Leaks(text) {
			return slog.StringValue(h.r.String(string(b)))
		}
		return slog.AnyValue(v)
	}
	if h.r.Leaks(text) {
		return slog.StringValue(h.r.String(text))
	}
	return slog.AnyValue(v)
}

func (h *handler) headers(hd map[string][]string) map[string][]string {
	out := make(map[string][]string, len(hd))
	for k, vals := range hd {
		clean := make([]string, len(vals))
		for i, v := range vals {
			if SecretKey(k) && v != "" {
				clean[i] = Redacted
			} else {
				clean[i] = h.r.String(v)
			}
		}
		out[k] = clean
	}
	return out
}
