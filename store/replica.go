package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// Replication (fleet mode): every change to what the site's PostgreSQL
// mirrors marks the entity "to push" in the same commit as the change, so
// a station that is cut off from the server, or killed, pushes it later:
// nothing is lost, and since the server upserts by station and entity id,
// a push repeated after a crash is harmless. The marks live in one bucket
// that exists only once replication is enabled, so a single bench pays
// nothing for it.

// Replica kinds: what a mark names.
const (
	ReplicaShipment = "shipment"
	ReplicaEntry    = "outbox"
	ReplicaEvent    = "event"
	ReplicaPrintJob = "print_job"
	ReplicaOrder    = "order"
	ReplicaSummary  = "summary"
	ReplicaClaim    = "claim"
	// ReplicaConflict: a supervisor resolved a claim conflict (the site's
	// dashboard lists it until the resolution reaches the server).
	ReplicaConflict = "conflict"
)

// Replica is one entity to push, as it is now (not as it was when it was
// marked: a shipment changed five times is pushed once, in its last form).
type Replica struct {
	Kind string
	// Key is the entity's id within its kind (order ref, entry id, job
	// id, "itemID/eventKey").
	Key string
	// OrderRef is the order the entity belongs to, where the bench knows
	// it: always for an event (from the item → order index; "" when the
	// item's order is unknown), and for every other kind whose entity is
	// still here (for a shipment, order, summary and claim it is Key).
	OrderRef string
	// Seq is the mark's sequence number: Ack removes the mark only if it
	// was not marked again since (a change during the push is pushed next
	// time).
	Seq uint64
	// Gone: the entity no longer exists here (a confirmed print job is
	// deleted; a released claim): the server's copy is to be deleted.
	Gone bool

	// Shipment's Label keeps its Format but not its Data: the site keeps
	// no label bytes, and a batch of replicas would otherwise carry
	// megabytes of them.
	Shipment *Shipment
	Entry    *OutboxEntry
	Event    *carrier.TrackingEvent
	PrintJob *PrintJob
	Order    *carrier.Order
	Summary  *TrackSummary
	Claim    *LocalClaim
	Conflict *ClaimConflict
}

// LocalClaim is a claim on an order the bench made while the site's
// server could not be reached: it is pushed when the link returns, and a
// clash with another bench's claim becomes a ClaimConflict.
type LocalClaim struct {
	OrderRef string    `json:"order_ref"`
	At       time.Time `json:"at"`
}

// ClaimConflict is an order two benches both claimed (at least one of
// them while cut off from the server): both may have shipped it. It waits
// for a supervisor, who resolves it with a note.
type ClaimConflict struct {
	OrderRef string    `json:"order_ref"`
	At       time.Time `json:"at"` // this bench's claim
	// Other is the bench whose claim the server holds, since OtherAt,
	// with its tracking id when its shipment is known.
	Other         string    `json:"other"`
	OtherAt       time.Time `json:"other_at"`
	OtherTracking string    `json:"other_tracking,omitempty"`
	Tracking      string    `json:"tracking,omitempty"` // this bench's, if it shipped
	Detected      time.Time `json:"detected"`
	Resolved      time.Time `json:"resolved,omitempty"`
	Note          string    `json:"note,omitempty"`
}

// The replication buckets. fleet_marks is created only by
// EnableReplication: its absence is what "off" means, so a single bench's
// writes pay one missing-bucket lookup each and nothing else.
var (
	// fleet_marks: "kind/key" → the mark's 8-byte big-endian seq, then
	// optionally the entity's key in its own bucket where the kind's key
	// does not find it (a shipment's or a summary's day-keyed key).
	bucketFleetMarks = []byte("fleet_marks")
	// fleet_mark_order: seq → "kind/key", so the oldest marks are read
	// first; a re-marked entity moves to the end.
	bucketFleetMarkOrder = []byte("fleet_mark_order")
	// fleet_claims: order ref → LocalClaim (JSON).
	bucketFleetClaims = []byte("fleet_claims")
	// fleet_conflicts: order ref → ClaimConflict (JSON).
	bucketFleetConflicts = []byte("fleet_conflicts")

	// keyFleetBackfill (in meta) is where EnableReplication's marking of
	// the existing history stands, while it runs: one byte for the step
	// (backfillSteps' index), then the last key marked in that step's
	// bucket. A station stopped halfway resumes on its next Enable.
	keyFleetBackfill = []byte("fleet_backfill")
)

