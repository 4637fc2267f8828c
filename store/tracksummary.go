package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// TrackSummary is what the dashboard's KPIs need of one shipment: a few
// timestamps and counts the tracking poller keeps up to date as events
// arrive. It lives apart from the Shipment (which carries the label's
// bytes) in its own day-keyed bucket and a compact binary form, so a
// 90-day window of 450,000 parcels reads tens of megabytes, not gigabytes.
type TrackSummary struct {
	OrderRef    string
	ItemID      string // tracking id
	Carrier     string
	Service     string
	FromCountry string // ISO alpha-2
	Country     string // destination, ISO alpha-2
	BookedAt    time.Time
	Status      carrier.Status

	Events     int       // events stored for the parcel
	FirstEvent time.Time // first carrier scan; zero: silent so far
	LastEvent  time.Time
	// MaxGap is the longest time between two consecutive events while
	// the parcel was on its way (tracking-data completeness).
	MaxGap time.Duration

	Expected        time.Time // the carrier's expected delivery (ETA)
	Delivered       time.Time // actual delivery; zero: not delivered (or no time recorded)
	DeliveredNoTime bool      // the carrier says delivered but gave no time
	FirstAttempt    time.Time // first failed delivery attempt
	AtServicePoint  time.Time // arrived at a service point (hold time runs)
	CustomsSince    time.Time // entered awaiting customs
	CustomsCleared  time.Time // left awaiting customs
	Exception       time.Time // first exception
	Returned        time.Time
	Refused         bool
	Lost            time.Time
	Damaged         bool

	LastPolled time.Time // when the poller last asked the carrier
	Polls      int       // how many times it asked
}

// summaryVersion prefixes every encoded summary, so the form can grow.
const summaryVersion = 1

func summaryKey(day time.Time, ref string) []byte { return []byte(dayKey(day) + "/" + ref) }

// PutTrackSummary stores (replaces) a shipment's summary under its booking
// day and keeps the open-tracking index: parcels whose status is not
// final are listed there for the poller.
func (s *Store) PutTrackSummary(sum TrackSummary) error {
	err := s.update(func(tx *bolt.Tx) error { return putTrackSummary(tx, sum) })
	if err != nil {
		return fmt.Errorf("save tracking summary of %s: %w", sum.OrderRef, err)
	}
	return nil
}

func putTrackSummary(tx *bolt.Tx, sum TrackSummary) error {
	key := summaryKey(sum.BookedAt, sum.OrderRef)
	if err := tx.Bucket(bucketTrackSummary).Put(key, encodeSummary(sum)); err != nil {
		return err
	}
	if err := markAtTx(tx, ReplicaSummary, sum.OrderRef, key); err != nil {
		return err
	}
	open := tx.Bucket(bucketTrackOpen)
	if sum.Status.Final() {
		return open.Delete([]byte(sum.OrderRef))
	}
	return open.Put([]byte(sum.OrderRef), key)
}

// TrackSummary returns one order's summary.
func (s *Store) TrackSummary(ref string) (TrackSummary, error) {
	var sum TrackSummary
	err := s.db.View(func(tx *bolt.Tx) error {
		key := tx.Bucket(bucketShipmentIndex).Get([]byte(ref))
		if key == nil {
			return ErrNotFound
		}
		v := tx.Bucket(bucketTrackSummary).Get(key)
		if v == nil {
			return ErrNotFound
		}
		var err error
		sum, err = decodeSummary(v)
		return err
	})
	return sum, err
}

// OpenTrackSummaries calls fn for every parcel still on its way (status
// not final), for the tracking poller.
func (s *Store) OpenTrackSummaries(fn func(TrackSummary) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		sums := tx.Bucket(bucketTrackSummary)
		return tx.Bucket(bucketTrackOpen).ForEach(func(ref, key []byte) error {
			v := sums.Get(key)
			if v == nil {
				return nil
			}
			sum, err := decodeSummary(v)
			if err != nil {
				return fmt.Errorf("read tracking summary %s: %w", key, err)
			}
			return fn(sum)
		})
	})
}

