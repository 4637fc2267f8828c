package fleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"labelstation/internal/pgtest"
	"labelstation/store"
)

// coreSite opens a Site on url as station and closes it with the test.
func coreSite(t testing.TB, url, station string) *Site {
	t.Helper()
	s, err := Open(Config{URL: url, Station: station, LeaderRetry: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("open %s: %v", station, err)
	}
	t.Cleanup(s.Close)
	return s
}

// migratedSite is coreSite on a fresh database with the schema applied.
func migratedSite(t testing.TB, station string) (*Site, string) {
	t.Helper()
	url := pgtest.Database(t)
	s := coreSite(t, url, station)
	if err := s.Migrate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	return s, url
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRedactURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://ls:s3cret@db.site:5432/ls?sslmode=verify-full", "postgres://ls:xxxxx@db.site:5432/ls?sslmode=verify-full"},
		{"postgresql://ls@db.site/ls", "postgresql://ls@db.site/ls"},
		{"postgres://ls@db.site/ls?password=s3cret&sslmode=require", "postgres://ls@db.site/ls?password=xxxxx&sslmode=require"},
		{"host=db.site user=ls password=s3cret dbname=ls", "host=db.site user=ls password=xxxxx dbname=ls"},
		{"host=db.site password='s3 cret' dbname=ls", "host=db.site password=xxxxx dbname=ls"},
		{"postgres://ls:s3cret@db.site:bad port/ls", "postgres://ls:xxxxx@db.site:bad port/ls"},
	}
	for _, c := range cases {
		if got := RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.Contains(RedactURL(c.in), "s3") {
			t.Errorf("RedactURL(%q) leaks the password", c.in)
		}
	}
}

func TestOpenValidates(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Station: "b1"}, "fleet.postgres_url"},
		{Config{URL: "postgres://ls:s3cret@db/ls"}, "station.name"},
		{Config{URL: "postgres://ls:s3cret@db:notaport/ls", Station: "b1"}, "fleet open"},
		{Config{URL: "host=db password=s3cret sslmode=bogus", Station: "b1"}, "fleet open"},
	} {
		_, err := Open(c.cfg)
		if err == nil {
			t.Errorf("Open(%+v) = nil error", c.cfg)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q): %v, want it to mention %q", RedactURL(c.cfg.URL), err, c.want)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open's error leaks the password: %v", err)
		}
	}
}

