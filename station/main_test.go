package station_test

import (
	"os"
	"testing"

	"labelstation/internal/pgtest"
)

// TestMain stops the PostgreSQL server the fleet tests started, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.CloseShared()
	os.Exit(code)
}
