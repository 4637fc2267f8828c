package postnord

import (
	"context"
	"io"
	"net/http"
	"time"

	"labelstation/carrier"
)

// probeTimeout bounds a reachability check. The station probes before it
// decides between booking online and printing an offline label, with a
// packer waiting, so a dead network must be told quickly.
const probeTimeout = 3 * time.Second

var _ carrier.Prober = (*Client)(nil)

// Probe tells whether PostNord's host can be reached, without booking
// anything: one GET of the base URL's root path "/", without the API key
// (no secret travels on a request that needs none) and without retries,
// bounded by 3 seconds or the client's Timeout, or ctx's deadline when
// sooner. Any HTTP answer counts as reachable — the gateway answers "/"
// with an error status, which proves the network and the host are up.
// No answer is a *carrier.Error of Kind KindUnavailable, Op "probe".
func (c *Client) Probe(ctx context.Context) error {
	r := request{op: "probe", method: http.MethodGet, requestID: requestIDOrNew("")}
	u := *c.base
	u.Path, u.RawPath, u.RawQuery, u.Fragment = "/", "", "", ""

	ctx, cancel := context.WithTimeout(ctx, min(probeTimeout, c.timeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), http.NoBody)
	if err != nil {
		return c.transportError(r, carrier.KindUnavailable, "build probe request", err)
	}
	req.Header.Set("X-External-Request-ID", r.requestID)
	req.Header.Set("User-Agent", c.app.Name+"/"+c.app.Version)
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(r, carrier.KindUnavailable, "PostNord could not be reached", err)
	}
	// Drain a little so the connection can be reused by the booking that
	// usually follows; the answer itself does not matter.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return nil
}