// TestOpenDoesNotConnect: a bench starts while the server is down; the
// first query fails as Unreachable, naming the server without password.
func TestOpenDoesNotConnect(t *testing.T) {
	start := time.Now()
	s, err := Open(Config{URL: "postgres://ls@127.0.0.1:1/ls?sslmode=disable", Password: "s3cret", Station: "b1", ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Open took %v: it must not connect", d)
	}
	err = s.Ping(context.Background())
	if err == nil {
		t.Fatal("ping of a closed port succeeded")
	}
	if !Unreachable(err) {
		t.Errorf("Unreachable(%v) = false", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("the error does not name the server: %v", err)
	}
}

// TestOpenAppliesPasswordAndName: Password replaces the URL's, and the
// server sees the bench's application_name.
func TestOpenAppliesPasswordAndName(t *testing.T) {
	url := pgtest.Database(t)
	// The URL's own password loses to Config.Password (the test server
	// trusts the role, so either connects: the configs are what is checked).
	withWrong := strings.Replace(url, "://"+pgtest.Role+"@", "://"+pgtest.Role+":wrong@", 1)
	if withWrong == url {
		t.Fatalf("cannot put a password in %s", url)
	}
	s, err := Open(Config{URL: withWrong, Password: "from-keyring", Station: "bench 3"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.pool.Config().ConnConfig.Password; got != "from-keyring" {
		t.Errorf("the pool's password = %q, want Config.Password", got)
	}
	if s.connCfg.Password != "from-keyring" {
		t.Errorf("the leader connection's password = %q, want Config.Password", s.connCfg.Password)
	}
	if strings.Contains(s.Server(), "wrong") {
		t.Errorf("Server() leaks the URL's password: %s", s.Server())
	}
	plain, err := Open(Config{URL: withWrong, Station: "bench 4"})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if got := plain.pool.Config().ConnConfig.Password; got != "wrong" {
		t.Errorf("without Config.Password the URL's is used; got %q", got)
	}
	var name string
	if err := s.pool.QueryRow(testCtx(t), "SELECT current_setting('application_name')").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "labelstation bench 3" {
		t.Errorf("application_name = %q", name)
	}
}

func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	url := pgtest.Database(t)
	var logs bytes.Buffer
	var logMu sync.Mutex
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		s, err := Open(Config{URL: url, Station: "b" + string(rune('0'+i)), Logger: slog.New(slog.NewTextHandler(lockedWriter{&logs, &logMu}, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("bench %d: %v", i, err)
		}
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	s := coreSite(t, url, "check")
	rows, err := s.pool.Query(ctx, "SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var v, c int
		if err := rows.Scan(&v, &c); err != nil {
			t.Fatal(err)
		}
		if c != 1 || v != ms[n].version {
			t.Errorf("schema_migrations row %d: version %d ×%d, want %d ×1", n, v, c, ms[n].version)
		}
		n++
	}
	if n != len(ms) {
		t.Errorf("%d migrations recorded, want %d", n, len(ms))
	}
	if got := strings.Count(logs.String(), "schema migration applied"); got != len(ms) {
		t.Errorf("%d applied-logs, want %d:\n%s", got, len(ms), logs.String())
	}
	// The tables are there.
	var tables int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('claims','shipments','poller_lease','inbox')").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 4 {
		t.Errorf("%d of 4 tables made", tables)
	}
}

// TestMigrateNewerServer: a server migrated by a newer bench is fine and
// logged; Migrate again changes nothing.
func TestMigrateNewerServer(t *testing.T) {
	t.Parallel()
	s, url := migratedSite(t, "b1")
	ctx := testCtx(t)
	if _, err := s.pool.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')"); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	old, err := Open(Config{URL: url, Station: "b2", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := old.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "newer") || strings.Contains(logs.String(), "applied") {
		t.Errorf("log: %s", logs.String())
	}
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if ms, _ := migrations(); n != len(ms)+1 {
		t.Errorf("%d rows in schema_migrations", n)
	}
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// listenSilent accepts TCP connections and never answers (a server that
// hangs), until the test ends.
func listenSilent(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func TestUnreachable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("fleet claim A-1: something"), false},
		{fmt.Errorf("fleet push: %w", &pgconn.PgError{Code: "23505"}), false}, // a unique violation is the server answering
		{fmt.Errorf("fleet push: %w", &pgconn.PgError{Code: "57P01"}), true},  // admin shutdown
		{fmt.Errorf("fleet push: %w", &pgconn.PgError{Code: "08006"}), true},
		{fmt.Errorf("fleet claim: %w", context.DeadlineExceeded), true},
		{context.Canceled, false}, // the caller gave up; the server may be fine
		{fmt.Errorf("x: %w", syscall.ECONNREFUSED), true},
		{fmt.Errorf("x: %w", io.ErrUnexpectedEOF), true},
	} {
		if got := Unreachable(c.err); got != c.want {
			t.Errorf("Unreachable(%v) = %v", c.err, got)
		}
	}
}

// TestFirstContactMigrates: a bench whose first call is a claim or a push
// gets the schema, not a missing table.
func TestFirstContactMigrates(t *testing.T) {
	t.Parallel()
	url := pgtest.Database(t)
	a := coreSite(t, url, "b1")
	if c, err := a.Claim(testCtx(t), "A-1", t0); err != nil || c.Station != "b1" {
		t.Fatalf("first claim: %+v %v", c, err)
	}
	b := coreSite(t, url, "b2")
	if _, err := b.Push(testCtx(t), replicasOf(store.Replica{Kind: store.ReplicaShipment, Key: "B-1", Shipment: testShipment("B-1", "T")})); err != nil {
		t.Fatal(err)
	}
}

// TestCheckReadsOnly: Check reports a database's schema without creating
// anything on it (a settings window tests a URL someone only typed), and
// what a migrated one holds.
func TestCheckReadsOnly(t *testing.T) {
	t.Parallel()
	url := pgtest.Database(t)
	s := coreSite(t, url, "b1")
	ctx := testCtx(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	newest := ms[len(ms)-1].version
	st, err := s.Check(ctx)
	if err != nil || st != (SchemaState{Newest: newest}) {
		t.Fatalf("Check of an empty database: %+v, %v; want nothing applied, newest %d", st, err, newest)
	}
	if n := count(t, s, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); n != 0 {
		t.Errorf("Check created %d tables", n)
	}
	if s.migrated.Load() {
		t.Errorf("Check marked the schema applied")
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Check(ctx); err != nil || st != (SchemaState{Applied: newest, Newest: newest}) {
		t.Errorf("Check of a migrated database with no poller: %+v, %v", st, err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO poller_lease (station, since, beat) VALUES ('b7', $1, $2)`, t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'future')`, newest+1); err != nil {
		t.Fatal(err)
	}
	st, err = s.Check(ctx)
	if err != nil || st.Applied != newest+1 || st.Newest != newest || st.Poller.Station != "b7" || !st.Poller.Since.Equal(t0) || !st.Poller.Beat.Equal(t0.Add(time.Minute)) {
		t.Errorf("Check of a newer server with a poller: %+v, %v", st, err)
	}

	down, err := Open(Config{URL: "postgres://ls@127.0.0.1:1/ls?sslmode=disable", Password: "s3cret", Station: "b1"})
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	if _, err := down.Check(ctx); err == nil || !Unreachable(err) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Check of no server: %v", err)
	}
}
