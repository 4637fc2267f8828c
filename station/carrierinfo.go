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
		return nil, s.cannot("carrier.cannot_list_service_points", "list service points")
	}
	sps, err := f.NearestServicePoints(ctx, near, n)
	if err != nil {
		return nil, s.carrierInfoProblem("carrier.service_points_failed", map[string]any{"Near": strings.TrimSpace(near.Country + " " + near.Postcode)},
			"find service points near "+strings.TrimSpace(near.Country+" "+near.Postcode), err)
	}
	return sps, nil
}

// ServicePoint looks one service point up by its id, e.g. to check the
// id an order came with.
func (s *Station) ServicePoint(ctx context.Context, country, id string) (carrier.ServicePoint, error) {
	f, ok := s.carrier.(carrier.ServicePointFinder)
	if !ok {
		return carrier.ServicePoint{}, s.cannot("carrier.cannot_look_up_service_points", "look up service points")
	}
	sp, err := f.ServicePoint(ctx, country, id)
	if err != nil {
		return sp, s.carrierInfoProblem("carrier.service_point_failed", map[string]any{"Point": id, "Country": country},
			fmt.Sprintf("look up service point %s in %s", id, country), err)
	}
	return sp, nil
}

// TransitTimes estimates when a parcel handed over now would arrive at
// the address, per service (all the carrier offers when services is
// empty). The origin is the consignor unless from is given.
func (s *Station) TransitTimes(ctx context.Context, from, to carrier.Address, services []string) ([]carrier.TransitTime, error) {
	tt, ok := s.carrier.(carrier.TransitTimer)
	if !ok {
		return nil, s.cannot("carrier.cannot_estimate_transit_times", "estimate transit times")
	}
	if from.Country == "" && from.Postcode == "" {
		from = s.cfg.Consignor.Address
	}
	out, err := tt.TransitTimes(ctx, carrier.TransitQuery{From: from, To: to, Services: services, Start: s.cfg.Now()})
	if err != nil {
		return nil, s.carrierInfoProblem("carrier.transit_times_failed", map[string]any{"FromCountry": from.Country, "FromPostcode": from.Postcode, "ToCountry": to.Country, "ToPostcode": to.Postcode},
			fmt.Sprintf("estimate transit times %s %s → %s %s", from.Country, from.Postcode, to.Country, to.Postcode), err)
	}
	return out, nil
}

// cannot words a look-up the carrier does not offer; id is the Problem's
// ID for the screens' catalogue (one per what).
func (s *Station) cannot(id, what string) error {
	name := "the carrier"
	if s.carrier != nil {
		name = s.carrier.Name()
	}
	return &Problem{ID: id, Data: map[string]any{"Carrier": name}, Msg: fmt.Sprintf("%s cannot %s", name, what), Hint: "choose the service point or date by hand"}
}

// carrierInfoProblem words a failed look-up for the packer. Nothing is
// booked by these calls, so every failure is safe to try again. id and
// data are the Problem's ID and Data for the screens' catalogue (one id
// per op); the hint is chosen by the error's kind, named in Data as Kind.
func (s *Station) carrierInfoProblem(id string, data map[string]any, op string, err error) error {
	p := &Problem{ID: id, Data: data, Msg: fmt.Sprintf("could not %s: %v", op, err), Err: err}
	kind := ""
	switch carrier.KindOf(err) {
	case carrier.KindAuth:
		p.Hint, kind = "the API key may not be enabled for this PostNord API product; ask a supervisor to enable it on developer.postnord.com", "auth"
	case carrier.KindUnavailable:
		p.Hint, kind = "the carrier could not be reached; check the network and try again", "unavailable"
	case carrier.KindRejected:
		p.Hint, kind = "check the country code and postcode", "rejected"
	case carrier.KindNotFound:
		p.Hint, kind = "check the id, or search by postcode instead", "not_found"
	default:
		p.Hint = "try again; if it keeps failing, tell a supervisor"
	}
	var ce *carrier.Error
	if !errors.As(err, &ce) {
		p.Hint, kind = "try again; if it keeps failing, tell a supervisor", ""
	}
	data["Reason"], data["Kind"] = err.Error(), kind
	return p
}