// backfillBatch is how many entities one backfill transaction marks: a
// long history (millions of events) is marked in bounded commits, not in
// one transaction holding it all in memory. A variable so a test can make
// the batches small.
var backfillBatch = 20000

// markTx marks an entity for push inside tx. It does nothing while
// replication is off.
func markTx(tx *bolt.Tx, kind, key string) error { return markAtTx(tx, kind, key, nil) }

// siteTxs are the write transactions recording what came from the site's
// server (RecordTrackingFromSite): what they write is the server's
// already, so nothing in them is marked. (A transaction is not a place to
// keep a flag, and the write functions that mark take only the tx.)
var siteTxs sync.Map // *bolt.Tx → struct{}

// markAtTx is markTx for an entity whose own key (loc) is not its Key: the
// push reads it from there. A mark made again replaces the earlier one
// (new seq, new loc), so an entity changed several times is pushed once.
func markAtTx(tx *bolt.Tx, kind, key string, loc []byte) error {
	marks := tx.Bucket(bucketFleetMarks)
	if marks == nil {
		return nil
	}
	if _, fromSite := siteTxs.Load(tx); fromSite {
		return nil
	}
	order := tx.Bucket(bucketFleetMarkOrder)
	mk := []byte(kind + "/" + key)
	if old := marks.Get(mk); len(old) >= 8 {
		// Copied: a value read in a write transaction is not ours to
		// keep across the delete.
		oldSeq := bytes.Clone(old[:8])
		if err := order.Delete(oldSeq); err != nil {
			return fmt.Errorf("mark %s for push: %w", mk, err)
		}
	}
	seq, err := marks.NextSequence()
	if err != nil {
		return fmt.Errorf("mark %s for push: %w", mk, err)
	}
	v := make([]byte, 8+len(loc))
	binary.BigEndian.PutUint64(v, seq)
	copy(v[8:], loc)
	if err := marks.Put(mk, v); err != nil {
		return fmt.Errorf("mark %s for push: %w", mk, err)
	}
	if err := order.Put(v[:8], mk); err != nil {
		return fmt.Errorf("mark %s for push: %w", mk, err)
	}
	return nil
}

// EnableReplication turns replication on for this data file (idempotent):
// it creates the marks' bucket and, the first time, marks everything the
// file already holds, so the site gets the bench's history too. It
// returns how many entities it marked.
//
// The history is marked in batches of commits; live writes meanwhile are
// marked by their own commits (the bucket exists from the first one). A
// station stopped before the last batch finishes the marking on its next
// EnableReplication. A call on a file already enabled writes nothing.
func (s *Store) EnableReplication() (marked int, err error) {
	var enabled, backfilling bool
	if err := s.db.View(func(tx *bolt.Tx) error {
		enabled = tx.Bucket(bucketFleetMarks) != nil
		backfilling = tx.Bucket(bucketMeta).Get(keyFleetBackfill) != nil
		return nil
	}); err != nil {
		return 0, fmt.Errorf("enable replication: %w", err)
	}
	if enabled && !backfilling {
		s.replicating.Store(true)
		return 0, nil
	}
	if !enabled {
		if err := s.update(startBackfill); err != nil {
			return 0, fmt.Errorf("enable replication: %w", err)
		}
	}
	s.replicating.Store(true)
	for {
		n, done, err := s.backfillOnce(backfillBatch)
		marked += n
		if err != nil {
			return marked, fmt.Errorf("enable replication: mark the data file's history: %w", err)
		}
		if done {
			return marked, nil
		}
	}
}

// startBackfill creates the marks' buckets and records that the history
// is still to be marked, in one commit (a no-op if they exist).
func startBackfill(tx *bolt.Tx) error {
	if tx.Bucket(bucketFleetMarks) != nil {
		return nil
	}
	for _, b := range [][]byte{bucketFleetMarks, bucketFleetMarkOrder} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	return tx.Bucket(bucketMeta).Put(keyFleetBackfill, []byte{0})
}

