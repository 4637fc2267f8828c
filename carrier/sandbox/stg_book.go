package sandbox

import (
	"encoding/base64"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"labelstation/label"
)

// STG tracking stories, as STGServer.Story reports them.
const (
	STGStoryDelivered = "delivered" // CREATED … DELIVERED on the estimated day
	STGStoryException = "exception" // a failed delivery attempt on the estimated day, then nothing
	STGStoryReturned  = "returned"  // the failed attempt, then RETURNED to the shipper two working days later
	STGStoryReturn    = "return"    // a return parcel: RETURN_REGISTERED … RETURN_RECEIVED
)

// stgTracked is what tracking needs to tell a parcel's story.
type stgTracked struct {
	number, shipmentID string
	service            string
	reference          string
	bookedAt           time.Time
	estimated          time.Time // midnight, Stockholm
	from, to           stgAddress
	story              string
	reason             string // return parcels
}

// Story returns the story tracking tells for a tracking number, and false
// for one the sandbox does not know. It is chosen by Seed and the number:
// about 5 % exception, 3 % returned, the rest delivered.
func (s *STGServer) Story(trackingNumber string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.parcels[trackingNumber]
	if !ok {
		return "", false
	}
	return p.story, true
}

func (s *STGServer) chooseStory(number string) string {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(s.seed, 10) + "/" + number))
	switch v := h.Sum64() % 100; {
	case v < 5:
		return STGStoryException
	case v < 8:
		return STGStoryReturned
	}
	return STGStoryDelivered
}

// newTrackingNumber allocates an unused "STG" + 12 digits. Callers hold mu.
func (s *STGServer) newTrackingNumber() string {
	for {
		n := "STG" + stgRandom(s.rng, 12, "0123456789")
		if _, used := s.parcels[n]; !used {
			return n
		}
	}
}

const stgBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func stgCheckLabel(errs []stgFieldError, l *stgLabelRequest) []stgFieldError {
	if l == nil {
		return errs
	}
	switch l.Format {
	case "", "ZPL", "PDF":
	default:
		errs = append(errs, stgFieldError{Field: "label.format", Message: "must be ZPL or PDF"})
	}
	if l.Size != "" && l.Size != "100x150" {
		errs = append(errs, stgFieldError{Field: "label.size", Message: "must be 100x150"})
	}
	return errs
}

func stgFormat(l *stgLabelRequest) string {
	if l == nil || l.Format == "" {
		return "ZPL"
	}
	return l.Format
}

// shipment is POST /v1/shipments.
func (s *STGServer) shipment(r *http.Request, body []byte) *stgResp {
	var in stgShipmentRequest
	if p := stgDecode(body, &in); p != nil {
		return p
	}
	var errs []stgFieldError
	sv, known := stgServiceOf(in.ServiceCode)
	switch {
	case in.ServiceCode == "":
		errs = append(errs, stgFieldError{Field: "serviceCode", Message: "missing"})
	case !known:
		errs = append(errs, stgFieldError{Field: "serviceCode", Message: "unknown service " + strconv.Quote(in.ServiceCode) + ": HOME, PICKUP or EXPRESS"})
	}
	if len([]rune(in.Reference)) > 35 {
		errs = append(errs, stgFieldError{Field: "reference", Message: "longer than 35 characters"})
	}
	errs = stgCheckAddress(errs, "shipper", in.Shipper)
	errs = stgCheckAddress(errs, "receiver", in.Receiver)
	errs = stgCheckParcels(errs, in.Parcels)
	errs = stgCheckLabel(errs, in.Label)
	if len(errs) > 0 {
		return stgValidation(errs)
	}
	format := stgFormat(in.Label)

	now := s.now()
	y, m, d := now.In(stockholm).Date()
	est := stgAddBusinessDays(time.Date(y, m, d, 0, 0, 0, 0, stockholm), sv.transit[in.Receiver.CountryCode])

	s.mu.Lock()
	shipmentID := "STG-" + stgRandom(s.rng, 8, stgBase32)
	out := stgShipmentResponse{ShipmentID: shipmentID}
	numbers := make([]string, len(in.Parcels))
	for i := range in.Parcels {
		n := s.newTrackingNumber()
		numbers[i] = n
		s.parcels[n] = &stgTracked{number: n, shipmentID: shipmentID, service: sv.code, reference: in.Reference,
			bookedAt: now, estimated: est, from: *in.Shipper, to: *in.Receiver, story: s.chooseStory(n)}
		out.Parcels = append(out.Parcels, stgParcelOut{ParcelID: "P" + strconv.Itoa(i+1), TrackingNumber: n})
	}
	s.bookings = append(s.bookings, STGBooking{IdempotencyKey: r.Header.Get("Idempotency-Key"), Reference: in.Reference,
		ShipmentID: shipmentID, ServiceCode: sv.code, TrackingNumbers: numbers, Time: now, Body: append([]byte(nil), body...)})
	s.mu.Unlock()

	for i, n := range numbers {
		ld := stgLabelData{From: *in.Shipper, To: *in.Receiver, ServiceCode: sv.code, ServiceName: sv.name,
			ShipmentID: shipmentID, TrackingNumber: n, Reference: in.Reference, ParcelNo: i + 1, ParcelCount: len(numbers),
			WeightGrams: in.Parcels[i].WeightGrams, Date: now.In(stockholm).Format(time.DateOnly)}
		out.Labels = append(out.Labels, stgRenderLabel(&ld, format))
	}
	out.TrackingURL = stgTrackingURL + numbers[0]
	return stgJSON(http.StatusCreated, out)
}

