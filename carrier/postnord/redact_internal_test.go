package postnord

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

const internalKey = "f00dcafe0123456789abcdef7e57ab1e"

func TestRedactorStrings(t *testing.T) {
	r := newRedactor(internalKey, "sec ret/+")
	for _, in := range []string{
		"https://api2.postnord.com/rest/shipment/v3/edi?apikey=" + internalKey + "&locale=en",
		"GET /x?APIKEY=whatever-the-gateway-echoed",
		`{"message":"bad key ` + internalKey + `"}`,
		"escaped: " + url.QueryEscape("sec ret/+"),
		"raw: sec ret/+",
		"key at the end apikey=" + internalKey,
	} {
		out := r.String(in)
		if strings.Contains(out, internalKey) || strings.Contains(out, "sec ret/+") || strings.Contains(out, url.QueryEscape("sec ret/+")) ||
			strings.Contains(out, "whatever-the-gateway-echoed") {
			t.Errorf("redact(%q) = %q", in, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("redact(%q) = %q shows no REDACTED", in, out)
		}
	}
	if got := r.String("nothing secret here"); got != "nothing secret here" {
		t.Errorf("clean text changed: %q", got)
	}
}

// TestRedactedErrorsInPanicsAndVerbs: a redacted *url.Error stays clean
// whatever verb prints it, and when it is the value of a panic.
func TestRedactedErrorsInPanicsAndVerbs(t *testing.T) {
	r := newRedactor(internalKey)
	cause := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	err := r.Error(&url.Error{Op: "Post", URL: "http://127.0.0.1:1/rest?apikey=" + internalKey, Err: cause})
	if !errors.Is(err, cause) {
		t.Error("the cause was lost")
	}
	texts := []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%q", err)}
	func() {
		defer func() { texts = append(texts, fmt.Sprint(recover())) }()
		panic(err)
	}()
	func() {
		defer func() { texts = append(texts, fmt.Sprintf("%+v", recover())) }()
		panic(fmt.Errorf("book: %w", err))
	}()
	for _, s := range texts {
		if strings.Contains(s, internalKey) {
			t.Errorf("key leaked: %s", s)
		}
	}
	// A cause that itself names the key is flattened to redacted text.
	leaky := r.Error(&url.Error{Op: "Get", URL: "x", Err: errors.New("proxy refused apikey=" + internalKey)})
	if s := fmt.Sprintf("%+v %#v", leaky, leaky); strings.Contains(s, internalKey) {
		t.Errorf("key leaked through the cause: %s", s)
	}
}
