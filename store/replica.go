package store

import (
	"errors"
	"time"

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
)

// Replica is one entity to push, as it is now (not as it was when it was
// marked: a shipment changed five times is pushed once, in its last form).
type Replica struct {
	Kind string
	// Key is the entity's id within its kind (order ref, entry id, job
	// id, "itemID/eventKey").
	Key string
	// Seq is the mark's sequence number: Ack removes the mark only if it
	// was not marked again since (a change during the push is pushed next
	// time).
	Seq uint64
	// Gone: the entity no longer exists here (a confirmed print job is
	// deleted; a released claim): the server's copy is to be deleted.
	Gone bool

	Shipment *Shipment
	Entry    *OutboxEntry
	Event    *carrier.TrackingEvent
	PrintJob *PrintJob
	Order    *carrier.Order
	Summary  *TrackSummary
	Claim    *LocalClaim
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

var errReplicaTODO = errors.New("replication: not built yet")

// EnableReplication turns replication on for this data file (idempotent):
// it creates the marks' bucket and, the first time, marks everything the
// file already holds, so the site gets the bench's history too. It
// returns how many entities it marked.
func (s *Store) EnableReplication() (marked int, err error) { return 0, errReplicaTODO }

// Replicating reports whether replication is enabled.
func (s *Store) Replicating() bool { return false }

// PendingReplicas returns up to max marked entities, oldest mark first.
func (s *Store) PendingReplicas(max int) ([]Replica, error) { return nil, errReplicaTODO }

// AckReplicas removes the marks of pushed replicas whose Seq is still the
// mark's (one commit).
func (s *Store) AckReplicas(pushed []Replica) error { return errReplicaTODO }

// ReplicaBacklog counts the marks not yet pushed.
func (s *Store) ReplicaBacklog() (int, error) { return 0, errReplicaTODO }

// PutLocalClaim records (and marks for push) a claim made while cut off.
func (s *Store) PutLocalClaim(c LocalClaim) error { return errReplicaTODO }

// ReleaseLocalClaim drops the bench's claim on ref (its booking was
// cancelled, or never written) and marks the release for push.
func (s *Store) ReleaseLocalClaim(ref string) error { return errReplicaTODO }

// PutClaimConflict records a conflict the push found (once per order).
func (s *Store) PutClaimConflict(c ClaimConflict) error { return errReplicaTODO }

// ClaimConflicts lists the conflicts, unresolved first, newest first.
func (s *Store) ClaimConflicts() ([]ClaimConflict, error) { return nil, errReplicaTODO }

// ResolveClaimConflict marks the conflict on ref resolved with a note.
func (s *Store) ResolveClaimConflict(ref, note string, at time.Time) (ClaimConflict, error) {
	return ClaimConflict{}, errReplicaTODO
}