// TrackSummaries calls fn for the summary of every shipment booked on the
// calendar days first…last (booking day, local time), by a range scan of
// the day-keyed bucket: the cost follows the window, not the history.
// Each summary is fn's to keep.
func (s *Store) TrackSummaries(first, last time.Time, fn func(TrackSummary) error) error {
	lo := []byte(dayKey(first) + "/")
	hi := []byte(dayKey(last) + "/\xff")
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketTrackSummary).Cursor()
		for k, v := c.Seek(lo); k != nil && bytes.Compare(k, hi) <= 0; k, v = c.Next() {
			sum, err := decodeSummary(v)
			if err != nil {
				return fmt.Errorf("read tracking summary %s: %w", k, err)
			}
			if err := fn(sum); err != nil {
				return err
			}
		}
		return nil
	})
}

// encodeSummary writes the compact form: a version byte, the strings as
// length-prefixed bytes, times as Unix nanoseconds (zigzag varints; 0 is
// the zero time), counts as varints.
func encodeSummary(s TrackSummary) []byte {
	b := make([]byte, 0, 160)
	b = append(b, summaryVersion)
	for _, str := range []string{s.OrderRef, s.ItemID, s.Carrier, s.Service, s.FromCountry, s.Country, string(s.Status)} {
		b = binary.AppendUvarint(b, uint64(len(str)))
		b = append(b, str...)
	}
	for _, t := range []time.Time{s.BookedAt, s.FirstEvent, s.LastEvent, s.Expected, s.Delivered, s.FirstAttempt,
		s.AtServicePoint, s.CustomsSince, s.CustomsCleared, s.Exception, s.Returned, s.Lost, s.LastPolled} {
		b = binary.AppendVarint(b, unixNano(t))
	}
	b = binary.AppendVarint(b, int64(s.MaxGap))
	b = binary.AppendUvarint(b, uint64(s.Events))
	b = binary.AppendUvarint(b, uint64(s.Polls))
	var flags byte
	if s.DeliveredNoTime {
		flags |= 1
	}
	if s.Refused {
		flags |= 2
	}
	if s.Damaged {
		flags |= 4
	}
	return append(b, flags)
}

var errBadSummary = errors.New("malformed tracking summary")

func decodeSummary(b []byte) (TrackSummary, error) {
	var s TrackSummary
	if len(b) == 0 || b[0] != summaryVersion {
		return s, errBadSummary
	}
	b = b[1:]
	// The seven strings lie one after the other: they are found first
	// and made with one allocation (a dashboard decodes a summary per
	// parcel, 900,000 for a site's 90 days), each a slice of it.
	var span [7][2]int // each string's start and end in b
	p := 0
	for i := range span {
		n, k := binary.Uvarint(b[p:])
		if k <= 0 || uint64(len(b)-p-k) < n {
			return s, errBadSummary
		}
		span[i] = [2]int{p + k, p + k + int(n)}
		p += k + int(n)
	}
	strs := string(b[:p])
	str := func(i int) string { return strs[span[i][0]:span[i][1]] }
	s.OrderRef, s.ItemID, s.Carrier, s.Service, s.FromCountry, s.Country = str(0), str(1), str(2), str(3), str(4), str(5)
	s.Status = carrier.Status(str(6))
	b = b[p:]
	varint := func() int64 {
		v, k := binary.Varint(b)
		if k <= 0 {
			b = nil
			return 0
		}
		b = b[k:]
		return v
	}
	uvarint := func() uint64 {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			b = nil
			return 0
		}
		b = b[k:]
		return v
	}
	for _, t := range []*time.Time{&s.BookedAt, &s.FirstEvent, &s.LastEvent, &s.Expected, &s.Delivered, &s.FirstAttempt,
		&s.AtServicePoint, &s.CustomsSince, &s.CustomsCleared, &s.Exception, &s.Returned, &s.Lost, &s.LastPolled} {
		*t = fromUnixNano(varint())
	}
	s.MaxGap = time.Duration(varint())
	s.Events = int(uvarint())
	s.Polls = int(uvarint())
	if len(b) != 1 {
		return s, errBadSummary
	}
	s.DeliveredNoTime, s.Refused, s.Damaged = b[0]&1 != 0, b[0]&2 != 0, b[0]&4 != 0
	return s, nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// EncodeTrackSummary is the summary's compact form, the same bytes the
// data file holds; the site's PostgreSQL keeps it too (fleet), so both
// read one form with one decoder.
func EncodeTrackSummary(s TrackSummary) []byte { return encodeSummary(s) }

// DecodeTrackSummary reads EncodeTrackSummary's bytes.
func DecodeTrackSummary(b []byte) (TrackSummary, error) { return decodeSummary(b) }
