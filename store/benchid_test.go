package store

import (
	"testing"
	"time"
)

// TestBenchIDKept: a data file's id is made once and kept across
// reopening; another data file has another.
func TestBenchIDKept(t *testing.T) {
	s, dir := openTemp(t)
	id, err := s.BenchID()
	if err != nil || len(id) != 32 {
		t.Fatalf("id %q: %v", id, err)
	}
	if again, _ := s.BenchID(); again != id {
		t.Fatalf("second call %q, first %q", again, id)
	}
	s.Close()
	s, err = Open(dir, Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if again, _ := s.BenchID(); again != id {
		t.Fatalf("after reopening %q, before %q", again, id)
	}
	other, _ := openTemp(t)
	if oid, _ := other.BenchID(); oid == id {
		t.Fatal("two data files share an id")
	}
}
