package postnord

// Wire structs. Names and JSON keys follow PostNord's specifications in
// ../shared/postnord/: booking.swagger.json (definitions named in the
// comments) and track-and-trace-v7-findbyidentifier.swagger.json. They stay
// unexported: the rest of labelstation speaks the carrier model. Decoding
// is tolerant — encoding/json ignores keys we do not know — because
// PostNord adds fields without a version bump.

// ---- Booking request: definitions/ediInstruction ----

type ediInstruction struct {
	MessageDate     string              `json:"messageDate"` // RFC 3339
	MessageFunction string              `json:"messageFunction,omitempty"`
	MessageID       string              `json:"messageId,omitempty"`
	Application     *application        `json:"application,omitempty"`
	UpdateIndicator string              `json:"updateIndicator"` // always "Original": see updateOriginal
	TestIndicator   bool                `json:"testIndicator,omitempty"`
	Shipment        []shipmentCustomsv2 `json:"shipment"`
}

type application struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// shipmentCustomsv2 is one shipment of an ediInstruction.
type shipmentCustomsv2 struct {
	ShipmentIdentification *shipmentIdentification `json:"shipmentIdentification,omitempty"`
	DateAndTimes           *dateAndTimes           `json:"dateAndTimes,omitempty"`
	Service                service                 `json:"service"`
	Insurance              *insurance              `json:"insurance,omitempty"`
	FreeText               []freeText              `json:"freeText,omitempty"`
	NumberOfPackages       *quantity               `json:"numberOfPackages,omitempty"`
	TotalGrossWeight       *weight                 `json:"totalGrossWeight,omitempty"`
	References             []reference             `json:"references,omitempty"`
	Parties                parties                 `json:"parties"`
	GoodsItem              []goodsItem             `json:"goodsItem"`
	CustomsDeclarationCN22 *customsDeclarationCN22 `json:"customsDeclarationCN22,omitempty"`
	CustomsDeclarationCN23 *customsDeclarationCN23 `json:"customsDeclarationCN23,omitempty"`
	CustomsInvoice         *customsInvoice         `json:"customsInvoice,omitempty"`
}

// insurance is definitions/insurance (additional service A5).
type insurance struct {
	InsuranceAmount amount `json:"insuranceAmount"`
}

// amount is definitions/amount, insuranceAmount and invoiceSubTotal alike.
type amount struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

// freeText is definitions/freeText; usageCode DEL is a delivery
// instruction (a door code).
type freeText struct {
	UsageCode string `json:"usageCode"`
	Text      string `json:"text"`
}

// returnParty is definitions/returnParty: where an undeliverable parcel
// goes when that is not the consignor.
type returnParty struct {
	Party party `json:"party"`
}

// ---- Customs: definitions/customsInvoice, customsDeclarationCN22/23 ----

type customsInvoice struct {
	DeclarationType     string                              `json:"declarationType,omitempty"`
	Type                string                              `json:"type"` // COMMERCIAL | PROFORMA
	VOEC                string                              `json:"voec,omitempty"`
	Seller              customsSeller                       `json:"seller"`
	Buyer               customsBuyer                        `json:"buyer"`
	Invoice             invoiceInfo                         `json:"invoice"`
	DetailedDescription []detailedDescriptionCustomsInvoice `json:"detailedDescription"`
	TotalGrossWeight    weight                              `json:"totalGrossWeight"`
	TotalNetWeight      *weight                             `json:"totalNetWeight,omitempty"`
	TotalNumberOfPkgs   *quantity                           `json:"totalNumberOfPackages,omitempty"`
	InvoiceTotal        amount                              `json:"invoiceTotal"`
}

type customsSeller struct {
	PartyIdentification partyIdentification `json:"partyIdentification"`
	VATNo               string              `json:"vatNo"`
	EORINo              string              `json:"eoriNo,omitempty"`
	Name                string              `json:"name"`
	Streets             []string            `json:"streets"`
	City                string              `json:"city"`
	PostalCode          string              `json:"postalCode"`
	CountryCode         string              `json:"countryCode"`
	Contacts            customsContacts     `json:"contacts"`
}

type customsBuyer struct {
	Name        string          `json:"name"`
	Streets     []string        `json:"streets"`
	City        string          `json:"city"`
	PostalCode  string          `json:"postalCode"`
	CountryCode string          `json:"countryCode"`
	Contacts    customsContacts `json:"contacts"`
}

// customsContacts is definitions/contacts.
type customsContacts struct {
	Name         string `json:"name"`
	PhoneNo      string `json:"phoneNo"`
	EmailAddress string `json:"emailAddress,omitempty"`
	SmsNo        string `json:"smsNo,omitempty"`
}

type invoiceInfo struct {
	InvoiceNo            string `json:"invoiceNo"`
	ShippingDate         string `json:"shippingDate,omitempty"`
	ReasonForExportation string `json:"reasonForExportation"`
}

