package sandbox

import "encoding/json"

// What the sandbox reads of an ediInstruction (booking.swagger.json).
// Pointers and raw strings let validation tell "missing" from "empty".

type ediInstruction struct {
	MessageDate     *string       `json:"messageDate"`
	UpdateIndicator *string       `json:"updateIndicator"`
	TestIndicator   bool          `json:"testIndicator"`
	Shipment        []ediShipment `json:"shipment"`
}

type ediShipment struct {
	Service        *ediService        `json:"service"`
	References     []ediReference     `json:"references"`
	Parties        *ediParties        `json:"parties"`
	GoodsItem      []ediGoodsItem     `json:"goodsItem"`
	CustomsInvoice *ediCustomsInvoice `json:"customsInvoice"`
	CN22           *ediCNDeclaration  `json:"customsDeclarationCN22"`
	CN23           *ediCNDeclaration  `json:"customsDeclarationCN23"`
}

// ediCustomsInvoice is what the sandbox checks of definitions/customsInvoice.
type ediCustomsInvoice struct {
	VOEC   string `json:"voec"`
	Seller *struct {
		VATNo string `json:"vatNo"`
	} `json:"seller"`
	DetailedDescription []struct {
		Content         string   `json:"content"`
		Quantity        int      `json:"quantity"`
		HSTariffNumber  string   `json:"hsTariffNumber"`
		CountryOfOrigin string   `json:"countryOfOrigin"`
		ItemValue       *amount  `json:"itemValue"`
		NetWeight       *ediMass `json:"netWeight"`
	} `json:"detailedDescription"`
}

type ediCNDeclaration struct {
	DetailedDescription []struct {
		Content string `json:"content"`
	} `json:"detailedDescription"`
	TotalValue *amount `json:"totalValue"`
}

type amount struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

type ediMass struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

type ediService struct {
	BasicServiceCode      string   `json:"basicServiceCode"`
	AdditionalServiceCode []string `json:"additionalServiceCode"`
}

type ediReference struct {
	ReferenceNo   string `json:"referenceNo"`
	ReferenceType string `json:"referenceType"`
}

type ediParties struct {
	Consignor     *ediConsignor  `json:"consignor"`
	Consignee     *ediPartyBlock `json:"consignee"`
	DeliveryParty *ediPartyBlock `json:"deliveryParty"`
}

type ediConsignor struct {
	IssuerCode          string                  `json:"issuerCode"`
	PartyIdentification *ediPartyIdentification `json:"partyIdentification"`
	Party               *ediParty               `json:"party"`
}

// ediPartyBlock is consignee and deliveryParty alike.
type ediPartyBlock struct {
	IssuerCode          string                  `json:"issuerCode"`
	PartyIdentification *ediPartyIdentification `json:"partyIdentification"`
	Party               *ediParty               `json:"party"`
}

type ediPartyIdentification struct {
	PartyID     string `json:"partyId"`
	PartyIDType string `json:"partyIdType"`
}

type ediParty struct {
	NameIdentification *struct {
		Name        string `json:"name"`
		CompanyName string `json:"companyName"`
	} `json:"nameIdentification"`
	Address *struct {
		Streets     []string `json:"streets"`
		PostalCode  string   `json:"postalCode"`
		City        string   `json:"city"`
		CountryCode string   `json:"countryCode"`
	} `json:"address"`
	Contact *struct {
		ContactName  string `json:"contactName"`
		EmailAddress string `json:"emailAddress"`
		PhoneNo      string `json:"phoneNo"`
		SmsNo        string `json:"smsNo"`
	} `json:"contact"`
}

type ediGoodsItem struct {
	PackageTypeCode string    `json:"packageTypeCode"`
	Items           []ediItem `json:"items"`
}

type ediItem struct {
	ItemIdentification *struct {
		ItemID     string `json:"itemId"`
		ItemIDType string `json:"itemIdType"`
	} `json:"itemIdentification"`
	GrossWeight *struct {
		Value *float64 `json:"value"`
		Unit  string   `json:"unit"`
	} `json:"grossWeight"`
}

// ---- answers ----

type labelResponse struct {
	BookingResponse bookingResponse `json:"bookingResponse"`
	LabelPrintout   []labelPrintout `json:"labelPrintout"`
}

type bookingResponse struct {
	BookingID     string   `json:"bookingId"`
	IDInformation []idInfo `json:"idInformation"`
}