// backfillStep marks the entities of one bucket: for each key, mark says
// what to mark (ok false: nothing).
type backfillStep struct {
	bucket []byte
	mark   func(tx *bolt.Tx, k []byte) (kind, key string, loc []byte, ok bool)
	// from, when set, is the first key worth marking (a day-keyed bucket
	// whose old history the site does not need).
	from func() []byte
}

// BackfillEventDays is how far back the first EnableReplication sends a
// bench's tracking events: the site's dashboard reads summaries (all of
// them are sent), and older events would only cost the bench a mark each
// (some 140 bytes) for a history nobody reads on the server.
const BackfillEventDays = 90

// backfillSteps is the order the history is marked in (and so pushed in):
// orders before their shipments, shipments before their tracking. The
// progress records a step by its index: add steps at the end only.
var backfillSteps = []backfillStep{
	{bucketOrders, func(_ *bolt.Tx, k []byte) (string, string, []byte, bool) {
		return ReplicaOrder, string(k), nil, true
	}, nil},
	{bucketShipments, func(tx *bolt.Tx, k []byte) (string, string, []byte, bool) {
		ref, ok := shipmentRef(k)
		if !ok {
			return "", "", nil, false
		}
		// The order's live shipment is its record; a cancelled one only
		// when the order has no live shipment (the latest cancelled,
		// by key order, wins).
		if cur := tx.Bucket(bucketShipmentIndex).Get([]byte(ref)); cur != nil && !bytes.Equal(cur, k) {
			return "", "", nil, false
		}
		return ReplicaShipment, ref, k, true
	}, nil},
	{bucketTrackSummary, func(_ *bolt.Tx, k []byte) (string, string, []byte, bool) {
		_, ref, ok := strings.Cut(string(k), "/")
		return ReplicaSummary, ref, k, ok
	}, nil},
	{bucketOutbox, func(_ *bolt.Tx, k []byte) (string, string, []byte, bool) {
		return ReplicaEntry, string(k), nil, true
	}, nil},
	{bucketPrintJobs, func(_ *bolt.Tx, k []byte) (string, string, []byte, bool) {
		return ReplicaPrintJob, string(k), nil, true
	}, nil},
	{bucketEvents, func(_ *bolt.Tx, k []byte) (string, string, []byte, bool) {
		// "YYYY-MM-DD/itemID/eventKey": the replica's key is what
		// follows the day, found again through events_by_item.
		_, key, ok := strings.Cut(string(k), "/")
		return ReplicaEvent, key, nil, ok
	}, func() []byte { return []byte(dayKey(time.Now().AddDate(0, 0, -BackfillEventDays))) }},
	{bucketFleetClaims, func(_ *bolt.Tx, k []byte) (string, string, []byte, bool) {
		return ReplicaClaim, string(k), nil, true
	}, nil},
}

// cancelledInfix joins an order ref and the entry id in the key of a
// shipment kept after its entry was cancelled (CancelEntry).
const cancelledInfix = "~cancelled~"

// shipmentRef is the order ref in a shipments key ("YYYY-MM-DD/ref", or
// "YYYY-MM-DD/ref~cancelled~entryID").
func shipmentRef(k []byte) (string, bool) {
	_, rest, ok := strings.Cut(string(k), "/")
	if !ok {
		return "", false
	}
	ref, _, _ := strings.Cut(rest, cancelledInfix)
	return ref, ref != ""
}

