//go:build unix

package printer

import (
	"errors"
	"net"
	"syscall"
)

// alive reports whether the printer still holds its end of conn. A printer
// that closed an idle connection has sent a FIN (or an RST), which shows up
// as a zero-byte read; writing into such a connection would "succeed" into
// the kernel buffer and the label would be lost, so it is checked before
// every job. The check reads without blocking: Go's sockets are already
// non-blocking, so the raw read returns EAGAIN at once when the connection
// is idle. Bytes the printer sent unasked are discarded: nothing else reads
// this connection, and a later status query does its own exchange.
func alive(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var buf [512]byte
	live := true
	err = rc.Read(func(fd uintptr) bool {
		// Bounded, so a printer that chatters without pause cannot hold
		// the job here; after that much chatter it is clearly alive.
		for range 64 {
			n, _, rerr := syscall.Recvfrom(int(fd), buf[:], 0)
			switch {
			case rerr == nil && n > 0:
				continue // unasked status bytes: drop them and look again
			case rerr == nil && n == 0:
				live = false // orderly close from the printer
			case errors.Is(rerr, syscall.EAGAIN), errors.Is(rerr, syscall.EWOULDBLOCK):
				// idle and open
			case errors.Is(rerr, syscall.EINTR):
				continue
			default:
				live = false // reset, or the socket is broken
			}
			return true
		}
		return true
	})
	return err == nil && live
}
