package sandbox

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"labelstation/label"
)

// Defaults of Options.
const (
	DefaultCompanyPrefix = "7350045"
	DefaultTrackingStep  = time.Hour
	DefaultKeepBookings  = 10_000
	ssccExtensionDigit   = 3
	maxRequestBody       = 8 << 20
)

// Options configures a Server.
type Options struct {
	// APIKey is the only key accepted; "" accepts any non-empty key.
	APIKey string
	// Latency delays every answer of a PostNord endpoint.
	Latency time.Duration
	// FailRate is the fraction of booking requests answered 503 without
	// booking (0 … 1).
	FailRate float64
	// Seed seeds every random choice (fail rate, booking and print ids),
	// so a test run is repeatable. With the item id it also picks each
	// item's tracking story and, with the shipment id, its transit days
	// and customs stall (StoryFor, TransitDays, CustomsStallDays), so a
	// test can predict them.
	Seed int64
	// Now is the sandbox's clock; nil means time.Now. Tracking advances
	// with it: Track & Trace shows only the events whose time is not after
	// Now, so a test that sets the clock (Clock) sees a story unfold.
	Now func() time.Time
	// TrackingStep is the pace of tracking stories: one story hour takes
	// TrackingStep on the sandbox's clock, counted from booking. 0 means
	// one hour: real pace, a parcel on a 2-day corridor is delivered two
	// calendar days after pickup. One minute tells a day's story in 24
	// minutes (event times are then compressed likewise, so the hours of
	// day in them no longer look like a working day). StoryStepped keeps
	// its meaning of old: one event every TrackingStep.
	TrackingStep time.Duration
	// TrackingMix weighs the story kinds items get; nil (or empty) is
	// DefaultTrackingMix, the realistic one. TrackingMix{StoryLate: 1}
	// makes every item late.
	TrackingMix TrackingMix
	// Story, when set, chooses items' stories: it is called with the item
	// id whenever the item's story is told (so it must answer the same for
	// the same id), without the sandbox's lock held, and its answer wins
	// over the mix; "" (or a kind it does not know) leaves the choice to
	// TrackingMix. Tests force a kind with it, e.g.
	// func(string) Story { return StoryStepped }.
	Story func(itemID string) Story
	// CompanyPrefix is the GS1 company prefix of allocated SSCCs;
	// "" means DefaultCompanyPrefix.
	CompanyPrefix string
	// FirstSerial is the first SSCC serial reference; 0 means a random
	// one, so a restarted sandbox does not hand out the ids of its
	// previous run to a station that kept them.
	FirstSerial uint64
	// KeepBookings bounds the recorded bookings kept for Bookings and
	// /_sandbox/bookings (oldest dropped first); 0 means 10 000.
	KeepBookings int
}

// Faults are the failures the sandbox injects; they can be changed while
// it runs.
type Faults struct {
	// Latency delays every answer of a PostNord endpoint.
	Latency time.Duration
	// FailRate is the fraction of booking requests answered 503 without
	// booking.
	FailRate float64
	// DropAfterCommit books, then closes the connection without an
	// answer: the client cannot know whether the booking happened.
	DropAfterCommit bool
	// DropRate is the fraction of booking requests (0 … 1) that are
	// booked and then lost as DropAfterCommit loses every one: a flaky
	// network, where exactly-once must hold over many bookings. Drawn
	// from the seeded source, so a run is repeatable.
	DropRate float64
	// Down closes the connection of every request to a PostNord path
	// without reading or answering it, as a dead network looks to the
	// client; the /_sandbox/ endpoints keep working, so a test takes the
	// carrier offline and back without restarting the server. Requests
	// while down are not recorded: PostNord never saw them.
	Down bool
	// FailItem makes parcel number FailItem (1-based) of every booking
	// fail while the others are booked: PostNord's partial failure, the
	// item marked FAIL in labelPrintout with its reason. 0: off.
	FailItem int
	// Deny lists API products the key is not enabled for: their
	// endpoints answer the gateway's 403 "Invalid API Key", as PostNord
	// does for a key authorised per product (ProductBooking, …).
	Deny []string
	// RateLimit answers every PostNord request 429 Too Many Requests with
	// Retry-After: 1.
	RateLimit bool
}

// API products, for Faults.Deny.
const (
	ProductBooking       = "booking"
	ProductTracking      = "tracking"
	ProductServicePoints = "servicepoints"
	ProductTransitTime   = "transittime"
)

