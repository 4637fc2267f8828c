package stg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"labelstation/carrier"
)

// statusError maps a non-2xx answer to a *carrier.Error in words, from
// STG's problem+json body (title, detail, errors[]) or, failing that,
// whatever readable text came back. For a committing call (a booking or a
// return) a 500/502/504 may come after STG acted, so it is
// KindUnknownOutcome; for a look-up it is KindUnavailable.
func (c *Client) statusError(op, key string, commits bool, resp response) *carrier.Error {
	status := resp.status
	var kind carrier.ErrorKind
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		kind = carrier.KindAuth
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		kind = carrier.KindUnavailable
	case status >= 500:
		kind = carrier.KindUnavailable
		if commits {
			kind = carrier.KindUnknownOutcome
		}
	case status == http.StatusNotFound:
		kind = carrier.KindNotFound
	default:
		// 400, 422, 409, other 4xx and unexpected redirects: the same
		// request gets the same answer.
		kind = carrier.KindRejected
	}
	msg, faults := c.decodeError(resp.body)
	if msg == "" && len(faults) == 0 {
		msg = http.StatusText(status)
		if status >= 300 && status < 400 {
			msg = "unexpected redirect; check the STG base URL"
		}
	}
	e := &carrier.Error{
		Carrier: CarrierName, Op: op, Kind: kind, HTTPStatus: status,
		Message: msg, Faults: faults, RequestID: key,
	}
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		e.RetryAfter = retryAfter(resp.header, c.now())
	}
	switch {
	case status == http.StatusUnauthorized:
		e.Message = "STG did not accept the access token (" + e.Message + "); check the STG client id and client secret"
	case status == http.StatusForbidden:
		e.Message = "STG refused this request for these credentials (" + e.Message + "); check what the STG account may do"
	case status == http.StatusTooManyRequests:
		e.Message = "STG's rate limit was reached (" + e.Message + "); wait a moment and try again"
	case status == http.StatusServiceUnavailable:
		e.Message = "STG is unavailable (" + e.Message + "); nothing was done, try again later"
	case kind == carrier.KindUnknownOutcome:
		e.Message = "STG failed while handling the request (" + e.Message + "); it may have been carried out, resend with the same Idempotency-Key to find out"
	}
	return e
}

// decodeError reads a problem+json body, an OAuth error body, or short
// plain text. HTML pages (proxies, gateways) are not quoted back.
func (c *Client) decodeError(data []byte) (string, []carrier.Fault) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "", nil
	}
	if data[0] == '{' {
		var p problem
		if json.Unmarshal(data, &p) == nil && (p.Title != "" || p.Detail != "" || len(p.Errors) > 0) {
			msg := joinWords(p.Title, p.Detail)
			var faults []carrier.Fault
			for _, f := range p.Errors {
				faults = append(faults, carrier.Fault{Field: c.redact.String(f.Field), Message: c.redact.String(fieldMessage(f))})
			}
			return c.redact.String(msg), faults
		}
		var o oauthError
		if json.Unmarshal(data, &o) == nil && (o.Error != "" || o.ErrorDescription != "") {
			return c.redact.String(joinWords(o.Error, o.ErrorDescription)), nil
		}
		return "", nil
	}
	if data[0] == '<' || !utf8.Valid(data) {
		return "", nil
	}
	s := strings.Join(strings.Fields(string(data)), " ")
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return c.redact.String(s), nil
}

// fieldMessage names the field in the message, so the packer reads
// "receiver.postalCode: is required" without looking at Field.
func fieldMessage(f problemField) string {
	switch {
	case f.Field == "":
		return f.Message
	case f.Message == "":
		return f.Field + " is invalid"
	}
	return f.Field + ": " + f.Message
}

func joinWords(a, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "":
		return b
	case b == "", strings.EqualFold(a, b):
		return a
	}
	return a + ": " + b
}

func readAll(r *http.Response) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(io.LimitReader(r.Body, maxResponseBytes))
}

// invalid is the error for a request refused before sending.
func invalid(op, key string, faults []carrier.Fault) *carrier.Error {
	return &carrier.Error{
		Carrier: CarrierName, Op: op, Kind: carrier.KindRejected, RequestID: key,
		Message: fmt.Sprintf("not sent: %d problem(s) with the data", len(faults)),
		Faults:  faults,
	}
}

// unreadable is the error for a 2xx answer the client cannot use.
func unreadable(op, key string, status int, kind carrier.ErrorKind, what string) *carrier.Error {
	return &carrier.Error{Carrier: CarrierName, Op: op, Kind: kind, HTTPStatus: status, RequestID: key,
		Message: "STG's answer could not be used: " + what}
}

// redacted replaces the client secret wherever it could appear.
const redacted = carrier.Redacted

// newRedactor scrubs the client secret, raw or escaped, from text before
// it reaches an error.
func newRedactor(secrets ...string) carrier.Redactor { return carrier.NewRedactor(nil, secrets...) }
