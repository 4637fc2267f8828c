package postnord

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"labelstation/carrier"
)

// bookingFromResponse reads a 200 answer of the label endpoints. PostNord
// has booked by now, so anything we cannot use in the answer is
// KindUnknownOutcome (look the shipment up, do not book again), never
// KindRejected — except what PostNord itself marks FAIL:
//   - every idInformation FAIL: nothing was booked, KindRejected;
//   - some items FAIL (labelPrintout[].itemIds[].status): the shipment
//     was booked without them; the Booking keeps the items that were
//     booked and the KindPartial error names the failed parcels.
func (c *Client) bookingFromResponse(op, reqID string, format carrier.LabelFormat, data []byte) (carrier.Booking, error) {
	unknown := func(b carrier.Booking, format string, args ...any) (carrier.Booking, error) {
		return b, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindUnknownOutcome, HTTPStatus: http.StatusOK,
			RequestID: reqID, Message: c.redact.String(fmt.Sprintf(format, args...))}
	}
	var resp ediLabelResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return unknown(carrier.Booking{}, "answer is not an ediLabelResponse (%v); the shipment may exist", err)
	}
	if resp.BookingResponse == nil {
		return unknown(carrier.Booking{}, "answer has no bookingResponse; the shipment may exist")
	}

	b := carrier.Booking{Carrier: CarrierName, BookedAt: c.now()}
	var refused []carrier.Fault
	printIDs := map[string]string{}
	for _, info := range resp.BookingResponse.IDInformation {
		if strings.EqualFold(info.Status, "FAIL") {
			refused = append(refused, c.errorFaults(info.ErrorResponse, "PostNord reported status FAIL without a reason")...)
			continue
		}
		for _, id := range info.IDs {
			switch {
			case strings.EqualFold(id.IDType, "itemId") && id.Value != "":
				if !slices.Contains(b.ItemIDs, id.Value) {
					b.ItemIDs = append(b.ItemIDs, id.Value)
				}
				if id.PrintID != "" {
					printIDs[id.Value] = id.PrintID
				}
			case strings.EqualFold(id.IDType, "shipmentId") && id.Value != "" && b.ShipmentID == "":
				b.ShipmentID = id.Value
			}
		}
		for _, u := range info.URLs {
			if strings.EqualFold(u.Type, "TRACKING") && b.TrackingURL == "" {
				b.TrackingURL = u.URL
			}
		}
	}
	if len(b.ItemIDs) == 0 && len(refused) > 0 {
		return carrier.Booking{}, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindRejected,
			HTTPStatus: http.StatusOK, RequestID: reqID, Message: "PostNord refused the shipment", Faults: refused}
	}
	if len(b.ItemIDs) == 0 {
		return unknown(b, "answer carries no item ids (booking id %q); the shipment may exist", resp.BookingResponse.BookingID)
	}
	if b.ShipmentID == "" {
		// Parcels are tracked by item id; PostNord's shipment id for a
		// one-parcel shipment is that item's id.
		b.ShipmentID = b.ItemIDs[0]
	}

	// Items PostNord refused inside a booked shipment. Item ids come back
	// in the order of the goods items sent, so the position names the
	// parcel.
	failed := map[string]bool{}
	var partial []carrier.Fault
	for _, lp := range resp.LabelPrintout {
		for _, it := range lp.ItemIDs {
			if !strings.EqualFold(it.Status, "FAIL") || failed[it.ItemIDs] {
				continue
			}
			failed[it.ItemIDs] = true
			n := slices.Index(b.ItemIDs, it.ItemIDs)
			for _, f := range c.errorFaults(it.ErrorResponse, "no reason given") {
				f.Field = fmt.Sprintf("parcels[%d]", n)
				f.Message = fmt.Sprintf("parcel %d (item %s) was not booked: %s", n+1, it.ItemIDs, f.Message)
				partial = append(partial, f)
			}
		}
	}
	for _, f := range refused {
		// A second shipment of the same message failed; it carries no
		// item ids of ours, so it stands as it is.
		partial = append(partial, f)
	}
	booked := slices.DeleteFunc(slices.Clone(b.ItemIDs), func(id string) bool { return failed[id] })
	if len(booked) == 0 {
		return carrier.Booking{}, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindRejected,
			HTTPStatus: http.StatusOK, RequestID: reqID, Message: "PostNord refused every parcel of the shipment", Faults: partial}
	}
	b.ItemIDs = booked
	for _, id := range b.ItemIDs {
		if p := printIDs[id]; p != "" {
			b.PrintIDs = append(b.PrintIDs, p)
		}
	}

	for i, lp := range resp.LabelPrintout {
		if lp.Printout == nil || lp.Printout.Data == "" {
			continue
		}
		skip := len(lp.ItemIDs) > 0
		for _, it := range lp.ItemIDs {
			skip = skip && failed[it.ItemIDs]
			if it.PrintID != "" && printIDs[it.ItemIDs] == "" && !failed[it.ItemIDs] {
				printIDs[it.ItemIDs] = it.PrintID
				b.PrintIDs = append(b.PrintIDs, it.PrintID)
			}
		}
		if skip {
			continue // an error label for a refused parcel
		}
		l, err := decodePrintout(*lp.Printout, format)
		if err != nil {
			return unknown(b, "booked as %s but label %d cannot be decoded: %v", strings.Join(b.ItemIDs, ", "), i+1, err)
		}
		b.Labels = append(b.Labels, l)
	}
	if len(b.Labels) == 0 {
		return unknown(b, "booked as %s but the answer holds no label", strings.Join(b.ItemIDs, ", "))
	}
	if len(partial) > 0 {
		return b, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindPartial, HTTPStatus: http.StatusOK, RequestID: reqID,
			Message: fmt.Sprintf("PostNord booked %d of %d parcels (%s); the others were not booked", len(booked), len(booked)+len(failed), strings.Join(booked, ", ")),
			Faults:  partial}
	}
	return b, nil
}

