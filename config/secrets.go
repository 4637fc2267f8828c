package config

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// The config side of the secrets: which settings are secrets, filling them
// from the secrets store (package secrets) when neither the file nor the
// environment gives them, finding the ones still written in the file, and
// keeping them out of anything printed.
//
// A secret's name is its config key: postnord.apikey, …,
// orders.http.headers.NAME. Precedence, highest first: a command-line
// flag, the environment variable, the config file, the secrets store.

// Secrets is the [secrets] table: where the station keeps its secrets.
// Config embeds it as Secrets Secrets `toml:"secrets"`.
type Secrets struct {
	// Backend is "" (automatic: the OS keyring when the session has one,
	// else an encrypted file when a passphrase is given, else a plain file
	// with a warning), "keyring", "file" or "plain".
	// LABELSTATION_SECRETS_BACKEND wins.
	Backend string `toml:"backend,omitempty"`
	// KeyringService is the OS keyring's service name (default
	// "labelstation"): two stations on one PC with different accounts
	// each set their own.
	KeyringService string `toml:"keyring_service,omitempty"`
}

// Validate checks the backend's name.
func (s Secrets) Validate() error {
	if b := strings.ToLower(strings.TrimSpace(s.Backend)); !slices.Contains([]string{"", "keyring", "file", "plain"}, b) {
		return fmt.Errorf("config secrets.backend is %q: use keyring, file or plain, or leave it out to choose automatically", s.Backend)
	}
	return nil
}

// ReadSecretsSettings reads only data_dir and the [secrets] table of the
// config file at path (an absent file gives neither), without checking
// the rest: the secret command must work on a config that is not valid
// yet because its secrets are missing.
func ReadSecretsSettings(path string) (dataDir string, s Secrets, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", s, nil
	}
	if err != nil {
		return "", s, fmt.Errorf("read config: %w", err)
	}
	var part struct {
		DataDir string  `toml:"data_dir"`
		Secrets Secrets `toml:"secrets"`
	}
	if err := toml.Unmarshal(data, &part); err != nil {
		return "", s, fmt.Errorf("config %s cannot be read as TOML; fix it first", path)
	}
	return part.DataDir, part.Secrets, part.Secrets.Validate()
}

// secretRefPrefix starts ${secret:NAME} in a header value.
const secretRefPrefix = "secret:"

// SecretEnv maps the secrets with an environment variable to it.
var SecretEnv = map[string]string{
	"postnord.apikey":         "LABELSTATION_POSTNORD_APIKEY",
	"postnord.client_secret":  "LABELSTATION_POSTNORD_CLIENT_SECRET",
	"stg.client_secret":       "LABELSTATION_STG_CLIENT_SECRET",
	"wms.webhooks.secret":     "LABELSTATION_WMS_WEBHOOK_SECRET",
	"notify.email.password":   "LABELSTATION_SMTP_PASSWORD",
	"notify.sms.password":     "LABELSTATION_SMS_PASSWORD",
	"fleet.postgres_password": FleetPasswordEnv,
}

// HeaderSecretPrefix starts the names of [orders.http.headers] values.
const HeaderSecretPrefix = "orders.http.headers."

// secretField is one secret setting of c.
type secretField struct {
	name string
	v    *string
	// used: the station reads it with this config. Others are not asked
	// for, so a locked store is not unlocked, nor a keyring asked, for
	// nothing.
	used bool
	// unset: the value counts as not given (empty, or the demo key).
	unset bool
}

