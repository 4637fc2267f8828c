//go:build !cgo || !(linux || darwin)

package printer

import (
	"context"
	"strings"
	"testing"
)

func TestUSBWithoutCgoSaysWhy(t *testing.T) {
	p, err := Open("usb://0a5f:0166")
	if err != nil {
		t.Fatal(err)
	}
	err = p.Print(context.Background(), Job{Name: "x", Format: "zpl", Data: []byte("^XA^XZ")})
	if err == nil || !strings.Contains(err.Error(), "USB printing needs the cgo build on Linux/macOS") {
		t.Fatalf("err = %v", err)
	}
}
