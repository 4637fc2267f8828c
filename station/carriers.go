package station

import (
	"fmt"
	"slices"
	"strings"

	"labelstation/carrier"
)

// The carrier registry: a station ships with any set of carriers, each
// known by its registry name (carrier.Carrier.Name). The carrier given to
// New is the primary one (default for every parcel, the offline id series
// and the queue probe); Config.Carriers adds the others. Which carrier a
// parcel goes with is decided once, when its booking is written to the
// outbox (entry.Carrier); every later step — the queue sync, the lookup
// after a lost answer, tracking — uses the carrier named there.

// CarrierProfile is what the station knows of one carrier beyond its
// client: the order service codes it ships (an order whose service is
// listed goes with this carrier) and the service used when neither the
// packer nor the order names one of its services.
type CarrierProfile struct {
	Services       []string
	DefaultService string
}

// registry is the station's carriers by name, primary first.
type registry struct {
	names []string
	by    map[string]carrier.Carrier
}

func newRegistry(primary carrier.Carrier, extra []carrier.Carrier) registry {
	r := registry{by: map[string]carrier.Carrier{}}
	for _, c := range append([]carrier.Carrier{primary}, extra...) {
		if c == nil {
			continue
		}
		name := c.Name()
		if _, dup := r.by[name]; dup {
			continue
		}
		r.names = append(r.names, name)
		r.by[name] = c
	}
	return r
}

// Carriers returns the registry names of the station's carriers, the
// primary one first.
func (s *Station) Carriers() []string { return slices.Clone(s.reg.names) }

// primaryName is the primary carrier's name, "" without one.
func (s *Station) primaryName() string {
	if s.carrier == nil {
		return ""
	}
	return s.carrier.Name()
}

// carrierFor returns the carrier registered under name; "" is the
// primary. A name the station does not know gives nil.
func (s *Station) carrierFor(name string) carrier.Carrier {
	if name == "" {
		return s.carrier
	}
	return s.reg.by[name]
}

// unknownCarrier words a carrier name the station has no client for.
func (s *Station) unknownCarrier(name string) error {
	return &Problem{
		ID: "carrier.unknown", Data: map[string]any{"Name": name, "Carriers": strings.Join(s.reg.names, ", ")},
		Msg:  fmt.Sprintf("the station has no carrier %q", name),
		Hint: "use one of: " + strings.Join(s.reg.names, ", ") + " (a carrier is enabled by its table in the config, e.g. [stg] url)",
	}
}

// carrierOfService returns the carrier whose profile lists the service
// code, or "".
func (s *Station) carrierOfService(code string) string {
	if code == "" {
		return ""
	}
	for _, name := range s.reg.names {
		if slices.Contains(s.cfg.CarrierProfiles[name].Services, code) {
			return name
		}
	}
	return ""
}

// belongsTo reports whether the service code may be sent to the carrier:
// it is listed in that carrier's profile, or it is listed in no profile
// and the carrier is the primary (whose codes need not be listed).
func (s *Station) belongsTo(code, name string) bool {
	owner := s.carrierOfService(code)
	return owner == name || (owner == "" && name == s.primaryName())
}

// defaultServiceOf is the service used for a carrier when nothing names
// one: its profile's, or the station's default for the primary.
func (s *Station) defaultServiceOf(name string) string {
	if d := s.cfg.CarrierProfiles[name].DefaultService; d != "" {
		return d
	}
	if name == s.primaryName() {
		return s.cfg.DefaultService
	}
	return ""
}

// parcelChoice is the carrier and service a parcel goes with, and why.
type parcelChoice struct {
	carrier, service string
	rule             string // the shipping rule that chose, if any
}

// chooseCarrier decides the carrier and service for a parcel: the
// packer's carrier (PackOptions.Carrier) → a shipping rule → the carrier
// the order's service belongs to → the primary. The service is the
// packer's, else the rule's, else the order's when it belongs to that
// carrier, else the carrier's default.
func (s *Station) chooseCarrier(order carrier.Order, opts PackOptions, ruled *parcelChoice) (parcelChoice, error) {
	var ch parcelChoice
	switch {
	case opts.Carrier != "":
		ch.carrier = opts.Carrier
	case ruled != nil && ruled.carrier != "":
		ch = *ruled
	case opts.Service != "" && s.carrierOfService(opts.Service) != "":
		ch.carrier = s.carrierOfService(opts.Service)
	case s.carrierOfService(order.Service) != "":
		ch.carrier = s.carrierOfService(order.Service)
	default:
		ch.carrier = s.primaryName()
	}
	if s.carrierFor(ch.carrier) == nil {
		return ch, s.unknownCarrier(ch.carrier)
	}
	switch {
	case opts.Service != "":
		ch.service = opts.Service
	case ch.service != "":
	case order.Service != "" && s.belongsTo(order.Service, ch.carrier):
		ch.service = order.Service
	default:
		ch.service = s.defaultServiceOf(ch.carrier)
	}
	if ch.service == "" {
		hint := "choose a service (for example --service 19) or set a default in the config"
		if ch.carrier != s.primaryName() {
			hint = fmt.Sprintf("choose a service (--service CODE) or set [carriers.%s] default_service in the config", ch.carrier)
		}
		return ch, &Problem{ID: "carrier.no_default_service", Data: map[string]any{"Ref": order.Ref, "Carrier": ch.carrier, "Primary": ch.carrier == s.primaryName()}, Msg: fmt.Sprintf("order %s has no %s service and the station has no default for it", order.Ref, ch.carrier), Hint: hint}
	}
	return ch, nil
}

// isPrimary reports whether an entry's carrier is the primary one ("" in
// entries written before the registry).
func (s *Station) isPrimary(name string) bool { return name == "" || name == s.primaryName() }