func (c *Config) secretFields() []secretField {
	pn := c.PostNord
	return []secretField{
		{"postnord.apikey", &c.PostNord.APIKey, !c.Demo(), pn.APIKey == "" || pn.APIKey == DemoAPIKey},
		{"postnord.client_secret", &c.PostNord.ClientSecret, pn.ClientID != "", pn.ClientSecret == ""},
		{"stg.client_secret", &c.STG.ClientSecret, c.STG.URL != "" && !c.STGSandbox(), c.STG.ClientSecret == ""},
		{"wms.webhooks.secret", &c.WMS.Webhooks.Secret, c.WMS.Webhooks.URL != "", c.WMS.Webhooks.Secret == ""},
		{"notify.email.password", &c.Notify.Email.Password, c.Notify.Email.Username != "", c.Notify.Email.Password == ""},
		{"notify.sms.password", &c.Notify.SMS.Password, c.Notify.SMS.Provider != "", c.Notify.SMS.Password == ""},
		{"fleet.postgres_password", &c.Fleet.Password, c.Fleet.On(), c.Fleet.Password == ""},
	}
}

// FillSecrets fills, from get (the secrets store's Get), the secrets the
// station will use with this config that neither the file nor the
// environment gave (so the environment still wins, and a service keeps
// working). A secret the config does not use (a client secret without a
// client id, …) is not asked for. A missing one is left empty for
// Validate to name. It also checks that the store holds every secret
// [orders.http.headers] refers to, so a missing one stops the start, not
// the first scan; the header values themselves are OrderHeaders's.
// Errors name secrets, never values.
func (c *Config) FillSecrets(get func(name string) (string, bool, error)) error {
	for _, f := range c.secretFields() {
		if !f.used || !f.unset {
			continue
		}
		v, ok, err := get(f.name)
		if err != nil {
			return fmt.Errorf("secret %s: %w", f.name, err)
		}
		if ok && v != "" {
			*f.v = v
		}
	}
	if c.Orders.Source == OrderSourceHTTP {
		if _, err := c.OrderHeaders(get); err != nil {
			return err
		}
	}
	return nil
}

