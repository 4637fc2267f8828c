package stg

// wire.go is the only file that spells STG's wire format: paths, header
// and form names, JSON names, status and label words. STG's real API
// documentation was not available; everything here follows the assumed
// contract in ../shared/stg/CONTRACT.md. When STG's documentation is in
// hand, change this file (and the sandbox) and nothing else.

// Paths below Config.BaseURL.
const (
	pathToken          = "/oauth/token"
	pathRates          = "/v1/rates"
	pathShipments      = "/v1/shipments"
	pathTrackingPrefix = "/v1/tracking/" // + {trackingNumber}, path-escaped
	pathReturns        = "/v1/returns"
)

// Header names and values.
const (
	headerAuthorization  = "Authorization"
	headerIdempotencyKey = "Idempotency-Key"
	headerRetryAfter     = "Retry-After"
	headerContentType    = "Content-Type"
	headerAccept         = "Accept"
	bearerPrefix         = "Bearer "
	contentJSON          = "application/json"
	contentForm          = "application/x-www-form-urlencoded"
	contentProblem       = "application/problem+json"
)

// Form fields of POST /oauth/token (RFC 6749 client credentials grant).
const (
	formGrantType             = "grant_type"
	formClientID              = "client_id"
	formClientSecret          = "client_secret"
	grantTypeClientCredential = "client_credentials"
	tokenTypeBearer           = "bearer" // token_type, compared case-insensitively
)

// Label words.
const (
	wireLabelZPL    = "ZPL"
	wireLabelPDF    = "PDF"
	wireLabelSize   = "100x150" // mm; STG's only size in the contract
	wireEncodingB64 = "base64"
)

// Tracking status words.
const (
	wireCreated          = "CREATED"
	wirePickedUp         = "PICKED_UP"
	wireInTransit        = "IN_TRANSIT"
	wireOutForDelivery   = "OUT_FOR_DELIVERY"
	wireDelivered        = "DELIVERED"
	wireException        = "EXCEPTION"
	wireReturned         = "RETURNED"
	wireReturnRegistered = "RETURN_REGISTERED"
	wireReturnInTransit  = "RETURN_IN_TRANSIT"
	wireReturnReceived   = "RETURN_RECEIVED"
)

// maxContents is the longest parcel contents text, in characters;
// longer text is cut.
const maxContents = 70

// tokenResponse is the answer of POST /oauth/token.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"` // seconds
}

// oauthError is the RFC 6749 error body a token endpoint may send instead
// of problem+json.
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// problem is an application/problem+json body (RFC 9457) with STG's
// errors[] extension.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Errors []problemField `json:"errors"`
}

type problemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// address is a party of a rate request or a shipment.
type address struct {
	Name        string `json:"name"`
	Company     string `json:"company,omitempty"`
	Street1     string `json:"street1"`
	Street2     string `json:"street2,omitempty"`
	PostalCode  string `json:"postalCode"`
	City        string `json:"city"`
	CountryCode string `json:"countryCode"`
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"`
}

// parcel is one package of a rate request or a shipment.
type parcel struct {
	WeightGrams int64  `json:"weightGrams"`
	LengthCm    int    `json:"lengthCm,omitempty"`
	WidthCm     int    `json:"widthCm,omitempty"`
	HeightCm    int    `json:"heightCm,omitempty"`
	Contents    string `json:"contents,omitempty"` // shipments only
}

// ratesRequest is the body of POST /v1/rates.
type ratesRequest struct {
	Shipper  address  `json:"shipper"`
	Receiver address  `json:"receiver"`
	Parcels  []parcel `json:"parcels"`
	ShipDate string   `json:"shipDate"` // YYYY-MM-DD
}

// ratesResponse is the answer of POST /v1/rates.
type ratesResponse struct {
	Rates []rate `json:"rates"`
}

// money is an amount as a decimal string ("115.35") and a currency.
type money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

type tax struct {
	Name   string `json:"name"`
	Rate   string `json:"rate,omitempty"` // decimal fraction, "0.25"; absent for a fixed amount
	Amount string `json:"amount"`         // decimal string, in the price's currency
}

type rate struct {
	ServiceCode       string `json:"serviceCode"`
	ServiceName       string `json:"serviceName"`
	Price             money  `json:"price"`
	Taxes             []tax  `json:"taxes"`
	Total             money  `json:"total"`
	TransitDays       int    `json:"transitDays"`
	EstimatedDelivery string `json:"estimatedDelivery"` // YYYY-MM-DD
}

// dateLayout is the layout of shipDate and estimatedDelivery.
const dateLayout = "2006-01-02"

// shipmentRequest is the body of POST /v1/shipments.
type shipmentRequest struct {
	ServiceCode string    `json:"serviceCode,omitempty"`
	Reference   string    `json:"reference"`
	Shipper     address   `json:"shipper"`
	Receiver    address   `json:"receiver"`
	Parcels     []parcel  `json:"parcels"`
	Label       labelSpec `json:"label"`
	Customs     *customs  `json:"customs"` // null inside the EU
}

type labelSpec struct {
	Format string `json:"format"`
	Size   string `json:"size,omitempty"`
}

// customs is the declaration of a shipment leaving the EU. Not in the
// contract beyond "customs": null; this shape is our assumption.
type customs struct {
	Currency string        `json:"currency"`
	Lines    []customsLine `json:"lines"`
}

type customsLine struct {
	Description   string `json:"description"`
	Quantity      int    `json:"quantity"`
	Value         string `json:"value"` // per unit, decimal string
	HSCode        string `json:"hsCode,omitempty"`
	OriginCountry string `json:"originCountry,omitempty"`
	WeightGrams   int64  `json:"weightGrams,omitempty"`
}

// shipmentResponse is the 201 answer of POST /v1/shipments (and the
// replayed answer to a repeated Idempotency-Key).
type shipmentResponse struct {
	ShipmentID  string           `json:"shipmentId"`
	Parcels     []shipmentParcel `json:"parcels"`
	Labels      []label          `json:"labels"`
	TrackingURL string           `json:"trackingUrl"`
}

type shipmentParcel struct {
	ParcelID       string `json:"parcelId"`
	TrackingNumber string `json:"trackingNumber"`
}

type label struct {
	Format   string `json:"format"`
	Encoding string `json:"encoding"`
	Data     string `json:"data"`
}

// trackingResponse is the answer of GET /v1/tracking/{trackingNumber}.
type trackingResponse struct {
	TrackingNumber string          `json:"trackingNumber"`
	Status         string          `json:"status"`
	Reason         string          `json:"reason,omitempty"` // returns
	Events         []trackingEvent `json:"events"`
}

type trackingEvent struct {
	Time        string   `json:"time"` // RFC 3339
	Code        string   `json:"code"`
	Status      string   `json:"status"`
	Description string   `json:"description"`
	Reason      string   `json:"reason,omitempty"` // returns
	Location    location `json:"location"`
}

type location struct {
	City        string `json:"city"`
	CountryCode string `json:"countryCode"`
}

// returnRequest is the body of POST /v1/returns.
type returnRequest struct {
	OriginalTrackingNumber string    `json:"originalTrackingNumber"`
	Reason                 string    `json:"reason,omitempty"`
	Label                  labelSpec `json:"label"`
}

// returnResponse is the 201 answer of POST /v1/returns.
type returnResponse struct {
	ReturnID       string  `json:"returnId"`
	TrackingNumber string  `json:"trackingNumber"`
	Labels         []label `json:"labels"`
}
