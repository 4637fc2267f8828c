package postnord

import (
	"errors"
	"net/url"
	"strings"
)

// redacted replaces the API key wherever it could appear.
const redacted = "REDACTED"

// redactor scrubs the API key (and the OAuth client secret) from text
// before it reaches an error. It removes the value of every apikey query
// parameter (whatever its value, so a key echoed back by a gateway is
// caught too) and any literal occurrence of a configured secret, raw or
// URL-escaped.
type redactor struct {
	secrets []string // each secret, and its escaped form where it differs
}

func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		if s == "" {
			continue
		}
		r.secrets = append(r.secrets, s)
		if e := url.QueryEscape(s); e != s {
			r.secrets = append(r.secrets, e)
		}
	}
	return r
}

func (r redactor) String(s string) string {
	s = redactAPIKeyParam(s)
	for _, k := range r.secrets {
		s = strings.ReplaceAll(s, k, redacted)
	}
	return s
}

func (r redactor) leaks(s string) bool {
	for _, k := range r.secrets {
		if strings.Contains(s, k) {
			return true
		}
	}
	return redactAPIKeyParam(s) != s
}

// Error returns err with the key scrubbed from its text. net/http's
// *url.Error carries the full request URL, query string included, so it is
// rebuilt around a redacted URL; its cause (a *net.OpError, a context
// error) is kept so errors.Is and errors.As still work, unless the cause
// itself mentions the key, in which case it is flattened to redacted text.
func (r redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		inner := ue.Err
		if inner != nil && r.leaks(inner.Error()) {
			inner = errors.New(r.String(inner.Error()))
		}
		return &url.Error{Op: ue.Op, URL: r.String(ue.URL), Err: inner}
	}
	if r.leaks(err.Error()) {
		return errors.New(r.String(err.Error()))
	}
	return err
}

// redactAPIKeyParam replaces the value of every "apikey=" parameter in s
// (case-insensitive) up to the next character that ends a query value in
// a URL or in the text around it.
func redactAPIKeyParam(s string) string {
	const param = "apikey="
	lower := strings.ToLower(s)
	if !strings.Contains(lower, param) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for {
		j := strings.Index(lower[i:], param)
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		start := i + j + len(param)
		b.WriteString(s[i:start])
		end := start
		for end < len(s) && !strings.ContainsRune("&#\"' \t\r\n<>)]},", rune(s[end])) {
			end++
		}
		if end > start {
			b.WriteString(redacted)
		}
		i = end
	}
}
