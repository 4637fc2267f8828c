package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

var replDay = time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)

// bookOrder imports ref, books it (entry, shipment, one print job) and
// returns the shipment, as the scan-to-print path writes it.
func bookOrder(t *testing.T, s *Store, ref string, at time.Time) Shipment {
	t.Helper()
	if _, err := s.PutOrders([]carrier.Order{{Ref: ref, ImportedAt: at, Receiver: carrier.Address{Name: "Åsa", Country: "SE"}}}); err != nil {
		t.Fatal(err)
	}
	id := "req-" + ref
	if err := s.CreateEntry(OutboxEntry{ID: id, OrderRef: ref, Carrier: "postnord", State: StateSending, Created: at, Updated: at}); err != nil {
		t.Fatal(err)
	}
	sh := Shipment{OrderRef: ref, Carrier: "postnord", ShipmentID: "S-" + ref, ItemIDs: []string{"I-" + ref}, RequestID: id, BookedAt: at,
		Status: carrier.StatusCreated, Label: carrier.Label{Format: carrier.LabelZPL, Data: []byte("^XA label ^XZ")}}
	if err := s.RecordBooking(id, sh, PrintJob{ID: "job-" + ref, OrderRef: ref, State: PrintSending, Created: at}); err != nil {
		t.Fatal(err)
	}
	return sh
}

func trackEvent(item string, at time.Time, code string) carrier.TrackingEvent {
	return carrier.TrackingEvent{ItemID: item, Time: at, Status: carrier.StatusInTransit, CarrierCode: code}
}

func pending(t *testing.T, s *Store) []Replica {
	t.Helper()
	reps, err := s.PendingReplicas(1000)
	if err != nil {
		t.Fatal(err)
	}
	return reps
}

// byKind groups replicas as "kind/key" → replica, failing on a duplicate:
// an entity is never pending twice.
func byKind(t *testing.T, reps []Replica) map[string]Replica {
	t.Helper()
	m := map[string]Replica{}
	for _, r := range reps {
		k := r.Kind + "/" + r.Key
		if _, dup := m[k]; dup {
			t.Errorf("%s pending twice", k)
		}
		m[k] = r
	}
	return m
}

