package stg

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"labelstation/carrier"
)

// Book books req with STG (POST /v1/shipments) and returns its tracking
// numbers (Booking.ItemIDs, one per parcel) and labels, in the format
// req.LabelFormat asks for (ZPL when empty), 100×150 mm.
//
// The Idempotency-Key is req.RequestID, the station's outbox id: STG
// answers a repeated key with the first answer instead of booking again,
// so a resend after a lost answer (KindUnknownOutcome) or after a
// KindUnavailable (429, 503: nothing was done) is safe as long as it
// carries the same RequestID. Without a RequestID a random key is used,
// and a resend cannot be recognised. Book itself never resends, except
// once after STG refused a cached token (401) with a new token and the
// same key.
//
// Parcel.ItemID is not sent: the contract has no field for the
// consignor's own item ids, so STG always allocates the tracking numbers.
// Customs data goes with a shipment that leaves the EU (e.g. to Norway).
func (c *Client) Book(ctx context.Context, req carrier.BookingRequest) (carrier.Booking, error) {
	const op = "book"
	key := keyOrNew(req.RequestID)
	body, faults := shipmentBody(req)
	if len(faults) > 0 {
		return carrier.Booking{}, invalid(op, key, faults)
	}
	resp, err := c.call(ctx, request{op: op, method: http.MethodPost, path: pathShipments, body: body, key: key, commits: true})
	if err != nil {
		return carrier.Booking{}, err
	}
	var sr shipmentResponse
	if err := json.Unmarshal(resp.body, &sr); err != nil {
		return carrier.Booking{}, unreadable(op, key, resp.status, carrier.KindUnknownOutcome,
			"the shipment may exist, resend with the same Idempotency-Key: "+err.Error())
	}
	b := carrier.Booking{Carrier: CarrierName, ShipmentID: sr.ShipmentID, TrackingURL: sr.TrackingURL, BookedAt: c.now()}
	for _, p := range sr.Parcels {
		b.ItemIDs = append(b.ItemIDs, p.TrackingNumber)
	}
	labels, lerr := decodeLabels(sr.Labels)
	b.Labels = labels
	switch {
	case sr.ShipmentID == "" || len(b.ItemIDs) == 0 || hasEmpty(b.ItemIDs):
		return b, unreadable(op, key, resp.status, carrier.KindUnknownOutcome,
			"no shipment id or tracking number; the shipment may exist, resend with the same Idempotency-Key")
	case lerr != "":
		return b, unreadable(op, key, resp.status, carrier.KindUnknownOutcome,
			"booked as "+sr.ShipmentID+" but "+lerr+"; resend with the same Idempotency-Key for the label")
	case len(b.Labels) == 0:
		return b, unreadable(op, key, resp.status, carrier.KindUnknownOutcome,
			"booked as "+sr.ShipmentID+" without a label; resend with the same Idempotency-Key for the label")
	}
	return b, nil
}

