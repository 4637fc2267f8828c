package store

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

func pendingEntry(t *testing.T, s *Store, id, ref string) OutboxEntry {
	t.Helper()
	now := time.Now()
	e := OutboxEntry{ID: id, OrderRef: ref, Carrier: "postnord", State: StatePending, Created: now, Updated: now,
		Request: carrier.BookingRequest{OrderRef: ref, RequestID: id, Parcels: []carrier.Parcel{{Weight: 1200}}}}
	if err := s.CreateEntry(e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOfflineParcelIsSavedWholeThenSynced(t *testing.T) {
	s, dir := openTemp(t)
	e := pendingEntry(t, s, "req-1", "MS-1")
	req := e.Request
	req.Parcels = []carrier.Parcel{{Weight: 1200, ItemID: "00373500990000000017", ItemIDType: "SSCC"}}
	sh := Shipment{OrderRef: "MS-1", ItemIDs: []string{"00373500990000000017"}, RequestID: "req-1", BookedAt: time.Now(), Offline: true,
		Label: carrier.Label{Format: carrier.LabelZPL, Data: []byte("^XA^XZ")}}
	job := PrintJob{ID: "job-1", OrderRef: "MS-1", State: PrintSending, Printer: "tcp://x:9100"}
	if err := s.RecordOffline("req-1", req, sh, job); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Entry("req-1")
	if err != nil || got.State != StatePending || !got.Offline || got.Request.Parcels[0].ItemID != "00373500990000000017" {
		t.Fatalf("entry after restart = %+v, %v; want pending, offline, with the own id", got, err)
	}
	if p, _, _ := s.QueueCounts(); p != 1 {
		t.Errorf("pending = %d, want 1", p)
	}
	have, err := s.ShipmentByOrder("MS-1")
	if err != nil || !have.Offline || have.TrackingID() != "00373500990000000017" {
		t.Fatalf("shipment = %+v, %v", have, err)
	}
	if jobs, _ := s.PrintJobs(); len(jobs) != 1 || jobs[0].ID != "job-1" {
		t.Errorf("print jobs = %+v, want job-1 queued in the same commit", jobs)
	}

	at := time.Now()
	synced, err := s.RecordSynced("req-1", at, func(sh *Shipment) { sh.ShipmentID = "SHIP-9" })
	if err != nil {
		t.Fatal(err)
	}
	if synced.ShipmentID != "SHIP-9" || !synced.SyncedAt.Equal(at) || synced.TrackingID() != "00373500990000000017" {
		t.Errorf("synced shipment = %+v", synced)
	}
	if got, _ := s.Entry("req-1"); got.State != StateBooked || got.SyncedAt.IsZero() {
		t.Errorf("entry after sync = %s, synced %v", got.State, got.SyncedAt)
	}
	if p, a, _ := s.QueueCounts(); p+a != 0 {
		t.Errorf("queue after sync = %d+%d, want empty", p, a)
	}
	if _, err := s.RecordSynced("req-1", at, func(*Shipment) {}); err == nil {
		t.Error("a second sync of the same entry must be refused")
	}
}

func TestRecordOfflineRefusesAClosedEntry(t *testing.T) {
	s, _ := openTemp(t)
	e := pendingEntry(t, s, "req-1", "MS-1")
	if _, err := s.CancelEntry("req-1", "wrong order", time.Now()); err != nil {
		t.Fatal(err)
	}
	err := s.RecordOffline("req-1", e.Request, Shipment{OrderRef: "MS-1", RequestID: "req-1", BookedAt: time.Now()})
	if err == nil {
		t.Fatal("an offline label for a cancelled entry must be refused")
	}
	if _, err := s.ShipmentByOrder("MS-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused commit left a shipment: %v", err)
	}
}

func TestCancelFreesTheOrderAndKeepsTheRecord(t *testing.T) {
	s, _ := openTemp(t)
	e := pendingEntry(t, s, "req-1", "MS-1")
	day := time.Now()
	if err := s.RecordOffline("req-1", e.Request, Shipment{OrderRef: "MS-1", ItemIDs: []string{"X1"}, RequestID: "req-1", BookedAt: day, Offline: true}); err != nil {
		t.Fatal(err)
	}
	got, err := s.CancelEntry("req-1", "customer cancelled", day)
	if err != nil || got.State != StateCancelled {
		t.Fatalf("cancel = %+v, %v", got, err)
	}
	if _, err := s.ShipmentByOrder("MS-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after cancel the order must be packable again, ShipmentByOrder = %v", err)
	}
	// Packed again the same day: both records are kept.
	e2 := pendingEntry(t, s, "req-2", "MS-1")
	if err := s.RecordOffline("req-2", e2.Request, Shipment{OrderRef: "MS-1", ItemIDs: []string{"X2"}, RequestID: "req-2", BookedAt: day, Offline: true}); err != nil {
		t.Fatal(err)
	}
	all, _ := s.ShipmentsOn(day)
	var cancelled, live int
	for _, sh := range all {
		if sh.Cancelled.IsZero() {
			live++
		} else {
			cancelled++
		}
	}
	if cancelled != 1 || live != 1 {
		t.Errorf("day's shipments: %d cancelled, %d live; want 1 and 1", cancelled, live)
	}
	if _, err := s.CancelEntry("req-1", "again", day); err == nil {
		t.Error("cancelling a cancelled entry must be refused")
	}
	if p, a, _ := s.QueueCounts(); p != 1 || a != 0 {
		t.Errorf("queue = %d pending, %d attention; want only req-2", p, a)
	}
}

