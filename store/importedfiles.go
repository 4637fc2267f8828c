package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// bucketImportedFiles: content hash (hex SHA-256) → ImportedFile. The
// watched order folder records every file it imported in the same commit
// as the file's orders, so a file is never imported twice: not when the
// station crashes before moving it to done/, not when the same export is
// dropped again under another name.
var bucketImportedFiles = []byte("imported_files")

// ImportedFile is the record of one order file taken in.
type ImportedFile struct {
	Hash       string    `json:"hash"`
	Name       string    `json:"name"`
	ImportedAt time.Time `json:"imported_at"`
	Orders     int       `json:"orders"`
	Skipped    int       `json:"skipped,omitempty"`
	Rejected   int       `json:"rejected,omitempty"`
}

// ImportedFile returns the record of the file with this content hash;
// ok is false when no such file was imported.
func (s *Store) ImportedFile(hash string) (f ImportedFile, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		err := getJSON(tx.Bucket(bucketImportedFiles), hash, &f)
		if err == ErrNotFound {
			return nil
		}
		ok = err == nil
		return err
	})
	return f, ok, err
}

// PutOrdersFromFile saves the orders of one file and the file's record in
// one commit (see PutOrders for skipped). When a file with the same hash
// was imported before, nothing is saved and already is true.
func (s *Store) PutOrdersFromFile(orders []carrier.Order, rec ImportedFile) (skipped []string, already bool, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketImportedFiles)
		if b.Get([]byte(rec.Hash)) != nil {
			already = true
			return nil
		}
		var err error
		if skipped, err = putOrders(tx, orders); err != nil {
			return err
		}
		rec.Skipped = len(skipped)
		return putJSON(b, rec.Hash, rec)
	})
	if err != nil {
		return nil, false, fmt.Errorf("import order file %s: %w", rec.Name, err)
	}
	return skipped, already, nil
}
