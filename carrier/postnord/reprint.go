package postnord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"labelstation/carrier"
)

// Reprint and lookup by reference.
const (
	pathReprintLabels  = "/rest/shipment/v3/labels/ids/" // + zpl | pdf
	pathTrackByRefBase = "/rest/shipment/v7/trackandtrace/customernumber/"
)

var (
	_ carrier.Reprinter       = (*Client)(nil)
	_ carrier.ReferenceFinder = (*Client)(nil)
)

// Reprint fetches the labels of booked items again from PostNord by the
// print ids the booking returned (Booking.PrintIDs), without booking
// anything: /v3/labels/ids/{zpl,pdf}. It is safe to repeat, so it is
// retried like a GET.
func (c *Client) Reprint(ctx context.Context, printIDs []string, format carrier.LabelFormat) ([]carrier.Label, error) {
	const op = "reprint"
	reqID := requestIDOrNew("")
	f, ferr := labelFormat(format)
	ck := &checker{}
	if ferr != nil {
		ck.faults = append(ck.faults, *ferr)
	}
	if len(printIDs) == 0 {
		ck.add("print_ids", "required", "no print ids: the booking did not return any")
	}
	body := make([]reprintID, 0, len(printIDs))
	for i, id := range printIDs {
		id = strings.TrimSpace(id)
		field := fmt.Sprintf("print_ids[%d]", i)
		if ck.required(field, id, "print id") {
			ck.maxLen(field, id, "print id", 35) // definitions/ids_inner id
		}
		body = append(body, reprintID{ID: id, LabelType: c.labelType})
	}
	if len(ck.faults) > 0 {
		return nil, c.invalid(op, reqID, ck.faults)
	}
	data, _ := json.Marshal(body)
	q := url.Values{}
	if f == carrier.LabelPDF {
		q.Set("paperSize", "LABEL")
	} else {
		q.Set("dpmm", "8dpmm")
	}
	// Reprinting creates nothing at PostNord: safe to repeat.
	resp, err := c.call(ctx, request{op: op, product: productBooking, method: http.MethodPost, path: pathReprintLabels + string(f),
		query: q, body: data, requestID: reqID, safe: true})
	if err != nil {
		return nil, err
	}
	var printouts []labelPrintout // definitions/labelPrintout
	if err := json.Unmarshal(resp.body, &printouts); err != nil {
		return nil, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindUnavailable, HTTPStatus: resp.status, RequestID: reqID,
			Message: "answer is not a list of label printouts"}
	}
	var labels []carrier.Label
	var faults []carrier.Fault
	for i, lp := range printouts {
		for _, it := range lp.ItemIDs {
			if strings.EqualFold(it.Status, "FAIL") {
				for _, fl := range c.errorFaults(it.ErrorResponse, "no reason given") {
					fl.Message = fmt.Sprintf("item %s: %s", it.ItemIDs, fl.Message)
					faults = append(faults, fl)
				}
			}
		}
		if lp.Printout == nil || lp.Printout.Data == "" {
			continue
		}
		l, err := decodePrintout(*lp.Printout, f)
		if err != nil {
			return labels, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindUnavailable, HTTPStatus: resp.status, RequestID: reqID,
				Message: fmt.Sprintf("label %d cannot be decoded: %v", i+1, err)}
		}
		labels = append(labels, l)
	}
	if len(labels) == 0 {
		if len(faults) == 0 {
			faults = []carrier.Fault{{Message: "the answer holds no label"}}
		}
		return nil, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindNotFound, HTTPStatus: resp.status, RequestID: reqID,
			Message: "PostNord returned no label for these print ids", Faults: faults}
	}
	return labels, nil
}

type reprintID struct {
	ID        string `json:"id"`
	LabelType string `json:"labelType,omitempty"`
}

// FindByReference asks Track & Trace for the shipments booked under the
// consignor's customer number with the given reference (the order ref
// sent as reference CU), each with all its item ids (Tracking.ItemIDs;
// Tracking.ItemID is the first). It answers the unknown-outcome question "did
// PostNord book it?" without booking again. It sends the OAuth2 bearer
// token when client credentials are configured, as the
// findbyreference spec declares.
func (c *Client) FindByReference(ctx context.Context, customerNumber, reference string) ([]carrier.Tracking, error) {
	const op = "find by reference"
	reqID := requestIDOrNew("")
	ck := &checker{}
	customerNumber, reference = strings.TrimSpace(customerNumber), strings.TrimSpace(reference)
	if ck.required("customer_number", customerNumber, "customer number") && !isDigits(customerNumber) {
		ck.add("customer_number", "invalid", "customer number %q must be digits only", customerNumber)
	}
	if ck.required("reference", reference, "reference") {
		ck.maxLen("reference", reference, "reference", maxReferenceNo)
	}
	if len(ck.faults) > 0 {
		return nil, c.invalid(op, reqID, ck.faults)
	}
	q := url.Values{}
	q.Set("locale", c.locale)
	path := pathTrackByRefBase + customerNumber + "/reference/" + url.PathEscape(reference) + pathTrackSuffix
	resp, err := c.call(ctx, request{op: op, product: productTracking, method: http.MethodGet, path: path, query: q,
		requestID: reqID, safe: true, oauth: true})
	if err != nil {
		return nil, err
	}
	var dto trackingResponseDto
	if err := json.Unmarshal(resp.body, &dto); err != nil || dto.TrackingInformationResponse == nil {
		return nil, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindUnavailable, HTTPStatus: resp.status, RequestID: reqID,
			Message: "answer is not a Track & Trace response"}
	}
	tir := dto.TrackingInformationResponse
	if len(tir.Shipments) == 0 {
		return nil, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindNotFound, HTTPStatus: resp.status, RequestID: reqID,
			Message: fmt.Sprintf("PostNord knows no shipment with reference %s", reference), Faults: c.faults(tir.CompositeFault)}
	}
	out := make([]carrier.Tracking, 0, len(tir.Shipments))
	for _, s := range tir.Shipments {
		t := trackingFor(s, nil, s.ShipmentID)
		if len(t.ItemIDs) > 0 {
			// The first parcel's id is the tracking number a booking of
			// this shipment would have returned (Booking.TrackingID).
			t.ItemID = t.ItemIDs[0]
		}
		out = append(out, t)
	}
	return out, nil
}
