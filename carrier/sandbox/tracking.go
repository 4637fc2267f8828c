package sandbox

import (
	"net/http"
	"slices"
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
	for i, it := range items {
		ti := s.trackItem(it, now)
		sh.Items = append(sh.Items, ti)
		if i == 0 {
			// Each item tells its own story; the shipment, whose id is
			// its first item's, shows that item's status and ETA.
			sh.Status, sh.EstimatedTimeOfArrival = ti.Status, ti.EstimatedTimeOfArrival
		}
	}
	return sh
}

func serviceName(code string) string {
	if n, ok := outboundServices[code]; ok {
		return n
	}
	return returnServices[code]
}

// trackItem tells an item's story up to now: the events of its plan
// whose time has come, the status of the last of them, and the planned
// estimatedTimeOfArrival.
func (s *Server) trackItem(it trackedItem, now time.Time) ttItem {
	p := s.plan(it)
	ti := ttItem{ItemID: it.itemID, Events: []ttEvent{}}
	for _, e := range p.events {
		if e.at.After(now) {
			break // events are in time order
		}
		at := e.at.In(stockholm).Format(ttTimeLayout)
		ti.Events = append(ti.Events, ttEvent{EventTime: at, EventCode: e.code, Status: e.status,
			EventDescription: e.text, Location: e.loc})
		ti.Status = e.status
		ti.StoppedInCustoms = e.customs
		switch {
		case e.status == "DELIVERED":
			ti.DeliveryDate = at
		case e.code == codeReturnedToSender:
			ti.ReturnDate = at
		}
	}
	if !p.eta.IsZero() {
		ti.EstimatedTimeOfArrival = p.eta.In(stockholm).Format(ttTimeLayout)
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
