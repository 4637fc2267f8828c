package fleet

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

const redacted = "xxxxx"

// kvPassword finds password=… in a key/value DSN (quoted or not) and in a
// URL's query, where libpq also accepts it.
var kvPassword = regexp.MustCompile(`(?i)((?:^|[\s?&])(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)`)

// userinfoPassword is the password between "scheme://user:" and "@", for
// a URL that does not parse (a broken URL still must not leak).
var userinfoPassword = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:)[^@]*@`)

// RedactURL is u with its password replaced by "xxxxx", for logs and
// error messages: the URL's user password, a password= in its query, or a
// password= in a key/value DSN.
func RedactURL(u string) string {
	if strings.Contains(u, "://") {
		if pu, err := url.Parse(u); err == nil {
			if _, has := pu.User.Password(); has {
				pu.User = url.UserPassword(pu.User.Username(), redacted)
			}
			u = pu.String()
			// url.String escapes nothing in "xxxxx"; the query is redacted
			// below on the text, which keeps its order as written.
		} else {
			u = userinfoPassword.ReplaceAllString(u, "${1}"+redacted+"@")
		}
	}
	return kvPassword.ReplaceAllString(u, "${1}"+redacted)
}

// Unreachable reports whether err means the site's server could not be
// reached or went away (dial failure, timeout, closed connection, the
// server shutting down, a deadline): the bench then works alone (claims
// locally, keeps its marks for a later push) rather than reporting a
// failure to the packer.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01..57P03: the server is
		// shutting down, crashed, or not accepting connections yet.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed,
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE, syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		if errors.Is(err, target) {
			return true
		}
	}
	// pgconn reports a connection that broke mid-use as "conn closed",
	// and pgxpool a closed pool as "closed pool", without typed errors.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "closed pool")
}
