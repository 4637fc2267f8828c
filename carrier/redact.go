package carrier

import (
	"errors"
	"net/url"
	"strings"
)

// Redacted replaces a secret wherever it could appear.
const Redacted = "REDACTED"

// Redactor scrubs a carrier client's secrets (API keys, client secrets)
// from text before it reaches an error or a log: every literal occurrence
// of a secret, raw or URL-escaped, and whatever else the client's Scrub
// removes (PostNord: the value of every apikey query parameter, whatever
// it is). Every carrier package builds one; none writes its own.
type Redactor struct {
	secrets []string // each secret, and its escaped forms where they differ
	scrub   func(string) string
}

// NewRedactor returns a Redactor for the secrets ("" is skipped); scrub,
// when not nil, is applied first.
func NewRedactor(scrub func(string) string, secrets ...string) Redactor {
	r := Redactor{scrub: scrub}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		r.secrets = append(r.secrets, s)
		for _, e := range []string{url.QueryEscape(s), url.PathEscape(s)} {
			if e != s {
				r.secrets = append(r.secrets, e)
			}
		}
	}
	return r
}

// String returns s with every secret replaced by Redacted.
func (r Redactor) String(s string) string {
	if r.scrub != nil {
		s = r.scrub(s)
	}
	for _, k := range r.secrets {
		s = strings.ReplaceAll(s, k, Redacted)
	}
	return s
}

// Leaks reports whether s shows a secret.
func (r Redactor) Leaks(s string) bool {
	for _, k := range r.secrets {
		if strings.Contains(s, k) {
			return true
		}
	}
	return r.scrub != nil && r.scrub(s) != s
}

// Error returns err with the secrets scrubbed from its text. net/http's
// *url.Error carries the full request URL, query string included, so it
// is rebuilt around a redacted URL; its cause (a *net.OpError, a context
// error) is kept so errors.Is and errors.As still work, unless the cause
// itself shows a secret, in which case it is flattened to redacted text.
func (r Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		inner := ue.Err
		if inner != nil && r.Leaks(inner.Error()) {
			inner = errors.New(r.String(inner.Error()))
		}
		return &url.Error{Op: ue.Op, URL: r.String(ue.URL), Err: inner}
	}
	if r.Leaks(err.Error()) {
		return errors.New(r.String(err.Error()))
	}
	return err
}
