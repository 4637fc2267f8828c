package notify

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseTextFieldsAndBraces(t *testing.T) {
	vals := map[string]string{"first_name": "Åsa", "order_ref": "A-1"}
	cases := []struct{ in, want string }{
		{"Hej {first_name}!", "Hej Åsa!"},
		{"Hej { first_name }, order {order_ref}.", "Hej Åsa, order A-1."},
		{"Literal {{braces}} and a lone } stay", "Literal {braces} and a lone } stay"},
		{"{{first_name}}", "{first_name}"},
		{"{first_name}}}", "Åsa}"},
		{"no fields at all", "no fields at all"},
		{"", ""},
	}
	for _, c := range cases {
		tx, unknown, err := parseText(c.in)
		if err != nil || len(unknown) > 0 {
			t.Errorf("%q: err %v unknown %v", c.in, err, unknown)
			continue
		}
		if got := tx.render(vals); got != c.want {
			t.Errorf("%q rendered %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseTextErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Hej {first_name", "column 5: { is not closed"},
		{"line one\nHej {first name}", "line 2 column 5: {first name} is not a field name"},
		{"a {x{y}}", "{ is not closed"},
		{"{}", "{} is not a field name"},
	} {
		_, _, err := parseText(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want it to contain %q", c.in, err, c.want)
		}
	}
	_, unknown, err := parseText("{frist_name} {frist_name} {Order_Ref} {shop}")
	if err != nil || strings.Join(unknown, ",") != "frist_name,Order_Ref" {
		t.Fatalf("unknown %v err %v", unknown, err)
	}
	if s := suggestField("frist_name"); s != "first_name" {
		t.Errorf("suggest %q", s)
	}
	if s := suggestField("Order_Ref"); s != "order_ref" {
		t.Errorf("suggest %q", s)
	}
	if s := suggestField("weather"); s != "" {
		t.Errorf("suggest %q for nothing close", s)
	}
}

func TestEveryFieldIsKnownAndRenders(t *testing.T) {
	var b strings.Builder
	for _, f := range Fields() {
		if f.Help == "" || f.Example == "" {
			t.Errorf("field %s lacks help or example", f.Name)
		}
		b.WriteString("{" + f.Name + "}|")
	}
	tx, unknown, err := parseText(b.String())
	if err != nil || len(unknown) > 0 {
		t.Fatalf("unknown %v err %v", unknown, err)
	}
	got := tx.render(exampleValues())
	for _, f := range Fields() {
		if !strings.Contains(got, f.Example) {
			t.Errorf("rendered %q lacks %s's example", got, f.Name)
		}
	}
}

func TestHTMLEscapesEveryValue(t *testing.T) {
	v := newEnv(t, func(c *Config) { c.ShopName = "Fish & <Chips>"; c.Logo = tinyPNG(t, 640, 120) })
	v.setup(Rule{ID: "esc", Trigger: TriggerBooked, Channel: ChannelEmail, Template: "all", Recipients: []Recipient{{Kind: RecipientReceiver}}})
	v.order("A-<1>", receiver(`<script>alert(1)</script> Ørsted & Co`, "SE", "x@example.com", ""), "en")
	v.ship("A-<1>", "postnord")
	ms := v.messages()
	if len(ms) != 1 {
		t.Fatalf("messages: %s", summary(ms))
	}
	o := outgoing(t, ms[0])
	h := o.HTML
	for _, bad := range []string{"<script>", "<Chips>", "A-<1>", "Ørsted & Co"} {
		if strings.Contains(h, bad) {
			t.Errorf("HTML contains unescaped %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "Fish &amp; &lt;Chips&gt;", "A-&lt;1&gt;", `src="cid:logo"`, `width="200"`,
		`href="https://tracking.postnord.com/se/?id=00370A%3C1%3ESE"`, "Track your parcel", `<p style="margin:0 0 16px 0;">`, "<br>"} {
		if !strings.Contains(h, good) {
			t.Errorf("HTML lacks %q:\n%s", good, h)
		}
	}
	// The plain text keeps the value as it is.
	if !strings.Contains(o.Text, "Hi <script>alert(1)</script>,") || !strings.Contains(o.Text, "from Fish & <Chips>.") {
		t.Errorf("text: %q", o.Text)
	}
	// The receiver's first word only.
	if !strings.HasPrefix(o.Subject, "[en] A-<1> registered") {
		t.Errorf("subject: %q", o.Subject)
	}
}

func TestParagraphs(t *testing.T) {
	got := paragraphs("one\ntwo  \n\n\n  \nthree\n")
	want := "<p style=\"margin:0 0 16px 0;\">one<br>\ntwo</p>\n<p style=\"margin:0 0 16px 0;\">three</p>\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestSMSSize(t *testing.T) {
	if n := utf8.RuneCountInString(gsmBasic); n != 127 {
		t.Fatalf("GSM-7 basic alphabet has %d characters, want 127 (128 less ESC)", n)
	}
	// The preview note and the GUI's SMS card count alike: a two-septet
	// character is never split between parts.
	if _, parts, _ := smsSize(strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152)); parts != 3 {
		t.Errorf("152 a + € + 152 a: %d parts, want 3", parts)
	}
	for _, c := range []struct {
		in    string
		chars int
		parts int
		uni   bool
	}{
		{"Hej Åsa, ditt paket är på väg", 29, 1, false},
		{strings.Repeat("a", 160), 160, 1, false},
		{strings.Repeat("a", 161), 161, 2, false},
		{strings.Repeat("a", 306), 306, 2, false},
		{strings.Repeat("a", 307), 307, 3, false},
		{"€{}", 6, 1, false},
		{"Hyvää päivää š", 14, 1, true},
		{strings.Repeat("š", 71), 71, 2, true},
	} {
		chars, parts, uni := smsSize(c.in)
		if chars != c.chars || parts != c.parts || uni != c.uni {
			t.Errorf("%q: %d chars %d parts unicode %v; want %d %d %v", c.in, chars, parts, uni, c.chars, c.parts, c.uni)
		}
	}
}

func TestFormatDayInEachLanguage(t *testing.T) {
	d := time.Date(2026, 11, 24, 17, 0, 0, 0, stockholm)
	want := map[string]string{
		"sv": "tisdag 24 november", "en": "Tuesday 24 November", "da": "tirsdag 24. november",
		"nb": "tirsdag 24. november", "fi": "tiistai 24. marraskuuta",
	}
	for l, w := range want {
		if got := formatDay(d, l, stockholm); got != w {
			t.Errorf("%s: %q, want %q", l, got, w)
		}
	}
	// The local date, not UTC's: 00:30 in Stockholm is the day before in UTC.
	if got := formatDay(time.Date(2026, 11, 25, 0, 30, 0, 0, stockholm).UTC(), "en", stockholm); got != "Wednesday 25 November" {
		t.Errorf("local date: %q", got)
	}
	if formatDay(time.Time{}, "sv", stockholm) != "" {
		t.Error("zero time should be empty")
	}
}

func TestReceiverLanguage(t *testing.T) {
	for _, c := range []struct{ lang, country, want string }{
		{"", "SE", "sv"}, {"", "DK", "da"}, {"", "NO", "nb"}, {"", "FI", "fi"}, {"", "AX", "sv"},
		{"", "DE", "en"}, {"", "", "en"}, {"en", "SE", "en"}, {"sv-SE", "FI", "sv"}, {"no", "SE", "nb"},
		{"de", "DK", "da"}, {"FI", "SE", "fi"},
	} {
		if got := receiverLanguage(c.lang, c.country); got != c.want {
			t.Errorf("(%q, %q) = %q, want %q", c.lang, c.country, got, c.want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, c := range []struct{ in, country, want string }{
		{"070-123 45 67", "SE", "+46701234567"},
		{"+46 70 123 45 67", "NO", "+46701234567"},
		{"0046701234567", "", "+46701234567"},
		{"46701234567", "SE", "+46701234567"},
		{"20 12 34 56", "DK", "+4520123456"},
		{"45123456", "DK", "+4545123456"},
		{"412 34 567", "NO", "+4741234567"},
		{"040 123 4567", "FI", "+358401234567"},
	} {
		got, ok := normalizePhone(c.in, c.country)
		if !ok || got != c.want {
			t.Errorf("(%q, %q) = %q %v, want %q", c.in, c.country, got, ok, c.want)
		}
	}
	for _, c := range []struct{ in, country string }{{"", "SE"}, {"0701234567", "ZZ"}, {"call me", "SE"}, {"123", "SE"}} {
		if got, ok := normalizePhone(c.in, c.country); ok {
			t.Errorf("(%q, %q) = %q, want refused", c.in, c.country, got)
		}
	}
}
