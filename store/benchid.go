package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// keyBenchID holds the data file's own id in the meta bucket.
var keyBenchID = []byte("bench_id")

// BenchID is this data file's own id, made (and kept) on first use: in
// fleet mode the site tells two benches under one name apart by it (a
// cloned PC image brings the name, never the data file's id).
func (s *Store) BenchID() (string, error) {
	var id string
	err := s.db.View(func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketMeta).Get(keyBenchID))
		return nil
	})
	if err != nil || id != "" {
		return id, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyBenchID); v != nil { // made meanwhile
			id = string(v)
			return nil
		}
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		id = hex.EncodeToString(b[:])
		return meta.Put(keyBenchID, []byte(id))
	})
	if err != nil {
		return "", fmt.Errorf("the data file's bench id: %w", err)
	}
	return id, nil
}
