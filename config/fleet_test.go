package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const fleetTOML = `
[postnord]
url = "https://atapi2.postnord.com"
apikey = "pn-key"

[consignor]
name = "Fjällbutiken AB"
postcode = "83131"
city = "Östersund"
country = "SE"
customer_number = "12345678"

[station]
name = "bench-3"

[fleet]
postgres_url = "postgres://labelstation@db.site.example:5432/labelstation?sslmode=verify-full&sslrootcert=/etc/labelstation/site-ca.pem"
push_every = "2s"
poller_retry = "20s"
track_every = "10m"
`

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFleetTable(t *testing.T) {
	clearSecretEnv(t)
	c, err := Read(writeConfig(t, fleetTOML), true)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Fleet.On() {
		t.Fatal("fleet mode is off with postgres_url set")
	}
	if got := [3]time.Duration{c.Fleet.PushEveryDuration(), c.Fleet.PollerRetryDuration(), c.Fleet.TrackEveryDuration()}; got != [3]time.Duration{2 * time.Second, 20 * time.Second, 10 * time.Minute} {
		t.Fatalf("durations %v", got)
	}
	// The password is a secret: asked of the store only in fleet mode.
	fs := &fakeStore{values: map[string]string{"fleet.postgres_password": "pg-pass-from-store"}}
	if err := c.FillSecrets(fs.get); err != nil {
		t.Fatal(err)
	}
	if c.Fleet.Password != "pg-pass-from-store" || !slices.Contains(fs.asked, "fleet.postgres_password") {
		t.Fatalf("password %q, asked %v", c.Fleet.Password, fs.asked)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}

	off := Default()
	if off.Fleet.On() || off.Fleet.PushEveryDuration() != DefaultFleetPushEvery || off.Fleet.PollerRetryDuration() != DefaultFleetPollerRetry || off.Fleet.TrackEveryDuration() != 0 {
		t.Fatalf("defaults: on %v, %v %v %v", off.Fleet.On(), off.Fleet.PushEveryDuration(), off.Fleet.PollerRetryDuration(), off.Fleet.TrackEveryDuration())
	}
	fs = &fakeStore{values: map[string]string{"fleet.postgres_password": "x"}}
	if err := off.FillSecrets(fs.get); err != nil || slices.Contains(fs.asked, "fleet.postgres_password") {
		t.Fatalf("fleet off: asked %v (%v)", fs.asked, err)
	}
}

// The environment wins over the store, as for every secret.
func TestFleetPasswordFromEnvironment(t *testing.T) {
	clearSecretEnv(t)
	t.Setenv(FleetPasswordEnv, "pg-pass-from-env")
	c, err := Read(writeConfig(t, fleetTOML), true)
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeStore{values: map[string]string{"fleet.postgres_password": "pg-pass-from-store"}}
	if err := c.FillSecrets(fs.get); err != nil {
		t.Fatal(err)
	}
	if c.Fleet.Password != "pg-pass-from-env" || slices.Contains(fs.asked, "fleet.postgres_password") {
		t.Fatalf("password %q, asked %v", c.Fleet.Password, fs.asked)
	}
	if !validSecretName("fleet.postgres_password") {
		t.Fatal("fleet.postgres_password is not a secret's name")
	}
}

func TestFleetValidate(t *testing.T) {
	clearSecretEnv(t)
	base, err := Read(writeConfig(t, fleetTOML), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(c *Config)
		want   string
		leak   string // must not be in the message
	}{
		{"password in the URL", func(c *Config) { c.Fleet.PostgresURL = "postgres://labelstation:Hunter2Secret@db.example/ls" },
			"labelstation secret set fleet.postgres_password", "Hunter2Secret"},
		{"password in the query", func(c *Config) {
			c.Fleet.PostgresURL = "postgresql://labelstation@db.example/ls?sslmode=require&password=Hunter2Secret"
		}, "labelstation secret set fleet.postgres_password", "Hunter2Secret"},
		{"sslpassword in the query", func(c *Config) {
			c.Fleet.PostgresURL = "postgres://labelstation@db.example/ls?sslmode=verify-full&sslpassword=Hunter2Secret"
		}, "labelstation secret set fleet.postgres_password", "Hunter2Secret"},
		{"not postgres", func(c *Config) { c.Fleet.PostgresURL = "mysql://root:Hunter2Secret@db.example/ls" }, "is not a postgres:// URL", "Hunter2Secret"},
		{"key=value", func(c *Config) { c.Fleet.PostgresURL = "host=db.example password=Hunter2Secret" }, "is not a postgres:// URL", "Hunter2Secret"},
		{"no host", func(c *Config) { c.Fleet.PostgresURL = "postgres:///labelstation" }, "names no server", ""},
		{"sslmode", func(c *Config) { c.Fleet.PostgresURL = "postgres://ls@db.example/ls?sslmode=verify" }, "sslmode=verify: use disable", ""},
		{"push_every", func(c *Config) { c.Fleet.PushEvery = "5ms" }, `fleet.push_every is "5ms"`, ""},
		{"poller_retry", func(c *Config) { c.Fleet.PollerRetry = "soon" }, `fleet.poller_retry is "soon"`, ""},
		{"track_every", func(c *Config) { c.Fleet.TrackEvery = "-1m" }, `fleet.track_every is "-1m"`, ""},
		{"station name", func(c *Config) { c.Station.Name = " bench 3" }, "unique on the site", ""},
	} {
		c := base
		tc.change(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
			continue
		}
		if tc.leak != "" && strings.Contains(err.Error(), tc.leak) {
			t.Errorf("%s: the message shows the password: %v", tc.name, err)
		}
	}
	// The host name stands in for an unset station name.
	c := base
	c.Station.Name = ""
	if err := c.Validate(); err != nil {
		t.Errorf("no station name: %v", err)
	}
	// Fleet mode off: only the durations are checked.
	c = Default()
	c.Fleet.PollerRetry = "1s"
	if err := c.Validate(); err != nil {
		t.Errorf("fleet off: %v", err)
	}
}