// OrderHeaders are the WMS order lookup's headers as they are sent:
// [orders.http.headers] with ${NAME} replaced by the environment variable
// and ${secret:NAME} by the stored secret, in one pass (a value that came
// from either is never expanded again), and a header written as "" taking
// the stored orders.http.headers.HEADER whole. get may be nil when no
// secrets store is open: a reference to one is then an error. The config
// itself keeps the references, so saving it never writes a value.
func (c Config) OrderHeaders(get func(name string) (string, bool, error)) (map[string]string, error) {
	if get == nil {
		get = func(string) (string, bool, error) {
			return "", false, errors.New("no secrets store is open")
		}
	}
	out := map[string]string{}
	for _, k := range sortedKeys(c.Orders.HTTP.Headers) {
		v, err := resolveHeader(k, c.Orders.HTTP.Headers[k], get)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func resolveHeader(k, v string, get func(string) (string, bool, error)) (string, error) {
	if v == "" {
		name := HeaderSecretPrefix + k
		s, ok, err := get(name)
		switch {
		case err != nil:
			return "", fmt.Errorf("secret %s: %w", name, err)
		case !ok:
			return "", fmt.Errorf("config orders.http.headers.%s is empty and the secrets store holds no %s: labelstation secret set %s", k, name, name)
		}
		return s, nil
	}
	var failure error
	out := os.Expand(v, func(ref string) string {
		if failure != nil {
			return ""
		}
		if name, ok := strings.CutPrefix(ref, secretRefPrefix); ok {
			s, found, err := get(name)
			switch {
			case err != nil:
				failure = fmt.Errorf("secret %s (in orders.http.headers.%s): %w", name, k, err)
			case !found:
				failure = fmt.Errorf("config orders.http.headers.%s uses ${secret:%s}, which the secrets store does not hold: labelstation secret set %s", k, name, name)
			}
			return s
		}
		s, found := os.LookupEnv(ref)
		if !found {
			failure = fmt.Errorf("config orders.http.headers.%s uses ${%s}, which is not set in the environment", k, ref)
		}
		return s
	})
	return out, failure
}

// validateHeaderRefs is Validate's check of [orders.http.headers]: each
// ${NAME} is set in the environment and each ${secret:NAME} names a
// secret. Whether the store holds it is FillSecrets's to say. It never
// looks at a value from the store or the environment.
func (c Config) validateHeaderRefs() error {
	for _, k := range sortedKeys(c.Orders.HTTP.Headers) {
		var bad error
		os.Expand(c.Orders.HTTP.Headers[k], func(ref string) string {
			if bad != nil {
				return ""
			}
			if name, ok := strings.CutPrefix(ref, secretRefPrefix); ok {
				if !validSecretName(name) {
					bad = fmt.Errorf("config orders.http.headers.%s uses ${secret:%s}, which is not a secret's name: write ${secret:%s%s}", k, name, HeaderSecretPrefix, k)
				}
			} else if _, found := os.LookupEnv(ref); !found {
				bad = fmt.Errorf("config orders.http.headers.%s uses ${%s}, which is not set in the environment", k, ref)
			}
			return ""
		})
		if bad != nil {
			return bad
		}
	}
	return nil
}

// headerToken is an HTTP header name.
var headerToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func validSecretName(name string) bool {
	if _, ok := SecretEnv[name]; ok {
		return true
	}
	h, ok := strings.CutPrefix(name, HeaderSecretPrefix)
	return ok && headerToken.MatchString(h)
}

// HeaderHoldsSecret reports whether a header value written in the file is
// a secret in plain text: anything but references (${WMS_TOKEN},
// ${secret:…}) and a short word before them ("Bearer ${WMS_TOKEN}"). It
// is the rule WithoutSecrets keeps header values by.
func HeaderHoldsSecret(v string) bool {
	rest := os.Expand(v, func(string) string { return "" })
	if rest == "" {
		return false
	}
	return len(rest) == len(v) || len(rest) > len("Bearer ")
}

// PlainSecret is a secret written in the config file.
type PlainSecret struct {
	Name  string
	Value string
	// Table and Key are where it stands ([postnord] apikey), Line its line
	// when a plain look finds it (0 if not).
	Table, Key string
	Line       int
}

// Fix says what to do with the file once the secret is in the store.
func (p PlainSecret) Fix() string {
	where := fmt.Sprintf("%s in [%s]", p.Key, p.Table)
	if p.Line > 0 {
		where = fmt.Sprintf("%s (line %d)", where, p.Line)
	}
	if p.Table == "orders.http.headers" {
		return fmt.Sprintf("write %s as %q", where, "${secret:"+p.Name+"}")
	}
	return "delete " + where
}

// String and GoString never show the value.
func (p PlainSecret) String() string   { return p.Name + " (" + p.Fix() + ")" }
func (p PlainSecret) GoString() string { return "config.PlainSecret{" + p.String() + "}" }

// ReadPlainSecrets returns the secrets written in plain text in the config
// file at path, in a fixed order: the settings the station would read
// from the file rather than from the secrets store. An absent file holds
// none. The demo key does not count.
func ReadPlainSecrets(path string) ([]PlainSecret, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var c Config
	if err := toml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("config %s cannot be read as TOML; fix it first", path)
	}
	var out []PlainSecret
	add := func(name, table, key, v string) {
		if v != "" {
			out = append(out, PlainSecret{Name: name, Value: v, Table: table, Key: key, Line: keyLine(data, table, key)})
		}
	}
	apikey := c.PostNord.APIKey
	if apikey == DemoAPIKey {
		apikey = ""
	}
	add("postnord.apikey", "postnord", "apikey", apikey)
	add("postnord.client_secret", "postnord", "client_secret", c.PostNord.ClientSecret)
	add("stg.client_secret", "stg", "client_secret", c.STG.ClientSecret)
	add("wms.webhooks.secret", "wms.webhooks", "secret", c.WMS.Webhooks.Secret)
	add("notify.email.password", "notify.email", "password", c.Notify.Email.Password)
	add("notify.sms.password", "notify.sms", "password", c.Notify.SMS.Password)
	add("fleet.postgres_password", "fleet", "postgres_password", c.Fleet.Password)
	for _, k := range sortedKeys(c.Orders.HTTP.Headers) {
		if v := c.Orders.HTTP.Headers[k]; HeaderHoldsSecret(v) && headerToken.MatchString(k) {
			add(HeaderSecretPrefix+k, "orders.http.headers", k, v)
		}
	}
	return out, nil
}

// PlainSecretsInFile names the secrets written in plain text in the config
// file at path, for the warning "move postnord.apikey out of the config:
// labelstation secret import-config". A file that cannot be read names
// none (Load reports it).
func (c Config) PlainSecretsInFile(path string) []string {
	list, err := ReadPlainSecrets(path)
	if err != nil {
		return nil
	}
	names := make([]string, len(list))
	for i, p := range list {
		names[i] = p.Name
	}
	return names
}

// keyLine finds the line of key in [table] by a plain look at the text
// (tables and key = value lines); 0 when it is written another way.
func keyLine(data []byte, table, key string) int {
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	current := ""
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			current = strings.Trim(strings.TrimSpace(strings.SplitN(line, "#", 2)[0]), "[] ")
			continue
		}
		k, _, ok := strings.Cut(line, "=")
		if ok && current == table && strings.Trim(strings.TrimSpace(k), `"'`) == key {
			return n
		}
	}
	return 0
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Redaction: a Config or one of its secret-holding tables printed with
// fmt (%v, %+v, %s, %#v), handed to log/slog, or given to panic shows
// REDACTED where a secret is.