// ReturnLabel books a return for a parcel STG already carries (POST
// /v1/returns) and returns its tracking number and label. STG needs the
// original parcel's tracking number: req.OriginalItemID, or else the
// first req.Parcels entry with an ItemID (the parcel being sent back, by
// its tracking number); without one the request is refused before
// sending. req.Reason is sent
// as STG's reason word as given (e.g. "WRONG_SIZE"). Idempotency and
// failure handling are Book's; req.RequestID is the key.
func (c *Client) ReturnLabel(ctx context.Context, req carrier.ReturnRequest) (carrier.Booking, error) {
	const op = "return label"
	key := keyOrNew(req.RequestID)
	var faults []carrier.Fault
	original := strings.TrimSpace(req.OriginalItemID)
	for _, p := range req.Parcels {
		if original != "" {
			break
		}
		if id := strings.TrimSpace(p.ItemID); id != "" {
			original = id
			break
		}
	}
	if original == "" {
		faults = append(faults, carrier.Fault{Code: "required", Field: "parcels[0].item_id",
			Message: "STG books a return against the original parcel: give its tracking number as the parcel's item id"})
	}
	format, f := labelWord(req.LabelFormat)
	if f != nil {
		faults = append(faults, *f)
	}
	if req.Labelless {
		faults = append(faults, carrier.Fault{Code: "unsupported", Field: "labelless",
			Message: "STG offers no labelless returns"})
	}
	if len(faults) > 0 {
		return carrier.Booking{}, invalid(op, key, faults)
	}
	body := returnRequest{OriginalTrackingNumber: original, Reason: strings.TrimSpace(req.Reason),
		Label: labelSpec{Format: format, Size: wireLabelSize}}
	resp, err := c.call(ctx, request{op: op, method: http.MethodPost, path: pathReturns, body: body, key: key, commits: true})
	if err != nil {
		return carrier.Booking{}, err
	}
	var rr returnResponse
	if err := json.Unmarshal(resp.body, &rr); err != nil {
		return carrier.Booking{}, unreadable(op, key, resp.status, carrier.KindUnknownOutcome,
			"the return may exist, resend with the same Idempotency-Key: "+err.Error())
	}
	b := carrier.Booking{Carrier: CarrierName, ShipmentID: rr.ReturnID, BookedAt: c.now()}
	if rr.TrackingNumber != "" {
		b.ItemIDs = []string{rr.TrackingNumber}
	}
	labels, lerr := decodeLabels(rr.Labels)
	b.Labels = labels
	switch {
	case rr.TrackingNumber == "":
		return b, unreadable(op, key, resp.status, carrier.KindUnknownOutcome,
			"no return tracking number; the return may exist, resend with the same Idempotency-Key")
	case lerr != "":
		return b, unreadable(op, key, resp.status, carrier.KindUnknownOutcome, lerr+"; resend with the same Idempotency-Key for the label")
	case len(b.Labels) == 0:
		return b, unreadable(op, key, resp.status, carrier.KindUnknownOutcome,
			"return booked without a label; resend with the same Idempotency-Key for the label")
	}
	return b, nil
}

// Track returns STG's view of one tracking number (GET
// /v1/tracking/{trackingNumber}), events oldest first, statuses mapped by
// mapStatus. An unknown number is KindNotFound. A GET is safe to repeat:
// connection errors and 429/502/503/504 are retried (Config.MaxRetries).
func (c *Client) Track(ctx context.Context, itemID string) (carrier.Tracking, error) {
	const op = "track"
	key := newUUID()
	itemID = strings.TrimSpace(itemID)
	if itemID == "" {
		return carrier.Tracking{}, invalid(op, key, []carrier.Fault{{Code: "required", Field: "item_id", Message: "no tracking number given"}})
	}
	resp, err := c.call(ctx, request{op: op, method: http.MethodGet, path: pathTrackingPrefix + url.PathEscape(itemID), key: key, safe: true})
	if err != nil {
		return carrier.Tracking{}, err
	}
	var tr trackingResponse
	if err := json.Unmarshal(resp.body, &tr); err != nil {
		return carrier.Tracking{}, unreadable(op, key, resp.status, carrier.KindUnavailable, err.Error())
	}
	id := tr.TrackingNumber
	if id == "" {
		id = itemID
	}
	t := carrier.Tracking{ItemID: id, ItemIDs: []string{id}, Status: mapStatus(tr.Status), CarrierStatus: tr.Status}
	for _, ev := range tr.Events {
		at, err := time.Parse(time.RFC3339, ev.Time)
		if err != nil {
			return carrier.Tracking{}, unreadable(op, key, resp.status, carrier.KindUnavailable,
				fmt.Sprintf("event time %q is not RFC 3339", ev.Time))
		}
		desc := ev.Description
		reason := ev.Reason
		if reason == "" && isReturnStatus(ev.Status) {
			reason = tr.Reason
		}
		if reason != "" {
			desc = joinWords(desc, "reason "+reason)
		}
		t.Events = append(t.Events, carrier.TrackingEvent{
			ItemID: id, Time: at, Status: mapStatus(ev.Status), CarrierCode: ev.Code, CarrierStatus: ev.Status,
			Description: desc, Location: ev.Location.City, Country: ev.Location.CountryCode,
		})
	}
	sort.SliceStable(t.Events, func(i, j int) bool { return t.Events[i].Time.Before(t.Events[j].Time) })
	if tr.Status == "" && len(t.Events) > 0 {
		last := t.Events[len(t.Events)-1]
		t.Status, t.CarrierStatus = last.Status, last.CarrierStatus
	}
	return t, nil
}

