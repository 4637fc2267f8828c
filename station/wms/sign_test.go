package wms

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignMatchesAnIndependentHMAC(t *testing.T) {
	secret := []byte("whsec_0123456789abcdef")
	body := []byte(`{"id":"label.created:A-1:req-1","type":"label.created"}`)
	at := time.Unix(1767225600, 0) // 2026-01-01T00:00:00Z

	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("1767225600." + string(body)))
	want := "t=1767225600,v1=" + hex.EncodeToString(mac.Sum(nil))

	if got := Sign(secret, at, body); got != want {
		t.Fatalf("Sign = %s\nwant   %s", got, want)
	}
	// A fixed vector (computed with Python's hmac), so the scheme cannot
	// drift along with the code.
	if want != "t=1767225600,v1=7e22c83080e47e9602f3b5dbf60e91fa4ed5362373bd936f73057f4e39d001c7" {
		t.Fatalf("the HMAC of the known vector changed: %s", want)
	}
	if err := Verify(secret, want, body, at.Add(time.Minute), DefaultTolerance); err != nil {
		t.Fatalf("Verify of a good signature: %v", err)
	}
}

func TestVerifyRefusesWhatIsWrong(t *testing.T) {
	secret := []byte("whsec_0123456789abcdef")
	body := []byte(`{"id":"x"}`)
	at := time.Unix(1767225600, 0)
	h := Sign(secret, at, body)

	cases := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"tampered body", secret, h, []byte(`{"id":"y"}`), at, ErrBadSignature},
		{"wrong secret", []byte("another-secret-16b"), h, body, at, ErrBadSignature},
		{"old timestamp", secret, h, body, at.Add(6 * time.Minute), ErrStale},
		{"from the future", secret, h, body, at.Add(-6 * time.Minute), ErrStale},
		{"no header", secret, "", body, at, ErrNoSignature},
		{"no v1", secret, "t=1767225600", body, at, ErrNoSignature},
		{"no t", secret, strings.Split(h, ",")[1], body, at, ErrNoSignature},
		{"timestamp changed", secret, strings.Replace(h, "t=1767225600", "t=1767225601", 1), body, at, ErrBadSignature},
	}
	for _, c := range cases {
		err := Verify(c.secret, c.header, c.body, c.now, 5*time.Minute)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), string(secret)) {
			t.Errorf("%s: error leaks the secret", c.name)
		}
	}
	// Tolerance 0: the age is not checked.
	if err := Verify(secret, h, body, at.Add(24*time.Hour), 0); err != nil {
		t.Errorf("tolerance 0: %v", err)
	}
}

func TestVerifyAcceptsAnyOfSeveralSignatures(t *testing.T) {
	oldSecret, newSecret := []byte("old-secret-0123456789"), []byte("new-secret-0123456789")
	body := []byte(`{"id":"z"}`)
	at := time.Now()
	signedOld := Sign(oldSecret, at, body)
	signedNew := Sign(newSecret, at, body)
	// While rotating, a sender puts both; a receiver knows either secret.
	both := signedOld + ",v1=" + strings.SplitN(signedNew, "v1=", 2)[1] + ",v0=ignored"
	for _, s := range [][]byte{oldSecret, newSecret} {
		if err := Verify(s, both, body, at, time.Minute); err != nil {
			t.Errorf("secret %s: %v", s[:3], err)
		}
	}
	if err := Verify([]byte("third-secret-0123456"), both, body, at, time.Minute); !errors.Is(err, ErrBadSignature) {
		t.Errorf("unknown secret: %v", err)
	}
}
