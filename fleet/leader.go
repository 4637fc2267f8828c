package fleet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxBeat bounds the poller's heartbeat interval: the lease row's beat is
// what a supervisor sees, and a lost server is noticed within it.
const maxBeat = 5 * time.Second

// RunLeader competes for the site's poller lock until ctx ends: while this
// bench holds it, lead runs with a context that ends when the lock is
// lost (the server went away, or ctx ended); RunLeader waits for lead to
// return before it competes again or returns itself.
//
// The lock is a session-level advisory lock on a connection of its own,
// not the pool's, so it lives exactly as long as that connection: a bench
// that dies loses it with its socket (a dead machine, within the server's
// TCP keepalive of about half a minute), and another takes over within
// LeaderRetry. The holder keeps poller_lease's beat fresh every
// LeaderRetry/3 (at most 5 s); a beat that fails means the server is gone
// and with it the lock.
func (s *Site) RunLeader(ctx context.Context, lead func(ctx context.Context)) {
	retry := s.cfg.LeaderRetry
	for {
		if err := s.leadWhileHeld(ctx, lead); err != nil && ctx.Err() == nil {
			s.log.Debug("fleet: cannot compete for the site's tracking now", "server", s.server, "station", s.cfg.Station, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
	}
}

// leadWhileHeld tries the lock once; when it gets it, it runs lead until
// the lock is lost, ctx ends, or lead returns by itself, and then gives
// the lock up.
func (s *Site) leadWhileHeld(ctx context.Context, lead func(ctx context.Context)) error {
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	conn, err := s.lockConn(ctx)
	if err != nil {
		return fmt.Errorf("fleet leader %s: connect: %w", s.server, err)
	}
	closeConn := func() {
		cctx, cancel := context.WithTimeout(context.Background(), s.cfg.ConnectTimeout)
		defer cancel()
		conn.Close(cctx)
	}
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, pollerLockKey).Scan(&got); err != nil {
		closeConn()
		return fmt.Errorf("fleet leader %s: %w", s.server, err)
	}
	if !got {
		closeConn()
		return nil
	}
	if _, err := conn.Exec(ctx, `INSERT INTO poller_lease (one, station, since, beat) VALUES (true, $1, now(), now())
		ON CONFLICT (one) DO UPDATE SET station = EXCLUDED.station, since = EXCLUDED.since, beat = EXCLUDED.beat`, s.cfg.Station); err != nil {
		closeConn() // the lock goes with the session
		return fmt.Errorf("fleet leader %s: lease: %w", s.server, err)
	}
	s.log.Info("fleet: this bench took over the site's tracking poller", "server", s.server, "station", s.cfg.Station)

	leadCtx, cancelLead := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(leadCtx)
	}()
	stop := func() {
		cancelLead()
		<-done
	}

	beat := max(min(s.cfg.LeaderRetry/3, maxBeat), 10*time.Millisecond)
	ticker := time.NewTicker(beat)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			stop()
			s.unlock(conn)
			closeConn()
			s.log.Info("fleet: this bench stopped polling for the site (shutting down)", "server", s.server, "station", s.cfg.Station)
			return nil
		case <-done:
			// lead gave up by itself: let another bench (or this one,
			// after LeaderRetry) take over rather than hold an idle lock.
			cancelLead()
			s.unlock(conn)
			closeConn()
			s.log.Warn("fleet: the site's tracking poller stopped by itself; lock released", "server", s.server, "station", s.cfg.Station)
			return nil
		case <-ticker.C:
			// A closed connection fails at once; a server that hangs is
			// given a connect's time, so a slow beat on a loaded server
			// does not hand the poller around.
			bctx, cancel := context.WithTimeout(ctx, max(beat, s.cfg.ConnectTimeout))
			tag, err := conn.Exec(bctx, `UPDATE poller_lease SET beat = now() WHERE one AND station = $1`, s.cfg.Station)
			cancel()
			if err == nil && tag.RowsAffected() == 1 {
				continue
			}
			if ctx.Err() != nil {
				continue // shutting down: the ctx.Done case says so
			}
			if err == nil {
				err = errors.New("the lease row names another bench")
			}
			stop()
			closeConn() // the lock, if the session still lives, goes with it
			s.log.Warn("fleet: this bench lost the site's tracking poller", "server", s.server, "station", s.cfg.Station, "err", err)
			return nil
		}
	}
}

// lockConn connects for the poller lock, with TCP keepalives on both
// ends: the server drops the session of a bench that vanished without
// closing its socket (and with it the lock) in about half a minute, not
// the operating system's two hours.
func (s *Site) lockConn(ctx context.Context) (*pgx.Conn, error) {
	cfg := s.connCfg.Copy()
	cfg.RuntimeParams["application_name"] = "labelstation " + s.cfg.Station + " poller"
	cfg.RuntimeParams["tcp_keepalives_idle"] = "10"
	cfg.RuntimeParams["tcp_keepalives_interval"] = "5"
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	cfg.RuntimeParams["tcp_user_timeout"] = "30000"
	dialer := &net.Dialer{
		Timeout:         s.cfg.ConnectTimeout,
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 10 * time.Second, Interval: 5 * time.Second, Count: 3},
	}
	cfg.DialFunc = dialer.DialContext
	return pgx.ConnectConfig(ctx, cfg)
}

// unlock gives the lock up explicitly before closing, so a waiting bench
// sees it free at once even if the close is slow.
func (s *Site) unlock(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ConnectTimeout)
	defer cancel()
	conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, pollerLockKey)
}

// Poller says which bench polls (from the lease row the leader keeps);
// ErrNotFound when none ever did.
func (s *Site) Poller(ctx context.Context) (Poller, error) {
	var p Poller
	err := s.pool.QueryRow(ctx, `SELECT station, since, beat FROM poller_lease WHERE one`).Scan(&p.Station, &p.Since, &p.Beat)
	if errors.Is(err, pgx.ErrNoRows) {
		return Poller{}, fmt.Errorf("fleet poller: %w", ErrNotFound)
	}
	if err != nil {
		return Poller{}, fmt.Errorf("fleet poller on %s: %w", s.server, err)
	}
	return p, nil
}