type detailedDescriptionCustomsInvoice struct {
	Quantity        int     `json:"quantity"`
	HSTariffNumber  string  `json:"hsTariffNumber"`
	Content         string  `json:"content"`
	CountryOfOrigin string  `json:"countryOfOrigin"`
	NetWeight       weight  `json:"netWeight"`
	GrossWeight     *weight `json:"grossWeight,omitempty"`
	ItemValue       amount  `json:"itemValue"`
}

type categoryOfItem struct {
	CategoryType []string `json:"categoryType"`
}

// detailedDescription is the CN22/CN23 line (definitions/detailedDescription).
type detailedDescription struct {
	Content        string    `json:"content"`
	Quantity       *quantity `json:"quantity,omitempty"`
	GrossWeight    *weight   `json:"grossWeight,omitempty"`
	Value          *amount   `json:"value,omitempty"`
	HSTariffNumber string    `json:"hsTariffNumber,omitempty"`
	CountryCode    string    `json:"countryCode,omitempty"`
}

type customsDeclarationCN22 struct {
	EORIorPersonalIDNumber string                `json:"EORIorPersonalIdNumber,omitempty"`
	VOEC                   string                `json:"voec,omitempty"`
	CategoryOfItem         *categoryOfItem       `json:"categoryOfItem,omitempty"`
	DetailedDescription    []detailedDescription `json:"detailedDescription"`
	TotalGrossWeight       *weight               `json:"totalGrossWeight,omitempty"`
	TotalValue             amount                `json:"totalValue"`
}

type customsDeclarationCN23 struct {
	EORIorPersonalIDNumber string                `json:"EORIorPersonalIdNumber,omitempty"`
	VOEC                   string                `json:"voec,omitempty"`
	CategoryOfItem         *categoryOfItem       `json:"categoryOfItem,omitempty"`
	DetailedDescription    []detailedDescription `json:"detailedDescription"`
	TotalGrossWeight       *weight               `json:"totalGrossWeight,omitempty"`
	TotalValue             amount                `json:"totalValue"`
	PostalCharges          amount                `json:"postalCharges"`
}

type shipmentIdentification struct {
	ShipmentID string `json:"shipmentId,omitempty"`
}

type dateAndTimes struct {
	LoadingDate string `json:"loadingDate,omitempty"` // RFC 3339
}

type service struct {
	BasicServiceCode      string   `json:"basicServiceCode"`
	AdditionalServiceCode []string `json:"additionalServiceCode,omitempty"`
}

type quantity struct {
	Value int `json:"value"`
}

// weight is definitions/weight; unit "KGM".
type weight struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

type reference struct {
	ReferenceNo   string `json:"referenceNo"`
	ReferenceType string `json:"referenceType"`
}

type parties struct {
	Consignor     consignor      `json:"consignor"`
	Consignee     *consignee     `json:"consignee,omitempty"`
	DeliveryParty *deliveryParty `json:"deliveryParty,omitempty"`
	ReturnParty   *returnParty   `json:"returnParty,omitempty"`
}

type consignor struct {
	IssuerCode          string              `json:"issuerCode"`
	PartyIdentification partyIdentification `json:"partyIdentification"`
	Party               party               `json:"party"`
}

type consignee struct {
	IssuerCode          string               `json:"issuerCode,omitempty"`
	PartyIdentification *partyIdentification `json:"partyIdentification,omitempty"`
	Party               party                `json:"party"`
}

// deliveryParty is where the parcel is physically delivered when that is
// not the consignee's address: a service point (partyIdType "156").
type deliveryParty struct {
	PartyIdentification *partyIdentification `json:"partyIdentification,omitempty"`
	Party               party                `json:"party"` // definitions/party_ext
}

type partyIdentification struct {
	PartyID     string `json:"partyId"`
	PartyIDType string `json:"partyIdType"`
}

type party struct {
	NameIdentification nameIdentification `json:"nameIdentification"`
	Address            address            `json:"address"`
	Contact            *contact           `json:"contact,omitempty"`
}

type nameIdentification struct {
	Name        string `json:"name"`
	CompanyName string `json:"companyName,omitempty"`
}

type address struct {
	Streets     []string `json:"streets,omitempty"` // definitions/addressLine, max 50
	PostalCode  string   `json:"postalCode"`
	City        string   `json:"city"`
	CountryCode string   `json:"countryCode"`
}

type contact struct {
	ContactName  string `json:"contactName,omitempty"`
	EmailAddress string `json:"emailAddress,omitempty"`
	PhoneNo      string `json:"phoneNo,omitempty"`
	SmsNo        string `json:"smsNo,omitempty"`
}

type goodsItem struct {
	PackageTypeCode string `json:"packageTypeCode,omitempty"`
	Items           []item `json:"items"`
}

type item struct {
	ItemIdentification itemIdentification `json:"itemIdentification"`
	References         []reference        `json:"references,omitempty"` // definitions/referenceItem
	GrossWeight        *weight            `json:"grossWeight,omitempty"`
	Dimensions         *dimension         `json:"dimensions,omitempty"`
}

