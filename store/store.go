// Package store owns labelstation's durable state: one bbolt file holding
// orders, shipments, tracking events, the booking outbox and the schema
// version. Keys read by day (shipments, events) start with the date, so a
// day's work costs in proportion to that day, not to the whole history.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout this code reads and writes. Open refuses a
// file written by a newer version rather than misreading it.
const SchemaVersion = 1

var (
	bucketMeta          = []byte("meta")
	bucketOrders        = []byte("orders")
	bucketShipments     = []byte("shipments")          // "YYYY-MM-DD/orderRef" → Shipment
	bucketShipmentIndex = []byte("shipments_by_order") // orderRef → shipments key
	bucketEvents        = []byte("events")             // "YYYY-MM-DD/itemID/eventKey" → TrackingEvent
	bucketOutbox        = []byte("outbox")             // entry id → OutboxEntry
	bucketOutboxIndex   = []byte("outbox_by_order")    // orderRef → newest entry id
	bucketOutboxOpen    = []byte("outbox_open")        // entry id → state, for entries that still need work
	bucketIDSeries      = []byte("id_series")          // series name → IDSeries
	bucketIDsUsed       = []byte("ids_used")           // item id → series name: never handed out twice
	bucketPrintJobs     = []byte("print_jobs")         // job id → PrintJob (only unconfirmed labels)
	bucketTrackSummary  = []byte("track_summary")      // "YYYY-MM-DD/orderRef" → TrackSummary (compact)
	bucketTrackOpen     = []byte("track_open")         // orderRef → track_summary key, while not final

	keySchema = []byte("schema_version")

	// allBuckets are created on open; the open-entries index comes first
	// so that an older file has it built from its outbox (see migrate).
	allBuckets = [][]byte{bucketOutboxOpen, bucketMeta, bucketOrders, bucketShipments, bucketShipmentIndex, bucketEvents, bucketOutbox, bucketOutboxIndex, bucketPrintJobs, bucketIDSeries, bucketIDsUsed, bucketTrackSummary, bucketTrackOpen,
		bucketEventsByItem, bucketTrackItems, bucketTrackLookups, bucketOrdersOpen,
		bucketMessages, bucketMessageIDs, bucketMessagesOpen,
		bucketReturns, bucketReturnsByItem, bucketReturnsByOrder, bucketReturnsOpen, bucketImportedFiles}
)

// ErrLocked means another process holds the data file: a second station
// on the same data directory.
var ErrLocked = errors.New("the station is already running")

// ErrNotFound is returned when a key does not exist.
var ErrNotFound = errors.New("not found")

// FileName is the data file's name inside the data directory.
const FileName = "labelstation.db"

// Store is the open data file. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string
	// announce turns recorded facts into outgoing messages, onMessages
	// hears that some were queued (messages.go).
	announce   Announcer
	onMessages func()
	// replicating caches whether the fleet marks' bucket exists
	// (replica.go): set on open and by EnableReplication.
	replicating atomic.Bool
}

// Options tune Open.
type Options struct {
	// LockTimeout bounds the wait for another process's lock (default 1s).
	LockTimeout time.Duration
}

// Open opens (creating if needed) the data file in dir.
func Open(dir string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: create data directory: %w", writeFailure(dir, err))
	}
	path := filepath.Join(dir, FileName)
	// NoFreelistSync: the free list is rebuilt on open instead of being
	// written on every commit, so each booking step's fsync writes fewer
	// pages. Data pages are still synced on every commit.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s is locked by another labelstation)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, writeFailure(path, err))
	}
	s := &Store{db: db, path: path}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadReplicating(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// migrate brings the file to SchemaVersion. It writes only when something
// is missing or older, so opening a current file commits nothing: on a
// full disk the station can still be read (orders, queue, report) even
// though nothing new can be saved.
func (s *Store) migrate() error {
	current := false
	if err := s.db.View(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return nil
			}
		}
		current = string(tx.Bucket(bucketMeta).Get(keySchema)) == fmt.Sprint(SchemaVersion)
		return nil
	}); err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	if current {
		return nil
	}
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketOrdersOpen) == nil && tx.Bucket(bucketOrders) != nil {
			// A file from before the unshipped-orders index: build it once.
			if err := indexUnshippedOrders(tx); err != nil {
				return fmt.Errorf("open store: index unshipped orders: %w", err)
			}
		}
		if tx.Bucket(bucketOutboxOpen) == nil && tx.Bucket(bucketOutbox) != nil {
			// A file from before the open-entries index: build it once.
			if err := indexOpenEntries(tx); err != nil {
				return fmt.Errorf("open store: index open outbox entries: %w", err)
			}
		}
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("open store: create bucket %s: %w", b, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keySchema); v != nil {
			var have int
			if _, err := fmt.Sscan(string(v), &have); err != nil {
				return fmt.Errorf("open store: unreadable schema version %q", v)
			}
			if have > SchemaVersion {
				return fmt.Errorf("open store: data file has schema version %d, this labelstation knows %d: install the newer labelstation", have, SchemaVersion)
			}
		}
		return meta.Put(keySchema, []byte(fmt.Sprint(SchemaVersion)))
	})
}

// Path is the data file's path.
func (s *Store) Path() string { return s.path }

// Close closes the data file.
func (s *Store) Close() error { return s.db.Close() }

// SchemaVersion returns the version recorded in the file.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error {
		_, err := fmt.Sscan(string(tx.Bucket(bucketMeta).Get(keySchema)), &v)
		return err
	})
	return v, err
}

// dayKey is the date prefix of day-keyed buckets, in the station's local
// time: a supervisor's "today" is the bench's calendar day.
func dayKey(t time.Time) string { return t.Local().Format("2006-01-02") }
