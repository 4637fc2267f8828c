package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func serialID(_ IDSeries, n uint64) (string, error) { return fmt.Sprintf("ID%06d", n), nil }

func TestSeriesHandsOutEachIDOnceAcrossRestarts(t *testing.T) {
	s, dir := openTemp(t)
	if _, err := s.DefineSeries(IDSeries{Name: "pn", Kind: "sscc", First: 10, Last: 14}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for i := 0; i < 3; i++ {
		id, _, err := s.AllocateID("pn", serialID)
		if err != nil || got[id] {
			t.Fatalf("allocation %d: %q %v (seen before: %v)", i, id, err, got[id])
		}
		got[id] = true
	}
	s.Close()
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	// Redefining the same range after a restart (as every start does from
	// the config) must not rewind it.
	if _, err := s2.DefineSeries(IDSeries{Name: "pn", Kind: "sscc", First: 10, Last: 14}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		id, ser, err := s2.AllocateID("pn", serialID)
		if err != nil || got[id] {
			t.Fatalf("after restart: %q %v (reused: %v)", id, err, got[id])
		}
		got[id] = true
		if i == 1 && (ser.Used() != 5 || ser.Size() != 5) {
			t.Fatalf("used %d of %d, want 5 of 5", ser.Used(), ser.Size())
		}
	}
	if _, _, err := s2.AllocateID("pn", serialID); !errors.Is(err, ErrSeriesExhausted) {
		t.Fatalf("sixth id from a five-id series: %v", err)
	}
	if _, _, err := s2.AllocateID("nope", serialID); !errors.Is(err, ErrSeriesUnknown) {
		t.Fatalf("undefined series: %v", err)
	}
}

func TestRedefiningASeriesNeverReusesIDs(t *testing.T) {
	s, _ := openTemp(t)
	s.DefineSeries(IDSeries{Name: "pn", Kind: "sscc", First: 100, Last: 199})
	for i := 0; i < 10; i++ {
		s.AllocateID("pn", serialID)
	}
	// A range that starts lower continues where the series was.
	ser, err := s.DefineSeries(IDSeries{Name: "pn", Kind: "sscc", First: 0, Last: 299})
	if err != nil || ser.Next != 110 {
		t.Fatalf("widened range: next %d, %v; want 110", ser.Next, err)
	}
	// A range ending before the ids already used is refused.
	if _, err := s.DefineSeries(IDSeries{Name: "pn", Kind: "sscc", First: 100, Last: 105}); err == nil || !strings.Contains(err.Error(), "never reused") {
		t.Fatalf("shrunk range: %v", err)
	}
	if _, err := s.DefineSeries(IDSeries{Name: "pn", Kind: "s10", First: 1, Last: 9}); err == nil {
		t.Fatal("changing a series' kind must be refused")
	}
	// An id another series already handed out is refused, not reused.
	s.DefineSeries(IDSeries{Name: "other", Kind: "sscc", First: 100, Last: 199})
	if _, _, err := s.AllocateID("other", serialID); err == nil || !strings.Contains(err.Error(), "already handed out") {
		t.Fatalf("overlapping series: %v", err)
	}
}

func TestConcurrentAllocationsAreUnique(t *testing.T) {
	s, _ := openTemp(t)
	s.DefineSeries(IDSeries{Name: "pn", Kind: "sscc", First: 1, Last: 1000})
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				id, _, err := s.AllocateID("pn", serialID)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[id] {
					t.Errorf("id %s handed out twice", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 200 {
		t.Fatalf("%d unique ids, want 200", len(seen))
	}
}

// Every start defines the config's series again; when nothing changed that
// must not write (a full disk would otherwise stop the station at start).
func TestRedefiningAnUnchangedSeriesWritesNothing(t *testing.T) {
	s, _ := openTemp(t)
	def := IDSeries{Name: "own", Kind: "sscc", Params: map[string]string{"company_prefix": "7350099"}, First: 1, Last: 10}
	if _, err := s.DefineSeries(def); err != nil {
		t.Fatal(err)
	}
	txid := func() (id int) {
		s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil })
		return id
	}
	before := txid()
	if got, err := s.DefineSeries(def); err != nil || got.Next != 1 {
		t.Fatalf("redefine: %+v %v", got, err)
	}
	if after := txid(); after != before {
		t.Fatalf("an unchanged series was written again (%d commits)", after-before)
	}
	def.Last = 20
	if got, err := s.DefineSeries(def); err != nil || got.Last != 20 || txid() == before {
		t.Fatalf("a changed range must be saved: %+v %v", got, err)
	}
}
