package notify

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Template text syntax: {field} is replaced by the field's value (see
// Fields); spaces inside the braces are allowed ({ first_name }). {{ is a
// literal {, and }} a literal }; a } on its own is taken literally too.
// A { that is not closed on the same line, or encloses something other
// than a field name (lower-case letters, digits, _), is an error, and so
// is a field that does not exist: a template is checked when it is
// saved, never when a message is sent.

// segment is a piece of a parsed text: literal text, or a field.
type segment struct {
	lit   string
	field string // non-empty: a placeholder
}

// text is a parsed template text.
type text []segment

// parseText parses s. Syntax errors come back as err; unknown field
// names (well formed) in unknown, in order of appearance, once each.
func parseText(s string) (t text, unknown []string, err error) {
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t = append(t, segment{lit: lit.String()})
			lit.Reset()
		}
	}
	seen := map[string]bool{}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '{' && strings.HasPrefix(s[i:], "{{"):
			lit.WriteByte('{')
			i += 2
		case c == '}' && strings.HasPrefix(s[i:], "}}"):
			lit.WriteByte('}')
			i += 2
		case c == '{':
			end := strings.IndexAny(s[i+1:], "{}\n")
			if end < 0 || s[i+1+end] != '}' {
				return nil, nil, fmt.Errorf("%s: { is not closed (write {{ for a literal brace)", where(s, i))
			}
			name := strings.TrimSpace(s[i+1 : i+1+end])
			if !fieldNameSyntax(name) {
				return nil, nil, fmt.Errorf("%s: {%s} is not a field name (fields are written like {first_name}; write {{ for a literal brace)", where(s, i), s[i+1:i+1+end])
			}
			if !fieldNames[name] && !seen[name] {
				seen[name] = true
				unknown = append(unknown, name)
			}
			flush()
			t = append(t, segment{field: name})
			i += end + 2
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return t, unknown, nil
}