const redacted = "REDACTED"

func redact(v string) string {
	if v == "" {
		return ""
	}
	return redacted
}

func redactHeaders(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		if HeaderHoldsSecret(v) {
			v = redacted
		}
		out[k] = v
	}
	return out
}

// String prints c with its secrets redacted (the tables below redact
// their own).
func (c Config) String() string {
	type plain Config
	return fmt.Sprintf("%+v", plain(c))
}

// GoString is %#v of c, redacted.
func (c Config) GoString() string {
	type plain Config
	return fmt.Sprintf("%#v", plain(c))
}

// LogValue keeps the secrets out of structured logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

func (p PostNord) String() string {
	type plain PostNord
	p.APIKey, p.ClientSecret = redact(p.APIKey), redact(p.ClientSecret)
	return fmt.Sprintf("%+v", plain(p))
}

func (p PostNord) GoString() string     { return "config.PostNord" + p.String() }
func (p PostNord) LogValue() slog.Value { return slog.StringValue(p.String()) }

func (s STG) String() string {
	type plain STG
	s.ClientSecret = redact(s.ClientSecret)
	return fmt.Sprintf("%+v", plain(s))
}

func (s STG) GoString() string     { return "config.STG" + s.String() }
func (s STG) LogValue() slog.Value { return slog.StringValue(s.String()) }

func (w Webhooks) String() string {
	type plain Webhooks
	w.Secret = redact(w.Secret)
	return fmt.Sprintf("%+v", plain(w))
}

func (w Webhooks) GoString() string     { return "config.Webhooks" + w.String() }
func (w Webhooks) LogValue() slog.Value { return slog.StringValue(w.String()) }

func (e NotifyEmail) String() string {
	type plain NotifyEmail
	e.Password = redact(e.Password)
	return fmt.Sprintf("%+v", plain(e))
}

func (e NotifyEmail) GoString() string     { return "config.NotifyEmail" + e.String() }
func (e NotifyEmail) LogValue() slog.Value { return slog.StringValue(e.String()) }

func (s NotifySMS) String() string {
	type plain NotifySMS
	s.Password = redact(s.Password)
	return fmt.Sprintf("%+v", plain(s))
}

func (s NotifySMS) GoString() string     { return "config.NotifySMS" + s.String() }
func (s NotifySMS) LogValue() slog.Value { return slog.StringValue(s.String()) }

func (h OrdersHTTP) String() string {
	type plain OrdersHTTP
	h.Headers = redactHeaders(h.Headers)
	return fmt.Sprintf("%+v", plain(h))
}

func (h OrdersHTTP) GoString() string     { return "config.OrdersHTTP" + h.String() }
func (h OrdersHTTP) LogValue() slog.Value { return slog.StringValue(h.String()) }
