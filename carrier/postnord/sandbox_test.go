package postnord_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"labelstation/carrier"
	"labelstation/carrier/postnord"
	"labelstation/carrier/sandbox"
	"labelstation/label"
)

// TestAgainstSandbox runs the client against the fake PostNord, which
// validates bodies the way PostNord does and answers in its wire format.
func TestAgainstSandbox(t *testing.T) {
	now := fixedNow
	sb := sandbox.New(sandbox.Options{APIKey: testKey, Now: func() time.Time { return now }, TrackingStep: time.Hour})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	c := newClient(t, srv.URL)
	ctx := context.Background()

	b, err := c.Book(ctx, sampleBooking())
	if err != nil {
		t.Fatalf("Book: %v", err)
	}
	if len(b.ItemIDs) != 2 || len(b.Labels) != 2 {
		t.Fatalf("booking %+v", b)
	}
	for i, id := range b.ItemIDs {
		if !label.ValidSSCC(id) || !strings.Contains(string(b.Labels[i].Data), id) {
			t.Errorf("item %d: id %s, label carries it: %v", i, id, strings.Contains(string(b.Labels[i].Data), id))
		}
	}
	if recs := sb.Bookings(); len(recs) != 1 || recs[0].RequestID != "req-0001" {
		t.Errorf("sandbox recorded %+v", recs)
	}

	tr, err := c.Track(ctx, b.ItemIDs[1])
	if err != nil {
		t.Fatalf("Track: %v", err)
	}
	if tr.ItemID != b.ItemIDs[1] || tr.ShipmentID != b.ShipmentID || tr.Status != carrier.StatusCreated || len(tr.Events) != 1 || !tr.Events[0].Time.Equal(fixedNow) {
		t.Errorf("tracking %+v", tr)
	}

	pdf := sampleBooking()
	pdf.LabelFormat = carrier.LabelPDF
	if b, err := c.Book(ctx, pdf); err != nil || !strings.HasPrefix(string(b.Labels[0].Data), "%PDF-") {
		t.Errorf("PDF booking: %v", err)
	}

	ret, err := c.ReturnLabel(ctx, sampleReturn())
	if err != nil || len(ret.Labels) != 1 || !strings.Contains(string(ret.Labels[0].Data), "Return Drop Off") {
		t.Errorf("return label: %v %+v", err, ret)
	}

	bad := sampleBooking()
	bad.Service.Code = "42"
	_, err = c.Book(ctx, bad)
	ce := asCarrierError(t, err, carrier.KindRejected)
	if ce.HTTPStatus != 400 || len(ce.Faults) == 0 {
		t.Errorf("unknown service: %v", err)
	}

	wrongKey, err := postnord.New(postnord.Config{BaseURL: srv.URL, APIKey: "not-the-key"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrongKey.Book(ctx, sampleBooking())
	asCarrierError(t, err, carrier.KindAuth)

	_, err = c.Track(ctx, "00373500459999999999")
	asCarrierError(t, err, carrier.KindNotFound)
}