type itemIdentification struct {
	ItemID     string `json:"itemId"` // "0": PostNord allocates the id
	ItemIDType string `json:"itemIdType,omitempty"`
}

type dimension struct {
	Height *measure `json:"height,omitempty"`
	Width  *measure `json:"width,omitempty"`
	Length *measure `json:"length,omitempty"`
}

// measure is definitions/length, width and height alike; unit "CMT".
type measure struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
}

// ---- Booking response: definitions/ediLabelResponse ----

type ediLabelResponse struct {
	BookingResponse *bookingResponse `json:"bookingResponse"`
	LabelPrintout   []labelPrintout  `json:"labelPrintout"`
}

type bookingResponse struct {
	BookingID     string         `json:"bookingId"`
	IDInformation []idInfo       `json:"idInformation"`
	Handling      *errorResponse `json:"handlingResponse"`
}

type idInfo struct {
	Status        string         `json:"status"` // OK | FAIL
	IDs           []assignedID   `json:"ids"`
	URLs          []idURL        `json:"urls"`
	ErrorResponse *errorResponse `json:"errorResponse"`
}

// assignedID is definitions/assignedIds.
type assignedID struct {
	IDType  string `json:"idType"` // itemId, shipmentId, returnId, …
	Value   string `json:"value"`
	PrintID string `json:"printId"`
}

// idURL is definitions/urls.
type idURL struct {
	Type string `json:"type"` // TRACKING, …
	URL  string `json:"url"`
}

// labelPrintout is definitions/labelPrintout_inner.
type labelPrintout struct {
	ItemIDs  []printoutItemID `json:"itemIds"`
	Printout *printout        `json:"printout"`
}

// printoutItemID is definitions/itemIds_inner (its id key is "itemIds").
type printoutItemID struct {
	ItemIDs       string         `json:"itemIds"`
	PrintID       string         `json:"printId"`
	Status        string         `json:"status"` // OK | FAIL
	ErrorResponse *errorResponse `json:"errorResponse"`
}

type printout struct {
	Type        string `json:"type"`        // LABEL, CN22, CUSTOMSINVOICE, QRCODE, …
	LabelFormat string `json:"labelFormat"` // may be missing on the ZPL endpoint
	Encoding    string `json:"encoding"`    // "none" (raw ZPL text) or "base64"
	Data        string `json:"data"`
}

// ---- Errors ----

// errorResponse is PostNord's standard error body (booking and tracking).
type errorResponse struct {
	Message        string          `json:"message"`
	CompositeFault *compositeFault `json:"compositeFault"`
}

type compositeFault struct {
	Faults []fault `json:"faults"`
}

type fault struct {
	FaultCode       string       `json:"faultCode"`
	ExplanationText string       `json:"explanationText"`
	ParamValues     []paramValue `json:"paramValues"`
}

type paramValue struct {
	Param string `json:"param"`
	Value string `json:"value"`
}

// gatewayError is the API gateway's own body, e.g.
// {"error":{"status_code":403,"message":"Invalid API Key"}}.
type gatewayError struct {
	Error *struct {
		StatusCode int    `json:"status_code"`
		Message    string `json:"message"`
	} `json:"error"`
}

// errorBody decodes whichever error shape came back; the gateway and the
// services answer differently and both can appear on any endpoint.
type errorBody struct {
	errorResponse
	gatewayError
}

// ---- Track & Trace v7: components/schemas ----

// trackingResponseDto is ResponseDto.
type trackingResponseDto struct {
	TrackingInformationResponse *trackingInformationResponse `json:"TrackingInformationResponse"`
}

type trackingInformationResponse struct {
	CompositeFault *compositeFault `json:"compositeFault"`
	Shipments      []shipmentDto   `json:"shipments"`
}

type shipmentDto struct {
	ShipmentID             string      `json:"shipmentId"`
	Status                 string      `json:"status"`
	Service                *serviceDto `json:"service"`
	EstimatedTimeOfArrival string      `json:"estimatedTimeOfArrival"`
	Items                  []itemDto   `json:"items"`
}

type serviceDto struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type itemDto struct {
	ItemID                 string             `json:"itemId"`
	Status                 string             `json:"status"`
	EstimatedTimeOfArrival string             `json:"estimatedTimeOfArrival"`
	StoppedInCustoms       bool               `json:"stoppedInCustoms"`
	Events                 []trackingEventDto `json:"events"`
}

type trackingEventDto struct {
	EventTime        string       `json:"eventTime"`
	EventCode        string       `json:"eventCode"`
	Status           string       `json:"status"`
	EventDescription string       `json:"eventDescription"`
	Location         *locationDto `json:"location"`
}

type locationDto struct {
	LocationID   string `json:"locationId"`
	LocationType string `json:"locationType"`
	Name         string `json:"name"`
	DisplayName  string `json:"displayName"`
	City         string `json:"city"`
	CountryCode  string `json:"countryCode"` // three letters: "SWE"
	Country      string `json:"country"`
}