// mapStatus maps STG's status words to the neutral model:
//
//	CREATED            created
//	PICKED_UP          handed_over
//	IN_TRANSIT         in_transit
//	OUT_FOR_DELIVERY   out_for_delivery
//	DELIVERED          delivered
//	EXCEPTION          exception
//	RETURNED           returned (the parcel went back to the sender)
//	RETURN_REGISTERED  in_transit (of the return shipment: its label exists)
//	RETURN_IN_TRANSIT  in_transit (of the return shipment)
//	RETURN_RECEIVED    delivered (the return reached the merchant)
//	anything else      unknown
//
// The RETURN_* words belong to a return's own tracking number, so
// "delivered" there means delivered back to the merchant.
func mapStatus(s string) carrier.Status {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case wireCreated:
		return carrier.StatusCreated
	case wirePickedUp:
		return carrier.StatusHandedOver
	case wireInTransit, wireReturnRegistered, wireReturnInTransit:
		return carrier.StatusInTransit
	case wireOutForDelivery:
		return carrier.StatusOutForDelivery
	case wireDelivered, wireReturnReceived:
		return carrier.StatusDelivered
	case wireException:
		return carrier.StatusException
	case wireReturned:
		return carrier.StatusReturned
	}
	return carrier.StatusUnknown
}

func isReturnStatus(s string) bool {
	switch strings.ToUpper(s) {
	case wireReturnRegistered, wireReturnInTransit, wireReturnReceived:
		return true
	}
	return false
}

// Quote asks STG for its rates (POST /v1/rates): price, taxes and
// surcharges, total, transit days and expected delivery per service.
// req.Services, when given, narrows the answer. Asking for rates books
// nothing, so it is retried like a GET.
func (c *Client) Quote(ctx context.Context, req carrier.QuoteRequest) ([]carrier.Rate, error) {
	const op = "quote"
	key := newUUID()
	ship := req.ShipDate
	if ship.IsZero() {
		ship = c.now()
	}
	body := ratesRequest{Shipper: wireAddress(req.From), Receiver: wireAddress(req.To), ShipDate: ship.Format(dateLayout)}
	var faults []carrier.Fault
	if len(req.Parcels) == 0 {
		faults = append(faults, carrier.Fault{Code: "required", Field: "parcels", Message: "no parcel to quote"})
	}
	for i, p := range req.Parcels {
		wp, f := wireParcel(i, p)
		if f != nil {
			faults = append(faults, *f)
		}
		body.Parcels = append(body.Parcels, wp)
	}
	if len(faults) > 0 {
		return nil, invalid(op, key, faults)
	}
	resp, err := c.call(ctx, request{op: op, method: http.MethodPost, path: pathRates, body: body, key: key, safe: true})
	if err != nil {
		return nil, err
	}
	var rr ratesResponse
	if err := json.Unmarshal(resp.body, &rr); err != nil {
		return nil, unreadable(op, key, resp.status, carrier.KindUnavailable, err.Error())
	}
	want := map[string]bool{}
	for _, s := range req.Services {
		want[strings.ToUpper(strings.TrimSpace(s))] = true
	}
	var out []carrier.Rate
	for _, r := range rr.Rates {
		if len(want) > 0 && !want[strings.ToUpper(r.ServiceCode)] {
			continue
		}
		rate, err := c.rate(r)
		if err != nil {
			return nil, unreadable(op, key, resp.status, carrier.KindUnavailable, "rate "+r.ServiceCode+": "+err.Error())
		}
		out = append(out, rate)
	}
	return out, nil
}

func (c *Client) rate(r rate) (carrier.Rate, error) {
	price, err := parseMoney(r.Price)
	if err != nil {
		return carrier.Rate{}, fmt.Errorf("price: %w", err)
	}
	total, err := parseMoney(r.Total)
	if err != nil {
		return carrier.Rate{}, fmt.Errorf("total: %w", err)
	}
	out := carrier.Rate{Carrier: CarrierName, Service: r.ServiceCode, ServiceName: r.ServiceName,
		Price: price, Total: total, PriceSource: "carrier", TransitDays: r.TransitDays}
	cur := price.Currency
	if cur == "" {
		cur = total.Currency
	}
	for _, t := range r.Taxes {
		amt, err := parseAmount(t.Amount)
		if err != nil {
			return carrier.Rate{}, fmt.Errorf("tax %q amount: %w", t.Name, err)
		}
		tax := carrier.Tax{Name: t.Name, Amount: carrier.Money{Amount: amt, Currency: cur}}
		if strings.TrimSpace(t.Rate) != "" {
			if tax.Rate, err = parseAmount(t.Rate); err != nil {
				return carrier.Rate{}, fmt.Errorf("tax %q rate: %w", t.Name, err)
			}
		}
		out.Taxes = append(out.Taxes, tax)
	}
	if r.EstimatedDelivery != "" {
		d, err := time.Parse(dateLayout, r.EstimatedDelivery)
		if err != nil {
			return carrier.Rate{}, fmt.Errorf("estimated delivery %q is not a date", r.EstimatedDelivery)
		}
		out.EstimatedDelivery = d
	}
	return out, nil
}

