package printer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// unansweringAddr returns a loopback address whose SYNs go unanswered: a
// listener with a backlog of 0 that never accepts, its one-slot accept
// queue already filled. Linux drops further SYNs, so a dial hangs exactly
// like a dial to a printer that is switched off.
func unansweringAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the accept queue until a dial no longer completes.
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("could not make a listener that stops answering SYNs")
	return ""
}

func TestTCPConnectTimeoutSaysPrinterDidNotAnswer(t *testing.T) {
	addr := unansweringAddr(t)
	p := NewTCP(addr, TCPOptions{ConnectTimeout: 300 * time.Millisecond})
	defer p.Close()

	start := time.Now()
	err := p.Print(context.Background(), zplJob("x", 100))
	want := "printer " + addr + " did not answer within 300ms: check that it is on and connected"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the connect timeout of 300ms took %s", d)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("the cause %v is not kept as a timeout net.Error", errors.Unwrap(err))
	}
	if strings.Contains(err.Error(), "i/o timeout") {
		t.Errorf("error %q leaks the Go wording", err)
	}
}