// backfillOnce marks up to limit entities of the history from where the
// backfill stands, in one commit. done is true once nothing is left.
func (s *Store) backfillOnce(limit int) (marked int, done bool, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		marked, done = 0, false
		meta := tx.Bucket(bucketMeta)
		p := meta.Get(keyFleetBackfill)
		if len(p) == 0 {
			done = true
			return nil
		}
		step, after := int(p[0]), bytes.Clone(p[1:])
		for ; step < len(backfillSteps); step, after = step+1, nil {
			st := backfillSteps[step]
			b := tx.Bucket(st.bucket)
			if b == nil {
				continue
			}
			c := b.Cursor()
			k, _ := c.First()
			if st.from != nil {
				k, _ = c.Seek(st.from())
			}
			if len(after) > 0 {
				if k, _ = c.Seek(after); bytes.Equal(k, after) {
					k, _ = c.Next()
				}
			}
			for ; k != nil; k, _ = c.Next() {
				if marked >= limit {
					return meta.Put(keyFleetBackfill, append([]byte{byte(step)}, after...))
				}
				after = bytes.Clone(k)
				kind, key, loc, ok := st.mark(tx, after)
				if !ok {
					continue
				}
				if err := markAtTx(tx, kind, key, loc); err != nil {
					return err
				}
				marked++
			}
		}
		done = true
		return meta.Delete(keyFleetBackfill)
	})
	return marked, done, err
}

// Replicating reports whether replication is enabled.
func (s *Store) Replicating() bool { return s.replicating.Load() }

// loadReplicating sets the cached Replicating from the file (on open).
func (s *Store) loadReplicating() error {
	return s.db.View(func(tx *bolt.Tx) error {
		s.replicating.Store(tx.Bucket(bucketFleetMarks) != nil)
		return nil
	})
}