func parseMoney(m money) (carrier.Money, error) {
	a, err := parseAmount(m.Amount)
	if err != nil {
		return carrier.Money{}, err
	}
	return carrier.Money{Amount: a, Currency: strings.ToUpper(strings.TrimSpace(m.Currency))}, nil
}

// parseAmount reads a decimal string such as "115.35", "-4.10" or "0.25".
// Only digits with an optional sign and one decimal point are accepted:
// no exponent, no thousands separator, no decimal comma, no NaN or Inf,
// which strconv.ParseFloat alone would let through or misread.
func parseAmount(s string) (float64, error) {
	s = strings.TrimSpace(s)
	digits, dots := 0, 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.':
			dots++
		case (r == '-' || r == '+') && i == 0:
		default:
			return 0, fmt.Errorf("%q is not a decimal amount", s)
		}
	}
	if digits == 0 || dots > 1 {
		return 0, fmt.Errorf("%q is not a decimal amount", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a decimal amount", s)
	}
	return v, nil
}

// formatAmount writes an amount as a decimal string with two decimals.
func formatAmount(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// shipmentBody builds the body of POST /v1/shipments, naming every
// problem that would make STG refuse it.
func shipmentBody(req carrier.BookingRequest) (shipmentRequest, []carrier.Fault) {
	var faults []carrier.Fault
	body := shipmentRequest{
		ServiceCode: strings.TrimSpace(req.Service.Code),
		Reference:   req.OrderRef,
		Shipper:     wireAddress(req.Consignor.Address),
		Receiver:    wireAddress(req.Receiver),
	}
	if len(req.Parcels) == 0 {
		faults = append(faults, carrier.Fault{Code: "required", Field: "parcels", Message: "no parcel to book"})
	}
	for i, p := range req.Parcels {
		wp, f := wireParcel(i, p)
		if f != nil {
			faults = append(faults, *f)
		}
		wp.Contents = contents(p.Contents)
		body.Parcels = append(body.Parcels, wp)
	}
	format, f := labelWord(req.LabelFormat)
	if f != nil {
		faults = append(faults, *f)
	}
	body.Label = labelSpec{Format: format, Size: wireLabelSize}
	if needsCustoms(req.Consignor.Address.Country, req.Receiver.Country) {
		var cf []carrier.Fault
		body.Customs, cf = customsFor(req.Parcels)
		faults = append(faults, cf...)
	}
	return body, faults
}

func wireAddress(a carrier.Address) address {
	return address{Name: a.Name, Company: a.Company, Street1: a.Street1, Street2: a.Street2,
		PostalCode: a.Postcode, City: a.City, CountryCode: strings.ToUpper(a.Country), Email: a.Email, Phone: a.Phone}
}

func wireParcel(i int, p carrier.Parcel) (parcel, *carrier.Fault) {
	wp := parcel{WeightGrams: int64(p.Weight),
		LengthCm: cm(p.Dimensions.LengthCm), WidthCm: cm(p.Dimensions.WidthCm), HeightCm: cm(p.Dimensions.HeightCm)}
	if p.Weight <= 0 {
		return wp, &carrier.Fault{Code: "required", Field: fmt.Sprintf("parcels[%d].weight", i), Message: fmt.Sprintf("parcel %d has no weight", i+1)}
	}
	return wp, nil
}

// cm rounds a dimension up to whole centimetres (a parcel must fit).
func cm(v float64) int {
	if v <= 0 {
		return 0
	}
	return int(math.Ceil(v - 1e-9))
}

// contents joins the line descriptions into the parcel's contents text.
func contents(lines []carrier.Line) string {
	var parts []string
	for _, l := range lines {
		if d := strings.TrimSpace(l.Description); d != "" {
			parts = append(parts, d)
		}
	}
	s := strings.Join(parts, ", ")
	if r := []rune(s); len(r) > maxContents {
		s = string(r[:maxContents-1]) + "…"
	}
	return s
}

func labelWord(f carrier.LabelFormat) (string, *carrier.Fault) {
	switch strings.ToLower(string(f)) {
	case "", string(carrier.LabelZPL):
		return wireLabelZPL, nil
	case string(carrier.LabelPDF):
		return wireLabelPDF, nil
	}
	return "", &carrier.Fault{Code: "invalid", Field: "label_format", Message: fmt.Sprintf("label format %q is not zpl or pdf", f)}
}

// decodeLabels base64-decodes STG's labels; the second result says what
// was wrong, "" when all is well.
func decodeLabels(ls []label) ([]carrier.Label, string) {
	var out []carrier.Label
	for i, l := range ls {
		var format carrier.LabelFormat
		switch strings.ToUpper(l.Format) {
		case wireLabelZPL:
			format = carrier.LabelZPL
		case wireLabelPDF:
			format = carrier.LabelPDF
		default:
			return out, fmt.Sprintf("label %d has format %q", i+1, l.Format)
		}
		if l.Encoding != "" && !strings.EqualFold(l.Encoding, wireEncodingB64) {
			return out, fmt.Sprintf("label %d has encoding %q", i+1, l.Encoding)
		}
		data, err := base64.StdEncoding.DecodeString(l.Data)
		if err != nil || len(data) == 0 {
			return out, fmt.Sprintf("label %d is not base64 data", i+1)
		}
		out = append(out, carrier.Label{Format: format, Data: data})
	}
	return out, ""
}

func hasEmpty(ids []string) bool {
	for _, id := range ids {
		if id == "" {
			return true
		}
	}
	return false
}

// euMembers are the EU's customs territory by ISO code.
var euMembers = map[string]bool{
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true, "EE": true, "FI": true,
	"FR": true, "DE": true, "GR": true, "HU": true, "IE": true, "IT": true, "LV": true, "LT": true, "LU": true,
	"MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
}

// needsCustoms reports whether a shipment crosses the EU's customs border
// (e.g. Sweden to Norway). An empty shipper country counts as inside.
func needsCustoms(from, to string) bool {
	from, to = strings.ToUpper(from), strings.ToUpper(to)
	if to == "" || from == to {
		return false
	}
	if from == "" {
		return !euMembers[to]
	}
	return !euMembers[from] || !euMembers[to]
}

// customsFor builds a simple declaration from the parcels' lines: each
// line with its quantity, unit value, HS code and origin. Every line needs
// a description, a quantity and a value with a currency.
func customsFor(parcels []carrier.Parcel) (*customs, []carrier.Fault) {
	cu := &customs{}
	var faults []carrier.Fault
	for i, p := range parcels {
		for j, l := range p.Contents {
			field := fmt.Sprintf("parcels[%d].contents[%d]", i, j)
			if strings.TrimSpace(l.Description) == "" || l.Quantity <= 0 || l.Value <= 0 || l.Currency == "" {
				faults = append(faults, carrier.Fault{Code: "customs", Field: field,
					Message: fmt.Sprintf("a customs line needs a description, quantity, value and currency (line %d of parcel %d)", j+1, i+1)})
				continue
			}
			cur := strings.ToUpper(l.Currency)
			if cu.Currency == "" {
				cu.Currency = cur
			} else if cu.Currency != cur {
				faults = append(faults, carrier.Fault{Code: "customs", Field: field + ".currency",
					Message: fmt.Sprintf("customs values must share one currency (%s and %s)", cu.Currency, cur)})
				continue
			}
			cu.Lines = append(cu.Lines, customsLine{Description: l.Description, Quantity: l.Quantity,
				Value: formatAmount(l.Value), HSCode: l.HSCode, OriginCountry: strings.ToUpper(l.Origin),
				WeightGrams: int64(carrier.WeightFromKg(l.WeightKg))})
		}
	}
	if len(cu.Lines) == 0 && len(faults) == 0 {
		faults = append(faults, carrier.Fault{Code: "customs", Field: "parcels[0].contents",
			Message: "a shipment leaving the EU needs its contents (order lines) for the customs declaration"})
	}
	return cu, faults
}
