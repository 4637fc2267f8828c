package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"time"
	// Track & Trace times are local Swedish time; embed the zone database
	// so the sandbox runs the same on any bench.
	_ "time/tzdata"
)

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic("sandbox: " + err.Error()) // cannot happen with time/tzdata
	}
	return loc
}()

// ttTimeLayout is how PostNord writes event times: local, no zone.
const ttTimeLayout = "2006-01-02T15:04:05"

func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.enterProduct(w, r, ProductTracking); !ok {
		return
	}
	id := r.PathValue("id")
	now := s.now()

	s.mu.Lock()
	shipmentID := id
	if it, ok := s.items[id]; ok {
		shipmentID = it.shipmentID
	}
	items := s.shipmentItems(shipmentID)
	s.mu.Unlock()

	if len(items) == 0 {
		// PostNord answers an unknown id with 200, no shipments and a fault.
		writeJSON(w, http.StatusOK, notFound("No shipment found for the given identifier", "id", id))
		return
	}
	writeJSON(w, http.StatusOK, trackingResponse{TrackingInformationResponse: trackingInformation{
		Shipments: []ttShipment{s.ttShipment(shipmentID, items, now)}}})
}

// handleTrackByReference answers Track & Trace by customer number and
// reference (track-and-trace-v7-findbyreference.swagger.json): every
// shipment booked with that consignor customer number (partyId) and that
// reference of type CU, oldest first, each with all its items — how a
// client learns whether a booking whose answer was lost exists. The spec
// declares OAuth2 besides the API key; the sandbox checks only the key.
// An unknown reference gets what an unknown id gets: 200, no shipments
// and a fault (the spec documents no other shape).
func (s *Server) handleTrackByReference(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.enterProduct(w, r, ProductTracking); !ok {
		return
	}
	key := refKey{r.PathValue("customerNumber"), r.PathValue("reference")}
	now := s.now()

	type found struct {
		id    string
		items []trackedItem
	}
	var shipments []found
	s.mu.Lock()
	for _, id := range s.byRef[key] {
		items := s.shipmentItems(id)
		// An own id booked again under another reference moved its
		// shipment there.
		items = slices.DeleteFunc(items, func(it trackedItem) bool {
			return it.customerNumber != key.customerNumber || it.reference != key.reference
		})
		if len(items) > 0 {
			shipments = append(shipments, found{id, items})
		}
	}
	s.mu.Unlock()

	if len(shipments) == 0 {
		writeJSON(w, http.StatusOK, notFound("No shipment found for the given customer number and reference", "reference", key.reference))
		return
	}
	resp := trackingResponse{TrackingInformationResponse: trackingInformation{}}
	for _, f := range shipments {
		resp.TrackingInformationResponse.Shipments = append(resp.TrackingInformationResponse.Shipments, s.ttShipment(f.id, f.items, now))
	}
	writeJSON(w, http.StatusOK, resp)
}

// shipmentItems returns copies of the tracked items of a shipment.
// Callers hold mu.
func (s *Server) shipmentItems(shipmentID string) []trackedItem {
	var items []trackedItem
	for _, itemID := range s.shipments[shipmentID] {
		if it, ok := s.items[itemID]; ok && it.shipmentID == shipmentID {
			items = append(items, *it)
		}
	}
	return items
}

// notFound is Track & Trace's answer for an identifier it does not know.
func notFound(text, param, value string) trackingResponse {
	return trackingResponse{TrackingInformationResponse: trackingInformation{
		Shipments: []ttShipment{},
		CompositeFault: &compositeFault{Faults: []fault{{
			FaultCode: faultNotFound, ExplanationText: text,
			ParamValues: []paramValue{{Param: param, Value: value}},
		}}},
	}}
}

// ttShipment tells the story of one shipment's items up to now.
func (s *Server) ttShipment(shipmentID string, items []trackedItem, now time.Time) ttShipment {
	first := items[0]
	sh := ttShipment{
		ShipmentID:     shipmentID,
		CustomerNumber: first.customerNumber,
		Service:        ttService{Code: first.service, Name: serviceName(first.service), SourceSystem: "SANDBOX"},
		Consignee: ttConsignee{Name: first.toName, Address: ttAddress{
			City: first.toCity, CountryCode: first.toCountry, PostCode: first.toPostcode}},
	}
	if first.reference != "" {
		sh.ShipmentReferences = []ttReference{{Value: first.reference, Type: "CU"}}
	}
	for _, it := range items {
		ti := s.trackItem(it, now)
		sh.Items = append(sh.Items, ti)
		sh.Status = ti.Status // every item of a shipment moves together
	}
	return sh
}

func serviceName(code string) string {
	if n, ok := outboundServices[code]; ok {
		return n
	}
	return returnServices[code]
}

