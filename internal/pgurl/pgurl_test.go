package pgurl

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, secret string }{
		{"postgres://ls:s3cret@db:5432/site?sslmode=verify-full", "s3cret"},
		{"postgres://ls:12/x@db/site", "12/x"},                              // parses as host "ls:12", path "/x@db/site"
		{"postgres://ls:p%40ss@db/site", "p%40ss"},                          // escaped
		{"postgres://ls@db/site?password=qwerty&sslmode=require", "qwerty"}, // in the query
		{"postgres://ls@db/site?sslpassword=keypass", "keypass"},            // the client key's passphrase
		{"host=db user=ls password='a b c' dbname=site", "a b c"},           // key/value, quoted
		{"host=db password=plain dbname=site", "plain"},
		{"postgres://ls:%zz@db/site", "%zz"}, // does not parse
	} {
		got := Redact(c.in)
		if strings.Contains(got, c.secret) || !strings.Contains(got, Redacted) {
			t.Errorf("Redact(%q) = %q: the secret %q must go", c.in, got, c.secret)
		}
	}
	for _, keep := range []string{"postgres://ls@db:5432/site?sslmode=verify-full", "host=db user=ls dbname=site"} {
		if got := Redact(keep); got != keep {
			t.Errorf("Redact(%q) = %q: nothing to hide, nothing to change", keep, got)
		}
	}
}

func TestHasPassword(t *testing.T) {
	for in, want := range map[string]bool{
		"postgres://ls@db/site":                 false,
		"postgres://ls:pw@db/site":              true,
		"postgres://ls@db/site?password=pw":     true,
		"postgres://ls@db/site?sslpassword=pw":  true,
		"postgres://ls@db/site?sslmode=require": false,
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if HasPassword(u) != want {
			t.Errorf("HasPassword(%s) = %v, want %v", in, !want, want)
		}
	}
}