type faultsJSON struct {
	Latency         string   `json:"latency"`
	FailRate        float64  `json:"fail_rate"`
	DropAfterCommit bool     `json:"drop_after_commit"`
	DropRate        float64  `json:"drop_rate,omitempty"`
	Down            bool     `json:"down,omitempty"`
	FailItem        int      `json:"fail_item,omitempty"`
	Deny            []string `json:"deny,omitempty"`
	RateLimit       bool     `json:"rate_limit,omitempty"`
}

// MarshalJSON writes {"latency":"300ms","fail_rate":0.2,"drop_after_commit":false}
// and, when set, "drop_rate", "down", "fail_item", "deny" and "rate_limit".
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{Latency: f.Latency.String(), FailRate: f.FailRate, DropAfterCommit: f.DropAfterCommit,
		DropRate: f.DropRate, Down: f.Down, FailItem: f.FailItem, Deny: f.Deny, RateLimit: f.RateLimit})
}

// UnmarshalJSON reads the form MarshalJSON writes; a missing field is
// zero, so a POST states all faults at once.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var j faultsJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("faults: %w", err)
	}
	var d time.Duration
	if j.Latency != "" {
		var err error
		if d, err = time.ParseDuration(j.Latency); err != nil {
			return fmt.Errorf("faults: latency: %w", err)
		}
	}
	*f = Faults{Latency: d, FailRate: j.FailRate, DropAfterCommit: j.DropAfterCommit, DropRate: j.DropRate, Down: j.Down,
		FailItem: j.FailItem, Deny: j.Deny, RateLimit: j.RateLimit}
	return nil
}

func (f Faults) validate() error {
	if f.Latency < 0 {
		return fmt.Errorf("latency %s is negative", f.Latency)
	}
	if math.IsNaN(f.FailRate) || f.FailRate < 0 || f.FailRate > 1 {
		return fmt.Errorf("fail_rate %v is not between 0 and 1", f.FailRate)
	}
	if math.IsNaN(f.DropRate) || f.DropRate < 0 || f.DropRate > 1 {
		return fmt.Errorf("drop_rate %v is not between 0 and 1", f.DropRate)
	}
	if f.FailItem < 0 {
		return fmt.Errorf("fail_item %d is negative", f.FailItem)
	}
	for _, p := range f.Deny {
		switch p {
		case ProductBooking, ProductTracking, ProductServicePoints, ProductTransitTime:
		default:
			return fmt.Errorf("deny: unknown API product %q (booking, tracking, servicepoints, transittime)", p)
		}
	}
	return nil
}

// RecordedBooking is one shipment the sandbox booked. Every booking is
// recorded, a duplicate too, so a test can count bookings per order
// reference or item id to prove a parcel was booked exactly once.
type RecordedBooking struct {
	RequestID  string    `json:"request_id"` // X-External-Request-ID
	Time       time.Time `json:"time"`
	Endpoint   string    `json:"endpoint"` // request path
	Return     bool      `json:"return"`
	BookingID  string    `json:"booking_id"`
	ShipmentID string    `json:"shipment_id"`
	// OrderRef is the shipment's consignor reference (type CU), where
	// the client puts the order reference.
	OrderRef     string   `json:"order_ref"`
	Service      string   `json:"service"`
	ReceiverName string   `json:"receiver_name"`
	ReceiverCity string   `json:"receiver_city"`
	ItemIDs      []string `json:"item_ids"`
	// Body is the raw request body (the whole ediInstruction).
	Body json.RawMessage `json:"body"`
}

// trackedItem is what Track & Trace needs to tell an item's story.
type trackedItem struct {
	itemID, shipmentID string
	service            string
	bookedAt           time.Time
	toName, toPostcode string
	toCity, toCountry  string
	fromCity           string
	fromCountry        string
	servicePoint       string
	// customerNumber and reference are what Track & Trace finds a
	// shipment by: the consignor's partyId and its CU reference.
	customerNumber, reference string
	// story is the kind of story Track & Trace tells for the item; ""
	// until plan fills it in from chooseStory on its own copy.
	story Story
}

