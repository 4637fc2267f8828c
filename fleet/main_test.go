package fleet

import (
	"os"
	"testing"

	"labelstation/internal/pgtest"
)

// TestMain stops the shared PostgreSQL the tests started (pgtest.Database).
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.CloseShared()
	os.Exit(code)
}
