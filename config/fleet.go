package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
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
	for key, v := range map[string]string{"fleet.push_every": f.PushEvery, "fleet.poller_retry": f.PollerRetry, "fleet.track_every": f.TrackEvery} {
		if v == "" {
			continue
		}
		if d, err := time.ParseDuration(v); err != nil || d < minFleetInterval {
			return fmt.Errorf("config %s is %q: write a duration of at least %s, such as \"5s\"", key, v, minFleetInterval)
		}
	}
	if !f.On() {
		return nil
	}
	raw := strings.TrimSpace(f.PostgresURL)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// The text is not repeated: a URL that does not parse may still
		// hold a password.
		return fmt.Errorf("config fleet.postgres_url is not a postgres:// URL: write it like postgres://labelstation@db.example:5432/labelstation?sslmode=verify-full")
	}
	_, userPassword := u.User.Password()
	if userPassword || u.Query().Has("password") {
		return fmt.Errorf("config fleet.postgres_url holds a password: take it out of the URL and store it with labelstation secret set fleet.postgres_password (or set %s)", FleetPasswordEnv)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("config fleet.postgres_url %s names no server: write postgres://USER@HOST:5432/DATABASE", redactURL(raw))
	}
	if m := u.Query().Get("sslmode"); m != "" && !slices.Contains(sslModes, m) {
		return fmt.Errorf("config fleet.postgres_url has sslmode=%s: use %s (verify-full checks the server's certificate and name)", m, strings.Join(sslModes, ", "))
	}
	if name := st.Name; name != "" {
		if strings.TrimSpace(name) != name || len(name) > 64 || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return fmt.Errorf("config station.name %q cannot name a bench on the site: use up to 64 printable characters without leading or trailing spaces, unique on the site (e.g. bench-3)", name)
		}
	}
	return nil
}

// redactURL is u with a password (in the user part or the query)
// replaced, for messages; the fleet package's RedactURL is the full one.
func redactURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return "(a URL that does not parse)"
	}
	if _, has := pu.User.Password(); has {
		pu.User = url.UserPassword(pu.User.Username(), redacted)
	}
	if q := pu.Query(); q.Has("password") {
		q.Set("password", redacted)
		pu.RawQuery = q.Encode()
	}
	return pu.String()
}

// String prints f with its password and any password in its URL redacted.
func (f Fleet) String() string {
	type plain Fleet
	f.Password = redact(f.Password)
	if f.PostgresURL != "" {
		f.PostgresURL = redactURL(f.PostgresURL)
	}
	return fmt.Sprintf("%+v", plain(f))
}

func (f Fleet) GoString() string     { return "config.Fleet" + f.String() }
func (f Fleet) LogValue() slog.Value { return slog.StringValue(f.String()) }