// Server is a fake PostNord. It is an http.Handler and safe for
// concurrent use.
type Server struct {
	mux           *http.ServeMux
	apiKey        []byte
	now           func() time.Time
	step          time.Duration
	seed          int64
	mix           TrackingMix
	storyOf       func(itemID string) Story
	companyPrefix string
	serialMod     uint64
	keep          int

	mu         sync.Mutex
	faults     Faults
	rng        *rand.Rand
	nextSerial uint64
	bookings   []RecordedBooking
	requests   []RecordedRequest
	items      map[string]*trackedItem
	prints     map[string]labelData // print id → label, for reprints
	shipments  map[string][]string  // shipment id → item ids
	byRef      map[refKey][]string  // customer number and reference → shipment ids, oldest first
}

// refKey is what Track & Trace by reference looks a shipment up by.
type refKey struct{ customerNumber, reference string }

// New returns a sandbox configured by opts. It panics on options that
// cannot work (a malformed company prefix, a fail rate outside 0…1),
// which are programming errors of the caller.
func New(opts Options) *Server {
	s := &Server{
		mux:           http.NewServeMux(),
		apiKey:        []byte(opts.APIKey),
		now:           opts.Now,
		step:          opts.TrackingStep,
		seed:          opts.Seed,
		mix:           maps.Clone(opts.TrackingMix),
		storyOf:       opts.Story,
		companyPrefix: opts.CompanyPrefix,
		keep:          opts.KeepBookings,
		faults:        Faults{Latency: opts.Latency, FailRate: opts.FailRate},
		rng:           rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed_1abe15)),
		items:         make(map[string]*trackedItem),
		prints:        make(map[string]labelData),
		shipments:     make(map[string][]string),
		byRef:         make(map[refKey][]string),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.step <= 0 {
		s.step = DefaultTrackingStep
	}
	if s.companyPrefix == "" {
		s.companyPrefix = DefaultCompanyPrefix
	}
	if s.keep <= 0 {
		s.keep = DefaultKeepBookings
	}
	if _, err := label.NewSSCC(ssccExtensionDigit, s.companyPrefix, 0); err != nil {
		panic("sandbox: " + err.Error())
	}
	if err := s.faults.validate(); err != nil {
		panic("sandbox: " + err.Error())
	}
	if err := s.mix.validate(); err != nil {
		panic("sandbox: " + err.Error())
	}
	s.serialMod = uint64(math.Pow10(16 - len(s.companyPrefix)))
	s.nextSerial = opts.FirstSerial
	if s.nextSerial == 0 {
		// Anywhere in the serial range, from the process's own random
		// source (not the seeded one, whose draws tests predict): two
		// sandboxes started one after the other — each demo command
		// starts its own, milliseconds apart — hand out the same ids only
		// by a one-in-a-hundred-million chance, however close in time.
		s.nextSerial = uint64(s.now().UnixNano()) ^ rand.Uint64()
	}
	s.nextSerial %= s.serialMod

	s.mux.HandleFunc("POST /rest/shipment/v3/edi/labels/{format}", s.handleLabels(false))
	s.mux.HandleFunc("POST /rest/shipment/v3/returns/edi/labels/{format}", s.handleLabels(true))
	s.mux.HandleFunc("GET /rest/shipment/v7/trackandtrace/id/{id}/public", s.handleTrack)
	s.mux.HandleFunc("GET /rest/shipment/v7/trackandtrace/customernumber/{customerNumber}/reference/{reference}/public", s.handleTrackByReference)
	s.mux.HandleFunc("POST /rest/shipment/v3/labels/ids/{format}", s.handleReprint)
	s.mux.HandleFunc("GET /rest/businesslocation/v5/servicepoints/nearest/byaddress", s.handleServicePointsNearest)
	s.mux.HandleFunc("GET /rest/businesslocation/v5/servicepoints/ids", s.handleServicePointsByID)
	s.mux.HandleFunc("GET /rest/transport/v2/transittime/addresstoaddress", s.handleTransit)
	s.mux.HandleFunc("GET /_sandbox/bookings", s.handleBookings)
	s.mux.HandleFunc("GET /_sandbox/requests", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Requests()) })
	s.mux.HandleFunc("GET /_sandbox/faults", s.handleGetFaults)
	s.mux.HandleFunc("POST /_sandbox/faults", s.handleSetFaults)
	return s
}