// returnLabel is POST /v1/returns.
func (s *STGServer) returnLabel(r *http.Request, body []byte) *stgResp {
	var in stgReturnRequest
	if p := stgDecode(body, &in); p != nil {
		return p
	}
	var errs []stgFieldError
	if in.OriginalTrackingNumber == "" {
		errs = append(errs, stgFieldError{Field: "originalTrackingNumber", Message: "missing"})
	}
	switch {
	case in.Reason == "":
		errs = append(errs, stgFieldError{Field: "reason", Message: "missing"})
	case len([]rune(in.Reason)) > 70:
		errs = append(errs, stgFieldError{Field: "reason", Message: "longer than 70 characters"})
	}
	errs = stgCheckLabel(errs, in.Label)
	if len(errs) > 0 {
		return stgValidation(errs)
	}
	format := stgFormat(in.Label)
	now := s.now()

	s.mu.Lock()
	orig, ok := s.parcels[in.OriginalTrackingNumber]
	if !ok || orig.story == STGStoryReturn {
		s.mu.Unlock()
		return stgNotFound("no outgoing parcel with tracking number " + strconv.Quote(in.OriginalTrackingNumber))
	}
	returnID := "RET-" + stgRandom(s.rng, 8, stgBase32)
	n := s.newTrackingNumber()
	y, m, d := now.In(stockholm).Date()
	sv, _ := stgServiceOf("HOME")
	est := stgAddBusinessDays(time.Date(y, m, d, 0, 0, 0, 0, stockholm), sv.transit[orig.to.CountryCode])
	ret := &stgTracked{number: n, shipmentID: returnID, service: "RETURN", reference: orig.reference, bookedAt: now,
		estimated: est, from: orig.to, to: orig.from, story: STGStoryReturn, reason: in.Reason}
	s.parcels[n] = ret
	s.bookings = append(s.bookings, STGBooking{IdempotencyKey: r.Header.Get("Idempotency-Key"), Reference: orig.reference,
		ShipmentID: returnID, ServiceCode: "RETURN", TrackingNumbers: []string{n}, Time: now, Return: true,
		Body: append([]byte(nil), body...)})
	s.mu.Unlock()

	ld := stgLabelData{From: ret.from, To: ret.to, ServiceCode: "RETURN", ServiceName: "Return",
		ShipmentID: returnID, TrackingNumber: n, Reference: ret.reference, ParcelNo: 1, ParcelCount: 1,
		Date: now.In(stockholm).Format(time.DateOnly), Reason: in.Reason}
	return stgJSON(http.StatusCreated, stgReturnResponse{ReturnID: returnID, TrackingNumber: n,
		Labels: []stgLabelOut{stgRenderLabel(&ld, format)}})
}

