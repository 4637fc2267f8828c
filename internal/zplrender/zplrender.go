// Package zplrender lets tests look at printed labels: it renders ZPL to
// PNG files with the npm package zpl-renderer-js (zebrash in WebAssembly,
// through scripts/render-zpl.js), the renderer `make test` installs under
// $LABELSTATION_NODE_TOOLS. Tests skip, saying how to install it, where it
// is missing.
package zplrender

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Tools returns the node_modules directory holding zpl-renderer-js, or
// skips the test.
func Tools(t testing.TB) (nodeModules string) {
	t.Helper()
	dir := os.Getenv("LABELSTATION_NODE_TOOLS")
	if dir == "" {
		t.Skip("skipping ZPL render check: LABELSTATION_NODE_TOOLS is not set (make test sets it; locally: npm install --prefix .tools zpl-renderer-js@3.4.0 && export LABELSTATION_NODE_TOOLS=$PWD/.tools)")
	}
	nodeModules = filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(nodeModules, "zpl-renderer-js", "package.json")); err != nil {
		t.Skipf("skipping ZPL render check: zpl-renderer-js is not installed under %s (npm install --prefix %s zpl-renderer-js@3.4.0)", nodeModules, dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("skipping ZPL render check: node is not on PATH (install Node.js 20)")
	}
	return nodeModules
}

// Render renders zpl (one or more labels of one size) and returns the PNG
// files, one per label, in a temporary directory of the test.
func Render(t testing.TB, nodeModules string, zpl []byte, widthMM, heightMM, dpmm int) []string {
	t.Helper()
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script(t), out, strconv.Itoa(widthMM), strconv.Itoa(heightMM), strconv.Itoa(dpmm))
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodeModules)
	cmd.Stdin = strings.NewReader(string(zpl))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("render-zpl.js: %v\n%s", err, stderr.String())
	}
	return strings.Fields(string(stdout))
}

// script finds scripts/render-zpl.js at the module root, above the test's
// package directory.
func script(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "scripts", "render-zpl.js")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("render-zpl.js: no go.mod above the test's directory")
		}
		dir = parent
	}
}
