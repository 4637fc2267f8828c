package fleet

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The schema ships with the binary: migrations/NNNN_name.sql, applied in
// file-name order, each once per server.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Advisory lock keys of the site (advisory locks are per database, so a
// site is one database). The values spell "lbls" and a purpose, and must
// never change: benches of different versions must agree on them.
const (
	migrateLockKey int64 = 0x6c626c73_00000001
	pollerLockKey  int64 = 0x6c626c73_00000002
)

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the embedded files, sorted by version. A file whose
// name does not start with a version number is a build mistake.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	seen := map[int]string{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".sql")
		num, label, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: the file name must start with a positive version number (0002_name.sql)", n)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s have the same version %d", other, n, v)
		}
		seen[v] = n
		body, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: label, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    int PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// Migrate applies the schema migrations shipped with the binary that the
// server has not seen yet, in order, each in its own transaction under a
// transaction-level advisory lock, re-checking under the lock what is
// applied: several benches starting at once apply each migration once,
// and the others wait for it rather than failing. Idempotent. A server
// whose schema is newer than this binary (a bench not yet updated) is
// fine, since migrations only add; it is logged.
func (s *Site) Migrate(ctx context.Context) error {
	if err := s.migrate(ctx); err != nil {
		return fmt.Errorf("fleet migrate %s: %w", s.server, err)
	}
	s.migrated.Store(true)
	return nil
}

func (s *Site) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	applied, err := s.appliedVersions(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.version] {
			continue // the common case: no lock taken when all is applied
		}
		done, err := s.applyMigration(ctx, m)
		if err != nil {
			return fmt.Errorf("%04d_%s: %w", m.version, m.name, err)
		}
		if done {
			s.log.Info("fleet: schema migration applied", "server", s.server, "version", m.version, "name", m.name, "station", s.cfg.Station)
		}
	}
	newest := ms[len(ms)-1].version
	for v := range applied {
		if v > newest {
			s.log.Warn("fleet: the server's schema is newer than this bench's; it keeps working with the columns it knows, update the bench",
				"server", s.server, "server_version", maxKey(applied), "bench_version", newest)
			break
		}
	}
	return nil
}

// appliedVersions reads schema_migrations without a lock; a table that
// does not exist yet means nothing is applied.
func (s *Site) appliedVersions(ctx context.Context) (map[int]bool, error) {
	applied := map[int]bool{}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		return applied, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		applied[v] = true
	}
	return applied, nil
}

// applyMigration applies m in one transaction under the migration lock,
// unless another bench applied it meanwhile (done is false then).
func (s *Site) applyMigration(ctx context.Context, m migration) (done bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey); err != nil {
			return err
		}
		// Under the lock, so two benches do not race on CREATE TABLE IF
		// NOT EXISTS (which can fail on the catalog's unique index).
		if _, err := tx.Exec(ctx, createSchemaMigrations); err != nil {
			return err
		}
		var already bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.version).Scan(&already); err != nil {
			return err
		}
		if already {
			return nil
		}
		// No arguments: pgx sends it with the simple protocol, which runs
		// a file of several statements.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return err
		}
		done = true
		return nil
	})
	return done, err
}

func maxKey(m map[int]bool) int {
	n := 0
	for k := range m {
		n = max(n, k)
	}
	return n
}

// SchemaState is what Check found on the server.
type SchemaState struct {
	// Applied is the newest migration version the server has applied
	// (0: none, the database has no schema_migrations table yet).
	Applied int
	// Newest is the newest migration this binary ships: Applied below it
	// means the first bench to connect applies the rest; above it, the
	// server was migrated by a newer bench (this one still works).
	Newest int
	// Poller is the bench polling Track & Trace for the site, as its
	// lease row says (zero when none ever did, or no schema yet).
	Poller Poller
}

// Check connects and reads the schema's state without changing anything:
// no migration and no table is created, and it runs in a READ ONLY
// transaction, so a settings window may test a database the person only
// typed in. Unlike Ping, which applies the schema on first contact.
func (s *Site) Check(ctx context.Context) (SchemaState, error) {
	ms, err := migrations()
	if err != nil {
		return SchemaState{}, fmt.Errorf("fleet check: %w", err)
	}
	st := SchemaState{Newest: ms[len(ms)-1].version}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var hasMigrations, hasLease bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL, to_regclass('poller_lease') IS NOT NULL`).
			Scan(&hasMigrations, &hasLease); err != nil {
			return err
		}
		if hasMigrations {
			if err := tx.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM schema_migrations`).Scan(&st.Applied); err != nil {
				return err
			}
		}
		if hasLease {
			err := tx.QueryRow(ctx, `SELECT station, since, beat FROM poller_lease WHERE one`).Scan(&st.Poller.Station, &st.Poller.Since, &st.Poller.Beat)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return SchemaState{}, fmt.Errorf("fleet check %s: %w", s.server, err)
	}
	return st, nil
}