// tracking is GET /v1/tracking/{trackingNumber}.
func (s *STGServer) tracking(r *http.Request, _ []byte) *stgResp {
	number := r.PathValue("trackingNumber")
	s.mu.Lock()
	p, ok := s.parcels[number]
	var cp stgTracked
	if ok {
		cp = *p
	}
	s.mu.Unlock()
	if !ok {
		return stgNotFound("no parcel with tracking number " + strconv.Quote(number))
	}
	now := s.now()
	out := stgTrackingResponse{TrackingNumber: number, Reason: cp.reason, Events: []stgEvent{}}
	for _, e := range stgPlan(&cp) {
		if e.at.After(now) {
			break
		}
		out.Events = append(out.Events, e.stgEvent)
		out.Status = e.Status
	}
	return stgJSON(http.StatusOK, out)
}

type stgPlanned struct {
	at time.Time
	stgEvent
}

// stgPlan is a parcel's whole story, oldest first; tracking shows the
// events whose time has come.
func stgPlan(p *stgTracked) []stgPlanned {
	var out []stgPlanned
	add := func(at time.Time, code, status, desc string, where stgAddress) {
		if n := len(out); n > 0 && !at.After(out[n-1].at) {
			at = out[n-1].at.Add(30 * time.Minute)
		}
		out = append(out, stgPlanned{at: at, stgEvent: stgEvent{Time: at.In(stockholm).Format(time.RFC3339), Code: code,
			Status: status, Description: desc, Location: stgLocation{City: where.City, CountryCode: where.CountryCode},
			Reason: p.reason}})
	}
	on := func(day time.Time, h, m int) time.Time {
		y, mo, d := day.Date()
		return time.Date(y, mo, d, h, m, 0, 0, stockholm)
	}
	if p.story == STGStoryReturn {
		add(p.bookedAt, "RR", "RETURN_REGISTERED", "Return registered", p.from)
		add(p.bookedAt.Add(3*time.Hour), "RI", "RETURN_IN_TRANSIT", "Return handed in, on its way to the sender", p.from)
		add(on(p.estimated, 13, 0), "RD", "RETURN_RECEIVED", "Return received by the sender", p.to)
		return out
	}
	add(p.bookedAt, "CR", "CREATED", "Shipment data received", p.from)
	add(p.bookedAt.Add(3*time.Hour), "PU", "PICKED_UP", "Picked up", p.from)
	add(p.bookedAt.Add(6*time.Hour), "DT", "IN_TRANSIT", "Departed the sorting terminal", p.from)
	add(on(p.estimated, 5, 30), "AT", "IN_TRANSIT", "Arrived at the delivery terminal", p.to)
	add(on(p.estimated, 8, 15), "OD", "OUT_FOR_DELIVERY", "Out for delivery", p.to)
	switch p.story {
	case STGStoryException, STGStoryReturned:
		add(on(p.estimated, 15, 10), "EX", "EXCEPTION", "Delivery attempt failed: the receiver was not available", p.to)
		if p.story == STGStoryReturned {
			add(on(stgAddBusinessDays(p.estimated, 2), 11, 0), "RT", "RETURNED", "Returned to the sender", p.from)
		}
	default:
		add(on(p.estimated, 14, 20), "DL", "DELIVERED", "Delivered", p.to)
	}
	return out
}

// ---- labels ----

// stgLabelData is what one STG label carries.
type stgLabelData struct {
	From, To                 stgAddress
	ServiceCode, ServiceName string
	ShipmentID               string
	TrackingNumber           string
	Reference                string
	ParcelNo, ParcelCount    int
	WeightGrams              int
	Date                     string
	Reason                   string // return labels
}

func stgRenderLabel(d *stgLabelData, format string) stgLabelOut {
	var data []byte
	if format == "PDF" {
		data = stgPDF(d)
	} else {
		var b strings.Builder
		stgZPL(&b, d)
		data = []byte(b.String())
	}
	return stgLabelOut{Format: format, Encoding: "base64", Data: base64.StdEncoding.EncodeToString(data)}
}

func stgAddressLines(a stgAddress) []string {
	lines := []string{a.Name}
	if a.Company != "" {
		lines = append(lines, a.Company)
	}
	lines = append(lines, a.Street1)
	if a.Street2 != "" {
		lines = append(lines, a.Street2)
	}
	return append(lines, label.PostalLine(a.CountryCode, a.PostalCode, a.City))
}
