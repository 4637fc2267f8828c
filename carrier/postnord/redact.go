package postnord

import (
	"strings"

	"labelstation/carrier"
)

// redacted replaces the API key wherever it could appear.
const redacted = carrier.Redacted

// newRedactor scrubs the API key and the OAuth client secret from text
// before it reaches an error, and the value of every apikey query
// parameter whatever it is, so a key echoed back by a gateway is caught
// too.
func newRedactor(secrets ...string) carrier.Redactor {
	return carrier.NewRedactor(redactAPIKeyParam, secrets...)
}

// redactAPIKeyParam replaces the value of every "apikey=" parameter in s
// (case-insensitive) up to the next character that ends a query value in
// a URL or in the text around it.
func redactAPIKeyParam(s string) string {
	const param = "apikey="
	lower := strings.ToLower(s)
	if !strings.Contains(lower, param) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for {
		j := strings.Index(lower[i:], param)
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		start := i + j + len(param)
		b.WriteString(s[i:start])
		end := start
		for end < len(s) && !strings.ContainsRune("&#\"' \t\r\n<>)]},", rune(s[end])) {
			end++
		}
		if end > start {
			b.WriteString(redacted)
		}
		i = end
	}
}