// errorFaults turns an errorResponse into faults, or one fault with
// fallback when it says nothing.
func (c *Client) errorFaults(er *errorResponse, fallback string) []carrier.Fault {
	var f []carrier.Fault
	if er != nil {
		f = c.faults(er.CompositeFault)
		if len(f) == 0 && er.Message != "" {
			f = []carrier.Fault{{Message: c.redact.String(er.Message)}}
		}
	}
	if len(f) == 0 {
		f = []carrier.Fault{{Message: fallback}}
	}
	return f
}

// decodePrintout turns one printout into label bytes. The ZPL endpoint
// answers encoding "none" with raw ZPL text and often no labelFormat; the
// PDF endpoint answers base64.
func decodePrintout(p printout, asked carrier.LabelFormat) (carrier.Label, error) {
	format := asked
	switch f := strings.ToLower(p.LabelFormat); f {
	case "zpl":
		format = carrier.LabelZPL
	case "pdf":
		format = carrier.LabelPDF
	case "png", "svg":
		// A return QR code (labelless return): an image to show or send.
		format = carrier.LabelFormat(f)
		if p.Encoding == "" {
			p.Encoding = "base64"
		}
	}
	enc := strings.ToLower(p.Encoding)
	if enc == "" && format == carrier.LabelPDF {
		enc = "base64"
	}
	switch enc {
	case "", "none":
		return carrier.Label{Format: format, Data: []byte(p.Data)}, nil
	case "base64":
		data, err := base64.StdEncoding.DecodeString(p.Data)
		if err != nil {
			return carrier.Label{}, fmt.Errorf("base64: %w", err)
		}
		return carrier.Label{Format: format, Data: data}, nil
	}
	return carrier.Label{}, fmt.Errorf("unknown encoding %q", p.Encoding)
}

// trackingFromResponse reads a Track & Trace answer. PostNord reports an
// unknown id with HTTP 200, no shipments and a compositeFault.
func (c *Client) trackingFromResponse(op, reqID, id string, data []byte) (carrier.Tracking, error) {
	var resp trackingResponseDto
	if err := json.Unmarshal(data, &resp); err != nil || resp.TrackingInformationResponse == nil {
		msg := "answer has no TrackingInformationResponse"
		if err != nil {
			msg = "answer is not a Track & Trace response: " + err.Error()
		}
		return carrier.Tracking{}, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindUnavailable,
			HTTPStatus: http.StatusOK, RequestID: reqID, Message: c.redact.String(msg)}
	}
	tir := resp.TrackingInformationResponse
	shipment, it := findItem(tir.Shipments, id)
	if shipment == nil {
		return carrier.Tracking{}, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindNotFound,
			HTTPStatus: http.StatusOK, RequestID: reqID,
			Message: fmt.Sprintf("PostNord knows no shipment or item %s", id), Faults: c.faults(tir.CompositeFault)}
	}
	return trackingFor(*shipment, it, id), nil
}

