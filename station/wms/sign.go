package wms

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The signature scheme (like Stripe's): every request carries
//
//	Labelstation-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
//
// where t is the time of that attempt, so a resend is signed afresh and a
// receiver can refuse a replayed old request. A receiver recomputes the
// HMAC over the exact bytes it received, compares in constant time, and
// checks that t is recent. Several v1= values may stand in one header
// (signed with an old and a new secret while a secret is rotated); one
// match is enough. Unknown keys (a future v2=) are ignored.
const (
	HeaderSignature = "Labelstation-Signature"
	HeaderEventID   = "Labelstation-Event-Id"
	HeaderEventType = "Labelstation-Event-Type"
)

// DefaultTolerance is how old (or how far ahead) a signature's timestamp
// may be for Verify's callers that have no opinion.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("the signature header is missing or malformed")
	ErrBadSignature = errors.New("no signature matches the body")
	ErrStale        = errors.New("the signature's timestamp is outside the tolerance")
)

// Sign returns the Labelstation-Signature header value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a Labelstation-Signature header against body: one v1=
// value must be the HMAC of "<t>.<body>" under secret (compared in
// constant time), and t must lie within tolerance of now (tolerance <= 0
// skips that check). The error wraps ErrNoSignature, ErrBadSignature or
// ErrStale; it never contains the secret.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: two timestamps", ErrNoSignature)
			}
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil && len(b) == sha256.Size {
				sigs = append(sigs, b)
			}
		}
	}
	if ts == "" || len(sigs) == 0 {
		return fmt.Errorf("%w: want t=<unix seconds>,v1=<hex>", ErrNoSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not unix seconds", ErrNoSignature, ts)
	}
	want := mac(secret, ts, body)
	match := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			match = true // no early exit: the time taken does not tell which matched
		}
	}
	if !match {
		return ErrBadSignature
	}
	if tolerance > 0 {
		if age := now.Sub(time.Unix(sec, 0)); age > tolerance || age < -tolerance {
			return fmt.Errorf("%w: signed %s ago, tolerance %s", ErrStale, age.Round(time.Second), tolerance)
		}
	}
	return nil
}
