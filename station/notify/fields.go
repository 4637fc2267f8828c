package notify

import (
	"strings"
	"time"

	"labelstation/carrier"
)

// Field is one placeholder a template may use, written {name}.
type Field struct {
	Name string
	// Help says what it holds and when it is empty.
	Help string
	// Example is a value as a receiver might see it (in English).
	Example string
}

// The fields, in the order a person reads them. Every value describes
// the order and its parcel (also in a message to staff); a value that is
// not known for the message renders as nothing.
var fieldList = []Field{
	{"first_name", "The receiver's first name (the first word of the name).", "Åsa"},
	{"name", "The receiver's full name.", "Åsa Lindqvist-Ørsted"},
	{"shop", "The shop's name.", "Nordic Outdoor"},
	{"order_ref", "The shop's order reference.", "A-100234"},
	{"tracking_number", "The parcel's tracking number.", "00370712345678901234"},
	{"tracking_link", "The carrier's tracking page for the parcel (a link in HTML e-mail).", "https://tracking.postnord.com/se/?id=00370712345678901234"},
	{"carrier", "The carrier's name: PostNord, STG.", "PostNord"},
	{"service", "The carrier's service code of the shipment.", "19"},
	{"service_point", "The service point: its name where the carrier said it (at_service_point, service_point_days_left), else the order's service point id.", "Ica Nära Fältöversten, Stockholm"},
	{"eta", "The carrier's expected delivery day, in the receiver's language; known to the sweep's triggers (delay_risk, service_point_days_left) and previews, empty in others.", "Tuesday 24 November"},
	{"days_left", "Days left to collect the parcel at the service point, today included (at_service_point: the whole hold).", "2"},
	{"pickup_by", "The last day to collect the parcel at the service point, in the receiver's language.", "Sunday 29 November"},
	{"status", "The parcel's status in words, in the receiver's language.", "out for delivery"},
	{"event", "The carrier's description of its latest event (for event-driven triggers).", "The shipment item is out for delivery"},
	{"return_tracking_number", "The return parcel's tracking number (return_received).", "CC612199545SE"},
	{"return_reason", "Why the customer returned it, in the receiver's language (return_received).", "wrong size"},
}

// Fields returns every field a template may use.
func Fields() []Field { return append([]Field(nil), fieldList...) }

var fieldNames = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range fieldList {
		m[f.Name] = true
	}
	return m
}()