// ServeHTTP serves PostNord's paths and the sandbox's own. Every request
// to a PostNord path is recorded (see Requests) before it is answered,
// unless Faults.Down drops it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		if s.Faults().Down {
			dropConnection(w)
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, RecordedRequest{Time: s.now(), Method: r.Method, Path: r.URL.Path,
			RequestID: r.Header.Get("X-External-Request-ID")})
		if over := len(s.requests) - s.keep; over > 0 {
			s.requests = append(s.requests[:0:0], s.requests[over:]...)
		}
		s.mu.Unlock()
	}
	s.mux.ServeHTTP(w, r)
}

// RecordedRequest is one request that reached a PostNord path. The query
// (with its apikey) is not kept.
type RecordedRequest struct {
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	RequestID string    `json:"request_id,omitempty"`
}

// Requests returns every request to a PostNord path, oldest first.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedRequest, len(s.requests))
	copy(out, s.requests)
	return out
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("sandbox: set faults: %w", err)
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	return nil
}

// Faults returns the injected faults.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Bookings returns the recorded bookings, oldest first.
func (s *Server) Bookings() []RecordedBooking {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedBooking, len(s.bookings))
	copy(out, s.bookings)
	return out
}

// ---- PostNord endpoints ----

func (s *Server) handleLabels(returns bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		format := r.PathValue("format")
		if format != "zpl" && format != "pdf" {
			writeJSON(w, http.StatusNotFound, errorResponse{Message: "Resource not found: " + r.URL.Path})
			return
		}
		faults, ok := s.enter(w, r)
		if !ok {
			return
		}
		if faults.FailRate > 0 && s.roll() < faults.FailRate {
			writeJSON(w, http.StatusServiceUnavailable, errorResponse{
				Message: "Service Unavailable",
				CompositeFault: &compositeFault{Faults: []fault{{FaultCode: "API-503",
					ExplanationText: "The service is temporarily unavailable, try again later"}}},
			})
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		if err != nil {
			return // the client went away
		}
		if len(body) > maxRequestBody {
			writeJSON(w, http.StatusRequestEntityTooLarge, errorResponse{Message: "Request body too large"})
			return
		}
		var in ediInstruction
		if err := json.Unmarshal(body, &in); err != nil {
			writeJSON(w, http.StatusBadRequest, errorResponse{
				Message: "Bad Request",
				CompositeFault: &compositeFault{Faults: []fault{{FaultCode: "API-001",
					ExplanationText: "Request body is not a valid ediInstruction: " + err.Error()}}},
			})
			return
		}
		if vf := validate(&in, returns); len(vf) > 0 {
			writeJSON(w, http.StatusBadRequest, errorResponse{
				Message: "Validation failed", CompositeFault: &compositeFault{Faults: vf}})
			return
		}
		resp := s.book(r, &in, body, format, returns, faults.FailItem)
		if faults.DropAfterCommit || (faults.DropRate > 0 && s.roll() < faults.DropRate) {
			dropConnection(w)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

// enter applies what every PostNord endpoint does first: the injected
// latency, then the gateway's API key check. It returns the faults in
// force for this request, and false when the request is answered.
func (s *Server) enter(w http.ResponseWriter, r *http.Request) (Faults, bool) {
	return s.enterProduct(w, r, ProductBooking)
}

// enterProduct is enter for an endpoint of the given API product: a key
// that is not enabled for it gets the gateway's 403.
func (s *Server) enterProduct(w http.ResponseWriter, r *http.Request, product string) (Faults, bool) {
	faults := s.Faults()
	if id := r.Header.Get("X-External-Request-ID"); id != "" {
		w.Header().Set("X-External-Request-ID", id)
	}
	if faults.Latency > 0 {
		t := time.NewTimer(faults.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return faults, false
		}
	}
	key := r.URL.Query().Get("apikey")
	if key == "" || (len(s.apiKey) > 0 && subtle.ConstantTimeCompare([]byte(key), s.apiKey) != 1) {
		writeJSON(w, http.StatusForbidden, gatewayError{Error: gatewayErrorBody{
			StatusCode: http.StatusForbidden, Message: "Invalid API Key",
			Info: "Sandbox: send the key in the apikey query parameter",
		}})
		return faults, false
	}
	if slices.Contains(faults.Deny, product) {
		writeJSON(w, http.StatusForbidden, gatewayError{Error: gatewayErrorBody{
			StatusCode: http.StatusForbidden, Message: "Invalid API Key",
			Info: "Sandbox: this key is not enabled for the " + product + " API product",
		}})
		return faults, false
	}
	if faults.RateLimit {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, errorResponse{Message: "Too Many Requests",
			CompositeFault: &compositeFault{Faults: []fault{{FaultCode: "API-429", ExplanationText: "Rate limit exceeded"}}}})
		return faults, false
	}
	return faults, true
}

func (s *Server) roll() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64()
}

// dropConnection closes the connection without an answer, as a network
// failure after PostNord committed the booking would.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	// HTTP/2 has no hijacking; aborting the handler resets the stream.
	panic(http.ErrAbortHandler)
}

