// Package pgtest starts a real PostgreSQL server for tests: Debian's
// binaries (package postgresql, which `make test` installs), a cluster
// made by initdb in a temporary directory, listening on a free loopback
// port only (no Unix socket), trust authentication for one role. A test
// can stop and start it again on the same port and data, which is how the
// fleet tests cut a station off and bring the server back.
//
// PostgreSQL refuses to run as root; when the tests run as root (CI
// machines do), the cluster belongs to Debian's "postgres" system user
// and the server is started through runuser.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Role is the superuser role the cluster is made with.
const Role = "labelstation"

// Server is one running (or stopped) test cluster.
type Server struct {
	bin  string // the directory of initdb, pg_ctl and postgres
	dir  string // the cluster's data directory
	log  string // the server's log file
	Port int
	as   string // the OS user that runs the server ("" : this process's)

	settings []string // "-c name=value" for the server's command line
	keep     bool     // a kept cluster (Options.Dir): Close leaves it

	mu      sync.Mutex
	running bool
}

// Options change how StartWith makes and runs a cluster; the zero value
// is Start's (a throwaway cluster with the tests' settings).
type Options struct {
	// Dir keeps the cluster in this directory: made there on first use,
	// started again on the next (a benchmark fills its site once and
	// measures it on later runs). Close stops it and leaves it; remove
	// the directory to start afresh. Run as root, the server's user
	// must be able to reach it (its parents open to others, as /tmp or
	// /var/tmp are).
	Dir string
	// Settings are server settings (postgresql.conf names) given on the
	// server's command line, over the tests' own: e.g. a site server's
	// {"shared_buffers": "1GB"}. Values are passed to the server as
	// they are (no spaces).
	Settings map[string]string
}

// BinDir finds PostgreSQL's server binaries: $LABELSTATION_PG_BIN, else
// the newest /usr/lib/postgresql/N/bin (Debian), else initdb on PATH.
func BinDir() (string, error) {
	if d := os.Getenv("LABELSTATION_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL's server binaries (initdb, pg_ctl) are not installed; hint: run `make test`, which installs Debian's postgresql package, or set LABELSTATION_PG_BIN")
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start makes a cluster in a new temporary directory and starts it on a
// free loopback port. The caller stops it with Close.
func Start() (*Server, error) { return StartWith(Options{}) }

// StartWith starts a cluster as Start does, with opt's changes: a kept
// directory and extra server settings.
func StartWith(opt Options) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	root := opt.Dir
	if root == "" {
		// As root the cluster belongs to "postgres", which must reach
		// its directory: /tmp is open to all, where $TMPDIR may not be.
		parent := ""
		if os.Geteuid() == 0 {
			parent = "/tmp"
		}
		if root, err = os.MkdirTemp(parent, "labelstation-pg-"); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("pgtest: the cluster's directory: %w", err)
	}
	s := &Server{bin: bin, dir: filepath.Join(root, "data"), log: filepath.Join(root, "server.log"), keep: opt.Dir != ""}
	names := make([]string, 0, len(opt.Settings))
	for k := range opt.Settings {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s.settings = append(s.settings, "-c "+k+"="+opt.Settings[k])
	}
	// A failed start removes a throwaway cluster, never a kept one.
	cleanup := func() {
		if !s.keep {
			os.RemoveAll(root)
		}
	}
	if os.Geteuid() == 0 {
		s.as = "postgres"
		u, err := user.Lookup(s.as)
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("postgres refuses to run as root and there is no %q user to run it as: %w; hint: install Debian's postgresql package", s.as, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(root, uid, gid); err != nil {
			cleanup()
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, "PG_VERSION")); err == nil && s.keep {
		// A kept cluster made before: a server a killed run left
		// behind is stopped first (it would hold the data directory).
		if _, err := s.run("pg_ctl", "-D", s.dir, "status"); err == nil {
			s.running = true
			if err := s.Stop(); err != nil {
				return nil, err
			}
		}
	} else {
		if out, err := s.run("initdb", "-D", s.dir, "-U", Role, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
			cleanup()
			return nil, fmt.Errorf("initdb: %w\n%s", err, out)
		}
		// Test settings: no fsync (the tests' durability is the stations'
		// bbolt files, not this throwaway cluster), loopback TCP only.
		conf := "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\nshared_buffers = 128MB\n"
		if err := appendFile(filepath.Join(s.dir, "postgresql.conf"), conf); err != nil {
			cleanup()
			return nil, err
		}
	}
	if s.Port, err = freePort(); err != nil {
		cleanup()
		return nil, err
	}
	if err := s.StartAgain(); err != nil {
		cleanup()
		return nil, err
	}
	return s, nil
}

// StartAgain starts the stopped server on the same port and data.
func (s *Server) StartAgain() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return nil
	}
	opts := strings.Join(append([]string{"-p " + strconv.Itoa(s.Port)}, s.settings...), " ")
	out, err := s.run("pg_ctl", "-D", s.dir, "-l", s.log, "-o", opts, "-w", "-t", "60", "start")
	if err != nil {
		logText, _ := os.ReadFile(s.log)
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, logText)
	}
	s.running = true
	return nil
}

// Stop stops the server at once (fast shutdown: open sessions are cut,
// as when the site's server goes away under the stations).
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return nil
	}
	out, err := s.run("pg_ctl", "-D", s.dir, "-m", "fast", "-w", "-t", "60", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	s.running = false
	return nil
}

// Close stops the server and removes its directory (a kept cluster's
// directory stays, for the next StartWith).
func (s *Server) Close() {
	s.Stop()
	if !s.keep {
		os.RemoveAll(filepath.Dir(s.dir))
	}
}

// URL is the connection URL of database db on the server.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Role, s.Port, db)
}

// NewDatabase creates a database with a fresh name and returns its URL, so
// each test works on its own.
func (s *Server) NewDatabase(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return s.URL(name), nil
}

// Log returns the server's log so far (for a failing test's output).
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

func (s *Server) run(tool string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bin, tool)
	var cmd *exec.Cmd
	if s.as != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.as, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = filepath.Dir(s.dir) // the cluster's own directory: its user can enter it
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var (
	shared     *Server
	sharedErr  error
	sharedOnce sync.Once
	dbSeq      int
	dbMu       sync.Mutex
)

// Shared starts one server for the test binary (stop it from TestMain with
// CloseShared).
func Shared() (*Server, error) {
	sharedOnce.Do(func() { shared, sharedErr = Start() })
	return shared, sharedErr
}

// CloseShared stops the shared server, if one was started.
func CloseShared() {
	if shared != nil {
		shared.Close()
	}
}

// Database returns the URL of a new database on the shared server, for
// one test. A machine without PostgreSQL fails the test with the hint to
// run make test (fleet mode is tested for real, never skipped).
func Database(t testing.TB) string {
	t.Helper()
	s, err := Shared()
	if err != nil {
		t.Fatalf("PostgreSQL for the fleet tests: %v", err)
	}
	dbMu.Lock()
	dbSeq++
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq)
	dbMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url, err := s.NewDatabase(ctx, name)
	if err != nil {
		t.Fatalf("%v\nserver log:\n%s", err, s.Log())
	}
	return url
}