// PendingReplicas returns up to max marked entities, oldest mark first.
// Each is read as it is now; one that no longer exists comes back Gone.
func (s *Store) PendingReplicas(max int) ([]Replica, error) {
	var out []Replica
	if max <= 0 {
		return nil, nil
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		marks, order := tx.Bucket(bucketFleetMarks), tx.Bucket(bucketFleetMarkOrder)
		if marks == nil || order == nil {
			return nil
		}
		c := order.Cursor()
		for seq, mk := c.First(); seq != nil && len(out) < max; seq, mk = c.Next() {
			v := marks.Get(mk)
			if len(v) < 8 || !bytes.Equal(v[:8], seq) {
				// Not the mark's current seq: cannot happen (a re-mark
				// deletes its old seq), and a stray one is not news.
				continue
			}
			r, err := loadReplica(tx, string(mk), v[8:])
			if err != nil {
				return err
			}
			r.Seq = binary.BigEndian.Uint64(seq)
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pending replicas: %w", err)
	}
	return out, nil
}

// loadReplica reads the entity a mark names ("kind/key"), as it is now.
func loadReplica(tx *bolt.Tx, mk string, loc []byte) (Replica, error) {
	kind, key, ok := strings.Cut(mk, "/")
	if !ok {
		return Replica{}, fmt.Errorf("malformed mark %q", mk)
	}
	r := Replica{Kind: kind, Key: key}
	var err error
	switch kind {
	case ReplicaShipment:
		r.OrderRef = key
		r.Shipment, err = loadShipment(tx, key, loc)
		r.Gone = r.Shipment == nil
	case ReplicaEntry:
		var e OutboxEntry
		if err = getJSON(tx.Bucket(bucketOutbox), key, &e); err == nil {
			r.Entry, r.OrderRef = &e, e.OrderRef
		}
	case ReplicaPrintJob:
		var j PrintJob
		if err = getJSON(tx.Bucket(bucketPrintJobs), key, &j); err == nil {
			r.PrintJob, r.OrderRef = &j, j.OrderRef
		}
	case ReplicaOrder:
		r.OrderRef = key
		var o carrier.Order
		if err = getJSON(tx.Bucket(bucketOrders), key, &o); err == nil {
			r.Order = &o
		}
	case ReplicaEvent:
		r.Event, err = loadEvent(tx, key)
		if r.Event != nil {
			if items := tx.Bucket(bucketTrackItems); items != nil {
				r.OrderRef = string(items.Get([]byte(r.Event.ItemID)))
			}
		}
		r.Gone = r.Event == nil
	case ReplicaSummary:
		r.OrderRef = key
		r.Summary, err = loadSummary(tx, key, loc)
		r.Gone = r.Summary == nil
	case ReplicaClaim:
		r.OrderRef = key
		if b := tx.Bucket(bucketFleetClaims); b != nil {
			var c LocalClaim
			if err = getJSON(b, key, &c); err == nil {
				r.Claim = &c
			}
		} else {
			err = ErrNotFound
		}
	case ReplicaConflict:
		r.OrderRef = key
		if b := tx.Bucket(bucketFleetConflicts); b != nil {
			var c ClaimConflict
			if err = getJSON(b, key, &c); err == nil {
				r.Conflict = &c
			}
		} else {
			err = ErrNotFound
		}
	default:
		return r, fmt.Errorf("mark %q: unknown kind %q", mk, kind)
	}
	if errors.Is(err, ErrNotFound) {
		r.Gone, err = true, nil
	}
	if err != nil {
		return r, fmt.Errorf("read %s %s: %w", kind, key, err)
	}
	return r, nil
}

// shipmentSansLabel reads a stored shipment without its label's bytes.
type shipmentSansLabel struct {
	Shipment
	Label struct {
		Format carrier.LabelFormat `json:"format"`
	} `json:"label"`
}

// loadShipment reads the order's record: its live shipment, or else the
// shipment at loc (a cancelled one kept for the record); nil when neither
// exists.
func loadShipment(tx *bolt.Tx, ref string, loc []byte) (*Shipment, error) {
	b := tx.Bucket(bucketShipments)
	var data []byte
	if key := tx.Bucket(bucketShipmentIndex).Get([]byte(ref)); key != nil {
		data = b.Get(key)
	}
	if data == nil && len(loc) > 0 {
		data = b.Get(loc)
	}
	if data == nil {
		return nil, nil
	}
	var w shipmentSansLabel
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	sh := w.Shipment
	sh.Label = carrier.Label{Format: w.Label.Format}
	return &sh, nil
}

// loadEvent reads the event "itemID/eventKey" through events_by_item.
func loadEvent(tx *bolt.Tx, key string) (*carrier.TrackingEvent, error) {
	idx := tx.Bucket(bucketEventsByItem)
	if idx == nil {
		return nil, nil
	}
	k := idx.Get([]byte(key))
	if k == nil {
		return nil, nil
	}
	data := tx.Bucket(bucketEvents).Get(k)
	if data == nil {
		return nil, nil
	}
	var e carrier.TrackingEvent
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// loadSummary reads the order's tracking summary at loc (where it was
// written), else under its shipment's key; nil when there is none.
func loadSummary(tx *bolt.Tx, ref string, loc []byte) (*TrackSummary, error) {
	b := tx.Bucket(bucketTrackSummary)
	var data []byte
	if len(loc) > 0 {
		data = b.Get(loc)
	}
	if data == nil {
		if key := tx.Bucket(bucketShipmentIndex).Get([]byte(ref)); key != nil {
			data = b.Get(key)
		}
	}
	if data == nil {
		return nil, nil
	}
	sum, err := decodeSummary(data)
	if err != nil {
		return nil, err
	}
	return &sum, nil
}

// AckReplicas removes the marks of pushed replicas whose Seq is still the
// mark's (one commit).
func (s *Store) AckReplicas(pushed []Replica) error {
	if len(pushed) == 0 {
		return nil
	}
	err := s.update(func(tx *bolt.Tx) error {
		marks, order := tx.Bucket(bucketFleetMarks), tx.Bucket(bucketFleetMarkOrder)
		if marks == nil || order == nil {
			return nil
		}
		for _, r := range pushed {
			mk := []byte(r.Kind + "/" + r.Key)
			v := marks.Get(mk)
			if len(v) < 8 || binary.BigEndian.Uint64(v) != r.Seq {
				// Gone already, or marked again during the push: the
				// newer change is pushed next time.
				continue
			}
			seq := bytes.Clone(v[:8])
			if err := marks.Delete(mk); err != nil {
				return err
			}
			if err := order.Delete(seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ack replicas: %w", err)
	}
	return nil
}

// ReplicaBacklog counts the marks not yet pushed.
func (s *Store) ReplicaBacklog() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		// The order bucket holds one small entry per mark: its page
		// count is the cheaper one to walk.
		if order := tx.Bucket(bucketFleetMarkOrder); order != nil {
			n = order.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("replica backlog: %w", err)
	}
	return n, nil
}

// PutLocalClaim records (and marks for push) a claim made while cut off.
func (s *Store) PutLocalClaim(c LocalClaim) error {
	if c.OrderRef == "" {
		return errors.New("record local claim: no order ref")
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFleetClaims)
		if err != nil {
			return err
		}
		if err := putJSON(b, c.OrderRef, c); err != nil {
			return err
		}
		return markTx(tx, ReplicaClaim, c.OrderRef)
	})
	if err != nil {
		return fmt.Errorf("record local claim on %s: %w", c.OrderRef, err)
	}
	return nil
}

// ReleaseLocalClaim drops the bench's claim on ref (its booking was
// cancelled, or never written) and marks the release for push. The
// release is marked even when no local claim is kept: the claim may have
// been made on the server directly, and the site drops only this bench's.
func (s *Store) ReleaseLocalClaim(ref string) error {
	err := s.update(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketFleetClaims); b != nil {
			if err := b.Delete([]byte(ref)); err != nil {
				return err
			}
		}
		return markTx(tx, ReplicaClaim, ref)
	})
	if err != nil {
		return fmt.Errorf("release local claim on %s: %w", ref, err)
	}
	return nil
}

