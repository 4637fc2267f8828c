package sandbox

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// STGOptions configures an STGServer, the sandbox's fake STG speaking
// ../shared/stg/CONTRACT.md (an assumption: no public STG API
// documentation exists).
type STGOptions struct {
	// ClientID and ClientSecret are the accepted client credentials; ""
	// ClientID accepts any non-empty pair.
	ClientID, ClientSecret string
	// TokenTTL is an access token's lifetime; 0 means one hour.
	TokenTTL time.Duration
	// Now is the clock; nil means time.Now. Tokens expire and tracking
	// advances with it.
	Now func() time.Time
	// Seed makes every choice repeatable: ids, tokens, tracking stories,
	// the fail rate's draws.
	Seed int64
	// Latency is added to every STG answer (the initial STGFaults.Latency).
	Latency time.Duration
}

// STGFaults are the failures the STG sandbox injects; they can be changed
// while it runs (SetFaults, POST /_sandbox/stg/faults).
type STGFaults struct {
	// Latency delays every STG answer, /oauth/token included.
	Latency time.Duration
	// FailRate is the fraction (0 … 1) of /v1 requests answered 503
	// problem+json; nothing is booked and nothing is stored under the
	// Idempotency-Key, so a retry with the same key books.
	FailRate float64
	// RateLimit answers every /v1 request 429 with Retry-After: 1.
	RateLimit bool
	// Down drops the connection of every STG request without an answer;
	// /_sandbox/stg/ keeps working.
	Down bool
}

type stgFaultsJSON struct {
	Latency   string  `json:"latency"`
	FailRate  float64 `json:"fail_rate"`
	RateLimit bool    `json:"rate_limit"`
	Down      bool    `json:"down"`
}

// MarshalJSON writes {"latency":"300ms","fail_rate":0.2,"rate_limit":true,"down":false}.
func (f STGFaults) MarshalJSON() ([]byte, error) {
	return json.Marshal(stgFaultsJSON{Latency: f.Latency.String(), FailRate: f.FailRate, RateLimit: f.RateLimit, Down: f.Down})
}

// UnmarshalJSON reads what MarshalJSON writes; a missing field is zero.
func (f *STGFaults) UnmarshalJSON(b []byte) error {
	var j stgFaultsJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("stg faults: %w", err)
	}
	var d time.Duration
	if j.Latency != "" {
		var err error
		if d, err = time.ParseDuration(j.Latency); err != nil {
			return fmt.Errorf("stg faults: latency: %w", err)
		}
	}
	*f = STGFaults{Latency: d, FailRate: j.FailRate, RateLimit: j.RateLimit, Down: j.Down}
	return nil
}

func (f STGFaults) validate() error {
	if f.Latency < 0 {
		return fmt.Errorf("latency %s is negative", f.Latency)
	}
	if math.IsNaN(f.FailRate) || f.FailRate < 0 || f.FailRate > 1 {
		return fmt.Errorf("fail_rate %v is not between 0 and 1", f.FailRate)
	}
	return nil
}

// STGBooking is one booking the STG sandbox made: a shipment or a return.
// An idempotent replay adds none.
type STGBooking struct {
	IdempotencyKey  string          `json:"idempotency_key"`
	Reference       string          `json:"reference"`   // the shipment's reference; a return's original's
	ShipmentID      string          `json:"shipment_id"` // returnId for a return
	ServiceCode     string          `json:"service_code"`
	TrackingNumbers []string        `json:"tracking_numbers"`
	Time            time.Time       `json:"time"`
	Return          bool            `json:"return"`
	Body            json.RawMessage `json:"body"` // the request body
}

// STGServer is a fake STG. It is an http.Handler, safe for concurrent use.
type STGServer struct {
	mux          *http.ServeMux
	clientID     []byte
	clientSecret []byte
	ttl          time.Duration
	now          func() time.Time
	seed         int64

	mu       sync.Mutex
	faults   STGFaults
	rng      *rand.Rand
	tokens   map[string]time.Time // token → expiry
	issued   int
	idem     map[string]*stgIdem
	idemKeys []string // oldest first, to bound idem at stgKeepKeys
	bookings []STGBooking
	parcels  map[string]*stgTracked // tracking number → parcel
}

