package logs

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Redacted replaces a secret in a log line.
const Redacted = "[redacted]"

// MinSecretLen is the shortest secret replaced wherever its text occurs:
// a shorter one would blank out ordinary words (it is still caught as a
// query parameter, an Authorization value or a secret-named attribute).
const MinSecretLen = 4

// Redactor scrubs secrets from log text. It mirrors carrier.Redactor,
// which the carrier clients apply to their own errors, for everything
// else the station logs:
//
//   - every registered secret, raw or URL-escaped, wherever it occurs;
//   - the value of URL query parameters (and form fields) named apikey,
//     api_key, key, token, access_token, secret, client_secret, password,
//     passwd, pwd, signature, sig — whatever the value is;
//   - the same names as JSON string fields ("password":"…");
//   - Authorization and Proxy-Authorization values ("Authorization:
//     Bearer …" keeps the scheme, drops the credentials).
//
// It is safe for concurrent use; secrets may be added at any time.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // with their escaped forms, longest first
}

// NewRedactor returns a Redactor for secrets ("" and secrets shorter
// than MinSecretLen are skipped).
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers more secrets. For a header value with an auth scheme
// ("Bearer abc…") the credentials alone are registered too.
func (r *Redactor) Add(secrets ...string) {
	var add []string
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		forms := []string{s}
		if scheme, cred, ok := strings.Cut(s, " "); ok && authSchemes[strings.ToLower(scheme)] {
			forms = append(forms, strings.TrimSpace(cred))
		}
		for _, f := range forms {
			if len(f) < MinSecretLen {
				continue
			}
			add = append(add, f, url.QueryEscape(f), url.PathEscape(f))
		}
	}
	if len(add) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range add {
		if !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	// Longest first: a secret that contains another is replaced whole.
	slices.SortStableFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

var authSchemes = map[string]bool{"bearer": true, "basic": true, "digest": true, "token": true, "apikey": true}

// secretNames are parameter, field and attribute names whose value is a
// secret whatever it is.
const secretNames = `api[_-]?key|key|access[_-]?token|refresh[_-]?token|token|client[_-]?secret|secret|password|passwd|pwd|signature|sig`

var (
	// ?apikey=…, &token=…, a form body "password=…".
	paramRE = regexp.MustCompile(`(?i)((?:^|[?&;,\s"'(])(?:` + secretNames + `)=)([^&#"'\s<>)\]},;]+)`)
	// "password": "…" in JSON text.
	jsonFieldRE = regexp.MustCompile(`(?i)("(?:` + secretNames + `|authorization)"\s*:\s*")((?:[^"\\]|\\.)+)(")`)
	// Authorization: Bearer …, authorization=…
	authRE = regexp.MustCompile(`(?i)((?:proxy-)?authorization["']?\s*[:=]\s*["']?)((?:bearer|basic|digest|token|apikey)\s+)?([^\s"',;]+)`)
	// attribute keys that name a secret: the value goes whatever it is.
	secretKeyRE = regexp.MustCompile(`(?i)^(?:` + secretNames + `|authorization|proxy[_-]?authorization|webhook[_-]?secret|cookie|set[_-]?cookie|x[_-]?api[_-]?key)$`)
)

// String returns s with every secret replaced by Redacted.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	r.mu.RLock()
	for _, k := range r.secrets {
		if strings.Contains(s, k) {
			s = strings.ReplaceAll(s, k, Redacted)
		}
	}
	r.mu.RUnlock()
	if strings.IndexByte(s, '=') >= 0 {
		s = paramRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := paramRE.FindStringSubmatch(m)
			if strings.HasPrefix(sub[2], Redacted[:len(Redacted)-1]) {
				return m // already scrubbed by value
			}
			return sub[1] + Redacted
		})
	}
	if strings.IndexByte(s, '"') >= 0 {
		s = jsonFieldRE.ReplaceAllString(s, "${1}"+Redacted+"${3}")
	}
	if strings.Contains(strings.ToLower(s), "authorization") {
		s = authRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := authRE.FindStringSubmatch(m)
			if sub[3] == Redacted || strings.HasPrefix(sub[3], Redacted) {
				return m
			}
			return sub[1] + sub[2] + Redacted
		})
	}
	return s
}

// Leaks reports whether s shows something String would scrub.
func (r *Redactor) Leaks(s string) bool { return r.String(s) != s }

// SecretKey reports whether an attribute, field or header named key
// holds a secret whatever its value (password, apikey, authorization …).
func SecretKey(key string) bool {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		key = key[i+1:]
	}
	return secretKeyRE.MatchString(key)
}