// trackItem tells an item's story up to now, one event per TrackingStep
// after booking: information received (CREATED), handed in and sorted
// (EN_ROUTE), available for delivery at the service point or out for
// delivery, delivered. Two detours make it realistic:
//   - into Norway from another country the item stops in customs
//     (EXPECTED_DELAY, stoppedInCustoms) for three steps before it is
//     cleared;
//   - a home delivery to a postcode ending in 0 finds nobody at home: the
//     first attempt fails (DELIVERY_IMPOSSIBLE) and the item goes out
//     again a step later.
func (s *Server) trackItem(it trackedItem, now time.Time) ttItem {
	from3, to3 := alpha3(it.fromCountry), alpha3(it.toCountry)
	atServicePoint := it.servicePoint != "" || it.service == "19"
	spID := it.servicePoint
	if spID == "" {
		spID = "SP-" + it.toPostcode
	}

	type step struct {
		code, status, text string
		loc                ttLocation
		wait               int  // steps after the previous event; 0 means 1
		customs            bool // the item is held in customs from this event on
	}
	customs := it.toCountry == "NO" && it.fromCountry != "NO"
	steps := []step{
		{code: "EDI_RECEIVED", status: "CREATED", text: "The shipment item has been pre-advised: PostNord has received the shipment information",
			loc: ttLocation{LocationID: "EDI", LocationType: "UNDEF", CountryCode: from3, City: it.fromCity, Name: "Electronic information"}},
		{code: "HANDED_IN", status: "EN_ROUTE", text: "The shipment item has been handed in at the terminal",
			loc: ttLocation{LocationID: "T-" + from3, LocationType: "DEPOT", CountryCode: from3, City: it.fromCity, Name: "PostNord terminal " + it.fromCity}},
	}
	if customs {
		border := ttLocation{LocationID: "C-NOR", LocationType: "CUSTOMS", CountryCode: "NOR", City: "Oslo", Name: "PostNord customs Oslo"}
		steps = append(steps,
			step{code: "CUSTOMS_HOLD", status: "EXPECTED_DELAY", text: "The shipment item is awaiting customs clearance", loc: border, customs: true},
			step{code: "CUSTOMS_CLEARED", status: "EN_ROUTE", text: "The shipment item has been cleared by customs", loc: border, wait: 3})
	}
	steps = append(steps, step{code: "SORTED", status: "EN_ROUTE", text: "The shipment item has been sorted at the terminal",
		loc: ttLocation{LocationID: "H-" + to3, LocationType: "HUB", CountryCode: to3, City: it.toCity, Name: "PostNord terminal " + it.toCity}})
	if atServicePoint {
		sp := ttLocation{LocationID: spID, LocationType: "SERVICE_POINT", CountryCode: to3, City: it.toCity, Name: "Service point " + spID}
		steps = append(steps,
			step{code: "ARRIVED_SP", status: "AVAILABLE_FOR_DELIVERY", text: "The shipment item is available for collection at the service point", loc: sp},
			step{code: "COLLECTED", status: "DELIVERED", text: "The shipment item has been collected at the service point", loc: sp})
	} else {
		depot := ttLocation{LocationID: "D-" + it.toPostcode, LocationType: "DEPOT", CountryCode: to3, City: it.toCity, Name: "Delivery depot " + it.toCity}
		door := ttLocation{LocationID: "C-" + it.toPostcode, LocationType: "CUSTOMER_LOCATION", CountryCode: to3, City: it.toCity}
		out := step{code: "OUT_FOR_DELIVERY", status: "AVAILABLE_FOR_DELIVERY", text: "The shipment item is out for delivery", loc: depot}
		steps = append(steps, out)
		if strings.HasSuffix(it.toPostcode, "0") {
			steps = append(steps,
				step{code: "DELIVERY_ATTEMPT_FAILED", status: "DELIVERY_IMPOSSIBLE", text: "Delivery attempt failed: nobody was at home. A new attempt is made on the next working day", loc: door},
				out)
		}
		steps = append(steps, step{code: "DELIVERED", status: "DELIVERED", text: "The shipment item has been delivered", loc: door})
	}

	ti := ttItem{ItemID: it.itemID, Events: []ttEvent{}}
	at := it.bookedAt
	var last time.Time
	for i, st := range steps {
		if i > 0 {
			at = at.Add(time.Duration(max(st.wait, 1)) * s.step)
		}
		last = at
		if at.After(now) {
			continue
		}
		ti.Events = append(ti.Events, ttEvent{
			EventTime: at.In(stockholm).Format(ttTimeLayout), EventCode: st.code, Status: st.status,
			EventDescription: st.text, Location: st.loc,
		})
		ti.Status = st.status
		ti.StoppedInCustoms = st.customs
	}
	if ti.Status == "DELIVERED" {
		ti.DeliveryDate = last.In(stockholm).Format(ttTimeLayout)
	} else {
		ti.EstimatedTimeOfArrival = last.In(stockholm).Format(ttTimeLayout)
	}
	return ti
}

// alpha3 gives Track & Trace's three-letter country code for the
// two-letter codes of the booking; codes not listed pass through.
func alpha3(a2 string) string {
	switch a2 {
	case "SE":
		return "SWE"
	case "NO":
		return "NOR"
	case "DK":
		return "DNK"
	case "FI":
		return "FIN"
	case "IS":
		return "ISL"
	case "DE":
		return "DEU"
	case "NL":
		return "NLD"
	case "GB":
		return "GBR"
	case "FR":
		return "FRA"
	case "PL":
		return "POL"
	case "EE":
		return "EST"
	case "LV":
		return "LVA"
	case "LT":
		return "LTU"
	case "US":
		return "USA"
	}
	return a2
}
