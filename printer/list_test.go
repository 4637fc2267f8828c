package printer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestDiscoverListsQueuesAndDeviceNodes(t *testing.T) {
	fakeCUPS(t, lpstatIdle)
	dir := t.TempDir()
	for _, n := range []string{"lp0", "lp1"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	old := devNodes
	devNodes = filepath.Join(dir, "lp*")
	t.Cleanup(func() { devNodes = old })

	found, problems := Discover(context.Background())
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := map[string]string{
		"cups://zebra":                            "Printer is ready",
		"cups://office_laser":                     "",
		"dev://" + filepath.ToSlash(dir) + "/lp0": "",
		"dev://" + filepath.ToSlash(dir) + "/lp1": "",
	}
	got := map[string]string{}
	for _, f := range found {
		if f.Kind != "usb" { // real USB printers on the test machine may show up
			got[f.URI] = f.Detail
		}
	}
	for uri, detail := range want {
		if d, ok := got[uri]; !ok || d != detail {
			t.Errorf("%s: listed=%v detail=%q, want %q (all: %+v)", uri, ok, d, detail, found)
		}
	}
}
