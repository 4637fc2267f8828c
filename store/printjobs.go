package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PrintState is where a label is in a printer's queue.
type PrintState string

const (
	// PrintSending: the job is (or, found after a restart, was) on its way
	// to the printer. A job is written straight into this state, so a
	// crash before or during the send is treated as an unknown outcome:
	// the packer is asked, never a duplicate printed.
	PrintSending PrintState = "sending"
	// PrintWaiting: the printer refused the job or could not be reached,
	// and nothing of it reached the printer. The packer chooses Retry or
	// Discard.
	PrintWaiting PrintState = "waiting"
	// PrintUnknown: the job (or part of it) reached the printer but the
	// printer did not confirm it printed; it may print by itself once a
	// fault is cleared. It is never resent without the packer's say.
	PrintUnknown PrintState = "unknown"
)

// PrintJob is one label on its way to one printer. It is written before
// the label is sent and deleted in the commit that records the print, so
// a label is never lost between the booking and the printer.
type PrintJob struct {
	ID       string     `json:"id"`
	Printer  string     `json:"printer"` // the printer's address, as Printer.String()
	OrderRef string     `json:"order_ref"`
	State    PrintState `json:"state"`
	// Reprint marks a label printed again on the packer's request.
	Reprint bool `json:"reprint,omitempty"`
	// ReturnID marks a return label: confirming it marks the return
	// printed, not the order's outgoing shipment.
	ReturnID string `json:"return_id,omitempty"`
	// TrackingID and Receiver are for the packer's question "did this
	// label print?": the label's own words, without opening the shipment.
	TrackingID string `json:"tracking_id"`
	Receiver   string `json:"receiver"`
	Attempts   int    `json:"attempts"`
	// LastError is the printer's words for the last failure.
	LastError string    `json:"last_error,omitempty"`
	Hint      string    `json:"hint,omitempty"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

// CreatePrintJob writes a new job (one commit).
func (s *Store) CreatePrintJob(j PrintJob) error {
	return s.update(func(tx *bolt.Tx) error { return putPrintJob(tx, j) })
}

// putPrintJob adds a new job inside tx.
func putPrintJob(tx *bolt.Tx, j PrintJob) error {
	b := tx.Bucket(bucketPrintJobs)
	if b.Get([]byte(j.ID)) != nil {
		return fmt.Errorf("queue label %s for printing: job id %s already used", j.OrderRef, j.ID)
	}
	if err := putJSON(b, j.ID, j); err != nil {
		return fmt.Errorf("queue label %s for printing: %w", j.OrderRef, err)
	}
	return markTx(tx, ReplicaPrintJob, j.ID)
}

// UpdatePrintJob changes a job inside one transaction and returns it.
func (s *Store) UpdatePrintJob(id string, change func(*PrintJob) error) (PrintJob, error) {
	var j PrintJob
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPrintJobs)
		if err := getJSON(b, id, &j); err != nil {
			return err
		}
		if err := change(&j); err != nil {
			return err
		}
		if err := markTx(tx, ReplicaPrintJob, id); err != nil {
			return err
		}
		return putJSON(b, id, j)
	})
	if err != nil {
		return j, fmt.Errorf("update print job %s: %w", id, err)
	}
	return j, nil
}

// PrintJob returns one job.
func (s *Store) PrintJob(id string) (PrintJob, error) {
	var j PrintJob
	err := s.db.View(func(tx *bolt.Tx) error { return getJSON(tx.Bucket(bucketPrintJobs), id, &j) })
	return j, err
}

// PrintJobs returns the queued jobs, oldest first.
func (s *Store) PrintJobs() ([]PrintJob, error) {
	var out []PrintJob
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPrintJobs).ForEach(func(k, v []byte) error {
			var j PrintJob
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("read print job %s: %w", k, err)
			}
			out = append(out, j)
			return nil
		})
	})
	sort.SliceStable(out, func(i, k int) bool { return out[i].Created.Before(out[k].Created) })
	return out, err
}

// DeletePrintJob removes a job the packer discarded.
func (s *Store) DeletePrintJob(id string) error {
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPrintJobs)
		if b.Get([]byte(id)) == nil {
			return ErrNotFound
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		return markTx(tx, ReplicaPrintJob, id)
	})
	if err != nil {
		return fmt.Errorf("discard print job %s: %w", id, err)
	}
	return nil
}

// ConfirmPrintJob records that the job's label printed: the job is
// removed and the shipment marked printed (see MarkPrinted) in one
// commit, so confirming a print costs one fsync and a crash cannot leave
// a printed label queued or a queued label marked printed.
func (s *Store) ConfirmPrintJob(id string, at time.Time, printerName string) (Shipment, error) {
	var sh Shipment
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPrintJobs)
		var j PrintJob
		if err := getJSON(b, id, &j); err != nil {
			return err
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		if err := markTx(tx, ReplicaPrintJob, id); err != nil {
			return err
		}
		if j.ReturnID != "" {
			var r Return
			rb := tx.Bucket(bucketReturns)
			if err := getJSON(rb, j.ReturnID, &r); err != nil {
				return err
			}
			r.PrintedAt = at
			if err := putJSON(rb, r.ID, r); err != nil {
				return err
			}
			if key := tx.Bucket(bucketShipmentIndex).Get([]byte(j.OrderRef)); key != nil {
				return getJSON(tx.Bucket(bucketShipments), string(key), &sh)
			}
			return nil
		}
		var err error
		sh, err = markPrinted(tx, j.OrderRef, at, printerName)
		return err
	})
	if err != nil {
		return sh, fmt.Errorf("confirm print job %s: %w", id, err)
	}
	return sh, nil
}

// RecoverPrintJobs is called when a station starts: a job found in
// "sending" was on its way when the station stopped, so whether it
// printed is unknown. It returns how many jobs it changed.
func (s *Store) RecoverPrintJobs(now time.Time) (int, error) {
	jobs, err := s.PrintJobs()
	if err != nil {
		return 0, err
	}
	var found []PrintJob
	for _, j := range jobs {
		if j.State == PrintSending {
			found = append(found, j)
		}
	}
	if len(found) == 0 {
		// Nothing to change: no write, so starting costs no fsync.
		return 0, nil
	}
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPrintJobs)
		for _, j := range found {
			j.State, j.Updated = PrintUnknown, now
			j.LastError = "the station stopped while this label was being sent to the printer; it may have printed"
			if err := putJSON(b, j.ID, j); err != nil {
				return err
			}
			if err := markTx(tx, ReplicaPrintJob, j.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return len(found), err
}
