package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketSettings: setting name → JSON. What the station's people set up at
// run time and the file's other buckets do not hold (the notification
// rules and templates); the config file holds what a site's IT sets up.
var bucketSettings = []byte("settings")

// PutSetting saves one setting (one commit).
func (s *Store) PutSetting(name string, v any) error {
	err := s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSettings)
		if err != nil {
			return err
		}
		return putJSON(b, name, v)
	})
	if err != nil {
		return fmt.Errorf("save setting %s: %w", name, err)
	}
	return nil
}

// Setting reads one setting into v; ok is false when it was never saved.
func (s *Store) Setting(name string, v any) (ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSettings)
		if b == nil {
			return nil
		}
		err := getJSON(b, name, v)
		if err == ErrNotFound {
			return nil
		}
		ok = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("read setting %s: %w", name, err)
	}
	return ok, nil
}
