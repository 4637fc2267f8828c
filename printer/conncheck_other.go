//go:build !unix

package printer

import (
	"errors"
	"net"
	"os"
	"time"
)

// alive reports whether the printer still holds its end of conn (see the
// unix variant for why). Without a raw non-blocking read, a short read
// deadline stands in: a closed connection reads EOF at once, an idle open
// one times out.
func alive(conn net.Conn) bool {
	defer conn.SetReadDeadline(time.Time{})
	var buf [512]byte
	for {
		if err := conn.SetReadDeadline(time.Now().Add(5 * time.Millisecond)); err != nil {
			return false
		}
		n, err := conn.Read(buf[:])
		if n > 0 && err == nil {
			continue
		}
		return errors.Is(err, os.ErrDeadlineExceeded)
	}
}