func kinds(reps []Replica) string {
	n := map[string]int{}
	for _, r := range reps {
		n[r.Kind]++
	}
	var out []string
	for k, c := range n {
		out = append(out, fmt.Sprintf("%s=%d", k, c))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func backlog(t *testing.T, s *Store) int {
	t.Helper()
	n, err := s.ReplicaBacklog()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNothingMarkedBeforeEnableReplication(t *testing.T) {
	s, dir := openTemp(t)
	bookOrder(t, s, "A-1", replDay)
	if _, err := s.RecordTracking("A-1", []carrier.TrackingEvent{trackEvent("I-A-1", replDay.Add(time.Hour), "EVT1")}, carrier.StatusInTransit,
		TrackSummary{ItemID: "I-A-1", Status: carrier.StatusInTransit}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutLocalClaim(LocalClaim{OrderRef: "A-2", At: replDay}); err != nil {
		t.Fatal(err)
	}
	if s.Replicating() {
		t.Fatal("Replicating on a new file")
	}
	if reps := pending(t, s); len(reps) != 0 || backlog(t, s) != 0 {
		t.Fatalf("marks before EnableReplication: %s, backlog %d", kinds(reps), backlog(t, s))
	}
	s.Close()
	// Opening again does not turn it on: the marks' bucket is created by
	// EnableReplication only.
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketFleetMarks) != nil || tx.Bucket(bucketFleetMarkOrder) != nil {
			t.Error("open created the marks' buckets")
		}
		return nil
	})
	if s.Replicating() {
		t.Error("Replicating after reopen")
	}
}

// history writes a bench's worth of everything the site mirrors and
// returns the "kind/key"s EnableReplication must mark.
func history(t *testing.T, s *Store) []string {
	t.Helper()
	bookOrder(t, s, "H-1", replDay)
	bookOrder(t, s, "H-2", replDay.Add(24*time.Hour))
	if _, err := s.ConfirmPrintJob("job-H-1", replDay, "zebra"); err != nil {
		t.Fatal(err)
	}
	// Events of the last BackfillEventDays are marked; an older one is
	// history the site does not need.
	recent := time.Now().Add(-48 * time.Hour)
	ev := []carrier.TrackingEvent{trackEvent("I-H-1", recent.Add(time.Hour), "A"), trackEvent("I-H-1", recent.Add(2*time.Hour), "B")}
	old := trackEvent("I-H-1", time.Now().AddDate(0, 0, -BackfillEventDays-2), "OLD")
	if _, err := s.RecordTracking("H-1", append([]carrier.TrackingEvent{old}, ev...), carrier.StatusInTransit, TrackSummary{ItemID: "I-H-1", Status: carrier.StatusInTransit}); err != nil {
		t.Fatal(err)
	}
	// An order imported, never packed.
	if _, err := s.PutOrders([]carrier.Order{{Ref: "H-3", ImportedAt: replDay}}); err != nil {
		t.Fatal(err)
	}
	// An offline label cancelled: the entry and the cancelled shipment
	// are the order's record.
	if _, err := s.PutOrders([]carrier.Order{{Ref: "H-4", ImportedAt: replDay}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateEntry(OutboxEntry{ID: "req-H-4", OrderRef: "H-4", Carrier: "postnord", State: StatePending, Created: replDay}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOffline("req-H-4", carrier.BookingRequest{OrderRef: "H-4"}, Shipment{OrderRef: "H-4", Carrier: "postnord", ItemIDs: []string{"I-H-4"}, RequestID: "req-H-4", BookedAt: replDay, Offline: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelEntry("req-H-4", "parcel stopped", replDay.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Cancelled, then packed again the same day: the live shipment is
	// the order's record, the cancelled one is not marked besides.
	if _, err := s.PutOrders([]carrier.Order{{Ref: "H-5", ImportedAt: replDay}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateEntry(OutboxEntry{ID: "req-H-5-a", OrderRef: "H-5", State: StatePending, Created: replDay}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOffline("req-H-5-a", carrier.BookingRequest{OrderRef: "H-5"}, Shipment{OrderRef: "H-5", RequestID: "req-H-5-a", BookedAt: replDay, Offline: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelEntry("req-H-5-a", "wrong parcel", replDay); err != nil {
		t.Fatal(err)
	}
	bookOrder(t, s, "H-5", replDay.Add(time.Minute))
	if _, err := s.ConfirmPrintJob("job-H-5", replDay, "zebra"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutLocalClaim(LocalClaim{OrderRef: "H-3", At: replDay}); err != nil {
		t.Fatal(err)
	}
	evKeys := []string{}
	for _, e := range ev {
		evKeys = append(evKeys, ReplicaEvent+"/"+itemEventKey(e))
	}
	return append([]string{
		"order/H-1", "order/H-2", "order/H-3", "order/H-4", "order/H-5",
		"shipment/H-1", "shipment/H-2", "shipment/H-4", "shipment/H-5",
		"summary/H-1",
		"outbox/req-H-1", "outbox/req-H-2", "outbox/req-H-4", "outbox/req-H-5-a", "outbox/req-H-5",
		"print_job/job-H-2",
		"claim/H-3",
	}, evKeys...)
}

func TestEnableReplicationMarksTheHistoryOnce(t *testing.T) {
	s, dir := openTemp(t)
	want := history(t, s)
	n, err := s.EnableReplication()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) || !s.Replicating() {
		t.Fatalf("EnableReplication marked %d, want %d (replicating %v)", n, len(want), s.Replicating())
	}
	reps := pending(t, s)
	got := byKind(t, reps)
	for _, k := range want {
		r, ok := got[k]
		if !ok {
			t.Errorf("%s not marked", k)
			continue
		}
		if r.Gone {
			t.Errorf("%s is Gone", k)
		}
	}
	if len(got) != len(want) || backlog(t, s) != len(want) {
		t.Errorf("pending %s (backlog %d), want %d", kinds(reps), backlog(t, s), len(want))
	}
	// Orders come first, then shipments (the backfill's order).
	if reps[0].Kind != ReplicaOrder || reps[5].Kind != ReplicaShipment {
		t.Errorf("backfill order: %s then %s", reps[0].Kind, reps[5].Kind)
	}
	if sh := got["shipment/H-5"].Shipment; sh == nil || !sh.Cancelled.IsZero() || sh.RequestID != "req-H-5" {
		t.Errorf("repacked shipment's replica: %+v", sh)
	}
	if sh := got["shipment/H-4"].Shipment; sh == nil || sh.Cancelled.IsZero() || sh.RequestID != "req-H-4" {
		t.Errorf("cancelled shipment's replica: %+v", sh)
	}
	if sh := got["shipment/H-1"].Shipment; sh == nil || !sh.Printed() || sh.Status != carrier.StatusInTransit || sh.Label.Format != carrier.LabelZPL || len(sh.Label.Data) != 0 {
		t.Errorf("shipment replica (printed, in transit, label format without bytes): %+v", sh)
	}
	if sum := got["summary/H-1"].Summary; sum == nil || sum.ItemID != "I-H-1" || !sum.BookedAt.Equal(replDay) {
		t.Errorf("summary replica: %+v", sum)
	}
	for _, r := range reps {
		if r.Kind == ReplicaEvent && (r.Event == nil || r.OrderRef != "H-1") {
			t.Errorf("event replica %s: order %q, event %v", r.Key, r.OrderRef, r.Event)
		}
	}
	if e := got["outbox/req-H-4"].Entry; e == nil || e.State != StateCancelled {
		t.Errorf("cancelled entry's replica: %+v", e)
	}

	// A second Enable marks nothing, and nothing is re-marked (the seqs
	// stay as they are).
	if n, err := s.EnableReplication(); n != 0 || err != nil {
		t.Fatalf("second EnableReplication: %d, %v", n, err)
	}
	again := pending(t, s)
	for i := range again {
		if again[i].Seq != reps[i].Seq {
			t.Fatalf("second Enable re-marked %s", again[i].Key)
		}
	}
	// Nor after a restart.
	s.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Replicating() {
		t.Fatal("not replicating after reopen")
	}
	if n, err := s.EnableReplication(); n != 0 || err != nil {
		t.Fatalf("EnableReplication after reopen: %d, %v", n, err)
	}
}

func TestEnableReplicationResumesAfterAStopHalfway(t *testing.T) {
	defer func(n int) { backfillBatch = n }(backfillBatch)
	backfillBatch = 3
	s, dir := openTemp(t)
	want := history(t, s)
	// The first commits of an Enable, then the station is killed.
	if err := s.update(startBackfill); err != nil {
		t.Fatal(err)
	}
	first, done, err := s.backfillOnce(backfillBatch)
	if err != nil || done || first != 3 {
		t.Fatalf("first batch: %d marked, done %v, %v", first, done, err)
	}
	// A booking while the history is still being marked is marked by its
	// own commit.
	bookOrder(t, s, "L-1", replDay)
	s.Close()

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Replicating() {
		t.Fatal("not replicating after a stop halfway")
	}
	rest, err := s.EnableReplication()
	if err != nil {
		t.Fatal(err)
	}
	got := byKind(t, pending(t, s))
	for _, k := range append(want, "order/L-1", "shipment/L-1", "outbox/req-L-1", "print_job/job-L-1") {
		if _, ok := got[k]; !ok {
			t.Errorf("%s not marked", k)
		}
	}
	if first+rest < len(want) {
		t.Errorf("marked %d+%d, want at least %d", first, rest, len(want))
	}
	if n, err := s.EnableReplication(); n != 0 || err != nil {
		t.Errorf("Enable after the backfill finished: %d, %v", n, err)
	}
	s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta).Get(keyFleetBackfill) != nil {
			t.Error("backfill progress left behind")
		}
		return nil
	})
}

func enabled(t *testing.T) (*Store, string) {
	t.Helper()
	s, dir := openTemp(t)
	if n, err := s.EnableReplication(); err != nil || n != 0 {
		t.Fatalf("EnableReplication on a new file: %d, %v", n, err)
	}
	return s, dir
}

func ackAll(t *testing.T, s *Store) {
	t.Helper()
	if err := s.AckReplicas(pending(t, s)); err != nil {
		t.Fatal(err)
	}
	if n := backlog(t, s); n != 0 {
		t.Fatalf("backlog after acking everything: %d", n)
	}
}

func TestShipmentChangedThreeTimesIsOneReplicaInItsLastForm(t *testing.T) {
	s, _ := enabled(t)
	bookOrder(t, s, "C-1", replDay)
	if _, err := s.MarkPrinted("C-1", replDay.Add(time.Minute), "zebra-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkPrinted("C-1", replDay.Add(2*time.Minute), "zebra-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordTracking("C-1", nil, carrier.StatusDelivered, TrackSummary{ItemID: "I-C-1", Status: carrier.StatusDelivered}); err != nil {
		t.Fatal(err)
	}
	reps := pending(t, s)
	got := byKind(t, reps)
	var ships int
	for _, r := range reps {
		if r.Kind == ReplicaShipment {
			ships++
		}
	}
	sh := got["shipment/C-1"].Shipment
	if ships != 1 || sh == nil {
		t.Fatalf("shipment replicas: %d (%s)", ships, kinds(reps))
	}
	if sh.Reprints != 1 || sh.Printer != "zebra-2" || sh.Status != carrier.StatusDelivered || sh.OrderRef != "C-1" {
		t.Errorf("shipment replica is not the last form: %+v", sh)
	}
	// The last change is the newest mark.
	if last := reps[len(reps)-1]; last.Kind != ReplicaSummary && last.Kind != ReplicaShipment {
		t.Errorf("newest mark is %s/%s", last.Kind, last.Key)
	}
	if n := backlog(t, s); n != len(reps) {
		t.Errorf("backlog %d, pending %d", n, len(reps))
	}
}

func TestChangeDuringThePushSurvivesTheAck(t *testing.T) {
	s, _ := enabled(t)
	bookOrder(t, s, "D-1", replDay)
	bookOrder(t, s, "D-2", replDay)
	pushed := pending(t, s)
	// While the push is on the wire, D-1's label is printed.
	if _, err := s.MarkPrinted("D-1", replDay.Add(time.Minute), "zebra"); err != nil {
		t.Fatal(err)
	}
	if err := s.AckReplicas(pushed); err != nil {
		t.Fatal(err)
	}
	left := pending(t, s)
	if len(left) != 1 || left[0].Kind != ReplicaShipment || left[0].Key != "D-1" || left[0].Shipment == nil || !left[0].Shipment.Printed() {
		t.Fatalf("after the ack: %+v", left)
	}
	var old uint64
	for _, r := range pushed {
		if r.Kind == ReplicaShipment && r.Key == "D-1" {
			old = r.Seq
		}
	}
	if left[0].Seq <= old {
		t.Errorf("re-marked seq %d, pushed seq %d", left[0].Seq, old)
	}
	// Acking the old push again (a retried ack) still leaves it.
	if err := s.AckReplicas(pushed); err != nil {
		t.Fatal(err)
	}
	if n := backlog(t, s); n != 1 {
		t.Fatalf("backlog after a repeated old ack: %d", n)
	}
	ackAll(t, s)
}

func TestEventsAreMarkedOnceEach(t *testing.T) {
	s, _ := enabled(t)
	bookOrder(t, s, "E-1", replDay)
	ackAll(t, s)
	e1, e2 := trackEvent("I-E-1", replDay.Add(time.Hour), "A"), trackEvent("I-E-1", replDay.Add(2*time.Hour), "B")
	sum := TrackSummary{ItemID: "I-E-1", Status: carrier.StatusInTransit}
	if _, err := s.RecordTracking("E-1", []carrier.TrackingEvent{e1, e2, e1}, carrier.StatusInTransit, sum); err != nil {
		t.Fatal(err)
	}
	got := byKind(t, pending(t, s))
	for _, e := range []carrier.TrackingEvent{e1, e2} {
		r, ok := got["event/"+itemEventKey(e)]
		if !ok || r.Event == nil || r.Event.Key() != e.Key() || r.OrderRef != "E-1" {
			t.Errorf("event %s: %+v", e.Key(), r)
		}
	}
	ackAll(t, s)
	// The next poll sees both again and one new: only the new one is
	// marked.
	e3 := trackEvent("I-E-1", replDay.Add(3*time.Hour), "C")
	if _, err := s.RecordTracking("E-1", []carrier.TrackingEvent{e1, e2, e3}, carrier.StatusInTransit, sum); err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, r := range pending(t, s) {
		if r.Kind == ReplicaEvent {
			events = append(events, r.Key)
		}
	}
	if len(events) != 1 || events[0] != itemEventKey(e3) {
		t.Errorf("events marked by the second poll: %v", events)
	}
	ackAll(t, s)
	// A status change alone marks the shipment.
	if _, err := s.RecordTracking("E-1", nil, carrier.StatusDelivered, sum); err != nil {
		t.Fatal(err)
	}
	if r := byKind(t, pending(t, s))["shipment/E-1"]; r.Shipment == nil || r.Shipment.Status != carrier.StatusDelivered {
		t.Errorf("shipment after a status change: %+v", r)
	}
	// PutEvents (no order known by the item) marks too; the replica says
	// it has no order ref rather than guessing.
	if _, err := s.PutEvents([]carrier.TrackingEvent{trackEvent("I-UNKNOWN", replDay, "X")}); err != nil {
		t.Fatal(err)
	}
	got = byKind(t, pending(t, s))
	if r, ok := got["event/"+itemEventKey(trackEvent("I-UNKNOWN", replDay, "X"))]; !ok || r.OrderRef != "" || r.Event == nil {
		t.Errorf("event of an unknown item: %+v", r)
	}
}

func TestDeletedPrintJobIsAGoneReplica(t *testing.T) {
	s, _ := enabled(t)
	bookOrder(t, s, "P-1", replDay)
	if err := s.CreatePrintJob(PrintJob{ID: "job-2", OrderRef: "P-1", State: PrintWaiting, Reprint: true, Created: replDay}); err != nil {
		t.Fatal(err)
	}
	ackAll(t, s)
	if _, err := s.UpdatePrintJob("job-2", func(j *PrintJob) error { j.State = PrintUnknown; return nil }); err != nil {
		t.Fatal(err)
	}
	got := byKind(t, pending(t, s))
	if r := got["print_job/job-2"]; r.Gone || r.PrintJob == nil || r.PrintJob.State != PrintUnknown || r.OrderRef != "P-1" {
		t.Fatalf("updated job's replica: %+v", r)
	}
	ackAll(t, s)
	// Discarded by the packer; the other confirmed printed.
	if err := s.DeletePrintJob("job-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfirmPrintJob("job-P-1", replDay, "zebra"); err != nil {
		t.Fatal(err)
	}
	got = byKind(t, pending(t, s))
	for _, id := range []string{"job-2", "job-P-1"} {
		if r, ok := got["print_job/"+id]; !ok || !r.Gone || r.PrintJob != nil {
			t.Errorf("deleted job %s: %+v", id, r)
		}
	}
	if r := got["shipment/P-1"]; r.Shipment == nil || !r.Shipment.Printed() {
		t.Errorf("confirming marks the shipment printed: %+v", r)
	}
	// The job's id used again: no longer Gone.
	if err := s.CreatePrintJob(PrintJob{ID: "job-2", OrderRef: "P-1", State: PrintSending, Created: replDay}); err != nil {
		t.Fatal(err)
	}
	if r := byKind(t, pending(t, s))["print_job/job-2"]; r.Gone || r.PrintJob == nil {
		t.Errorf("recreated job: %+v", r)
	}
}

func TestRecoveredPrintJobsAreMarked(t *testing.T) {
	s, _ := enabled(t)
	bookOrder(t, s, "R-1", replDay)
	ackAll(t, s)
	if n, err := s.RecoverPrintJobs(replDay); n != 1 || err != nil {
		t.Fatalf("recover: %d, %v", n, err)
	}
	if r := byKind(t, pending(t, s))["print_job/job-R-1"]; r.PrintJob == nil || r.PrintJob.State != PrintUnknown {
		t.Errorf("recovered job: %+v", r)
	}
}

func TestEntryWritesAreMarked(t *testing.T) {
	s, _ := enabled(t)
	if err := s.CreateEntry(OutboxEntry{ID: "req-1", OrderRef: "Q-1", Carrier: "postnord", State: StateSending, Created: replDay}); err != nil {
		t.Fatal(err)
	}
	if r := byKind(t, pending(t, s))["outbox/req-1"]; r.Entry == nil || r.Entry.State != StateSending {
		t.Fatalf("created entry: %+v", r)
	}
	ackAll(t, s)
	if _, err := s.UpdateEntry("req-1", func(e *OutboxEntry) error { e.State, e.Attempts = StateAttention, 2; return nil }); err != nil {
		t.Fatal(err)
	}
	if r := byKind(t, pending(t, s))["outbox/req-1"]; r.Entry == nil || r.Entry.State != StateAttention || r.Entry.Attempts != 2 || r.OrderRef != "Q-1" {
		t.Fatalf("updated entry: %+v", r)
	}
	ackAll(t, s)
	// Offline, then synced: the entry and the shipment, each once.
	if _, err := s.UpdateEntry("req-1", func(e *OutboxEntry) error { e.State = StatePending; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOffline("req-1", carrier.BookingRequest{OrderRef: "Q-1"}, Shipment{OrderRef: "Q-1", RequestID: "req-1", BookedAt: replDay, Offline: true}); err != nil {
		t.Fatal(err)
	}
	if r := byKind(t, pending(t, s))["shipment/Q-1"]; r.Shipment == nil || !r.Shipment.Offline {
		t.Fatalf("offline shipment: %+v", r)
	}
	ackAll(t, s)
	if _, err := s.RecordSynced("req-1", replDay.Add(time.Hour), func(sh *Shipment) { sh.ShipmentID = "S-Q-1" }); err != nil {
		t.Fatal(err)
	}
	reps := pending(t, s)
	got := byKind(t, reps)
	if len(reps) != 2 {
		t.Errorf("pending after the sync: %s", kinds(reps))
	}
	if r := got["outbox/req-1"]; r.Entry == nil || r.Entry.State != StateBooked || r.Entry.SyncedAt.IsZero() {
		t.Errorf("synced entry: %+v", r)
	}
	if r := got["shipment/Q-1"]; r.Shipment == nil || r.Shipment.ShipmentID != "S-Q-1" || r.Shipment.SyncedAt.IsZero() {
		t.Errorf("synced shipment: %+v", r)
	}
	ackAll(t, s)
	// Booked online: the entry's last step is marked with the shipment.
	if err := s.CreateEntry(OutboxEntry{ID: "req-2", OrderRef: "Q-2", Carrier: "postnord", State: StateSending, Created: replDay}); err != nil {
		t.Fatal(err)
	}
	ackAll(t, s)
	if err := s.RecordBooking("req-2", Shipment{OrderRef: "Q-2", RequestID: "req-2", BookedAt: replDay}); err != nil {
		t.Fatal(err)
	}
	got = byKind(t, pending(t, s))
	if r := got["outbox/req-2"]; r.Entry == nil || r.Entry.State != StateBooked {
		t.Errorf("booked entry: %+v", r)
	}
	if r := got["shipment/Q-2"]; r.Shipment == nil {
		t.Errorf("booked shipment not marked")
	}
}

func TestCancelledShipmentStaysTheRecordUntilRepacked(t *testing.T) {
	s, _ := enabled(t)
	if _, err := s.PutOrders([]carrier.Order{{Ref: "X-1", ImportedAt: replDay}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateEntry(OutboxEntry{ID: "req-a", OrderRef: "X-1", State: StatePending, Created: replDay}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOffline("req-a", carrier.BookingRequest{OrderRef: "X-1"}, Shipment{OrderRef: "X-1", ItemIDs: []string{"OWN-1"}, RequestID: "req-a", BookedAt: replDay, Offline: true}); err != nil {
		t.Fatal(err)
	}
	ackAll(t, s)
	if _, err := s.CancelEntry("req-a", "wrong address", replDay.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got := byKind(t, pending(t, s))
	if r := got["shipment/X-1"]; r.Gone || r.Shipment == nil || r.Shipment.Cancelled.IsZero() || r.Shipment.TrackingID() != "OWN-1" {
		t.Fatalf("cancelled shipment's replica: %+v", r)
	}
	if r := got["outbox/req-a"]; r.Entry == nil || r.Entry.State != StateCancelled {
		t.Fatalf("cancelled entry's replica: %+v", r)
	}
	ackAll(t, s)
	// Packed again: the new shipment replaces the cancelled one as the
	// order's record.
	bookOrder(t, s, "X-1", replDay.Add(2*time.Hour))
	if r := byKind(t, pending(t, s))["shipment/X-1"]; r.Shipment == nil || !r.Shipment.Cancelled.IsZero() || r.Shipment.RequestID != "req-X-1" {
		t.Fatalf("repacked shipment's replica: %+v", r)
	}
}

func TestOrderFileImportAndSummariesAreMarked(t *testing.T) {
	s, _ := enabled(t)
	skipped, already, err := s.PutOrdersFromFile([]carrier.Order{{Ref: "F-1"}, {Ref: "F-2"}}, ImportedFile{Hash: "h1", Name: "orders.csv", ImportedAt: replDay})
	if err != nil || already || len(skipped) != 0 {
		t.Fatal(skipped, already, err)
	}
	got := byKind(t, pending(t, s))
	if got["order/F-1"].Order == nil || got["order/F-2"].Order == nil || got["order/F-2"].OrderRef != "F-2" {
		t.Fatalf("imported orders: %+v", got)
	}
	ackAll(t, s)
	bookOrder(t, s, "F-1", replDay)
	ackAll(t, s)
	n, err := s.SeedTrackSummaries(replDay, replDay, func(sh Shipment) (TrackSummary, bool) {
		return TrackSummary{ItemID: sh.TrackingID(), Carrier: sh.Carrier, Status: carrier.StatusCreated}, true
	})
	if err != nil || n != 1 {
		t.Fatalf("seed: %d, %v", n, err)
	}
	if r := byKind(t, pending(t, s))["summary/F-1"]; r.Summary == nil || r.Summary.ItemID != "I-F-1" || !r.Summary.BookedAt.Equal(replDay) {
		t.Fatalf("seeded summary: %+v", r)
	}
	ackAll(t, s)
	sum, _ := s.TrackSummary("F-1")
	sum.Polls = 3
	if err := s.PutTrackSummary(sum); err != nil {
		t.Fatal(err)
	}
	if r := byKind(t, pending(t, s))["summary/F-1"]; r.Summary == nil || r.Summary.Polls != 3 {
		t.Fatalf("updated summary: %+v", r)
	}
}

func TestLocalClaimPutAndRelease(t *testing.T) {
	s, _ := enabled(t)
	if err := s.PutLocalClaim(LocalClaim{OrderRef: "K-1", At: replDay}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutLocalClaim(LocalClaim{OrderRef: "K-2", At: replDay.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutLocalClaim(LocalClaim{}); err == nil {
		t.Error("a claim without an order ref was kept")
	}
	cs, err := s.LocalClaims()
	if err != nil || len(cs) != 2 || cs[0].OrderRef != "K-2" {
		t.Fatalf("local claims: %+v, %v", cs, err)
	}
	r := byKind(t, pending(t, s))["claim/K-1"]
	if r.Gone || r.Claim == nil || !r.Claim.At.Equal(replDay) || r.OrderRef != "K-1" {
		t.Fatalf("claim replica: %+v", r)
	}
	ackAll(t, s)
	if err := s.ReleaseLocalClaim("K-1"); err != nil {
		t.Fatal(err)
	}
	reps := pending(t, s)
	if len(reps) != 1 || reps[0].Kind != ReplicaClaim || reps[0].Key != "K-1" || !reps[0].Gone || reps[0].Claim != nil {
		t.Fatalf("release: %+v", reps)
	}
	if cs, _ := s.LocalClaims(); len(cs) != 1 || cs[0].OrderRef != "K-2" {
		t.Errorf("claims after the release: %+v", cs)
	}
}

func TestClaimConflicts(t *testing.T) {
	s, _ := openTemp(t)
	if cs, err := s.ClaimConflicts(); err != nil || len(cs) != 0 {
		t.Fatalf("no conflicts yet: %v, %v", cs, err)
	}
	first := ClaimConflict{OrderRef: "Z-1", At: replDay, Other: "B2", OtherAt: replDay.Add(-time.Minute), Detected: replDay.Add(time.Hour)}
	if err := s.PutClaimConflict(first); err != nil {
		t.Fatal(err)
	}
	// The same clash found by the next push, now with both tracking ids:
	// kept once, the ids filled in, the first detection kept.
	again := first
	again.Detected, again.Tracking, again.OtherTracking, again.Other = replDay.Add(2*time.Hour), "T-MINE", "T-OTHER", "B9"
	if err := s.PutClaimConflict(again); err != nil {
		t.Fatal(err)
	}
	if err := s.PutClaimConflict(ClaimConflict{OrderRef: "Z-2", Other: "B3", Detected: replDay.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutClaimConflict(ClaimConflict{OrderRef: "Z-3", Other: "B3", Detected: replDay.Add(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	cs, err := s.ClaimConflicts()
	if err != nil || len(cs) != 3 {
		t.Fatalf("conflicts: %+v, %v", cs, err)
	}
	if got := []string{cs[0].OrderRef, cs[1].OrderRef, cs[2].OrderRef}; strings.Join(got, ",") != "Z-2,Z-1,Z-3" {
		t.Errorf("order (newest first): %v", got)
	}
	z1 := cs[1]
	if z1.Tracking != "T-MINE" || z1.OtherTracking != "T-OTHER" || z1.Other != "B2" || !z1.Detected.Equal(first.Detected) {
		t.Errorf("conflict kept once with tracking ids filled in: %+v", z1)
	}

	if _, err := s.ResolveClaimConflict("Z-2", "  ", replDay); err == nil || !strings.Contains(err.Error(), "note") {
		t.Errorf("empty note: %v", err)
	}
	if _, err := s.ResolveClaimConflict("NOPE", "checked", replDay); !errors.Is(err, ErrNotFound) {
		t.Errorf("resolving an unknown conflict: %v", err)
	}
	at := replDay.Add(5 * time.Hour)
	c, err := s.ResolveClaimConflict("Z-2", " B3's parcel stopped at the dock ", at)
	if err != nil || !c.Resolved.Equal(at) || c.Note != "B3's parcel stopped at the dock" {
		t.Fatalf("resolve: %+v, %v", c, err)
	}
	cs, _ = s.ClaimConflicts()
	if got := []string{cs[0].OrderRef, cs[1].OrderRef, cs[2].OrderRef}; strings.Join(got, ",") != "Z-1,Z-3,Z-2" {
		t.Errorf("order (unresolved first): %v", got)
	}
	// The first record is not replaced by a later clash on a resolved
	// order either.
	if err := s.PutClaimConflict(ClaimConflict{OrderRef: "Z-2", Other: "B4", Detected: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if cs, _ = s.ClaimConflicts(); cs[2].OrderRef != "Z-2" || cs[2].Resolved.IsZero() || cs[2].Other != "B3" {
		t.Errorf("resolved conflict after a repeated clash: %+v", cs[2])
	}
}

func TestMarksSurviveARestart(t *testing.T) {
	s, dir := enabled(t)
	bookOrder(t, s, "S-1", replDay)
	if err := s.PutLocalClaim(LocalClaim{OrderRef: "S-1", At: replDay}); err != nil {
		t.Fatal(err)
	}
	before := pending(t, s)
	// Killed before the push (no Close: the commits are on disk).
	s.db.Close()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Replicating() {
		t.Fatal("not replicating after restart")
	}
	after := pending(t, s)
	if len(after) != len(before) || len(after) != 5 {
		t.Fatalf("pending after restart: %s, before: %s", kinds(after), kinds(before))
	}
	for i := range after {
		if after[i].Kind != before[i].Kind || after[i].Key != before[i].Key || after[i].Seq != before[i].Seq {
			t.Errorf("mark %d: %s/%s#%d, was %s/%s#%d", i, after[i].Kind, after[i].Key, after[i].Seq, before[i].Kind, before[i].Key, before[i].Seq)
		}
	}
	// Marks made after the restart are newer than those before it.
	if _, err := s.MarkPrinted("S-1", replDay, "zebra"); err != nil {
		t.Fatal(err)
	}
	last := pending(t, s)
	if l := last[len(last)-1]; l.Kind != ReplicaShipment || l.Seq <= before[len(before)-1].Seq {
		t.Errorf("newest mark after the restart: %s/%s#%d", l.Kind, l.Key, l.Seq)
	}
}

func TestPendingReplicasHonoursMax(t *testing.T) {
	s, _ := enabled(t)
	for i := range 5 {
		if _, err := s.PutOrders([]carrier.Order{{Ref: fmt.Sprintf("M-%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	reps, err := s.PendingReplicas(3)
	if err != nil || len(reps) != 3 || reps[0].Key != "M-0" || reps[2].Key != "M-2" {
		t.Fatalf("first 3: %+v, %v", reps, err)
	}
	if err := s.AckReplicas(reps); err != nil {
		t.Fatal(err)
	}
	reps, _ = s.PendingReplicas(3)
	if len(reps) != 2 || reps[0].Key != "M-3" {
		t.Fatalf("the rest: %+v", reps)
	}
	if reps, _ := s.PendingReplicas(0); len(reps) != 0 {
		t.Errorf("max 0 returned %d", len(reps))
	}
}

// benchBookings measures the CPU side of a booking's writes (order,
// entry, shipment, print job, print confirmation) with fsync off, so the
// replication hooks' cost is not drowned in the disk's latency.
//
//	go test -run '^$' -bench BookingWrites -benchtime 3000x -benchmem ./store/
func benchBookings(b *testing.B, replicate bool) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.db.NoSync = true
	if replicate {
		if _, err := s.EnableReplication(); err != nil {
			b.Fatal(err)
		}
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ref, id := fmt.Sprintf("B-%d", i), fmt.Sprintf("req-%d", i)
		if err := s.CreateEntry(OutboxEntry{ID: id, OrderRef: ref, Carrier: "postnord", State: StateSending, Created: at, Updated: at}); err != nil {
			b.Fatal(err)
		}
		sh := Shipment{OrderRef: ref, Carrier: "postnord", ShipmentID: "S" + ref, ItemIDs: []string{"I" + ref}, RequestID: id, BookedAt: at, Label: carrier.Label{Format: carrier.LabelZPL, Data: make([]byte, 2048)}}
		if err := s.RecordBooking(id, sh, PrintJob{ID: "job-" + ref, OrderRef: ref, State: PrintSending, Created: at}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.ConfirmPrintJob("job-"+ref, at, "zebra"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBookingWritesReplicationOff(b *testing.B) { benchBookings(b, false) }
func BenchmarkBookingWritesReplicationOn(b *testing.B)  { benchBookings(b, true) }

// TestSiteNewsIsNotMarked: the tracking a bench records from the site's
// inbox is the server's already: nothing of it is marked to go back,
// while the same news recorded by the bench's own poller is.
func TestSiteNewsIsNotMarked(t *testing.T) {
	s, _ := openTemp(t)
	bookOrder(t, s, "N-1", replDay)
	if _, err := s.EnableReplication(); err != nil {
		t.Fatal(err)
	}
	if err := s.AckReplicas(pending(t, s)); err != nil { // the history, pushed
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	ev := []carrier.TrackingEvent{trackEvent("I-N-1", at, "SITE-1"), trackEvent("I-N-1", at.Add(time.Minute), "SITE-2")}
	added, err := s.RecordTrackingFromSite("N-1", ev, carrier.StatusInTransit, TrackSummary{OrderRef: "N-1", ItemID: "I-N-1", Status: carrier.StatusInTransit})
	if err != nil || added != 2 {
		t.Fatalf("recorded %d: %v", added, err)
	}
	if n, err := s.ReplicaBacklog(); err != nil || n != 0 {
		t.Fatalf("the site's news left %d marks (err %v), want none", n, err)
	}
	if got, err := s.ItemEvents("I-N-1"); err != nil || len(got) != 2 {
		t.Fatalf("events kept: %d %v", len(got), err)
	}
	// The bench's own recording is marked as before.
	if _, err := s.RecordTracking("N-1", []carrier.TrackingEvent{trackEvent("I-N-1", at.Add(2*time.Minute), "OWN")}, carrier.StatusDelivered,
		TrackSummary{OrderRef: "N-1", ItemID: "I-N-1", Status: carrier.StatusDelivered}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ReplicaBacklog(); err != nil || n == 0 {
		t.Fatalf("the bench's own recording left no mark (err %v)", err)
	}
}

// LocalClaims lists the claims the bench keeps, oldest first: only the
// tests read them all (the station asks the server, and marks the rest).
func (s *Store) LocalClaims() ([]LocalClaim, error) {
	var out []LocalClaim
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFleetClaims)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var c LocalClaim
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("read local claim %s: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("local claims: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}