// PutClaimConflict records a conflict the push found (once per order):
// the first record is kept, since a later push of the same claim finds
// the same clash again, but tracking ids the new one knows are filled in.
func (s *Store) PutClaimConflict(c ClaimConflict) error {
	if c.OrderRef == "" {
		return errors.New("record claim conflict: no order ref")
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFleetConflicts)
		if err != nil {
			return err
		}
		var have ClaimConflict
		switch err := getJSON(b, c.OrderRef, &have); {
		case errors.Is(err, ErrNotFound):
			if c.Detected.IsZero() {
				c.Detected = time.Now()
			}
			return putJSON(b, c.OrderRef, c)
		case err != nil:
			return err
		}
		changed := false
		if c.Tracking != "" && c.Tracking != have.Tracking {
			have.Tracking, changed = c.Tracking, true
		}
		if c.OtherTracking != "" && c.OtherTracking != have.OtherTracking {
			have.OtherTracking, changed = c.OtherTracking, true
		}
		if !changed {
			return nil
		}
		return putJSON(b, c.OrderRef, have)
	})
	if err != nil {
		return fmt.Errorf("record claim conflict on %s: %w", c.OrderRef, err)
	}
	return nil
}

// ClaimConflicts lists the conflicts, unresolved first, newest first.
func (s *Store) ClaimConflicts() ([]ClaimConflict, error) {
	var out []ClaimConflict
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetConflicts)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var c ClaimConflict
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("read claim conflict %s: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("claim conflicts: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := !a.Resolved.IsZero(), !b.Resolved.IsZero(); ra != rb {
			return rb
		}
		if !a.Detected.Equal(b.Detected) {
			return a.Detected.After(b.Detected)
		}
		return a.OrderRef < b.OrderRef
	})
	return out, nil
}

// ResolveClaimConflict marks the conflict on ref resolved with a note. The
// note is required: it is the record of what was done about an order two
// benches may both have shipped.
func (s *Store) ResolveClaimConflict(ref, note string, at time.Time) (ClaimConflict, error) {
	var c ClaimConflict
	note = strings.TrimSpace(note)
	if note == "" {
		return c, fmt.Errorf("resolve claim conflict on %s: a note is required: say what was done (e.g. which parcel was stopped)", ref)
	}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetConflicts)
		if b == nil {
			return ErrNotFound
		}
		if err := getJSON(b, ref, &c); err != nil {
			return err
		}
		c.Resolved, c.Note = at, note
		if err := putJSON(b, ref, c); err != nil {
			return err
		}
		return markTx(tx, ReplicaConflict, ref)
	})
	if err != nil {
		return ClaimConflict{}, fmt.Errorf("resolve claim conflict on %s: %w", ref, err)
	}
	return c, nil
}