// stgKeepKeys bounds the Idempotency-Keys remembered (oldest forgotten
// first), so a long demo run does not grow without end.
const stgKeepKeys = 100_000

// stgIdem is what one Idempotency-Key stands for.
type stgIdem struct {
	fingerprint [32]byte
	done        chan struct{} // closed when resp is final
	resp        *stgResp      // nil when the first attempt was not kept (5xx)
}

// stgResp is an answer as it went out, kept for replays.
type stgResp struct {
	status      int
	contentType string
	body        []byte
}

// NewSTG returns an STG sandbox. It panics on a negative latency, a
// programming error of the caller.
func NewSTG(opts STGOptions) *STGServer {
	s := &STGServer{
		mux:          http.NewServeMux(),
		clientID:     []byte(opts.ClientID),
		clientSecret: []byte(opts.ClientSecret),
		ttl:          opts.TokenTTL,
		now:          opts.Now,
		seed:         opts.Seed,
		faults:       STGFaults{Latency: opts.Latency},
		rng:          rand.New(rand.NewPCG(uint64(opts.Seed), 0x57_6_5eed)),
		tokens:       make(map[string]time.Time),
		idem:         make(map[string]*stgIdem),
		parcels:      make(map[string]*stgTracked),
	}
	if s.ttl <= 0 {
		s.ttl = time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.faults.validate(); err != nil {
		panic("sandbox: stg: " + err.Error())
	}
	s.mux.HandleFunc("POST "+stgPathToken, s.handleToken)
	s.mux.HandleFunc("POST "+stgPathRates, s.v1(s.rates))
	s.mux.HandleFunc("POST "+stgPathShipments, s.v1(s.shipment))
	s.mux.HandleFunc("GET "+stgPathTracking+"{trackingNumber}", s.v1(s.tracking))
	s.mux.HandleFunc("POST "+stgPathReturns, s.v1(s.returnLabel))
	s.mux.HandleFunc("GET /_sandbox/stg/bookings", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Bookings())
	})
	s.mux.HandleFunc("GET /_sandbox/stg/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Faults())
	})
	s.mux.HandleFunc("POST /_sandbox/stg/faults", s.handleSetFaults)
	return s
}

// ServeHTTP serves STG's paths and /_sandbox/stg/.
func (s *STGServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		f := s.Faults()
		if f.Down {
			dropConnection(w)
			return
		}
		if f.Latency > 0 {
			t := time.NewTimer(f.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		stgWriteProblem(w, stgProblem{Type: stgProblemBase + "not-found", Title: "Not found", Status: http.StatusNotFound,
			Detail: "no STG endpoint " + r.Method + " " + r.URL.Path})
		return
	}
	s.mux.ServeHTTP(w, r)
}

// SetFaults replaces the injected faults.
func (s *STGServer) SetFaults(f STGFaults) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("sandbox: stg: set faults: %w", err)
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	return nil
}

// Faults returns the injected faults.
func (s *STGServer) Faults() STGFaults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Bookings returns every booking made (shipments and returns), oldest
// first. An idempotent replay adds none.
func (s *STGServer) Bookings() []STGBooking {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]STGBooking, len(s.bookings))
	copy(out, s.bookings)
	return out
}

// Tokens returns how many access tokens were issued.
func (s *STGServer) Tokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// ExpireTokens makes every issued token invalid, as a token expiring
// mid-session looks to the client.
func (s *STGServer) ExpireTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