type idInfo struct {
	Status     string        `json:"status"`
	References *idReferences `json:"references,omitempty"`
	IDs        []assignedID  `json:"ids"`
	URLs       []idURL       `json:"urls"`
}

type idReferences struct {
	Shipment []ediReference `json:"shipment,omitempty"`
}

type assignedID struct {
	IDType  string `json:"idType"`
	Value   string `json:"value"`
	PrintID string `json:"printId,omitempty"`
}

type idURL struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type labelPrintout struct {
	ItemIDs  []printoutItemID `json:"itemIds"`
	Printout *printout        `json:"printout,omitempty"`
}

type printoutItemID struct {
	ItemIDs       string         `json:"itemIds"`
	PrintID       string         `json:"printId,omitempty"`
	Status        string         `json:"status"`
	ErrorResponse *errorResponse `json:"errorResponse,omitempty"`
}

type printout struct {
	// LabelFormat is left out of ZPL answers, as PostNord often does.
	LabelFormat string `json:"labelFormat,omitempty"`
	Encoding    string `json:"encoding"`
	Data        string `json:"data"`
}

type errorResponse struct {
	Message        string          `json:"message"`
	CompositeFault *compositeFault `json:"compositeFault,omitempty"`
}

type compositeFault struct {
	Faults []fault `json:"faults"`
}

type fault struct {
	FaultCode       string       `json:"faultCode"`
	ExplanationText string       `json:"explanationText"`
	ParamValues     []paramValue `json:"paramValues,omitempty"`
}

type paramValue struct {
	Param string `json:"param"`
	Value string `json:"value"`
}

type gatewayError struct {
	Error gatewayErrorBody `json:"error"`
}

type gatewayErrorBody struct {
	StatusCode int    `json:"status_code"`
	Message    string `json:"message"`
	Info       string `json:"info,omitempty"`
}

// ---- Track & Trace v7 ----

type trackingResponse struct {
	TrackingInformationResponse trackingInformation `json:"TrackingInformationResponse"`
}

type trackingInformation struct {
	Shipments      []ttShipment    `json:"shipments"`
	CompositeFault *compositeFault `json:"compositeFault,omitempty"`
}

type ttShipment struct {
	ShipmentID             string        `json:"shipmentId"`
	CustomerNumber         string        `json:"customerNumber,omitempty"`
	Status                 string        `json:"status"`
	EstimatedTimeOfArrival string        `json:"estimatedTimeOfArrival,omitempty"`
	Service                ttService     `json:"service"`
	Consignee              ttConsignee   `json:"consignee"`
	ShipmentReferences     []ttReference `json:"shipmentReferences,omitempty"`
	Items                  []ttItem      `json:"items"`
}

// ttReference is ReferenceDto: a shipment reference and its type ("CU").
type ttReference struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

type ttService struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	SourceSystem string `json:"sourceSystem"`
}

type ttConsignee struct {
	Name    string    `json:"name,omitempty"`
	Address ttAddress `json:"address"`
}

type ttAddress struct {
	City        string `json:"city,omitempty"`
	CountryCode string `json:"countryCode,omitempty"`
	PostCode    string `json:"postCode,omitempty"`
}

type ttItem struct {
	ItemID                 string    `json:"itemId"`
	Status                 string    `json:"status"`
	EstimatedTimeOfArrival string    `json:"estimatedTimeOfArrival,omitempty"`
	DeliveryDate           string    `json:"deliveryDate,omitempty"`
	ReturnDate             string    `json:"returnDate,omitempty"`
	StoppedInCustoms       bool      `json:"stoppedInCustoms"`
	Events                 []ttEvent `json:"events"`
}

type ttEvent struct {
	EventTime        string     `json:"eventTime"`
	EventCode        string     `json:"eventCode"`
	Status           string     `json:"status"`
	EventDescription string     `json:"eventDescription"`
	Location         ttLocation `json:"location"`
}

type ttLocation struct {
	LocationID   string `json:"locationId"`
	LocationType string `json:"locationType"`
	CountryCode  string `json:"countryCode"` // three letters, "SWE"
	City         string `json:"city,omitempty"`
	Name         string `json:"name,omitempty"`
}

// rawJSON keeps a recorded request body as JSON in /_sandbox/bookings.
type rawJSON = json.RawMessage