func fieldNameList() string {
	names := make([]string, len(fieldList))
	for i, f := range fieldList {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// exampleValues are the fields' examples, for checking a template's
// length with realistic values.
func exampleValues() map[string]string {
	m := map[string]string{}
	for _, f := range fieldList {
		m[f.Name] = f.Example
	}
	return m
}

// ---- languages ----

func knownLanguage(l string) bool {
	for _, k := range Languages {
		if l == k {
			return true
		}
	}
	return false
}

// normLanguage reads a language tag loosely: "sv-SE" → sv, "no"/"nn" →
// nb, "dk" → da, "se" → sv; "" when it is none of Languages.
func normLanguage(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	switch l {
	case "no", "nn", "nob":
		return "nb"
	case "dk", "dan":
		return "da"
	case "se", "swe":
		return "sv"
	case "fin":
		return "fi"
	case "eng":
		return "en"
	}
	if knownLanguage(l) {
		return l
	}
	return ""
}

// countryLanguage is the language of a receiver in that country.
var countryLanguage = map[string]string{"SE": "sv", "AX": "sv", "DK": "da", "FO": "da", "GL": "da", "NO": "nb", "SJ": "nb", "FI": "fi"}

// receiverLanguage is the receiver's language: the order's, else by the
// receiver's country, else en.
func receiverLanguage(orderLang, country string) string {
	if l := normLanguage(orderLang); l != "" {
		return l
	}
	if l, ok := countryLanguage[strings.ToUpper(strings.TrimSpace(country))]; ok {
		return l
	}
	return "en"
}

// ---- words in each language ----

var weekdays = map[string][7]string{
	"en": {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	"sv": {"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"},
	"da": {"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
	"nb": {"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
	"fi": {"sunnuntai", "maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai"},
}

var months = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"sv": {"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
	"da": {"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"},
	"nb": {"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
	// Finnish dates take the month in the partitive: 24. marraskuuta.
	"fi": {"tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta", "heinäkuuta", "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta"},
}

// formatDay writes t's local date in the language: "tisdag 24 november",
// "tirsdag 24. november", "tiistai 24. marraskuuta", "Tuesday 24
// November". The zero time is "".
func formatDay(t time.Time, lang string, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	if _, ok := weekdays[lang]; !ok {
		lang = "en"
	}
	wd, mo := weekdays[lang][t.Weekday()], months[lang][t.Month()-1]
	switch lang {
	case "da", "nb", "fi":
		return wd + " " + itoa(t.Day()) + ". " + mo
	}
	return wd + " " + itoa(t.Day()) + " " + mo
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// statusWords: a parcel's status as a receiver reads it, after "Status:"
// or "Your parcel is …".
var statusWords = map[carrier.Status]map[string]string{
	carrier.StatusCreated:         {"en": "registered", "sv": "registrerad", "da": "registreret", "nb": "registrert", "fi": "rekisteröity"},
	carrier.StatusHandedOver:      {"en": "handed over to the carrier", "sv": "inlämnad till transportören", "da": "indleveret til fragtfirmaet", "nb": "levert til transportøren", "fi": "jätetty kuljetukseen"},
	carrier.StatusInTransit:       {"en": "on its way", "sv": "på väg", "da": "undervejs", "nb": "på vei", "fi": "matkalla"},
	carrier.StatusAwaitingCustoms: {"en": "in customs", "sv": "i tullen", "da": "i tolden", "nb": "i tollen", "fi": "tullissa"},
	carrier.StatusAtServicePoint:  {"en": "ready for pickup", "sv": "klar att hämta", "da": "klar til afhentning", "nb": "klar til henting", "fi": "noudettavissa"},
	carrier.StatusOutForDelivery:  {"en": "out for delivery", "sv": "ute för leverans", "da": "ude til levering", "nb": "ute for levering", "fi": "jakelussa"},
	carrier.StatusDelivered:       {"en": "delivered", "sv": "levererad", "da": "leveret", "nb": "levert", "fi": "toimitettu"},
	carrier.StatusException:       {"en": "held up", "sv": "stoppad", "da": "stoppet", "nb": "stoppet", "fi": "pysäytetty"},
	carrier.StatusReturned:        {"en": "returned to the sender", "sv": "på väg tillbaka till avsändaren", "da": "sendt retur til afsenderen", "nb": "sendt i retur til avsenderen", "fi": "palautettu lähettäjälle"},
	carrier.StatusLost:            {"en": "lost", "sv": "försvunnen", "da": "bortkommet", "nb": "kommet bort", "fi": "kadonnut"},
	carrier.StatusUnknown:         {"en": "unknown", "sv": "okänd", "da": "ukendt", "nb": "ukjent", "fi": "tuntematon"},
}

func statusText(s carrier.Status, lang string) string {
	if s == "" {
		return ""
	}
	if w, ok := statusWords[s]; ok {
		if v, ok := w[lang]; ok {
			return v
		}
		return w["en"]
	}
	return strings.ReplaceAll(string(s), "_", " ")
}

// reasonWords: the return reasons of station.ReturnReasons in words.
var reasonWords = map[string]map[string]string{
	"wrong_size":       {"en": "wrong size", "sv": "fel storlek", "da": "forkert størrelse", "nb": "feil størrelse", "fi": "väärä koko"},
	"damaged":          {"en": "damaged", "sv": "skadad", "da": "beskadiget", "nb": "skadet", "fi": "vahingoittunut"},
	"wrong_item":       {"en": "wrong item", "sv": "fel vara", "da": "forkert vare", "nb": "feil vare", "fi": "väärä tuote"},
	"not_as_described": {"en": "not as described", "sv": "inte som beskrivet", "da": "ikke som beskrevet", "nb": "ikke som beskrevet", "fi": "ei vastannut kuvausta"},
	"changed_mind":     {"en": "changed mind", "sv": "ångrat köp", "da": "fortrudt køb", "nb": "angret kjøp", "fi": "peruttu ostos"},
	"not_collected":    {"en": "not collected", "sv": "inte uthämtad", "da": "ikke afhentet", "nb": "ikke hentet", "fi": "noutamatta"},
	"other":            {"en": "other", "sv": "annat", "da": "andet", "nb": "annet", "fi": "muu"},
}

func reasonText(reason, lang string) string {
	if w, ok := reasonWords[strings.ToLower(strings.TrimSpace(reason))]; ok {
		if v, ok := w[lang]; ok {
			return v
		}
		return w["en"]
	}
	return reason
}

// trackButton is the HTML e-mail's tracking button.
var trackButton = map[string]string{"en": "Track your parcel", "sv": "Spåra ditt paket", "da": "Følg din pakke", "nb": "Spor pakken din", "fi": "Seuraa pakettiasi"}

// carrierNames are the carriers' names as receivers know them.
var carrierNames = map[string]string{"postnord": "PostNord", "stg": "STG"}

func carrierDisplay(name string) string {
	if d, ok := carrierNames[strings.ToLower(name)]; ok {
		return d
	}
	return name
}

// firstName is the first word of a name ("Åsa Lindqvist" → "Åsa").
func firstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
