package station

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"labelstation/carrier"
)

// Carrier information the packer asks for before booking: service points
// for MyPack Collect and expected delivery dates. The GUI and the CLI
// call these same methods; a carrier that cannot answer says so.

// ServicePoints returns up to n service points nearest to the address,
// nearest first.
func (s *Station) ServicePoints(ctx context.Context, near carrier.Address, n int) ([]carrier.ServicePoint, error) {
	f, ok := s.carrier.(carrier.ServicePointFinder)
	if !ok {
		return nil, s.cannot("list service points")
	}
	sps, err := f.NearestServicePoints(ctx, near, n)
	if err != nil {
		return nil, s.carrierInfoProblem("find service points near "+strings.TrimSpace(near.Country+" "+near.Postcode), err)
	}
	return sps, nil
}

// ServicePoint looks one service point up by its id, e.g. to check the
// id an order came with.
func (s *Station) ServicePoint(ctx context.Context, country, id string) (carrier.ServicePoint, error) {
	f, ok := s.carrier.(carrier.ServicePointFinder)
	if !ok {
		return carrier.ServicePoint{}, s.cannot("look up service points")
	}
	sp, err := f.ServicePoint(ctx, country, id)
	if err != nil {
		return sp, s.carrierInfoProblem(fmt.Sprintf("look up service point %s in %s", id, country), err)
	}
	return sp, nil
}

// TransitTimes estimates when a parcel handed over now would arrive at
// the address, per service (all the carrier offers when services is
// empty). The origin is the consignor unless from is given.
func (s *Station) TransitTimes(ctx context.Context, from, to carrier.Address, services []string) ([]carrier.TransitTime, error) {
	tt, ok := s.carrier.(carrier.TransitTimer)
	if !ok {
		return nil, s.cannot("estimate transit times")
	}
	if from.Country == "" && from.Postcode == "" {
		from = s.cfg.Consignor.Address
	}
	out, err := tt.TransitTimes(ctx, carrier.TransitQuery{From: from, To: to, Services: services, Start: s.cfg.Now()})
	if err != nil {
		return nil, s.carrierInfoProblem(fmt.Sprintf("estimate transit times %s %s → %s %s", from.Country, from.Postcode, to.Country, to.Postcode), err)
	}
	return out, nil
}

func (s *Station) cannot(what string) error {
	name := "the carrier"
	if s.carrier != nil {
		name = s.carrier.Name()
	}
	return &Problem{Msg: fmt.Sprintf("%s cannot %s", name, what), Hint: "choose the service point or date by hand"}
}

// carrierInfoProblem words a failed look-up for the packer. Nothing is
// booked by these calls, so every failure is safe to try again.
func (s *Station) carrierInfoProblem(op string, err error) error {
	p := &Problem{Msg: fmt.Sprintf("could not %s: %v", op, err), Err: err}
	switch carrier.KindOf(err) {
	case carrier.KindAuth:
		p.Hint = "the API key may not be enabled for this PostNord API product; ask a supervisor to enable it on developer.postnord.com"
	case carrier.KindUnavailable:
		p.Hint = "the carrier could not be reached; check the network and try again"
	case carrier.KindRejected:
		p.Hint = "check the country code and postcode"
	case carrier.KindNotFound:
		p.Hint = "check the id, or search by postcode instead"
	default:
		p.Hint = "try again; if it keeps failing, tell a supervisor"
	}
	var ce *carrier.Error
	if !errors.As(err, &ce) {
		p.Hint = "try again; if it keeps failing, tell a supervisor"
	}
	return p
}
