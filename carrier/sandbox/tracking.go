package sandbox

import (
	"net/http"
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
	if _, ok := s.enter(w, r); !ok {
		return
	}
	id := r.PathValue("id")
	now := s.now()

	s.mu.Lock()
	var items []trackedItem
	shipmentID := id
	if it, ok := s.items[id]; ok {
		shipmentID = it.shipmentID
	}
	for _, itemID := range s.shipments[shipmentID] {
		items = append(items, *s.items[itemID])
	}
	s.mu.Unlock()

	if len(items) == 0 {
		// PostNord answers an unknown id with 200, no shipments and a fault.
		writeJSON(w, http.StatusOK, trackingResponse{TrackingInformationResponse: trackingInformation{
			Shipments: []ttShipment{},
			CompositeFault: &compositeFault{Faults: []fault{{
				FaultCode: faultNotFound, ExplanationText: "No shipment found for the given identifier",
				ParamValues: []paramValue{{Param: "id", Value: id}},
			}}},
		}})
		return
	}

	first := items[0]
	sh := ttShipment{
		ShipmentID: shipmentID,
		Service:    ttService{Code: first.service, Name: serviceName(first.service), SourceSystem: "SANDBOX"},
		Consignee: ttConsignee{Name: first.toName, Address: ttAddress{
			City: first.toCity, CountryCode: first.toCountry, PostCode: first.toPostcode}},
	}
	for _, it := range items {
		ti := s.trackItem(it, now)
		sh.Items = append(sh.Items, ti)
		sh.Status = ti.Status // every item of a shipment moves together
	}
	writeJSON(w, http.StatusOK, trackingResponse{TrackingInformationResponse: trackingInformation{Shipments: []ttShipment{sh}}})
}

func serviceName(code string) string {
	if n, ok := outboundServices[code]; ok {
		return n
	}
	return returnServices[code]
}

// trackItem tells an item's story up to now: one event per TrackingStep
// after booking — information received (CREATED), handed in and sorted
// (EN_ROUTE), available for delivery at the service point or out for
// delivery, delivered.
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
	}
	steps := []step{
		{"EDI_RECEIVED", "CREATED", "The shipment item has been pre-advised: PostNord has received the shipment information",
			ttLocation{LocationID: "EDI", LocationType: "UNDEF", CountryCode: from3, City: it.fromCity, Name: "Electronic information"}},
		{"HANDED_IN", "EN_ROUTE", "The shipment item has been handed in at the terminal",
			ttLocation{LocationID: "T-" + from3, LocationType: "DEPOT", CountryCode: from3, City: it.fromCity, Name: "PostNord terminal " + it.fromCity}},
		{"SORTED", "EN_ROUTE", "The shipment item has been sorted at the terminal",
			ttLocation{LocationID: "H-" + to3, LocationType: "HUB", CountryCode: to3, City: it.toCity, Name: "PostNord terminal " + it.toCity}},
	}
	if atServicePoint {
		sp := ttLocation{LocationID: spID, LocationType: "SERVICE_POINT", CountryCode: to3, City: it.toCity, Name: "Service point " + spID}
		steps = append(steps,
			step{"ARRIVED_SP", "AVAILABLE_FOR_DELIVERY", "The shipment item is available for collection at the service point", sp},
			step{"COLLECTED", "DELIVERED", "The shipment item has been collected at the service point", sp})
	} else {
		steps = append(steps,
			step{"OUT_FOR_DELIVERY", "AVAILABLE_FOR_DELIVERY", "The shipment item is out for delivery",
				ttLocation{LocationID: "D-" + it.toPostcode, LocationType: "DEPOT", CountryCode: to3, City: it.toCity, Name: "Delivery depot " + it.toCity}},
			step{"DELIVERED", "DELIVERED", "The shipment item has been delivered",
				ttLocation{LocationID: "C-" + it.toPostcode, LocationType: "CUSTOMER_LOCATION", CountryCode: to3, City: it.toCity}})
	}

	ti := ttItem{ItemID: it.itemID, Events: []ttEvent{}}
	for i, st := range steps {
		at := it.bookedAt.Add(time.Duration(i) * s.step)
		if at.After(now) {
			break
		}
		ti.Events = append(ti.Events, ttEvent{
			EventTime: at.In(stockholm).Format(ttTimeLayout), EventCode: st.code, Status: st.status,
			EventDescription: st.text, Location: st.loc,
		})
		ti.Status = st.status
	}
	last := it.bookedAt.Add(time.Duration(len(steps)-1) * s.step).In(stockholm).Format(ttTimeLayout)
	if ti.Status == "DELIVERED" {
		ti.DeliveryDate = last
	} else {
		ti.EstimatedTimeOfArrival = last
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