func TestWriteFailuresAreNamed(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("write /d/labelstation.db: %w", syscall.ENOSPC), "disk is full"},
		{errors.New("file resize error: truncate /d/labelstation.db: file too large"), "may not grow"},
		{fmt.Errorf("open: %w", syscall.EROFS), "read-only"},
		{fmt.Errorf("open: %w", fs.ErrPermission), "may not write"},
	} {
		err := writeFailure("/d/labelstation.db", tc.err)
		if !errors.Is(err, ErrCannotWrite) || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.err) {
			t.Errorf("%v → %v; want ErrCannotWrite saying %q and keeping the cause", tc.err, err, tc.want)
		}
	}
	other := errors.New("entry is already booked")
	if err := writeFailure("/d/x", other); err != other {
		t.Errorf("a record's own error must pass through unchanged, got %v", err)
	}
}

func TestUnshippedOrdersFollowShipmentsAndCancels(t *testing.T) {
	s, dir := openTemp(t)
	old := time.Now().Add(-72 * time.Hour)
	if _, err := s.PutOrders([]carrier.Order{{Ref: "MS-1", ImportedAt: old}, {Ref: "MS-2", ImportedAt: old}, {Ref: "MS-3", ImportedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	refs := func() (out []string) {
		u, err := s.UnshippedOrders(time.Now().Add(-48 * time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range u {
			out = append(out, o.Ref)
		}
		return out
	}
	if got := fmt.Sprint(refs()); got != "[MS-1 MS-2]" {
		t.Fatalf("unshipped before packing = %s, want MS-1 and MS-2 (MS-3 is fresh)", got)
	}
	e := pendingEntry(t, s, "req-1", "MS-1")
	if err := s.RecordOffline("req-1", e.Request, Shipment{OrderRef: "MS-1", RequestID: "req-1", BookedAt: time.Now(), Offline: true}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(refs()); got != "[MS-2]" {
		t.Fatalf("after MS-1 was labelled = %s", got)
	}
	if _, err := s.CancelEntry("req-1", "wrong", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(refs()); got != "[MS-1 MS-2]" {
		t.Fatalf("after the cancel MS-1 waits again: got %s", got)
	}
	// A file from before the index gets it built on open.
	s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketOrdersOpen) })
	s.Close()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, _ := s.UnshippedOrders(time.Now().Add(-48 * time.Hour))
	if len(u) != 2 {
		t.Fatalf("rebuilt index: %+v", u)
	}
}