// findItem returns the shipment holding id and the item with that id; the
// item is nil when id is a shipment id.
func findItem(shipments []shipmentDto, id string) (*shipmentDto, *itemDto) {
	for si := range shipments {
		for ii := range shipments[si].Items {
			if strings.EqualFold(shipments[si].Items[ii].ItemID, id) {
				return &shipments[si], &shipments[si].Items[ii]
			}
		}
	}
	for si := range shipments {
		if strings.EqualFold(shipments[si].ShipmentID, id) {
			return &shipments[si], nil
		}
	}
	if len(shipments) == 1 {
		// PostNord found it by another identifier (a reference, a
		// returned item's new id): take what it answered.
		return &shipments[0], nil
	}
	return nil, nil
}

// trackingFor builds the neutral view of one item, or of a whole shipment
// when id named the shipment: then the events of all its items are merged
// and the shipment's status stands for them.
func trackingFor(s shipmentDto, it *itemDto, id string) carrier.Tracking {
	t := carrier.Tracking{ItemID: id, ShipmentID: s.ShipmentID, ItemIDs: shipmentItemIDs(s), Events: []carrier.TrackingEvent{}}
	type located struct {
		ev      carrier.TrackingEvent
		locType string
	}
	var events []located
	add := func(owner string, es []trackingEventDto) {
		for _, e := range es {
			ev := carrier.TrackingEvent{
				ItemID:        owner,
				Time:          parseTime(e.EventTime),
				CarrierCode:   e.EventCode,
				CarrierStatus: e.Status,
				Description:   e.EventDescription,
			}
			locType := ""
			if l := e.Location; l != nil {
				locType = l.LocationType
				ev.Location = firstNonEmpty(l.DisplayName, l.Name, l.City)
				if l.City != "" && ev.Location != l.City {
					ev.Location += ", " + l.City
				}
				ev.Country = countryAlpha2(l.CountryCode)
			}
			ev.Status = mapStatus(e.Status, locType)
			events = append(events, located{ev, locType})
		}
	}

	pnStatus, eta, inCustoms := s.Status, s.EstimatedTimeOfArrival, false
	if it != nil {
		t.ItemID = it.ItemID
		pnStatus, inCustoms = it.Status, it.StoppedInCustoms
		if it.EstimatedTimeOfArrival != "" {
			eta = it.EstimatedTimeOfArrival
		}
		add(it.ItemID, it.Events)
	} else {
		if len(s.Items) == 1 {
			t.ItemID = s.Items[0].ItemID
		}
		for _, item := range s.Items {
			add(item.ItemID, item.Events)
			inCustoms = inCustoms || item.StoppedInCustoms
		}
	}
	slices.SortStableFunc(events, func(a, b located) int { return a.ev.Time.Compare(b.ev.Time) })

	// lastAvailable is where the item was last made available for
	// delivery; it tells a service point from a delivery round.
	lastAvailable := ""
	for _, e := range events {
		t.Events = append(t.Events, e.ev)
		if strings.EqualFold(e.ev.CarrierStatus, "AVAILABLE_FOR_DELIVERY") {
			lastAvailable = e.locType
		}
	}
	if pnStatus == "" && len(t.Events) > 0 {
		pnStatus = t.Events[len(t.Events)-1].CarrierStatus
	}
	t.CarrierStatus = pnStatus
	t.Status = mapStatus(pnStatus, lastAvailable)
	if inCustoms && !t.Status.Final() {
		t.Status = carrier.StatusAwaitingCustoms
	}
	t.ETA = parseTime(eta)
	return t
}

// shipmentItemIDs lists the item ids of a shipment in PostNord's order,
// each once: what adopting a shipment found by reference needs.
func shipmentItemIDs(s shipmentDto) []string {
	var ids []string
	for _, it := range s.Items {
		if it.ItemID != "" && !slices.Contains(ids, it.ItemID) {
			ids = append(ids, it.ItemID)
		}
	}
	return ids
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
