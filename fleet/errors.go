package fleet

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"labelstation/internal/pgurl"
)

// RedactURL is u with every password replaced by "xxxxx", for logs and
// error messages (the URL's user password, password= or sslpassword= in
// its query or in a key/value DSN): internal/pgurl.Redact, the one
// redactor the config and this package share, under the name callers of
// the fleet package use.
func RedactURL(u string) string { return pgurl.Redact(u) }

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
