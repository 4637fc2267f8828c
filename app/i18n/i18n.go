// Package i18n owns the languages of labelstation's screens: the message
// catalogues (translations/TOPIC.LANG.json, one file per screen topic and
// language) and the choice of language.
//
// The screens call Fyne's lang package (lang.L with the English text as the
// message id, lang.X with a stable id) and this package loads the
// catalogues into it. Every catalogue exists in English, Swedish, Danish,
// Norwegian Bokmål and Finnish; the tests fail when a string a screen uses
// is missing from any of them.
//
// Fyne's lang picks the language from the operating system's locale and has
// no way to choose another. Use makes a choice from the settings stick by
// loading the chosen catalogue under the locale tags Fyne matches for this
// computer, so lang.L answers in the chosen language whatever the OS says.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"github.com/jeandeaual/go-locale"
	"golang.org/x/text/language"
)

//go:embed translations/*.json
var catalogues embed.FS

// Language is one language the screens speak.
type Language struct {
	Code string // en, sv, da, nb, fi
	Name string // the language's name in itself
}

// Languages are the station's languages, English first (the fallback).
var Languages = []Language{
	{"en", "English"},
	{"sv", "Svenska"},
	{"da", "Dansk"},
	{"nb", "Norsk bokmål"},
	{"fi", "Suomi"},
}

var (
	mu      sync.Mutex
	current = "en"
)

// Current is the code of the language in use.
func Current() string {
	mu.Lock()
	defer mu.Unlock()
	return current
}

// Use switches the screens to language code ("", "auto": the computer's
// locale, else English) and returns the code now in use. Widgets made
// before the call keep their text; the station applies the setting at
// start.
func Use(code string) (string, error) {
	code = strings.TrimSpace(strings.ToLower(code))
	locales := systemLocales() // read once: the choice and the tags below
	if code == "" || code == "auto" {
		code = detect(locales)
	}
	if !known(code) {
		return Current(), fmt.Errorf("language %q is not one the station speaks: use auto, %s", code, strings.Join(Codes(), ", "))
	}
	mu.Lock()
	defer mu.Unlock()
	msgs, err := Catalogue(code)
	if err != nil {
		return current, err
	}
	data, err := json.Marshal(msgs)
	if err != nil {
		return current, err
	}
	// Fyne's localizer follows the OS locales, and falls back to "en"
	// when it cannot read them or has nothing close. The chosen catalogue
	// is loaded under exactly those tags, so whichever one Fyne matches
	// (an exact tag beats Fyne's own base catalogues) answers in the
	// chosen language.
	tags := append(locales, "en")
	seen := map[string]bool{}
	for _, t := range tags {
		if seen[t] {
			continue
		}
		seen[t] = true
		if err := lang.AddTranslationsForLocale(data, fyne.Locale(t)); err != nil {
			return current, fmt.Errorf("load %s catalogue as %s: %w", code, t, err)
		}
	}
	current = code
	return code, nil
}

// Detect is the station language closest to the computer's locale, or
// English.
func Detect() string { return detect(systemLocales()) }

// detect is the station language closest to the locales, or English.
func detect(locales []string) string {
	var tags []language.Tag
	for _, l := range locales {
		if t, err := language.Parse(l); err == nil {
			tags = append(tags, t)
		}
	}
	if len(tags) == 0 {
		return "en"
	}
	var supported []language.Tag
	for _, l := range Languages {
		supported = append(supported, language.Make(l.Code))
	}
	_, i, conf := language.NewMatcher(supported).Match(tags...)
	if conf == language.No {
		return "en"
	}
	return Languages[i].Code
}

// systemLocales are the OS's locales as BCP 47 tags ("sv-SE"), empty
// when it has none (LANG=C).
func systemLocales() []string {
	all, err := locale.GetLocales()
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range all {
		l = strings.ReplaceAll(l, "_", "-")
		if l != "" && l != "C" && l != "POSIX" {
			out = append(out, l)
		}
	}
	return out
}

// Codes are the language codes, English first.
func Codes() []string {
	out := make([]string, len(Languages))
	for i, l := range Languages {
		out[i] = l.Code
	}
	return out
}

func known(code string) bool {
	for _, l := range Languages {
		if l.Code == code {
			return true
		}
	}
	return false
}

// Catalogue is every message of one language: all topic files merged,
// id → text.
func Catalogue(code string) (map[string]string, error) {
	files, err := Files(code)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, name := range files {
		msgs, err := readFile(name)
		if err != nil {
			return nil, err
		}
		for id, text := range msgs {
			out[id] = text
		}
	}
	return out, nil
}

// Files are the catalogue files of one language, sorted.
func Files(code string) ([]string, error) {
	entries, err := fs.ReadDir(catalogues, "translations")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), "."+code+".json") {
			out = append(out, path.Join("translations", e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// Topics are the catalogue topics (the TOPIC of TOPIC.LANG.json).
func Topics() ([]string, error) {
	files, err := Files("en")
	if err != nil {
		return nil, err
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = strings.TrimSuffix(path.Base(f), ".en.json")
	}
	return out, nil
}

// readFile reads one catalogue file: a flat JSON object of id → text.
func readFile(name string) (map[string]string, error) {
	b, err := catalogues.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var msgs map[string]string
	if err := json.Unmarshal(b, &msgs); err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", name, err)
	}
	return msgs, nil
}