func fieldNameSyntax(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// where names a byte offset of s as "line L column C" (1-based, columns
// in characters) when s has several lines, else "column C".
func where(s string, off int) string {
	before := s[:off]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	if strings.Contains(s, "\n") {
		return fmt.Sprintf("line %d column %d", line, col)
	}
	return fmt.Sprintf("column %d", col)
}

// render writes t with the values, as plain text.
func (t text) render(values map[string]string) string {
	var b strings.Builder
	for _, s := range t {
		if s.field != "" {
			b.WriteString(values[s.field])
		} else {
			b.WriteString(s.lit)
		}
	}
	return b.String()
}

// renderHTML writes t with every literal and value HTML-escaped; the
// tracking link becomes a link.
func (t text) renderHTML(values map[string]string) string {
	var b strings.Builder
	for _, s := range t {
		switch {
		case s.field == "tracking_link" && values[s.field] != "":
			u := html.EscapeString(values[s.field])
			b.WriteString(`<a href="` + u + `" style="color:#00599c;">` + u + `</a>`)
		case s.field != "":
			b.WriteString(html.EscapeString(values[s.field]))
		default:
			b.WriteString(html.EscapeString(s.lit))
		}
	}
	return b.String()
}

func (t text) empty() bool { return len(t) == 0 }

// fields lists the fields t uses.
func (t text) fields() []string {
	var out []string
	for _, s := range t {
		if s.field != "" {
			out = append(out, s.field)
		}
	}
	return out
}

// compiledText is one language's parsed texts.
type compiledText struct {
	subject, body, sms text
}

// compiledTemplate is a template ready to render.
type compiledTemplate struct {
	Template
	texts map[string]compiledText
}

// compileTemplate parses every text of t; problems (syntax, unknown
// fields) are returned as problems, and the template is still usable:
// a text that failed to parse renders as its raw string.
func compileTemplate(t Template) (*compiledTemplate, []problem) {
	ct := &compiledTemplate{Template: t, texts: map[string]compiledText{}}
	var probs []problem
	for lang, tx := range t.Texts {
		var c compiledText
		for _, part := range []struct {
			name string
			src  string
			dst  *text
		}{{"subject", tx.Subject, &c.subject}, {"body", tx.Body, &c.body}, {"sms", tx.SMS, &c.sms}} {
			parsed, unknown, err := parseText(part.src)
			if err != nil {
				probs = append(probs, problem{lang: lang, msg: fmt.Sprintf("%s text, %s: %v", lang, part.name, err)})
				*part.dst = text{{lit: part.src}}
				continue
			}
			for _, u := range unknown {
				msg := fmt.Sprintf("%s text, %s: unknown field {%s}", lang, part.name, u)
				if s := suggestField(u); s != "" {
					msg += fmt.Sprintf(" (did you mean {%s}?)", s)
				}
				probs = append(probs, problem{lang: lang, msg: msg + "; the fields are " + fieldNameList()})
			}
			*part.dst = parsed
		}
		ct.texts[lang] = c
	}
	return ct, probs
}

// textFor returns the text to use for a message in lang on channel:
// lang's when it has what the channel needs (e-mail: a body; SMS: an SMS
// text), else en's. used is the language actually used.
func (ct *compiledTemplate) textFor(lang, channel string) (c compiledText, used string) {
	has := func(l string) bool {
		c, ok := ct.texts[l]
		if !ok {
			return false
		}
		if channel == ChannelSMS {
			return !c.sms.empty()
		}
		return !c.body.empty()
	}
	if has(lang) {
		return ct.texts[lang], lang
	}
	return ct.texts["en"], "en"
}

// suggestField returns the known field closest to name (by edit
// distance, at most 2 edits), or "".
func suggestField(name string) string {
	best, bestD := "", 3
	for _, f := range fieldList {
		if d := editDistance(strings.ToLower(name), f.Name); d < bestD {
			best, bestD = f.Name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// ---- SMS length ----

// MaxSMSTemplate is the longest SMS text a template may have, before its
// fields are filled in (about three concatenated SMS).
const MaxSMSTemplate = 480

// gsmBasic and gsmExtended are the GSM 03.38 alphabet: a message of
// these characters only is sent 7-bit (160 characters, 153 per part when
// split); anything else makes it UCS-2 (70, 67 per part). The extended
// characters count twice.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
const gsmExtended = "^{}\\[~]|€\f"

// SMS sizes: one SMS carries 160 GSM-7 septets or 70 UCS-2 units; a
// longer text is sent in parts, each with a header, of 153 or 67.
const (
	SMSGSMSingle = 160
	SMSGSMPart   = 153
	SMSUCSSingle = 70
	SMSUCSPart   = 67
)

// SMSCount is what an SMS text costs.
type SMSCount struct {
	Chars   int    // characters as a person counts them
	Units   int    // GSM-7 septets, or UCS-2 (UTF-16) units
	Unicode bool   // the text needs UCS-2
	Parts   int    // SMS parts sent (and billed); 0 for an empty text
	Double  []rune // GSM-7 extension characters in it (each counts twice)
	Wide    []rune // the characters that are not in GSM-7 (why it is UCS-2)
}

// CountSMS counts a text the way a phone network sends it: in GSM-7 if
// every character is in the GSM 03.38 alphabet or its extension (which
// counts twice: ESC and the character), else in UCS-2 (a character
// outside the BMP, an emoji, counts twice there). A long text is cut into
// parts of 153 septets (67 units); a two-septet character or a surrogate
// pair is never split between parts.
func CountSMS(text string) SMSCount {
	var c SMSCount
	var widths []int // per character: septets or UTF-16 units
	for _, r := range text {
		c.Chars++
		switch {
		case strings.ContainsRune(gsmBasic, r):
			widths = append(widths, 1)
		case strings.ContainsRune(gsmExtended, r):
			widths = append(widths, 2)
			if !slices.Contains(c.Double, r) {
				c.Double = append(c.Double, r)
			}
		default:
			c.Unicode = true
			if !slices.Contains(c.Wide, r) {
				c.Wide = append(c.Wide, r)
			}
		}
	}
	single, part := SMSGSMSingle, SMSGSMPart
	if c.Unicode {
		single, part = SMSUCSSingle, SMSUCSPart
		widths = widths[:0]
		for _, r := range text {
			widths = append(widths, utf16.RuneLen(r))
		}
		c.Double = nil
	}
	for _, w := range widths {
		c.Units += w
	}
	switch {
	case c.Units == 0:
	case c.Units <= single:
		c.Parts = 1
	default:
		c.Parts = 1
		fill := 0
		for _, w := range widths {
			if fill+w > part {
				c.Parts++
				fill = 0
			}
			fill += w
		}
	}
	return c
}

// smsSize returns how many characters an SMS counts (extended GSM
// characters twice, or UTF-16 units) and how many parts it is sent in.
func smsSize(s string) (chars, parts int, unicode bool) {
	c := CountSMS(s)
	return c.Units, max(c.Parts, 1), c.Unicode
}

// ---- the HTML e-mail ----

// htmlEmail lays out an e-mail the way mail clients render reliably: a
// centred 600-pixel table, inline styles only, the logo on top (as
// cid:logo, attached by the e-mail channel), the body's paragraphs, the
// tracking link as a button, and the shop's name in the footer. body is
// already HTML (escaped); the other strings are plain text.
func htmlEmail(lang, subject, body, shop, trackingURL, button string, logo bool, logoWidth int) string {
	esc := html.EscapeString
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="` + esc(lang) + `">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + esc(subject) + `</title>
</head>
<body style="margin:0;padding:0;background-color:#f2f3f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f2f3f5;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border-radius:6px;">
`)
	if logo {
		w := logoWidth
		if w <= 0 || w > 200 {
			w = 200
		}
		b.WriteString(`<tr><td style="padding:24px 32px 0 32px;"><img src="cid:logo" alt="` + esc(shop) + `" width="` + itoa(w) + `" style="display:block;border:0;outline:none;text-decoration:none;max-width:100%;height:auto;"></td></tr>
`)
	}
	b.WriteString(`<tr><td style="padding:24px 32px 8px 32px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:24px;color:#1f2328;">
`)
	b.WriteString(body)
	b.WriteString(`</td></tr>
`)
	if trackingURL != "" {
		u := esc(trackingURL)
		b.WriteString(`<tr><td style="padding:8px 32px 24px 32px;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>
<td align="center" bgcolor="#00599c" style="border-radius:4px;background-color:#00599c;">
<a href="` + u + `" target="_blank" style="display:inline-block;padding:12px 24px;font-family:Helvetica,Arial,sans-serif;font-size:16px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:4px;">` + esc(button) + `</a>
</td></tr></table>
</td></tr>
`)
	}
	b.WriteString(`<tr><td style="padding:16px 32px 24px 32px;border-top:1px solid #e6e8eb;font-family:Helvetica,Arial,sans-serif;font-size:13px;line-height:20px;color:#6a737d;">` + esc(shop) + `</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`)
	return b.String()
}

// paragraphs turns escaped HTML text into paragraphs: a blank line
// starts a new one, a single newline is a line break.
func paragraphs(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, p := range splitParagraphs(s) {
		lines := strings.Split(p, "\n")
		for i := range lines {
			lines[i] = strings.TrimRight(lines[i], " \t")
		}
		b.WriteString(`<p style="margin:0 0 16px 0;">` + strings.Join(lines, "<br>\n") + "</p>\n")
	}
	return b.String()
}

// splitParagraphs splits at blank lines (lines of only spaces count as
// blank) and drops empty paragraphs.
func splitParagraphs(s string) []string {
	var out []string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, "\n"))
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, "\n"))
	}
	return out
}