func (s *STGServer) handleSetFaults(w http.ResponseWriter, r *http.Request) {
	var f STGFaults
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err == nil {
		err = json.Unmarshal(body, &f)
	}
	if err == nil {
		err = s.SetFaults(f)
	}
	if err != nil {
		stgWriteProblem(w, stgProblem{Type: stgProblemBase + "bad-request", Title: "Bad faults", Status: http.StatusBadRequest,
			Detail: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, s.Faults())
}

// ---- auth ----

func (s *STGServer) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		stgWriteProblem(w, stgProblem{Type: stgProblemBase + "bad-request", Title: "Malformed token request",
			Status: http.StatusBadRequest, Detail: "the body must be application/x-www-form-urlencoded: " + err.Error()})
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		stgWriteProblem(w, stgProblem{Type: stgProblemBase + "unsupported-grant-type", Title: "Unsupported grant type",
			Status: http.StatusBadRequest, Detail: fmt.Sprintf("grant_type %q: only client_credentials is supported", gt),
			Errors: []stgFieldError{{Field: "grant_type", Message: "must be client_credentials"}}})
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if bid, bsecret, ok := r.BasicAuth(); ok && id == "" && secret == "" {
		id, secret = bid, bsecret // client_secret_basic
	}
	if !s.validClient(id, secret) {
		stgWriteProblem(w, stgProblem{Type: stgProblemBase + "invalid-client", Title: "Invalid client credentials",
			Status: http.StatusUnauthorized, Detail: "client_id and client_secret are not a known pair"})
		return
	}
	s.mu.Lock()
	token := "stg_" + stgRandom(s.rng, 40, "abcdefghijklmnopqrstuvwxyz0123456789")
	s.tokens[token] = s.now().Add(s.ttl)
	s.issued++
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, stgTokenResponse{AccessToken: token, TokenType: "bearer", ExpiresIn: int(s.ttl / time.Second)})
}

func (s *STGServer) validClient(id, secret string) bool {
	if id == "" || secret == "" {
		return false
	}
	if len(s.clientID) == 0 {
		return true
	}
	idOK := subtle.ConstantTimeCompare([]byte(id), s.clientID)
	secretOK := subtle.ConstantTimeCompare([]byte(secret), s.clientSecret)
	return idOK&secretOK == 1
}

// authorized checks the bearer token; it answers 401 and returns false
// when it is missing, unknown or expired.
func (s *STGServer) authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	detail := ""
	switch {
	case h == "":
		detail = "no Authorization header: send Authorization: Bearer <token> from POST /oauth/token"
	case !strings.EqualFold(scheme, "Bearer") || token == "":
		detail = "the Authorization header is not a bearer token"
	default:
		s.mu.Lock()
		exp, ok := s.tokens[token]
		now := s.now()
		s.mu.Unlock()
		switch {
		case !ok:
			detail = "the access token is unknown or was revoked"
		case !now.Before(exp):
			detail = "the access token expired at " + exp.UTC().Format(time.RFC3339)
		default:
			return true
		}
	}
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	stgWriteProblem(w, stgProblem{Type: stgProblemBase + "invalid-token", Title: "Invalid or expired access token",
		Status: http.StatusUnauthorized, Detail: detail})
	return false
}

// ---- /v1: auth, rate limit, Idempotency-Key, fail rate ----

// stgHandler answers one /v1 request from its body.
type stgHandler func(r *http.Request, body []byte) *stgResp

// v1 wraps an endpoint with what every /v1 request goes through: the
// bearer token, the rate limit, the Idempotency-Key (required on every
// request; POSTs are replayed by it), the fail rate.
func (s *STGServer) v1(h stgHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(w, r) {
			return
		}
		faults := s.Faults()
		if faults.RateLimit {
			w.Header().Set("Retry-After", "1")
			stgWriteProblem(w, stgProblem{Type: stgProblemBase + "rate-limited", Title: "Too many requests",
				Status: http.StatusTooManyRequests, Detail: "rate limit exceeded, retry after 1 second"})
			return
		}
		key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
		if key == "" || len(key) > 255 {
			stgWriteProblem(w, stgProblem{Type: stgProblemBase + "validation", Title: "Missing Idempotency-Key",
				Status: http.StatusBadRequest, Detail: "every STG request carries an Idempotency-Key header (a UUID)",
				Errors: []stgFieldError{{Field: "Idempotency-Key", Message: "required, at most 255 characters"}}})
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		if err != nil {
			return // the client went away
		}
		if len(body) > maxRequestBody {
			stgWriteProblem(w, stgProblem{Type: stgProblemBase + "bad-request", Title: "Request body too large",
				Status: http.StatusRequestEntityTooLarge})
			return
		}
		if faults.FailRate > 0 && s.roll() < faults.FailRate {
			stgWriteProblem(w, stgProblem{Type: stgProblemBase + "service-unavailable", Title: "Service unavailable",
				Status: http.StatusServiceUnavailable, Detail: "STG is temporarily unavailable, nothing was booked; try again later"})
			return
		}
		if r.Method != http.MethodPost {
			stgWriteResp(w, h(r, body), false)
			return
		}
		s.idempotent(w, r, key, body, h)
	}
}

