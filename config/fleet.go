package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"labelstation/internal/pgurl"
)

// FleetPasswordEnv is the environment variable of the site server's
// password (the secret fleet.postgres_password).
const FleetPasswordEnv = "LABELSTATION_FLEET_POSTGRES_PASSWORD"

// Defaults of the [fleet] table.
const (
	DefaultFleetPushEvery   = 5 * time.Second
	DefaultFleetPollerRetry = 15 * time.Second
)

// minFleetInterval keeps a typo ("5ms") from turning fifty benches into
// a load test of the site's server.
const minFleetInterval = 100 * time.Millisecond

// Fleet is the [fleet] table: the site's PostgreSQL, shared by the
// benches of one site. Fleet mode is off while PostgresURL is empty.
type Fleet struct {
	// PostgresURL is the server's libpq URL, without a password:
	// postgres://labelstation@db.site.example:5432/labelstation?sslmode=verify-full&sslrootcert=/etc/labelstation/site-ca.pem
	PostgresURL string `toml:"postgres_url,omitempty"`
	// Password is the secret fleet.postgres_password: keep it out of the
	// file (labelstation secret set fleet.postgres_password, or
	// LABELSTATION_FLEET_POSTGRES_PASSWORD). The key is named after the
	// secret, as every secret's is.
	Password string `toml:"postgres_password,omitempty"`
	// PushEvery is the pause between a bench's pushes and pulls (default 5s).
	PushEvery string `toml:"push_every,omitempty"`
	// PollerRetry is how often a bench that does not poll Track & Trace
	// for the site tries to take over (default 15s): how fast another
	// bench takes over when the poller dies.
	PollerRetry string `toml:"poller_retry,omitempty"`
	// TrackEvery is the site poller's pause between passes (default: the
	// tracking poller's own, 5 minutes).
	TrackEvery string `toml:"track_every,omitempty"`
}

// On reports whether fleet mode is on.
func (f Fleet) On() bool { return strings.TrimSpace(f.PostgresURL) != "" }

// PushEveryDuration is PushEvery parsed (Validate has checked it).
func (f Fleet) PushEveryDuration() time.Duration { return Duration(f.PushEvery, DefaultFleetPushEvery) }

// PollerRetryDuration is PollerRetry parsed (Validate has checked it).
func (f Fleet) PollerRetryDuration() time.Duration {
	return Duration(f.PollerRetry, DefaultFleetPollerRetry)
}

// TrackEveryDuration is TrackEvery parsed; 0 leaves the choice to the
// tracking poller.
func (f Fleet) TrackEveryDuration() time.Duration { return Duration(f.TrackEvery, 0) }

// sslModes are libpq's sslmode values.
var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// validate checks the [fleet] table; st is [station], whose name is the
// bench's id on the site.
func (f Fleet) validate(st Station) error {
	for _, kv := range [][2]string{{"fleet.push_every", f.PushEvery}, {"fleet.poller_retry", f.PollerRetry}, {"fleet.track_every", f.TrackEvery}} {
		if err := CheckFleetInterval(kv[0], kv[1]); err != nil {
			return err
		}
	}
	if !f.On() {
		return nil
	}
	if err := CheckPostgresURL(f.PostgresURL); err != nil {
		return err
	}
	if name := st.Name; name != "" {
		if strings.TrimSpace(name) != name || len(name) > 64 || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return fmt.Errorf("config station.name %q cannot name a bench on the site: use up to 64 printable characters without leading or trailing spaces, unique on the site (e.g. bench-3)", name)
		}
	}
	return nil
}

// CheckFleetInterval checks one of the [fleet] durations (key is its
// name in the file, e.g. "fleet.push_every", for the message): empty (the
// default) or a duration of at least 100 ms. The settings window asks the
// same question as Validate through it.
func CheckFleetInterval(key, value string) error {
	if value == "" {
		return nil
	}
	if d, err := time.ParseDuration(value); err != nil || d < minFleetInterval {
		return fmt.Errorf("config %s is %q: write a duration of at least %s, such as \"5s\"", key, value, minFleetInterval)
	}
	return nil
}

// CheckPostgresURL checks a non-empty [fleet] postgres_url: a
// postgres:// URL naming a server, without a password of any kind (the
// user's, password= or sslpassword= in the query: the password is the
// secret fleet.postgres_password), with a libpq sslmode if one is set.
// The message never repeats a password. Empty is an error here: fleet
// mode off is the caller's case (Fleet.On).
func CheckPostgresURL(raw string) error {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// The text is not repeated: a URL that does not parse may still
		// hold a password.
		return fmt.Errorf("config fleet.postgres_url is not a postgres:// URL: write it like postgres://labelstation@db.example:5432/labelstation?sslmode=verify-full")
	}
	if pgurl.HasPassword(u) {
		return fmt.Errorf("config fleet.postgres_url holds a password: take it out of the URL and store it with labelstation secret set fleet.postgres_password (or set %s)", FleetPasswordEnv)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("config fleet.postgres_url %s names no server: write postgres://USER@HOST:5432/DATABASE", pgurl.Redact(raw))
	}
	if m := u.Query().Get("sslmode"); m != "" && !slices.Contains(sslModes, m) {
		return fmt.Errorf("config fleet.postgres_url has sslmode=%s: use %s (verify-full checks the server's certificate and name)", m, strings.Join(sslModes, ", "))
	}
	return nil
}

// String prints f with its password and any password in its URL redacted.
func (f Fleet) String() string {
	type plain Fleet
	f.Password = redact(f.Password)
	if f.PostgresURL != "" {
		f.PostgresURL = pgurl.Redact(f.PostgresURL)
	}
	return fmt.Sprintf("%+v", plain(f))
}

func (f Fleet) GoString() string     { return "config.Fleet" + f.String() }
func (f Fleet) LogValue() slog.Value { return slog.StringValue(f.String()) }