// book allocates ids, records the booking and renders its labels.
func (s *Server) book(r *http.Request, in *ediInstruction, body []byte, format string, returns bool, failItem int) labelResponse {
	now := s.now()
	reqID := r.Header.Get("X-External-Request-ID")
	type allocated struct {
		ids      []string
		printIDs []string
	}
	alloc := make([]allocated, len(in.Shipment))

	s.mu.Lock()
	bookingID := s.randomString(30, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
	for i := range in.Shipment {
		sh := &in.Shipment[i]
		var a allocated
		for _, g := range sh.GoodsItem {
			for _, it := range g.Items {
				id := it.ItemIdentification.ItemID
				if id == "0" {
					id = s.allocateSSCC()
				}
				a.ids = append(a.ids, id)
				a.printIDs = append(a.printIDs, s.randomString(32, "0123456789abcdef"))
			}
		}
		alloc[i] = a
		shipmentID := a.ids[0]
		to := sh.Parties.Consignee.Party
		from := sh.Parties.Consignor.Party
		sp := servicePointID(sh)
		key := refKey{sh.Parties.Consignor.PartyIdentification.PartyID, consignorReference(sh)}
		for _, id := range a.ids {
			s.items[id] = &trackedItem{
				itemID: id, shipmentID: shipmentID, service: sh.Service.BasicServiceCode, bookedAt: now,
				toName: to.NameIdentification.Name, toPostcode: to.Address.PostalCode,
				toCity: to.Address.City, toCountry: to.Address.CountryCode,
				fromCity: from.Address.City, fromCountry: from.Address.CountryCode,
				servicePoint: sp, customerNumber: key.customerNumber, reference: key.reference,
			}
		}
		s.shipments[shipmentID] = a.ids
		if key.reference != "" && !slices.Contains(s.byRef[key], shipmentID) {
			// A shipment booked again with the same own ids is the same
			// shipment; one booked again with allocated ids is another.
			s.byRef[key] = append(s.byRef[key], shipmentID)
		}
		s.bookings = append(s.bookings, RecordedBooking{
			RequestID: reqID, Time: now, Endpoint: r.URL.Path, Return: returns,
			BookingID: bookingID, ShipmentID: shipmentID, OrderRef: key.reference, Service: sh.Service.BasicServiceCode,
			ReceiverName: to.NameIdentification.Name, ReceiverCity: to.Address.City,
			ItemIDs: a.ids, Body: json.RawMessage(body),
		})
	}
	if over := len(s.bookings) - s.keep; over > 0 {
		s.bookings = append(s.bookings[:0:0], s.bookings[over:]...)
	}
	s.mu.Unlock()

	// Rendering needs no lock.
	resp := labelResponse{BookingResponse: bookingResponse{BookingID: bookingID}}
	date := now.In(stockholm).Format("2006-01-02")
	for i := range in.Shipment {
		sh := &in.Shipment[i]
		a := alloc[i]
		info := idInfo{Status: "OK", IDs: make([]assignedID, 0, len(a.ids)+1)}
		if len(sh.References) > 0 {
			info.References = &idReferences{Shipment: sh.References}
		}
		for j, id := range a.ids {
			info.IDs = append(info.IDs, assignedID{IDType: "itemId", Value: id, PrintID: a.printIDs[j]})
		}
		info.IDs = append(info.IDs, assignedID{IDType: "shipmentId", Value: a.ids[0]})
		info.URLs = []idURL{{Type: "TRACKING", URL: "https://tracking.postnord.com/se/?id=" + a.ids[0]}}
		resp.BookingResponse.IDInformation = append(resp.BookingResponse.IDInformation, info)

		d := labelDataFor(sh, date, bookingID)
		d.ItemCount = len(a.ids)
		n := 0
		for _, g := range sh.GoodsItem {
			for _, it := range g.Items {
				d.ItemID, d.ItemNo, d.WeightKg = a.ids[n], n+1, weightKg(it)
				if failItem == n+1 && len(a.ids) > 1 {
					// A partial failure: this item is refused, the others
					// stay booked.
					resp.LabelPrintout = append(resp.LabelPrintout, labelPrintout{ItemIDs: []printoutItemID{{
						ItemIDs: d.ItemID, Status: "FAIL",
						ErrorResponse: &errorResponse{Message: "Item not booked", CompositeFault: &compositeFault{Faults: []fault{{
							FaultCode: faultInvalid, ExplanationText: "Item could not be routed (sandbox fail_item)",
							ParamValues: []paramValue{{Param: "itemId", Value: d.ItemID}}}}}},
					}}})
					s.forget(d.ItemID)
					n++
					continue
				}
				lp := labelPrintout{ItemIDs: []printoutItemID{{ItemIDs: d.ItemID, PrintID: a.printIDs[n], Status: "OK"}}}
				lp.Printout = renderLabel(&d, format)
				s.remember(a.printIDs[n], d)
				resp.LabelPrintout = append(resp.LabelPrintout, lp)
				n++
			}
		}
	}
	return resp
}

func renderLabel(d *labelData, format string) *printout {
	if format == "pdf" {
		return &printout{LabelFormat: "PDF", Encoding: "base64", Data: base64.StdEncoding.EncodeToString(writePDF(d))}
	}
	var b strings.Builder
	b.Grow(3072)
	writeZPL(&b, d)
	return &printout{Encoding: "none", Data: b.String()}
}

// remember keeps what a label needs so it can be printed again by its
// print id (/v3/labels/ids). Bounded like the bookings.
func (s *Server) remember(printID string, d labelData) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.prints) >= s.keep {
		for k := range s.prints {
			delete(s.prints, k)
			break
		}
	}
	s.prints[printID] = d
}

