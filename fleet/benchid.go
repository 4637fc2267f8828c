package fleet

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrNameTaken: another bench (another data file) already works on the
// site under this bench's name. Claims and pushes are refused until the
// name is changed: two benches under one name would take each other's
// claims for their own and overwrite each other's records.
var ErrNameTaken = errors.New("another bench on the site already uses this bench's name")

// stationSQL records this bench (and its last-seen time) under its name,
// unless the name belongs to another bench's data file: then no row
// comes back. A name first recorded without an id (an older version)
// is taken over by the first bench that brings one.
const stationSQL = `INSERT INTO stations (station, bench_id) VALUES ($1, $2)
	ON CONFLICT (station) DO UPDATE SET last_seen = now(), bench_id = EXCLUDED.bench_id
		WHERE stations.bench_id IN ('', EXCLUDED.bench_id) OR EXCLUDED.bench_id = ''
	RETURNING true`

// nameTaken is the error for the station's name in use by another bench.
func (s *Site) nameTaken() error {
	return fmt.Errorf("bench name %q on %s: %w: give this bench its own [station] name", s.cfg.Station, s.server, ErrNameTaken)
}

// queueStation queues the station's record on a push's batch; the batch
// (and so the push) fails with ErrNameTaken if the name is another's.
func (s *Site) queueStation(b *pgx.Batch) {
	queue(b, stationSQL, s.cfg.Station, s.cfg.BenchID).QueryRow(func(row pgx.Row) error {
		var ok bool
		if err := row.Scan(&ok); errors.Is(err, pgx.ErrNoRows) {
			return s.nameTaken()
		} else if err != nil {
			return err
		}
		return nil
	})
}

// register records the station once per Site before its first claim, so
// a bench under another's name is refused before it claims anything.
func (s *Site) register(ctx context.Context) error {
	if s.registered.Load() {
		return nil
	}
	var ok bool
	err := s.pool.QueryRow(ctx, stationSQL, clean(s.cfg.Station), clean(s.cfg.BenchID)).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.nameTaken()
	}
	if err != nil {
		return fmt.Errorf("on %s: %w", s.server, err)
	}
	s.registered.Store(true)
	return nil
}
