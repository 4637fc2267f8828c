package store

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// IDSeries is a range of item ids the carrier allotted to the consignor,
// from which the station numbers parcels itself (offline labels). Only
// the serial part is kept here; the caller turns a serial into an id
// (check digit, prefix) because that is the label's business.
type IDSeries struct {
	Name string `json:"name"` // e.g. "postnord-sscc"
	Kind string `json:"kind"` // "sscc" or "s10"
	// Params holds what makes a serial an id: for SSCC the extension digit
	// and GS1 company prefix, for S10 the service indicator and country.
	Params map[string]string `json:"params,omitempty"`
	First  uint64            `json:"first"`
	Last   uint64            `json:"last"`
	// Next is the next serial to hand out. It only ever grows: an id once
	// handed out is never handed out again, even if the range is redefined.
	Next    uint64    `json:"next"`
	Updated time.Time `json:"updated"`
}

// Size is how many ids the series holds.
func (s IDSeries) Size() uint64 { return s.Last - s.First + 1 }

// Used is how many ids have been handed out.
func (s IDSeries) Used() uint64 { return s.Next - s.First }

// ErrSeriesExhausted is returned when every id of a series is used.
var ErrSeriesExhausted = errors.New("id series exhausted")

// ErrSeriesUnknown is returned for a series that was never defined.
var ErrSeriesUnknown = errors.New("id series not defined")

// DefineSeries creates a series, or updates its range. Ids already handed
// out stay used: a new range that starts below Next continues at Next, and
// a range that would end before Next is refused.
func (s *Store) DefineSeries(def IDSeries) (IDSeries, error) {
	if def.Name == "" || def.Last < def.First {
		return def, fmt.Errorf("define id series %q: the range %d–%d is empty", def.Name, def.First, def.Last)
	}
	var out IDSeries
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIDSeries)
		var have IDSeries
		switch err := getJSON(b, def.Name, &have); {
		case err == nil:
			if have.Kind == def.Kind && have.First == def.First && have.Last == def.Last && maps.Equal(have.Params, def.Params) {
				// Every start defines the config's series again: nothing
				// to write (so a full disk does not stop the station).
				out = have
				return errUnchanged
			}
			if have.Kind != def.Kind {
				return fmt.Errorf("series %q holds %s ids; it cannot become %s: give the new range another name", def.Name, have.Kind, def.Kind)
			}
			def.Next = max(have.Next, def.First)
			if have.Next > def.Last+1 {
				return fmt.Errorf("series %q has already handed out ids up to serial %d, past the new range's end %d: ids are never reused, so give the new range another name", def.Name, have.Next-1, def.Last)
			}
		case errors.Is(err, ErrNotFound):
			def.Next = def.First
		default:
			return err
		}
		def.Updated = time.Now()
		out = def
		return putJSON(b, def.Name, def)
	})
	if errors.Is(err, errUnchanged) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("define id series: %w", err)
	}
	return out, nil
}

// errUnchanged rolls back a transaction that found nothing to change.
var errUnchanged = errors.New("unchanged")

// AllocateID hands out the series' next id in one durable commit, before
// the caller prints it. makeID turns a serial into the id (check digit,
// prefix). The id is recorded as used, so a second series (or a bug)
// that produced the same id is refused rather than reused.
func (s *Store) AllocateID(name string, makeID func(IDSeries, uint64) (string, error)) (id string, series IDSeries, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIDSeries)
		if err := getJSON(b, name, &series); errors.Is(err, ErrNotFound) {
			return ErrSeriesUnknown
		} else if err != nil {
			return err
		}
		if series.Next > series.Last {
			return ErrSeriesExhausted
		}
		if id, err = makeID(series, series.Next); err != nil {
			return err
		}
		used := tx.Bucket(bucketIDsUsed)
		if owner := used.Get([]byte(id)); owner != nil {
			return fmt.Errorf("id %s was already handed out by series %s", id, owner)
		}
		if err := used.Put([]byte(id), []byte(name)); err != nil {
			return err
		}
		series.Next++
		series.Updated = time.Now()
		return putJSON(b, name, series)
	})
	if err != nil {
		return "", series, fmt.Errorf("allocate an id from series %s: %w", name, err)
	}
	return id, series, nil
}

// Series lists the defined series by name.
func (s *Store) Series() ([]IDSeries, error) {
	var out []IDSeries
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIDSeries).ForEach(func(k, v []byte) error {
			var x IDSeries
			if err := getJSON(tx.Bucket(bucketIDSeries), string(k), &x); err != nil {
				return err
			}
			out = append(out, x)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}