// forget removes an item PostNord refused from tracking.
func (s *Server) forget(itemID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[itemID]
	if !ok {
		return
	}
	delete(s.items, itemID)
	ids := s.shipments[it.shipmentID]
	s.shipments[it.shipmentID] = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == itemID })
	for i := range s.bookings {
		s.bookings[i].ItemIDs = slices.DeleteFunc(slices.Clone(s.bookings[i].ItemIDs), func(id string) bool { return id == itemID })
	}
}

// handleReprint answers /v3/labels/ids/{zpl,pdf}: the labels of booked
// items again, by print id, without booking.
func (s *Server) handleReprint(w http.ResponseWriter, r *http.Request) {
	format := r.PathValue("format")
	if format != "zpl" && format != "pdf" {
		writeJSON(w, http.StatusNotFound, errorResponse{Message: "Resource not found: " + r.URL.Path})
		return
	}
	if _, ok := s.enter(w, r); !ok {
		return
	}
	var ids []struct {
		ID        string `json:"id"`
		LabelType string `json:"labelType"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &ids); err != nil || len(ids) == 0 {
		writeJSON(w, http.StatusBadRequest, errorResponse{Message: "Bad Request", CompositeFault: &compositeFault{Faults: []fault{{
			FaultCode: faultMissing, ExplanationText: "Body must be a non-empty list of ids"}}}})
		return
	}
	out := []labelPrintout{}
	for _, id := range ids {
		s.mu.Lock()
		d, ok := s.prints[id.ID]
		s.mu.Unlock()
		if !ok {
			out = append(out, labelPrintout{ItemIDs: []printoutItemID{{PrintID: id.ID, Status: "FAIL",
				ErrorResponse: &errorResponse{Message: "Unknown printId", CompositeFault: &compositeFault{Faults: []fault{{
					FaultCode: faultNotFound, ExplanationText: "No label found for the printId", ParamValues: []paramValue{{Param: "id", Value: id.ID}}}}}}}}})
			continue
		}
		out = append(out, labelPrintout{ItemIDs: []printoutItemID{{ItemIDs: d.ItemID, PrintID: id.ID, Status: "OK"}}, Printout: renderLabel(&d, format)})
	}
	writeJSON(w, http.StatusOK, out)
}

// chooseStory picks an item's story: Options.Story's if it names one,
// else the seeded draw from the mix. It is called without mu held, so
// Options.Story may call the Server.
func (s *Server) chooseStory(itemID string) Story {
	if s.storyOf != nil {
		if k := s.storyOf(itemID); slices.Contains(storyOrder, k) {
			return k
		}
	}
	return StoryFor(s.seed, s.mix, itemID)
}

// Story returns the story kind Track & Trace tells for a booked item, and
// false for an item the sandbox does not know.
func (s *Server) Story(itemID string) (Story, bool) {
	s.mu.Lock()
	_, ok := s.items[itemID]
	s.mu.Unlock()
	if !ok {
		return "", false
	}
	return s.chooseStory(itemID), true
}

// allocateSSCC returns the next SSCC in the 20-digit form. Callers hold mu.
func (s *Server) allocateSSCC() string {
	serial := s.nextSerial
	s.nextSerial = (s.nextSerial + 1) % s.serialMod
	id, err := label.NewSSCC(ssccExtensionDigit, s.companyPrefix, serial)
	if err != nil {
		panic("sandbox: allocate sscc: " + err.Error()) // prefix and modulus were checked in New
	}
	return id
}

// randomString draws n characters of alphabet from the seeded source.
// Callers hold mu.
func (s *Server) randomString(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// consignorReference is the shipment's reference of type CU, the
// consignor's own: the order reference Track & Trace finds it by.
func consignorReference(sh *ediShipment) string {
	for _, r := range sh.References {
		if r.ReferenceType == "CU" {
			return r.ReferenceNo
		}
	}
	return ""
}

func servicePointID(sh *ediShipment) string {
	if d := sh.Parties.DeliveryParty; d != nil && d.PartyIdentification != nil && d.PartyIdentification.PartyIDType == "156" {
		return d.PartyIdentification.PartyID
	}
	return ""
}

func labelDataFor(sh *ediShipment, date, bookingID string) labelData {
	code := sh.Service.BasicServiceCode
	name := outboundServices[code]
	if name == "" {
		name = returnServices[code]
	}
	c := sh.Parties.Consignor
	d := labelData{
		From:           labelPartyOf(c.Party),
		To:             labelPartyOf(sh.Parties.Consignee.Party),
		ServiceCode:    code,
		ServiceName:    name,
		Additional:     sh.Service.AdditionalServiceCode,
		Issuer:         issuerCodes[c.IssuerCode],
		CustomerNumber: c.PartyIdentification.PartyID,
		Date:           date,
		BookingID:      bookingID,
	}
	d.To.ServicePointID = servicePointID(sh)
	for _, r := range sh.References {
		if r.ReferenceType == "CU" || d.Reference == "" {
			d.Reference = r.ReferenceNo
		}
	}
	return d
}

func labelPartyOf(p *ediParty) labelParty {
	lp := labelParty{
		Name:     p.NameIdentification.Name,
		Company:  p.NameIdentification.CompanyName,
		Streets:  p.Address.Streets,
		Postcode: p.Address.PostalCode,
		City:     p.Address.City,
		Country:  p.Address.CountryCode,
	}
	if c := p.Contact; c != nil {
		lp.Phone = c.PhoneNo
		if lp.Phone == "" {
			lp.Phone = c.SmsNo
		}
		lp.ContactName = c.ContactName
	}
	if len(lp.Streets) > 2 {
		lp.Streets = lp.Streets[:2] // the label has room for two lines
	}
	return lp
}

func weightKg(it ediItem) string {
	w := it.GrossWeight
	if w == nil || w.Value == nil {
		return ""
	}
	kg := *w.Value
	switch w.Unit {
	case "GRM":
		kg /= 1000
	case "TON":
		kg *= 1000
	}
	return strconv.FormatFloat(kg, 'f', -1, 64)
}

// ---- sandbox endpoints ----

func (s *Server) handleBookings(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Bookings())
}

func (s *Server) handleGetFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Faults())
}

func (s *Server) handleSetFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err == nil {
		err = json.Unmarshal(body, &f)
	}
	if err == nil {
		err = s.SetFaults(f)
	}
	if err != nil {
		var se *json.SyntaxError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = "faults: body is not JSON: " + msg
		}
		writeJSON(w, http.StatusBadRequest, errorResponse{Message: msg})
		return
	}
	writeJSON(w, http.StatusOK, s.Faults())
}

// writeJSON answers v as JSON. HTML escaping is off: ZPL's '>' and '&'
// travel as themselves, as in PostNord's answers.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "sandbox: encode answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
