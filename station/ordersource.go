package station

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"labelstation/carrier"
	"labelstation/station/orderfile"
	"labelstation/station/ordersource"
	"labelstation/store"
)

// lookupOrder asks the configured order lookup for an order the store
// does not have and keeps what it answers, so the order packs (and
// re-packs, and reprints) without the WMS from then on. The local store
// is asked first: a scan must not wait for the WMS when the station holds
// the order, and a bench whose WMS is down still packs every order it has
// seen.
func (s *Station) lookupOrder(ctx context.Context, ref string) (carrier.Order, error) {
	o, err := s.cfg.OrderLookup.Lookup(ctx, ref)
	if err != nil {
		var oe *ordersource.Error
		if errors.As(err, &oe) {
			p := &Problem{Msg: oe.Msg, Hint: oe.Hint, Err: err}
			if errors.Is(err, ordersource.ErrNotFound) {
				p.Err = fmt.Errorf("%w: %w", ErrOrderNotFound, err)
			}
			return carrier.Order{}, p
		}
		return carrier.Order{}, &Problem{ID: "order.lookup_failed", Data: map[string]any{"Ref": ref, "Source": s.cfg.OrderLookup.Describe(), "Reason": err.Error()}, Msg: fmt.Sprintf("order %s could not be looked up in %s: %v", ref, s.cfg.OrderLookup.Describe(), err),
			Hint: "orders imported earlier still pack; try again, or import the order file", Err: err}
	}
	o.ImportedAt = s.cfg.Now()
	if _, err := s.store.PutOrders([]carrier.Order{o}); err != nil {
		return carrier.Order{}, err
	}
	s.log.Info("order looked up", "order", o.Ref, "source", s.cfg.OrderLookup.Describe())
	return s.store.Order(o.Ref)
}

// ImportFile imports one complete order file for the watched order
// folder (ordersource.Importer): the good orders and the file's content
// hash are saved in one commit, so the file is never imported twice — not
// after a crash before it was moved to done/, not when the same export is
// dropped again under another name.
func (s *Station) ImportFile(ctx context.Context, name, hash string, data []byte) (ordersource.FileResult, error) {
	if hash == "" {
		sum := sha256.Sum256(data)
		hash = hex.EncodeToString(sum[:])
	}
	if prev, ok, err := s.store.ImportedFile(hash); err != nil {
		return ordersource.FileResult{}, err
	} else if ok {
		return ordersource.FileResult{Already: true, AlreadyName: prev.Name, AlreadyAt: prev.ImportedAt}, nil
	}
	res, err := orderfile.Parse(name, strings.NewReader(string(data)))
	if err != nil {
		return ordersource.FileResult{}, &ordersource.RejectedFile{Reason: err.Error() + "\nThe file must be CSV (with a header row) or JSON; see the README's \"Order files\" for the columns. Fix it and drop it in again."}
	}
	var rejected []string
	for _, r := range res.Rejected {
		rejected = append(rejected, r.Error())
	}
	if len(res.Orders) == 0 {
		return ordersource.FileResult{}, &ordersource.RejectedFile{Reason: "no order in the file could be imported:\n" + strings.Join(rejected, "\n") + "\nFix these lines and drop the file in again."}
	}
	now := s.cfg.Now()
	for i := range res.Orders {
		res.Orders[i].ImportedAt = now
	}
	rec := store.ImportedFile{Hash: hash, Name: name, ImportedAt: now, Orders: len(res.Orders), Rejected: len(res.Rejected)}
	skipped, already, err := s.store.PutOrdersFromFile(res.Orders, rec)
	if err != nil {
		return ordersource.FileResult{}, err
	}
	if already {
		prev, _, _ := s.store.ImportedFile(hash)
		return ordersource.FileResult{Already: true, AlreadyName: prev.Name, AlreadyAt: prev.ImportedAt}, nil
	}
	out := ordersource.FileResult{Skipped: skipped, Rejected: rejected}
	skip := map[string]bool{}
	for _, ref := range skipped {
		skip[ref] = true
	}
	for _, o := range res.Orders {
		if !skip[o.Ref] {
			out.Imported = append(out.Imported, o.Ref)
		}
	}
	s.log.Info("order file imported", "file", name, "imported", len(out.Imported), "skipped", len(skipped), "rejected_rows", len(rejected))
	return out, nil
}
