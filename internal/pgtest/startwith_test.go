package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestKeptClusterWithSettings: a cluster in Options.Dir runs with the
// extra settings, outlives Close with its data, and the next StartWith
// of the same directory starts it again (on a new port) rather than
// making a new one; a server a killed run left running is stopped first.
func TestKeptClusterWithSettings(t *testing.T) {
	ctx := context.Background()
	// Not t.TempDir: run as root, the server's user must reach the
	// directory, and the tests' temporary directories are closed to it.
	parent := ""
	if os.Geteuid() == 0 {
		parent = "/tmp" // $TMPDIR may be closed to it too
	}
	root, err := os.MkdirTemp(parent, "labelstation-pgtest-kept-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) }) // after the servers' stops
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "kept")
	opt := Options{Dir: dir, Settings: map[string]string{"work_mem": "7MB", "shared_buffers": "32MB"}}
	s, err := StartWith(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close) // a kept server is stopped, whatever fails
	url, err := s.NewDatabase(ctx, "keep")
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	query := func(sql string, args ...any) string {
		t.Helper()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var v string
		if err := conn.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return v
	}
	if v := query("SHOW work_mem"); v != "7MB" {
		t.Errorf("work_mem %s, want 7MB", v)
	}
	if conn, err := pgx.Connect(ctx, url); err != nil {
		t.Fatal(err)
	} else {
		_, err := conn.Exec(ctx, "CREATE TABLE kept AS SELECT 'still here'::text AS v")
		conn.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err != nil {
		t.Fatalf("the kept cluster is gone after Close: %v", err)
	}

	// Started again, and left running as by a killed run.
	s, err = StartWith(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	url = s.URL("keep")
	if v := query("SELECT v FROM kept"); v != "still here" {
		t.Errorf("kept table: %q", v)
	}
	if v := query("SHOW work_mem"); v == "7MB" {
		t.Errorf("work_mem %s without the setting", v)
	}
	s2, err := StartWith(Options{Dir: dir})
	if err != nil {
		t.Fatalf("starting a kept cluster whose server still runs: %v", err)
	}
	t.Cleanup(s2.Close)
	url = s2.URL("keep")
	if v := query("SELECT v FROM kept"); v != "still here" {
		t.Errorf("kept table after the restart: %q", v)
	}
}