// idempotent answers a POST once per key: a repeat with the same request
// gets the first answer again (a concurrent repeat waits for it), the
// same key with another request 422. 5xx answers are not kept.
func (s *STGServer) idempotent(w http.ResponseWriter, r *http.Request, key string, body []byte, h stgHandler) {
	var canon bytes.Buffer
	if json.Compact(&canon, body) != nil {
		canon.Reset()
		canon.Write(body)
	}
	fp := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + canon.String()))
	for {
		s.mu.Lock()
		e := s.idem[key]
		if e == nil {
			e = &stgIdem{fingerprint: fp, done: make(chan struct{})}
			s.idem[key] = e
			s.idemKeys = append(s.idemKeys, key)
			if over := len(s.idemKeys) - stgKeepKeys; over > 0 {
				for _, k := range s.idemKeys[:over] {
					if old := s.idem[k]; old != nil && old != e {
						delete(s.idem, k)
					}
				}
				s.idemKeys = append(s.idemKeys[:0:0], s.idemKeys[over:]...)
			}
			s.mu.Unlock()
			resp := h(r, body)
			s.mu.Lock()
			if resp.status < 500 {
				e.resp = resp
			} else if s.idem[key] == e {
				delete(s.idem, key)
			}
			close(e.done)
			s.mu.Unlock()
			stgWriteResp(w, resp, false)
			return
		}
		s.mu.Unlock()
		if e.fingerprint != fp {
			stgWriteProblem(w, stgProblem{Type: stgProblemBase + "idempotency-key-reused", Title: "Idempotency key reused",
				Status: http.StatusUnprocessableEntity, Detail: "idempotency key reused with a different request",
				Errors: []stgFieldError{{Field: "Idempotency-Key", Message: "already used for another request"}}})
			return
		}
		select {
		case <-e.done:
		case <-r.Context().Done():
			return
		}
		s.mu.Lock()
		resp := e.resp
		s.mu.Unlock()
		if resp != nil {
			stgWriteResp(w, resp, true)
			return
		}
		// The first attempt failed with a 5xx and was forgotten: try again.
	}
}

func (s *STGServer) roll() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64()
}

// ---- answers ----

func stgJSON(status int, v any) *stgResp {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return stgProblemResp(stgProblem{Type: stgProblemBase + "internal", Title: "Internal error",
			Status: http.StatusInternalServerError, Detail: "encode answer: " + err.Error()})
	}
	return &stgResp{status: status, contentType: "application/json", body: buf.Bytes()}
}

func stgProblemResp(p stgProblem) *stgResp {
	r := stgJSON(p.Status, p)
	r.contentType = "application/problem+json"
	return r
}

func stgWriteProblem(w http.ResponseWriter, p stgProblem) {
	stgWriteResp(w, stgProblemResp(p), false)
}

func stgWriteResp(w http.ResponseWriter, r *stgResp, replay bool) {
	w.Header().Set("Content-Type", r.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(r.body)))
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(r.status)
	w.Write(r.body)
}

// stgDecode decodes body strictly into v; a malformed body or an unknown
// field is a 400 problem.
func stgDecode(body []byte, v any) *stgResp {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = fmt.Errorf("trailing data after the JSON object")
	}
	if err != nil {
		return stgProblemResp(stgProblem{Type: stgProblemBase + "malformed-request", Title: "Malformed request body",
			Status: http.StatusBadRequest, Detail: err.Error()})
	}
	return nil
}

func stgValidation(errs []stgFieldError) *stgResp {
	return stgProblemResp(stgProblem{Type: stgProblemBase + "validation", Title: "Validation failed",
		Status: http.StatusUnprocessableEntity, Detail: fmt.Sprintf("%d field(s) are invalid", len(errs)), Errors: errs})
}

func stgNotFound(detail string) *stgResp {
	return stgProblemResp(stgProblem{Type: stgProblemBase + "not-found", Title: "Not found",
		Status: http.StatusNotFound, Detail: detail})
}

// stgRandom draws n characters of alphabet from rng. Callers hold mu.
func stgRandom(rng *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}
