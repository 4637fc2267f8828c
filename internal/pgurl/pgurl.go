// Package pgurl keeps PostgreSQL connection strings out of logs: Redact
// replaces every password a libpq URL or key/value DSN can carry. The
// config (which checks [fleet] postgres_url) and the fleet package (whose
// errors name the server) share it, so the two cannot disagree about what
// a secret is.
package pgurl

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces a password.
const Redacted = "xxxxx"

// kvPassword finds password=… and sslpassword=… in a key/value DSN
// (quoted or not) and in a URL's query, where libpq also accepts them.
var kvPassword = regexp.MustCompile(`(?i)((?:^|[\s?&])(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)`)

// userinfoPassword is the password between "scheme://user:" and the last
// "@" of the text: applied to the raw text too, because a password with an
// unescaped "/" (postgres://u:12/x@h/db) still parses — as a host and a
// path — and would otherwise pass through.
var userinfoPassword = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:)[^\s]*@`)

// Redact is u with every password replaced by "xxxxx": the URL's user
// password, password= or sslpassword= in its query, or in a key/value DSN.
func Redact(u string) string {
	if strings.Contains(u, "://") {
		if pu, err := url.Parse(u); err == nil && pu.User != nil {
			if _, has := pu.User.Password(); has {
				pu.User = url.UserPassword(pu.User.Username(), Redacted)
				u = pu.String()
			}
		}
		u = userinfoPassword.ReplaceAllString(u, "${1}"+Redacted+"@")
	}
	return kvPassword.ReplaceAllString(u, "${1}"+Redacted)
}

// HasPassword reports whether a postgres:// URL carries a password of any
// kind (user password, password= or sslpassword= in the query).
func HasPassword(u *url.URL) bool {
	if _, has := u.User.Password(); has {
		return true
	}
	q := u.Query()
	return q.Has("password") || q.Has("sslpassword")
}