// The settings window repeats Validate's checks through the exported
// ones: the same answers, the same messages.
func TestCheckPostgresURLAndInterval(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"postgres://labelstation@db.example:5432/ls?sslmode=verify-full", ""},
		{" postgresql://ls@db.example/ls ", ""},
		{"", "is not a postgres:// URL"},
		{"db.example", "is not a postgres:// URL"},
		{"postgres://ls:Hunter2Secret@db.example/ls", "holds a password"},
		{"postgres://ls@db.example/ls?sslpassword=Hunter2Secret", "holds a password"},
		{"postgres://ls@db.example/ls?password=Hunter2Secret", "holds a password"},
		{"postgres:///ls?sslcert=x", "names no server"},
		{"postgres://ls@db.example/ls?sslmode=on", "sslmode=on"},
	} {
		err := CheckPostgresURL(tc.url)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckPostgresURL(%q) = %v, want %q", tc.url, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "Hunter2Secret") {
			t.Errorf("CheckPostgresURL(%q) shows the password: %v", tc.url, err)
		}
	}
	for _, tc := range []struct {
		v  string
		ok bool
	}{{"", true}, {"5s", true}, {"100ms", true}, {"99ms", false}, {"-1m", false}, {"soon", false}} {
		err := CheckFleetInterval("fleet.push_every", tc.v)
		if (err == nil) != tc.ok {
			t.Errorf("CheckFleetInterval(%q) = %v, want ok %v", tc.v, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), `fleet.push_every is "`+tc.v+`"`) {
			t.Errorf("CheckFleetInterval(%q): message %v", tc.v, err)
		}
	}
}

// The password never reaches the file, a printed config or a log line;
// one written in the file is found for secret import-config.
func TestFleetPasswordStaysSecret(t *testing.T) {
	clearSecretEnv(t)
	const pass = "pg-Secret-4711"
	c, err := Read(writeConfig(t, fleetTOML), true)
	if err != nil {
		t.Fatal(err)
	}
	c.Fleet.Password = pass
	path := filepath.Join(t.TempDir(), "saved.toml")
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), pass) || !strings.Contains(string(data), "db.site.example") {
		t.Fatalf("saved file:\n%s", data)
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", c, "fleet", c.Fleet)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%v", c.Fleet), logged.String()} {
		if strings.Contains(s, pass) {
			t.Fatalf("the password is printed: %s", s)
		}
	}
	// A password written inside the URL is redacted in print too.
	c.Fleet.PostgresURL = "postgres://ls:" + pass + "@db.example/ls"
	if s := fmt.Sprint(c.Fleet); strings.Contains(s, pass) || !strings.Contains(s, "db.example") {
		t.Fatalf("URL password printed: %s", s)
	}
	c.Fleet.PostgresURL = "postgres://ls@db.example/ls?sslpassword=" + pass
	if s := fmt.Sprint(c.Fleet); strings.Contains(s, pass) || !strings.Contains(s, "db.example") {
		t.Fatalf("URL sslpassword printed: %s", s)
	}

	file := writeConfig(t, fleetTOML+"postgres_password = \""+pass+"\"\n")
	list, err := ReadPlainSecrets(file)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range list {
		if p.Name == "fleet.postgres_password" {
			found = true
			line := strings.Count(fleetTOML, "\n") + 1 // the line appended
			if p.Value != pass || p.Line != line || p.Fix() != fmt.Sprintf("delete postgres_password in [fleet] (line %d)", line) {
				t.Errorf("plain secret %+v, fix %q", p, p.Fix())
			}
		}
	}
	if !found {
		t.Fatalf("the password in the file is not found: %v", list)
	}
}
